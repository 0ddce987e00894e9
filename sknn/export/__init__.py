"""Deploying sknn models: ONNX graphs, skl2onnx converters, and safe weight files.

* :mod:`sknn.export.onnx`: ``estimator.to_onnx()``, one estimator as an ONNX graph;
* :mod:`sknn.export.skl2onnx_converters`: sknn's estimators and ``TextVectorizer``
  registered with skl2onnx, so ``skl2onnx.to_onnx(pipeline, X)`` converts whole
  pipelines (call :func:`register_skl2onnx_converters`, done by importing this
  package's ``skl2onnx_converters`` module);
* :mod:`sknn.export.weights`: ``save_weights``/``load_weights`` (safetensors + JSON).
"""

from .weights import load_weights, read_metadata, save_weights


def register_skl2onnx_converters():
    """Register sknn's estimators and ``TextVectorizer`` with skl2onnx (idempotent)."""
    from .skl2onnx_converters import register

    register()


__all__ = ["load_weights", "read_metadata", "register_skl2onnx_converters", "save_weights"]
