"""Annotations: one object carries the dtype set, the shape and the tag of a tensor.

``MelSpectrogram[Tensor, "batch mel frame"]`` evaluates to ``Annotated[Tensor, <beartype validator>]``: static
checkers see ``torch.Tensor``; a plain ``@beartype`` function runs the validator; our decorators map the validator
back to its `TensorSpec` (see `spec_of`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union

import torch

from ._dims import Dim, NamedDim, parse_shape
from ._errors import AnnotationError
from ._tags import Tag

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
    "dtype_names",
    "make_annotation",
    "node_from_hint",
    "params",
    "pin_axes",
    "spec_of",
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
    from ._tags import BOOL, FLOATING, INTEGER

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


# beartype refuses Annotated hints that mix its validators with other metadata, so an annotation carries only the
# validator and this table maps it back to its spec (validators live as long as the annotations that hold them).
_VALIDATOR_SPECS: dict[int, tuple[Any, TensorSpec]] = {}


def _beartype_validator(spec: TensorSpec) -> Any:
    from beartype.vale import Is

    from ._check import check_alone

    def neural_type(value: object) -> bool:
        return check_alone(spec, value)

    neural_type.__qualname__ = f"neural_type({spec})"
    validator = Is[neural_type]
    _VALIDATOR_SPECS[id(validator)] = (validator, spec)
    return validator


def make_annotation(tag_cls: type[Tag], item: Any) -> Any:
    """Build ``Annotated[Tensor, TensorSpec, validator]`` from ``Tag[Tensor, "shape", *extras]``."""
    name = tag_cls.__name__
    usage = f'write {name}[Tensor, "batch time"] (extras after the shape: parameters, params(...), a torch.dtype)'
    if not isinstance(item, tuple) or len(item) < 2:
        raise AnnotationError(f"{name}[{item!r}]: a neural type needs the array type and a shape; {usage}", code="NT101")
    array, shape, *extras = item
    if not (isinstance(array, type) and issubclass(array, torch.Tensor)):
        raise AnnotationError(f"{name}[{array!r}, ...]: the first item must be torch.Tensor; {usage}", code="NT101")
    dims = parse_shape(shape)
    shape = " ".join(shape.split())  # jaxtyping-style " batch" (a space to quiet linters) reads as "batch"
    positional: list[Any] = []
    keyword: dict[str, Any] = {}
    dtypes: set[torch.dtype] = set()
    for extra in extras:
        if isinstance(extra, torch.dtype):
            dtypes.add(extra)
        elif isinstance(extra, tuple | frozenset | set) and extra and all(isinstance(d, torch.dtype) for d in extra):
            dtypes.update(extra)
        elif isinstance(extra, Params):
            keyword.update(extra.values)
        elif extra is None or isinstance(extra, int | float | str | Attr):
            positional.append(extra)
        else:
            raise AnnotationError(f"{name}[..., {extra!r}]: unexpected extra item; {usage}", code="NT101")
    meaning = tag_cls(*positional, **keyword)
    spec = TensorSpec(meaning, pin_axes(dims, meaning), shape, frozenset(dtypes) if dtypes else tag_cls.default_dtypes)
    return Annotated[torch.Tensor, _beartype_validator(spec)]


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


def spec_of(hint: Any) -> TensorSpec | None:
    """The `TensorSpec` of a neural-type annotation (or of a jaxtyping one, read as untagged), else None."""
    return _spec_in(hint)


def _spec_in(hint: Any) -> TensorSpec | None:
    if typing.get_origin(hint) is Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, TensorSpec):
                return meta
            entry = _VALIDATOR_SPECS.get(id(meta))
            if entry is not None and entry[0] is meta:
                return entry[1]
    return _jaxtyping_spec(hint)


def _jaxtyping_spec(hint: Any) -> TensorSpec | None:
    """Read a jaxtyping annotation (``Float[Tensor, "b t"]``) as an untagged spec, without importing jaxtyping."""
    dim_str = getattr(hint, "dim_str", None)
    array_type = getattr(hint, "array_type", None)
    if not isinstance(dim_str, str) or not (isinstance(array_type, type) and issubclass(array_type, torch.Tensor)):
        return None
    from ._vocabulary import Void

    names = getattr(hint, "dtypes", ())
    dtypes = frozenset(d for n in names if isinstance(d := getattr(torch, str(n), None), torch.dtype))
    return TensorSpec(Void(), parse_shape(dim_str), dim_str, dtypes or None)


def _is_namedtuple(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def node_from_hint(hint: Any, where: str) -> Node | None:
    """The checkable structure of a type hint, or None when it holds no neural type."""
    spec = _spec_in(hint)
    if spec is not None:
        return TensorNode(spec)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Union or origin is types.UnionType:
        rest = [a for a in args if a is not type(None)]
        inner = [node_from_hint(a, where) for a in rest]
        if not any(n is not None for n in inner):
            return None
        if len(rest) != 1:
            raise AnnotationError(
                f"{where}: a union of neural types is not supported; annotate with a common parent tag "
                "(e.g. Spectrogram for MelSpectrogram | MFCC) or Void",
                code="NT106",
            )
        node = inner[0]
        assert node is not None
        return OptionalNode(node) if len(rest) < len(args) else node
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = node_from_hint(args[0], where)
            return None if item is None else ListNode(item, tuple)
        items = tuple(node_from_hint(a, where) for a in args)
        return TupleNode(items) if any(i is not None for i in items) else None
    if origin in (list, Sequence):
        item = node_from_hint(args[0], where) if args else None
        return None if item is None else ListNode(item, list if origin is list else Sequence)
    if _is_namedtuple(hint):
        hints = typing.get_type_hints(hint, include_extras=True)
        fields: tuple[str, ...] = hint._fields
        items = tuple(node_from_hint(hints.get(f), f"{where}.{f}") for f in fields)
        return TupleNode(items, fields, hint) if any(i is not None for i in items) else None
    return None
