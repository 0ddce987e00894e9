"""The scikit-learn estimators (sklearn API, validation, training loop)."""

from .mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
