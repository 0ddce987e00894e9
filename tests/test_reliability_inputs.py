"""Issue 9's bad inputs: each is either read correctly or refused with a clear error.

Every test here failed before the fix it comes with: nullable-integer token ids
read as floats, runaway inferred vocabularies, wrapped uint64 ids, empty
sequences reaching torch, strings and dates coerced to floats, fractional layer
sizes truncated, devices and callbacks failing deep inside torch or skorch.
"""

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from sknn import (
    CNNImageClassifier,
    MLPClassifier,
    MLPRegressor,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_RNG = np.random.RandomState(0)
X = _RNG.randn(40, 4)
y = (X[:, 0] > 0).astype(int)
IDS = _RNG.randint(2, 20, size=(40, 5))


def _rnn(**kwargs):
    params = dict(hidden_size=4, embedding_dim=3, max_iter=1, random_state=0)
    params.update(kwargs)
    return RNNSequenceClassifier(**params)


# ------------------------------------------------------- RNN: nullable integer ids
@pytest.mark.parametrize("dtype", ["Int64", "Int32", "UInt8", "UInt64"])
def test_rnn_nullable_integer_dataframe_is_token_ids(dtype):
    frame = pd.DataFrame(IDS).astype(dtype)
    clf = _rnn().fit(frame, y)
    assert clf._token_input
    assert clf.vocab_size_ == IDS.max() + 1
    plain = _rnn().fit(IDS, y)
    np.testing.assert_array_equal(clf.predict_proba(frame), plain.predict_proba(IDS))


def test_rnn_nullable_integer_sequences_are_token_ids():
    seqs = [pd.array(row[: 1 + i % 5], dtype="Int64") for i, row in enumerate(IDS)]
    clf = _rnn().fit(pd.Series(seqs), y)
    plain = _rnn().fit([row[: 1 + i % 5] for i, row in enumerate(IDS)], y)
    assert clf._token_input and clf.vocab_size_ == plain.vocab_size_
    np.testing.assert_array_equal(clf.predict_proba(seqs), plain.predict_proba(
        [row[: 1 + i % 5] for i, row in enumerate(IDS)]))


def test_rnn_pd_na_in_token_ids_is_a_clear_error():
    frame = pd.DataFrame(IDS).astype("Int64")
    frame.iloc[3, 2] = pd.NA
    before = frame.copy()
    with pytest.raises(ValueError, match=r"missing value \(pd.NA\) in column 2 at row 3"):
        _rnn().fit(frame, y)
    pd.testing.assert_frame_equal(frame, before)
    seqs = [pd.array([2, 3], dtype="Int64"), pd.array([4, None], dtype="Int64")]
    with pytest.raises(ValueError, match=r"Sequence 1 of X contains a missing value \(pd.NA\)"):
        _rnn().fit(seqs, [0, 1])


# ---------------------------------------------------- RNN: vocabulary and id range
def test_rnn_inferred_vocabulary_is_capped():
    ids = IDS.copy()
    ids[7, 1] = 10**8
    with pytest.raises(ValueError, match=r"token id 100000000: with vocab_size=None .* "
                                         r"more than the 1000000 .*vocab_size=.*TextVectorizer"):
        _rnn().fit(ids, y)
    # an explicit vocab_size reads the stray id as out-of-vocabulary
    clf = _rnn(vocab_size=30).fit(ids, y)
    assert clf.vocab_size_ == 30
    assert ids[7, 1] == 10**8  # the caller's array is untouched


@pytest.mark.parametrize("make", [
    lambda ids: ids.astype(np.uint64),
    lambda ids: [[int(v) for v in row] for row in ids],
], ids=["uint64 array", "Python ints"])
def test_rnn_ids_beyond_int64_are_an_error_not_a_wrap(make):
    big = make(IDS)
    if isinstance(big, np.ndarray):
        big[5, 0] = 2**63 + 5
    else:
        big[5][0] = 2**63 + 5
    with pytest.raises(ValueError, match="Token ids must be >= 0 .* fit in int64"):
        _rnn(vocab_size=30).fit(big, y)
    clf = _rnn(vocab_size=30).fit(IDS, y)
    with pytest.raises(ValueError, match="fit in int64"):
        clf.predict(big)


@pytest.mark.parametrize("Estimator", [RNNSequenceClassifier, RNNSequenceRegressor])
def test_rnn_sequences_without_steps_are_a_clear_error(Estimator):
    with pytest.raises(ValueError, match=r"0 time steps \(X of shape \(40, 0, 3\)\)"):
        Estimator(hidden_size=4, max_iter=1).fit(np.zeros((40, 0, 3)), y)
    with pytest.raises(ValueError, match="0 time steps"):
        Estimator(hidden_size=4, max_iter=1).fit([np.zeros((0, 2))] * 40, y)


# ------------------------------------------------------- strings, dates and times
_DATES = np.arange(160).reshape(40, 4).astype("datetime64[D]")


@pytest.mark.parametrize("bad, message", [
    (X.astype(str), "X contains strings, but sknn estimators take numeric data only"),
    (X.astype(str).astype(object), "X contains strings"),
    (X.astype(str).astype(bytes), "X contains byte strings"),
    (_DATES, r"X contains dates \(datetime64\)"),
    (_DATES - _DATES[0, 0], r"X contains time spans \(timedelta64\)"),
    (pd.DataFrame({"a": X[:, 0], "when": pd.date_range("2020", periods=40)}),
     r"Column 'when' of X contains dates \(datetime64\)"),
    (pd.DataFrame({"a": X[:, 0], "b": X[:, 1].astype(str)}), "Column 'b' of X contains strings"),
    (pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(["1", "2"] * 20)}),
     "Column 'c' of X contains strings"),
    (pd.DataFrame({"a": X[:, 0], "s": pd.array(["1"] * 40, dtype="string")}),
     "Column 's' of X contains strings"),
], ids=["str", "object str", "bytes", "datetime64", "timedelta64", "df dates", "df str",
        "df categorical str", "df string dtype"])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_strings_and_dates_are_refused_not_coerced(Estimator, bad, message):
    before = copy.deepcopy(bad)
    with pytest.raises(ValueError, match=message):
        Estimator(hidden_layer_sizes=(3,), max_iter=1).fit(bad, y)
    if isinstance(bad, pd.DataFrame):
        pd.testing.assert_frame_equal(bad, before)
    else:
        np.testing.assert_array_equal(bad, before)
    fitted = Estimator(hidden_layer_sizes=(3,), max_iter=1).fit(X, y)
    if not isinstance(bad, pd.DataFrame):
        with pytest.raises(ValueError, match=message):
            fitted.predict(bad)


def test_numeric_categorical_and_object_numbers_still_fit():
    frame = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical([1.0, 2.0] * 20)})
    regressor = MLPRegressor(hidden_layer_sizes=(3,), max_iter=1).fit(frame, y)
    assert regressor.predict(frame).shape == (40,)
    assert MLPClassifier((3,), max_iter=1).fit(X.astype(object), y).predict(X).shape == (40,)


def test_string_images_and_series_are_refused():
    with pytest.raises(ValueError, match="X contains strings"):
        CNNImageClassifier(conv_filters=(2,), max_iter=1).fit(
            np.zeros((40, 4, 4)).astype(str), y)
    frame = pd.DataFrame({"t0": X[:, 0], "t1": X[:, 1].astype(str)})
    with pytest.raises(ValueError, match="Column 't1' of X contains strings"):
        RNNSequenceRegressor(hidden_size=3, max_iter=1).fit(frame, y)


# ------------------------------------------------------------- hyperparameters
@pytest.mark.parametrize("make", [
    lambda hls: MLPClassifier(hidden_layer_sizes=hls, max_iter=1),
    lambda hls: CNNImageClassifier(conv_filters=(2,), hidden_layer_sizes=hls, max_iter=1),
    lambda hls: RNNSequenceClassifier(hidden_size=3, hidden_layer_sizes=hls, max_iter=1),
], ids=["mlp", "cnn", "rnn"])
@pytest.mark.parametrize("hls", [(2.7,), (4, 2.0), (True,), [np.float32(3)]])
def test_fractional_hidden_layer_sizes_are_refused_not_truncated(make, hls):
    data = IDS if "RNN" in type(make(hls)).__name__ else X
    with pytest.raises(TypeError, match=r"hidden_layer_sizes must hold whole numbers of units"):
        make(hls).fit(data, y)


def test_integer_like_layer_sizes_are_kept():
    clf = MLPClassifier(hidden_layer_sizes=np.array([3, 2]), max_iter=1).fit(X, y)
    assert [c.shape for c in clf.coefs_][:2] == [(4, 3), (3, 2)]


@pytest.mark.parametrize("device, message", [
    ("mps", r"device='mps' was requested but MPS is not available"),
    ("meta", r"device='meta' is not supported: sknn trains on 'cpu', 'cuda', 'mps' or 'xpu'"),
    ("hpu", r"device='hpu' is not supported"),
    ("cuda:7", "device='cuda:7' was requested but"),
])
def test_unusable_devices_are_clear_errors(device, message):
    import torch

    if device == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    if device == "cuda:7" and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 GPUs")
    with pytest.raises(ValueError, match=message):
        MLPClassifier(max_iter=1, device=device).fit(X, y)


@pytest.mark.parametrize("callbacks, message", [
    ([object()], r"callbacks must hold skorch callbacks .*; got <object object .*>"),
    ([("named", "print")], r"callbacks must hold skorch callbacks .*; got \('named', 'print'\)"),
    ([("a", "b", "c")], r"callbacks must hold skorch callbacks .*; got \('a', 'b', 'c'\)"),
])
def test_bad_callbacks_are_named(callbacks, message):
    with pytest.raises(TypeError, match=message):
        MLPClassifier(max_iter=1, callbacks=callbacks).fit(X, y)


def test_skorch_callback_forms_still_work():
    from skorch.callbacks import EpochTimer, PrintLog

    seen = []

    class Record(EpochTimer):
        def on_epoch_end(self, net, **kwargs):
            seen.append(len(net.history))

    MLPClassifier(max_iter=2, callbacks=[Record(), ("quiet", PrintLog)]).fit(X, y)
    assert seen[:1] == [1]


def test_plot_history_names_what_it_needs():
    pytest.importorskip("matplotlib")
    from sknn import plot_history

    with pytest.raises(TypeError, match=r"takes an sknn estimator .* got LogisticRegression"):
        plot_history(LogisticRegression().fit(X, y))
    from sklearn.neural_network import MLPClassifier as SkMLP

    with pytest.raises(TypeError, match=r"plot its loss_curve_ instead"):
        plot_history(SkMLP(max_iter=2).fit(X, y))
