"""The last findings of the robustness review (issue 23, point 4), one test each."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from skorch.callbacks import Callback, EarlyStopping

from sknn import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


class _InterruptAtEpochEnd(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_an_interrupt_between_epochs_warns_and_keeps_the_completed_epochs(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0, device="cpu",
                        callbacks=[_InterruptAtEpochEnd(3)])
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3 and len(est.history_) == 3
    assert not est.module_.training


def test_skorchs_own_early_stopping_still_stops_without_a_warning(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0, device="cpu",
                        callbacks=[EarlyStopping(monitor="train_loss", patience=1,
                                                 threshold=10.0, sink=lambda *a: None)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est.fit(X, y)
    assert est.n_iter_ == 2


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor])
def test_a_one_sample_X_val_is_refused(digits, make):
    X, y = digits
    est = make(hidden_layer_sizes=(8,), max_iter=2, early_stopping=True, random_state=0,
               device="cpu")
    with pytest.raises(ValueError, match="validation set is too small: X_val has 1 sample"):
        est.fit(X, y, X_val=X[:1], y_val=y[:1])
    assert not hasattr(est, "net_")
    est.fit(X, y, X_val=X[:2], y_val=y[:2])
    assert np.isfinite(est.validation_scores_).all()
    assert np.isfinite(est.best_validation_score_)


def test_class_weight_may_name_a_class_missing_from_a_cv_fold(digits):
    X, y = digits
    keep = y < 3
    X, y = X[keep], y[keep].copy()
    y[:3] = 9  # class 9: three samples, so every 3-fold split lacks it somewhere
    weights = {0: 1.0, 1: 2.0, 2: 1.0, 9: 5.0}
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0, device="cpu",
                        class_weight=weights)
    folds = [(np.setdiff1d(np.arange(len(y)), [0, 1, 2]), np.arange(len(y)))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class absent from the training part
        scores = cross_val_score(est, X, y, cv=folds, error_score="raise")
    assert np.isfinite(scores).all()
    scores = cross_val_score(est, X, y, cv=StratifiedKFold(3), error_score="raise")
    assert np.isfinite(scores).all()
    # a class present in y still needs a weight when the dict names others
    with pytest.raises(ValueError, match=r"names labels \['7'\] that are not among"):
        MLPClassifier(max_iter=1, device="cpu", class_weight={0: 1.0, 7: 2.0}).fit(X, y)


def test_balanced_class_weight_is_refused_by_partial_fit(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), class_weight="balanced", random_state=0,
                        device="cpu")
    with pytest.raises(ValueError, match="class_weight 'balanced' is not supported for "
                                         "partial_fit"):
        est.partial_fit(X[:20], y[:20], classes=np.arange(10))
    assert not hasattr(est, "net_")
    est.set_params(max_iter=2).fit(X, y)
    curve = list(est.loss_curve_)
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        est.partial_fit(X, y)
    assert est.loss_curve_ == curve


def test_partial_fit_refuses_a_changed_precision(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), random_state=0, device="cpu")
    est.partial_fit(X, y, classes=np.arange(10))
    curve = list(est.loss_curve_)
    est.set_params(precision="bf16-mixed")
    with pytest.raises(ValueError, match="keeps the fitted network and its precision='32'; "
                                         "precision was changed to 'bf16-mixed'"):
        est.partial_fit(X, y)
    assert est.loss_curve_ == curve and est.net_.precision == "32"
    est.set_params(precision="32").partial_fit(X, y)
    assert len(est.loss_curve_) == 2


@pytest.mark.parametrize("opset", [7, 11, 3.5, True])
def test_to_onnx_names_the_lowest_supported_opset(digits, opset):
    pytest.importorskip("onnx")
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0,
                        device="cpu").fit(X, y)
    with pytest.raises(ValueError, match=rf"target_opset={opset!r} is not supported: sknn "
                                         r"exports to ONNX opset 12 or later"):
        est.to_onnx(target_opset=opset)
