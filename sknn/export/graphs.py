"""The torch modules exported to ONNX: a fitted module plus its estimator's input handling.

Each wraps a copy of an estimator's ``module_`` (in float32, in eval mode) so
that the exported graph takes what ``predict`` takes after the estimator's
own input checks, and returns what ``predict_proba``/``predict`` return:

* :class:`TabularGraph` (MLP): float rows ``(N, n_features)``;
* :class:`ImageGraph` (CNN): images in the per-image layout of the fit
  (``(N, H, W)``, ``(N, H, W, C)`` or ``(N, C, H, W)``; ``uint8`` pixels are
  scaled to [0, 1] as in :class:`sknn.modules.conv.ConvNet`);
* :class:`SequenceGraph` (RNN): padded token ids ``(N, T)`` (leading and
  trailing zeros are padding, as in ``predict``) or float series
  ``(N, T, F)`` with trailing all-NaN steps as padding.  The lengths are
  worked out inside the graph, and the recurrence runs padded with the
  outputs at padding steps ignored (the forward of
  :class:`~sknn.modules.recurrent.RecurrentNet` with ``pack=False``), never
  packed, so each sequence gets the result it gets alone.

The output activation (the "head") is one of :data:`OUTPUT_ACTIVATIONS`,
taken from the estimator by :func:`output_activation`.
"""

import copy

import torch
from sklearn.base import is_classifier
from torch import nn

#: name -> function applied to the module's raw outputs in the exported graph
OUTPUT_ACTIVATIONS = {
    "softmax": lambda z: torch.softmax(z, dim=1),
    "logistic": torch.sigmoid,
    # a binary classifier's single logistic output, as [P(classes_[0]), P(classes_[1])]
    "binary_logistic": lambda z: torch.cat([1.0 - torch.sigmoid(z), torch.sigmoid(z)], dim=1),
    "exp": torch.exp,
    "identity": lambda z: z,
}


def output_activation(estimator):
    """The name of the function that turns ``module_``'s outputs into predictions.

    ``estimator.out_activation_`` when the estimator has one (as scikit-learn's
    MLP: ``'softmax'``, ``'logistic'`` for multilabel outputs, ``'identity'``;
    a binary classifier's one logistic output becomes ``'binary_logistic'``,
    two columns as ``predict_proba``;
    sknn adds ``'exp'`` for a Poisson loss); otherwise ``'softmax'`` for a
    classifier and ``'identity'`` for a regressor.
    """
    name = getattr(estimator, "out_activation_", None)
    if name is None:
        name = "softmax" if is_classifier(estimator) else "identity"
    if name == "logistic" and not getattr(estimator, "_multilabel_", True):
        name = "binary_logistic"
    if name not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"{type(estimator).__name__}.out_activation_={name!r} has no ONNX export; "
            f"known: {sorted(OUTPUT_ACTIVATIONS)}.")
    return name


def _float32_copy(module):
    module = copy.deepcopy(module).to("cpu", torch.float32)
    return module.eval()


class _Graph(nn.Module):
    def __init__(self, module, activation):
        super().__init__()
        self.module = _float32_copy(module)
        self.activation = activation

    def head(self, z):
        return OUTPUT_ACTIVATIONS[self.activation](z)


class TabularGraph(_Graph):
    """``X (N, n_features) float32 -> head(module(X))``."""

    def forward(self, x):
        return self.head(self.module(x))


class ImageGraph(_Graph):
    """Images in the fitted per-image layout -> ``head(module(NCHW images))``.

    Parameters
    ----------
    layout : {'hw', 'hwc', 'chw'}
        How one input image is laid out: grey ``(H, W)``, channels last or
        channels first.
    """

    def __init__(self, module, activation, layout):
        super().__init__(module, activation)
        self.layout = layout

    def forward(self, x):
        if self.layout == "hw":
            x = x.unsqueeze(1)
        elif self.layout == "hwc":
            x = x.permute(0, 3, 1, 2)
        return self.head(self.module(x))


class SequenceGraph(_Graph):
    """Padded sequences -> lengths, then the padding-exact recurrent forward.

    Parameters
    ----------
    module : sknn.modules.recurrent.RecurrentNet
    activation : str
    vocab_size : int or None
        For token ids: ids at or above it are read as 1 (out of vocabulary).
    """

    def __init__(self, module, activation, vocab_size=None):
        super().__init__(module, activation)
        self.vocab_size = vocab_size

    def _ids_and_lengths(self, x):
        # left-align: strip leading and trailing zeros (what predict does)
        T = x.shape[1]
        steps = torch.arange(T, device=x.device).unsqueeze(0)
        nonzero = x != 0
        end = torch.where(nonzero, steps + 1, 0).amax(dim=1)
        start = T - torch.where(nonzero, T - steps, 0).amax(dim=1)
        has_token = end > 0
        start = torch.where(has_token, start, 0)
        lengths = torch.where(has_token, end - start, 1)
        index = (start.unsqueeze(1) + steps).clamp(max=T - 1)
        ids = x.gather(1, index)
        ids = torch.where(steps < lengths.unsqueeze(1), ids, 0)
        if self.vocab_size is not None:
            ids = torch.where(ids >= self.vocab_size, 1, ids)
        return ids, lengths

    def _values_and_lengths(self, x):
        T = x.shape[1]
        steps = torch.arange(T, device=x.device).unsqueeze(0)
        missing = torch.isnan(x)
        has_data = ~missing.all(dim=2)
        lengths = torch.where(has_data, steps + 1, 0).amax(dim=1).clamp(min=1)
        return torch.where(missing, 0.0, x), lengths

    def forward(self, x):
        net = self.module
        if net.tokens:
            x, lengths = self._ids_and_lengths(x)
        else:
            x, lengths = self._values_and_lengths(x)
        # Every shape below comes from the input's time axis: torch.export
        # does not carry it through the recurrent ops' outputs.
        steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
        inside = steps < lengths.unsqueeze(1)
        # reverse each sequence within its length (sknn.modules.recurrent's
        # reverse_within_lengths, with the index built once)
        reverse = torch.where(inside, lengths.unsqueeze(1) - 1 - steps, steps).unsqueeze(2)
        x = net._inputs(x)
        # RecurrentNet.forward with pack=False, without trimming to the
        # longest sequence (a data-dependent shape): padding steps run and are
        # ignored, which leaves the outputs at valid steps unchanged.
        for directions in net.layers:
            outputs = [directions[0](x)[0]]
            if len(directions) == 2:
                backward = directions[1](x.gather(1, reverse.expand(-1, -1, x.shape[2])))[0]
                outputs.append(backward.gather(1, reverse.expand(-1, -1, backward.shape[2])))
            x = torch.cat(outputs, dim=2) if len(outputs) == 2 else outputs[0]
        if net.pooling == "last":
            last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, x.shape[2])
            features = x.gather(1, last).squeeze(1)
            if len(net.layers[-1]) == 2:
                hidden = x.shape[2] // 2
                features = torch.cat([features[:, :hidden], x[:, 0, hidden:]], dim=1)
        else:
            valid = inside.unsqueeze(2)
            if net.pooling == "mean":
                features = x.masked_fill(~valid, 0).sum(dim=1) / lengths.unsqueeze(1).to(x.dtype)
            else:
                features = x.masked_fill(~valid, float("-inf")).amax(dim=1)
        return self.head(net.head(features))
