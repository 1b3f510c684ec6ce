"""The shipped model configs (`conf/model/*.yaml`): QuartzNet 5x5 and 15x5, Jasper 10x5 DR, a tiny QuartzNet."""

from __future__ import annotations

import os
from pathlib import Path

from ..common import config_from_yaml
from ..common._errors import InputError
from .models._ctc import CTCModelConfig

__all__ = ["load_model_config", "model_config_names"]

CONFIG_DIR = Path(__file__).parent / "conf" / "model"


def model_config_names() -> list[str]:
    """Names accepted by `load_model_config`, e.g. `"quartznet_15x5"`."""
    return sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))


def load_model_config(name_or_path: str | os.PathLike[str]) -> CTCModelConfig:
    """Read a `CTCModelConfig` from a shipped config name or a YAML file.

    >>> load_model_config("quartznet_15x5").encoder.total_stride
    2
    """
    path = Path(name_or_path)
    if not path.suffix:
        path = CONFIG_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise InputError(
                f"load_model_config: no shipped model config {str(name_or_path)!r}; "
                f"available: {', '.join(model_config_names())}"
            )
    return config_from_yaml(CTCModelConfig, path.read_text(encoding="utf-8"), where=str(path))
