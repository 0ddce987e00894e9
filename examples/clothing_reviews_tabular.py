"""Clothing reviews: one network on the review text and the tabular columns together.

``TabularClassifier(text_features=['Title', 'Review Text'])`` predicts
``Recommended IND`` from the title and review (missing texts are empty texts),
the reviewer's age, the product's category names and the feedback count;
``Rating`` is left out of X (it nearly is the target). An 80/20 stratified
validation split is cut from the 18,788 training rows (the rest of the data set
is kept apart). A tf-idf 1-2-gram + ``LogisticRegression`` on the text alone runs
beside it for reference.

Usage::

    python examples/clothing_reviews_tabular.py [--data-home DIR] [--encoder bag]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sknn import TabularClassifier
from sknn.datasets import load_clothing_reviews

REPO = Path(__file__).resolve().parents[1]
TEXT = ["Title", "Review Text"]


def joined_text(X):
    return (X["Title"].fillna("") + " " + X["Review Text"].fillna("")).tolist()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Clothing reviews, text + tabular")
    parser.add_argument(
        "--data-home", default=os.environ.get("SKNN_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--encoder", default="bag", choices=["bag", "gru", "lstm", "bigru"])
    args = parser.parse_args(argv)

    X, y = load_clothing_reviews(data_home=args.data_home, return_X_y=True)
    X = X.drop(columns="Rating")
    X_train, X_valid, y_train, y_valid = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    models = [
        ("TabularClassifier", TabularClassifier(text_features=TEXT, text_encoder=args.encoder,
                                                random_state=0)),
        ("tf-idf + LogisticRegression", make_pipeline(
            FunctionTransformer(joined_text), TfidfVectorizer(ngram_range=(1, 2)),
            LogisticRegression(max_iter=1000))),
    ]
    result = {}
    for name, model in models:
        started = time.perf_counter()
        model.fit(X_train, y_train)
        result[name] = model.score(X_valid, y_valid)
        print(f"{name}: validation accuracy {result[name]:.4f}, "
              f"fit {time.perf_counter() - started:.1f} s")
    return result


if __name__ == "__main__":
    main()
