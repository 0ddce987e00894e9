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
