"""Draw the docs' figures from the measured records in benchmarks/results/*.json.

    python docs/figures.py            # (re)draws every figure into docs/figures/*.svg
    python docs/figures.py --check    # only says which figures are missing or stale

Each figure is one entry of ``FIGURES``: the SVG's name, the JSON files it is
drawn from, and a function ``draw(ax, records)`` that gets one matplotlib
axes and the loaded records (``None`` for a file not recorded yet).  Adding a
figure is adding an entry.  Each SVG records, in its metadata, the SHA-256
of every source JSON (``sknn-sources: name=hash ...``); ``--check`` and
tests/test_docs.py compare them with the files, so a figure whose JSON was
re-measured reads as stale whatever the file times say.

Nothing is invented: a curve is drawn only from per-epoch values a record
holds, and a missing value is left out of the figure.
"""

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIGURES_DIR = ROOT / "docs" / "figures"
_SOURCES = re.compile(r"sknn-sources: ([^<]*)")


# ------------------------------------------------------------------ helpers
def _runs(record):
    if isinstance(record, dict) and isinstance(record.get("runs"), list):
        return [r for r in record["runs"] if isinstance(r, dict)]
    return []


def _history(run, key):
    epochs = [h.get("epoch") for h in run.get("history", []) if h.get(key) is not None]
    values = [h[key] for h in run.get("history", []) if h.get(key) is not None]
    return epochs, values


def _percent_axis(ax):
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")


def _summary(record, key):
    return (record or {}).get("summary", {}).get(key) or {}


# ------------------------------------------------------------ results page
def mnist_cnn_loss(ax, records):
    """Training loss per epoch of the course convnet (the records hold no per-epoch
    validation accuracy, only the final one)."""
    for name, label in (("results_mnist_cnn.json", "MNIST"),
                        ("results_fashion_mnist_cnn.json", "Fashion-MNIST, same padding, RMSprop"),
                        ("results_fashion_mnist_cnn_adam.json",
                         "Fashion-MNIST, same padding, Adam"),
                        ("results_fashion_mnist_cnn_valid_padding.json",
                         "Fashion-MNIST, valid padding")):
        record = records.get(name)
        if not record or not record.get("train_loss"):
            continue
        loss = record["train_loss"]
        final = record.get("validation_accuracy")
        suffix = f" (validation {100 * final:.2f}% after the last epoch)" if final else ""
        ax.plot(range(1, len(loss) + 1), loss, marker="o", label=label + suffix)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("Course convnet: training loss per epoch")
    ax.set_xticks(range(1, 6))
    ax.legend(fontsize=7, loc="upper right")


def _run_label_imdb(run):
    config = run.get("config", {})
    cell = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}.get(run.get("cell"), run.get("cell"))
    return (f"{cell}({config.get('hidden', '?')}), {run.get('n_train', '?')} reviews, "
            f"{config.get('maxlen', '?')} words, {config.get('truncating', 'post')}, "
            f"seed {config.get('seed', '?')}")


def imdb_rnn_curves(ax, records):
    """Validation accuracy per epoch of every recorded IMDB run, beside the course's."""
    runs = [r for r in _runs(records.get("results_imdb_rnn.json")) if r.get("history")]
    colors = {"rnn": "tab:blue", "lstm": "tab:orange", "gru": "tab:green"}
    for run in runs:
        epochs, acc = _history(run, "val_accuracy")
        full = run.get("n_train") == 20000 and run.get("config", {}).get("maxlen") == 500
        ax.plot(epochs, acc, color=colors.get(run.get("cell"), "gray"),
                linestyle="-" if full else ":", marker="." if full else None,
                alpha=1.0 if full else 0.6, label=_run_label_imdb(run))
    ax.axhline(0.82, color="tab:blue", linestyle="--", linewidth=1)
    ax.axhline(0.89, color="tab:orange", linestyle="--", linewidth=1)
    ax.text(1, 0.822, "course SimpleRNN 82%", fontsize=7, color="tab:blue")
    ax.text(1, 0.892, "course LSTM about 89%", fontsize=7, color="tab:orange")
    _percent_axis(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title("IMDB: validation accuracy per epoch (dotted: reduced runs)")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def poem_meters_curves(ax, records):
    """Validation accuracy per epoch of the BiGRU and dense poem-meter runs."""
    runs = (_runs(records.get("results_poem_meters_bigru.json"))
            + _runs(records.get("results_poem_meters_bigru_cuda.json")))
    for run in runs:
        epochs, acc = _history(run, "val_accuracy")
        if epochs:
            ax.plot(epochs, acc, marker=".", label=run.get("model", "BiGRU"))
    for run in _runs(records.get("results_poem_meters_dense.json")):
        epochs, acc = _history(run, "val_accuracy")
        if epochs:
            ax.plot(epochs, acc, color="gray", linestyle=":", linewidth=1,
                    label=f"{run.get('model', 'dense')}, {run.get('config', {}).get('input')}")
    ax.axhline(0.9432, color="black", linestyle="--", linewidth=1)
    ax.text(1, 0.95, "paper's best, 3-BiGRU 94.32% (test split)", fontsize=7)
    _percent_axis(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Poem meters: validation accuracy per epoch")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _imdb_full(run):
    """The course's configuration (as docs/hooks/course_results.py counts it)."""
    config = run.get("config", {})
    return (run.get("n_train") == 20000 and config.get("maxlen") == 500
            and config.get("max_tokens") == 10000 and config.get("epochs", 0) >= 10)


def _poem_full(run):
    return run.get("config", {}).get("n_train") is None


def _best_row(runs, reference, full):
    """(best validation accuracy, reference, whether a full run gave it); full runs first."""
    scored = [r for r in runs if r.get("best_val_accuracy") is not None]
    complete = [r for r in scored if full(r)]
    pool = complete or scored
    best = max((r["best_val_accuracy"] for r in pool), default=None)
    return best, reference, bool(complete)


def accuracy_vs_course(ax, records):
    """sknn's best recorded validation accuracy beside the course's and the paper's."""
    rows = []  # (label, sknn, reference, full configuration)
    mnist = records.get("results_mnist_cnn.json") or {}
    rows.append(("MNIST convnet", mnist.get("validation_accuracy"), 0.99,
                 mnist.get("n_train") == 54000 and mnist.get("epochs") == 5))
    imdb = _runs(records.get("results_imdb_rnn.json"))
    for cell, label, course in (("rnn", "IMDB SimpleRNN(32)", 0.82),
                                ("lstm", "IMDB LSTM(32)", 0.89)):
        rows.append((label,) + _best_row(
            [r for r in imdb if r.get("cell") == cell], course, _imdb_full))
    bigru = (_runs(records.get("results_poem_meters_bigru.json"))
             + _runs(records.get("results_poem_meters_bigru_cuda.json")))
    for layers, reference in ((1, 0.8908), (3, 0.9432)):
        rows.append((f"poem meters {layers}-BiGRU",) + _best_row(
            [r for r in bigru if r.get("config", {}).get("layers") == layers], reference,
            _poem_full))
    rows.append(("poem meters dense",) + _best_row(
        _runs(records.get("results_poem_meters_dense.json")), 0.30, _poem_full))
    y = range(len(rows))
    ax.barh([i + 0.2 for i in y], [r[2] for r in rows], height=0.4, color="lightgray",
            label="course / paper (dense: the top of 24-30%)")
    ax.barh([i - 0.2 for i in y], [r[1] or 0 for r in rows], height=0.4, color="tab:blue",
            label="sknn, best recorded epoch (validation split)")
    for i, row in enumerate(rows):
        text = "not recorded" if row[1] is None else f"{100 * row[1]:.1f}%"
        if row[1] is not None and not row[3]:
            text += " (reduced run)"
        ax.text((row[1] or 0) + 0.01, i - 0.2, text, va="center", fontsize=7)
        ax.text(row[2] + 0.01, i + 0.2, f"{100 * row[2]:.1f}%", va="center", fontsize=7)
    ax.set_yticks(list(y), [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.set_title("Accuracy: sknn against the course and the paper")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)


# --------------------------------------------------------- benchmarks page
def _ratio(record, ours, theirs, key):
    a, b = _summary(record, ours).get(key), _summary(record, theirs).get(key)
    return a / b if a and b else None


# (label, file pinned to one thread, file on the default threads or None, ours, theirs, key)
TIME_RATIOS = [
    ("digits grid search, n_jobs=1 / scikit-learn", "bench_gridsearch.json", None,
     "grid_j1_sknn", "grid_j1_sklearn", "fit_s"),
    ("digits grid search, n_jobs=2 / scikit-learn", "bench_gridsearch.json", None,
     "grid_j2_sknn", "grid_j2_sklearn", "fit_s"),
    ("grid search on threads / scikit-learn's processes", "bench_gridsearch.json", None,
     "grid_j2threads_sknn", "grid_j2_sklearn", "fit_s"),
    ("MNIST MLP epoch / scikit-learn", "bench_gridsearch.json", None,
     "mnist_sknn", "mnist_sklearn", "epoch_s"),
    ("MNIST MLP epoch / PyTorch loop", "bench_gridsearch.json", None,
     "mnist_sknn", "mnist_torch_loop", "epoch_s"),
    ("course convnet epoch / PyTorch loop", "bench_cnn.json", "bench_cnn_default_threads.json",
     "sknn", "torch_loop", "epoch_s"),
    ("LSTM(32) IMDB epoch / packed PyTorch loop", "bench_rnn_threads1.json", "bench_rnn.json",
     "sknn", "torch_packed", "epoch_s"),
    ("LSTM(32) IMDB epoch / padded PyTorch loop", "bench_rnn_threads1.json", "bench_rnn.json",
     "sknn", "torch_padded", "epoch_s"),
]


def _threads(record):
    threads = (record or {}).get("config", {}).get("threads")
    return threads if threads else None


def time_ratios(ax, records):
    """sknn's time over the reference's: below 1, sknn is faster."""
    labels, pinned, default = [], [], []
    for label, pin, dflt, ours, theirs, key in TIME_RATIOS:
        labels.append(label)
        pin_record = records.get(pin)
        pinned.append(_ratio(pin_record, ours, theirs, key) if _threads(pin_record) else None)
        dflt_record = records.get(dflt) if dflt else None
        default.append(_ratio(dflt_record, ours, theirs, key) if dflt_record else None)
    y = range(len(labels))
    ax.barh([i - 0.2 for i in y], [v or 0 for v in pinned], height=0.4, color="tab:blue",
            label="pinned to 1 thread")
    ax.barh([i + 0.2 for i in y], [v or 0 for v in default], height=0.4, color="tab:orange",
            label="default threads (2 cores)")
    for i, (p, d) in enumerate(zip(pinned, default)):
        if p:
            ax.text(p + 0.02, i - 0.2, f"{p:.2f}x", va="center", fontsize=7)
        if d:
            ax.text(d + 0.02, i + 0.2, f"{d:.2f}x", va="center", fontsize=7)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("sknn's time / the reference's (below 1: sknn faster)")
    ax.set_title("Time against scikit-learn and a PyTorch loop (CPU)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)


def memory_vs_sklearn(ax, records):
    """Extra peak memory of one fit epoch, in % of X, sknn beside scikit-learn."""
    summary = (records.get("bench_scale.json") or {}).get("summary", {})
    cases = sorted({key.split("/", 1)[1] for key in summary},
                   key=lambda k: (k.split("/")[0], k.split("/")[1], int(k.split("/")[2])))
    labels = []
    for i, case in enumerate(cases):
        data, source, rows = case.split("/")
        labels.append(f"{'100' if data == 'synthetic100' else '784'} features, "
                      f"{int(rows):,} rows, {source}")
        for offset, who, color in ((-0.2, "sknn", "tab:blue"), (0.2, "sklearn", "lightgray")):
            value = summary.get(f"{who}/{case}", {}).get("extra_peak_pct_of_X")
            if value is not None:
                ax.barh(i + offset, value, height=0.4, color=color,
                        label={"sknn": "sknn", "sklearn": "scikit-learn"}[who] if i == 0 else None)
                ax.text(value + 0.5, i + offset, f"{value:.1f}%", va="center", fontsize=6)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("extra peak memory during fit, % of the size of X")
    ax.set_title("Memory: one epoch of an MLP (100 hidden units), 1 thread")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)


# ---------------------------------------------------- getting-started page
def digits_demo_curve(ax, records):
    """The digits demo's learning curves: training loss and validation accuracy."""
    record = records.get("results_digits_demo.json") or {}
    right = ax.twinx()
    for (name, est), color in zip(record.get("estimators", {}).items(),
                                  ("gray", "tab:blue")):
        loss, scores = est.get("loss_curve") or [], est.get("validation_scores") or []
        ax.plot(range(1, len(loss) + 1), loss, color=color, label=f"{name}: training loss")
        right.plot(range(1, len(scores) + 1), scores, color=color, linestyle="--",
                   label=f"{name}: validation accuracy")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    right.set_ylabel("validation accuracy")
    _percent_axis(right)
    ax.set_title("Digits demo: learning curves (early stopping)")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=7,
              loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)


# ------------------------------------------------------------------- table
# name -> (source JSONs under benchmarks/results, draw function, figure size in inches)
FIGURES = {
    "mnist_cnn_loss.svg": (["results_mnist_cnn.json", "results_fashion_mnist_cnn.json",
                            "results_fashion_mnist_cnn_adam.json",
                            "results_fashion_mnist_cnn_valid_padding.json"],
                           mnist_cnn_loss, (7, 3.6)),
    "imdb_rnn_curves.svg": (["results_imdb_rnn.json"], imdb_rnn_curves, (9, 4.2)),
    "poem_meters_curves.svg": (["results_poem_meters_bigru.json",
                                "results_poem_meters_bigru_cuda.json",
                                "results_poem_meters_dense.json"],
                               poem_meters_curves, (9, 4.2)),
    "accuracy_vs_course.svg": (["results_mnist_cnn.json", "results_imdb_rnn.json",
                                "results_poem_meters_bigru.json",
                                "results_poem_meters_bigru_cuda.json",
                                "results_poem_meters_dense.json"],
                               accuracy_vs_course, (7, 3.6)),
    "bench_time_ratios.svg": (sorted({f for row in TIME_RATIOS for f in row[1:3] if f}),
                              time_ratios, (7, 4.2)),
    "bench_memory.svg": (["bench_scale.json"], memory_vs_sklearn, (7, 5)),
    "digits_demo_curve.svg": (["results_digits_demo.json"], digits_demo_curve, (7, 3.4)),
}


# -------------------------------------------------------------- machinery
def source_hashes(sources):
    """``{name: sha256 or 'absent'}`` of the source JSONs as they are now."""
    out = {}
    for name in sources:
        path = RESULTS / name
        out[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"
    return out


def recorded_hashes(svg):
    """The source hashes an SVG was drawn from (``{}`` when it has none)."""
    match = _SOURCES.search(Path(svg).read_text())
    if not match:
        return {}
    return dict(item.split("=", 1) for item in match.group(1).split())


def stale(name):
    """Why figure ``name`` must be redrawn, or None when it is up to date."""
    svg = FIGURES_DIR / name
    if not svg.is_file():
        return "missing"
    sources = FIGURES[name][0]
    if recorded_hashes(svg) != source_hashes(sources):
        return "drawn from other versions of " + ", ".join(sources)
    return None


def _load(sources):
    records = {}
    for name in sources:
        path = RESULTS / name
        records[name] = json.loads(path.read_text()) if path.is_file() else None
    return records


def draw(name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sources, function, size = FIGURES[name]
    hashes = source_hashes(sources)
    with plt.rc_context({"svg.hashsalt": name, "svg.fonttype": "none",
                         "axes.spines.top": False, "axes.spines.right": False}):
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        function(ax, _load(sources))
        FIGURES_DIR.mkdir(parents=True, exist_ok=True)
        description = "sknn-sources: " + " ".join(f"{k}={v}" for k, v in sorted(hashes.items()))
        fig.savefig(FIGURES_DIR / name, format="svg",
                    metadata={"Date": None, "Creator": "docs/figures.py",
                              "Description": description})
        plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="draw nothing; exit 1 if a figure is missing or stale")
    parser.add_argument("names", nargs="*", help="figures to draw (default: all)")
    args = parser.parse_args(argv)
    names = args.names or list(FIGURES)
    if args.check:
        problems = {n: stale(n) for n in names if stale(n)}
        for name, why in problems.items():
            print(f"{name}: {why}")
        return 1 if problems else 0
    for name in names:
        draw(name)
        print(f"docs/figures/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
