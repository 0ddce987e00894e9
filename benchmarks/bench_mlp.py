"""MLP 784-100-10 on MNIST: sknn vs scikit-learn vs skorch vs a plain PyTorch loop.

All four train the same network (ReLU, Adam lr 1e-3, batch 200, float32) for
the same number of epochs on the first 50,000 MNIST training images and are
scored on the last 10,000 (a validation split of the training set; the
official test set is not used).  Each contender runs in its own process, the
rounds interleaved; the figures are the medians.

    python benchmarks/bench_mlp.py            # 5 epochs, 3 rounds
    python benchmarks/bench_mlp.py --threads 1   # one thread each (a busy machine)
    python benchmarks/bench_mlp.py --epochs 2 --rounds 1 --n-train 10000   # quick
    python benchmarks/bench_mlp.py --device cuda --suffix _cuda \
        --contenders sknn,sknn_bf16,sknn_compile,torch_loop,sklearn     # on a GPU

``--device`` moves sknn and the PyTorch loop (its data on the device, as
sknn's) to that device; scikit-learn and skorch stay on the CPU.
``sknn_bf16`` and ``sknn_compile`` are sknn with ``precision='bf16-mixed'``
and ``compile=True``.
"""

import argparse
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import _harness  # noqa: E402


def _data(n_train):
    from sknn.datasets import load_mnist

    X, y = load_mnist(data_home=_harness.data_home(), return_X_y=True)
    X = (X.reshape(len(X), -1) / 255.0).astype(np.float32)
    return X[:n_train], y[:n_train], X[50000:], y[50000:]


def _threads(threads):
    """Pin torch (and the BLAS scikit-learn uses) to ``threads`` threads; 0 keeps defaults."""
    import torch
    from threadpoolctl import threadpool_limits

    if threads:
        torch.set_num_threads(threads)
        threadpool_limits(threads)
    torch.manual_seed(0)
    return torch


def _sync(torch, device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _sknn(epochs, n_train, threads, device, **params):
    from sknn import MLPClassifier

    torch = _threads(threads)
    X, y, Xv, yv = _data(n_train)
    clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=epochs, batch_size=200,
                        tol=0.0, n_iter_no_change=10**6, random_state=0, device=device,
                        **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        clf.fit(X, y)
        _sync(torch, device)
        fit_s = time.perf_counter() - t
    return {"fit_s": fit_s, "val_accuracy": float(clf.score(Xv, yv))}


def sknn(epochs, n_train, threads, device="cpu"):
    return _sknn(epochs, n_train, threads, device)


def sknn_bf16(epochs, n_train, threads, device="cpu"):
    return _sknn(epochs, n_train, threads, device, precision="bf16-mixed")


def sknn_compile(epochs, n_train, threads, device="cpu"):
    return _sknn(epochs, n_train, threads, device, compile=True)


def sklearn(epochs, n_train, threads, device=None):
    from sklearn.neural_network import MLPClassifier

    _threads(threads)
    X, y, Xv, yv = _data(n_train)
    clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=epochs, batch_size=200,
                        tol=0.0, n_iter_no_change=10**6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t
    return {"fit_s": fit_s, "val_accuracy": float(clf.score(Xv, yv))}


def skorch(epochs, n_train, threads, device=None):
    from skorch import NeuralNetClassifier

    torch = _threads(threads)
    X, y, Xv, yv = _data(n_train)
    net = NeuralNetClassifier(
        torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                            torch.nn.Linear(100, 10)),
        criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
        max_epochs=epochs, batch_size=200, train_split=None, verbose=0,
        iterator_train__shuffle=True)
    t = time.perf_counter()
    net.fit(X, y.astype(np.int64))
    fit_s = time.perf_counter() - t
    return {"fit_s": fit_s, "val_accuracy": float((net.predict(Xv) == yv).mean())}


def torch_loop(epochs, n_train, threads, device="cpu"):
    torch = _threads(threads)
    X, y, Xv, yv = _data(n_train)
    t = time.perf_counter()
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                                torch.nn.Linear(100, 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt = torch.from_numpy(X).to(device)
    yt = torch.from_numpy(y.astype(np.int64)).to(device)
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), device=device)
        for i in range(0, len(Xt), 200):
            idx = perm[i:i + 200]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    _sync(torch, device)
    fit_s = time.perf_counter() - t
    with torch.no_grad():
        acc = (model(torch.from_numpy(Xv).to(device)).argmax(1).cpu().numpy() == yv).mean()
    return {"fit_s": fit_s, "val_accuracy": float(acc)}


CONTENDERS = {"sknn": sknn, "sklearn": sklearn, "skorch": skorch, "torch_loop": torch_loop,
              "sknn_bf16": sknn_bf16, "sknn_compile": sknn_compile}
DEFAULT = "sknn,sklearn,skorch,torch_loop"

if __name__ == "__main__" and not _harness.child_main(CONTENDERS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=50000)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch and BLAS threads in every contender (0: their defaults)")
    parser.add_argument("--device", default="cpu", help="sknn's and the loop's: 'cpu', 'cuda'")
    _harness.add_output_args(parser, CONTENDERS)
    args = parser.parse_args()
    _harness.run(__file__, _harness.select(CONTENDERS, args.contenders or DEFAULT),
                 {"epochs": args.epochs, "n_train": args.n_train, "threads": args.threads,
                  "device": args.device},
                 rounds=args.rounds, baseline="torch_loop",
                 title=f"MLP 784-100-10 on MNIST, fit time (s), {args.device}",
                 results_dir=args.results_dir, suffix=args.suffix)
