"""The ants and bees photos of PyTorch's transfer-learning tutorial (``hymenoptera_data``)."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from sklearn.utils import Bunch

from ._fetch import get_data_home, missing_error

__all__ = ["load_hymenoptera"]

#: SHA-256 of ``hymenoptera/SHA256SUMS``, the list that pins every photo's SHA-256
SUMS_SHA256 = "8611586cc73faad91b78b1df31f055f336e72544cc3d6c9991d5b7ef4593cab9"
_SUMS_MAX_BYTES = 200_000
_PHOTO_MAX_BYTES = 20_000_000
#: The archive's placeholder: Flickr's "image not found" picture, filed under ants
PLACEHOLDERS = ("train/ants/imageNotFound.gif",)
CLASSES = ("ants", "bees")

_DESCR = """\
Hymenoptera: ants and bees photos
---------------------------------

Colour photos of ants and bees (JPEG, of varied sizes), from ImageNet, as
packed in the hymenoptera_data archive of PyTorch's transfer-learning
tutorial.  The training folder has 245 files: 124 under ants/ and 121 under
bees/.  One of the ants files, imageNotFound.gif, is Flickr's "image not
found" placeholder, not a photo: it is left out unless
keep_placeholder=True, which leaves 244 photos (123 ants, 121 bees).  One
file name has a space ("ant photos.jpg"); it is an ordinary photo and is
read like the others.

:Samples: 244 (subset='train'; 245 with the placeholder); the archive's
          'val' split (153 photos) is read when its folder is there
:Classes: 2 (ants = 0, bees = 1)

Each photo is resized so that its shorter side is `size` pixels and then
cropped to the central size x size square (as torchvision's Resize +
CenterCrop), in RGB.
"""


def _read_sums(folder):
    path = folder / "SHA256SUMS"
    if not path.is_file():
        raise missing_error(path, "has no download source (copy the hymenoptera_data "
                                  "folder and its SHA256SUMS there)")
    with open(path, "rb") as f:
        content = f.read(_SUMS_MAX_BYTES + 1)
    digest = hashlib.sha256(content).hexdigest()
    if digest != SUMS_SHA256:
        raise ValueError(f"Checksum mismatch for {path}: expected SHA-256 {SUMS_SHA256}, "
                         f"got {digest}. It is not the list this loader knows.")
    sums = {}
    for line in content.decode("utf-8").splitlines():
        if not line.strip():
            continue
        # "<sha256>  <path>": the path is everything after the two spaces (it may hold spaces)
        if len(line) < 67 or line[64:66] not in ("  ", " *"):
            raise ValueError(f"{path}: cannot parse the line {line!r}.")
        sums[line[66:]] = line[:64]
    return sums


def _square(image, size):
    """Resize ``image`` (PIL) so its shorter side is ``size``, then crop the central square."""
    from PIL import Image

    width, height = image.size
    scale = size / min(width, height)
    new = (max(size, round(width * scale)), max(size, round(height * scale)))
    image = image.resize(new, Image.Resampling.BILINEAR, reducing_gap=None)
    left, top = (new[0] - size) // 2, (new[1] - size) // 2
    return image.crop((left, top, left + size, top + size))


def load_hymenoptera(data_home=None, *, size=224, subset="train", keep_placeholder=False,
                     return_X_y=False):
    """Load the ants and bees photos as ``(n, size, size, 3)`` uint8 arrays.

    Read from ``data_home/hymenoptera/{subset}/{ants,bees}/``; every file is
    checked against its SHA-256 in ``hymenoptera/SHA256SUMS`` (itself pinned)
    before it is decoded.  Nothing is downloaded: the folder must be there.
    Needs Pillow (``pip install 'sknn-torch[images]'``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``.
    size : int, default=224
        Side of the square images returned: the shorter side of each photo is
        resized to ``size`` (bilinear), then the central square is kept.
    subset : {'train', 'val'}, default='train'
        The archive's split.  Tune on a validation split cut from 'train'.
    keep_placeholder : bool, default=False
        Keep ``train/ants/imageNotFound.gif``, the archive's "image not found"
        placeholder (a grey picture, not an ant), as an ant.
    return_X_y : bool, default=False
        If True, return ``(images, target)``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (and ``data``, the same array) of shape (n, size, size, 3),
        uint8 RGB; ``target`` (n,) int64, 0 ants, 1 bees; ``target_names``;
        ``filenames`` (paths relative to ``hymenoptera/``, sorted within each
        class); ``skipped`` (the files left out); ``DESCR``.

    Raises
    ------
    OSError
        If the folder, its SHA256SUMS or a listed photo is missing.
    ValueError
        If a file does not match its checksum, or for a bad ``size``/``subset``.
    """
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("load_hymenoptera needs Pillow: pip install 'sknn-torch[images]'."
                          ) from exc
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}.")
    if subset not in ("train", "val"):
        raise ValueError(f"subset must be 'train' or 'val', got {subset!r}.")
    folder = get_data_home(data_home) / "hymenoptera"
    sums = _read_sums(folder)
    listed = sorted(p for p in sums if p.split("/")[0] == subset)
    if not listed:
        raise missing_error(folder / subset, f"is not listed in {folder / 'SHA256SUMS'}")
    images, target, names, skipped = [], [], [], []
    for relpath in listed:
        label = relpath.split("/")[1]
        if label not in CLASSES:
            continue
        if relpath in PLACEHOLDERS and not keep_placeholder:
            skipped.append(relpath)
            continue
        path = folder / relpath
        if not path.is_file():
            raise missing_error(path, f"is listed in {folder / 'SHA256SUMS'}")
        with open(path, "rb") as f:
            content = f.read(_PHOTO_MAX_BYTES + 1)
        digest = hashlib.sha256(content).hexdigest()
        if digest != sums[relpath]:
            raise ValueError(f"Checksum mismatch for {path}: expected SHA-256 "
                             f"{sums[relpath]}, got {digest}. Replace it with a good copy.")
        with Image.open(io.BytesIO(content)) as image:
            image = _square(image.convert("RGB"), int(size))
            images.append(np.asarray(image, dtype=np.uint8))
        target.append(CLASSES.index(label))
        names.append(relpath)
    X = np.stack(images)
    y = np.asarray(target, dtype=np.int64)
    if return_X_y:
        return X, y
    return Bunch(images=X, data=X, target=y, target_names=np.asarray(CLASSES),
                 filenames=np.asarray(names), skipped=skipped, DESCR=_DESCR)
