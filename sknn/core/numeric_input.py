"""Refusing text and dates where an estimator takes numbers.

Arrays, DataFrame columns (categorical ones included) and object arrays that
hold strings (numeric strings too), bytes, ``datetime64``/``timedelta64`` or
Python date and time values raise a ``ValueError`` that names the column,
instead of being coerced to floats: NumPy would happily turn ``'1.5'`` into
1.5 and a date into its day count.  scikit-learn's ``check_array(dtype=
'numeric')`` refuses strings the same way.
"""

import datetime

import numpy as np

__all__ = ["check_numeric"]

_KIND_NAMES = {"U": "strings", "S": "byte strings", "M": "dates (datetime64)",
               "m": "time spans (timedelta64)"}
_TEMPORAL = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64)


def _not_numeric(values):
    """What non-numeric kind of values the ndarray ``values`` holds, or None."""
    kind = values.dtype.kind
    if kind in _KIND_NAMES:
        return _KIND_NAMES[kind]
    if kind == "O":
        for value in values.flat:
            if isinstance(value, str):
                return "strings"
            if isinstance(value, bytes):
                return "byte strings"
            if isinstance(value, _TEMPORAL):
                return "dates or times"
    return None


def _raise(what, where):
    if "string" in what:
        advice = ("convert numeric strings with X.astype(float), encode categories (for "
                  "instance with sklearn.preprocessing.OneHotEncoder), or turn text into "
                  "features with sknn.text.TextVectorizer")
    else:
        advice = ("turn them into numbers explicitly (for instance seconds since a "
                  "reference time, or calendar features)")
    raise ValueError(
        f"{where} contains {what}, but sknn estimators take numeric data only: {advice}.")


def _frame_column_values(column):
    categories = getattr(getattr(column, "cat", None), "categories", None)
    source = categories if categories is not None else column.to_numpy()
    return np.asarray(source, dtype=object)


def check_numeric(X):
    """Raise a ``ValueError`` when ``X`` holds strings, bytes, dates or times.

    Parameters
    ----------
    X : array-like, DataFrame or sparse matrix
        The raw input, before any conversion; not modified.
    """
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # DataFrame: column by column
        for j, (name, dtype) in enumerate(zip(X.columns, X.dtypes)):
            kind = getattr(dtype, "kind", "O")
            if kind in _KIND_NAMES:
                _raise(_KIND_NAMES[kind], f"Column {name!r} of X")
            if kind == "O":
                what = _not_numeric(_frame_column_values(X.iloc[:, j]))
                if what:
                    _raise(what, f"Column {name!r} of X")
        return
    if hasattr(X, "tocsr"):  # scipy sparse matrices hold numbers only
        return
    if isinstance(X, np.ndarray):
        values = X
    else:
        try:
            values = np.asarray(X)
        except (TypeError, ValueError):  # ragged lists: check_array explains
            return
    what = _not_numeric(values)
    if what:
        _raise(what, "X")
