"""A fit or prediction uses one thread pool at a time (sknn/core/fast_dense.py).

With default thread settings, torch's OpenMP pool and NumPy's BLAS pool each
keep spinning threads after their part of a step; a step that uses both makes
them fight for the cores (12-45x slower on 2 cores).  These tests check the
structure, not the time: the NumPy-side paths dispatch no torch kernel that
computes, and the torch-side paths never call NumPy's BLAS.
"""

import warnings
from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch.utils._python_dispatch import TorchDispatchMode

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor, RNNSequenceClassifier
from sknn.core.net import TrainingNet

# ops that only make views, allocate or wrap memory, or draw the epoch's row
# order (one small serial op per epoch): no parallel region, no pool woken
_NO_POOL = {"aten.detach.default", "aten.slice.Tensor", "aten.lift_fresh.default",
            "aten.empty_like.default", "aten.randperm.generator", "aten.arange.default",
            "aten.alias.default", "aten.view.default"}


class _Ops(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.ops = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[str(func)] += 1
        return func(*args, **(kwargs or {}))


@pytest.fixture
def torch_ops_in_training(monkeypatch):
    """The torch ops dispatched inside TrainingNet.train_epochs."""
    recorder = _Ops()
    original = TrainingNet.train_epochs

    def recorded(self, *args, **kwargs):
        with recorder:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(TrainingNet, "train_epochs", recorded)
    return recorder.ops


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


@pytest.mark.parametrize("params", [
    {}, {"solver": "sgd"}, {"solver": "rmsprop"}, {"alpha": 1e-2, "activation": "tanh"},
    {"clip_grad_norm": 1.0}, {"solver": "lbfgs"}, {"class_weight": "balanced"},
], ids=["adam", "sgd", "rmsprop", "penalty-tanh", "clipping", "lbfgs", "class-weight"])
def test_fast_path_fit_runs_no_torch_kernel(params, digits, torch_ops_in_training):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(hidden_layer_sizes=(32,), max_iter=3, random_state=0,
                            **params).fit(X.astype(np.float32), y)
    assert est.n_iter_ >= 1
    assert set(torch_ops_in_training) <= _NO_POOL, set(torch_ops_in_training) - _NO_POOL


def test_regressor_fit_and_predict_run_no_torch_kernel(digits, torch_ops_in_training):
    X, y = digits
    est = MLPRegressor(hidden_layer_sizes=(16,), max_iter=3, random_state=0).fit(X, y / 9.0)
    assert set(torch_ops_in_training) <= _NO_POOL
    with _Ops() as recorder:
        pred = est.predict(X)
    assert pred.shape == (600,) and pred.dtype == np.float64
    assert set(recorder.ops) <= _NO_POOL


def test_fast_path_prediction_runs_no_torch_kernel(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(32,), max_iter=3, random_state=0).fit(X, y)
    with _Ops() as recorder:
        proba = est.predict_proba(X)
        labels = est.predict(X)
    assert proba.shape == (600, 10) and labels.shape == (600,)
    assert set(recorder.ops) <= _NO_POOL, set(recorder.ops) - _NO_POOL
    # the NumPy forward gives what the module computes
    with torch.no_grad():
        module = est.module_.eval()
        raw = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(est._forward(X), raw, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(hidden_layer_sizes=(16,), dropout=0.2, max_iter=2, random_state=0),
    lambda: CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(8,), max_iter=1,
                               random_state=0),
    lambda: RNNSequenceClassifier(cell="gru", hidden_size=8, embedding_dim=4,
                                  hidden_layer_sizes=(8,), max_iter=1, random_state=0),
], ids=["mlp-dropout", "cnn", "rnn-with-dense-head"])
def test_autograd_paths_never_call_numpy_blas(make, digits, monkeypatch):
    X, y = digits
    calls = []
    for name in ("dot", "matmul", "inner", "vdot", "tensordot"):
        original = getattr(np, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(np, name, counted)
    est = make()
    data = {CNNImageClassifier: X.reshape(-1, 8, 8),
            RNNSequenceClassifier: X.astype(np.int64) + 1}.get(type(est), X)  # 64 token ids
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(data, y)
        est.predict_proba(data)
    assert calls == []
