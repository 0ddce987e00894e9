"""scikit-learn's own estimator checks, every one of them, no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import MLPClassifier, MLPRegressor


@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
