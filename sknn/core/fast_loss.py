"""The training losses of :mod:`sknn.core.losses`, and their gradients, in NumPy.

The CPU fast path (:mod:`sknn.core.fast_dense`) runs its whole training step
in NumPy, so that one thread pool (NumPy's BLAS) does the work; a torch kernel
in the same step would wake torch's OpenMP pool, whose spinning threads and
the BLAS threads then take the cores from each other on every batch.  These
functions compute exactly what :class:`~sknn.core.losses.WeightedLoss`
computes (the batch loss ``sum_i w_i loss_i / sum_i s_i``, see there) and, in
closed form, its gradient with respect to the module's raw outputs.
"""

import numpy as np
from scipy.special import expit, xlogy


def batch_weights(n, sample_weight, class_weight, y):
    """``(coef, n_effective)``: each sample's share of the batch loss, and the
    batch's sample count for the L2 penalty (+inf when every weight is zero).

    ``coef`` is None for an unweighted batch (every sample weighs ``1 / n``).
    """
    if sample_weight is None and class_weight is None:
        return None, n
    w = sample_weight if sample_weight is not None else np.ones(n, dtype=np.float64)
    total = float(w.sum())
    n_effective = total if total > 0 else float("inf")
    if class_weight is not None:
        w = w * class_weight[y.reshape(-1).astype(np.intp)]
    return w / max(total, 1e-12), n_effective


def loss_and_grad(kind, out, y, coef, grad):
    """The batch loss (a float) of raw outputs ``out``, its gradient written to ``grad``.

    ``out`` and ``grad`` are (n, k) arrays of the same shape (``grad`` may be
    ``out`` itself only for ``'squared_error'``); ``y`` holds class indices
    for ``'cross_entropy'`` and targets of ``out``'s shape (or size) otherwise.
    """
    n = out.shape[0]
    if kind == "cross_entropy":
        rows = np.arange(n)
        top = out.max(axis=1, keepdims=True)
        np.subtract(out, top, out=grad)
        np.exp(grad, out=grad)
        total = grad.sum(axis=1, keepdims=True)
        grad /= total
        # -log softmax(out)[y] = log(sum exp(out - top)) - (out[y] - top)
        per_sample = np.log(total[:, 0]) - (out[rows, y] - top[:, 0])
        grad[rows, y] -= 1.0
    elif kind == "squared_error":
        np.subtract(out, y.reshape(out.shape), out=grad)
        per_sample = np.einsum("ij,ij->i", grad, grad) * (0.5 / out.shape[1])
        grad /= out.shape[1]
    else:
        target = y.reshape(out.shape)
        if kind == "binary_cross_entropy":
            # log(1 + exp(-|x|)) + max(x, 0) - x t, as torch computes it with logits
            per_sample = (np.logaddexp(0.0, -np.abs(out)) + np.maximum(out, 0)
                          - out * target).sum(axis=1)
            expit(out, out=grad)
        else:  # poisson: half the deviance with a log link
            np.exp(out, out=grad)
            per_sample = (xlogy(target, target) - target * out - target + grad).sum(axis=1)
        grad -= target
    if coef is None:
        grad /= n
        return float(per_sample.mean())
    grad *= coef[:, None]
    return float(np.dot(coef, per_sample))
