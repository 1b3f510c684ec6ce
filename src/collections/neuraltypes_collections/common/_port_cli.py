"""``neuraltypes port FILE.py``: print (or write) the port of a file's NeMo-style modules, and check each converted
contract against the original: the ``NeuralType(...)`` evaluated with `neuraltypes.nemo_compat`, compared with our
annotation read back as NeMo kinds (`nemo_compat.neural_type_of`)."""

from __future__ import annotations

import ast
from typing import Any

from neuraltypes import Compatibility, compare, nemo_compat, spec_of

from ._port import PortedClass, port_source

__all__ = ["check_ports", "port_command"]


class _Attributes:
    """Stands in for a module instance: every ``self.<name>`` a NeMo type or our annotation reads is one int."""

    def __getattr__(self, name: str) -> int:
        return 1000 + sum(map(ord, name))


def check_ports(ported: PortedClass) -> dict[str, tuple[Compatibility, Compatibility]]:
    """Port -> (NeMo's type vs ours read back as NeMo kinds, vs ours as written): each converted contract compared
    with the original, its ``NeuralType(...)`` evaluated with `nemo_compat` (``self.<x>`` read from a stand-in)."""
    import torch

    import neuraltypes

    owner = _Attributes()
    names: dict[str, Any] = {n: getattr(nemo_compat, n) for n in nemo_compat.__all__}
    names.update(self=owner, tuple=tuple)
    ours: dict[str, Any] = {"nt": neuraltypes, "Tensor": torch.Tensor, "__builtins__": {"list": list}}
    out = {}
    for port in (*ported.inputs, *ported.outputs):
        original = eval(port.original, {"__builtins__": {}}, names)  # noqa: S307 - an AST checked by _port
        annotation = eval(port.annotation.removesuffix(" | None"), ours)  # noqa: S307 - text port_source wrote
        for _ in range(port.list_depth):
            annotation = annotation.__args__[0]
        spec = spec_of(annotation).resolve(owner)  # type: ignore[union-attr]
        back = nemo_compat.neural_type_of(spec, optional=port.optional)
        out[port.name] = (original.compare(back), compare(original.spec, spec))
    return out


def port_command(argv: list[str]) -> int:
    """``neuraltypes port FILE.py [--write] [--check]``."""
    import argparse
    import sys
    from pathlib import Path

    from ._errors import InputError

    parser = argparse.ArgumentParser(prog="neuraltypes port", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("file", help="a Python file with NeMo-style modules (input_types/output_types, @typecheck())")
    parser.add_argument("--write", action="store_true", help="rewrite the file in place instead of printing a diff")
    parser.add_argument("--check", action="store_true",
                        help="compare each converted contract with the original NeuralType (exit 1 unless SAME)")
    options = parser.parse_args(argv)
    path = Path(options.file)
    if not path.is_file():
        raise InputError(f"{path}: {'is a folder' if path.is_dir() else 'no such file'}; give a .py file",
                         source=str(path))
    try:
        result = port_source(path.read_text(encoding="utf-8"), str(path))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; give a Python source file", source=str(path)) from None
    except SyntaxError as error:
        raise InputError(f"{path}: not Python source ({error.msg}, line {error.lineno})", source=str(path)) from None
    except ValueError as error:  # null bytes (Python 3.11 raises ValueError for them)
        raise InputError(f"{path}: not Python source ({error})", source=str(path)) from None
    ast.parse(result.new_source, str(path))  # the ported code parses (a SyntaxError here is a bug of port)
    if options.write:
        path.write_text(result.new_source, encoding="utf-8")
    else:
        sys.stdout.write(result.diff(str(path)))
    status = 0
    for ported in result.classes:
        if ported.why_not:
            print(f"{path}: {ported.name}: not converted: {ported.why_not}", file=sys.stderr)
            continue
        for kept in ported.kept:
            print(f"{path}: {ported.name}: converted in part; not converted: {kept}", file=sys.stderr)
        if options.check:
            for port, (kinds, direct) in check_ports(ported).items():
                same = kinds is Compatibility.SAME
                status |= not same
                print(f"{path}: {ported.name}.{port}: {kinds.name} (as written: {direct.name})", file=sys.stderr)
    in_part = sum(bool(c.kept) for c in result.converted)
    print(f"{path}: {len(result.converted)} of {len(result.classes)} module(s) converted"
          + (f" ({in_part} in part)" if in_part else "") + (" and written" if options.write else ""), file=sys.stderr)
    return status
