"""WAV input/output (16-bit PCM, standard library only) and resampling for the synthesis tools."""

from __future__ import annotations

import os
import wave

import numpy as np
import torch
from torch import Tensor

from ..common._archive import atomic_output


def read_wav(path: str | os.PathLike[str]) -> tuple[Tensor, int]:
    """Read a 16-bit PCM WAV file, averaging channels to mono.

    **Returns:** `(waveform, sample_rate)`: a 1-D float32 tensor in [-1, 1] and the rate in Hz.
    """
    try:
        with wave.open(os.fspath(path), "rb") as reader:
            if reader.getsampwidth() != 2:
                raise ValueError(f"{os.fspath(path)}: {8 * reader.getsampwidth()}-bit WAV; only 16-bit PCM is read")
            channels, rate = reader.getnchannels(), reader.getframerate()
            data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    except wave.Error as error:
        raise ValueError(f"{os.fspath(path)}: not a PCM WAV file ({error})") from None
    samples = data.reshape(-1, channels).astype(np.float32).mean(axis=1) / 32768.0
    return torch.from_numpy(samples), int(rate)


def write_wav(path: str | os.PathLike[str], audio: Tensor, sample_rate: int) -> None:
    """Write a mono waveform in [-1, 1] as 16-bit PCM WAV, atomically (temporary file, then rename).

    **Arguments:**

    - `path`: destination file.
    - `audio`: (time,) or (1, time) samples; values outside [-1, 1] are clipped.
    - `sample_rate`: rate in Hz.
    """
    samples = audio.detach().reshape(-1).float().clamp(-1.0, 1.0).cpu().numpy()
    pcm = np.round(samples * 32767.0).astype("<i2").tobytes()
    with atomic_output(path, suffix=".wav") as file, wave.open(file, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)


def resample(audio: Tensor, from_rate: int, to_rate: int) -> Tensor:
    """Band-limited (windowed sinc) resampling with torchaudio; the result is tagged with `to_rate`.

    **Arguments:**

    - `audio`: (..., time) samples at `from_rate` Hz.
    - `from_rate`, `to_rate`: sample rates in Hz.
    """
    import neuraltypes as nt

    if from_rate != to_rate:
        import torchaudio.functional  # type: ignore[import-untyped]  # ships no type hints

        audio = torchaudio.functional.resample(audio, from_rate, to_rate)
    return nt.tag(audio, nt.tags.AudioSignal(to_rate))


__all__ = ["read_wav", "resample", "write_wav"]
