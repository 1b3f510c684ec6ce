"""Violating argument sets: a valid draw with exactly one thing broken, paired with the parameter it breaks.

A breach changes one tensor (a top-level argument, or an item of a list argument) in one way: its rank, one
dim the contract constrains (pinned, fixed, an expression, or bound by an earlier argument), its dtype, its tag, one
tag parameter, or its values (breaking the tag's invariant). Everything checked before it stays valid, so the
reference checker reports exactly that parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from hypothesis import reject
from hypothesis import strategies as st

from .._dims import ExprDim, FixedDim, NamedDim, VariadicDim
from .._spec import ListNode, OptionalNode, TensorNode, TensorSpec
from .._tags import Compatibility, Tag, Void, tag, tag_relation
from .._vocabulary import (
    AudioSignal,
    BoolValue,
    FloatValue,
    IntValue,
    Lengths,
    LogProbs,
    MelSpectrogram,
)
from ._plan import DrawOptions, Plan, axis_positions, make_plan
from ._strategies import DrawCounter, Drawn, describe_arguments, drawn_arguments

__all__ = ["EXPECTED_CODES", "Violation", "ViolationKind", "drawn_violations", "violations"]

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


_UNRELATED_TAGS: tuple[Tag, ...] = (
    FloatValue(), IntValue(), BoolValue(), AudioSignal(), Lengths(), LogProbs(), MelSpectrogram(),
)
_BAD_DTYPES = (torch.float32, torch.int64, torch.bool, torch.float64)


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
        for axis, dim in axis_positions(spec, value.ndim):
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
        for axis, dim in axis_positions(spec, value.ndim):
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
