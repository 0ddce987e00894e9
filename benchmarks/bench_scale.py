"""Scaling: fit time and extra peak memory from 1e4 to 1e6 rows, sknn vs scikit-learn.

Both train an MLP with one hidden layer of 100 ReLU units (Adam, batch 200,
float32, one epoch) on

* ``synthetic100``: 100 Gaussian features, 10 classes;
* ``mnist784``: MNIST-sized rows (the real training images, scaled to [0, 1]
  and repeated to reach ``n``),

held either in memory (a float32 ndarray) or in a ``.npy`` file opened with
``np.load(path, mmap_mode='r')``.  Each case runs in its own process, after a
tiny warm-up fit that loads the modules both libraries import lazily.

Memory is the growth of the process during ``fit`` beyond what it held just
before (the data included): for in-memory data the kernel's exact peak resident
set (``VmHWM``, reset through ``/proc/self/clear_refs`` before the fit); for
memmaps the peak of the anonymous memory (``RssAnon``, sampled every 2 ms),
because the mapped file's pages count in the resident set but can be dropped
by the kernel at any time.

    python benchmarks/bench_scale.py --threads 1
    python benchmarks/bench_scale.py --threads 1 --sizes 10000 100000   # quick
"""

import argparse
import re
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import _harness  # noqa: E402

STATUS = Path("/proc/self/status")
FILES = Path(tempfile.gettempdir()) / "sknn_bench_scale"
CHUNK = 50_000


def _status_kib(field):
    return int(re.search(rf"{field}:\s+(\d+) kB", STATUS.read_text()).group(1))


class _Peak:
    """Peak RssAnon (sampled) and VmHWM (exact, after a reset) during a block."""

    def __enter__(self):
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
        self.rss0, self.anon0 = _status_kib("VmRSS"), _status_kib("RssAnon")
        self.anon = self.anon0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.anon = max(self.anon, _status_kib("RssAnon"))

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.anon = max(self.anon, _status_kib("RssAnon"))
        self.hwm = _status_kib("VmHWM")


def _fill(X, y, kind, seed=0):
    """Write the rows of ``kind`` into ``X`` and labels into ``y``, chunk by chunk."""
    rng = np.random.default_rng(seed)
    if kind == "mnist784":
        from sknn.datasets import load_mnist

        images, labels = load_mnist(data_home=_harness.data_home(), return_X_y=True)
        images = images.reshape(len(images), -1)
        for start in range(0, len(X), CHUNK):
            idx = np.arange(start, min(start + CHUNK, len(X))) % len(images)
            X[start:start + len(idx)] = images[idx] / np.float32(255.0)
            y[start:start + len(idx)] = labels[idx]
        return
    weights = rng.normal(size=(X.shape[1], 10)).astype(np.float32)
    for start in range(0, len(X), CHUNK):
        block = rng.normal(size=(min(CHUNK, len(X) - start), X.shape[1])).astype(np.float32)
        X[start:start + len(block)] = block
        y[start:start + len(block)] = (block @ weights).argmax(1)


def _data(kind, n, mode):
    n_features = 784 if kind == "mnist784" else 100
    if mode == "memory":
        X = np.empty((n, n_features), np.float32)
        y = np.empty(n, np.int64)
        _fill(X, y, kind)
        return X, y
    FILES.mkdir(exist_ok=True)
    path, ypath = FILES / f"{kind}_{n}.npy", FILES / f"{kind}_{n}_y.npy"
    if not ypath.exists():  # written once, reused by the later cases and rounds
        X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                      shape=(n, n_features))
        y = np.empty(n, np.int64)
        _fill(X, y, kind)
        X.flush()
        del X
        np.save(ypath, y)
    return np.load(path, mmap_mode="r"), np.load(ypath)


def _case(lib, kind, mode, n, threads):
    import torch
    from threadpoolctl import threadpool_limits

    if threads:
        torch.set_num_threads(threads)
        threadpool_limits(threads)
    if lib == "sknn":
        from sknn import MLPClassifier

        make = lambda **kw: MLPClassifier(device="cpu", **kw)  # noqa: E731
    else:
        from sklearn.neural_network import MLPClassifier as make
    warnings.simplefilter("ignore")
    X, y = _data(kind, n, mode)
    make(hidden_layer_sizes=(8,), max_iter=1).fit(np.asarray(X[:500]), y[:500])  # warm-up
    clf = make(hidden_layer_sizes=(100,), batch_size=200, max_iter=1, random_state=0)
    with _Peak() as peak:
        t = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t
    extra_kib = (peak.anon - peak.anon0) if mode == "memmap" else (peak.hwm - peak.rss0)
    return {"fit_s": fit_s, "us_per_sample": fit_s / n * 1e6,
            "X_mib": X.nbytes / 2**20, "extra_peak_mib": extra_kib / 1024,
            "extra_peak_pct_of_X": 100 * extra_kib * 1024 / X.nbytes,
            "train_accuracy_head": float(clf.score(np.asarray(X[:10000]), y[:10000]))}


KINDS, MODES, LIBS = ("synthetic100", "mnist784"), ("memory", "memmap"), ("sknn", "sklearn")
SIZES = (10_000, 100_000, 1_000_000)


def _name(lib, kind, mode, n):
    return f"{lib}/{kind}/{mode}/{n}"


def _contenders(sizes):
    out = {}
    for kind in KINDS:
        for n in sizes:
            for mode in MODES:
                for lib in LIBS:
                    out[_name(lib, kind, mode, n)] = (
                        lambda threads, _a=(lib, kind, mode, n): _case(*_a, threads))
    return out


def _table(payload):
    summary = payload["summary"]
    lines = [f"### {payload['title']}", "",
             f"`{payload['command']}` — {payload['date']}, {payload['machine']['cpu_count']} "
             f"CPU cores, torch {payload['machine']['torch']}, {payload['config']['threads']} "
             f"thread(s), one epoch, median of {payload['rounds']} run(s)", "",
             "| rows | n | X (MiB) | data | library | fit (s) | µs / sample "
             "| extra peak (MiB) | extra peak / X |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, v in summary.items():
        lib, kind, mode, n = name.split("/")
        lines.append(
            f"| {kind} | {int(n):,} | {v['X_mib']:.0f} | {mode} | {lib} | {v['fit_s']:.2f} "
            f"| {v['us_per_sample']:.1f} | {v['extra_peak_mib']:.1f} "
            f"| {v['extra_peak_pct_of_X']:.1f}% |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__" and not _harness.child_main(_contenders(SIZES)):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        choices=SIZES)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and BLAS threads in every case (0: their defaults)")
    args = parser.parse_args()
    contenders = _contenders(args.sizes)
    payload = _harness.run(__file__, contenders, {"threads": args.threads},
                           rounds=args.rounds, baseline=next(iter(contenders)),
                           time_key="fit_s", title="Scaling: one epoch of an MLP (100 hidden "
                           "units), fit time and extra peak memory")
    (_harness.RESULTS / "bench_scale.md").write_text(_table(payload))
    print(_table(payload))
