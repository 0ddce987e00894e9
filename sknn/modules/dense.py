"""A stack of fully connected layers: the MLP, and the head of the CNN and RNN models."""

import math

from torch import nn

from .activations import make_activation
from .dropout import Dropout


def glorot_uniform_(linear, activation):
    """Initialise ``linear`` as scikit-learn's MLP does.

    Weights and biases are drawn from ``U(-b, b)`` with
    ``b = sqrt(f / (fan_in + fan_out))``, ``f = 2`` for the logistic
    activation and 6 otherwise (Glorot and Bengio, 2010).
    """
    factor = 2.0 if activation == "logistic" else 6.0
    bound = math.sqrt(factor / (linear.in_features + linear.out_features))
    nn.init.uniform_(linear.weight, -bound, bound)
    if linear.bias is not None:
        nn.init.uniform_(linear.bias, -bound, bound)


class DenseStack(nn.Sequential):
    """``Linear -> [BatchNorm1d] -> activation -> [Dropout]`` per hidden layer, then ``Linear``.

    Parameters
    ----------
    n_inputs : int
        Width of the input.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer; empty for a single linear layer.
    n_outputs : int
        Width of the output (logits for a classifier, no activation).
    activation : str
        One of ``'identity'``, ``'logistic'``, ``'tanh'``, ``'relu'``, ``'gelu'``.
    dropout : float
        Dropout probability after each hidden layer.
    batch_norm : bool
        Batch normalisation before each hidden activation.
    """

    def __init__(self, n_inputs, hidden_layer_sizes, n_outputs, activation="relu",
                 dropout=0.0, batch_norm=False):
        layers = []
        width = n_inputs
        for size in hidden_layer_sizes:
            linear = nn.Linear(width, size)
            glorot_uniform_(linear, activation)
            layers.append(linear)
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(make_activation(activation))
            if dropout:
                layers.append(Dropout(dropout))
            width = size
        output = nn.Linear(width, n_outputs)
        glorot_uniform_(output, activation)
        layers.append(output)
        super().__init__(*layers)

    def linear_layers(self):
        """The ``nn.Linear`` layers, input to output."""
        return [m for m in self if isinstance(m, nn.Linear)]
