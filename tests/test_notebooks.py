"""notebooks/explore_corpus.ipynb runs top to bottom, headless, against a database built here."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_explore import build_db, build_empty_db  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "explore_corpus.ipynb"


def test_notebook_is_stored_clean():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["language_info"]["name"] == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code), "strip outputs before commit"


def _execute(db: Path, monkeypatch) -> "nbformat.NotebookNode":  # noqa: F821
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("POLICYLENS_DB", str(db))
    # the kernel must be this interpreter (the venv's), whatever kernelspecs the machine has
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError when any cell errors
    return nb


def _text(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", ""))
            data = o.get("data", {})
            out.append(data.get("text/plain", "") + data.get("text/html", ""))
    return "\n".join(out)


@pytest.mark.slow
def test_notebook_runs_on_a_corpus(tmp_path, monkeypatch):
    nb = _execute(build_db(tmp_path / "nb.duckdb"), monkeypatch)
    text = _text(nb)
    assert str(tmp_path / "nb.duckdb") in text  # it used POLICYLENS_DB, not a stray database
    assert "5 documents" in text and "hits for 量子" in text
    assert "image/png" in {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    assert "C1 strategy" in text  # the displaCy rendering
    assert "National Quantum Initiative Act" in text or "关于加快量子科技发展的意见" in text


@pytest.mark.slow
def test_notebook_runs_on_an_empty_database(tmp_path, monkeypatch):
    nb = _execute(build_empty_db(tmp_path / "empty.duckdb"), monkeypatch)
    text = _text(nb)
    assert "0 documents" in text and "no area mentions" in text
