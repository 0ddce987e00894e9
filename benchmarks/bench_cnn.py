"""The course convnet on MNIST: sknn's CNNImageClassifier vs a plain PyTorch loop.

Both train the same network (Conv2D(32, 3) MaxPool Conv2D(64, 3) MaxPool
Conv2D(64, 3) Flatten Dense(64) Dense(10), ReLU, 'valid' padding), with Adam
(lr 1e-3), batch 64, shuffled, float32, no L2 penalty (``alpha=0``), for the
same number of epochs on the first ``n_train`` MNIST training images, and are
scored on the last 10,000 (a validation split of the training set).  Each
contender runs in its own process, the rounds interleaved; figures are medians.

* ``epoch_s``: the training epochs alone (sknn: the sum of ``history_`` epoch
  durations; the loop: the time around its epoch loop);
* ``fit_s``: everything from the arrays in memory to a trained model (sknn:
  ``fit``, with validation, net building and the copy of the data to the
  device; the loop: building the model and the optimizer, the tensors on the
  device, and the epochs).

The plain loop gets float32 pixels already divided by 255 and moved to the
device once; ``sknn`` gets the same float32 array, ``sknn_uint8`` the raw
uint8 images (scaled batch by batch inside the model).  ``torch._dynamo``,
which torch imports when the first optimizer is created (about 2 s, once
per process), is imported before the clocks start in every contender.

    python benchmarks/bench_cnn.py                              # 10k images, 1 epoch, 3 rounds
    python benchmarks/bench_cnn.py --threads 1                  # one torch thread
    python benchmarks/bench_cnn.py --device cuda --n-train 50000 --epochs 2   # on a GPU

``sknn_bf16`` and ``sknn_compile`` (not run by default) are ``sknn`` with
``precision='bf16-mixed'`` and ``compile=True``; ``last_epoch_s`` is sknn's
last epoch alone (the first one pays torch.compile's compilation).
"""

import argparse
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import _harness  # noqa: E402

BATCH = 64


def _setup(threads, device):
    import torch
    import torch._dynamo  # noqa: F401  (imported by the first optimizer otherwise)

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    return torch, torch.device("cuda" if device == "auto" and torch.cuda.is_available()
                               else "cpu" if device == "auto" else device)


def _data(n_train, scale):
    from sknn.datasets import load_mnist

    X, y = load_mnist(data_home=_harness.data_home(), return_X_y=True)
    if scale:
        X = X.astype(np.float32) / np.float32(255)
    return X[:n_train], y[:n_train], X[50000:], y[50000:]


def _sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _sknn(epochs, n_train, threads, device, scale, **params):
    from sknn.estimators.cnn import CNNImageClassifier

    torch, device = _setup(threads, device)
    X, y, Xv, yv = _data(n_train, scale)
    clf = CNNImageClassifier(
        conv_filters=(32, 64, 64), padding="valid", pooling=("max", "max", None),
        hidden_layer_sizes=(64,), solver="adam", alpha=0.0, batch_size=BATCH,
        max_iter=epochs, tol=0.0, n_iter_no_change=10**6, random_state=0, device=str(device),
        **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _sync(torch, device)
        t = time.perf_counter()
        clf.fit(X, y)
        _sync(torch, device)
        fit_s = time.perf_counter() - t
    epoch_s = float(sum(clf.history_[:, "dur"]))
    return {"epoch_s": epoch_s / epochs, "fit_s": fit_s,
            "last_epoch_s": float(clf.history_[-1, "dur"]),
            "val_accuracy": float(clf.score(Xv, yv)), "threads": torch.get_num_threads(),
            "device": str(device)}


def sknn(epochs, n_train, threads, device):
    return _sknn(epochs, n_train, threads, device, scale=True)


def sknn_uint8(epochs, n_train, threads, device):
    return _sknn(epochs, n_train, threads, device, scale=False)


def sknn_bf16(epochs, n_train, threads, device):
    return _sknn(epochs, n_train, threads, device, scale=True, precision="bf16-mixed")


def sknn_compile(epochs, n_train, threads, device):
    return _sknn(epochs, n_train, threads, device, scale=True, compile=True)


def torch_loop(epochs, n_train, threads, device):
    torch, device = _setup(threads, device)
    nn = torch.nn
    X, y, Xv, yv = _data(n_train, scale=True)
    _sync(torch, device)
    t = time.perf_counter()
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt = torch.from_numpy(X[:, None]).to(device)
    yt = torch.from_numpy(y.astype(np.int64)).to(device)
    _sync(torch, device)
    t_epochs = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), device=device)
        for i in range(0, len(Xt), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    _sync(torch, device)
    end = time.perf_counter()
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(torch.from_numpy(Xv[i:i + 4096, None]).to(device)).argmax(1)
                          for i in range(0, len(Xv), 4096)]).cpu().numpy()
    return {"epoch_s": (end - t_epochs) / epochs, "fit_s": end - t,
            "val_accuracy": float((pred == yv).mean()), "threads": torch.get_num_threads(),
            "device": str(device)}


CONTENDERS = {"sknn": sknn, "sknn_uint8": sknn_uint8, "torch_loop": torch_loop,
              "sknn_bf16": sknn_bf16, "sknn_compile": sknn_compile}
DEFAULT = "sknn,sknn_uint8,torch_loop"

if __name__ == "__main__" and not _harness.child_main(CONTENDERS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="cpu", help="'cpu', 'cuda', or 'auto'")
    _harness.add_output_args(parser, CONTENDERS)
    args = parser.parse_args()
    _harness.run(__file__, _harness.select(CONTENDERS, args.contenders or DEFAULT),
                 {"epochs": args.epochs, "n_train": args.n_train, "threads": args.threads,
                  "device": args.device},
                 rounds=args.rounds, baseline="torch_loop", time_key="epoch_s",
                 title="Course convnet on MNIST, seconds per epoch "
                       f"({args.device}, batch {BATCH})",
                 results_dir=args.results_dir, suffix=args.suffix)
