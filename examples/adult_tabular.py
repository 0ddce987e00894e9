"""Adult census income with TabularClassifier on the DataFrame as loaded.

No preprocessing: the 8 categorical columns (pandas ``category``, NaN where the
file has ``?``) get embeddings, the 6 numeric ones a quantile transform, and one
network trains on all of them with the default parameters. An 80/20 stratified
validation split is cut from the 32,561 training rows (the official test split is
kept apart). ``HistGradientBoostingClassifier(categorical_features='from_dtype')``
runs beside it for reference. See benchmarks/results/bench_tabular.md for the
measured figures.

Usage::

    python examples/adult_tabular.py [--data-home DIR] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from sknn import TabularClassifier
from sknn.datasets import load_adult

REPO = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Adult census income, TabularClassifier")
    parser.add_argument(
        "--data-home", default=os.environ.get("SKNN_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    X, y = load_adult(data_home=args.data_home, return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    result = {}
    for name, model in [("TabularClassifier", TabularClassifier(random_state=0)),
                        ("HistGradientBoosting", HistGradientBoostingClassifier(
                            categorical_features="from_dtype", random_state=0))]:
        started = time.perf_counter()
        model.fit(X_train, y_train)
        result[name] = model.score(X_valid, y_valid)
        print(f"{name}: validation accuracy {result[name]:.4f}, "
              f"fit {time.perf_counter() - started:.1f} s")
    return result


if __name__ == "__main__":
    main()
