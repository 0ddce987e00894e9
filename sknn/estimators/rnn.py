"""``RNNSequenceClassifier`` and ``RNNSequenceRegressor``: SimpleRNN, LSTM and GRU networks."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, validate_data

from ..core import NeuralClassifierMixin, NeuralEstimatorBase, NeuralRegressorMixin
from ..core.dtypes import input_float_dtype
from ..modules.recurrent import CELLS, POOLINGS, RecurrentNet
from .mlp import _layer_sizes
from .sequences import as_sequence_input, numeric_list, numeric_sequences, token_sequences

_RNN_CONSTRAINTS = {
    "cell": [StrOptions(set(CELLS))],
    "bidirectional": ["boolean"],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "hidden_size": [Interval(Integral, 1, None, closed="left")],
    "embedding_dim": [Interval(Integral, 1, None, closed="left")],
    "vocab_size": [None, Interval(Integral, 2, None, closed="left")],
    "embeddings": [None, "array-like"],
    "freeze_embeddings": ["boolean"],
    "one_hot": ["boolean"],
    "pooling": [StrOptions(set(POOLINGS))],
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
}

_DOC_PARAMETERS = """
    Parameters
    ----------
    cell : {'rnn', 'lstm', 'gru'}, default='lstm'
        The recurrent cell; ``'rnn'`` is the Elman cell with tanh (Keras'
        ``SimpleRNN``).
    bidirectional : bool, default=False
        Run each layer forwards and backwards and concatenate
        (``cell='gru', bidirectional=True`` is the BiGRU).
    num_layers : int, default=1
        Stacked recurrent layers.
    hidden_size : int, default=64
        Units of each recurrent layer (per direction).
    embedding_dim : int, default=64
        Width of the learned token embedding (token-id input only; ignored
        with ``embeddings`` or ``one_hot``).
    vocab_size : int or None, default=None
        Number of token ids, padding (0) and out-of-vocabulary (1) included.
        None: ``embeddings.shape[0]`` if given, else the largest id seen in
        ``fit`` plus one.  Ids at or above it, in ``fit`` as in ``predict``,
        are read as the out-of-vocabulary id 1 (Keras' ``num_words``).
    embeddings : array-like of shape (vocab_size, dim) or None, default=None
        A pretrained embedding matrix, row ``i`` for id ``i`` (for instance
        :meth:`sknn.text.TextVectorizer.embedding_matrix`).  Copied, never
        modified.
    freeze_embeddings : bool, default=False
        Keep the embedding (pretrained or not) fixed during training.
    one_hot : bool, default=False
        Feed one-hot tokens to the recurrence instead of an embedding (the
        padding id is an all-zero vector).  Its batches are ``(batch, T,
        vocab_size - 1)``: meant for small vocabularies such as characters.
    pooling : {'last', 'mean', 'max'}, default='last'
        How a sequence becomes one vector: ``'last'`` takes the top layer's
        final hidden state (for a bidirectional layer, the forward state at
        the last valid step and the backward state at the first step);
        ``'mean'``/``'max'`` pool the top layer's outputs over the valid
        steps only.
    hidden_layer_sizes : tuple of int, default=()
        Hidden ReLU layers of the dense head after the pooling (none: a single
        linear output layer).
    solver : {'adam', 'sgd', 'lbfgs', 'rmsprop', 'adamw'}, default='adam'
    alpha : float, default=1e-4
        L2 penalty ``alpha / 2 * ||W||^2`` per sample, on every weight matrix
        (embedding and recurrent weights included), not on biases.
    batch_size : int or 'auto', default='auto'
        ``min(32, n_samples)`` when ``'auto'`` (Keras' default batch size).
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=10
        Maximum number of epochs.
    shuffle : bool, default=True
    random_state : int, RandomState or None, default=None
        Makes a fit repeatable on the CPU.
    tol, n_iter_no_change : float, int
        As scikit-learn's ``MLPClassifier``.
    verbose : bool, default=False
    warm_start : bool, default=False
    momentum, nesterovs_momentum : float, bool
        For ``'sgd'``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop on its score, and
        restore the weights of the best epoch.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float
    max_fun : int, default=15000
        For ``'lbfgs'``.
    dropout : float, default=0.0
        Dropout between stacked recurrent layers, on the pooled vector, and
        after each hidden layer of the head.
    device : str, default='auto'
        ``'auto'`` (CUDA when present, else CPU) or any torch device string.
    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm (of all parameters together) at this value.
    callbacks : list of skorch callbacks or None, default=None
    precision : {'32', 'bf16-mixed', '16-mixed'}, default='32'
        ``'32'``: float64 input trains in float64, everything else in float32.
        ``'bf16-mixed'``/``'16-mixed'``: float32 weights, forward pass under
        torch autocast in bfloat16/float16 (float16 with loss scaling); for
        GPUs with tensor cores.  Not with ``solver='lbfgs'``.  See the GPU page.
    compile : bool, default=False
        ``torch.compile`` the module (the first epoch pays the compilation).
        ``module_`` stays the original module.
"""

_DOC_INPUT = """
    Input ``X`` (see :mod:`sknn.estimators.sequences`): the dtype decides
    between token ids and numeric series.

    * **Token ids**: a 2-D integer array ``(n_samples, T)`` with 0 as padding
      (what :class:`sknn.text.TextVectorizer` gives, ``'post'`` or ``'pre'``
      padded), or a list / pandas Series of integer sequences of any lengths.
      Leading and trailing zeros are padding; a 0 between tokens is kept as a
      (padding-id) token; a sequence with no token runs as a single padding
      step.  Negative ids raise a ``ValueError``.
    * **Numeric series**: a 3-D float array ``(n_samples, T, F)``, a 2-D float
      array ``(n_samples, T)`` (a univariate series, one column per step), or
      a list of ``(T_i,)`` / ``(T_i, F)`` float arrays.  Trailing steps whose
      features are all NaN are padding; any other NaN (leading NaN included)
      or infinity raises a ``ValueError``.  (So ``TextVectorizer(output_mode=
      'one_hot')``, whose padding rows are zeros, is read as numbers, padding
      included: use ``output_mode='int'`` with ``one_hot=True`` instead.)

    Each sequence gets the result it would get run alone at its true length,
    in both directions (the backward direction starts at its last valid step;
    see :class:`sknn.modules.recurrent.RecurrentNet` for how: on CUDA the
    batch is packed, on the CPU it runs padded, several times faster, and the
    outputs at padding steps are ignored), so predictions do not depend on
    how much padding there is; predict accepts any padded length, except
    that a 2-D float array is, as
    everywhere in scikit-learn, a table: predict then needs as many columns
    as fit saw (pass ``(n, T, 1)`` arrays or lists for series of other
    lengths).

    ``n_features_in_`` is the number of features per time step: 1 for token
    ids, ``F`` for 3-D or list numeric input, and for a 2-D float array its
    number of columns (scikit-learn's convention).  ``feature_names_in_`` is
    set for DataFrames of floats.

    Initialisation follows Keras (Glorot-uniform input weights, orthogonal
    recurrent weights, zero biases, LSTM forget-gate bias 1, embeddings
    uniform in +-0.05).  Inputs of float64 train in float64; token ids and
    every other input in float32.
"""


class _BaseRNN(NeuralEstimatorBase):
    """Recurrent network on sequences (token ids or numeric series)."""

    _auto_batch_size = 32
    _architecture_params = ("cell", "bidirectional", "num_layers", "hidden_size",
                            "embedding_dim", "vocab_size", "embeddings", "freeze_embeddings",
                            "one_hot", "pooling", "hidden_layer_sizes", "dropout")

    def __init__(self, cell="lstm", *, bidirectional=False, num_layers=1, hidden_size=64,
                 embedding_dim=64, vocab_size=None, embeddings=None,
                 freeze_embeddings=False, one_hot=False, pooling="last",
                 hidden_layer_sizes=(), solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=10, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, dropout=0.0,
                 device="auto", clip_grad_norm=1.0, callbacks=None,
                 precision="32", compile=False):
        self.cell = cell
        self.bidirectional = bidirectional
        self.num_layers = num_layers
        self.hidden_size = hidden_size
        self.embedding_dim = embedding_dim
        self.vocab_size = vocab_size
        self.embeddings = embeddings
        self.freeze_embeddings = freeze_embeddings
        self.one_hot = one_hot
        self.pooling = pooling
        self.hidden_layer_sizes = hidden_layer_sizes
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
        self.device = device
        self.clip_grad_norm = clip_grad_norm
        self.callbacks = callbacks
        self.precision = precision
        self.compile = compile

    # ------------------------------------------------------------ input
    def _validate_X(self, X, *, reset):
        kind, form, data = as_sequence_input(X)
        if reset:
            self._check_token_params(kind)
            self._token_input = kind == "ids"
        elif (kind == "ids") != self._token_input:
            fitted = "integer token ids" if self._token_input else "numeric (float) series"
            raise ValueError(
                f"{type(self).__name__} was fitted on {fitted}, but X is "
                f"{'integer token ids' if kind == 'ids' else 'numeric (float)'}; pass the "
                "same kind of input as in fit.")
        if kind == "ids":
            return self._validate_ids(kind, form, data, reset)
        return self._validate_numeric(form, data, reset)

    def _check_token_params(self, kind):
        if kind != "ids":
            given = [name for name, is_set in (
                ("vocab_size", self.vocab_size is not None),
                ("embeddings", self.embeddings is not None), ("one_hot", bool(self.one_hot)))
                if is_set]
            if given:
                raise ValueError(
                    f"{', '.join(given)} only apply to token-id input (an integer array "
                    "or integer sequences), but X is numeric (float).")
            return
        if self.embeddings is not None and self.one_hot:
            raise ValueError("embeddings and one_hot=True exclude each other: pick one.")

    def _embedding_matrix(self):
        matrix = check_array(self.embeddings, dtype=(np.float64, np.float32),
                             input_name="embeddings")
        if matrix.shape[0] < 2:
            raise ValueError(
                f"embeddings must have a row for the padding id 0, the out-of-vocabulary "
                f"id 1 and each token, got shape {matrix.shape}.")
        if self.vocab_size is not None and self.vocab_size != matrix.shape[0]:
            raise ValueError(
                f"vocab_size={self.vocab_size} disagrees with embeddings of shape "
                f"{matrix.shape} (one row per id); leave vocab_size=None.")
        return matrix

    def _validate_ids(self, kind, form, data, reset):
        if not reset:
            return token_sequences((kind, form, data), self.vocab_size_)
        ids, lengths = token_sequences((kind, form, data))
        if self.embeddings is not None:
            self.vocab_size_ = self._embedding_matrix().shape[0]
        elif self.vocab_size is not None:
            self.vocab_size_ = int(self.vocab_size)
        else:
            self.vocab_size_ = max(int(ids.max()) + 1, 2)
        ids[ids >= self.vocab_size_] = 1
        self.n_features_in_ = 1
        self.__dict__.pop("feature_names_in_", None)
        self._series_width = None
        return ids, lengths

    def _validate_numeric(self, form, data, reset):
        fitted_width = None if reset else self._series_width
        if form == "list":
            values = numeric_list(data)
        elif data.ndim == 2:
            if reset or fitted_width is not None:
                # a 2-D float array is a table to scikit-learn: its width is
                # checked and DataFrame column names recorded, as everywhere
                values = validate_data(
                    self, data, reset=reset, dtype=input_float_dtype(data),
                    ensure_all_finite=False, ensure_min_samples=1)
            else:
                values = check_array(data, dtype=input_float_dtype(data),
                                     ensure_all_finite=False)
            values = values[:, :, None]
        else:
            values = check_array(data, dtype=input_float_dtype(data), allow_nd=True,
                                 ensure_all_finite=False, ensure_min_features=1)
            if values.ndim != 3:
                raise ValueError(
                    f"Expected a 2-D or 3-D array (n_samples, n_steps[, n_features]), got "
                    f"{values.ndim} dimensions (shape {values.shape}).")
        if values.shape[2] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={values.shape}) while a minimum of "
                "1 is required.")
        if reset:
            self._n_step_features = values.shape[2]
            if form == "list" or np.ndim(data) == 3:
                self.n_features_in_ = values.shape[2]
                self.__dict__.pop("feature_names_in_", None)
                self._series_width = None
            else:
                self._series_width = values.shape[1]
        elif values.shape[2] != self._n_step_features:
            raise ValueError(
                f"X has {values.shape[2]} features per time step, but "
                f"{type(self).__name__} is expecting {self._n_step_features} features per "
                "time step as input.")
        return numeric_sequences(values)

    # ----------------------------------------------------------- module
    def _build_module(self, X, n_outputs):
        common = dict(
            cell=self.cell, hidden_size=self.hidden_size, num_layers=self.num_layers,
            bidirectional=self.bidirectional, dropout=self.dropout, pooling=self.pooling,
            hidden_layer_sizes=_layer_sizes(self.hidden_layer_sizes))
        if not self._token_input:
            return RecurrentNet(n_outputs, input_size=self._n_step_features, **common)
        embeddings = None
        if self.embeddings is not None:
            embeddings = torch.from_numpy(np.array(self._embedding_matrix(), copy=True))
        return RecurrentNet(
            n_outputs, vocab_size=self.vocab_size_, embedding_dim=self.embedding_dim,
            embeddings=embeddings, freeze_embeddings=self.freeze_embeddings,
            one_hot=self.one_hot, **common)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class RNNSequenceClassifier(NeuralClassifierMixin, _BaseRNN):
    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints, **_RNN_CONSTRAINTS,
        **NeuralClassifierMixin._extra_constraints,
    }

    def __init__(self, cell="lstm", *, bidirectional=False, num_layers=1, hidden_size=64,
                 embedding_dim=64, vocab_size=None, embeddings=None,
                 freeze_embeddings=False, one_hot=False, pooling="last",
                 hidden_layer_sizes=(), solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=10, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, dropout=0.0,
                 device="auto", class_weight=None, clip_grad_norm=1.0, callbacks=None,
                 precision="32", compile=False):
        super().__init__(
            cell, bidirectional=bidirectional, num_layers=num_layers,
            hidden_size=hidden_size, embedding_dim=embedding_dim, vocab_size=vocab_size,
            embeddings=embeddings, freeze_embeddings=freeze_embeddings, one_hot=one_hot,
            pooling=pooling, hidden_layer_sizes=hidden_layer_sizes, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, device=device, clip_grad_norm=clip_grad_norm,
            callbacks=callbacks,
            precision=precision, compile=compile)
        self.class_weight = class_weight


class RNNSequenceRegressor(NeuralRegressorMixin, _BaseRNN):
    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints, **_RNN_CONSTRAINTS,
    }


_DOC_ATTRIBUTES = """
    Attributes
    ----------
    {first}n_features_in_, feature_names_in_, n_iter_, loss_, loss_curve_,
    best_loss_, validation_scores_, best_validation_score_, t_, history_,
    module_, device_, net_
        As :class:`sknn.MLPClassifier` (see above for ``n_features_in_``).
    vocab_size_ : int
        The vocabulary size used (token-id input only).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sknn.text import TextVectorizer
    >>> pipe = make_pipeline(TextVectorizer(output_sequence_length=200),
    ...                      {estimator}(cell='gru', bidirectional=True))
"""

RNNSequenceClassifier.__doc__ = (
    """Recurrent neural network classifier for sequences (SimpleRNN, LSTM, GRU, BiGRU...).

    Token ids go through an embedding (learned, pretrained or one-hot),
    numeric series straight into the recurrence; ``num_layers`` recurrent
    layers (optionally bidirectional), pooled to one vector per sequence, then
    a dense head and a softmax over ``classes_`` (two outputs for binary
    problems; labels may be strings).  The training parameters are those of
    :class:`sknn.MLPClassifier` (scikit-learn's names), with ``max_iter=10``
    and ``clip_grad_norm=1.0`` by default.
""" + _DOC_INPUT + _DOC_PARAMETERS
    + """    class_weight : None, 'balanced' or dict, default=None
""" + _DOC_ATTRIBUTES.format(first="classes_, ", estimator="RNNSequenceClassifier"))

RNNSequenceRegressor.__doc__ = (
    """Recurrent neural network regressor for sequences (SimpleRNN, LSTM, GRU, BiGRU...).

    As :class:`RNNSequenceClassifier`, with a linear output of one or several
    targets trained on half the mean squared error (scikit-learn's
    ``MLPRegressor`` loss); ``early_stopping`` monitors R² on the held-out
    fraction.  No ``class_weight``.
""" + _DOC_INPUT + _DOC_PARAMETERS
    + _DOC_ATTRIBUTES.format(first="n_outputs_, ", estimator="RNNSequenceRegressor"))
