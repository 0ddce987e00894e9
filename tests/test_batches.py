"""Batches cut from the caller's data: no copies, the early-stopping split, host streaming."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor, RNNSequenceClassifier
from sknn.core import batches as batches_module
from sknn.core.batches import ArrayDataset, BatchIterator, chunked_permutation
from sknn.core.device_budget import (
    DEFAULT_FRACTION,
    ENV_VAR,
    current_budget,
    device_data_budget,
    fits_on_device,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _same_fit(a, b):
    assert a.loss_curve_ == b.loss_curve_
    for pa, pb in zip(a.module_.state_dict().values(), b.module_.state_dict().values()):
        assert torch.equal(pa, pb)


# ------------------------------------------------------------------ no copies
def test_dataset_wraps_the_callers_array():
    X = np.arange(60, dtype=np.float32).reshape(20, 3)
    data = ArrayDataset(X, np.arange(20), device="cpu", dtype=torch.float32)
    assert data.resident
    assert data.X[0].data_ptr() == X.ctypes.data
    sub = data.subset(np.array([5, 1, 7]))
    assert sub.X[0].data_ptr() == X.ctypes.data  # the split shares the storage
    xb, yb = sub.take(torch.tensor([0, 2]))
    np.testing.assert_array_equal(xb.numpy(), X[[5, 7]])
    np.testing.assert_array_equal(yb.numpy(), [5, 7])
    np.testing.assert_array_equal(sub.y.numpy(), [5, 1, 7])


def test_other_float_types_are_cast_per_batch_not_copied():
    X = np.random.default_rng(0).normal(size=(10, 4))  # float64
    data = ArrayDataset(X, device="cpu", dtype=torch.float32)
    assert data.X[0].data_ptr() == X.ctypes.data
    xb, _ = data.take(torch.tensor([3, 4]))
    assert xb.dtype == torch.float32
    np.testing.assert_array_equal(xb.numpy(), X[[3, 4]].astype(np.float32))


def test_fit_and_predict_read_a_read_only_array_without_warning(digits):
    X, y = digits
    X = X.copy()
    X.setflags(write=False)
    before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0,
                            early_stopping=True).fit(X, y)
        clf.predict(X)
    np.testing.assert_array_equal(X, before)


class _CaptureDatasets(Callback):
    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.train_, self.valid_ = dataset_train, dataset_valid


def test_early_stopping_split_indexes_the_same_array(digits):
    X, y = digits
    capture = _CaptureDatasets()
    MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, early_stopping=True, random_state=0,
                  callbacks=[capture]).fit(X, y)
    assert capture.train_.X[0].data_ptr() == X.ctypes.data
    assert capture.valid_.X[0].data_ptr() == X.ctypes.data
    assert len(capture.train_) + len(capture.valid_) == len(X)
    rows = torch.cat([capture.train_.rows, capture.valid_.rows]).sort().values
    assert torch.equal(rows, torch.arange(len(X)))


# ------------------------------------------------------- host streaming on the CPU
def test_budget_zero_streams_from_the_host():
    X = np.ones((4, 2), np.float32)
    assert ArrayDataset(X, device="cpu", dtype=torch.float32).resident
    with device_data_budget(0):
        data = ArrayDataset(X, device="cpu", dtype=torch.float32)
    assert not data.resident
    assert data.X[0].data_ptr() == X.ctypes.data  # streaming does not copy X either


@pytest.mark.parametrize("case", ["classifier", "regressor64", "sparse", "cnn_uint8", "rnn"])
def test_streamed_fit_equals_device_resident_fit(case, digits):
    X, y = digits
    rng = np.random.default_rng(0)
    weight = rng.uniform(0.5, 2.0, size=len(y))
    if case == "classifier":
        make = lambda: MLPClassifier(hidden_layer_sizes=(16,), max_iter=3, dropout=0.1,  # noqa: E731
                                     early_stopping=True, random_state=0)
        args, kwargs = (X, y), {"sample_weight": weight}
    elif case == "regressor64":
        make = lambda: MLPRegressor(hidden_layer_sizes=(16,), max_iter=3, random_state=0)  # noqa: E731
        args, kwargs = (X.astype(np.float64), y.astype(np.float64)), {}
    elif case == "sparse":
        make = lambda: MLPClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0)  # noqa: E731
        args, kwargs = (sp.csr_matrix(X), y), {}
    elif case == "cnn_uint8":
        make = lambda: CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(8,),  # noqa: E731
                                          max_iter=2, random_state=0)
        args, kwargs = ((X[:400] * 16).astype(np.uint8).reshape(-1, 8, 8), y[:400]), {}
    else:
        make = lambda: RNNSequenceClassifier(hidden_size=8, embedding_dim=4, max_iter=2,  # noqa: E731
                                             random_state=0)
        ids = (X[:300] * 16).astype(np.int64)
        ids[::3, 40:] = 0  # some shorter sequences
        args, kwargs = (ids, y[:300] % 2), {}
    resident = make().fit(*args, **kwargs)
    with device_data_budget(0):
        streamed = make().fit(*args, **kwargs)
        streamed_pred = streamed.predict(args[0])
    _same_fit(resident, streamed)
    np.testing.assert_array_equal(resident.predict(args[0]), streamed_pred)


def test_iterator_prefetch_gives_every_row_once():
    X = np.arange(23, dtype=np.float32).reshape(23, 1)
    with device_data_budget(0):
        data = ArrayDataset(X, np.arange(23), device="cpu", dtype=torch.float32)
    batches = list(BatchIterator(data, 5, shuffle=True, generator=torch.Generator()))
    assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
    seen = torch.cat([yb for _, yb in batches])
    assert torch.equal(seen.sort().values, torch.arange(23))
    assert torch.equal(torch.cat([xb for xb, _ in batches]).flatten().long(), seen)


def _batches(data, monkeypatch, whole_epoch_bytes, **kwargs):
    monkeypatch.setattr(batches_module, "WHOLE_EPOCH_BYTES", whole_epoch_bytes)
    iterator = BatchIterator(data, 7, shuffle=True, generator=torch.Generator().manual_seed(3),
                             **kwargs)
    return list(iterator)


@pytest.mark.parametrize("merge_singleton", [False, True])
def test_small_epoch_gathered_at_once_gives_the_same_batches_as_views(
        monkeypatch, merge_singleton):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 9, size=(29, 4))
    X = (ids, rng.random((29, 3)))  # a tuple input, as the RNNs pass
    data = ArrayDataset(X, rng.integers(0, 3, 29), rng.random(29), device="cpu",
                        dtype=torch.float32).subset(np.arange(1, 29))  # 28 rows: 4 x 7
    data = data.subset(np.arange(22))  # 22 rows: 7, 7, 7, 1 (merged: 7, 7, 8)
    per_batch = _batches(data, monkeypatch, 0, merge_singleton=merge_singleton)
    whole = _batches(data, monkeypatch, 2**20, merge_singleton=merge_singleton)
    assert [len(xb[0]) for xb, _ in whole] == ([7, 7, 8] if merge_singleton else [7, 7, 7, 1])
    assert len(per_batch) == len(whole)
    for (xa, (ya, wa)), (xb, (yb, wb)) in zip(per_batch, whole):
        for a, b in zip((*xa, ya, wa), (*xb, yb, wb)):
            assert a.dtype == b.dtype and torch.equal(a, b)
    # the whole-epoch batches are views of one gathered block, not of the caller's arrays
    first = whole[0][0][0]
    assert first.untyped_storage().data_ptr() == whole[1][0][0].untyped_storage().data_ptr()
    assert not np.shares_memory(first.numpy(), ids)


def test_epochs_beyond_the_size_limit_are_gathered_batch_by_batch(monkeypatch):
    X = np.arange(40, dtype=np.float64).reshape(20, 2)
    data = ArrayDataset(X, np.arange(20), device="cpu", dtype=torch.float64)
    batches = _batches(data, monkeypatch, 20 * (16 + 8) - 1)
    storages = {xb.untyped_storage().data_ptr() for xb, _ in batches}
    assert len(storages) == len(batches)


# --------------------------------------------------------------- the budget
def test_budget_settings(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert current_budget() == DEFAULT_FRACTION
    assert fits_on_device(10**15, "cpu")  # the CPU holds the data already
    monkeypatch.setenv(ENV_VAR, "1000")
    assert current_budget() == 1000
    assert fits_on_device(1000, "cpu") and not fits_on_device(1001, "cpu")
    monkeypatch.setenv(ENV_VAR, "0.25")
    assert current_budget() == 0.25
    with device_data_budget(0):
        assert current_budget() == 0
        assert not fits_on_device(1, "cpu")
    assert current_budget() == 0.25
    with pytest.raises(ValueError):
        with device_data_budget(1.5):
            pass
    with pytest.raises(ValueError):
        with device_data_budget("lots"):
            pass
    with pytest.raises(TypeError):
        with device_data_budget([1]):
            pass


# ------------------------------------------------------------ chunked shuffling
def test_chunked_permutation_reads_chunk_by_chunk():
    order = chunked_permutation(1000, 64, torch.Generator().manual_seed(0))
    assert torch.equal(order.sort().values, torch.arange(1000))
    chunks = (order // 64).tolist()
    changes = sum(a != b for a, b in zip(chunks, chunks[1:]))
    assert changes == -(-1000 // 64) - 1  # each chunk is visited once, in one run
    assert not torch.equal(order, torch.arange(1000))
    first = order[:64]
    assert not torch.equal(first, first.sort().values)  # rows shuffled within the chunk


def test_memmap_is_shuffled_by_chunks_and_unshuffled_fit_matches_memory(tmp_path, digits):
    X, y = digits
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    data = ArrayDataset(Xm, device="cpu", dtype=torch.float32)
    assert data.chunk_rows is not None
    assert ArrayDataset(X, device="cpu", dtype=torch.float32).chunk_rows is None
    a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, shuffle=False,
                      random_state=0).fit(Xm, y)
    b = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, shuffle=False,
                      random_state=0).fit(X, y)
    _same_fit(a, b)
    np.testing.assert_array_equal(a.predict_proba(Xm), b.predict_proba(X))
