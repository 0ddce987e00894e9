"""A convolutional image classifier: conv blocks, flatten, and a :class:`DenseStack` head.

The module takes images as ``(N, C, H, W)`` tensors (the estimator turns every
accepted layout into this one beforehand).  ``uint8`` pixels are scaled to
[0, 1] inside :meth:`ConvNet.forward`, so 8-bit images can stay 8-bit in memory
(and on the GPU) until a batch is formed.
"""

import torch
from torch import nn

from .activations import make_activation
from .dense import DenseStack
from .dropout import Dropout

POOLINGS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
PADDINGS = ("same", "valid")


def _same_padding(size, kernel, stride):
    """Keras/TensorFlow ``'same'`` padding along one axis: ``(before, after)``.

    The output has ``ceil(size / stride)`` positions; when the total padding
    is odd the extra row/column goes after, as in TensorFlow.
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _conv_output(size, kernel, stride, padding):
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1


def _fmt(hw):
    return f"{hw[0]}x{hw[1]}"


class ConvNet(nn.Module):
    """``[Conv2d -> [BatchNorm2d] -> activation -> [pooling]] * n``, flatten, dense head.

    Parameters
    ----------
    in_channels : int
        Number of channels of the input images.
    image_size : tuple of int
        ``(height, width)`` of the input images; the layers' sizes (the width
        of the flattened features) are worked out from it.
    n_outputs : int
        Width of the output (logits).
    conv_filters : sequence of int
        Output channels of each convolution; may be empty (the head alone).
    kernel_sizes, strides : sequence of (int, int)
        ``(height, width)`` of each convolution's kernel and stride.
    paddings : sequence of {'same', 'valid'}
        Each convolution's padding.  ``'same'`` pads with zeros so that the
        output has ``ceil(size / stride)`` positions (as Keras/TensorFlow: the
        odd extra row/column goes at the bottom/right); ``'valid'`` does not pad.
    poolings : sequence of {'max', 'avg', None}
        Pooling after each convolution's activation, or ``None`` for none.
    pool_sizes : sequence of (int, int)
        Window (and stride) of each pooling layer.  A window larger than the
        feature map is shrunk to the map's size along that axis, so pooling
        never empties a map: an image one pixel high is pooled along its width
        only (floor rounding otherwise, as Keras's default).
    hidden_layer_sizes : sequence of int
        Widths of the hidden layers of the dense head.
    activation : str
        Activation of the convolutions and of the head's hidden layers.
    dropout : float
        Dropout on the flattened convolutional features and after each hidden
        layer of the head.
    batch_norm : bool
        Batch normalisation after each convolution and before each hidden
        activation of the head.

    Raises
    ------
    ValueError
        When a ``'valid'`` convolution would leave a feature map with no
        positions (kernel larger than the map); the message names the image
        size and the layer.

    Notes
    -----
    Convolution kernels are initialised as Keras does (Glorot uniform, zero
    bias); the head as :class:`DenseStack` (scikit-learn's initialisation).
    """

    def __init__(self, in_channels, image_size, n_outputs, *, conv_filters, kernel_sizes,
                 strides, paddings, poolings, pool_sizes, hidden_layer_sizes=(),
                 activation="relu", dropout=0.0, batch_norm=False):
        super().__init__()
        n = len(conv_filters)
        for name, values in (("kernel_sizes", kernel_sizes), ("strides", strides),
                             ("paddings", paddings), ("poolings", poolings),
                             ("pool_sizes", pool_sizes)):
            if len(values) != n:
                raise ValueError(f"{name} has {len(values)} entries for {n} conv layers.")
        size = (int(image_size[0]), int(image_size[1]))
        layers = []
        channels = int(in_channels)
        self.feature_sizes = []
        for i in range(n):
            kernel, stride, padding = kernel_sizes[i], strides[i], paddings[i]
            if padding not in PADDINGS:
                raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}.")
            new = tuple(_conv_output(size[a], kernel[a], stride[a], padding) for a in (0, 1))
            if min(new) <= 0:
                raise ValueError(
                    f"The images of {_fmt(image_size)} pixels (height x width) are too "
                    f"small for the convolutional layers: conv layer {i + 1} (kernel "
                    f"{_fmt(kernel)}, stride {_fmt(stride)}, padding={padding!r}) gets "
                    f"{_fmt(size)} feature maps and would output {_fmt(new)}. Use "
                    "padding='same', smaller kernels, fewer conv layers or less pooling.")
            conv_padding = 0
            if padding == "same":
                pads = [_same_padding(size[a], kernel[a], stride[a]) for a in (0, 1)]
                if all(before == after for before, after in pads):
                    conv_padding = (pads[0][0], pads[1][0])
                else:
                    layers.append(nn.ZeroPad2d((pads[1][0], pads[1][1],
                                                pads[0][0], pads[0][1])))
            conv = nn.Conv2d(channels, int(conv_filters[i]), kernel, stride=stride,
                             padding=conv_padding)
            nn.init.xavier_uniform_(conv.weight)
            nn.init.zeros_(conv.bias)
            layers.append(conv)
            channels = int(conv_filters[i])
            size = new
            if batch_norm:
                layers.append(nn.BatchNorm2d(channels))
            layers.append(make_activation(activation))
            pooling = poolings[i]
            if pooling is not None:
                if pooling not in POOLINGS:
                    raise ValueError(
                        f"pooling must be 'max', 'avg' or None, got {pooling!r}.")
                window = tuple(min(pool_sizes[i][a], size[a]) for a in (0, 1))
                if window != (1, 1):
                    layers.append(POOLINGS[pooling](window, stride=window))
                    size = tuple(size[a] // window[a] for a in (0, 1))
            self.feature_sizes.append((channels, *size))
        self.features = nn.Sequential(*layers)
        self.n_flat = channels * size[0] * size[1]
        flatten = [nn.Flatten()]
        if dropout:
            flatten.append(Dropout(dropout))
        self.flatten = nn.Sequential(*flatten)
        self.head = DenseStack(self.n_flat, hidden_layer_sizes, n_outputs,
                               activation=activation, dropout=dropout,
                               batch_norm=batch_norm)
        self.channels_last = False

    def use_channels_last(self):
        """Hold the convolution kernels, and feed the images, in channels-last (NHWC) order.

        The results are the same; cuDNN's tensor-core kernels run NHWC without
        transposing, so sknn switches this on for CUDA (see ``sknn.core.cuda``).
        Returns the module.
        """
        self.features.to(memory_format=torch.channels_last)
        self.channels_last = True
        return self

    def forward(self, x):
        """Logits for the images ``x`` of shape ``(N, C, H, W)``; uint8 is scaled by 1/255."""
        if not x.is_floating_point():
            dtype = self.head[0].weight.dtype
            x = x.to(dtype) * (1.0 / 255.0) if x.dtype == torch.uint8 else x.to(dtype)
        if getattr(self, "channels_last", False):  # absent in modules pickled before
            x = x.contiguous(memory_format=torch.channels_last)
        return self.head(self.flatten(self.features(x)))

    def conv_layers(self):
        """The ``nn.Conv2d`` layers, input to output."""
        return [m for m in self.features if isinstance(m, nn.Conv2d)]

