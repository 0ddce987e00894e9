"""MNIST and Fashion-MNIST training sets, read from the original IDX files."""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np
from sklearn.utils import Bunch

from ._cache import fetch_file

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

_IMAGES = "train-images-idx3-ubyte.gz"
_LABELS = "train-labels-idx1-ubyte.gz"

# (file name) -> (SHA-256 of the .gz, SHA-256 of the decompressed IDX file).
# The official MNIST .gz files and the shared copies (re-compressed) differ as
# compressed bytes but not as IDX bytes, so the decompressed checksum is the one
# that holds for every copy.
_MNIST_FILES = {
    _IMAGES: (
        "db8f937d487057fb14a9f0fbe97f0bc8d311ab41b750d41e1ff37c43b9e55e19",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    _LABELS: (
        "51fc562b6747b666fbf6e84ce29d43c3cb5f9c388c664d43b33f02095313405a",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
}
_MNIST_URLS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_FASHION_FILES = {
    _IMAGES: (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    _LABELS: (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
}
_FASHION_URLS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)

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
MNIST handwritten digits, training split
----------------------------------------

60,000 grey-scale images of handwritten digits 0-9, 28x28 pixels, uint8 values
0 (background) to 255 (ink), read from the original IDX files
(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz).

:Samples: 60,000 (the official test split of 10,000 more is not included)
:Classes: 10 (digits 0-9)
:Features: 28x28 = 784 pixels, uint8

``data`` has shape (60000, 28, 28); use ``data.reshape(len(data), -1)`` for
flat 784-pixel rows. Tune and report on a validation split cut from this set.

Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten
digits", http://yann.lecun.com/exdb/mnist/
"""

_FASHION_DESCR = """\
Fashion-MNIST, training split
-----------------------------

60,000 grey-scale 28x28 images of Zalando article photos, uint8, in 10
clothing classes of 6,000 images each, in the same IDX format as MNIST.

:Samples: 60,000 (the official test split of 10,000 more is not included)
:Classes: 10 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
          Sneaker, Bag, Ankle boot)
:Features: 28x28 = 784 pixels, uint8

``data`` has shape (60000, 28, 28); use ``data.reshape(len(data), -1)`` for
flat 784-pixel rows. Tune and report on a validation split cut from this set.

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


def _read_idx_gz(path: os.PathLike) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        try:
            content = f.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"Cannot decompress {path}: {exc}") from exc
    try:
        return parse_idx(content)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _load_idx_pair(folder, files, urls, data_home, download_if_missing):
    arrays = []
    for name in (_IMAGES, _LABELS):
        sha, decompressed_sha = files[name]
        path = fetch_file(
            f"{folder}/{name}",
            [base + name for base in urls],
            sha,
            data_home,
            decompressed_sha,
            download_if_missing=download_if_missing,
        )
        arrays.append(_read_idx_gz(path))
    images, labels = arrays
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{folder}/{_IMAGES}: expected a 3-D uint8 array, got shape "
            f"{images.shape} of {images.dtype}"
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(f"{folder}: {images.shape[0]} images but labels of shape {labels.shape}")
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


def load_mnist(data_home=None, *, return_X_y=False, as_frame=False, download_if_missing=True):
    """Load the MNIST handwritten digits training set (60,000 images).

    The two IDX files are read from ``data_home/mnist/``, downloaded from the
    official mirror first if they are not there, and checked against their
    SHA-256 (of the decompressed IDX content, which any copy shares).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
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

        data : ndarray of shape (60000, 28, 28), dtype uint8
            The images, 0 = background, 255 = ink (DataFrame of shape
            (60000, 784) if ``as_frame``).
        target : ndarray of shape (60000,), dtype int64
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
        If a file fails its checksum or is not a valid IDX file.
    OSError
        If a file is missing and cannot be downloaded.
    """
    images, labels = _load_idx_pair(
        "mnist", _MNIST_FILES, _MNIST_URLS, data_home, download_if_missing
    )
    return _to_return(images, labels, np.arange(10), _MNIST_DESCR, return_X_y, as_frame)


def load_fashion_mnist(
    data_home=None, *, return_X_y=False, as_frame=False, download_if_missing=True
):
    """Load the Fashion-MNIST training set (60,000 images, 10 classes).

    The two IDX files are read from ``data_home/fashion_mnist/``, downloaded
    from Zalando Research's official location first if they are not there, and
    checked against their SHA-256.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
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

        data : ndarray of shape (60000, 28, 28), dtype uint8
            The images (DataFrame of shape (60000, 784) if ``as_frame``).
        target : ndarray of shape (60000,), dtype int64
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
        If a file fails its checksum or is not a valid IDX file.
    OSError
        If a file is missing and cannot be downloaded.
    """
    images, labels = _load_idx_pair(
        "fashion_mnist", _FASHION_FILES, _FASHION_URLS, data_home, download_if_missing
    )
    return _to_return(
        images,
        labels,
        np.array(FASHION_MNIST_CLASSES, dtype=object),
        _FASHION_DESCR,
        return_X_y,
        as_frame,
    )
