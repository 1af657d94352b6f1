"""The architecture as a test: imports point one way through the stages, collectors stay apart, modules
stay small.

Stages, lowest first (DESIGN.md "Layout"): model → snapshot → topology → evaluate → questions → report →
cli. A module may import its own stage and the stages below it, plus `flightpath.errors` and the package
root (for `__version__`). Collectors may import only `flightpath.model`, `flightpath.snapshot`,
`flightpath.errors` and the root, and nothing of another collector.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["model", "snapshot", "topology", "evaluate", "questions", "report", "cli"]
COLLECTOR_MAY_IMPORT = {"model", "snapshot", "errors"}
MAX_MODULE_LINES = 420  # "a module past ~400 lines wants splitting"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute flightpath module a file imports (lazy imports inside functions included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "flightpath"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "flightpath":
            if node.module == "flightpath":  # `from flightpath import x`: x may itself be a stage
                out += [(node.lineno, f"flightpath.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, node.module))
    return out


def _core_violations() -> list[str]:
    bad = []
    for path in sorted((ROOT / "flightpath").rglob("*.py")):
        rel = path.relative_to(ROOT / "flightpath")
        if len(rel.parts) == 1:
            continue  # the package root (lazy public facade) and errors.py
        stage = rel.parts[0]
        level = STAGES.index(stage)
        for line, module in _imports(path):
            parts = module.split(".")
            target = parts[1] if len(parts) > 1 else ""
            if target in ("errors", "__version__", ""):
                continue
            if target == "collectors":
                # the CLI's collect commands load a collector lazily; the cache fingerprints their sources
                if stage == "cli" or (stage == "snapshot" and module == "flightpath.collectors"):
                    continue
                bad.append(f"flightpath/{rel.as_posix()}:{line}: {stage} imports {module}")
                continue
            if target not in STAGES:
                bad.append(f"flightpath/{rel.as_posix()}:{line}: imports {module}, which is in no stage")
            elif STAGES.index(target) > level:
                bad.append(f"flightpath/{rel.as_posix()}:{line}: {stage} imports {module}, a later stage")
    return bad


def _collector_violations() -> list[str]:
    bad = []
    for path in sorted((ROOT / "collectors").rglob("*.py")):
        rel = path.relative_to(ROOT / "collectors")
        cloud = rel.parts[0] if len(rel.parts) > 1 else ""
        for line, module in _imports(path):
            parts = module.split(".")
            target = parts[1] if len(parts) > 1 else ""
            if target in ("__version__", ""):
                continue
            if target == "collectors":
                if cloud and len(parts) > 2 and parts[2] == cloud:
                    continue
                bad.append(f"collectors/{rel.as_posix()}:{line}: imports {module}, another collector")
            elif target not in COLLECTOR_MAY_IMPORT:
                bad.append(f"collectors/{rel.as_posix()}:{line}: imports {module}; collectors may import only "
                           f"flightpath.{{{', '.join(sorted(COLLECTOR_MAY_IMPORT))}}}")
    return bad


def test_core_imports_point_down_the_stages() -> None:
    assert _core_violations() == []


def test_collectors_import_only_model_snapshot_errors_and_never_each_other() -> None:
    assert _collector_violations() == []


def test_every_core_module_is_in_a_stage_folder() -> None:
    loose = sorted(p.name for p in (ROOT / "flightpath").glob("*.py") if p.name not in ("__init__.py", "errors.py"))
    assert loose == []
    assert sorted(p.name for p in (ROOT / "flightpath").iterdir() if p.is_dir() and p.name != "__pycache__") == \
        sorted(STAGES)


@pytest.mark.parametrize("folder", ["flightpath", "collectors"])
def test_modules_stay_small(folder: str) -> None:
    big = [f"{p.relative_to(ROOT)}: {n} lines" for p in sorted((ROOT / folder).rglob("*.py"))
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert big == []


def test_the_checker_catches_a_backward_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule above can fail: a model module importing the evaluator is reported."""
    fake = tmp_path / "flightpath" / "model"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from flightpath.evaluate.walker import Walker\n")
    (tmp_path / "collectors" / "gcp").mkdir(parents=True)
    (tmp_path / "collectors" / "gcp" / "bad.py").write_text("from flightpath.collectors.aws import codes\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _core_violations() == ["flightpath/model/bad.py:1: model imports flightpath.evaluate.walker, a later stage"]
    assert _collector_violations() == [
        "collectors/gcp/bad.py:1: imports flightpath.collectors.aws, another collector"]
