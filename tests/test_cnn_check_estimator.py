"""scikit-learn's estimator checks on CNNImageClassifier, none expected to fail.

The checks feed tabular data (n_samples x n_features); a flat row without
``image_shape`` is a square image when n_features is a perfect square and a
one-pixel-high image otherwise (see CNNImageClassifier), and pooling never
empties a feature map, so the default network takes every such input.

The instance under check is the default one (conv_filters=(32, 64),
hidden_layer_sizes=(128,), max_iter=10) on the CPU, with one torch thread:
the whole set ran in 10-25 s on 2 cores.
"""

import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn.estimators.cnn import CNNImageClassifier


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny networks: one thread is as fast, and steady when other processes share the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([CNNImageClassifier(device="cpu")])
def test_sklearn_compatible(estimator, check):
    check(estimator)
