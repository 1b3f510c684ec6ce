"""The reference checker: walks a call's arguments and result against their nodes and explains the first breach.

This is the semantics. The generated fast path (`_codegen`) only decides pass/fail and calls back here to explain a
failure, so every message comes from one place.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import torch

from ._dims import AnyDim, ExprDim, FixedDim, NamedDim, VariadicDim
from ._errors import ContractViolation
from ._spec import (
    Attr,
    ListNode,
    Node,
    OptionalNode,
    TensorNode,
    TensorSpec,
    TupleNode,
    axis_places,
    dtype_names,
    rank_fits,
)
from ._state import STATE, CheckState, Mode
from ._tags import TAG_ATTRIBUTE, Compatibility, Void, tag_relation

#: the modes as exact ints, compared with `CheckState.level` on the hot path (an IntEnum compares ~5x slower)
_FULL, _PARANOID = int(Mode.FULL), int(Mode.PARANOID)

__all__ = ["Binder", "check_alone", "check_node", "describe_value", "tag_outputs"]


class Binder:
    """Dims bound so far in one call, and which parameter bound each."""

    __slots__ = ("dims", "sources")

    def __init__(self) -> None:
        self.dims: dict[str, Any] = {}
        self.sources: dict[str, str] = {}

    def copy(self) -> Binder:
        other = Binder()
        other.dims = dict(self.dims)
        other.sources = dict(self.sources)
        return other

    def describe(self) -> str:
        if not self.dims:
            return "(none yet)"
        return ", ".join(f"{name}={_size_text(v)} (from {self.sources[name]})" for name, v in self.dims.items())


def _size_text(value: Any) -> str:
    return "(" + ",".join(map(str, value)) + ")" if isinstance(value, tuple) else str(value)


def describe_value(value: object) -> str:
    """``float32[4,64,100] MelSpectrogram(sample_rate=16000)``: dtype, shape and tag; never the values."""
    if isinstance(value, torch.Tensor):
        meaning = getattr(value, TAG_ATTRIBUTE, None)
        dtype = str(value.dtype).removeprefix("torch.")
        shape = ",".join(map(str, value.shape))
        return f"{dtype}[{shape}] {meaning!r}" if meaning is not None else f"{dtype}[{shape}] (untagged)"
    return f"a {type(value).__name__}"


@dataclass
class _Call:
    function: str
    state: CheckState
    binder: Binder
    owner: object


def _fail(call: _Call, path: str, value: object, spec: TensorSpec | None, code: str, problem: str, hint: str) -> None:
    lines = [
        f"[{code}] {call.function}: parameter '{path}' breaks its contract",
        f"  got:      {describe_value(value)}",
    ]
    if spec is not None:
        lines.append(f"  expected: {spec}  ({dtype_names(spec.dtypes)}[{spec.shape}])")
    lines.append(f"  problem:  {problem}")
    lines.append(f"  bindings: {call.binder.describe()}")
    if hint:
        lines.append(f"  hint:     {hint}")
    raise ContractViolation("\n".join(lines), code=code, function=call.function, parameter=path, hint=hint)


def article(name: str) -> str:
    """'a MelSpectrogram', 'an AudioSignal', 'an MFCC'."""
    vowel = name[0] in "AEIOU" or (name.isupper() and name[0] in "FHLMNRSX")
    return ("an " if vowel else "a ") + name


def _dtype_hint(dtypes: frozenset[torch.dtype]) -> str:
    if all(d.is_floating_point for d in dtypes):
        return "cast with .float()"
    if dtypes == {torch.bool}:
        return "cast with .bool() (or compare, e.g. x > 0)"
    if all(not d.is_floating_point and not d.is_complex and d != torch.bool for d in dtypes):
        return "cast with .long()"
    return f"cast to one of {dtype_names(dtypes)}"


def _match_dims(spec: TensorSpec, shape: tuple[int, ...], binder: Binder, path: str) -> tuple[str, str] | None:
    """Bind `shape` to the spec's dims; return (code, problem) for the first breach, binding as it goes."""
    dims = spec.dims
    if not rank_fits(dims, len(shape)):
        variadic = any(isinstance(d, VariadicDim) for d in dims)
        want = f"at least {len(dims) - 1}" if variadic else f"{len(dims)}"
        return "NT203", f"rank {len(shape)}, expected {want} dims ({spec.shape})"
    pairs = [(dim, tuple(shape[place]) if isinstance(place, slice) else shape[place])
             for dim, place in zip(dims, axis_places(dims), strict=True)]
    for axis, (dim, size) in enumerate(pairs):
        if isinstance(dim, AnyDim):
            continue
        if isinstance(dim, FixedDim):
            if size != dim.size:
                return "NT204", f"axis {axis} has size {size}, expected {dim.size}"
            continue
        if isinstance(dim, ExprDim):
            missing = [n for n in dim.names if n not in binder.dims]
            if missing:
                return "NT206", f"axis {axis}: {dim.source} needs {', '.join(missing)}, not bound by any argument"
            expected_size = dim.evaluate(binder.dims)
            if size != expected_size:
                return "NT206", f"axis {axis} has size {size}, expected {dim.source} = {expected_size}"
            continue
        if isinstance(dim, VariadicDim):
            if dim.name is None:
                continue
            name = dim.name
        else:
            assert isinstance(dim, NamedDim)
            name = dim.name
            if dim.size is not None and size != dim.size:
                return "NT204", f"dim '{name}' (axis {axis}) has size {size}, expected {dim.size}"
            if dim.broadcast and size == 1:
                continue
        if name in binder.dims:
            if binder.dims[name] != size:
                return "NT205", (
                    f"dim '{name}' (axis {axis}) is {_size_text(size)} here but {_size_text(binder.dims[name])} "
                    f"from '{binder.sources[name]}'"
                )
        else:
            binder.dims[name] = size
            binder.sources[name] = path
    return None


def _shape_hint(spec: TensorSpec, shape: tuple[int, ...], before: Binder, path: str) -> str:
    """Suggest a transpose when a permutation of the axes fits, or a batch axis when the rank is off by one."""
    names = [d.name if isinstance(d, NamedDim) else str(d) for d in spec.dims]
    if len(shape) == len(spec.dims) and 2 <= len(shape) <= 5:
        for perm in itertools.permutations(range(len(shape))):
            if list(perm) == sorted(perm):
                continue
            if _match_dims(spec, tuple(shape[p] for p in perm), before.copy(), path) is None:
                moved = [i for i, p in enumerate(perm) if p != i]
                if len(moved) == 2:
                    i, j = moved
                    return f"transpose {names[i]} and {names[j]}? (x.transpose({i}, {j}))"
                return f"the axes look permuted: x.permute{tuple(perm)}"
    if len(shape) + 1 == len(spec.dims) and spec.dims and isinstance(spec.dims[0], NamedDim):
        return f"missing the leading '{spec.dims[0]}' axis? (x.unsqueeze(0))"
    return ""


def _param_hint(expected: Any, actual: Any) -> str:
    fixes = []
    for name, want in expected.params.items():
        got = actual.params.get(name)
        if want is None or got is None or want == got:
            continue
        if name == "sample_rate":
            fixes.append(f"resample {got} Hz -> {want} Hz (torchaudio.functional.resample)")
        else:
            fixes.append(f"{name} is {got}, expected {want}")
    return "; ".join(fixes)


def _check_tensor(call: _Call, spec: TensorSpec, value: object, path: str) -> None:
    if not isinstance(value, torch.Tensor):
        _fail(call, path, value, spec, "NT201", f"expected a torch.Tensor, got {type(value).__name__}", "")
    assert isinstance(value, torch.Tensor)
    if spec.has_attrs:
        spec = spec.resolve(call.owner)
    state = call.state
    if state.level >= _FULL:
        actual = getattr(value, TAG_ATTRIBUTE, None)
        if actual is None:
            if state.strict and type(spec.tag) is not Void:
                _fail(call, path, value, spec, "NT209", "untagged tensor in strict mode",
                      f"tag it: neuraltypes.tag(x, {spec.tag!r})")
        else:
            relation = tag_relation(spec.tag, actual)
            if relation is Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS:
                _fail(call, path, value, spec, "NT208", f"{actual!r} does not match {spec.tag!r}",
                      _param_hint(spec.tag, actual))
            elif not relation.accepted:
                why = "is more general than" if relation is Compatibility.LESS else "is not"
                _fail(call, path, value, spec, "NT207",
                      f"{article(type(actual).__name__)} {why} {article(type(spec.tag).__name__)}",
                      "pass the output of the right stage, or re-tag deliberately with neuraltypes.tag()")
    if spec.dtypes is not None and value.dtype not in spec.dtypes:
        _fail(call, path, value, spec, "NT202", f"dtype {str(value.dtype).removeprefix('torch.')} is not "
              f"{dtype_names(spec.dtypes)}", _dtype_hint(spec.dtypes))
    shape = tuple(value.shape)
    before = call.binder.copy()
    breach = _match_dims(spec, shape, call.binder, path)
    if breach is not None:
        code, problem = breach
        call.binder = before
        hint = _shape_hint(spec, shape, before, path)
        if not hint and code == "NT205":
            hint = "a dim name means one size in every argument and the result of a call"
        _fail(call, path, value, spec, code, problem, hint)
    if state.level >= _PARANOID:
        breach_text = spec.tag.invariant(value)
        if breach_text is not None:
            _fail(call, path, value, spec, "NT210", breach_text, "")


def check_node(call: _Call, node: Node, value: object, path: str) -> None:
    """Check `value` against `node`, binding dims into ``call.binder``; raise `ContractViolation` on a breach."""
    if isinstance(node, TensorNode):
        _check_tensor(call, node.spec, value, path)
    elif isinstance(node, OptionalNode):
        if value is not None:
            check_node(call, node.inner, value, path)
    elif isinstance(node, TupleNode):
        expected_type = node.cls or tuple
        if not isinstance(value, expected_type) or len(value) != len(node.items):  # type: ignore[arg-type]
            got = f"{type(value).__name__} of {len(value)}" if isinstance(value, tuple | list) else type(value).__name__
            _fail(call, path, value, None, "NT211",
                  f"expected {expected_type.__name__} of {len(node.items)} items, got {got}", "")
        for i, (item, element) in enumerate(zip(node.items, value, strict=True)):  # type: ignore[call-overload]
            if item is not None:
                name = f"{path}.{node.names[i]}" if node.names else f"{path}[{i}]"
                check_node(call, item, element, name)
    elif isinstance(node, ListNode):
        if not isinstance(value, list | tuple):
            _fail(call, path, value, None, "NT211", f"expected a sequence, got {type(value).__name__}", "")
        for i, element in enumerate(value):  # type: ignore[arg-type]
            check_node(call, node.item, element, f"{path}[{i}]")


def new_call(function: str, state: CheckState, owner: object) -> _Call:
    return _Call(function, state, Binder(), owner)


def tag_outputs(node: Node, value: object, owner: object) -> None:
    """Attach the declared tags to the tensors of a result (Void declares nothing and leaves tags alone)."""
    if isinstance(node, TensorNode):
        spec = node.spec.resolve(owner) if node.spec.has_attrs else node.spec
        if isinstance(value, torch.Tensor) and type(spec.tag) is not Void:
            setattr(value, TAG_ATTRIBUTE, spec.tag)
    elif isinstance(node, OptionalNode):
        if value is not None:
            tag_outputs(node.inner, value, owner)
    elif isinstance(node, TupleNode):
        for item, element in zip(node.items, value, strict=False):  # type: ignore[call-overload]
            if item is not None:
                tag_outputs(item, element, owner)
    elif isinstance(node, ListNode):
        for element in value:  # type: ignore[attr-defined]
            tag_outputs(node.item, element, owner)


def check_alone(spec: TensorSpec, value: object) -> bool:
    """Check one value in isolation (for plain ``@beartype``): dims bind within this value only; `attr`
    parameters are wildcards. Raises `ContractViolation` on a breach, so beartype reports our message."""
    state = STATE.get()
    if state.mode is Mode.OFF:
        return True
    if spec.has_attrs:
        values = [None if isinstance(v, Attr) else v for v in spec.tag._values]
        spec = TensorSpec(type(spec.tag)(*values), spec.dims, spec.shape, spec.dtypes)
    check_node(new_call("beartype check", state, None), TensorNode(spec), value, "value")
    return True
