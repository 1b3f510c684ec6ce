"""`torch.export` support: named dims become `torch.export.Dim`s (the same name gives the same Dim)."""

from __future__ import annotations

from typing import Any

from ._contract import get_contract
from ._dims import ExprDim, FixedDim, NamedDim, VariadicDim
from ._errors import AnnotationError
from ._spec import OptionalNode, TensorNode

__all__ = ["dynamic_shapes"]


def dynamic_shapes(
    obj: object, *, method: str = "forward", static: tuple[str, ...] = (), max_sizes: dict[str, int] | None = None
) -> dict[str, Any]:
    """The ``dynamic_shapes`` argument of `torch.export.export` derived from the signature's dim names.

    Every named dim becomes one ``torch.export.Dim`` shared by all arguments that name it; fixed sizes and ``_``
    stay static, and so do the names in `static`. Simple expressions (``frame-1``, ``2*time``) become derived dims.
    Axes after a variadic dim (``...``, ``*batch``) stay static. Drop the entries of arguments you pass as None.

    ```python
    ep = torch.export.export(model, (audio, lengths), dynamic_shapes=dynamic_shapes(model))
    ```
    """
    import torch.export

    contract = get_contract(getattr(type(obj), method, None) or getattr(obj, method, obj))  # type: ignore[arg-type]
    if contract is None:
        raise AnnotationError(f"dynamic_shapes(): {obj!r} declares no neural types", code="NT108")
    limits = max_sizes or {}
    made: dict[str, Any] = {}

    def dim(name: str) -> Any:
        if name not in made:
            made[name] = torch.export.Dim(name, max=limits.get(name, 2**20))
        return made[name]

    out: dict[str, Any] = {}
    for pname in contract.signature.parameters:
        node = contract.inputs.get(pname)
        if pname == contract.owner and node is None:
            continue
        if isinstance(node, OptionalNode):
            node = node.inner
        if not isinstance(node, TensorNode):
            out[pname] = None
            continue
        axes: dict[int, Any] = {}
        for axis, d in enumerate(node.spec.dims):
            if isinstance(d, VariadicDim):
                break
            if isinstance(d, NamedDim) and d.size is None and not d.broadcast and d.name not in static:
                axes[axis] = dim(d.name)
            elif isinstance(d, ExprDim) and all(n in made for n in d.names):
                try:
                    axes[axis] = eval(d.code, {"__builtins__": {}}, {n: made[n] for n in d.names})  # noqa: S307
                except Exception:  # noqa: BLE001 - torch.export supports only linear derived dims
                    pass
            elif isinstance(d, FixedDim):
                continue
        out[pname] = axes or None
    return out
