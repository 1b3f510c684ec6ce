"""``neuraltypes port``: rewrite NeMo-style modules so that their contract lives in the signature of ``forward``.

A class whose ``input_types``/``output_types`` properties each return one dict literal of ``NeuralType(...)`` (plain
or in ``OrderedDict``) loses the two properties; its ``forward`` gets a ``Tag[Tensor, "axis words"]`` annotation per
port and a return annotation, and ``@typecheck()`` becomes ``@nt.checked``. A class whose ``forward`` is inherited
from a class of the same file gets an annotated ``forward`` that calls the inherited one. What cannot be converted
(types computed at run time, user element types, decorator overrides) stays as it is, under a comment saying why. A
class with one property that converts and one that cannot (an ``output_types`` choosing its element type by a flag)
is converted in part: the one that converts moves into the signature, the other stays with its reason.

Axis letters are NeMo's *kinds*, not names: ``batch`` is shared by every port (NeMo modules agree on it); any other
kind is named by its word at its first port and ``<word>_<port>`` at later ones, so that no two ports are bound to
one size that NeMo never required to agree. Edits are made at exact source positions (``ast``), so the rest of the
file is untouched.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
from dataclasses import dataclass, field

from neuraltypes import Tag, nemo_compat

__all__ = ["NOTE", "PortResult", "PortedClass", "PortedPort", "port_source"]

#: NeMo's element type names -> ours (every alias nemo_compat offers)
ELEMENTS = {name: value.__name__ for name in nemo_compat.__all__
            if isinstance(value := getattr(nemo_compat, name), type) and issubclass(value, Tag)}
KIND_WORDS = {"b": "batch", "n": "batch", "batch": "batch", "t": "time", "time": "time", "d": "channel",
              "c": "channel", "channel": "channel", "dimension": "channel", "w": "width", "width": "width",
              "h": "height", "height": "height", "any": "_", "s": "singleton", "singleton": "singleton",
              "seq": "sequence", "sequence": "sequence", "flowgroup": "flowgroup"}
NOTE = "# neuraltypes port:"


class _Unconvertible(Exception):
    """Why one port or property cannot be converted."""


@dataclass(frozen=True)
class PortedPort:
    """One port: `original` is NeMo's ``NeuralType(...)`` source, `annotation` ours."""

    name: str
    original: str
    annotation: str
    optional: bool
    list_depth: int


@dataclass(frozen=True)
class PortedClass:
    name: str
    inputs: tuple[PortedPort, ...] = ()
    outputs: tuple[PortedPort, ...] = ()
    why_not: str = ""  #: empty when converted
    kept: tuple[str, ...] = ()  #: why each property left as it is stays (a class converted in part)


@dataclass(frozen=True)
class PortResult:
    source: str
    new_source: str
    classes: tuple[PortedClass, ...] = field(default=())

    @property
    def converted(self) -> tuple[PortedClass, ...]:
        return tuple(c for c in self.classes if not c.why_not)

    def diff(self, path: str) -> str:
        return "".join(difflib.unified_diff(self.source.splitlines(keepends=True),
                                            self.new_source.splitlines(keepends=True), f"a/{path}", f"b/{path}"))


@dataclass
class _Port:
    name: str
    node: ast.expr  #: the NeuralType(...) call
    tag: str
    extras: list[str]
    kinds: list[tuple[str, int | None]]  #: (kind word, size); None kinds: any shape
    optional: bool
    depth: int


def _literal_kinds(node: ast.expr) -> list[tuple[str, int | None]] | None:
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tuple" \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        items: list[ast.expr] = [ast.Constant(c) for c in node.args[0].value]
    elif isinstance(node, ast.Tuple | ast.List):
        items = list(node.elts)
    else:
        raise _Unconvertible(f"axes {ast.unparse(node)!r} are not a literal tuple")
    return [_kind(item) for item in items]


def _kind(node: ast.expr) -> tuple[str, int | None]:
    size: int | None = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "AxisType":
        named = {k.arg: k.value for k in node.keywords}
        args = [*node.args, *(named[k] for k in ("kind", "size") if k in named)]
        if "is_list" in named or len(node.args) > 2:
            raise _Unconvertible(f"{ast.unparse(node)}: list axes are not converted")
        if len(args) == 2:
            if not (isinstance(args[1], ast.Constant) and isinstance(args[1].value, int | type(None))):
                raise _Unconvertible(f"{ast.unparse(node)}: the size is not a literal int")
            size = args[1].value
        node = args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        label = node.value.strip().lower()
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "AxisKind":
        label = node.attr.lower()
    else:
        raise _Unconvertible(f"axis {ast.unparse(node)!r} is not a NeMo axis kind")
    word = KIND_WORDS.get(label) or ("time" if label.startswith("t_") else None)
    if word is None:
        raise _Unconvertible(f"axis kind {label!r} has no axis word")
    return word, size


def _extra(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | type(None)):
        return repr(node.value)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return f"nt.attr({node.attr!r})"
    raise _Unconvertible(f"parameter {ast.unparse(node)!r} is neither a literal nor self.<attribute>")


def _port(name: str, node: ast.expr) -> _Port:
    depth = 0
    while isinstance(node, ast.List) and len(node.elts) == 1:
        node, depth = node.elts[0], depth + 1
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "NeuralType"):
        raise _Unconvertible(f"port '{name}' is not NeuralType(...)")
    named = {k.arg: k.value for k in node.keywords}
    axes = node.args[0] if node.args else named.get("axes", ast.Constant(None))
    element = node.args[1] if len(node.args) > 1 else named.get("elements_type")
    optional = named.get("optional")
    if optional is not None and not isinstance(optional, ast.Constant):
        raise _Unconvertible(f"port '{name}': optional= is not a literal")
    if element is None:
        tag, extras = "Void", []
    elif isinstance(element, ast.Call) and isinstance(element.func, ast.Name) and element.func.id in ELEMENTS:
        tag = ELEMENTS[element.func.id]
        extras = [_extra(a) for a in element.args]
        for keyword in element.keywords:
            if keyword.arg == "freq" and tag == "AudioSignal":
                extras.insert(0, _extra(keyword.value))
            else:
                extras.append(f"nt.params({keyword.arg}={_extra(keyword.value)})")
    else:
        raise _Unconvertible(f"port '{name}': element type {ast.unparse(element)!r} is not one of NeMo's")
    kinds = _literal_kinds(axes)
    return _Port(name, node, tag, extras, kinds or [], bool(optional and optional.value), depth) if kinds is not None \
        else _Port(name, node, tag, extras, [("...", None)], bool(optional and optional.value), depth)


def _property_ports(fn: ast.FunctionDef) -> list[_Port]:
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if body and isinstance(body[0], ast.If):
        raise _Unconvertible(f"{fn.name} chooses its types at run time (if {ast.unparse(body[0].test)}); "
                             "an annotation holds one type")
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        raise _Unconvertible(f"{fn.name} is not one `return {{...}}`")
    value = body[0].value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("OrderedDict", "dict") \
            and len(value.args) == 1 and not value.keywords:
        value = value.args[0]
    if not isinstance(value, ast.Dict) or not all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                                   for k in value.keys):
        raise _Unconvertible(f"{fn.name} does not return a dict literal with string keys")
    return [_port(k.value, v) for k, v in zip(value.keys, value.values, strict=True)]  # type: ignore[union-attr]


def _annotate(ports: list[_Port]) -> tuple[dict[str, str], bool]:
    """Port name -> annotation text, and whether an axis was renamed to keep ports apart."""
    used: set[str] = set()
    renamed = False
    out = {}
    for port in ports:
        names: list[str] = []
        for word, size in port.kinds:
            name = word
            if word not in ("batch", "_", "..."):
                if word in used:
                    name, renamed = f"{word}_{port.name}", True
                while name in names:
                    name = f"{name}_{len(names)}"
            names.append(name if size is None else f"{name}:{size}")
        used.update(w for w, _ in port.kinds)
        text = f'nt.{port.tag}[Tensor, "{" ".join(names)}"{"".join(", " + e for e in port.extras)}]'
        for _ in range(port.depth):
            text = f"list[{text}]"
        out[port.name] = f"{text} | None" if port.optional else text
    return out, renamed


class _Source:
    """Offsets into the source from ast's (line, byte column) positions, and the edits to make."""

    def __init__(self, source: str) -> None:
        self.text = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []

    def at(self, line: int, col: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode()[:col].decode())

    def line_start(self, line: int) -> int:
        return self.starts[line - 1]

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, text))

    def result(self) -> str:
        out = self.text
        for start, end, text in sorted(self.edits, reverse=True):
            out = out[:start] + text + out[end:]
        return out


def _header_end(src: _Source, fn: ast.FunctionDef) -> int:
    """Offset just after the ')' that closes the parameters of `fn`."""
    start = src.at(fn.lineno, fn.col_offset)
    depth = 0
    tokens = tokenize.generate_tokens(io.StringIO(src.text[start:]).readline)
    for token in tokens:
        if token.string == "(":
            depth += 1
        elif token.string == ")":
            depth -= 1
            if depth == 0:
                line, col = token.end
                return start + sum(len(x) for x in src.text[start:].splitlines(keepends=True)[:line - 1]) + col
    raise _Unconvertible(f"{fn.name}: could not find the end of its parameters")


def _is_typecheck(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute) and \
        (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "typecheck"


def _methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {s.name: s for s in cls.body if isinstance(s, ast.FunctionDef)}


def _find_forward(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> tuple[ast.FunctionDef | None, bool]:
    """`cls`'s forward and whether it is its own, else the nearest one inherited within the file."""
    seen, todo = set(), [cls]
    while todo:
        current = todo.pop(0)
        if current.name in seen:
            continue
        seen.add(current.name)
        if "forward" in _methods(current):
            return _methods(current)["forward"], current is cls
        todo += [classes[b.id] for b in current.bases if isinstance(b, ast.Name) and b.id in classes]
    return None, False


def _none_defaults(fn: ast.FunctionDef) -> set[str]:
    """The parameters of `fn` whose default is None."""
    positional = [*fn.args.posonlyargs, *fn.args.args]
    pairs = [*zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults, strict=True),
             *zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)]
    return {a.arg for a, d in pairs if isinstance(d, ast.Constant) and d.value is None}


def _note(src: _Source, prop: ast.FunctionDef, why: str) -> None:
    """Put ``# neuraltypes port: not converted: <why>`` above `prop` (once: porting again adds nothing)."""
    first = min([prop.lineno, *(d.lineno for d in prop.decorator_list)])
    line = f"{' ' * prop.col_offset}{NOTE} not converted: {why}\n"
    if first < 2 or src.lines[first - 2] != line:
        src.replace(src.line_start(first), src.line_start(first), line)


def _port_class(src: _Source, cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> PortedClass:
    methods = _methods(cls)
    props = [methods[n] for n in ("input_types", "output_types") if n in methods]
    ports: dict[str, list[_Port]] = {}
    kept: dict[str, str] = {}  # a property that does not convert -> why
    for prop in props:
        try:
            ports[prop.name] = _property_ports(prop)
        except _Unconvertible as why:
            kept[prop.name] = str(why)
    inputs, outputs = ports.get("input_types", []), ports.get("output_types", [])
    try:
        if not ports:
            raise _Unconvertible("; ".join(kept.values()))
        forward, own = _find_forward(cls, classes)
        if forward is None:
            raise _Unconvertible("no forward in the class or its bases in this file")
        params = [a for a in (*forward.args.posonlyargs, *forward.args.args, *forward.args.kwonlyargs)][1:]
        by_name = {a.arg: a for a in params}
        missing = [p.name for p in inputs if p.name not in by_name]
        if missing:
            raise _Unconvertible(f"forward has no parameter for port(s) {missing}")
        decorators = [d for d in forward.decorator_list if _is_typecheck(d)]
        if any(d.args or d.keywords for d in decorators):  # type: ignore[attr-defined]
            raise _Unconvertible("@typecheck(...) overrides the types of forward")
    except _Unconvertible as why:
        for prop in props:
            _note(src, prop, kept.get(prop.name, str(why)))
        return PortedClass(cls.name, why_not=str(why))
    for name, why_kept in kept.items():
        _note(src, methods[name], why_kept)
    props = [p for p in props if p.name in ports]
    texts, renamed = _annotate([*inputs, *outputs])
    out_texts = [texts[p.name] for p in outputs]
    returns = out_texts[0] if len(out_texts) == 1 else f"tuple[{', '.join(out_texts)}]" if out_texts else None
    note = (f"{NOTE} axes other than batch are named per port (NeMo's letters are kinds, not sizes);\n"
            f"{NOTE} give two ports one name where their sizes must agree\n") if renamed else ""
    first_prop = min(props, key=lambda p: p.lineno)
    for prop in props:
        first = min([prop.lineno, *(d.lineno for d in prop.decorator_list)])
        last = prop.end_lineno or prop.lineno
        if last < len(src.lines) and not src.lines[last].strip():
            last += 1  # the blank line after it goes too
        src.replace(src.line_start(first), src.line_start(last + 1), "")
    if own:
        indent = " " * forward.col_offset
        checked = bool(decorators)
        for d in decorators:
            src.replace(src.at(d.lineno, d.col_offset), src.at(d.end_lineno, d.end_col_offset), "nt.checked")  # type: ignore[arg-type]
        lead = min([forward.lineno, *(d.lineno for d in forward.decorator_list)])
        comment = note if checked else note + f"{NOTE} NeMo did not @typecheck this forward: add @nt.checked\n"
        for name in _none_defaults(forward) & {p.name for p in inputs if not p.optional}:
            comment += (f"{NOTE} '{name}' defaults to None but its port is not optional: a checked call without "
                        "it is refused (as by NeMo's typecheck); write `... | None` to allow it\n")
        if comment:
            src.replace(src.line_start(lead), src.line_start(lead),
                        "".join(indent + line + "\n" for line in comment.splitlines()))
        for param in params:
            if param.arg in texts and param.arg in {p.name for p in inputs}:
                if param.annotation is not None:
                    a = param.annotation
                    src.replace(src.at(a.lineno, a.col_offset), src.at(a.end_lineno, a.end_col_offset),  # type: ignore[arg-type]
                                texts[param.arg])
                else:
                    end = src.at(param.end_lineno, param.end_col_offset)  # type: ignore[arg-type]
                    if src.text[end:end + 1] == "=":  # a default: PEP 8 spaces it once annotated
                        src.replace(end, end + 1, f": {texts[param.arg]} =" + ("" if src.text[end + 1] == " " else " "))
                    else:
                        src.replace(end, end, f": {texts[param.arg]}")
        if returns is not None:
            if forward.returns is not None:
                r = forward.returns
                src.replace(src.at(r.lineno, r.col_offset), src.at(r.end_lineno, r.end_col_offset), returns)  # type: ignore[arg-type]
            else:
                end = _header_end(src, forward)
                src.replace(end, end, f" -> {returns}")
    else:
        indent = " " * first_prop.col_offset
        names = [p.arg for p in params if p.arg in texts]
        signature = ", ".join(["self", *(f"{n}: {texts[n]}" for n in names)])
        call = ", ".join(f"{n}={n}" for n in names)
        method = [*note.splitlines(), "@nt.checked", f"def forward({signature})" + (f" -> {returns}:" if returns else ":"),
                  f"    return super().forward({call})"]
        first = min([first_prop.lineno, *(d.lineno for d in first_prop.decorator_list)])
        src.replace(src.line_start(first), src.line_start(first), "".join(f"{indent}{line}\n" for line in method))
    return PortedClass(cls.name, tuple(_public(p, texts) for p in inputs), tuple(_public(p, texts) for p in outputs),
                       kept=tuple(why if why.startswith(name) else f"{name}: {why}" for name, why in kept.items()))


def _public(port: _Port, texts: dict[str, str]) -> PortedPort:
    return PortedPort(port.name, ast.unparse(port.node), texts[port.name], port.optional, port.depth)


def _add_imports(src: _Source, tree: ast.Module) -> None:
    imports = [s for s in tree.body if isinstance(s, ast.Import | ast.ImportFrom)]
    present = {ast.unparse(s) for s in imports}
    lines = [line for line in ("import neuraltypes as nt", "from torch import Tensor") if line not in present]
    at = src.line_start(imports[-1].end_lineno + 1) if imports else 0  # type: ignore[operator]
    if lines:
        src.replace(at, at, "".join(line + "\n" for line in lines))


def port_source(source: str, filename: str = "<source>") -> PortResult:
    """Port every NeMo-style module of `source`; raises SyntaxError when it does not parse."""
    tree = ast.parse(source, filename)
    classes = {s.name: s for s in tree.body if isinstance(s, ast.ClassDef)}
    src = _Source(source)
    ported = [_port_class(src, cls, classes) for cls in classes.values()
              if {"input_types", "output_types"} & set(_methods(cls))]
    if any(not c.why_not for c in ported):
        _add_imports(src, tree)
    return PortResult(source, src.result(), tuple(ported))
