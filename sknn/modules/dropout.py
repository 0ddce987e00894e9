"""Dropout that draws its masks from a private random generator.

``torch.nn.Dropout`` draws from torch's global generator, so two models
training in two threads disturb each other's masks, and a fit changes the
caller's global random state.  :class:`Dropout` draws from ``generator``
when one is set (sknn's estimators give each fit its own, seeded from
``random_state``) and behaves exactly like ``torch.nn.Dropout`` otherwise.
"""

import torch
from torch import nn


class Dropout(nn.Dropout):
    """``torch.nn.Dropout`` with an optional private ``torch.Generator``.

    The generator is not part of the module's state: it is not saved in a
    ``state_dict`` nor pickled, and a restored module falls back to the
    global generator until a new one is set.
    """

    generator = None

    def forward(self, x):
        generator = self.generator
        if generator is None or not self.training or self.p == 0.0:
            return super().forward(x)
        if self.p == 1.0:
            return torch.zeros_like(x)
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p, generator=generator)
        return x * keep.div_(1.0 - self.p)

    def __getstate__(self):
        state = super().__getstate__().copy()
        state.pop("generator", None)
        return state


def set_dropout_generator(module, generator):
    """Make every :class:`Dropout` inside ``module`` draw from ``generator``."""
    for layer in module.modules():
        if isinstance(layer, Dropout):
            layer.generator = generator
