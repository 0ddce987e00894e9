"""Which floating point precision a fit runs in.

The rule, chosen to be a scikit-learn drop-in without making torch users pay
for float64 they never asked for:

* float64 input (NumPy, pandas, scipy sparse) trains and predicts in float64,
  as scikit-learn does;
* input that already has a smaller numeric type (float32/float16, integers,
  booleans, uint8 pixels) trains in float32, torch's native precision;
* input without a dtype (lists, other array-likes) becomes whatever
  ``numpy.asarray`` makes of it: Python floats give float64.

Strings, dates and times are refused here (see :mod:`sknn.core.numeric_input`),
since every estimator asks this module for the precision of its input first.
"""

import numpy as np
import torch

from .numeric_input import check_numeric

#: torch dtypes that share memory with a NumPy array (``tensor.numpy()``), and
#: the NumPy type of each: the CPU fast path and batching work on such views
NUMPY_TYPES = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16,
               torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16,
               torch.int8: np.int8, torch.uint8: np.uint8, torch.bool: np.bool_}


def input_float_dtype(X):
    """Return ``np.float64`` or ``np.float32`` for the raw input ``X``.

    Raises a ``ValueError`` for strings, dates and times (:func:`check_numeric`).
    """
    check_numeric(X)
    dtype = getattr(X, "dtype", None)
    if dtype is None and hasattr(X, "dtypes"):  # pandas DataFrame
        try:
            dtype = np.result_type(*[np.dtype(d) for d in X.dtypes])
        except TypeError:  # extension dtypes: let numpy decide after conversion
            dtype = None
    if dtype is None:
        try:
            dtype = np.asarray(X).dtype
        except (TypeError, ValueError):
            return np.float64
    dtype = np.dtype(dtype)
    if dtype.kind in "iub" or (dtype.kind == "f" and dtype.itemsize <= 4):
        return np.float32
    return np.float64
