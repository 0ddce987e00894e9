"""From the module's raw outputs to what ``predict``/``predict_proba`` return.

The module always ends in a linear layer; the estimator's ``out_activation_``
(scikit-learn's name) says how its outputs are read:

* ``'softmax'``: multiclass probabilities;
* ``'logistic'``: one independent probability per output (binary
  problems have one output, the probability of ``classes_[1]``; multilabel
  problems one per label);
* ``'identity'``: regression values;
* ``'exp'``: Poisson regression means (log link).
"""

import numpy as np
import torch


def activate(raw, out_activation):
    """Apply ``out_activation`` to a NumPy array of raw outputs (in place when possible)."""
    if out_activation == "softmax":
        raw = raw - raw.max(axis=1, keepdims=True)
        np.exp(raw, out=raw)
        raw /= raw.sum(axis=1, keepdims=True)
        return raw
    if out_activation == "logistic":
        return _sigmoid(raw)
    if out_activation == "exp":
        return np.exp(raw)
    return raw


def _sigmoid(raw):
    out = np.empty_like(raw)
    positive = raw >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-raw[positive]))
    exp_z = np.exp(raw[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


def activate_torch(raw, out_activation):
    """:func:`activate` for tensors (used by skorch's scoring callbacks)."""
    if out_activation == "softmax":
        return torch.softmax(raw, dim=1)
    if out_activation == "logistic":
        return torch.sigmoid(raw)
    if out_activation == "exp":
        return torch.exp(raw)
    return raw


def encoded_predictions(raw, out_activation, n_classes=None):
    """Predicted class indices (or the 0/1 indicator matrix) from raw outputs.

    ``n_classes`` is the number of classes of a single-output logistic model
    (1 or 2); multilabel models keep their 2-D indicator shape.
    """
    if out_activation == "softmax":
        return raw.argmax(axis=1)
    if out_activation == "logistic":
        positive = (raw > 0).astype(np.int64)
        if raw.shape[1] == 1 and n_classes is not None:
            return positive.ravel() if n_classes > 1 else np.zeros(len(raw), np.int64)
        return positive
    raise ValueError(f"out_activation={out_activation!r} has no classes")
