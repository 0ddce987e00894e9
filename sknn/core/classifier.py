"""What makes an sknn estimator a classifier: labels, class weights, probabilities.

The outputs follow scikit-learn's MLPClassifier (``out_activation_``):

* multiclass (three or more classes): one output per class, softmax,
  cross-entropy;
* binary (two classes, or a single class seen in ``fit``): one logistic
  output, the probability of ``classes_[1]``, binary cross-entropy;
* multilabel (``y`` a 2-D 0/1 indicator matrix): one logistic output per
  label, the sum of the labels' binary cross-entropies; ``predict`` returns the
  indicator matrix and ``classes_`` is ``arange(n_labels)``.
"""

import numbers

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from .losses import WeightedLoss
from .outputs import activate, encoded_predictions


def _accuracy(y_pred, y_true, sample_weight):
    if y_true.dtype == torch.int64:  # class indices, softmax outputs
        correct = y_pred.argmax(dim=1) == y_true
    elif y_pred.shape[1] == 1:  # binary, one logistic output
        correct = (y_pred[:, 0] > 0) == (y_true.reshape(-1) > 0.5)
    else:  # multilabel: every label right (scikit-learn's subset accuracy)
        correct = ((y_pred > 0) == (y_true > 0.5)).all(dim=1)
    correct = correct.to(torch.float64)
    if sample_weight is None:
        return correct.mean().item()
    weight = sample_weight.to(torch.float64)
    return ((correct * weight).sum() / weight.sum()).item()


def _stochastic_solver(estimator):
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is not "
            "stochastic.")
    return True


class NeuralClassifierMixin(ClassifierMixin):
    """Label encoding, ``class_weight``, ``predict`` and ``predict_proba``.

    Labels may be any hashable values scikit-learn accepts (ints, strings);
    they are stored in ``classes_``.  A 2-D 0/1 ``y`` is a multilabel problem.
    """

    _loss_kind = "cross_entropy"
    _extra_constraints = {"class_weight": [None, StrOptions({"balanced"}), dict]}

    # ------------------------------------------------------------ targets
    def _validate_y(self, y, n_samples, *, first, classes, incremental, name="y"):
        y = np.asarray(y) if not hasattr(y, "shape") else y
        multilabel = getattr(y, "ndim", 1) == 2 and y.shape[1] > 1
        if multilabel:
            kind = type_of_target(y, input_name=name)
            if kind != "multilabel-indicator":
                raise ValueError(
                    f"{name} of shape {y.shape} is {kind!r}: a 2-D {name} must be a "
                    "multilabel indicator matrix of 0/1 entries (multiclass-multioutput "
                    "targets are not supported).")
            y = check_array(y, dtype=None, input_name=name)
        else:
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
        if y.shape[0] != n_samples:
            raise ValueError(
                f"X and {name} have inconsistent numbers of samples: {n_samples} and "
                f"{y.shape[0]}.")
        if first:
            self._set_classes(y, multilabel, classes, incremental)
        else:
            self._check_classes(y, multilabel, classes, incremental, name)
        return self._encode(y)

    def _set_classes(self, y, multilabel, classes, incremental):
        if incremental:
            _check_partial_fit_first_call(self, classes)
        labels = (np.arange(y.shape[1]) if multilabel and classes is None
                  else unique_labels(classes) if classes is not None else unique_labels(y))
        if multilabel:
            if not np.array_equal(labels, np.arange(y.shape[1])):
                raise ValueError(
                    f"For a multilabel y with {y.shape[1]} columns, classes must be the "
                    f"column indices {list(range(y.shape[1]))}; got {list(labels)}.")
        elif classes is not None:
            unseen = np.setdiff1d(unique_labels(y), labels)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not in classes="
                    f"{labels.tolist()}.")
        self.classes_ = labels
        self._multilabel_ = multilabel
        if multilabel:
            self.out_activation_, self.n_outputs_ = "logistic", y.shape[1]
        elif len(labels) <= 2:
            self.out_activation_, self.n_outputs_ = "logistic", 1
        else:
            self.out_activation_, self.n_outputs_ = "softmax", len(labels)

    def _check_classes(self, y, multilabel, classes, incremental, name):
        if multilabel != self._multilabel_:
            fitted = "a multilabel indicator y" if self._multilabel_ else "a 1-D y of labels"
            raise ValueError(f"The estimator was fitted with {fitted}; {name} is not.")
        if incremental and classes is not None:
            _check_partial_fit_first_call(self, classes)
        if multilabel:
            if y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"{name} has {y.shape[1]} labels, but the estimator was fitted with "
                    f"{self.n_outputs_}.")
            return
        labels = unique_labels(y)
        if not incremental and self.warm_start and name == "y":
            if set(labels) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {labels}")
        elif np.setdiff1d(labels, self.classes_).size:
            raise ValueError(
                f"`{name}` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. '{name}' has {labels}.")

    def _encode(self, y):
        if self._multilabel_:
            return np.asarray(y, dtype=np.float64)
        index = np.searchsorted(self.classes_, y)
        if self.out_activation_ == "softmax":
            return index.astype(np.int64)
        return (index == 1).astype(np.float64)

    def _n_outputs(self, y):
        return self.n_outputs_

    def _stratify_on(self, y):
        # scikit-learn stratifies its early-stopping split on the binarized
        # labels, and not at all for multilabel targets
        if self._multilabel_:
            return None
        # a one-column boolean matrix, as scikit-learn's binarized labels, so
        # that its error messages read the same (classes 'True'/'False')
        return (y > 0.5)[:, None] if self.out_activation_ == "logistic" else y

    def _make_criterion(self, y, sample_weight):
        kind = "cross_entropy" if self.out_activation_ == "softmax" else "binary_cross_entropy"
        if self.class_weight is None:
            return WeightedLoss(kind)
        if self._multilabel_:
            raise ValueError("class_weight is not supported for a multilabel y.")
        if isinstance(self.class_weight, dict):
            classes = self.classes_.tolist()
            unknown = set(self.class_weight) - set(classes)
            if unknown and not set(classes) <= set(self.class_weight):
                # extra labels are fine when every class present has a weight
                # (as LogisticRegression: a CV fold's training part may lack a
                # class that the dict names)
                raise ValueError(
                    f"class_weight names labels {sorted(map(str, unknown))} that are not "
                    f"among the classes {classes}.")
            for label, weight in self.class_weight.items():
                if (not isinstance(weight, numbers.Real) or isinstance(weight, bool)
                        or not np.isfinite(weight) or weight < 0):
                    raise ValueError(
                        f"class_weight must map each label to a finite, non-negative "
                        f"number; got {label!r}: {weight!r}.")
        index = y.astype(np.int64) if y.dtype != np.int64 else y
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            present = set(self.classes_.tolist())
            class_weight = {label: weight for label, weight in class_weight.items()
                            if label in present}
        weights = compute_class_weight(
            class_weight, classes=self.classes_, y=self.classes_[index])
        return WeightedLoss(kind, torch.as_tensor(weights, dtype=torch.float32))

    @staticmethod
    def _validation_scorer(y_pred, y_true, sample_weight):
        return _accuracy(y_pred, y_true, sample_weight)

    # -------------------------------------------------------- prediction
    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``, columns in ``classes_`` order.

        Multilabel models return one independent probability per label.
        """
        raw = self._forward(X)
        if self.out_activation_ == "softmax" or self._multilabel_:
            return activate(raw, self.out_activation_)
        positive = activate(raw, "logistic")
        if len(self.classes_) == 1:
            return np.ones_like(positive)
        return np.hstack([1.0 - positive, positive])

    def predict_log_proba(self, X):
        """``np.log(predict_proba(X))``, exactly as scikit-learn computes it.

        Probabilities that round to 0 give ``-inf``, and ties among
        probabilities that round to 1 stay ties.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels, taken from ``classes_`` (multilabel: the 0/1 indicator matrix)."""
        check_is_fitted(self, "net_")
        encoded = encoded_predictions(self._forward(X), self.out_activation_,
                                      None if self._multilabel_ else len(self.classes_))
        return encoded if self._multilabel_ else self.classes_[encoded]

    # ----------------------------------------------------------- training
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None):
        """Train on ``X`` and labels ``y`` for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels (numbers or strings), or a 0/1 indicator matrix for a
            multilabel problem.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        X_val, y_val : validation data, default=None
            With ``early_stopping=True``, the data that early stopping
            monitors instead of a held-out ``validation_fraction`` of ``X``.
            Not transformed by earlier steps of a Pipeline unless the
            pipeline says so (``Pipeline(..., transform_input=['X_val'])``).
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples in the validation score.

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False, X_val=X_val, y_val=y_val,
                         sample_weight_val=sample_weight_val)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train one epoch (one pass) on ``X``, ``y``, keeping the current weights.

        ``classes`` (all labels that will ever be seen; for a multilabel ``y``
        the column indices) is required on the first call, as in
        scikit-learn; later calls reject labels outside it.  Not available
        for ``solver='lbfgs'``.
        """
        if not hasattr(self, "net_"):
            self._validate_params()
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            # as scikit-learn's SGDClassifier.partial_fit: the class frequencies
            # of one batch are not the data set's (and a batch may lack a class)
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit. In order to use "
                "'balanced' weights, use compute_class_weight('balanced', classes=classes, "
                "y=y). In place of y you can use a large enough sample of the full "
                "training set target to properly estimate the class frequency "
                "distributions. Pass the resulting weights as the class_weight parameter.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
