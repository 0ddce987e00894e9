"""MetRec: Arabic poem verses labelled with their meter (14 classes), training split."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._cache import fetch_built_file, fetch_file, get_data_home

__all__ = ["load_poem_meters"]

_TRAIN_RELPATH = "poem_meters/train.txt.gz"
_LABELS_RELPATH = "poem_meters/labels.txt"
# SHA-256 of the shared train.txt.gz and of its decompressed content (which is
# what _build_train makes from the MetRec archive), and of labels.txt.
_TRAIN_GZ_SHA256 = "6c0faab0842952e1fe6e99974bc373ea957a2cfab837f84d4b99a7a0e3bc1aaa"
_TRAIN_SHA256 = "d3036257350ed10476ab820b0d25e4fb46aa4e784263eea35e69f66a0d6e8ccc"
_LABELS_SHA256 = "41e56220ae7ddc9b0ec0701cbc4b74412fd0df3602a83f5976e383cd5f098186"

# The MetRec repository ships the verses as a zip of final_baits/{train,test}.txt.
# Its checksum is not pinned here (only the extracted training file's is), and
# the location is a best guess that may move: a local copy of the two files
# above is the expected way to use this loader.
_ZIP_RELPATH = "poem_meters/baits.zip"
_ZIP_URL = "https://raw.githubusercontent.com/zaidalyafeai/MetRec/master/baits.zip"
_ZIP_MEMBER = "final_baits/train.txt"

#: The 14 meters, in label order (label i is METERS[i]), as in MetRec.
METERS = (
    "saree",
    "kamel",
    "mutakareb",
    "mutadarak",
    "munsareh",
    "madeed",
    "mujtath",
    "ramal",
    "baseet",
    "khafeef",
    "taweel",
    "wafer",
    "hazaj",
    "rajaz",
)

_DESCR = """\
MetRec: Arabic poem verses and their meters, training split
-----------------------------------------------------------

47,124 verses ("baits") of Arabic poetry, each labelled with one of 14
meters (buhur). A verse is a single string whose two halves are separated by
" # ". Some verses carry diacritics (tashkeel), others do not. The classes are
unbalanced (about 1,000 to 4,300 verses each).

:Samples: 47,124 (the official test split of 8,316 more is not included)
:Classes: 14 (saree, kamel, mutakareb, mutadarak, munsareh, madeed, mujtath,
          ramal, baseet, khafeef, taweel, wafer, hazaj, rajaz)

Tune and report on a validation split cut from this set.

M. S. Al-shaibani, Z. Alyafeai and I. Ahmad, "MetRec: A dataset for meter
classification of Arabic poetry", Data in Brief 33 (2020).
https://github.com/zaidalyafeai/MetRec
"""


def _build_train(out_path: Path, data_home, download_if_missing: bool) -> None:
    """Extract the training verses of the MetRec zip into a gzipped text file.

    Line ends are normalised to ``\\n`` and empty lines dropped; the gzip header
    is fixed, so the output is reproducible. The zip is deleted afterwards if
    it was downloaded here (a copy put there by hand is kept).
    """
    downloaded = not (get_data_home(data_home) / _ZIP_RELPATH).is_file()
    zip_path = fetch_file(
        _ZIP_RELPATH, _ZIP_URL, None, data_home, download_if_missing=download_if_missing
    )
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = [n for n in archive.namelist() if n.endswith(_ZIP_MEMBER)]
            if not names:
                raise ValueError(f"no member named {_ZIP_MEMBER}")
            content = archive.read(names[0]).decode("utf-8")
    except (zipfile.BadZipFile, ValueError) as exc:
        # the archive is not pinned by a checksum: drop a bad one so that the
        # next call downloads it again
        if downloaded:
            zip_path.unlink()
        raise ValueError(f"{_ZIP_URL} did not give a usable MetRec archive: {exc}") from exc
    lines = [line.rstrip("\r") for line in content.split("\n")]
    text = "".join(line + "\n" for line in lines if line.strip())
    out_path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
    if downloaded:
        zip_path.unlink()


def _build_labels(out_path: Path) -> None:
    out_path.write_bytes("\n".join(METERS).encode("ascii"))


def load_poem_meters(data_home=None, *, return_X_y=False, download_if_missing=True):
    """Load the MetRec Arabic poem meter training set (47,124 verses, 14 meters).

    Reads ``data_home/poem_meters/train.txt.gz``, one verse a line as
    ``LABEL VERSE`` (``LABEL`` an integer index into ``labels.txt``), and
    ``data_home/poem_meters/labels.txt``, one meter name a line. Both are
    checked against their SHA-256.

    A local copy of these files is the expected way to use this loader. When
    they are missing, the MetRec archive is downloaded from the project's
    GitHub repository (a best-guess location, not pinned by checksum) and the
    training file extracted from it; the result is verified against the known
    checksum of the training file, so a changed upstream file is reported
    rather than used silently.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of downloading a missing file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : ndarray of shape (47124,), dtype object
            The verses, as Python strings, the two halves separated by ``" # "``.
        target : ndarray of shape (47124,), dtype int64
            The meter, an index into ``target_names``.
        target_names : ndarray of shape (14,), dtype object
            The meter names.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If a file fails its checksum or has a malformed line.
    OSError
        If a file is missing and cannot be downloaded.
    """
    home = get_data_home(data_home)
    labels_path = fetch_built_file(
        _LABELS_RELPATH,
        _build_labels,
        _LABELS_SHA256,
        home,
        download_if_missing=download_if_missing,
    )
    train_path = fetch_built_file(
        _TRAIN_RELPATH,
        lambda out: _build_train(out, home, download_if_missing),
        _TRAIN_GZ_SHA256,
        home,
        _TRAIN_SHA256,
        download_if_missing=download_if_missing,
    )
    names = labels_path.read_text(encoding="utf-8").split("\n")
    target_names = np.array([n.strip() for n in names if n.strip()], dtype=object)

    with gzip.open(train_path, "rb") as f:
        # split on "\n" only: str.splitlines would also split on characters
        # such as U+2028 or U+0085 inside a verse
        lines = f.read().decode("utf-8").split("\n")
    verses, labels = [], []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        label, sep, verse = line.rstrip("\r").partition(" ")
        if not sep or not (label.isascii() and label.isdigit()) or int(label) >= len(target_names):
            raise ValueError(
                f"{train_path}, line {lineno}: expected 'LABEL VERSE' with LABEL in "
                f"0..{len(target_names) - 1}, got {line[:40]!r}"
            )
        labels.append(int(label))
        verses.append(verse)
    data = np.array(verses, dtype=object)
    target = np.array(labels, dtype=np.int64)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, target_names=target_names, DESCR=_DESCR)
