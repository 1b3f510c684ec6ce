"""The shape grammar: jaxtyping's, with words for axis names.

A shape string is a space-separated list of dims:

- ``batch``: a named dim, bound at its first occurrence and compared everywhere else in the call;
- ``80``: a fixed size; ``mel:80`` a named dim with a fixed size;
- ``_``: any one dim; ``...``: any number of dims; ``*batch``: a named run of dims;
- ``#batch``: a named dim that may also be 1 (broadcasting);
- ``frame-1``, ``time//hop``: a Python arithmetic expression over dims bound earlier (no spaces inside).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from types import CodeType

from ._errors import AnnotationError

__all__ = ["AnyDim", "Dim", "ExprDim", "FixedDim", "NamedDim", "VariadicDim", "parse_shape"]


@dataclass(frozen=True)
class NamedDim:
    name: str
    broadcast: bool = False
    size: int | None = None

    def __str__(self) -> str:
        text = ("#" if self.broadcast else "") + self.name
        return f"{text}:{self.size}" if self.size is not None else text


@dataclass(frozen=True)
class FixedDim:
    size: int

    def __str__(self) -> str:
        return str(self.size)


@dataclass(frozen=True)
class AnyDim:
    def __str__(self) -> str:
        return "_"


@dataclass(frozen=True)
class VariadicDim:
    name: str | None  #: None for ``...``

    def __str__(self) -> str:
        return "..." if self.name is None else f"*{self.name}"


@dataclass(frozen=True)
class ExprDim:
    source: str
    names: tuple[str, ...]
    code: CodeType = field(compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        return self.source

    def evaluate(self, bound: dict[str, int]) -> int:
        return int(eval(self.code, {"__builtins__": {}}, bound))  # noqa: S307 - compiled from a checked AST


Dim = NamedDim | FixedDim | AnyDim | VariadicDim | ExprDim

_ALLOWED_EXPR_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
)


def _bad(shape: str, token: str, why: str) -> AnnotationError:
    return AnnotationError(
        f'shape "{shape}": dim {token!r} {why}. Dims are words (batch, time), sizes (80), name:size (mel:80), '
        f"_ , ..., *name, #name, or arithmetic over earlier dims (frame-1)",
        code="NT102",
    )


def _parse_token(shape: str, token: str) -> Dim:
    if token == "...":
        return VariadicDim(None)
    if token == "_":
        return AnyDim()
    if token.startswith("*"):
        name = token[1:]
        if not name.isidentifier():
            raise _bad(shape, token, "is not *name")
        return VariadicDim(name)
    broadcast = token.startswith("#")
    body = token[1:] if broadcast else token
    if ":" in body:
        name, _, size_text = body.partition(":")
        if not name.isidentifier() or not size_text.isdigit():
            raise _bad(shape, token, "is not name:size")
        return NamedDim(name, broadcast, int(size_text))
    if body.isdigit():
        if broadcast:
            raise _bad(shape, token, "is a size: # applies to names")
        return FixedDim(int(body))
    if body.isidentifier():
        return NamedDim(body, broadcast)
    if broadcast:
        raise _bad(shape, token, "is not #name")
    try:
        tree = ast.parse(token, mode="eval")
    except SyntaxError:
        raise _bad(shape, token, "is not a name, a size or an expression") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_EXPR_NODES) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, int)
        ):
            raise _bad(shape, token, f"uses {type(node).__name__}, which shape expressions do not allow")
    names = tuple(dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)))
    return ExprDim(token, names, compile(tree, f"<shape {token}>", "eval"))


def parse_shape(shape: str) -> tuple[Dim, ...]:
    """Parse a shape string into dims, raising `AnnotationError` (NT102) on a malformed one."""
    if not isinstance(shape, str):
        raise AnnotationError(
            f"the shape must be a string such as \"batch time\", got {shape!r}", code="NT101"
        )
    dims = tuple(_parse_token(shape, token) for token in shape.split())
    variadic = [d for d in dims if isinstance(d, VariadicDim)]
    if len(variadic) > 1:
        raise _bad(shape, " ".join(map(str, variadic)), "repeats a variadic dim: at most one ... or *name per shape")
    return dims
