"""summary(), plot_history() and verbose output on fitted estimators."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import (
    CNNImageClassifier,
    MLPClassifier,
    MLPRegressor,
    RNNSequenceClassifier,
    plot_history,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def test_summary_prints_once_and_returns_none(digits, capsys):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), batch_norm=True, max_iter=1).fit(X, y)
    assert clf.summary() is None
    printed = capsys.readouterr().out
    table = clf.summary(print_fn=None)
    assert capsys.readouterr().out == ""  # print_fn=None: returned, not printed
    assert printed == str(table) + "\n" == repr(table) + "\n"
    assert printed.count("Total params") == 1
    lines = printed.splitlines()
    assert lines[0] == "Model: MLPClassifier (cpu, float32)"
    assert lines[1] == "Input shape: (None, 64)"
    assert lines[3].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Trainable"]
    rows = [line.split() for line in lines[5:12]]
    assert rows == [["0", "(Linear)", "(None,", "32)", "2,080", "yes"],
                    ["1", "(BatchNorm1d)", "(None,", "32)", "64", "yes"],
                    ["2", "(ReLU)", "(None,", "32)", "0"],
                    ["3", "(Linear)", "(None,", "16)", "528", "yes"],
                    ["4", "(BatchNorm1d)", "(None,", "16)", "32", "yes"],
                    ["5", "(ReLU)", "(None,", "16)", "0"],
                    ["6", "(Linear)", "(None,", "10)", "170", "yes"]]
    total = 64 * 32 + 32 + 2 * 32 + 32 * 16 + 16 + 2 * 16 + 16 * 10 + 10
    assert lines[-4:-1] == [f"Total params: {total:,}", f"Trainable params: {total:,}",
                            "Non-trainable params: 0"]
    assert (table.total_params, table.trainable_params, table.non_trainable_params) == (
        total, total, 0)
    collected = []
    assert clf.summary(print_fn=collected.append) is None
    assert collected == [str(table)]


def test_summary_indents_nested_blocks_and_counts_frozen_parameters(digits):
    X, y = digits
    cnn = CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(8,), max_iter=1,
                             random_state=0).fit(X.reshape(-1, 8, 8), y)
    training = [m.training for m in cnn.module_.modules()]
    for p in cnn.module_.features.parameters():
        p.requires_grad_(False)
    table = cnn.summary(print_fn=None)
    assert [m.training for m in cnn.module_.modules()] == training  # modes left alone
    lines = str(table).splitlines()
    assert lines[1] == "Input shape: (None, 1, 8, 8)"
    body = lines[5:lines.index("=" * len(lines[4]), 5)]
    assert [line.split()[:2] for line in body] == [
        ["features", "(Sequential)"], ["features.0", "(Conv2d)"], ["features.1", "(ReLU)"],
        ["features.2", "(MaxPool2d)"], ["flatten", "(Sequential)"], ["flatten.0", "(Flatten)"],
        ["head", "(DenseStack)"], ["head.0", "(Linear)"], ["head.1", "(ReLU)"],
        ["head.2", "(Linear)"]]
    assert body[0].startswith("features (Sequential)") and body[0].rstrip().endswith("--")
    assert body[1].startswith("  features.0 (Conv2d)")
    assert body[1].split()[-3:] == ["8)", "40", "no"] and "(None, 4, 8, 8)" in body[1]
    assert body[7].split()[-2:] == ["520", "yes"]
    assert lines[-3:-1] == ["Trainable params: 610", "Non-trainable params: 40"]
    html = table._repr_html_()
    assert html.count("<tr>") == 11 and "features.0 (Conv2d)" in html
    assert "Non-trainable params: 40" in html


def test_summary_shows_the_sequence_length(digits):
    ids = np.random.default_rng(0).integers(1, 20, size=(30, 7))
    rnn = RNNSequenceClassifier(cell="gru", bidirectional=True, hidden_size=8,
                                max_iter=1).fit(ids, np.arange(30) % 2)
    text = str(rnn.summary(print_fn=None))
    assert "Input shape: (None, 7), (None,)" in text
    assert any(line.strip().startswith("layers.0.0 (GRU)") and "(None, 7, 8)" in line
               for line in text.splitlines())


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
