"""sknn's estimators and ``TextVectorizer`` registered with skl2onnx, for whole pipelines.

After :func:`register` (importing :mod:`sknn.export` and calling
``sknn.export.register_skl2onnx_converters()``), ``skl2onnx.to_onnx`` converts
pipelines that contain sknn estimators into one ONNX graph, as it does for
scikit-learn's own MLP::

    import skl2onnx
    from sknn.export import register_skl2onnx_converters
    register_skl2onnx_converters()
    onx = skl2onnx.to_onnx(make_pipeline(StandardScaler(), MLPClassifier()).fit(X, y), X[:1])

Each sknn estimator is converted by exporting it with
:func:`sknn.export.onnx.estimator_to_onnx` at the pipeline's opset and
inlining that graph (its names prefixed) into skl2onnx's; the incoming tensor
is cast to the graph's input type and, for the CNN, reshaped from flat rows
to the fitted per-image layout.  Classifiers follow skl2onnx's conventions:
outputs ``label`` and ``probabilities``, with a ``ZipMap`` unless
``options={id(clf): {'zipmap': False}}`` (or ``{'zipmap': False}`` for
every classifier).

``TextVectorizer`` is converted as the equivalent scikit-learn
``CountVectorizer``/``TfidfVectorizer`` (same vocabulary, same idf), which
skl2onnx writes with ONNX's ``StringNormalizer``, onnxruntime's ``Tokenizer``
and ``TfIdfVectorizer`` operators; see :mod:`sknn.export.text_vectorizer`
for the options this can express.
"""

import numpy as np

from ..estimators import (
    CNNImageClassifier,
    MLPClassifier,
    MLPRegressor,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from ..text import TextVectorizer

__all__ = ["register"]

_CLASSIFIERS = (MLPClassifier, CNNImageClassifier, RNNSequenceClassifier)
_REGRESSORS = (MLPRegressor, RNNSequenceRegressor)
_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False],
                       "output_class_labels": [False, True]}
_registered = False


def _batch(operator):
    shape = operator.inputs[0].type.shape
    return shape[0] if shape else None


def _classifier_shapes(operator):
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    est = operator.raw_operator
    n = _batch(operator)
    n_classes = len(est.classes_)
    from .graphs import output_activation

    if output_activation(est) == "logistic":
        operator.outputs[0].type = Int64TensorType([n, n_classes])
    elif np.asarray(est.classes_).dtype.kind in "iub":
        operator.outputs[0].type = Int64TensorType([n])
    else:
        operator.outputs[0].type = StringTensorType([n])
    operator.outputs[1].type = FloatTensorType([n, n_classes])


def _regressor_shapes(operator):
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType([_batch(operator), operator.raw_operator.n_outputs_])


def _opset(container):
    opset = container.target_opset
    if isinstance(opset, dict):
        opset = opset.get("", None)
    return opset


def _inline(scope, operator, container, model, source_input):
    """Copy ``model``'s nodes and initializers into ``container``, names prefixed."""
    from onnx import numpy_helper
    from onnx.helper import get_attribute_value
    from onnx.inliner import inline_local_functions

    model = inline_local_functions(model)
    prefix = scope.get_unique_operator_name(type(operator.raw_operator).__name__) + "_"
    outputs = [o.name for o in model.graph.output]
    renames = {"": "", model.graph.input[0].name: source_input}
    for name, target in zip(outputs, operator.outputs):
        renames[name] = target.full_name

    def rename(name):
        if name not in renames:
            renames[name] = prefix + name
        return renames[name]

    for tensor in model.graph.initializer:
        array = numpy_helper.to_array(tensor)
        if array.dtype == object:
            content = [v.encode() if isinstance(v, str) else v for v in array.ravel()]
            container.add_initializer(rename(tensor.name), tensor.data_type,
                                      list(array.shape), content)
        else:
            proto = numpy_helper.from_array(np.ascontiguousarray(array))
            container.add_initializer(rename(tensor.name), tensor.data_type,
                                      list(array.shape), proto)
    versions = {o.domain: o.version for o in model.opset_import}
    for node in model.graph.node:
        attrs = {}
        for attr in node.attribute:
            if attr.g.node or attr.graphs:
                raise NotImplementedError(
                    f"The ONNX graph of {type(operator.raw_operator).__name__} has a "
                    f"{node.op_type} node with a subgraph, which sknn does not inline.")
            attrs[attr.name] = get_attribute_value(attr)
        container.add_node(
            node.op_type, [rename(i) for i in node.input], [rename(o) for o in node.output],
            op_domain=node.domain, op_version=versions.get(node.domain),
            name=prefix + (node.name or node.op_type), **attrs)


def _convert(scope, operator, container):
    from onnx import TensorProto

    from .onnx import estimator_to_onnx

    est = operator.raw_operator
    opset = _opset(container)
    model = estimator_to_onnx(est, target_opset=opset)
    graph_input = model.graph.input[0].type.tensor_type
    source = operator.inputs[0].full_name
    incoming = operator.inputs[0].type.to_onnx_type().tensor_type.elem_type
    if incoming != graph_input.elem_type:
        cast = scope.get_unique_variable_name("sknn_cast")
        container.add_node("Cast", source, cast, to=graph_input.elem_type,
                           name=scope.get_unique_operator_name("SknnCast"))
        source = cast
    rank = len(graph_input.shape.dim)
    if isinstance(est, CNNImageClassifier) and rank != 2:
        shape = scope.get_unique_variable_name("sknn_image_shape")
        container.add_initializer(shape, TensorProto.INT64, [rank],
                                  [-1] + list(est._flat_image_shape_))
        images = scope.get_unique_variable_name("sknn_images")
        container.add_node("Reshape", [source, shape], images,
                           name=scope.get_unique_operator_name("SknnReshape"))
        source = images
    _inline(scope, operator, container, model, source)


def register():
    """Register the converters with skl2onnx (idempotent)."""
    global _registered
    if _registered:
        return
    from skl2onnx import update_registered_converter
    from skl2onnx.common._registration import register_converter, register_shape_calculator

    from .text_vectorizer import (
        convert_select_columns,
        convert_text_vectorizer,
        parse_text_vectorizer,
        select_columns_shapes,
        text_vectorizer_shapes,
    )

    for cls in _CLASSIFIERS:
        update_registered_converter(cls, f"Sknn{cls.__name__}", _classifier_shapes, _convert,
                                    options=dict(_CLASSIFIER_OPTIONS))
    for cls in _REGRESSORS:
        update_registered_converter(cls, f"Sknn{cls.__name__}", _regressor_shapes, _convert)
    update_registered_converter(
        TextVectorizer, "SknnTextVectorizer", text_vectorizer_shapes, convert_text_vectorizer,
        parser=parse_text_vectorizer, options={"locale": None})
    register_converter("SknnSelectColumns", convert_select_columns, overwrite=True)
    register_shape_calculator("SknnSelectColumns", select_columns_shapes, overwrite=True)
    _registered = True
