"""A backbone with its input adaptation and a new classifier head, and its freezing.

:class:`ImageAdapter` turns the images the estimators take (``(N, C, H, W)``,
``uint8`` or float, grey-scale or colour) into what a pretrained backbone was
trained on: [0, 1] pixels, 3 channels (grey repeated), the backbone's input
size (bilinear resize) and its per-channel normalisation.

:class:`BackboneNet` is ``adapter -> backbone -> pooled features ->
[dropout] -> DenseStack head``.  Its blocks can be frozen
(``requires_grad=False``); a frozen block stays in eval mode whenever the net
trains, so its batch-norm statistics (and its stochastic depth) stay those of
the pretrained weights.
"""

import torch
from torch import nn
from torch.nn import functional as F

from .dense import DenseStack
from .dropout import Dropout


class ImageAdapter(nn.Module):
    """``(N, C, H, W)`` images -> normalised ``(N, 3, h, w)`` float images.

    Parameters
    ----------
    in_channels : int
        Channels of the input images: 1 (repeated to ``out_channels``), 3, or 4
        (the alpha channel is dropped).
    out_channels : int
        Channels the backbone takes.
    size : tuple of int or None
        ``(height, width)`` to resize to (bilinear); None: keep the size.
    mean, std : sequence of float or None
        Per-channel normalisation after scaling to [0, 1]; None: none.
    """

    def __init__(self, in_channels, out_channels=3, size=None, mean=None, std=None):
        super().__init__()
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.size = None if size is None else (int(size[0]), int(size[1]))
        if mean is not None:
            self.register_buffer("mean", torch.tensor(mean).reshape(1, -1, 1, 1))
            self.register_buffer("std", torch.tensor(std).reshape(1, -1, 1, 1))
        else:
            self.mean = self.std = None
        if self.in_channels not in (1, self.out_channels) and not (
                self.in_channels == 4 and self.out_channels == 3):
            raise ValueError(
                f"Images with {self.in_channels} channels cannot be adapted to a backbone "
                f"that takes {self.out_channels} (1, {self.out_channels}"
                f"{', or 4 with alpha' if self.out_channels == 3 else ''} are accepted).")

    def forward(self, x, dtype=torch.float32):
        if not x.is_floating_point():
            x = x.to(dtype) * (1.0 / 255.0) if x.dtype == torch.uint8 else x.to(dtype)
        if self.in_channels == 1 and self.out_channels != 1:
            x = x.expand(-1, self.out_channels, -1, -1)
        elif self.in_channels == 4 and self.out_channels == 3:
            x = x[:, :3]
        if self.size is not None and tuple(x.shape[-2:]) != self.size:
            x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False)
        if self.mean is not None:
            x = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        return x


def _names(blocks):
    """The submodule names of ``blocks`` (each a name or a tuple of names)."""
    return [name for block in blocks
            for name in ((block,) if isinstance(block, str) else block)]


def pool(features):
    """``(N, F, h, w)`` feature maps -> ``(N, F)`` by global average; ``(N, F)`` as it is."""
    if features.ndim == 4:
        return features.mean(dim=(2, 3))
    if features.ndim == 3:  # (N, tokens, F) of a transformer
        return features.mean(dim=1)
    return features


class BackboneNet(nn.Module):
    """``adapter -> backbone -> pool -> [dropout] -> head``.

    Parameters
    ----------
    adapter : ImageAdapter
    backbone : nn.Module
        Returns ``(N, F)`` features or ``(N, F, h, w)`` maps for adapted images.
    n_features : int
        ``F``.
    n_outputs : int
        Width of the output (logits); 0 for a feature extractor (no head).
    blocks : list of str or tuple of str
        The backbone's blocks, input to output, each a submodule name or a
        tuple of them (see :meth:`block_parameter_names`).
    hidden_layer_sizes, activation, dropout, batch_norm
        The head, as :class:`DenseStack`; ``dropout`` also applies to the
        pooled features.
    name, head_keys : str, tuple of str
        The backbone's name and the prefixes of its replaced classifier's
        entries in a pretrained state dict (see ``pretrained_weights.load_into``).
    """

    def __init__(self, adapter, backbone, n_features, n_outputs, *, blocks=(),
                 hidden_layer_sizes=(), activation="relu", dropout=0.0, batch_norm=False,
                 name="module", head_keys=()):
        super().__init__()
        self.name = name
        self.head_keys = tuple(head_keys)
        self.adapter = adapter
        self.backbone = backbone
        self.n_features = int(n_features)
        self.blocks = list(blocks)
        self.dropout = Dropout(dropout) if dropout else nn.Identity()
        self.head = (DenseStack(self.n_features, hidden_layer_sizes, n_outputs,
                                activation=activation, dropout=dropout,
                                batch_norm=batch_norm) if n_outputs else None)

    # ------------------------------------------------------------ freezing
    def block_parameter_names(self, n_trained):
        """Names (in this module) of the backbone parameters outside its last ``n_trained`` blocks.

        ``n_trained=0``: the whole backbone.  Parameters of the backbone that
        belong to no listed block count as the first block's.
        """
        names = [f"backbone.{n}" for n, _ in self.backbone.named_parameters()]
        if n_trained <= 0:
            return names
        trained = self.blocks[max(len(self.blocks) - n_trained, 0):]
        prefixes = tuple(f"backbone.{name}." for name in _names(trained))
        return [n for n in names if not n.startswith(prefixes)]

    def train(self, mode=True):
        """Train mode, except for the frozen parts of the backbone (kept in eval mode)."""
        super().train(mode)
        if mode:
            parts = [self.backbone.get_submodule(name) for name in _names(self.blocks)]
            parts += [m for m in self.backbone.modules() if not next(m.children(), None)]
            for module in parts:
                params = list(module.parameters())
                if params and not any(p.requires_grad for p in params):
                    module.eval()
        return self

    # ------------------------------------------------------------- forward
    def features(self, x):
        """Pooled backbone features ``(N, F)`` of images ``x`` (``(N, C, H, W)``)."""
        dtype = next((p.dtype for p in self.backbone.parameters() if p.is_floating_point()),
                     torch.float32)
        return pool(self.backbone(self.adapter(x, dtype)))

    def forward(self, x):
        features = self.features(x)
        if self.head is None:
            return features
        return self.head(self.dropout(features))


def count_features(adapter, backbone, in_channels, image_size):
    """``F``, from one forward pass of a zero image (in eval mode, without gradients)."""
    was_training = backbone.training
    backbone.eval()
    try:
        with torch.no_grad():
            dtype = next((p.dtype for p in backbone.parameters() if p.is_floating_point()),
                         torch.float32)
            x = torch.zeros((1, in_channels, *image_size), dtype=dtype)
            out = pool(backbone(adapter(x, dtype)))
    finally:
        backbone.train(was_training)
    if out.ndim != 2:
        raise ValueError(
            f"The backbone returned an output of shape {tuple(out.shape)}; it must return "
            "(N, F) features or (N, F, h, w) feature maps.")
    return int(out.shape[1])
