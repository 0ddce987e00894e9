"""IMDB sentiment with a SimpleRNN(32) and an LSTM(32), as in the course.

The course setting: 500 words of each review, a 10,000-token
vocabulary (padding and out-of-vocabulary ids included), a 32-wide embedding,
one recurrent layer of 32 units, RMSprop at 1e-3, batches of 128, and a
validation split of 20% of the IMDB training reviews (stratified, seed 0: the
split ``examples/imdb_tfidf.py`` uses). The course reports 82% (SimpleRNN) and
about 89% (LSTM) validation accuracy.

Reviews longer than 500 words are cut as the course's Keras
``pad_sequences(maxlen=500)`` cuts them: its default ``truncating='pre'`` keeps
the *last* 500 words (``--truncating post`` keeps the first 500, as this script
did before; both are recorded, see ``docs/results.md``).

The validation accuracy is printed after every epoch; the JSON record in
``benchmarks/results/results_imdb_rnn.json`` keeps every epoch, the last and
the best.  The full course configuration (``--cell both``: SimpleRNN, then
LSTM), 20,000 training and 5,000 validation reviews::

    OMP_NUM_THREADS=1 python examples/imdb_rnn.py --cell both --epochs 10

With ``--subset test`` the model after the last epoch is also scored on the
official test split (25,000 reviews, ``load_imdb(subset='test')``), as the
course does with Keras' ``load_data()``; the test reviews are read from the
aclImdb archive in the data folder, which is downloaded there if it is missing.

Both networks overfit after 2-3 epochs, as in the course; the figures of every
recorded run are on the course-results page.  A quicker run::

    python examples/imdb_rnn.py --cell lstm --maxlen 200 --n-train 8000 --epochs 3

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
from sknn.datasets import load_imdb
from sknn.text import TextVectorizer

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "results_imdb_rnn.json"


def run(cell, args, data, test=None):
    X_train, X_valid, y_train, y_valid = data
    vectorizer = TextVectorizer(max_tokens=args.max_tokens, output_sequence_length=args.maxlen,
                                truncating=args.truncating)
    ids_train = vectorizer.fit_transform(X_train)
    ids_valid = vectorizer.transform(X_valid)
    clf = RNNSequenceClassifier(
        cell, hidden_size=args.hidden, embedding_dim=args.embedding_dim,
        vocab_size=args.max_tokens, solver=args.solver, learning_rate_init=args.lr,
        batch_size=args.batch_size, alpha=0.0, random_state=args.seed)
    history = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t = time.perf_counter()
        clf.partial_fit(ids_train, y_train, classes=["negative", "positive"])
        seconds = time.perf_counter() - t
        accuracy = float(clf.score(ids_valid, y_valid))
        history.append({"epoch": epoch, "train_loss": clf.loss_, "val_accuracy": accuracy,
                        "epoch_s": seconds})
        print(f"{cell:>4} epoch {epoch}: loss {clf.loss_:.4f}, validation accuracy "
              f"{accuracy:.4f} ({seconds:.0f} s)", flush=True)
    record = {
        "cell": cell, "final_val_accuracy": history[-1]["val_accuracy"],
        "best_val_accuracy": max(h["val_accuracy"] for h in history),
        "fit_s": time.perf_counter() - start, "history": history,
        "n_train": len(X_train), "n_valid": len(X_valid),
        "config": {k: v for k, v in vars(args).items() if k not in ("data_home", "cell")},
        "torch_threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
    }
    if test is not None:
        X_test, y_test = test
        record["test_accuracy"] = float(clf.score(vectorizer.transform(X_test), y_test))
        record["n_test"] = len(X_test)
        print(f"{cell:>4} test accuracy {record['test_accuracy']:.4f} on {len(X_test)} "
              "reviews of the official test split (model after the last epoch)")
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description="IMDB SimpleRNN(32) / LSTM(32)")
    parser.add_argument("--cell", default="both", choices=["rnn", "lstm", "gru", "both"],
                        help="'both': SimpleRNN, then LSTM")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=None,
                        help="use the first N of the 20,000 training reviews (default all)")
    parser.add_argument("--n-valid", type=int, default=None,
                        help="use the first N of the 5,000 validation reviews (default all)")
    parser.add_argument("--maxlen", type=int, default=500, help="words kept per review")
    parser.add_argument("--truncating", default="pre", choices=["pre", "post"],
                        help="keep the last (pre, Keras' default) or first (post) maxlen words")
    parser.add_argument("--max-tokens", type=int, default=10000)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--embedding-dim", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--solver", default="rmsprop")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-home", default=os.environ.get("SKNN_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--subset", default="train", choices=["train", "test"],
                        help="'test': also score the last epoch's model on the test split")
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON record")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    reviews, sentiment = load_imdb(data_home=args.data_home, return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(
        reviews, sentiment, test_size=0.2, stratify=sentiment, random_state=0)
    X_train, y_train = X_train[:args.n_train], y_train[:args.n_train]
    X_valid, y_valid = X_valid[:args.n_valid], y_valid[:args.n_valid]
    test = None
    if args.subset == "test":
        test = load_imdb(data_home=args.data_home, subset="test", return_X_y=True)
    kept = "last" if args.truncating == "pre" else "first"
    print(f"training reviews: {len(X_train)}, validation reviews: {len(X_valid)}, "
          f"{kept} {args.maxlen} words, vocabulary {args.max_tokens}")
    cells = ["rnn", "lstm"] if args.cell == "both" else [args.cell]
    records = [run(cell, args, (X_train, X_valid, y_train, y_valid), test) for cell in cells]
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        saved = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
        saved["runs"].extend(records)
        RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    return records


if __name__ == "__main__":
    main()
