"""Shared harness: run contenders in fresh subprocesses, interleaved, and write results.

Each contender is a function ``name(**config) -> dict`` in the calling script.
The harness runs ``python SCRIPT --_child NAME --_config JSON`` once per
contender per round (rounds interleave the contenders, so slow drift of the
machine hits all of them alike), and reads back the JSON the child prints on
its last line.  The child reports its own timings; the harness adds the
child's peak resident memory (``ru_maxrss``) and the training throughput
``samples_per_s`` (``n_train`` over the child's ``epoch_s``, else over
``fit_s`` per epoch).
Results go to ``benchmarks/results/<stem><suffix>.json`` and a Markdown table
to ``<stem><suffix>.md`` (``add_output_args`` gives every script
``--results-dir``, ``--suffix`` and ``--contenders``).
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]


def data_home():
    """``SKNN_DATA`` if set, else the shared data folder beside the repository."""
    return os.environ.get("SKNN_DATA", str(REPO.parent / "shared" / "data"))


def add_output_args(parser, contenders):
    """Add ``--results-dir``, ``--suffix`` and ``--contenders`` to a script's parser."""
    parser.add_argument("--results-dir", default=str(RESULTS),
                        help="where the JSON and Markdown go (default: benchmarks/results)")
    parser.add_argument("--suffix", default="",
                        help="appended to the file names, e.g. '_cuda'")
    parser.add_argument("--contenders", default=None,
                        help="comma-separated subset of: " + ", ".join(contenders))


def select(contenders, names):
    """The contenders named in the comma-separated ``names`` (all when None)."""
    if not names:
        return contenders
    unknown = set(names.split(",")) - set(contenders)
    if unknown:
        raise SystemExit(f"unknown contenders {sorted(unknown)}; pick from {list(contenders)}")
    return {name: contenders[name] for name in names.split(",")}


def child_main(contenders):
    """Entry point inside a child process; returns True if this is a child."""
    if "--_child" not in sys.argv:
        return False
    parser = argparse.ArgumentParser()
    parser.add_argument("--_child")
    parser.add_argument("--_config")
    args, _ = parser.parse_known_args()
    result = contenders[args._child](**json.loads(args._config))
    result["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return True


def run(script, contenders, config, *, rounds, baseline, time_key="fit_s", title="",
        results_dir=None, suffix=""):
    """Run every contender ``rounds`` times, interleaved, and write the results."""
    runs = {name: [] for name in contenders}
    for r in range(rounds):
        for name in contenders:
            cmd = [sys.executable, script, "--_child", name, "--_config", json.dumps(config)]
            started = time.perf_counter()
            out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                                 cwd=REPO, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            record = json.loads(out.stdout.strip().splitlines()[-1])
            record["wall_s"] = time.perf_counter() - started
            if "n_train" in config and record.get("epoch_s"):
                record["samples_per_s"] = config["n_train"] / record["epoch_s"]
            elif "n_train" in config and "epochs" in config and record.get("fit_s"):
                record["samples_per_s"] = config["n_train"] * config["epochs"] / record["fit_s"]
            runs[name].append(record)
            print(f"round {r + 1}/{rounds} {name:>10}: " + ", ".join(
                f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in record.items()), flush=True)
    summary = {}
    base = statistics.median(rec[time_key] for rec in runs[baseline])
    for name, recs in runs.items():
        median = statistics.median(rec[time_key] for rec in recs)
        summary[name] = {
            time_key: median,
            "ratio_to_" + baseline: median / base,
            **{k: statistics.median(rec[k] for rec in recs)
               for k in recs[0] if k not in (time_key, "wall_s")
               and isinstance(recs[0][k], (int, float))},
        }
    try:
        import torch
        torch_version, threads = torch.__version__, torch.get_num_threads()
    except ImportError:  # pragma: no cover
        torch_version, threads = None, None
    payload = {
        "title": title,
        "config": config,
        "rounds": rounds,
        "baseline": baseline,
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch_version, "torch_threads": threads},
        "summary": summary,
        "runs": runs,
        "command": "python " + " ".join([os.path.relpath(script, REPO)] + sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
    }
    try:
        import torch
        if torch.cuda.is_available():
            payload["machine"]["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:  # pragma: no cover
        pass
    out = Path(results_dir) if results_dir else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(script).stem + suffix
    (out / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (out / f"{stem}.md").write_text(markdown(payload, time_key))
    print(markdown(payload, time_key))
    return payload


def markdown(payload, time_key):
    """A Markdown table of the medians, one row per contender."""
    summary = payload["summary"]
    keys = sorted({k for v in summary.values() for k in v})
    gpu = payload["machine"].get("gpu")
    lines = [f"### {payload['title']}", "",
             f"`{payload['command']}` — {payload['date']}, {payload['machine']['cpu_count']} "
             f"CPU cores{', ' + gpu if gpu else ''}, torch {payload['machine']['torch']}, "
             f"median of "
             f"{payload['rounds']} interleaved runs", "",
             "| contender | " + " | ".join(keys) + " |",
             "|---|" + "---|" * len(keys)]
    for name, vals in summary.items():
        cells = [f"{vals[k]:.4g}" if isinstance(vals.get(k), float) else str(vals.get(k, ""))
                 for k in keys]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
