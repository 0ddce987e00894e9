"""``TabularClassifier`` and ``TabularRegressor``: one network over a DataFrame's columns.

The column handling (kinds, vocabularies, numeric transforms, tokenisation)
lives in :mod:`sknn.estimators.tabular_columns`, the network in
:mod:`sknn.modules.tabular`; training, validation, early stopping and
``class_weight`` are those of every sknn estimator (:mod:`sknn.core`).
"""

import functools
import inspect
import numbers
from numbers import Integral

import numpy as np
import torch
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ..core import NeuralClassifierMixin, NeuralEstimatorBase, NeuralRegressorMixin
from ..core.classifier import _stochastic_solver
from ..core.fast_optim import raw_step, raw_step_for
from ..modules import ACTIVATIONS, DenseStack
from ..modules.tabular import TEXT_ENCODERS, TabularNet, embedding_size
from ..text import TextVectorizer
from .mlp import _layer_sizes
from .tabular_columns import NUMERIC_TRANSFORMS, TabularColumns, as_table

__all__ = ["SMALL_DATA", "TabularClassifier", "TabularRegressor"]

_ZERO_GRAD = inspect.unwrap(torch.optim.Optimizer.zero_grad)

#: Below this many rows, ``early_stopping=True`` without ``X_val`` trains on all
#: of them (a held-out tenth of so few rows is too small and too noisy to stop on).
SMALL_DATA = 500

_TABULAR_CONSTRAINTS = {
    "categorical_features": [StrOptions({"from_dtype"}), None, "array-like"],
    "text_features": [None, "array-like"],
    "numeric_transform": [StrOptions(NUMERIC_TRANSFORMS)],
    "numeric_embedding": [StrOptions({"periodic"}), None],
    "min_frequency": [Interval(Integral, 1, None, closed="left"),
                      Interval(numbers.Real, 0, 1, closed="neither")],
    "max_categories": [None, Interval(Integral, 1, None, closed="left")],
    "embedding_dims": [None, Interval(Integral, 1, None, closed="left"), dict],
    "text_vectorizer": [None, TextVectorizer],
    "text_encoder": [StrOptions(set(TEXT_ENCODERS))],
    "shared_text_encoder": ["boolean"],
    "text_embedding_dim": [Interval(Integral, 1, None, closed="left")],
    "text_hidden_size": [Interval(Integral, 1, None, closed="left")],
    "word_vectors": [None, dict],
    "freeze_word_vectors": ["boolean"],
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "batch_norm": ["boolean"],
}


def _unwrapped_step(step, optimizer, closure=None):
    loss = None
    if closure is not None:
        with torch.enable_grad():
            loss = closure()
    with torch.no_grad():
        raw_step(optimizer, step)
    return loss


def _unwrapped_zero_grad(optimizer, set_to_none=True):
    _ZERO_GRAD(optimizer, set_to_none)


def _skip_dynamo_wrappers(optimizer):
    """Run ``optimizer``'s step and zero_grad without torch's wrappers.

    The wrappers only matter inside ``torch.compile``, and their first call
    imports ``torch._dynamo`` (about a second, a quarter of an Adult fit);
    :mod:`sknn.core.fast_optim` does the same for the dense fast path.
    """
    step = raw_step_for(optimizer)
    if step is not None:
        optimizer.step = functools.partial(_unwrapped_step, step, optimizer)
        optimizer.zero_grad = functools.partial(_unwrapped_zero_grad, optimizer)


def _partial_fit_available(estimator):
    if estimator.early_stopping:
        raise AttributeError(
            "partial_fit is not available with early_stopping=True (the default of the "
            "tabular estimators); set early_stopping=False to train one pass at a time.")
    return _stochastic_solver(estimator)


class _BaseTabular(NeuralEstimatorBase):
    """A network with a branch per column kind, on a DataFrame (or a numeric array)."""

    _auto_batch_size = 512
    _architecture_params = (
        "categorical_features", "text_features", "numeric_transform", "numeric_embedding",
        "min_frequency",
        "max_categories", "embedding_dims", "text_vectorizer", "text_encoder",
        "shared_text_encoder", "text_embedding_dim", "text_hidden_size", "word_vectors",
        "freeze_word_vectors", "hidden_layer_sizes", "activation", "batch_norm", "dropout")

    def __init__(self, hidden_layer_sizes=(256, 128), activation="relu", *,
                 categorical_features="from_dtype", text_features=None,
                 numeric_transform="quantile", numeric_embedding="periodic", min_frequency=1,
                 max_categories=None,
                 embedding_dims=None, text_vectorizer=None, text_encoder="bag",
                 shared_text_encoder=False, text_embedding_dim=64, text_hidden_size=64,
                 word_vectors=None, freeze_word_vectors=False, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.003,
                 power_t=0.5, max_iter=100, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=True, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=5, max_fun=15000, dropout=0.1,
                 batch_norm=False, device="auto", clip_grad_norm=None, callbacks=None,
                 precision="32", compile=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.categorical_features = categorical_features
        self.text_features = text_features
        self.numeric_transform = numeric_transform
        self.numeric_embedding = numeric_embedding
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.embedding_dims = embedding_dims
        self.text_vectorizer = text_vectorizer
        self.text_encoder = text_encoder
        self.shared_text_encoder = shared_text_encoder
        self.text_embedding_dim = text_embedding_dim
        self.text_hidden_size = text_hidden_size
        self.word_vectors = word_vectors
        self.freeze_word_vectors = freeze_word_vectors
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.device = device
        self.clip_grad_norm = clip_grad_norm
        self.callbacks = callbacks
        self.precision = precision
        self.compile = compile

    # ------------------------------------------------------------ training
    def _fit(self, X, y, sample_weight, *, incremental, X_val=None, **kwargs):
        from sklearn.utils.validation import _num_samples

        try:
            n_samples = _num_samples(X)
        except TypeError:
            n_samples = SMALL_DATA  # not array-like: _validate_X explains
        self._small_data_ = X_val is None and n_samples < SMALL_DATA
        return super()._fit(X, y, sample_weight, incremental=incremental, X_val=X_val,
                            **kwargs)

    def _make_net(self, module, **kwargs):
        net = super()._make_net(module, **kwargs)
        if not self.compile:
            _skip_dynamo_wrappers(net.optimizer_)
        return net

    def _uses_early_stopping(self):
        return super()._uses_early_stopping() and not getattr(self, "_small_data_", False)

    # ------------------------------------------------------------ input
    def _validate_X(self, X, *, reset):
        table = as_table(X)
        # feature names and their number, checked as scikit-learn does (a column
        # missing at predict is named in the error)
        validate_data(self, table, reset=reset, skip_check_array=True)
        if reset:
            columns = TabularColumns(
                categorical_features=self.categorical_features,
                text_features=self.text_features, numeric_transform=self.numeric_transform,
                min_frequency=self.min_frequency, max_categories=self.max_categories,
                text_vectorizer=self.text_vectorizer,
                shared_text_encoder=self.shared_text_encoder,
                random_state=self._columns_seed())
            self.columns_ = columns.fit(table)
            dtypes = table.dtypes if hasattr(table, "dtypes") and not isinstance(
                table, np.ndarray) else [table.dtype]
            self._train_dtype_ = ("float64" if all(
                isinstance(d, np.dtype) and d == np.float64 for d in dtypes) else "float32")
        return self.columns_.transform(table)

    def _columns_seed(self):
        if isinstance(self.random_state, np.random.RandomState):
            return int(self.random_state.randint(np.iinfo(np.int32).max))
        return self.random_state

    def _compute_dtype(self, X):
        # the core's rule on the raw columns: all float64 trains in float64, else float32
        return getattr(torch, self._train_dtype_)

    # ----------------------------------------------------------- module
    def _embedding_dims(self):
        columns = self.columns_
        names = columns.names
        dims = []
        for j, n in zip(columns.positions("categorical"), columns.cardinalities()):
            spec = self.embedding_dims
            if isinstance(spec, dict):
                key = names[j] if names is not None else j
                spec = spec.get(key)
            dims.append(int(spec) if spec is not None else embedding_size(n))
        return dims

    def _text_embeddings(self):
        if self.word_vectors is None or not self.columns_.vectorizers:
            return None
        return [torch.from_numpy(v.embedding_matrix(self.word_vectors, random_state=0))
                for v in self.columns_.vectorizers]

    def _build_head(self, n_inputs, n_outputs):
        """The dense head on the concatenated branch outputs (one place to change it)."""
        return DenseStack(n_inputs, _layer_sizes(self.hidden_layer_sizes), n_outputs,
                          activation=self.activation, dropout=self.dropout,
                          batch_norm=self.batch_norm)

    def _build_module(self, X, n_outputs):
        columns = self.columns_
        net = TabularNet(
            columns.cardinalities(), self._embedding_dims(), columns.n_numeric(),
            columns.vocab_sizes(), text_embedding_dim=self.text_embedding_dim,
            text_encoder=self.text_encoder, text_hidden_size=self.text_hidden_size,
            shared_text_encoder=self.shared_text_encoder,
            text_embeddings=self._text_embeddings(),
            freeze_text_embeddings=self.freeze_word_vectors,
            numeric_embedding=self.numeric_embedding)
        net.head = self._build_head(net.n_features(), n_outputs)
        return net

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


_DOC = """
    Takes a pandas DataFrame (a polars one is converted) whose columns may be
    categorical, numeric or text, with missing values, and trains one network
    on all of them: an embedding per categorical column, the numeric columns
    transformed with a missing indicator each, an encoder per text column,
    concatenated into a dense head.  A plain numeric array works too (every
    column numeric).  See the DataFrames page of the documentation.

    Parameters
    ----------
    categorical_features : 'from_dtype', None, or list of names, indices or a mask, \
default='from_dtype'
        ``'from_dtype'``: the category, object, string and bool columns (as
        ``HistGradientBoostingClassifier``).  Each gets a vocabulary learned in
        fit, most frequent value first; NaN is its own category and a value
        unseen in fit is "unknown" at predict (never an error).
    text_features : None or list of names or indices, default=None
        Text columns: tokenized by ``text_vectorizer``, embedded and encoded by
        ``text_encoder``.  A missing text (NaN, None) is an empty text; any
        other non-str value raises a ``ValueError`` naming the column.
    numeric_transform : {'quantile', 'standard'}, default='quantile'
        For every other (numeric) column: scikit-learn's
        ``QuantileTransformer(output_distribution='normal')`` or
        ``StandardScaler``, learned in fit.  NaN is imputed with the median of
        the transformed values and flagged in a missing-indicator input (for
        every numeric column: NaN at predict works where fit saw none).
    numeric_embedding : {'periodic', None}, default='periodic'
        ``'periodic'``: each transformed value becomes 16 learned units through
        sin/cos features of learned frequencies and a linear layer (the
        "PLR-lite" embedding of Gorishniy et al. 2022,
        :class:`sknn.modules.tabular.PeriodicEmbedding`); None: the values go
        into the head as they are.
    min_frequency : int >= 1 or float in (0, 1), default=1
        Categories seen fewer times (or in a smaller fraction of the rows) are
        read as unknown.
    max_categories : int or None, default=None
        The most categories a column keeps (most frequent first).  None: all,
        but at most 1,000, with a warning naming a column that has more (an
        ID, most likely).
    embedding_dims : None, int or dict, default=None
        Width of each categorical embedding: None, fastai's rule
        ``min(600, round(1.6 * n_categories ** 0.56))`` (n_categories counts the
        unknown and missing codes); an int for every column; a dict from column
        name (or position) to width, the rule for the others.
    text_vectorizer : TextVectorizer or None, default=None
        The tokenizer of the text columns (cloned for each one; its parameters
        can be searched as ``text_vectorizer__max_tokens`` and so on), in
        ``output_mode='int'``.  None: ``TextVectorizer(ngram_range=(1, 2),
        max_tokens=30000, output_sequence_length=256)``.
    text_encoder : {'bag', 'gru', 'lstm', 'bigru'}, default='bag'
        ``'bag'``: the mean of the token embeddings (fast); the others run the
        embeddings through a one-layer recurrent network
        (:class:`sknn.modules.recurrent.RecurrentNet`, mean pooling).
    shared_text_encoder : bool, default=False
        One vocabulary, embedding and encoder for all the text columns (fewer
        parameters) instead of one per column.
    text_embedding_dim : int, default=64
    text_hidden_size : int, default=64
        Units of a recurrent text encoder.
    word_vectors : mapping or None, default=None
        Pretrained word vectors (:func:`sknn.text.load_word_vectors`) that
        initialise the text embeddings (through
        :meth:`TextVectorizer.embedding_matrix`; their width replaces
        ``text_embedding_dim``).
    freeze_word_vectors : bool, default=False
        Keep the text embeddings fixed.
    hidden_layer_sizes : tuple of int, default=(256, 128)
        The dense head's hidden layers.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'gelu'}, default='relu'
    dropout : float, default=0.1
        After each hidden layer of the head.
    batch_norm : bool, default=False
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows and keep the best epoch
        (unless ``X_val`` is given; with fewer than 500 rows and no ``X_val``,
        all rows are trained on, without early stopping).
    n_iter_no_change : int, default=5
    max_iter : int, default=100
    batch_size : int or 'auto', default='auto'
        ``min(512, n_samples)`` when ``'auto'``.
    solver, alpha, learning_rate, learning_rate_init, power_t, shuffle,
    random_state, tol, verbose, warm_start, momentum, nesterovs_momentum,
    validation_fraction, beta_1, beta_2, epsilon, max_fun, device,
    clip_grad_norm, callbacks, precision, compile
        As :class:`sknn.MLPClassifier`.
"""

_DOC_ATTRIBUTES = """
    Attributes
    ----------
    columns_ : TabularColumns
        The fitted column handling: ``columns_.kinds`` (one of 'categorical',
        'numeric', 'text' per column), ``columns_.categories`` (the
        vocabulary of each categorical column), ``columns_.vectorizers``.
    n_features_in_, feature_names_in_, n_iter_, loss_, loss_curve_,
    best_loss_, validation_scores_, best_validation_score_, t_, history_,
    module_, device_, net_
        As :class:`sknn.MLPClassifier`.
"""


class TabularClassifier(NeuralClassifierMixin, _BaseTabular):
    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints, **_TABULAR_CONSTRAINTS,
        **NeuralClassifierMixin._extra_constraints,
    }

    def __init__(self, hidden_layer_sizes=(256, 128), activation="relu", *,
                 categorical_features="from_dtype", text_features=None,
                 numeric_transform="quantile", numeric_embedding="periodic", min_frequency=1,
                 max_categories=None,
                 embedding_dims=None, text_vectorizer=None, text_encoder="bag",
                 shared_text_encoder=False, text_embedding_dim=64, text_hidden_size=64,
                 word_vectors=None, freeze_word_vectors=False, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.003,
                 power_t=0.5, max_iter=100, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=True, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=5, max_fun=15000, dropout=0.1,
                 batch_norm=False, device="auto", class_weight=None, clip_grad_norm=None,
                 callbacks=None, precision="32", compile=False):
        super().__init__(
            hidden_layer_sizes, activation, categorical_features=categorical_features,
            text_features=text_features, numeric_transform=numeric_transform,
            numeric_embedding=numeric_embedding, min_frequency=min_frequency,
            max_categories=max_categories,
            embedding_dims=embedding_dims, text_vectorizer=text_vectorizer,
            text_encoder=text_encoder, shared_text_encoder=shared_text_encoder,
            text_embedding_dim=text_embedding_dim, text_hidden_size=text_hidden_size,
            word_vectors=word_vectors, freeze_word_vectors=freeze_word_vectors,
            solver=solver, alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, device=device,
            clip_grad_norm=clip_grad_norm, callbacks=callbacks, precision=precision,
            compile=compile)
        self.class_weight = class_weight

    partial_fit = available_if(_partial_fit_available)(
        NeuralClassifierMixin.__dict__["partial_fit"].fn)


class TabularRegressor(NeuralRegressorMixin, _BaseTabular):
    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints, **_TABULAR_CONSTRAINTS,
    }

    partial_fit = available_if(_partial_fit_available)(
        NeuralRegressorMixin.__dict__["partial_fit"].fn)

    def _validate_y(self, y, n_samples, *, first, name="y", **kwargs):
        # the network learns standardized targets (a raw target such as hours or
        # prices would take many epochs to reach from outputs near 0)
        y = super()._validate_y(y, n_samples, first=first, name=name, **kwargs)
        if first:
            self._y_mean_ = y.mean(axis=0)
            scale = y.std(axis=0)
            self._y_scale_ = np.where(scale > 0, scale, 1.0)
        return (y - self._y_mean_) / self._y_scale_

    def predict(self, X):
        """Predicted targets (float64), shape ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
        return super().predict(X).astype(np.float64) * self._y_scale_ + self._y_mean_


TabularClassifier.__doc__ = (
    """Neural network classifier for DataFrames: categorical, numeric and text columns.
""" + _DOC + """    class_weight : None, 'balanced' or dict, default=None
""" + _DOC_ATTRIBUTES + """    classes_
        The labels.

    Examples
    --------
    >>> from sknn import TabularClassifier
    >>> from sknn.datasets import load_adult
    >>> X, y = load_adult(return_X_y=True)
    >>> model = TabularClassifier().fit(X, y)  # doctest: +SKIP
""")

TabularRegressor.__doc__ = (
    """Neural network regressor for DataFrames: categorical, numeric and text columns.

    As :class:`TabularClassifier`, with a linear output of one or several
    targets trained on half the squared error of the standardized targets (so
    ``loss_curve_`` is in units of the target's variance); ``early_stopping``
    monitors R² on the held-out rows.  No ``class_weight``.
""" + _DOC + _DOC_ATTRIBUTES)
