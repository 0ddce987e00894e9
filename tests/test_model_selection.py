"""sknn estimators inside scikit-learn's model selection tools, locally and on Dask."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600].astype(np.float32), y[:600]


def test_grid_search_over_pipeline(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(
        max_iter=60, learning_rate_init=0.01, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(16,), (64,)],
                               "mlpclassifier__alpha": [1e-4, 1e-2]}, cv=3, n_jobs=2)
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_score_ > 0.85
    assert grid.best_estimator_.predict(X).shape == (600,)


def test_grid_search_on_threads_equals_the_sequential_search(digits):
    # the docs recommend joblib's threading backend for small searches: two fits at a
    # time in one process must give exactly the scores and weights of one at a time
    from joblib import parallel_config

    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=15, random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(16,), (32,)],
            "mlpclassifier__alpha": [1e-4, 1e-2]}
    sequential = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
    with parallel_config(backend="threading"):
        threaded = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    for key in ("split0_test_score", "split1_test_score", "split2_test_score"):
        np.testing.assert_array_equal(sequential.cv_results_[key], threaded.cv_results_[key])
    for a, b in zip(sequential.best_estimator_[-1].coefs_, threaded.best_estimator_[-1].coefs_):
        np.testing.assert_array_equal(a, b)


def test_cross_val_score_regressor(digits):
    X, y = digits
    scores = cross_val_score(make_pipeline(StandardScaler(), MLPRegressor(
        max_iter=50, random_state=0)), X, y.astype(float), cv=3)
    reference = cross_val_score(make_pipeline(StandardScaler(), SkMLPRegressor(
        max_iter=50, random_state=0)), X, y.astype(float), cv=3)
    # same initial weights as scikit-learn: the same fold scores, within batch-order noise
    assert scores.shape == (3,) and abs(scores.mean() - reference.mean()) < 0.05


def test_column_transformer_on_dataframe(digits):
    X, y = digits
    df = pd.DataFrame(X[:, :10], columns=[f"f{i}" for i in range(10)])
    df["colour"] = np.where(y % 2 == 0, "red", "blue")
    pre = ColumnTransformer([("num", StandardScaler(), [f"f{i}" for i in range(10)]),
                             ("cat", OneHotEncoder(), ["colour"])])
    model = make_pipeline(pre, MLPClassifier(max_iter=30, random_state=0)).fit(df, y % 2)
    assert model.score(df, y % 2) > 0.95  # colour gives parity away


def test_grid_search_on_dask_local_cluster(digits):
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = digits
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        grid = GridSearchCV(MLPClassifier(max_iter=60, learning_rate_init=0.01,
                                          random_state=0),
                            {"hidden_layer_sizes": [(16,), (32,)]}, cv=2)
        with joblib.parallel_backend("dask"):
            grid.fit(X / 16.0, y)
        workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    assert grid.best_score_ > 0.8
