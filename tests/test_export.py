"""ONNX export, skl2onnx pipelines and safe weight files, checked on real data."""

import json
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import (
    CNNImageClassifier,
    MLPClassifier,
    MLPRegressor,
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    TextVectorizer,
)

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
pytest.importorskip("safetensors")


def _session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def _exporter(model):
    return {p.key: p.value for p in model.metadata_props}["sknn.exporter"]


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _check_classifier(est, X, exporter):
    model = est.to_onnx()
    assert _exporter(model) == exporter
    session = _session(model)
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
    for rows in (X[:1], X[:1000]):
        label, proba = session.run(None, {"X": rows})
        assert proba.dtype == np.float32 and proba.shape == (len(rows), len(est.classes_))
        np.testing.assert_allclose(proba, est.predict_proba(rows), rtol=0, atol=1e-5)
        np.testing.assert_array_equal(label, est.predict(rows))


@pytest.fixture(scope="module")
def mnist_small(mnist):
    X, y = mnist
    return X[:1000], y[:1000]


@pytest.fixture(scope="module")
def imdb_small(data_home):
    from sknn.datasets import load_imdb

    X, y = load_imdb(data_home=data_home, return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))[:1000]
    return X[idx], y[idx]


def test_mlp_classifier_onnx_matches_predict_proba_on_mnist(mnist_small):
    X, y = mnist_small
    X = X.reshape(len(X), -1).astype(np.float32) / 255
    clf = _fit(MLPClassifier((32,), max_iter=3, device="cpu", random_state=0), X[:500], y[:500])
    _check_classifier(clf, X, "dynamo")


def test_cnn_onnx_takes_uint8_images_in_the_fitted_layout(mnist_small):
    X, y = mnist_small  # (n, 28, 28) uint8
    cnn = _fit(CNNImageClassifier(conv_filters=(4,), hidden_layer_sizes=(16,), max_iter=1,
                                  device="cpu", random_state=0), X[:300], y[:300])
    model = cnn.to_onnx()
    inp = model.graph.input[0].type.tensor_type
    assert inp.elem_type == 2  # uint8
    assert [d.dim_param or d.dim_value for d in inp.shape.dim] == ["batch", 28, 28]
    _check_classifier(cnn, X, "dynamo")


def test_rnn_onnx_is_padding_exact_on_imdb_ids(imdb_small):
    texts, y = imdb_small
    vec = TextVectorizer(max_tokens=3000, output_sequence_length=80).fit(texts[:300])
    ids = vec.transform(texts)
    ids[::3] = TextVectorizer(max_tokens=3000, output_sequence_length=80,
                              padding="pre").fit(texts[:300]).transform(texts[::3])
    lengths = (ids != 0).sum(axis=1)
    assert lengths.min() < 40 and lengths.max() == 80  # mixed lengths, pre and post padding
    rnn = _fit(RNNSequenceClassifier(cell="gru", bidirectional=True, hidden_size=8,
                                     embedding_dim=8, max_iter=1, device="cpu",
                                     random_state=0), ids[:300], y[:300])
    _check_classifier(rnn, ids, "torchscript")
    # a longer padded batch than any seen: the time axis is dynamic
    wide = np.zeros((5, 130), dtype=np.int64)
    wide[:, :80] = ids[:5]
    np.testing.assert_allclose(_session(rnn.to_onnx()).run(None, {"X": wide})[1],
                               rnn.predict_proba(ids[:5]), atol=1e-5)


def test_stacked_lstm_onnx_on_poem_meter_characters(data_home):
    from sknn.datasets import load_poem_meters

    X, y = load_poem_meters(data_home=data_home, return_X_y=True)
    idx = np.random.RandomState(1).permutation(len(X))[:1000]
    X, y = X[idx], y[idx]
    ids = TextVectorizer(analyzer="char", strip_accents="unicode").fit(X).transform(X)
    rnn = _fit(RNNSequenceClassifier(cell="lstm", num_layers=2, one_hot=True, hidden_size=8,
                                     pooling="mean", max_iter=1, device="cpu", random_state=0),
               ids[:300], y[:300])
    _check_classifier(rnn, ids, "torchscript")


def test_regressors_onnx_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    mlp = _fit(MLPRegressor(hidden_layer_sizes=(16,), max_iter=20, device="cpu",
                            random_state=0), X, y)
    model = mlp.to_onnx()
    assert _exporter(model) == "dynamo"
    (out,) = _session(model).run(None, {"X": X})
    assert out.shape == (len(X), 1)
    np.testing.assert_allclose(out.ravel(), mlp.predict(X), rtol=1e-5, atol=1e-3)
    # the 10 features as a series of 10 steps, trailing NaN padding on every other row
    series = X[:, :, None].copy()
    series[::2, 6:] = np.nan
    rnn = _fit(RNNSequenceRegressor(cell="gru", hidden_size=6, max_iter=2, device="cpu",
                                    random_state=0), series, y / 100)
    (out,) = _session(rnn.to_onnx()).run(None, {"X": series[:1]})
    np.testing.assert_allclose(out.ravel(), rnn.predict(series[:1]), atol=1e-5)
    (out,) = _session(rnn.to_onnx()).run(None, {"X": series})
    np.testing.assert_allclose(out.ravel(), rnn.predict(series), atol=1e-5)


_QUIET_EXPORT = """
import warnings
import numpy as np
from sklearn.datasets import load_digits
from sknn import MLPClassifier, RNNSequenceClassifier
X, y = load_digits(return_X_y=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(X.astype("float32"), y)
    rnn = RNNSequenceClassifier(hidden_size=4, max_iter=1).fit(
        np.random.default_rng(0).integers(1, 20, (30, 7)), np.arange(30) % 2)
print("fitted", flush=True)
for est in (mlp, rnn):
    est.to_onnx()
"""


def test_a_normal_export_prints_nothing(capfd):
    """Both exporters (dynamo for the MLP, TorchScript for the RNN), in a fresh process:
    torch logs "torchvision is not installed. Skipping torchvision::nms" and the like
    only on the first export of a process."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _QUIET_EXPORT], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "fitted\n"
    assert result.stderr == ""
    # and in this process too
    mlp = _fit(MLPRegressor(hidden_layer_sizes=(4,), max_iter=2),
               np.ones((20, 3), dtype=np.float32), np.arange(20.0))
    capfd.readouterr()
    mlp.to_onnx()
    assert capfd.readouterr() == ("", "")


def test_to_onnx_before_fit_raises():
    with pytest.raises(NotFittedError):
        MLPClassifier().to_onnx()


# ----------------------------------------------------------------- pipelines
@pytest.fixture(scope="module")
def converters():
    from sknn.export import register_skl2onnx_converters

    register_skl2onnx_converters()


def test_scaler_mlp_pipeline_converts_with_skl2onnx(mnist_small, converters):
    X, y = mnist_small
    X = X.reshape(len(X), -1).astype(np.float32)
    pipe = _fit(make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=3, device="cpu",
                                                              random_state=0)), X[:500], y[:500])
    model = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    label, proba = _session(model).run(None, {"X": X})
    np.testing.assert_allclose(proba, pipe.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(label, pipe.predict(X))


def test_tfidf_mlp_pipeline_converts_with_skl2onnx(imdb_small, converters):
    texts, y = imdb_small
    pipe = _fit(make_pipeline(
        TextVectorizer(output_mode="tfidf", ngram_range=(1, 2), strip_punctuation=False,
                       strip_invisible=False, max_tokens=3000),
        MLPClassifier((8,), max_iter=3, device="cpu", random_state=0)), texts[:300], y[:300])
    model = skl2onnx.to_onnx(pipe, texts[:1].reshape(-1, 1), options={"zipmap": False})
    label, proba = _session(model).run(None, {"X": texts.reshape(-1, 1)})
    np.testing.assert_allclose(proba, pipe.predict_proba(texts), atol=1e-5)
    np.testing.assert_array_equal(label, pipe.predict(texts))
    # the vectorizer alone agrees with its transform
    vec = pipe[0]
    (out,) = _session(skl2onnx.to_onnx(vec, texts[:1].reshape(-1, 1))).run(
        None, {"X": texts[:200].reshape(-1, 1)})
    np.testing.assert_allclose(out, vec.transform(texts[:200]).toarray(), atol=1e-5)


def test_text_vectorizer_names_the_options_onnx_cannot_express(converters):
    docs = np.array(["A b, c", "b c d", "a d"]).reshape(-1, 1)
    vec = TextVectorizer(output_mode="int", strip_accents="unicode").fit(docs)
    with pytest.raises(ValueError, match=r"output_mode='int'.*strip_punctuation=True.*"
                                         r"strip_invisible=True.*strip_accents='unicode'"):
        skl2onnx.to_onnx(vec, docs[:1])


# -------------------------------------------------------------- weight files
def test_weights_round_trip_without_pickle(tmp_path, mnist_small):
    from safetensors import safe_open

    from sknn.export import load_weights

    X, y = mnist_small
    X = X.reshape(len(X), -1)[:300].astype(np.float32) / 255
    labels = np.array([f"digit {d}" for d in y[:300]])
    clf = _fit(MLPClassifier((8,), max_iter=2, device="cpu", random_state=0), X, labels)
    path = tmp_path / "mlp.safetensors"
    clf.save_weights(path)
    with safe_open(str(path), framework="numpy") as f:
        meta = json.loads(f.metadata()["sknn"])
        assert "module.0.weight" in f.keys()
    assert meta["estimator"] == "MLPClassifier"
    assert meta["fitted"]["n_features_in_"] == 784

    loaded = load_weights(path)
    assert type(loaded) is MLPClassifier and loaded.hidden_layer_sizes == (8,)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.loss_curve_ == clf.loss_curve_
    assert MLPClassifier().load_weights(path).predict(X[:5]).tolist() == clf.predict(X[:5]).tolist()
    with pytest.raises(ValueError, match="holds a MLPClassifier, not a CNNImageClassifier"):
        CNNImageClassifier().load_weights(path)


def test_rnn_weights_round_trip(tmp_path):
    rng = np.random.RandomState(0)
    ids = rng.randint(0, 30, (60, 9))
    ids[::2, 5:] = 0
    rnn = _fit(RNNSequenceClassifier(cell="gru", hidden_size=4, embedding_dim=3, max_iter=1,
                                     device="cpu", random_state=0,
                                     embeddings=rng.randn(30, 3)), ids, rng.randint(0, 3, 60))
    path = tmp_path / "rnn.safetensors"
    rnn.save_weights(path)
    loaded = RNNSequenceClassifier().load_weights(path)
    np.testing.assert_array_equal(loaded.embeddings, rnn.embeddings)
    np.testing.assert_array_equal(loaded.predict_proba(ids), rnn.predict_proba(ids))


def test_weights_saved_for_cuda_load_on_the_cpu(tmp_path):
    import torch

    from sknn.export.weights import _load_device

    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    assert _load_device("cuda").type == "cpu"
    X, y = load_diabetes(return_X_y=True)
    reg = _fit(MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, device="cpu",
                            random_state=0), X, y)
    path = tmp_path / "reg.safetensors"
    reg.save_weights(path)
    reg.set_params(device="cuda")  # as if it had been fitted on a GPU
    reg.save_weights(tmp_path / "cuda.safetensors")
    loaded = MLPRegressor().load_weights(tmp_path / "cuda.safetensors")
    assert loaded.device_.type == "cpu"
    np.testing.assert_allclose(loaded.predict(X), reg.predict(X))
