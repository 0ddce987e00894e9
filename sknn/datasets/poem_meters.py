"""MetRec: Arabic poem verses labelled with their meter (14 classes)."""

from __future__ import annotations

import hashlib
import zipfile

import numpy as np
from sklearn.utils import Bunch

from ._fetch import REGISTRY, download, fetch, get_data_home, missing_error, splits, store

__all__ = ["load_poem_meters"]

# The MetRec repository ships the verses as a zip of final_baits/{train,test}.txt.
# The zip's own checksum is not pinned (the extracted files' are), and the
# location is a best guess that may move: a local copy of the extracted files
# is the expected way to use this loader.
_ZIP_RELPATH = "poem_meters/baits.zip"
_ZIP_URL = "https://raw.githubusercontent.com/zaidalyafeai/MetRec/master/baits.zip"
_ZIP_MAX_BYTES = 50_000_000

#: The 14 meters, in label order (label i is METERS[i]), as in MetRec's labels.txt.
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
MetRec: Arabic poem verses and their meters
-------------------------------------------

Verses ("baits") of Arabic poetry, each labelled with one of 14 meters
(buhur). A verse is a single string whose two halves are separated by " # ".
Some verses carry diacritics (tashkeel), others do not. The classes are
unbalanced (about 1,000 to 4,300 training verses each).

:Samples: 47,124 (subset='train'), 8,316 (subset='test'), 55,440 ('all',
          training verses first)
:Classes: 14 (saree, kamel, mutakareb, mutadarak, munsareh, madeed, mujtath,
          ramal, baseet, khafeef, taweel, wafer, hazaj, rajaz)

Tune on a validation split cut from the training set; keep the test split
for the final figure.

M. S. Al-shaibani, Z. Alyafeai and I. Ahmad, "MetRec: A dataset for meter
classification of Arabic poetry", Data in Brief 33 (2020).
https://github.com/zaidalyafeai/MetRec
"""


def _extract(home, relpaths, download_if_missing):
    """Write the verse files ``relpaths`` from the MetRec zip, downloading it if needed.

    A member is stored as it is, or with ``\\n`` line ends and without empty
    lines when that is what matches the pinned checksum. A zip downloaded here
    is deleted afterwards (a copy put there by hand is kept).
    """
    zip_path = home / _ZIP_RELPATH
    downloaded = not zip_path.is_file()
    if downloaded:
        if not download_if_missing:
            raise missing_error(home / relpaths[0], "download_if_missing is False")
        try:
            download(_ZIP_URL, zip_path, _ZIP_MAX_BYTES)
        except OSError as exc:
            raise missing_error(home / relpaths[0], f"could not be downloaded ({exc})") from exc
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for relpath in relpaths:
                member = "final_baits/" + relpath.rsplit("/", 1)[1].removesuffix(".gz")
                names = [n for n in archive.namelist() if n.endswith(member)]
                if not names:
                    raise ValueError(f"no member named {member}")
                content = archive.read(names[0])
                if hashlib.sha256(content).hexdigest() != REGISTRY[relpath].sha256:
                    lines = [line.rstrip("\r") for line in content.decode("utf-8").split("\n")]
                    content = "".join(f"{line}\n" for line in lines if line.strip()).encode()
                store(relpath, content, home)
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{_ZIP_URL} did not give a usable MetRec archive: {exc}") from exc
    finally:
        if downloaded:
            zip_path.unlink(missing_ok=True)


def _verses(content: bytes, relpath: str):
    # split on "\n" only: str.splitlines would also split on characters such as
    # U+2028 or U+0085 inside a verse
    verses, labels = [], []
    for lineno, line in enumerate(content.decode("utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        label, sep, verse = line.rstrip("\r").partition(" ")
        if not sep or not (label.isascii() and label.isdigit()) or int(label) >= len(METERS):
            raise ValueError(
                f"{relpath}, line {lineno}: expected 'LABEL VERSE' with LABEL in "
                f"0..{len(METERS) - 1}, got {line[:40]!r}"
            )
        labels.append(int(label))
        verses.append(verse)
    return verses, labels


def load_poem_meters(data_home=None, *, subset="train", return_X_y=False,
                     download_if_missing=True):
    """Load the MetRec Arabic poem meters (47,124 training and 8,316 test verses, 14 meters).

    Reads ``data_home/poem_meters/train.txt.gz`` and ``test.txt.gz``, one verse
    a line as ``LABEL VERSE`` (``LABEL`` an index into :data:`METERS`, the order
    of MetRec's ``labels.txt``), each checked against the SHA-256 of its
    decompressed content.

    A local copy of these files is the expected way to use this loader. When
    one is missing, the MetRec archive is downloaded from the project's GitHub
    repository (a best-guess location, not pinned by checksum) and the missing
    files are extracted from it (its ``final_baits/train.txt`` and
    ``test.txt``) and verified against their known checksums, so a changed
    upstream file is reported rather than used silently.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    subset : {'train', 'test', 'all'}, default='train'
        The official training split, the test split or both, training verses
        first.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of downloading a missing file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : ndarray of shape (n,), dtype object
            The verses, as Python strings, the two halves separated by ``" # "``;
            n = 47,124 for the training split.
        target : ndarray of shape (n,), dtype int64
            The meter, an index into ``target_names``.
        target_names : ndarray of shape (14,), dtype object
            The meter names.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If a file fails its checksum or has a malformed line, or ``subset`` is
        not one of the three.
    OSError
        If a file is missing and cannot be downloaded.
    """
    home = get_data_home(data_home)
    relpaths = [f"poem_meters/{split}.txt.gz" for split in splits(subset)]
    missing = [relpath for relpath in relpaths if not (home / relpath).is_file()]
    if missing:
        _extract(home, missing, download_if_missing)
    verses, labels = [], []
    for relpath in relpaths:
        more_verses, more_labels = _verses(fetch(relpath, home), relpath)
        verses += more_verses
        labels += more_labels
    data = np.array(verses, dtype=object)
    target = np.array(labels, dtype=np.int64)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, target_names=np.array(METERS, dtype=object),
                 DESCR=_DESCR)
