"""`detect_speech`: one verb for every speech detector (Silero VAD, MarbleNet segment and frame models).

A speech detector is anything with a `sample_rate` and a `chunk_speech_probs(waveform)` method that returns one
speech probability per chunk of a 1-D waveform at that rate, and the chunk length in samples (`SpeechDetector`).
`detect_speech` reads the audio through the collections' one audio-input layer (`common._audio`: resampled to the
model's rate, or refused with ``NT208``), asks the model for its chunk probabilities, and turns them into segments
with `segments_from_probs`. `split_at_silences` cuts long recordings at the silences the same model finds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol, Unpack, cast, overload, runtime_checkable

import torch
from torch import Tensor

from ...common._audio import AudioInput, load_audio
from ...common._errors import InputError
from ...common._verbs import AudioVerbOptions, audio_call, check_batch_size, wrong_model_error
from ._segments import (
    AudioChunk,
    DetectSpeechOptions,
    SegmentationOptions,
    SpeechDetection,
    segments_from_probs,
    speech_groups,
)

__all__ = [
    "SILERO_MODELS",
    "SpeechDetector",
    "detect_speech",
    "speech_detector",
    "split_at_silences",
]

#: The names `detect_speech` takes for the Silero VAD shipped by the `silero-vad` wheel, and their rates in Hz.
SILERO_MODELS: dict[str, int] = {"silero": 16000, "silero-8k": 8000}

_SILERO_RULES = SegmentationOptions()  # the default segmentation rules (Silero's)


@runtime_checkable
class SpeechDetector(Protocol):
    """What `detect_speech` needs of a model: `SileroVad`, `ClassificationModel`, `FrameClassificationModel`."""

    @property
    def sample_rate(self) -> int:
        """The rate, in Hz, of the audio the model takes."""
        ...

    def chunk_speech_probs(
        self,
        waveform: Tensor,
        *,
        batch_size: int = 64,
        window_s: float | None = None,
        shift_s: float | None = None,
    ) -> tuple[Tensor, int]:
        """One speech probability per chunk of a 1-D waveform at `sample_rate`, and the chunk length in samples."""
        ...


def speech_detector(
    model: SpeechDetector | str | os.PathLike[str] | None, *, function: str = "detect_speech"
) -> SpeechDetector:
    """The model a `detect_speech` call names: `None` or ``"silero"`` is the shipped 16 kHz Silero VAD,
    ``"silero-8k"`` its 8 kHz model, another string or path a registry name or archive (`model_from_reference`).

    Raises `InputError` (``NT309``) naming `function` for a model that is not a speech detector.
    """
    # imported here, not at the top: _weights imports _silero, which imports this module
    from ._weights import default_silero_vad

    if model is None:
        return default_silero_vad(SILERO_MODELS["silero"])
    if isinstance(model, str) and model in SILERO_MODELS:
        return default_silero_vad(SILERO_MODELS[model])
    expected = "a speech detector (SileroVad, or a MarbleNet ClassificationModel or FrameClassificationModel)"
    if isinstance(model, (str, os.PathLike)):
        from ...common._pretrained import model_from_reference

        loaded: object = model_from_reference(model)
    else:
        loaded, expected = model, f"{expected} or one of {sorted(SILERO_MODELS)}"
    if not isinstance(loaded, SpeechDetector) or not isinstance(loaded, torch.nn.Module):
        raise wrong_model_error(function, model, loaded, expected)
    return loaded


@overload
def detect_speech(  # type: ignore[overload-overlap]  # a str is one input, not a list
    model: SpeechDetector | str | os.PathLike[str] | None,
    audio: AudioInput,
    **options: Unpack[DetectSpeechOptions],
) -> SpeechDetection: ...
@overload
def detect_speech(
    model: SpeechDetector | str | os.PathLike[str] | None,
    audio: Sequence[AudioInput],
    **options: Unpack[DetectSpeechOptions],
) -> list[SpeechDetection]: ...
def detect_speech(
    model: SpeechDetector | str | os.PathLike[str] | None,
    audio: AudioInput | Sequence[AudioInput],
    *,
    threshold: float = 0.5,
    neg_threshold: float | None = None,
    min_speech_duration_s: float = 0.25,
    min_silence_duration_s: float = 0.1,
    speech_pad_s: float = 0.03,
    window_s: float | None = None,
    shift_s: float | None = None,
    **options: Unpack[AudioVerbOptions],
) -> SpeechDetection | list[SpeechDetection]:
    """Find the speech in a recording, or in each recording of a list.

    **Arguments:**

    - `model`: a `SileroVad`, a MarbleNet `ClassificationModel` (segment VAD: the probability of its ``speech``
      label) or `FrameClassificationModel` (frame VAD), a registry name or archive path of one, or `None` (also
      ``"silero"``) for the 16 kHz Silero VAD of the `silero-vad` wheel (``"silero-8k"``: its 8 kHz model).
    - `audio`: a path, a ``(time,)`` or ``(channel, time)`` tensor or numpy array in [-1, 1] (channels are
      averaged), or a list of them (the rules of ``docs/collections.md``).
    - `sample_rate`: the rate of a tensor or array in Hz, when its ``AudioSignal`` tag does not say (an untagged
      tensor is otherwise taken to be at the model's rate); files carry their own.
    - `resample`: resample audio at another rate to the model's (default); `False` refuses it (``NT208``).
    - `progress`: a progress bar over the recordings (`None`: when there are more than four).
    - `device`: run there (the model is moved and stays); `None`: the model's device.
    - `batch_size`: windows per forward pass of a segment-level classifier (default 64; Silero and frame models
      read a recording in one pass).
    - `threshold`, `neg_threshold`, `min_speech_duration_s`, `min_silence_duration_s`, `speech_pad_s`: the
      segmentation rules (`SegmentationOptions`).
    - `window_s`, `shift_s`: window length and hop of a segment-level classifier (default 0.63 s and 0.08 s);
      refused for models with fixed chunks.

    **Returns:** a `SpeechDetection` (`segments`, `duration_s`, `sample_rate`) for one recording; a list of them,
    in order, for a list.

    Examples:

        >>> import torch
        >>> from neuraltypes_collections.asr.vad import detect_speech
        >>> detect_speech(None, torch.zeros(16000))
        SpeechDetection(segments=(), duration_s=1.0, sample_rate=16000)
    """
    rules = SegmentationOptions(
        threshold, neg_threshold, min_speech_duration_s, min_silence_duration_s, speech_pad_s
    )
    batch_size = options.get("batch_size", 64)
    check_batch_size(batch_size, function="detect_speech")  # before a model is loaded
    detector = speech_detector(model, function="detect_speech")
    # speech_detector checks that the detector is a module; its recordings are read one at a time
    call = audio_call("detect_speech", cast(torch.nn.Module, detector), detector.sample_rate, audio, options,
                      batch_size=batch_size)  # fmt: skip
    rate = call.rate
    results: list[SpeechDetection] = []
    for (index,) in call.batches(range(len(call.inputs)), 1):
        waveform = call.load(index)
        probs, chunk_samples = detector.chunk_speech_probs(
            waveform.to(call.device), batch_size=batch_size, window_s=window_s, shift_s=shift_s
        )
        segments = segments_from_probs(
            probs.cpu(),
            chunk_samples=chunk_samples,
            sample_rate=rate,
            num_samples=waveform.numel(),
            options=rules,
        )
        results.append(SpeechDetection(tuple(segments), waveform.numel() / rate, rate))
    return call.answer(results)


def split_at_silences(
    audio: AudioInput,
    *,
    model: SpeechDetector | str | os.PathLike[str] | None = None,
    sample_rate: int | None = None,
    resample: bool = True,
    max_chunk_s: float = 30.0,
    options: SegmentationOptions = _SILERO_RULES,
) -> list[AudioChunk]:
    """Split a long recording into speech chunks of at most `max_chunk_s` seconds, cut in silences, for ASR.

    Speech segments (padded as in `detect_speech`) are grouped greedily while a group fits in `max_chunk_s`;
    silence between groups is dropped. A single segment longer than `max_chunk_s` is cut at its least
    speech-like chunk. Add each chunk's `offset_s` to times measured inside it.

    **Arguments:**

    - `audio`: one recording, read as by `detect_speech` (`sample_rate`, `resample` likewise).
    - `model`: the speech detector, as for `detect_speech` (default: the 16 kHz Silero VAD).
    - `max_chunk_s`: the longest chunk, in seconds.
    - `options`: the segmentation rules.

    **Returns:** the chunks in time order, at the model's rate; empty when there is no speech.
    """
    detector = speech_detector(model, function="split_at_silences")
    rate = detector.sample_rate
    waveform = load_audio(
        audio, rate, sample_rate=sample_rate, resample_audio=resample, function="split_at_silences"
    )
    probs, chunk_samples = detector.chunk_speech_probs(waveform)
    max_samples = int(max_chunk_s * rate)
    if max_samples < 2 * chunk_samples:
        raise InputError(
            f"split_at_silences: max_chunk_s={max_chunk_s} must be at least {2 * chunk_samples / rate} s.",
            source="max_chunk_s",
        )
    groups = speech_groups(
        probs.tolist(),
        chunk_samples=chunk_samples,
        sample_rate=rate,
        num_samples=waveform.numel(),
        max_samples=max_samples,
        options=options,
    )
    return [AudioChunk(waveform[start:end], start / rate, rate) for start, end in groups]
