"""What a fit promises when training goes wrong: divergence, interrupts, threads,
pickles, warm starts, callbacks (docs/reliability.md).

``X, y, yr`` are the issue's reproducer data: 40 rows, 4 features."""

import pickle
import threading
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback, EpochScoring

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor, RNNSequenceClassifier

NONFINITE = "Solver produced non-finite parameter weights"

rng = np.random.RandomState(0)
X = rng.randn(40, 4)
y = (X[:, 0] > 0).astype(int)
yr = X[:, 0].copy()


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _weights(est):
    return [p.detach().clone() for p in est.module_.parameters()]


def _same_weights(a, b):
    return all(torch.equal(u, v) for u, v in zip(a, b))


# -- 1. divergence --------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: MLPRegressor(solver="sgd", learning_rate_init=1e6, max_iter=5).fit(X, yr),
    lambda: MLPRegressor(max_iter=5).fit(np.vstack([X, [[1e30] * 4]]).astype(np.float32),
                                         np.append(yr, 0.0)),
    lambda: MLPClassifier(max_iter=5, random_state=0).fit(
        np.finfo(np.float64).max * np.random.RandomState(0).uniform(size=(40, 4)), y),
])
def test_divergence_raises_sklearns_error_instead_of_a_nan_model(make):
    with pytest.raises(ValueError, match=NONFINITE):
        make()


def test_divergence_leaves_a_fitted_estimator_as_it_was():
    est = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, yr)
    before, prediction = _weights(est), est.predict(X)
    n_iter, curve = est.n_iter_, list(est.loss_curve_)
    est.set_params(solver="sgd", learning_rate_init=1e6, warm_start=True)
    with pytest.raises(ValueError, match=NONFINITE):
        est.fit(X, yr)
    assert _same_weights(before, _weights(est))
    np.testing.assert_array_equal(est.predict(X), prediction)
    assert est.n_iter_ == n_iter and est.loss_curve_ == curve
    assert len(est.history_) == len(curve)


def test_divergence_with_early_stopping_restores_the_best_finite_epoch():
    est = MLPRegressor(solver="sgd", learning_rate_init=1.0, activation="identity",
                       hidden_layer_sizes=(50,), early_stopping=True, max_iter=30,
                       random_state=0)
    with pytest.warns(ConvergenceWarning, match="became non-finite"):
        est.fit(np.tile(X, (5, 1)) * 10, np.tile(yr, 5) * 10)
    assert np.isnan(est.validation_scores_[-1])
    assert np.isfinite(est.predict(X)).all()
    assert est.best_validation_score_ == max(v for v in est.validation_scores_
                                             if not np.isnan(v))


# -- 2. interrupts ---------------------------------------------------------------
class _InterruptAt(Callback):
    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def initialize(self):
        self.seen_ = 0
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            self.seen_ += 1
            if self.seen_ == self.batch:
                raise KeyboardInterrupt


def test_interrupt_in_first_epoch_reraises_and_leaves_fitted_estimator_untouched():
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, batch_size=10,
                        random_state=0).fit(X, y)
    before, n_iter, curve = _weights(est), est.n_iter_, list(est.loss_curve_)
    net = est.net_
    est.set_params(callbacks=[_InterruptAt(epoch=1, batch=2)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.net_ is net and _same_weights(before, _weights(est))
    assert est.n_iter_ == n_iter and est.loss_curve_ == curve


def test_interrupt_in_first_epoch_of_a_new_estimator_leaves_it_unfitted():
    est = MLPClassifier(hidden_layer_sizes=(8,), batch_size=10,
                        callbacks=[_InterruptAt(epoch=1, batch=1)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert not hasattr(est, "net_") and not hasattr(est, "classes_")


def test_interrupt_later_keeps_last_completed_epoch_and_warns():
    stopped = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, batch_size=10,
                            random_state=0, callbacks=[_InterruptAt(epoch=4, batch=2)])
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        stopped.fit(X, y)
    # a callback that never fires keeps the reference on the same training path (a user
    # callback trains on autograd, not on the CPU fast path) for a bitwise comparison
    reference = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, batch_size=10, random_state=0,
                              callbacks=[_InterruptAt(epoch=10**6, batch=1)]).fit(X, y)
    assert stopped.n_iter_ == 3 and len(stopped.loss_curve_) == 3
    assert _same_weights(_weights(stopped), _weights(reference))
    assert stopped.loss_curve_ == reference.loss_curve_


def test_warm_partial_fit_interrupted_keeps_previous_epoch():
    est = MLPRegressor(hidden_layer_sizes=(8,), batch_size=10, random_state=0)
    est.partial_fit(X, yr)
    before = _weights(est)
    # partial_fit keeps its net: plug the callback into it
    est.net_.callbacks = list(est.net_.callbacks) + [_InterruptAt(epoch=2, batch=3)]
    est.net_.initialize_callbacks()
    with pytest.raises(KeyboardInterrupt):
        est.partial_fit(X, yr)
    assert _same_weights(before, _weights(est)) and len(est.history_) == 1


# -- 3, 13. early stopping edge cases -------------------------------------------
def test_partial_fit_after_early_stopping_fit_is_a_clear_error():
    est = MLPClassifier(early_stopping=True, max_iter=3).fit(np.tile(X, (2, 1)), np.tile(y, 2))
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        est.partial_fit(X, y)


def test_warm_refit_turning_early_stopping_off_keeps_training():
    est = MLPClassifier(early_stopping=True, warm_start=True, max_iter=3,
                        random_state=0).fit(np.tile(X, (2, 1)), np.tile(y, 2))
    est.set_params(early_stopping=False).fit(X, y)
    assert est.validation_scores_ is None and est.best_loss_ is not None
    est.partial_fit(X, y)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 3 + 3 + 1


def test_one_sample_validation_set_is_refused():
    with pytest.raises(ValueError, match="The validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.05).fit(X[:15], yr[:15])


# -- 4. batch norm with a one-row last batch ----------------------------------------
@pytest.mark.parametrize("n", [201, 21])
def test_batch_norm_trains_when_last_batch_has_one_row(n):
    Xn = np.random.RandomState(1).randn(n, 4)
    est = MLPClassifier(batch_norm=True, batch_size=200 if n > 200 else 10, max_iter=2,
                        random_state=0).fit(Xn, (Xn[:, 0] > 0).astype(int))
    assert np.isfinite(est.predict_proba(Xn)).all()


def test_cnn_batch_norm_trains_on_65_images():
    images = np.random.RandomState(0).rand(65, 8, 8)
    labels = np.arange(65) % 2
    est = CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(8,), batch_norm=True,
                             batch_size=64, max_iter=1).fit(images, labels)
    assert est.predict(images).shape == (65,)


# -- 5. threads and the caller's random state ---------------------------------------
def _fit_regressor(results, i):
    est = MLPRegressor(hidden_layer_sizes=(32,), dropout=0.3, random_state=0, max_iter=5).fit(X, yr)
    results[i] = est.predict(X)


def test_threaded_fits_with_dropout_equal_the_sequential_fit():
    expected = MLPRegressor(hidden_layer_sizes=(32,), dropout=0.3, random_state=0,
                            max_iter=5).fit(X, yr).predict(X)
    results = [None] * 4
    threads = [threading.Thread(target=_fit_regressor, args=(results, i)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("make", [
    lambda: MLPRegressor(hidden_layer_sizes=(16,), dropout=0.3, random_state=0, max_iter=3),
    lambda: RNNSequenceClassifier("gru", hidden_size=4, dropout=0.2, random_state=0, max_iter=1),
])
def test_fit_leaves_the_global_torch_rng_untouched(make):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    if isinstance(make(), RNNSequenceClassifier):
        make().fit(np.random.RandomState(0).randint(1, 9, (20, 5)), np.arange(20) % 2)
    else:
        make().fit(X, yr)
    assert torch.equal(torch.rand(3), expected)


# -- 6, 14. pickles ----------------------------------------------------------------
def test_pickle_holds_no_training_rows():
    secret = np.full((3, 4), 1234.5678)
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(
        np.vstack([secret, X]), np.append([0.0] * 3, yr))
    state = pickle.dumps(est)
    assert np.float64(1234.5678).tobytes() not in state
    assert np.float32(1234.5678).tobytes() not in state
    assert "Output Shape" in str(pickle.loads(state).summary(print_fn=None))


def test_pickle_from_another_sklearn_or_sknn_version_warns():
    from sklearn.exceptions import InconsistentVersionWarning

    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, yr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(est))  # same versions: silent
    state = est.__getstate__()
    state["_sklearn_version"] = "0.1"
    with pytest.warns(InconsistentVersionWarning):
        MLPRegressor.__new__(MLPRegressor).__setstate__(state)
    state = est.__getstate__()
    state["_sknn_version"] = "0.0.1"
    with pytest.warns(UserWarning, match="pickled with sknn 0.0.1"):
        MLPRegressor.__new__(MLPRegressor).__setstate__(state)


# -- 7. warm start applies new settings ----------------------------------------------
def test_warm_start_applies_new_optimizer_and_stopping_settings():
    est = MLPClassifier(hidden_layer_sizes=(8,), warm_start=True, max_iter=3,
                        random_state=0).fit(X, y)
    est.set_params(learning_rate_init=0.5, solver="sgd", alpha=10.0, tol=1e9,
                   n_iter_no_change=1)
    est.fit(X, y)
    optimizer = est.net_.optimizer_
    assert isinstance(optimizer, torch.optim.SGD)
    assert optimizer.param_groups[0]["lr"] == 0.5
    assert est.net_.alpha == 10.0
    assert est.n_iter_ == 2  # tol=1e9: no epoch improves, stop after n_iter_no_change + 1


def test_warm_start_refuses_architecture_changes():
    est = MLPClassifier(hidden_layer_sizes=(8,), warm_start=True, max_iter=2).fit(X, y)
    est.set_params(dropout=0.5)
    with pytest.raises(ValueError, match=r"cannot change the architecture \(dropout=0.0 -> 0.5\)"):
        est.fit(X, y)
    est.set_params(dropout=0.0, hidden_layer_sizes=(9,))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        est.fit(X, y)


# -- 8, 9. user callbacks -------------------------------------------------------------
class _Epochs(Callback):
    def initialize(self):
        self.epochs_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_.append(len(net.history))


def test_user_callbacks_see_the_last_epoch():
    seen = _Epochs()
    est = MLPClassifier(tol=1e9, n_iter_no_change=2, callbacks=[seen]).fit(X, y)
    # the first epoch improves on +inf, the next three do not: stop after the 4th
    assert est.n_iter_ == 4
    assert est.net_.callbacks_[-1][1].epochs_ == [1, 2, 3, 4]


@pytest.mark.parametrize("make", [
    lambda cb: MLPClassifier(max_iter=3, callbacks=[cb]).fit(X, y),
    lambda cb: MLPClassifier(max_iter=3, callbacks=[cb]).fit(X, np.arange(40) % 3),
    lambda cb: MLPClassifier(max_iter=3, callbacks=[cb]).fit(X, np.c_[y, 1 - y, y]),
])
def test_skorch_scoring_with_string_metric(make):
    est = make(EpochScoring("accuracy", on_train=True, name="train_acc"))
    scores = est.history_[:, "train_acc"]
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)


def test_regressor_skorch_scoring_with_string_metric():
    est = MLPRegressor(max_iter=3, callbacks=[EpochScoring("r2", on_train=True)]).fit(X, yr)
    assert len(est.history_[:, "r2"]) == 3


def test_callbacks_must_be_skorch_callbacks():
    with pytest.raises(TypeError, match="callbacks must hold skorch callbacks"):
        MLPClassifier(callbacks=[object()]).fit(X, y)


# -- 10. class_weight ---------------------------------------------------------------
@pytest.mark.parametrize("weight", [np.nan, np.inf, -1.0, "heavy"])
def test_class_weight_values_are_validated(weight):
    with pytest.raises(ValueError, match="class_weight must map each label to a finite"):
        MLPClassifier(class_weight={0: weight, 1: 1.0}, max_iter=2).fit(X, y)


def test_single_class_y_fits_and_predicts_that_class():
    est = MLPClassifier(max_iter=3).fit(X, np.full(40, "only"))
    assert est.predict(X).tolist() == ["only"] * 40
    assert est.predict_proba(X).shape == (40, 1)


@pytest.mark.parametrize("fast_path", [True, False])
def test_all_zero_weight_batches_with_alpha_train_finite(fast_path, monkeypatch):
    from sknn.core.net import TrainingNet

    monkeypatch.setattr(TrainingNet, "fast_path", fast_path)
    weight = np.r_[np.zeros(20), np.ones(20)]  # the first two batches weigh nothing
    est = MLPClassifier(hidden_layer_sizes=(8,), alpha=1.0, batch_size=10, shuffle=False,
                        max_iter=3, random_state=0).fit(X, y, sample_weight=weight)
    assert np.isfinite(est.loss_curve_).all() and np.isfinite(est.predict_proba(X)).all()
