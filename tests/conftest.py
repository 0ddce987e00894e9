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
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    # the CPU fast path multiplies in NumPy's BLAS: one thread there too
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(previous)


def pytest_generate_tests(metafunc):
    """scikit-learn's ``global_random_seed`` fixture, for its MLP suite (see
    tests/test_sklearn_mlp_suite.py): 42 unless SKLEARN_TESTS_GLOBAL_RANDOM_SEED says
    otherwise ('all', or a seed, or a range 'a-b')."""
    if "global_random_seed" not in metafunc.fixturenames:
        return
    value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if value is None:
        seeds = [42]
    elif value == "all":
        seeds = list(range(100))
    elif "-" in value:
        start, stop = map(int, value.split("-"))
        seeds = list(range(start, stop + 1))
    else:
        seeds = [int(value)]
    metafunc.parametrize("global_random_seed", seeds)
