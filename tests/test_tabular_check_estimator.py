"""scikit-learn's own estimator checks for the tabular estimators, on their defaults.

The checks feed numeric arrays (every column numeric) and DataFrames of numbers.
One check is expected to fail, for a reason of design: fitting with integer
``sample_weight`` is not the same as repeating rows, since the numeric
transform (``QuantileTransformer``) is learned from the rows unweighted and the
default ``dropout=0.1`` draws one mask per row (the MLPs pass it only because
their defaults train without dropout on one full batch).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import TabularClassifier, TabularRegressor

_WEIGHTS = ("sample_weight is not the same as repeated rows: the quantile transform is "
            "fitted unweighted and dropout draws one mask per row")


@parametrize_with_checks(
    [TabularClassifier(device="cpu"), TabularRegressor(device="cpu")],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS})
def test_sklearn_compatible(estimator, check):
    check(estimator)
