"""Hypothesis strategies derived from neural types: one tensor, and a whole valid call.

Draws are valid by construction: sizes are drawn per dim name (so shared dims agree), lengths are drawn below the
axis they measure, masks are built from lengths, token ids below the vocabulary, probabilities by a softmax. The only
draws thrown away are those whose shape expressions come out negative (counted in `DrawCounter`).
Tensor values come from a torch generator seeded by one drawn integer, so shrinking works on sizes, lengths and the
seed, and a counterexample shrinks to small shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import reject
from hypothesis import strategies as st

from .._annotations import spec_of
from .._check import describe_value
from .._dims import AnyDim, ExprDim, FixedDim, NamedDim, VariadicDim
from .._errors import AnnotationError
from .._spec import ListNode, Node, OptionalNode, TensorNode, TensorSpec
from .._tags import Void, tag
from .._vocabulary import Lengths, LogProbs, Mask, Probs, TokenIndex
from ._plan import DrawOptions, Plan, make_plan, resolve_node

__all__ = ["DrawCounter", "Drawn", "arguments", "describe_arguments", "drawn_arguments", "tensors"]

_CANONICAL = (torch.float32, torch.int64, torch.bool)
_SMALL_INT_HIGH = 4  #: integer values with no declared range are drawn in [0, 4)


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
        raise AnnotationError(
            f"tensors() takes a neural-type annotation such as AudioSignal[Tensor, \"batch time\"], "
            f"got {annotation!r}",
            code="NT101",
        )
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
