"""Training data held as tensors, and the mini-batch iterator over it.

skorch's default ``DataLoader`` indexes one sample at a time and collates the
batch in Python.  For data that already sits in memory this costs more than the
forward pass of a small network, so sknn moves the data to the training device
once and cuts mini-batches with a single ``index_select`` per input array.
Scipy sparse inputs stay sparse on the host and only each batch is densified.
"""

import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import Dataset


def _to_tensor(array, device, dtype=None):
    if sp.issparse(array):
        return array.tocsr()
    tensor = torch.from_numpy(np.array(array, copy=True, order="C"))
    if dtype is not None and tensor.is_floating_point():
        tensor = tensor.to(dtype)
    return tensor.to(device)


class ArrayDataset(Dataset):
    """In-memory data for training and prediction.

    Parameters
    ----------
    X : ndarray, scipy sparse matrix, or tuple of ndarrays
        The inputs.  A tuple is passed to the module as positional arguments
        (for example token ids and sequence lengths).  The caller's arrays are
        copied, never modified.
    y : ndarray or None
        The targets.
    sample_weight : ndarray or None
        Per-sample weights of the loss.
    device : torch.device
        Where the tensors live.
    dtype : torch.dtype
        Floating point inputs and targets are cast to this type; integer
        inputs (token ids, uint8 pixels) keep theirs.
    """

    def __init__(self, X, y=None, sample_weight=None, *, device, dtype):
        self.device = torch.device(device)
        self.dtype = dtype
        parts = X if isinstance(X, tuple) else (X,)
        self.is_tuple = isinstance(X, tuple)
        self.X = tuple(_to_tensor(part, self.device, dtype) for part in parts)
        self.y = None if y is None else _to_tensor(y, self.device, dtype)
        self.sample_weight = (
            None if sample_weight is None else _to_tensor(sample_weight, self.device, dtype)
        )
        self.n_samples = self.X[0].shape[0]

    def __len__(self):
        return self.n_samples

    def _take_x(self, part, index):
        if sp.issparse(part):
            rows = part[index.cpu().numpy()].toarray()
            return torch.from_numpy(rows).to(self.device, self.dtype)
        return part.index_select(0, index)

    def take(self, index):
        """Return the batch ``(X, y)`` of the rows in the index tensor ``index``.

        ``y`` is ``(y, sample_weight)`` when sample weights were given, and
        ``None`` when the data has no targets.
        """
        xs = tuple(self._take_x(part, index) for part in self.X)
        xb = xs if self.is_tuple else xs[0]
        if self.y is None:
            return xb, None
        yb = self.y.index_select(0, index)
        if self.sample_weight is not None:
            yb = (yb, self.sample_weight.index_select(0, index))
        return xb, yb

    def __getitem__(self, i):
        return self.take(torch.as_tensor([i], device=self.device))


class BatchIterator:
    """Iterate over an :class:`ArrayDataset` in mini-batches.

    Each pass draws a fresh permutation from ``generator`` when ``shuffle`` is
    true; the last batch may be smaller than ``batch_size``, as in
    scikit-learn's ``gen_batches``.  With ``merge_singleton``, a last batch
    of a single row is folded into the one before it (batch normalisation
    cannot train on one row), so that batch has ``batch_size + 1`` rows.
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

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.dataset.device)
        else:
            order = torch.arange(n, device=self.dataset.device)
        starts = self._starts()
        for i, start in enumerate(starts):
            stop = starts[i + 1] if i + 1 < len(starts) else n
            yield self.dataset.take(order[start:stop])
