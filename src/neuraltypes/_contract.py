"""Contracts read from signatures: the `checked` decorator, `NeuralModule`, and what is derived from them.

The signature is the only place a contract is written. `input_types`, `output_types`, `contract_of` (for archives
and docs), the wiring check and the test strategies all read it from here.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import torch

from ._annotations import node_from_hint
from ._check import check_node, new_call, tag_outputs
from ._codegen import NO_RESULT, generate_wrapper, supports_codegen
from ._dims import ExprDim, NamedDim, VariadicDim
from ._errors import AnnotationError
from ._spec import ListNode, Node, OptionalNode, TensorNode, TensorSpec, TupleNode, tensor_specs
from ._state import STATE, CheckState, Mode

__all__ = ["Contract", "NeuralModule", "checked", "contract_of", "get_contract"]

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from typing import ParamSpec, Protocol

    _P = ParamSpec("_P")
    _R = TypeVar("_R")
    _R_co = TypeVar("_R_co", covariant=True)

    class _HasForward(Protocol[_P, _R_co]):
        """What a module's ``forward`` takes and returns, as static checkers read it."""

        def forward(self, *args: _P.args, **kwargs: _P.kwargs) -> _R_co: ...

_CONTRACT_ATTRIBUTE = "__neuraltypes_contract__"
_LAZY_ATTRIBUTE = "__neuraltypes_lazy__"
_FULL = int(Mode.FULL)  # compared with `CheckState.level` on the hot path (an IntEnum compares ~5x slower)


@dataclass(frozen=True)
class Contract:
    """The analysed signature of one function: a node per checked parameter and one for the result."""

    qualname: str
    signature: inspect.Signature
    inputs: dict[str, Node]
    output: Node | None
    owner: str | None  #: name of the first parameter, which `attr` parameters are read from
    scalars: tuple[str, ...] = ()  #: plain parameters (e.g. ``hop: int``) that shape expressions use as dims

    def name_for(self, owner: object) -> str:
        """The name errors show: ``Subclass.method`` for a method inherited from a base class."""
        scope, _, name = self.qualname.rpartition(".")
        if owner is None or not scope or scope.endswith("<locals>"):
            return self.qualname
        owner_class = owner if isinstance(owner, type) else type(owner)  # a classmethod's owner is the class
        return f"{owner_class.__qualname__}.{name}"

    def specs(self, owner: object = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Input and output types with `attr` parameters read from `owner`: TensorSpec for tensors, nodes otherwise."""
        inputs = {name: _resolve(node, owner) for name, node in self.inputs.items()}
        outputs: dict[str, Any] = {}
        out = self.output
        if isinstance(out, TupleNode):
            for i, item in enumerate(out.items):
                if item is not None:
                    outputs[out.names[i] if out.names else f"output_{i}"] = _resolve(item, owner)
        elif out is not None:
            outputs["output"] = _resolve(out, owner)
        return inputs, outputs

    def to_json(self, owner: object = None) -> dict[str, Any]:
        inputs = {name: _node_json(node, owner) for name, node in self.inputs.items()}
        return {"inputs": inputs, "output": None if self.output is None else _node_json(self.output, owner)}


def _resolve(node: Node, owner: object) -> Any:
    if isinstance(node, TensorNode):
        return node.spec.resolve(owner) if owner is not None else node.spec
    return node


def _node_json(node: Node, owner: object) -> dict[str, Any]:
    if isinstance(node, TensorNode):
        spec = node.spec.resolve(owner) if owner is not None else node.spec
        return spec.to_json()
    if isinstance(node, OptionalNode):
        return {**_node_json(node.inner, owner), "optional": True}
    if isinstance(node, ListNode):
        return {"list_of": _node_json(node.item, owner)}
    items = [None if i is None else _node_json(i, owner) for i in node.items]
    if node.names:
        return {"fields": dict(zip(node.names, items, strict=True))}
    return {"tuple": items}


def _specs_in(nodes: list[Node]) -> list[TensorSpec]:
    return [spec for node in nodes for _, spec in tensor_specs(node, "")]


def _expression_names(nodes: list[Node]) -> set[str]:
    return {n for spec in _specs_in(nodes) for d in spec.dims if isinstance(d, ExprDim) for n in d.names}


def _check_expressions(qualname: str, nodes: list[tuple[str, Node]], scalars: tuple[str, ...]) -> None:
    """An expression dim must use names bound earlier in the signature (or earlier in the same shape)."""
    bound: set[str] = set(scalars)
    for where, node in nodes:
        for spec in _specs_in([node]):
            for dim in spec.dims:
                if isinstance(dim, ExprDim):
                    missing = [n for n in dim.names if n not in bound]
                    if missing:
                        raise AnnotationError(
                            f"{qualname}: '{where}' uses {dim.source}, but {', '.join(missing)} is bound by no "
                            "earlier argument; name it in an earlier parameter or earlier in this shape",
                            code="NT104",
                        )
                elif isinstance(dim, NamedDim | VariadicDim) and dim.name:
                    bound.add(dim.name)


def analyse(fn: Callable[..., Any], *, has_owner: bool = True) -> Contract:
    """Read the contract of `fn` from its annotations (raises AnnotationError, or NameError for a forward
    reference that is not defined yet). `has_owner`: the first parameter is the object `attr` parameters are read
    from (False for a staticmethod)."""
    qualname = getattr(fn, "__qualname__", repr(fn))
    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)
    inputs: dict[str, Node] = {}
    for name, param in signature.parameters.items():
        if name in hints:
            node = node_from_hint(hints[name], f"{qualname}({name})")
            if node is not None:
                if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                    raise AnnotationError(
                        f"{qualname}: *{name} / **{name} cannot carry a neural type; use list[...] instead",
                        code="NT107",
                    )
                inputs[name] = node
    output = node_from_hint(hints["return"], f"{qualname}(return)") if "return" in hints else None
    parameters = list(signature.parameters)
    owner = parameters[0] if parameters and has_owner else None
    uses_attrs = any(spec.has_attrs for spec in _specs_in([*inputs.values(), *([output] if output else [])]))
    if uses_attrs and owner is None:
        raise AnnotationError(f"{qualname}: attr() reads from the first argument, but there is none", code="NT105")
    used = _expression_names([*inputs.values(), *([output] if output is not None else [])])
    scalars = tuple(n for n in signature.parameters if n in used and n not in inputs)
    _check_expressions(qualname, [*inputs.items(), *([("return", output)] if output is not None else [])], scalars)
    return Contract(qualname, signature, inputs, output, owner, scalars)


def _explainer(contract: Contract, fn: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The reference checker for one function: `explain` raises the breach of a failed fast check; `slow` runs a
    whole call through the reference checker (paranoid mode)."""
    names = list(contract.signature.parameters)

    def run_inputs(state: CheckState, args: tuple[Any, ...]) -> Any:
        values = dict(zip(names, args, strict=True))
        owner = values.get(contract.owner) if contract.owner else None
        call = new_call(contract.name_for(owner), state, owner)
        bind_scalars(call, contract, values)
        for name, node in contract.inputs.items():
            check_node(call, node, values[name], name)
        return call

    def explain(state: CheckState, args: tuple[Any, ...], result: Any) -> None:
        call = run_inputs(state, args)
        if result is not NO_RESULT and contract.output is not None:
            check_node(call, contract.output, result, "return")
        raise RuntimeError(  # the fast path and the reference checker disagree: a neuraltypes bug
            f"neuraltypes internal error: the fast check of {contract.qualname} failed but no breach was found; "
            "please report it with the annotation and the shapes involved"
        )

    def slow(state: CheckState, args: tuple[Any, ...]) -> Any:
        call = run_inputs(state, args)
        kwargs = {n: a for n, a, p in zip(names, args, contract.signature.parameters.values(), strict=True)
                  if p.kind is inspect.Parameter.KEYWORD_ONLY}
        positional = [a for n, a in zip(names, args, strict=True) if n not in kwargs]
        result = fn(*positional, **kwargs)
        if contract.output is not None:
            check_node(call, contract.output, result, "return")
            tag_outputs(contract.output, result, call.owner)
        return result

    return explain, slow


def bind_scalars(call: Any, contract: Contract, values: dict[str, Any]) -> None:
    for name in contract.scalars:
        call.binder.dims[name] = values[name]
        call.binder.sources[name] = f"argument {name}"


def _build(fn: Callable[..., Any], contract: Contract) -> Callable[..., Any]:
    explain, slow = _explainer(contract, fn)
    if supports_codegen(contract.signature):
        wrapper = generate_wrapper(fn, contract.signature, contract.inputs, contract.output, contract.owner,
                                   explain, slow, contract.scalars)
    else:
        signature = contract.signature

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            state = STATE.get()
            if not state.level:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            owner = bound.arguments.get(contract.owner) if contract.owner else None
            call = new_call(contract.name_for(owner), state, owner)
            bind_scalars(call, contract, bound.arguments)
            for name, node in contract.inputs.items():
                check_node(call, node, bound.arguments[name], name)
            result = fn(*args, **kwargs)
            if contract.output is not None:
                check_node(call, contract.output, result, "return")
                if state.level >= _FULL:
                    tag_outputs(contract.output, result, call.owner)
            return result

    functools.update_wrapper(wrapper, fn)
    setattr(wrapper, _CONTRACT_ATTRIBUTE, contract)
    return wrapper


def _has_contract(fn: Callable[..., Any]) -> bool:
    """Whether `fn` is already a checking wrapper (built, or waiting for its first call)."""
    return getattr(fn, _CONTRACT_ATTRIBUTE, None) is not None or getattr(fn, _LAZY_ATTRIBUTE, None) is not None


def checked(fn: F) -> F:
    """Check every call of `fn` against the neural types in its signature.

    Arguments are checked before the call (rank, sizes, dims bound across arguments, dtype, tag and its
    parameters), the result after it; the result's tensors are then tagged. Works on functions and methods,
    positional and keyword calls alike. Raises `AnnotationError` now if an annotation is malformed.

    ```python
    @checked
    def gain(audio: AudioSignal[Tensor, "batch time"], db: float) -> AudioSignal[Tensor, "batch time"]:
        return audio * 10 ** (db / 20)
    ```
    """
    if _has_contract(fn):
        return fn
    try:
        contract = analyse(fn)
    except NameError:
        return _lazy(fn)  # a forward reference defined later in the module: analyse at the first call
    return typing.cast(F, _build(fn, contract))


def _each_hint(fn: Callable[..., Any]) -> tuple[dict[str, Any], list[str]]:
    """The annotations of `fn` evaluated one by one: those that resolve, and the names of those that do not (a
    forward reference not defined yet, or a name imported only under ``if TYPE_CHECKING:``)."""
    namespace = getattr(inspect.unwrap(fn), "__globals__", {})
    resolved: dict[str, Any] = {}
    unresolved: list[str] = []
    for name, annotation in inspect.get_annotations(fn).items():
        try:
            resolved[name] = eval(annotation, namespace) if isinstance(annotation, str) else annotation  # noqa: S307
        except NameError:
            unresolved.append(name)
    return resolved, unresolved


def _neural_hints(fn: Callable[..., Any], hints: dict[str, Any]) -> list[str]:
    """The names of `hints` that hold a neural type for sure (a hint that names something undefined, such as a
    NamedTuple with a forward reference inside, is not counted)."""
    qualname = getattr(fn, "__qualname__", repr(fn))
    neural = []
    for name, hint in hints.items():
        try:
            if node_from_hint(hint, f"{qualname}({name})") is not None:
                neural.append(name)
        except NameError:
            continue
    return neural


class _Lazy:
    """The contract of a method whose annotations name something not defined yet, read once it is needed."""

    def __init__(self, fn: Callable[..., Any], has_owner: bool, optional: bool) -> None:
        self.fn = fn
        self.has_owner = has_owner
        self.optional = optional  #: no neural type in sight when the class was made: may turn out to hold none
        self.done = False
        self.contract: Contract | None = None
        self.built: Callable[..., Any] = fn

    def resolve(self) -> Callable[..., Any]:
        """The function to call from now on: the checking wrapper, or `fn` itself when it holds no neural type."""
        if self.done:
            return self.built
        try:
            contract = analyse(self.fn, has_owner=self.has_owner)
        except NameError as error:
            resolved, unresolved = _each_hint(self.fn)
            qualname = getattr(self.fn, "__qualname__", repr(self.fn))
            if not self.optional or _neural_hints(self.fn, resolved):
                where = f"the annotation of {', '.join(map(repr, unresolved))}" if unresolved else "an annotation"
                raise AnnotationError(
                    f"{qualname}: {where} names something that is not defined at run time ({error}; imported only "
                    "under `if TYPE_CHECKING:`?), so its neural types cannot be checked; import it at module level",
                    code="NT110",
                ) from None
            contract = None  # what cannot be evaluated holds no neural type that could be checked
        if contract is not None and (contract.inputs or contract.output is not None or not self.optional):
            self.contract, self.built = contract, _build(self.fn, contract)
        self.done = True
        return self.built


def _lazy(fn: F, owner_class: type | None = None, *, has_owner: bool = True, optional: bool = False,
          rewrap: Callable[[Any], Any] = lambda f: f) -> F:
    """A stand-in that reads the contract of `fn` at its first call; on a class, it then puts the result (the
    checking wrapper, passed through `rewrap`, e.g. `staticmethod`) in its own place."""
    lazy = _Lazy(fn, has_owner, optional)

    @functools.wraps(fn)
    def first_call(*args: Any, **kwargs: Any) -> Any:
        target = lazy.resolve()
        if owner_class is not None:  # from now on the class calls the result directly
            current = owner_class.__dict__.get(fn.__name__)
            if getattr(current, "__func__", current) is first_call:
                setattr(owner_class, fn.__name__, rewrap(target))
        return target(*args, **kwargs)

    setattr(first_call, _LAZY_ATTRIBUTE, lazy)
    return typing.cast(F, first_call)


def get_contract(fn: Callable[..., Any]) -> Contract | None:
    """The contract of a checked function or method (None if it has none)."""
    func: Any = getattr(fn, "__func__", fn)
    contract: Contract | None = getattr(func, _CONTRACT_ATTRIBUTE, None)
    lazy = getattr(func, _LAZY_ATTRIBUTE, None)
    if contract is None and isinstance(lazy, _Lazy):
        lazy.resolve()
        return lazy.contract
    return contract


# What NeuralModule does with a public member, by kind: functions and static/class methods are checked; a property
# cannot carry a neural type (its value would be neither checked nor in `contract_of`).
_PROPERTIES = (property, functools.cached_property)


def _property_functions(member: Any) -> list[Callable[..., Any]]:
    if isinstance(member, property):
        return [f for f in (member.fget, member.fset, member.fdel) if f is not None]
    return [member.func]


def _checked_member(cls: type, name: str, member: Any) -> Any:
    """`member` of `cls`, checked if its annotations hold a neural type (see `NeuralModule`)."""
    if isinstance(member, _PROPERTIES):
        for fn in _property_functions(member):
            neural = _neural_hints(fn, _each_hint(fn)[0])
            if neural:
                raise AnnotationError(
                    f"{cls.__qualname__}.{name} is a property with a neural type ({', '.join(neural)}): a property "
                    "is not checked and not part of the contract; make it a method, or annotate it torch.Tensor",
                    code="NT109",
                )
        return member
    rewrap: Callable[[Any], Any] = lambda f: f  # noqa: E731
    fn = member
    if isinstance(member, staticmethod | classmethod):
        rewrap, fn = type(member), member.__func__
    if not inspect.isfunction(fn) or _has_contract(fn):
        return member
    has_owner = not isinstance(member, staticmethod)
    try:
        contract = analyse(fn, has_owner=has_owner)
    except NameError:
        # a name not defined yet (a NamedTuple further down, the class itself): read the contract at the first call
        optional = name != "forward" and not _neural_hints(fn, _each_hint(fn)[0])
        return rewrap(_lazy(fn, cls, has_owner=has_owner, optional=optional, rewrap=rewrap))
    if contract.inputs or contract.output is not None:
        return rewrap(_build(fn, contract))
    return member


class NeuralModule(torch.nn.Module):
    """A `torch.nn.Module` whose methods are checked against their signatures at every call.

    ``forward`` and every public method (name not starting with ``_``) whose annotations hold a neural type are
    checked, static and class methods included, and so appear in `contract_of` (and in archives). A property cannot
    carry a neural type (`AnnotationError` NT109 when the class is made). A method already decorated with `checked`
    is left as it is. Annotations that name something defined later in the module are read at the first call.

    Nothing else changes: it is a plain module (``state_dict``, hooks, ``torch.compile``, ``torch.export``).
    ``input_types`` and ``output_types`` are derived from the signature of ``forward``. Static checkers (mypy,
    pyright) type a call of the module as a call of its ``forward``: ``out = module(x)`` has forward's return type.
    """

    if TYPE_CHECKING:
        # `torch.nn.Module.__call__` is typed `Callable[..., Any]`, so `out = module(x)` would be `Any`. Seen by
        # static checkers only (no cost at run time): calling a module is typed as calling its `forward`, the
        # parameters and the result read from the subclass through the self-type.
        def __call__(self: _HasForward[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
            """Call ``forward`` (through torch's hooks), checked against its signature."""
            ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in list(cls.__dict__.items()):
            if name == "forward" or not name.startswith("_"):
                new = _checked_member(cls, name, member)
                if new is not member:
                    setattr(cls, name, new)

    def _contract(self) -> Contract:
        contract = get_contract(type(self).forward)
        if contract is None:
            raise AnnotationError(f"{type(self).__qualname__}.forward declares no neural types", code="NT108")
        return contract

    @property
    def input_types(self) -> dict[str, Any]:
        """Parameter name -> `TensorSpec` (containers as nodes), with `attr` parameters read from this module."""
        return self._contract().specs(self)[0]

    @property
    def output_types(self) -> dict[str, Any]:
        """Output name (``output``, ``output_0``..., or NamedTuple fields) -> `TensorSpec`."""
        return self._contract().specs(self)[1]


def contract_of(obj: object) -> dict[str, Any]:
    """A JSON-serialisable description of the checked public methods of `obj` (or of a checked function).

    ``{"forward": {"inputs": {"audio": {"tag": "AudioSignal", "params": {"sample_rate": 16000}, "shape":
    "batch time", "dtypes": [...]}, ...}, "output": {...}}}``
    """
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        contract = get_contract(obj)
        if contract is None:
            raise AnnotationError(f"{getattr(obj, '__qualname__', obj)!r} declares no neural types", code="NT108")
        return contract.to_json(getattr(obj, "__self__", None))
    out: dict[str, Any] = {}
    for name in sorted(dir(type(obj))):
        if name.startswith("_"):
            continue
        member = inspect.getattr_static(type(obj), name, None)
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if inspect.isfunction(member) and (contract := get_contract(member)) is not None:
            out[name] = contract.to_json(obj)
    return out
