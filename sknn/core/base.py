"""The scikit-learn face shared by every sknn neural estimator.

:class:`NeuralEstimatorBase` owns the training vocabulary of the API contract
(scikit-learn's ``MLPClassifier`` parameter names), input validation, the
fitted attributes, pickling and prediction.  Training itself is delegated to a
:class:`~sknn.core.net.TrainingNet` (skorch) built at the first fit.

Subclasses provide these hooks:

``_validate_X(X, reset)``
    Check and convert ``X`` to what the module takes (an ndarray, a scipy
    sparse matrix, or a tuple of ndarrays), setting ``n_features_in_`` and
    ``feature_names_in_`` when ``reset``.  The default handles 2-D tabular data.
``_build_module(X, n_outputs)``
    Return a fresh ``torch.nn.Module`` for validated data ``X``.
``_architecture_params``
    The parameters that shape the module: ``warm_start`` refuses to change them.
``_auto_batch_size``
    What ``batch_size='auto'`` means, capped at the number of samples.
``_compute_dtype(X)``
    The floating point type of the module: float64 for float64 input (as
    scikit-learn does), float32 otherwise.

What a fit promises (docs/reliability.md):

* it is a transaction: if it raises (bad input, a diverged solver, an
  interrupt before the first epoch completes), the estimator is left exactly
  as it was before the call;
* an interrupt (``KeyboardInterrupt``) after at least one completed epoch
  keeps the weights of the last completed epoch, with consistent attributes,
  and warns "Training interrupted by user." (as scikit-learn does);
* every random draw (initial weights, dropout masks, shuffling) comes from
  ``random_state`` through private generators: the same ``random_state`` gives
  the same model in any thread, and the caller's global torch random state is
  left as it was;
* a fitted estimator never holds non-finite weights: a solver that diverges
  raises scikit-learn's ``ValueError`` ("Solver produced non-finite parameter
  weights...") unless early stopping can restore a finite best epoch;
* the pickle of a fitted estimator holds no training rows;
* the fitted module is in eval mode: train mode is set only inside the
  training loop, and prediction (``predict``, ``predict_proba``,
  ``summary()``...) never changes the module, so one fitted estimator can
  serve many threads at once.
"""

import copy
import threading
import warnings
from numbers import Integral, Real

import numpy as np
import sklearn
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from skorch.callbacks import Callback, GradientNormClipping
from skorch.helper import predefined_split

from ..export.mixin import ExportMixin
from ..modules.dropout import set_dropout_generator
from .batches import ArrayDataset, BatchIterator
from .cuda import cudnn_autotune, prediction_batch_size, prepare_module
from .device import resolve_device
from .dtypes import input_float_dtype
from .fast_dense import numpy_forward_for
from .net import TrainingNet
from .precision import PRECISIONS, autocast, check_precision, module_dtype, to_float32
from .schedules import invscaling_scheduler
from .solvers import SOLVERS, optimizer_spec
from .stopping import SklearnStopping
from .summary import module_summary

#: scikit-learn's message for a solver that diverged
NONFINITE_MESSAGE = ("Solver produced non-finite parameter weights. The input data may contain "
                     "large values and need to be preprocessed.")

# Building a module draws its initial weights from torch's global generator,
# seeded from random_state; one lock keeps two fits in two threads from
# drawing from it at the same time (see _new_module).
_MODULE_INIT_LOCK = threading.Lock()


def _sknn_version():
    from .. import __version__

    return __version__


def _torch_dtype(np_dtype):
    return torch.float64 if np.dtype(np_dtype) == np.float64 else torch.float32


def _same_value(a, b):
    if a is b:
        return True
    if isinstance(a, torch.nn.Module) and isinstance(b, torch.nn.Module):
        # a module parameter (a backbone) is kept as a deep copy: same layers, same tensors
        sa, sb = a.state_dict(), b.state_dict()
        return (repr(a) == repr(b) and sa.keys() == sb.keys()
                and all(torch.equal(sa[k], sb[k]) for k in sa))
    try:
        equal = a == b
        return bool(equal) if np.ndim(equal) == 0 else bool(np.all(equal))
    except (TypeError, ValueError):
        return np.array_equal(np.asarray(a), np.asarray(b))


def _input_spec(X):
    """Shapes and dtypes of one row of each part of validated ``X`` (for summary())."""
    parts = X if isinstance(X, tuple) else (X,)
    spec = tuple((tuple(part.shape[1:]), np.dtype(part.dtype).str) for part in parts)
    return spec, isinstance(X, tuple)


def _example_from_spec(spec, is_tuple, n_rows=2):
    """Synthetic rows (all ones: a valid pixel, token id, length or value) for ``spec``."""
    parts = tuple(np.ones((n_rows, *shape), dtype=np.dtype(dtype)) for shape, dtype in spec)
    return parts if is_tuple else parts[0]


class NeuralEstimatorBase(ExportMixin, BaseEstimator):
    """Parameters, fitting and prediction common to all sknn estimators.

    Not meant to be used directly: see :class:`sknn.MLPClassifier` and the
    other estimators for the parameters' documentation.
    """

    _auto_batch_size = 200
    _loss_kind = None  # 'cross_entropy' or 'squared_error'
    _architecture_params = ()

    _parameter_constraints = {
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                             Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "device": [str, torch.device],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "callbacks": [None, list],
        "precision": [StrOptions(set(PRECISIONS))],
        "compile": ["boolean"],
    }

    # ------------------------------------------------------------------ hooks
    def _validate_X(self, X, *, reset):
        return validate_data(
            self, X, reset=reset, accept_sparse="csr", dtype=input_float_dtype(X),
            ensure_min_samples=1)

    def _compute_dtype(self, X):
        dtype = X[0].dtype if isinstance(X, tuple) else X.dtype
        return _torch_dtype(dtype)

    def _build_module(self, X, n_outputs):  # pragma: no cover - abstract
        raise NotImplementedError

    def _n_samples(self, X):
        return (X[0] if isinstance(X, tuple) else X).shape[0]

    # -------------------------------------------------------------- settings
    def _verbosity(self):
        return int(self.verbose)

    def _resolved_batch_size(self, n_samples):
        if self.solver == "lbfgs":
            return n_samples
        if self.batch_size == "auto":
            return min(self._auto_batch_size, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the number of samples "
                f"({n_samples}); it is clipped to {n_samples}.", UserWarning, stacklevel=4)
        return min(self.batch_size, n_samples)

    def _check_callbacks(self):
        for entry in self.callbacks or []:
            callback = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else entry
            if not isinstance(callback, Callback) and not (
                    isinstance(callback, type) and issubclass(callback, Callback)):
                raise TypeError(
                    f"callbacks must hold skorch callbacks (skorch.callbacks.Callback "
                    f"instances or (name, callback) pairs); got {entry!r}.")

    def _uses_early_stopping(self):
        # L-BFGS trains on the whole data set and ignores early_stopping, as in
        # scikit-learn
        return self.early_stopping and self.solver != "lbfgs"

    # -------------------------------------------------------------- training
    def _init_weights(self, module, random_state):
        """Hook: draw the initial weights from ``random_state`` and return True, or
        return False to keep the module's own initialisation (seeded from it)."""
        return False

    def _new_module(self, X, n_outputs, device, dtype, random_state):
        """Build the module, its initial weights drawn from ``random_state``.

        Either :meth:`_init_weights` draws them (the MLPs: as scikit-learn
        does, from the same NumPy ``RandomState``), or the module's own
        initialisation runs on torch's global generator seeded from
        ``random_state`` -- under a lock and inside ``fork_rng``, so the
        caller's torch random state is restored afterwards and two fits in two
        threads cannot interleave their draws.
        """
        # The module is built on the CPU and then moved, so only the CPU
        # generator draws: seeding it alone also skips torch.manual_seed's
        # queued seeding of every lazily initialised device (a stack trace
        # each, about a millisecond per fit).
        devices = [device] if device.type == "cuda" else []
        cpu = torch.default_generator
        with _MODULE_INIT_LOCK, torch.random.fork_rng(devices=devices):
            cpu.manual_seed(0)
            module = self._build_module(X, n_outputs).to(device=device, dtype=dtype)
            if not self._init_weights(module, random_state):
                cpu.manual_seed(random_state.randint(np.iinfo(np.int32).max))
                module = self._build_module(X, n_outputs).to(device=device, dtype=dtype)
        return module

    def _module_callbacks(self, module, *, start_epoch):
        """Hook: skorch callbacks the module needs (``(name, callback)`` pairs); none here.

        ``start_epoch``: the epochs already in the history (warm start).
        """
        return []

    def _param_groups(self, lr):
        """Hook: skorch's ``optimizer__param_groups`` for learning rate ``lr``; None here."""
        return None

    def _make_net(self, module, *, criterion, device, n_train, previous=None):
        """A :class:`TrainingNet` for ``module`` with this estimator's current settings.

        ``previous`` is the net of an earlier fit that is being warm-started:
        its history and stopping state carry over, its optimizer does not (as
        in scikit-learn, each ``fit`` starts a fresh optimizer).
        """
        dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()),
                     torch.float32)
        optimizer, lr, optimizer_kwargs = optimizer_spec(self, dtype, device)
        verbosity = self._verbosity()
        lbfgs = self.solver == "lbfgs"
        stopper = SklearnStopping(
            tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            early_stopping=self._uses_early_stopping(),
            adaptive=self.learning_rate == "adaptive" and not lbfgs,
            lbfgs=lbfgs,
            verbose=verbosity == 1 or verbosity > 2)
        callbacks = [("sklearn_stopping", stopper)]
        if self.learning_rate == "invscaling" and not lbfgs:
            t_offset = getattr(self, "t_", 0) if previous is not None else 0
            callbacks.append(("invscaling", invscaling_scheduler(
                n_train, self.power_t, t_offset=t_offset)))
        if self.clip_grad_norm is not None:
            callbacks.append(("clip_grad_norm", GradientNormClipping(self.clip_grad_norm)))
        callbacks.extend(self._module_callbacks(
            module, start_epoch=len(previous.history_) if previous is not None else 0))
        callbacks.extend(self.callbacks or [])
        groups = self._param_groups(lr)
        if groups:
            optimizer_kwargs = dict(optimizer_kwargs, param_groups=groups)
        net = TrainingNet(
            module=module,
            criterion=criterion.to(device),
            optimizer=optimizer,
            lr=lr,
            batch_size=-1,  # set for each call to fit/partial_fit
            max_epochs=self.max_iter,
            train_split=None,
            callbacks=callbacks,
            device=device,
            alpha=self.alpha,
            shuffle=self.shuffle,
            seed=0,
            scorer=self._validation_scorer,
            log=verbosity >= 2,
            verbose=int(verbosity >= 2),
            out_activation=criterion.out_activation,
            n_classes=len(self.classes_) if hasattr(self, "classes_") else None,
            merge_singleton=any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                                for m in module.modules()),
            precision=self.precision,
            compile=self.compile,
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
        )
        net.initialize()
        if previous is not None:
            net.history_ = previous.history_
            old = dict(previous.callbacks_)["sklearn_stopping"]
            new = dict(net.callbacks_)["sklearn_stopping"]
            for name in ("best_loss_", "best_validation_score_", "best_state_",
                         "no_improvement_count_", "previous_loss_"):
                setattr(new, name, getattr(old, name))
        return net

    def _check_architecture(self):
        changed = [name for name in self._architecture_params
                   if not _same_value(getattr(self, name), self._architecture_[name])]
        if changed:
            details = ", ".join(f"{name}={self._architecture_[name]!r} -> "
                                f"{getattr(self, name)!r}" for name in changed)
            raise ValueError(
                f"warm_start=True keeps the fitted network, so it cannot change the "
                f"architecture ({details}); set warm_start=False to train a new network.")

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, X_val=None,
             y_val=None, sample_weight_val=None):
        """Validate, (re)build the net when needed, and train (as one transaction)."""
        if incremental and self.solver == "lbfgs":
            raise ValueError(
                "partial_fit is not available for solver='lbfgs' (a full-batch method); "
                "use fit, or another solver.")
        check_precision(self.precision, self.solver)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None")
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be passed together.")
        if X_val is None and sample_weight_val is not None:
            raise ValueError("sample_weight_val is passed without X_val and y_val.")
        if X_val is not None and not self._uses_early_stopping():
            raise ValueError(
                "X_val and y_val are passed to fit while early_stopping=False"
                + (" (L-BFGS does not use early stopping)" if self.solver == "lbfgs" else "")
                + "; they are only used for early stopping: set early_stopping=True.")
        self._check_callbacks()
        reuse = hasattr(self, "net_") and (incremental or self.warm_start)
        saved = dict(self.__dict__)
        checkpoint = self.net_.checkpoint() if reuse else None
        try:
            return self._fit_transaction(
                X, y, sample_weight, reuse=reuse, incremental=incremental, classes=classes,
                X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            if checkpoint is not None:
                self.net_.restore(checkpoint)
            raise

    def _fit_transaction(self, X, y, sample_weight, *, reuse, incremental, classes, X_val,
                         y_val, sample_weight_val):
        first = not reuse
        X = self._validate_X(X, reset=first)
        n_samples = self._n_samples(X)
        if n_samples == 0:
            raise ValueError("Found array with 0 sample(s); at least 1 is required.")
        y = self._validate_y(y, n_samples, first=first, classes=classes,
                             incremental=incremental)
        sample_weight = self._check_weight(sample_weight, n_samples, "sample_weight")
        validation = None
        if X_val is not None:
            X_val = self._validate_X(X_val, reset=False)
            n_val = self._n_samples(X_val)
            if n_val < 2:
                # a score (R², accuracy) of one sample says nothing: R² is NaN
                raise ValueError(
                    f"The validation set is too small: X_val has {n_val} sample; early "
                    "stopping needs at least 2.")
            y_val = self._validate_y(y_val, n_val, first=False, classes=None, incremental=True,
                                     name="y_val")
            validation = (X_val, y_val,
                          self._check_weight(sample_weight_val, n_val, "sample_weight_val"))

        if first:
            self._random_state_ = check_random_state(self.random_state)
            device = resolve_device(self.device)
            dtype = module_dtype(self.precision, self._compute_dtype(X))
            module = prepare_module(self._new_module(
                X, self._n_outputs(y), device, dtype, self._random_state_), device)
        else:
            device, dtype = torch.device(self.net_.device), self.net_.module_dtype_
        seed = self._random_state_.randint(np.iinfo(np.int32).max)
        criterion = self._make_criterion(y, sample_weight)
        train, valid = self._datasets(
            X, y, sample_weight, validate=self._uses_early_stopping() and not incremental,
            validation=validation, device=device, dtype=dtype)
        n_train = len(train)

        if first:
            net = self._make_net(module, criterion=criterion, device=device, n_train=n_train)
            self._architecture_ = {name: copy.deepcopy(getattr(self, name))
                                   for name in self._architecture_params}
        elif not incremental:
            self._check_architecture()
            net = self._make_net(self.module_, criterion=criterion, device=device,
                                 n_train=n_train, previous=self.net_)
        else:
            net = self.net_
            if net.precision != self.precision:
                raise ValueError(
                    f"partial_fit keeps the fitted network and its precision="
                    f"{net.precision!r}; precision was changed to {self.precision!r} since. "
                    "Set it back, or call fit to train a new network in that precision.")
            net.alpha = self.alpha
            net.criterion_ = criterion.to(device)
            dict(net.callbacks_)["sklearn_stopping"].verbose = (
                self._verbosity() == 1 or self._verbosity() > 2)
        if net.merge_singleton and n_train < 2:
            raise ValueError(
                f"batch_norm=True needs at least 2 training samples (batch normalisation "
                f"cannot train on a single row); got {n_train}.")
        net.train_split = predefined_split(valid) if valid is not None else None
        net.batch_size = self._resolved_batch_size(n_train)
        net.generator_.manual_seed(seed)
        set_dropout_generator(net.module_, torch.Generator(device=device).manual_seed(seed))

        with cudnn_autotune(device):
            completed = net.train_epochs(train, valid,
                                         epochs=1 if incremental else self.max_iter)
        net.train_split = None  # it holds the data: do not keep (or pickle) them
        reason = net.stop_reason_
        if reason == "interrupted" and completed == 0:
            raise KeyboardInterrupt
        stopper = dict(net.callbacks_)["sklearn_stopping"]
        if reason == "diverged":
            if stopper.early_stopping and stopper.best_state_ is not None:
                warnings.warn(
                    f"The loss or the weights became non-finite in epoch {len(net.history)}; "
                    "training stopped and the weights of the best epoch (by validation "
                    "score) were restored. Lower learning_rate_init or scale the data.",
                    ConvergenceWarning, stacklevel=3)
            else:
                raise ValueError(NONFINITE_MESSAGE)
        if not net._is_finite_weights():
            raise ValueError(NONFINITE_MESSAGE)
        if reason == "interrupted":
            warnings.warn("Training interrupted by user.", UserWarning, stacklevel=3)

        self.net_ = net
        self.device_ = net.device
        self._example_spec_ = _input_spec(X)
        self._collect_history(reuse=reuse, completed=completed, n_train=n_train,
                              stopper=stopper)
        if not incremental and reason in (None, "max_fun"):
            self._warn_not_converged(reason, completed)
        return self

    def _check_weight(self, sample_weight, n_samples, name):
        if sample_weight is None:
            return None
        try:
            return _check_sample_weight(sample_weight, np.empty((n_samples, 0)),
                                        dtype=np.float64, ensure_non_negative=True)
        except ValueError as exc:
            if name == "sample_weight":
                raise
            raise ValueError(f"{name}: {exc}") from exc

    def _warn_not_converged(self, reason, completed):
        if self.solver == "lbfgs":
            limit = (f"max_fun={self.max_fun} loss evaluations" if reason == "max_fun"
                     else f"max_iter={self.max_iter} iterations")
            message = (f"lbfgs failed to converge after {completed} iteration(s): {limit} "
                       "reached. Increase max_iter (or max_fun), or scale the data.")
        else:
            message = (f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                       "and the optimization hasn't converged yet.")
        warnings.warn(message, ConvergenceWarning, stacklevel=4)

    def _datasets(self, X, y, sample_weight, *, validate, validation, device, dtype):
        """The training dataset, and the validation one (explicit or held out).

        A held-out split indexes the same storage of ``X`` as the training part
        (see :meth:`ArrayDataset.subset`): it copies no rows.
        """
        if validation is not None:
            X_val, y_val, weight_val = validation
            return (ArrayDataset(X, y, sample_weight, device=device, dtype=dtype),
                    ArrayDataset(X_val, y_val, weight_val, device=device, dtype=dtype))
        data = ArrayDataset(X, y, sample_weight, device=device, dtype=dtype)
        if not validate:
            return data, None
        idx_train, idx_valid = self._validation_split(y, self._n_samples(X))
        return data.subset(idx_train), data.subset(idx_valid)

    def _stratify_on(self, y):
        """What the early-stopping split is stratified on (None: not stratified)."""
        return None

    def _validation_split(self, y, n_samples):
        indices = np.arange(n_samples)
        try:
            idx_train, idx_valid = train_test_split(
                indices, test_size=self.validation_fraction, stratify=self._stratify_on(y),
                random_state=self._random_state_.randint(np.iinfo(np.int32).max))
        except ValueError as exc:
            raise ValueError(
                f"{exc} (early_stopping=True holds out a stratified validation_fraction="
                f"{self.validation_fraction} of the {n_samples} samples.)") from exc
        if len(idx_valid) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size "
                "of your dataset.")
        return idx_train, idx_valid

    def _collect_history(self, *, reuse, completed, n_train, stopper):
        history = self.net_.history
        self.history_ = history
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        self.loss_ = self.loss_curve_[-1]
        self.n_iter_ = completed
        self.t_ = (self.t_ if reuse else 0) + completed * n_train
        if stopper.early_stopping:
            self.validation_scores_ = [
                float(r["valid_score"]) for r in history if "valid_score" in r]
            self.best_validation_score_ = float(stopper.best_validation_score_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(stopper.best_loss_)

    # ------------------------------------------------------------ prediction
    def _forward(self, X):
        """Return the module's raw outputs for ``X`` as an ndarray of the module's dtype."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        net = self.net_
        numpy_forward = (numpy_forward_for(net)
                         if isinstance(X, np.ndarray) and net.precision == "32" else None)
        if numpy_forward is not None:
            # a dense stack on the CPU predicts in NumPy, as the fast path trains
            # it: one thread pool (sknn.core.fast_dense), no module state touched
            batch = prediction_batch_size(net.device, net.batch_size)
            return np.concatenate([numpy_forward(X[start:start + batch])
                                   for start in range(0, X.shape[0], batch)]) \
                if X.shape[0] > batch else numpy_forward(X)
        # batches are copied to the device one at a time: never all of X
        data = ArrayDataset(X, device=net.device, dtype=net.module_dtype_, resident=False)
        batch = prediction_batch_size(net.device, net.batch_size)
        outputs = None  # filled batch by batch: no list of pieces to concatenate
        start = 0
        module = net.module_
        if module.training:
            # A fitted module is in eval mode (training switches it back when its
            # loop ends); this is reached only when the caller put module_ in
            # train mode by hand.  It is switched once, never back: switching
            # back and forth here would let one thread's prediction run (and
            # update batch-norm statistics) in another thread's train mode.
            module.eval()
        with torch.inference_mode(), autocast(net.precision, net.device), \
                cudnn_autotune(net.device):
            for xb, _ in BatchIterator(data, batch):
                out = module(*xb) if isinstance(xb, tuple) else module(xb)
                out = to_float32(out)  # autocast's half-precision outputs
                if outputs is None:
                    outputs = torch.empty((len(data),) + tuple(out.shape[1:]),
                                          dtype=out.dtype)
                # one device-to-host copy per batch, in the module's precision
                outputs[start:start + len(out)] = out
                start += len(out)
        return outputs.numpy()

    # ------------------------------------------------------------- attributes
    @property
    def module_(self):
        """The fitted ``torch.nn.Module`` (the original module when ``compile=True``)."""
        check_is_fitted(self, "net_")
        module = self.net_.module_
        return getattr(module, "_orig_mod", module)  # torch.compile's wrapper

    @property
    def _no_improvement_count(self):
        """Epochs since the monitored quantity last improved by ``tol`` (scikit-learn's name)."""
        check_is_fitted(self, "net_")
        return dict(self.net_.callbacks_)["sklearn_stopping"].no_improvement_count_

    def summary(self, print_fn=print):
        """Show the layers, output shapes and parameter counts, in the Keras manner.

        One row per submodule of ``module_``, in definition order: its path in
        the module and its type (nested blocks indented under their
        container), its output shape with the batch dimension shown as
        ``None``, its own parameter count and whether those parameters train;
        then the input shape and the total, trainable and non-trainable
        counts (a frozen layer's parameters count as non-trainable).  The
        output shapes come from one forward pass, under
        ``torch.inference_mode`` and without changing any submodule's
        train/eval mode, on two synthetic rows of the fitted input shape (no
        training data is kept), run on a copy of the module, so that predictions
        running in other threads meanwhile are neither changed nor counted.

        Parameters
        ----------
        print_fn : callable or None, default=print
            Called once with the table's text; ``summary()`` then returns
            None, as Keras's does, so the table is shown once.  None: nothing
            is printed and the table is returned as a
            :class:`~sknn.core.summary.ModelSummary`, whose ``str()``,
            ``repr()`` and notebook display (``_repr_html_``) are the table
            and whose attributes hold the counts.

        Returns
        -------
        None or ModelSummary
        """
        check_is_fitted(self, "net_")
        spec, is_tuple = self._example_spec_
        example_input = _example_from_spec(spec, is_tuple)
        if is_tuple and len(spec) == 2 and len(spec[0][0]) >= 1 and spec[1][0] == ():
            # (ids or steps, lengths): full-length sequences, so the shapes show the time axis
            example_input = (example_input[0], np.full_like(example_input[1], spec[0][0][0]))
        example = ArrayDataset(example_input, device=self.net_.device,
                               dtype=self.net_.module_dtype_).take(
            torch.arange(self._n_samples(example_input), device=self.net_.device))[0]
        # on a copy: the forward hooks that record the shapes would also fire
        # for predictions that other threads run on the fitted module
        table = module_summary(
            copy.deepcopy(self.module_), example,
            title=f"Model: {type(self).__name__} ({self.device_}, "
                  f"{str(self.net_.module_dtype_).replace('torch.', '')}"
                  f"{'' if self.net_.precision == '32' else ', ' + self.net_.precision})")
        if print_fn is None:
            return table
        print_fn(str(table))
        return None

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state, _sklearn_version=sklearn.__version__, _sknn_version=_sknn_version())
        return state

    def __setstate__(self, state):
        # scikit-learn records and checks its version only for its own
        # estimators; sknn does the same for both libraries, since a pickle
        # holds fitted state whose meaning may change between versions.
        state = dict(state)
        pickled_sklearn = state.pop("_sklearn_version", "unknown")
        if pickled_sklearn != sklearn.__version__:
            warnings.warn(InconsistentVersionWarning(
                estimator_name=type(self).__name__, current_sklearn_version=sklearn.__version__,
                original_sklearn_version=pickled_sklearn), stacklevel=2)
        pickled_sknn = state.pop("_sknn_version", "unknown")
        if pickled_sknn != _sknn_version():
            warnings.warn(
                f"This {type(self).__name__} was pickled with sknn {pickled_sknn} and is "
                f"loaded with sknn {_sknn_version()}; it may not behave the same. Refit it, "
                "or save it with save_weights() for a version-independent file.",
                UserWarning, stacklevel=2)
        # Pickles from sknn 0.1 kept two training rows for summary(); only
        # their shapes are kept now.
        example = state.pop("_example_input_", None)
        if example is not None:
            state["_example_spec_"] = _input_spec(example)
        self.__dict__.update(state)
        if "net_" in state:
            # pickles from sknn 0.1 hold a module left in train mode by fit
            self.net_.module_.eval()
        # skorch maps CUDA tensors to the CPU when CUDA is missing; keep
        # ``device_`` in step with where the net actually is now.
        if "net_" in state:
            self.device_ = torch.device(self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
