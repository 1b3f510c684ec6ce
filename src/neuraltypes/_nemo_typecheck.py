"""NeMo's ``@typecheck()`` on our engine: `Typing`, `NeuralModule`, `typecheck` and its switches.

A method decorated with ``@typecheck()`` on a `Typing` object is checked against the object's ``input_types`` and
``output_types`` properties (or the decorator's overrides) as NeMo checks it: arguments by keyword only, the count of
mandatory and optional ports, nested list ports, and, for every tensor, its rank and its meaning (the
``neural_type`` it carries, or the tag our own modules give it). We also check declared axis sizes (NeMo ignores
them). Outputs get ``.neural_type`` (and our tag, so annotated modules downstream check their meaning too).

What differs from NeMo on purpose is listed in docs/porting-from-nemo.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import torch

from ._check import describe_value
from ._errors import AnnotationError, ContractViolation
from ._nemo_types import NeuralType
from ._state import STATE, checking
from ._tags import TAG_ATTRIBUTE, Compatibility, Void, tag_relation

__all__ = ["NeuralModule", "Typing", "TypingRequired", "is_semantic_typecheck_enabled", "is_typecheck_enabled",
           "typecheck"]

_SWITCHES = {"enabled": True, "semantic": True}  # NeMo's process-wide switches (set_typecheck_enabled...)
_SHAPES = 1  # CheckState.level of "shapes": no meaning checked
Tensor = torch.Tensor


class TypingRequired(AnnotationError, RuntimeError):
    """``@typecheck()`` is used on a method of a class that is not a `Typing` (NeMo raises RuntimeError)."""


class Typing:
    """A class whose methods ``@typecheck()`` checks: define the ``input_types``/``output_types`` properties."""

    @property
    def input_types(self) -> dict[str, Any] | None:
        """Port name -> `NeuralType` (or ``[NeuralType]`` for a list port); None checks no input."""
        return None

    @property
    def output_types(self) -> dict[str, Any] | None:
        """Port name -> `NeuralType` (or a nested list of one); None checks no output."""
        return None


class NeuralModule(torch.nn.Module, Typing):
    """NeMo's ``NeuralModule``: a `torch.nn.Module` that is `Typing` (nothing more is needed to run its checks)."""


def is_typecheck_enabled() -> bool:
    """Whether `typecheck` checks calls at all (NeMo's global switch, set by ``typecheck.set_typecheck_enabled``)."""
    return _SWITCHES["enabled"]


def is_semantic_typecheck_enabled() -> bool:
    """Whether `typecheck` checks meaning (``.neural_type``) besides shapes (``typecheck.set_semantic_check_enabled``)."""
    return _SWITCHES["semantic"]


def _unnest(declared: Any, port: str) -> tuple[NeuralType, int]:
    """The `NeuralType` of a port and how many list levels wrap it (``[[NT]]`` -> depth 2)."""
    depth = 0
    while isinstance(declared, list | tuple):
        if len(declared) != 1:
            raise AnnotationError(f"port '{port}': a nested port declares exactly one NeuralType, got {declared!r}",
                                  code="NT101")
        declared, depth = declared[0], depth + 1
    if not isinstance(declared, NeuralType):
        raise AnnotationError(f"port '{port}': expected a NeuralType, got {declared!r}", code="NT101")
    return declared, depth


def _fail(where: str, port: str, value: object, expected: object, code: str, problem: str, hint: str = "") -> None:
    lines = [f"[{code}] {where}: port '{port}' breaks its contract", f"  got:      {describe_value(value)}",
             f"  expected: {expected}", f"  problem:  {problem}"]
    if hint:
        lines.append(f"  hint:     {hint}")
    raise ContractViolation("\n".join(lines), code=code, function=where, parameter=port, hint=hint)


def _check_tensor(where: str, port: str, value: torch.Tensor, declared: NeuralType, semantic: bool) -> None:
    if semantic:
        carried = value.__dict__.get("neural_type")
        if carried is declared:
            pass
        elif isinstance(carried, NeuralType):
            result = declared.compare(carried)
            if not result.accepted:
                _fail(where, port, value, declared, "NT207", f"it carries {carried!r}: {result.name}",
                      "pass the output of the right module, or set .neural_type deliberately")
        else:
            actual = value.__dict__.get(TAG_ATTRIBUTE)
            if actual is not None and type(declared.elements_type) is not Void:
                relation = tag_relation(declared.elements_type, actual)
                if not relation.accepted:
                    code = "NT208" if relation is Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS else "NT207"
                    _fail(where, port, value, declared, code, f"it is tagged {actual!r}: {relation.name}")
    rank = declared.rank
    if rank is not None:
        shape = value.shape
        if len(shape) != rank:
            _fail(where, port, value, declared, "NT203", f"rank {len(shape)}, expected {rank} axes")
        for axis, size in declared.fixed:
            if shape[axis] != size:
                _fail(where, port, value, declared, "NT204", f"axis {axis} ({declared.spec.dims[axis]}) has size "
                      f"{shape[axis]}, expected {size}")


def _walk(where: str, port: str, value: object, declared: NeuralType, depth: int, at: int, loose: bool,
          semantic: bool, attach: bool) -> None:
    """Check (inputs) or check and tag (outputs) `value`, found `at` list levels deep, against a port nested
    `depth` levels (any depth when `loose`: NeMo's ignore_collections)."""
    if isinstance(value, list | tuple):
        for item in value:
            _walk(where, port, item, declared, depth, at + 1, loose, semantic, attach)
        return
    if not loose and at != depth:
        _fail(where, port, value, declared, "NT211", f"found {at} list level(s) deep, the port declares {depth}")
    if not isinstance(value, torch.Tensor):
        return  # NeMo checks tensors only (a port may carry any object)
    if attach:
        _attach(where, port, value, declared)
    else:
        _check_tensor(where, port, value, declared, semantic)


def _check_inputs(where: str, types: dict[str, Any], kwargs: dict[str, Any], loose: bool, semantic: bool) -> None:
    if len(kwargs) != len(types):  # fewer arguments than ports: are the missing ones optional?
        ports = {name: _unnest(declared, name) for name, declared in types.items()}
        mandatory = sum(1 for declared, _ in ports.values() if not declared.optional)
        if not mandatory <= len(kwargs) <= len(ports):
            _fail(where, "(arguments)", None, f"{mandatory} to {len(ports)} of {list(ports)}", "NT213",
                  f"{len(kwargs)} argument(s) given: {list(kwargs)}")
        missing = [name for name, (declared, _) in ports.items() if not declared.optional and name not in kwargs]
        if missing and set(kwargs) <= set(ports):  # NeMo counted arguments only
            _fail(where, missing[0], None, f"{mandatory} to {len(ports)} of {list(ports)}", "NT213",
                  f"the mandatory port '{missing[0]}' is not given (given: {list(kwargs)})")
    for name, value in kwargs.items():
        declared = types.get(name)
        if type(declared) is NeuralType and type(value) is torch.Tensor:  # the common case, checked inline
            _check_tensor(where, name, value, declared, semantic)
        elif declared is None:
            _fail(where, name, value, f"one of {list(types)}", "NT213", f"no input port is named '{name}'")
        else:
            found, depth = _unnest(declared, name)
            _walk(where, name, value, found, depth, 0, loose, semantic, False)


def _attach(where: str, port: str, value: torch.Tensor, declared: NeuralType) -> None:
    value.neural_type = declared  # type: ignore[attr-defined]
    if declared.tag is not None:
        setattr(value, TAG_ATTRIBUTE, declared.tag)
    _check_tensor(where, port, value, declared, False)


def _attach_outputs(where: str, types: dict[str, Any], result: Any, loose: bool) -> None:
    if type(result) is torch.Tensor and len(types) == 1:  # the common cases first: one tensor...
        ((name, declared),) = types.items()
        if type(declared) is NeuralType:
            _attach(where, name, result, declared)
            return
    elif type(result) is tuple and len(result) == len(types) > 1:  # ... or a tuple of tensors, one per port
        pairs = list(zip(types.items(), result, strict=True))
        if all(type(d) is NeuralType and type(v) is torch.Tensor for (_, d), v in pairs):
            for (name, declared), value in pairs:
                _attach(where, name, value, declared)
            return
    ports = [(name, *_unnest(declared, name)) for name, declared in types.items()]
    if len(ports) == 1 and ports[0][2]:  # one list port: a returned list is that port (a 1-tuple wraps it)
        name, declared, depth = ports[0]
        start = 0 if type(result) is tuple and len(result) == 1 else 1
        if isinstance(result, list | tuple):
            for item in result:
                _walk(where, name, item, declared, depth, start, loose, False, True)
        else:
            _walk(where, name, result, declared, depth, 0, loose, False, True)
        return
    items = list(result) if isinstance(result, list | tuple) else [result]
    mandatory = sum(1 for _, declared, _ in ports if not declared.optional)
    if not mandatory <= len(items) <= len(ports):
        _fail(where, "return", result, f"{mandatory} to {len(ports)} outputs {[p[0] for p in ports]}", "NT213",
              f"{len(items)} output(s) returned", "a list port is declared [NeuralType(...)]")
    for (name, declared, depth), item in zip(ports, items, strict=False):
        _walk(where, name, item, declared, depth, 0, loose, False, True)


class typecheck:  # noqa: N801 - NeMo's name
    """NeMo's decorator: ``@typecheck()`` checks a method against its object's ``input_types``/``output_types``;
    ``@typecheck(input_types=..., output_types=...)`` overrides them for one method.

    Arguments are passed by keyword (as in NeMo: a positional call to a method with input types is refused).
    ``ignore_collections=True`` checks list ports at any nesting depth.
    """

    class TypeState(Enum):
        UNINITIALIZED = 0

    def __init__(self, input_types: Any = TypeState.UNINITIALIZED, output_types: Any = TypeState.UNINITIALIZED,
                 ignore_collections: bool = False) -> None:
        self.input_types = input_types
        self.output_types = output_types
        self.ignore_collections = ignore_collections

    def __call__(self, wrapped: Callable[..., Any]) -> Callable[..., Any]:
        unset = typecheck.TypeState.UNINITIALIZED
        fixed_in, fixed_out = self.input_types, self.output_types
        override_in, override_out = fixed_in is not unset, fixed_out is not unset
        loose = self.ignore_collections
        name = getattr(wrapped, "__qualname__", repr(wrapped))
        switches, state = _SWITCHES, STATE

        def where(instance: object) -> str:
            return f"{type(instance).__qualname__}.{wrapped.__name__}"

        @functools.wraps(wrapped)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not switches["enabled"]:
                return wrapped(*args, **kwargs)
            level = state.get().level
            if not level:
                return wrapped(*args, **kwargs)
            instance = args[0] if args else None
            if not isinstance(instance, Typing):
                raise TypingRequired(f"@typecheck() on {name}: only methods of classes that inherit "
                                     "neuraltypes.nemo_compat.Typing (or NeuralModule) can be checked", code="NT111")
            input_types = fixed_in if override_in else instance.input_types
            output_types = fixed_out if override_out else instance.output_types
            if input_types is None and output_types is None:
                return wrapped(*args, **kwargs)
            if input_types is not None:
                if len(args) > 1:
                    _fail(where(instance), "(arguments)", args[1], f"keyword arguments {list(input_types)}", "NT213",
                          f"{len(args) - 1} positional argument(s)",
                          "call typed NeMo methods with keywords, e.g. module(audio_signal=x, length=n)")
                semantic = switches["semantic"] and level > _SHAPES
                slow = len(kwargs) != len(input_types)
                if not slow:  # the common case inline: one tensor per port, carrying its declared type or none
                    for port, value in kwargs.items():
                        declared = input_types.get(port)
                        if type(declared) is not NeuralType or type(value) is not Tensor:
                            slow = True
                            break
                        if semantic:
                            carried = value.__dict__
                            if (carried.get("neural_type") is not declared
                                    and ("neural_type" in carried or TAG_ATTRIBUTE in carried)):
                                slow = True
                                break
                        rank = declared.rank
                        if rank is not None and (value.ndim != rank or declared.fixed):
                            slow = True
                            break
                if slow:
                    _check_inputs(where(instance), input_types, kwargs, loose, semantic)
            result = wrapped(*args, **kwargs)
            if output_types is not None:
                done = False
                if type(result) is tuple and len(result) == len(output_types):
                    done = True
                    for declared, value in zip(output_types.values(), result, strict=True):
                        if type(declared) is not NeuralType or type(value) is not Tensor:
                            done = False
                            break
                        value.neural_type = declared  # type: ignore[attr-defined]
                        if declared.tag is not None:
                            setattr(value, TAG_ATTRIBUTE, declared.tag)
                        rank = declared.rank
                        if rank is not None and (value.ndim != rank or declared.fixed):
                            done = False
                            break
                if not done:
                    _attach_outputs(where(instance), output_types, result, loose)
            return result

        return wrapper

    @staticmethod
    def set_typecheck_enabled(enabled: bool = True) -> None:
        """Turn every ``@typecheck()`` on or off for the whole process (NeMo's global switch)."""
        _SWITCHES["enabled"] = bool(enabled)

    @staticmethod
    def set_semantic_check_enabled(enabled: bool = True) -> None:
        """Turn the check of meaning (``.neural_type``) on or off for the whole process; shapes stay checked."""
        _SWITCHES["semantic"] = bool(enabled)

    @staticmethod
    @contextmanager
    def disable_checks() -> Iterator[None]:
        """No checks inside the block; on exit the state found on entry comes back (also when nested)."""
        with checking("off"):
            yield

    @staticmethod
    @contextmanager
    def disable_semantic_checks() -> Iterator[None]:
        """Shapes only inside the block (``neuraltypes.checking("shapes")``); restored on exit."""
        with checking("shapes"):
            yield

    @staticmethod
    def enable_wrapping(enabled: bool = True) -> None:
        """NeMo's switch of the decorator itself; here the same as `set_typecheck_enabled`."""
        typecheck.set_typecheck_enabled(enabled)
