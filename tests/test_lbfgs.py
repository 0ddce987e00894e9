"""solver='lbfgs' runs scipy's L-BFGS-B as scikit-learn does (sknn/core/lbfgs.py)."""

import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from skorch.callbacks import Callback
from threadpoolctl import threadpool_info

from sknn import MLPClassifier, MLPRegressor
from sknn.core import fast_dense, lbfgs
from sknn.core.net import TrainingNet


def _quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("data", [make_moons(60, noise=0.1, random_state=0),
                                  make_circles(60, noise=0.1, factor=0.5, random_state=0)],
                         ids=["moons", "circles"])
@pytest.mark.parametrize("alpha", [1e-5, 1e-1, 1e3])
def test_converges_like_scikit_learn(data, alpha):
    # same initial weights (sknn draws them as scikit-learn does), same
    # minimiser and stopping rules: the same final loss
    X, y = data
    params = dict(solver="lbfgs", hidden_layer_sizes=(20, 20), max_iter=2000, alpha=alpha,
                  random_state=0)
    ours = _quiet_fit(MLPClassifier(**params), X, y)
    theirs = _quiet_fit(SkMLPClassifier(**params), X, y)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=0.05, abs=1e-4)
    assert ours.n_iter_ == len(ours.loss_curve_) == len(ours.history_)
    assert np.all(np.diff(ours.loss_curve_) <= 1e-12)  # L-BFGS-B never goes uphill
    assert (ours.predict(X) == theirs.predict(X)).mean() >= 0.95


def test_regressor_loss_scale_matches_scikit_learn():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=80)
    params = dict(solver="lbfgs", hidden_layer_sizes=(10,), max_iter=500, random_state=0)
    ours = _quiet_fit(MLPRegressor(**params), X, y)
    theirs = _quiet_fit(SkMLPRegressor(**params), X, y)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=0.1, abs=1e-4)


def test_fast_path_and_autograd_give_the_same_fit():
    X, y = make_moons(60, noise=0.1, random_state=0)
    fits = []
    for fast in (True, False):
        old, TrainingNet.fast_path = TrainingNet.fast_path, fast
        try:
            est = _quiet_fit(MLPClassifier(solver="lbfgs", hidden_layer_sizes=(8,),
                                           max_iter=30, random_state=0), X, y)
        finally:
            TrainingNet.fast_path = old
        fits.append((est, fast_dense._STEPS.get(est.net_) is not None))
    (fast, used_fast), (slow, used_slow) = fits
    assert used_fast and not used_slow
    assert fast.n_iter_ == slow.n_iter_
    for a, b in zip(fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_batch_norm_module_trains_through_autograd():
    # full-batch training mode: a deterministic objective for the line search
    X, y = make_moons(60, noise=0.1, random_state=0)
    est = _quiet_fit(MLPClassifier(solver="lbfgs", hidden_layer_sizes=(8,), batch_norm=True,
                                   max_iter=20, random_state=0), X, y)
    assert fast_dense._STEPS.get(est.net_) is None
    assert est.n_iter_ == 20 and est.loss_curve_[-1] < est.loss_curve_[0]


def test_max_iter_warns_and_max_fun_stops():
    X, y = make_moons(60, noise=0.1, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=3 iterations"):
        est = MLPClassifier(solver="lbfgs", max_iter=3, random_state=0).fit(X, y)
    assert est.n_iter_ == 3
    with pytest.warns(ConvergenceWarning, match="max_fun=5 loss evaluations"):
        est = MLPClassifier(solver="lbfgs", max_iter=100, max_fun=5, random_state=0).fit(X, y)
    assert est.history_[-1, "func_evals"] <= 5 + 25 and est.n_iter_ <= 5


def test_a_callback_can_stop_the_run():
    class StopAtTwo(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                net.request_stop("callback")

    X, y = make_moons(60, noise=0.1, random_state=0)
    est = MLPClassifier(solver="lbfgs", max_iter=50, callbacks=[StopAtTwo()],
                        random_state=0).fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2


def test_interrupt_keeps_the_last_completed_iteration():
    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 3:
                raise KeyboardInterrupt

    class InterruptInTheLineSearch(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                net.module_.register_forward_hook(_raise_interrupt)

    X, y = make_moons(60, noise=0.1, random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est = MLPClassifier(solver="lbfgs", max_iter=50, batch_norm=True,
                            callbacks=[InterruptInTheLineSearch()], random_state=0).fit(X, y)
    assert est.n_iter_ == 2 and len(est.history_) == 2

    X, y = make_moons(60, noise=0.1, random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est = MLPClassifier(solver="lbfgs", max_iter=50, callbacks=[Interrupt()],
                            random_state=0).fit(X, y)
    # the third iteration had completed when its callback was interrupted
    assert est.n_iter_ == 3 and len(est.history_) == 3
    assert np.isfinite(est.predict_proba(X)).all()


def _raise_interrupt(*args):
    raise KeyboardInterrupt


def _scipy_blas_threads():
    return [lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas" and "scipy.libs" in lib["filepath"]]


def test_scipy_blas_limit_is_scoped_and_counted():
    # scipy's own OpenBLAS pool runs on one thread during a fit, and the
    # caller's setting is back afterwards, also when two fits overlap in threads
    before = _scipy_blas_threads()
    if not lbfgs._scipy_own_blas():
        pytest.skip("scipy shares NumPy's BLAS here: nothing is limited")
    seen = []

    class Probe(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(_scipy_blas_threads())

    X, y = make_moons(60, noise=0.1, random_state=0)
    fits = [threading.Thread(target=_quiet_fit, args=(
        MLPClassifier(solver="lbfgs", max_iter=5, callbacks=[Probe()], random_state=s), X, y))
        for s in range(3)]
    for t in fits:
        t.start()
    for t in fits:
        t.join()
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert _scipy_blas_threads() == before
