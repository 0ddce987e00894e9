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

:func:`raw_step` runs ``step`` without its wrappers, for autograd training
steps that should not import ``torch._dynamo`` either.  The CPU fast path
does not call ``step``: it runs the same update in NumPy on the optimizer's
own state (:mod:`sknn.core.numpy_optim`).
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


# The optimizers whose step may run unwrapped (no profiler hook, no grad-mode
# switch, no dynamo graph breaks): the tabular estimators' autograd steps do.
_RAW_STEPS = {cls: inspect.unwrap(cls.step) for cls in (
    torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD, torch.optim.RMSprop)}


def raw_step_for(optimizer):
    """The unwrapped ``step`` function of ``optimizer``, or None when it is not supported.

    Supported: torch's Adam, AdamW, SGD and RMSprop (and the classes above),
    not differentiable, without step hooks (registered on the optimizer or
    globally), with gradients read from ``.grad``.
    """
    base = next((cls for cls in type(optimizer).__mro__ if cls in _RAW_STEPS), None)
    if base is None or inspect.unwrap(type(optimizer).step) is not _RAW_STEPS[base]:
        return None
    if optimizer._optimizer_step_pre_hooks or optimizer._optimizer_step_post_hooks:
        return None
    from torch.optim import optimizer as _optimizer

    if _optimizer._global_optimizer_pre_hooks or _optimizer._global_optimizer_post_hooks:
        return None
    if any(group.get("differentiable") for group in optimizer.param_groups):
        return None
    return _RAW_STEPS[base]


def raw_step(optimizer, step):
    """Run ``step`` (from :func:`raw_step_for`) on ``optimizer``, as ``optimizer.step()`` does.

    Marks the step as taken for learning-rate schedulers (what their wrapper
    of ``optimizer.step`` does).  Call it under ``torch.no_grad()``.
    """
    step(optimizer)
    optimizer._opt_called = True

