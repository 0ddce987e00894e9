"""What makes an sknn estimator a regressor: numeric targets, one or several outputs."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array, check_is_fitted

from .losses import WeightedLoss


def _r2(y_pred, y_true, sample_weight):
    y_pred = y_pred.detach().cpu().double().numpy().reshape(len(y_pred), -1)
    y_true = y_true.detach().cpu().double().numpy().reshape(len(y_true), -1)
    weight = None if sample_weight is None else sample_weight.detach().cpu().numpy()
    return float(r2_score(y_true, y_pred, sample_weight=weight))


class NeuralRegressorMixin(RegressorMixin):
    """Targets of shape ``(n,)`` or ``(n, n_outputs)``, half squared-error loss."""

    _loss_kind = "squared_error"
    _extra_constraints = {}

    def _validate_y(self, y, n_samples, *, first, classes):
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
        if y.shape[0] != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {n_samples} and {y.shape[0]}.")
        if first:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
            self._y_ndim = y.ndim
        elif (1 if y.ndim == 1 else y.shape[1]) != self.n_outputs_:
            raise ValueError(
                f"y has {1 if y.ndim == 1 else y.shape[1]} outputs, but "
                f"{type(self).__name__} was fitted with {self.n_outputs_}.")
        return y.astype(np.float64, copy=False)

    def _n_outputs(self, y):
        return self.n_outputs_

    def _make_criterion(self, y, sample_weight):
        return WeightedLoss("squared_error")

    @staticmethod
    def _validation_scorer(y_pred, y_true, sample_weight):
        return _r2(y_pred, y_true, sample_weight)

    def predict(self, X):
        """Predicted targets, shape ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
        check_is_fitted(self, "net_")
        out = self._forward(X)
        return out.ravel() if self._y_ndim == 1 else out

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` and numeric targets ``y`` for up to ``max_iter`` epochs."""
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch on ``X``, ``y``, keeping the current weights."""
        if not hasattr(self, "net_"):
            self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
