"""Training on a NumPy memmap bigger than the memory the process may use.

The mapped file's pages count in the process's resident set but the kernel
can drop them at any time, so the figure that must stay small is the
*anonymous* memory (``RssAnon`` in ``/proc/self/status``): what the process
really allocates.  It is sampled during ``fit``, ``partial_fit`` and ``predict``
on a ~1 GiB file.
"""

import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from sknn import MLPClassifier

N_FEATURES = 128
N_ROWS = 2**21  # 2M rows x 128 float32 = 1 GiB
STATUS = Path("/proc/self/status")

pytestmark = pytest.mark.skipif(not STATUS.exists(), reason="needs Linux /proc")


def _rss_anon():
    return int(re.search(r"RssAnon:\s+(\d+) kB", STATUS.read_text()).group(1)) * 1024


class _PeakAnon:
    """Sample RssAnon every few milliseconds in a thread; keep the peak."""

    def __enter__(self):
        self.base = self.peak = _rss_anon()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss_anon())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_anon())

    @property
    def growth(self):
        return self.peak - self.base


@pytest.fixture(scope="module")
def big_memmap(tmp_path_factory):
    folder = tmp_path_factory.mktemp("memmap")
    if shutil.disk_usage(folder).free < 4 * 2**30:
        pytest.skip("needs 4 GiB of free disk for a 1 GiB memmap")
    path = folder / "X.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                  shape=(N_ROWS, N_FEATURES))
    # one random block of 32 MiB written 32 times (rolled, so rows differ by place)
    rng = np.random.default_rng(0)
    step = 2**16
    block = rng.random((step, N_FEATURES), dtype=np.float32)
    labels = (block[:, 0] + block[:, 1] > 1.0).astype(np.int64)
    y = np.empty(N_ROWS, np.int64)
    for i, start in enumerate(range(0, N_ROWS, step)):
        X[start:start + step] = np.roll(block, i, axis=0)
        y[start:start + step] = np.roll(labels, i)
    X.flush()
    del X
    yield path, y
    path.unlink()


def test_fit_partial_fit_predict_on_a_1gib_memmap(big_memmap):
    path, y = big_memmap
    X = np.load(path, mmap_mode="r")
    assert X.nbytes == 2**30
    clf = MLPClassifier(hidden_layer_sizes=(4,), batch_size=8192, max_iter=1,
                        learning_rate_init=0.01, random_state=0)
    # a first small fit loads the modules torch imports lazily (tens of MiB, once)
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(np.asarray(X[:100]), y[:100])
    with _PeakAnon() as fit:
        clf.fit(X, y)
    with _PeakAnon() as partial:
        clf.partial_fit(X, y)
    with _PeakAnon() as predict:
        pred = clf.predict(X)
    print(f"RssAnon growth on a {X.nbytes / 2**20:.0f} MiB memmap: fit "
          f"{fit.growth / 2**20:.1f} MiB, partial_fit {partial.growth / 2**20:.1f} MiB, "
          f"predict {predict.growth / 2**20:.1f} MiB")
    # y, its encoded copy and the shuffling order are 16 MiB each; X is 1024 MiB.
    assert fit.growth < 0.15 * X.nbytes
    assert partial.growth < 0.15 * X.nbytes
    assert predict.growth < 0.15 * X.nbytes  # the predictions themselves: 16 MiB
    assert (pred == y).mean() > 0.9  # it did learn from the file
