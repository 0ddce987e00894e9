"""Wiring a pretrained backbone into the estimators: building, weights, freezing, learning rates.

Shared by :class:`~sknn.CNNImageClassifier` (``backbone=...``) and
:class:`~sknn.ImageFeatureExtractor`.  The torch side lives in
:mod:`sknn.modules.backbones`, :mod:`sknn.modules.backbone_net` and
:mod:`sknn.modules.pretrained_weights`.

Freezing uses skorch's :class:`~skorch.callbacks.Freezer` (at the first epoch
of a fit) and :class:`~skorch.callbacks.Unfreezer` (``unfreeze_after``
epochs later); the backbone's parameters form their own optimizer parameter
group (skorch's ``optimizer__param_groups``) with the learning rate
``learning_rate_init * backbone_lr_scale``.
"""

from numbers import Integral, Real

from skorch.callbacks import Callback

from ..modules.backbone_net import BackboneNet, ImageAdapter, count_features
from ..modules.backbones import build_backbone
from ..modules.pretrained_weights import load_into, resolve


def input_size(value, spec):
    """``(height, width)`` to resize to, or None: ``value`` is 'auto', None, an int or a pair."""
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(f"input_size must be 'auto', None, an int or (height, width); "
                             f"got {value!r}.")
        return spec.input_size
    if value is None:
        return None
    pair = (value, value) if isinstance(value, Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1
                                 for v in pair):
        raise ValueError(f"input_size must be 'auto', None, a positive int or a (height, "
                         f"width) pair of positive ints; got {value!r}.")
    return (int(pair[0]), int(pair[1]))


def build_net(estimator, in_channels, image_hw, n_outputs, *, head=None):
    """A :class:`BackboneNet` for ``estimator.backbone`` (random weights; see :func:`load_weights`).

    ``head``: the keyword arguments of the classifier head (hidden layers,
    activation, dropout, batch norm); ``n_outputs=0`` builds a feature extractor.
    """
    spec = build_backbone(estimator.backbone)
    size = input_size(estimator.input_size, spec)
    adapter = ImageAdapter(in_channels, spec.in_channels, size, spec.mean, spec.std)
    n_features = count_features(adapter, spec.module, in_channels, image_hw)
    net = BackboneNet(adapter, spec.module, n_features, n_outputs, blocks=spec.blocks,
                      name=spec.name, head_keys=spec.head_keys, **(head or {}))
    return net


def weight_file(estimator):
    """The file ``estimator.weights`` names (checked before any module is built), or None."""
    if estimator.weights is None:
        return None
    spec = build_backbone(estimator.backbone)
    return resolve(estimator.weights, spec)


def load_weights(net, path):
    """Load the pretrained backbone weights of ``path`` into ``net.backbone``."""
    if path is not None:
        load_into(net.backbone, path, net.name, net.head_keys)
    return net


def check_freeze(freeze):
    if isinstance(freeze, bool) or freeze == "auto":
        return freeze
    if isinstance(freeze, Integral) and freeze >= 0:
        return int(freeze)
    raise ValueError(f"freeze must be True, False, 'auto' or a number of final backbone "
                     f"blocks to train (int >= 0); got {freeze!r}.")


def freeze_plan(estimator, net):
    """``(frozen at the start, unfrozen after unfreeze_after epochs)``: parameter names.

    ``freeze=True``: the whole backbone is frozen; ``freeze=k``: all but its
    last ``k`` blocks.  With ``unfreeze_after=N`` only the head trains for the
    first ``N`` epochs, then the parts ``freeze`` leaves trainable join it
    (all of the backbone for ``freeze=True``).
    """
    freeze = check_freeze(estimator.freeze)
    if freeze == "auto":
        freeze = estimator.weights is not None
    after = estimator.unfreeze_after
    if after is not None and (isinstance(after, bool) or not isinstance(after, Integral)
                              or after < 1):
        raise ValueError(f"unfreeze_after must be None or a number of epochs >= 1; "
                         f"got {after!r}.")
    if freeze is False:
        if after is not None:
            raise ValueError("unfreeze_after needs freeze=True or a number of blocks: "
                             "with freeze=False nothing is frozen.")
        return [], []
    n_trained = 0 if freeze is True else freeze
    if n_trained > len(net.blocks):
        raise ValueError(f"freeze={freeze} asks to train the last {freeze} blocks, but "
                         f"backbone {net.name!r} has {len(net.blocks)}.")
    frozen = net.block_parameter_names(n_trained)
    if after is None:
        return frozen, []
    everything = net.block_parameter_names(0)
    later = everything if freeze is True else [n for n in everything if n not in set(frozen)]
    return everything, later


def lr_scale(estimator):
    scale = estimator.backbone_lr_scale
    if scale == "auto":
        return 0.1 if estimator.weights is not None else 1.0
    if isinstance(scale, bool) or not isinstance(scale, Real) or not scale > 0:
        raise ValueError(f"backbone_lr_scale must be 'auto' or a positive number; "
                         f"got {scale!r}.")
    return float(scale)


class FrozenInEval(Callback):
    """Puts the frozen parts of the backbone in eval mode at each epoch's start.

    (After the Freezer/Unfreezer of that epoch: see ``BackboneNet.train``.)
    The training net switches its module to train mode only when it is not
    already in it, so the new frozen/trainable split is applied here.
    """

    def on_epoch_begin(self, net, **kwargs):
        net.module_.train(True)


def callbacks(estimator, net, start_epoch):
    """skorch's Freezer (and Unfreezer) for this fit, whose epochs count from ``start_epoch``."""
    from skorch.callbacks import Freezer, Unfreezer

    frozen, later = freeze_plan(estimator, net)
    if not frozen:
        return []
    result = [("backbone_freezer", Freezer(frozen, at=start_epoch + 1))]
    if later:
        result.append(("backbone_unfreezer", Unfreezer(
            later, at=start_epoch + estimator.unfreeze_after + 1)))
    result.append(("backbone_frozen_in_eval", FrozenInEval()))
    return result


def param_groups(estimator, learning_rate):
    """skorch's ``optimizer__param_groups``: the backbone at ``learning_rate * scale``."""
    scale = lr_scale(estimator)
    if scale == 1.0:
        return None
    return [("backbone.*", {"lr": learning_rate * scale})]
