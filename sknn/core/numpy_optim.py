"""torch's Adam, AdamW, SGD and RMSprop updates, computed in NumPy on the optimizer's state.

The CPU fast path (:mod:`sknn.core.fast_dense`) keeps its whole training step
in one thread pool, NumPy's BLAS: a torch kernel in the step (torch's fused
Adam, for instance) would wake torch's OpenMP pool, and on a machine with few
cores the two pools' spinning threads take the cores from each other on every
batch (a 12-45x slowdown measured on 2 cores with default threads).

:class:`NumpyUpdate` runs what ``optimizer.step()`` would, with the same
formulas as torch's single-tensor implementations, on NumPy views of the
optimizer's own state tensors: ``optimizer.state`` and ``state_dict()`` stay
torch's (same keys, shapes and dtypes), so a checkpoint, a warm start, a
``partial_fit`` on the autograd path or a pickle see an ordinary torch
optimizer.  The gradients and the state live in flat buffers (one per
quantity, every parameter a view of it), so that each element-wise stage of
the update is one NumPy call over all parameters.  Settings torch supports but
sknn never sets (AMSGrad, ``maximize``, ``weight_decay`` for Adam/SGD/RMSprop,
dampening, centred or momentum RMSprop, tensor learning rates, several
parameter groups) are not handled here: :func:`unsupported_reason` says so and
the training step falls back to autograd and torch's own ``step``.
"""

import inspect

import numpy as np
import torch

_ADAM, _SGD, _RMSPROP = "adam", "sgd", "rmsprop"


def _kind(optimizer):
    if isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
        return _ADAM
    if isinstance(optimizer, torch.optim.SGD):
        return _SGD
    if isinstance(optimizer, torch.optim.RMSprop):
        return _RMSPROP
    return None


def _decoupled(optimizer, group):
    return bool(group.get("decoupled_weight_decay")) or isinstance(optimizer, torch.optim.AdamW)


def unsupported_reason(optimizer, params):
    """Why :class:`NumpyUpdate` cannot run ``optimizer``'s step over ``params``, or None."""
    kind = _kind(optimizer)
    if kind is None:
        return "optimizer"
    if inspect.unwrap(type(optimizer).step) is not inspect.unwrap(_STEP_OF[kind](optimizer)):
        return "optimizer step is overridden"
    if optimizer._optimizer_step_pre_hooks or optimizer._optimizer_step_post_hooks:
        return "optimizer hooks"
    from torch.optim import optimizer as _optimizer

    if _optimizer._global_optimizer_pre_hooks or _optimizer._global_optimizer_post_hooks:
        return "optimizer hooks"
    if len(optimizer.param_groups) != 1:
        return "several parameter groups"
    group = optimizer.param_groups[0]
    grouped = group["params"]
    if len(grouped) != len(params) or any(a is not b for a, b in zip(grouped, params)):
        return "optimizer parameters differ from the module's"
    if isinstance(group["lr"], torch.Tensor) or group.get("differentiable") \
            or group.get("maximize") or group.get("capturable"):
        return "optimizer settings"
    if kind == _ADAM:
        if group.get("amsgrad") or (group["weight_decay"] and not _decoupled(optimizer, group)):
            return "optimizer settings"
        if isinstance(group["betas"][0], torch.Tensor) or isinstance(group["betas"][1],
                                                                       torch.Tensor):
            return "optimizer settings"
    elif kind == _SGD:
        if group["weight_decay"] or group["dampening"]:
            return "optimizer settings"
    elif group["weight_decay"] or group["momentum"] or group["centered"]:
        return "optimizer settings"
    return None


_STEP_OF = {
    _ADAM: lambda opt: (torch.optim.AdamW if isinstance(opt, torch.optim.AdamW)
                        else torch.optim.Adam).step,
    _SGD: lambda opt: torch.optim.SGD.step,
    _RMSPROP: lambda opt: torch.optim.RMSprop.step,
}


class NumpyUpdate:
    """One optimizer step over ``params``, in NumPy; gradients read from ``flat_grad``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Supported per :func:`unsupported_reason`; its state is created (on the
        first call) or adopted into flat buffers, keeping torch's layout.
    params : list of torch.Tensor
        The optimizer's parameters, in its order (CPU, one dtype).
    flat_grad : numpy.ndarray
        One buffer holding every parameter's gradient, in that order (each
        ``param.grad`` is a view of it).
    """

    def __init__(self, optimizer, params, flat_grad):
        self.optimizer = optimizer
        self.kind = _kind(optimizer)
        self.params = list(params)
        self.np_params = [p.detach().numpy() for p in self.params]
        self.grad = flat_grad
        sizes = [p.numel() for p in self.params]
        self.bounds = list(zip(np.cumsum([0] + sizes[:-1]).tolist(), np.cumsum(sizes).tolist()))
        self.scratch = np.empty_like(flat_grad)
        self.group = None

    # -- state ----------------------------------------------------------------
    def _flat_state(self, key, fill=None):
        """One flat buffer for state entry ``key``, its per-parameter views put in the state."""
        state = self.optimizer.state
        flat = np.empty_like(self.grad)
        present = all(key in state.get(p, {}) and state[p][key] is not None for p in self.params)
        for p, (a, b) in zip(self.params, self.bounds):
            view = flat[a:b]
            if present:
                view[...] = state[p][key].detach().reshape(-1).numpy()
            elif fill is not None:
                view[...] = fill
            state[p][key] = torch.from_numpy(view.reshape(p.shape))
        return flat, present

    def _flat_steps(self):
        """The step counters as views of one float32 array (torch keeps 0-d tensors)."""
        state = self.optimizer.state
        steps = np.zeros(len(self.params), dtype=np.float32)
        for i, p in enumerate(self.params):
            old = state[p].get("step")
            if old is not None:
                steps[i] = float(old)
            state[p]["step"] = torch.from_numpy(steps[i:i + 1].reshape(()))
        return steps

    def _adopt(self):
        """Gather (or create) the optimizer's state into flat buffers."""
        optimizer = self.optimizer
        self.group = optimizer.param_groups[0]
        for p in self.params:
            optimizer.state.setdefault(p, {})
        self.buffers = {}
        if self.kind == _ADAM:
            self.steps = self._flat_steps()
            self.buffers["exp_avg"], _ = self._flat_state("exp_avg", 0.0)
            self.buffers["exp_avg_sq"], _ = self._flat_state("exp_avg_sq", 0.0)
        elif self.kind == _RMSPROP:
            self.steps = self._flat_steps()
            self.buffers["square_avg"], _ = self._flat_state("square_avg", 0.0)
        elif self.group["momentum"]:
            self.buffers["momentum_buffer"], self.has_momentum = self._flat_state(
                "momentum_buffer")
        first = next(iter(self.buffers), None)
        self.marker = optimizer.state[self.params[0]][first] if first else None
        self.first = first

    def _is_current(self):
        """Whether the optimizer still holds the state gathered (no load_state_dict since)."""
        optimizer = self.optimizer
        if self.group is None or optimizer.param_groups[0] is not self.group:
            return False
        return self.first is None or \
            optimizer.state.get(self.params[0], {}).get(self.first) is self.marker

    # -- the update -----------------------------------------------------------
    def __call__(self):
        if not self._is_current():
            self._adopt()
        group = self.group
        lr = float(group["lr"])
        g, s = self.grad, self.scratch
        if self.kind == _ADAM:
            beta1, beta2 = (float(b) for b in group["betas"])
            self.steps += 1
            step = float(self.steps[0])
            m, v = self.buffers["exp_avg"], self.buffers["exp_avg_sq"]
            if group["weight_decay"]:  # AdamW's decoupled decay
                for p in self.np_params:
                    p *= 1.0 - lr * group["weight_decay"]
            np.subtract(g, m, out=s)  # exp_avg.lerp_(grad, 1 - beta1)
            s *= 1.0 - beta1
            m += s
            np.multiply(g, g, out=s)  # exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2)
            s *= 1.0 - beta2
            v *= beta2
            v += s
            bias_correction1 = 1.0 - beta1 ** step
            bias_correction2_sqrt = (1.0 - beta2 ** step) ** 0.5
            np.sqrt(v, out=s)  # denom = sqrt(v) / sqrt(bc2) + eps
            s /= bias_correction2_sqrt
            s += group["eps"]
            np.divide(m, s, out=s)
            s *= -lr / bias_correction1
        elif self.kind == _RMSPROP:
            alpha = float(group["alpha"])
            self.steps += 1
            v = self.buffers["square_avg"]
            np.multiply(g, g, out=s)
            s *= 1.0 - alpha
            v *= alpha
            v += s
            np.sqrt(v, out=s)
            s += group["eps"]
            np.divide(g, s, out=s)
            s *= -lr
        else:
            momentum = float(group["momentum"])
            if momentum:
                buf = self.buffers["momentum_buffer"]
                if self.has_momentum:
                    buf *= momentum
                    buf += g
                else:  # torch's first step: buf = grad.clone()
                    buf[...] = g
                    self.has_momentum = True
                if group["nesterov"]:
                    np.multiply(buf, momentum, out=s)
                    s += g
                else:
                    s[...] = buf
                s *= -lr
            else:
                np.multiply(g, -lr, out=s)
        for p, (a, b) in zip(self.np_params, self.bounds):
            p += s[a:b].reshape(p.shape)
        self.optimizer._opt_called = True  # what schedulers' wrapper of step() records
