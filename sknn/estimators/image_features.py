"""``ImageFeatureExtractor``: a transformer from images to pooled (pretrained) backbone features."""

import os
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..core.batches import ArrayDataset, BatchIterator
from ..core.device import resolve_device
from . import backbone_setup
from .image_layout import DATA_FORMATS, validate_images

_POSITIVE = Interval(Integral, 1, None, closed="left")


class ImageFeatureExtractor(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Turn images into the pooled features of a pretrained backbone (a transformer).

    ``fit`` builds the backbone and loads its weights (it learns nothing from
    ``X`` but its image shape); ``transform`` runs the images through it in
    batches, on ``device``, in eval mode and without gradients, and returns
    the globally average-pooled features, one row per image.  So::

        make_pipeline(ImageFeatureExtractor("efficientnet_lite0", weights="imagenet"),
                      LogisticRegression(max_iter=1000))

    is the "frozen backbone + linear classifier" recipe of transfer learning.
    Images are taken as :class:`CNNImageClassifier` takes them (``(n, H, W)``
    grey-scale, ``(n, H, W, C)``/``(n, C, H, W)``, flat rows with
    ``image_shape``; ``uint8`` scaled to [0, 1]) and adapted to the backbone:
    grey-scale repeated to 3 channels, resized to ``input_size``, normalised
    as the weights were trained.

    Parameters
    ----------
    backbone : str or torch.nn.Module, default='efficientnet_lite0'
        ``'efficientnet_lite0'``, ``'torchvision:NAME'``, ``'timm:NAME'``, or
        a feature-extracting module (deep-copied; its output, ``(N, F)`` or
        ``(N, F, h, w)`` maps, is pooled to ``(N, F)``).
    weights : None, str or path-like, default='imagenet'
        A weight name (``'imagenet'``) resolved to a local file, a path to a
        state-dict or safetensors file, or None (random init).  Never downloaded.
    input_size : 'auto', None, int or (int, int), default='auto'
        Size the images are resized to: ``'auto'`` the backbone's (224 for
        EfficientNet-Lite0; no resize for a module); None keeps the images' size.
    batch_size : int, default=64
        Images per forward pass.
    image_shape : tuple of int or None, default=None
        Shape of one image for flat input (see :class:`CNNImageClassifier`).
    data_format : {'auto', 'channels_last', 'channels_first'}, default='auto'
    device : str, default='auto'
        ``'auto'`` (CUDA when present, else CPU) or a torch device string.

    Attributes
    ----------
    module_ : sknn.modules.backbone_net.BackboneNet
        The backbone (no head), in eval mode.
    n_features_in_, feature_names_in_, image_shape_
        As :class:`CNNImageClassifier`.
    n_features_out_ : int
        Width of the features (1280 for EfficientNet-Lite0).
    weights_path_ : str or None
        The file the weights were read from.
    device_ : torch.device
    """

    _parameter_constraints = {
        "backbone": [str, nn.Module],
        "weights": [None, str, os.PathLike],
        "input_size": [StrOptions({"auto"}), None, _POSITIVE, "array-like"],
        "batch_size": [_POSITIVE],
        "image_shape": [None, "array-like"],
        "data_format": [StrOptions(set(DATA_FORMATS))],
        "device": [str, torch.device],
    }

    def __init__(self, backbone="efficientnet_lite0", *, weights="imagenet", input_size="auto",
                 batch_size=64, image_shape=None, data_format="auto", device="auto"):
        self.backbone = backbone
        self.weights = weights
        self.input_size = input_size
        self.batch_size = batch_size
        self.image_shape = image_shape
        self.data_format = data_format
        self.device = device

    def fit(self, X, y=None):
        """Build the backbone for images like ``X`` and load its weights; return self."""
        self._validate_params()
        path = backbone_setup.weight_file(self)
        X = validate_images(self, X, reset=True)
        _, channels, height, width = X.shape
        device = resolve_device(self.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # a random-init backbone is the same at every fit
            module = backbone_setup.build_net(self, channels, (height, width), 0)
        backbone_setup.load_weights(module, path)
        self.module_ = module.to(device).eval()
        self.device_ = device
        self.weights_path_ = None if path is None else str(path)
        self._n_features_out = module.n_features
        return self

    @property
    def n_features_out_(self):
        check_is_fitted(self, "module_")
        return self._n_features_out

    def transform(self, X):
        """Pooled backbone features of the images ``X``: ``(n, n_features_out_)`` float32."""
        check_is_fitted(self, "module_")
        X = validate_images(self, X, reset=False)
        module = self.module_
        dtype = next(p.dtype for p in module.parameters() if p.is_floating_point())
        data = ArrayDataset(X, device=self.device_, dtype=dtype, resident=False)
        out = np.empty((len(data), self._n_features_out), dtype=np.float32)
        start = 0
        module.eval()
        with torch.inference_mode():
            for xb, _ in BatchIterator(data, self.batch_size):
                features = module(xb).to(torch.float32).cpu().numpy()
                out[start:start + len(features)] = features
                start += len(features)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.transformer_tags.preserves_dtype = []
        return tags
