"""What makes an sknn estimator a classifier: labels, class weights, probabilities."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .losses import WeightedLoss


def _accuracy(y_pred, y_true, sample_weight):
    correct = (y_pred.argmax(dim=1) == y_true).to(torch.float64)
    if sample_weight is None:
        return correct.mean().item()
    weight = sample_weight.to(torch.float64)
    return ((correct * weight).sum() / weight.sum()).item()


class NeuralClassifierMixin(ClassifierMixin):
    """Label encoding, ``class_weight``, ``predict`` and ``predict_proba``.

    Labels may be any hashable values scikit-learn accepts (ints, strings);
    they are stored in ``classes_`` and the module is trained on their
    indices with a softmax cross-entropy.  Binary problems use two outputs.
    """

    _loss_kind = "cross_entropy"
    _extra_constraints = {"class_weight": [None, StrOptions({"balanced"}), dict]}

    def _validate_y(self, y, n_samples, *, first, classes):
        y = column_or_1d(np.asarray(y) if not hasattr(y, "shape") else y, warn=True)
        if y.shape[0] != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {n_samples} and {y.shape[0]}.")
        check_classification_targets(y)
        if first:
            labels = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if classes is not None:
                unseen = np.setdiff1d(np.unique(y), labels)
                if unseen.size:
                    raise ValueError(
                        f"y contains labels {unseen.tolist()} that are not in classes="
                        f"{labels.tolist()}.")
            if labels.size < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data; "
                    f"got only one class: {labels.tolist()}.")
            self.classes_ = labels
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains previously unseen labels: {unseen.tolist()}; the estimator "
                    f"was fitted with classes {self.classes_.tolist()}.")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _n_outputs(self, y):
        return len(self.classes_)

    def _make_criterion(self, y, sample_weight):
        if self.class_weight is None:
            return WeightedLoss("cross_entropy")
        if isinstance(self.class_weight, dict):
            unknown = set(self.class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight names labels {sorted(map(str, unknown))} that are not "
                    f"among the classes {self.classes_.tolist()}.")
        weights = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[y])
        return WeightedLoss("cross_entropy", torch.as_tensor(weights, dtype=torch.float32))

    @staticmethod
    def _validation_scorer(y_pred, y_true, sample_weight):
        return _accuracy(y_pred, y_true, sample_weight)

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        logits = self._forward(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        logits = self._forward(X)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def predict(self, X):
        """Predicted labels, taken from ``classes_``."""
        check_is_fitted(self, "net_")
        return self.classes_[self._forward(X).argmax(axis=1)]

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` and labels ``y`` for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame
        y : array-like of shape (n_samples,)
            Labels (numbers or strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch on ``X``, ``y``, keeping the current weights.

        ``classes`` (all labels that will ever be seen) is required on the
        first call, as in scikit-learn; later calls reject labels outside it.
        """
        if not hasattr(self, "net_"):
            self._validate_params()
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
