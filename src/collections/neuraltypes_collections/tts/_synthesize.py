"""The ``synthesize`` verb (text -> spectrogram generator -> vocoder, or text -> an end-to-end model such as VITS)
and copy synthesis (recording -> its mel features -> vocoder), checked end to end; both return `Speech`.

Reads top to bottom: the result, the two verbs, then the spectrogram picture.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypedDict, Union, Unpack, cast, overload, runtime_checkable

import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import NeuralTypesError

from ..common import MelConfig, MelFrontEnd, NeuralModel, eval_mode
from ..common._archive import atomic_output
from ..common._audio import AudioInput, write_audio
from ..common._errors import InputError, ModelNotAvailableError
from ..common._verbs import (
    AudioReadOptions,
    audio_call,
    batches,
    model_device,
    text_inputs,
    wrong_model_error,
)
from .models._generator import _SpectrogramGenerator
from .models._vits import SpeakOptions
from .models._vocoders import GriffinLim, GriffinLimConfig, _Vocoder

#: A model argument: the model itself, or a registry name or archive path that holds one.
ModelReference = Union[NeuralModel, str, "os.PathLike[str]"]


class _TextToSpectrogram(Protocol):
    """What `synthesize` calls on a spectrogram generator (each of `FastPitchModel`, `Tacotron2Model` defines it)."""

    def parse(self, text: str, normalize: bool | None = None) -> Tensor: ...

    def generate_spectrogram(self, tokens: Tensor, pace: float = 1.0) -> Tensor: ...


class _Spoken(NamedTuple):
    """What an end-to-end model's `speak` returns (`VitsSpeech` is one)."""

    audio: Tensor
    ids: Tensor
    durations: Tensor


@runtime_checkable
class _TextToAudio(Protocol):
    """An end-to-end model that `synthesize` calls without a vocoder (`VitsModel` is one)."""

    sample_rate: int
    hop_length: int

    def speak(self, text: str, **options: Unpack[SpeakOptions]) -> _Spoken: ...


@dataclass(frozen=True, eq=False)
class Speech:
    """One synthesized utterance.

    **Attributes:**

    - `audio`: the waveform ``(time,)``, float32 in [-1, 1] on the CPU, tagged ``AudioSignal(sample_rate)``.
    - `sample_rate`: its rate in Hz (the vocoder's).
    - `spectrogram`: the log-mel spectrogram ``(mel, frame)`` that was vocoded, on the CPU, tagged
      ``MelSpectrogram(sample_rate, n_mels, hop_length)``; `audio` has ``hop_length`` samples per frame. An
      end-to-end model (VITS) has none: its audio's log-mel features (`MelConfig.hifigan()`) stand in, for pictures.
    - `durations`: an end-to-end model's frames per phoneme id (``(token,)``, int64, ``hop_length`` samples each,
      the sentences one after another); ``None`` for a spectrogram generator.
    """

    audio: Tensor
    sample_rate: int
    spectrogram: Tensor
    durations: Tensor | None = None

    @property
    def duration_s(self) -> float:
        """Length of `audio` in seconds."""
        return self.audio.shape[-1] / self.sample_rate

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `audio` as a 16-bit WAV file, atomically (nothing is left at `path` if writing fails)."""
        write_audio(path, self.audio, self.sample_rate)


def _loaded(model: ModelReference, expected: type[NeuralModel], kind: str, parameter: str, function: str) -> NeuralModel:
    """`model`, or the model its name or path holds; `InputError` unless it is an `expected`."""
    loaded = model
    if isinstance(model, (str, os.PathLike)):
        from ..common._pretrained import model_from_reference

        loaded = model_from_reference(model)
    if not isinstance(loaded, expected):
        raise wrong_model_error(function, model, loaded, f"a {kind}", parameter=parameter)
    return loaded


_SPEAKERS = "spectrogram generator (FastPitchModel, Tacotron2Model) or a text-to-speech model (VitsModel)"


def _speaker(model: ModelReference, function: str) -> _SpectrogramGenerator | _TextToAudio:
    """The generator or end-to-end model `model` is or names (a Piper ``.onnx`` voice is imported);
    `InputError` for any other kind."""
    if isinstance(model, (str, os.PathLike)) and os.fspath(model).endswith(".onnx"):
        from .models._vits import VitsModel

        model = VitsModel.from_piper(model)
    loaded = _loaded(model, NeuralModel, _SPEAKERS, "model", function)
    if isinstance(loaded, (_SpectrogramGenerator, _TextToAudio)):
        return loaded
    raise wrong_model_error(function, model, loaded, f"a {_SPEAKERS}")


def _vocoder(vocoder: ModelReference, function: str) -> _Vocoder:
    loaded = _loaded(vocoder, _Vocoder, "vocoder (HifiGan, WaveGlowModel, GriffinLim)", "vocoder", function)
    assert isinstance(loaded, _Vocoder)
    return loaded


def _moved(tensor: Tensor, device: torch.device) -> Tensor:
    """`tensor` on `device`, keeping its tag (a tag belongs to one tensor object, and `.to` makes another)."""
    tag = nt.tag_of(tensor)
    moved = tensor.to(device)
    return nt.tag(moved, tag) if tag is not None and moved is not tensor else moved


def _input_error(name: str, error: ValueError) -> ValueError:
    """`error` itself when the library raised it on purpose, else an `InputError` naming the text."""
    return error if isinstance(error, NeuralTypesError) else InputError(f"{name}: {error}", source=name)


def _speech(audio: Tensor, mel: Tensor, frames: int, sample_rate: int) -> Speech:
    """The first item of a vocoder's output batch as a `Speech` on the CPU, tags restated."""
    mel_tag = nt.tag_of(mel)
    spectrogram = mel[0, :, :frames].detach().cpu()
    return Speech(
        audio=nt.tag(audio[0].detach().cpu(), nt.tags.AudioSignal(sample_rate)),
        sample_rate=sample_rate,
        spectrogram=nt.tag(spectrogram, mel_tag) if mel_tag is not None else spectrogram,
    )


class SynthesizeOptions(TypedDict, total=False):
    """The keywords of `synthesize`, which the spectrogram generators' `synthesize` method takes too."""

    vocoder: ModelReference | None
    pace: float
    progress: bool | None
    device: str | torch.device | None
    noise_scale: float | None
    noise_w: float | None
    seed: int | None


@overload
def synthesize(  # type: ignore[overload-overlap]  # a str is also a Sequence[str]: the first match wins
    model: ModelReference, texts: str, **options: Unpack[SynthesizeOptions]
) -> Speech: ...


@overload
def synthesize(model: ModelReference, texts: Sequence[str], **options: Unpack[SynthesizeOptions]) -> list[Speech]: ...


def synthesize(
    model: ModelReference,
    texts: str | Sequence[str],
    *,
    vocoder: ModelReference | None = None,
    pace: float = 1.0,
    progress: bool | None = None,
    device: str | torch.device | None = None,
    noise_scale: float | None = None,
    noise_w: float | None = None,
    seed: int | None = None,
) -> Speech | list[Speech]:
    """Speak each text: normalise and tokenize it (`model.parse`), generate its log-mel spectrogram
    (`model.generate_spectrogram`), vocode it; or, for an end-to-end model (`VitsModel`), let it speak the text
    sentence by sentence (`model.speak`: normalisation, espeak-ng phonemes, VITS), with no vocoder.

    The spectrogram leaves the generator tagged with its sample rate, mel channels and hop; the vocoder checks the
    tag, so a generator and a vocoder built for different features raise a ``ContractViolation`` (``NT208``)
    naming both instead of producing noise.

    Each text runs on its own, so its speech never depends on the other texts: FastPitch's output depends on the
    padding of a batch (as NeMo's does) and Tacotron 2 stops per utterance. That is why this verb has no
    ``batch_size``; for batched spectrograms call `generate_spectrogram` on padded tokens yourself.

    **Arguments:**

    - `model`: a spectrogram generator (`FastPitchModel`, `Tacotron2Model`) or an end-to-end model (`VitsModel`,
      such as the registry's ``"vits_en_joe"``), or its registry name or archive path, or a Piper voice's
      ``.onnx`` file (its ``.onnx.json`` beside it; imported with `onnx` at each call).
    - `texts`: one text, or a list of texts.
    - `vocoder`: a vocoder (`HifiGan`, `WaveGlowModel`, `GriffinLim`) or its name or path. `None`: Griffin-Lim
      over the generator's own mel features (no weights, works for any generator, sounds phasey: for previews and
      tests; pass a HiFi-GAN for natural speech). An end-to-end model takes none.
    - `pace`: speaking rate, > 0 (> 1 is faster; Tacotron 2 supports only 1).
    - `progress`: show a progress bar (``None``: when there are more than four texts).
    - `device`: run there (the models are moved and stay); ``None``: where the generator is.
    - `noise_scale`, `noise_w`: an end-to-end model's sampling spreads (``None``: the voice's defaults; 0 and 0
      give its most likely speech, the same at every call).
    - `seed`: seeds the end-to-end model's noise for each text, for reproducible output (``None``: torch's global
      random state).

    **Returns:** one `Speech` for one text, a list of them (in order) for a list.

    Raises `InputError` (``NT309``) naming ``texts[i]`` for an empty or whitespace-only text or one with no token
    the vocabulary knows, for a `pace` <= 0, for a model or vocoder of the wrong kind, for a vocoder with an
    end-to-end model and for `noise_scale`, `noise_w` or `seed` with a spectrogram generator.
    """
    single = isinstance(texts, str)
    items, names = text_inputs(texts)
    for name, text in zip(names, items, strict=True):
        if not text.strip():
            raise InputError(f"{name}: the text is empty; there is nothing to say", source=name)
    if not pace > 0:
        raise InputError(f"synthesize: pace must be > 0, got {pace!r}", source="pace")
    speaker = _speaker(model, "synthesize")
    if isinstance(speaker, _TextToAudio):
        if vocoder is not None:
            raise InputError(
                f"synthesize: {type(speaker).__name__} makes its own audio; pass no vocoder", source="vocoder"
            )
        return _speak(speaker, items, names, single, pace, noise_scale, noise_w, seed, progress, device)
    for option, value in (("noise_scale", noise_scale), ("noise_w", noise_w), ("seed", seed)):
        if value is not None:
            raise InputError(
                f"synthesize: {option} applies to end-to-end models (VitsModel), not {type(speaker).__name__}",
                source=option,
            )
    generator = speaker
    run_on = model_device(generator, device)
    if vocoder is None:
        features = cast(Any, generator.config).features  # every generator config names its mel features
        voice: _Vocoder = GriffinLim(GriffinLimConfig(features=features)).to(run_on)
    else:
        voice = _vocoder(vocoder, "synthesize")
    vocoder_on = model_device(voice, device)
    spectrogram_generator = cast(_TextToSpectrogram, generator)
    results: list[Speech] = []
    with torch.no_grad(), eval_mode(voice):
        for run in batches(list(range(len(items))), 1, progress=progress, description="synthesize"):
            for index in run:
                name = names[index]
                try:
                    tokens = spectrogram_generator.parse(items[index])
                except ValueError as error:  # FastPitch: no token of the text is in the vocabulary
                    raise _input_error(name, error) from None
                silent = (generator.tokenizer.space_id, generator.tokenizer.pad_id)
                if all(int(token) in silent for token in tokens.reshape(-1)):
                    raise InputError(
                        f"{name}: no character or word of {items[index]!r} is in {type(generator).__name__}'s "
                        "vocabulary; there is nothing to say",
                        source=name,
                    )
                try:
                    mel = spectrogram_generator.generate_spectrogram(_moved(tokens, run_on), pace=pace)
                except ValueError as error:  # Tacotron 2: no pace control
                    raise _input_error(name, error) from None
                audio = voice.convert_spectrogram_to_audio(_moved(mel, vocoder_on))
                results.append(_speech(audio, mel, mel.shape[-1], voice.sample_rate))
    return results[0] if single else results


def _speak(
    speaker: _TextToAudio,
    items: list[str],
    names: list[str],
    single: bool,
    pace: float,
    noise_scale: float | None,
    noise_w: float | None,
    seed: int | None,
    progress: bool | None,
    device: str | torch.device | None,
) -> Speech | list[Speech]:
    """`synthesize` for an end-to-end model: each text spoken on its own, its noise seeded by `seed`."""
    module = cast(NeuralModel, speaker)
    model_device(module, device)
    features = MelFrontEnd(
        MelConfig.hifigan().with_(sample_rate=speaker.sample_rate, hop_length=speaker.hop_length)
    )
    results: list[Speech] = []
    for run in batches(list(range(len(items))), 1, progress=progress, description="synthesize"):
        for index in run:
            generator = None
            if seed is not None:
                generator = torch.Generator(device=next(module.parameters()).device).manual_seed(seed)
            spoken = speaker.speak(
                items[index], length_scale=1.0 / pace, noise_scale=noise_scale, noise_w=noise_w,
                generator=generator, source=names[index],
            )  # fmt: skip
            audio = nt.tag(spoken.audio.detach().cpu(), nt.tags.AudioSignal(speaker.sample_rate))
            with torch.no_grad():
                mel, frames = features(audio[None], torch.tensor([audio.shape[-1]]))
            speech = _speech(audio[None], mel, int(frames[0]), speaker.sample_rate)
            durations = spoken.durations.cpu()
            results.append(Speech(speech.audio, speech.sample_rate, speech.spectrogram, durations))
    return results[0] if single else results


class CopySynthesizeOptions(AudioReadOptions, total=False):
    """The keywords of `copy_synthesize`: the audio verbs' shared ones but `batch_size` (each recording is vocoded
    on its own, as `synthesize` speaks each text on its own)."""


@overload
def copy_synthesize(  # type: ignore[overload-overlap]  # a path is also a Sequence: the first match wins
    vocoder: ModelReference, audio: AudioInput, **options: Unpack[CopySynthesizeOptions]
) -> Speech: ...


@overload
def copy_synthesize(
    vocoder: ModelReference, audio: Sequence[AudioInput], **options: Unpack[CopySynthesizeOptions]
) -> list[Speech]: ...


def copy_synthesize(
    vocoder: ModelReference,
    audio: AudioInput | Sequence[AudioInput],
    **options: Unpack[CopySynthesizeOptions],
) -> Speech | list[Speech]:
    """Copy synthesis: each recording's log-mel features as the vocoder computes them (`vocoder.spectrogram`),
    vocoded back to a waveform. It shows what the vocoder makes of perfect features (the upper bound of a
    text-to-speech pipeline with it) and that the features and the vocoder agree.

    Recordings are read by the collections' audio layer (`neuraltypes_collections.common.load_audio`): paths,
    tensors or arrays; a clip at another rate (its ``AudioSignal`` tag, the file header or `sample_rate`) is
    resampled to the vocoder's rate, or refused with ``NT208`` naming both rates when `resample` is false.

    **Arguments:**

    - `vocoder`: a vocoder (`HifiGan`, `WaveGlowModel`, `GriffinLim`), or its registry name or archive path.
    - `audio`: one recording, or a list of them.
    - `sample_rate`: the rate of in-memory audio whose tag does not say (untagged audio is taken to be at the
      vocoder's rate).
    - `resample`: resample other rates (default) or refuse them.
    - `progress`, `device`: as for `synthesize`.

    **Returns:** one `Speech` per recording (a list for a list), at the vocoder's rate.
    """
    voice = _vocoder(vocoder, "copy_synthesize")
    call = audio_call("copy_synthesize", voice, voice.sample_rate, audio, options, batch_size=None)
    waveforms = call.load_all()
    results: list[Speech] = []
    with torch.no_grad(), eval_mode(voice):
        for run in call.batches(waveforms):
            for waveform in run:
                clip = nt.tag(waveform[None].to(call.device), nt.tags.AudioSignal(voice.sample_rate))
                mel, frames = voice.spectrogram(clip, torch.tensor([clip.shape[-1]], device=call.device))
                rebuilt = voice.convert_spectrogram_to_audio(mel)
                results.append(_speech(rebuilt, mel, int(frames[0]), voice.sample_rate))
    return call.answer(results)


def save_spectrogram_png(path: str | os.PathLike[str], mel: Tensor, title: str = "") -> None:
    """Draw a (mel, frame) log-mel spectrogram to a PNG (needs matplotlib), written atomically."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
        raise ModelNotAvailableError(
            "save_spectrogram_png: writing a spectrogram PNG needs matplotlib: pip install 'neuraltypes[collections]'"
        ) from error
    figure, axis = plt.subplots(figsize=(10, 3.5))
    image = axis.imshow(mel.detach().cpu().float().numpy(), origin="lower", aspect="auto", interpolation="none")
    axis.set_xlabel("frame")
    axis.set_ylabel("mel channel")
    if title:
        axis.set_title(title)
    figure.colorbar(image, ax=axis, label="log amplitude")
    figure.tight_layout()
    try:
        with atomic_output(path, suffix=".png") as file:
            figure.savefig(file, format="png", dpi=100)
    finally:
        plt.close(figure)


__all__ = [
    "CopySynthesizeOptions",
    "ModelReference",
    "Speech",
    "SynthesizeOptions",
    "copy_synthesize",
    "save_spectrogram_png",
    "synthesize",
]
