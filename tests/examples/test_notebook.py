"""The example notebook runs top to bottom in a real Jupyter kernel (nbclient), offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import simuser

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook_runs_in_a_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel is a child process: give it this checkout's simuser (the kernelspec's "python" is resolved
    # by jupyter_client to the interpreter running this test).
    source_root = str(Path(simuser.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, startup_timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell (the notebook asserts its results)

    first = notebook.cells[1].outputs
    html = [o for o in first if o.get("output_type") == "execute_result" and "text/html" in o.get("data", {})]
    assert html and "simuser run" in html[0]["data"]["text/html"] and "max_turns" in html[0]["data"]["text/html"]
    last = notebook.cells[-1].outputs[0]["data"]["text/plain"]
    assert "pace" in last and "intent_decomposition" in last
