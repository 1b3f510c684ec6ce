"""One battery of checks that every ``NeuralModel`` of every collection should pass in its tests."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Sequence
from typing import Any

import torch

from ._archive import inspect_archive, restore_from
from ._config import config_from_yaml, config_to_yaml
from ._model import NeuralModel, model_class

__all__ = ["check_neural_model"]


def _outputs(model: torch.nn.Module, inputs: Sequence[Any]) -> Any:
    with torch.no_grad():
        return model(*inputs)


def _assert_identical(first: Any, second: Any, where: str) -> None:
    if isinstance(first, torch.Tensor):
        if not (
            isinstance(second, torch.Tensor) and first.dtype == second.dtype and torch.equal(first, second)
        ):
            raise AssertionError(f"{where}: outputs differ after save_to/restore_from")
    elif isinstance(first, (tuple, list)):
        if not isinstance(second, (tuple, list)) or len(first) != len(second):
            raise AssertionError(f"{where}: output structure differs after save_to/restore_from")
        for index, (a, b) in enumerate(zip(first, second, strict=True)):
            _assert_identical(a, b, f"{where}[{index}]")
    elif first != second:
        raise AssertionError(f"{where}: outputs differ after save_to/restore_from ({first!r} vs {second!r})")


def check_neural_model(
    model: NeuralModel, inputs: Sequence[Any], *, directory: str | os.PathLike[str] | None = None
) -> None:
    """Check the model-layer promises for one model; raise ``AssertionError`` naming the first broken one.

    Checks: the config is a frozen dataclass that survives YAML; the class is registered under its
    name; ``save_to`` then ``restore_from`` gives the same class, config, artifacts, state dict (keys,
    dtypes, values) and bit-identical eval-mode outputs on ``inputs``; the archive's contract equals
    ``neuraltypes.contract_of`` of both models and describes ``forward``; ``inspect_archive`` agrees
    on the model name and the parameter count.

    **Arguments:**

    - ``model``: the model (left in eval mode afterwards).
    - ``inputs``: positional arguments for ``model(*inputs)``.
    - ``directory``: where to write the archive (a temporary directory by default).

    **Example:**

    ```python
    def test_my_model_battery(tmp_path):
        check_neural_model(MyModel(MyConfig()), (torch.randn(2, 16000), torch.tensor([16000, 8000])), directory=tmp_path)
    ```
    """
    import neuraltypes

    cls = type(model)
    config = model.config
    params = getattr(type(config), "__dataclass_params__", None)
    if not (dataclasses.is_dataclass(config) and params is not None and params.frozen):
        raise AssertionError(f"{cls.__name__}.config must be a frozen dataclass, got {type(config).__name__}")
    if config_from_yaml(type(config), config_to_yaml(config)) != config:
        raise AssertionError(f"{cls.__name__}: the config does not survive config_to_yaml/config_from_yaml")
    if not cls.model_name or model_class(cls.model_name) is not cls:
        raise AssertionError(f"{cls.__name__} is not registered with @register_model")

    model.eval()
    expected = _outputs(model, inputs)
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(os.fspath(directory) if directory is not None else scratch, f"{cls.__name__}.nta")
        model.save_to(path)
        restored = restore_from(path)
        info = inspect_archive(path)
    if type(restored) is not cls or restored.config != config or restored.artifacts != model.artifacts:
        raise AssertionError(f"{cls.__name__}: class, config or artifacts changed after save_to/restore_from")
    before, after = model.state_dict(), restored.state_dict()
    if before.keys() != after.keys():
        raise AssertionError(
            f"{cls.__name__}: state dict keys changed: {sorted(set(before) ^ set(after))[:10]}"
        )
    for key, value in before.items():
        if value.dtype != after[key].dtype or not torch.equal(value.cpu(), after[key].cpu()):
            raise AssertionError(f"{cls.__name__}: tensor {key!r} changed after save_to/restore_from")
    _assert_identical(expected, _outputs(restored, inputs), f"{cls.__name__}.forward")

    derived = json.loads(json.dumps(neuraltypes.contract_of(model), sort_keys=True))
    if "forward" not in derived:
        raise AssertionError(f"{cls.__name__}.forward declares no neural types")
    if (
        info.contract != derived
        or json.loads(json.dumps(neuraltypes.contract_of(restored), sort_keys=True)) != derived
    ):
        raise AssertionError(
            f"{cls.__name__}: the archive's contract differs from neuraltypes.contract_of(model)"
        )
    if info.model != cls.model_name or info.parameter_count != sum(v.numel() for v in before.values()):
        raise AssertionError(
            f"{cls.__name__}: inspect_archive disagrees on the model name or the parameter count"
        )
