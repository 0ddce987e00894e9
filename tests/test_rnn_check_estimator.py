"""scikit-learn's own estimator checks for the RNN estimators, every one, no expected failures.

The instances under check are small and quick to train: the checks fit a few
hundred rows many times, and two of them demand a training score (accuracy >
0.83 on blobs, R² > 0.5 on a linear target read as a 10-step series), which
the default ``max_iter=10`` at a learning rate of 1e-3 does not reach.
"""

import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn.estimators.rnn import RNNSequenceClassifier, RNNSequenceRegressor

_QUICK = dict(hidden_size=16, learning_rate_init=0.03, max_iter=30)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    # Tiny models: one thread is faster, and far faster on a loaded machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@parametrize_with_checks([RNNSequenceClassifier(**_QUICK), RNNSequenceRegressor(**_QUICK)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
