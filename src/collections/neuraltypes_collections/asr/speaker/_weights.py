"""Pretrained GE2E weights, read from the `pretrained.pt` the `resemblyzer` wheel installs (never downloaded).

`resemblyzer` 0.1.4 (Apache-2.0) ships a GE2E encoder trained by its author (1.56 M steps; LSTM 40 -> 256 in 3
layers, Linear 256 -> 256). Only its weights file is read here: `resemblyzer` is never imported, because importing
it imports `webrtcvad` and `librosa` (and `webrtcvad` 2.0.10 needs `pkg_resources`, gone from setuptools >= 81).
Install the weights alone with ``pip install --no-deps resemblyzer==0.1.4``.

- ``ge2e_resemblyzer``: the registry name of that model (`GE2EModel.from_pretrained("ge2e_resemblyzer")`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from torch import Tensor

from ...common._errors import ArchiveError
from ...common._pretrained import register_pretrained_builder
from ...common._weights import installed_file, load_state_dict_checked
from ._ge2e import GE2EConfig, GE2EModel

__all__ = ["default_ge2e", "ge2e_resemblyzer", "load_ge2e", "resemblyzer_weights_file"]


def resemblyzer_weights_file() -> Path:
    """Path of the `pretrained.pt` installed by the `resemblyzer` wheel, found without importing `resemblyzer`.

    **Raises:** `ModelNotAvailableError` (`NT305`) with a one-line hint when the package is not installed.
    """
    return installed_file(
        "resemblyzer",
        "resemblyzer/pretrained.pt",
        needed_by="the GE2E speaker encoder",
        hint="pip install --no-deps 'resemblyzer==0.1.4' (only its weights file is used)",
    )


def _converted(checkpoint: object, source: Path) -> dict[str, Tensor]:
    state = checkpoint.get("model_state") if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ArchiveError(str(source), "not a resemblyzer checkpoint: no 'model_state' dictionary")
    converted: dict[str, Tensor] = {}
    for key, value in state.items():
        if key.startswith(("lstm.", "linear.")):
            converted[f"encoder.{key}"] = value
        else:  # similarity_weight, similarity_bias; anything else is reported by the loader
            converted[key] = value
    return converted


def load_ge2e(path: str | Path | None = None, config: GE2EConfig | None = None) -> GE2EModel:
    """A GE2E model in eval mode with the weights of a resemblyzer-layout checkpoint.

    **Arguments:**

    - `path`: a `pretrained.pt` (`{"model_state": {...}}`); `None`: the installed `resemblyzer`'s.
    - `config`: the model's options (default `GE2EConfig()`: resemblyzer's); the sizes must match the weights.

    **Returns:** a new `GE2EModel`. Raises `ModelNotAvailableError` without the package, `ArchiveError` for a file
    of another layout, `WeightsMismatchError` naming every key that does not fit.
    """
    source = Path(path) if path is not None else resemblyzer_weights_file()
    try:
        checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as error:
        raise ArchiveError(str(source), f"cannot read the checkpoint ({type(error).__name__}: {error})") from None
    model = GE2EModel(config or GE2EConfig())
    load_state_dict_checked(model, _converted(checkpoint, source), source=str(source))
    return model.eval()


@functools.lru_cache(maxsize=1)
def default_ge2e() -> GE2EModel:
    """The shared pretrained model the verbs use when given no model (loaded once; do not modify it)."""
    return load_ge2e()


def ge2e_resemblyzer() -> GE2EModel:
    """The GE2E speaker encoder of `resemblyzer` 0.1.4 (1.4 M parameters, 16 kHz), a new model on every call.

    Raises `ModelNotAvailableError` (``NT305``) naming the package when it is not installed.
    """
    return load_ge2e()


register_pretrained_builder("ge2e_resemblyzer", ge2e_resemblyzer)
