"""Women's Clothing E-Commerce Reviews: text, numeric and categorical columns."""

from __future__ import annotations

import io

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch

__all__ = ["load_clothing_reviews"]

_FILE = "clothing_reviews/train.csv.gz"
_CATEGORICAL = ["Division Name", "Department Name", "Class Name"]
_TEXT = ["Title", "Review Text"]
_NUMERIC = ["Clothing ID", "Age", "Rating", "Positive Feedback Count"]
_TARGET = "Recommended IND"

_DESCR = """\
Women's Clothing E-Commerce Reviews (Brooks 2018)
-------------------------------------------------

Reviews written by customers of a women's clothing shop, with the reviewer's
age, the rating (1-5), the product's category names and whether the reviewer
recommends the product. Used in the multimodal AutoML text + tabular benchmark
of Shi et al. (2021). This is an 80% split of the 23,486 rows, stratified on
``Recommended IND`` (scikit-learn ``train_test_split``, ``random_state=0``); the
other 20% are kept apart.

:Samples: 18,788
:Target: ``Recommended IND`` (0/1, 82.2% ones)
:Columns: text (str, NaN where missing): Title (16% missing), Review Text (4%);
          categorical (pandas ``category``, a few missing): Division Name,
          Department Name, Class Name; int64: Clothing ID (a product id), Age,
          Rating, Positive Feedback Count. ``Rating`` says nearly as much as the
          target: leave it out of ``X`` to predict the recommendation from the
          review.

N. Brooks, "Women's E-Commerce Clothing Reviews", Kaggle 2018.
X. Shi, J. Mueller, N. Erickson, M. Li and A. Smola, "Benchmarking multimodal
AutoML for tabular data with text fields", NeurIPS Datasets and Benchmarks 2021.
"""


def _read(content: bytes):
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(content), index_col=0,
                        dtype={**{name: np.int64 for name in _NUMERIC + [_TARGET]},
                               **{name: object for name in _TEXT}})
    frame.index.name = None
    for name in _CATEGORICAL:
        frame[name] = frame[name].astype("category")
    return frame


def load_clothing_reviews(data_home=None, *, return_X_y=False, download_if_missing=True):
    """Load the Women's Clothing E-Commerce Reviews training split (18,788 rows).

    Reads ``data_home/clothing_reviews/train.csv.gz`` and checks its decompressed
    content against a pinned SHA-256 on every load. There is no download source:
    put the file there.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; default ``SKNN_DATA`` or ``~/.sknn_data``, see
        :func:`sknn.datasets.get_data_home`.
    return_X_y : bool, default=False
        If True, return ``(data, target)``: every column but ``Recommended IND``,
        and that column.
    download_if_missing : bool, default=True
        Kept for the loaders' common signature: the file has no download source,
        so a missing file raises :class:`OSError` either way.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : pandas.DataFrame of shape (18788, 9)
            ``Clothing ID``, ``Age``, ``Title``, ``Review Text``, ``Rating``,
            ``Positive Feedback Count``, ``Division Name``, ``Department Name``,
            ``Class Name``; text columns hold str or NaN (object dtype),
            category names are pandas ``category`` columns.
        target : pandas.Series of shape (18788,), dtype int64
            ``Recommended IND``, 0 or 1.
        frame : pandas.DataFrame of shape (18788, 10)
            All columns.
        text_features, categorical_features, numeric_features : list of str
        DESCR : str

    (data, target) : tuple if ``return_X_y`` is True
    """
    content = fetch(_FILE, data_home, download_if_missing=download_if_missing)
    frame = _read(content)
    data, target = frame.drop(columns=_TARGET), frame[_TARGET]
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, frame=frame, text_features=list(_TEXT),
                 categorical_features=list(_CATEGORICAL), numeric_features=list(_NUMERIC),
                 DESCR=_DESCR)
