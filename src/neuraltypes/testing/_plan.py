"""What a contract asks of a call's arguments, read once before anything is drawn.

A `Plan` holds the resolved input nodes of a typed function or module (``attr`` parameters read from the module),
the plain arguments to fill, and the rules that tie arguments together: which axis each ``Lengths`` argument
measures, which dims are bound first by which argument. The strategies (`_strategies`) and the contract checker
(`_check_contract`) both read it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from .._contract import Contract, get_contract
from .._dims import NamedDim
from .._errors import AnnotationError
from .._spec import Attr, Node, OptionalNode, TensorNode, TensorSpec, axis_places, map_specs, tensor_specs
from .._tags import Tag
from .._vocabulary import Lengths, Mask, TokenIndex

__all__ = [
    "SEQUENCE_AXES",
    "DrawOptions",
    "LengthSource",
    "Plan",
    "axis_positions",
    "length_axis",
    "make_plan",
    "output_tensors",
    "output_value",
    "resolve_node",
]

#: Axis words that a ``Lengths`` argument measures, in order of preference (see `length_axis`).
SEQUENCE_AXES = ("time", "frame", "token")


@dataclass(frozen=True)
class DrawOptions:
    """How arguments are drawn; every field is optional.

    **Arguments:**

    - `dims`: fixed sizes for named dims, e.g. ``{"vocab": 30}`` (a dim the contract pins, such as ``mel:80`` or a
      ``MelSpectrogram``'s ``n_mels``, needs no entry).
    - `sizes`: ``(low, high)`` size ranges per dim name, e.g. ``{"time": (8, 64)}``; other dims use `size_range`,
      except ``batch``, which uses `batch_range`. Shrinking goes towards ``low``.
    - `length_axes`: which axis each ``Lengths`` argument measures, e.g. ``{"text_lengths": "token"}``, where the
      default rule (`length_axis`) does not fit.
    - `extra`: values (or hypothesis strategies) for plain parameters without a default, e.g. ``{"db": 0.0}``.
    - `vocab_size`: upper bound (exclusive) of ``TokenIndex`` values when no ``vocab`` dim is bound.
    - `dtypes`: ``"canonical"`` draws float32 / int64 / bool where the spec allows them (what a module with float32
      weights takes); ``"any"`` draws from the whole dtype set of each spec.
    - `tight_lengths`: the longest item fills its axis (``max(lengths) == time``), as after padding a batch.
    """

    dims: Mapping[str, int] = field(default_factory=dict)
    sizes: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    size_range: tuple[int, int] = (1, 8)
    batch_range: tuple[int, int] = (1, 3)
    length_axes: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    vocab_size: int | None = None
    dtypes: Literal["canonical", "any"] = "canonical"
    tight_lengths: bool = True

    def __post_init__(self) -> None:
        ranges = {**self.sizes, "size_range": self.size_range, "batch_range": self.batch_range}
        for name, bounds in ranges.items():
            if not (isinstance(bounds, tuple) and len(bounds) == 2 and 0 <= bounds[0] <= bounds[1]):
                raise ValueError(f"DrawOptions: {name}={bounds!r} must be a (low, high) pair with 0 <= low <= high")
        for name, size in self.dims.items():
            if not isinstance(size, int) or size < 0:
                raise ValueError(f"DrawOptions: dims[{name!r}]={size!r} must be a size >= 0")
        if self.vocab_size is not None and self.vocab_size < 1:
            raise ValueError(f"DrawOptions: vocab_size={self.vocab_size} must be >= 1")
        if self.dtypes not in ("canonical", "any"):
            raise ValueError(f"DrawOptions: dtypes={self.dtypes!r} must be 'canonical' or 'any'")

    def range_of(self, name: str) -> tuple[int, int]:
        if name in self.sizes:
            return self.sizes[name]
        return self.batch_range if name == "batch" else self.size_range


@dataclass(frozen=True)
class LengthSource:
    """A ``Lengths`` (or prefix ``Mask``) argument and the axis it measures: ``lengths[b] <= size of axis``."""

    parameter: str
    batch: str
    axis: str | None  #: None when no other argument has an axis to measure
    is_mask: bool = False


@dataclass(frozen=True, repr=False)
class Plan:
    """The analysed call of one target."""

    qualname: str
    target: Callable[..., Any]
    owner: object
    contract: Contract
    inputs: dict[str, Node]  #: resolved nodes, in signature order
    outputs: Node | None  #: resolved
    scalars: tuple[str, ...]
    extra: dict[str, Any]
    positional_only: tuple[str, ...]
    length_sources: tuple[LengthSource, ...]
    output_lengths: tuple[LengthSource, ...]
    options: DrawOptions

    def __repr__(self) -> str:  # strategies print their arguments: keep it to a name
        return f"Plan({self.qualname})"

    def call(self, arguments: Mapping[str, Any]) -> Any:
        """Call the target with these arguments (positional-only ones by position)."""
        args = [arguments[n] for n in self.positional_only if n in arguments]
        kwargs = {n: v for n, v in arguments.items() if n not in self.positional_only}
        return self.target(*args, **kwargs)

    def tensor_inputs(self) -> dict[str, TensorSpec]:
        """Top-level tensor inputs (optional ones included), in signature order."""
        out: dict[str, TensorSpec] = {}
        for name, node in self.inputs.items():
            inner = node.inner if isinstance(node, OptionalNode) else node
            if isinstance(inner, TensorNode):
                out[name] = inner.spec
        return out


def _concrete_tag(spec: TensorSpec) -> Tag:
    """The spec's tag with `attr` references left unresolved (no module to read them from) turned into wildcards."""
    if not spec.has_attrs:
        return spec.tag
    return type(spec.tag)(*[None if isinstance(v, Attr) else v for v in spec.tag._values])


def resolve_node(node: Node, owner: object) -> Node:
    """`node` with every spec's `attr` parameters read from `owner` (or made wildcards when there is no owner)."""

    def resolve(spec: TensorSpec) -> TensorSpec:
        if not spec.has_attrs:
            return spec
        if owner is not None:
            return spec.resolve(owner)
        return TensorSpec(_concrete_tag(spec), spec.dims, spec.shape, spec.dtypes)

    return map_specs(node, resolve)


def axis_positions(spec: TensorSpec, ndim: int) -> list[tuple[int, Any]]:
    """(axis in the tensor, dim) for every single-axis dim of `spec`."""
    return [(place if place >= 0 else ndim + place, dim)
            for dim, place in zip(spec.dims, axis_places(spec.dims), strict=True) if isinstance(place, int)]


def _named(spec: TensorSpec) -> list[str]:
    return [d.name for d in spec.dims if isinstance(d, NamedDim)]


def _axis_in(spec: TensorSpec, batch: str) -> str | None:
    """The axis of `spec` a length measures: the first sequence word after `batch`, else its last named dim."""
    names = _named(spec)
    if batch not in names:
        return None
    after = names[names.index(batch) + 1 :]
    for word in SEQUENCE_AXES:
        if word in after:
            return word
    return after[-1] if after else None


def length_axis(parameter: str, batch: str, tensors: list[tuple[str, TensorSpec]]) -> str | None:
    """Which axis a ``Lengths`` argument (shape ``batch``) measures, among `tensors` (name, spec) in order.

    The rule, first match wins:

    1. a tensor whose name starts the lengths' name (``text`` for ``text_lengths``, ``tokens`` for
       ``token_lengths``, ``input_signal`` for ``input_signal_length``);
    2. the nearest tensor before the lengths that has the same batch dim;
    3. the nearest such tensor after it.

    In the chosen tensor, the axis is the first of ``time``, ``frame``, ``token`` after the batch dim, else its last
    named dim. Pass ``length_axes={"lengths": "frame"}`` where this guesses wrong.
    """
    index = next((i for i, (n, _) in enumerate(tensors) if n == parameter), len(tensors))
    others = [(i, n, s) for i, (n, s) in enumerate(tensors) if i != index and not isinstance(s.tag, Lengths | Mask)]
    stem = parameter
    for suffix in ("lengths", "length", "lens", "len"):
        if stem.endswith(suffix):
            stem = stem.removesuffix(suffix).rstrip("_")
            break
    if stem:
        for _, name, spec in others:
            base = name.rstrip("s")
            if (name.startswith(stem) or stem.startswith(base)) and (axis := _axis_in(spec, batch)) is not None:
                return axis
    before = [(i, n, s) for i, n, s in others if i < index][::-1]
    after = [(i, n, s) for i, n, s in others if i > index]
    for _, _, spec in [*before, *after]:
        if (axis := _axis_in(spec, batch)) is not None:
            return axis
    return None


def _length_sources(tensors: list[tuple[str, TensorSpec]], overrides: Mapping[str, str]) -> tuple[LengthSource, ...]:
    sources = []
    for name, spec in tensors:
        named = _named(spec)
        if isinstance(spec.tag, Lengths) and len(spec.dims) == 1 and named:
            axis = overrides.get(name) or length_axis(name, named[0], tensors)
            sources.append(LengthSource(name, named[0], axis))
        elif isinstance(spec.tag, Mask) and len(spec.dims) == 2 and len(named) == 2:
            sources.append(LengthSource(name, named[0], named[1], is_mask=True))
    return tuple(sorted(sources, key=lambda source: source.is_mask))  # lengths first: masks are built from them


def output_tensors(node: Node | None, path: str = "return") -> list[tuple[str, TensorSpec]]:
    """(checker path, spec) of every tensor of a result node that has a fixed place (tuples, NamedTuples)."""
    return [] if node is None else list(tensor_specs(node, path, lists=False))


def output_value(result: Any, path: str) -> Any:
    """The value at a checker path (``return[1]``, ``return.lengths``) of a result."""
    value = result
    rest = path.removeprefix("return")
    while rest:
        if rest.startswith("["):
            close = rest.index("]")
            value = value[int(rest[1:close])]
            rest = rest[close + 1 :]
        else:
            name = rest[1:].split(".", 1)[0].split("[", 1)[0]
            value = getattr(value, name)
            rest = rest[1 + len(name) :]
    return value


def _usage(message: str) -> TypeError:
    return TypeError(message)


def make_plan(target: object, options: DrawOptions) -> Plan:
    """Analyse a typed module (its ``forward``), a ``@checked`` function or a bound method."""
    if isinstance(target, torch.nn.Module):
        contract = get_contract(type(target).forward)
        owner: object = target
        call: Callable[..., Any] = target
        what = type(target).__qualname__
    elif callable(target):
        contract = get_contract(target)
        owner = getattr(target, "__self__", None)
        call = target
        what = getattr(target, "__qualname__", repr(target))
    else:
        raise _usage(f"check_contract() takes a typed module or a @checked function, got {type(target).__name__}")
    if contract is None:
        raise AnnotationError(
            f"{what} declares no neural types: annotate its forward (NeuralModule) or decorate it with @checked",
            code="NT108",
        )
    parameters = list(contract.signature.parameters.values())
    if owner is not None and parameters and parameters[0].name == contract.owner:
        parameters = parameters[1:]
    inputs = {name: resolve_node(node, owner) for name, node in contract.inputs.items()}
    extra: dict[str, Any] = {}
    for p in parameters:
        if p.name in inputs or p.name in contract.scalars:
            continue
        if p.name in options.extra:
            extra[p.name] = options.extra[p.name]
        elif p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise _usage(
                f"{contract.qualname}: parameter '{p.name}' has no neural type and no default, so it cannot be "
                f"drawn; pass a value or a strategy: extra={{'{p.name}': ...}}"
            )
    unknown = set(options.extra) - {p.name for p in parameters}
    if unknown:
        raise _usage(f"{contract.qualname}: extra= names no parameter: {sorted(unknown)}")
    tensors: list[tuple[str, TensorSpec]] = []
    for name, node in inputs.items():
        inner = node.inner if isinstance(node, OptionalNode) else node
        if isinstance(inner, TensorNode):
            tensors.append((name, inner.spec))
    named_inputs = {d for _, s in tensors for d in _named(s)} | set(options.dims)
    if any(isinstance(s.tag, TokenIndex) for _, s in tensors) and "vocab" not in named_inputs \
            and options.vocab_size is None:
        raise _usage(
            f"{contract.qualname}: token ids must stay below the vocabulary size, which no input binds; pass "
            "dims={'vocab': N} or vocab_size=N"
        )
    outputs = None if contract.output is None else resolve_node(contract.output, owner)
    output_specs = output_tensors(outputs)
    return Plan(
        qualname=contract.qualname,
        target=call,
        owner=owner,
        contract=contract,
        inputs=inputs,
        outputs=outputs,
        scalars=contract.scalars,
        extra=extra,
        positional_only=tuple(p.name for p in parameters if p.kind is p.POSITIONAL_ONLY),
        length_sources=_length_sources(tensors, options.length_axes),
        output_lengths=tuple(s for s in _length_sources(output_specs, {}) if not s.is_mask),
        options=options,
    )
