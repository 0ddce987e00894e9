"""scikit-learn's own estimator checks, every one of them, no expected failures.

Run twice: on the CPU fast path (sknn/core/fast_dense.py, the default where it
applies) and with it switched off, on autograd.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import MLPClassifier, MLPRegressor
from sknn.core.net import TrainingNet


@pytest.fixture(params=["fast", "autograd"])
def training_path(request, monkeypatch):
    monkeypatch.setattr(TrainingNet, "fast_path", request.param == "fast")
    return request.param


@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_compatible(estimator, check, training_path):
    check(estimator)
