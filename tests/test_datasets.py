"""Tests of sknn.datasets: the shared data copies (``<repo>/../shared/data``), and
small files made here for the test splits, downloads and damaged files (there is
no network: downloads are served by a fake ``requests.get``)."""

import gzip
import hashlib
import io
import random
import shutil
import stat
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from sknn.datasets import (
    _fetch,
    get_data_home,
    load_fashion_mnist,
    load_imdb,
    load_mnist,
    load_poem_meters,
)
from sknn.datasets.mnist import parse_idx
from sknn.datasets.poem_meters import METERS

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
IDX_LOADERS = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist}


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

    class Response:
        def __init__(self, content):
            self.content = content
            self.headers = {"content-length": str(len(content))}

        def raise_for_status(self):
            pass

        def iter_content(self, chunk_size):
            for start in range(0, len(self.content), chunk_size):
                yield self.content[start:start + chunk_size]

    def get(url, timeout=None, **kwargs):
        requested.append(url)
        name = url.rsplit("/", 1)[-1]
        if name not in served:
            raise requests.exceptions.ConnectionError(f"no route to {url}")
        return Response(served[name])

    monkeypatch.setattr(requests, "get", get)
    return served, requested


@pytest.fixture
def no_network(monkeypatch):
    def get(url, timeout=None, **kwargs):
        raise requests.exceptions.ConnectionError("network is unreachable")

    monkeypatch.setattr(requests, "get", get)


def _register(monkeypatch, relpath, content, **changes):
    """Pin ``relpath``'s checksum (and size) to ``content``, as if it were the real file's."""
    entry = _fetch.REGISTRY[relpath]._replace(
        sha256=hashlib.sha256(content).hexdigest(), max_bytes=len(content), **changes)
    monkeypatch.setitem(_fetch.REGISTRY, relpath, entry)


def _write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _snapshot(folder):
    """Every file and folder under ``folder`` with its size and modification time."""
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in Path(folder).rglob("*"))


def _idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def _fake_idx_split(monkeypatch, home, folder, prefix, n, seed):
    """Write a small IDX split to ``home/folder`` and pin its checksums; return (X, y)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    for kind, idx, array in (("images", "idx3", images), ("labels", "idx1", labels)):
        relpath = f"{folder}/{prefix}-{kind}-{idx}-ubyte.gz"
        content = _idx_bytes(array)
        _register(monkeypatch, relpath, content)
        _write(home / relpath, gzip.compress(content, mtime=0))
    return images, labels.astype(np.int64)


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
    X2, y2 = load_mnist(data_home=data_home, return_X_y=True, subset="train")
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


def test_meter_names_are_metrec_labels_file(data_home):
    assert (data_home / "poem_meters" / "labels.txt").read_bytes() == "\n".join(METERS).encode()


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


def test_shared_copies_load_without_writing_anything(data_home, no_network):
    before = _snapshot(data_home)
    load_mnist(data_home=data_home)
    load_fashion_mnist(data_home=data_home)
    load_imdb(data_home=data_home)
    load_poem_meters(data_home=data_home)
    assert _snapshot(data_home) == before


def test_read_only_copy_loads_without_writing_anything(data_home, tmp_path, no_network):
    # the re-compressed MNIST copies: only their decompressed checksum matches
    copy = tmp_path / "data"
    shutil.copytree(data_home / "mnist", copy / "mnist")
    shutil.copytree(data_home / "poem_meters", copy / "poem_meters")
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = _snapshot(copy)
    try:
        X, _ = load_mnist(data_home=copy, return_X_y=True)
        load_poem_meters(data_home=copy)
        assert X.shape == (60000, 28, 28)
        assert _snapshot(copy) == before
    finally:
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


# -- checksums ------------------------------------------------------------------


def test_tampered_file_is_rejected_even_with_a_marker(data_home, tmp_path, no_network):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").symlink_to(
        data_home / "mnist" / "train-images-idx3-ubyte.gz")
    content = bytearray(gzip.decompress(
        (data_home / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes()))
    content[-1] = (content[-1] + 1) % 10  # one label changed: still a valid IDX file
    bad = folder / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(bytes(content), mtime=0))
    # markers as the earlier cache wrote them, claiming the file was verified
    real = _fetch.REGISTRY["mnist/train-labels-idx1-ubyte.gz"].sha256
    st = bad.stat()
    for suffix in (".sha256-ok", ".sha256"):
        bad.with_name(bad.name + suffix).write_text(f"{st.st_size} {st.st_mtime_ns} {real}\n")
    with pytest.raises(ValueError, match="Checksum mismatch for .*train-labels"):
        load_mnist(data_home=tmp_path)
    assert bad.read_bytes() == gzip.compress(bytes(content), mtime=0)  # never deleted


@pytest.mark.parametrize("damage", ["truncate", "flip", "not gzip"])
def test_damaged_gzip_gives_checksum_error(tmp_path, damage):
    raw = bytes(range(256)) * 400
    content = bytearray(gzip.compress(raw, mtime=0))
    if damage == "truncate":
        del content[len(content) // 2 :]
    elif damage == "flip":
        content[len(content) // 2] ^= 0xFF
    else:
        content = bytearray(raw)
    path = tmp_path / "x.gz"
    path.write_bytes(bytes(content))
    entry = _fetch.DataFile(hashlib.sha256(raw).hexdigest(), len(raw))
    with pytest.raises(ValueError, match="Checksum mismatch"):
        _fetch._content(path, entry)


def test_longer_file_is_not_read_past_its_size(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"a" * 1000 + b"b"))
    entry = _fetch.DataFile(hashlib.sha256(b"a" * 1000).hexdigest(), 1000)
    with pytest.raises(ValueError, match="more than 1,000 bytes"):
        _fetch._content(path, entry)


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist, load_imdb,
                                    load_poem_meters])
@pytest.mark.parametrize("subset", ["train", "test", "all"])
def test_missing_file_without_download(tmp_path, loader, subset, no_network):
    with pytest.raises(OSError, match=r"is missing and download_if_missing is False\. "
                                      "Put a copy of the file there"):
        loader(data_home=tmp_path, subset=subset, download_if_missing=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist, load_imdb,
                                    load_poem_meters])
def test_bad_subset(loader, tmp_path):
    with pytest.raises(ValueError, match="subset must be 'train', 'test' or 'all'"):
        loader(data_home=tmp_path, subset="valid")


# -- test splits, from files made here ----------------------------------------------


@pytest.mark.parametrize("folder", ["mnist", "fashion_mnist"])
def test_idx_test_split_and_all(folder, monkeypatch, tmp_path, no_network):
    load = IDX_LOADERS[folder]
    X_train, y_train = _fake_idx_split(monkeypatch, tmp_path, folder, "train", 7, seed=0)
    X_test, y_test = _fake_idx_split(monkeypatch, tmp_path, folder, "t10k", 5, seed=1)
    X, y = load(data_home=tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, X_test)
    np.testing.assert_array_equal(y, y_test)
    bunch = load(data_home=tmp_path, subset="all", as_frame=True)
    assert bunch.data.shape == (12, 784)
    X, y = load(data_home=tmp_path, subset="all", return_X_y=True)
    np.testing.assert_array_equal(X, np.concatenate([X_train, X_test]))  # train, then test
    np.testing.assert_array_equal(y, np.concatenate([y_train, y_test]))


@pytest.mark.parametrize("folder", ["mnist", "fashion_mnist"])
def test_idx_test_split_wrong_checksum(folder, monkeypatch, tmp_path, no_network):
    _fake_idx_split(monkeypatch, tmp_path, folder, "t10k", 5, seed=1)
    relpath = f"{folder}/t10k-images-idx3-ubyte.gz"
    real = _fetch.REGISTRY[relpath]
    monkeypatch.setitem(_fetch.REGISTRY, relpath, real._replace(sha256="0" * 64))
    with pytest.raises(ValueError, match=f"Checksum mismatch for .*{relpath}"):
        IDX_LOADERS[folder](data_home=tmp_path, subset="test")


def test_real_test_split_checksums_are_the_published_ones():
    # the sizes and checksums of the official test files (decompressed)
    expected = {
        "mnist/t10k-images-idx3-ubyte.gz": ("0fa7898d509279e4", 7_840_016),
        "mnist/t10k-labels-idx1-ubyte.gz": ("ff7bcfd416de3373", 10_008),
        "fashion_mnist/t10k-images-idx3-ubyte.gz": ("5b4141f0afbad91e", 7_840_016),
        "fashion_mnist/t10k-labels-idx1-ubyte.gz": ("0402a96d92fd2663", 10_008),
        "poem_meters/test.txt.gz": ("b67759ca730cf1cd", 965_174),
    }
    for relpath, (prefix, size) in expected.items():
        entry = _fetch.REGISTRY[relpath]
        assert entry.sha256.startswith(prefix)
        assert entry.max_bytes == size
        assert entry.gunzip
    for entry in _fetch.REGISTRY.values():
        assert all(url.startswith("https://") for url in entry.urls)


def _fake_aclimdb(data_home, n=200):
    """An aclImdb-like tarball of the first ``n`` shared training reviews of each class
    and, as its test split, the same texts backwards; and the reviews' frame."""
    frame = pd.read_csv(data_home / "imdb" / "imdb_train.csv.gz", keep_default_na=False)
    frame = frame.groupby("sentiment", group_keys=False).head(n).reset_index(drop=True)
    members = [("aclImdb/train/unsup/0_0.txt", b"unlabelled"), ("aclImdb/README", b"")]
    for label, sentiment in (("neg", "negative"), ("pos", "positive")):
        part = frame[frame.sentiment == sentiment]
        for review_id, (text, rating) in enumerate(zip(part.review, part.rating)):
            # ids as in the CSV's order, but 10 after 9: the loader sorts them as numbers
            name = f"{label}/{review_id}_{rating}.txt"
            members.append((f"aclImdb/train/{name}", text.encode("utf-8")))
            members.append((f"aclImdb/test/{name}", text[::-1].encode("utf-8")))
    random.Random(0).shuffle(members)  # the loader must sort by class and id
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue(), frame


def test_imdb_test_split_and_all(data_home, tmp_path, monkeypatch, no_network):
    archive, frame = _fake_aclimdb(data_home)
    _register(monkeypatch, "imdb/aclImdb_v1.tar.gz", archive)
    _write(tmp_path / "imdb" / "aclImdb_v1.tar.gz", archive)
    test = load_imdb(data_home=tmp_path, subset="test")
    assert list(test.data) == [text[::-1] for text in frame.review]
    assert list(test.target) == list(frame.sentiment)
    np.testing.assert_array_equal(test.rating, frame.rating)
    # without the CSV, the training split comes from the archive, as the CSV has it
    train = load_imdb(data_home=tmp_path)
    pd.testing.assert_frame_equal(train.frame, frame.astype({"review": object,
                                                             "sentiment": object}))
    X, y = load_imdb(data_home=tmp_path, subset="all", return_X_y=True)
    assert list(X) == list(frame.review) + [text[::-1] for text in frame.review]
    assert list(y) == list(frame.sentiment) * 2
    # with the CSV there, 'all' reads the training reviews from it, then the archive's
    (tmp_path / "imdb" / "imdb_train.csv.gz").symlink_to(data_home / "imdb" / "imdb_train.csv.gz")
    X, y = load_imdb(data_home=tmp_path, subset="all", return_X_y=True)
    assert X.shape == y.shape == (25000 + len(frame),)
    assert list(X[25000:]) == [text[::-1] for text in frame.review]


def test_imdb_archive_wrong_checksum(data_home, tmp_path, no_network):
    archive, _ = _fake_aclimdb(data_home, n=2)
    _write(tmp_path / "imdb" / "aclImdb_v1.tar.gz", archive)
    with pytest.raises(ValueError, match="Checksum mismatch for .*aclImdb_v1.tar.gz"):
        load_imdb(data_home=tmp_path, subset="test")


def test_imdb_archive_downloaded_and_kept(data_home, tmp_path, monkeypatch, fake_network):
    served, requested = fake_network
    archive, frame = _fake_aclimdb(data_home, n=20)
    served["aclImdb_v1.tar.gz"] = archive
    _register(monkeypatch, "imdb/aclImdb_v1.tar.gz", archive)
    X, y = load_imdb(data_home=tmp_path, subset="all", return_X_y=True)
    assert list(X[:40]) == list(frame.review)
    assert requested == ["https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"]
    load_imdb(data_home=tmp_path, subset="test")  # from the kept archive
    assert len(requested) == 1
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        "imdb/aclImdb_v1.tar.gz"]


def test_poem_meters_test_split_and_all(data_home, tmp_path, monkeypatch, no_network):
    test_text = "3 أول # ثان\n13 ثالث # رابع\n".encode()
    _register(monkeypatch, "poem_meters/test.txt.gz", test_text)
    _write(tmp_path / "poem_meters" / "test.txt.gz", gzip.compress(test_text))
    X, y = load_poem_meters(data_home=tmp_path, subset="test", return_X_y=True)
    assert list(X) == ["أول # ثان", "ثالث # رابع"]
    np.testing.assert_array_equal(y, [3, 13])
    (tmp_path / "poem_meters" / "train.txt.gz").symlink_to(
        data_home / "poem_meters" / "train.txt.gz")
    X_all, y_all = load_poem_meters(data_home=tmp_path, subset="all", return_X_y=True)
    X_train, y_train = load_poem_meters(data_home=data_home, return_X_y=True)
    assert list(X_all) == list(X_train) + list(X)
    np.testing.assert_array_equal(y_all, np.concatenate([y_train, y]))
    # a file that is not the pinned one is refused
    _write(tmp_path / "poem_meters" / "test.txt.gz", gzip.compress(test_text + b"0 x # y\n"))
    with pytest.raises(ValueError, match="Checksum mismatch for .*test.txt.gz"):
        load_poem_meters(data_home=tmp_path, subset="test")


# -- downloads ------------------------------------------------------------------------


def test_download_into_cache(data_home, tmp_path, fake_network, capsys):
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
    assert all(url.startswith("https://") for url in requested)
    assert "B/s" in capsys.readouterr().err  # pooch's progress bar
    cached = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    assert cached.read_bytes() == served["train-labels-idx1-ubyte.gz"]
    # the two files and nothing else: no marker, no temporary file
    assert [p.name for p in sorted((tmp_path / "mnist").iterdir())] == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    # a second load reads the cache without downloading
    load_mnist(data_home=tmp_path)
    assert len(requested) == 2


def test_mirrors_are_tried_in_order(data_home, tmp_path, fake_network, monkeypatch):
    served, requested = fake_network
    relpath = "mnist/train-labels-idx1-ubyte.gz"
    entry = _fetch.REGISTRY[relpath]
    monkeypatch.setitem(_fetch.REGISTRY, relpath, entry._replace(
        urls=("https://down.example/x/gone.gz", *entry.urls)))
    served[relpath.rsplit("/")[-1]] = (data_home / relpath).read_bytes()
    assert len(_fetch.fetch(relpath, tmp_path)) == 60008
    assert requested[0] == "https://down.example/x/gone.gz"
    assert requested[1] == entry.urls[0]


def test_bad_download_is_not_kept(data_home, tmp_path, fake_network):
    served, _ = fake_network
    served["train-labels-idx1-ubyte.gz"] = b"<html>Not Found</html>"
    served["train-images-idx3-ubyte.gz"] = (
        data_home / "fashion_mnist" / "train-images-idx3-ubyte.gz").read_bytes()
    with pytest.raises(ValueError, match="failed verification.*Checksum mismatch"):
        load_fashion_mnist(data_home=tmp_path)
    assert [p.name for p in (tmp_path / "fashion_mnist").iterdir()] == [
        "train-images-idx3-ubyte.gz"]


def test_oversized_download_is_stopped(tmp_path, fake_network, monkeypatch):
    served, _ = fake_network
    relpath = "mnist/t10k-labels-idx1-ubyte.gz"
    served["t10k-labels-idx1-ubyte.gz"] = bytes(5 * (1 << 16))
    entry = _fetch.REGISTRY[relpath]
    monkeypatch.setitem(_fetch.REGISTRY, relpath, entry._replace(max_bytes=1000))
    with pytest.raises(ValueError, match="sent more than the 1,000 bytes expected"):
        _fetch.fetch(relpath, tmp_path)
    assert list((tmp_path / "mnist").iterdir()) == []


def test_missing_file_without_network(tmp_path, no_network):
    with pytest.raises(OSError, match="could not be downloaded.*network is unreachable"):
        load_mnist(data_home=tmp_path)
    with pytest.raises(OSError, match="could not be downloaded.*network is unreachable"):
        load_imdb(data_home=tmp_path, subset="test")
    with pytest.raises(OSError, match="could not be downloaded.*network is unreachable"):
        load_poem_meters(data_home=tmp_path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# -- the MetRec archive --------------------------------------------------------------


def test_poem_meters_built_from_zip(data_home, tmp_path, fake_network, monkeypatch):
    served, _ = fake_network
    text = gzip.decompress((data_home / "poem_meters" / "train.txt.gz").read_bytes())
    test_text = b"0 x # y\r\n5 z # w\r\n"  # kept as it is when that is what is pinned
    _register(monkeypatch, "poem_meters/test.txt.gz", test_text)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Windows line ends and empty lines must not change the training file
        archive.writestr("final_baits/train.txt", text.replace(b"\n", b"\r\n") + b"\r\n")
        archive.writestr("final_baits/test.txt", test_text)
    served["baits.zip"] = buffer.getvalue()
    X, y = load_poem_meters(data_home=tmp_path, subset="all", return_X_y=True)
    X_ref, y_ref = load_poem_meters(data_home=data_home, return_X_y=True)
    assert list(X) == list(X_ref) + ["x # y", "z # w"]
    np.testing.assert_array_equal(y, np.concatenate([y_ref, [0, 5]]))
    assert sorted(p.name for p in (tmp_path / "poem_meters").iterdir()) == [
        "test.txt.gz", "train.txt.gz"]  # the downloaded zip is not kept
    assert gzip.decompress((tmp_path / "poem_meters" / "test.txt.gz").read_bytes()) == test_text


def test_poem_meters_bad_archive(tmp_path, fake_network):
    served, _ = fake_network
    served["baits.zip"] = b"version https://git-lfs.github.com/spec/v1\n"
    with pytest.raises(ValueError, match="usable MetRec archive"):
        load_poem_meters(data_home=tmp_path)
    assert list((tmp_path / "poem_meters").iterdir()) == []


def test_poem_meters_archive_with_other_verses(tmp_path, fake_network):
    served, _ = fake_network
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("final_baits/test.txt", b"0 x # y\n")
    served["baits.zip"] = buffer.getvalue()
    with pytest.raises(ValueError, match="usable MetRec archive.*test.txt.gz: expected SHA"):
        load_poem_meters(data_home=tmp_path, subset="test")
    assert list((tmp_path / "poem_meters").iterdir()) == []


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
    bad = bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7])
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        _register(monkeypatch, f"mnist/{name}", bad)
        _write(tmp_path / "mnist" / name, gzip.compress(bad))
    with pytest.raises(ValueError, match="train-images.*bad magic number"):
        load_mnist(data_home=tmp_path)
