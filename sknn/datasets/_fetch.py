"""The data folder, the pinned checksums, and downloads through :mod:`pooch`.

Every data file the loaders read is registered in :data:`REGISTRY` under its
path inside the data folder, with one SHA-256: that of the content the loaders
read, i.e. of a ``.gz`` file's *decompressed* bytes. That is the one rule pooch
lacks and this package needs: the same data can be compressed in many ways (the
shared MNIST copies were re-compressed), while the decompressed bytes are what
gets parsed. The check runs on every load, on the very bytes that are then
parsed: nothing is remembered between loads and nothing is ever written next to
a file that is already there, so a read-only shared folder stays as it is and a
changed file is always caught.

A missing file is downloaded with :func:`pooch.retrieve`, which streams it with
a progress bar into a temporary file in the data folder and moves it into place
only once the download passed the same check (and stayed under the registered
size); mirrors are tried in order.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import zlib
from pathlib import Path
from typing import NamedTuple

__all__ = ["REGISTRY", "DataFile", "download", "fetch", "get_data_home", "splits", "store"]

#: Environment variable that overrides the default data folder.
DATA_ENV_VAR = "SKNN_DATA"
#: Default data folder, used when neither an argument nor ``SKNN_DATA`` is given.
DEFAULT_DATA_HOME = "~/.sknn_data"

_CHUNK = 1 << 16
_TIMEOUT = 60


class DataFile(NamedTuple):
    """A registered data file."""

    sha256: str
    """SHA-256 (hex) of the content: of the decompressed bytes when ``gunzip``."""
    max_bytes: int
    """Upper bound of the content's size: reading and downloading stop past it."""
    gunzip: bool = True
    """The file is gzip-compressed and read decompressed."""
    urls: tuple[str, ...] = ()
    """Download sources, tried in order; empty for files made from an archive."""


_MNIST = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
          "https://storage.googleapis.com/cvdf-datasets/mnist/")
_FASHION = ("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",)
_IMAGES, _LABELS = 47_040_016, 60_008
_TEST_IMAGES, _TEST_LABELS = 7_840_016, 10_008


def _idx(folder, mirrors, checksums):
    """Registry entries of one IDX data set: {relpath: DataFile}."""
    sizes = (_IMAGES, _LABELS, _TEST_IMAGES, _TEST_LABELS)
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return {f"{folder}/{name}": DataFile(sha, size, urls=tuple(m + name for m in mirrors))
            for name, size, sha in zip(names, sizes, checksums)}


#: relpath -> :class:`DataFile`, for every file the loaders read.
REGISTRY: dict[str, DataFile] = {
    **_idx("mnist", _MNIST, (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    )),
    **_idx("fashion_mnist", _FASHION, (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    )),
    # the training reviews as a CSV (the shared copy's layout); both splits are
    # also read straight from the official archive
    "imdb/imdb_train.csv.gz": DataFile(
        "d5c841435d64db8d5f59de640554687622292925375739706b1943d1f3e761ff", 33_576_913),
    "imdb/aclImdb_v1.tar.gz": DataFile(
        "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", 90_000_000,
        gunzip=False,
        urls=("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",)),
    # MetRec's final_baits/{train,test}.txt, gzipped; made from the MetRec archive
    "poem_meters/train.txt.gz": DataFile(
        "d3036257350ed10476ab820b0d25e4fb46aa4e784263eea35e69f66a0d6e8ccc", 5_464_539),
    "poem_meters/test.txt.gz": DataFile(
        "b67759ca730cf1cde26fb3bd9a8d161e6473e6cee8a64cff3866d303fa258ce9", 965_174),
    # the original UCI files, gzipped; no download source (UCI serves them unzipped)
    "adult/adult.data.gz": DataFile(
        "df25a4e32ed6f1bd4b3910d21a7bd661a09061eced7cb45555a519d9667cc87b", 3_974_305),
    "clothing_reviews/train.csv.gz": DataFile(
        "5c352d3f6d25e853828c438d66feaf7ddb16f52d1fbba7454572969b57de794c", 6_780_713),
}


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds the data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. When None, the environment variable ``SKNN_DATA`` is
        used if it is set and not empty, else ``~/.sknn_data``.

    Returns
    -------
    pathlib.Path
        The folder, with ``~`` expanded. It is not created here: the loaders
        create it when they first need to download something into it.
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV_VAR) or DEFAULT_DATA_HOME
    return Path(data_home).expanduser()


def splits(subset: str) -> tuple[str, ...]:
    """The splits a loader's ``subset`` names, in the order they are concatenated."""
    options = {"train": ("train",), "test": ("test",), "all": ("train", "test")}
    if subset not in options:
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}")
    return options[subset]


def missing_error(path: Path, reason: str) -> OSError:
    return OSError(
        f"Data file {path} is missing and {reason}. Put a copy of the file there, "
        f"or point `data_home` or the {DATA_ENV_VAR} environment variable at a "
        "folder that holds it."
    )


def _content(path: Path, entry: DataFile) -> bytes:
    """The content of ``path`` (decompressed if ``entry.gunzip``) once it matches ``entry``."""
    try:
        with (gzip.open if entry.gunzip else open)(path, "rb") as f:
            content = f.read(entry.max_bytes + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        got = f"not a valid gzip file ({exc})"
    else:
        digest = hashlib.sha256(content).hexdigest()
        if digest == entry.sha256:
            return content
        size = (f"{len(content):,} bytes" if len(content) <= entry.max_bytes
                else f"more than {entry.max_bytes:,} bytes")
        got = f"SHA-256 {digest} of {size}"
    of = " of the decompressed content" if entry.gunzip else ""
    raise ValueError(
        f"Checksum mismatch for {path}: expected SHA-256 {entry.sha256}{of}, got {got}. "
        "The file is corrupted, truncated or a different version; delete it so that it "
        "is downloaded again, or replace it with a good copy."
    )


def download(url: str, path: Path, max_bytes: int, entry: DataFile | None = None) -> None:
    """Download ``url`` to ``path`` with :func:`pooch.retrieve` and a progress bar.

    The file is moved into place only if it is at most ``max_bytes`` long and,
    when ``entry`` is given, its content matches it; otherwise ValueError.
    Network failures raise OSError (``requests``' errors are OSErrors).
    """
    import pooch
    from tqdm import tqdm

    class Progress(tqdm):  # the bar pooch shows, which also stops an oversized download
        def __bool__(self):  # pooch updates the bar only if it is true; tqdm's is total > 0
            return True

        def update(self, n=1):
            if self.n + n > max_bytes + _CHUNK:  # pooch counts whole chunks
                raise ValueError(f"{url} sent more than the {max_bytes:,} bytes expected")
            return super().update(n)

    def fetch_and_check(url, output_file, pooch_):
        progress = Progress(total=0, unit="B", unit_scale=True, ncols=79, leave=True)
        try:
            pooch.HTTPDownloader(progressbar=progress, chunk_size=_CHUNK, timeout=_TIMEOUT)(
                url, output_file, pooch_)
        finally:
            progress.close()
        if entry is not None:
            _content(Path(output_file), entry)

    def no_hash_hint(record):  # pooch's advice to pin the file's own hash: ours are pinned
        return not record.getMessage().startswith("SHA256 hash of downloaded file")

    logger = pooch.get_logger()
    logger.addFilter(no_hash_hint)
    try:
        pooch.retrieve(url, known_hash=None, fname=path.name, path=path.parent,
                       downloader=fetch_and_check)
    finally:
        logger.removeFilter(no_hash_hint)


def fetch(relpath: str, data_home=None, *, download_if_missing: bool = True) -> bytes:
    """The verified content of a registered file, downloaded first if it is missing.

    Raises
    ------
    ValueError
        If the file (local or downloaded) does not match its checksum; a local
        copy is left as it is, a bad download is not kept.
    OSError
        If the file is missing and cannot be downloaded.
    """
    entry = REGISTRY[relpath]
    path = get_data_home(data_home) / relpath
    if not path.is_file():
        if not download_if_missing:
            raise missing_error(path, "download_if_missing is False")
        errors = []
        for url in entry.urls:
            try:
                download(url, path, entry.max_bytes, entry)
                break
            except ValueError as exc:
                raise ValueError(f"Download from {url} failed verification: {exc}") from None
            except OSError as exc:  # unreachable, HTTP errors, timeouts
                errors.append(f"{url}: {exc}")
        else:
            raise missing_error(path, "could not be downloaded (" + "; ".join(errors) + ")"
                                if errors else "has no download source")
    return _content(path, entry)


def store(relpath: str, content: bytes, data_home=None) -> None:
    """Write ``content`` as the registered file ``relpath`` once it matches its checksum.

    The file is gzipped (without time stamp) if registered so, and written to a
    temporary file that is moved into place, so no half-written file is left.
    """
    entry = REGISTRY[relpath]
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry.sha256:
        raise ValueError(f"{relpath}: expected SHA-256 {entry.sha256}, got {digest}")
    path = get_data_home(data_home) / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(gzip.compress(content, mtime=0) if entry.gunzip else content)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
