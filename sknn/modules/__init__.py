"""Pure PyTorch modules behind the sknn estimators (no scikit-learn in here)."""

from .activations import ACTIVATIONS, make_activation
from .dense import DenseStack

__all__ = ["ACTIVATIONS", "DenseStack", "make_activation"]
