"""Shared fixtures: the real data sets in ../shared/data, read through sknn.datasets."""

import os
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA_HOME = Path(os.environ.get("SKNN_DATA", _SHARED))


@pytest.fixture(scope="session")
def data_home():
    if not DATA_HOME.is_dir():
        pytest.skip(f"shared data folder {DATA_HOME} is not present")
    return DATA_HOME


@pytest.fixture(scope="session")
def mnist(data_home):
    from sknn.datasets import load_mnist

    return load_mnist(data_home=data_home, return_X_y=True)


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Run the suite on one torch thread.

    The models under test are tiny; with two OpenMP threads on a 2-core machine
    that is also running a Dask cluster or joblib workers, torch's threads spin
    against each other and a fit can take 20x longer. Results do not depend on
    the thread count.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
