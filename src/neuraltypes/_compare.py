"""Comparing declared types, and the wiring check of a chain of typed modules (before any data flows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._annotations import spec_of
from ._check import article
from ._contract import Contract, get_contract
from ._dims import AnyDim, Dim, FixedDim, NamedDim, VariadicDim
from ._errors import AnnotationError, ContractViolation
from ._spec import OptionalNode, TensorNode, TensorSpec, TupleNode, axis_places, rank_fits
from ._stages import Stage, TextForm, text_mismatch
from ._tags import Compatibility, tag_relation

__all__ = ["WiringProblem", "WiringReport", "check_wiring", "compare"]


def _as_spec(value: Any, side: str) -> TensorSpec:
    if isinstance(value, TensorSpec):
        return value
    as_spec = getattr(value, "spec", None)  # nemo_compat.NeuralType
    if isinstance(as_spec, TensorSpec):
        return as_spec
    found = spec_of(value)
    if found is not None:
        return found
    raise AnnotationError(
        f"compare(): the {side} type must be a neural-type annotation or TensorSpec, got {value!r}", code="NT101"
    )


def _axis_name(dim: Dim) -> str | None:
    if isinstance(dim, NamedDim):
        return dim.name
    if isinstance(dim, VariadicDim):
        return dim.name
    return str(dim) if not isinstance(dim, FixedDim) else None


def _axis_size(dim: Dim) -> int | None:
    if isinstance(dim, FixedDim):
        return dim.size
    if isinstance(dim, NamedDim):
        return dim.size
    return None


def _pairwise(expected: Sequence[Dim], actual: Sequence[Dim]) -> str:
    names_fit = True
    for e, a in zip(expected, actual, strict=True):
        if isinstance(e, AnyDim):
            continue
        if isinstance(a, AnyDim):  # "any" only stands on the expected side
            names_fit = False
        elif not isinstance(e, FixedDim) and not isinstance(a, FixedDim) and _axis_name(e) != _axis_name(a):
            names_fit = False
    if not names_fit:
        if any(isinstance(d, AnyDim) for d in (*expected, *actual)):
            return "incompatible"
        same_axes = sorted(map(str, map(_axis_name, expected))) == sorted(map(str, map(_axis_name, actual)))
        return "transpose" if same_axes else "incompatible"
    for e, a in zip(expected, actual, strict=True):
        want = _axis_size(e)
        if want is not None and _axis_size(a) != want:
            return "dim"
    return "ok"


def _axes(expected: tuple[Dim, ...], actual: tuple[Dim, ...]) -> str:
    variadic = any(isinstance(d, VariadicDim) for d in expected)
    if not variadic and any(isinstance(d, VariadicDim) for d in actual):
        return "incompatible"
    if not rank_fits(expected, len(actual)):
        return "incompatible"
    # the axes before a variadic dim and those after it are compared apart (the tail from the end)
    head: list[tuple[Dim, Dim]] = []
    tail: list[tuple[Dim, Dim]] = []
    for dim, place in zip(expected, axis_places(expected), strict=True):
        if isinstance(place, int):
            (head if place >= 0 else tail).append((dim, actual[place]))
    results = [_pairwise([e for e, _ in part], [a for _, a in part]) for part in (head, tail)]
    for result in ("incompatible", "transpose", "dim"):
        if result in results:
            return result
    return "ok"


def compare(expected: Any, actual: Any) -> Compatibility:
    """How `actual` relates to `expected` (NeMo's semantics without its bugs; see docs/tags.md).

    Both may be annotations (``MelSpectrogram[Tensor, "batch mel frame"]``), `TensorSpec`s or
    `neuraltypes.nemo_compat.NeuralType`s. A module input accepts SAME and GREATER only
    (``compare(a, b).accepted``).
    """
    e, a = _as_spec(expected, "expected"), _as_spec(actual, "actual")
    axes = _axes(e.dims, a.dims)
    if axes == "incompatible":
        return Compatibility.INCOMPATIBLE
    relation = tag_relation(e.tag, a.tag)
    if axes == "transpose":
        return Compatibility.TRANSPOSE_SAME if relation is Compatibility.SAME else Compatibility.INCOMPATIBLE
    if not relation.accepted:
        return relation
    if axes == "dim":
        return Compatibility.DIM_INCOMPATIBLE
    return relation


@dataclass(frozen=True)
class WiringProblem:
    """One output that does not fit the next module's input."""

    source: str
    target: str
    output: str
    parameter: str
    expected: TensorSpec | TextForm | None
    actual: TensorSpec | TextForm | None
    result: Compatibility | None
    reason: str

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}: {self.output} -> '{self.parameter}': {self.reason}"


@dataclass(frozen=True)
class WiringReport:
    """The outcome of `check_wiring`: `ok`, the `problems`, and a readable `str()`."""

    stages: tuple[str, ...]
    problems: tuple[WiringProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        chain = " -> ".join(self.stages)
        if self.ok:
            return f"wiring ok: {chain}"
        return "\n".join([f"wiring problems in {chain}:", *(f"  - {p}" for p in self.problems)])

    def raise_if_failed(self) -> None:
        """Raise `ContractViolation` (NT212) listing every problem."""
        if self.problems:
            first = self.problems[0]
            raise ContractViolation(f"[NT212] {self}", code="NT212", function=first.target,
                                    parameter=first.parameter)


def _explain(result: Compatibility, expected: TensorSpec, actual: TensorSpec) -> str:
    e_name, a_name = type(expected.tag).__name__, type(actual.tag).__name__
    base = f"{actual} does not fit {expected} ({result.name})"
    if result is Compatibility.TRANSPOSE_SAME:
        return f"{base}: same axes in another order; transpose between the stages"
    if result is Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS:
        diffs = [f"{k} {actual.tag.params.get(k)} vs {v}" for k, v in expected.tag.params.items()
                 if v is not None and actual.tag.params.get(k) not in (None, v)]
        return f"{base}: {', '.join(diffs)}"
    if result is Compatibility.LESS:
        return f"{base}: {article(a_name)} is more general than {article(e_name)}"
    if result is Compatibility.DIM_INCOMPATIBLE:
        return f"{base}: a fixed size differs"
    return f"{base}: {article(a_name)} is not {article(e_name)}" if e_name != a_name else base


def _wiring_compare(expected: TensorSpec, actual: TensorSpec) -> Compatibility:
    """`compare`, except that axis names need not agree across modules (each call binds its own names, as at run
    time): same-rank axes under other names are matched by position, unless they are a permutation of each other."""
    result = compare(expected, actual)
    if result is not Compatibility.INCOMPATIBLE or len(expected.dims) != len(actual.dims):
        return result
    relation = tag_relation(expected.tag, actual.tag)
    dims = (*expected.dims, *actual.dims)
    if not relation.accepted or any(isinstance(d, VariadicDim | AnyDim) for d in dims):
        return result
    if _axes(expected.dims, actual.dims) == "transpose":
        return Compatibility.TRANSPOSE_SAME
    for e, a in zip(expected.dims, actual.dims, strict=True):
        want, got = _axis_size(e), _axis_size(a)
        if want is not None and got is not None and want != got:
            return Compatibility.DIM_INCOMPATIBLE
    return relation


def _stage_io(stage: object, contract: Any, side: str) -> TensorSpec | TextForm | None:
    """What a chain element gives (``side == "gives"``: a `Stage`'s form, a module's output 0) or takes (a
    `Stage`'s form, a module's first input), resolved on the module."""
    if isinstance(stage, Stage):
        return stage.gives if side == "gives" else stage.takes  # type: ignore[no-any-return]
    if side == "gives":
        out = contract.output
        node = out.items[0] if isinstance(out, TupleNode) and out.items else out
    else:
        params = [n for n in contract.signature.parameters if n != contract.owner]
        node = contract.inputs.get(params[0]) if params else None
    if isinstance(node, OptionalNode):
        node = node.inner
    return node.spec.resolve(stage) if isinstance(node, TensorNode) else None


def _stage_problem(source: str, target: str, parameter: str, expected: TensorSpec | TextForm,
                   actual: TensorSpec | TextForm) -> WiringProblem | None:
    """The problem of feeding `actual` (what `source` gives) to `target`, which takes `expected`, or ``None``."""
    if isinstance(expected, TextForm) and isinstance(actual, TextForm):
        reason = text_mismatch(expected, actual)
        if reason is None:
            return None
        return WiringProblem(source, target, "text", parameter, expected, actual,
                             Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS, reason)
    if isinstance(expected, TensorSpec) and isinstance(actual, TensorSpec):
        result = _wiring_compare(expected, actual)
        if result.accepted:
            return None
        return WiringProblem(source, target, "output 0", parameter, expected, actual, result,
                             _explain(result, expected, actual))
    return WiringProblem(source, target, "output 0", parameter, expected, actual, Compatibility.INCOMPATIBLE,
                         f"{actual} does not fit {expected}: one is text, the other a tensor")


def check_wiring(modules: Sequence[object], *, method: str = "forward") -> WiringReport:
    """Check, before any data flows, that each module's outputs fit the next module's inputs.

    Output *i* of a stage feeds parameter *i* of the next (extra outputs are ignored); every mandatory input of
    the next stage must be fed. Tag parameters read with `attr` are resolved on each module instance. Axis names
    are local to each module, as at run time: ``batch mel frame`` feeds ``batch feature frame``, but not
    ``batch frame mel`` (a transposition).

    The chain may hold `Stage`s beside typed modules: a stage that is not a module (a text stage, a verb around
    a model) declares what it takes and gives, text as a `TextForm` (language, cased, punctuated). A stage's
    `gives` is compared with the next element's first input, and a module's output 0 with a stage's `takes`.
    """
    names = tuple(m.name if isinstance(m, Stage) else type(m).__name__ for m in modules)
    problems: list[WiringProblem] = []
    contracts: list[Contract | None] = []
    for module, name in zip(modules, names, strict=True):
        if isinstance(module, Stage):
            contracts.append(None)
            continue
        contract = get_contract(getattr(type(module), method, None) or getattr(module, method))
        if contract is None:
            raise AnnotationError(f"check_wiring(): {name}.{method} declares no neural types", code="NT108")
        contracts.append(contract)
    for i in range(len(modules) - 1):
        source, target = modules[i], modules[i + 1]
        before, after = contracts[i], contracts[i + 1]
        if before is None or after is None:  # a Stage on either side
            gives = _stage_io(source, before, "gives")
            takes = _stage_io(target, after, "takes")
            parameter = next(n for n in after.signature.parameters if n != after.owner) if after is not None else (
                "text" if isinstance(takes, TextForm) else "input")
            if gives is not None and takes is not None:
                found = _stage_problem(names[i], names[i + 1], parameter, takes, gives)
                problems += [found] if found is not None else []
            continue
        out = before.output
        items = list(out.items) if isinstance(out, TupleNode) else [out]
        outputs = [node.spec.resolve(source) if isinstance(node, TensorNode) else None for node in items]
        params = [(n, p) for n, p in after.signature.parameters.items() if n != after.owner]
        for k, (pname, param) in enumerate(params):
            node = after.inputs.get(pname)
            optional = isinstance(node, OptionalNode) or param.default is not param.empty
            if isinstance(node, OptionalNode):
                node = node.inner
            if k >= len(outputs):
                if not optional:
                    problems.append(WiringProblem(names[i], names[i + 1], "(nothing)", pname, None, None, None,
                                                  f"{names[i]} has {len(outputs)} output(s); this input is not fed"))
                continue
            actual = outputs[k]
            if not isinstance(node, TensorNode) or actual is None:
                continue
            expected = node.spec.resolve(target)
            result = _wiring_compare(expected, actual)
            if not result.accepted:
                problems.append(WiringProblem(names[i], names[i + 1], f"output {k}", pname, expected, actual, result,
                                              _explain(result, expected, actual)))
    return WiringReport(names, tuple(problems))
