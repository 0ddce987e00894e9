"""The behaviours scikit-learn's MLP users rely on, each checked against sknn directly
(tests/test_sklearn_mlp_suite.py runs scikit-learn's own suite as well)."""

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknn import CNNImageClassifier, MLPClassifier, MLPRegressor, RNNSequenceRegressor

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits / 16.0
X3, y3 = X_digits[:300], y_digits[:300] % 3
Xb, yb = X_digits[:200], (y_digits[:200] > 4).astype(int)


def _quiet(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


# -- initial weights and attributes ----------------------------------------------------
@pytest.mark.parametrize("sknn_cls, sk_cls", [(MLPClassifier, SkMLPClassifier),
                                              (MLPRegressor, SkMLPRegressor)])
def test_random_state_gives_sklearns_initial_weights_and_attribute_shapes(sknn_cls, sk_cls):
    params = dict(hidden_layer_sizes=(7, 5), solver="sgd", learning_rate_init=1e-12,
                  max_iter=1, random_state=3)
    ours, theirs = _quiet(sknn_cls(**params), Xb, yb), _quiet(sk_cls(**params), Xb, yb)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-9)
    assert (ours.n_outputs_, ours.n_layers_, ours.out_activation_) == (
        theirs.n_outputs_, theirs.n_layers_, theirs.out_activation_)


def test_out_activation_per_problem():
    assert _quiet(MLPClassifier(max_iter=2), X3, y3).out_activation_ == "softmax"
    assert _quiet(MLPClassifier(max_iter=2), Xb, yb).out_activation_ == "logistic"
    assert _quiet(MLPRegressor(max_iter=2), Xb, yb).out_activation_ == "identity"
    assert _quiet(MLPRegressor(loss="poisson", max_iter=2), Xb, yb).out_activation_ == "exp"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_follows_input_dtype(dtype):
    clf = _quiet(MLPClassifier(max_iter=2), X3.astype(dtype), y3)
    reg = _quiet(MLPRegressor(max_iter=2), X3.astype(dtype), y3.astype(float))
    assert clf.predict_proba(X3.astype(dtype)).dtype == dtype
    assert reg.predict(X3.astype(dtype)).dtype == dtype
    assert all(c.dtype == dtype for c in clf.coefs_)


# -- settable coefs_ / intercepts_ ------------------------------------------------------
def test_setting_coefs_and_intercepts_changes_predictions():
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(3,), activation="identity", max_iter=2),
                 Xb, yb.astype(float))
    reg.coefs_ = [np.zeros((64, 3)), np.ones((3, 1))]
    reg.intercepts_ = [np.ones(3), np.array([0.5])]
    np.testing.assert_allclose(reg.predict(Xb), 3.5)
    coefs = reg.coefs_
    coefs[1] = 2 * np.ones((3, 1))  # item assignment writes through, as sklearn's list
    np.testing.assert_allclose(reg.predict(Xb), 6.5)
    with pytest.raises(ValueError, match=r"coefs_\[0\] must have shape \(64, 3\)"):
        reg.coefs_ = [np.zeros((3, 64)), np.ones((3, 1))]
    with pytest.raises(ValueError, match="NaN or infinity"):
        reg.intercepts_ = [np.ones(3), np.array([np.nan])]


# -- convergence warnings and stopping ---------------------------------------------------
def test_lbfgs_warns_when_max_iter_or_max_fun_is_reached():
    with pytest.warns(ConvergenceWarning, match="max_iter=3 iterations"):
        MLPClassifier(solver="lbfgs", max_iter=3).fit(X3, y3)
    with pytest.warns(ConvergenceWarning, match="max_fun=5 loss evaluations"):
        est = MLPClassifier(solver="lbfgs", max_iter=100, max_fun=5).fit(X3, y3)
    assert est.n_iter_ <= 5


def test_stochastic_solver_warns_at_max_iter_only():
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(2\) reached"):
        MLPClassifier(max_iter=2).fit(X3, y3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier(max_iter=500, tol=0.5).fit(X3, y3)


def test_n_iter_no_change_inf_runs_every_epoch():
    est = _quiet(MLPClassifier(tol=1e9, n_iter_no_change=np.inf, max_iter=15), Xb, yb)
    assert est.n_iter_ == 15 and est._no_improvement_count == 14


def test_warm_start_counts_epochs_per_fit_as_sklearn():
    est = _quiet(MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", warm_start=True,
                               max_iter=3, n_iter_no_change=np.inf), Xb, yb)
    assert est.n_iter_ == 3 and est.t_ == 3 * 200
    _quiet(est.set_params(max_iter=5), Xb, yb)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 8 and est.t_ == 8 * 200


def test_warm_start_refuses_other_classes_with_sklearns_message():
    est = _quiet(MLPClassifier(warm_start=True, max_iter=2), X3, y3)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
        est.fit(X3, y3 % 2)


# -- partial_fit ------------------------------------------------------------------------
def test_partial_fit_does_not_exist_for_lbfgs():
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPClassifier(solver="adam"), "partial_fit")


def test_partial_fit_classes_errors_as_sklearn():
    est = MLPClassifier()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X3, y3)
    est.partial_fit(X3, y3, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        est.partial_fit(X3, y3, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        est.partial_fit(X3, y3 + 10)
    assert est.predict_proba(X3).shape == (300, 4)


# -- multilabel ---------------------------------------------------------------------
def test_multilabel_fit_predict_and_partial_fit():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=4, random_state=0)
    est = _quiet(MLPClassifier(hidden_layer_sizes=(30,), max_iter=300, random_state=0), X, Y)
    assert est.classes_.tolist() == [0, 1, 2, 3] and est.n_outputs_ == 4
    assert est.predict(X).shape == (80, 4) and set(np.unique(est.predict(X))) <= {0, 1}
    proba = est.predict_proba(X)
    assert proba.shape == (80, 4) and not np.allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.predict(X), (proba > 0.5).astype(int))
    assert est.score(X, Y) > 0.6
    online = MLPClassifier(hidden_layer_sizes=(30,), random_state=0)
    for _ in range(5):
        online.partial_fit(X, Y, classes=[0, 1, 2, 3])
    assert online.predict(X).shape == (80, 4)
    with pytest.raises(ValueError, match="class_weight is not supported for a multilabel"):
        MLPClassifier(class_weight="balanced").fit(X, Y)


def test_multilabel_cnn_shares_the_classifier_core():
    images = np.random.RandomState(0).rand(30, 8, 8)
    Y = np.c_[images.mean(axis=(1, 2)) > 0.5, images[:, 0, 0] > 0.5].astype(int)
    est = CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(8,), max_iter=2).fit(
        images, Y)
    assert est.predict(images).shape == (30, 2)


# -- poisson ----------------------------------------------------------------------------
def test_poisson_loss_predicts_positive_means_and_refuses_negative_targets():
    rng = np.random.RandomState(0)
    X = rng.rand(200, 2)
    y = rng.poisson(np.exp(X.sum(axis=1)))
    est = _quiet(MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=200,
                              random_state=0), X, y)
    assert (est.predict(X) > 0).all()
    assert abs(est.predict(X).mean() - y.mean()) < 0.2 * y.mean()
    with pytest.raises(ValueError, match="loss='poisson' requires non-negative targets"):
        MLPRegressor(loss="poisson").fit(X, y - 5.0)


def test_mlp_regressor_loss_is_the_first_positional_parameter_as_in_sklearn():
    assert MLPRegressor("poisson").loss == "poisson"
    assert MLPRegressor("poisson", (5,)).hidden_layer_sizes == (5,)


# -- verbose ----------------------------------------------------------------------------
def test_verbose_1_prints_sklearns_lines(capsys):
    _quiet(MLPClassifier(max_iter=2, verbose=1, random_state=0), X3, y3)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Iteration 1, loss = ")
    assert len(lines[0].split("= ")[1]) == 10  # '%.8f' as scikit-learn
    _quiet(MLPClassifier(max_iter=2, verbose=True, early_stopping=True), X3, y3)
    out = capsys.readouterr().out
    assert "Validation score: " in out and "Iteration 2" in out


def test_verbose_2_prints_the_table(capsys):
    _quiet(MLPClassifier(max_iter=2, verbose=2), X3, y3)
    out = capsys.readouterr().out
    assert "train_loss" in out and "Iteration" not in out


# -- explicit validation set --------------------------------------------------------------
def test_explicit_validation_set_drives_early_stopping():
    X_val, y_val = X_digits[300:400], y_digits[300:400] % 3
    est = _quiet(MLPClassifier(early_stopping=True, max_iter=5, random_state=0), X3, y3,
                 X_val=X_val, y_val=y_val)
    assert len(est.validation_scores_) == 5
    assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_)
    # all of X3 was used for training (no validation_fraction held out)
    assert est.t_ == 5 * 300


def test_explicit_validation_set_errors():
    with pytest.raises(ValueError, match="only used for early stopping"):
        MLPClassifier().fit(X3, y3, X_val=X3, y_val=y3)
    with pytest.raises(ValueError, match="X_val and y_val must be passed together"):
        MLPClassifier(early_stopping=True).fit(X3, y3, X_val=X3)
    with pytest.raises(ValueError, match="has classes not in"):
        MLPClassifier(early_stopping=True).fit(X3, y3, X_val=X3, y_val=y3 + 7)


def test_explicit_validation_set_routes_through_a_pipeline():
    X_val, y_val = X_digits[300:400] * 16, y_digits[300:400] % 3
    with config_context(enable_metadata_routing=True):
        mlp = MLPClassifier(early_stopping=True, max_iter=3, random_state=0)
        mlp.set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"])
        _quiet(pipe, X3 * 16, y3, X_val=X_val, y_val=y_val)
    fitted = pipe[-1]
    scaled_val = pipe[0].transform(X_val)
    assert fitted.score(scaled_val, y_val) == pytest.approx(fitted.best_validation_score_)


def test_explicit_validation_set_for_rnn():
    rng = np.random.RandomState(0)
    series = rng.randn(60, 5, 2)
    target = series.sum(axis=(1, 2))
    est = RNNSequenceRegressor("gru", hidden_size=4, early_stopping=True, max_iter=3).fit(
        series[:40], target[:40], X_val=series[40:], y_val=target[40:])
    assert len(est.validation_scores_) == 3
