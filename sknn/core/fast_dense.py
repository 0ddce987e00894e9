"""The CPU fast path: a training step for a dense stack without autograd, in NumPy.

For the small networks scikit-learn users tune on a CPU (tens to hundreds of
units, batches of 200), a training step costs less in arithmetic than in
autograd's bookkeeping and per-operation Python.  This step computes the
forward pass, the loss gradient in closed form (:mod:`sknn.core.fast_loss`)
and the backward pass of a :class:`~sknn.modules.DenseStack` by hand, in
buffers reused from step to step, writes the gradients to the parameters'
``.grad`` (views of one flat buffer), and then runs the optimizer's update
(:mod:`sknn.core.numpy_optim`, on the optimizer's own state).  The weights
are those of the autograd path up to rounding.

One thread pool
---------------
Every part of the step runs in NumPy: the matrix products in NumPy's BLAS on
the tensors' memory (``np.dot`` with ``out=``, no copy; for these shapes
OpenBLAS was faster than torch's MKL build on the machines measured), the
element-wise work in NumPy's single-threaded loops.  No torch kernel runs in
a step.  An earlier version mixed the two (products in NumPy, loss and Adam in
torch): each batch then woke BLAS's threads and torch's OpenMP threads in
turn, and with default thread settings the spinning threads of each pool took
the cores from the other, 12-45x slower on 2 cores than with one thread per
pool.  For the same reason, :func:`numpy_forward_for` gives prediction (and
the early-stopping validation pass) the same NumPy forward, and the batches
are cut with NumPy (:mod:`sknn.core.batches`).

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
* the optimizer is torch's Adam, AdamW, SGD or RMSprop with the settings
  sknn gives them (:func:`sknn.core.numpy_optim.unsupported_reason`) over
  exactly the module's parameters, with no step hooks (L-BFGS has its own
  driver, :mod:`sknn.core.lbfgs`);
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
from scipy.special import expit, ndtr
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator
from torch import nn

from .dtypes import NUMPY_TYPES
from .fast_loss import batch_weights, loss_and_grad
from .losses import WeightedLoss
from .numpy_optim import NumpyUpdate, unsupported_reason

_ACTIVATIONS = {nn.Identity: "identity", nn.Sigmoid: "logistic", nn.Tanh: "tanh",
                nn.ReLU: "relu", nn.GELU: "gelu"}
_LOSSES = ("cross_entropy", "binary_cross_entropy", "squared_error", "poisson")
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
    from .lbfgs import LBFGSB

    if not isinstance(net.optimizer_, LBFGSB):  # L-BFGS only asks for loss and gradient
        reason = unsupported_reason(net.optimizer_, params)
        if reason is not None:
            return reason
    safe = _safe_callbacks()
    for _, callback in net.callbacks_:
        if type(callback) not in safe:
            return f"callback {type(callback).__name__}"
    return None


class DenseFastStep:
    """One training step of a dense stack by hand, in NumPy; buffers kept between steps.

    Call it with the net and a batch ``(X, y)`` or ``(X, (y, sample_weight))``;
    it updates the parameters and returns skorch's step dict
    ``{'loss', 'y_pred'}`` (``loss`` a float, ``y_pred`` a buffer overwritten
    by the next step).  No torch kernel runs in a step (see the module
    docstring): one thread pool, NumPy's BLAS, does all the work.
    """

    def __init__(self, net):
        linears, self.activation = _structure(net.module_)
        params = [p for layer in linears for p in (layer.weight, layer.bias)]
        self.dtype = params[0].dtype
        self.np_dtype = np.dtype(NUMPY_TYPES[self.dtype])
        # every gradient a view of one flat buffer: the optimizer's update
        # then runs one NumPy call per stage over all parameters
        flat_grad = np.zeros(sum(p.numel() for p in params), dtype=self.np_dtype)
        views, start = [], 0
        for p in params:
            view = flat_grad[start:start + p.numel()].reshape(tuple(p.shape))
            p.grad = torch.from_numpy(view)
            views.append(view)
            start += p.numel()
        self.flat_grad = flat_grad
        self.np_weight_grads, self.np_bias_grads = views[0::2], views[1::2]
        self.np_weights = [layer.weight.detach().numpy() for layer in linears]
        self.np_biases = [layer.bias.detach().numpy() for layer in linears]
        self.kind = net.criterion_.kind
        class_weight = net.criterion_.class_weight
        self.class_weight = None if class_weight is None else class_weight.cpu().numpy()
        self.alpha = float(net.alpha)
        self.update = NumpyUpdate(net.optimizer_, params, flat_grad)
        self.clip = _numpy_clipping(net)
        self.notify_grads = self.clip is None and any(
            type(cb).on_grad_computed is not Callback.on_grad_computed
            for _, cb in net.callbacks_)
        self.rows = 0

    def _buffers(self, n):
        """(Re)allocate the per-layer buffers for batches of up to ``n`` rows."""
        widths = [w.shape[0] for w in self.np_weights]
        self.z = [np.empty((n, k), dtype=self.np_dtype) for k in widths]
        self.a = ([np.empty((n, k), dtype=self.np_dtype) for k in widths[:-1]]
                  if self.activation == "gelu" else None)
        self.d = [np.empty((n, k), dtype=self.np_dtype) for k in widths[:-1]]
        self.grad_out = np.empty((n, widths[-1]), dtype=self.np_dtype)
        self.mask = np.empty((n, max(widths)), dtype=bool)
        self.scratch = [np.empty_like(w) for w in self.np_weights] if self.alpha else None
        self.np_ones = np.ones(n, dtype=self.np_dtype)  # bias gradients as ones @ grad
        self.out_tensor = torch.from_numpy(self.z[-1])
        self.rows = n

    def __call__(self, net, batch):
        net._set_training(True)
        loss = self._forward_backward(*batch)
        n = self._n
        if self.clip is not None:
            self.clip(self.flat_grad)
        elif self.notify_grads:
            with torch.no_grad():
                net.notify("on_grad_computed",
                           named_parameters=TeeGenerator(net.get_all_learnable_params()),
                           batch=batch, training=True)
        self.update()
        return {"loss": loss, "y_pred": self.out_tensor[:n]}

    def validate(self, net, batch):
        """skorch's ``validation_step``: the loss (penalty included) and the raw outputs."""
        X, y = batch
        sample_weight = None
        if isinstance(y, tuple):
            y, sample_weight = y
        out = dense_forward(self.np_weights, self.np_biases, self.activation,
                            _as_array(X, self.np_dtype))
        grad = np.empty_like(out)
        y_np, w_np = _targets(y, sample_weight, self.kind, self.np_dtype)
        coef, n_effective = batch_weights(out.shape[0], w_np, self.class_weight, y_np)
        loss = loss_and_grad(self.kind, out, y_np, coef, grad)
        if self.alpha:
            loss += 0.5 * self.alpha * self._squares() / n_effective
        return {"loss": loss, "y_pred": torch.from_numpy(out)}

    def _squares(self):
        return float(sum(np.dot(w.ravel(), w.ravel()) for w in self.np_weights))

    def _forward_backward(self, X, y):
        sample_weight = None
        if isinstance(y, tuple):
            y, sample_weight = y
        X = _as_array(X, self.np_dtype)
        n = X.shape[0]
        if n > self.rows:
            self._buffers(n)
        self._n = n
        full = n == self.rows
        act = self.activation
        last = len(self.np_weights) - 1

        # forward: z_i = a_{i-1} W_i^T + b_i; a_i = f(z_i) (in place unless gelu)
        inputs = [X]
        for i in range(last + 1):
            z = self.z[i] if full else self.z[i][:n]
            np.dot(inputs[-1], self.np_weights[i].T, out=z)
            z += self.np_biases[i]
            if i == last:
                break
            if act == "gelu":
                z = _gelu(z, self.a[i] if full else self.a[i][:n])
            else:
                _ACTIVATE[act](z)
            inputs.append(z)
        out = z

        # loss and its gradient with respect to the output, dL/dout
        y_np, w_np = _targets(y, sample_weight, self.kind, self.np_dtype)
        coef, n_effective = batch_weights(n, w_np, self.class_weight, y_np)
        grad = self.grad_out if full else self.grad_out[:n]
        loss = loss_and_grad(self.kind, out, y_np, coef, grad)

        # penalty: its value joins the loss, its gradient alpha / n * W joins grad W
        scale = 0.0
        if self.alpha:
            scale = self.alpha / n_effective
            loss += 0.5 * scale * self._squares()

        # backward
        ones = self.np_ones if full else self.np_ones[:n]
        for i in range(last, -1, -1):
            weight_grad = self.np_weight_grads[i]
            np.dot(grad.T, inputs[i], out=weight_grad)
            if scale:
                np.multiply(self.np_weights[i], scale, out=self.scratch[i])
                weight_grad += self.scratch[i]
            np.dot(ones, grad, out=self.np_bias_grads[i])  # BLAS gemv: faster than a sum
            if i == 0:
                break
            d = self.d[i - 1] if full else self.d[i - 1][:n]
            np.dot(grad, self.np_weights[i], out=d)
            mask = self.mask[:n, :d.shape[1]]
            if act == "gelu":
                _gelu_backward(d, self.z[i - 1] if full else self.z[i - 1][:n], mask)
            else:
                _BACKWARD[act](d, inputs[i], mask)
            grad = d
        return loss


def _as_array(X, np_dtype):
    """The batch as an ndarray of the module's dtype (a view when it already is one)."""
    X = X.numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    return X if X.dtype == np_dtype else X.astype(np_dtype)


def _targets(y, sample_weight, kind, np_dtype):
    """NumPy views of a batch's targets (class indices or values) and sample weights."""
    y_np = y.numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if kind == "cross_entropy":
        y_np = y_np.astype(np.intp, copy=False)
    elif y_np.dtype != np_dtype:
        y_np = y_np.astype(np_dtype)
    w_np = None if sample_weight is None else (
        sample_weight.numpy() if isinstance(sample_weight, torch.Tensor)
        else np.asarray(sample_weight)).astype(np.float64, copy=False)
    return y_np, w_np


# -- activations and their backward passes, in place --------------------------
def _relu_backward(d, a, mask):
    np.less_equal(a, 0, out=mask)
    np.copyto(d, 0, where=mask)


def _sigmoid_backward(d, a, mask):
    d *= a
    d *= 1 - a


def _tanh_backward(d, a, mask):
    d *= 1 - a * a


def _gelu(z, out):
    """Exact GELU, ``z * Phi(z)``, of ``z`` into ``out`` (``z`` kept for the backward)."""
    ndtr(z, out=out)
    out *= z
    return out


def _gelu_backward(d, z, mask):
    # d/dz z Phi(z) = Phi(z) + z phi(z)
    d *= ndtr(z) + z * np.exp(-0.5 * z * z) * _INV_SQRT_2PI


_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
_ACTIVATE = {"identity": lambda z: z, "relu": lambda z: np.maximum(z, 0, out=z),
             "logistic": lambda z: expit(z, out=z), "tanh": lambda z: np.tanh(z, out=z)}
_BACKWARD = {"identity": lambda d, a, mask: None, "relu": _relu_backward,
             "logistic": _sigmoid_backward, "tanh": _tanh_backward}


def dense_forward(weights, biases, activation, X):
    """The raw outputs of a dense stack for ``X``, in NumPy (new arrays: thread-safe)."""
    a = X
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = np.dot(a, w.T)
        z += b
        if i < last:
            z = _gelu(z, np.empty_like(z)) if activation == "gelu" else _ACTIVATE[activation](z)
        a = z
    return a


def numpy_forward_for(net):
    """``f(X) -> raw outputs`` in NumPy for ``net``'s module, or None.

    For a plain dense stack on the CPU in float32/float64 (the modules the
    fast path trains), unless the fast path is switched off: a model fitted
    in NumPy's thread pool then also predicts in it (see the module
    docstring), with no module state read or written but the weights.
    """
    if not getattr(net, "fast_path", False) or os.environ.get("SKNN_FAST_PATH") == "0":
        return None
    module = net.module_
    structure = _structure(module)
    if structure is None:
        return None
    linears, activation = structure
    params = [p for layer in linears for p in (layer.weight, layer.bias)]
    if any(p.device.type != "cpu" or p.dtype not in (torch.float32, torch.float64)
           for p in params) or _has_hooks(module):
        return None
    weights = [layer.weight.detach().numpy() for layer in linears]
    biases = [layer.bias.detach().numpy() for layer in linears]
    np_dtype = weights[0].dtype
    return lambda X: dense_forward(weights, biases, activation, _as_array(X, np_dtype))


def _numpy_clipping(net):
    """``clip(flat_grad)`` for an L2 GradientNormClipping callback (the only gradient
    hook), as torch's ``clip_grad_norm_`` computes it; None when there is none."""
    from skorch.callbacks import GradientNormClipping

    hooks = [cb for _, cb in net.callbacks_
             if type(cb).on_grad_computed is not Callback.on_grad_computed]
    if len(hooks) != 1 or type(hooks[0]) is not GradientNormClipping:
        return None
    callback = hooks[0]
    if callback.gradient_clip_value is None:
        return lambda flat_grad: None
    if float(callback.gradient_clip_norm_type) != 2.0:
        return None
    max_norm = float(callback.gradient_clip_value)

    def clip(flat_grad):
        total = float(np.sqrt(np.dot(flat_grad, flat_grad)))
        flat_grad *= min(max_norm / (total + 1e-6), 1.0)

    return clip


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
