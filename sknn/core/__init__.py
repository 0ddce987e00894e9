"""The training core every sknn estimator stands on (see ``base.py``)."""

from .base import NeuralEstimatorBase
from .classifier import NeuralClassifierMixin
from .regressor import NeuralRegressorMixin

__all__ = ["NeuralClassifierMixin", "NeuralEstimatorBase", "NeuralRegressorMixin"]
