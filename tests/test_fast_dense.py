"""The CPU fast path (sknn/core/fast_dense.py) trains exactly as autograd does, and knows
when to step aside."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor
from sknn.core import fast_dense
from sknn.core.net import TrainingNet

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _data(kind, n=67, n_features=5, n_outputs=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    if kind == "classifier":
        y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
        return X, y
    y = X @ rng.normal(size=(n_features, n_outputs)) + 0.1 * rng.normal(size=(n, n_outputs))
    return X, (y.ravel() if n_outputs == 1 else y)


def _fit(estimator, X, y, fast, **fit_kwargs):
    old = TrainingNet.fast_path
    TrainingNet.fast_path = fast
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(X, y, **fit_kwargs)
    finally:
        TrainingNet.fast_path = old
    used = fast_dense._STEPS.get(estimator.net_) is not None
    return estimator, used


def _assert_same(params, kind="classifier", n_outputs=1, fit_kwargs=None, tol=1e-6):
    X, y = _data(kind, n_outputs=n_outputs)
    Est = MLPClassifier if kind == "classifier" else MLPRegressor
    base = dict(hidden_layer_sizes=(7,), max_iter=6, batch_size=16, random_state=0, tol=0.0,
                n_iter_no_change=100, learning_rate_init=0.01, device="cpu")
    base.update(params)
    fast, used_fast = _fit(Est(**base), X, y, True, **(fit_kwargs or {}))
    slow, used_slow = _fit(Est(**base), X, y, False, **(fit_kwargs or {}))
    assert used_fast and not used_slow
    assert fast.n_iter_ == slow.n_iter_
    for a, b in zip(fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=tol)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=0, atol=tol)
    return fast, slow


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu", "gelu"])
def test_activations_match_autograd(kind, activation):
    _assert_same({"activation": activation, "hidden_layer_sizes": (7, 4)}, kind)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("solver", [
    {"solver": "adam"},
    {"solver": "adamw"},
    {"solver": "rmsprop"},
    {"solver": "sgd", "momentum": 0.0},
    {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False},
    {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True},
], ids=["adam", "adamw", "rmsprop", "sgd", "sgd-momentum", "sgd-nesterov"])
def test_solvers_match_autograd(kind, solver):
    _assert_same(solver, kind)


@pytest.mark.parametrize("params", [
    {"alpha": 0.0},
    {"alpha": 0.5},
    {"learning_rate": "invscaling", "power_t": 0.3},
    {"learning_rate": "adaptive", "tol": 10.0, "n_iter_no_change": 1, "max_iter": 8},
    {"batch_size": 67},  # one full batch
    {"batch_size": 10},  # a smaller last batch
    {"clip_grad_norm": 0.05},
    {"early_stopping": True, "validation_fraction": 0.3},
], ids=["alpha0", "alpha", "invscaling", "adaptive", "full-batch", "ragged", "clip", "early"])
def test_options_match_autograd(params):
    _assert_same(params, "classifier")
    _assert_same(params, "regressor")


def test_weights_match_autograd():
    rng = np.random.RandomState(1)
    weights = rng.randint(0, 4, size=67).astype(float)
    weights[:16] = 0.0  # some batches carry little or no weight
    _assert_same({}, "classifier", fit_kwargs={"sample_weight": weights})
    _assert_same({}, "regressor", fit_kwargs={"sample_weight": weights})
    _assert_same({"class_weight": "balanced"}, "classifier")
    _assert_same({"class_weight": {0: 2.0, 1: 0.5, 2: 1.0}, "alpha": 0.1}, "classifier",
                 fit_kwargs={"sample_weight": rng.uniform(0.5, 2.0, size=67)})


def test_multioutput_regression_matches_autograd():
    _assert_same({"activation": "tanh"}, "regressor", n_outputs=3)


def _same_fits(est, X, y, **fit_kwargs):
    fast, used_fast = _fit(est, X, y, True, **fit_kwargs)
    slow, used_slow = _fit(type(est)(**est.get_params()), X, y, False, **fit_kwargs)
    assert used_fast and not used_slow
    for a, b in zip(fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("params", [{}, {"class_weight": "balanced", "alpha": 0.1}])
def test_binary_and_multilabel_match_autograd(params):
    X, y = _data("classifier")
    base = dict(hidden_layer_sizes=(6,), max_iter=5, batch_size=16, random_state=0,
                learning_rate_init=0.01, **params)
    weights = np.random.RandomState(2).uniform(0.0, 2.0, size=len(y))
    _same_fits(MLPClassifier(**base), X, (y > 0).astype(int), sample_weight=weights)
    multilabel = np.column_stack([y > 0, y > 1, X[:, 3] > 0]).astype(int)
    base.pop("class_weight", None)
    _same_fits(MLPClassifier(**base), X, multilabel)


def test_poisson_matches_autograd():
    X, _ = _data("classifier")
    y = np.random.RandomState(3).poisson(np.exp(0.3 * X[:, 0]))
    _same_fits(MLPRegressor(loss="poisson", hidden_layer_sizes=(6,), max_iter=5, batch_size=16,
                            random_state=0, learning_rate_init=0.01), X, y.astype(float))


def test_partial_fit_and_warm_start_match_autograd():
    X, y = _data("classifier")
    ests = []
    for fast in (True, False):
        est = MLPClassifier(hidden_layer_sizes=(6,), batch_size=20, random_state=0,
                            warm_start=True, max_iter=3)
        old = TrainingNet.fast_path
        TrainingNet.fast_path = fast
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.partial_fit(X, y, classes=[0, 1, 2])
                est.partial_fit(X, y)
                est.fit(X, y)
        finally:
            TrainingNet.fast_path = old
        ests.append(est)
    for a, b in zip(ests[0].coefs_, ests[1].coefs_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_float32_runs_fast_and_close():
    X, y = _data("classifier")
    X = X.astype(np.float32)
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=16, random_state=0)
    fast, used = _fit(est, X, y, True)
    slow, _ = _fit(MLPClassifier(**est.get_params()), X, y, False)
    assert used and fast.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(fast.coefs_[0], slow.coefs_[0], atol=1e-4)


# ------------------------------------------------------------------ dispatch
@pytest.mark.parametrize("params, reason", [
    ({"dropout": 0.2}, "not a plain DenseStack"),
    ({"batch_norm": True}, "not a plain DenseStack"),
    ({"solver": "sgd", "callbacks": [Callback()]}, "callback Callback"),
])
def test_falls_back_to_autograd(params, reason):
    X, y = _data("classifier")
    est, used = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0,
                                   **params), X, y, True)
    assert not used
    assert fast_dense.decline_reason(est.net_) == reason


def test_user_callback_falls_back_and_still_sees_autograd():
    seen = []

    class GradSpy(Callback):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            seen.append(all(p.grad is not None for _, p in named_parameters))

    X, y = _data("classifier")
    est, used = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, callbacks=[GradSpy()]),
                     X, y, True)
    assert not used and seen and all(seen)
    assert fast_dense.decline_reason(est.net_) == "callback GradSpy"


def test_switches_and_hooks_fall_back(monkeypatch):
    X, y = _data("classifier")
    est, used = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, warm_start=True),
                     X, y, True)
    assert used and fast_dense.decline_reason(est.net_) is None
    net = est.net_
    monkeypatch.setenv("SKNN_FAST_PATH", "0")
    assert fast_dense.decline_reason(net) == "switched off"
    monkeypatch.delenv("SKNN_FAST_PATH")
    monkeypatch.setattr(TrainingNet, "fast_path", False)
    assert fast_dense.decline_reason(net) == "switched off"
    monkeypatch.setattr(TrainingNet, "fast_path", True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert fast_dense.decline_reason(net) == "autocast"
    handle = net.module_[0].register_forward_hook(lambda *args: None)
    assert fast_dense.decline_reason(net) == "hooks"
    # a hook registered between fits is honoured: the next fit runs on autograd
    calls = []
    handle.remove()
    handle = net.module_[0].register_forward_hook(lambda *args: calls.append(1))
    est.fit(X, y)
    assert calls and fast_dense._STEPS.get(est.net_) is None
    handle.remove()
    est.fit(X, y)
    assert fast_dense._STEPS.get(est.net_) is not None
    net.module_[0].weight.requires_grad_(False)
    assert fast_dense.decline_reason(net) == (
        "parameters not trainable float32/float64 on the CPU")


def test_other_modules_fall_back():
    rng = np.random.RandomState(0)
    X = rng.rand(20, 8, 8, 1).astype(np.float32)
    y = rng.randint(0, 2, size=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = CNNImageClassifier(max_iter=1, random_state=0).fit(X, y)
    assert fast_dense.decline_reason(est.net_) == "not a plain DenseStack"


def test_unknown_loss_kind_falls_back():
    X, y = _data("classifier")
    est, _ = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=1), X, y, True)
    est.net_.criterion_.kind = "hinge"  # a kind the fast path does not know
    assert fast_dense.decline_reason(est.net_) == "loss"


def test_no_compiler_stack_in_a_fast_fit():
    """A fresh process fits (and predicts) without importing torch._dynamo."""
    code = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        "import numpy as np\n"
        "from sknn import MLPClassifier, MLPRegressor\n"
        "X = np.random.RandomState(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "for solver in ('adam', 'sgd', 'rmsprop', 'adamw'):\n"
        "    MLPClassifier(max_iter=3, solver=solver, learning_rate='invscaling').fit(X, y)\n"
        "MLPRegressor(max_iter=3).fit(X, X[:, 1]).predict(X)\n"
        "assert 'torch._dynamo' not in sys.modules, 'torch._dynamo was imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": REPO, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_mixed_precision_falls_back():
    X, y = _data("classifier")
    est, used = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=1, precision="bf16-mixed"),
                     X.astype(np.float32), y, True)
    assert not used and fast_dense.decline_reason(est.net_) == "precision"
