"""``precision``: float32/float64 as before, bf16 and fp16 autocast, and what they refuse."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor, RNNSequenceClassifier
from sknn.core.precision import autocast, module_dtype


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y  # float64


def _quiet(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor, CNNImageClassifier,
                                       RNNSequenceClassifier])
def test_invalid_precision_and_compile_are_sklearn_param_errors(Estimator, digits):
    X, y = digits
    for params in ({"precision": "bf16"}, {"precision": 16}, {"compile": "yes"}):
        with pytest.raises(InvalidParameterError, match="precision|compile"):
            Estimator(**params).fit(X[:20], y[:20])


@pytest.mark.parametrize("precision", ["bf16-mixed", "16-mixed"])
def test_lbfgs_refuses_mixed_precision(precision, digits):
    X, y = digits
    with pytest.raises(ValueError, match="lbfgs.*exact loss values"):
        MLPClassifier(solver="lbfgs", precision=precision).fit(X, y)
    # full precision is fine
    _quiet(MLPClassifier(solver="lbfgs", max_iter=2, precision="32"), X, y)


def test_default_precision_keeps_the_float64_rule(digits):
    X, y = digits
    clf = _quiet(MLPClassifier(max_iter=2, random_state=0), X, y)
    assert clf.net_.module_dtype_ == torch.float64
    clf = _quiet(MLPClassifier(max_iter=2, random_state=0), X.astype(np.float32), y)
    assert clf.net_.module_dtype_ == torch.float32


@pytest.mark.parametrize("precision", ["bf16-mixed", "16-mixed"])
def test_mixed_precision_trains_float32_weights_under_autocast(precision, digits):
    X, y = digits
    ref = _quiet(MLPClassifier(max_iter=15, random_state=0), X, y)
    clf = _quiet(MLPClassifier(max_iter=15, random_state=0, precision=precision), X, y)
    # float64 input: the weights are float32 under mixed precision (autocast skips float64)
    assert clf.net_.module_dtype_ == torch.float32
    assert all(p.dtype == torch.float32 for p in clf.module_.parameters())
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 3
    assert clf.score(X, y) > ref.score(X, y) - 0.03
    # the training really ran in low precision: not bit-identical to float32
    ref32 = _quiet(MLPClassifier(max_iter=15, random_state=0), X.astype(np.float32), y)
    assert clf.loss_curve_ != ref32.loss_curve_
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float32  # the training precision of the float32 network
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), proba)
    assert precision in str(clf.summary(print_fn=None)).splitlines()[0]


def test_fp16_uses_a_grad_scaler_and_bf16_does_not(digits):
    X, y = digits
    fp16 = _quiet(MLPClassifier(max_iter=2, random_state=0, precision="16-mixed",
                                clip_grad_norm=1.0, alpha=0.01), X, y)
    assert isinstance(fp16.net_.grad_scaler_, torch.amp.GradScaler)
    assert fp16.net_.grad_scaler_.get_scale() > 1.0  # loss scaling is active
    bf16 = _quiet(MLPClassifier(max_iter=2, random_state=0, precision="bf16-mixed"), X, y)
    assert bf16.net_.grad_scaler_ is None


class _FirstGradNorm(Callback):
    def on_grad_computed(self, net, named_parameters, **kwargs):
        if not hasattr(self, "norm_"):
            self.norm_ = float(torch.cat([p.grad.flatten().float()
                                          for _, p in named_parameters]).norm())


def test_callbacks_see_unscaled_gradients_under_fp16(digits):
    # gradient clipping and other callbacks get the true gradients, not the
    # loss-scaled ones (GradScaler starts at a scale of 65536)
    X, y = digits
    X = X.astype(np.float32)
    norms = {}
    for precision in ("32", "16-mixed"):
        probe = _FirstGradNorm()
        _quiet(MLPClassifier(max_iter=1, random_state=0, precision=precision,
                             callbacks=[probe]), X, y)
        norms[precision] = probe.norm_
    assert norms["16-mixed"] == pytest.approx(norms["32"], rel=0.05)


def test_mixed_precision_cnn(digits):
    X, y = digits
    images = X.reshape(-1, 8, 8).astype(np.float32)
    cnn = _quiet(CNNImageClassifier(conv_filters=(8,), hidden_layer_sizes=(16,), max_iter=3,
                                    random_state=0, precision="bf16-mixed"), images, y)
    assert cnn.score(images, y) > 0.5


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_mixed_precision_rnn(cell):
    # on the CPU the recurrence itself runs in float32 (oneDNN has no portable
    # bfloat16 LSTM); the embedding and the head run under autocast
    rng = np.random.RandomState(0)
    ids = rng.randint(2, 12, (120, 10))
    labels = (ids[:, 0] > 6).astype(int)
    rnn = _quiet(RNNSequenceClassifier(cell, bidirectional=True, hidden_size=8,
                                       embedding_dim=8, max_iter=15, batch_size=16,
                                       learning_rate_init=0.01, random_state=0,
                                       precision="bf16-mixed"), ids, labels)
    assert rnn.score(ids, labels) > 0.8
    rnn.module_.pack = True  # the fused packed path under autocast too
    assert rnn.score(ids, labels) > 0.8


def test_precision_helpers():
    assert module_dtype("32", torch.float64) == torch.float64
    assert module_dtype("bf16-mixed", torch.float64) == torch.float32
    layer = torch.nn.Linear(3, 2)
    with autocast("bf16-mixed", "cpu"):
        assert layer(torch.ones(1, 3)).dtype == torch.bfloat16
    with autocast("32", "cpu"):
        assert layer(torch.ones(1, 3)).dtype == torch.float32


def test_bf16_mnist_accuracy_within_half_a_percent_of_float32(mnist):
    X, y = mnist
    X = (X.reshape(len(X), -1) / 255.0).astype(np.float32)
    X_train, y_train, X_val, y_val = X[:10000], y[:10000], X[50000:55000], y[50000:55000]
    scores = {}
    for precision in ("32", "bf16-mixed"):
        clf = _quiet(MLPClassifier(max_iter=5, random_state=0, device="cpu",
                                   precision=precision), X_train, y_train)
        scores[precision] = clf.score(X_val, y_val)
    assert scores["32"] > 0.9
    assert abs(scores["bf16-mixed"] - scores["32"]) <= 0.005, scores
