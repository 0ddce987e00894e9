"""The README's two commands are what CI and a newcomer run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_demo_and_test_commands():
    demo, tests = _readme_commands()
    assert demo.endswith("python examples/digits_demo.py")
    assert (ROOT / "examples" / "digits_demo.py").is_file()
    assert tests.endswith("python -m pytest -q")


def test_ci_runs_the_readme_test_command():
    _, tests = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests.rsplit("&& ", 1)[1] in ci
    assert "python -m pip install --quiet torch==2.13.0" in ci
