"""``MLPClassifier`` and ``MLPRegressor``: drop-ins for scikit-learn's, trained with PyTorch."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..core import NeuralClassifierMixin, NeuralEstimatorBase, NeuralRegressorMixin
from ..modules import ACTIVATIONS, DenseStack

_MLP_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "batch_norm": ["boolean"],
}


def _layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a list of positive ints; fractions are an error, not cut."""
    sizes = (hidden_layer_sizes,) if np.isscalar(hidden_layer_sizes) else hidden_layer_sizes
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError(
            f"hidden_layer_sizes must be an int or a sequence of ints, got "
            f"{hidden_layer_sizes!r}.") from None
    bad = [s for s in sizes if not isinstance(s, Integral) or isinstance(s, (bool, np.bool_))]
    if bad:
        raise TypeError(
            f"hidden_layer_sizes must hold whole numbers of units (ints), got {bad[0]!r} in "
            f"{hidden_layer_sizes!r}.")
    sizes = [int(s) for s in sizes]
    if any(s <= 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
    return sizes


class _LayerList(list):
    """``coefs_``/``intercepts_``: a list whose item assignment writes into the network."""

    def __init__(self, values, write):
        super().__init__(values)
        self._write = write

    def __setitem__(self, index, value):
        super().__setitem__(index, value)
        self._write(list(self))


class _BaseMLP(NeuralEstimatorBase):
    """Multi-layer perceptron on 2-D tabular data (dense or scipy sparse)."""

    _auto_batch_size = 200
    _architecture_params = ("hidden_layer_sizes", "activation", "batch_norm", "dropout")

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 device="auto", clip_grad_norm=None, callbacks=None,
                 precision="32", compile=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
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

    def _build_module(self, X, n_outputs):
        return DenseStack(
            X.shape[1], _layer_sizes(self.hidden_layer_sizes), n_outputs,
            activation=self.activation, dropout=self.dropout, batch_norm=self.batch_norm)

    def _init_weights(self, module, random_state):
        # scikit-learn's MLP initialisation, drawn in the same order from the
        # same RandomState: a random_state gives the initial weights that
        # sklearn.neural_network would start from.  Glorot-uniform, bound
        # sqrt(f / (fan_in + fan_out)) with f = 2 for 'logistic', 6 otherwise.
        factor = 2.0 if self.activation == "logistic" else 6.0
        with torch.no_grad():
            for layer in module.linear_layers():
                fan_in, fan_out = layer.in_features, layer.out_features
                bound = np.sqrt(factor / (fan_in + fan_out))
                coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
                intercept = random_state.uniform(-bound, bound, fan_out)
                layer.weight.copy_(torch.as_tensor(coef.T, dtype=layer.weight.dtype))
                layer.bias.copy_(torch.as_tensor(intercept, dtype=layer.bias.dtype))
        return True

    @property
    def coefs_(self):
        """Weight matrices, ``coefs_[i]`` of shape ``(n_in, n_out)`` as in scikit-learn.

        Settable, as in scikit-learn: ``est.coefs_ = [...]`` or
        ``est.coefs_[i] = array`` writes the new values into the network (same
        shapes required); the arrays returned are copies.
        """
        check_is_fitted(self, "net_")
        return _LayerList([layer.weight.detach().cpu().numpy().T.copy()
                           for layer in self.net_.module_.linear_layers()],
                          self._write_coefs)

    @coefs_.setter
    def coefs_(self, values):
        self._write_coefs(values)

    @property
    def intercepts_(self):
        """Bias vectors, ``intercepts_[i]`` of shape ``(n_out,)`` (settable, see ``coefs_``)."""
        check_is_fitted(self, "net_")
        return _LayerList([layer.bias.detach().cpu().numpy().copy()
                           for layer in self.net_.module_.linear_layers()],
                          self._write_intercepts)

    @intercepts_.setter
    def intercepts_(self, values):
        self._write_intercepts(values)

    def _write_layers(self, values, name, attribute, transpose):
        check_is_fitted(self, "net_")
        layers = self.net_.module_.linear_layers()
        values = list(values)
        if len(values) != len(layers):
            raise ValueError(f"{name} needs {len(layers)} arrays, one per layer; got "
                             f"{len(values)}.")
        arrays = []
        for i, (value, layer) in enumerate(zip(values, layers)):
            target = getattr(layer, attribute)
            array = np.asarray(value, dtype=np.float64)
            array = array.T if transpose else array
            if array.shape != tuple(target.shape):
                expected = tuple(target.shape)[::-1] if transpose else tuple(target.shape)
                raise ValueError(f"{name}[{i}] must have shape {expected}; got "
                                 f"{np.shape(value)}.")
            if not np.isfinite(array).all():
                raise ValueError(f"{name}[{i}] contains NaN or infinity.")
            arrays.append(array)
        with torch.no_grad():
            for array, layer in zip(arrays, layers):
                target = getattr(layer, attribute)
                target.copy_(torch.as_tensor(array, dtype=target.dtype))

    def _write_coefs(self, values):
        self._write_layers(values, "coefs_", "weight", transpose=True)

    def _write_intercepts(self, values):
        self._write_layers(values, "intercepts_", "bias", transpose=False)

    @property
    def n_layers_(self):
        """Number of layers, input and output included (as scikit-learn counts)."""
        check_is_fitted(self, "net_")
        return len(self.net_.module_.linear_layers()) + 1

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(NeuralClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    Same parameters, defaults and fitted attributes as
    :class:`sklearn.neural_network.MLPClassifier`, trained with PyTorch on the
    CPU or a GPU.  sknn adds ``dropout``, ``batch_norm``, ``'gelu'``,
    ``'rmsprop'``/``'adamw'`` solvers, ``class_weight``, ``clip_grad_norm``,
    ``device`` and skorch ``callbacks``.

    Differences from scikit-learn, by design:

    * float64 input trains in float64 (as scikit-learn); every other input
      type (float32, integers, booleans) trains in float32, torch's native
      precision; pass float32 for speed;
    * binary problems use two softmax outputs, so the last entry of
      ``coefs_`` has two columns (scikit-learn: one logistic output);
    * ``learning_rate`` schedules apply to every stochastic solver, not only
      ``'sgd'``;
    * ``'lbfgs'`` is scipy's L-BFGS-B run with scikit-learn's options
      (``maxfun=max_fun``, ``maxiter=max_iter``, ``gtol=tol``), one iteration
      per epoch; it records ``loss_curve_`` too;
    * multilabel targets are not supported.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'gelu'}, default='relu'
    solver : {'adam', 'sgd', 'lbfgs', 'rmsprop', 'adamw'}, default='adam'
    alpha : float, default=1e-4
        L2 penalty ``alpha / 2 * ||W||^2`` per sample, on weight matrices only.
    batch_size : int or 'auto', default='auto'
        ``min(200, n_samples)`` when ``'auto'``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
        Exponent of ``'invscaling'``.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
    random_state : int, RandomState or None, default=None
        Makes a fit repeatable on the CPU.
    tol, n_iter_no_change : float, int
        Stop when the training loss (or validation score) has not improved by
        ``tol`` for more than ``n_iter_no_change`` epochs.
    verbose : bool, default=False
    warm_start : bool, default=False
    momentum, nesterovs_momentum : float, bool
        For ``'sgd'``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified), stop on its
        accuracy, and restore the weights of the best epoch.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float
        For ``'adam'``/``'adamw'`` (``epsilon`` also for ``'rmsprop'``).
    max_fun : int, default=15000
        For ``'lbfgs'``: the maximum number of loss evaluations.
    dropout : float, default=0.0
        Dropout after each hidden layer.
    batch_norm : bool, default=False
        Batch normalisation before each hidden activation.
    device : str, default='auto'
        ``'auto'`` (CUDA when present, else CPU) or any torch device string.
    class_weight : None, 'balanced' or dict, default=None
    clip_grad_norm : float or None, default=None
    callbacks : list of skorch callbacks or None, default=None
    precision : {'32', 'bf16-mixed', '16-mixed'}, default='32'
        ``'32'``: float64 input trains in float64, everything else in float32.
        ``'bf16-mixed'``/``'16-mixed'``: float32 weights, forward pass under
        torch autocast in bfloat16/float16 (float16 with loss scaling); for
        GPUs with tensor cores.  Not with ``solver='lbfgs'``.  See the GPU page.
    compile : bool, default=False
        ``torch.compile`` the module (the first epoch pays the compilation).
        ``module_`` stays the original module.

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_, n_iter_, loss_, loss_curve_,
    best_loss_, validation_scores_, best_validation_score_, t_, coefs_,
    intercepts_, n_layers_, history_, module_, device_, net_
    """

    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints, **_MLP_CONSTRAINTS,
        **NeuralClassifierMixin._extra_constraints,
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 device="auto", class_weight=None, clip_grad_norm=None, callbacks=None,
                 precision="32", compile=False):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, device=device,
            clip_grad_norm=clip_grad_norm, callbacks=callbacks,
            precision=precision, compile=compile)
        self.class_weight = class_weight


class MLPRegressor(NeuralRegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor, a drop-in for scikit-learn's.

    Minimises half the mean squared error (``loss='squared_error'``), or half
    the Poisson deviance with an exponential output (``loss='poisson'``,
    non-negative targets, as in scikit-learn 1.7), as
    :class:`sklearn.neural_network.MLPRegressor`; ``y`` may have several
    columns.  ``early_stopping`` monitors R² on the held-out fraction.  The
    other parameters are those of :class:`MLPClassifier` without
    ``class_weight``; like scikit-learn's, ``loss`` is the first positional
    parameter.
    """

    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints, **_MLP_CONSTRAINTS,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }
    _architecture_params = _BaseMLP._architecture_params + ("loss",)

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 device="auto", clip_grad_norm=None, callbacks=None,
                 precision="32", compile=False):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, device=device,
            clip_grad_norm=clip_grad_norm, callbacks=callbacks,
            precision=precision, compile=compile)
        self.loss = loss
