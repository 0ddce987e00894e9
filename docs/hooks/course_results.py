"""mkdocs hook: fill the course-results page from ``benchmarks/results/results_*.json``.

``docs/results.md`` holds lines ``<!-- sknn-results: NAME -->``; at build time each is
replaced by a Markdown table made from the JSON records the example scripts write, so the
page always shows what has been measured and says "not yet reproduced" for the rest. No
figure on that page is typed by hand.

A run counts as a reproduction of a course figure only when it used the course's full
configuration (all training data, the course's sequence length and epochs); shorter runs
are listed as reduced runs, never in place of the figure.
"""

import json
import logging
import re
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.course_results")

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
_MARKER = re.compile(r"^<!-- sknn-results: ([a-z_]+) -->$", re.MULTILINE)
NOT_YET = "**not yet reproduced**"


# ---------------------------------------------------------------- helpers
def _load(name):
    path = RESULTS / name
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        log.warning("course_results: cannot read %s: %s", path, exc)
        return None


def _pct(value):
    return "—" if value is None else f"{100 * float(value):.2f}%"


def _secs(value):
    if value is None:
        return "—"
    value = float(value)
    return f"{value / 60:.1f} min" if value >= 120 else f"{value:.0f} s"


def _machine(record):
    parts = []
    if record.get("device"):
        parts.append(str(record["device"]))
    if record.get("cpu_count"):
        parts.append(f"{record['cpu_count']} CPU cores")
    if record.get("torch_threads"):
        parts.append(f"{record['torch_threads']} torch thread(s)")
    if record.get("torch"):
        parts.append(f"torch {record['torch']}")
    return ", ".join(parts) or "not recorded"


def _n(value):
    return f"{value:,}" if isinstance(value, int) else "?"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _runs(data):
    if isinstance(data, dict) and isinstance(data.get("runs"), list):
        return [r for r in data["runs"] if isinstance(r, dict)]
    return []


# ------------------------------------------------------------- the tables
def _cnn(name, course, command):
    record = _load(name)
    header = ["model", "course (Keras)", "sknn, validation accuracy", "sknn, test split",
              "configuration", "fit time", "machine", "date"]
    if not isinstance(record, dict) or "validation_accuracy" not in record:
        return _table(header, [["course convnet", course, NOT_YET, "—", f"`{command}`",
                                "—", "—", "—"]])
    full = record.get("n_train") == 54000 and record.get("epochs") == 5
    config = (f"{record.get('epochs')} epochs, {_n(record.get('n_train'))} training images, "
              f"{_n(record.get('n_valid'))} held out")
    accuracy = _pct(record["validation_accuracy"])
    if not full:
        accuracy = f"{NOT_YET} (reduced run: {accuracy})"
    test = (_pct(record["test_accuracy"]) if record.get("test_accuracy") is not None
            else f"not measured (`{command} --subset test`)")
    return _table(header, [["course convnet", course, accuracy, test, config,
                            _secs(record.get("fit_s")), _machine(record),
                            record.get("date", "—")]])


def mnist_cnn():
    return _cnn("results_mnist_cnn.json", "about 99% (test split)",
                "python examples/mnist_cnn.py")


def fashion_mnist_cnn():
    return _cnn("results_fashion_mnist_cnn.json", "no course figure",
                "python examples/fashion_mnist_cnn.py")


def _truncating(run):
    # runs recorded before the option existed kept the first words ('post')
    return run.get("config", {}).get("truncating", "post")


def _imdb_config(run):
    config = run.get("config", {})
    kept = "last" if _truncating(run) == "pre" else "first"
    return (f"{_n(run.get('n_train'))} reviews, {kept} {config.get('maxlen', '?')} words, "
            f"vocabulary {_n(config.get('max_tokens'))}, {config.get('epochs', '?')} epochs, "
            f"seed {config.get('seed', '?')}")


def _imdb_full(run):
    config = run.get("config", {})
    return (run.get("n_train") == 20000 and config.get("maxlen") == 500
            and config.get("max_tokens") == 10000 and config.get("epochs", 0) >= 10
            and config.get("hidden") == 32 and config.get("solver", "rmsprop") == "rmsprop")


def _best_of(runs):
    """'last (best epoch)' accuracy of the run whose best epoch is best, and test accuracy."""
    best = max(runs, key=lambda r: r.get("best_val_accuracy") or 0)
    text = (f"{_pct(best.get('final_val_accuracy'))} after the last epoch "
            f"(best epoch {_pct(best.get('best_val_accuracy'))})")
    if len(runs) > 1:
        text += f", best of {len(runs)} runs"
    return text, best


def _mean_of_seeds(runs):
    """Last-epoch and best-epoch accuracy, averaged over runs that differ only by seed."""
    last = [float(r.get("final_val_accuracy") or 0) for r in runs]
    best = [float(r.get("best_val_accuracy") or 0) for r in runs]
    if len(runs) == 1:
        return f"{_pct(last[0])} after the last epoch (best epoch {_pct(best[0])})"
    seeds = ", ".join(str(r.get("config", {}).get("seed", "?")) for r in runs)
    return (f"{_pct(sum(last) / len(last))} after the last epoch "
            f"({', '.join(_pct(v) for v in last)}), best epoch {_pct(sum(best) / len(best))} "
            f"({', '.join(_pct(v) for v in best)}): mean of seeds {seeds}")


def imdb_rnn():
    runs = _runs(_load("results_imdb_rnn.json"))
    command = "python examples/imdb_rnn.py --cell both --epochs 10"
    rows = []
    for cell, model, course in (("rnn", "SimpleRNN(32)", "82%"),
                                ("lstm", "LSTM(32)", "about 89%")):
        row = [model, course]
        for truncating in ("pre", "post"):
            mine = [r for r in runs if r.get("cell") == cell and _truncating(r) == truncating]
            full = [r for r in mine if _imdb_full(r)]
            if full:
                text = _mean_of_seeds(full)
            else:
                text = NOT_YET
                if mine:
                    best = max(mine, key=lambda r: r.get("best_val_accuracy") or 0)
                    text += (f" (reduced run: {_pct(best.get('best_val_accuracy'))}, "
                             f"{_imdb_config(best)})")
            row.append(text)
        tested = [r for r in runs if r.get("cell") == cell and _imdb_full(r)
                  and r.get("test_accuracy") is not None]
        row.append(", ".join(f"{_pct(r['test_accuracy'])} ({_truncating(r)})" for r in tested)
                   or "not measured (`--subset test`)")
        rows.append(row)
    table = _table(["model", "course (Keras), validation",
                    "sknn, last 500 words (`truncating='pre'`, Keras' default)",
                    "sknn, first 500 words (`'post'`)", "sknn, test split"], rows)
    return table + "\n\nFull configuration: `" + command + "` (`--truncating post` for the " \
        "last column).\n\n" + _all_runs(
            runs, lambda r: {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}.get(
                r.get("cell"), str(r.get("cell"))) + f"({r.get('config', {}).get('hidden', '?')})"
            + ("" if r.get("config", {}).get("solver", "rmsprop") == "rmsprop"
               else f", {r['config']['solver']}"),
            _imdb_config)


def _poem_config(run):
    config = run.get("config", {})
    inputs = run.get("input") or ("one-hot characters" if not config.get("embedding_dim")
                                  else f"embedding {config['embedding_dim']}")
    return (f"{_n(run.get('n_train'))} verses, {config.get('epochs', '?')} epochs at most, "
            f"{inputs}")


def _poem_full(run):
    # all training verses: --n-train not given (the validation share has changed over time)
    return run.get("config", {}).get("n_train") is None


def _poem_text(mine, command):
    full = [r for r in mine if _poem_full(r)]
    if full:
        text, best = _best_of(full)
        text += f", {best.get('model', '')}, {_poem_config(best)}"
        if best.get("test_accuracy") is not None:
            text += f"; test split {_pct(best['test_accuracy'])}"
        return text
    text = f"{NOT_YET}: `{command}`"
    if mine:
        best = max(mine, key=lambda r: r.get("best_val_accuracy") or 0)
        text += (f" (reduced run: {_pct(best.get('best_val_accuracy'))}, "
                 f"{best.get('model', '')}, {_poem_config(best)})")
    return text


def poem_meters():
    # the GPU runs of benchmarks/gpu/run_all.sh are in a file of their own
    runs = (_runs(_load("results_poem_meters_bigru.json"))
            + _runs(_load("results_poem_meters_bigru_cuda.json")))
    dense = _runs(_load("results_poem_meters_dense.json"))
    rows = []
    published = {1: "89%", 2: "—", 3: "about 94%", 4: "about 94%", 5: "about 94%", 6: "—"}
    for layers in range(1, 7):
        mine = [r for r in runs if r.get("config", {}).get("layers") == layers]
        command = f"python examples/poem_meters_bigru.py --layers {layers}"
        rows.append([f"{layers} BiGRU layer{'s' if layers > 1 else ''}", published[layers],
                     _poem_text(mine, command)])
    for layers in (2, 3, 4):
        for inputs, flag in (("one-hot", ""), ("counts", " --input counts")):
            mine = [r for r in dense if r.get("config", {}).get("layers") == layers
                    and r.get("config", {}).get("input") == inputs]
            command = f"python examples/poem_meters_dense.py --layers {layers}{flag}"
            rows.append([f"dense network, {layers} layers, {inputs} input",
                         "24–30% (2–4 layers)", _poem_text(mine, command)])
    table = _table(["model", "published (MetRec test split)", "sknn, validation accuracy"],
                   rows)
    return (table + "\n\nEvery recorded BiGRU run:\n\n"
            + _all_runs(runs, lambda r: r.get("model", "?"), _poem_config, intro="")
            + "\n\nEvery recorded dense run:\n\n"
            + _all_runs(dense, lambda r: r.get("model", "?"), _poem_config, intro=""))


def _all_runs(runs, label, config, intro="Every recorded run, reduced ones included:\n\n"):
    if not runs:
        return "No run recorded yet."
    rows = [[label(r), _pct(r.get("final_val_accuracy")), _pct(r.get("best_val_accuracy")),
             _pct(r.get("test_accuracy")), config(r), _secs(r.get("fit_s")), _machine(r),
             r.get("date", "—")]
            for r in runs]
    return intro + _table(["model", "last epoch", "best epoch", "test split", "configuration",
                           "fit time", "machine", "date"], rows)


def recorded_files():
    files = sorted(RESULTS.glob("results_*.json"))
    if not files:
        return "No result file recorded yet."
    return "\n".join(f"- `benchmarks/results/{f.name}`" for f in files)


def gpu_benchmarks():
    """Every table ``benchmarks/gpu/run_all.sh`` wrote (``*_cuda.md``), as it wrote it."""
    files = sorted(RESULTS.glob("*_cuda.md"))
    if not files:
        return ("**No GPU figures measured yet.** The first session with a CUDA machine runs "
                "`benchmarks/gpu/run_all.sh` and commits `benchmarks/results/*_cuda.*`; the "
                "tables then appear here.")
    return "\n\n".join(f.read_text().strip() for f in files)


def transfer_learning():
    """The ants/bees comparison ``examples/transfer_learning.py`` records."""
    data = _load("results_transfer_learning.json")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return ("No run recorded yet: `python examples/transfer_learning.py --json "
                "benchmarks/results/results_transfer_learning.json`.")
    rows = [[r.get("model", "?"), _pct(r.get("val_accuracy")), _secs(r.get("fit_s"))]
            for r in data["results"] if isinstance(r, dict)]
    return (f"{data.get('data', '')}; {_machine(data)}, {data.get('date', '—')}:\n\n"
            + _table(["model", "validation accuracy", "fit time"], rows))


RENDERERS = {
    "transfer_learning": transfer_learning,
    "mnist_cnn": mnist_cnn,
    "fashion_mnist_cnn": fashion_mnist_cnn,
    "imdb_rnn": imdb_rnn,
    "poem_meters": poem_meters,
    "recorded_files": recorded_files,
    "gpu_benchmarks": gpu_benchmarks,
}


# ---------------------------------------------------------------- mkdocs
def on_page_markdown(markdown, page, **kwargs):
    def render(match):
        name = match.group(1)
        if name not in RENDERERS:
            log.warning("course_results: unknown table %r in %s", name, page.file.src_path)
            return match.group(0)
        return RENDERERS[name]()

    return _MARKER.sub(render, markdown)

