"""Arabic poem meters (MetRec) with the course's dense baselines: 2, 3 and 4 layers.

The course sets dense networks of 2 to 4 layers against the BiGRUs of
``examples/poem_meters_bigru.py`` on the same characters, and reports 24-30%
for them. Here each verse becomes

* ``--input one-hot`` (default): its first ``--max-length`` (100) characters,
  one-hot encoded as the BiGRU reads them without an embedding
  (``TextVectorizer(analyzer='char', output_mode='one_hot')``, diacritics
  kept), flattened into one row of 100 x (number of characters) zeros and
  ones, as a Keras ``Flatten`` before ``Dense`` layers does;
* ``--input counts``: a bag of characters, how often each character occurs
  (``output_mode='count'``, sparse), which drops their order;

for an ``MLPClassifier`` of ``--layers`` dense layers, the 14-way output layer
included (``--layers 2``: one hidden layer of ``--hidden`` units, ReLU; 4: three).
Adam, batches of 128, early stopping on the estimator's validation split:
``--validation-fraction`` (10%) of the MetRec *training* verses, stratified by
meter, whose best epoch's weights are kept. The official test split is kept
apart; ``--subset test`` scores the final model on it when its file is there.

    python examples/poem_meters_dense.py --layers 2          # a few minutes on one core
    python examples/poem_meters_dense.py --layers 3 --input counts

Results are appended to ``benchmarks/results/results_poem_meters_dense.json``.
The data folder defaults to ``SKNN_DATA`` or ``<repo>/../shared/data``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import torch
from sklearn.exceptions import ConvergenceWarning

from sknn import MLPClassifier
from sknn.datasets import load_poem_meters
from sknn.text import TextVectorizer

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "results_poem_meters_dense.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description="MetRec meters with 2-4 layer dense networks")
    parser.add_argument("--layers", type=int, default=2, choices=[2, 3, 4],
                        help="dense layers, the output layer included")
    parser.add_argument("--hidden", type=int, default=256, help="units of each hidden layer")
    parser.add_argument("--input", default="one-hot", choices=["one-hot", "counts"])
    parser.add_argument("--max-length", type=int, default=100,
                        help="characters kept per verse (one-hot input)")
    parser.add_argument("--epochs", type=int, default=30, help="max_iter")
    parser.add_argument("--n-train", type=int, default=None,
                        help="use the first N training verses (default: all 47,124)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--n-iter-no-change", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", choices=["train", "test"], default="train",
                        help="'test': also score the final model on the official test split")
    parser.add_argument(
        "--data-home", default=os.environ.get("SKNN_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON record")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    verses, meters = load_poem_meters(data_home=args.data_home, return_X_y=True)
    verses, meters = verses[:args.n_train], meters[:args.n_train]
    one_hot = args.input == "one-hot"
    vectorizer = TextVectorizer(
        analyzer="char", lowercase=False, strip_punctuation=False,
        output_mode="one_hot" if one_hot else "count",
        output_sequence_length=args.max_length if one_hot else None)

    def features(texts):
        X = vectorizer.transform(texts)
        return X.reshape(len(X), -1) if one_hot else X.astype("float32")

    vectorizer.fit(verses)
    X = features(verses)
    print(f"verses: {len(verses)}, {len(vectorizer.vocabulary_)} characters, "
          f"{X.shape[1]} input features ({args.input})", flush=True)

    clf = MLPClassifier(
        hidden_layer_sizes=(args.hidden,) * (args.layers - 1), solver="adam",
        batch_size=args.batch_size, learning_rate_init=args.lr, alpha=0.0,
        max_iter=args.epochs, early_stopping=True,
        validation_fraction=args.validation_fraction, n_iter_no_change=args.n_iter_no_change,
        random_state=args.seed, verbose=True)
    start = time.perf_counter()
    clf.fit(X, meters)
    fit_s = time.perf_counter() - start
    history = [{"epoch": int(r["epoch"]), "train_loss": float(r["train_loss"]),
                "val_accuracy": float(r["valid_score"]), "epoch_s": float(r["dur"])}
               for r in clf.history_]
    n_valid = len(verses) - int(round(len(verses) * (1 - args.validation_fraction)))
    record = {
        "model": f"dense, {args.layers} layers ({args.hidden} hidden units)",
        "input": (f"one-hot characters, first {args.max_length}, flattened" if one_hot
                  else "character counts"),
        "final_val_accuracy": history[-1]["val_accuracy"],
        "best_val_accuracy": float(clf.best_validation_score_),
        "fit_s": fit_s, "history": history,
        "n_train": len(verses) - n_valid, "n_valid": n_valid,
        "config": {k: v for k, v in vars(args).items() if k != "data_home"},
        "torch_threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
    }
    if args.subset == "test":
        test_verses, test_meters = load_poem_meters(
            data_home=args.data_home, subset="test", return_X_y=True)
        record["test_accuracy"] = float(clf.score(features(test_verses), test_meters))
        record["n_test"] = len(test_verses)
    print(f"{record['model']}, {record['input']}: best validation accuracy "
          f"{record['best_val_accuracy']:.4f}"
          + (f", test accuracy {record['test_accuracy']:.4f}" if "test_accuracy" in record
             else "") + f" ({fit_s / 60:.1f} min)", flush=True)
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        saved = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
        saved["runs"].append(record)
        RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    return record


if __name__ == "__main__":
    main()
