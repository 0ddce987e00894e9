"""summary(), plot_history() and verbose output on fitted estimators."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, MLPRegressor, plot_history


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def test_summary_lists_layers_shapes_and_parameter_counts(digits, capsys):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), batch_norm=True, max_iter=1).fit(X, y)
    text = clf.summary()
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    assert lines[0] == "Model: MLPClassifier (cpu, float32)"
    assert any(line.startswith("0 (Linear)") and "(None, 32)" in line and "2,080" in line
               for line in lines)
    assert any(line.startswith("1 (BatchNorm1d)") and line.endswith("64") for line in lines)
    assert any(line.startswith("6 (Linear)") and "(None, 10)" in line and "170" in line
               for line in lines)
    total = 64 * 32 + 32 + 2 * 32 + 32 * 16 + 16 + 2 * 16 + 16 * 10 + 10
    assert f"Total params: {total:,}" in lines
    assert f"Trainable params: {total:,}" in lines
    assert "Non-trainable params: 0" in lines
    assert clf.summary(print_fn=None) == text
    assert capsys.readouterr().out == ""


def test_summary_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPRegressor().summary()


def test_plot_history_draws_losses_and_scores(digits, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(
        max_iter=6, early_stopping=True, n_iter_no_change=100, random_state=0)).fit(X, y)
    ax = plot_history(pipe)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train loss", "validation loss"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), pipe[-1].loss_curve_)
    np.testing.assert_allclose(ax.right_ax.get_lines()[0].get_ydata(),
                               pipe[-1].validation_scores_)
    ax.figure.savefig(tmp_path / "history.png")
    assert (tmp_path / "history.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="not fitted"):
        plot_history(MLPClassifier())


def test_verbose_shows_progress_bar_on_long_epochs_only(digits, capsys):
    X, y = digits
    MLPClassifier(max_iter=1, batch_size=10, verbose=2).fit(X, y)  # 180 batches
    long_run = capsys.readouterr()
    assert "it/s" in long_run.err and "train_loss" in long_run.out
    MLPClassifier(max_iter=1, verbose=2).fit(X, y)  # 9 batches
    short_run = capsys.readouterr()
    assert short_run.err == "" and "train_loss" in short_run.out
