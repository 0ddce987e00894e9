"""``CNNImageClassifier``: a convolutional image classifier with scikit-learn's API."""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ..core import NeuralClassifierMixin, NeuralEstimatorBase
from ..modules import ACTIVATIONS
from ..modules.conv import PADDINGS, POOLINGS, ConvNet
from . import backbone_setup
from .image_layout import DATA_FORMATS, validate_images
from .mlp import _layer_sizes

_POSITIVE = Interval(Integral, 1, None, closed="left")


def _is_single(value):
    return value is None or isinstance(value, str) or np.isscalar(value)


def _per_layer(name, value, n_layers, parse):
    """One parsed value per conv layer from a single value or a per-layer sequence."""
    if _is_single(value):
        return [parse(name, value)] * n_layers
    values = list(value)
    if len(values) != n_layers:
        raise ValueError(
            f"{name}={value!r} has {len(values)} entries but conv_filters has {n_layers} "
            f"layers: give one value for every layer, or one per layer (for a non-square "
            f"window on every layer write [(height, width)] * {n_layers}).")
    return [parse(name, v) for v in values]


def _pair(name, value):
    items = (value, value) if np.isscalar(value) else tuple(value)
    if len(items) != 2 or not all(
            isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in items):
        raise ValueError(
            f"Each entry of {name} must be a positive int or a (height, width) pair of "
            f"positive ints; got {value!r}.")
    return (int(items[0]), int(items[1]))


def _choice(options):
    def parse(name, value):
        if value not in options:
            raise ValueError(f"{name} entries must be one of {options}; got {value!r}.")
        return value
    return parse


def _conv_filters(conv_filters):
    filters = [conv_filters] if np.isscalar(conv_filters) else list(conv_filters)
    if not all(isinstance(f, Integral) and not isinstance(f, bool) and f >= 1
               for f in filters):
        raise ValueError(f"conv_filters must be positive ints, got {conv_filters!r}.")
    return [int(f) for f in filters]


class CNNImageClassifier(NeuralClassifierMixin, NeuralEstimatorBase):
    """Convolutional neural network image classifier, trained with PyTorch.

    Convolution blocks (``Conv2d -> [BatchNorm2d] -> activation ->
    [pooling]``), then the flattened feature maps go through a dense head as
    :class:`MLPClassifier`'s hidden layers, then a softmax output.  The
    training parameters are those of :class:`MLPClassifier` (scikit-learn's
    names), with ``max_iter=10`` and ``batch_size='auto'`` meaning 64.

    The course convnet (Keras: Conv2D(32, 3) MaxPool Conv2D(64, 3) MaxPool
    Conv2D(64, 3) Flatten Dense(64) Dense(10)) is::

        CNNImageClassifier(conv_filters=(32, 64, 64), padding='valid',
                           pooling=('max', 'max', None), hidden_layer_sizes=(64,))

    Images (``X``)
        ``(n, H, W)`` grey-scale; ``(n, H, W, C)`` or ``(n, C, H, W)``, as
        ``data_format`` says; flat ``(n, H*W*C)`` rows or a DataFrame of pixel
        columns, reshaped (C order) to ``image_shape``.  ``data_format='auto'``
        takes a last axis of size 1, 3 or 4 as the channels (Keras's layout),
        else a second axis of size 1, 3 or 4, else raises; so channels-first
        images whose width is 1, 3 or 4 need ``data_format='channels_first'``.
        Without ``image_shape``, a flat row of ``F`` values is a square grey
        image when ``F`` is a perfect square (784 pixels: 28x28) and otherwise
        a one-pixel-high grey image ``1 x F`` (so that any tabular data, as
        scikit-learn's estimator checks use, is accepted).  After fitting,
        flat rows of ``n_features_in_`` values are reshaped to the fitted
        images' shape, whatever layout the fit used.  Images of another shape
        than the fitted ones are rejected.
    Pixel values
        ``uint8`` images are kept as bytes (a quarter of the memory, also on a
        GPU) and scaled to [0, 1] batch by batch; float64 images train in
        float64 and other types in float32, unscaled (as :class:`MLPClassifier`).

    Differences from a Keras convnet, by design: ``pooling``, ``kernel_size``,
    ``conv_strides``, ``padding`` and ``pool_size`` take one value for every
    conv layer or a sequence of one per layer; a pooling window larger than
    the feature map shrinks to the map's size (pooling never empties a map);
    ``'same'`` padding is TensorFlow's (the odd extra row/column at the
    bottom/right); ``dropout`` applies to the flattened conv features and after
    each hidden dense layer, not inside the conv blocks.  Binary problems use
    two softmax outputs; multilabel targets are not supported.

    Parameters
    ----------
    conv_filters : tuple of int, default=(32, 64)
        Output channels of each convolutional layer (one layer per entry).
    kernel_size : int or sequence, default=3
        Convolution window: one int for every layer, or one entry per layer,
        each an int or a ``(height, width)`` pair.
    conv_strides : int or sequence, default=1
        Convolution strides, as ``kernel_size``.
    padding : {'same', 'valid'} or sequence, default='same'
        ``'same'`` pads so that a stride-1 convolution keeps the map's size;
        ``'valid'`` does not pad.  A too small image for ``'valid'`` layers
        raises a ``ValueError`` naming the image size and the layer.
    pooling : {'max', 'avg', None} or sequence, default='max'
        Pooling after each conv layer's activation (``None``: none); a
        sequence gives one per layer, e.g. ``('max', 'max', None)``.
    pool_size : int or sequence, default=2
        Pooling window and stride, as ``kernel_size``.
    hidden_layer_sizes : tuple of int, default=(128,)
        Widths of the hidden layers of the dense head.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'gelu'}, default='relu'
        Activation of the conv layers and of the hidden dense layers.
    solver : {'adam', 'sgd', 'lbfgs', 'rmsprop', 'adamw'}, default='adam'
    alpha : float, default=1e-4
        L2 penalty ``alpha / 2 * ||W||^2`` per sample, on conv kernels and
        weight matrices (not on biases or batch-norm parameters).
    batch_size : int or 'auto', default='auto'
        ``min(64, n_samples)`` when ``'auto'``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=10
        Maximum number of epochs.
    shuffle : bool, default=True
    random_state : int, RandomState or None, default=None
        Makes a fit repeatable on the CPU.
    tol, n_iter_no_change : float, int, default=1e-4, 10
    verbose : bool, default=False
    warm_start : bool, default=False
    momentum, nesterovs_momentum : float, bool, default=0.9, True
        For ``'sgd'``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the images (stratified), stop on
        their accuracy, and restore the weights of the best epoch.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    max_fun : int, default=15000
        Accepted for compatibility; unused.
    dropout : float, default=0.0
        Dropout on the flattened conv features and after each hidden dense layer.
    batch_norm : bool, default=False
        Batch normalisation after each convolution and before each hidden
        dense activation.
    image_shape : tuple of int or None, default=None
        Shape of one image for flat/DataFrame ``X``: ``(H, W)``, or
        ``(H, W, C)``/``(C, H, W)`` as ``data_format`` says.  For 3-D/4-D
        ``X`` it is checked against the images when given.
    data_format : {'auto', 'channels_last', 'channels_first'}, default='auto'
        Where the channel axis of 4-D ``X`` (and of a 3-entry ``image_shape``) is.
    device : str, default='auto'
        ``'auto'`` (CUDA when present, else CPU) or any torch device string.
    class_weight : None, 'balanced' or dict, default=None
    clip_grad_norm : float or None, default=None
    callbacks : list of skorch callbacks or None, default=None
    precision : {'32', 'bf16-mixed', '16-mixed'}, default='32'
        ``'32'``: float64 input trains in float64, everything else in float32.
        ``'bf16-mixed'``/``'16-mixed'``: float32 weights, forward pass under
        torch autocast in bfloat16/float16 (float16 with loss scaling); for
        GPUs with tensor cores.  Not with ``solver='lbfgs'``.  See the GPU page.
    compile : bool, default=False
        ``torch.compile`` the module (the first epoch pays the compilation).
        ``module_`` stays the original module.

    Attributes
    ----------
    classes_ : ndarray
    n_features_in_ : int
        Values per image, ``H * W * C`` (the columns of flat input; for 3-D/4-D
        input, what ``X.reshape(len(X), -1)`` would have).
    feature_names_in_ : ndarray of str
        Pixel column names, for DataFrame input.
    image_shape_ : tuple of int
        ``(height, width, channels)`` of the fitted images, whatever their layout.
    n_iter_, loss_, loss_curve_, best_loss_, validation_scores_,
    best_validation_score_, t_, history_, module_, device_, net_
        As :class:`MLPClassifier`; ``module_`` is a :class:`sknn.modules.conv.ConvNet`
        taking ``(N, C, H, W)`` tensors.
    """

    _auto_batch_size = 64
    _architecture_params = ("conv_filters", "kernel_size", "conv_strides", "padding", "pooling",
                            "pool_size", "hidden_layer_sizes", "activation", "batch_norm",
                            "dropout", "image_shape", "data_format", "backbone", "input_size")

    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints,
        **NeuralClassifierMixin._extra_constraints,
        "conv_filters": ["array-like", _POSITIVE],
        "kernel_size": [_POSITIVE, "array-like"],
        "conv_strides": [_POSITIVE, "array-like"],
        "padding": [StrOptions(set(PADDINGS)), "array-like"],
        "pooling": [StrOptions(set(POOLINGS)), None, "array-like"],
        "pool_size": [_POSITIVE, "array-like"],
        "hidden_layer_sizes": ["array-like", _POSITIVE],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "batch_norm": ["boolean"],
        "image_shape": [None, "array-like"],
        "data_format": [StrOptions(set(DATA_FORMATS))],
        "backbone": [None, str, nn.Module],
        "weights": [None, str, os.PathLike],
        "freeze": ["boolean", StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "unfreeze_after": [None, _POSITIVE],
        "backbone_lr_scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "input_size": [StrOptions({"auto"}), None, _POSITIVE, "array-like"],
    }

    def __init__(self, conv_filters=(32, 64), kernel_size=3, conv_strides=1, padding="same",
                 pooling="max", pool_size=2, hidden_layer_sizes=(128,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=10, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 image_shape=None, data_format="auto", device="auto", class_weight=None,
                 clip_grad_norm=None, callbacks=None,
                 precision="32", compile=False, backbone=None, weights=None, freeze="auto",
                 unfreeze_after=None, backbone_lr_scale="auto", input_size="auto"):
        self.conv_filters = conv_filters
        self.kernel_size = kernel_size
        self.conv_strides = conv_strides
        self.padding = padding
        self.pooling = pooling
        self.pool_size = pool_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.image_shape = image_shape
        self.data_format = data_format
        self.device = device
        self.class_weight = class_weight
        self.clip_grad_norm = clip_grad_norm
        self.callbacks = callbacks
        self.precision = precision
        self.compile = compile
        self.backbone = backbone
        self.weights = weights
        self.freeze = freeze
        self.unfreeze_after = unfreeze_after
        self.backbone_lr_scale = backbone_lr_scale
        self.input_size = input_size

    # ------------------------------------------------------------------ hooks
    def _validate_X(self, X, *, reset):
        return validate_images(self, X, reset=reset)

    def _layer_spec(self):
        """The per-layer lists :class:`ConvNet` takes, checked."""
        filters = _conv_filters(self.conv_filters)
        n = len(filters)
        return dict(
            conv_filters=filters,
            kernel_sizes=_per_layer("kernel_size", self.kernel_size, n, _pair),
            strides=_per_layer("conv_strides", self.conv_strides, n, _pair),
            paddings=_per_layer("padding", self.padding, n, _choice(PADDINGS)),
            poolings=_per_layer("pooling", self.pooling, n,
                                _choice(tuple(POOLINGS) + (None,))),
            pool_sizes=_per_layer("pool_size", self.pool_size, n, _pair),
        )

    def _build_module(self, X, n_outputs):
        _, channels, height, width = X.shape
        if self.backbone is not None:
            return backbone_setup.build_net(
                self, channels, (height, width), n_outputs,
                head=dict(hidden_layer_sizes=_layer_sizes(self.hidden_layer_sizes),
                          activation=self.activation, dropout=self.dropout,
                          batch_norm=self.batch_norm))
        return ConvNet(
            channels, (height, width), n_outputs, **self._layer_spec(),
            hidden_layer_sizes=_layer_sizes(self.hidden_layer_sizes),
            activation=self.activation, dropout=self.dropout, batch_norm=self.batch_norm)

    def _new_module(self, X, n_outputs, device, dtype, random_state):
        # the weight file is found (or a clear error raised) before anything is built;
        # load_weights() builds with _build_module and so never reads it
        path = backbone_setup.weight_file(self) if self.backbone is not None else None
        module = super()._new_module(X, n_outputs, device, dtype, random_state)
        if self.backbone is not None:
            backbone_setup.load_weights(module, path)
        return module

    def _module_callbacks(self, module, *, start_epoch):
        if self.backbone is None:
            return []
        return backbone_setup.callbacks(self, getattr(module, "_orig_mod", module),
                                        start_epoch)

    def _param_groups(self, lr):
        if self.backbone is None or self.solver == "lbfgs":
            return None
        return backbone_setup.param_groups(self, lr)
