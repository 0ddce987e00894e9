"""Pickle and joblib round trips, including a CUDA-fitted model loaded on a CPU-only machine."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits

from sknn import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16.0).astype(np.float32), y[:400]


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_pickle_and_joblib_round_trip(data, Estimator, tmp_path):
    X, y = data
    est = Estimator(max_iter=3, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), est.predict(X))
    assert restored.loss_curve_ == est.loss_curve_
    # a restored model keeps training
    restored.partial_fit(X, y) if Estimator is MLPRegressor else restored.partial_fit(X, y)
    assert len(restored.loss_curve_) == len(est.loss_curve_) + 1 and restored.n_iter_ == 1


def test_clone_is_unfitted_with_same_params(data):
    X, y = data
    est = MLPClassifier(hidden_layer_sizes=(7,), alpha=0.5, max_iter=2).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "net_")


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only machine")
def test_model_saved_from_cuda_loads_on_cpu_only_machine(data):
    X, y = data
    est = MLPClassifier(max_iter=2, random_state=0).fit(X, y)
    expected = est.predict_proba(X)
    # What a CUDA fit leaves behind: the net and estimator both record 'cuda'.
    # skorch stores the tensors with torch.save, and maps them back to the CPU
    # when CUDA is missing at load time.
    est.net_.device = "cuda"
    est.device_ = torch.device("cuda")
    buffer = io.BytesIO()
    pickle.dump(est, buffer)
    buffer.seek(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.load(buffer)
    assert any("CUDA" in str(w.message) for w in caught)
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-6)
