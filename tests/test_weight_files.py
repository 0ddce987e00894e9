"""Weight files that fail cleanly: ``load_weights`` is a transaction, ``save_weights``
writes only a regular file or a new path.

Every corrupt or mismatched file gives a ``ValueError`` (bad content) or an
``OSError`` (bad path) that names the file, and the estimator it was loaded
into is exactly as it was.
"""

import json
import os
import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sknn import MLPClassifier, MLPRegressor
from sknn.export import load_weights, read_metadata

safetensors_torch = pytest.importorskip("safetensors.torch")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


@pytest.fixture(scope="module")
def saved(digits, tmp_path_factory):
    """A fitted classifier and the path of its weight file."""
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, max_iter=2, random_state=0,
                        device="cpu").fit(X, y)
    path = tmp_path_factory.mktemp("weights") / "clf.safetensors"
    clf.save_weights(path)
    return clf, path


@pytest.fixture
def target(digits):
    """An estimator that a failed load must leave as it was."""
    X, y = digits
    return MLPClassifier(hidden_layer_sizes=(5,), max_iter=1, random_state=1,
                         device="cpu").fit(X[:100], y[:100])


def _contents(path):
    with open(path, "rb") as handle:
        data = handle.read()
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["sknn"])
    return data, meta, safetensors_torch.load(data)


def _rewrite(src, dst, *, meta=None, tensors=None):
    _, old_meta, old_tensors = _contents(src)
    safetensors_torch.save_file(tensors if tensors is not None else old_tensors, str(dst),
                                metadata={"sknn": json.dumps(meta or old_meta)})
    return dst


class _Unchanged:
    """Checks that ``estimator`` is exactly as it was when this was made."""

    def __init__(self, estimator, X):
        self.estimator, self.X = estimator, X
        self.attributes = dict(vars(estimator))
        self.state = {k: v.clone() for k, v in estimator.module_.state_dict().items()}
        self.proba = estimator.predict_proba(X)

    def check(self):
        assert vars(self.estimator).keys() == self.attributes.keys()
        for key, value in vars(self.estimator).items():
            assert value is self.attributes[key], key
        state = self.estimator.module_.state_dict()
        assert all(torch.equal(state[k], v) for k, v in self.state.items())
        np.testing.assert_array_equal(self.estimator.predict_proba(self.X), self.proba)


def _refused(exc_type, path, target, X, match):
    unchanged = _Unchanged(target, X)
    with pytest.raises(exc_type, match=match) as info:
        target.load_weights(path)
    assert str(path) in str(info.value)
    unchanged.check()
    with pytest.raises(exc_type, match=match):
        load_weights(path)
    return info.value


def test_a_valid_file_loads_in_eval_mode_with_the_same_answers(saved, digits, target):
    clf, path = saved
    X, _ = digits
    target.load_weights(path)
    assert not target.module_.training and target.hidden_layer_sizes == (8,)
    np.testing.assert_array_equal(target.predict_proba(X), clf.predict_proba(X))


def test_nan_weights_are_refused(saved, digits, target, tmp_path):
    _, meta, tensors = _contents(saved[1])
    tensors["module.0.weight"][0, 0] = float("nan")
    path = _rewrite(saved[1], tmp_path / "nan.safetensors", tensors=tensors)
    _refused(ValueError, path, target, digits[0], r"tensor module\.0\.weight holds NaN")


def test_classes_must_match_the_output_width(saved, digits, target, tmp_path):
    _, meta, _ = _contents(saved[1])
    meta["fitted"]["classes_"]["__ndarray__"] = list(range(5))
    path = _rewrite(saved[1], tmp_path / "classes.safetensors", meta=meta)
    _refused(ValueError, path, target, digits[0],
             r"5 classes_ need n_outputs_=5 .* the file says n_outputs_=10")


def test_unknown_fitted_attributes_are_refused(saved, digits, target, tmp_path):
    _, meta, _ = _contents(saved[1])
    meta["fitted"]["predict_proba"] = "x"
    path = _rewrite(saved[1], tmp_path / "attr.safetensors", meta=meta)
    _refused(ValueError, path, target, digits[0],
             r"sets attributes \['predict_proba'\] that are not fitted attributes")


def test_a_file_of_another_architecture_is_refused(saved, digits, target, tmp_path):
    _, meta, _ = _contents(saved[1])
    meta["params"]["hidden_layer_sizes"] = {"__tuple__": [9]}
    path = _rewrite(saved[1], tmp_path / "arch.safetensors", meta=meta)
    _refused(ValueError, path, target, digits[0],
             r"tensor module\.0\.(weight|bias) has shape \(8,( 64)?\); the architecture "
             r"needs \(9,( 64)?\)")


def test_missing_and_extra_tensors_are_refused(saved, digits, target, tmp_path):
    _, _, tensors = _contents(saved[1])
    tensors["module.extra"] = torch.zeros(2)
    del tensors["module.0.bias"]
    path = _rewrite(saved[1], tmp_path / "keys.safetensors", tensors=tensors)
    _refused(ValueError, path, target, digits[0],
             r"missing: \['module\.0\.bias'\]; unexpected: \['module\.extra'\]")


@pytest.mark.parametrize("edit, match", [
    (lambda m: m["params"].update(solver="bogus"), r"'solver' parameter .* Got 'bogus'"),
    (lambda m: m["params"].update(colour=1), r"parameters \['colour'\] that MLPClassifier"),
    (lambda m: m["fitted"].pop("classes_"), r"lacks the fitted attributes \['classes_'\]"),
    (lambda m: m["fitted"].update(n_features_in_=-3), r"n_features_in_=-3 is not a positive"),
    (lambda m: m.update(version=99), r"version 99; this sknn reads version 1"),
    (lambda m: m.update(format="other"), r"is not an sknn weight file"),
    (lambda m: m.update(fitted=[]), r"'fitted' entry is missing or not a dict"),
])
def test_edited_metadata_is_refused(saved, digits, target, tmp_path, edit, match):
    _, meta, _ = _contents(saved[1])
    edit(meta)
    path = _rewrite(saved[1], tmp_path / "meta.safetensors", meta=meta)
    _refused(ValueError, path, target, digits[0], match)


def test_a_file_of_another_estimator_is_refused(digits, target, tmp_path):
    X, y = digits
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=1, random_state=0,
                       device="cpu").fit(X, y.astype(float))
    reg.save_weights(tmp_path / "reg.safetensors")
    unchanged = _Unchanged(target, X)
    with pytest.raises(ValueError, match="holds a MLPRegressor, not a MLPClassifier"):
        target.load_weights(tmp_path / "reg.safetensors")
    unchanged.check()


@pytest.mark.parametrize("content", ["empty", "truncated", "pickle", "text", "no metadata"])
def test_files_that_are_not_weight_files_are_refused(saved, digits, target, tmp_path, content):
    data, _, tensors = _contents(saved[1])
    path = tmp_path / f"{content}.safetensors"
    if content == "no metadata":
        safetensors_torch.save_file(tensors, str(path))
        match = "without sknn metadata"
    else:
        path.write_bytes({"empty": b"", "truncated": data[: len(data) // 2],
                          "pickle": pickle.dumps(saved[0]),
                          "text": b"hello, world\n"}[content])
        match = r"is not an sknn weight file \(it is not a readable safetensors file"
    _refused(ValueError, path, target, digits[0], match)
    with pytest.raises(ValueError, match=match):
        read_metadata(path)


def test_bad_paths_raise_oserror(digits, target, tmp_path):
    _refused(FileNotFoundError, tmp_path / "missing.safetensors", target, digits[0],
             "No such file")
    _refused(OSError, tmp_path, target, digits[0], "is a folder, not an sknn weight file")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would block: it must be refused first
    _refused(OSError, fifo, target, digits[0], "is a FIFO, not an sknn weight file")


def test_save_writes_only_a_regular_file_or_a_new_path(saved, tmp_path):
    clf, path = saved
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere does not exist"):
        clf.save_weights(tmp_path / "nowhere" / "clf.safetensors")
    link = tmp_path / "link.safetensors"
    link.symlink_to(path)
    with pytest.raises(OSError, match="writes only a regular file .* is a symbolic link"):
        clf.save_weights(link)
    assert link.is_symlink()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="is a FIFO"):
        clf.save_weights(fifo)
    assert fifo.is_fifo()
    with pytest.raises(OSError, match="is a folder"):
        clf.save_weights(tmp_path)
    with pytest.raises(OSError, match="/dev/null is a character device"):
        clf.save_weights("/dev/null")
    # a regular file is overwritten in place, a new path created
    existing = tmp_path / "existing.safetensors"
    existing.write_bytes(b"old")
    clf.save_weights(existing)
    clf.save_weights(tmp_path / "new.safetensors")
    assert existing.read_bytes() == (tmp_path / "new.safetensors").read_bytes()
    assert read_metadata(existing)["estimator"] == "MLPClassifier"
