"""Griffe extension: how the API reference reads this project's docstrings.

- A ``#:`` comment documents the module attribute it sits above (or beside), as in Sphinx. The code documents
  constants so (``#: Axis words that a Lengths argument measures ...`` above ``SEQUENCE_AXES``); griffe reads only a
  string literal below an assignment, so such an attribute gets the comment as its docstring.
- Doctest lines (``>>> ...`` and their output) outside a fenced block become a fenced ``pycon`` block; as plain
  Markdown, ``>>>`` would read as three nested quotes.

mkdocs.yml lists it under mkdocstrings' ``extensions``; the test that every public name has a docstring
(tests/docs/test_docs_site.py) loads it the same way.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe


def comment_docstring(lines: list[str], lineno: int) -> str | None:
    """The ``#:`` comment lines right above line `lineno` (1-based), or the ``#:`` comment ending that line."""
    above: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].lstrip().startswith("#:"):
        above.insert(0, lines[index].lstrip()[2:].strip())
        index -= 1
    if above:
        return "\n".join(above)
    _, marker, trailing = lines[lineno - 1].partition("  #: ")
    return trailing.strip() if marker else None


def fence_doctests(text: str) -> str:
    """`text` with each run of doctest lines outside a fence (from ``>>>`` to the next blank line) fenced."""
    out: list[str] = []
    lines = text.split("\n")
    fenced = False
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if stripped.startswith("```"):
            fenced = not fenced
        if fenced or not stripped.startswith(">>>"):
            out.append(line)
            index += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while index < len(lines) and lines[index].strip():
            out.append(lines[index])
            index += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class CommentDocstrings(griffe.Extension):
    """Fill in the docstring of an attribute that has none from its ``#:`` comment; fence doctest lines."""

    def on_instance(self, *, node: ast.AST | griffe.ObjectNode, obj: griffe.Object, agent: Any,
                    **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)

    def on_attribute_instance(self, *, node: ast.AST | griffe.ObjectNode, attr: griffe.Attribute, agent: Any,
                              **kwargs: Any) -> None:
        if attr.docstring is not None or attr.lineno is None or attr.filepath is None:
            return
        try:
            lines = attr.lines_collection[attr.filepath]
        except KeyError:
            return
        text = comment_docstring(lines, attr.lineno)
        if text:
            attr.docstring = griffe.Docstring(text, lineno=attr.lineno, parent=attr)
