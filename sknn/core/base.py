"""The scikit-learn face shared by every sknn neural estimator.

:class:`NeuralEstimatorBase` owns the training vocabulary of the API contract
(scikit-learn's ``MLPClassifier`` parameter names), input validation, the
fitted attributes, pickling and prediction.  Training itself is delegated to a
:class:`~sknn.core.net.TrainingNet` (skorch) built at the first fit.

Subclasses provide four hooks:

``_validate_X(X, reset)``
    Check and convert ``X`` to what the module takes (an ndarray, a scipy
    sparse matrix, or a tuple of ndarrays), setting ``n_features_in_`` and
    ``feature_names_in_`` when ``reset``.  The default handles 2-D tabular data.
``_build_module(X, n_outputs)``
    Return a fresh ``torch.nn.Module`` for validated data ``X``.
``_auto_batch_size``
    What ``batch_size='auto'`` means, capped at the number of samples.
``_compute_dtype(X)``
    The floating point type of the module: float64 for float64 input (as
    scikit-learn does), float32 otherwise.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from skorch.callbacks import GradientNormClipping
from skorch.helper import predefined_split

from .batches import ArrayDataset, BatchIterator
from .device import resolve_device
from .dtypes import input_float_dtype
from .net import TrainingNet
from .schedules import invscaling_scheduler
from .solvers import SOLVERS, optimizer_spec
from .stopping import SklearnStopping
from .summary import module_summary

_PREDICT_BATCH = 4096


def _torch_dtype(np_dtype):
    return torch.float64 if np.dtype(np_dtype) == np.float64 else torch.float32


class NeuralEstimatorBase(BaseEstimator):
    """Parameters, fitting and prediction common to all sknn estimators.

    Not meant to be used directly: see :class:`sknn.MLPClassifier` and the
    other estimators for the parameters' documentation.
    """

    _auto_batch_size = 200
    _loss_kind = None  # 'cross_entropy' or 'squared_error'

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
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "device": [str, torch.device],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "callbacks": [None, list],
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

    def _take_rows(self, X, index):
        if isinstance(X, tuple):
            return tuple(part[index] for part in X)
        return X[index]

    # -------------------------------------------------------------- training
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

    def _make_net(self, X, n_outputs, n_samples, criterion, scorer, device, seed):
        dtype = self._compute_dtype(X)
        module = self._build_module(X, n_outputs).to(device=device, dtype=dtype)
        optimizer, lr, optimizer_kwargs = optimizer_spec(self, dtype, device)
        callbacks = [
            ("sklearn_stopping", SklearnStopping(
                tol=self.tol, n_iter_no_change=self.n_iter_no_change,
                early_stopping=self.early_stopping,
                adaptive=self.learning_rate == "adaptive" and self.solver != "lbfgs",
                max_fun=self.max_fun if self.solver == "lbfgs" else None)),
        ]
        if self.learning_rate == "invscaling" and self.solver != "lbfgs":
            callbacks.append(("invscaling", invscaling_scheduler(n_samples, self.power_t)))
        if self.clip_grad_norm is not None:
            callbacks.append(("clip_grad_norm", GradientNormClipping(self.clip_grad_norm)))
        callbacks.extend(self.callbacks or [])
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
            seed=seed,
            scorer=scorer,
            log=bool(self.verbose),
            verbose=int(bool(self.verbose)),
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
        )
        net.initialize()
        return net

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """Validate, (re)build the net when needed, and train."""
        first = not (incremental or self.warm_start) or not hasattr(self, "net_")
        if incremental and self.solver == "lbfgs":
            raise ValueError(
                "partial_fit is not available for solver='lbfgs' (a full-batch method); "
                "use fit, or another solver.")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None")
        X = self._validate_X(X, reset=first)
        n_samples = self._n_samples(X)
        if n_samples == 0:
            raise ValueError("Found array with 0 sample(s); at least 1 is required.")
        y = self._validate_y(y, n_samples, first=first, classes=classes)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, np.empty((n_samples, 0)), dtype=np.float64,
                ensure_non_negative=True)

        if first:
            self._random_state_ = check_random_state(self.random_state)
            device = resolve_device(self.device)
        else:
            device = torch.device(self.net_.device)
        seed = self._random_state_.randint(np.iinfo(np.int32).max)
        # Every draw torch makes (weight init, dropout, shuffling) comes from
        # ``seed``, without touching the caller's global torch RNG state.
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            if first:
                self.net_ = self._make_net(
                    X, self._n_outputs(y), n_samples, self._make_criterion(y, sample_weight),
                    self._validation_scorer, device, seed)
                self.device_ = self.net_.device
                # two rows kept for summary(): its output shapes need an input
                self._example_input_ = self._take_rows(X, np.arange(min(2, n_samples)))
            net = self.net_
            train, valid = self._datasets(X, y, sample_weight, validate=(
                self.early_stopping and not incremental))
            net.train_split = predefined_split(valid) if valid is not None else None
            net.batch_size = self._resolved_batch_size(len(train))
            net.max_epochs = 1 if incremental else self.max_iter
            net.log = bool(self.verbose)
            net.generator_.manual_seed(seed)
            try:
                net.partial_fit(train)
            finally:
                # the split holds the training data: do not keep (or pickle) them
                net.train_split = None
        self._collect_history(first=first, incremental=incremental, n_train=len(train))
        return self

    def _datasets(self, X, y, sample_weight, *, validate):
        """The training dataset, and the held-out validation one when ``validate``.

        Both index the same storage of ``X`` (see :meth:`ArrayDataset.subset`):
        the split copies no rows.
        """
        data = ArrayDataset(X, y, sample_weight, device=self.net_.device,
                            dtype=self.net_.module_dtype_)
        if not validate:
            return data, None
        idx_train, idx_valid = self._validation_split(y, self._n_samples(X))
        return data.subset(idx_train), data.subset(idx_valid)

    def _validation_split(self, y, n_samples):
        stratify = y if self._loss_kind == "cross_entropy" else None
        indices = np.arange(n_samples)
        try:
            idx_train, idx_valid = train_test_split(
                indices, test_size=self.validation_fraction, stratify=stratify,
                random_state=self._random_state_.randint(np.iinfo(np.int32).max))
        except ValueError as exc:
            raise ValueError(
                f"early_stopping=True could not hold out validation_fraction="
                f"{self.validation_fraction} of {n_samples} samples: {exc}") from exc
        return idx_train, idx_valid

    def _collect_history(self, *, first, incremental, n_train):
        history = self.net_.history
        stopper = dict(self.net_.callbacks_)["sklearn_stopping"]
        epochs_before = 0 if first else self.n_iter_
        epochs_run = len(history) - epochs_before
        self.history_ = history
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        self.loss_ = self.loss_curve_[-1]
        self.n_iter_ = len(history)
        self.t_ = (0 if first else self.t_) + epochs_run * n_train
        if self.early_stopping and not incremental:
            self.validation_scores_ = [
                float(r["valid_score"]) for r in history if "valid_score" in r]
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)
        if not incremental and not stopper.stopped_ and epochs_run >= self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet.", ConvergenceWarning, stacklevel=4)

    # ------------------------------------------------------------ prediction
    def _forward(self, X):
        """Return the module's raw outputs for ``X`` as a float64 ndarray."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        net = self.net_
        # batches are copied to the device one at a time: never all of X
        data = ArrayDataset(X, device=net.device, dtype=net.module_dtype_, resident=False)
        batch = max(_PREDICT_BATCH, net.batch_size)
        outputs = None  # filled batch by batch: no list of pieces to concatenate
        start = 0
        module = net.module_
        was_training = module.training
        module.eval()
        try:
            with torch.inference_mode():
                for xb, _ in BatchIterator(data, batch):
                    out = module(*xb) if isinstance(xb, tuple) else module(xb)
                    if outputs is None:
                        outputs = torch.empty((len(data),) + tuple(out.shape[1:]),
                                              dtype=torch.float64)
                    outputs[start:start + len(out)] = out
                    start += len(out)
        finally:
            module.train(was_training)
        return outputs.numpy()

    # ------------------------------------------------------------- attributes
    @property
    def module_(self):
        """The fitted ``torch.nn.Module``."""
        check_is_fitted(self, "net_")
        return self.net_.module_

    def summary(self, print_fn=print):
        """Print (and return) the layers, output shapes and parameter counts.

        Like Keras's ``model.summary()``: one row per layer of ``module_``,
        the batch dimension shown as ``None``, then the total, trainable and
        non-trainable parameter counts.  Pass ``print_fn=None`` to only get
        the text.
        """
        check_is_fitted(self, "net_")
        example = ArrayDataset(self._example_input_, device=self.net_.device,
                               dtype=self.net_.module_dtype_).take(
            torch.arange(self._n_samples(self._example_input_), device=self.net_.device))[0]
        text = module_summary(
            self.net_.module_, example,
            title=f"Model: {type(self).__name__} ({self.device_}, "
                  f"{str(self.net_.module_dtype_).replace('torch.', '')})")
        if print_fn is not None:
            print_fn(text)
        return text

    def __setstate__(self, state):
        # skorch maps CUDA tensors to the CPU when CUDA is missing; keep
        # ``device_`` in step with where the net actually is now.
        self.__dict__.update(state)
        if "net_" in state:
            self.device_ = torch.device(self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
