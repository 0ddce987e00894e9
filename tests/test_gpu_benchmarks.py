"""``benchmarks/gpu/run_all.sh --smoke``: every GPU benchmark end to end, tiny, on the CPU."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu" / "run_all.sh"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_run_all_smoke_writes_every_result_file(data_home, tmp_path):
    env = {**os.environ, "SKNN_DATA": str(data_home), "PYTHON": sys.executable,
           "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(["bash", str(SCRIPT), "--smoke", "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    stems = ["bench_mlp_smoke", "bench_cnn_smoke", "bench_rnn_lstm_smoke",
             "bench_rnn_gru_smoke", "results_poem_meters_bigru_smoke"]
    for stem in stems:
        assert (tmp_path / f"{stem}.json").is_file(), stem
        assert (tmp_path / f"{stem}.md").is_file(), stem
    mlp = json.loads((tmp_path / "bench_mlp_smoke.json").read_text())
    assert set(mlp["summary"]) == {"sknn", "sknn_bf16", "torch_loop", "sklearn"}
    assert all(v["samples_per_s"] > 0 for v in mlp["summary"].values())
    rnn = json.loads((tmp_path / "bench_rnn_gru_smoke.json").read_text())
    assert rnn["config"]["cell"] == "gru"
    poem = json.loads((tmp_path / "results_poem_meters_bigru_smoke.json").read_text())
    assert [(r["model"], r["setting"]) for r in poem["runs"]] == [
        ("1-BiGRU(16)", "32"), ("2-BiGRU(16)", "bf16-mixed")]
    # nothing was written into the repository's own results
    assert not list((ROOT / "benchmarks" / "results").glob("*_smoke*"))
