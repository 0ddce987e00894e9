"""Turning the image layouts :class:`~sknn.CNNImageClassifier` accepts into ``(n, C, H, W)``.

Accepted ``X`` (``n`` images):

* ``(n, H, W)``: grey-scale images;
* ``(n, H, W, C)`` or ``(n, C, H, W)``: ``data_format`` says which; with
  ``'auto'`` a last axis of size 1, 3 or 4 means channels last (Keras's
  layout), otherwise a second axis of size 1, 3 or 4 means channels first,
  otherwise the layout is ambiguous and an error asks for ``data_format``;
* flat ``(n, H*W*C)`` rows, or a DataFrame of pixel columns: each row is
  reshaped (C order) to ``image_shape``, read like the per-image shape of a
  3-D/4-D ``X`` (``(H, W)``, or ``(H, W, C)``/``(C, H, W)`` as ``data_format``
  says).  Without ``image_shape`` a row of ``F`` values is a square grey image
  when ``F`` is a perfect square (784 -> 28x28) and otherwise a one-pixel-high
  grey image ``1 x F`` (the convolutions then run along the row, as on a 1-D
  signal); once fitted, flat rows are reshaped to the fitted images' shape.

``uint8`` pixels stay ``uint8`` (the module scales them to [0, 1]); float64
stays float64; every other type becomes float32 (other integer types are not
rescaled).  NaN and infinite values are rejected.  The caller's data is never
modified.
"""

import math

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

from ..core.dtypes import input_float_dtype

DATA_FORMATS = ("auto", "channels_last", "channels_first")
_CHANNEL_SIZES = (1, 3, 4)


def _raw_dtype(X):
    dtype = getattr(X, "dtype", None)
    if dtype is None and hasattr(X, "dtypes"):  # DataFrame
        kinds = {np.dtype(d) if isinstance(d, np.dtype) else d for d in X.dtypes}
        if len(kinds) == 1:
            dtype = next(iter(kinds))
    try:
        return np.dtype(dtype) if dtype is not None else None
    except TypeError:  # pandas extension dtypes
        return None


def target_dtype(X):
    """``np.uint8`` for 8-bit pixels, else the float type of the fit (see ``core.dtypes``)."""
    if _raw_dtype(X) == np.uint8:
        return np.uint8
    return input_float_dtype(X)


def check_image_shape(image_shape):
    """Return ``image_shape`` as a tuple of 2 or 3 positive ints, or raise ``ValueError``."""
    try:
        shape = tuple(int(s) for s in image_shape)
        ok = len(shape) in (2, 3) and all(
            s == v and s >= 1 for s, v in zip(shape, image_shape))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "image_shape must be (height, width), (height, width, channels) or "
            f"(channels, height, width) with positive integers; got {image_shape!r}.")
    return shape


def to_chw(shape, data_format):
    """Resolve a per-image shape to ``((C, H, W), channels_last)``.

    ``channels_last`` is True/False for a 3-axis shape and None for ``(H, W)``.
    """
    if len(shape) == 2:
        return (1, shape[0], shape[1]), None
    if data_format == "channels_last":
        last = True
    elif data_format == "channels_first":
        last = False
    elif shape[2] in _CHANNEL_SIZES:
        last = True
    elif shape[0] in _CHANNEL_SIZES:
        last = False
    else:
        raise ValueError(
            f"Cannot tell which axis of images of shape {shape} holds the channels "
            "(data_format='auto' looks for 1, 3 or 4 channels on the last, then the "
            "first axis); pass data_format='channels_last' or 'channels_first'.")
    if last:
        return (shape[2], shape[0], shape[1]), True
    return tuple(shape), False


def describe(chw):
    """``'(H, W, C)'`` text for error messages."""
    c, h, w = chw
    return f"(height, width, channels) = ({h}, {w}, {c})"


def default_flat_shape(n_features):
    """Image shape of a flat row of ``n_features`` values when no ``image_shape`` is given."""
    side = math.isqrt(n_features)
    if side * side == n_features:
        return (side, side)
    return (1, n_features)


def validate_images(estimator, X, *, reset):
    """Check ``X`` and return it as an ``(n, C, H, W)`` array.

    Sets ``n_features_in_`` (pixels x channels per image, i.e. the columns of
    flat input), ``feature_names_in_`` (DataFrame input), ``image_shape_``
    (``(height, width, channels)``) and the per-image shape that flat input
    is reshaped to, when ``reset``; otherwise checks ``X`` against them.
    """
    name = type(estimator).__name__
    data_format = estimator.data_format
    image_shape = (None if estimator.image_shape is None
                   else check_image_shape(estimator.image_shape))
    dtype = target_dtype(X)
    flat = _is_flat(X)
    if flat:
        X = validate_data(estimator, X, reset=reset, dtype=dtype, ensure_min_samples=1)
        n_features = X.shape[1]
        if image_shape is not None:
            shape = image_shape
        elif not reset:
            shape = estimator._flat_image_shape_
        else:
            shape = default_flat_shape(n_features)
        if math.prod(shape) != n_features:
            raise ValueError(
                f"X has {n_features} features (pixel columns) per sample, but "
                f"image_shape={shape} needs {math.prod(shape)} "
                f"({' x '.join(map(str, shape))}).")
        images = X.reshape((X.shape[0],) + tuple(shape))
    else:
        images = check_array(X, allow_nd=True, dtype=dtype, ensure_min_samples=1,
                             input_name="X")
        if images.ndim not in (3, 4):
            raise ValueError(
                f"{name} takes images as (n, H, W), (n, H, W, C), (n, C, H, W) or flat "
                f"(n, H*W*C) arrays; got an array of shape {images.shape}.")
        if 0 in images.shape[1:]:
            raise ValueError(f"X has images of shape {images.shape[1:]} with no pixels.")
        shape = images.shape[1:]
    chw, last = to_chw(tuple(shape), data_format)
    if image_shape is not None and not flat:
        expected, _ = to_chw(image_shape, data_format)
        if expected != chw:
            raise ValueError(
                f"X has images of shape {describe(chw)}, but image_shape={image_shape} "
                f"says {describe(expected)}.")
    if reset:
        if not flat:
            # n_features_in_ counts every value of an image (what a flat copy of
            # X would have as columns); the names of flat input do not apply.
            validate_data(estimator, images.reshape(images.shape[0], -1), reset=True,
                          skip_check_array=True)
        estimator.image_shape_ = (chw[1], chw[2], chw[0])
        estimator._flat_image_shape_ = tuple(shape)
    else:
        fitted = (estimator.image_shape_[2], estimator.image_shape_[0],
                  estimator.image_shape_[1])
        if chw != fitted:
            raise ValueError(
                f"X has images of shape {describe(chw)}, but {name} was fitted on "
                f"images of shape {describe(fitted)}.")
    if last:
        images = images.transpose(0, 3, 1, 2)
    elif last is None:
        images = images[:, np.newaxis]
    return images


def _is_flat(X):
    """Whether ``X`` goes the 2-D (tabular) way: sparse, DataFrame, or at most 2 axes."""
    if sp.issparse(X) or hasattr(X, "iloc"):
        return True
    try:
        return np.ndim(X) <= 2
    except (TypeError, ValueError):  # ragged lists: let check_array explain
        return True
