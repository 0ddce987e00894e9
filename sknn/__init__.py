"""sknn: neural-network estimators for scikit-learn, trained with PyTorch."""

from .estimators import (
    CNNImageClassifier,
    MLPClassifier,
    MLPRegressor,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)
from .plotting import plot_history
from .text import TextVectorizer

__version__ = "0.1.0"

__all__ = ["CNNImageClassifier", "MLPClassifier", "MLPRegressor", "RNNSequenceClassifier",
           "RNNSequenceRegressor", "TextVectorizer", "__version__", "plot_history"]
