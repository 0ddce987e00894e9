"""sknn: neural-network estimators for scikit-learn, trained with PyTorch.

The estimators are imported when first used (``sknn.MLPClassifier``, ``from sknn
import ...``), so ``import sknn`` alone loads neither torch nor skorch.
"""

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "CNNImageClassifier": ".estimators.cnn",
    "MLPClassifier": ".estimators.mlp",
    "MLPRegressor": ".estimators.mlp",
    "RNNSequenceClassifier": ".estimators.rnn",
    "RNNSequenceRegressor": ".estimators.rnn",
    "TextVectorizer": ".text",
    "plot_history": ".plotting",
}

__all__ = ["CNNImageClassifier", "MLPClassifier", "MLPRegressor", "RNNSequenceClassifier",
           "RNNSequenceRegressor", "TextVectorizer", "__version__", "plot_history"]

if TYPE_CHECKING:  # what the names are, for type checkers and the API docs
    from .estimators import (
        CNNImageClassifier,
        MLPClassifier,
        MLPRegressor,
        RNNSequenceClassifier,
        RNNSequenceRegressor,
    )
    from .plotting import plot_history
    from .text import TextVectorizer


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
