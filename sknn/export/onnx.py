"""``to_onnx``: one fitted sknn estimator as an ONNX graph, through torch's exporter.

The graph takes what ``predict`` takes after the estimator's own input
handling (see :mod:`sknn.export.graphs`) with a dynamic batch axis (and a
dynamic time axis for the RNNs), and returns

* classifiers: ``label`` (the ``classes_`` entry, int64, double or string;
  for a ``'logistic'`` multilabel head an int64 indicator matrix) and
  ``probabilities`` (float32, ``(N, n_classes)``), as skl2onnx names them;
* regressors: ``variable`` (float32, ``(N, n_outputs)``).

Exporter: ``torch.onnx.export(dynamo=True)`` (torch.export + onnxscript) for
the MLPs and the CNN; the TorchScript exporter (``dynamo=False``) for the
RNNs and whenever the dynamo path fails or its graph does not reproduce the
torch outputs.  Each graph is checked with onnxruntime on a batch of another
size (and, for the RNNs, another length) than the one it was traced with.
Why the RNNs use TorchScript: with torch 2.13 / onnxscript 0.7 the dynamo
graph of a two-layer LSTM is rejected by onnxruntime at run time (its second
layer's ``initial_h`` gets the wrong batch size), and the dynamo export of a
one-layer BiGRU took 35 s against 0.7 s.  Which exporter made a graph is
stored in its ``metadata_props`` under ``sknn.exporter``.
"""

import contextlib
import io
import logging
import numbers
import warnings

import numpy as np
import torch
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from ..modules.backbone_net import BackboneNet
from ..modules.conv import ConvNet
from ..modules.recurrent import RecurrentNet
from .graphs import ImageGraph, SequenceGraph, TabularGraph, output_activation

#: the lowest ``target_opset`` sknn exports to: the recurrent graphs need
#: opset 12's operators (below it torch's exporter lacks ``arange`` or gives
#: a graph onnxruntime computes differently), and the classifiers' ``label``
#: output needs opset 9
MIN_OPSET = 12

__all__ = ["estimator_to_onnx", "graph_inputs"]


def _require_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "ONNX export needs the 'export' extra: pip install 'sknn-torch[export]' "
            "(onnx, onnxruntime, onnxscript, skl2onnx, safetensors).") from exc


def _image_layout(estimator):
    from ..estimators.image_layout import to_chw

    shape = tuple(estimator._flat_image_shape_)
    _, last = to_chw(shape, estimator.data_format)
    return shape, {None: "hw", True: "hwc", False: "chw"}[last]


def graph_inputs(estimator):
    """The torch module to export, its example input and its dynamic axes.

    Returns
    -------
    graph : torch.nn.Module
    example : torch.Tensor
        A batch of two inputs (the exporter specialises sizes 0 and 1).
    dynamic_axes : dict
        Axis -> name (``'batch'``, ``'time'``).
    """
    check_is_fitted(estimator, "net_")
    module = estimator.net_.module_
    activation = output_activation(estimator)
    if isinstance(module, RecurrentNet):
        graph = SequenceGraph(module, activation, module.vocab_size if module.tokens else None)
        if module.tokens:
            example = torch.tensor([[2, 1, 0], [0, 1, 1]], dtype=torch.int64)
            example = example.clamp(max=module.vocab_size - 1)
        else:
            example = torch.zeros((2, 3, estimator._n_step_features), dtype=torch.float32)
        return graph, example, {0: "batch", 1: "time"}
    if isinstance(module, (ConvNet, BackboneNet)):
        shape, layout = _image_layout(estimator)
        spec, _ = estimator._example_spec_
        uint8 = np.dtype(spec[0][1]) == np.uint8
        example = torch.zeros((2,) + shape, dtype=torch.uint8 if uint8 else torch.float32)
        return ImageGraph(module, activation, layout), example, {0: "batch"}
    example = torch.zeros((2, estimator.n_features_in_), dtype=torch.float32)
    return TabularGraph(module, activation), example, {0: "batch"}


def _check_batch(example, sequences):
    """A batch of 3 (and 4 steps for sequences) built from ``example``'s first row."""
    row = example[:1]
    if sequences:
        row = torch.cat([row, row[:, :1]], dim=1)
    return torch.cat([row, row, row])


def _reproduces(model, graph, example):
    """Whether onnxruntime runs ``model`` and matches ``graph`` on a fresh batch shape."""
    try:
        import onnxruntime as ort
    except ImportError:  # pragma: no cover - the export extra has it
        return True
    batch = _check_batch(example, isinstance(graph, SequenceGraph))
    with torch.inference_mode():
        expected = graph(batch).numpy()
    try:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        got = session.run(None, {"X": batch.numpy()})[0]
    except Exception:  # noqa: BLE001 - a graph onnxruntime cannot run
        return False
    return got.shape == expected.shape and np.allclose(got, expected, rtol=1e-4, atol=1e-5)


# torch's exporters log through these loggers; at INFO/WARNING level they say
# things such as "torchvision is not installed. Skipping torchvision::nms" on
# every export, which read like errors and are not about the user's model.
_EXPORTER_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "torch._export",
                     "onnxscript")


@contextlib.contextmanager
def _quiet_exporter():
    """Silence the exporters' routine log lines; their errors still show."""
    loggers = [logging.getLogger(name) for name in _EXPORTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _export_dynamo(graph, example, axes, output_name, opset):
    dims = {axis: torch.export.Dim.DYNAMIC for axis in axes}
    kwargs = {} if opset is None else {"opset_version": opset}
    with _quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            graph, (example,), dynamo=True, dynamic_shapes=(dims,), input_names=["X"],
            output_names=[output_name], verbose=False, optimize=True, **kwargs)
    return program.model_proto


def _export_torchscript(graph, example, axes, output_name, opset):
    import onnx

    buffer = io.BytesIO()
    kwargs = {} if opset is None else {"opset_version": opset}
    with _quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (example,), buffer, dynamo=False, input_names=["X"],
            output_names=[output_name],
            dynamic_axes={"X": dict(axes), output_name: {0: "batch"}}, **kwargs)
    return onnx.load_from_string(buffer.getvalue())


def _name_dims(model, axes):
    """Give the dynamic axes of input ``X`` and of the outputs readable names."""
    inp = model.graph.input[0].type.tensor_type.shape.dim
    for axis, name in axes.items():
        inp[axis].ClearField("dim_value")
        inp[axis].dim_param = name
    for out in model.graph.output:
        dims = out.type.tensor_type.shape.dim
        if len(dims):
            dims[0].ClearField("dim_value")
            dims[0].dim_param = "batch"


def _classes_tensor(classes):
    from onnx import numpy_helper

    kind = classes.dtype.kind
    if kind in "iub":
        values = classes.astype(np.int64)
    elif kind == "f":
        values = classes.astype(np.float64)
    elif kind in "USO":
        values = np.array([str(c) for c in classes], dtype=object)
    else:
        raise ValueError(f"classes_ of dtype {classes.dtype} cannot be written to ONNX.")
    return numpy_helper.from_array(values, name="classes")


def _add_label(model, estimator, activation):
    """Append the ``label`` output: argmax -> classes_, or p > 0.5 for a multilabel head."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    if activation == "logistic":
        graph.initializer.append(numpy_helper.from_array(
            np.array(0.5, dtype=np.float32), name="label_threshold"))
        graph.node.extend([
            helper.make_node("Greater", ["probabilities", "label_threshold"], ["label_bool"],
                             name="label_greater"),
            helper.make_node("Cast", ["label_bool"], ["label"], to=TensorProto.INT64,
                             name="label_cast"),
        ])
        label_type, label_shape = TensorProto.INT64, ["batch", len(estimator.classes_)]
    else:
        classes = _classes_tensor(np.asarray(estimator.classes_))
        graph.initializer.append(classes)
        graph.node.extend([
            helper.make_node("ArgMax", ["probabilities"], ["label_index"], axis=1,
                             keepdims=0, name="label_argmax"),
            helper.make_node("Gather", ["classes", "label_index"], ["label"], axis=0,
                             name="label_gather"),
        ])
        label_type, label_shape = classes.data_type, ["batch"]
    label = helper.make_tensor_value_info("label", label_type, label_shape)
    outputs = list(graph.output)
    del graph.output[:]
    graph.output.extend([label] + outputs)


def estimator_to_onnx(estimator, *, target_opset=None, dynamo=None):
    """Export a fitted sknn estimator to an ``onnx.ModelProto``.

    Parameters
    ----------
    estimator : fitted sknn estimator
    target_opset : int or None, default=None
        The ONNX opset, :data:`MIN_OPSET` (12) or later (a lower one raises a
        ``ValueError``); None: the exporter's default.  The dynamo exporter
        needs 18 or more.
    dynamo : bool or None, default=None
        None: the dynamo exporter for the MLPs and the CNN, TorchScript for the
        RNNs.  True: try ``torch.onnx.export(dynamo=True)`` first, falling back
        to TorchScript when it fails or its graph does not reproduce the torch
        outputs.  False: TorchScript only.

    Returns
    -------
    onnx.ModelProto
    """
    if target_opset is not None and (
            not isinstance(target_opset, numbers.Integral) or isinstance(target_opset, bool)
            or target_opset < MIN_OPSET):
        raise ValueError(
            f"target_opset={target_opset!r} is not supported: sknn exports to ONNX opset "
            f"{MIN_OPSET} or later (the recurrent graphs need opset {MIN_OPSET}'s operators; "
            "the dynamo exporter needs 18); pass an int >= "
            f"{MIN_OPSET}, or None for the exporter's default.")
    _require_onnx()
    import onnx

    graph, example, axes = graph_inputs(estimator)
    classifier = is_classifier(estimator)
    activation = graph.activation
    output_name = "probabilities" if classifier else "variable"
    if dynamo is None:
        dynamo = not isinstance(graph, SequenceGraph)
    model, exporter, failure = None, None, None
    if dynamo and (target_opset is None or target_opset >= 18):
        try:
            model = _export_dynamo(graph, example, axes, output_name, target_opset)
            exporter = "dynamo"
            if not _reproduces(model, graph, example):
                model, failure = None, "its graph did not reproduce the torch outputs"
        except Exception as exc:  # noqa: BLE001 - any exporter failure falls back
            model, failure = None, repr(exc)
    if model is None:
        try:
            model = _export_torchscript(graph, example, axes, output_name, target_opset)
        except Exception as exc:
            if failure is not None:
                raise RuntimeError(
                    f"Both torch ONNX exporters failed for {type(estimator).__name__}; "
                    f"dynamo: {failure}") from exc
            raise
        exporter = "torchscript"
        if not _reproduces(model, graph, example):
            raise RuntimeError(
                f"The ONNX graph of {type(estimator).__name__} does not reproduce its torch "
                "outputs in onnxruntime; please report this with the estimator's parameters.")
    _name_dims(model, axes)
    if classifier:
        _add_label(model, estimator, activation)
    onnx.helper.set_model_props(model, {
        "sknn.estimator": type(estimator).__name__, "sknn.exporter": exporter,
        "sknn.output_activation": activation})
    model.producer_name = "sknn"
    onnx.checker.check_model(model)
    return model
