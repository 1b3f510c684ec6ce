"""Pretrained Silero VAD weights, read from the files the `silero-vad` wheel installs (never downloaded).

The wheel (`pip install "silero-vad>=6.2.1"`) ships two sets of weights for this architecture:

- `silero_vad.jit`: the TorchScript model that `silero_vad.load_silero_vad()` returns, with a 16 kHz and an
  8 kHz model. Its parameters are read here (the TorchScript code itself is never run).
- `silero_vad_16k.safetensors`: 16 kHz weights written for the package's tinygrad port. As of silero-vad 6.2.3
  they are **not** the TorchScript model's weights (they differ by up to 18 in a conv weight and the speech
  probabilities differ by up to 0.7 on real speech; upstream issue snakers4/silero-vad#768), so they give a
  different, close model.

`load_silero_vad()` reads the TorchScript parameters by default, so that its probabilities are the original's.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor

from ...common._errors import ArchiveError, InputError
from ...common._weights import installed_file, load_state_dict_checked
from ._silero import SileroVad, SileroVadDimensions, hann_dft_basis

#: Which weight file of the silero-vad wheel to load: the TorchScript model's parameters or the safetensors file.
WeightsSource = Literal["torchscript", "safetensors"]

_FILES: dict[str, str] = {"torchscript": "silero_vad.jit", "safetensors": "silero_vad_16k.safetensors"}
_BASIS_TOLERANCE = 1e-5

# Checkpoint key -> our key, for each source. `{i}` is the encoder convolution index.
_SAFETENSORS_KEYS = {
    "stft_conv.weight": "front_end.basis",
    **{f"conv{i + 1}.{p}": f"encoder.convs.{i}.{p}" for i in range(4) for p in ("weight", "bias")},
    **{f"lstm_cell.{p}": f"decoder.lstm.{p}_l0" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")},
    "final_conv.weight": "decoder.head.weight",
    "final_conv.bias": "decoder.head.bias",
}
_TORCHSCRIPT_KEYS = {
    "stft.forward_basis_buffer": "front_end.basis",
    **{
        f"encoder.{i}.reparam_conv.{p}": f"encoder.convs.{i}.{p}"
        for i in range(4)
        for p in ("weight", "bias")
    },
    **{f"decoder.rnn.{p}": f"decoder.lstm.{p}_l0" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")},
    "decoder.decoder.2.weight": "decoder.head.weight",
    "decoder.decoder.2.bias": "decoder.head.bias",
}


def silero_weights_file(source: WeightsSource = "torchscript") -> Path:
    """Path of a weights file installed by the `silero-vad` wheel, found without importing `silero_vad`.

    (Importing `silero_vad` would call `torch.set_num_threads(1)` for the whole process.)

    **Raises:** `ModelNotAvailableError` (`NT305`) with a one-line hint when the optional package is not
    installed.
    """
    if source not in _FILES:
        raise InputError(
            f"silero_weights_file: unknown Silero VAD weights source {source!r}; expected one of {sorted(_FILES)}",
            source="source",
        )
    return installed_file(
        "silero-vad",
        f"silero_vad/data/{_FILES[source]}",
        needed_by="the Silero VAD",
        hint="pip install 'neuraltypes[collections]' or pip install 'silero-vad>=6.2.1'",
        mend="pip install --upgrade 'silero-vad>=6.2.1'",
    )


def _read_safetensors(path: Path, sample_rate: int) -> dict[str, Tensor]:
    if sample_rate != 16000:
        raise InputError(
            f"sample_rate: {path.name} holds only the 16000 Hz model, not {sample_rate} Hz; "
            "hint: use weights='torchscript' for the 8000 Hz model.",
            source="sample_rate",
        )
    from safetensors.torch import load_file

    return load_file(str(path))


def _read_torchscript(path: Path, sample_rate: int) -> dict[str, Tensor]:
    with warnings.catch_warnings():  # torch.jit.load is deprecated; only its parameters are read here
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call]
    submodule = {16000: "_model", 8000: "_model_8k"}.get(sample_rate)
    if submodule is None or not hasattr(scripted, submodule):
        raise ArchiveError(str(path), f"no {sample_rate} Hz model; the TorchScript file has 16000 and 8000 Hz models")
    return {key: value.detach().clone() for key, value in getattr(scripted, submodule).state_dict().items()}


def _convert(
    state: dict[str, Tensor], keys: dict[str, str], source: Path, dims: SileroVadDimensions
) -> dict[str, Tensor]:
    missing = sorted(set(keys) - set(state))
    unexpected = sorted(set(state) - set(keys))
    if missing or unexpected:
        raise ArchiveError(
            str(source),
            f"not a Silero VAD v6 checkpoint: missing keys {missing}, unexpected keys {unexpected}; "
            "hint: this loader knows silero-vad >= 6.2.1.",
        )
    converted = {keys[key]: value for key, value in state.items()}
    basis = converted.pop("front_end.basis")
    expected = hann_dft_basis(dims.n_fft)
    if basis.shape != expected.shape or (basis - expected).abs().max() > _BASIS_TOLERANCE:
        raise ArchiveError(
            str(source),
            f"the STFT basis is not the periodic-Hann DFT of size {dims.n_fft} this implementation computes; "
            "hint: the checkpoint comes from a different Silero VAD version.",
        )
    converted["decoder.head.weight"] = converted["decoder.head.weight"].squeeze(-1)
    return converted


@functools.lru_cache(maxsize=4)
def _cached(sample_rate: int, weights: WeightsSource) -> SileroVad:
    return load_silero_vad(sample_rate, weights=weights)


def load_silero_vad(sample_rate: int = 16000, *, weights: WeightsSource = "torchscript") -> SileroVad:
    """A pretrained Silero VAD in eval mode, with weights from the installed `silero-vad` wheel.

    **Arguments:**

    - `sample_rate`: 16000 or 8000 (Hz).
    - `weights`: `"torchscript"` (default) reads the parameters of the wheel's TorchScript model, so the
      probabilities are the original model's; `"safetensors"` reads the wheel's `silero_vad_16k.safetensors`
      (16 kHz only), which holds different weights (see the module docstring).

    **Returns:** a `SileroVad`. Every call builds a new model.
    """
    dims = SileroVadDimensions.for_sample_rate(sample_rate)
    path = silero_weights_file(weights)
    if weights == "safetensors":
        state = _convert(_read_safetensors(path, sample_rate), _SAFETENSORS_KEYS, path, dims)
    else:
        state = _convert(_read_torchscript(path, sample_rate), _TORCHSCRIPT_KEYS, path, dims)
    model = SileroVad(dims)
    load_state_dict_checked(model, state, source=str(path))
    return model.eval()


def default_silero_vad(sample_rate: int = 16000) -> SileroVad:
    """The shared pretrained model `detect_speech` uses (loaded once per sample rate; do not modify it)."""
    return _cached(sample_rate, "torchscript")


__all__ = ["WeightsSource", "default_silero_vad", "load_silero_vad", "silero_weights_file"]
