"""Tests of sknn.datasets against the shared data copies (``<repo>/../shared/data``)."""

import gzip
import hashlib
import io
import random
import shutil
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sknn.datasets import (
    _cache,
    get_data_home,
    imdb,
    load_fashion_mnist,
    load_imdb,
    load_mnist,
    load_poem_meters,
)
from sknn.datasets.mnist import parse_idx

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def data_home():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} not found")
    return SHARED_DATA


@pytest.fixture
def fake_network(monkeypatch):
    """Serve downloads from a dict {file name: bytes}; record the URLs asked for."""
    served = {}
    requested = []

    def urlopen(request, timeout=None):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        requested.append(url)
        name = url.rsplit("/", 1)[-1]
        if name not in served:
            raise urllib.error.URLError(f"no route to {url}")
        return io.BytesIO(served[name])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return served, requested


@pytest.fixture
def no_network(monkeypatch):
    def urlopen(request, timeout=None):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


def _leftovers(folder):
    return sorted(p.name for p in Path(folder).rglob("*.part"))


# -- loaders on the shared copies ---------------------------------------------


def test_load_mnist(data_home):
    start = time.perf_counter()
    bunch = load_mnist(data_home=data_home)
    assert time.perf_counter() - start < 2.0
    X, y = bunch.data, bunch.target
    assert X.shape == (60000, 28, 28)
    assert X.dtype == np.uint8
    assert X.flags.writeable
    assert X.min() == 0
    assert X.max() == 255
    assert y.shape == (60000,)
    assert y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.shape == (10,)
    assert counts.sum() == 60000
    assert counts.min() > 5000
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "MNIST" in bunch.DESCR
    X2, y2 = load_mnist(data_home=data_home, return_X_y=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_load_mnist_as_frame(data_home):
    bunch = load_mnist(data_home=data_home, as_frame=True)
    assert bunch.data.shape == (60000, 784)
    assert (bunch.data.dtypes == np.uint8).all()
    assert bunch.target.name == "class"
    assert bunch.frame.shape == (60000, 785)
    assert bunch.feature_names[0] == "pixel1"
    X, _ = load_mnist(data_home=data_home, return_X_y=True)
    np.testing.assert_array_equal(bunch.data.to_numpy(), X.reshape(60000, 784))


def test_load_fashion_mnist(data_home):
    X, y = load_fashion_mnist(data_home=data_home, return_X_y=True)
    assert X.shape == (60000, 28, 28)
    assert X.dtype == np.uint8
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 6000))
    names = load_fashion_mnist(data_home=data_home).target_names
    assert len(names) == 10
    assert names[0] == "T-shirt/top"
    assert names[9] == "Ankle boot"


def test_load_imdb(data_home):
    bunch = load_imdb(data_home=data_home)
    assert bunch.data.shape == (25000,)
    assert bunch.data.dtype == object
    assert all(isinstance(text, str) and text for text in bunch.data[::500])
    assert bunch.target.shape == (25000,)
    assert set(bunch.target) == {"negative", "positive"}
    assert (bunch.target == "negative").sum() == 12500
    # sorted by class, negative reviews first
    assert (bunch.target[:12500] == "negative").all()
    assert bunch.rating.dtype == np.int64
    assert set(bunch.rating[bunch.target == "negative"]) <= {1, 2, 3, 4}
    assert set(bunch.rating[bunch.target == "positive"]) <= {7, 8, 9, 10}
    assert list(bunch.frame.columns) == ["review", "sentiment", "rating"]
    assert bunch.frame.shape == (25000, 3)
    assert list(bunch.target_names) == ["negative", "positive"]
    X, y = load_imdb(data_home=data_home, return_X_y=True)
    assert X.shape == y.shape == (25000,)


def test_load_poem_meters(data_home):
    bunch = load_poem_meters(data_home=data_home)
    assert bunch.data.shape == (47124,)
    assert bunch.data.dtype == object
    assert all(" # " in verse for verse in bunch.data)
    assert bunch.target.dtype == np.int64
    assert bunch.target.shape == (47124,)
    assert len(bunch.target_names) == 14
    assert bunch.target_names[0] == "saree"
    np.testing.assert_array_equal(np.unique(bunch.target), np.arange(14))
    X, y = load_poem_meters(data_home=data_home, return_X_y=True)
    np.testing.assert_array_equal(y, bunch.target)
    assert list(X[:5]) == list(bunch.data[:5])


# -- cache folder ---------------------------------------------------------------


def test_get_data_home(monkeypatch, tmp_path):
    assert get_data_home(tmp_path) == tmp_path
    assert get_data_home(str(tmp_path)) == tmp_path
    monkeypatch.setenv("SKNN_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("SKNN_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == tmp_path / "home" / ".sknn_data"
    assert not (tmp_path / "home").exists()  # nothing created just by asking


def test_sknn_data_env_is_honoured(data_home, monkeypatch, no_network):
    monkeypatch.setenv("SKNN_DATA", str(data_home))
    X, y = load_poem_meters(return_X_y=True)
    assert X.shape == y.shape == (47124,)


# -- checksums and downloads ------------------------------------------------------


def test_corrupted_local_file_fails_checksum(data_home, tmp_path, no_network):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").symlink_to(
        data_home / "mnist" / "train-images-idx3-ubyte.gz"
    )
    content = bytearray((data_home / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes())
    content[len(content) // 2] ^= 0xFF
    bad = folder / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bytes(content))
    with pytest.raises(ValueError, match="Checksum mismatch for .*train-labels"):
        load_mnist(data_home=tmp_path)
    assert bad.read_bytes() == bytes(content)  # a local copy is never deleted


def test_missing_file_without_network(tmp_path, no_network):
    with pytest.raises(OSError, match="could not be downloaded.*network is unreachable"):
        load_mnist(data_home=tmp_path)
    with pytest.raises(OSError, match="could not be built"):
        load_imdb(data_home=tmp_path)
    with pytest.raises(OSError, match="missing"):
        load_fashion_mnist(data_home=tmp_path, download_if_missing=False)
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_download_into_cache(data_home, tmp_path, fake_network):
    served, requested = fake_network
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        # re-compress, as the official .gz bytes differ from the shared ones:
        # only the decompressed checksum matches, which must be accepted
        raw = gzip.decompress((data_home / "mnist" / name).read_bytes())
        served[name] = gzip.compress(raw, compresslevel=1, mtime=0)
    X, y = load_mnist(data_home=tmp_path, return_X_y=True)
    X_ref, y_ref = load_mnist(data_home=data_home, return_X_y=True)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert len(requested) == 2
    cached = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    assert cached.read_bytes() == served["train-labels-idx1-ubyte.gz"]
    assert cached.with_name(cached.name + ".sha256-ok").is_file()
    assert _leftovers(tmp_path) == []
    # a second load reads the cache without downloading
    load_mnist(data_home=tmp_path)
    assert len(requested) == 2


def test_bad_download_is_deleted(data_home, tmp_path, fake_network):
    served, _ = fake_network
    served["train-labels-idx1-ubyte.gz"] = b"<html>Not Found</html>"
    served["train-images-idx3-ubyte.gz"] = (
        data_home / "fashion_mnist" / "train-images-idx3-ubyte.gz"
    ).read_bytes()
    with pytest.raises(ValueError, match="failed verification.*Checksum mismatch"):
        load_fashion_mnist(data_home=tmp_path)
    assert not (tmp_path / "fashion_mnist" / "train-labels-idx1-ubyte.gz").exists()
    assert (tmp_path / "fashion_mnist" / "train-images-idx3-ubyte.gz").is_file()
    assert _leftovers(tmp_path) == []


def test_verification_is_remembered(tmp_path, monkeypatch):
    path = tmp_path / "data.bin"
    path.write_bytes(b"some data")
    sha = hashlib.sha256(b"some data").hexdigest()
    _cache.verify_checksum(path, sha)
    assert list(tmp_path.iterdir()) == [path]  # nothing written beside a local copy

    def fail(_path):
        raise AssertionError("hashed again")

    monkeypatch.setattr(_cache, "_file_sha256", fail)
    _cache.verify_checksum(path, sha)  # in-process memo
    with pytest.raises(AssertionError, match="hashed again"):
        _cache.verify_checksum(path, "0" * 64)
    # a marker, as written after a download, is trusted while size and mtime hold
    monkeypatch.setattr(_cache, "_VERIFIED", {})
    _cache._write_marker(path, _cache._stat_key(path), [sha])
    _cache.verify_checksum(path, sha)
    path.write_bytes(b"other data")
    with pytest.raises(AssertionError, match="hashed again"):
        _cache.verify_checksum(path, sha)


def test_loading_writes_nothing_into_the_data_folder(data_home, tmp_path, no_network):
    folder = tmp_path / "poem_meters"
    folder.mkdir()
    for name in ("train.txt.gz", "labels.txt"):
        shutil.copy(data_home / "poem_meters" / name, folder / name)
    before = sorted(tmp_path.rglob("*"))
    load_poem_meters(data_home=tmp_path)
    assert sorted(tmp_path.rglob("*")) == before


# -- building files from the upstream archives --------------------------------------


def test_imdb_built_from_tarball(data_home, tmp_path, fake_network, monkeypatch):
    served, _ = fake_network
    frame = pd.read_csv(data_home / "imdb" / "imdb_train.csv.gz", keep_default_na=False)
    members = []
    for label, sentiment in (("neg", "negative"), ("pos", "positive")):
        part = frame[frame.sentiment == sentiment]
        for review_id, (text, rating) in enumerate(zip(part.review, part.rating)):
            name = f"aclImdb/train/{label}/{review_id}_{rating}.txt"
            members.append((name, text.encode("utf-8")))
    members += [("aclImdb/test/pos/0_10.txt", b"not training"), ("aclImdb/README", b"")]
    random.Random(0).shuffle(members)  # the build must sort by class and id
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:  # gzip or not is detected
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    served["aclImdb_v1.tar.gz"] = buffer.getvalue()
    tar_sha = hashlib.sha256(buffer.getvalue()).hexdigest()
    monkeypatch.setattr(imdb, "_TAR_SHA256", tar_sha)
    # the loader verifies the built CSV against the shared copy's checksum
    bunch = load_imdb(data_home=tmp_path)
    assert bunch.data.shape == (25000,)
    assert (bunch.target[:12500] == "negative").all()
    assert not (tmp_path / "imdb" / "aclImdb_v1.tar.gz").exists()
    assert _leftovers(tmp_path) == []


def test_poem_meters_built_from_zip(data_home, tmp_path, fake_network):
    served, _ = fake_network
    text = gzip.decompress((data_home / "poem_meters" / "train.txt.gz").read_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Windows line ends must not change the result
        archive.writestr("final_baits/train.txt", text.replace(b"\n", b"\r\n"))
        archive.writestr("final_baits/test.txt", b"0 x # y\n")
    served["baits.zip"] = buffer.getvalue()
    X, y = load_poem_meters(data_home=tmp_path, return_X_y=True)
    X_ref, y_ref = load_poem_meters(data_home=data_home, return_X_y=True)
    assert list(X) == list(X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert (tmp_path / "poem_meters" / "labels.txt").read_bytes() == (
        data_home / "poem_meters" / "labels.txt"
    ).read_bytes()
    assert not (tmp_path / "poem_meters" / "baits.zip").exists()


def test_poem_meters_bad_archive(tmp_path, fake_network):
    served, _ = fake_network
    served["baits.zip"] = b"version https://git-lfs.github.com/spec/v1\n"
    with pytest.raises(ValueError, match="usable MetRec archive"):
        load_poem_meters(data_home=tmp_path)
    assert not (tmp_path / "poem_meters" / "baits.zip").exists()
    assert not (tmp_path / "poem_meters" / "train.txt.gz").exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_gzip_gives_checksum_error(tmp_path, damage):
    content = bytearray(gzip.compress(bytes(range(256)) * 400, mtime=0))
    if damage == "truncate":
        del content[len(content) // 2 :]
    else:
        content[len(content) // 2] ^= 0xFF
    path = tmp_path / "x.gz"
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match="Checksum mismatch"):
        _cache.verify_checksum(path, "0" * 64, "1" * 64)


# -- IDX parsing --------------------------------------------------------------------


def test_parse_idx_roundtrip():
    values = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)
    content = bytes([0, 0, 0x0C, 2]) + np.array([3, 4], ">u4").tobytes()
    content += values.astype(">i4").tobytes()
    parsed = parse_idx(content)
    np.testing.assert_array_equal(parsed, values)
    assert parsed.dtype == np.int32
    assert parsed.dtype.isnative


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "bad magic number"),
        (bytes([1, 0, 0x08, 1, 0, 0, 0, 1, 5]), "bad magic number"),
        (bytes([0, 0, 0x08]), "too short"),
        (bytes([0, 0, 0x08, 2, 0, 0, 0, 1]), "too short for 2 dimensions"),
        (bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 5, 6]), "needs 11 bytes"),
    ],
)
def test_parse_idx_rejects_malformed(content, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(content)


def test_malformed_idx_file_is_reported(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    folder.mkdir()
    bad = gzip.compress(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]))
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (folder / name).write_bytes(bad)
    monkeypatch.setattr(_cache, "verify_checksum", lambda *args: None)
    with pytest.raises(ValueError, match="train-images.*bad magic number"):
        load_mnist(data_home=tmp_path)
