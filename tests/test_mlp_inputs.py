"""What MLPClassifier/MLPRegressor accept, what they reject, and that input is never modified."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

from sknn import MLPClassifier, MLPRegressor
from sknn.core.batches import ArrayDataset


@pytest.fixture(scope="module")
def small():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16.0), y[:300]


def test_dataframe_input_sets_feature_names_and_checks_them(small):
    X, y = small
    cols = [f"px{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    target = pd.DataFrame({"digit": y, "other": 0})["digit"]  # y from a DataFrame column
    clf = MLPClassifier(max_iter=5, random_state=0).fit(df, target)
    assert list(clf.feature_names_in_) == cols
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        from_array = clf.predict(X)
    np.testing.assert_array_equal(clf.predict(df), from_array)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df.rename(columns={"px0": "other"}))


def test_string_labels_and_lists(small):
    X, y = small
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                      "eight", "nine"])
    clf = MLPClassifier(max_iter=20, random_state=0).fit(X.tolist(), list(names[y]))
    assert sorted(clf.classes_) == sorted(names)
    pred = clf.predict(X[:10].tolist())
    assert pred.dtype.kind == "U" and set(pred) <= set(names)
    assert clf.predict_proba(X[:10]).shape == (10, 10)
    np.testing.assert_allclose(clf.predict_proba(X[:10]).sum(axis=1), 1.0, rtol=1e-12)


def test_sparse_input_stays_sparse_and_matches_dense(small):
    X, y = small
    Xs = sp.csr_matrix(X)
    dense = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    sparse = MLPClassifier(max_iter=5, random_state=0).fit(Xs, y)
    np.testing.assert_allclose(dense.predict_proba(X), sparse.predict_proba(Xs), rtol=1e-10)
    data = ArrayDataset(Xs, y, device="cpu", dtype=torch.float64)
    assert sp.issparse(data.X[0])  # only batches are densified
    xb, _ = data.take(torch.arange(4))
    assert xb.shape == (4, 64) and xb.dtype == torch.float64


@pytest.mark.parametrize("dtype, expected", [
    (np.float64, torch.float64), (np.float32, torch.float32), (np.uint8, torch.float32),
    (np.int64, torch.float32), (bool, torch.float32)])
def test_training_precision_follows_input(small, dtype, expected):
    X, y = small
    clf = MLPClassifier(max_iter=1, random_state=0).fit((X * 16).astype(dtype), y)
    assert next(clf.module_.parameters()).dtype == expected
    # outputs come in the training precision (float32 in, float32 out; float64 likewise)
    assert clf.predict_proba(X).dtype == (np.float64 if expected == torch.float64
                                          else np.float32)


@pytest.mark.parametrize("bad, message", [
    (np.nan, "Input X contains NaN"), (np.inf, "Input X contains infinity")])
def test_non_finite_input_is_rejected_and_left_untouched(small, bad, message):
    X, y = small
    X = X.copy()
    X[3, 5] = bad
    before = X.copy()
    with pytest.raises(ValueError, match=message):
        MLPClassifier(max_iter=1).fit(X, y)
    np.testing.assert_array_equal(X, before)


def test_caller_data_untouched_by_fit_and_predict(small):
    X, y = small
    X32 = X.astype(np.float32)
    Xc, yc = X32.copy(), y.copy()
    clf = MLPClassifier(max_iter=2, random_state=0).fit(X32, y)
    clf.predict(X32)
    np.testing.assert_array_equal(X32, Xc)
    np.testing.assert_array_equal(y, yc)


def test_shape_errors(small):
    X, y = small
    clf = MLPClassifier(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 64"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="Found array with dim 3"):
        MLPClassifier().fit(X.reshape(len(X), 8, 8), y)
    with pytest.raises(ValueError, match="0 sample"):
        MLPClassifier().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier().fit(X, y[:-1])
    # one class fits and predicts it, as scikit-learn
    assert MLPClassifier(max_iter=1).fit(X[:5], np.zeros(5)).predict(X[:2]).tolist() == [0, 0]
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="requires y to be passed"):
        MLPRegressor().fit(X, None)


def test_sample_weight_errors(small):
    X, y = small
    with pytest.raises(ValueError, match="at least one non-zero number"):
        MLPClassifier().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="Negative values in data"):
        MLPClassifier().fit(X, y, sample_weight=-np.ones(len(y)))


def test_invalid_parameters_name_the_parameter(small):
    X, y = small
    with pytest.raises(InvalidParameterError, match="'solver' parameter of MLPClassifier"):
        MLPClassifier(solver="newton").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'activation'"):
        MLPRegressor(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPClassifier(hidden_layer_sizes=(10, 0)).fit(X, y)


def test_device_choices(small):
    X, y = small
    clf = MLPClassifier(max_iter=1, device="cpu").fit(X, y)
    assert clf.device_ == torch.device("cpu")
    auto = MLPClassifier(max_iter=1).fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert auto.device_.type == expected
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            MLPClassifier(device="cuda").fit(X, y)
    with pytest.raises(ValueError, match="not a torch device string"):
        MLPClassifier(device="gpu-please").fit(X, y)
