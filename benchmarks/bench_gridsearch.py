"""Where scikit-learn users live: a small grid search on the CPU, and MNIST epochs.

Every contender runs in the environment a user has: default thread settings
(no ``OMP_NUM_THREADS``, no threadpoolctl), a fresh process.  ``--threads 1``
pins every pool to one thread, as a second, tuned row (written with the suffix
``_threads1``).

* ``fit1_*``: one digits fit (``max_iter=20``): ``fit1_sknn`` with default
  threads and ``fit1_sknn_pinned`` with one thread per pool (torch and BLAS,
  through threadpoolctl) in the same run: a fight between thread pools shows
  as a gap between the two;
* ``grid_*``: ``GridSearchCV`` over ``StandardScaler -> MLPClassifier`` on digits,
  6 candidates (``hidden_layer_sizes`` in (50,), (100,); ``alpha`` in 1e-4, 1e-3,
  1e-2) x 3 folds, ``max_iter=50``, with ``n_jobs=1`` and ``n_jobs=2`` (joblib's
  worker processes start inside the timed call, as they do for a user);
* ``grid_j2threads_*``: the same with ``n_jobs=2`` under
  ``joblib.parallel_config(backend='threading')``: two threads of the calling
  process instead of two worker processes, each of which imports torch (or
  scikit-learn) before its first fit;
* ``grid_j2twice_*``: two ``n_jobs=2`` searches in one process on joblib's
  default backend: the first starts loky's worker processes (each imports
  torch or scikit-learn), the second reuses them (``first_s``, ``second_s``);
* ``mnist_*``: epoch time of a 784-100-10 MLP (ReLU, Adam 1e-3, batch 200,
  float32) on the first 50,000 MNIST training images, then ``predict_proba``
  on 10,000 held-out images (``predict_s``): sknn, scikit-learn and a plain
  PyTorch loop;
* ``lbfgs_*``: ten small L-BFGS fits (``hidden_layer_sizes=(100, 100)``,
  ``max_iter=2000``; 60 rows of make_moons and of make_circles, five alphas
  from 1e-5 to 1e3), total time and the mean final loss;
* ``start_*``: a fresh process's ``import`` of the estimator and its first fit
  (digits, ``max_iter=50``).

``sknn_autograd`` rows run sknn with its CPU fast path switched off
(``SKNN_FAST_PATH=0``), which is how sknn trained before it.  Each contender
runs in its own process, the rounds interleaved; figures are medians.

    python benchmarks/bench_gridsearch.py                 # the user's environment, 3 rounds
    python benchmarks/bench_gridsearch.py --threads 1     # every pool pinned to one thread
    python benchmarks/bench_gridsearch.py --rounds 1 --epochs 1   # quick
"""

import argparse
import functools
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

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


def fit1(library, threads, pinned=False, **_):
    MLPClassifier = _estimator(library)
    from sklearn.datasets import load_digits

    _threads(1 if pinned else threads)
    X, y = load_digits(return_X_y=True)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPClassifier(max_iter=20, random_state=0).fit(X, y)  # the process's first fit
        for _ in range(5):
            t = time.perf_counter()
            MLPClassifier(max_iter=20, random_state=0).fit(X, y)
            times.append(time.perf_counter() - t)
    return {"fit_s": statistics.median(times)}


def grid_twice(library, threads, **_):
    MLPClassifier = _estimator(library)
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    _threads(threads)
    X, y = load_digits(return_X_y=True)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            pipe = Pipeline([("scale", StandardScaler()),
                             ("mlp", MLPClassifier(max_iter=50, random_state=0))])
            t = time.perf_counter()
            GridSearchCV(pipe, GRID, cv=3, n_jobs=2).fit(X, y)
            times.append(time.perf_counter() - t)
    return {"fit_s": times[1], "first_s": times[0], "second_s": times[1]}


def lbfgs(library, threads, **_):
    MLPClassifier = _estimator(library)
    from sklearn.datasets import make_circles, make_moons

    _threads(threads)
    sets = [make_moons(60, noise=0.1, random_state=0),
            make_circles(60, noise=0.1, factor=0.5, random_state=0)]
    losses, total = [], 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPClassifier(solver="lbfgs", max_iter=5).fit(*sets[0])  # the process's first fit
        for X, y in sets:
            for alpha in (1e-5, 1e-3, 1e-1, 1e1, 1e3):
                clf = MLPClassifier(solver="lbfgs", hidden_layer_sizes=(100, 100),
                                    max_iter=2000, alpha=alpha, random_state=0)
                t = time.perf_counter()
                clf.fit(X, y)
                total += time.perf_counter() - t
                losses.append(clf.loss_)
    return {"fit_s": total, "mean_loss": float(np.mean(losses))}


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
    _threads(threads)
    X, y, Xv, yv = _mnist(n_train)
    if library == "torch_loop":
        return _torch_loop(X, y, Xv, yv, epochs, threads)
    MLPClassifier = _estimator(library)
    _threads(threads)
    kwargs = {} if library == "sklearn" else {"device": "cpu"}
    clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=epochs, batch_size=200, tol=0.0,
                        n_iter_no_change=10**6, random_state=0, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t
    clf.predict_proba(Xv[:100])
    t = time.perf_counter()
    clf.predict_proba(Xv)
    predict_s = time.perf_counter() - t
    return {"fit_s": fit_s, "epoch_s": fit_s / epochs, "predict_s": predict_s,
            "val_accuracy": float(clf.score(Xv, yv))}


def _torch_loop(X, y, Xv, yv, epochs, threads):
    import torch

    if threads:
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
        t = time.perf_counter()
        proba = torch.softmax(model(torch.from_numpy(Xv)), 1)
        predict_s = time.perf_counter() - t
        acc = (proba.argmax(1).numpy() == yv).mean()
    return {"fit_s": fit_s, "epoch_s": fit_s / epochs, "predict_s": predict_s,
            "val_accuracy": float(acc)}


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
CONTENDERS = {
    "fit1_sklearn": functools.partial(fit1, "sklearn"),
    "fit1_sknn": functools.partial(fit1, "sknn"),
    "fit1_sknn_pinned": functools.partial(fit1, "sknn", pinned=True),
}
for _lib in LIBRARIES:
    CONTENDERS[f"grid_j1_{_lib}"] = functools.partial(grid, _lib, 1)
for _lib in ("sklearn", "sknn"):
    CONTENDERS[f"grid_j2_{_lib}"] = functools.partial(grid, _lib, 2)
    CONTENDERS[f"grid_j2twice_{_lib}"] = functools.partial(grid_twice, _lib)
    CONTENDERS[f"grid_j2threads_{_lib}"] = functools.partial(grid, _lib, 2, backend="threading")
for _lib in (*LIBRARIES, "torch_loop"):
    CONTENDERS[f"mnist_{_lib}"] = functools.partial(mnist, _lib)
for _lib in ("sklearn", "sknn"):
    CONTENDERS[f"lbfgs_{_lib}"] = functools.partial(lbfgs, _lib)
for _lib in LIBRARIES:
    CONTENDERS[f"start_{_lib}"] = functools.partial(start, _lib)


def ratios(payload):
    """sknn's medians over scikit-learn's, per group, as a Markdown table."""
    runs = payload["runs"]
    threads = payload["config"]["threads"]
    env = f"{threads} thread per pool" if threads else "default threads"

    def median(name, key="fit_s"):
        return statistics.median(r[key] for r in runs[name])

    rows = [(f"digits fit, max_iter=20 ({env}) (s)", "fit1_sklearn", "fit1_sknn", "fit_s"),
            ("digits grid search, n_jobs=1 (s)", "grid_j1_sklearn", "grid_j1_sknn", "fit_s"),
            ("same, n_jobs=2, first search of the process (s)", "grid_j2twice_sklearn",
             "grid_j2twice_sknn", "first_s"),
            ("same, n_jobs=2, second search, loky's workers reused (s)",
             "grid_j2twice_sklearn", "grid_j2twice_sknn", "second_s"),
            ("same, n_jobs=2, joblib's threading backend (s)", "grid_j2threads_sklearn",
             "grid_j2threads_sknn", "fit_s"),
            ("MNIST 784-100-10, one epoch (s)", "mnist_sklearn", "mnist_sknn", "epoch_s"),
            ("MNIST predict_proba, 10,000 rows (s)", "mnist_sklearn", "mnist_sknn", "predict_s"),
            ("ten small L-BFGS fits, (100, 100) (s)", "lbfgs_sklearn", "lbfgs_sknn", "fit_s"),
            ("fresh process: import + first digits fit (s)", "start_sklearn", "start_sknn",
             "fit_s")]
    lines = [f"Ratios ({env}, medians of {payload['rounds']} interleaved rounds):", "",
             "| | scikit-learn | sknn | sknn/sklearn |", "|---|---|---|---|"]
    for label, base_name, ours_name, key in rows:
        base, ours = median(base_name, key), median(ours_name, key)
        lines.append(f"| {label} | {base:.3g} | {ours:.3g} | **{ours / base:.2f}x** |")
    pinned = median("fit1_sknn_pinned")
    lines.append(f"\nsknn's digits fit, {env} against one thread per pool: "
                 f"{median('fit1_sknn'):.3g} s vs {pinned:.3g} s "
                 f"(**{median('fit1_sknn') / pinned:.2f}x**; a fight between pools shows here).")
    slow, base = median("grid_j1_sknn_autograd"), median("grid_j1_sklearn")
    lines.append(f"\nsknn with its fast path off (autograd): grid n_jobs=1 {slow:.3g} s "
                 f"({slow / base:.2f}x of scikit-learn), MNIST epoch "
                 f"{median('mnist_sknn_autograd', 'epoch_s'):.3g} s.")
    loop = median("mnist_torch_loop", "epoch_s")
    lines.append(f"\nPlain PyTorch loop, MNIST epoch: {loop:.3g} s "
                 f"(sknn {median('mnist_sknn', 'epoch_s') / loop:.2f}x of it); its "
                 f"predict: {median('mnist_torch_loop', 'predict_s'):.3g} s.")
    lines.append(f"\nL-BFGS mean final loss: scikit-learn "
                 f"{median('lbfgs_sklearn', 'mean_loss'):.4g}, sknn "
                 f"{median('lbfgs_sknn', 'mean_loss'):.4g}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__" and not _harness.child_main(CONTENDERS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=50000)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch and BLAS threads in every contender (0: their defaults, "
                             "the headline figures)")
    _harness.add_output_args(parser, CONTENDERS)
    args = parser.parse_args()
    suffix = args.suffix or (f"_threads{args.threads}" if args.threads else "")
    payload = _harness.run(
        __file__, _harness.select(CONTENDERS, args.contenders),
        {"epochs": args.epochs, "n_train": args.n_train, "threads": args.threads},
        rounds=args.rounds, baseline="grid_j1_sklearn", results_dir=args.results_dir,
        suffix=suffix,
        title="Digits fits and grid search, MNIST, L-BFGS and start-up: sknn vs scikit-learn"
              + (f" ({args.threads} thread per pool)" if args.threads else
                 " (default threads)"))
    table = ratios(payload)
    md = Path(args.results_dir) / f"bench_gridsearch{suffix}.md"
    md.write_text(md.read_text() + "\n" + table)
    print(table)
