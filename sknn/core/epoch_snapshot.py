"""A reusable copy of the training state, refreshed at the start of every epoch.

:meth:`TrainingNet.train_epochs <sknn.core.net.TrainingNet.train_epochs>` rolls
the weights and the optimizer back to the last completed epoch when an
interrupt arrives in the middle of one.  That needs a copy of the state at
every epoch start, which only an interrupt ever reads, so the copy has to be
cheap: building two ``state_dict``s and cloning them every epoch cost more than
a whole epoch's arithmetic on the small networks of a grid search.

:class:`EpochSnapshot` allocates its buffers once per training run and
refreshes them once per epoch (:func:`copy_tensors`: NumPy copies on the
CPU, one ``torch._foreach_copy_`` elsewhere).  :meth:`EpochSnapshot.restore` copies the values
back *into the live tensors*, so the optimizer's state tensors keep their
identity (the fast path's prepared Adam update holds them), drops optimizer
state created after the snapshot (the first epoch's), and puts the parameter
groups' hyper-parameters (a scheduler's learning rate) back.
"""

import copy

import numpy as np
import torch

from .dtypes import NUMPY_TYPES


class EpochSnapshot:
    """The module's parameters and buffers and the optimizers' state, copied in place.

    Parameters
    ----------
    module : torch.nn.Module
        Its tensors (``parameters()`` and ``buffers()``) are copied; the set of
        tensors must not change during training (it does not in sknn).
    optimizers : list of torch.optim.Optimizer
    """

    def __init__(self, module, optimizers):
        self.module_tensors = [t.detach() for t in (*module.parameters(), *module.buffers())]
        self.optimizers = list(optimizers)
        self._module_copies = [torch.empty_like(t) for t in self.module_tensors]  # take() fills
        self._layout = None  # the optimizer state the lists were built for: tensor ids, keys
        self._saved = None

    def take(self):
        """Copy the current state into the buffers."""
        # The optimizer's state tensors are the same objects from one epoch to
        # the next (updated in place); the copy lists are rebuilt only when
        # the state's layout changed (the first step creates the entries,
        # load_state_dict replaces them).
        states, layout = [], []
        for optimizer in self.optimizers:
            scalars = {}
            for param, entries in optimizer.state.items():
                for key, value in entries.items():
                    if isinstance(value, torch.Tensor):
                        layout.append(id(value))
                    else:
                        layout.append(key)
                        scalars[param, key] = _copy(value)
            groups = [{k: _copy(v) for k, v in group.items() if k != "params"}
                      for group in optimizer.param_groups]
            states.append((scalars, groups))
        if layout != self._layout:
            self._build()
            self._layout = layout
        copy_tensors(self._copies, self._live)
        self._saved = states

    def _build(self):
        """The lists of live tensors and their buffers, and which state entry each is."""
        live, copies = list(self.module_tensors), list(self._module_copies)
        self._entries = []  # per optimizer: {param: {key: buffer or None (a scalar)}}
        for optimizer in self.optimizers:
            entries = {}
            for param, state in optimizer.state.items():
                keys = entries[param] = {}
                for key, value in state.items():
                    if isinstance(value, torch.Tensor):
                        buffer = torch.empty_like(value, memory_format=torch.preserve_format)
                        live.append(value.detach())
                        copies.append(buffer)
                        keys[key] = buffer
                    else:
                        keys[key] = None
            self._entries.append(entries)
        self._live, self._copies = live, copies

    def restore(self):
        """Put the state of the last :meth:`take` back."""
        if self._saved is None:
            raise RuntimeError("restore() before any take()")
        with torch.no_grad():
            live = list(self.module_tensors)
            copies = list(self._module_copies)
            for optimizer, entries, (scalars, groups) in zip(
                    self.optimizers, self._entries, self._saved):
                for param in [p for p in optimizer.state if p not in entries]:
                    del optimizer.state[param]  # created after the snapshot
                for param, keys in entries.items():
                    state = optimizer.state[param]
                    for key in [k for k in state if k not in keys]:
                        del state[key]
                    for key, buffer in keys.items():
                        if buffer is None:
                            state[key] = _copy(scalars[param, key])
                            continue
                        current = state.get(key)
                        if isinstance(current, torch.Tensor) and current.shape == buffer.shape \
                                and current.dtype == buffer.dtype:
                            live.append(current.detach())
                            copies.append(buffer)
                        else:
                            state[key] = buffer.clone()
                for group, hyper in zip(optimizer.param_groups, groups):
                    group.update({k: _copy(v) for k, v in hyper.items()})
            torch._foreach_copy_(live, copies)


_IMMUTABLE = (int, float, bool, str, type(None))


def copy_tensors(destinations, sources):
    """Copy each source tensor into its destination.

    CPU tensors of NumPy's types are copied with NumPy (single-threaded), the
    others with one ``torch._foreach_copy_``: a dense stack trained on the CPU
    fast path then never wakes torch's thread pool between its NumPy steps
    (see :mod:`sknn.core.fast_dense`).
    """
    rest_dst, rest_src = [], []
    for dst, src in zip(destinations, sources):
        if dst.device.type == src.device.type == "cpu" and dst.dtype == src.dtype \
                and dst.dtype in NUMPY_TYPES and dst.shape == src.shape:
            np.copyto(dst.detach().numpy(), src.detach().numpy())
        else:
            rest_dst.append(dst)
            rest_src.append(src)
    if rest_dst:
        with torch.no_grad():
            torch._foreach_copy_(rest_dst, rest_src)


def _copy(value):
    """A copy of a hyper-parameter or scalar state entry (immutable ones as they are)."""
    if type(value) in _IMMUTABLE or (type(value) is tuple
                                     and all(type(v) in _IMMUTABLE for v in value)):
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return copy.deepcopy(value)
