"""The fast path: a wrapper generated per signature, as dataclasses and attrs generate their methods.

The wrapper has the exact parameter list of the wrapped function (no ``*args`` packing, no `inspect.Signature.bind`),
keeps bound dims in local variables and only decides pass/fail. On a failure it calls the reference checker
(`_check`), which explains the breach; both implement one semantics and the test-suite compares them.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

import torch

from ._check import tag_outputs
from ._dims import AnyDim, ExprDim, FixedDim, NamedDim, VariadicDim
from ._spec import Attr, ListNode, Node, OptionalNode, TensorNode, TensorSpec, TupleNode, axis_places
from ._state import STATE, Mode
from ._tags import TAG_ATTRIBUTE, Tag, Void, tag_relation

__all__ = ["NO_RESULT", "generate_wrapper", "supports_codegen"]

_UNBOUND = object()
#: passed to `explain` as the result while inputs are checked (the call has not run yet)
NO_RESULT = object()


def supports_codegen(signature: inspect.Signature) -> bool:
    kinds = {p.kind for p in signature.parameters.values()}
    return not kinds & {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}


def _accepts(expected: Tag, actual: Tag, _cache: dict[tuple[Tag, Tag], bool] = {}) -> bool:  # noqa: B006
    key = (expected, actual)
    hit = _cache.get(key)
    if hit is None:
        hit = tag_relation(expected, actual).accepted
        if len(_cache) < 4096:
            _cache[key] = hit
    return hit


def _tag_resolver(spec: TensorSpec) -> Callable[[object], Tag]:
    """owner -> the spec's tag with `attr` parameters read from owner, cached on the attribute values."""
    refs = [v.name for v in spec.tag._values if isinstance(v, Attr)]
    cache: dict[tuple[Any, ...], Tag] = {}

    def resolve(owner: object) -> Tag:
        key = tuple(_get_path(owner, name) for name in refs)
        hit = cache.get(key)
        if hit is None:
            hit = spec.resolve(owner).tag
            if len(cache) < 256:
                cache[key] = hit
        return hit

    return resolve


def _get_path(owner: object, name: str) -> Any:
    value = owner
    for part in name.split("."):
        value = getattr(value, part, None)
    return value


class _Emitter:
    def __init__(self, owner_name: str | None) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, object] = {}
        self.bound: set[str] = set()  # dims bound on every path so far
        self.maybe: set[str] = set()  # dims bound on some paths: need the _UNBOUND sentinel
        self.counter = 0
        self.owner_name = owner_name
        self.tag_lines: list[tuple[str, str, bool]] = []

    def const(self, value: object) -> str:
        name = f"_nt_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_nt_{stem}{self.counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def dim(self, name: str) -> str:
        return f"_nt_d_{name}"

    def bind(self, indent: int, name: str, expr: str, fail: str, conditional: bool) -> None:
        local = self.dim(name)
        if name in self.bound:
            self.emit(indent, f"if {expr} != {local}: {fail}")
        elif conditional or name in self.maybe:
            self.maybe.add(name)
            self.emit(indent, f"if {local} is _nt_U: {local} = {expr}")
            self.emit(indent, f"elif {expr} != {local}: {fail}")
        else:
            self.emit(indent, f"{local} = {expr}")
            self.bound.add(name)

    def expression(self, dim: ExprDim) -> str:
        tree = ast.parse(dim.source, mode="eval")
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                node.id = self.dim(node.id)
        return f"({ast.unparse(tree)})"

    def tensor(self, indent: int, var: str, spec: TensorSpec, fail: str, conditional: bool, output: bool) -> None:
        self.emit(indent, f"if not isinstance({var}, _nt_T): {fail}")
        void = type(spec.tag) is Void
        expected = ""  # the expression of the expected tag; Void declares none
        if not void:
            if spec.has_attrs:
                expected = self.fresh("e")
                self.emit(indent, f"if _nt_m >= {Mode.FULL:d}:")
                self.emit(indent + 1, f"{expected} = {self.const(_tag_resolver(spec))}({self.owner_name})")
            else:
                expected = self.const(spec.tag)
            if not output:
                got = self.fresh("g")
                self.emit(indent, f"if _nt_m >= {Mode.FULL:d}:")
                self.emit(indent + 1, f"{got} = getattr({var}, {TAG_ATTRIBUTE!r}, None)")
                self.emit(indent + 1, f"if {got} is None:")
                self.emit(indent + 2, f"if _nt_st.strict: {fail}")
                self.emit(indent + 1, f"elif {got} is not {expected} and not _nt_ok({expected}, {got}): {fail}")
        if spec.dtypes is not None:
            self.emit(indent, f"if {var}.dtype not in {self.const(spec.dtypes)}: {fail}")
        shape = self.fresh("s")
        self.emit(indent, f"{shape} = {var}.shape")
        dims = spec.dims
        places = axis_places(dims)
        if any(isinstance(place, slice) for place in places):
            self.emit(indent, f"if len({shape}) < {len(dims) - 1}: {fail}")
        else:
            self.emit(indent, f"if len({shape}) != {len(dims)}: {fail}")
        positions = [
            f"tuple({shape}[{p.start}:{'' if p.stop is None else p.stop}])" if isinstance(p, slice) else f"{shape}[{p}]"
            for p in places
        ]
        attr_axes = {
            axis: value.name
            for param, axis in type(spec.tag).axis_params.items()
            if isinstance(value := spec.tag.params[param], Attr)
        }
        for dim, expr in zip(dims, positions, strict=True):
            if isinstance(dim, NamedDim) and dim.size is None and dim.name in attr_axes:
                self.emit(indent, f"if {expr} != {self.owner_name}.{attr_axes[dim.name]}: {fail}")
            if isinstance(dim, AnyDim) or (isinstance(dim, VariadicDim) and dim.name is None):
                continue
            if isinstance(dim, FixedDim):
                self.emit(indent, f"if {expr} != {dim.size}: {fail}")
            elif isinstance(dim, ExprDim):
                unsure = [n for n in dim.names if n not in self.bound]
                guard = "".join(f"{self.dim(n)} is _nt_U or " for n in unsure)
                self.emit(indent, f"if {guard}{expr} != {self.expression(dim)}: {fail}")
            elif isinstance(dim, VariadicDim):
                assert dim.name is not None
                self.bind(indent, dim.name, expr, fail, conditional)
            else:
                assert isinstance(dim, NamedDim)
                if dim.size is not None:
                    self.emit(indent, f"if {expr} != {dim.size}: {fail}")
                if dim.broadcast:
                    size = self.fresh("b")
                    self.emit(indent, f"{size} = {expr}")
                    self.emit(indent, f"if {size} != 1:")
                    self.bind(indent + 1, dim.name, size, fail, True)
                else:
                    self.bind(indent, dim.name, expr, fail, conditional)
        if output and not void:
            self.tag_lines.append((var, expected, conditional))

    def node(self, indent: int, var: str, node: Node, fail: str, conditional: bool, output: bool) -> None:
        if isinstance(node, TensorNode):
            self.tensor(indent, var, node.spec, fail, conditional, output)
        elif isinstance(node, OptionalNode):
            self.emit(indent, f"if {var} is not None:")
            self.emit(indent + 1, "pass")
            self.node(indent + 1, var, node.inner, fail, True, output)
        elif isinstance(node, TupleNode):
            kind = self.const(node.cls or tuple)
            self.emit(indent, f"if not isinstance({var}, {kind}) or len({var}) != {len(node.items)}: {fail}")
            for i, item in enumerate(node.items):
                if item is not None:
                    element = self.fresh("t")
                    self.emit(indent, f"{element} = {var}[{i}]")
                    self.node(indent, element, item, fail, conditional, output)
        elif isinstance(node, ListNode):
            element = self.fresh("l")
            self.emit(indent, f"if not isinstance({var}, (list, tuple)): {fail}")
            self.emit(indent, f"for {element} in {var}:")
            self.emit(indent + 1, "pass")
            self.node(indent + 1, element, node.item, fail, True, output)


def generate_wrapper(
    fn: Callable[..., Any],
    signature: inspect.Signature,
    nodes: dict[str, Node],
    returns: Node | None,
    owner_name: str | None,
    explain: Callable[..., Any],
    slow_call: Callable[..., Any],
    scalars: tuple[str, ...] = (),
) -> Callable[..., Any]:
    """Build the checking wrapper of `fn`.

    `explain(state, args, result)` raises the contract violation for a failing call (result is a sentinel while
    inputs are checked); `slow_call(state, args)` runs the whole call through the reference checker (paranoid mode).
    """
    em = _Emitter(owner_name)
    header: list[str] = []
    call_args: list[str] = []
    defaults: dict[str, object] = {}
    seen_kw_only = False
    positional_only = False
    for p in signature.parameters.values():
        text = p.name
        if p.default is not inspect.Parameter.empty:
            defaults[f"_nt_default_{p.name}"] = p.default
            text += f"=_nt_default_{p.name}"
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            positional_only = True
        elif positional_only:
            header.append("/")
            positional_only = False
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            if not seen_kw_only:
                if positional_only:
                    header.append("/")
                    positional_only = False
                header.append("*")
                seen_kw_only = True
            call_args.append(f"{p.name}={p.name}")
        else:
            call_args.append(p.name)
        header.append(text)
    if positional_only:
        header.append("/")
    names = [p.name for p in signature.parameters.values()]
    args_tuple = "(" + "".join(f"{n}, " for n in names) + ")"
    call = f"_nt_fn({', '.join(call_args)})"
    fail_in = f"_nt_explain(_nt_st, {args_tuple}, _nt_NO)"
    fail_out = f"_nt_explain(_nt_st, {args_tuple}, _nt_r)"

    em.emit(1, "_nt_st = _nt_get()")
    em.emit(1, "_nt_m = _nt_st.level")
    em.emit(1, "if not _nt_m:")  # Mode.OFF is 0
    em.emit(2, f"return {call}")
    em.emit(1, f"if _nt_m >= {Mode.PARANOID:d}:")
    em.emit(2, f"return _nt_slow(_nt_st, {args_tuple})")
    init_at = len(em.lines)
    for name in scalars:
        em.emit(1, f"{em.dim(name)} = {name}")
        em.bound.add(name)
    for name, node in nodes.items():
        em.node(1, name, node, fail_in, False, False)
    em.emit(1, f"_nt_r = {call}")
    if returns is not None:
        em.node(1, "_nt_r", returns, fail_out, False, True)
        if em.tag_lines:
            em.emit(1, f"if _nt_m >= {Mode.FULL:d}:")
            if any(conditional for _, _, conditional in em.tag_lines):
                em.emit(2, f"_nt_tag_out(_nt_r, {owner_name or 'None'})")
            else:
                for var, expected, _ in em.tag_lines:
                    em.emit(2, f"{var}.{TAG_ATTRIBUTE} = {expected}")
    em.emit(1, "return _nt_r")
    inits = [f"    {em.dim(n)} = _nt_U" for n in sorted(em.maybe)]
    em.lines[init_at:init_at] = inits
    source = f"def _nt_wrapper({', '.join(header)}):\n" + "\n".join(em.lines) + "\n"
    namespace: dict[str, Any] = {
        "_nt_fn": fn,
        "_nt_T": torch.Tensor,
        "_nt_U": _UNBOUND,
        "_nt_NO": NO_RESULT,
        "_nt_ok": _accepts,
        "_nt_explain": explain,
        "_nt_slow": slow_call,
        **em.consts,
        **defaults,
    }
    namespace["_nt_get"] = STATE.get
    if returns is not None:
        namespace["_nt_tag_out"] = lambda result, owner: tag_outputs(returns, result, owner)
    exec(compile(source, f"<neuraltypes wrapper of {fn.__qualname__}>", "exec"), namespace)  # noqa: S102
    wrapper = namespace["_nt_wrapper"]
    wrapper.__neuraltypes_source__ = source
    return wrapper  # type: ignore[no-any-return]
