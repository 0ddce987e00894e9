"""Training semantics of MLPClassifier/MLPRegressor, compared with scikit-learn's own."""

import numpy as np
import pytest
import torch
from sklearn import neural_network
from sklearn.datasets import load_digits, make_regression
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight
from skorch.callbacks import Callback

from sknn import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def test_digits_accuracy_matches_sklearn(digits):
    X_train, X_test, y_train, y_test = digits
    ours = MLPClassifier(max_iter=50, random_state=0).fit(X_train, y_train)
    theirs = neural_network.MLPClassifier(max_iter=50, random_state=0).fit(X_train, y_train)
    assert ours.score(X_test, y_test) > 0.95
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) < 0.03


def test_fitted_attributes(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=7, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.n_iter_ == 7 == len(clf.loss_curve_) == len(clf.history_)
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert [c.shape for c in clf.coefs_] == [(64, 32), (32, 16), (16, 10)]
    assert [b.shape for b in clf.intercepts_] == [(32,), (16,), (10,)]
    assert clf.n_layers_ == 4
    assert clf.coefs_[0].dtype == np.float32
    assert list(clf.classes_) == list(range(10))
    assert clf.n_features_in_ == 64
    assert clf.t_ == 7 * len(X_train)
    assert {"train_loss", "dur"} <= set(clf.history_[-1])
    assert "valid_loss" not in clf.history_[-1]  # no silent validation split
    assert isinstance(clf.module_, torch.nn.Module)
    assert clf.device_ == torch.device("cpu")
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_stops_like_sklearn_when_loss_stalls(digits):
    X_train, _, y_train, _ = digits
    kwargs = dict(max_iter=100, tol=1e3, n_iter_no_change=4, random_state=0)
    ours = MLPClassifier(**kwargs).fit(X_train, y_train)
    theirs = neural_network.MLPClassifier(**kwargs).fit(X_train, y_train)
    # count 0 on the first epoch, 1..5 after: stops once the count exceeds 4
    assert ours.n_iter_ == theirs.n_iter_ == 6


def test_adaptive_learning_rate_divides_by_five_like_sklearn(digits):
    X_train, _, y_train, _ = digits
    kwargs = dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.01,
                  max_iter=200, tol=1e3, n_iter_no_change=2, random_state=0)
    ours = MLPClassifier(**kwargs).fit(X_train, y_train)
    theirs = neural_network.MLPClassifier(**kwargs).fit(X_train, y_train)
    assert ours.n_iter_ == theirs.n_iter_
    final_lr = ours.net_.optimizer_.param_groups[0]["lr"]
    assert final_lr == pytest.approx(0.01 / 5 ** 6)  # 0.01 -> 6.4e-7 <= 1e-6 takes 6 cuts


def test_invscaling_schedule(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5,
                        power_t=0.5, max_iter=3, random_state=0).fit(X_train, y_train)
    lr = clf.net_.optimizer_.param_groups[0]["lr"]
    assert lr == pytest.approx(0.5 / (3 * len(X_train) + 1) ** 0.5)


class _CaptureValidation(Callback):
    def on_epoch_begin(self, net, dataset_valid=None, **kwargs):
        self.valid_ = dataset_valid


def test_early_stopping_restores_best_weights(digits):
    X_train, _, y_train, _ = digits
    capture = _CaptureValidation()
    clf = MLPClassifier(early_stopping=True, validation_fraction=0.2, n_iter_no_change=3,
                        max_iter=200, random_state=0, callbacks=[capture]).fit(X_train, y_train)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    valid = capture.valid_
    assert len(valid) == int(np.ceil(0.2 * len(X_train)))  # as train_test_split rounds
    assert clf.net_.train_split is None  # the fitted net keeps no reference to the data
    with torch.no_grad():
        pred = clf.module_.eval()(valid.take(torch.arange(len(valid)))[0]).argmax(1)
    restored = (pred == valid.y).double().mean().item()
    assert restored == pytest.approx(clf.best_validation_score_)
    assert clf.t_ == clf.n_iter_ * (len(X_train) - len(valid))


def test_random_state_repeatable_and_global_rng_untouched(digits):
    X_train, X_test, y_train, _ = digits
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = MLPClassifier(max_iter=3, random_state=7, dropout=0.2).fit(X_train, y_train)
    assert torch.equal(before, torch.random.get_rng_state())
    b = MLPClassifier(max_iter=3, random_state=7, dropout=0.2).fit(X_train, y_train)
    c = MLPClassifier(max_iter=3, random_state=8, dropout=0.2).fit(X_train, y_train)
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.allclose(a.predict_proba(X_test), c.predict_proba(X_test))


def test_warm_start_and_partial_fit_continue_training(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(max_iter=3, warm_start=True, random_state=0).fit(X_train, y_train)
    first_curve = list(clf.loss_curve_)
    clf.fit(X_train, y_train)
    # as scikit-learn: n_iter_ counts this call's epochs, loss_curve_ all of them
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 6
    assert clf.loss_curve_[:3] == first_curve and clf.loss_curve_[3] < first_curve[-1]

    inc = MLPClassifier(random_state=0)
    for _ in range(15):
        inc.partial_fit(X_train, y_train, classes=np.arange(10))
    assert inc.n_iter_ == 1 and len(inc.loss_curve_) == 15 and inc.t_ == 15 * len(X_train)
    assert inc.score(X_test, y_test) > 0.9


def test_partial_fit_errors(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X_train, y_train)
    clf = MLPClassifier().partial_fit(X_train[y_train < 5], y_train[y_train < 5],
                                      classes=np.arange(5))
    with pytest.raises(ValueError, match=r"`y` has classes not in `self.classes_`"):
        clf.partial_fit(X_train, y_train)
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        MLPClassifier(solver="lbfgs").partial_fit(X_train, y_train, classes=np.arange(10))


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs", "rmsprop", "adamw"])
def test_every_solver_learns(digits, solver):
    X_train, X_test, y_train, y_test = digits
    lr = {"sgd": 0.1, "rmsprop": 0.001}.get(solver, 0.001)
    clf = MLPClassifier(solver=solver, learning_rate_init=lr, max_iter=30, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.85, solver


def test_class_weight_balanced_equals_explicit_dict(digits):
    X_train, X_test, y_train, _ = digits
    keep = (y_train != 3) | (np.arange(len(y_train)) % 5 == 0)  # make class 3 rare
    X, y = X_train[keep], y_train[keep]
    weights = compute_class_weight("balanced", classes=np.arange(10), y=y)
    a = MLPClassifier(class_weight="balanced", max_iter=5, random_state=0).fit(X, y)
    b = MLPClassifier(class_weight=dict(enumerate(weights)), max_iter=5,
                      random_state=0).fit(X, y)
    c = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X_test), b.predict_proba(X_test), rtol=1e-5)
    assert not np.allclose(a.predict_proba(X_test), c.predict_proba(X_test))
    with pytest.raises(ValueError, match="not among the classes"):
        MLPClassifier(class_weight={42: 1.0}).fit(X, y)


def test_sample_weight_zero_equals_dropping_samples(digits):
    X_train, X_test, y_train, _ = digits
    X64, Xt64 = X_train.astype(np.float64), X_test.astype(np.float64)
    w = np.ones(len(y_train))
    w[::3] = 0
    kwargs = dict(max_iter=5, random_state=0, batch_size=len(y_train), shuffle=False)
    weighted = MLPClassifier(**kwargs).fit(X64, y_train, sample_weight=w)
    with pytest.warns(UserWarning, match=r"batch_size=1347 larger .* clipped to 898"):
        dropped = MLPClassifier(**kwargs).fit(X64[w > 0], y_train[w > 0])
    np.testing.assert_allclose(weighted.predict_proba(Xt64), dropped.predict_proba(Xt64),
                               rtol=1e-6)


def test_clip_grad_norm_limits_sgd_steps(digits):
    X_train, _, y_train, _ = digits
    kwargs = dict(solver="sgd", learning_rate_init=0.1, momentum=0.0, max_iter=1,
                  random_state=0)
    clipped = MLPClassifier(**kwargs, clip_grad_norm=1e-6).fit(X_train, y_train)
    free = MLPClassifier(**kwargs).fit(X_train, y_train)
    init = MLPClassifier(**{**kwargs, "learning_rate_init": 1e-12}).fit(X_train, y_train)
    n_batches = -(-len(X_train) // 200)
    moved_clipped = sum(np.linalg.norm(a - b) for a, b in zip(clipped.coefs_, init.coefs_))
    moved_free = sum(np.linalg.norm(a - b) for a, b in zip(free.coefs_, init.coefs_))
    assert moved_clipped <= 0.1 * 1e-6 * n_batches * 2 + 1e-7
    assert moved_free > 1e-2


def test_lbfgs_stops_on_max_fun(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(solver="lbfgs", max_fun=10, max_iter=100, random_state=0)
    clf.fit(X_train, y_train)
    # scipy's L-BFGS-B stops within the iteration that spends the budget
    evals = clf.history_[:, "func_evals"]
    assert evals == sorted(evals) and evals[-1] <= 10 + 25
    assert len(evals) == clf.n_iter_ < 10


def test_user_callbacks_are_called(digits):
    X_train, _, y_train, _ = digits

    class CountEpochs(Callback):
        def initialize(self):
            self.epochs_ = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs_ += 1

    counter = CountEpochs()
    clf = MLPClassifier(max_iter=4, callbacks=[("count", counter)], random_state=0)
    clf.fit(X_train, y_train)
    assert dict(clf.net_.callbacks_)["count"].epochs_ == 4


def test_dropout_and_batch_norm_layers(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(hidden_layer_sizes=(64, 32), dropout=0.3, batch_norm=True,
                        activation="gelu", max_iter=20, random_state=0)
    clf.fit(X_train, y_train)
    kinds = [type(m).__name__ for m in clf.module_]
    assert kinds == ["Linear", "BatchNorm1d", "GELU", "Dropout",
                     "Linear", "BatchNorm1d", "GELU", "Dropout", "Linear"]
    np.testing.assert_array_equal(clf.predict_proba(X_test), clf.predict_proba(X_test))
    assert clf.score(X_test, y_test) > 0.9


def test_verbose_prints_epochs_and_quiet_prints_nothing(digits, capsys):
    X_train, _, y_train, _ = digits
    MLPClassifier(max_iter=2, random_state=0).fit(X_train, y_train)
    assert capsys.readouterr().out == ""
    MLPClassifier(max_iter=2, verbose=2, random_state=0).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 4


def test_regressor_fits_and_predicts_multi_output():
    X, y = make_regression(n_samples=400, n_features=8, n_targets=3, noise=1.0,
                           random_state=0)
    y = y / y.std(axis=0)
    reg = MLPRegressor(hidden_layer_sizes=(64,), max_iter=300, learning_rate_init=0.01,
                       random_state=0).fit(X, y)
    assert reg.predict(X).shape == (400, 3)
    assert reg.predict(X).dtype == np.float64
    assert reg.score(X, y) > 0.95
    single = MLPRegressor(max_iter=5, random_state=0).fit(X, y[:, 0])
    assert single.predict(X).shape == (400,)
    with pytest.raises(ValueError, match="y has 3 outputs, but MLPRegressor was fitted with 1"):
        single.partial_fit(X, y)


def test_regressor_loss_is_half_squared_error():
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    reg = MLPRegressor(max_iter=1, alpha=0.0, random_state=0, batch_size=50, shuffle=False)
    reg.fit(X, y)
    # refit the same initial weights for zero epochs' worth: compute loss of the
    # initial model by hand from a learning-rate-zero fit
    frozen = MLPRegressor(max_iter=1, alpha=0.0, random_state=0, batch_size=50,
                          shuffle=False, learning_rate_init=1e-300).fit(X, y)
    pred = frozen.predict(X)
    assert frozen.loss_ == pytest.approx(0.5 * np.mean((pred - y) ** 2), rel=1e-6)
