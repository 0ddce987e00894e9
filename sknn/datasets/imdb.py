"""IMDB movie reviews (Large Movie Review Dataset v1.0), training split, raw text."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tarfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._cache import fetch_built_file, fetch_file, get_data_home

__all__ = ["load_imdb"]

_RELPATH = "imdb/imdb_train.csv.gz"
# SHA-256 of the shared imdb_train.csv.gz and of its decompressed CSV; the CSV
# that _build_csv makes from the aclImdb tarball is byte-identical to the latter.
_CSV_GZ_SHA256 = "265b9e228384d2251e3920ef93e6b10d773c9d9f07da0a5a4acfca87083cf660"
_CSV_SHA256 = "d5c841435d64db8d5f59de640554687622292925375739706b1943d1f3e761ff"

_TAR_RELPATH = "imdb/aclImdb_v1.tar.gz"
_TAR_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
_TAR_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
_MEMBER = re.compile(r"(?:^|/)train/(pos|neg)/(\d+)_(\d+)\.txt$")

_SENTIMENT = {"neg": "negative", "pos": "positive"}
_COLUMNS = ("review", "sentiment", "rating")

_DESCR = """\
IMDB movie reviews (Large Movie Review Dataset v1.0), training split
--------------------------------------------------------------------

25,000 highly polar movie reviews from IMDb, raw text (with the original
``<br />`` tags), labelled ``positive`` (rating 7-10 out of 10) or ``negative``
(rating 1-4); 12,500 of each, sorted by class (all negative reviews first,
each class in the order of the review ids). No more than 30 reviews per movie.

:Samples: 25,000 (the official test split of 25,000 more is not included)
:Classes: 2 (negative, positive)
:Columns: review (str), sentiment (str), rating (int, 1-10)

The rows are sorted by class: shuffle (or stratify) before cutting a
validation split from them.

A. L. Maas, R. E. Daly, P. T. Pham, D. Huang, A. Y. Ng and C. Potts,
"Learning word vectors for sentiment analysis", ACL 2011.
https://ai.stanford.edu/~amaas/data/sentiment/
"""


def _build_csv(out_path: Path, data_home, download_if_missing: bool) -> None:
    """Write the training reviews of the aclImdb tarball as a gzipped CSV.

    Reads ``aclImdb/train/neg/*.txt`` and ``aclImdb/train/pos/*.txt`` (files
    named ``<id>_<rating>.txt``, UTF-8), sorts them negative first, then by id,
    and writes ``review,sentiment,rating`` rows with :mod:`csv` (``\\r\\n`` line
    ends, minimal quoting) into a gzip file with a fixed header (no time stamp,
    no file name), so the result is reproducible. The tarball is deleted
    afterwards if it was downloaded here (a copy put there by hand is kept).
    """
    downloaded = not (get_data_home(data_home) / _TAR_RELPATH).is_file()
    tar_path = fetch_file(
        _TAR_RELPATH,
        _TAR_URL,
        _TAR_SHA256,
        data_home,
        download_if_missing=download_if_missing,
    )
    rows = []
    with tarfile.open(tar_path) as tar:
        for member in tar:
            match = _MEMBER.search(member.name)
            if not match or not member.isfile():
                continue
            label, review_id, rating = match.groups()
            text = tar.extractfile(member).read().decode("utf-8")
            rows.append((label != "neg", int(review_id), text, _SENTIMENT[label], int(rating)))
    if len(rows) != 25000:
        raise ValueError(f"{tar_path}: expected 25000 training reviews, found {len(rows)}")
    rows.sort(key=lambda row: row[:2])
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(_COLUMNS)
    writer.writerows(row[2:] for row in rows)
    content = text.getvalue().encode("utf-8")
    out_path.write_bytes(gzip.compress(content, compresslevel=6, mtime=0))
    if downloaded:
        tar_path.unlink()


def load_imdb(data_home=None, *, return_X_y=False, download_if_missing=True):
    """Load the IMDB movie review training set (25,000 raw-text reviews).

    Reads ``data_home/imdb/imdb_train.csv.gz`` (columns ``review``,
    ``sentiment``, ``rating``). When it is missing, the official aclImdb
    tarball (84 MB) is downloaded, verified, turned into that CSV (the
    ``train/neg`` and ``train/pos`` reviews, negative first, each class by
    review id) and deleted. Either way the CSV is checked against its SHA-256.

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

        data : ndarray of shape (25000,), dtype object
            The reviews, as Python strings.
        target : ndarray of shape (25000,), dtype object
            ``"negative"`` or ``"positive"``.
        rating : ndarray of shape (25000,), dtype int64
            The reviewer's rating, 1-4 for negative and 7-10 for positive
            reviews.
        frame : pandas.DataFrame of shape (25000, 3)
            Columns ``review``, ``sentiment`` and ``rating``.
        target_names : ndarray of shape (2,)
            ``["negative", "positive"]``.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If the file fails its checksum or has unexpected content.
    OSError
        If the file is missing and cannot be downloaded.
    """
    import pandas as pd

    path = fetch_built_file(
        _RELPATH,
        lambda out: _build_csv(out, data_home, download_if_missing),
        _CSV_GZ_SHA256,
        get_data_home(data_home),
        _CSV_SHA256,
        download_if_missing=download_if_missing,
    )
    frame = pd.read_csv(
        path,
        compression="gzip",
        encoding="utf-8",
        dtype={"review": object, "sentiment": object, "rating": np.int64},
        keep_default_na=False,
    )
    if list(frame.columns) != list(_COLUMNS):
        raise ValueError(f"{path}: expected columns {_COLUMNS}, got {list(frame.columns)}")
    data = frame["review"].to_numpy(dtype=object)
    target = frame["sentiment"].to_numpy(dtype=object)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        rating=frame["rating"].to_numpy(dtype=np.int64),
        frame=frame,
        target_names=np.array(["negative", "positive"], dtype=object),
        DESCR=_DESCR,
    )
