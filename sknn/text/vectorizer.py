"""TextVectorizer: Keras' ``TextVectorization`` as a scikit-learn transformer."""

from __future__ import annotations

import numbers
from array import array
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from .tokenize import build_analyzer

try:  # the C helper behind Counter.update: counts an iterable into a dict
    from collections import _count_elements
except ImportError:  # pragma: no cover - other Python implementations

    def _count_elements(mapping, iterable):
        get = mapping.get
        for item in iterable:
            mapping[item] = get(item, 0) + 1


__all__ = ["TextVectorizer"]

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tfidf")
_SEQUENCE_MODES = ("int", "one_hot")
PAD_TOKEN = ""
OOV_TOKEN = "[UNK]"


class _Lookup(dict):
    """A token -> id dict that answers ``default`` for unknown tokens (not stored)."""

    __slots__ = ("default",)

    def __init__(self, mapping, default):
        super().__init__(mapping)
        self.default = default

    def __missing__(self, key):
        return self.default


def _is_missing(value):
    return (
        value is None
        or type(value).__name__ in ("NAType", "NaTType")
        or (isinstance(value, float) and value != value)
    )


def _as_documents(X):
    """Validate the raw input and return ``(list of str, column name or None)``."""
    if isinstance(X, (str, bytes)):
        raise ValueError(
            "TextVectorizer expects an iterable of str documents (a list, a 1-D array, "
            "a pandas Series or a one-column DataFrame), but a single string was given."
        )
    name = None
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # pandas DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                "TextVectorizer expects one text column, got a DataFrame with "
                f"{X.shape[1]} columns {list(X.columns)!r}."
            )
        name = X.columns[0]
        docs = X.iloc[:, 0].tolist()
    elif hasattr(X, "iloc"):  # pandas Series
        docs = X.tolist()
    elif sp.issparse(X):
        raise ValueError("TextVectorizer expects str documents, got a sparse matrix.")
    elif isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        elif X.ndim != 1:
            raise ValueError(
                "TextVectorizer expects a 1-D array of str documents or a 2-D array with "
                f"one column, got an array of shape {X.shape}."
            )
        docs = X.tolist()
    else:
        try:
            docs = list(X)
        except TypeError:
            raise ValueError(
                f"TextVectorizer expects an iterable of str documents, got {type(X).__name__}."
            ) from None
    if not docs:
        raise ValueError("TextVectorizer got an empty input: no documents.")
    if not all(isinstance(doc, str) for doc in docs):
        for i, doc in enumerate(docs):
            if not isinstance(doc, str):
                what = "a missing value" if _is_missing(doc) else f"of type {type(doc).__name__}"
                raise ValueError(
                    f"TextVectorizer expects str documents, but entry {i} is "
                    f"{str(doc)[:50]!r}, {what}."
                )
    return docs, name


def _index_array(buffer):
    """A NumPy view of an ``array.array`` of C ints/longs."""
    return np.frombuffer(buffer, dtype=f"i{buffer.itemsize}")


def _sparse_output(matrix):
    """Follow scikit-learn's ``sparse_interface`` setting (``csr_matrix`` by default)."""
    if sklearn.get_config().get("sparse_interface", "spmatrix") == "sparray":
        return sp.csr_array(matrix)
    return matrix


class TextVectorizer(TransformerMixin, BaseEstimator):
    """Turn raw text into token-id sequences or bags of n-grams.

    A scikit-learn transformer modelled on Keras' ``TextVectorization``: it
    normalises the text (lowercase, strip punctuation, optionally accents and
    Arabic diacritics), splits it into tokens, learns a vocabulary ranked by
    frequency, and outputs either padded integer sequences for recurrent
    networks or sparse bag-of-n-gram matrices for dense ones.

    Parameters
    ----------
    analyzer : {'word', 'char', 'char_wb'} or callable, default='word'
        ``'word'`` splits the normalised text on whitespace (Keras'
        ``split='whitespace'``; unlike scikit-learn's default ``token_pattern``
        one-character words are kept). ``'char'`` and ``'char_wb'`` make
        character n-grams exactly as scikit-learn's ``CountVectorizer`` (runs of
        whitespace count as one space; ``'char_wb'`` pads each word with a
        space and stays inside it). A callable receives the *normalised* text
        (after ``lowercase``, ``strip_accents`` and ``strip_punctuation``; turn
        them off for the raw text) and returns a sequence of tokens, from which
        word n-grams are formed as for ``'word'``.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        The n-grams to use, ``min_n <= n <= max_n``; word n-grams are joined by
        a space. In the sequence modes a document's tokens are all its
        ``min_n``-grams in text order, then its ``min_n + 1``-grams, and so on.
    lowercase : bool, default=True
        Lowercase the text first.
    strip_accents : {None, 'ascii', 'unicode'} or callable, default=None
        ``'unicode'``: Unicode NFKD decomposition, then remove every combining
        mark (accents, and the Arabic harakat U+064B-U+065F and superscript alef
        U+0670) and the Arabic tatweel U+0640. ``'ascii'``: keep only what
        decomposes to ASCII (drops all other characters). A callable maps a str
        to a str. Applied after lowercasing, before punctuation stripping.
    strip_punctuation : bool, default=True
        Delete (not replace by a space, as Keras) the ASCII punctuation
        characters of :data:`string.punctuation` and all other Unicode
        punctuation (general category ``P*``): ``"don't"`` becomes ``"dont"``,
        ``"<br />"`` becomes ``"br"``.
    strip_invisible : bool, default=True
        Delete invisible characters before anything else (see
        :func:`sknn.text.tokenize.strip_invisible`): controls such as NUL,
        zero width spaces, soft hyphens and the bidirectional controls
        U+202A-U+202E and U+2066-U+2069, so ``"\u202eevil\u202c"`` and
        ``"evil"`` are one token; the zero width (non-)joiners that Persian
        and Indic spelling needs are kept inside words only. Text segmented
        by zero width spaces (Thai, Khmer...) should have them replaced by
        spaces first. (ONNX export needs ``False``: ONNX cannot delete
        characters inside a token.)
    max_tokens : int, default=None
        The largest size of the output's vocabulary axis; the most frequent
        tokens (total count in the training documents, ties broken in code
        point order) are kept. As in Keras, in the sequence modes (``'int'``,
        ``'one_hot'``) it counts the padding and OOV ids too, so at most
        ``max_tokens - 2`` tokens are learned; in the bag modes there are no
        such columns and it is the number of columns (scikit-learn's
        ``max_features``). None: no limit.
    min_df : int or float, default=1
        Ignore tokens found in fewer documents (a float in [0, 1]: a
        proportion of the documents), as scikit-learn.
    max_df : int or float, default=1.0
        Ignore tokens found in more documents (a float in [0, 1]: a
        proportion), as scikit-learn.
    output_mode : {'int', 'one_hot', 'multi_hot', 'count', 'tfidf'}, default='int'
        ``'int'``: an ``int64`` array ``(n_samples, L)`` of token ids, 0 =
        padding, 1 = out-of-vocabulary, tokens from 2 in frequency order.
        ``'one_hot'``: the same sequences one-hot encoded, a ``float32`` array
        ``(n_samples, L, vocabulary size)`` where padding positions are all-zero
        rows and OOV tokens have their 1 in column 1. ``'multi_hot'``,
        ``'count'`` (``int64``) and ``'tfidf'`` (``float64``, scikit-learn's
        smooth idf and L2-normalised rows, identical to ``TfidfVectorizer`` for
        the same tokens): a scipy CSR matrix ``(n_samples, n_tokens)`` whose
        columns are the tokens in frequency order; out-of-vocabulary tokens are
        dropped (there is no OOV column).
    output_sequence_length : int, default=None
        The sequence length ``L`` of the sequence modes; None: the length of the
        longest token sequence of the training documents (fixed at fit, so every
        transform has the same width). Only for ``'int'`` and ``'one_hot'``.
    padding : {'pre', 'post'}, default='post'
        Pad short sequences with 0 at the end (``'post'``) or the start.
    truncating : {'pre', 'post'}, default='post'
        Cut long sequences at the end (``'post'``: keep the first ``L`` tokens)
        or the start (``'pre'``: keep the last ``L``).

    Attributes
    ----------
    vocabulary_ : dict
        Token -> index in the output: the token id (from 2) in the sequence
        modes, the column (from 0) in the bag modes; in that order.
    sequence_length_ : int
        ``L``, the width of the sequence modes' output (sequence modes only).
    idf_ : ndarray of shape (n_tokens,)
        The inverse document frequencies (``'tfidf'`` only).
    n_features_in_ : int
        1, the one text column.
    feature_names_in_ : ndarray of shape (1,)
        The column's name, when fitted on a DataFrame whose column name is a
        str (scikit-learn's rule); :meth:`transform` then checks that a
        DataFrame has the same name, and warns when ``X`` has none.

    See Also
    --------
    sknn.text.load_word_vectors : Read GloVe / word2vec text files.
    sklearn.feature_extraction.text.TfidfVectorizer : The bag-of-words original.

    Notes
    -----
    Input: a list, tuple, 1-D NumPy array or pandas Series of str, or a 2-D
    array / DataFrame with one column (so it works in a ``ColumnTransformer``
    with a column name or a one-name list). ``None``, NaN or any non-str entry
    raises a ``ValueError`` that names its position.

    Examples
    --------
    >>> from sknn.text import TextVectorizer
    >>> tv = TextVectorizer(output_sequence_length=5).fit(["The cat sat.", "The dog!"])
    >>> tv.vocabulary_
    {'the': 2, 'cat': 3, 'dog': 4, 'sat': 5}
    >>> tv.transform(["the bird sat"])
    array([[2, 1, 5, 0, 0]])
    """

    def __init__(
        self,
        analyzer="word",
        ngram_range=(1, 1),
        lowercase=True,
        strip_accents=None,
        strip_punctuation=True,
        strip_invisible=True,
        max_tokens=None,
        min_df=1,
        max_df=1.0,
        output_mode="int",
        output_sequence_length=None,
        padding="post",
        truncating="post",
    ):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.strip_punctuation = strip_punctuation
        self.strip_invisible = strip_invisible
        self.max_tokens = max_tokens
        self.min_df = min_df
        self.max_df = max_df
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.padding = padding
        self.truncating = truncating

    # ------------------------------------------------------------------ params
    def _check_params(self):
        if self.output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"output_mode must be one of {_OUTPUT_MODES}, got {self.output_mode!r}"
            )
        for name in ("padding", "truncating"):
            if getattr(self, name) not in ("pre", "post"):
                raise ValueError(f"{name} must be 'pre' or 'post', got {getattr(self, name)!r}")
        ngram_range = self.ngram_range
        if (
            not isinstance(ngram_range, (tuple, list))
            or len(ngram_range) != 2
            or not all(_is_int(n) for n in ngram_range)
            or not 1 <= ngram_range[0] <= ngram_range[1]
        ):
            raise ValueError(
                "ngram_range must be a pair of ints (min_n, max_n) with "
                f"1 <= min_n <= max_n, got {ngram_range!r}"
            )
        sequence = self.output_mode in _SEQUENCE_MODES
        if self.max_tokens is not None:
            if not _is_int(self.max_tokens) or self.max_tokens < 1:
                raise ValueError(
                    f"max_tokens must be None or a positive int, got {self.max_tokens!r}"
                )
            if sequence and self.max_tokens < 3:
                raise ValueError(
                    "max_tokens counts the padding and OOV ids in output_mode "
                    f"{self.output_mode!r}, so it must be at least 3, got {self.max_tokens}"
                )
        if self.output_sequence_length is not None:
            if not sequence:
                raise ValueError(
                    "output_sequence_length is only used with output_mode 'int' or "
                    f"'one_hot', not {self.output_mode!r}; leave it None"
                )
            if not _is_int(self.output_sequence_length) or self.output_sequence_length < 1:
                raise ValueError(
                    "output_sequence_length must be None or a positive int, got "
                    f"{self.output_sequence_length!r}"
                )
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if _is_int(value):
                ok = value >= 0
            elif isinstance(value, numbers.Real) and not isinstance(value, bool):
                ok = 0.0 <= value <= 1.0
            else:
                ok = False
            if not ok:
                raise ValueError(
                    f"{name} must be an int >= 0 (a number of documents) or a float in "
                    f"[0.0, 1.0] (a proportion), got {value!r}"
                )

    def _build_analyzer(self):
        return build_analyzer(
            analyzer=self.analyzer,
            ngram_range=tuple(self.ngram_range),
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            strip_punctuation=self.strip_punctuation,
            strip_invisible=self.strip_invisible,
        )

    # --------------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Learn the vocabulary (and the idf for ``'tfidf'``) of the documents.

        Parameters
        ----------
        X : iterable of str, array-like of shape (n_samples,) or (n_samples, 1)
            The documents: a list, NumPy array, pandas Series or one-column
            DataFrame of str.
        y : None
            Ignored.

        Returns
        -------
        self : TextVectorizer
            The fitted transformer.
        """
        self._fit(X, transform=False)
        return self

    def fit_transform(self, X, y=None):
        """Fit, and transform the same documents (tokenizing them only once).

        Parameters
        ----------
        X : iterable of str, array-like of shape (n_samples,) or (n_samples, 1)
            The documents.
        y : None
            Ignored.

        Returns
        -------
        ndarray or scipy.sparse.csr_matrix
            As :meth:`transform`.
        """
        return self._fit(X, transform=True)

    def _fit(self, X, transform):
        self._check_params()
        docs, _ = _as_documents(X)
        for attr in ("idf_", "_tfidf", "sequence_length_"):
            if attr in self.__dict__:
                delattr(self, attr)
        analyze = self._build_analyzer()
        sequence = self.output_mode in _SEQUENCE_MODES
        # Every new token gets the next provisional id (all at C speed).
        vocab = defaultdict()
        vocab.default_factory = vocab.__len__
        if sequence:
            ids, lengths = _sequence_ids(docs, analyze, vocab.__getitem__)
            n_terms = len(vocab)
            if n_terms == 0:
                raise ValueError("empty vocabulary: the documents contain no tokens")
            tf = np.bincount(ids, minlength=n_terms)
            df = None
            if self._uses_df():
                rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
                pairs = np.unique(rows * n_terms + ids)
                df = np.bincount(pairs % n_terms, minlength=n_terms)
        else:
            data, indices, indptr = _count_arrays(docs, analyze, vocab.__getitem__)
            n_terms = len(vocab)
            if n_terms == 0:
                raise ValueError("empty vocabulary: the documents contain no tokens")
            tf = np.bincount(indices, weights=data, minlength=n_terms)
            df = np.bincount(indices, minlength=n_terms)
        terms = list(vocab)
        order = self._rank(terms, tf, df, len(docs))
        offset = 2 if sequence else 0
        self.vocabulary_ = dict(
            zip(map(terms.__getitem__, order.tolist()), range(offset, offset + len(order)))
        )
        remap = np.full(n_terms, 1 if sequence else -1, dtype=np.int64)
        remap[order] = np.arange(offset, offset + len(order))
        self.n_features_in_ = 1
        # a DataFrame's column name, as scikit-learn records it (and checks it in transform)
        _check_feature_names(self, X, reset=True)
        self._fit_mode = "sequence" if sequence else "bag"

        if sequence:
            lengths_max = int(lengths.max()) if len(lengths) else 0
            self.sequence_length_ = (
                self.output_sequence_length
                if self.output_sequence_length is not None
                else max(lengths_max, 1)
            )
            if not transform:
                return None
            return self._sequence_output(remap[ids], lengths)

        counts = _csr(data, remap[indices], indptr, (len(docs), len(order)))
        if self.output_mode == "tfidf":
            self._tfidf = TfidfTransformer().fit(counts)
            self.idf_ = self._tfidf.idf_
        if not transform:
            return None
        return self._bag_output(counts)

    def _uses_df(self):
        return not (
            (_is_int(self.min_df) and self.min_df <= 1 or self.min_df == 0)
            and (self.max_df == 1.0 and not _is_int(self.max_df))
        )

    def _rank(self, terms, tf, df, n_docs):
        """Provisional ids of the kept tokens, most frequent first."""
        keep = None
        if df is not None:
            low = self.min_df if _is_int(self.min_df) else self.min_df * n_docs
            high = self.max_df if _is_int(self.max_df) else self.max_df * n_docs
            if high < low:
                raise ValueError("max_df corresponds to < documents than min_df")
            keep = (df >= low) & (df <= high)
        # Code-point order first, then a stable sort by decreasing frequency:
        # ties are broken alphabetically, whatever the order of the documents.
        alphabetical = np.array(sorted(range(len(terms)), key=terms.__getitem__))
        order = alphabetical[np.argsort(-tf[alphabetical], kind="stable")]
        if keep is not None:
            order = order[keep[order]]
        if self.max_tokens is not None:
            limit = self.max_tokens - (2 if self.output_mode in _SEQUENCE_MODES else 0)
            order = order[:limit]
        if len(order) == 0:
            raise ValueError(
                "After pruning, no terms remain. Try a lower min_df or a higher max_df."
            )
        return order

    # --------------------------------------------------------------- transform
    def transform(self, X):
        """Vectorize documents with the fitted vocabulary.

        Parameters
        ----------
        X : iterable of str, array-like of shape (n_samples,) or (n_samples, 1)
            The documents: a list, NumPy array, pandas Series or one-column
            DataFrame of str.

        Returns
        -------
        ndarray of shape (n_samples, L) or (n_samples, L, vocabulary size), or \
scipy.sparse.csr_matrix of shape (n_samples, n_tokens)
            ``'int'``: ``int64`` ids; ``'one_hot'``: ``float32``; ``'count'``
            and ``'multi_hot'``: ``int64`` CSR; ``'tfidf'``: ``float64`` CSR.
        """
        check_is_fitted(self, "vocabulary_")
        sequence = self.output_mode in _SEQUENCE_MODES
        if self._fit_mode != ("sequence" if sequence else "bag"):
            raise NotFittedError(
                f"This TextVectorizer was fitted for another output_mode than "
                f"{self.output_mode!r}; fit it again."
            )
        docs, _ = _as_documents(X)
        _check_feature_names(self, X, reset=False)
        analyze = self._build_analyzer()
        if sequence:
            lookup = _Lookup(self.vocabulary_, 1)
            ids, lengths = _sequence_ids(docs, analyze, lookup.__getitem__)
            return self._sequence_output(ids, lengths)
        lookup = _Lookup(self.vocabulary_, -1)
        data, indices, indptr = _count_arrays(docs, analyze, lookup.__getitem__)
        counts = _csr(data, indices, indptr, (len(docs), len(self.vocabulary_)))
        return self._bag_output(counts)

    def _sequence_output(self, ids, lengths):
        seqs = _pad(ids, lengths, self.sequence_length_, self.padding, self.truncating)
        if self.output_mode == "int":
            return seqs
        size = len(self.vocabulary_) + 2
        out = np.zeros(seqs.shape + (size,), dtype=np.float32)
        rows, cols = np.nonzero(seqs)
        out[rows, cols, seqs[rows, cols]] = 1.0
        return out

    def _bag_output(self, counts):
        if self.output_mode == "multi_hot":
            counts.data = np.ones_like(counts.data)
        elif self.output_mode == "tfidf":
            return self._tfidf.transform(counts, copy=False)
        return _sparse_output(counts)

    # ----------------------------------------------------------------- helpers
    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored (the names come from the vocabulary or the positions).

        Returns
        -------
        ndarray of str objects
            Bag modes: the tokens, one per column. ``'int'``: the positions
            ``textvectorizer0 ... textvectorizer{L-1}``. ``'one_hot'``: the
            vocabulary axis, ``['', '[UNK]', token, ...]``.
        """
        check_is_fitted(self, "vocabulary_")
        if self._fit_mode == "bag":
            return np.asarray(list(self.vocabulary_), dtype=object)
        if self.output_mode == "one_hot":
            return np.asarray(self.get_vocabulary(), dtype=object)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.sequence_length_)], dtype=object)

    def get_vocabulary(self):
        """The vocabulary as a list, position = index in the output (as Keras).

        Returns
        -------
        list of str
            Sequence modes: ``['', '[UNK]', most frequent token, ...]`` (padding
            and OOV first); bag modes: the column tokens.
        """
        check_is_fitted(self, "vocabulary_")
        tokens = list(self.vocabulary_)
        if self._fit_mode == "sequence":
            return [PAD_TOKEN, OOV_TOKEN] + tokens
        return tokens

    def embedding_matrix(self, vectors, *, random_state=None, unknown="random"):
        """Pretrained word vectors arranged as an embedding matrix for the vocabulary.

        Row ``i`` holds the vector of the token with index ``i`` (see
        :meth:`get_vocabulary`), ready for ``RNNSequenceClassifier(embeddings=...)``.

        Parameters
        ----------
        vectors : mapping of str to 1-D array
            E.g. :func:`sknn.text.load_word_vectors`'s result; anything with
            ``in`` and ``[]`` (a gensim ``KeyedVectors`` works too).
        random_state : int, RandomState instance or None, default=None
            Seeds the rows of the tokens without a vector.
        unknown : {'random', 'zeros'}, default='random'
            How to fill the rows of tokens that ``vectors`` lacks, and the OOV
            row 1: ``'random'``, draws from a normal distribution with mean 0
            and the standard deviation of the entries of the vectors that were
            found (0.1 if none was); ``'zeros'``, zeros. The padding row 0 of
            the sequence modes is always zero. A vector holding NaN or
            infinity raises a ``ValueError`` naming its token.

        Returns
        -------
        ndarray of shape (vocabulary size, dim), dtype float32
            ``vocabulary size`` is ``len(vocabulary_) + 2`` in the sequence modes
            (rows 0 and 1: padding and OOV), ``len(vocabulary_)`` otherwise.
        """
        check_is_fitted(self, "vocabulary_")
        if unknown not in ("random", "zeros"):
            raise ValueError(f"unknown must be 'random' or 'zeros', got {unknown!r}")
        dim = _vector_dim(vectors)
        tokens = self.get_vocabulary()
        sequence = self._fit_mode == "sequence"
        matrix = np.zeros((len(tokens), dim), dtype=np.float32)
        found = np.zeros(len(tokens), dtype=bool)
        for i, token in enumerate(tokens):
            if sequence and i < 2:
                continue
            if token in vectors:
                with np.errstate(over="ignore"):  # too large for float32: inf, refused below
                    vector = np.asarray(vectors[token], dtype=np.float32).ravel()
                if vector.shape != (dim,):
                    raise ValueError(
                        f"the vector of {token!r} has {vector.size} values, expected {dim}"
                    )
                if not np.isfinite(vector).all():
                    raise ValueError(
                        f"the vector of {token!r} contains NaN or infinity (as float32); "
                        "drop or fix it in the word vectors first"
                    )
                matrix[i] = vector
                found[i] = True
        if unknown == "random":
            missing = ~found
            if sequence:
                missing[0] = False  # padding stays zero
            scale = float(matrix[found].std()) if found.any() else 0.1
            rng = check_random_state(random_state)
            matrix[missing] = rng.normal(0.0, scale, size=(int(missing.sum()), dim))
        return matrix

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _vector_dim(vectors):
    for attr in ("dim", "vector_size"):
        dim = getattr(vectors, attr, None)
        if _is_int(dim):
            return int(dim)
    try:
        first = next(iter(vectors.values()))
    except (AttributeError, StopIteration):
        raise ValueError(
            "cannot tell the vector dimension: pass a non-empty mapping of str to vectors"
        ) from None
    return int(np.asarray(first).size)


def _sequence_ids(docs, analyze, getter):
    """All token ids of all documents, flat, and each document's length."""
    ids = array("i")
    lengths = array("q")
    extend, append = ids.extend, lengths.append
    for doc in docs:
        tokens = analyze(doc)
        extend(map(getter, tokens))
        append(len(tokens))
    return _index_array(ids).astype(np.int64), _index_array(lengths)


def _count_arrays(docs, analyze, getter):
    """Per-document token counts as CSR arrays ``(data, indices, indptr)``.

    ``getter`` maps a token to its column; a negative column marks a token to
    drop (see :func:`_csr`).
    """
    indices = array("i")
    values = array("i")
    indptr = array("q", [0])
    extend_indices, extend_values, append = indices.extend, values.extend, indptr.append
    for doc in docs:
        counts = {}
        _count_elements(counts, analyze(doc))
        extend_indices(map(getter, counts))
        extend_values(counts.values())
        append(len(indices))
    return _index_array(values), _index_array(indices), _index_array(indptr)


def _csr(data, indices, indptr, shape):
    """A canonical CSR matrix (sorted indices), without the negative-column entries."""
    keep = indices >= 0
    if not keep.all():
        kept = np.concatenate(([0], np.cumsum(keep)))
        indptr = kept[indptr]
        indices = indices[keep]
        data = data[keep]
    index_dtype = np.int32 if max(indptr[-1], shape[1]) < np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_matrix(
        (
            data.astype(np.int64),
            indices.astype(index_dtype, copy=False),
            indptr.astype(index_dtype, copy=False),
        ),
        shape=shape,
    )
    matrix.sort_indices()
    return matrix


def _pad(ids, lengths, length, padding, truncating):
    """Cut and pad the flat ``ids`` (documents one after another) to ``(n, length)``."""
    lengths = lengths.astype(np.int64)
    kept = np.minimum(lengths, length)
    if (lengths > length).any():  # select the ids that survive truncation
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        position = np.arange(len(ids), dtype=np.int64) - starts
        if truncating == "post":
            ids = ids[position < length]
        else:
            ids = ids[position >= np.repeat(lengths - length, lengths)]
    columns = np.arange(length)
    if padding == "post":
        mask = columns < kept[:, None]
    else:
        mask = columns >= (length - kept)[:, None]
    out = np.zeros((len(lengths), length), dtype=np.int64)
    out[mask] = ids  # row-major order of the mask = document order of the ids
    return out
