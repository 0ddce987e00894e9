"""The scikit-learn estimators (sklearn API, validation, training loop).

Each estimator's module is imported when the estimator is first used.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

_LAZY = {
    "CNNImageClassifier": ".cnn",
    "ImageFeatureExtractor": ".image_features",
    "MLPClassifier": ".mlp",
    "MLPRegressor": ".mlp",
    "RNNSequenceClassifier": ".rnn",
    "RNNSequenceRegressor": ".rnn",
    "TabularClassifier": ".tabular",
    "TabularRegressor": ".tabular",
}

__all__ = ["CNNImageClassifier", "ImageFeatureExtractor", "MLPClassifier", "MLPRegressor",
           "RNNSequenceClassifier", "RNNSequenceRegressor", "TabularClassifier",
           "TabularRegressor"]

if TYPE_CHECKING:
    from .cnn import CNNImageClassifier
    from .image_features import ImageFeatureExtractor
    from .mlp import MLPClassifier, MLPRegressor
    from .rnn import RNNSequenceClassifier, RNNSequenceRegressor
    from .tabular import TabularClassifier, TabularRegressor


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
