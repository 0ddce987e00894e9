"""``TextVectorizer`` in ONNX: as the scikit-learn vectorizer skl2onnx can convert.

A fitted :class:`sknn.text.TextVectorizer` is handed to skl2onnx as a
scikit-learn ``CountVectorizer`` (``output_mode='count'``; ``'multi_hot'``
with ``binary=True``) or ``TfidfVectorizer`` (``'tfidf'``: the same smooth
idf and L2 norm) with the same vocabulary and idf.  Its tokens are runs of
non-whitespace characters (:data:`TOKEN_PATTERN`, the ``str.split()`` of
``analyzer='word'``, Unicode whitespace included), lowercased when
``lowercase=True``.

What ONNX's string operators cannot express raises a ``ValueError`` that
names the options: ``strip_punctuation=True`` (the default: deleting
characters inside a token has no ONNX operator, so strip the punctuation
before the vectorizer and fit with ``strip_punctuation=False``),
``strip_accents``, ``analyzer`` other than ``'word'``, and the sequence
output modes ``'int'`` and ``'one_hot'``.
Lowercasing runs in the locale ``C.UTF-8`` (:data:`DEFAULT_LOCALE`); another
one is chosen with skl2onnx's ``options={id(vectorizer): {'locale': ...}}``.
"""

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

__all__ = ["convert_select_columns", "convert_text_vectorizer", "equivalent_sklearn_vectorizer",
           "parse_text_vectorizer", "select_columns_shapes", "text_vectorizer_shapes"]

_EXPORTABLE_MODES = ("count", "multi_hot", "tfidf")
#: runs of characters that are not whitespace to ``str.split()`` (its
#: characters written literally, for Python's re and onnxruntime's RE2 alike)
TOKEN_PATTERN = "[^" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]+"
#: locale of the lowercasing ``StringNormalizer``; onnxruntime's default,
#: en_US.UTF-8, is missing on many servers and containers
DEFAULT_LOCALE = "C.UTF-8"


def equivalent_sklearn_vectorizer(vectorizer):
    """The fitted ``CountVectorizer``/``TfidfVectorizer`` that computes what ``vectorizer`` does.

    Raises
    ------
    ValueError
        Naming every option of ``vectorizer`` that ONNX cannot express.
    """
    check_is_fitted(vectorizer, "vocabulary_")
    problems = []
    if vectorizer.output_mode not in _EXPORTABLE_MODES:
        problems.append(
            f"output_mode={vectorizer.output_mode!r} (exportable: {list(_EXPORTABLE_MODES)})")
    if callable(vectorizer.analyzer) or vectorizer.analyzer != "word":
        problems.append(f"analyzer={vectorizer.analyzer!r} (exportable: 'word')")
    if vectorizer.strip_punctuation:
        problems.append(
            "strip_punctuation=True (ONNX cannot delete characters inside a token; strip "
            "punctuation before the vectorizer and use strip_punctuation=False)")
    if vectorizer.strip_accents is not None:
        problems.append(f"strip_accents={vectorizer.strip_accents!r} (exportable: None)")
    if problems:
        raise ValueError(
            "This TextVectorizer cannot be converted to ONNX; options not exportable: "
            + "; ".join(problems) + ".")
    common = dict(lowercase=vectorizer.lowercase, ngram_range=tuple(vectorizer.ngram_range),
                  token_pattern=TOKEN_PATTERN)
    vocabulary = dict(vectorizer.vocabulary_)
    n_columns = len(vocabulary)
    # onnxruntime's TfIdfVectorizer finds an n-gram only when each of its words
    # is a unigram of the pool (skl2onnx issue #519): add the missing words as
    # extra columns after the real ones, with idf 0, and drop them afterwards.
    for token in list(vectorizer.vocabulary_):
        for word in token.split(" ") if " " in token else ():
            if word not in vocabulary:
                vocabulary[word] = len(vocabulary)
    if vectorizer.output_mode == "tfidf":
        proxy = TfidfVectorizer(**common)
        proxy.vocabulary_ = vocabulary
        proxy.idf_ = np.concatenate([vectorizer.idf_, np.zeros(len(vocabulary) - n_columns)])
    else:
        proxy = CountVectorizer(binary=vectorizer.output_mode == "multi_hot", **common)
        proxy.vocabulary_ = vocabulary
    proxy.fixed_vocabulary_ = False
    proxy.sknn_n_columns_ = n_columns
    return proxy


def parse_text_vectorizer(scope, model, inputs, custom_parsers=None):
    """skl2onnx parser: the scikit-learn equivalent, then the helper columns dropped."""
    from skl2onnx.common.data_types import FloatTensorType

    proxy = equivalent_sklearn_vectorizer(model)
    options = scope.get_options(model, {"locale": None}, fail=False) or {}
    proxy.sknn_locale_ = options.get("locale") or DEFAULT_LOCALE
    operator = scope.declare_local_operator("SknnTextVectorizer", proxy)
    operator.inputs = list(inputs)
    operator.outputs.append(scope.declare_local_variable("tokens", FloatTensorType()))
    if proxy.sknn_n_columns_ == len(proxy.vocabulary_):
        return operator.outputs
    select = scope.declare_local_operator("SknnSelectColumns", proxy)
    select.inputs.append(operator.outputs[0])
    select.outputs.append(scope.declare_local_variable("variable", FloatTensorType()))
    return select.outputs


def _sklearn_alias(proxy):
    from skl2onnx._supported_operators import sklearn_operator_name_map

    return sklearn_operator_name_map[type(proxy)]


def _batch(operator):
    shape = operator.inputs[0].type.shape
    return shape[0] if shape else None


def text_vectorizer_shapes(operator):
    """skl2onnx shape calculator: ``(N, columns)`` floats, helper columns included."""
    from skl2onnx.common.data_types import FloatTensorType

    width = len(operator.raw_operator.vocabulary_)
    operator.outputs[0].type = FloatTensorType([_batch(operator), width])


def convert_text_vectorizer(scope, operator, container):
    """skl2onnx converter: skl2onnx's own for the equivalent, with the locale set."""
    from skl2onnx.common._registration import get_converter

    proxy = operator.raw_operator
    container.add_options(id(proxy), {"locale": proxy.sknn_locale_})
    get_converter(_sklearn_alias(proxy))(scope, operator, container)


def select_columns_shapes(operator):
    """skl2onnx shape calculator: the vectorizer's own columns."""
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType(
        [_batch(operator), operator.raw_operator.sknn_n_columns_])


def convert_select_columns(scope, operator, container):
    """skl2onnx converter: keep the first ``sknn_n_columns_`` columns."""
    from onnx import TensorProto

    n_columns = operator.raw_operator.sknn_n_columns_
    columns = scope.get_unique_variable_name("sknn_columns")
    container.add_initializer(columns, TensorProto.INT64, [n_columns], list(range(n_columns)))
    container.add_node("Gather", [operator.inputs[0].full_name, columns],
                       operator.outputs[0].full_name, axis=1,
                       name=scope.get_unique_operator_name("SknnSelectColumns"))
