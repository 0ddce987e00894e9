"""The course convnet on MNIST with ``sknn.CNNImageClassifier``.

Keras original (F. Chollet, *Deep Learning with Python*)::

    Conv2D(32, 3, relu) MaxPooling2D(2) Conv2D(64, 3, relu) MaxPooling2D(2)
    Conv2D(64, 3, relu) Flatten Dense(64, relu) Dense(10, softmax)
    RMSprop, batch 64, 5 epochs, pixels / 255

Here: the same network (``'valid'`` padding, pooling after the first two
convolutions only), trained on the first 54,000 of the 60,000 MNIST training
images and scored on the last 6,000 (a validation split; ``--subset test``
also scores it on the 10,000 images of the official test split, as the course
does).  uint8 pixels go in as they are: the model scales them.

    python examples/mnist_cnn.py                      # 5 epochs, 54,000 images
    python examples/mnist_cnn.py --epochs 1 --n-train 5000   # a quick look
    python examples/mnist_cnn.py --subset test                # and the test accuracy

The figures are printed and written to ``benchmarks/results/results_mnist_cnn.json``.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from sknn import CNNImageClassifier
from sknn.datasets import load_mnist

N_VALID = 6000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-train", type=int, default=60000 - N_VALID,
                        help="training images, taken from the first 54,000")
    parser.add_argument("--data-home", default=os.environ.get("SKNN_DATA"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--padding", choices=("valid", "same"), default="valid")
    parser.add_argument("--solver", default="rmsprop")
    parser.add_argument("--verbose", action="store_true", help="log every epoch")
    parser.add_argument("--subset", choices=("train", "test"), default="train",
                        help="'test': also score the model on the official test split")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--output", default=str(
        Path(__file__).resolve().parents[1] / "benchmarks" / "results"
        / "results_mnist_cnn.json"))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    X, y = load_mnist(data_home=args.data_home, return_X_y=True)    # (60000, 28, 28) uint8
    n_train = min(args.n_train, len(X) - N_VALID)
    X_train, y_train = X[:n_train], y[:n_train]
    X_valid, y_valid = X[-N_VALID:], y[-N_VALID:]

    clf = CNNImageClassifier(
        conv_filters=(32, 64, 64), kernel_size=3, padding=args.padding,
        pooling=("max", "max", None), pool_size=2, hidden_layer_sizes=(64,),
        solver=args.solver, learning_rate_init=0.001, alpha=0.0, batch_size=64,
        max_iter=args.epochs, tol=0.0, random_state=0, device=args.device, verbose=args.verbose)
    started = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_s = time.perf_counter() - started
    accuracy = clf.score(X_valid, y_valid)

    test_accuracy = None
    if args.subset == "test":
        X_test, y_test = load_mnist(data_home=args.data_home, subset="test", return_X_y=True)
        test_accuracy = clf.score(X_test, y_test)

    for record in clf.history_:
        print(f"epoch {record['epoch']}: train loss {record['train_loss']:.4f}, "
              f"{record['dur']:.1f} s")

    print(f"validation accuracy {accuracy:.4f} on {N_VALID} held-out training images "
          f"after {clf.n_iter_} epochs on {n_train} images ({fit_s:.1f} s)")
    if test_accuracy is not None:
        print(f"test accuracy {test_accuracy:.4f} on the {len(y_test)} images of the "
              "official test split")
    result = {
        "data_set": "MNIST", "n_train": n_train, "n_valid": N_VALID, "epochs": clf.n_iter_,
        "validation_accuracy": accuracy, "test_accuracy": test_accuracy, "fit_s": fit_s,
        "epoch_s": [float(d) for d in clf.history_[:, "dur"]],
        "train_loss": clf.loss_curve_, "params": {
            k: v for k, v in clf.get_params().items() if k != "callbacks"},
        "command": " ".join(["python", f"examples/{Path(__file__).name}",
                             *(sys.argv[1:] if argv is None else argv)]),
        "device": str(clf.device_), "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "platform": platform.platform(), "date": time.strftime("%Y-%m-%d"),
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return result


if __name__ == "__main__":
    main()
