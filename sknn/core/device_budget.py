"""How much device memory the training data may take before sknn streams it from the host.

When a fit runs on an accelerator, sknn copies the training data to the device once
if they fit a *budget*, and otherwise leaves them on the host and copies each
mini-batch as it is needed (see :mod:`sknn.core.batches`).  The budget is, in
order of precedence:

1. the value set with :func:`set_device_data_budget` or, for a block of code, with
   the :func:`device_data_budget` context manager;
2. the environment variable ``SKNN_DEVICE_DATA_BUDGET`` (handy for Dask workers,
   which do not share the client's Python state);
3. :data:`DEFAULT_FRACTION` of the device's free memory at the start of the fit.

A budget is either a fraction in ``[0, 1]`` of the free device memory (a float,
``"0.25"`` in the environment) or a number of bytes (an int, ``"2000000000"``).
``0`` always streams.

On the CPU the data already live in the device's memory and are never copied
(the batches are cut from the caller's array), so only a byte budget has an
effect there: ``0`` runs the host-streaming code path, which is how the test
suite checks that it gives the same results as the device-resident one.
"""

import os
from contextlib import contextmanager

import torch

DEFAULT_FRACTION = 0.5
"""Fraction of the free device memory the training data may take by default."""

ENV_VAR = "SKNN_DEVICE_DATA_BUDGET"

_budget = None


def _parse(budget):
    if budget is None:
        return None
    if isinstance(budget, str):
        text = budget.strip()
        budget = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(budget, bool) or not isinstance(budget, (int, float)):
        raise TypeError(f"a device data budget is a fraction or a byte count, got {budget!r}")
    if budget < 0 or (isinstance(budget, float) and budget > 1):
        raise ValueError(
            f"a device data budget is a fraction in [0, 1] (float) or a number of bytes "
            f"(int >= 0), got {budget!r}")
    return budget


def set_device_data_budget(budget):
    """Set the budget for all later fits; ``None`` restores the default.

    Returns the previous setting.
    """
    global _budget
    previous, _budget = _budget, _parse(budget)
    return previous


@contextmanager
def device_data_budget(budget):
    """Use ``budget`` for the fits inside the ``with`` block.

    ``with device_data_budget(0): clf.fit(X, y)`` streams every batch from host memory.
    """
    previous = set_device_data_budget(budget)
    try:
        yield
    finally:
        set_device_data_budget(previous)


def current_budget():
    """The budget in force: an int (bytes), a float (fraction of free memory)."""
    if _budget is not None:
        return _budget
    env = os.environ.get(ENV_VAR)
    if env:
        return _parse(env)
    return DEFAULT_FRACTION


def _free_bytes(device):
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free
    return None


def fits_on_device(nbytes, device):
    """Whether data of ``nbytes`` bytes may be copied to ``device`` in one piece."""
    device = torch.device(device)
    budget = current_budget()
    if budget == 0:
        return False
    if isinstance(budget, int):
        return nbytes <= budget
    free = _free_bytes(device)
    if free is None:  # the CPU, or an accelerator whose free memory torch cannot report
        return True
    return nbytes <= budget * free
