"""The CPU fast path: a training step for a dense stack without autograd.

For the small networks scikit-learn users tune on a CPU (tens to hundreds of
units, batches of 200), a training step costs less in arithmetic than in
autograd's bookkeeping and per-operation Python.  This step computes the
forward pass, the loss gradient in closed form and the backward pass of a
:class:`~sknn.modules.DenseStack` by hand, in buffers reused from step to
step, writes the gradients to the parameters' ``.grad``, and then runs the
optimizer's own update (:mod:`sknn.core.fast_optim`).  The matrix products
run in NumPy's BLAS on the tensors' memory (``np.dot`` with ``out=``, no
copy), which for these shapes was faster than torch's MKL build on the
machines measured; the activations' backward uses autograd's own kernels in
place.  The weights are those of the autograd path up to rounding.

When it applies
---------------
:func:`decline_reason` is the whole dispatch decision, taken at the first step
of every ``fit``/``partial_fit`` by
:meth:`TrainingNet.train_step <sknn.core.net.TrainingNet.train_step>`.  The
fast path runs only when every one of these holds, and otherwise the step
falls back to autograd (skorch's ``train_step``):

* it is not switched off: ``TrainingNet.fast_path`` is true and the
  environment variable ``SKNN_FAST_PATH`` is not ``0``;
* the module is a ``DenseStack`` made of ``Linear`` layers and one activation
  (identity, logistic, tanh, relu, exact gelu) between them: no dropout, no
  batch normalisation, no output activation, no module or parameter hooks;
  every parameter trainable, on the CPU, float32 or float64;
* the criterion is sknn's ``WeightedLoss`` with ``'cross_entropy'``
  (softmax outputs), ``'binary_cross_entropy'`` (logistic outputs: binary and
  multilabel), ``'squared_error'`` or ``'poisson'`` (any other kind falls
  back);
* the optimizer is torch's Adam, AdamW, SGD or RMSprop (any of their
  settings) over exactly the module's parameters, with no step hooks
  (L-BFGS needs a closure and falls back);
* every callback is one this step serves as skorch would (epoch timer, print
  log, progress bar, sknn's stopping rule, ``LRScheduler``,
  ``GradientNormClipping``); any other callback falls back, as it may need
  the autograd graph or the module's forward;
* the net is sknn's ``TrainingNet`` with its own loss and step methods, is
  not compiled, trains in full precision (no autocast), and gets no extra
  fit parameters.
"""

import functools
import os
import weakref

import numpy as np
import torch
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator
from torch import nn
from torch.nn import functional as F

from .fast_optim import fused_update_for, raw_step, raw_step_for
from .losses import WeightedLoss, _effective_count

_ACTIVATIONS = {nn.Identity: "identity", nn.Sigmoid: "logistic", nn.Tanh: "tanh",
                nn.ReLU: "relu", nn.GELU: "gelu"}
_LOSSES = ("cross_entropy", "binary_cross_entropy", "squared_error", "poisson")
# the kernels autograd runs for the activations' backward, writing in place
_THRESHOLD_BACKWARD = torch.ops.aten.threshold_backward.grad_input
_SIGMOID_BACKWARD = torch.ops.aten.sigmoid_backward.grad_input
_TANH_BACKWARD = torch.ops.aten.tanh_backward.grad_input
_GELU_BACKWARD = torch.ops.aten.gelu_backward.grad_input


@functools.cache
def _safe_callbacks():
    from skorch.callbacks import (
        EpochTimer,
        GradientNormClipping,
        LRScheduler,
        PrintLog,
        ProgressBar,
    )

    from .net import _LongEpochProgressBar
    from .stopping import SklearnStopping

    return (EpochTimer, PrintLog, ProgressBar, _LongEpochProgressBar, SklearnStopping,
            LRScheduler, GradientNormClipping)


def _has_hooks(module):
    for m in module.modules():
        if (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks
                or getattr(m, "_backward_pre_hooks", None)):
            return True
    for p in module.parameters():
        if p._backward_hooks or getattr(p, "_post_accumulate_grad_hooks", None):
            return True
    from torch.nn.modules import module as _module

    return bool(_module._global_forward_hooks or _module._global_forward_pre_hooks
                or _module._global_backward_hooks
                or getattr(_module, "_global_backward_pre_hooks", None))


def _structure(module):
    """``(linear layers, activation name)`` of a plain dense stack, or None."""
    from ..modules.dense import DenseStack

    if type(module) is not DenseStack:
        return None
    layers = list(module)
    if not layers or len(layers) % 2 != 1:
        return None
    linears, acts = layers[0::2], layers[1::2]
    if any(type(layer) is not nn.Linear or layer.bias is None for layer in linears):
        return None
    names = {_ACTIVATIONS.get(type(act)) for act in acts}
    if None in names or len(names) > 1:
        return None
    if any(isinstance(act, nn.GELU) and act.approximate != "none" for act in acts):
        return None
    return linears, (names.pop() if names else "identity")


def decline_reason(net, fit_params=None):
    """Why the fast path does not apply to ``net`` now, or None when it does.

    The one place that decides between the fast path and autograd; the rules
    are listed in this module's docstring.
    """
    from .net import TrainingNet

    if not getattr(net, "fast_path", False) or os.environ.get("SKNN_FAST_PATH") == "0":
        return "switched off"
    if fit_params:
        return "fit parameters"
    for name in ("train_step_single", "get_loss", "infer", "train_step"):
        if getattr(type(net), name) is not getattr(TrainingNet, name):
            return f"{name} is overridden"
    if getattr(net, "compile", False):
        return "compile"
    if str(getattr(net, "precision", "32")) not in ("32", "None"):
        return "precision"
    if torch.is_autocast_enabled("cpu"):
        return "autocast"
    if getattr(net, "grad_scaler_", None) is not None:
        return "gradient scaling"
    module = net.module_
    structure = _structure(module)
    if structure is None:
        return "not a plain DenseStack"
    params = list(module.parameters())
    if any(p.device.type != "cpu" or p.dtype not in (torch.float32, torch.float64)
           or not p.requires_grad for p in params):
        return "parameters not trainable float32/float64 on the CPU"
    if _has_hooks(module):
        return "hooks"
    criterion = net.criterion_
    if type(criterion) is not WeightedLoss or criterion.kind not in _LOSSES:
        return "loss"
    if list(criterion.parameters()):
        return "criterion has parameters"
    if set(net._optimizers) != {"optimizer"}:
        return "several optimizers"
    optimizer = net.optimizer_
    if raw_step_for(optimizer) is None:
        return "optimizer"
    grouped = [p for group in optimizer.param_groups for p in group["params"]]
    if len(grouped) != len(params) or {id(p) for p in grouped} != {id(p) for p in params}:
        return "optimizer parameters differ from the module's"
    safe = _safe_callbacks()
    for _, callback in net.callbacks_:
        if type(callback) not in safe:
            return f"callback {type(callback).__name__}"
    return None


class DenseFastStep:
    """One training step of a dense stack by hand; buffers kept between steps.

    Call it with the net and a batch ``(X, y)`` or ``(X, (y, sample_weight))``;
    it updates the parameters and returns skorch's step dict
    ``{'loss', 'y_pred'}`` (``y_pred`` is a buffer overwritten by the next
    step).
    """

    def __init__(self, net):
        linears, self.activation = _structure(net.module_)
        self.weights = [layer.weight.detach() for layer in linears]
        self.biases = [layer.bias.detach() for layer in linears]
        for layer in linears:
            for p in (layer.weight, layer.bias):
                grad = p.grad
                if grad is None or grad.shape != p.shape or grad.requires_grad \
                        or not grad.is_contiguous():
                    p.grad = torch.zeros_like(p, memory_format=torch.contiguous_format)
        self.weight_grads = [layer.weight.grad for layer in linears]
        # NumPy views of the same memory, for the matrix products
        self.np_weights = [w.numpy() for w in self.weights]
        self.np_biases = [b.numpy() for b in self.biases]
        self.np_weight_grads = [g.numpy() for g in self.weight_grads]
        self.np_bias_grads = [layer.bias.grad.numpy() for layer in linears]
        self.kind = net.criterion_.kind
        self.class_weight = net.criterion_.class_weight
        self.alpha = float(net.alpha)
        self.optimizer = net.optimizer_
        self.step_fn = raw_step_for(self.optimizer)
        self.update = None  # the prepared fused Adam update, once the state exists
        self.dtype = self.weights[0].dtype
        self.notify_grads = any(
            type(cb).on_grad_computed is not Callback.on_grad_computed
            for _, cb in net.callbacks_)
        self.rows = 0

    def _buffers(self, n):
        """(Re)allocate the per-layer buffers for batches of up to ``n`` rows."""
        widths = [w.shape[0] for w in self.weights]
        self.z = [torch.empty((n, k), dtype=self.dtype) for k in widths]
        self.a = ([torch.empty((n, k), dtype=self.dtype) for k in widths[:-1]]
                  if self.activation == "gelu" else None)
        self.d = [torch.empty((n, k), dtype=self.dtype) for k in widths[:-1]]
        self.np_z = [z.numpy() for z in self.z]
        self.np_d = [d.numpy() for d in self.d]
        self.minus_one = torch.full((n, 1), -1.0, dtype=self.dtype)
        self.np_ones = np.ones(n, dtype=self.np_z[0].dtype)  # bias gradients as ones @ grad
        self.rows = n

    def __call__(self, net, batch):
        net._set_training(True)
        with torch.no_grad():
            loss, out = self._forward_backward(*batch)
            if self.notify_grads:
                net.notify("on_grad_computed",
                           named_parameters=TeeGenerator(net.get_all_learnable_params()),
                           batch=batch, training=True)
            if self.update is not None and self.update.is_current():
                self.update()
            else:
                raw_step(self.optimizer, self.step_fn)
                self.update = fused_update_for(self.optimizer)
        return {"loss": loss, "y_pred": out}

    def _forward_backward(self, X, y):
        sample_weight = None
        if isinstance(y, tuple):
            y, sample_weight = y
        n = X.shape[0]
        if n > self.rows:
            self._buffers(n)
        full = n == self.rows
        if X.dtype != self.dtype:
            X = X.to(self.dtype)
        act = self.activation
        last = len(self.weights) - 1

        # forward: z_i = a_{i-1} W_i^T + b_i; a_i = f(z_i) (in place unless gelu)
        inputs = [X]
        np_inputs = [X.numpy()]
        for i in range(last + 1):
            z, np_z = (self.z[i], self.np_z[i]) if full else (self.z[i][:n], self.np_z[i][:n])
            np.dot(np_inputs[-1], self.np_weights[i].T, out=np_z)
            np.add(np_z, self.np_biases[i], out=np_z)
            if i == last:
                break
            if act == "relu":
                np.maximum(np_z, 0, out=np_z)
            elif act == "logistic":
                z.sigmoid_()
            elif act == "tanh":
                np.tanh(np_z, out=np_z)
            elif act == "gelu":
                z = torch.ops.aten.gelu.out(z, out=self.a[i] if full else self.a[i][:n])
                np_z = z.numpy()
            inputs.append(z)
            np_inputs.append(np_z)
        out = z

        # loss and its gradient with respect to the output, dL/dout
        loss, grad, n_effective = self._loss_and_grad(out, y, sample_weight, full)

        # penalty: its value joins the loss, its gradient alpha / n * W joins grad W
        scale = 0.0
        if self.alpha:
            squares = sum(np.dot(w.ravel(), w.ravel()) for w in self.np_weights)
            if isinstance(n_effective, torch.Tensor):
                loss = loss + (0.5 * self.alpha) * float(squares) / n_effective
                scale = float(self.alpha / n_effective)
            else:
                scale = self.alpha / n_effective
                loss = loss + float(squares) * (0.5 * scale)

        # backward
        np_grad = grad.numpy()
        ones = self.np_ones if full else self.np_ones[:n]
        for i in range(last, -1, -1):
            np_weight_grad = self.np_weight_grads[i]
            np.dot(np_grad.T, np_inputs[i], out=np_weight_grad)
            if scale:
                self.weight_grads[i].add_(self.weights[i], alpha=scale)
            np.dot(ones, np_grad, out=self.np_bias_grads[i])  # BLAS gemv: faster than a sum
            if i == 0:
                break
            d, np_d = (self.d[i - 1], self.np_d[i - 1]) if full else (
                self.d[i - 1][:n], self.np_d[i - 1][:n])
            np.dot(np_grad, self.np_weights[i], out=np_d)
            a = inputs[i]
            if act == "relu":
                _THRESHOLD_BACKWARD(d, a, 0, grad_input=d)
            elif act == "logistic":
                _SIGMOID_BACKWARD(d, a, grad_input=d)
            elif act == "tanh":
                _TANH_BACKWARD(d, a, grad_input=d)
            elif act == "gelu":
                _GELU_BACKWARD(d, self.z[i - 1] if full else self.z[i - 1][:n], grad_input=d)
            grad, np_grad = d, np_d
        return loss, out

    def _loss_and_grad(self, out, y, sample_weight, full):
        """The batch loss as ``WeightedLoss`` computes it, dloss/dout, and the sample count."""
        n = out.shape[0]
        class_weight = self.class_weight
        weighted = sample_weight is not None or class_weight is not None
        if weighted:
            w = sample_weight if sample_weight is not None else out.new_ones(n)
            total = w.sum()
            n_effective = _effective_count(total)  # +inf for an all-zero batch: no penalty
            if class_weight is not None:
                w = w * class_weight.index_select(0, y.reshape(-1).to(torch.int64))
            coef = w / total.clamp_min(1e-12)
        else:
            n_effective = n
        if self.kind == "cross_entropy":
            logp = torch.log_softmax(out, 1)
            target = y.view(n, 1)
            if weighted:
                loss = torch.dot(coef.to(logp.dtype), logp.gather(1, target).view(n)).neg()
            else:
                loss = F.nll_loss(logp, y)
            grad = logp.exp_()
            grad.scatter_add_(1, target, self.minus_one if full else self.minus_one[:n])
        elif self.kind == "squared_error":
            grad = out - y.view(out.shape)
            per_sample = grad.pow(2).mean(dim=1)
            loss = (torch.dot(coef.to(per_sample.dtype), per_sample) if weighted
                    else per_sample.mean()) * 0.5
            grad.div_(grad.shape[1])
        else:  # binary_cross_entropy (logistic outputs) or poisson (exp outputs)
            target = y.reshape(out.shape).to(out.dtype)
            if self.kind == "binary_cross_entropy":
                per_sample = F.binary_cross_entropy_with_logits(
                    out, target, reduction="none").sum(dim=1)
                grad = torch.sigmoid(out).sub_(target)
            else:
                mean = torch.exp(out)
                per_sample = (torch.xlogy(target, target) - target * out - target
                              + mean).sum(dim=1)
                grad = mean.sub_(target)
            loss = (torch.dot(coef.to(per_sample.dtype), per_sample) if weighted
                    else per_sample.mean())
        if weighted:
            grad.mul_(coef.view(n, 1))
        else:
            grad.div_(n)
        return loss, grad, n_effective


# net -> step (None: declined): the decision and buffers of the net's current
# training run, kept outside the net so that they are never pickled with it.
_STEPS = weakref.WeakKeyDictionary()


def fast_step_for(net, fit_params):
    """The fast step for ``net``'s current training run, or None to use autograd.

    :func:`decline_reason` is asked at the first step of each run (each
    ``fit``/``partial_fit``: :func:`new_training_run` forgets the last
    decision); the step and its buffers are kept for the rest of the run.
    """
    if fit_params:
        return None
    try:
        return _STEPS[net]
    except KeyError:
        step = None if decline_reason(net) else DenseFastStep(net)
        _STEPS[net] = step
        return step


def new_training_run(net):
    """Forget the decision and buffers of ``net``'s previous training run."""
    _STEPS.pop(net, None)
