"""`embed_speakers`, `verify`, `identify`: who is speaking, from a speaker encoder's embeddings.

Each verb takes the model first (a `GE2EModel` or a `SpeakerLabelModel` imported from NeMo, a registry name or an
archive path; `None`: the pretrained
``ge2e_resemblyzer``), one recording or a list of them, and returns one frozen result or a list. Where a verb takes
recordings it also takes `SpeakerEmbedding` results, so that a voice is embedded once and compared many times.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Unpack, cast, overload

import torch
from torch import Tensor

from ...common import eval_mode
from ...common._audio import AudioInput, batch_audio, is_single_audio
from ...common._errors import InputError
from ...common._verbs import AudioCall, AudioVerbOptions, audio_call, resolve_model, wrong_model_error
from ._ge2e import GE2EModel
from ._label_model import SpeakerLabelModel

__all__ = [
    "EmbedOptions",
    "Identification",
    "MatchOptions",
    "SpeakerEmbedding",
    "Verification",
    "embed_speakers",
    "ge2e_model",
    "identify",
    "speaker_model",
    "verify",
]

#: The models the verbs take: GE2E, and NeMo's speaker models (TitaNet, SpeakerNet, ECAPA-TDNN) once imported.
SpeakerEncoder = GE2EModel | SpeakerLabelModel
ModelArgument = SpeakerEncoder | str | os.PathLike[str] | None


@dataclass(frozen=True)
class SpeakerEmbedding:
    """What `embed_speakers` returns for one recording.

    **Attributes:**

    - `vector`: the unit-length embedding `(embedding,)`, float32 on the CPU.
    - `duration_s`: the recording's length in seconds.
    """

    vector: Tensor
    duration_s: float

    def similarity(self, other: SpeakerEmbedding) -> float:
        """Cosine similarity with another embedding, in [-1, 1] (GE2E's are in [0, 1]: its vectors are >= 0)."""
        return float(torch.dot(self.vector, other.vector))


@dataclass(frozen=True)
class Verification:
    """What `verify` returns for one pair: the cosine `score`, whether it reaches `threshold` (`same_speaker`), and
    the `threshold` used."""

    score: float
    same_speaker: bool
    threshold: float


@dataclass(frozen=True)
class Identification:
    """What `identify` returns for one recording.

    **Attributes:**

    - `speaker`: the enrolled name with the highest score, or `None` when no score reaches the threshold.
    - `score`: that highest cosine similarity.
    - `scores`: every enrolled name's score, in enrolment order.
    """

    speaker: str | None
    score: float
    scores: Mapping[str, float]


Voice = AudioInput | SpeakerEmbedding


class EmbedOptions(AudioVerbOptions, total=False):
    """The keywords of `embed_speakers` (the shared ones), which the model's method takes too."""


class MatchOptions(AudioVerbOptions, total=False):
    """The keywords of `verify` and `identify`: the shared ones and `threshold`."""

    threshold: float | None


def _named_model(model: SpeakerEncoder | str | os.PathLike[str]) -> object:
    if isinstance(model, (str, os.PathLike)):
        from ...common._pretrained import model_from_reference

        return model_from_reference(model)
    return model


def speaker_model(model: ModelArgument, *, function: str) -> SpeakerEncoder:
    """The `GE2EModel` or `SpeakerLabelModel` a verb's `model` argument names; `None` is the pretrained
    ``ge2e_resemblyzer`` (shared)."""
    if model is None:
        from ._weights import default_ge2e

        return default_ge2e()
    loaded = _named_model(model)
    if not isinstance(loaded, (GE2EModel, SpeakerLabelModel)):
        raise wrong_model_error(function, model, loaded, "a GE2EModel or a SpeakerLabelModel")
    return loaded


def ge2e_model(model: ModelArgument, *, function: str) -> GE2EModel:
    """The `GE2EModel` a verb's `model` argument names (`diarize` takes GE2E only); `None`: ``ge2e_resemblyzer``."""
    if model is None:
        from ._weights import default_ge2e

        return default_ge2e()
    # the cast only narrows the type parameter: resolve_model refuses a SpeakerLabelModel (or anything else) itself
    return resolve_model(cast("GE2EModel | str | os.PathLike[str]", model), GE2EModel, function=function)


#: The verbs' default `batch_size`.
_BATCH_SIZE = 16


def _call(
    function: str, encoder: SpeakerEncoder, recordings: Sequence[AudioInput], options: AudioVerbOptions
) -> AudioCall:
    """Read the shared keywords of a verb (`audio_call`: an unknown keyword or a bad `batch_size` is refused, the
    model moved to `device`) for the `recordings` it embeds; in-memory ones are named ``inputs[i]``."""
    batch_size = options.get("batch_size", _BATCH_SIZE)
    return audio_call(function, encoder, encoder.sample_rate, list(recordings), options, batch_size=batch_size)


def _embed(encoder: SpeakerEncoder, call: AudioCall) -> list[SpeakerEmbedding]:
    waveforms = call.load_all()
    # ECAPA-TDNN's embeddings depend on the padding: each clip alone, as NeMo's get_embedding
    batch_size = call.batch_size if not isinstance(encoder, SpeakerLabelModel) or encoder.batch_invariant else 1
    # Longest first, so that clips of like length share a batch; the results go back to input order.
    order = sorted(range(len(waveforms)), key=lambda index: -waveforms[index].shape[-1])
    results: dict[int, SpeakerEmbedding] = {}
    with eval_mode(encoder), torch.inference_mode():
        for run in call.batches(order, batch_size):
            audio, lengths = batch_audio([waveforms[index] for index in run], call.rate)
            if isinstance(encoder, SpeakerLabelModel):
                vectors = encoder.embed(audio.to(call.device), lengths.to(call.device)).float().cpu()
            else:
                vectors = encoder(audio.to(call.device), lengths.to(call.device)).float().cpu()
            for index, vector in zip(run, vectors, strict=True):
                results[index] = SpeakerEmbedding(vector.clone(), waveforms[index].shape[-1] / call.rate)
    return [results[index] for index in range(len(waveforms))]


@overload
def embed_speakers(  # type: ignore[overload-overlap]  # a str is one input, not a list
    model: ModelArgument, audio: AudioInput, **options: Unpack[EmbedOptions]
) -> SpeakerEmbedding: ...
@overload
def embed_speakers(
    model: ModelArgument, audio: Sequence[AudioInput], **options: Unpack[EmbedOptions]
) -> list[SpeakerEmbedding]: ...
def embed_speakers(
    model: ModelArgument, audio: AudioInput | Sequence[AudioInput], **options: Unpack[EmbedOptions]
) -> SpeakerEmbedding | list[SpeakerEmbedding]:
    """The speaker embedding of one recording, or of each recording of a list.

    **Arguments:**

    - `model`: a `GE2EModel` or a `SpeakerLabelModel` (an imported NeMo TitaNet, SpeakerNet or ECAPA-TDNN), its
      registry name or archive path; `None`: ``ge2e_resemblyzer``.
    - `audio`: a path, a ``(time,)`` or ``(channel, time)`` tensor or array in [-1, 1], or a list of them (the
      rules of ``docs/collections.md``).
    - `batch_size` (default 16), `progress`, `device`, `sample_rate`, `resample`: the verbs' shared keywords.

    **Returns:** one `SpeakerEmbedding` for one recording; a list, in order, for a list.

    >>> from neuraltypes_collections.asr.speaker import GE2EConfig, GE2EModel
    >>> model = GE2EModel(GE2EConfig(hidden_size=16, num_layers=1, embedding_size=8))
    >>> embed_speakers(model, torch.randn(16000) * 0.1).vector.shape
    torch.Size([8])
    """
    encoder = speaker_model(model, function="embed_speakers")
    single = is_single_audio(audio)
    recordings: list[AudioInput] = [audio] if single else list(audio)  # type: ignore[list-item, arg-type]
    results = _embed(encoder, _call("embed_speakers", encoder, recordings, options))
    return results[0] if single else results


def _voices(
    encoder: SpeakerEncoder, voices: Sequence[Voice], function: str, options: AudioVerbOptions
) -> list[SpeakerEmbedding]:
    """Embeddings of `voices`: the `SpeakerEmbedding`s as given, the recordings embedded in one pass (the shared
    keywords are checked even when there are none)."""
    recordings = [(index, voice) for index, voice in enumerate(voices) if not isinstance(voice, SpeakerEmbedding)]
    call = _call(function, encoder, [voice for _, voice in recordings], options)
    embedded = _embed(encoder, call) if recordings else []
    found: dict[int, SpeakerEmbedding] = {index: value for (index, _), value in zip(recordings, embedded, strict=True)}
    result = [voice if isinstance(voice, SpeakerEmbedding) else found[index] for index, voice in enumerate(voices)]
    for index, embedding in enumerate(result):
        if embedding.vector.shape != (encoder.embedding_size,):
            raise InputError(
                f"{function}: inputs[{index}] is an embedding of shape {list(embedding.vector.shape)}; the model's "
                f"are ({encoder.embedding_size},); hint: embed both sides with the same model",
                source=f"inputs[{index}]",
            )
    return result


def _threshold(encoder: SpeakerEncoder, threshold: float | None, function: str) -> float:
    value = encoder.config.verification_threshold if threshold is None else threshold
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1.0 <= float(value) <= 1.0:
        raise InputError(f"{function}: threshold is a cosine similarity in [-1, 1], got {value!r}", source="threshold")
    return float(value)


def _is_one(voice: object) -> bool:
    return isinstance(voice, SpeakerEmbedding) or is_single_audio(voice)


@overload
def verify(  # type: ignore[overload-overlap]  # a str is one input, not a list
    model: ModelArgument, first: Voice, second: Voice, **options: Unpack[MatchOptions]
) -> Verification: ...
@overload
def verify(
    model: ModelArgument, first: Sequence[Voice], second: Sequence[Voice], **options: Unpack[MatchOptions]
) -> list[Verification]: ...
def verify(
    model: ModelArgument,
    first: Voice | Sequence[Voice],
    second: Voice | Sequence[Voice],
    *,
    threshold: float | None = None,
    **options: Unpack[AudioVerbOptions],
) -> Verification | list[Verification]:
    """Whether two recordings hold the same voice: their cosine similarity against a threshold.

    **Arguments:**

    - `model`: a `GE2EModel` or a `SpeakerLabelModel` (an imported NeMo TitaNet, SpeakerNet or ECAPA-TDNN), its
      registry name or archive path; `None`: ``ge2e_resemblyzer``.
    - `first`, `second`: one recording (or `SpeakerEmbedding`) each, or two lists of the same length (pairs).
    - `threshold`: "same speaker" at a cosine of at least this (default: the model's calibrated
      `verification_threshold`).
    - the shared keywords, as for `embed_speakers`.

    **Returns:** one `Verification` for one pair; a list, in order, for two lists.
    """
    encoder = speaker_model(model, function="verify")
    limit = _threshold(encoder, threshold, "verify")
    single = _is_one(first)
    if single != _is_one(second) or (not single and len(first) != len(second)):  # type: ignore[arg-type]
        raise InputError(
            "verify: first and second must be one recording each, or two lists of the same length "
            f"(got {'one' if single else f'{len(first)}'} and {'one' if _is_one(second) else len(second)})",  # type: ignore[arg-type]
            source="second",
        )
    lefts: list[Voice] = [first] if single else list(first)  # type: ignore[list-item, arg-type]
    rights: list[Voice] = [second] if single else list(second)  # type: ignore[list-item, arg-type]
    embedded = _voices(encoder, [*lefts, *rights], "verify", options)
    results = []
    for left, right in zip(embedded[: len(lefts)], embedded[len(lefts) :], strict=True):
        score = left.similarity(right)
        results.append(Verification(score, score >= limit, limit))
    return results[0] if single else results


@overload
def identify(  # type: ignore[overload-overlap]
    model: ModelArgument, audio: Voice, enrolled: Mapping[str, Voice | Sequence[Voice]], **options: Unpack[MatchOptions]
) -> Identification: ...
@overload
def identify(
    model: ModelArgument, audio: Sequence[Voice], enrolled: Mapping[str, Voice | Sequence[Voice]],
    **options: Unpack[MatchOptions],
) -> list[Identification]: ...
def identify(
    model: ModelArgument,
    audio: Voice | Sequence[Voice],
    enrolled: Mapping[str, Voice | Sequence[Voice]],
    *,
    threshold: float | None = None,
    **options: Unpack[AudioVerbOptions],
) -> Identification | list[Identification]:
    """Which enrolled speaker is speaking in a recording (or in each recording of a list).

    **Arguments:**

    - `model`: a `GE2EModel` or a `SpeakerLabelModel` (an imported NeMo TitaNet, SpeakerNet or ECAPA-TDNN), its
      registry name or archive path; `None`: ``ge2e_resemblyzer``.
    - `audio`: one recording (or `SpeakerEmbedding`), or a list of them.
    - `enrolled`: name -> one recording, a list of recordings of that speaker (their embeddings are averaged and
      normalised, as resemblyzer's `embed_speaker` does) or a `SpeakerEmbedding`.
    - `threshold`: below this best score the speaker is `None` (default: the model's `verification_threshold`;
      `-1` always names the closest).
    - the shared keywords, as for `embed_speakers`.

    **Returns:** one `Identification` for one recording; a list, in order, for a list.
    """
    encoder = speaker_model(model, function="identify")
    limit = _threshold(encoder, threshold, "identify")
    if not isinstance(enrolled, Mapping) or not enrolled:
        raise InputError("identify: enrolled must be a non-empty mapping name -> recordings", source="enrolled")
    names = list(enrolled)
    groups: list[list[Voice]] = [[voices] if _is_one(voices) else list(voices) for voices in enrolled.values()]  # type: ignore[list-item, arg-type]
    for name, group in zip(names, groups, strict=True):
        if not group:
            raise InputError(f"identify: enrolled[{name!r}] holds no recording", source="enrolled")
    single = _is_one(audio)
    queries: list[Voice] = [audio] if single else list(audio)  # type: ignore[list-item, arg-type]
    flat = [voice for group in groups for voice in group]
    embedded = _voices(encoder, [*queries, *flat], "identify", options)
    centroids, position = [], len(queries)
    for group in groups:
        vectors = torch.stack([item.vector for item in embedded[position : position + len(group)]])
        centroids.append(torch.nn.functional.normalize(vectors.mean(dim=0), dim=0))
        position += len(group)
    table = torch.stack(centroids)
    results = []
    for query in embedded[: len(queries)]:
        scores = (table @ query.vector).tolist()
        best = max(range(len(names)), key=lambda index: scores[index])
        speaker = names[best] if scores[best] >= limit else None
        results.append(Identification(speaker, scores[best], dict(zip(names, scores, strict=True))))
    return results[0] if single else results
