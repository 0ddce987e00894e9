"""Arabic poem meters (MetRec) from characters with stacked bidirectional GRUs.

Each verse becomes a sequence of characters, diacritics stripped
(``TextVectorizer(analyzer='char', strip_accents='unicode')``: the harakat,
shadda, sukun and the hamza marks go, the letters stay; the ``#`` between the
two halves is kept as a character), one-hot encoded, read by ``--layers``
bidirectional GRU layers of ``--hidden`` units, then a softmax over the 14
meters.  Validation: a stratified 20% of the MetRec training verses (seed 0;
the official test split is kept apart).

Reported by the MetRec authors (Al-shaibani, Alyafeai and Ahmad 2020, on
their test split): 1 BiGRU layer 89%, 3-5 stacked BiGRU layers about 94%.

Seen on a 2-core CPU, one torch thread (``OMP_NUM_THREADS=1``; no GPU), on
the 9,425 validation verses unless said otherwise:

* ``--layers 1 --hidden 256 --lr 0.003 --epochs 10``: 63.7, 78.9, 85.7, 87.0,
  87.9, **88.7**, 87.2, 88.1, 88.6, 88.5% (best 88.7%); 105 s an epoch;
* ``--layers 1 --hidden 128 --lr 0.005 --epochs 12``: best 88.5% (epoch
  10), last 87.6%; 40-80 s an epoch;
* ``--layers 1 --hidden 64 --lr 0.001 --epochs 10``: 63.4%, still rising
  (1e-3 is too slow a rate for this problem);
* ``--layers 3 --hidden 256 --lr 0.002 --n-train 10000 --n-valid 3000
  --epochs 4``: 23.2, 40.7, 44.4, 58.9%, still rising; 150 s an epoch on
  10,000 verses, so a full-data run of the paper's size (about 10 minutes an
  epoch here) was not made on this CPU.

    python examples/poem_meters_bigru.py --layers 1 --hidden 256 --epochs 10
    python examples/poem_meters_bigru.py --layers 3 --hidden 256 --epochs 20   # the paper's size

Results are appended to ``benchmarks/results/results_poem_meters_bigru.json``.
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
from sklearn.model_selection import train_test_split

from sknn import RNNSequenceClassifier
from sknn.datasets import load_poem_meters
from sknn.text import TextVectorizer

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "results_poem_meters_bigru.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description="MetRec meters with stacked BiGRUs")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n-train", type=int, default=None,
                        help="use the first N training verses (default all 37,699)")
    parser.add_argument("--n-valid", type=int, default=None,
                        help="use the first N validation verses (default all 9,425)")
    parser.add_argument("--embedding-dim", type=int, default=0,
                        help="learned character embedding width; 0: one-hot characters")
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-home", default=os.environ.get("SKNN_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON record")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    verses, meters = load_poem_meters(data_home=args.data_home, return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(
        verses, meters, test_size=0.2, stratify=meters, random_state=0)
    X_train, y_train = X_train[:args.n_train], y_train[:args.n_train]
    X_valid, y_valid = X_valid[:args.n_valid], y_valid[:args.n_valid]
    vectorizer = TextVectorizer(analyzer="char", strip_accents="unicode",
                                strip_punctuation=False)
    chars_train = vectorizer.fit_transform(X_train)
    chars_valid = vectorizer.transform(X_valid)
    print(f"training verses: {len(X_train)}, validation verses: {len(X_valid)}, "
          f"{len(vectorizer.vocabulary_)} characters, up to {chars_train.shape[1]} per verse")

    one_hot = args.embedding_dim == 0
    clf = RNNSequenceClassifier(
        "gru", bidirectional=True, num_layers=args.layers, hidden_size=args.hidden,
        one_hot=one_hot, embedding_dim=args.embedding_dim or 64, dropout=args.dropout,
        batch_size=args.batch_size, learning_rate_init=args.lr, alpha=0.0,
        random_state=args.seed)
    history = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t = time.perf_counter()
        clf.partial_fit(chars_train, y_train, classes=list(range(14)))
        seconds = time.perf_counter() - t
        accuracy = float(clf.score(chars_valid, y_valid))
        history.append({"epoch": epoch, "train_loss": clf.loss_, "val_accuracy": accuracy,
                        "epoch_s": seconds})
        print(f"{args.layers}-BiGRU({args.hidden}) epoch {epoch}: loss {clf.loss_:.4f}, "
              f"validation accuracy {accuracy:.4f} ({seconds:.0f} s)", flush=True)
    record = {
        "model": f"{args.layers}-BiGRU({args.hidden})",
        "final_val_accuracy": history[-1]["val_accuracy"],
        "best_val_accuracy": max(h["val_accuracy"] for h in history),
        "fit_s": time.perf_counter() - start, "history": history,
        "n_train": len(X_train), "n_valid": len(X_valid),
        "config": {k: v for k, v in vars(args).items() if k != "data_home"},
        "torch_threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
    }
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        saved = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
        saved["runs"].append(record)
        RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    return record


if __name__ == "__main__":
    main()
