"""The documentation site builds cleanly and shows every recorded benchmark."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("material")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
         "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "reference" / "index.html").is_file()
    results = (tmp_path / "site" / "results" / "index.html").read_text()
    assert "sknn-results:" not in results  # every table placeholder was filled


def test_benchmarks_page_includes_every_recorded_table():
    page = (ROOT / "docs" / "benchmarks.md").read_text()
    included = set(re.findall(r'^--8<-- "([^"]+)"$', page, flags=re.MULTILINE))
    recorded = {f"benchmarks/results/{p.name}"
                for p in (ROOT / "benchmarks" / "results").glob("*.md")}
    if "<!-- sknn-results: gpu_benchmarks -->" in page:  # the hook includes them all
        recorded = {name for name in recorded if not name.endswith("_cuda.md")}
    missing = sorted(recorded - included)
    assert not missing, f"add these to docs/benchmarks.md with --8<--: {missing}"


def test_api_page_is_the_contract():
    contract = ROOT.parent / "shared" / "API.md"
    if not contract.is_file():
        pytest.skip("the shared API contract is not beside the repository")
    body = contract.read_text().split("\n", 1)[1]
    assert body in (ROOT / "docs" / "api.md").read_text(), (
        "docs/api.md no longer matches ../shared/API.md: copy the contract again")


def _figures_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("sknn_docs_figures", ROOT / "docs" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_figure_the_docs_show_exists_and_matches_its_json():
    """A figure is up to date when the SHA-256 of each source JSON recorded in the SVG's
    metadata is the file's (file times are not compared: a clone sets them anyhow)."""
    figures = _figures_module()
    shown = {}
    for page in (ROOT / "docs").rglob("*.md"):
        for name in re.findall(r"\]\((?:\.\./)*figures/([^)]+\.svg)\)", page.read_text()):
            shown.setdefault(name, []).append(page.name)
    assert len([n for n, pages in shown.items() if "results.md" in pages]) >= 3
    assert len([n for n, pages in shown.items() if "benchmarks.md" in pages]) >= 2
    assert len([n for n, pages in shown.items() if "getting-started.md" in pages]) >= 1
    unknown = sorted(set(shown) - set(figures.FIGURES))
    assert not unknown, f"add these to FIGURES in docs/figures.py: {unknown}"
    problems = {name: figures.stale(name) for name in shown if figures.stale(name)}
    assert not problems, f"run `python docs/figures.py` and commit docs/figures/: {problems}"


def test_a_changed_json_makes_its_figure_stale(tmp_path, monkeypatch):
    figures = _figures_module()
    svg = ROOT / "docs" / "figures" / "bench_memory.svg"
    recorded = figures.recorded_hashes(svg)
    assert set(recorded) == {"bench_scale.json"} and len(recorded["bench_scale.json"]) == 64
    copy = tmp_path / "results"
    copy.mkdir()
    source = (ROOT / "benchmarks" / "results" / "bench_scale.json").read_text()
    (copy / "bench_scale.json").write_text(source)
    monkeypatch.setattr(figures, "RESULTS", copy)
    assert figures.stale("bench_memory.svg") is None
    (copy / "bench_scale.json").write_text(source.replace("0.35115", "0.35116"))
    assert "bench_scale.json" in figures.stale("bench_memory.svg")
