"""sknn: neural-network estimators for scikit-learn, trained with PyTorch."""

from .estimators import MLPClassifier, MLPRegressor
from .plotting import plot_history

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "MLPRegressor", "__version__", "plot_history"]
