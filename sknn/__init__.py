"""sknn: neural-network estimators for scikit-learn, trained with PyTorch.

The estimators are imported when first used (``sknn.MLPClassifier``, ``from sknn
import ...``), so ``import sknn`` alone loads neither torch nor skorch.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "CNNImageClassifier": ".estimators.cnn",
    "ImageFeatureExtractor": ".estimators.image_features",
    "MLPClassifier": ".estimators.mlp",
    "MLPRegressor": ".estimators.mlp",
    "RNNSequenceClassifier": ".estimators.rnn",
    "RNNSequenceRegressor": ".estimators.rnn",
    "TabularClassifier": ".estimators.tabular",
    "TabularRegressor": ".estimators.tabular",
    "TextVectorizer": ".text",
    "plot_history": ".plotting",
}

__all__ = ["CNNImageClassifier", "ImageFeatureExtractor", "MLPClassifier", "MLPRegressor",
           "RNNSequenceClassifier", "RNNSequenceRegressor", "TabularClassifier",
           "TabularRegressor", "TextVectorizer", "__version__", "plot_history"]

if TYPE_CHECKING:  # what the names are, for type checkers and the API docs
    from .estimators import (
        CNNImageClassifier,
        ImageFeatureExtractor,
        MLPClassifier,
        MLPRegressor,
        RNNSequenceClassifier,
        RNNSequenceRegressor,
        TabularClassifier,
        TabularRegressor,
    )
    from .plotting import plot_history
    from .text import TextVectorizer


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
