"""Mapping scikit-learn's ``solver`` names to torch optimizers."""

import torch

from . import fast_optim
from .lbfgs import LBFGSB

SOLVERS = ("adam", "sgd", "lbfgs", "rmsprop", "adamw")


def optimizer_spec(estimator, dtype, device):
    """Return ``(optimizer_class, lr, kwargs)`` for the estimator's ``solver``.

    The parameters keep scikit-learn's meaning: ``beta_1``, ``beta_2`` and
    ``epsilon`` for Adam(W), ``momentum`` and ``nesterovs_momentum`` for SGD
    (RMSprop uses Keras's defaults: decay ``rho=0.9``, no momentum).
    ``'lbfgs'`` is scipy's L-BFGS-B over the full data set, run as
    scikit-learn runs it (``maxfun=max_fun``, ``maxiter=max_iter``,
    ``gtol=tol``; see :mod:`sknn.core.lbfgs`); one iteration is one epoch.
    It ignores ``learning_rate_init``.

    The L2 penalty ``alpha`` is part of the loss (as in scikit-learn), so no
    optimizer gets a ``weight_decay``.  Adam, AdamW and SGD use torch's fused
    kernels where the device and dtype support them.  The stochastic solvers
    are torch's classes built without importing ``torch._dynamo`` (see
    :mod:`sknn.core.fast_optim`).
    """
    solver = estimator.solver
    fused = {"fused": True} if device.type in ("cpu", "cuda") and dtype in (
        torch.float32, torch.float64) else {}
    if solver == "adam":
        return fast_optim.Adam, estimator.learning_rate_init, dict(
            betas=(estimator.beta_1, estimator.beta_2), eps=estimator.epsilon, **fused)
    if solver == "adamw":
        return fast_optim.AdamW, estimator.learning_rate_init, dict(
            betas=(estimator.beta_1, estimator.beta_2), eps=estimator.epsilon,
            weight_decay=0.0, **fused)
    if solver == "sgd":
        nesterov = bool(estimator.nesterovs_momentum and estimator.momentum > 0)
        return fast_optim.SGD, estimator.learning_rate_init, dict(
            momentum=estimator.momentum, nesterov=nesterov, **fused)
    if solver == "rmsprop":
        return fast_optim.RMSprop, estimator.learning_rate_init, dict(
            alpha=0.9, eps=estimator.epsilon)
    if solver == "lbfgs":
        return LBFGSB, 1.0, dict(max_fun=estimator.max_fun, gtol=estimator.tol)
    raise ValueError(f"solver={solver!r} is not one of {SOLVERS}")
