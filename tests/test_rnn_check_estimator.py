"""scikit-learn's own estimator checks for the RNN estimators, every one, no expected failures.

The instances under check are small and quick to train: the checks fit a few
hundred rows many times, and two of them demand a training score (accuracy >
0.83 on blobs, R² > 0.5 on a linear target read as a 10-step series), which
the default ``max_iter=10`` at a learning rate of 1e-3 does not reach.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import RNNSequenceClassifier, RNNSequenceRegressor

_QUICK = dict(hidden_size=16, learning_rate_init=0.03, max_iter=30)


@parametrize_with_checks([RNNSequenceClassifier(**_QUICK), RNNSequenceRegressor(**_QUICK)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
