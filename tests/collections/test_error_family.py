"""Every error the collections raise on purpose belongs to the one family (issue 13, item 4).

A ``raise ValueError(...)`` (or another builtin class) is invisible to ``except NeuralTypesError``, has no
stable code and no docs section, and the CLI prints it with its class name instead of one clean line. This
test parses every module under ``src/collections`` and fails for a ``raise`` of a builtin exception class
outside ``ALLOWED`` below; raise ``ConfigError``, ``InputError``, ``ManifestError``, ``AudioError``,
``ArchiveError``, ``WeightsMismatchError`` or ``ModelNotAvailableError`` instead (all in
``neuraltypes_collections.common._errors``, documented in ``docs/models.md``, "Errors"). Re-raises
(``raise``, ``raise error``), ``NotImplementedError`` and ``StopIteration`` are not builtin-class raises here.
"""

from __future__ import annotations

import ast
from pathlib import Path

COLLECTIONS = Path(__file__).resolve().parents[2] / "src" / "collections"

#: The builtin classes a deliberate error must not be raised as.
BUILTINS = frozenset(
    {
        "ValueError",
        "KeyError",
        "RuntimeError",
        "TypeError",
        "ImportError",
        "ModuleNotFoundError",
        "LookupError",
        "IndexError",
        "OSError",
        "FileNotFoundError",
    }
)


#: ``path (relative to src/collections):function qualname`` -> why it still raises a builtin class.
#: Keep a reason on every line; an entry that no longer matches a raise fails `test_allow_list_is_current`.
ALLOWED: dict[str, str] = {
    "neuraltypes_collections/asr/speaker/_diarize.py:diarize": "an unknown keyword is Python's own TypeError, "
    "as from an explicit signature: diarize takes the window keywords as **options and passes them on",
    "neuraltypes_collections/common/_verbs.py:audio_call": "an unknown keyword is Python's own TypeError (same "
    "text), as from the explicit signatures the audio verbs had: they take the shared keywords as **options",
}


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.scope: list[str] = []
        self.found: list[tuple[str, str, int]] = []

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def visit_Raise(self, node: ast.Raise) -> None:
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(raised, ast.Name) and raised.id in BUILTINS:
            self.found.append((".".join(self.scope) or "<module>", raised.id, node.lineno))
        self.generic_visit(node)


def builtin_raises(source: str) -> list[tuple[str, str, int]]:
    """``(function qualname, exception class, line)`` for each ``raise`` of a builtin class in `source`."""
    finder = _Finder()
    finder.visit(ast.parse(source))
    return finder.found


def _all_raises() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(COLLECTIONS.rglob("*.py")):
        relative = path.relative_to(COLLECTIONS).as_posix()
        for function, exception, line in builtin_raises(path.read_text(encoding="utf-8")):
            found.setdefault(f"{relative}:{function}", []).append(f"{relative}:{line}: raise {exception}")
    return found


def test_finder_sees_builtin_raises() -> None:
    source = """
class Config:
    def __post_init__(self):
        if self.size < 1:
            raise ValueError(f"Config: size must be >= 1, got {self.size}")

def load(path):
    try:
        import optional_package
    except ImportError as error:
        raise ModuleNotFoundError("pip install optional-package") from error
    raise KeyError
"""
    assert builtin_raises(source) == [
        ("Config.__post_init__", "ValueError", 5),
        ("load", "ModuleNotFoundError", 11),
        ("load", "KeyError", 12),
    ]


def test_finder_ignores_the_family_and_re_raises() -> None:
    source = """
def parse(text):
    try:
        return int(text)
    except ValueError as error:
        if text:
            raise
        raise error
    raise InputError("parse: text is empty")

def later():
    raise NotImplementedError
"""
    assert builtin_raises(source) == []


def test_collections_raise_only_the_error_family() -> None:
    offending = [line for key, lines in _all_raises().items() if key not in ALLOWED for line in lines]
    assert not offending, (
        "raise an error of the family (neuraltypes_collections.common._errors, docs/models.md 'Errors') instead "
        "of a builtin class, or add 'path:function' with a reason to ALLOWED:\n  " + "\n  ".join(offending)
    )


def test_allow_list_is_current() -> None:
    stale = sorted(set(ALLOWED) - set(_all_raises()))
    assert not stale, f"these ALLOWED entries raise no builtin class any more; remove them: {stale}"


def test_allow_list_entries_have_a_reason() -> None:
    assert all(reason.strip() for reason in ALLOWED.values()), "every ALLOWED entry needs a reason"
