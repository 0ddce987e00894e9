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
