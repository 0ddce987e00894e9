"""Time TextVectorizer against scikit-learn's CountVectorizer / TfidfVectorizer on IMDB.

All 25,000 training reviews of IMDB, in one run, side by side:

- ``count``: ``TextVectorizer(output_mode='count')`` against ``CountVectorizer()``
  (its own token pattern) and against ``CountVectorizer`` configured to tokenize
  exactly as TextVectorizer (same normaliser as ``preprocessor``, ``token_pattern
  r"(?u)\\S+"``), whose counts must be identical;
- ``tfidf`` 1-2-grams: the same three, with ``TfidfVectorizer``, values checked to
  agree to 1e-12;
- ``int``: ``TextVectorizer()`` (padded to the longest review) and with
  ``output_sequence_length=200``, fit_transform and transform.

Every timing is ``fit_transform`` (or ``transform``) wall time, the best of
``--repeats`` rounds (``--tfidf-repeats`` for tf-idf), in which the vectorizers
of a task take turns, so that changes in the machine's load hit them alike; all
runs and the medians are written to the JSON too. Before timing, every
vectorizer is run once on 200 reviews, so one-off costs (imports, the one-time
scan of the Unicode tables for punctuation, about 0.05 s) are not counted.

Usage::

    python benchmarks/bench_text.py [--data-home DIR] [--repeats 5] [--tfidf-repeats 3]
                                    [--n-docs N]

Writes ``benchmarks/results/bench_text.json`` and ``bench_text.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sknn.text import TextVectorizer  # noqa: E402
from sknn.text.tokenize import build_normalizer  # noqa: E402


def default_data_home():
    return Path(os.environ.get("SKNN_DATA", REPO.parent / "shared" / "data"))


def load_reviews(data_home):
    """The 25,000 IMDB training reviews, through sknn.datasets when it is there."""
    try:
        from sknn.datasets import load_imdb
    except ImportError:  # the loader is not there yet: read the shared CSV directly
        import pandas as pd

        frame = pd.read_csv(Path(data_home) / "imdb" / "imdb_train.csv.gz")
        return frame["review"].to_numpy(dtype=object), "pandas.read_csv"
    reviews, _ = load_imdb(data_home=data_home, return_X_y=True)
    return reviews, "sknn.datasets.load_imdb"


def equivalent(cls, **params):
    """A scikit-learn vectorizer tokenizing exactly as TextVectorizer's defaults."""
    return cls(preprocessor=build_normalizer(), token_pattern=r"(?u)\S+", **params)


def time_round_robin(makers, docs, repeats):
    """Time ``make().fit_transform(docs)`` for every maker, ``repeats`` rounds.

    The vectorizers take turns (A B C A B C ...), so that a change in the load of
    the machine during the run hits them alike. Returns, per label, the list of
    times and the estimator and output of the last round.
    """
    times = {label: [] for label in makers}
    last = {}
    for _ in range(repeats):
        for label, make in makers.items():
            last.pop(label, None)
            gc.collect()
            estimator = make()
            start = time.perf_counter()
            result = estimator.fit_transform(docs)
            times[label].append(time.perf_counter() - start)
            last[label] = (estimator, result)
    return times, last


def time_transforms(estimators, docs, repeats):
    """Round-robin ``transform`` times of fitted estimators (label -> estimator)."""
    times = {label: [] for label in estimators}
    for _ in range(repeats):
        for label, estimator in estimators.items():
            gc.collect()
            start = time.perf_counter()
            estimator.transform(docs)
            times[label].append(time.perf_counter() - start)
    return times


def same_counts(ours, X, theirs, Y):
    """Identical matrices once the columns of Y follow ours' vocabulary order."""
    if X.shape != Y.shape or set(ours.vocabulary_) != set(theirs.vocabulary_):
        return False
    perm = np.array([theirs.vocabulary_[t] for t in ours.get_feature_names_out()])
    return (sp.csr_matrix(X) != sp.csr_matrix(Y)[:, perm]).nnz == 0


def max_abs_difference(ours, X, theirs, Y):
    perm = np.array([theirs.vocabulary_[t] for t in ours.get_feature_names_out()])
    return float(abs(sp.csr_matrix(X) - sp.csr_matrix(Y)[:, perm]).max())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-home", default=str(default_data_home()))
    parser.add_argument("--repeats", type=int, default=5, help="rounds for count and int")
    parser.add_argument("--tfidf-repeats", type=int, default=3, help="rounds for tf-idf 1-2")
    parser.add_argument("--n-docs", type=int, default=None, help="use the first N reviews")
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)

    reviews, loader = load_reviews(args.data_home)
    if args.n_docs:
        reviews = reviews[: args.n_docs]
    docs = list(reviews)
    print(
        f"{len(docs)} IMDB reviews ({loader}), best of {args.repeats} rounds "
        f"({args.tfidf_repeats} for tf-idf 1-2)",
        flush=True,
    )

    cases = {
        "count": {
            "CountVectorizer() [sklearn default pattern]": lambda: CountVectorizer(),
            "CountVectorizer [same tokens]": lambda: equivalent(CountVectorizer),
            "TextVectorizer(output_mode='count')": lambda: TextVectorizer(output_mode="count"),
        },
        "tfidf_1_2": {
            "TfidfVectorizer(ngram_range=(1, 2)) [sklearn default pattern]": lambda: (
                TfidfVectorizer(ngram_range=(1, 2))
            ),
            "TfidfVectorizer(ngram_range=(1, 2)) [same tokens]": lambda: equivalent(
                TfidfVectorizer, ngram_range=(1, 2)
            ),
            "TextVectorizer(output_mode='tfidf', ngram_range=(1, 2))": lambda: TextVectorizer(
                output_mode="tfidf", ngram_range=(1, 2)
            ),
        },
        "int": {
            "TextVectorizer() [int, padded to the longest]": lambda: TextVectorizer(),
            "TextVectorizer(output_sequence_length=200) [int]": lambda: TextVectorizer(
                output_sequence_length=200
            ),
        },
    }
    load_start = os.getloadavg()
    for group in cases.values():  # warm-up, not timed
        for make in group.values():
            make().fit_transform(docs[:200])

    rows = []
    checks = {}
    for group, makers in cases.items():
        repeats = args.tfidf_repeats if group == "tfidf_1_2" else args.repeats
        times, fitted = time_round_robin(makers, docs, repeats)
        ours = {k: est for k, (est, _) in fitted.items() if k.startswith("TextVectorizer")}
        transform_times = time_transforms(ours, docs, repeats)
        for label in makers:
            result = fitted[label][1]
            row = {
                "group": group,
                "vectorizer": label,
                "method": "fit_transform",
                "seconds": round(min(times[label]), 3),
                "median_seconds": round(float(np.median(times[label])), 3),
                "runs": [round(t, 3) for t in times[label]],
                "shape": list(result.shape),
            }
            if sp.issparse(result):
                row["nnz"] = int(result.nnz)
            rows.append(row)
            print(f"{group:>10}  {label:<62} {row['seconds']:7.2f} s  {result.shape}", flush=True)
            if label in transform_times:
                runs = transform_times[label]
                rows.append(
                    {
                        **row,
                        "method": "transform",
                        "seconds": round(min(runs), 3),
                        "median_seconds": round(float(np.median(runs)), 3),
                        "runs": [round(t, 3) for t in runs],
                    }
                )
                print(f"{group:>10}  {label + ' .transform':<62} {min(runs):7.2f} s", flush=True)
        labels = list(fitted)
        if group == "count":
            (_, _), (sk_same, Y), (ours, X) = (fitted[k] for k in labels)
            checks["count_identical_to_CountVectorizer_same_tokens"] = same_counts(
                ours, X, sk_same, Y
            )
        elif group == "tfidf_1_2":
            (_, _), (sk_same, Y), (ours, X) = (fitted[k] for k in labels)
            checks["tfidf_1_2_max_abs_difference"] = max_abs_difference(ours, X, sk_same, Y)
            checks["tfidf_1_2_same_vocabulary"] = set(ours.vocabulary_) == set(sk_same.vocabulary_)
        del fitted, ours
        gc.collect()

    def seconds(group, prefix, method="fit_transform", key="seconds"):
        return next(
            r[key]
            for r in rows
            if r["group"] == group and r["vectorizer"].startswith(prefix) and r["method"] == method
        )

    ratios = {
        "count_vs_CountVectorizer_default": seconds("count", "TextVectorizer")
        / seconds("count", "CountVectorizer()"),
        "count_vs_CountVectorizer_same_tokens": seconds("count", "TextVectorizer")
        / seconds("count", "CountVectorizer [same"),
        "tfidf_1_2_vs_TfidfVectorizer_default": seconds("tfidf_1_2", "TextVectorizer")
        / seconds("tfidf_1_2", "TfidfVectorizer(ngram_range=(1, 2)) [sklearn"),
        "tfidf_1_2_vs_TfidfVectorizer_same_tokens": seconds("tfidf_1_2", "TextVectorizer")
        / seconds("tfidf_1_2", "TfidfVectorizer(ngram_range=(1, 2)) [same"),
    }
    ratios = {k: round(v, 3) for k, v in ratios.items()}
    median = "median_seconds"
    sk_tfidf = "TfidfVectorizer(ngram_range=(1, 2)) [sklearn"
    median_ratios = {
        "count_vs_CountVectorizer_default": seconds("count", "TextVectorizer", key=median)
        / seconds("count", "CountVectorizer()", key=median),
        "count_vs_CountVectorizer_same_tokens": seconds("count", "TextVectorizer", key=median)
        / seconds("count", "CountVectorizer [same", key=median),
        "tfidf_1_2_vs_TfidfVectorizer_default": seconds("tfidf_1_2", "TextVectorizer", key=median)
        / seconds("tfidf_1_2", sk_tfidf, key=median),
    }
    median_ratios = {k: round(v, 3) for k, v in median_ratios.items()}
    report = {
        "benchmark": "bench_text",
        "data": f"IMDB training reviews, first {len(docs)}",
        "loader": loader,
        "repeats": {"count": args.repeats, "tfidf_1_2": args.tfidf_repeats, "int": args.repeats},
        "timing": (
            "best wall time of the rounds (the vectorizers of a task take turns), after a "
            "warm-up run on 200 reviews"
        ),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "load_average_1min_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
        },
        "results": rows,
        "ratios_textvectorizer_over_sklearn": ratios,
        "median_ratios_textvectorizer_over_sklearn": median_ratios,
        "checks": checks,
    }
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_text.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "bench_text.md").write_text(markdown(report))
    print(json.dumps({"ratios": ratios, "checks": checks}, indent=2))
    return report


def markdown(report):
    """The report as a short markdown table."""
    rounds = ", ".join(f"{n} rounds for {task}" for task, n in report["repeats"].items())
    lines = [
        f"### TextVectorizer vs scikit-learn — {report['data']}",
        "",
        f"{report['machine']['cpu_count']} CPU cores, Python {report['machine']['python']}, "
        f"scikit-learn {report['machine']['scikit-learn']}; {report['timing']} "
        f"({rounds}). Load average (1 min) at the start and end of the run: "
        f"{report['machine']['load_average_1min_start_end']} -- other jobs on the "
        "machine inflate the absolute times, compare within a task.",
        "",
        "| task | vectorizer | method | best s | median s | output shape |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in report["results"]:
        shape = " x ".join(map(str, r["shape"]))
        lines.append(
            f"| {r['group']} | `{r['vectorizer']}` | {r['method']} | {r['seconds']:.2f} "
            f"| {r['median_seconds']:.2f} | {shape} |"
        )
    lines += ["", "Ratios (TextVectorizer time / scikit-learn time, fit_transform):", ""]
    lines += [f"- {k}: {v:.2f}x" for k, v in report["ratios_textvectorizer_over_sklearn"].items()]
    lines += ["", "The same with median times:", ""]
    lines += [
        f"- {k}: {v:.2f}x" for k, v in report["median_ratios_textvectorizer_over_sklearn"].items()
    ]
    lines += ["", "Checks:", ""]
    lines += [f"- {k}: {v}" for k, v in report["checks"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
