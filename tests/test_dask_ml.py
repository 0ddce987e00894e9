"""dask-ml drives sknn's ``partial_fit`` over a Dask array on a ``distributed.LocalCluster``.

dask-ml's ``Incremental`` and ``HyperbandSearchCV`` send the estimator to a
worker with each block of data, call ``partial_fit`` (one pass over the block)
and bring the fitted estimator back: they exercise pickling of the estimator
and of its fitted state as much as the training itself.
"""

import pickle

import numpy as np
import pytest
import torch

from sknn import MLPClassifier

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask_ml = pytest.importorskip("dask_ml")

CLASSES = np.arange(10)


@pytest.fixture(scope="module")
def mnist_blocks(mnist):
    X, y = mnist
    X = (X.reshape(len(X), -1)[:10000] / 255.0).astype(np.float32)
    y = y[:10000].astype(np.int64)
    return X[:8000], y[:8000], X[8000:], y[8000:]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.run(torch.set_num_threads, 1)  # one torch thread per worker process
        yield client


def _model():
    return MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)


def test_incremental_on_a_local_cluster_equals_local_partial_fits(client, mnist_blocks):
    from dask_ml.wrappers import Incremental

    X, y, X_test, y_test = mnist_blocks
    dX = da.from_array(X, chunks=(2000, X.shape[1]))
    dy = da.from_array(y, chunks=2000)
    inc = Incremental(_model(), scoring="accuracy", shuffle_blocks=False)
    inc.fit(dX, dy, classes=CLASSES)
    fitted = inc.estimator_
    assert isinstance(fitted, MLPClassifier)
    assert len(fitted.loss_curve_) == 4  # one pass per block
    assert fitted.score(X_test, y_test) > 0.85
    assert inc.score(da.from_array(X_test, chunks=1000), da.from_array(y_test, chunks=1000)) \
        == pytest.approx(fitted.score(X_test, y_test))

    local = _model()
    for start in range(0, len(X), 2000):
        local.partial_fit(X[start:start + 2000], y[start:start + 2000], classes=CLASSES)
    # the same passes over the same blocks; float32 products may be summed in another
    # order in the worker process (its BLAS thread count is dask's, not the test's)
    np.testing.assert_allclose(local.loss_curve_, fitted.loss_curve_, rtol=1e-5)
    for a, b in zip(local.coefs_, fitted.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)

    again = pickle.loads(pickle.dumps(fitted))  # the state that travelled, once more
    np.testing.assert_array_equal(again.predict(X_test), fitted.predict(X_test))


def _persist_with_the_client(*args, **kwargs):
    """``dask.persist`` through the running client, for dask-ml's adaptive searches.

    dask-ml 2025.1.0 (the latest release) calls ``dask.persist`` inside the
    asynchronous client of its search loop, which dask >= 2025.3 refuses
    ("Attempting to use an asynchronous Client in a synchronous context",
    https://github.com/dask/dask-ml/issues/1016, open).  ``Client.persist`` is
    what dask-ml means.
    """
    client = distributed.default_client()

    def persist(obj):
        if isinstance(obj, dict):
            return {key: persist(value) for key, value in obj.items()}
        if dask.is_dask_collection(obj):
            return client.persist(obj)
        return obj

    return tuple(persist(obj) for obj in args)


def test_hyperband_search_on_a_local_cluster(client, mnist_blocks, monkeypatch):
    from dask_ml.model_selection import HyperbandSearchCV, _incremental

    monkeypatch.setattr(_incremental.dask, "persist", _persist_with_the_client)

    X, y, X_test, y_test = mnist_blocks
    dX = da.from_array(X, chunks=(2000, X.shape[1]))
    dy = da.from_array(y, chunks=2000)
    search = HyperbandSearchCV(
        MLPClassifier(random_state=0),
        {"hidden_layer_sizes": [(16,), (64,)], "learning_rate_init": [1e-3, 1e-2],
         "alpha": [1e-4, 1e-2]},
        max_iter=3, random_state=0)
    search.fit(dX, dy, classes=CLASSES)
    assert isinstance(search.best_estimator_, MLPClassifier)
    assert set(search.best_params_) == {"hidden_layer_sizes", "learning_rate_init", "alpha"}
    assert len(search.cv_results_["params"]) > 1
    assert search.best_score_ > 0.75
    assert search.best_estimator_.score(X_test, y_test) > 0.75
    assert search.predict(X_test).shape == y_test.shape
