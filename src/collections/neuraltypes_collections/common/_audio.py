"""The one audio-input layer of the collections: files, tensors and arrays in, tagged mono waveforms out.

Every verb that consumes audio (``transcribe``, ``classify``, ``detect_speech``, ``synthesize --copy`` and the
collections that come next) reads its inputs through `load_audio` / `load_audio_list`, so the rules below hold
everywhere (also in ``docs/collections.md``):

- **What one recording is.** A path (wav/flac/ogg, read with soundfile), or a tensor or numpy array of shape
  ``(time,)`` or ``(channel, time)``. Channels are averaged to mono; more than `MAX_CHANNELS` rows is refused
  (a ``(time, channel)`` array from ``soundfile.read`` must be transposed; a batch is passed as a list).
- **A list is a batch.** A verb given a list returns a list of results in the same order; given one recording it
  returns one result.
- **The sample rate** comes from the explicit ``sample_rate=`` argument, else the tensor's ``AudioSignal`` tag,
  else the file header; an untagged tensor without ``sample_rate=`` is taken to be at the model's rate.
- **Another rate** is resampled to the model's (torchaudio's band-limited sinc) with ``resample=True`` (the verbs'
  default); with ``resample=False`` it is refused with the contract error ``NT208`` naming both rates. It is never
  misread. (A typed ``forward`` always refuses: resampling is the verbs' convenience, not the modules'.)
- **Bad audio** (missing, unreadable, empty, NaN or infinite samples, integer samples) raises `AudioError`
  (``NT306``) whose message starts with the input's name: the path, or ``inputs[i]``.
- **Tags are kept**: every waveform returned is tagged ``AudioSignal(rate)``; `batch_audio` tags the padded batch
  the same way and its lengths as ``Lengths``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import cast

import numpy as np
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import ContractViolation, tag_of

from ._errors import AudioError, InputError

__all__ = [
    "MAX_CHANNELS",
    "AudioInput",
    "batch_audio",
    "check_audio",
    "input_source",
    "is_single_audio",
    "load_audio",
    "load_audio_list",
    "read_audio",
    "resample",
    "write_audio",
]

#: What a verb accepts as one recording.
AudioInput = str | os.PathLike[str] | Tensor | np.ndarray

#: The most channels a ``(channel, time)`` input may have; more rows is taken for a mistake (a transposed array).
MAX_CHANNELS = 8


def resample(audio: Tensor, orig_sample_rate: int, new_sample_rate: int) -> Tensor:
    """Resample the last axis from `orig_sample_rate` to `new_sample_rate` Hz (torchaudio's windowed sinc).

    **Arguments:**

    - `audio`: samples ``(..., time)`` at `orig_sample_rate` Hz.
    - `orig_sample_rate`, `new_sample_rate`: rates in Hz (positive).

    **Returns:** the samples at `new_sample_rate`, tagged ``AudioSignal(new_sample_rate)`` (unchanged values when
    the rates are equal).
    """
    if orig_sample_rate <= 0 or new_sample_rate <= 0:
        raise InputError(f"resample: sample rates must be positive, got {orig_sample_rate} -> {new_sample_rate}")
    if orig_sample_rate != new_sample_rate:
        import torchaudio.functional  # type: ignore[import-untyped]  # ships no type hints

        audio = cast(Tensor, torchaudio.functional.resample(audio, orig_sample_rate, new_sample_rate))
    return nt.tag(audio, nt.tags.AudioSignal(new_sample_rate))


def check_audio(audio: Tensor, source: str) -> Tensor:
    """Raise `AudioError` for empty or non-finite audio; return `audio` unchanged otherwise."""
    if audio.numel() == 0:
        raise AudioError(f"{source}: the audio is empty (0 samples)", source=source)
    bad = int((~torch.isfinite(audio)).sum().item())
    if bad:
        raise AudioError(
            f"{source}: {bad} of {audio.numel()} samples are NaN or infinite "
            "(hint: the file is corrupt, or an upstream step divided by zero)",
            source=source,
        )
    return audio


def read_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    *,
    offset_s: float = 0.0,
    duration_s: float | None = None,
) -> tuple[Tensor, int]:
    """Read a wav/flac/ogg file as mono float32 samples in [-1, 1] (channels averaged).

    **Arguments:**

    - `path`: the file.
    - `sample_rate`: resample to this rate in Hz; `None` keeps the file's rate.
    - `offset_s`, `duration_s`: read only this window, in seconds (a manifest's `offset`/`duration`).

    **Returns:** `(samples, sample_rate)`: a 1-D float32 tensor tagged ``AudioSignal(sample_rate)`` and its rate.
    Raises `AudioError` naming the file when it is missing, unreadable, empty or holds NaN/infinite samples.
    """
    import soundfile  # type: ignore[import-untyped]

    source = os.fspath(path)
    if not os.path.isfile(source):
        what = "is a directory, not an audio file" if os.path.isdir(source) else "no such file"
        raise AudioError(f"{source}: {what}", source=source)
    if os.path.getsize(source) == 0:
        raise AudioError(f"{source}: the file is empty (0 bytes)", source=source)
    try:
        with soundfile.SoundFile(source) as handle:
            file_rate = int(handle.samplerate)
            start = int(round(offset_s * file_rate))
            frames = -1 if duration_s is None else int(round(duration_s * file_rate))
            if start:
                handle.seek(min(start, handle.frames))
            data = handle.read(frames=frames, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        reason = str(error).split(": ", 1)[-1] if str(error) else type(error).__name__
        raise AudioError(
            f"{source}: cannot read audio ({reason}); hint: use WAV, FLAC or OGG", source=source
        ) from None
    audio = torch.from_numpy(np.ascontiguousarray(data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]))
    check_audio(audio, source)
    if sample_rate is not None and sample_rate != file_rate:
        return resample(audio, file_rate, sample_rate), sample_rate
    return nt.tag(audio, nt.tags.AudioSignal(file_rate)), file_rate


def write_audio(path: str | os.PathLike[str], audio: Tensor, sample_rate: int) -> None:
    """Write a mono waveform in [-1, 1] as 16-bit PCM WAV, atomically (a temporary file, then a rename).

    **Arguments:**

    - `path`: destination file; nothing is left there if writing fails.
    - `audio`: ``(time,)`` or ``(1, time)`` samples; values outside [-1, 1] are clipped.
    - `sample_rate`: rate in Hz.
    """
    import wave

    from ._archive import atomic_output

    samples = audio.detach().reshape(-1).float().clamp(-1.0, 1.0).cpu().numpy()
    pcm = np.round(samples * 32767.0).astype("<i2").tobytes()
    with atomic_output(path, suffix=".wav") as file, wave.open(file, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(int(sample_rate))
        writer.writeframes(pcm)


def _tagged_rate(tensor: Tensor) -> int | None:
    tag = tag_of(tensor)
    rate = tag.params.get("sample_rate") if tag is not None else None
    return int(rate) if rate is not None else None


def _mono(tensor: Tensor, source: str) -> Tensor:
    if tensor.dim() == 2 and tensor.shape[0] <= MAX_CHANNELS:
        tensor = tensor.mean(dim=0) if tensor.shape[0] > 1 else tensor[0]
    if tensor.dim() != 1:
        hint = (
            "a (time, channel) array must be transposed (x.T)"
            if tensor.dim() == 2 and tensor.shape[1] <= MAX_CHANNELS
            else "pass a batch of recordings as a list"
        )
        raise AudioError(
            f"{source}: audio of shape {list(tensor.shape)}; expected (time,) or (channel, time) with at most "
            f"{MAX_CHANNELS} channels; hint: {hint}",
            source=source,
        )
    return tensor


def load_audio(
    audio: AudioInput,
    model_rate: int,
    *,
    sample_rate: int | None = None,
    resample_audio: bool = True,
    function: str = "load_audio",
    source: str | None = None,
) -> Tensor:
    """One recording as a mono float32 waveform ``(time,)`` at `model_rate`, tagged ``AudioSignal(model_rate)``.

    **Arguments:**

    - `audio`: a path, or a ``(time,)`` / ``(channel, time)`` tensor or numpy array of floating samples.
    - `model_rate`: the rate the consumer needs, in Hz.
    - `sample_rate`: the rate of a tensor or array, in Hz, when its tag does not say (or to override the tag);
      for a file it must agree with the header (or be `None`).
    - `resample_audio`: resample another rate to `model_rate` (default); `False` refuses it with ``NT208``.
    - `function`: the verb's name, for messages.
    - `source`: how messages name the input (default: the path, or ``audio`` for a tensor).

    **Returns:** the waveform on the CPU. Raises `AudioError` for unusable audio, ``ContractViolation`` (``NT208``)
    for a rate that differs when `resample_audio` is false.
    """
    if isinstance(audio, (str, os.PathLike)):
        name = source or os.fspath(audio)
        waveform, rate = read_audio(audio)
        if sample_rate is not None and sample_rate != rate:
            raise AudioError(
                f"{name}: sample_rate={sample_rate} was given but the file is {rate} Hz; "
                "hint: leave sample_rate out for files",
                source=name,
            )
    else:
        name = source or "audio"
        if isinstance(audio, np.ndarray):
            tensor = torch.from_numpy(np.ascontiguousarray(audio))
        elif isinstance(audio, Tensor):
            tensor = audio
        else:
            raise AudioError(
                f"{name}: expected a path, a torch.Tensor or a numpy array, got {type(audio).__name__}",
                source=name,
            )
        if not tensor.is_floating_point():
            raise AudioError(
                f"{name}: audio of dtype {tensor.dtype}; expected floating samples in [-1, 1]; "
                "hint: for int16 PCM use audio.float() / 32768",
                source=name,
            )
        rate = sample_rate if sample_rate is not None else (_tagged_rate(tensor) or model_rate)
        waveform = check_audio(_mono(tensor.detach().float().cpu(), name), name)
    if rate == model_rate:
        return nt.tag(waveform, nt.tags.AudioSignal(model_rate))
    if not resample_audio:
        raise ContractViolation(
            f"[NT208] {function}: parameter 'audio' ({name}) is {rate} Hz audio, the model expects {model_rate} Hz\n"
            f"  hint:     resample {rate} Hz -> {model_rate} Hz (or call {function} with resample=True)",
            code="NT208",
            function=function,
            parameter="audio",
            hint=f"resample {rate} Hz -> {model_rate} Hz",
        )
    return resample(waveform, rate, model_rate)


def is_single_audio(inputs: object) -> bool:
    """Whether a verb's `inputs` is one recording (a path, a tensor, an array) rather than a list of them."""
    return isinstance(inputs, (str, os.PathLike, Tensor, np.ndarray))


def input_source(item: AudioInput, single: bool, index: int) -> str | None:
    """How messages name recording `index` of a verb's inputs: `None` for a path (`load_audio` names the file),
    ``audio`` for one in-memory recording, ``inputs[i]`` for one of a list."""
    if isinstance(item, (str, os.PathLike)):
        return None
    return "audio" if single else f"inputs[{index}]"


def load_audio_list(
    inputs: AudioInput | Sequence[AudioInput],
    model_rate: int,
    *,
    sample_rate: int | None = None,
    resample_audio: bool = True,
    function: str = "load_audio",
) -> list[Tensor]:
    """Every recording of a verb's `inputs` (one, or a list) through `load_audio`; messages name ``inputs[i]``
    for in-memory clips and the path for files."""
    single = is_single_audio(inputs)
    items: list[AudioInput] = [inputs] if single else list(inputs)  # type: ignore[list-item, arg-type]
    return [
        load_audio(
            item,
            model_rate,
            sample_rate=sample_rate,
            resample_audio=resample_audio,
            function=function,
            source=input_source(item, single, index),
        )
        for index, item in enumerate(items)
    ]


def batch_audio(waveforms: Sequence[Tensor], sample_rate: int) -> tuple[Tensor, Tensor]:
    """Zero-pad mono waveforms into ``audio (batch, time)`` tagged ``AudioSignal(sample_rate)`` and
    ``lengths (batch,)`` tagged ``Lengths``."""
    lengths = torch.tensor([w.shape[-1] for w in waveforms], dtype=torch.long)
    audio = torch.zeros(len(waveforms), max(int(lengths.max()) if len(waveforms) else 1, 1))
    for row, waveform in enumerate(waveforms):
        audio[row, : waveform.shape[-1]] = waveform
    return nt.tag(audio, nt.tags.AudioSignal(sample_rate)), nt.tag(lengths, nt.tags.Lengths())
