"""Annotations: ``MelSpectrogram[Tensor, "batch mel frame"]`` built, and read back into specs and nodes.

The annotation evaluates to ``Annotated[Tensor, <beartype validator>]``: static checkers see ``torch.Tensor``; a
plain ``@beartype`` function runs the validator (the checker, on that one value); our decorators map the validator
back to its `TensorSpec` (`spec_of`) and a whole type hint to its node (`node_from_hint`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Annotated, Any, Union

import torch

from ._check import check_alone
from ._dims import parse_shape
from ._errors import AnnotationError
from ._spec import Attr, ListNode, Node, OptionalNode, Params, TensorNode, TensorSpec, TupleNode, pin_axes
from ._tags import Tag, Void

__all__ = ["make_annotation", "node_from_hint", "spec_of"]


# beartype refuses Annotated hints that mix its validators with other metadata, so an annotation carries only the
# validator and this table maps it back to its spec (validators live as long as the annotations that hold them).
_VALIDATOR_SPECS: dict[int, tuple[Any, TensorSpec]] = {}


def _beartype_validator(spec: TensorSpec) -> Any:
    from beartype.vale import Is  # beartype loads only when the first annotation is built

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
