"""``to_onnx``, ``save_weights`` and ``load_weights``: the deployment methods of every estimator.

A mixin inherited by :class:`sknn.core.base.NeuralEstimatorBase`; the work is
done in :mod:`sknn.export.onnx` and :mod:`sknn.export.weights`, imported when
a method is called (onnx, onnxruntime and safetensors are optional:
``pip install 'sknn-torch[export]'``).
"""


class ExportMixin:
    """Deployment methods shared by the sknn estimators."""

    def to_onnx(self, path=None, *, target_opset=None, dynamo=None):
        """Export the fitted estimator as an ONNX graph.

        The graph takes what ``predict`` takes after the estimator's input
        checks, as input ``X`` with a dynamic batch axis: float32 rows (MLP);
        images in the fitted per-image layout, float32 or uint8 as fitted
        (CNN); padded int64 token ids ``(N, T)`` or float32 series
        ``(N, T, F)`` with trailing all-NaN padding, with a dynamic time axis
        (RNN).  Outputs: ``label`` and ``probabilities`` (classifiers), or
        ``variable`` of shape ``(N, n_outputs)`` (regressors).

        Parameters
        ----------
        path : str or path-like, optional
            Also write the model to this file.
        target_opset : int, optional
            The ONNX opset, 12 or later (a lower one raises a ValueError naming
            the lowest supported opset); default: the exporter's.
        dynamo : bool or None, default=None
            None: torch's dynamo exporter for the MLPs and the CNN,
            TorchScript for the RNNs; True/False: try dynamo first / use
            TorchScript only (see :mod:`sknn.export.onnx`).

        Returns
        -------
        onnx.ModelProto
        """
        from .onnx import estimator_to_onnx

        model = estimator_to_onnx(self, target_opset=target_opset, dynamo=dynamo)
        if path is not None:
            import onnx

            onnx.save_model(model, str(path))
        return model

    def save_weights(self, path):
        """Save the fitted estimator to a safetensors file, without pickle.

        The tensors hold the module's parameters; the file's header holds a
        JSON document with ``get_params()`` and the fitted attributes
        (``classes_``, ``n_features_in_``...).  Read it back with
        :meth:`load_weights` or :func:`sknn.export.load_weights`.
        """
        from .weights import save_weights

        save_weights(self, path)

    def load_weights(self, path, device=None):
        """Load a file written by :meth:`save_weights` into this estimator; return ``self``.

        The parameters and fitted attributes are replaced by the file's; the
        file must hold an estimator of this class.  Loading executes no code.
        ``device``: where the module goes; None: the saved ``device``
        parameter, or the CPU when that device is missing (a model saved on
        CUDA loads on a CPU-only machine).
        """
        from .weights import load_into

        return load_into(self, path, device=device)
