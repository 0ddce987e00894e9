"""Where scikit-learn users live: a small grid search on the CPU, and MNIST epochs.

* ``grid_*``: ``GridSearchCV`` over ``StandardScaler -> MLPClassifier`` on digits,
  6 candidates (``hidden_layer_sizes`` in (50,), (100,); ``alpha`` in 1e-4, 1e-3,
  1e-2) x 3 folds, ``max_iter=50``, with ``n_jobs=1`` and ``n_jobs=2`` (joblib's
  worker processes start inside the timed call, as they do for a user);
* ``grid_j2threads_*``: the same with ``n_jobs=2`` under
  ``joblib.parallel_config(backend='threading')``: two threads of the calling
  process instead of two worker processes, each of which imports torch (or
  scikit-learn) before its first fit;
* ``mnist_*``: one-thread epoch time of a 784-100-10 MLP (ReLU, Adam 1e-3,
  batch 200, float32) on the first 50,000 MNIST training images: sknn,
  scikit-learn and a plain PyTorch loop;
* ``start_*``: a fresh process's ``import`` of the estimator and its first fit
  (digits, ``max_iter=50``).

``sknn_autograd`` rows run sknn with its CPU fast path switched off
(``SKNN_FAST_PATH=0``), which is how sknn trained before it.  Each contender
runs in its own process, the rounds interleaved; figures are medians.

    python benchmarks/bench_gridsearch.py --threads 1             # 3 rounds
    python benchmarks/bench_gridsearch.py --threads 1 --rounds 1 --epochs 1   # quick
"""

import argparse
import functools
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import _harness  # noqa: E402

GRID = {"mlp__hidden_layer_sizes": [(50,), (100,)], "mlp__alpha": [1e-4, 1e-3, 1e-2]}


def _threads(threads):
    """Pin BLAS (and torch, when it is loaded) to ``threads`` threads; 0 keeps defaults."""
    if threads:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)


def _estimator(library):
    if library == "sklearn":
        from sklearn.neural_network import MLPClassifier
    else:
        if library == "sknn_autograd":
            os.environ["SKNN_FAST_PATH"] = "0"
        from sknn import MLPClassifier
    return MLPClassifier


def grid(library, n_jobs, threads, backend="loky", **_):
    t0 = time.perf_counter()
    MLPClassifier = _estimator(library)
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    import_s = time.perf_counter() - t0
    _threads(threads)
    X, y = load_digits(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifier(max_iter=50, random_state=0))])
    search = GridSearchCV(pipe, GRID, cv=3, n_jobs=n_jobs)
    from joblib import parallel_config

    with warnings.catch_warnings(), parallel_config(backend=backend):
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        search.fit(X, y)
        fit_s = time.perf_counter() - t
    return {"fit_s": fit_s, "import_s": import_s, "best_score": float(search.best_score_)}


def _mnist(n_train):
    from sknn.datasets import load_mnist

    X, y = load_mnist(data_home=_harness.data_home(), return_X_y=True)
    X = (X.reshape(len(X), -1) / 255.0).astype(np.float32)
    return X[:n_train], y[:n_train], X[50000:], y[50000:]


def mnist(library, epochs, n_train, threads, **_):
    _threads(threads or 1)
    X, y, Xv, yv = _mnist(n_train)
    if library == "torch_loop":
        return _torch_loop(X, y, Xv, yv, epochs, threads or 1)
    MLPClassifier = _estimator(library)
    _threads(threads or 1)
    kwargs = {} if library == "sklearn" else {"device": "cpu"}
    clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=epochs, batch_size=200, tol=0.0,
                        n_iter_no_change=10**6, random_state=0, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t
    return {"fit_s": fit_s, "epoch_s": fit_s / epochs, "val_accuracy": float(clf.score(Xv, yv))}


def _torch_loop(X, y, Xv, yv, epochs, threads):
    import torch

    torch.set_num_threads(threads)
    # the first optimizer step of a process imports torch's compiler stack
    # (seconds): start-up, which the start_* rows measure, not epoch time
    warm = torch.nn.Linear(2, 1)
    warm_opt = torch.optim.Adam(warm.parameters())
    warm(torch.zeros(1, 2)).sum().backward()
    warm_opt.step()
    torch.manual_seed(0)
    t = time.perf_counter()
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                                torch.nn.Linear(100, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    for _ in range(epochs):
        perm = torch.randperm(len(Xt))
        for i in range(0, len(Xt), 200):
            idx = perm[i:i + 200]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    fit_s = time.perf_counter() - t
    with torch.no_grad():
        acc = (model(torch.from_numpy(Xv)).argmax(1).numpy() == yv).mean()
    return {"fit_s": fit_s, "epoch_s": fit_s / epochs, "val_accuracy": float(acc)}


def start(library, threads, **_):
    t0 = time.perf_counter()
    MLPClassifier = _estimator(library)
    import_s = time.perf_counter() - t0
    _threads(threads)
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        MLPClassifier(max_iter=50, random_state=0).fit(X, y)
        first_fit_s = time.perf_counter() - t
    return {"fit_s": import_s + first_fit_s, "import_s": import_s, "first_fit_s": first_fit_s,
            "dynamo_imported": int("torch._dynamo" in sys.modules)}


LIBRARIES = ("sklearn", "sknn", "sknn_autograd")
CONTENDERS = {}
for _lib in LIBRARIES:
    CONTENDERS[f"grid_j1_{_lib}"] = functools.partial(grid, _lib, 1)
    CONTENDERS[f"grid_j2_{_lib}"] = functools.partial(grid, _lib, 2)
    CONTENDERS[f"grid_j2threads_{_lib}"] = functools.partial(grid, _lib, 2, backend="threading")
for _lib in (*LIBRARIES, "torch_loop"):
    CONTENDERS[f"mnist_{_lib}"] = functools.partial(mnist, _lib)
for _lib in LIBRARIES:
    CONTENDERS[f"start_{_lib}"] = functools.partial(start, _lib)


def ratios(payload):
    """sknn's medians over scikit-learn's, per group, as a Markdown table."""
    runs = payload["runs"]

    def median(name, key):
        return statistics.median(r[key] for r in runs[name])

    rows = [("digits grid search, n_jobs=1 (s)", "grid_j1", "fit_s"),
            ("digits grid search, n_jobs=2 (s)", "grid_j2", "fit_s"),
            ("same, n_jobs=2, joblib's threading backend (s)", "grid_j2threads", "fit_s"),
            ("MNIST 784-100-10, one epoch, 1 thread (s)", "mnist", "epoch_s"),
            ("fresh process: import + first digits fit (s)", "start", "fit_s")]
    lines = ["| | scikit-learn | sknn | sknn/sklearn | sknn, fast path off | off/sklearn |",
             "|---|---|---|---|---|---|"]
    for label, group, key in rows:
        base = median(f"{group}_sklearn", key)
        fast = median(f"{group}_sknn", key)
        slow = median(f"{group}_sknn_autograd", key)
        lines.append(f"| {label} | {base:.3g} | {fast:.3g} | **{fast / base:.2f}x** | "
                     f"{slow:.3g} | {slow / base:.2f}x |")
    threads, processes = median("grid_j2threads_sknn", "fit_s"), median("grid_j2_sklearn", "fit_s")
    lines.append(f"\nn_jobs=2, sknn on threads against scikit-learn's default worker processes: "
                 f"{threads:.3g} s vs {processes:.3g} s (**{threads / processes:.2f}x**).")
    loop = median("mnist_torch_loop", "epoch_s")
    lines.append(f"\nPlain PyTorch loop, MNIST epoch: {loop:.3g} s "
                 f"(sknn {median('mnist_sknn', 'epoch_s') / loop:.2f}x of it).")
    return "\n".join(lines) + "\n"


if __name__ == "__main__" and not _harness.child_main(CONTENDERS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=50000)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch and BLAS threads in every contender (0: their defaults; "
                             "MNIST epochs always use 1)")
    args = parser.parse_args()
    payload = _harness.run(
        __file__, CONTENDERS,
        {"epochs": args.epochs, "n_train": args.n_train, "threads": args.threads},
        rounds=args.rounds, baseline="grid_j1_sklearn",
        title="Grid search on digits, MNIST epochs and start-up: sknn vs scikit-learn")
    table = ratios(payload)
    md = _harness.RESULTS / "bench_gridsearch.md"
    md.write_text(md.read_text() + "\n" + table)
    print(table)
