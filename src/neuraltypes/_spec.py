"""Specs: what one tensor must be (`TensorSpec`), the nodes that arrange specs into a parameter's structure, and the
two walks every consumer shares: `tensor_specs` over a node, `axis_places` over a shape's dims.

Annotations are read into these in `_annotations`; the checker, the code generator, `compare` and the test
strategies all read them from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from ._dims import Dim, NamedDim, VariadicDim
from ._errors import AnnotationError
from ._tags import BOOL, FLOATING, INTEGER, Tag

__all__ = [
    "Attr",
    "ListNode",
    "Node",
    "OptionalNode",
    "Params",
    "TensorNode",
    "TensorSpec",
    "TupleNode",
    "attr",
    "axis_places",
    "dtype_names",
    "map_specs",
    "params",
    "pin_axes",
    "rank_fits",
    "tensor_specs",
]


@dataclass(frozen=True)
class Attr:
    """A tag parameter read from the module (the first argument) at call time; see `attr`."""

    name: str

    def __repr__(self) -> str:
        return f"attr({self.name!r})"


def attr(name: str) -> Any:
    """Use the value of ``self.<name>`` as a tag parameter: ``AudioSignal[Tensor, "batch time", attr("sample_rate")]``.

    The contract then follows the module's configuration (a 22.05 kHz vocoder and a 16 kHz one share one class).
    """
    if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
        raise AnnotationError(f"attr() takes an attribute name such as 'sample_rate', got {name!r}", code="NT103")
    return Attr(name)


@dataclass(frozen=True)
class Params:
    """Keyword tag parameters inside an annotation; see `params`."""

    values: tuple[tuple[str, Any], ...]


def params(**values: Any) -> Any:
    """Tag parameters by name: ``MelSpectrogram[Tensor, "batch mel frame", params(sample_rate=22050, n_mels=80)]``."""
    return Params(tuple(values.items()))


def dtype_names(dtypes: frozenset[torch.dtype] | None) -> str:
    """'float' for every floating dtype, 'int' for every integer one, else the names joined by '|'."""
    if dtypes is None:
        return "any"
    named = {FLOATING: "float", INTEGER: "int", BOOL: "bool", FLOATING | INTEGER: "float|int"}
    return named.get(dtypes) or "|".join(sorted(str(d).removeprefix("torch.") for d in dtypes))


@dataclass(frozen=True)
class TensorSpec:
    """What one tensor must be: dtypes (None = any), dims and tag (whose parameters may be `attr` references)."""

    tag: Tag
    dims: tuple[Dim, ...]
    shape: str
    dtypes: frozenset[torch.dtype] | None

    @property
    def has_attrs(self) -> bool:
        return any(isinstance(v, Attr) for v in self.tag._values)

    def resolve(self, owner: object) -> TensorSpec:
        """This spec with `attr` parameters read from `owner`."""
        if not self.has_attrs:
            return self
        values = [_read_attr(owner, v) if isinstance(v, Attr) else v for v in self.tag._values]
        meaning = type(self.tag)(*values)
        return TensorSpec(meaning, pin_axes(self.dims, meaning), self.shape, self.dtypes)

    def __str__(self) -> str:
        extras = "".join(f", {k}={v!r}" for k, v in self.tag.params.items() if v is not None)
        return f'{type(self.tag).__name__}[Tensor, "{self.shape}"{extras}]'

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": type(self.tag).__name__,
            "params": {k: (repr(v) if isinstance(v, Attr) else v) for k, v in self.tag.params.items()},
            "shape": self.shape,
            "dtypes": None if self.dtypes is None else sorted(str(d).removeprefix("torch.") for d in self.dtypes),
        }


def pin_axes(dims: tuple[Dim, ...], meaning: Tag) -> tuple[Dim, ...]:
    """Give the axes named by the tag's `axis_params` the size its parameters set (``n_mels=80`` -> ``mel:80``)."""
    sizes = {axis: meaning.params[p] for p, axis in type(meaning).axis_params.items()}
    sizes = {axis: size for axis, size in sizes.items() if isinstance(size, int)}
    if not sizes:
        return dims
    return tuple(
        NamedDim(d.name, d.broadcast, sizes[d.name]) if isinstance(d, NamedDim) and d.size is None and d.name in sizes
        else d
        for d in dims
    )


def _read_attr(owner: object, ref: Attr) -> Any:
    value: Any = owner
    try:
        for part in ref.name.split("."):
            value = getattr(value, part)
    except AttributeError:
        raise AnnotationError(
            f"{type(owner).__name__} has no attribute {ref.name!r}, which a neural-type annotation reads "
            f"with {ref!r}; set it in __init__",
            code="NT105",
        ) from None
    return value


# --- nodes: the checkable structure of one parameter or return annotation ---------------------------------------


@dataclass(frozen=True)
class TensorNode:
    spec: TensorSpec


@dataclass(frozen=True)
class OptionalNode:
    inner: Node


@dataclass(frozen=True)
class TupleNode:
    items: tuple[Node | None, ...]
    names: tuple[str, ...] | None = None  #: NamedTuple field names
    cls: type | None = None  #: the NamedTuple class, if any


@dataclass(frozen=True)
class ListNode:
    item: Node
    container: type  #: list or tuple (``tuple[X, ...]``) or Sequence


Node = TensorNode | OptionalNode | TupleNode | ListNode


def tensor_specs(node: Node, path: str, *, lists: bool = True) -> Iterator[tuple[str, TensorSpec]]:
    """Every tensor spec in `node`, with the path the checker names it by (``lengths``, ``return[1]``,
    ``return.lengths``). The item of a list is ``path[*]``; with ``lists=False`` lists are skipped (their tensors have
    no fixed place)."""
    if isinstance(node, TensorNode):
        yield path, node.spec
    elif isinstance(node, OptionalNode):
        yield from tensor_specs(node.inner, path, lists=lists)
    elif isinstance(node, ListNode):
        if lists:
            yield from tensor_specs(node.item, f"{path}[*]", lists=lists)
    else:
        for i, item in enumerate(node.items):
            if item is not None:
                where = f"{path}.{node.names[i]}" if node.names else f"{path}[{i}]"
                yield from tensor_specs(item, where, lists=lists)


def map_specs(node: Node, change: Callable[[TensorSpec], TensorSpec]) -> Node:
    """`node` with each tensor spec replaced by ``change(spec)``, its structure kept."""
    if isinstance(node, TensorNode):
        new = change(node.spec)
        return node if new is node.spec else TensorNode(new)
    if isinstance(node, OptionalNode):
        return OptionalNode(map_specs(node.inner, change))
    if isinstance(node, ListNode):
        return ListNode(map_specs(node.item, change), node.container)
    items = tuple(None if item is None else map_specs(item, change) for item in node.items)
    return TupleNode(items, node.names, node.cls)


# --- aligning dims with axes --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def axis_places(dims: tuple[Dim, ...]) -> tuple[int | slice, ...]:
    """Where each dim sits in a shape, whatever the shape's rank (when `rank_fits`): ``shape[place]``.

    A one-axis dim has an index, counted from the end (negative) after a variadic dim; the variadic dim (``...``,
    ``*batch``) has the slice of the axes it matches. This is the one place that aligns a variadic shape: the
    reference checker, the generated checks, `compare` and the test strategies all read it.

    ```python
    axis_places(parse_shape("batch ... time"))  # (0, slice(1, -1), -1)
    ```
    """
    at = next((i for i, d in enumerate(dims) if isinstance(d, VariadicDim)), None)
    if at is None:
        return tuple(range(len(dims)))
    tail = len(dims) - at - 1
    return (*range(at), slice(at, -tail if tail else None), *range(-tail, 0))


def rank_fits(dims: tuple[Dim, ...], rank: int) -> bool:
    """Whether a shape of `rank` axes can match `dims`: exactly one axis per dim, or with a variadic dim at least one
    per other dim."""
    if any(isinstance(d, VariadicDim) for d in dims):
        return rank >= len(dims) - 1
    return rank == len(dims)
