"""MNIST and Fashion-MNIST, read from the original IDX files."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch, splits

__all__ = ["load_fashion_mnist", "load_mnist", "parse_idx"]

# IDX type codes (third byte of the magic number) -> big-endian numpy dtype
_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_MNIST_DESCR = """\
MNIST handwritten digits
------------------------

Grey-scale images of handwritten digits 0-9, 28x28 pixels, uint8 values
0 (background) to 255 (ink), read from the original IDX files
(train-*-ubyte.gz for the training split, t10k-*-ubyte.gz for the test split).

:Samples: 60,000 (subset='train'), 10,000 (subset='test'), 70,000 ('all',
          training images first)
:Classes: 10 (digits 0-9)
:Features: 28x28 = 784 pixels, uint8

``data`` has shape (n, 28, 28); use ``data.reshape(len(data), -1)`` for
flat 784-pixel rows. Tune on a validation split cut from the training set;
keep the test split for the final figure.

Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten
digits", http://yann.lecun.com/exdb/mnist/
"""

_FASHION_DESCR = """\
Fashion-MNIST
-------------

Grey-scale 28x28 images of Zalando article photos, uint8, in 10 clothing
classes, in the same IDX format and splits as MNIST.

:Samples: 60,000 (subset='train', 6,000 a class), 10,000 (subset='test',
          1,000 a class), 70,000 ('all', training images first)
:Classes: 10 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
          Sneaker, Bag, Ankle boot)
:Features: 28x28 = 784 pixels, uint8

``data`` has shape (n, 28, 28); use ``data.reshape(len(data), -1)`` for
flat 784-pixel rows. Tune on a validation split cut from the training set;
keep the test split for the final figure.

H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a novel image dataset for
benchmarking machine learning algorithms", arXiv:1708.07747 (2017).
https://github.com/zalandoresearch/fashion-mnist
"""


def parse_idx(buffer: bytes | bytearray | memoryview) -> np.ndarray:
    """Parse the content of an (uncompressed) IDX file.

    The IDX format starts with a 4-byte magic number: two zero bytes, a type
    code (``0x08`` for unsigned bytes, ``0x09`` signed bytes, ``0x0B`` int16,
    ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64) and the number of
    dimensions; then each dimension as a big-endian uint32; then the values,
    big-endian, in C order.

    Parameters
    ----------
    buffer : bytes-like
        The whole decompressed file.

    Returns
    -------
    numpy.ndarray
        A new writable array in native byte order with the stored shape.

    Raises
    ------
    ValueError
        If the magic number, the dimensions or the length of the data are wrong.
    """
    view = memoryview(buffer).cast("B")
    if len(view) < 4:
        raise ValueError(f"Not an IDX file: {len(view)} bytes, too short for a header")
    zero0, zero1, type_code, ndim = view[:4]
    if zero0 != 0 or zero1 != 0 or type_code not in _IDX_DTYPES:
        raise ValueError(
            f"Not an IDX file: bad magic number 0x{bytes(view[:4]).hex()} "
            "(expected 0x0000 then a type code 08, 09, 0b, 0c, 0d or 0e)"
        )
    if ndim == 0:
        raise ValueError("Malformed IDX file: zero dimensions")
    header = 4 + 4 * ndim
    if len(view) < header:
        raise ValueError(f"Malformed IDX file: {len(view)} bytes, too short for {ndim} dimensions")
    shape = tuple(int(d) for d in np.frombuffer(view, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[type_code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(view) != expected:
        raise ValueError(
            f"Malformed IDX file: shape {shape} of {dtype.name} needs {expected} "
            f"bytes, the file has {len(view)}"
        )
    values = np.frombuffer(view, dtype=dtype, offset=header)
    return values.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _load_idx(folder, subset, data_home, download_if_missing):
    """Images and labels of the splits ``subset`` names, concatenated in order."""
    parts = {"images": [], "labels": []}
    for split in splits(subset):
        prefix = "train" if split == "train" else "t10k"
        for kind, idx in (("images", "idx3"), ("labels", "idx1")):
            relpath = f"{folder}/{prefix}-{kind}-{idx}-ubyte.gz"
            content = fetch(relpath, data_home, download_if_missing=download_if_missing)
            try:
                parts[kind].append(parse_idx(content))
            except ValueError as exc:
                raise ValueError(f"{relpath}: {exc}") from None
        images, labels = parts["images"][-1], parts["labels"][-1]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{folder}/{prefix}-images: expected a 3-D uint8 array, got "
                             f"shape {images.shape} of {images.dtype}")
        if labels.shape != images.shape[:1]:
            raise ValueError(f"{folder}/{prefix}: {len(images)} images but labels of shape "
                             f"{labels.shape}")
    images, labels = (arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
                      for arrays in parts.values())
    return images, labels.astype(np.int64)


def _to_return(images, labels, target_names, descr, return_X_y, as_frame):
    frame = None
    if as_frame:
        import pandas as pd

        n_pixels = images.shape[1] * images.shape[2]
        columns = [f"pixel{i}" for i in range(1, n_pixels + 1)]
        data = pd.DataFrame(images.reshape(len(images), n_pixels), columns=columns)
        target = pd.Series(labels, name="class")
        frame = pd.concat([data, target], axis=1)
        feature_names = columns
    else:
        data, target = images, labels
        feature_names = None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=target_names,
        DESCR=descr,
    )


def load_mnist(data_home=None, *, subset="train", return_X_y=False, as_frame=False,
               download_if_missing=True):
    """Load MNIST handwritten digits (60,000 training and 10,000 test images).

    The IDX files are read from ``data_home/mnist/`` (``train-*`` and
    ``t10k-*-ubyte.gz``), downloaded from the official mirrors first if they
    are not there, and checked against the SHA-256 of their decompressed
    content (which any copy shares, however it was compressed).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    subset : {'train', 'test', 'all'}, default='train'
        The official training split (60,000 images), the test split (10,000)
        or both, training images first.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame of 784 uint8 pixel columns
        (``pixel1`` ... ``pixel784``), ``target`` a Series named ``class`` and
        ``frame`` both together.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of downloading missing files.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : ndarray of shape (n, 28, 28), dtype uint8
            The images, 0 = background, 255 = ink (DataFrame of shape
            (n, 784) if ``as_frame``); n = 60,000 for the training split.
        target : ndarray of shape (n,), dtype int64
            The digit, 0-9.
        frame : DataFrame or None
            Data and target together when ``as_frame``, else None.
        feature_names : list of str or None
            Pixel column names when ``as_frame``, else None.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If a file fails its checksum or is not a valid IDX file, or ``subset``
        is not one of the three.
    OSError
        If a file is missing and cannot be downloaded.
    """
    images, labels = _load_idx("mnist", subset, data_home, download_if_missing)
    return _to_return(images, labels, np.arange(10), _MNIST_DESCR, return_X_y, as_frame)


def load_fashion_mnist(data_home=None, *, subset="train", return_X_y=False, as_frame=False,
                       download_if_missing=True):
    """Load Fashion-MNIST (60,000 training and 10,000 test images, 10 classes).

    The IDX files are read from ``data_home/fashion_mnist/`` (``train-*`` and
    ``t10k-*-ubyte.gz``), downloaded from Zalando Research's repository first
    if they are not there, and checked against the SHA-256 of their
    decompressed content.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    subset : {'train', 'test', 'all'}, default='train'
        The official training split (60,000 images), the test split (10,000)
        or both, training images first.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame of 784 uint8 pixel columns
        (``pixel1`` ... ``pixel784``), ``target`` a Series named ``class`` and
        ``frame`` both together.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of downloading missing files.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : ndarray of shape (n, 28, 28), dtype uint8
            The images (DataFrame of shape (n, 784) if ``as_frame``); n =
            60,000 for the training split.
        target : ndarray of shape (n,), dtype int64
            The class index, 0-9.
        frame : DataFrame or None
            Data and target together when ``as_frame``, else None.
        feature_names : list of str or None
            Pixel column names when ``as_frame``, else None.
        target_names : ndarray of shape (10,)
            The class names: T-shirt/top, Trouser, Pullover, Dress, Coat,
            Sandal, Shirt, Sneaker, Bag, Ankle boot.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If a file fails its checksum or is not a valid IDX file, or ``subset``
        is not one of the three.
    OSError
        If a file is missing and cannot be downloaded.
    """
    images, labels = _load_idx("fashion_mnist", subset, data_home, download_if_missing)
    return _to_return(images, labels, np.array(FASHION_MNIST_CLASSES, dtype=object),
                      _FASHION_DESCR, return_X_y, as_frame)

