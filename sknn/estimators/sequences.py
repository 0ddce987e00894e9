"""Turning what the RNN estimators accept as ``X`` into ``(values, lengths)`` arrays.

One concept lives here: every accepted kind of input becomes a pair

``values``
    ``int64`` token ids of shape ``(n, L)``, or floats of shape ``(n, L, F)``,
    each sequence left-aligned and padded after its end (with 0), ``L`` the
    longest sequence;
``lengths``
    ``int64`` of shape ``(n,)``, the true length of each sequence (>= 1).

With these lengths :class:`sknn.modules.recurrent.RecurrentNet` runs every
sequence at its true length, so padding never changes a result.  Which kind
of input is which:

* **token ids**: any array whose dtype is an integer kind (``int*``,
  ``uint*``), 2-D ``(n, T)``, or a list / tuple / pandas Series / 1-D object
  array of 1-D integer sequences of any lengths.  0 is the padding id:
  leading *and* trailing zeros of a sequence are padding (so both Keras'
  ``'post'`` padding and ``TextVectorizer(padding='pre')`` work); a 0 between
  two non-zero ids is kept as a token (it reads the padding id's embedding,
  which is zero unless pretrained ``embeddings`` say otherwise).  A sequence
  of zeros only (an empty text) runs as one padding step, so every sample
  gets a prediction.  Negative ids, ids beyond int64 and missing values are
  errors.  DataFrames and Series of pandas' nullable integers (``Int64``,
  ``UInt8``...) are token ids too; ``pd.NA`` in them is an error.
* **numeric series**: any array of a float (or bool) dtype.  2-D ``(n, T)``
  is a univariate series (one feature per step), 3-D ``(n, T, F)`` a
  multivariate one; lists of 1-D or 2-D float arrays of different lengths are
  accepted too.  Trailing steps whose features are all NaN are padding; NaN
  anywhere else (including leading steps: pre-padding is not supported for
  floats), or any infinity, is an error, as is a sequence with no valid step.

So the dtype decides between ids and series: ``np.array([[3, 1, 0]])`` is a
token sequence, ``np.array([[3., 1., 0.]])`` a series of three numbers.  Lists
are converted with NumPy's rules (Python ints give ids, floats give series).
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

__all__ = ["as_sequence_input", "numeric_list", "numeric_sequences", "token_sequences"]


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _is_series(X):
    return hasattr(X, "iloc") and not hasattr(X, "columns")


def _reshape_error(X):
    return ValueError(
        f"Expected 2D array, got 1D array instead:\narray={np.asarray(X)[:10]}.\n"
        "Reshape your data either using array.reshape(-1, 1) if your data has a single "
        "feature or array.reshape(1, -1) if it contains a single sample; an RNN estimator "
        "takes a 2-D array of token ids or series values (one row per sequence), a 3-D "
        "float array (n_samples, n_steps, n_features), or a list of sequences.")


def as_sequence_input(X):
    """Classify the raw input ``X`` (an ndarray is not copied here).

    Returns
    -------
    kind : {'ids', 'numeric'}
        Token ids (an integer dtype) or numeric series (float or bool).
    form : {'array', 'list'}
        ``'array'``: ``data`` is a 2-D/3-D ndarray (or a DataFrame for 2-D
        float input, left to scikit-learn's validation); ``'list'``: ``data``
        is a list of 1-D/2-D ndarrays of different lengths.
    data : ndarray, DataFrame or list of ndarray
    """
    if sp.issparse(X):
        # check_array explains that dense data is required
        check_array(X, accept_sparse=False)
    if _is_dataframe(X):
        # pandas' nullable Int64/UInt8... columns are integers too (kind 'i'/'u')
        kinds = {getattr(d, "kind", "O") for d in X.dtypes}
        if kinds and kinds <= {"i", "u"}:
            return "ids", "array", _integer_frame(X)
        return "numeric", "array", X
    if isinstance(X, (str, bytes)):
        raise ValueError(
            "An RNN estimator takes sequences, not a string; turn text into token ids "
            "with sknn.text.TextVectorizer first.")
    if _is_series(X):
        X = _integer_values(X, "X") if _is_nullable_int(X) else X.to_numpy()
    if not isinstance(X, np.ndarray):
        if not hasattr(X, "__len__") and not hasattr(X, "__array__"):
            raise ValueError(
                f"Expected an array-like or a list of sequences as X, got {type(X).__name__}.")
        if isinstance(X, (list, tuple)) and any(_is_nullable_int(x) for x in X):
            return _list_input(_object_array(X))
        raw = X
        try:
            X = np.asarray(raw)
        except ValueError:  # ragged nested lists
            X = _object_array(raw)
        if X.dtype.kind == "f" and X.size and np.nanmax(np.abs(X)) >= 2.0 ** 63:
            # NumPy turns Python ints beyond int64 into floats: look at them as they are
            X = np.array(raw, dtype=object)
    if X.dtype.kind in "USV" or (X.dtype == object and any(isinstance(x, str) for x in X.flat)):
        raise ValueError(
            "An RNN estimator takes token ids or numbers, got strings; turn text into "
            "token ids with sknn.text.TextVectorizer first.")
    if X.dtype == object:
        if X.ndim == 1 and len(X) and all(_is_sequence(x) for x in X):
            return _list_input(X)
        if X.ndim == 1:
            raise _reshape_error(X)
        # a 2-D/3-D object array of numbers: let NumPy infer ints or floats;
        # what stays an object array is left to check_array's numeric conversion
        if X.size and all(isinstance(v, Integral) and not isinstance(v, bool) for v in X.flat):
            return "ids", "array", _int64_ids(X)
        converted = np.asarray(X.tolist())
        X = converted if converted.dtype != object else X
    if X.ndim == 1:
        raise _reshape_error(X)
    if X.dtype.kind in "iu":
        return "ids", "array", X
    return "numeric", "array", X


def _is_nullable_int(x):
    """Whether ``x`` is a pandas object with a nullable integer dtype (``Int64``...)."""
    dtype = getattr(x, "dtype", None)
    return (dtype is not None and not isinstance(dtype, np.dtype)
            and getattr(dtype, "kind", None) in ("i", "u") and hasattr(x, "to_numpy"))


def _integer_values(x, where):
    """The values of a nullable-integer Series/array as an ndarray; ``pd.NA`` is an error."""
    missing = np.asarray(x.isna())
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"{where} contains a missing value (pd.NA) at position {position}: token ids "
            "cannot be missing (0 is the padding id); fill or drop the missing values first.")
    return x.to_numpy(dtype=x.dtype.numpy_dtype)


def _integer_frame(X):
    """The token ids of a DataFrame of (nullable) integer columns, as one ndarray."""
    missing = X.isna().to_numpy()
    if missing.any():
        row, col = (int(v) for v in np.argwhere(missing)[0])
        raise ValueError(
            f"X contains a missing value (pd.NA) in column {X.columns[col]!r} at row "
            f"{row}: token ids cannot be missing (0 is the padding id); fill or drop the "
            "missing values first.")
    dtypes = [d.numpy_dtype if hasattr(d, "numpy_dtype") else np.dtype(d) for d in X.dtypes]
    if len(set(dtypes)) <= 1:
        return X.to_numpy(dtype=dtypes[0] if dtypes else np.int64)
    # int64 and uint64 columns have no common integer type: check, then use int64
    columns = [X.iloc[:, j].to_numpy(dtype=d) for j, d in enumerate(dtypes)]
    for values in columns:
        _check_id_range(values)
    return np.stack([c.astype(np.int64) for c in columns], axis=1)


def _int64_ids(X):
    """An object array of Python ints as int64 ids (NumPy would make floats of big ones)."""
    try:
        return np.array(X.tolist(), dtype=np.int64)
    except OverflowError:
        raise ValueError(
            "Token ids must be >= 0 (0 is padding, 1 out-of-vocabulary) and fit in "
            f"int64; X has the id {max(X.flat, key=abs)}.") from None


def _object_array(X):
    out = np.empty(len(X), dtype=object)
    for i, x in enumerate(X):
        out[i] = x
    return out


def _is_sequence(x):
    return isinstance(x, (list, tuple, np.ndarray)) or _is_series(x) or _is_nullable_int(x)


def _list_input(X):
    seqs = []
    kinds = set()
    for i, x in enumerate(X):
        if _is_nullable_int(x):
            arr = _integer_values(x, f"Sequence {i} of X")
        else:
            arr = np.asarray(x.to_numpy() if _is_series(x) else x)
        if arr.dtype == object:
            arr = np.asarray(arr.tolist())
        if arr.ndim not in (1, 2) or arr.dtype.kind not in "iufb":
            raise ValueError(
                f"Sequence {i} of X is not a 1-D sequence of token ids or a 1-D/2-D "
                f"numeric array (got dtype {arr.dtype}, shape {arr.shape}).")
        kind = "ids" if arr.dtype.kind in "iu" and arr.ndim == 1 else "numeric"
        if arr.size == 0:
            kind = None  # an empty list has no dtype of its own
        kinds.add(kind)
        seqs.append(arr)
    kinds.discard(None)
    if len(kinds) > 1:
        raise ValueError(
            "X mixes sequences of integer token ids with float sequences; give all "
            "sequences the same kind.")
    return (kinds.pop() if kinds else "ids"), "list", seqs


# ------------------------------------------------------------------- token ids
_MAX_ID = np.iinfo(np.int64).max


def _check_id_range(values, row=None):
    """Raise for ids that are negative or do not fit in int64 (which would wrap)."""
    if not values.size:
        return
    for bad, what in ((values < 0, "a negative id"),
                      (values > _MAX_ID if values.dtype.kind == "u" else None,
                       f"an id larger than 2**63 - 1 ({int(values.max())})")):
        if bad is None or not bad.any():
            continue
        if row is None:
            row = int(np.nonzero(bad.reshape(len(values), -1).any(axis=1))[0][0])
        raise ValueError(
            f"Token ids must be >= 0 (0 is padding, 1 out-of-vocabulary) and fit in "
            f"int64; sequence {row} of X has {what}.")


def token_sequences(kind_form_data, vocab_size=None):
    """``(ids, lengths)`` for token-id input, ids >= ``vocab_size`` mapped to 1.

    Parameters
    ----------
    kind_form_data : tuple
        What :func:`as_sequence_input` returned (kind ``'ids'``).
    vocab_size : int or None
        Ids at or above it become the out-of-vocabulary id 1; None keeps them.

    Returns
    -------
    ids : ndarray of shape (n, L), int64
        A new array (the caller's data is never modified).
    lengths : ndarray of shape (n,), int64
    """
    _, form, data = kind_form_data
    if form == "list":
        seqs = [np.asarray(s).reshape(-1) for s in data]
        for i, s in enumerate(seqs):
            _check_id_range(s, row=i)
        # the same rule as for arrays: strip leading and trailing zeros
        tokens = []
        for s in seqs:
            nz = np.flatnonzero(s)
            tokens.append(s[nz[0]:nz[-1] + 1] if nz.size else s[:0])
        lengths = np.array([max(len(t), 1) for t in tokens], dtype=np.int64)
        ids = np.zeros((len(seqs), int(lengths.max(initial=1))), dtype=np.int64)
        for i, t in enumerate(tokens):
            ids[i, :len(t)] = t
    else:
        X = check_array(data, dtype=None, ensure_all_finite=False, ensure_min_features=1,
                        input_name="X")
        _check_id_range(X)
        ids, lengths = _left_align_ids(X)
    if vocab_size is not None:
        ids[ids >= vocab_size] = 1
    return ids, lengths


def _left_align_ids(X):
    """Strip leading and trailing zeros of each row of the 2-D id array ``X``."""
    n, T = X.shape
    nonzero = X != 0
    has_token = nonzero.any(axis=1)
    first = np.where(has_token, nonzero.argmax(axis=1), 0)
    last = np.where(has_token, T - 1 - nonzero[:, ::-1].argmax(axis=1), 0)
    lengths = (last - first + 1).astype(np.int64)
    width = int(lengths.max(initial=1))
    if first.any():
        cols = np.minimum(first[:, None] + np.arange(width), T - 1)
        ids = np.take_along_axis(X, cols, axis=1).astype(np.int64)
    else:
        ids = X[:, :width].astype(np.int64)  # always a copy
    ids[np.arange(width) >= lengths[:, None]] = 0
    return ids, lengths


# --------------------------------------------------------------- numeric series
def _float_dtype(dtype):
    # the rule of sknn.core.dtypes: float64 stays float64, everything else float32
    return np.float64 if dtype.kind == "f" and dtype.itemsize > 4 else np.float32


def numeric_sequences(values):
    """``(values, lengths)`` for a float array ``(n, T, F)`` with trailing NaN padding.

    Parameters
    ----------
    values : ndarray of shape (n, T, F)
        Float input; not modified.

    Returns
    -------
    values : ndarray of shape (n, L, F)
        A new array, padding set to 0.
    lengths : ndarray of shape (n,), int64
    """
    if values.shape[1] == 0:
        raise ValueError(
            f"Found sequences with 0 time steps (X of shape {values.shape}) while a "
            "minimum of 1 is required.")
    if np.isinf(values).any():
        raise ValueError("Input X contains infinity or a value too large for its dtype.")
    missing = np.isnan(values)
    if not missing.any():
        n, T = values.shape[:2]
        return values.copy(), np.full(n, T, dtype=np.int64)
    empty_step = missing.all(axis=2)  # (n, T)
    T = values.shape[1]
    # trailing all-NaN steps are padding: the length is the last step with data + 1
    has_data = ~empty_step
    lengths = np.where(has_data.any(axis=1), T - has_data[:, ::-1].argmax(axis=1), 0)
    if (lengths == 0).any():
        row = int(np.flatnonzero(lengths == 0)[0])
        raise ValueError(
            f"Input X contains NaN only in sequence {row}: it has no valid step "
            "(trailing all-NaN steps are padding).")
    inside = np.arange(T) < lengths[:, None]
    bad = missing.any(axis=2) & inside
    if bad.any():
        row, step = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"Input X contains NaN inside sequence {row} (step {step}); only trailing "
            "steps whose features are all NaN count as padding.")
    width = int(lengths.max())
    out = values[:, :width].copy()
    out[~inside[:, :width]] = 0
    return out, lengths.astype(np.int64)


def numeric_list(seqs):
    """Stack a list of ``(T_i,)`` / ``(T_i, F)`` float arrays as ``(n, T, F)`` with NaN padding.

    Parameters
    ----------
    seqs : list of ndarray

    Returns
    -------
    ndarray of shape (n, max T_i, F)
    """
    arrays = [s.reshape(-1, 1) if s.ndim == 1 else s for s in seqs]
    widths = {a.shape[1] for a in arrays if a.size}
    if len(widths) > 1:
        raise ValueError(
            f"The sequences of X have different numbers of features per step: "
            f"{sorted(widths)}.")
    F = widths.pop() if widths else 1
    dtype = np.result_type(*[_float_dtype(a.dtype) for a in arrays])
    out = np.full((len(arrays), max(len(a) for a in arrays), F), np.nan, dtype=dtype)
    for i, a in enumerate(arrays):
        out[i, :len(a)] = a
    return out
