"""Examples/python/quickstart.ipynb runs: its code cells in order, as a notebook kernel would
(the value of a cell's last expression is rendered with _repr_html_ when it has one)."""

import ast
import json
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[2] / "Examples" / "python" / "quickstart.ipynb"


def test_quickstart_notebook_runs_and_renders():
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]
    namespace: dict = {}
    rendered = []
    for cell in cells:
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, str(NOTEBOOK), "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), str(NOTEBOOK), "eval"), namespace)
            if value is not None:                      # a notebook shows nothing for None
                html = getattr(value, "_repr_html_", None)
                rendered.append(html() if html else repr(value))
    history, paths, prices, result = (namespace[k] for k in ("history", "paths", "prices", "result"))
    assert len(history) == 40 and paths.shape == (250, 200) and prices.shape == (250, 5)
    assert (prices.to_numpy() > 0).all()
    # The history and the evaluation render as HTML tables in the notebook.
    assert len(rendered) == 4                       # history, its frame, prices, the evaluation
    assert rendered[0].startswith("<p>&lt;tgfl.TrainingHistory 40 steps") and "<table" in rendered[0]
    assert "<table" in rendered[-1] and "ks_fair" in rendered[-1]
