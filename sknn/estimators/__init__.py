"""The scikit-learn estimators (sklearn API, validation, training loop)."""

from .cnn import CNNImageClassifier
from .mlp import MLPClassifier, MLPRegressor
from .rnn import RNNSequenceClassifier, RNNSequenceRegressor

__all__ = ["CNNImageClassifier", "MLPClassifier", "MLPRegressor", "RNNSequenceClassifier",
           "RNNSequenceRegressor"]
