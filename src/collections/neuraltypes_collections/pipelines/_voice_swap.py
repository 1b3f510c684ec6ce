"""The voice swap: recognise a recording, restore its punctuation and capitalization, speak it with another voice.

    audio -> recogniser (Whisper, CTC) -> text -> [strip] -> [punctuation] -> text -> voice (VITS) -> audio

Reads top to bottom: the results, the loaded chain (its stages checked by `neuraltypes.check_wiring` before any
audio is read), the segments of a long recording, then the two verbs: `stream_voice_swap` (one `SwappedSegment`
per stretch of at most `segment_s` seconds, memory flat) and `voice_swap` (one `VoiceSwap`, optionally streamed
into a WAV file written atomically).
"""

from __future__ import annotations

import dataclasses
import os
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor

import neuraltypes as nt

from ..common._audio import AudioInput, load_audio, read_audio
from ..common._errors import AudioError, InputError
from ..common._model import NeuralModel
from ..common._verbs import resolve_model, wrong_model_error
from ..nlp._entities import Entity, recognize_entities
from ._stages import PunctuateMode, plan_stages
from ._words import Word, spoken_words, transcript_words

__all__ = ["StageTimes", "SwappedSegment", "VoiceSwap", "VoiceSwapper", "stream_voice_swap", "voice_swap"]

MODES = ("auto", "always", "never")
#: Silence put between the speech of two segments, in seconds.
GAP_S = 0.3
ModelReference = NeuralModel | str | os.PathLike[str]


@dataclass(frozen=True)
class StageTimes:
    """Seconds spent in each stage (wall clock, this process).

    **Attributes:**

    - `read_s`: reading the audio and finding its speech (Silero VAD).
    - `asr_s`, `punctuation_s` (stripping included), `tts_s`: the three stages.
    """

    read_s: float = 0.0
    asr_s: float = 0.0
    punctuation_s: float = 0.0
    tts_s: float = 0.0

    @property
    def total_s(self) -> float:
        """All stages together."""
        return self.read_s + self.asr_s + self.punctuation_s + self.tts_s

    def __add__(self, other: StageTimes) -> StageTimes:
        return StageTimes(self.read_s + other.read_s, self.asr_s + other.asr_s,
                          self.punctuation_s + other.punctuation_s, self.tts_s + other.tts_s)  # fmt: skip


@dataclass(frozen=True, eq=False)
class _Swapped:
    """Abstract: what a swapped stretch (`SwappedSegment`) and a swapped recording (`VoiceSwap`) both carry, the
    fields their docstrings describe: `transcript`, `text`, `sample_rate`, `input_words`, `output_words`, `times`."""

    transcript: str
    text: str
    sample_rate: int
    input_words: tuple[Word, ...] | None
    output_words: tuple[Word, ...] | None
    times: StageTimes


@dataclass(frozen=True, eq=False)
class SwappedSegment(_Swapped):
    """One stretch of the recording, swapped: what `stream_voice_swap` yields.

    **Attributes:**

    - `start_s`, `end_s`: where the stretch lies in the recording.
    - `transcript`: what the recogniser heard; `text`: what the voice spoke (punctuated, unless not asked to be).
    - `audio`: the voice's speech ``(time,)`` on the CPU, tagged ``AudioSignal(sample_rate)``; `output_start_s`:
      where it starts in the whole output.
    - `input_words`, `output_words`: word times in the recording and in the output (``None`` where the model
      gives none).
    - `times`: the seconds each stage took on this stretch.
    - `recording_s`: the length of the whole recording, in seconds.
    """

    start_s: float
    end_s: float
    audio: Tensor
    output_start_s: float
    recording_s: float

    @property
    def output_end_s(self) -> float:
        """Where this stretch's speech ends in the whole output."""
        return self.output_start_s + self.audio.numel() / self.sample_rate


@dataclass(frozen=True, eq=False)
class VoiceSwap(_Swapped):
    """The result of `voice_swap`.

    **Attributes:**

    - `transcript`: the recogniser's transcript; `text`: the text the voice spoke.
    - `audio`: the output ``(time,)``, tagged ``AudioSignal(sample_rate)`` (``None`` when it was streamed into
      a file); `sample_rate`: its rate; `duration_s`: its length in seconds.
    - `input_duration_s`: the recording's length in seconds.
    - `times`: per-stage seconds (`StageTimes`).
    - `input_words`: the recogniser's word times in the recording; `output_words`: the voice's word times in the
      output, from its phoneme durations (``None`` where a model gives none).
    - `stages`: the checked chain, as `check_wiring` printed it.
    - `segments`: ``(start_s, end_s)`` of each stretch swapped on its own.
    - `entities`: the named entities of `transcript` (offsets into it) when `voice_swap` was given an `ner`
      model, else ``None``.
    """

    audio: Tensor | None
    duration_s: float
    input_duration_s: float
    stages: str
    segments: tuple[tuple[float, float], ...] = field(default=())
    entities: tuple[Entity, ...] | None = None

    @property
    def real_time_factor(self) -> float:
        """Seconds of work per second of input (below 1: faster than real time)."""
        return self.times.total_s / max(self.input_duration_s, 1e-9)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `audio` as a 16-bit WAV file, atomically."""
        from ..common._audio import write_audio

        if self.audio is None:
            raise InputError("VoiceSwap.save: the audio was streamed into a file and is not kept", source="audio")
        write_audio(path, self.audio, self.sample_rate)


def _text(transcription: Any) -> str:
    return " ".join(str(transcription.text).split())


class VoiceSwapper:
    """The loaded, checked chain of the voice swap, reusable for many recordings.

    **Arguments:**

    - `asr`: a recogniser (`WhisperModel`, `CTCModel`), or its registry name or archive path.
    - `punctuation`: a `PunctuationCapitalizationModel`, or its name or path (loaded only when the mode needs it).
    - `tts`: a voice (`VitsModel`), or its name or path.
    - `punctuate`: ``"auto"`` punctuates only a transcript the recogniser writes without punctuation (CTC);
      ``"always"`` lowercases and strips the transcript, then punctuates it with `punctuation`; ``"never"``
      speaks the transcript as it is.
    - `beam`: a Whisper recogniser's beam size (``None``: greedy decoding, the default; faster-whisper's is 5).
    - `noise_scale`, `noise_w`: the voice's sampling spreads (``None``: the voice's own, 0.667 and 0.8 for
      ``vits_en_joe``); see `synthesize`. The round trip of ``benchmarks/voice_swap.py`` compares them.
    - `pace`: the voice's speaking rate (> 1 faster, < 1 slower; 1.0: its own), as `synthesize`'s.

    Raises `InputError` (``NT309``) for a model of the wrong kind, an unknown mode, a beam that is not a positive
    integer (or any beam for a CTC model), a negative noise scale or a pace that is not > 0, and
    ``ContractViolation`` (``NT212``) when the chain's stages do not fit (`stages` is the report).
    """

    def __init__(self, asr: ModelReference = "whisper_tiny_en", punctuation: ModelReference = "punctuation_en_minilm",
                 tts: ModelReference = "vits_en_joe", punctuate: PunctuateMode = "auto", *, beam: int | None = None,
                 noise_scale: float | None = None, noise_w: float | None = None, pace: float = 1.0) -> None:  # fmt: skip
        from ..asr._transcribe import SpeechRecognizer
        from ..asr.models._ctc import CTCModel
        from ..asr.vad import speech_detector
        from ..nlp._model import PunctuationCapitalizationModel
        from ..tts.models._vits import VitsModel

        if punctuate not in MODES:
            raise InputError(f"voice_swap: punctuate must be one of {', '.join(MODES)}, got {punctuate!r}",
                             source="punctuate")  # fmt: skip
        for name, value in (("noise_scale", noise_scale), ("noise_w", noise_w)):
            if value is not None and not value >= 0:
                raise InputError(f"voice_swap: {name} must be >= 0 or None, got {value!r}", source=name)
        if not pace > 0:
            raise InputError(f"voice_swap: pace must be > 0, got {pace!r}", source="pace")
        if beam is not None and (isinstance(beam, bool) or not isinstance(beam, int) or beam < 1):
            raise InputError(f"voice_swap: beam must be an integer >= 1 or None, got {beam!r}", source="beam")
        recognizer = resolve_model(asr, NeuralModel, function="voice_swap")
        if not isinstance(recognizer, (CTCModel, SpeechRecognizer)):
            raise wrong_model_error("voice_swap", asr, recognizer, "a CTCModel or a WhisperModel", parameter="asr")
        if beam is not None and isinstance(recognizer, CTCModel):
            raise InputError("voice_swap: beam is a Whisper recogniser's beam size; this recogniser is a CTCModel",
                             source="beam")  # fmt: skip
        self.beam = beam
        self.noise_scale = noise_scale
        self.noise_w = noise_w
        self.pace = pace
        self.recognizer: NeuralModel = recognizer
        voice = resolve_model(tts, NeuralModel, function="voice_swap")
        if not isinstance(voice, VitsModel):
            raise wrong_model_error("voice_swap", tts, voice, "a VitsModel", parameter="tts")
        self.voice: VitsModel = voice
        planned = plan_stages(recognizer, None, self.voice, "never")
        self.punctuator: PunctuationCapitalizationModel | None = None
        if punctuate == "always" or (punctuate == "auto" and planned[0].gives.punctuated is not True):
            self.punctuator = cast(PunctuationCapitalizationModel,
                                   resolve_model(punctuation, PunctuationCapitalizationModel, function="voice_swap"))
        self.mode: PunctuateMode = punctuate
        chain = plan_stages(recognizer, self.punctuator, self.voice, punctuate)
        report = nt.check_wiring(chain)
        self.stages = str(report)
        self.strip = any(stage.name == "strip" for stage in chain)
        report.raise_if_failed()
        self.detector = speech_detector(None, function="voice_swap")

    @property
    def sample_rate(self) -> int:
        """The output's rate in Hz (the voice's)."""
        return int(self.voice.sample_rate)

    def _speak(self, transcript: str) -> tuple[str, float]:
        """The text to speak for `transcript` (stripped and punctuated as the chain says) and the seconds taken."""
        from ..nlp._inference import punctuate
        from ._words import unpunctuated

        start = time.perf_counter()
        text = transcript
        if self.strip:
            text = unpunctuated(text)
        if self.punctuator is not None:
            text = punctuate(self.punctuator, text).text
        return text, time.perf_counter() - start

    def swap_segment(self, clip: Tensor, start_s: float, output_start_s: float, seed: int | None,
                     recording_s: float) -> SwappedSegment | None:  # fmt: skip
        """Swap one stretch of speech at the recogniser's rate (``None`` when it holds no speech or no words)."""
        from ..asr._transcribe import transcribe
        from ..asr.vad import detect_speech
        from ..tts._synthesize import synthesize

        begin = time.perf_counter()
        rate = int(cast(Any, self.recognizer).sample_rate)
        detection = detect_speech(self.detector, nt.tag(clip, nt.tags.AudioSignal(rate)))
        read_s = time.perf_counter() - begin
        if not detection.segments:
            return None
        begin = time.perf_counter()
        # word times for every recogniser (CTC: forced alignment; Whisper: its cross-attention, as
        # faster-whisper's ``word_timestamps=True``, about 0.01 s of work per second of speech)
        transcription = transcribe(cast(Any, self.recognizer), nt.tag(clip, nt.tags.AudioSignal(rate)),
                                   timestamps=True, beam=self.beam)  # fmt: skip
        transcript = _text(transcription)
        asr_s = time.perf_counter() - begin
        if not any(character.isalnum() for character in transcript):
            return None
        text, punctuation_s = self._speak(transcript)
        if not any(character.isalnum() for character in text):
            return None
        begin = time.perf_counter()
        speech = synthesize(self.voice, text, seed=seed, noise_scale=self.noise_scale, noise_w=self.noise_w,
                            pace=self.pace)  # fmt: skip
        tts_s = time.perf_counter() - begin
        output_words = None
        if speech.durations is not None:
            output_words = spoken_words(text, speech.durations, self.voice, output_start_s)
        return SwappedSegment(
            transcript=transcript, text=text, sample_rate=speech.sample_rate,
            input_words=transcript_words(transcription.words, start_s), output_words=output_words,
            times=StageTimes(read_s, asr_s, punctuation_s, tts_s), start_s=start_s,
            end_s=start_s + clip.numel() / rate, audio=speech.audio, output_start_s=output_start_s,
            recording_s=recording_s,
        )  # fmt: skip


# --- segments of a long recording ---------------------------------------------------------------------------


def _cut(clip: Tensor, rate: int, detector: Any) -> int:
    """Where to end a full window: in the last pause that starts after a third of it (Silero VAD), else at its
    quietest 0.2 s in its last third."""
    from ..asr.vad import detect_speech

    segments = detect_speech(detector, nt.tag(clip, nt.tags.AudioSignal(rate))).segments
    length = clip.numel()
    candidates = [(a.end_s + b.start_s) / 2 for a, b in zip(segments, segments[1:], strict=False)]
    if segments and segments[-1].end_s * rate < length - 0.2 * rate:
        candidates.append(segments[-1].end_s)
    late = [int(point * rate) for point in candidates if point * rate >= length / 3]
    if late:
        return max(late)
    frame = int(0.2 * rate)
    tail = clip[length * 2 // 3 :]
    energy = tail[: tail.numel() // frame * frame].reshape(-1, frame).pow(2).mean(dim=1)
    return length * 2 // 3 + int(energy.argmin()) * frame + frame // 2


def _windows(audio: AudioInput, rate: int, segment_s: float, sample_rate: int | None,
             detector: Any) -> Iterator[tuple[Tensor, float, float]]:  # fmt: skip
    """``(clip, start_s, total_s)`` for each stretch of `audio` at `rate`; a file is read one window at a time."""
    window = int(segment_s * rate)
    if isinstance(audio, (str, os.PathLike)):
        import soundfile  # type: ignore[import-untyped]

        first, _ = read_audio(audio, rate, duration_s=segment_s)  # checks the file: missing, empty, unreadable
        total_s = float(soundfile.info(os.fspath(audio)).duration)

        def read(start: int) -> Tensor:
            if start == 0:
                return first
            clip, _ = read_audio(audio, rate, offset_s=start / rate, duration_s=segment_s)
            return clip
    else:
        whole = load_audio(audio, rate, sample_rate=sample_rate, function="voice_swap")
        total_s = whole.numel() / rate

        def read(start: int) -> Tensor:
            return whole[start : start + window]

    start = 0
    while start < int(total_s * rate):
        clip = read(start)
        if clip.numel() == 0:
            break
        end = clip.numel() if clip.numel() < window or start + window >= total_s * rate else _cut(clip, rate, detector)
        yield clip[:end].contiguous(), start / rate, total_s
        start += max(end, 1)


# --- the verbs ----------------------------------------------------------------------------------------------


def stream_voice_swap(audio: AudioInput, swapper: VoiceSwapper, *, sample_rate: int | None = None,
                      segment_s: float = 30.0, seed: int | None = 0) -> Iterator[SwappedSegment]:  # fmt: skip
    """Swap `audio` stretch by stretch (cut in pauses, at most `segment_s` seconds each), yielding each
    `SwappedSegment` as soon as it is spoken: a file is read one stretch at a time, so memory stays flat however
    long the recording.

    Raises `AudioError` (``NT306``) naming the input when no stretch holds speech (silence, noise, music), after
    the last stretch; the audio-input rules of the collections for a bad file.
    """
    if not 5.0 <= segment_s <= 30.0:
        raise InputError(f"voice_swap: segment_s must be within 5 and 30 s, got {segment_s!r}", source="segment_s")
    rate = int(cast(Any, swapper.recognizer).sample_rate)
    output_s = 0.0
    spoken = False
    for clip, start_s, total_s in _windows(audio, rate, segment_s, sample_rate, swapper.detector):
        segment = swapper.swap_segment(clip, start_s, output_s + (GAP_S if spoken else 0.0), seed, total_s)
        if segment is None:
            continue
        spoken = True
        output_s = segment.output_end_s
        yield segment
    if not spoken:
        name = os.fspath(audio) if isinstance(audio, (str, os.PathLike)) else "audio"
        raise AudioError(f"{name}: no speech found (silence or non-speech); there is nothing to say", source=name)


def voice_swap(
    audio: AudioInput,
    *,
    asr: ModelReference | VoiceSwapper = "whisper_tiny_en",
    punctuation: ModelReference = "punctuation_en_minilm",
    tts: ModelReference = "vits_en_joe",
    punctuate: PunctuateMode = "auto",
    sample_rate: int | None = None,
    output: str | os.PathLike[str] | None = None,
    segment_s: float = 30.0,
    seed: int | None = 0,
    ner: ModelReference | None = None,
) -> VoiceSwap:
    """Recognise the speech of `audio`, punctuate it as `punctuate` says, and speak it with the voice `tts`.

    The chain's stages are checked by `neuraltypes.check_wiring` before any audio is read (the transcript's
    language, casing and punctuation against what the next stage takes); then the recording is swapped stretch
    by stretch (`stream_voice_swap`).

    **Arguments:**

    - `audio`: a path (wav/flac/ogg) or a ``(time,)`` / ``(channel, time)`` tensor or array (the collections'
      audio-input rules: channels averaged, other rates resampled to the recogniser's).
    - `asr`, `punctuation`, `tts`, `punctuate`: as for `VoiceSwapper`; or pass a `VoiceSwapper` as `asr` to reuse
      loaded models (the other three are then ignored).
    - `sample_rate`: the rate of a tensor or array whose tag does not say.
    - `output`: stream the speech into this WAV file (written atomically: nothing is left there when a stage
      fails); the result then keeps no audio.
    - `segment_s`: the longest stretch swapped at once, 5 to 30 s.
    - `seed`: seeds the voice's noise, for the same output at every call (``None``: torch's random state).
    - `ner`: a `TokenClassificationModel` (or its name or path, e.g. ``"ner_en_minilm"``) whose entities of the
      transcript the result gains (`VoiceSwap.entities`); ``None``: none.

    **Returns:** a `VoiceSwap`. Raises `AudioError` (``NT306``) for unusable audio or audio without speech,
    `InputError` (``NT309``) for a bad argument, ``ContractViolation`` (``NT212``) for a chain whose stages do not
    fit.
    """
    swapper = asr if isinstance(asr, VoiceSwapper) else VoiceSwapper(asr, punctuation, tts, punctuate)
    from ..nlp._token_classification import TokenClassificationModel

    # loaded (and a model of another kind refused) before any audio is read
    recognizer = None if ner is None else cast(
        TokenClassificationModel, resolve_model(ner, TokenClassificationModel, function="voice_swap", parameter="ner"))
    kept: list[SwappedSegment] = []  # streamed into a file: without their audio
    pieces: list[Tensor] = []
    gap = torch.zeros(int(GAP_S * swapper.sample_rate))
    ends = [0.0]

    def collect(writer: wave.Wave_write | None) -> None:
        for segment in stream_voice_swap(audio, swapper, sample_rate=sample_rate, segment_s=segment_s, seed=seed):
            parts = [gap, segment.audio] if kept else [segment.audio]
            ends[0] = segment.output_end_s
            if writer is None:
                pieces.extend(parts)
                kept.append(segment)
                continue
            for part in parts:
                samples = part.detach().float().clamp(-1.0, 1.0).numpy()
                writer.writeframes(np.round(samples * 32767.0).astype("<i2").tobytes())
            kept.append(dataclasses.replace(segment, audio=segment.audio[:0]))

    if output is None:
        collect(None)
    else:
        from ..common._archive import atomic_output

        with atomic_output(output, suffix=".wav") as file, wave.open(file, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(swapper.sample_rate)
            collect(writer)
    transcript = " ".join(segment.transcript for segment in kept)
    entities = None
    if recognizer is not None:
        entities = recognize_entities(recognizer, transcript).entities
    times = StageTimes()
    for segment in kept:
        times = times + segment.times
    return VoiceSwap(
        transcript=transcript,
        text=" ".join(segment.text for segment in kept),
        audio=nt.tag(torch.cat(pieces), nt.tags.AudioSignal(swapper.sample_rate)) if pieces else None,
        sample_rate=swapper.sample_rate,
        duration_s=ends[0],
        input_duration_s=kept[-1].recording_s,
        times=times,
        input_words=_joined([segment.input_words for segment in kept]),
        output_words=_joined([segment.output_words for segment in kept]),
        stages=swapper.stages,
        segments=tuple((segment.start_s, segment.end_s) for segment in kept),
        entities=entities,
    )


def _joined(parts: list[tuple[Word, ...] | None]) -> tuple[Word, ...] | None:
    if any(part is None for part in parts):
        return None
    return tuple(word for part in parts for word in cast(tuple[Word, ...], part))
