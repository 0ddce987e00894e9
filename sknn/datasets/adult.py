"""UCI Adult census income, the original training file, as a DataFrame."""

from __future__ import annotations

import io

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch

__all__ = ["load_adult"]

_FILE = "adult/adult.data.gz"
_NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
_CATEGORICAL = ["workclass", "education", "marital-status", "occupation", "relationship",
                "race", "sex", "native-country"]
_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
            "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
            "hours-per-week", "native-country", "income"]

_DESCR = """\
UCI Adult census income (Kohavi 1996)
-------------------------------------

Extracted from the 1994 US census: predict whether a person earns more than
50,000 dollars a year. The original training file ``adult.data`` (the official
test split ``adult.test``, 16,281 rows, is not read by this loader: tune on
validation splits cut from these rows).

:Samples: 32,561
:Classes: 2 (``'<=50K'``, ``'>50K'``: 24.1% positive)
:Columns: 6 numeric (int64): age, fnlwgt, education-num, capital-gain,
          capital-loss, hours-per-week; 8 categorical (pandas ``category``):
          workclass, education, marital-status, occupation, relationship, race,
          sex, native-country. ``?`` in the file is a missing value (NaN), in
          workclass, occupation and native-country.

R. Kohavi, "Scaling up the accuracy of naive-Bayes classifiers: a decision-tree
hybrid", KDD 1996. https://archive.ics.uci.edu/dataset/2/adult
"""


def _read(content: bytes):
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(content), header=None, names=_COLUMNS,
                        skipinitialspace=True, na_values=["?"], keep_default_na=False,
                        dtype={name: np.int64 for name in _NUMERIC})
    for name in _CATEGORICAL + ["income"]:
        frame[name] = frame[name].astype("category")
    return frame


def load_adult(data_home=None, *, return_X_y=False, download_if_missing=True):
    """Load the UCI Adult census income training file (32,561 rows) as a DataFrame.

    Reads ``data_home/adult/adult.data.gz`` (the original comma-separated file,
    gzipped) and checks its decompressed content against a pinned SHA-256 on
    every load. There is no download source: put the file there.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    download_if_missing : bool, default=True
        Kept for the loaders' common signature: the file has no download source,
        so a missing file raises :class:`OSError` either way.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : pandas.DataFrame of shape (32561, 14)
            The features: 6 int64 columns, 8 ``category`` columns with NaN for
            the file's ``?``.
        target : pandas.Series of shape (32561,), dtype category
            ``income``: ``'<=50K'`` or ``'>50K'``.
        frame : pandas.DataFrame of shape (32561, 15)
            The features and ``income``.
        feature_names, categorical_features, numeric_features : list of str
        target_names : ndarray of shape (2,)
            ``['<=50K', '>50K']``.
        DESCR : str

    (data, target) : tuple if ``return_X_y`` is True
    """
    content = fetch(_FILE, data_home, download_if_missing=download_if_missing)
    frame = _read(content)
    data, target = frame.drop(columns="income"), frame["income"]
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, frame=frame, feature_names=_COLUMNS[:-1],
                 categorical_features=list(_CATEGORICAL), numeric_features=list(_NUMERIC),
                 target_names=np.asarray(target.cat.categories, dtype=object), DESCR=_DESCR)
