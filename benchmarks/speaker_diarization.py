"""Diarization on conversations built from speech-mini: diarization error rate (DER) and speaker-count accuracy.

    python benchmarks/speaker_diarization.py [--data ../shared/data/speech-mini] [--recordings 40] [--write DIR]

**The recordings.** Each joins clips of 2, 3 or 4 different voices of one split (a voice is the engine and voice
name without speed or pitch, as in `speaker_verification.py`): every voice speaks one or two turns (clips of that
voice), in an order where no voice follows itself, with a pause of 0.4 to 1.0 s between turns and 0.5 s of silence
at each end. Each clip's leading and trailing silence is cut first (10 ms frames 40 dB below its loudest frame), so
that a reference turn is the span of its clip. Seeded: the same recordings every run. `--write DIR` saves them as
WAV files with their reference RTTM.

**The metric.** DER = (missed speech + false alarm + speaker confusion) / reference speech, over all recordings,
with the hypothesis speakers mapped one-to-one onto the reference speakers so as to maximise their overlap
(the Hungarian algorithm); the definition of NIST's Rich Transcription evaluations (RT-09 evaluation plan, section
"Diarization Error Rate"; `md-eval.pl`), computed here on a 10 ms grid, without overlap (none in these recordings),
with no collar and with NIST's customary 0.25 s collar (the time within 0.25 s of a reference turn boundary is
not scored). When `pyannote.metrics` is installed, its `DiarizationErrorRate` is computed on the same turns and
printed beside ours.

**The protocol.** `diarize`'s clustering threshold (cosine distance; the speaker count is found) is chosen on
recordings of the **dev** split (the lowest DER of a grid); DER and speaker-count accuracy are reported on
recordings of the **test** split, with the count found and with the count given (`num_speakers`). The dev split
also shows why `diarize` does not pad the speech detector's segments (`speech_pad_s=0`).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
RATE = 16000
FRAME = 160  # samples: 10 ms
GRID = (0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3, 0.35, 0.4)


@dataclass(frozen=True)
class Recording:
    """One built conversation: the samples at 16 kHz and the reference turns `(start_s, end_s, voice)`."""

    audio: np.ndarray
    turns: tuple[tuple[float, float, str], ...]

    @property
    def speakers(self) -> int:
        return len({voice for _, _, voice in self.turns})


def trimmed(audio: np.ndarray) -> np.ndarray:
    """The clip without its leading and trailing 10 ms frames 40 dB below its loudest frame."""
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME)
    level = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    loud = np.flatnonzero(level >= level.max() * 10 ** (-40 / 20))
    return audio[loud[0] * FRAME : (loud[-1] + 1) * FRAME]


def build_recordings(data: Path, split: str, count: int, seed: int) -> list[Recording]:
    import soundfile

    by_voice: dict[str, list[Path]] = {}
    for line in (data / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_voice.setdefault(":".join(record["voice"].split(":")[:2]), []).append(data / record["audio_filepath"])
    rng = random.Random(seed)
    recordings = []
    for _ in range(count):
        voices = rng.sample(sorted(by_voice), rng.choice((2, 3, 4)))
        turns = [voice for voice in voices for _ in range(rng.choice((1, 2)) if len(by_voice[voice]) > 1 else 1)]
        while any(a == b for a, b in zip(turns, turns[1:], strict=False)):
            rng.shuffle(turns)
        clips = {voice: rng.sample(by_voice[voice], turns.count(voice)) for voice in voices}
        pieces, reference, position = [np.zeros(RATE // 2, np.float32)], [], RATE // 2
        for voice in turns:
            clip = trimmed(soundfile.read(clips[voice].pop(), dtype="float32")[0])
            reference.append((position / RATE, (position + len(clip)) / RATE, voice))
            pause = np.zeros(int(rng.uniform(0.4, 1.0) * RATE), np.float32)
            pieces += [clip, pause]
            position += len(clip) + len(pause)
        pieces.append(np.zeros(RATE // 2, np.float32))
        recordings.append(Recording(np.concatenate(pieces), tuple(reference)))
    return recordings


def frame_labels(turns: list[tuple[float, float, str]], frames: int) -> list[str | None]:
    labels: list[str | None] = [None] * frames
    for start, end, speaker in turns:
        for frame in range(round(start * 100), min(frames, round(end * 100))):
            labels[frame] = speaker
    return labels


def der_counts(
    reference: list[tuple[float, float, str]], hypothesis: list[tuple[float, float, str]], frames: int, collar_s: float
) -> tuple[int, int, int, int]:
    """`(reference speech, missed, false alarm, confusion)` in 10 ms frames, after the optimal speaker mapping."""
    from scipy.optimize import linear_sum_assignment

    ref, hyp = frame_labels(reference, frames), frame_labels(hypothesis, frames)
    scored = np.ones(frames, bool)
    collar = round(collar_s * 100)
    for start, end, _ in reference:
        for edge in (round(start * 100), round(end * 100)):
            scored[max(0, edge - collar) : edge + collar] = False
    ref_names = sorted({r for r, keep in zip(ref, scored, strict=True) if r is not None and keep})
    hyp_names = sorted({h for h, keep in zip(hyp, scored, strict=True) if h is not None and keep})
    overlap = np.zeros((len(ref_names), len(hyp_names)), int)
    for r, h, keep in zip(ref, hyp, scored, strict=True):
        if keep and r is not None and h is not None:
            overlap[ref_names.index(r), hyp_names.index(h)] += 1
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    mapping = {hyp_names[c]: ref_names[r] for r, c in zip(rows, cols, strict=True)}
    total = missed = false_alarm = confusion = 0
    for r, h, keep in zip(ref, hyp, scored, strict=True):
        if not keep:
            continue
        total += r is not None
        missed += r is not None and h is None
        false_alarm += r is None and h is not None
        confusion += r is not None and h is not None and mapping.get(h) != r
    return total, missed, false_alarm, confusion


def pyannote_der(pairs: list[tuple[list, list]], collar_s: float) -> float | None:
    try:
        from pyannote.core import Annotation, Segment
        from pyannote.metrics.diarization import DiarizationErrorRate
    except ImportError:
        return None
    metric = DiarizationErrorRate(collar=2 * collar_s)  # pyannote's collar is the total width around a boundary
    for reference, hypothesis in pairs:
        annotations = []
        for turns in (reference, hypothesis):
            annotation = Annotation()
            for start, end, speaker in turns:
                annotation[Segment(start, end)] = speaker
            annotations.append(annotation)
        metric(*annotations)
    return float(abs(metric))


def evaluate(windows: list, recordings: list[Recording], **options: object) -> dict[str, float]:
    from neuraltypes_collections.asr.speaker import cluster_windows

    counts = {0.0: np.zeros(4, int), 0.25: np.zeros(4, int)}
    pairs, right_count = [], 0
    for window, recording in zip(windows, recordings, strict=True):
        result = cluster_windows(window, **options)  # type: ignore[arg-type]
        hypothesis = [(turn.start_s, turn.end_s, turn.speaker) for turn in result.turns]
        frames = int(np.ceil(len(recording.audio) / FRAME))
        for collar in counts:
            counts[collar] += der_counts(list(recording.turns), hypothesis, frames, collar)
        pairs.append((list(recording.turns), hypothesis))
        right_count += result.num_speakers == recording.speakers
    scores = {f"der_{collar}": float(c[1:].sum() / c[0]) for collar, c in counts.items()}
    scores.update({f"{name}_{collar}": float(c[i] / c[0]) for collar, c in counts.items()
                   for i, name in ((1, "miss"), (2, "fa"), (3, "conf"))})  # fmt: skip
    scores["count_accuracy"] = right_count / len(recordings)
    for collar in counts:
        pyannote = pyannote_der(pairs, collar)
        if pyannote is not None:
            scores[f"pyannote_{collar}"] = pyannote
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "speech-mini")
    parser.add_argument("--recordings", type=int, default=40, help="recordings per split (default 40)")
    parser.add_argument("--write", type=Path, default=None, help="save the test recordings and RTTMs here")
    options = parser.parse_args()
    torch.set_num_threads(2)
    from neuraltypes_collections.asr.speaker import GE2EModel, cluster_windows, embed_windows

    model = GE2EModel.from_pretrained("ge2e_resemblyzer")
    built = {split: build_recordings(options.data, split, options.recordings, seed) for split, seed in (("dev", 1), ("test", 2))}
    if options.write is not None:
        from neuraltypes_collections.common import write_audio

        options.write.mkdir(parents=True, exist_ok=True)
        for number, recording in enumerate(built["test"]):
            write_audio(options.write / f"test_{number:02d}.wav", torch.from_numpy(recording.audio), RATE)
            (options.write / f"test_{number:02d}.rttm").write_text("".join(
                f"SPEAKER test_{number:02d} 1 {s:.3f} {e - s:.3f} <NA> <NA> {v} <NA> <NA>\n" for s, e, v in recording.turns
            ), encoding="utf-8")  # fmt: skip
    started = time.perf_counter()
    windows = {split: [embed_windows(model, torch.from_numpy(r.audio), progress=False) for r in recordings]
               for split, recordings in built.items()}  # fmt: skip
    audio_s = sum(len(r.audio) for recordings in built.values() for r in recordings) / RATE
    print(f"{sum(map(len, built.values()))} recordings, {audio_s:.0f} s of audio: VAD and windows in "
          f"{time.perf_counter() - started:.1f} s (shared CPU, 2 threads)")  # fmt: skip
    print("\ndev: threshold -> DER (no collar), speaker-count accuracy")
    tried = {}
    for threshold in GRID:
        tried[threshold] = evaluate(windows["dev"], built["dev"], cluster_threshold=threshold)
        print(f"  {threshold:.3f}: {tried[threshold]['der_0.0']:.2%}, {tried[threshold]['count_accuracy']:.0%}")
    best = min(GRID, key=lambda t: (tried[t]["der_0.0"], -tried[t]["count_accuracy"]))
    print(f"chosen on dev: cluster_threshold={best}")
    padded = [embed_windows(model, torch.from_numpy(r.audio), speech_pad_s=0.03, progress=False) for r in built["dev"]]
    print(f"dev at {best}: speech segments unpadded (diarize's default) {tried[best]['der_0.0']:.2%} "
          f"(false alarm {tried[best]['fa_0.0']:.2%}); padded by detect_speech's 0.03 s "
          f"{evaluate(padded, built['dev'], cluster_threshold=best)['der_0.0']:.2%}\n")  # fmt: skip
    rows = (("count found", evaluate(windows["test"], built["test"], cluster_threshold=best)),)
    oracle = np.zeros(4, int)
    for window, recording in zip(windows["test"], built["test"], strict=True):
        result = cluster_windows(window, num_speakers=recording.speakers)
        hypothesis = [(turn.start_s, turn.end_s, turn.speaker) for turn in result.turns]
        oracle += der_counts(list(recording.turns), hypothesis, int(np.ceil(len(recording.audio) / FRAME)), 0.0)
    counts = [r.speakers for r in built["test"]]
    print(f"test: {len(counts)} recordings with 2/3/4 speakers: {counts.count(2)}/{counts.count(3)}/{counts.count(4)}")
    print("| test recordings | DER (no collar) | miss / false alarm / confusion | DER (0.25 s collar) | pyannote.metrics DER (none / 0.25 s) | speaker count right |")
    print("|---|---|---|---|---|---|")
    for name, score in rows:
        pyannote = (f"{score['pyannote_0.0']:.2%} / {score['pyannote_0.25']:.2%}" if "pyannote_0.0" in score
                    else "not installed")  # fmt: skip
        print(f"| {name} | {score['der_0.0']:.2%} | {score['miss_0.0']:.2%} / {score['fa_0.0']:.2%} / "
              f"{score['conf_0.0']:.2%} | {score['der_0.25']:.2%} | {pyannote} | {score['count_accuracy']:.0%} |")  # fmt: skip
    print(f"| count given (num_speakers) | {oracle[1:].sum() / oracle[0]:.2%} | {oracle[1] / oracle[0]:.2%} / "
          f"{oracle[2] / oracle[0]:.2%} / {oracle[3] / oracle[0]:.2%} | | | |")  # fmt: skip


if __name__ == "__main__":
    main()
