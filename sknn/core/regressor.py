"""What makes an sknn estimator a regressor: numeric targets, one or several outputs.

The loss is half the squared error (``out_activation_ = 'identity'``), or,
for estimators with ``loss='poisson'``, half the Poisson deviance with a log
link (``out_activation_ = 'exp'``: ``predict`` returns ``exp`` of the raw
output), as scikit-learn's MLPRegressor.
"""

from functools import partial

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from .classifier import _stochastic_solver
from .losses import OUT_ACTIVATIONS, WeightedLoss


def _r2(y_pred, y_true, sample_weight, out_activation="identity"):
    y_pred = y_pred.detach().cpu().double().numpy().reshape(len(y_pred), -1)
    if out_activation == "exp":
        y_pred = np.exp(y_pred)
    y_true = y_true.detach().cpu().double().numpy().reshape(len(y_true), -1)
    weight = None if sample_weight is None else sample_weight.detach().cpu().numpy()
    if not np.isfinite(y_pred).all():
        return float("nan")
    return float(r2_score(y_true, y_pred, sample_weight=weight))


class NeuralRegressorMixin(RegressorMixin):
    """Targets of shape ``(n,)`` or ``(n, n_outputs)``."""

    _loss_kind = "squared_error"
    _extra_constraints = {}

    def _loss_name(self):
        return getattr(self, "loss", "squared_error")

    def _validate_y(self, y, n_samples, *, first, classes, incremental, name="y"):
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name=name)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim not in (1, 2):
            raise ValueError(f"{name} must be 1-D or 2-D; got an array of shape {y.shape}.")
        if y.shape[0] != n_samples:
            raise ValueError(
                f"X and {name} have inconsistent numbers of samples: {n_samples} and "
                f"{y.shape[0]}.")
        if self._loss_name() == "poisson" and y.size and y.min() < 0:
            raise ValueError(
                f"loss='poisson' requires non-negative targets; {name} has a minimum of "
                f"{y.min()!r}.")
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if first:
            self.n_outputs_ = n_outputs
            self._y_ndim = y.ndim
            self.out_activation_ = OUT_ACTIVATIONS[self._loss_name()]
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"{name} has {n_outputs} outputs, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}.")
        return y.astype(np.float64, copy=False)

    def _n_outputs(self, y):
        return self.n_outputs_

    def _make_criterion(self, y, sample_weight):
        return WeightedLoss(self._loss_name())

    @property
    def _validation_scorer(self):
        return partial(_r2, out_activation=self.out_activation_)

    def predict(self, X):
        """Predicted targets, shape ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
        check_is_fitted(self, "net_")
        out = self._forward(X)
        if self.out_activation_ == "exp":
            out = np.exp(out)
        return out.ravel() if self._y_ndim == 1 else out

    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None):
        """Train on ``X`` and numeric targets ``y`` for up to ``max_iter`` epochs.

        ``X_val``, ``y_val`` (and ``sample_weight_val``): with
        ``early_stopping=True``, the data that early stopping monitors
        instead of a held-out ``validation_fraction`` of ``X``.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False, X_val=X_val, y_val=y_val,
                         sample_weight_val=sample_weight_val)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch (one pass) on ``X``, ``y``, keeping the current weights.

        Not available for ``solver='lbfgs'``.
        """
        if not hasattr(self, "net_"):
            self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
