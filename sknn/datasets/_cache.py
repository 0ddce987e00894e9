"""Cache folder, downloads and checksum verification for :mod:`sknn.datasets`.

Every data file lives at ``data_home / relpath``. A loader asks for it with
:func:`fetch_file` (files that are downloaded as they are) or
:func:`fetch_built_file` (files that are made from a downloaded archive, such as
the IMDB CSV built from the aclImdb tarball). A file that is already there is
used as it is once its SHA-256 checks out; a missing one is downloaded (or
built) into a temporary file next to its final place, verified, and only then
moved into place with :func:`os.replace`, so an interrupted download never
leaves a half-written file behind.

A ``.gz`` file is accepted when either the SHA-256 of its bytes or the SHA-256
of its decompressed content matches: the same data can be compressed in many
ways (the shared MNIST copies were re-compressed, for instance), while the
decompressed bytes are what the loaders read.

Verification is remembered, so that repeated loads do not hash the same large
file again: in-process in a dictionary keyed by ``(path, size, mtime)``, and
across processes in a small ``<name>.sha256-ok`` marker file (size, mtime and
matching digest) next to each file that these functions downloaded or built
themselves. Nothing is ever written next to a copy that was already there, so a
shared, read-only data folder stays untouched (and just gets the in-process
memo), even for a user who could write to it.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["fetch_built_file", "fetch_file", "get_data_home", "verify_checksum"]

logger = logging.getLogger(__name__)

#: Environment variable that overrides the default cache folder.
DATA_ENV_VAR = "SKNN_DATA"
#: Default cache folder, used when neither an argument nor ``SKNN_DATA`` is given.
DEFAULT_DATA_HOME = "~/.sknn_data"
#: Suffix of the marker files that record a successful verification.
MARKER_SUFFIX = ".sha256-ok"

_CHUNK = 1 << 20
_TIMEOUT = 60.0
_USER_AGENT = "sknn-datasets (Python urllib)"

# (resolved path, size, mtime_ns) -> digests known to match that file version
_VERIFIED: dict[tuple[str, int, int], frozenset[str]] = {}


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


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _gunzip_sha256(path: Path) -> str | None:
    """SHA-256 of a gzip file's decompressed content, None if it is not valid gzip."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):  # BadGzipFile is an OSError
        return None
    return digest.hexdigest()


def _marker_path(path: Path) -> Path:
    return path.with_name(path.name + MARKER_SUFFIX)


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _read_marker(path: Path, key: tuple[str, int, int]) -> set[str]:
    try:
        fields = _marker_path(path).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return set()
    if len(fields) < 3 or fields[:2] != [str(key[1]), str(key[2])]:
        return set()
    return set(fields[2:])


def _write_marker(path: Path, key: tuple[str, int, int], digests: Iterable[str]) -> None:
    try:
        _marker_path(path).write_text(
            f"{key[1]} {key[2]} {' '.join(sorted(digests))}\n", encoding="ascii"
        )
    except OSError:  # read-only folder: the in-process memo has to do
        pass


def _matching_digests(
    path: Path, sha256: str | None, decompressed_sha256: str | None
) -> frozenset[str]:
    """Hash ``path`` and return the expected digests that match (no memo).

    Raises ValueError when none does.
    """
    sha256 = sha256.lower() if sha256 else None
    decompressed_sha256 = decompressed_sha256.lower() if decompressed_sha256 else None
    expected = {d for d in (sha256, decompressed_sha256) if d}
    found = {}
    if sha256:
        found["SHA-256"] = _file_sha256(path)
    if decompressed_sha256 and found.get("SHA-256") != sha256:
        found["decompressed SHA-256"] = _gunzip_sha256(path) or "(not a valid gzip file)"
    matched = frozenset(set(found.values()) & expected)
    if not matched:
        wanted = []
        if sha256:
            wanted.append(f"SHA-256 {sha256}")
        if decompressed_sha256:
            wanted.append(f"decompressed SHA-256 {decompressed_sha256}")
        got = ", ".join(f"{name} {value}" for name, value in found.items())
        raise ValueError(
            f"Checksum mismatch for {path}: expected {' or '.join(wanted)}, got {got}. "
            "The file is corrupted, truncated or a different version; delete it so "
            "that it is downloaded again, or replace it with a good copy."
        )
    return matched


def _remember(path: Path, digests: Iterable[str], *, marker: bool = False) -> None:
    key = _stat_key(path)
    known = _VERIFIED.get(key, frozenset()) | frozenset(digests)
    _VERIFIED[key] = known
    if marker:
        _write_marker(path, key, known)


def verify_checksum(
    path: str | os.PathLike,
    sha256: str | None,
    decompressed_sha256: str | None = None,
) -> None:
    """Check a file against its expected SHA-256.

    The file is accepted when its own SHA-256 equals ``sha256`` or, for a gzip
    file, when the SHA-256 of its decompressed content equals
    ``decompressed_sha256``. A successful check is remembered (see the module
    docstring) until the file's size or modification time changes.

    Parameters
    ----------
    path : str or path-like
        The file to check.
    sha256 : str or None
        Expected SHA-256 (hex) of the file's bytes, or None to skip this check.
    decompressed_sha256 : str or None, default=None
        Expected SHA-256 (hex) of the decompressed content of a gzip file.

    Raises
    ------
    ValueError
        If neither checksum matches.
    """
    path = Path(path)
    expected = {d.lower() for d in (sha256, decompressed_sha256) if d}
    if not expected:
        return
    key = _stat_key(path)
    if _VERIFIED.get(key, frozenset()) & expected:
        return
    from_marker = _read_marker(path, key) & expected
    if from_marker:
        _VERIFIED[key] = _VERIFIED.get(key, frozenset()) | from_marker
        return
    _remember(path, _matching_digests(path, sha256, decompressed_sha256))


def _install(tmp: Path, path: Path, sha256: str | None, decompressed_sha256: str | None) -> None:
    """Verify ``tmp`` and move it to ``path``; delete it and re-raise on failure."""
    try:
        matched = frozenset()
        if sha256 or decompressed_sha256:
            matched = _matching_digests(tmp, sha256, decompressed_sha256)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    if matched:
        _remember(path, matched, marker=True)


def _as_list(urls: str | Iterable[str]) -> list[str]:
    return [urls] if isinstance(urls, str) else list(urls)


def _download(url: str, dest: Path) -> None:
    """Stream ``url`` into ``dest`` (overwriting it)."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with (
        urllib.request.urlopen(request, timeout=_TIMEOUT) as response,
        open(dest, "wb") as f,
    ):
        while chunk := response.read(_CHUNK):
            f.write(chunk)


def _temp_path(final: Path) -> Path:
    """A new empty temporary file in the folder of ``final`` (created if needed)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    return Path(tmp)


def _missing_error(path: Path, reason: str) -> OSError:
    return OSError(
        f"Data file {path} is missing and {reason}. Put a copy of the file there, "
        f"or point `data_home` or the {DATA_ENV_VAR} environment variable at a "
        "folder that holds it."
    )


def fetch_file(
    relpath: str | os.PathLike,
    url: str | Iterable[str],
    sha256: str | None,
    data_home: str | os.PathLike | None = None,
    decompressed_sha256: str | None = None,
    *,
    download_if_missing: bool = True,
) -> Path:
    """Return the local path of a data file, downloading it if needed.

    Parameters
    ----------
    relpath : str or path-like
        Path of the file inside the data folder, e.g.
        ``"mnist/train-labels-idx1-ubyte.gz"``.
    url : str or iterable of str
        Where to download it from; mirrors are tried in order.
    sha256 : str or None
        Expected SHA-256 of the file. When both checksums are None the file is
        not verified (a warning is logged on download).
    data_home : str or path-like, default=None
        The data folder, see :func:`get_data_home`.
    decompressed_sha256 : str or None, default=None
        Expected SHA-256 of the decompressed content of a ``.gz`` file; a match
        of either checksum is accepted.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of downloading a missing file.

    Returns
    -------
    pathlib.Path
        The verified local file.

    Raises
    ------
    ValueError
        If the local or downloaded file fails the checksum (a bad download is
        deleted; a local copy is left alone).
    OSError
        If the file is missing and cannot be downloaded.
    """
    path = get_data_home(data_home) / relpath
    if path.is_file():
        verify_checksum(path, sha256, decompressed_sha256)
        return path
    if not download_if_missing:
        raise _missing_error(path, "download_if_missing is False")
    if sha256 is None and decompressed_sha256 is None:
        logger.warning("No checksum is known for %s; it will not be verified", path)
    errors = []
    for source in _as_list(url):
        tmp = _temp_path(path)
        try:
            logger.info("Downloading %s to %s", source, path)
            _download(source, tmp)
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, bad URL
            tmp.unlink(missing_ok=True)
            errors.append(f"{source}: {exc}")
            continue
        try:
            _install(tmp, path, sha256, decompressed_sha256)
        except ValueError as exc:
            raise ValueError(f"Download from {source} failed verification: {exc}") from None
        return path
    raise _missing_error(path, "could not be downloaded (" + "; ".join(errors) + ")")


def fetch_built_file(
    relpath: str | os.PathLike,
    build: Callable[[Path], None],
    sha256: str | None,
    data_home: str | os.PathLike | None = None,
    decompressed_sha256: str | None = None,
    *,
    download_if_missing: bool = True,
) -> Path:
    """Return the local path of a data file that is made from downloaded sources.

    Like :func:`fetch_file`, except that a missing file is made by
    ``build(tmp_path)``, which writes the file to ``tmp_path`` (downloading
    whatever it needs, typically with :func:`fetch_file`); the result is
    verified and moved into place atomically.

    Parameters
    ----------
    relpath : str or path-like
        Path of the file inside the data folder.
    build : callable
        ``build(tmp_path)`` writes the file's content to ``tmp_path``.
    sha256 : str or None
        Expected SHA-256 of the file.
    data_home : str or path-like, default=None
        The data folder, see :func:`get_data_home`.
    decompressed_sha256 : str or None, default=None
        Expected SHA-256 of the decompressed content of a ``.gz`` file.
    download_if_missing : bool, default=True
        If False, raise :class:`OSError` instead of building a missing file.

    Returns
    -------
    pathlib.Path
        The verified local file.

    Raises
    ------
    ValueError
        If the file fails the checksum.
    OSError
        If the file is missing and cannot be built.
    """
    path = get_data_home(data_home) / relpath
    if path.is_file():
        verify_checksum(path, sha256, decompressed_sha256)
        return path
    if not download_if_missing:
        raise _missing_error(path, "download_if_missing is False")
    tmp = _temp_path(path)
    try:
        build(tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _missing_error(path, f"could not be built from its sources ({exc})") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        _install(tmp, path, sha256, decompressed_sha256)
    except ValueError as exc:
        raise ValueError(f"Building {path} from its sources failed: {exc}") from None
    return path
