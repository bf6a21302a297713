"""The architecture, checked: lib.core imports no paper and no book tooling, lib.book imports no
paper, and no paper subpackage imports another (they share code only through lib.core)."""
import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"
PAPERS = ("offshoring", "migration_mnc", "granular", "foreign_employment")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(LIB.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of every ``lib`` module imported by ``path`` (relative imports resolved)."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)   # `from lib import offshoring`
    return {n for n in out if n == "lib" or n.startswith("lib.")}


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


MODULES = sorted(p for p in LIB.rglob("*.py") if "_data" not in p.parts)


def test_every_module_is_checked():
    assert len(MODULES) > 20


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LIB)))
def test_layering(path):
    here = _layer(_module_name(path))
    imported = {_layer(n) for n in _imports(path)} - {"", here}
    imported = {x for x in imported if x in PAPERS or x in ("core", "book")}
    if here == "core":
        assert not imported, f"lib.core must import no paper and no book tooling; imports {imported}"
    elif here in PAPERS:
        others = imported & set(PAPERS)
        assert not others, f"paper {here} imports paper(s) {others}: share code through lib.core"
    else:   # lib.book and the top-level CLI shims
        papers = imported & set(PAPERS)
        assert not papers, f"{_module_name(path)} (book tooling) imports paper(s) {papers}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LIB)))
def test_no_module_above_600_lines(path):
    rel = str(path.relative_to(LIB))
    assert len(path.read_text().splitlines()) <= 600, f"{rel} is above 600 lines: split it"


def test_one_convergence_error_and_no_plain_runtime_error():
    sources = {p: p.read_text() for p in MODULES}
    defining = [p for p, s in sources.items() if "class ConvergenceError" in s]
    assert [str(p.relative_to(LIB)) for p in defining] == ["core/errors.py"]
    raising = [str(p.relative_to(LIB)) for p, s in sources.items() if "raise RuntimeError" in s]
    assert not raising, f"solvers raise ConvergenceError, set-up errors ValueError: {raising}"
