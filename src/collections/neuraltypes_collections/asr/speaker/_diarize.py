"""`diarize`: who spoke when, from a speech detector, sliding GE2E windows and agglomerative clustering.

The recipe, for one recording:

1. the speech segments of a speech detector (`asr.vad.detect_speech`; default the shipped Silero VAD); the turns
   cover them unpadded (`speech_pad_s=0`: the detector's 0.03 s on each side keep a recognizer from clipping
   words, but in a diarization they are speech where there is none), the windows are cut from them padded by
   the detector's 0.03 s;
2. GE2E embeddings of windows of `window_s` (1.6 s, GE2E's partial utterance) every `step_s` inside each segment
   (a segment shorter than a window is one window of its own length);
3. average-linkage agglomerative clustering of the windows on cosine distance (`scipy.cluster.hierarchy`): cut at
   `num_speakers` clusters when it is given, else at the distance `cluster_threshold` (so the speaker count is
   found), then every window moved to its nearest cluster centroid;
4. every 10 ms of speech takes the label of the window whose centre is nearest, and runs of one label are turns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Unpack, overload

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ...common import eval_mode
from ...common._audio import AudioInput, is_single_audio, load_audio
from ...common._errors import InputError
from ...common._verbs import AudioVerbOptions, batches, check_batch_size, model_device
from ..vad._segments import TimeSpan, pad_spans
from ._embed import ModelArgument, ge2e_model
from ._ge2e import GE2EModel, normalize_volume

__all__ = ["Diarization", "DiarizeOptions", "WindowOptions", "SpeakerTurn", "SpeakerWindows", "cluster_embeddings", "cluster_windows", "diarize", "embed_windows"]

#: The resolution of the turns, in seconds (GE2E's hop: 10 ms).
FRAME_S = 0.01
#: The default `cluster_threshold`: the lowest DER of `benchmarks/speaker_diarization.py`'s dev recordings.
CLUSTER_THRESHOLD = 0.225
#: The windows are cut from the speech segments padded by this much (`detect_speech`'s default padding), whatever
#: the padding of the turns (`speech_pad_s`).
WINDOW_PAD_S = 0.03


@dataclass(frozen=True)
class SpeakerTurn(TimeSpan):
    """One stretch of one speaker: `start_s` and `end_s` in seconds, and the `speaker` label (``speaker_0``, ...,
    numbered in order of first appearance)."""

    speaker: str


@dataclass(frozen=True)
class Diarization:
    """What `diarize` returns for one recording: the `turns` in time order, the `num_speakers` found and the
    recording's `duration_s`."""

    turns: tuple[SpeakerTurn, ...]
    num_speakers: int
    duration_s: float

    def to_rttm(self, file_id: str = "audio") -> str:
        """The turns as RTTM lines (NIST's Rich Transcription Time Marked format), one per turn."""
        return "".join(
            f"SPEAKER {file_id} 1 {turn.start_s:.3f} {turn.duration_s:.3f} <NA> <NA> {turn.speaker} <NA> <NA>\n"
            for turn in self.turns
        )


def cluster_embeddings(
    vectors: Tensor, *, num_speakers: int | None = None, threshold: float = CLUSTER_THRESHOLD, max_speakers: int = 8
) -> list[int]:
    """Cluster unit vectors `(item, embedding)`: average linkage on cosine distance, cut at `num_speakers` clusters
    or at distance `threshold` (at most `max_speakers`), then each item moved to its nearest centroid.

    **Returns:** one cluster index per item, numbered in order of first appearance.

    >>> cluster_embeddings(torch.tensor([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]]))
    [0, 0, 1]
    """
    from scipy.cluster.hierarchy import fcluster, linkage  # type: ignore[import-untyped]

    count = vectors.shape[0]
    if count == 0:
        return []
    if count == 1 or num_speakers == 1:
        return [0] * count
    data = vectors.double().numpy()
    tree = linkage(data, method="average", metric="cosine")
    if num_speakers is not None:
        labels = fcluster(tree, t=min(num_speakers, count), criterion="maxclust")
    else:
        labels = fcluster(tree, t=threshold, criterion="distance")
        if labels.max() > max_speakers:
            labels = fcluster(tree, t=max_speakers, criterion="maxclust")
    unit = F.normalize(vectors.double(), dim=-1)
    clusters = sorted(set(labels.tolist()))
    centroids = F.normalize(torch.stack([unit[torch.from_numpy(labels == c)].mean(dim=0) for c in clusters]), dim=-1)
    nearest = (unit @ centroids.T).argmax(dim=1).tolist()
    first: dict[int, int] = {}
    return [first.setdefault(label, len(first)) for label in nearest]


def _window_spans(segments: list[tuple[int, int]], size: int, step: int) -> list[tuple[int, int]]:
    """Windows `(start, end)` in frames: every `step` frames inside each speech segment, the last one ending with
    the segment; a segment shorter than `size` is one window."""
    spans = []
    for start, end in segments:
        if end - start <= size:
            spans.append((start, end))
            continue
        starts = list(range(start, end - size + 1, step))
        if starts[-1] + size < end:
            starts.append(end - size)
        spans.extend((s, s + size) for s in starts)
    return spans


def _embed_windows(
    encoder: GE2EModel, mel: Tensor, spans: list[tuple[int, int]], batch_size: int, progress: bool | None
) -> Tensor:
    groups: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(spans):
        groups.setdefault(end - start, []).append(index)
    vectors = torch.empty(len(spans), encoder.embedding_size)
    jobs = [(length, members[i : i + batch_size]) for length, members in groups.items()
            for i in range(0, len(members), batch_size)]  # fmt: skip
    for [(length, run)] in batches(jobs, 1, progress=bool(progress), description="diarize"):
        windows = torch.stack([mel[:, spans[i][0] : spans[i][0] + length] for i in run])
        vectors[list(run)] = encoder.encoder(windows).float().cpu()
    return vectors


class WindowOptions(AudioVerbOptions, total=False):
    """The keywords of `embed_windows`, which `diarize` passes on: the shared ones and the windows'."""

    window_s: float
    step_s: float
    vad: Any
    speech_pad_s: float


class DiarizeOptions(WindowOptions, total=False):
    """The keywords of `diarize`, which the model's method takes too: `embed_windows`' and the clustering's."""

    num_speakers: int | None
    max_speakers: int
    cluster_threshold: float


@dataclass(frozen=True)
class SpeakerWindows:
    """The embedded windows of one recording, what `diarize` clusters (`embed_windows` makes them).

    **Attributes:**

    - `segments`: the speech segments, `(start, end)` in 10 ms frames.
    - `spans`: the windows, `(start, end)` in frames, each inside a segment widened by `WINDOW_PAD_S`.
    - `vectors`: the windows' unit-length GE2E embeddings `(window, embedding)`.
    - `duration_s`: the recording's length in seconds.
    """

    segments: tuple[tuple[int, int], ...]
    spans: tuple[tuple[int, int], ...]
    vectors: Tensor
    duration_s: float


def _check_number(name: str, value: object, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and low <= value <= high):
        raise InputError(f"diarize: {name} must be a number from {low} to {high}, got {value!r}", source=name)


def embed_windows(
    model: ModelArgument,
    audio: AudioInput,
    *,
    window_s: float = 1.6,
    step_s: float = 0.4,
    vad: Any = None,
    speech_pad_s: float = 0.0,
    batch_size: int = 64,
    progress: bool | None = None,
    device: str | torch.device | None = None,
    sample_rate: int | None = None,
    resample: bool = True,
    source: str | None = None,
) -> SpeakerWindows:
    """Steps 1 and 2 of `diarize` for one recording: its speech segments and the embeddings of windows inside them
    (the arguments are `diarize`'s)."""
    from ..vad import detect_speech

    check_batch_size(batch_size, function="diarize")
    _check_number("window_s", window_s, 0.05, 60.0)
    _check_number("step_s", step_s, 0.01, 60.0)
    _check_number("speech_pad_s", speech_pad_s, 0.0, 10.0)
    encoder = ge2e_model(model, function="diarize")
    rate, hop = encoder.sample_rate, encoder.config.mel.hop_length
    size, step = max(1, round(window_s * rate / hop)), max(1, round(step_s * rate / hop))
    waveform = load_audio(audio, rate, sample_rate=sample_rate, resample_audio=resample, function="diarize", source=source)
    duration_s = waveform.numel() / rate
    speech = detect_speech(vad, waveform, sample_rate=rate, speech_pad_s=0.0)
    frames = round(duration_s / FRAME_S)
    found = [(round(s.start_s / FRAME_S), min(frames, round(s.end_s / FRAME_S))) for s in speech.segments]
    found = [(start, end) for start, end in found if end > start]
    segments = pad_spans(found, round(speech_pad_s / FRAME_S), frames)
    spans = _window_spans(pad_spans(found, round(WINDOW_PAD_S / FRAME_S), frames), size, step)
    vectors = torch.empty(0, encoder.embedding_size)
    if spans:
        run_on = model_device(encoder, device)
        with eval_mode(encoder), torch.inference_mode():
            row = waveform.float()[None].to(run_on)
            if encoder.config.target_dbfs is not None:
                row = normalize_volume(row, torch.tensor([waveform.numel()], device=run_on), encoder.config.target_dbfs)
            vectors = _embed_windows(encoder, encoder.front_end(row)[0], spans, batch_size, progress)
    return SpeakerWindows(tuple(segments), tuple(spans), vectors, duration_s)


def cluster_windows(
    windows: SpeakerWindows,
    *,
    num_speakers: int | None = None,
    max_speakers: int = 8,
    cluster_threshold: float = CLUSTER_THRESHOLD,
) -> Diarization:
    """Steps 3 and 4 of `diarize`: cluster the windows and label the speech (the arguments are `diarize`'s)."""
    if num_speakers is not None and (isinstance(num_speakers, bool) or not isinstance(num_speakers, int) or num_speakers < 1):
        raise InputError(f"diarize: num_speakers must be an integer >= 1 or None, got {num_speakers!r}", source="num_speakers")
    if isinstance(max_speakers, bool) or not isinstance(max_speakers, int) or max_speakers < 1:
        raise InputError(f"diarize: max_speakers must be an integer >= 1, got {max_speakers!r}", source="max_speakers")
    _check_number("cluster_threshold", cluster_threshold, 0.0, 2.0)
    if not windows.spans:
        return Diarization((), 0, windows.duration_s)
    labels = cluster_embeddings(windows.vectors, num_speakers=num_speakers, threshold=cluster_threshold,
                                max_speakers=max_speakers)  # fmt: skip
    return Diarization(_turns(list(windows.segments), list(windows.spans), labels), len(set(labels)), windows.duration_s)


@overload
def diarize(
    model: ModelArgument, audio: AudioInput, **options: Unpack[DiarizeOptions]
) -> Diarization: ...
@overload
def diarize(model: ModelArgument, audio: list[AudioInput], **options: Unpack[DiarizeOptions]) -> list[Diarization]: ...
def diarize(
    model: ModelArgument,
    audio: AudioInput | list[AudioInput],
    *,
    num_speakers: int | None = None,
    max_speakers: int = 8,
    cluster_threshold: float = CLUSTER_THRESHOLD,
    **options: Unpack[WindowOptions],
) -> Diarization | list[Diarization]:
    """Who spoke when, in one recording or in each recording of a list.

    **Arguments:**

    - `model`: a `GE2EModel`, its registry name or archive path; `None`: ``ge2e_resemblyzer``.
    - `audio`: a path, a tensor or array in [-1, 1], or a list of them.
    - `num_speakers`: the number of speakers when known; `None` finds it (at most `max_speakers`).
    - `cluster_threshold`: the cosine distance at which clusters stop merging when the count is found
      (calibrated by `benchmarks/speaker_diarization.py`).
    - `window_s`, `step_s`: length and hop of the embedded windows, in seconds.
    - `vad`: the speech detector (`asr.vad.detect_speech`'s `model`: `None` is the shipped Silero VAD).
    - `speech_pad_s`: padding of the turns on each side of the detector's segments (default none: `detect_speech`'s
      0.03 s raised the false alarms of `benchmarks/speaker_diarization.py` on dev); the embedded windows are
      cut from the segments padded by 0.03 s whatever this is.
    - `batch_size`: windows per forward pass (default 64); `progress`, `device`, `sample_rate`, `resample`: the
      shared keywords.

    **Returns:** one `Diarization` for one recording; a list, in order, for a list.
    """
    for keyword in options:  # embed_windows takes these; any other is refused here, in diarize's name
        if keyword not in WindowOptions.__optional_keys__:
            raise TypeError(f"diarize() got an unexpected keyword argument {keyword!r}")
    encoder = ge2e_model(model, function="diarize")
    cluster_windows(SpeakerWindows((), (), torch.empty(0), 0.0), num_speakers=num_speakers,
                    max_speakers=max_speakers, cluster_threshold=cluster_threshold)  # checks the options first  # fmt: skip
    single = is_single_audio(audio)
    items: list[AudioInput] = [audio] if single else list(audio)  # type: ignore[list-item, arg-type]
    results = []
    for index, item in enumerate(items):
        source = None if not isinstance(item, (Tensor, np.ndarray)) else ("audio" if single else f"inputs[{index}]")
        windows = embed_windows(encoder, item, source=source, **options)
        results.append(cluster_windows(windows, num_speakers=num_speakers, max_speakers=max_speakers,
                                       cluster_threshold=cluster_threshold))  # fmt: skip
    return results[0] if single else results


def _turns(segments: list[tuple[int, int]], spans: list[tuple[int, int]], labels: list[int]) -> tuple[SpeakerTurn, ...]:
    centres = np.array([(start + end) / 2 for start, end in spans])
    order: dict[int, int] = {}
    turns: list[SpeakerTurn] = []
    for start, end in segments:
        inside = np.flatnonzero((centres >= start - 1e-9) & (centres <= end + 1e-9))
        candidates = inside if inside.size else np.arange(len(spans))
        frame_centres = np.arange(start, end) + 0.5
        nearest = candidates[np.abs(frame_centres[:, None] - centres[candidates][None, :]).argmin(axis=1)]
        frame_labels = [labels[i] for i in nearest.tolist()]
        run_start = start
        for offset in range(1, len(frame_labels) + 1):
            if offset == len(frame_labels) or frame_labels[offset] != frame_labels[offset - 1]:
                label = order.setdefault(frame_labels[offset - 1], len(order))
                turns.append(SpeakerTurn(round(run_start * FRAME_S, 3), round((start + offset) * FRAME_S, 3), f"speaker_{label}"))
                run_start = start + offset
    return tuple(turns)
