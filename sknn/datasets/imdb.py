"""IMDB movie reviews (Large Movie Review Dataset v1.0), raw text."""

from __future__ import annotations

import io
import re
import tarfile

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch, get_data_home, splits

__all__ = ["load_imdb"]

_CSV = "imdb/imdb_train.csv.gz"
_TAR = "imdb/aclImdb_v1.tar.gz"
_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
_SENTIMENT = {"neg": "negative", "pos": "positive"}
_COLUMNS = ["review", "sentiment", "rating"]
_DTYPES = {"review": object, "sentiment": object, "rating": np.int64}

_DESCR = """\
IMDB movie reviews (Large Movie Review Dataset v1.0)
----------------------------------------------------

Highly polar movie reviews from IMDb, raw text (with the original ``<br />``
tags), labelled ``positive`` (rating 7-10 out of 10) or ``negative`` (rating
1-4); half of each in both splits, each split sorted by class (all negative
reviews first, each class in the order of the review ids). No more than 30
reviews per movie, and the two splits share no movie.

:Samples: 25,000 (subset='train'), 25,000 (subset='test'), 50,000 ('all',
          training reviews first)
:Classes: 2 (negative, positive)
:Columns: review (str), sentiment (str), rating (int, 1-10)

The rows are sorted by class: shuffle (or stratify) before cutting a
validation split from the training reviews.

A. L. Maas, R. E. Daly, P. T. Pham, D. Huang, A. Y. Ng and C. Potts,
"Learning word vectors for sentiment analysis", ACL 2011.
https://ai.stanford.edu/~amaas/data/sentiment/
"""


def _from_archive(content: bytes, wanted: tuple[str, ...]) -> dict:
    """{split: DataFrame} of the ``wanted`` splits of the aclImdb tarball's bytes.

    Reads ``aclImdb/<split>/{neg,pos}/<id>_<rating>.txt`` (UTF-8), sorted negative
    first, then by id: the order of ``imdb_train.csv.gz``.
    """
    import pandas as pd

    rows = {split: [] for split in wanted}
    with tarfile.open(fileobj=io.BytesIO(content)) as tar:
        for member in tar:
            match = _MEMBER.search(member.name)
            if not match or match[1] not in rows or not member.isfile():
                continue
            split, label, review_id, rating = match.groups()
            text = tar.extractfile(member).read().decode("utf-8")
            rows[split].append((label != "neg", int(review_id), text, _SENTIMENT[label],
                                int(rating)))
    return {split: pd.DataFrame([row[2:] for row in sorted(found)], columns=_COLUMNS)
            .astype(_DTYPES) for split, found in rows.items()}


def _read_csv(content: bytes):
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(content), encoding="utf-8", keep_default_na=False,
                        dtype=_DTYPES)
    if list(frame.columns) != _COLUMNS:
        raise ValueError(f"{_CSV}: expected columns {_COLUMNS}, got {list(frame.columns)}")
    return frame


def load_imdb(data_home=None, *, subset="train", return_X_y=False, download_if_missing=True):
    """Load the IMDB movie reviews (25,000 training and 25,000 test reviews, raw text).

    The training reviews are read from ``data_home/imdb/imdb_train.csv.gz``
    (columns ``review``, ``sentiment``, ``rating``) when it is there. Otherwise,
    and for the test reviews, they are read from the official aclImdb archive
    ``data_home/imdb/aclImdb_v1.tar.gz`` (84 MB, downloaded first if it is
    missing, and kept). Either file is checked against its SHA-256 on every load.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    subset : {'train', 'test', 'all'}, default='train'
        The official training split, the test split or both, training reviews
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
            The reviews, as Python strings; n = 25,000 a split.
        target : ndarray of shape (n,), dtype object
            ``"negative"`` or ``"positive"``.
        rating : ndarray of shape (n,), dtype int64
            The reviewer's rating, 1-4 for negative and 7-10 for positive
            reviews.
        frame : pandas.DataFrame of shape (n, 3)
            Columns ``review``, ``sentiment`` and ``rating``.
        target_names : ndarray of shape (2,)
            ``["negative", "positive"]``.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If a file fails its checksum or has unexpected content, or ``subset``
        is not one of the three.
    OSError
        If a file is missing and cannot be downloaded.
    """
    import pandas as pd

    wanted = splits(subset)
    home = get_data_home(data_home)
    frames = {}
    # without the archive and without downloads only the CSV can serve the training
    # split: its absence is then the error to report
    csv_only = not (home / _TAR).is_file() and not download_if_missing
    if "train" in wanted and ((home / _CSV).is_file() or csv_only):
        frames["train"] = _read_csv(fetch(_CSV, home, download_if_missing=False))
    rest = tuple(split for split in wanted if split not in frames)
    if rest:
        content = fetch(_TAR, home, download_if_missing=download_if_missing)
        frames.update(_from_archive(content, rest))
    frame = pd.concat([frames[split] for split in wanted], ignore_index=True)
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
