"""Poem meters (MetRec) with stacked BiGRUs on a GPU: fp32 vs bf16-mixed vs compile, and depth.

Runs ``examples/poem_meters_bigru.py`` (unchanged, called with its flags:
the paper's 3-BiGRU(256) character model, embedding 256, 100 characters, batch
128, ``--epochs`` epochs of Adam, diacritics kept) once per requested
configuration, and writes every record, with the device, precision and compile
setting added, to ``<results-dir>/results_poem_meters_bigru<suffix>.json`` and
a Markdown table beside it.  The example has no ``--device``, ``--precision``
or ``--compile`` flags, so this script passes them to its
``RNNSequenceClassifier`` (``device='auto'`` picks the GPU); the example's own
results file (``results_poem_meters_bigru.json``) is never written.

Configurations: ``LAYERSxPRECISION`` with PRECISION one of ``32``,
``bf16-mixed``, ``compile`` (float32 with ``compile=True``), e.g.
``--runs 3x32,3xbf16-mixed,3xcompile,1x32,2x32,4x32,5x32,6x32``.

The official test split is scored when its file is in the data folder
(``load_poem_meters(subset='test')``); otherwise only the validation accuracy
(10% of the training verses, held out by the estimator's early stopping) is
recorded and the table says so.

    python benchmarks/gpu/poem_meters.py --device cuda --epochs 15 --suffix _cuda
    python benchmarks/gpu/poem_meters.py --device cpu --n-train 300 --epochs 1 \\
        --hidden 16 --embedding-dim 16 --max-length 20 --runs 1x32,1xbf16-mixed   # smoke
"""

import argparse
import functools
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "poem_meters_bigru.py"
PRECISIONS = {"32": {}, "bf16-mixed": {"precision": "bf16-mixed"}, "compile": {"compile": True}}


def _example():
    spec = importlib.util.spec_from_file_location("poem_meters_bigru", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _has_test_split(data_home):
    from sknn.datasets import load_poem_meters

    try:
        load_poem_meters(data_home=data_home, subset="test", download_if_missing=False)
    except Exception:  # no subset parameter yet, or no file: validation accuracy only
        return False
    return True


def run_one(layers, setting, args, test):
    import torch

    example = _example()
    example.RNNSequenceClassifier = functools.partial(
        example.RNNSequenceClassifier, device=args.device, **PRECISIONS[setting])
    argv = ["--layers", str(layers), "--hidden", str(args.hidden),
            "--embedding-dim", str(args.embedding_dim), "--max-length", str(args.max_length),
            "--batch-size", str(args.batch_size), "--epochs", str(args.epochs),
            "--n-iter-no-change", str(args.n_iter_no_change),
            "--data-home", args.data_home, "--no-save"]
    if args.n_train:
        argv += ["--n-train", str(args.n_train)]
    if test:
        argv += ["--subset", "test"]
    if args.threads:
        torch.set_num_threads(args.threads)
    record = example.main(argv)
    record.update(
        setting=setting, device=args.device,
        gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        torch=torch.__version__, cpu_count=os.cpu_count(),
        epoch_s_median=sorted(h["epoch_s"] for h in record["history"])[
            len(record["history"]) // 2],
        command="python examples/poem_meters_bigru.py " + " ".join(
            a for a in argv if a not in ("--no-save",) and a != args.data_home
            and a != "--data-home"))
    return record


def markdown(records, title):
    lines = [f"### {title}", "",
             "| model | setting | best val. acc. | test acc. | epochs | median epoch | fit |",
             "|---|---|---|---|---|---|---|"]
    for r in records:
        test = f"{100 * r['test_accuracy']:.2f}%" if "test_accuracy" in r else "no test split"
        lines.append(
            f"| {r['model']} | {r['setting']} | {100 * r['best_val_accuracy']:.2f}% | {test} "
            f"| {len(r['history'])} | {r['epoch_s_median']:.1f} s | {r['fit_s']:.0f} s |")
    first = records[0] if records else {}
    lines += ["", f"{first.get('date', '')}, {first.get('gpu') or first.get('device')}, "
                  f"torch {first.get('torch')}; paper (3 BiGRU layers, test split): 94.32%"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--runs", default="3x32,3xbf16-mixed,3xcompile,1x32,2x32,4x32,5x32,6x32")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--embedding-dim", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--n-iter-no-change", type=int, default=15,
                        help="patience of early stopping (15: the full --epochs run)")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--data-home", default=os.environ.get(
        "SKNN_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--results-dir", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--suffix", default="_cuda")
    args = parser.parse_args(argv)
    runs = []
    for item in args.runs.split(","):
        layers, setting = item.split("x", 1)
        if setting not in PRECISIONS:
            raise SystemExit(f"unknown setting {setting!r} in {item!r}; use {list(PRECISIONS)}")
        runs.append((int(layers), setting))
    sys.path.insert(0, str(REPO))
    test = _has_test_split(args.data_home)
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"results_poem_meters_bigru{args.suffix}.json"
    records = []
    for layers, setting in runs:
        started = time.perf_counter()
        records.append(run_one(layers, setting, args, test))
        print(f"{layers} layers, {setting}: {time.perf_counter() - started:.0f} s", flush=True)
        # written after every run, so that a run cut short keeps what it measured
        path.write_text(json.dumps({"runs": records}, indent=2) + "\n")
    title = f"Poem meters, stacked BiGRU({args.hidden}) on characters, {args.device}"
    path.with_suffix(".md").write_text(markdown(records, title))
    print(markdown(records, title))


if __name__ == "__main__":
    main()
