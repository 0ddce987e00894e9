"""Serving a fitted model: prediction is a pure function of the fitted weights.

Many threads predicting on one fitted estimator (a web server's worker pool,
joblib threads) must get exactly the answers of serial calls and leave the
model unchanged: the fitted module is in eval mode after every fit and
partial_fit, and nothing on the prediction path switches it.
"""

import pickle
import threading
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor, RNNSequenceClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 4
N_CALLS = 25


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16).astype(np.float32), y[:400]


def _state(estimator):
    return {k: v.detach().clone() for k, v in estimator.module_.state_dict().items()}


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key in before:
        assert torch.equal(before[key], after[key]), key


def predict_in_threads(estimator, X, method="predict_proba", n_threads=N_THREADS,
                       n_calls=N_CALLS):
    """Every answer of ``n_threads`` threads calling ``method`` ``n_calls`` times at once."""
    answers, errors = [], []
    barrier = threading.Barrier(n_threads)

    def work():
        try:
            barrier.wait()
            for _ in range(n_calls):
                answers.append(getattr(estimator, method)(X))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(answers) == n_threads * n_calls
    return answers


def _fitted_models(X, y):
    images = X.reshape(-1, 8, 8)
    return {
        "mlp": (MLPClassifier(hidden_layer_sizes=(32, 16), dropout=0.5, batch_norm=True,
                              max_iter=3, random_state=0, device="cpu").fit(X, y), X),
        "cnn": (CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(16,), dropout=0.5,
                                   batch_norm=True, max_iter=2, random_state=0,
                                   device="cpu").fit(images, y), images),
        "rnn": (RNNSequenceClassifier(cell="gru", num_layers=2, hidden_size=8, dropout=0.5,
                                      max_iter=2, random_state=0,
                                      device="cpu").fit(images, y), images),
    }


@pytest.fixture(scope="module")
def fitted(digits):
    return _fitted_models(*digits)


@pytest.mark.parametrize("name", ["mlp", "cnn", "rnn"])
def test_concurrent_predict_gives_the_serial_answers_and_changes_nothing(fitted, name):
    estimator, X = fitted[name]
    assert not estimator.module_.training
    serial = estimator.predict_proba(X)
    before = _state(estimator)
    answers = predict_in_threads(estimator, X)
    wrong = sum(not np.array_equal(answer, serial) for answer in answers)
    assert wrong == 0, f"{wrong} of {len(answers)} concurrent answers differ"
    _assert_same_state(before, _state(estimator))
    assert not estimator.module_.training
    np.testing.assert_array_equal(estimator.predict_proba(X), serial)


def test_concurrent_predict_and_summary_change_nothing(fitted):
    estimator, X = fitted["mlp"]
    serial = estimator.predict(X)
    before = _state(estimator)
    summaries = []
    thread = threading.Thread(target=lambda: summaries.extend(
        str(estimator.summary(print_fn=None)) for _ in range(20)))
    thread.start()
    answers = predict_in_threads(estimator, X, method="predict")
    thread.join()
    assert all(np.array_equal(answer, serial) for answer in answers)
    assert len(summaries) == 20 and "BatchNorm1d" in summaries[0]
    # the layer table counts only the summary's own forward pass
    assert summaries == [str(estimator.summary(print_fn=None))] * 20
    _assert_same_state(before, _state(estimator))
    assert not estimator.module_.training


def test_the_module_is_in_eval_mode_after_every_kind_of_training(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), dropout=0.2, batch_norm=True, max_iter=2,
                        random_state=0, device="cpu")
    est.fit(X, y)
    assert not est.module_.training
    est.partial_fit(X, y)
    assert not est.module_.training
    est.set_params(warm_start=True).fit(X, y)
    assert not est.module_.training
    est.set_params(warm_start=False, early_stopping=True).fit(X, y)
    assert not est.module_.training
    assert not pickle.loads(pickle.dumps(est)).module_.training
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3, random_state=0,
                       device="cpu").fit(X, y.astype(float))
    assert not reg.module_.training


def test_a_failed_partial_fit_leaves_the_module_in_eval_mode(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, max_iter=2, random_state=0,
                        device="cpu").fit(X, y)
    with pytest.raises(ValueError):
        est.partial_fit(X[:1], y[:1])  # batch norm cannot train on one row
    assert not est.module_.training


def test_predict_switches_a_module_put_in_train_mode_by_hand_once(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), dropout=0.5, batch_norm=True, max_iter=2,
                        random_state=0, device="cpu").fit(X, y)
    serial = est.predict_proba(X)
    before = _state(est)
    est.module_.train()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(est.predict_proba(X), serial)
    assert not est.module_.training
    _assert_same_state(before, _state(est))


def test_overlapping_cudnn_autotune_blocks_restore_the_callers_setting():
    # two predict calls in two threads on CUDA: entered A, B; left A, B (not nested)
    from sknn.core.cuda import cudnn_autotune

    previous = torch.backends.cudnn.benchmark
    try:
        torch.backends.cudnn.benchmark = False
        a, b = cudnn_autotune("cuda"), cudnn_autotune("cuda")
        a.__enter__()
        b.__enter__()
        assert torch.backends.cudnn.benchmark
        a.__exit__(None, None, None)
        assert torch.backends.cudnn.benchmark  # b is still running
        b.__exit__(None, None, None)
        assert torch.backends.cudnn.benchmark is False
    finally:
        torch.backends.cudnn.benchmark = previous
