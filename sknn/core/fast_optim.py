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
* :func:`raw_step` runs the same ``step`` without its wrappers, which the
  fast training path (:mod:`sknn.core.fast_dense`) calls under ``no_grad``:
  the same update, computed by the same (fused) kernels, without the import.
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


# The optimizers whose step the fast path may run, and that step unwrapped
# (no profiler hook, no grad-mode switch, no dynamo graph breaks).
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


class _FusedAdamUpdate:
    """torch's fused Adam/AdamW update with the tensor lists gathered once.

    What ``Adam.step`` ends up doing for one parameter group with
    ``fused=True`` on one device and dtype (``_foreach_add_`` on the step
    counters, then ``torch._fused_adam_``/``_fused_adamw_``), without
    rebuilding and regrouping the lists on every step.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.group = group = optimizer.param_groups[0]
        states = [optimizer.state[p] for p in group["params"]]
        self.params = list(group["params"])
        self.grads = [p.grad for p in self.params]
        self.exp_avgs = [s["exp_avg"] for s in states]
        self.exp_avg_sqs = [s["exp_avg_sq"] for s in states]
        self.max_exp_avg_sqs = [s["max_exp_avg_sq"] for s in states] if group["amsgrad"] else []
        # The step counters become views of one tensor, so that counting a
        # step is one add_ instead of a _foreach_add_ over one 0-d tensor per
        # parameter (which cost more than the Adam update of a small network).
        steps = [s["step"] for s in states]
        self.flat_steps = torch.stack([step.detach() for step in steps])
        for i, state in enumerate(states):
            state["step"] = self.flat_steps[i]
        self.steps = [s["step"] for s in states]
        self.kernel = (torch._fused_adamw_ if group.get("decoupled_weight_decay")
                       or isinstance(optimizer, torch.optim.AdamW) else torch._fused_adam_)

    def is_current(self):
        """Whether the optimizer still holds the state tensors gathered (no load_state_dict)."""
        optimizer = self.optimizer
        return (optimizer.param_groups[0] is self.group
                and optimizer.state.get(self.params[0], {}).get("exp_avg") is self.exp_avgs[0])

    def __call__(self):
        group = self.group
        beta1, beta2 = group["betas"]
        self.flat_steps.add_(1)
        self.kernel(self.params, self.grads, self.exp_avgs, self.exp_avg_sqs,
                    self.max_exp_avg_sqs, self.steps, amsgrad=group["amsgrad"], lr=group["lr"],
                    beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"],
                    eps=group["eps"], maximize=group["maximize"], grad_scale=None,
                    found_inf=None)


def fused_update_for(optimizer):
    """A prepared :class:`_FusedAdamUpdate` for ``optimizer``, or None.

    Only for torch's Adam/AdamW with one parameter group, ``fused=True``, a
    float learning rate, every parameter on the CPU in one dtype with its
    gradient in ``.grad`` and its state already created (by a first
    :func:`raw_step`).  Anything else keeps using :func:`raw_step`.
    """
    if not isinstance(optimizer, torch.optim.Adam) or len(optimizer.param_groups) != 1:
        return None
    if getattr(optimizer, "grad_scale", None) is not None or \
            getattr(optimizer, "found_inf", None) is not None:
        return None
    group = optimizer.param_groups[0]
    if not group.get("fused") or group.get("capturable") or group.get("differentiable") \
            or isinstance(group["lr"], torch.Tensor):
        return None
    params = group["params"]
    if len({(p.device, p.dtype) for p in params}) != 1 or params[0].device.type != "cpu":
        return None
    for p in params:
        state = optimizer.state.get(p)
        if p.grad is None or not state or "exp_avg" not in state or \
                (group["amsgrad"] and "max_exp_avg_sq" not in state):
            return None
    return _FusedAdamUpdate(optimizer)
