"""``solver='lbfgs'``: scipy's L-BFGS-B on the flattened weights, as scikit-learn runs it.

scikit-learn's MLPs hand their packed coefficients to
``scipy.optimize.minimize(method='L-BFGS-B', jac=True)`` with a function that
returns the loss and its gradient in one pass, and the options
``maxfun=max_fun, maxiter=max_iter, gtol=tol``.  sknn does the same, so its
L-BFGS stops by the same rules, on the same loss scale (the mean loss plus the
L2 penalty), at about the same cost per iteration: for a plain dense stack on
the CPU the loss and gradient come from the fast path's NumPy step
(:class:`~sknn.core.fast_dense.DenseFastStep`), for any other module from one
autograd forward/backward pass.  (torch's ``LBFGS`` with a closure, used
before, cost about 24 ms per iteration against scikit-learn's 1 ms on a small
problem and stopped earlier, at a higher loss.)

Each L-BFGS iteration is one epoch of the training loop: it is recorded in the
history (``train_loss``, ``func_evals``) and the callbacks' epoch hooks run, so
``loss_curve_``, ``n_iter_``, verbose output and user callbacks behave as with
the stochastic solvers.  A callback that asks to stop ends the run after that
iteration; an interrupt rolls back to the last completed iteration.

:class:`LBFGSB` is the net's ``optimizer_``: a ``torch.optim.Optimizer``
holding the parameters and options (so that skorch and checkpoints see an
ordinary optimizer), whose ``step`` is never called: :func:`train_lbfgs` runs
the whole minimisation.
"""

import contextlib
import math
import threading

import numpy as np
import torch
from scipy.optimize import minimize

from .fast_optim import _WithoutDynamo

_LIMIT_LOCK = threading.Lock()
_LIMIT = {"users": 0, "saved": None}


def _scipy_own_blas():
    """The BLAS libraries scipy's wheel bundles apart from NumPy's (threadpoolctl controllers).

    pip's scipy and NumPy wheels each ship their own OpenBLAS, with a thread
    pool each.  L-BFGS-B's vector operations run in scipy's, the loss and
    gradient in NumPy's: on every iteration the two pools' spinning threads
    take the cores from each other (measured on 2 cores: 20 ms an iteration
    instead of 1 ms, for scikit-learn's MLP as for sknn's).  Where both share
    one library (conda, system packages) there is nothing to limit.
    """
    from threadpoolctl import ThreadpoolController

    return [lib for lib in ThreadpoolController().lib_controllers
            if lib.user_api == "blas" and "scipy.libs" in lib.filepath]


@contextlib.contextmanager
def _one_thread_for_scipy_blas():
    """scipy's own BLAS pool on one thread while any L-BFGS run is going on.

    Its vectors (the flattened weights) are too small to gain from threads.
    The setting is process-wide, so it is counted: the first run to start sets
    it, the last to finish puts the caller's setting back.
    """
    with _LIMIT_LOCK:
        if _LIMIT["users"] == 0:
            libs = _scipy_own_blas()
            _LIMIT["saved"] = [(lib, lib.num_threads) for lib in libs]
            for lib in libs:
                lib.set_num_threads(1)
        _LIMIT["users"] += 1
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _LIMIT["users"] -= 1
            if _LIMIT["users"] == 0:
                for lib, n in _LIMIT["saved"]:
                    lib.set_num_threads(n)
                _LIMIT["saved"] = None


class LBFGSB(_WithoutDynamo, torch.optim.Optimizer):
    """The parameters and options of a scipy L-BFGS-B run (see :func:`train_lbfgs`).

    Parameters
    ----------
    params : iterable of torch.Tensor
    lr : float
        Unused (L-BFGS-B has no learning rate); kept for skorch's ``lr``.
    max_fun : int
        scipy's ``maxfun``: the budget of loss evaluations.
    gtol : float
        scipy's ``gtol``: stop once the largest projected gradient entry is
        at most this (scikit-learn passes ``tol``).
    maxcor : int
        Number of correction pairs kept (scipy's default, 10).
    """

    def __init__(self, params, lr=1.0, max_fun=15000, gtol=1e-4, maxcor=10):
        super().__init__(params, dict(lr=lr, max_fun=max_fun, gtol=gtol, maxcor=maxcor))

    def step(self, closure=None):
        raise RuntimeError("LBFGSB runs the whole minimisation through sknn.core.lbfgs."
                           "train_lbfgs; it has no per-batch step.")


class _Objective:
    """``fun(x) -> (loss, gradient)`` over the whole training set, both float64."""

    def __init__(self, net, batch, params):
        from .fast_dense import fast_step_for

        self.net = net
        self.batch = batch
        self.params = params
        self.np_params = [p.detach().numpy() for p in params]
        sizes = [p.numel() for p in params]
        self.bounds = list(zip(np.cumsum([0] + sizes[:-1]).tolist(), np.cumsum(sizes).tolist()))
        self.size = sum(sizes)
        self.fast = fast_step_for(net, {})
        self.n_evals = 0
        self.last = None  # (x, loss) of the last evaluation

    def x(self):
        return np.concatenate([p.reshape(-1) for p in self.np_params]).astype(np.float64)

    def set(self, x):
        for p, (a, b) in zip(self.np_params, self.bounds):
            np.copyto(p, x[a:b].reshape(p.shape), casting="unsafe")

    def __call__(self, x):
        self.set(x)
        self.n_evals += 1
        net = self.net
        if self.fast is not None:
            loss = self.fast._forward_backward(*self.batch)
            grad = self.fast.flat_grad.astype(np.float64)
        else:
            net._set_training(True)
            for p in self.params:
                p.grad = None
            step = net.train_step_single(self.batch)
            loss = float(step["loss"].detach())
            grad = np.concatenate([
                (p.grad if p.grad is not None else torch.zeros_like(p)).detach().cpu()
                .reshape(-1).numpy() for p in self.params]).astype(np.float64)
        self.last = (x, loss)
        return loss, grad


def train_lbfgs(net, dataset_train, epochs):
    """Minimise the training loss with scipy's L-BFGS-B for at most ``epochs`` iterations.

    Called by :meth:`TrainingNet.train_epochs <sknn.core.net.TrainingNet.train_epochs>`
    when ``net.optimizer_`` is an :class:`LBFGSB`; returns the number of
    iterations completed and sets ``net.stop_reason_``: ``'converged'``
    (scipy's tests on the gradient and the relative loss decrease),
    ``'max_fun'`` (the evaluation budget is spent), None (``epochs``
    iterations ran), ``'diverged'``, ``'interrupted'`` or a callback's reason.
    """
    from .batches import BatchIterator
    from .epoch_snapshot import EpochSnapshot

    optimizer = net.optimizer_
    group = optimizer.param_groups[0]
    params = [p for g in optimizer.param_groups for p in g["params"] if p.requires_grad]
    batch = next(iter(BatchIterator(dataset_train, len(dataset_train))))
    objective = _Objective(net, batch, params)
    kwargs = {"dataset_train": dataset_train, "dataset_valid": None}
    snapshot = EpochSnapshot(net.module_, [optimizer])
    snapshot.take()
    state = {"completed": 0}

    def end_epoch(intermediate_result):
        loss = float(intermediate_result.fun)
        objective.set(intermediate_result.x)
        net.history.record("train_loss", loss)
        net.history.record("func_evals", objective.n_evals)
        state["completed"] += 1
        snapshot.take()  # an interrupt from here on keeps this iteration
        if not math.isfinite(loss) or not np.isfinite(intermediate_result.x).all():
            net.history.record("diverged", True)
            net.request_stop("diverged")
        net.notify("on_epoch_end", **kwargs)
        if net.stop_reason_ is not None:
            raise StopIteration
        net.notify("on_epoch_begin", **kwargs)

    start = len(net.history)
    net.notify("on_epoch_begin", **kwargs)
    try:
        with _one_thread_for_scipy_blas():
            result = minimize(
                objective, objective.x(), method="L-BFGS-B", jac=True, callback=end_epoch,
                options={"maxfun": group["max_fun"], "maxiter": epochs,
                         "gtol": group["gtol"], "maxcor": group["maxcor"]})
    except KeyboardInterrupt:
        snapshot.restore()  # the weights of the last completed iteration
        del net.history[start + state["completed"]:]
        net.stop_reason_ = "interrupted"
        return state["completed"]
    # the epoch begun after the last iteration, when scipy (not a callback) ended the run
    del net.history[start + state["completed"]:]
    if net.stop_reason_ is None:
        objective.set(result.x)
        if result.status == 0:
            net.stop_reason_ = "converged"
        elif result.nfev >= group["max_fun"] and state["completed"] < epochs:
            net.stop_reason_ = "max_fun"
        elif state["completed"] < epochs:
            # an abnormal end of the line search: no descent left at this precision
            net.stop_reason_ = "converged"
    return state["completed"]
