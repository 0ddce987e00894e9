"""What the tabular estimators learn from a table's columns before the network sees them.

:class:`TabularColumns` sorts the columns of a DataFrame (or of a numeric
array: every column numeric) into three kinds and turns each into the arrays
that :class:`sknn.modules.tabular.TabularNet` takes:

* **categorical**: a vocabulary learned in ``fit``, most frequent value first
  (``min_frequency`` / ``max_categories`` drop rare values); code 0 is
  "unknown or rare" (a value unseen in fit maps there, never an error), 1 is
  "missing" (NaN is its own category), the categories follow from 2;
* **numeric**: scikit-learn's ``QuantileTransformer`` (normal output) or
  ``StandardScaler`` learned in fit, NaN imputed with the fitted median (of the
  transformed values) plus a missing-indicator input, for every numeric
  column (so NaN at predict works even where fit saw none);
* **text**: token ids from :class:`sknn.text.TextVectorizer` (a missing text
  is the empty text), one vectorizer per column, or one fitted on all text
  columns for a shared encoder.

Which column is which: ``categorical_features='from_dtype'`` takes category,
object, string and bool columns, as ``HistGradientBoostingClassifier``;
``text_features`` names the text columns.  Bad columns raise a ``ValueError``
that names them.  The fitted state is plain data (:meth:`TabularColumns.state`),
so ``save_weights`` stores it without pickle.
"""

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.preprocessing import QuantileTransformer, StandardScaler

from ..text import TextVectorizer

__all__ = ["CATEGORY_CAP", "TabularColumns", "as_table"]

#: The most categories a column keeps when ``max_categories=None``: a column with
#: more (an ID) keeps its most frequent ones, with a warning.
CATEGORY_CAP = 1000
UNKNOWN, MISSING, FIRST = 0, 1, 2

NUMERIC_TRANSFORMS = {"quantile", "standard"}


def default_text_vectorizer():
    """What ``text_vectorizer=None`` means: words and word pairs, 30,000 ids, 256 per text."""
    return TextVectorizer(ngram_range=(1, 2), max_tokens=30_000, output_sequence_length=256)


def as_table(X):
    """A pandas DataFrame as it is, a polars one converted, anything else a 2-D float array."""
    if type(X).__module__.split(".")[0] == "polars" and hasattr(X, "to_pandas"):
        X = X.to_pandas()
    if isinstance(X, pd.DataFrame):
        if X.ndim != 2 or X.shape[1] == 0:
            raise ValueError(f"X has {X.shape[1]} columns; at least 1 is required.")
        if X.shape[0] == 0:
            raise ValueError("Found array with 0 sample(s) (shape="
                             f"{X.shape}) while a minimum of 1 is required.")
        return X
    from sklearn.utils.validation import check_array

    from ..core.dtypes import input_float_dtype

    return check_array(X, dtype=input_float_dtype(X), ensure_all_finite="allow-nan",
                       ensure_min_samples=1)


def _column(X, j):
    return X.iloc[:, j] if isinstance(X, pd.DataFrame) else X[:, j]


def _label(names, j):
    return repr(names[j]) if names is not None else f"{j} (position)"


def _is_categorical_dtype(dtype):
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype))


def _select(spec, n_columns, names, what):
    """Positions named by a list of names, indices, or a boolean mask."""
    if spec is None:
        return set()
    spec = list(np.asarray(spec).ravel()) if not isinstance(spec, (list, tuple)) else list(spec)
    if spec and all(isinstance(v, (bool, np.bool_)) for v in spec):
        if len(spec) != n_columns:
            raise ValueError(f"{what} as a boolean mask needs {n_columns} entries, one per "
                             f"column; got {len(spec)}.")
        return {j for j, v in enumerate(spec) if v}
    positions = set()
    for v in spec:
        if isinstance(v, str):
            if names is None or v not in list(names):
                raise ValueError(f"{what} names the column {v!r}, which X does not have"
                                 + ("" if names is None else f" (columns: {list(names)})")
                                 + ".")
            positions.add(list(names).index(v))
        elif isinstance(v, numbers.Integral):
            if not -n_columns <= v < n_columns:
                raise ValueError(f"{what} has the index {v}, but X has {n_columns} columns.")
            positions.add(int(v) % n_columns)
        else:
            raise ValueError(f"{what} must hold column names, indices or booleans; got {v!r}.")
    return positions


class TabularColumns:
    """The column handling of one fit; see the module docstring.

    Parameters are those of the estimators (``categorical_features``,
    ``text_features``, ``numeric_transform``, ``min_frequency``,
    ``max_categories``, ``text_vectorizer``, ``shared_text_encoder``);
    ``random_state`` seeds the quantile transform's subsample.
    """

    def __init__(self, *, categorical_features="from_dtype", text_features=None,
                 numeric_transform="quantile", min_frequency=1, max_categories=None,
                 text_vectorizer=None, shared_text_encoder=False, random_state=None):
        self.categorical_features = categorical_features
        self.text_features = text_features
        self.numeric_transform = numeric_transform
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.text_vectorizer = text_vectorizer
        self.shared_text_encoder = shared_text_encoder
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X):
        """Learn the column kinds, vocabularies, transforms from the table ``X``."""
        frame = isinstance(X, pd.DataFrame)
        n_columns = X.shape[1]
        self.names = list(X.columns) if frame else None
        text = _select(self.text_features, n_columns, self.names, "text_features")
        if self.categorical_features == "from_dtype":
            categorical = ({j for j in range(n_columns) if _is_categorical_dtype(X.dtypes.iloc[j])}
                           if frame else set())
        else:
            categorical = _select(self.categorical_features, n_columns, self.names,
                                  "categorical_features")
            both = categorical & text
            if both:
                raise ValueError(
                    f"Column {_label(self.names, min(both))} is in both categorical_features "
                    "and text_features; a column is one or the other.")
        categorical -= text
        self.kinds = ["text" if j in text else "categorical" if j in categorical else "numeric"
                      for j in range(n_columns)]
        self.categories = [self._fit_categories(X, j) for j in self.positions("categorical")]
        self._fit_numeric(X)
        self._fit_text(X)
        return self

    def positions(self, kind):
        """Positions of the columns of ``kind``, in table order."""
        return [j for j, k in enumerate(self.kinds) if k == kind]

    def _all_missing(self, j, missing):
        if missing.all():
            raise ValueError(
                f"Column {_label(self.names, j)} holds only missing values (NaN) in fit: "
                "there is nothing to learn from it; drop it.")

    def _fit_categories(self, X, j):
        values = pd.Series(_column(X, j), copy=False)
        self._all_missing(j, values.isna().to_numpy())
        counts = values.value_counts(dropna=True)
        counts = counts[counts > 0]
        pairs = sorted(zip(counts.index.tolist(), counts.tolist()),
                       key=lambda pair: (-pair[1], str(pair[0])))
        threshold = self.min_frequency
        if isinstance(threshold, numbers.Real) and not isinstance(threshold, numbers.Integral):
            threshold = threshold * len(values)
        kept = [value for value, count in pairs if count >= threshold]
        limit = self.max_categories
        if limit is None and len(kept) > CATEGORY_CAP:
            warnings.warn(
                f"Column {_label(self.names, j)} has {len(kept):,} categories; it keeps the "
                f"{CATEGORY_CAP:,} most frequent and reads the others as unknown. Is it an ID? "
                "Drop it, or set max_categories (or min_frequency) to say how many to keep.",
                UserWarning, stacklevel=6)
            limit = CATEGORY_CAP
        if limit is not None:
            kept = kept[:limit]
        return np.asarray(kept) if kept and not isinstance(kept[0], str) else np.asarray(
            kept, dtype=object)

    def _numeric_matrix(self, X, fitting):
        positions = self.positions("numeric")
        matrix = np.empty((X.shape[0], len(positions)), dtype=np.float64)
        for i, j in enumerate(positions):
            matrix[:, i] = self._numeric_values(X, j, fitting)
        return matrix

    def _numeric_values(self, X, j, fitting):
        values = _column(X, j)
        if not isinstance(values, pd.Series):
            out = np.asarray(values, dtype=np.float64)
        else:
            dtype = values.dtype
            if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
                    dtype):
                raise ValueError(
                    f"Column {_label(self.names, j)} holds dates or times; turn them into "
                    "numbers (for instance seconds since a reference time) or calendar "
                    "features first.")
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
                out = values.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                converted = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)),
                                          errors="coerce")
                bad = converted.isna().to_numpy() & ~values.isna().to_numpy()
                if bad.any():
                    example = values.iloc[int(np.argmax(bad))]
                    raise ValueError(
                        f"Column {_label(self.names, j)} was numeric in fit but now holds "
                        f"non-numeric values such as {example!r}: pass the same kinds of "
                        "columns as in fit.")
                out = converted.to_numpy(dtype=np.float64)
        if np.isinf(out).any():
            raise ValueError(f"Column {_label(self.names, j)} contains infinity; numeric "
                             "columns may hold NaN (missing) but not infinity.")
        if fitting:
            self._all_missing(j, np.isnan(out))
        return out

    def _fit_numeric(self, X):
        matrix = self._numeric_matrix(X, fitting=True)
        self.numeric = None
        self.fill = np.zeros(matrix.shape[1])
        if matrix.shape[1] == 0:
            return
        if self.numeric_transform == "quantile":
            seed = np.random.RandomState(self.random_state).randint(np.iinfo(np.int32).max) \
                if not isinstance(self.random_state, np.random.RandomState) \
                else self.random_state.randint(np.iinfo(np.int32).max)
            transform = QuantileTransformer(
                output_distribution="normal", n_quantiles=int(min(1000, matrix.shape[0])),
                subsample=100_000, random_state=int(seed))
        else:
            transform = StandardScaler()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*n_quantiles.*")
            transformed = transform.fit_transform(matrix)
        self.numeric = transform
        self.fill = np.nanmedian(transformed, axis=0)

    def _text_docs(self, X, j):
        values = _column(X, j)
        docs = values.tolist() if isinstance(values, pd.Series) else list(values)
        out = []
        for i, doc in enumerate(docs):
            if isinstance(doc, str):
                out.append(doc)
            elif doc is None or doc is pd.NA or (isinstance(doc, float) and doc != doc):
                out.append("")
            else:
                raise ValueError(
                    f"Text column {_label(self.names, j)} holds a non-string value in row "
                    f"{i}: {doc!r} (of type {type(doc).__name__}); text columns hold str, "
                    "or NaN/None for a missing text.")
        return out

    def _fit_text(self, X):
        positions = self.positions("text")
        base = (self.text_vectorizer if self.text_vectorizer is not None
                else default_text_vectorizer())
        if base.output_mode != "int":
            raise ValueError(f"text_vectorizer must have output_mode='int' (token ids), got "
                             f"{base.output_mode!r}.")
        self.vectorizers = []
        docs = {j: self._text_docs(X, j) for j in positions}
        groups = ([positions] if self.shared_text_encoder and positions
                  else [[j] for j in positions])
        for group in groups:
            vectorizer = clone(base)
            try:
                vectorizer.fit([doc for j in group for doc in docs[j]])
            except ValueError as exc:
                columns = ", ".join(_label(self.names, j) for j in group)
                raise ValueError(f"Text column(s) {columns}: {exc}") from None
            self.vectorizers.append(vectorizer)

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """``(categorical codes, numeric inputs, text ids)`` for the table ``X``."""
        n = X.shape[0]
        cat_positions = self.positions("categorical")
        codes = np.empty((n, len(cat_positions)), dtype=np.int64)
        for i, (j, categories) in enumerate(zip(cat_positions, self.categories)):
            values = pd.Series(_column(X, j), copy=False)
            found = pd.Index(categories).get_indexer(values) if len(categories) else np.full(
                n, -1)
            codes[:, i] = np.where(values.isna().to_numpy(), MISSING,
                                   np.where(found < 0, UNKNOWN, found + FIRST))
        numeric = self._numeric_matrix(X, fitting=False)
        if self.numeric is not None:
            missing = np.isnan(numeric)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="X has feature names")
                numeric = self.numeric.transform(numeric)
            numeric = np.where(missing, self.fill, numeric)
            numeric = np.hstack([numeric, missing])
        else:
            numeric = np.empty((n, 0), dtype=np.float64)
        text_positions = self.positions("text")
        text = np.zeros((n, len(text_positions), self.sequence_length()), dtype=np.int64)
        for i, j in enumerate(text_positions):
            vectorizer = self.vectorizers[0 if self.shared_text_encoder else i]
            ids = vectorizer.transform(self._text_docs(X, j))
            text[:, i, :ids.shape[1]] = ids
        return codes, numeric, text

    # ------------------------------------------------------------- describe
    def sequence_length(self):
        return max((v.sequence_length_ for v in self.vectorizers), default=0)

    def cardinalities(self):
        """Number of codes of each categorical column (unknown and missing included)."""
        return [len(c) + FIRST for c in self.categories]

    def vocab_sizes(self):
        """Number of token ids of each text column (padding and OOV included)."""
        sizes = [len(v.vocabulary_) + 2 for v in self.vectorizers]
        return sizes * len(self.positions("text")) if self.shared_text_encoder else sizes

    def n_numeric(self):
        return len(self.positions("numeric"))

    # ---------------------------------------------------------------- state
    def __sknn_state__(self):
        """The fitted state as plain data (for :func:`sknn.export.save_weights`)."""
        def fitted(obj):
            return {"params": obj.get_params(deep=False),
                    "attrs": {k: v for k, v in vars(obj).items()
                              if k.endswith("_") or k == "_fit_mode"}}

        params = {k: v for k, v in vars(self).items() if k not in (
            "numeric", "vectorizers", "text_vectorizer", "random_state")}
        return {**params,
                "numeric": None if self.numeric is None else
                {"class": type(self.numeric).__name__, **fitted(self.numeric)},
                "vectorizers": [fitted(v) for v in self.vectorizers]}

    @classmethod
    def from_sknn_state(cls, state):
        state = dict(state)
        self = cls.__new__(cls)

        def rebuild(klass, data):
            obj = klass(**data["params"])
            for k, v in data["attrs"].items():
                setattr(obj, k, v)
            return obj

        numeric = state.pop("numeric")
        vectorizers = state.pop("vectorizers")
        self.__dict__.update(state)
        self.text_vectorizer = None
        self.random_state = None
        self.numeric = None if numeric is None else rebuild(
            {"QuantileTransformer": QuantileTransformer,
             "StandardScaler": StandardScaler}[numeric["class"]], numeric)
        self.vectorizers = [rebuild(TextVectorizer, v) for v in vectorizers]
        return self
