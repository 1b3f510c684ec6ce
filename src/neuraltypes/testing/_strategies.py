"""Hypothesis strategies derived from neural types: one tensor, a whole valid call, and calls that break one thing.

Draws are valid by construction: sizes are drawn per dim name (so shared dims agree), lengths are drawn below the
axis they measure, masks are built from lengths, token ids below the vocabulary, probabilities by a softmax. The only
draws thrown away are those whose shape expressions come out negative (counted in `DrawCounter`).
Tensor values come from a torch generator seeded by one drawn integer, so shrinking works on sizes, lengths and the
seed, and a counterexample shrinks to small shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from hypothesis import reject
from hypothesis import strategies as st

from .._check import describe_value
from .._dims import AnyDim, ExprDim, FixedDim, NamedDim, VariadicDim
from .._spec import ListNode, Node, OptionalNode, TensorNode, TensorSpec, spec_of
from .._tags import Compatibility, Tag, tag, tag_relation
from .._vocabulary import (
    AudioSignal,
    BoolValue,
    FloatValue,
    IntValue,
    Lengths,
    LogProbs,
    Mask,
    MelSpectrogram,
    Probs,
    TokenIndex,
    Void,
)
from ._plan import DrawOptions, Plan, make_plan, resolve_node

__all__ = [
    "DrawCounter",
    "Drawn",
    "Violation",
    "arguments",
    "drawn_arguments",
    "drawn_violations",
    "tensors",
    "violations",
]

_CANONICAL = (torch.float32, torch.int64, torch.bool)
_SMALL_INT_HIGH = 4  #: integer values with no declared range are drawn in [0, 4)

ViolationKind = Literal["rank", "dim", "dtype", "tag", "param", "value"]
#: The error code the reference checker gives each kind of breach.
EXPECTED_CODES: dict[str, frozenset[str]] = {
    "rank": frozenset({"NT203"}),
    "dim": frozenset({"NT204", "NT205", "NT206"}),
    "dtype": frozenset({"NT202"}),
    "tag": frozenset({"NT207"}),
    "param": frozenset({"NT208"}),
    "value": frozenset({"NT210"}),
}


@dataclass
class DrawCounter:
    """How many argument sets were drawn and how many were thrown away (filtered) while drawing."""

    drawn: int = 0
    filtered: int = 0

    @property
    def filtered_fraction(self) -> float:
        total = self.drawn + self.filtered
        return self.filtered / total if total else 0.0


def describe_arguments(arguments: Mapping[str, Any], dims: Mapping[str, Any]) -> str:
    """One line per argument (dtype[shape] tag, and the values of small integer/bool tensors), then the dims."""
    width = max((len(n) for n in arguments), default=0)
    lines = []
    for name, value in arguments.items():
        text = _describe(value)
        lines.append(f"    {name.ljust(width)} = {text}")
    if dims:
        shown = ", ".join(f"{k}={v}" for k, v in dims.items())
        lines.append(f"    dims: {shown}")
    return "\n".join(lines)


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        text = describe_value(value)
        if not value.dtype.is_floating_point and value.numel() <= 16:
            text += f" values {value.tolist()}"
        return text
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_describe(v) for v in value) + "]"
    return repr(value)


@dataclass(frozen=True)
class Drawn:
    """A valid argument set of one call: `arguments` by parameter name, and the size drawn for each named dim."""

    arguments: dict[str, Any]
    dims: dict[str, Any]

    def describe(self) -> str:
        return describe_arguments(self.arguments, self.dims)

    def __repr__(self) -> str:  # hypothesis prints this for a falsifying example: shapes, not tensor dumps
        return "Drawn(\n" + self.describe() + "\n)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' pretty-printer hook
        printer.text(repr(self))


@dataclass(frozen=True)
class Violation:
    """An argument set that breaks exactly one thing of the contract.

    `parameter` is the argument broken (the name a `ContractViolation` must carry), `kind` one of ``rank``, ``dim``,
    ``dtype``, ``tag``, ``param`` (a tag parameter) or ``value`` (a value invariant, checked in paranoid mode),
    `codes` the error codes that report it, `description` what was changed.
    """

    arguments: dict[str, Any]
    parameter: str
    kind: ViolationKind
    description: str
    dims: dict[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> frozenset[str]:
        return EXPECTED_CODES[self.kind]

    def describe(self) -> str:
        return f"{self.description}\n" + describe_arguments(self.arguments, self.dims)

    def __repr__(self) -> str:
        return "Violation(" + self.describe() + "\n)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


# --- drawing ------------------------------------------------------------------------------------------------------


@dataclass
class _Slot:
    """A tensor whose shape is drawn and whose values are filled in a second pass."""

    spec: TensorSpec
    shape: tuple[int, ...]
    dtype: torch.dtype
    path: str


def _choose_dtype(draw: st.DrawFn, spec: TensorSpec, options: DrawOptions) -> torch.dtype:
    allowed = spec.dtypes
    if allowed is None:
        return torch.float32
    ordered = [d for d in _CANONICAL if d in allowed] + sorted(allowed - set(_CANONICAL), key=str)
    if options.dtypes == "canonical":
        return ordered[0]
    return draw(st.sampled_from(ordered))


def _draw_shape(
    draw: st.DrawFn, spec: TensorSpec, sizes: dict[str, Any], options: DrawOptions, counter: DrawCounter | None
) -> tuple[int, ...]:
    shape: list[int] = []
    for dim in spec.dims:
        if isinstance(dim, FixedDim):
            shape.append(dim.size)
        elif isinstance(dim, NamedDim):
            if dim.name not in sizes:
                sizes[dim.name] = dim.size if dim.size is not None else draw(st.integers(*options.range_of(dim.name)))
            size = int(sizes[dim.name])
            # a broadcast dim may be 1; booleans shrink to False, i.e. to the bound size
            shape.append(1 if dim.broadcast and draw(st.booleans()) else size)
        elif isinstance(dim, AnyDim):
            shape.append(draw(st.integers(*options.size_range)))
        elif isinstance(dim, VariadicDim):
            if dim.name is not None and dim.name in sizes:
                run = tuple(sizes[dim.name])
            else:
                run = tuple(draw(st.lists(st.integers(*options.size_range), max_size=2)))
                if dim.name is not None:
                    sizes[dim.name] = run
            shape.extend(run)
        else:
            assert isinstance(dim, ExprDim)
            size = dim.evaluate(sizes)
            if size < 0:
                if counter is not None:
                    counter.filtered += 1
                reject()
            shape.append(size)
    return tuple(shape)


def _skeleton(
    draw: st.DrawFn, node: Node, path: str, sizes: dict[str, Any], options: DrawOptions,
    counter: DrawCounter | None,
) -> Any:
    """The argument's structure with a `_Slot` per tensor (shapes drawn, values not yet)."""
    if isinstance(node, TensorNode):
        shape = _draw_shape(draw, node.spec, sizes, options, counter)
        return _Slot(node.spec, shape, _choose_dtype(draw, node.spec, options), path)
    if isinstance(node, OptionalNode):
        # present first: booleans shrink to False, so a counterexample keeps the argument when it can
        return None if draw(st.booleans()) else _skeleton(draw, node.inner, path, sizes, options, counter)
    if isinstance(node, ListNode):
        count = draw(st.integers(1, 3))
        items = [_skeleton(draw, node.item, f"{path}[{i}]", sizes, options, counter) for i in range(count)]
        return items if node.container is list else tuple(items) if node.container is tuple else items
    values = [None if item is None else _skeleton(draw, item, f"{path}[{i}]", sizes, options, counter)
              for i, item in enumerate(node.items)]
    return node.cls(*values) if node.cls is not None else tuple(values)


def _lengths_values(draw: st.DrawFn, batch: int, bound: int, options: DrawOptions) -> torch.Tensor:
    """`batch` lengths in [min(1, bound), bound]; drawn as padding so that they shrink to full lengths."""
    low = 1 if bound >= 1 else 0
    pads = draw(st.lists(st.integers(0, bound - low), min_size=batch, max_size=batch))
    if options.tight_lengths and pads:
        least = min(pads)
        pads = [p - least for p in pads]
    return torch.tensor([bound - p for p in pads], dtype=torch.int64)


def _fill(slot: _Slot, generator: torch.Generator, sizes: Mapping[str, Any], options: DrawOptions) -> torch.Tensor:
    meaning, shape, dtype = slot.spec.tag, slot.shape, slot.dtype
    if dtype == torch.bool:
        return torch.rand(shape, generator=generator) < 0.5
    if dtype.is_floating_point:
        value = torch.randn(shape, generator=generator)
        if isinstance(meaning, Probs):
            value = value.softmax(-1) if value.ndim else torch.rand(shape, generator=generator)
        elif isinstance(meaning, LogProbs):
            value = value.log_softmax(-1) if value.ndim else -torch.rand(shape, generator=generator)
        return value.to(dtype)
    if dtype.is_complex:
        return torch.randn(shape, generator=generator).to(dtype)
    high = _SMALL_INT_HIGH
    if isinstance(meaning, TokenIndex):
        high = int(sizes.get("vocab") or options.vocab_size or 1)
    elif isinstance(meaning, Lengths):
        high = options.size_range[1] + 1
    return torch.randint(0, max(high, 1), shape, generator=generator).to(dtype)


def _tagged(value: torch.Tensor, spec: TensorSpec) -> torch.Tensor:
    return value if type(spec.tag) is Void else tag(value, spec.tag)


def _draw_extra(draw: st.DrawFn, value: Any) -> Any:
    return draw(value) if isinstance(value, st.SearchStrategy) else value


@st.composite
def drawn_arguments(draw: st.DrawFn, plan: Plan, counter: DrawCounter | None = None) -> Drawn:
    """A valid argument set of `plan`'s call (see `arguments` for the rules)."""
    options = plan.options
    sizes: dict[str, Any] = dict(options.dims)
    for node in plan.inputs.values():  # sizes the contract pins (mel:80, n_mels=80) win over drawn ones
        inner = node.inner if isinstance(node, OptionalNode) else node
        if isinstance(inner, TensorNode):
            for dim in inner.spec.dims:
                if isinstance(dim, NamedDim) and dim.size is not None:
                    sizes[dim.name] = dim.size
    values: dict[str, Any] = {}
    for name in plan.scalars:  # plain int arguments that shape expressions use: drawn before any shape
        sizes[name] = _draw_extra(draw, options.extra[name]) if name in options.extra else draw(st.integers(1, 4))
    for name in plan.contract.signature.parameters:
        if name in plan.scalars:
            values[name] = sizes[name]
        elif name in plan.inputs:
            values[name] = _skeleton(draw, plan.inputs[name], name, sizes, options, counter)
        elif name in plan.extra:
            values[name] = _draw_extra(draw, plan.extra[name])
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**16 - 1)))
    # lengths first (masks are built from them), each below the axis it measures
    lengths: dict[tuple[str, str | None], torch.Tensor] = {}
    for source in plan.length_sources:
        slot = values.get(source.parameter)
        if not isinstance(slot, _Slot):
            continue
        bound = sizes.get(source.axis) if source.axis is not None else None
        bound = int(bound) if isinstance(bound, int) else options.size_range[1]
        batch = slot.shape[0]
        if source.is_mask:
            known = lengths.get((source.batch, source.axis))
            measured = known if known is not None else _lengths_values(draw, batch, slot.shape[1], options)
            values[source.parameter] = torch.arange(slot.shape[1])[None, :] < measured[:, None]
        else:
            measured = _lengths_values(draw, batch, bound, options)
            lengths.setdefault((source.batch, source.axis), measured)
            values[source.parameter] = measured.to(slot.dtype)
        values[source.parameter] = _tagged(values[source.parameter], slot.spec)

    def fill(item: Any) -> Any:
        if isinstance(item, _Slot):
            return _tagged(_fill(item, generator, sizes, options), item.spec)
        if isinstance(item, list):
            return [fill(i) for i in item]
        if isinstance(item, tuple):
            filled = [fill(i) for i in item]
            return type(item)(*filled) if hasattr(item, "_fields") else tuple(filled)
        return item

    arguments = {name: fill(value) for name, value in values.items()}
    if counter is not None:
        counter.drawn += 1
    return Drawn(arguments, {k: v for k, v in sizes.items() if k not in plan.scalars})


# --- violations ---------------------------------------------------------------------------------------------------

_UNRELATED_TAGS: tuple[Tag, ...] = (
    FloatValue(), IntValue(), BoolValue(), AudioSignal(), Lengths(), LogProbs(), MelSpectrogram(),
)
_BAD_DTYPES = (torch.float32, torch.int64, torch.bool, torch.float64)


def _axis_positions(spec: TensorSpec, ndim: int) -> list[tuple[int, Any]]:
    """(axis in the tensor, dim) for every single-axis dim of `spec`."""
    variadic_at = next((i for i, d in enumerate(spec.dims) if isinstance(d, VariadicDim)), None)
    out = []
    for i, dim in enumerate(spec.dims):
        if isinstance(dim, VariadicDim):
            continue
        axis = i if variadic_at is None or i < variadic_at else ndim - (len(spec.dims) - i)
        out.append((axis, dim))
    return out


def _retag(value: torch.Tensor, meaning: Tag) -> torch.Tensor:
    return value if type(meaning) is Void else tag(value, meaning)


def _breakable(plan: Plan, drawn: Drawn) -> list[tuple[str, TensorSpec, torch.Tensor]]:
    """(checker path, spec, value) of the tensors a breach may change, in checking order: top-level tensors
    (optional ones when present) and the first item of a list of tensors (``sources[0]``)."""
    out = []
    for name, node in plan.inputs.items():
        value = drawn.arguments.get(name)
        inner = node.inner if isinstance(node, OptionalNode) else node
        if isinstance(inner, TensorNode) and isinstance(value, torch.Tensor):
            out.append((name, inner.spec, value))
        elif isinstance(inner, ListNode) and isinstance(inner.item, TensorNode) and isinstance(value, list | tuple):
            out += [(f"{name}[{i}]", inner.item.spec, item) for i, item in enumerate(value)
                    if isinstance(item, torch.Tensor)]
    return out


def _breaches(plan: Plan, drawn: Drawn) -> list[tuple[str, ViolationKind, Any]]:
    """Every single breach possible for this argument set: (checker path, kind, detail)."""
    bound: set[str] = set(plan.scalars)
    out: list[tuple[str, ViolationKind, Any]] = []
    for name, spec, value in _breakable(plan, drawn):
        fixed = sum(not isinstance(d, VariadicDim) for d in spec.dims)
        if fixed == len(spec.dims) or fixed >= 1:
            out.append((name, "rank", fixed))
        for axis, dim in _axis_positions(spec, value.ndim):
            pinned = isinstance(dim, FixedDim | ExprDim) or (isinstance(dim, NamedDim) and dim.size is not None)
            if pinned or (isinstance(dim, NamedDim) and dim.name in bound):
                out.append((name, "dim", (axis, dim)))
        if spec.dtypes is not None:
            bad = [d for d in _BAD_DTYPES if d not in spec.dtypes]
            if bad:
                out.append((name, "dtype", bad[0]))
        if type(spec.tag) is not Void:
            for other in _UNRELATED_TAGS:
                if tag_relation(spec.tag, other) in (Compatibility.INCOMPATIBLE, Compatibility.LESS):
                    out.append((name, "tag", other))
                    break
        for param, setting in spec.tag.params.items():
            if isinstance(setting, int | float) and not isinstance(setting, bool):
                out.append((name, "param", (param, setting * 2 if setting else 1)))
            elif isinstance(setting, str):
                out.append((name, "param", (param, setting + "-other")))
        if type(spec.tag).invariant is not Tag.invariant and value.numel():
            out.append((name, "value", None))
        for axis, dim in _axis_positions(spec, value.ndim):
            if isinstance(dim, NamedDim) and not (dim.broadcast and value.shape[axis] == 1):
                bound.add(dim.name)
        bound.update(d.name for d in spec.dims if isinstance(d, VariadicDim) and d.name)
    return out


def _apply(plan: Plan, drawn: Drawn, breach: tuple[str, ViolationKind, Any]) -> Violation | None:
    name, kind, detail = breach
    spec, value = next((s, v) for path, s, v in _breakable(plan, drawn) if path == name)
    meaning = spec.tag
    shape = ",".join(map(str, value.shape))
    if kind == "rank":
        if len(spec.dims) == detail:
            broken = value.unsqueeze(0).clone()
            what = f"rank of '{name}': one leading axis added, [{shape}] -> [1,{shape}]"
        else:
            broken = torch.zeros((1,) * (detail - 1), dtype=value.dtype)
            what = f"rank of '{name}': {detail - 1} dims where {spec.shape} needs at least {detail}"
        broken = _retag(broken, meaning)
    elif kind == "dim":
        axis, dim = detail
        new_shape = list(value.shape)
        new_shape[axis] += 1
        broken = _retag(torch.zeros(new_shape, dtype=value.dtype), meaning)
        what = f"dim '{dim}' (axis {axis}) of '{name}': {value.shape[axis]} -> {new_shape[axis]}"
    elif kind == "dtype":
        broken = _retag(value.to(detail), meaning)
        what = f"dtype of '{name}': {str(value.dtype).removeprefix('torch.')} -> {str(detail).removeprefix('torch.')}"
    elif kind == "tag":
        broken = tag(value.clone(), detail)
        what = f"tag of '{name}': {meaning!r} -> {detail!r}"
    elif kind == "param":
        param, setting = detail
        changed = type(meaning)(**{**meaning.params, param: setting})
        broken = tag(value.clone(), changed)
        what = f"tag parameter {param} of '{name}': {meaning.params[param]!r} -> {setting!r}"
    else:
        if value.dtype.is_floating_point:
            broken = torch.full_like(value, 2.0)
        elif value.dtype in (torch.int8, torch.int16, torch.int32, torch.int64):
            broken = torch.full_like(value, -1)
        else:
            return None
        if meaning.invariant(broken) is None:
            return None
        broken = _retag(broken, meaning)
        what = f"value invariant of {meaning!r} in '{name}': {meaning.invariant(broken)}"
    arguments = dict(drawn.arguments)
    parameter, _, index = name.partition("[")
    if index:  # an item of a list argument
        items = list(arguments[parameter])
        items[int(index.rstrip("]"))] = broken
        arguments[parameter] = type(arguments[parameter])(items)
    else:
        arguments[name] = broken
    return Violation(arguments, name, kind, what, dict(drawn.dims))


@st.composite
def drawn_violations(draw: st.DrawFn, plan: Plan, counter: DrawCounter | None = None,
                     kinds: frozenset[str] | None = None) -> Violation:
    """A violating argument set of `plan`'s call (see `violations`)."""
    drawn = draw(drawn_arguments(plan, counter))
    candidates = [b for b in _breaches(plan, drawn) if kinds is None or b[1] in kinds]
    violation = _apply(plan, drawn, draw(st.sampled_from(candidates))) if candidates else None
    if violation is None:
        if counter is not None:
            counter.filtered += 1
        reject()
    assert violation is not None
    return violation


# --- public strategies --------------------------------------------------------------------------------------------


def arguments(target: object, **options: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Valid argument sets for a typed module (its ``forward``), a ``@checked`` function or a bound method.

    Call ``target(**drawn)`` with a drawn dict. Dims that share a name get one size; sizes pinned by the contract
    (``mel:80``, ``n_mels=attr("n_mels")``) are honoured, as are tag parameters, ``attr`` ones read from the module.
    A ``Lengths`` argument stays within the axis it measures (rule in `neuraltypes.testing.length_axis`), the longest
    item filling it; a ``Mask`` of shape ``batch time`` is the prefix mask of those lengths; ``TokenIndex`` values are
    below the ``vocab`` dim (or `vocab_size`); ``Probs`` sum to 1 and ``LogProbs`` are log-softmaxed over their last
    axis. Shrinking goes to small sizes, full lengths and a seed of 0.

    **Arguments:**

    - `target`: a `NeuralModule` instance, a ``@checked`` function or a bound method.
    - `options`: the fields of `DrawOptions` (``dims``, ``sizes``, ``length_axes``, ``extra``, ``vocab_size``,
      ``dtypes``...).

    **Returns:** a strategy of ``{parameter: value}`` dicts.
    """
    plan = make_plan(target, DrawOptions(**options))
    return drawn_arguments(plan).map(lambda drawn: dict(drawn.arguments))


def violations(target: object, *, kinds: tuple[ViolationKind, ...] | None = None,
               **options: Any) -> st.SearchStrategy[Violation]:
    """Argument sets that break exactly one thing: the rank, one dim, the dtype, the tag, a tag parameter or a value
    invariant of one argument, everything else valid. Each `Violation` names the parameter it breaks.

    ``tag`` and ``param`` breaches are reported in ``"full"`` checking mode, ``value`` ones in ``"paranoid"``.

    **Arguments:**

    - `target`: as for `arguments`.
    - `kinds`: only these kinds of breach (default: all).
    - `options`: the fields of `DrawOptions`.

    **Returns:** a strategy of `Violation`.
    """
    plan = make_plan(target, DrawOptions(**options))
    return drawn_violations(plan, None, frozenset(kinds) if kinds is not None else None)


def tensors(
    annotation: Any,
    *,
    dims: Mapping[str, int] | None = None,
    sizes: Mapping[str, tuple[int, int]] | None = None,
    owner: object = None,
    **options: Any,
) -> st.SearchStrategy[torch.Tensor]:
    """Tensors for one annotation, e.g. ``tensors(AudioSignal[Tensor, "batch time", 16000])``: a dtype of the
    annotation's set, its rank and sizes, tagged with its tag (values valid for the tag, as in `arguments`).

    **Arguments:**

    - `annotation`: a neural-type annotation (or its `TensorSpec`).
    - `dims`: fixed sizes per dim name, e.g. ``{"mel": 80}``.
    - `sizes`: ``(low, high)`` size ranges per dim name.
    - `owner`: the module that ``attr()`` parameters are read from (without one they are wildcards).
    - `options`: other `DrawOptions` fields; ``dtypes`` defaults to ``"any"`` here (every dtype of the set).

    **Returns:** a strategy of tagged tensors.
    """
    spec = annotation if isinstance(annotation, TensorSpec) else spec_of(annotation)
    if spec is None:
        raise TypeError(f"tensors() takes a neural-type annotation such as AudioSignal[Tensor, \"batch time\"], "
                        f"got {annotation!r}")
    node = resolve_node(TensorNode(spec), owner)
    assert isinstance(node, TensorNode)
    options.setdefault("dtypes", "any")
    settings = DrawOptions(dims=dict(dims or {}), sizes=dict(sizes or {}), **options)
    return _tensor(node.spec, settings)


@st.composite
def _tensor(draw: st.DrawFn, spec: TensorSpec, options: DrawOptions) -> torch.Tensor:
    sizes: dict[str, Any] = dict(options.dims)
    sizes.update({d.name: d.size for d in spec.dims if isinstance(d, NamedDim) and d.size is not None})
    missing = [n for d in spec.dims if isinstance(d, ExprDim) for n in d.names if n not in sizes]
    for name in dict.fromkeys(missing):
        sizes[name] = draw(st.integers(*options.range_of(name)))
    slot = _Slot(spec, _draw_shape(draw, spec, sizes, options, None), _choose_dtype(draw, spec, options), "value")
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**16 - 1)))
    if isinstance(spec.tag, Lengths) and slot.shape and len(slot.shape) == 1:
        value = _lengths_values(draw, slot.shape[0], options.size_range[1], options).to(slot.dtype)
    elif isinstance(spec.tag, Mask) and len(slot.shape) == 2:
        measured = _lengths_values(draw, slot.shape[0], slot.shape[1], options)
        value = torch.arange(slot.shape[1])[None, :] < measured[:, None]
    else:
        value = _fill(slot, generator, sizes, options)
    return _tagged(value, spec)
