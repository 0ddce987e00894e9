"""The training loss: a per-sample loss, weighted, plus scikit-learn's L2 penalty."""

import torch
from torch import nn
from torch.nn import functional as F


def _squared_error(y_pred, y_true):
    # scikit-learn's MLPRegressor minimises half the mean squared error.
    diff = (y_pred - y_true.reshape(y_pred.shape)) ** 2
    return 0.5 * diff.reshape(diff.shape[0], -1).mean(dim=1)


class WeightedLoss(nn.Module):
    """Per-sample loss averaged with sample and class weights.

    The batch loss is ``sum_i w_i * loss_i / sum_i s_i`` where ``s_i`` is the
    sample weight (1 when none is given) and ``w_i = s_i * class_weight[y_i]``.
    With integer sample weights this equals fitting on repeated samples, which
    is what scikit-learn means by a sample weight.

    Parameters
    ----------
    kind : {'cross_entropy', 'squared_error'}
        Classification loss on logits, or half the squared error.
    class_weight : torch.Tensor or None
        One weight per class, for ``'cross_entropy'``.
    """

    def __init__(self, kind, class_weight=None):
        super().__init__()
        self.kind = kind
        if class_weight is None:
            self.class_weight = None
        else:
            self.register_buffer("class_weight", class_weight)

    def per_sample(self, y_pred, y_true):
        if self.kind == "cross_entropy":
            return F.cross_entropy(y_pred, y_true, reduction="none")
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
            weights = weights * self.class_weight.index_select(0, y_true)
        # A batch whose samples all carry zero weight contributes nothing.
        return (weights * losses).sum() / total_weight.clamp_min(1e-12), total_weight


def l2_penalty(weights, alpha, n_effective):
    """Value of scikit-learn's MLP penalty, ``alpha / 2 * ||W||^2`` per sample of the batch."""
    squares = torch.stack([w.pow(2).sum() for w in weights]).sum()
    return (0.5 * alpha) * squares / n_effective
