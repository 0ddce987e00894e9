"""The course examples' ``--subset test`` path: the final model is scored on the test split.

The official test files are not in ``../shared/data``; small ones are made here and
pinned in the loaders' registry, beside links to the shared training files.
"""

import gzip
import importlib.util
import json
from pathlib import Path

from test_datasets import _fake_aclimdb, _fake_idx_split, _register, _write

ROOT = Path(__file__).resolve().parents[1]


def _example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _link(data_home, home, relpath):
    (home / relpath).parent.mkdir(parents=True, exist_ok=True)
    (home / relpath).symlink_to(data_home / relpath)


def test_mnist_cnn_subset_test(data_home, tmp_path, monkeypatch):
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        _link(data_home, tmp_path, f"mnist/{name}")
    _, y_test = _fake_idx_split(monkeypatch, tmp_path, "mnist", "t10k", 30, seed=0)
    out = tmp_path / "result.json"
    result = _example("mnist_cnn").main([
        "--epochs", "1", "--n-train", "300", "--subset", "test", "--threads", "1",
        "--data-home", str(tmp_path), "--output", str(out)])
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert json.loads(out.read_text())["test_accuracy"] == result["test_accuracy"]


def test_poem_meters_dense_subset_test(data_home, tmp_path, monkeypatch):
    _link(data_home, tmp_path, "poem_meters/train.txt.gz")
    test_text = "".join(f"{i % 14} سطر {i} # عجز\n" for i in range(25)).encode()
    _register(monkeypatch, "poem_meters/test.txt.gz", test_text)
    _write(tmp_path / "poem_meters" / "test.txt.gz", gzip.compress(test_text))
    record = _example("poem_meters_dense").main([
        "--layers", "3", "--hidden", "16", "--n-train", "400", "--epochs", "1",
        "--subset", "test", "--data-home", str(tmp_path), "--no-save"])
    assert record["n_test"] == 25
    assert 0.0 <= record["test_accuracy"] <= 1.0
    assert record["n_train"] + record["n_valid"] == 400


def test_imdb_rnn_subset_test(data_home, tmp_path, monkeypatch):
    _link(data_home, tmp_path, "imdb/imdb_train.csv.gz")
    archive, frame = _fake_aclimdb(data_home, n=30)
    _register(monkeypatch, "imdb/aclImdb_v1.tar.gz", archive)
    _write(tmp_path / "imdb" / "aclImdb_v1.tar.gz", archive)
    records = _example("imdb_rnn").main([
        "--cell", "rnn", "--n-train", "200", "--n-valid", "100", "--maxlen", "40",
        "--max-tokens", "500", "--epochs", "1", "--subset", "test",
        "--data-home", str(tmp_path), "--no-save"])
    assert records[0]["n_test"] == len(frame) == 60
    assert 0.0 <= records[0]["test_accuracy"] <= 1.0
    assert records[0]["config"]["truncating"] == "pre"

