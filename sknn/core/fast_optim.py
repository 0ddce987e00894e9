"""torch's stochastic optimizers, without importing torch's compiler stack.

Every ``torch.optim.Optimizer`` imports ``torch._dynamo`` (about two seconds
in a fresh process, paid again by every joblib worker) the first time
``add_param_group`` runs, which ``Optimizer.__init__`` does, and again in
``step``/``zero_grad``: these methods are wrapped to switch dynamo off or to
mark graph breaks, which only matters inside ``torch.compile``.

* :class:`Adam`, :class:`AdamW`, :class:`SGD` and :class:`RMSprop` are torch's
  classes (``isinstance`` holds, state and ``state_dict`` are the same) whose
  construction, ``state_dict`` and ``load_state_dict`` do not import
  ``torch._dynamo``; their ``step`` and ``zero_grad`` are torch's.

The CPU fast path does not call ``step``: it runs the same update in NumPy on
the optimizer's own state (:mod:`sknn.core.numpy_optim`).
"""

import inspect

import torch

# Optimizer methods without their ``torch._disable_dynamo`` wrapper (which
# imports torch._dynamo on its first call): building an optimizer calls
# add_param_group; the training loop's per-epoch checkpoint (and pickling
# round trips) call state_dict and load_state_dict.
_ADD_PARAM_GROUP = inspect.unwrap(torch.optim.Optimizer.add_param_group)
_STATE_DICT = inspect.unwrap(torch.optim.Optimizer.state_dict)
_LOAD_STATE_DICT = inspect.unwrap(torch.optim.Optimizer.load_state_dict)


class _WithoutDynamo:
    """Optimizer methods that skip the wrapper importing ``torch._dynamo``."""

    def add_param_group(self, param_group):
        _ADD_PARAM_GROUP(self, param_group)

    def state_dict(self):
        return _STATE_DICT(self)

    def load_state_dict(self, state_dict):
        _LOAD_STATE_DICT(self, state_dict)


class Adam(_WithoutDynamo, torch.optim.Adam):
    """``torch.optim.Adam``, built without importing ``torch._dynamo``."""


class AdamW(_WithoutDynamo, torch.optim.AdamW):
    """``torch.optim.AdamW``, built without importing ``torch._dynamo``."""


class SGD(_WithoutDynamo, torch.optim.SGD):
    """``torch.optim.SGD``, built without importing ``torch._dynamo``."""


class RMSprop(_WithoutDynamo, torch.optim.RMSprop):
    """``torch.optim.RMSprop``, built without importing ``torch._dynamo``."""
