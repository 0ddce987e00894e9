"""Training data and the mini-batch iterator over it, without copying the caller's arrays.

skorch's default ``DataLoader`` indexes one sample at a time and collates the
batch in Python.  For data that already sit in memory this costs more than the
forward pass of a small network, so sknn cuts each mini-batch with a single
``index_select`` per input array.  Where the rows are cut from:

* **CPU.**  The caller's array itself: a NumPy array is wrapped with
  ``torch.from_numpy`` (no copy, and never written to; read-only arrays are
  fine).  A floating point array of another precision than the module's is cast
  one batch at a time, so no converted copy of ``X`` is made either.  A small
  training set (at most :data:`WHOLE_EPOCH_BYTES` per epoch, e.g. the folds of
  a grid search on digits) is gathered in its shuffled order once per epoch
  and its batches are views of that block: one ``index_select`` per array per
  epoch instead of per batch, for a transient copy of at most 8 MiB.
* **An accelerator, data within the budget** of :mod:`sknn.core.device_budget`:
  a copy on the device, made once per fit, chunk by chunk, in the module's
  precision.
* **An accelerator, data beyond the budget, and always for prediction:** the
  host array.  Each batch is gathered into pinned (page-locked) host memory and
  copied with ``non_blocking=True`` on a side stream, one batch ahead, so the
  copy of the next batch overlaps the computation of the current one.  Both
  placements give the same batches, hence the same fitted model.
* **scipy sparse** matrices stay sparse on the host; each batch is densified.
* **NumPy memmaps** (``np.load(path, mmap_mode='r')``) are wrapped like any
  array: a batch's rows are read from the file when the batch is cut, and the
  process holds no copy of the file.  Random rows would make random disk reads,
  so a memory-mapped training set is shuffled *by chunks*
  (:func:`chunked_permutation`).

The early-stopping split does not copy either: :meth:`ArrayDataset.subset` makes
a dataset of some rows that cuts its batches from the same storage.
"""

import mmap
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import Dataset

from .device_budget import fits_on_device
from .dtypes import NUMPY_TYPES

CHUNK_BYTES = 64 * 2**20
"""Size of the blocks a memory-mapped training set is shuffled in, and of the
pieces in which data are copied to a device."""


def is_memory_mapped(array):
    """Whether ``array`` is (a view of) a NumPy memmap or another ``mmap``."""
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


def host_tensor(array):
    """A CPU tensor sharing memory with the ndarray ``array`` (copied only when torch
    cannot represent its layout: negative strides or a non-native byte order).

    The tensor is only ever read, so a read-only array (a memmap opened with
    ``mmap_mode='r'``, a broadcast) is wrapped as is, without torch's warning
    about writing into it.
    """
    array = np.asarray(array)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if any(stride < 0 for stride in array.strides):
        array = np.ascontiguousarray(array)
    if array.flags.writeable:
        return torch.from_numpy(array)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(array)


def chunked_permutation(n, chunk_rows, generator=None):
    """A permutation of ``range(n)`` that keeps reads from disk sequential.

    The rows are cut into consecutive chunks of ``chunk_rows``; the chunks are
    visited in random order and the rows of each chunk in random order.  Each
    mini-batch then reads from one chunk (or two), which the operating system
    reads ahead and caches, instead of from anywhere in the file.  The price: a
    batch mixes rows from one region of the file only, so a file sorted by class
    or by time should be shuffled once when it is written.
    """
    chunk_rows = max(1, int(chunk_rows))
    n_chunks = -(-n // chunk_rows)
    pieces = []
    for chunk in torch.randperm(n_chunks, generator=generator).tolist():
        start = chunk * chunk_rows
        size = min(chunk_rows, n - start)
        pieces.append(start + torch.randperm(size, generator=generator))
    return torch.cat(pieces) if pieces else torch.empty(0, dtype=torch.int64)


class ArrayDataset(Dataset):
    """In-memory (or memory-mapped) data for training and prediction.

    Parameters
    ----------
    X : ndarray, scipy sparse matrix, or tuple of ndarrays
        The inputs.  A tuple is passed to the module as positional arguments
        (for example token ids and sequence lengths).  The caller's arrays are
        neither copied (beyond one batch at a time) nor modified.
    y : ndarray or None
        The targets.
    sample_weight : ndarray or None
        Per-sample weights of the loss.
    device : torch.device
        Where the batches are computed on.
    dtype : torch.dtype
        Floating point inputs and targets are cast to this type; integer
        inputs (token ids, uint8 pixels) keep theirs.
    resident : bool or None
        Copy the data to ``device`` once (True) or leave them on the host and
        copy one batch at a time (False).  ``None`` asks
        :func:`~sknn.core.device_budget.fits_on_device`.
    """

    def __init__(self, X, y=None, sample_weight=None, *, device, dtype, resident=None):
        self.device = torch.device(device)
        self.dtype = dtype
        self.is_tuple = isinstance(X, tuple)
        parts = X if self.is_tuple else (X,)
        host = tuple(part.tocsr() if sp.issparse(part) else host_tensor(part) for part in parts)
        targets = tuple(None if v is None else host_tensor(v) for v in (y, sample_weight))
        self.n_samples = parts[0].shape[0]
        row_bytes = sum(_row_bytes(part) for part in host if not sp.issparse(part))
        self.chunk_rows = (
            max(1, CHUNK_BYTES // max(row_bytes, 1))
            if any(is_memory_mapped(part) for part in parts) else None)
        if resident is None:
            dense = [t for t in host + targets if isinstance(t, torch.Tensor)]
            resident = fits_on_device(sum(self._stored_bytes(t) for t in dense), self.device)
        self.resident = bool(resident)
        self.X = tuple(self._store(part) for part in host)
        self._y, self._sample_weight = (self._store(t) for t in targets)
        self.rows = None
        self._copy_stream = None

    # -- storage ------------------------------------------------------------
    @property
    def index_device(self):
        """Where row indices live: with the stored data."""
        return self.device if self.resident else torch.device("cpu")

    @property
    def streams(self):
        """True when batches are copied from host memory to another device."""
        return not self.resident and self.device.type != "cpu"

    def _stored_dtype(self, tensor):
        return self.dtype if tensor.is_floating_point() else tensor.dtype

    def _stored_bytes(self, tensor):
        return tensor.numel() * self._stored_dtype(tensor).itemsize

    def _store(self, part):
        if part is None or sp.issparse(part) or not self.resident or self.device.type == "cpu":
            return part
        out = torch.empty(part.shape, dtype=self._stored_dtype(part), device=self.device)
        step = max(1, CHUNK_BYTES // max(_row_bytes(part), 1))
        for start in range(0, part.shape[0], step):
            out[start:start + step].copy_(part[start:start + step])
        return out

    def subset(self, rows):
        """A dataset of the rows ``rows`` that shares this one's storage."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.rows is not None:
            rows = self.rows.cpu().numpy()[rows]
        if self.chunk_rows is not None:
            rows = np.sort(rows)  # consecutive positions read nearby rows of the file
        sub = object.__new__(type(self))
        sub.__dict__.update(self.__dict__)
        sub.rows = torch.from_numpy(rows).to(self.index_device)
        sub.n_samples = len(rows)
        sub._copy_stream = None
        return sub

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_copy_stream"] = None
        return state

    def __len__(self):
        return self.n_samples

    # -- batches ------------------------------------------------------------
    def _rows(self, index):
        if self.rows is None:
            return index
        if self.rows.is_cpu:
            return torch.from_numpy(np.take(self.rows.numpy(), index.numpy()))
        return self.rows.index_select(0, index)

    def _gather(self, part, rows):
        if sp.issparse(part):
            batch = torch.from_numpy(part[rows.cpu().numpy()].toarray())
            return batch.pin_memory() if self.device.type == "cuda" else batch
        if self.device.type == "cpu" and part.dtype in NUMPY_TYPES:
            # NumPy's take, single-threaded: a CPU batch never wakes torch's
            # thread pool (see sknn.core.fast_dense on mixing pools)
            return torch.from_numpy(np.take(part.numpy(), rows.numpy(), axis=0))
        if self.resident:
            return part.index_select(0, rows)
        staging = torch.empty((rows.shape[0],) + tuple(part.shape[1:]), dtype=part.dtype,
                              pin_memory=self.device.type == "cuda")
        return torch.index_select(part, 0, rows, out=staging)

    def fetch(self, index):
        """Cut the batch of positions ``index`` and start its copy to the device.

        Returns an opaque handle for :meth:`ready`; on a CUDA device the copy
        runs on a side stream while the caller goes on.
        """
        rows = self._rows(index.to(self.index_device))
        tensors = [self._gather(part, rows) for part in self.X]
        for target in (self._y, self._sample_weight):
            if target is not None:
                tensors.append(self._gather(target, rows))
        event = None
        if self.device.type != "cpu" and any(t.device != self.device for t in tensors):
            if self.device.type == "cuda":
                if self._copy_stream is None:
                    self._copy_stream = torch.cuda.Stream(self.device)
                with torch.cuda.stream(self._copy_stream):
                    tensors = [t.to(self.device, non_blocking=True) for t in tensors]
                    event = torch.cuda.Event()
                    event.record(self._copy_stream)
            else:
                tensors = [t.to(self.device) for t in tensors]
        return tensors, event

    def ready(self, fetched):
        """The batch ``(X, y)`` of a :meth:`fetch`, usable on the current stream.

        ``y`` is ``(y, sample_weight)`` when sample weights were given, and
        ``None`` when the data has no targets.
        """
        tensors, event = fetched
        if event is not None:
            current = torch.cuda.current_stream(self.device)
            current.wait_event(event)
            for tensor in tensors:
                tensor.record_stream(current)
        tensors = [self._cast(t) for t in tensors]
        xs = tuple(tensors[:len(self.X)])
        xb = xs if self.is_tuple else xs[0]
        if self._y is None:
            return xb, None
        yb = tensors[len(self.X)]
        if self._sample_weight is not None:
            yb = (yb, tensors[len(self.X) + 1])
        return xb, yb

    def take(self, index):
        """Return the batch ``(X, y)`` of the rows at the positions in ``index``."""
        return self.ready(self.fetch(index))

    def _cast(self, tensor):
        if tensor.is_floating_point() and tensor.dtype != self.dtype:
            if tensor.is_cpu and tensor.dtype in NUMPY_TYPES and self.dtype in NUMPY_TYPES:
                return torch.from_numpy(tensor.numpy().astype(NUMPY_TYPES[self.dtype]))
            return tensor.to(self.dtype)
        return tensor

    def _whole(self, target):
        if target is None:
            return None
        rows = torch.arange(self.n_samples, device=self.index_device)
        return self._cast(target.index_select(0, self._rows(rows)).to(self.device))

    @property
    def y(self):
        """All the targets of this dataset, on the device (for the validation score)."""
        return self._whole(self._y)

    @property
    def sample_weight(self):
        """All the sample weights of this dataset (or ``None``), on the device."""
        return self._whole(self._sample_weight)

    def __getitem__(self, i):
        return self.take(torch.as_tensor([i], device=self.index_device))


WHOLE_EPOCH_BYTES = 8 * 2**20
"""Up to this size, a CPU training epoch gathers its shuffled rows once and cuts
its batches as views; beyond it, each batch is gathered on its own."""


def _slice_rows(batch, start, stop):
    """Rows ``start:stop`` of a batch structure (tensors, tuples of them, None)."""
    if batch is None:
        return None
    if isinstance(batch, tuple):
        return tuple(_slice_rows(part, start, stop) for part in batch)
    return batch[start:stop]


def _row_bytes(part):
    return int(np.prod(part.shape[1:], dtype=np.int64)) * part.element_size()


class BatchIterator:
    """Iterate over an :class:`ArrayDataset` in mini-batches.

    Each pass draws a fresh permutation from ``generator`` when ``shuffle`` is
    true (by chunks for memory-mapped data, see :func:`chunked_permutation`);
    the last batch may be smaller than ``batch_size``, as in scikit-learn's
    ``gen_batches``.  With ``merge_singleton``, a last batch of a single row is
    folded into the one before it (batch normalisation cannot train on one
    row), so that batch has ``batch_size + 1`` rows.  The next batch is
    fetched before the current one is handed out, so that its copy to the
    device overlaps the current step.
    """

    def __init__(self, dataset, batch_size, *, shuffle=False, generator=None,
                 merge_singleton=False):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.merge_singleton = merge_singleton

    def _starts(self):
        n = len(self.dataset)
        starts = list(range(0, n, self.batch_size))
        if self.merge_singleton and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        return starts

    def __len__(self):
        return len(self._starts())

    def _order(self):
        n = len(self.dataset)
        device = self.dataset.index_device
        if not self.shuffle:
            return torch.arange(n, device=device)
        if self.dataset.chunk_rows is not None:
            order = chunked_permutation(n, self.dataset.chunk_rows, self.generator)
        else:
            order = torch.randperm(n, generator=self.generator)
        return order.to(device)

    def _whole_epoch(self, n_rows):
        """Whether to gather the epoch's rows in one go and hand out views of them."""
        dataset = self.dataset
        if dataset.device.type != "cpu" or dataset.chunk_rows is not None:
            return False
        parts = (*dataset.X, dataset._y, dataset._sample_weight)
        if any(sp.issparse(part) for part in parts):
            return False
        row_bytes = sum(_row_bytes(part) for part in parts if part is not None)
        return n_rows * row_bytes <= WHOLE_EPOCH_BYTES

    def __iter__(self):
        order = self._order()
        starts = self._starts()
        if self._whole_epoch(len(order)):
            # small data on the CPU: one gather per array per epoch (a copy of at
            # most WHOLE_EPOCH_BYTES), then each batch is a view of it
            whole = self.dataset.take(order)
            for i, start in enumerate(starts):
                stop = starts[i + 1] if i + 1 < len(starts) else len(order)
                yield _slice_rows(whole, start, stop)
            return
        pending = None
        for i, start in enumerate(starts):
            stop = starts[i + 1] if i + 1 < len(starts) else len(order)
            fetched = self.dataset.fetch(order[start:stop])
            if pending is not None:
                yield self.dataset.ready(pending)
            pending = fetched
        if pending is not None:
            yield self.dataset.ready(pending)
