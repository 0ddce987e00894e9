"""The scikit-learn estimators (sklearn API, validation, training loop).

Each estimator's module is imported when the estimator is first used.
"""

import importlib
from typing import TYPE_CHECKING

_LAZY = {
    "CNNImageClassifier": ".cnn",
    "MLPClassifier": ".mlp",
    "MLPRegressor": ".mlp",
    "RNNSequenceClassifier": ".rnn",
    "RNNSequenceRegressor": ".rnn",
}

__all__ = ["CNNImageClassifier", "MLPClassifier", "MLPRegressor", "RNNSequenceClassifier",
           "RNNSequenceRegressor"]

if TYPE_CHECKING:
    from .cnn import CNNImageClassifier
    from .mlp import MLPClassifier, MLPRegressor
    from .rnn import RNNSequenceClassifier, RNNSequenceRegressor


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
