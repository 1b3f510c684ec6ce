"""Griffe extension: a ``#:`` comment documents the module attribute it sits above (or beside), as in Sphinx.

The code documents constants so (``#: Axis words that a Lengths argument measures ...`` above ``SEQUENCE_AXES``);
griffe reads only a string literal below an assignment. This gives such an attribute the comment as its docstring,
for the API reference (mkdocs.yml lists it under mkdocstrings' ``extensions``) and for the test that every public
name has one (tests/docs/test_docs_site.py loads it the same way).
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


class CommentDocstrings(griffe.Extension):
    """Fill in the docstring of an attribute that has none from its ``#:`` comment."""

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
