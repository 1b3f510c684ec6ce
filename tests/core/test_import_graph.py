"""The core imports in layers: the module-level import graph of src/neuraltypes has no cycle.

The layers, bottom up: errors, dims, state -> tags (with Void) -> vocabulary -> specs -> checker -> annotations ->
code generator -> contract -> compare, export, the public modules. Imports inside functions and under
``if TYPE_CHECKING:`` do not count: they run after every module is loaded.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "neuraltypes"
LAYERS = ["_errors", "_dims", "_state", "_tags", "_vocabulary", "_spec", "_check", "_annotations", "_codegen",
          "_contract"]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports a module runs when it is loaded: its body, and the bodies of its top-level if/try/with blocks,
    except ``if TYPE_CHECKING:`` (whose ``else`` does run)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                found.append(statement)
            elif isinstance(statement, ast.If):
                if not _is_type_checking(statement.test):
                    visit(statement.body)
                visit(statement.orelse)
            elif isinstance(statement, ast.Try):
                visit(statement.body)
                for handler in statement.handlers:
                    visit(handler.body)
                visit(statement.orelse)
                visit(statement.finalbody)
            elif isinstance(statement, ast.With):
                visit(statement.body)

    visit(tree.body)
    return found


def all_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import of a module, those inside functions included (not those under ``if TYPE_CHECKING:``)."""
    hidden = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
              for statement in block.body for node in ast.walk(statement)}
    return [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in hidden]


def import_graph(root: Path, *, deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports at module level (relative and absolute imports); with
    `deferred`, also those it imports inside functions."""
    package = root.name
    modules = {module_name(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), str(path))
        for node in all_imports(tree) if deferred else module_level_imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    stem = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    stem = node.module or ""
                # `from . import tags` imports the submodule; `from ._tags import Tag` imports the module _tags
                targets = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
            for target in targets:
                if target.split(".")[0] != package:
                    continue
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that ends where it starts, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_layered_graph() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_reader_sees_module_level_imports_only(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("from . import _a\n")
    (root / "_a.py").write_text(
        "from typing import TYPE_CHECKING\nfrom ._b import thing\nif TYPE_CHECKING:\n    from ._c import other\n"
        "def late():\n    from ._c import other\n"
    )
    (root / "_b.py").write_text("import pkg._a\n")
    (root / "_c.py").write_text("")
    graph = import_graph(root)
    assert graph == {"pkg": {"pkg._a"}, "pkg._a": {"pkg._b"}, "pkg._b": {"pkg._a"}, "pkg._c": set()}
    assert find_cycle(graph) == ["pkg._a", "pkg._b", "pkg._a"]


def test_the_core_import_graph_has_no_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert "neuraltypes._contract" in graph and graph["neuraltypes._contract"], "the graph reader found nothing"
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


#: The one import that reaches up, inside a function: subscripting a tag builds an annotation, which carries the
#: checker. The function runs only once the package is loaded.
DEFERRED_UPWARD = {("neuraltypes._tags", "neuraltypes._annotations")}


@pytest.mark.parametrize("lower,upper", list(zip(LAYERS, LAYERS[1:], strict=False)))
def test_a_layer_never_imports_the_layers_above_it(lower: str, upper: str) -> None:
    """Not even inside a function (those imports would hide a cycle), except the deferred ones named above."""
    graph = import_graph(PACKAGE, deferred=True)
    above = {f"neuraltypes.{name}" for name in LAYERS[LAYERS.index(upper):]}
    module = f"neuraltypes.{lower}"
    assert {(module, target) for target in graph[module] & above} <= DEFERRED_UPWARD


def test_imports_inside_functions_close_no_cycle_either_but_the_named_one() -> None:
    graph = import_graph(PACKAGE, deferred=True)
    for module, target in DEFERRED_UPWARD:
        graph[module].discard(target)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"
