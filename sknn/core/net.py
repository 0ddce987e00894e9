"""The skorch ``NeuralNet`` that runs every sknn estimator's training loop.

sknn estimators *compose* this net (they build one in ``fit`` and keep it as
``net_``) rather than inherit from skorch: the public face is scikit-learn's,
the loop, callbacks, history and device handling are skorch's.  What this
subclass changes:

* data is an :class:`~sknn.core.batches.ArrayDataset` cut into batches with
  tensor indexing (from the caller's array, or from one copy on the device)
  instead of a per-sample ``DataLoader``;
* the loss takes sample/class weights and adds scikit-learn's L2 penalty;
* the epoch loss is accumulated on the device and read back once per epoch,
  not once per batch (no per-batch ``.item()`` synchronisation on a GPU);
* with early stopping the validation pass also records a score (accuracy or
  R², higher is better) as ``valid_score``;
* the forward pass runs under autocast for mixed ``precision`` (with a
  gradient scaler for float16; see :mod:`sknn.core.precision`), and
  ``compile=True`` compiles the module only (skorch would also compile the
  loss).
* the epoch loop (:meth:`TrainingNet.train_epochs`) is sknn's own: callbacks
  ask it to stop with :meth:`TrainingNet.request_stop` (every callback still
  sees the last epoch), a non-finite loss or weight ends training
  (``stop_reason_ == 'diverged'``), and an interrupt in the middle of an epoch
  rolls the weights and optimizer back to the last completed epoch
  (``stop_reason_ == 'interrupted'``); the module is left in eval mode
  when the loop ends, however it ends;
* ``predict``/``predict_proba`` return what the owning estimator's would (in
  encoded form), so skorch's scoring callbacks work with string metrics.
"""

import copy
import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer, PrintLog, ProgressBar
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator

from .batches import ArrayDataset, BatchIterator
from .epoch_snapshot import EpochSnapshot
from .fast_dense import fast_step_for, new_training_run
from .lbfgs import LBFGSB, train_lbfgs
from .losses import l2_penalty
from .outputs import activate_torch, encoded_predictions
from .precision import autocast, make_grad_scaler, to_float32

_NUMPY_FLOATS = (torch.float16, torch.float32, torch.float64)


class TrainingNet(NeuralNet):
    """skorch ``NeuralNet`` specialised for in-memory arrays.

    Extra parameters (all set by the estimator that owns the net):

    alpha : float
        L2 penalty on the weight matrices/kernels (parameters with two or more
        dimensions); biases and normalisation parameters are not penalised.
    shuffle : bool
        Shuffle the training data every epoch.
    seed : int
        Seed of the shuffling generator.
    scorer : callable or None
        ``scorer(y_pred, y_true, sample_weight) -> float`` used on the
        validation data.
    log : bool
        Print one line per epoch (skorch's ``PrintLog``), and show a tqdm
        progress bar (skorch's ``ProgressBar``) during epochs of at least
        ``progress_min_batches`` batches.
    out_activation : str
        How raw outputs are read (see :mod:`sknn.core.outputs`), for
        :meth:`predict` and :meth:`predict_proba`.
    n_classes : int or None
        Number of classes of a classifier (None for a regressor).
    merge_singleton : bool
        Fold a last training batch of a single row into the batch before it
        (batch normalisation cannot train on one row).
    precision : {'32', 'bf16-mixed', '16-mixed'}
        See :mod:`sknn.core.precision`.
    """

    progress_min_batches = 50
    #: Train dense stacks on the CPU with the hand-written step of
    #: :mod:`sknn.core.fast_dense` where it applies (set False, or the
    #: environment variable ``SKNN_FAST_PATH=0``, to always use autograd).
    fast_path = True

    def __init__(self, *args, alpha=0.0, shuffle=True, seed=0, scorer=None, log=False,
                 out_activation="identity", n_classes=None, merge_singleton=False,
                 precision="32", **kwargs):
        super().__init__(*args, **kwargs)
        self.alpha = alpha
        self.shuffle = shuffle
        self.seed = seed
        self.scorer = scorer
        self.log = log
        self.out_activation = out_activation
        self.n_classes = n_classes
        self.merge_singleton = merge_singleton
        self.precision = precision

    @property
    def _default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer())]
        if self.log:
            callbacks.append(("print_log", PrintLog()))
            callbacks.append(("progress_bar", _LongEpochProgressBar(
                min_batches=self.progress_min_batches)))
        return callbacks

    def initialize(self):
        super().initialize()
        self.generator_ = torch.Generator().manual_seed(int(self.seed))
        self.grad_scaler_ = make_grad_scaler(self.precision, self.device)
        self.stop_reason_ = None
        return self

    def torch_compile(self, module, name):
        # compile=True: the module only; the loss is a few element-wise ops
        return super().torch_compile(module, name) if name == "module" else module

    # -- data -----------------------------------------------------------
    def get_dataset(self, X, y=None):
        if isinstance(X, ArrayDataset):
            return X
        return ArrayDataset(X, y, device=self.device, dtype=self.module_dtype_)

    @property
    def module_dtype_(self):
        for p in self.module_.parameters():
            if p.is_floating_point():
                return p.dtype
        return torch.get_default_dtype()

    def get_iterator(self, dataset, training=False):
        batch_size = len(dataset) if self.batch_size == -1 else self.batch_size
        return BatchIterator(
            dataset, batch_size, shuffle=training and self.shuffle,
            generator=self.generator_, merge_singleton=training and self.merge_singleton)

    # -- what the owning estimator predicts, for skorch's scoring callbacks -
    def predict_proba(self, X):
        outputs = [activate_torch(out, self.out_activation).detach().to("cpu", torch.float64)
                   for out in self.forward_iter(X, training=False)]
        return torch.cat(outputs).numpy()

    def predict(self, X):
        raw = torch.cat([out.detach().to("cpu", torch.float64)
                         for out in self.forward_iter(X, training=False)]).numpy()
        if self.n_classes is None:
            return np.exp(raw) if self.out_activation == "exp" else raw
        return encoded_predictions(raw, self.out_activation, self.n_classes)

    # -- one step ---------------------------------------------------------
    def _set_training(self, training=True):
        # skorch calls this on every batch; walking the module tree each time
        # costs more than the forward pass of a small network.
        if self.module_.training != training:
            super()._set_training(training)

    def infer(self, x, **fit_params):
        with autocast(self.precision, self.device):
            if isinstance(x, tuple):
                return to_float32(self.module_(*x, **fit_params))
            return to_float32(self.module_(x, **fit_params))

    def _penalised(self):
        """The trainable weight matrices and kernels (two or more dimensions)."""
        return [p for p in self.module_.parameters() if p.ndim >= 2 and p.requires_grad]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, tuple):
            y_true, sample_weight = y_true
        else:
            sample_weight = None
        loss, n_effective = self.criterion_(y_pred, y_true, sample_weight)
        weights = self._penalised() if self.alpha else ()
        if weights:
            # The penalty's value joins the reported loss, as in scikit-learn;
            # its gradient, alpha / n * W, is added straight to the weights'
            # gradients in train_step_single, which is cheaper than letting
            # autograd differentiate the sum of squares.
            with torch.no_grad():
                penalty = l2_penalty(weights, self.alpha, n_effective)
            loss = loss + penalty
            self._penalty_scale = self.alpha / n_effective
        return loss

    def on_train_begin(self, net, **kwargs):
        new_training_run(self)  # the fast path decides again for each fit
        super().on_train_begin(net, **kwargs)

    def train_step_single(self, batch, **fit_params):
        if self.grad_scaler_ is None:
            step = super().train_step_single(batch, **fit_params)
        else:
            step = self._scaled_train_step_single(batch, **fit_params)
        weights = self._penalised() if self.alpha else ()
        if weights:
            scale = self._penalty_scale
            with torch.no_grad():  # else each .grad would join the autograd graph
                for weight in weights:
                    if isinstance(scale, torch.Tensor):
                        weight.grad.add_(weight * scale)
                    else:
                        weight.grad.add_(weight, alpha=scale)
        return step

    def _scaled_train_step_single(self, batch, **fit_params):
        """skorch's step with float16 loss scaling; the gradients come out unscaled."""
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.grad_scaler_.scale(loss).backward()
        # unscaled before the L2 gradient is added and before clipping callbacks
        self.grad_scaler_.unscale_(self.optimizer_)
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        # The CPU fast path for dense stacks; fast_dense.decline_reason says when.
        fast = fast_step_for(self, fit_params)
        if fast is not None:
            return fast(self, batch)
        if self.grad_scaler_ is None:
            return super().train_step(batch, **fit_params)
        # GradScaler.step takes no closure: one forward/backward, then the step
        # (skipped, and the scale lowered, when a gradient overflowed float16)
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        self.notify("on_grad_computed",
                    named_parameters=TeeGenerator(self.get_all_learnable_params()),
                    batch=batch, training=True)
        self.grad_scaler_.step(self.optimizer_)
        self.grad_scaler_.update()
        return step

    def validation_step(self, batch, **fit_params):
        # a net trained on the fast path validates in NumPy as well (one thread pool)
        fast = fast_step_for(self, fit_params)
        if fast is not None:
            return fast.validate(self, batch)
        return super().validation_step(batch, **fit_params)

    # -- the epoch loop -------------------------------------------------------
    def request_stop(self, reason):
        """Ask :meth:`train_epochs` to stop after the current epoch."""
        if self.stop_reason_ is None:
            self.stop_reason_ = reason

    def checkpoint(self):
        """A copy of the weights, the optimizer state and the history length."""
        return {
            "module": _clone(self.module_.state_dict()),
            "optimizer": _clone(self.optimizer_.state_dict()),
            "n_epochs": len(self.history),
        }

    def restore(self, checkpoint):
        """Return to ``checkpoint`` (see :meth:`checkpoint`)."""
        self.module_.load_state_dict(checkpoint["module"])
        self.optimizer_.load_state_dict(checkpoint["optimizer"])
        del self.history[checkpoint["n_epochs"]:]

    def _is_finite(self, weights_finite=None):
        """Whether the last epoch's losses and the weights are all finite (one sync)."""
        record = self.history[-1]
        for key in ("train_loss", "valid_loss"):
            if key in record and not math.isfinite(record[key]):
                return False
        return (weights_finite or self._is_finite_weights)()

    def _is_finite_weights(self):
        return self._finite_weights_check()()

    def _finite_weights_check(self):
        """A function of no arguments: whether every parameter of the module is finite."""
        params = [p.detach() for p in self.module_.parameters()]
        if all(p.device.type == "cpu" and p.dtype in _NUMPY_FLOATS for p in params):
            # NumPy's check costs a few microseconds where torch's ops cost tens
            arrays = [p.numpy() for p in params]
            return lambda: all(np.isfinite(a).all() for a in arrays)

        def check():
            flags = [torch.isfinite(p).all() for p in params]
            return bool(torch.stack(flags).all()) if flags else True  # one device sync
        return check

    def train_epochs(self, dataset_train, dataset_valid=None, epochs=1):
        """Train for up to ``epochs`` epochs and return the number completed.

        Sets ``stop_reason_``: None (all epochs ran), ``'converged'``,
        ``'max_fun'`` (or any reason a callback gave :meth:`request_stop`),
        ``'callback'`` (one of skorch's own callbacks raised
        ``KeyboardInterrupt`` at the end of an epoch, skorch's way to stop),
        ``'diverged'`` (a loss or weight became non-finite; the epoch is
        recorded and training ends) or
        ``'interrupted'`` (any other ``KeyboardInterrupt``; one during an
        epoch rolls the weights, optimizer state and history back to the last
        completed epoch).  An exception other than ``KeyboardInterrupt`` propagates.
        """
        self.check_training_readiness()
        self.stop_reason_ = None
        kwargs = {"dataset_train": dataset_train, "dataset_valid": dataset_valid}
        iterator_train = self.get_iterator(dataset_train, training=True)
        iterator_valid = (None if dataset_valid is None
                          else self.get_iterator(dataset_valid, training=False))
        completed = 0
        self.notify("on_train_begin", X=dataset_train, y=None)
        snapshot = EpochSnapshot(self.module_, [getattr(self, name + "_")
                                                for name in self._optimizers])
        weights_finite = self._finite_weights_check()
        if isinstance(self.optimizer_, LBFGSB):  # scipy's minimiser runs the iterations
            try:
                completed = train_lbfgs(self, dataset_train, epochs)
            finally:
                self._set_training(False)  # as below: a fitted module is in eval mode
            self.notify("on_train_end", X=dataset_train, y=None)
            return completed
        in_epoch = False
        try:
            for _ in range(epochs):
                snapshot.take()
                n_epochs = len(self.history)
                in_epoch = True
                self.notify("on_epoch_begin", **kwargs)
                self.run_single_epoch(iterator_train, training=True, prefix="train",
                                      step_fn=self.train_step)
                self.run_single_epoch(iterator_valid, training=False, prefix="valid",
                                      step_fn=self.validation_step)
                in_epoch = False
                completed += 1
                if not self._is_finite(weights_finite):
                    self.history.record("diverged", True)
                    self.request_stop("diverged")
                self.notify("on_epoch_end", **kwargs)
                if self.stop_reason_ is not None:
                    break
        except KeyboardInterrupt as exc:
            if in_epoch:
                snapshot.restore()
                del self.history[n_epochs:]
                self.stop_reason_ = "interrupted"
            elif _raised_by_skorch(exc):
                self.request_stop("callback")  # skorch's way to stop (its EarlyStopping)
            else:
                # Ctrl+C or a user's callback between epochs: the weights are
                # those of the last completed epoch, nothing to roll back
                self.stop_reason_ = "interrupted"
        finally:
            # train mode only inside this loop: a fitted module is always in
            # eval mode, so predicting never has to switch (and switch back)
            # a module that other threads may be predicting with
            self._set_training(False)
        self.notify("on_train_end", X=dataset_train, y=None)
        return completed

    # -- one epoch --------------------------------------------------------
    def _listeners(self, method_name):
        """What :meth:`notify` would call for ``method_name``, less the callbacks' no-ops."""
        listeners = [getattr(self, method_name)]
        default = getattr(Callback, method_name)
        for _, callback in self.callbacks_:
            listener = getattr(callback, method_name)
            if getattr(listener, "__func__", None) is not default:
                listeners.append(listener)
        return listeners

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        total = None
        n_seen = 0
        predictions = [] if (not training and self.scorer is not None) else None
        # notify() per batch, without the callbacks whose batch hooks do nothing
        on_begin = self._listeners("on_batch_begin")
        on_end = self._listeners("on_batch_end")
        for batch in iterator:
            for listener in on_begin:
                listener(self, batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            n = batch[0][0].shape[0] if isinstance(batch[0], tuple) else batch[0].shape[0]
            loss = step["loss"]
            if isinstance(loss, float):  # the fast path's
                weighted = loss * n
            elif loss.is_cpu:  # no device sync to avoid: a Python float is cheaper
                weighted = loss.detach().item() * n
            else:
                weighted = loss.detach() * n
            total = weighted if total is None else total + weighted
            n_seen += n
            if predictions is not None:
                predictions.append(step["y_pred"])
            for listener in on_end:
                listener(self, batch=batch, training=training, **step)
        self.history.record(prefix + "_loss", float(total / n_seen))
        if predictions is not None:
            dataset = iterator.dataset
            y_true, weight = dataset.y, dataset.sample_weight
            y_pred = torch.cat(predictions)
            score = (self.scorer(y_pred, y_true, weight) if bool(torch.isfinite(y_pred).all())
                     else float("nan"))  # as scikit-learn's scorer on non-finite predictions
            if not math.isfinite(score):  # e.g. R² of overflowing predictions: diverged
                score = float("nan")
            self.history.record(prefix + "_score", score)


def _raised_by_skorch(exc):
    """Whether ``exc`` was raised in skorch's own code (its callbacks' way to stop)."""
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_globals.get("__name__", "").startswith("skorch.")


def _clone(state):
    """A copy of a (nested) state dict whose tensors are cloned, not shared."""
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        return {key: _clone(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_clone(value) for value in state)
    return copy.copy(state)


class _LongEpochProgressBar(ProgressBar):
    """skorch's tqdm bar, shown only for epochs of ``min_batches`` batches or more."""

    def __init__(self, min_batches=50):
        super().__init__(postfix_keys=[])
        self.min_batches = min_batches

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        n_batches = self._get_batches_per_epoch(net, dataset_train, dataset_valid)
        self.active_ = n_batches >= self.min_batches
        if self.active_:
            super().on_epoch_begin(net, dataset_train=dataset_train,
                                   dataset_valid=dataset_valid, **kwargs)

    def on_batch_end(self, net, **kwargs):
        if self.active_:
            super().on_batch_end(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if self.active_:
            super().on_epoch_end(net, **kwargs)
