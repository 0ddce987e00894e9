"""The training loss: a per-sample loss, weighted, plus scikit-learn's L2 penalty.

Each loss takes the module's raw outputs and matches the loss that
scikit-learn's MLPs minimise for the same output activation
(``out_activation_``):

============================  ===============  =====================================
loss                          out_activation_  per sample
============================  ===============  =====================================
``'cross_entropy'``           ``'softmax'``    ``-log softmax(z)[y]`` (multiclass)
``'binary_cross_entropy'``    ``'logistic'``   ``sum_k BCE(sigmoid(z_k), y_k)`` (binary,
                                               multilabel)
``'squared_error'``           ``'identity'``   ``mean_k (z_k - y_k)^2 / 2``
``'poisson'``                 ``'exp'``        ``sum_k y log(y / mu) - y + mu``, ``mu = exp(z)``
============================  ===============  =====================================
"""

import torch
from torch import nn
from torch.nn import functional as F

#: loss kind -> the activation that turns raw outputs into predictions
OUT_ACTIVATIONS = {
    "cross_entropy": "softmax",
    "binary_cross_entropy": "logistic",
    "squared_error": "identity",
    "poisson": "exp",
}


def _squared_error(y_pred, y_true):
    # scikit-learn's MLPRegressor minimises half the mean squared error.
    diff = (y_pred - y_true.reshape(y_pred.shape)) ** 2
    return 0.5 * diff.reshape(diff.shape[0], -1).mean(dim=1)


def _binary_cross_entropy(y_pred, y_true):
    losses = F.binary_cross_entropy_with_logits(
        y_pred, y_true.reshape(y_pred.shape).to(y_pred.dtype), reduction="none")
    return losses.reshape(losses.shape[0], -1).sum(dim=1)


def _poisson(y_pred, y_true):
    # half the Poisson deviance with a log link, as scikit-learn's poisson_loss
    y = y_true.reshape(y_pred.shape).to(y_pred.dtype)
    losses = torch.xlogy(y, y) - y * y_pred - y + torch.exp(y_pred)
    return losses.reshape(losses.shape[0], -1).sum(dim=1)


class WeightedLoss(nn.Module):
    """Per-sample loss averaged with sample and class weights.

    The batch loss is ``sum_i w_i * loss_i / sum_i s_i`` where ``s_i`` is the
    sample weight (1 when none is given) and ``w_i = s_i * class_weight[y_i]``.
    With integer sample weights this equals fitting on repeated samples, which
    is what scikit-learn means by a sample weight.

    Parameters
    ----------
    kind : {'cross_entropy', 'binary_cross_entropy', 'squared_error', 'poisson'}
        See the module docstring.
    class_weight : torch.Tensor or None
        One weight per class, for ``'cross_entropy'`` and the binary
        (single-output) ``'binary_cross_entropy'``.
    """

    def __init__(self, kind, class_weight=None):
        super().__init__()
        if kind not in OUT_ACTIVATIONS:
            raise ValueError(f"unknown loss {kind!r}; expected one of {sorted(OUT_ACTIVATIONS)}")
        self.kind = kind
        if class_weight is None:
            self.class_weight = None
        else:
            self.register_buffer("class_weight", class_weight)

    @property
    def out_activation(self):
        return OUT_ACTIVATIONS[self.kind]

    def per_sample(self, y_pred, y_true):
        if self.kind == "cross_entropy":
            return F.cross_entropy(y_pred, y_true, reduction="none")
        if self.kind == "binary_cross_entropy":
            return _binary_cross_entropy(y_pred, y_true)
        if self.kind == "poisson":
            return _poisson(y_pred, y_true)
        return _squared_error(y_pred, y_true)

    def forward(self, y_pred, y_true, sample_weight=None):
        if sample_weight is None and self.class_weight is None:
            if self.kind == "cross_entropy":
                return F.cross_entropy(y_pred, y_true), y_true.shape[0]
            return self.per_sample(y_pred, y_true).mean(), y_true.shape[0]
        losses = self.per_sample(y_pred, y_true)
        weights = sample_weight if sample_weight is not None else torch.ones_like(losses)
        total_weight = weights.sum()
        if self.class_weight is not None:
            weights = weights * self.class_weight.index_select(
                0, y_true.reshape(-1).to(torch.int64))
        # A batch whose samples all carry zero weight contributes nothing, its
        # L2 penalty included (the penalty is divided by an infinite count).
        return ((weights * losses).sum() / total_weight.clamp_min(1e-12),
                _effective_count(total_weight))


def _effective_count(total_weight):
    """The batch's weight for the penalty: +inf when every sample weighs zero."""
    return torch.where(total_weight > 0, total_weight, torch.full_like(total_weight, float("inf")))


def l2_penalty(weights, alpha, n_effective):
    """Value of scikit-learn's MLP penalty, ``alpha / 2 * ||W||^2`` per sample of the batch."""
    squares = torch.stack([w.pow(2).sum() for w in weights]).sum()
    return (0.5 * alpha) * squares / n_effective
