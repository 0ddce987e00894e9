"""Pure PyTorch modules behind the sknn estimators (no scikit-learn in here)."""

from .activations import ACTIVATIONS, make_activation
from .dense import DenseStack
from .dropout import Dropout, set_dropout_generator

__all__ = ["ACTIVATIONS", "DenseStack", "Dropout", "make_activation", "set_dropout_generator"]
