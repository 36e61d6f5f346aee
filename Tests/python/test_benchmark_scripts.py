"""The committed benchmark and diagnosis scripts (Benchmarks/*.py) import their shared helpers from
each other (`from joint_baselines import lower_tail`). A refactor of one script once removed helpers
five others imported (session 19's joint_es_diagnosis.py rewrite, found in session 23), so those
scripts failed at their first line while nothing said so. This test parses every script (no import,
no run: they need torch, arch and data) and checks that every name imported from a sibling script is
defined, assigned or imported at that script's top level, and that every script compiles."""

import ast
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "Benchmarks"


def _top_level_names(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def test_every_sibling_import_resolves():
    scripts = sorted(BENCHMARKS.glob("*.py"))
    assert len(scripts) > 50, f"expected the benchmark scripts in {BENCHMARKS}"
    trees = {p.stem: ast.parse(p.read_text(), filename=str(p)) for p in scripts}
    defined = {stem: _top_level_names(tree) for stem, tree in trees.items()}
    missing = []
    for stem, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in defined:
                missing += [f"Benchmarks/{stem}.py imports {a.name} from {node.module}.py, which does not define it"
                            for a in node.names if a.name != "*" and a.name not in defined[node.module]]
    assert not missing, "\n".join(missing)
