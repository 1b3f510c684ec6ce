"""A long recording with Whisper tiny.en: word error rate against the clips transcribed one by one, and peak memory
against the recording's length.

    python benchmarks/whisper_long.py                       # WER on >= 180 s, memory at 1x, 2x, 3x of 120 s
    python benchmarks/whisper_long.py --memory-s 60 --skip-wer      # memory only, quicker
    python benchmarks/whisper_long.py --skip-wer --baseline --multiples 1,2,4   # against whole-recording features

The recording joins the five LibriVox clips (shared/data/real-speech) and the speech-mini test clips
(shared/data/speech-mini/test), in that order, each followed by a pause of zeros (0.6, 1.2, 2.0, 0.9 s in turn),
until it lasts `--long-s` seconds. Both sides decode greedily with the defaults of `transcribe` (the previous
text as prompt, no fallback); the long recording in 30 s windows, the clips one by one (a list, in batches).
Transcripts and references are lowercased without punctuation ("Mr." as "mister"); the WER of the long recording is
over its whole transcript against the references joined, the clips' over all clips.

Memory: for each multiple of `--memory-s` seconds (the recording, repeated as needed), a fresh process loads the
model and the audio, resets its peak resident set (`/proc/self/clear_refs`, Linux), transcribes, and reports the
peak during `transcribe` above the resident set before it (the audio is already loaded: 64 KB per second as
float32; `transcribe`'s input layer makes one copy of it, hence the column "growth - audio"). Flat means that this
figure does not grow with the length. `--baseline` measures the features of the whole recording computed at once
(as `recognize` did before `WindowedFeatures`) beside it; both must give the same transcript.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SAMPLE_RATE = 16000
PAUSES_S = (0.6, 1.2, 2.0, 0.9)


def normalize(text: str) -> str:
    """Lowercase words without punctuation; "Mr." is "mister" and hyphens separate words (as the references)."""
    text = re.sub(r"\bmr\.", "mister", text.lower()).replace("-", " ")
    return " ".join(re.sub(r"[^a-z' ]", " ", text).split())


def clips(data: Path) -> list[tuple[np.ndarray, str]]:
    """The LibriVox clips then the speech-mini test clips: (float32 samples at 16 kHz, reference)."""
    from neuraltypes_collections.common import read_audio

    found = []
    for manifest in (data / "real-speech" / "manifest.jsonl", data / "speech-mini" / "test.jsonl"):
        for line in manifest.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                audio, rate = read_audio(manifest.parent / entry["audio_filepath"])
                assert rate == SAMPLE_RATE, f"{entry['audio_filepath']}: {rate} Hz"
                found.append((audio.numpy(), entry["text"]))
    return found


def long_recording(parts: list[tuple[np.ndarray, str]], seconds: float) -> tuple[np.ndarray, list[str]]:
    """The parts in order (again from the first when they run out), each followed by a pause, for `seconds`."""
    pieces: list[np.ndarray] = []
    texts: list[str] = []
    total = 0
    while total < seconds * SAMPLE_RATE:
        audio, text = parts[len(texts) % len(parts)]
        pause = np.zeros(int(PAUSES_S[len(texts) % len(PAUSES_S)] * SAMPLE_RATE), dtype=np.float32)
        pieces += [audio, pause]
        texts.append(text)
        total += audio.shape[0] + pause.shape[0]
    return np.concatenate(pieces), texts


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"whisper_long.py: no {field} in /proc/self/status (Linux only)")


class _WholeFeatures:
    """The baseline: the features of the whole recording computed at once (as before `WindowedFeatures`)."""

    def __init__(self, front_end: Any, audio: Any) -> None:
        import torch

        features, frames = front_end.mel_frames(audio[None], torch.tensor([audio.shape[0]]))
        self.features, self.content_frames = features[0], int(frames[0])

    def frames(self, start: int, stop: int) -> Any:
        return self.features[:, start : min(stop, self.content_frames)]


def measure_memory(data: Path, seconds: float, threads: int, whole: bool) -> None:
    """(In a fresh process.) Transcribe `seconds` of the recording; print the memory figures as one JSON line."""
    import torch
    from neuraltypes_collections.asr import transcribe
    from neuraltypes_collections.asr.whisper import _recognize
    from neuraltypes_collections.common import NeuralModel

    torch.set_num_threads(threads)
    if whole:
        _recognize.WindowedFeatures = _WholeFeatures  # type: ignore[misc,assignment]
    model = NeuralModel.from_pretrained("whisper_tiny_en")
    audio, _ = long_recording(clips(data), seconds)
    audio = torch.from_numpy(audio)
    before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak resident set (VmHWM) to the current one
    start = time.perf_counter()
    result = transcribe(model, audio)
    elapsed = time.perf_counter() - start
    peak = _status_kib("VmHWM")
    print(json.dumps({"seconds": audio.shape[0] / SAMPLE_RATE, "rss_before_mb": before / 1024,
                      "peak_mb": peak / 1024, "growth_mb": (peak - before) / 1024,
                      "audio_mb": audio.numel() * 4 / 2**20, "wall_s": elapsed,
                      "text": result.text}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (real-speech, speech-mini)")
    parser.add_argument("--long-s", type=float, default=180.0, help="the long recording's length (default 180)")
    parser.add_argument("--memory-s", type=float, default=120.0, help="the memory runs' unit length (default 120)")
    parser.add_argument("--multiples", default="1,2,3", help="memory runs at these multiples (default 1,2,3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-wer", action="store_true")
    parser.add_argument("--baseline", action="store_true", help="also measure whole-recording features (before)")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--whole", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        measure_memory(options.data, options.child, options.threads, options.whole)
        return

    if not options.skip_wer:
        import torch
        from neuraltypes_collections.asr import transcribe, wer
        from neuraltypes_collections.common import NeuralModel

        torch.set_num_threads(options.threads)
        model = NeuralModel.from_pretrained("whisper_tiny_en")
        parts = clips(options.data)
        audio, texts = long_recording(parts, options.long_s)
        used = parts[: len(texts)] if len(texts) <= len(parts) else [parts[i % len(parts)] for i in range(len(texts))]
        start = time.perf_counter()
        whole = transcribe(model, torch.from_numpy(audio))
        long_s = time.perf_counter() - start
        start = time.perf_counter()
        each = transcribe(model, [torch.from_numpy(clip) for clip, _ in used], progress=False)
        each_s = time.perf_counter() - start
        references = [normalize(text) for text in texts]
        long_rate = wer([" ".join(references)], [normalize(whole.text)])
        each_rate = wer(references, [normalize(result.text) for result in each])
        print(f"long recording: {audio.shape[0] / SAMPLE_RATE:.1f} s, {len(texts)} clips with pauses, "
              f"{len(whole.segments or ())} segments")  # fmt: skip
        print("| transcribed | WER | S | I | D | N | wall s |")
        print("|---|---|---|---|---|---|---|")
        for name, rate, seconds in (("as one recording", long_rate, long_s), ("clip by clip", each_rate, each_s)):
            print(f"| {name} | {100 * rate.rate:.2f} % | {rate.substitutions} | {rate.insertions} | "
                  f"{rate.deletions} | {rate.reference_length} | {seconds:.1f} |")  # fmt: skip
        print(f"whisper_long wer_long={100 * long_rate.rate:.2f} wer_clips={100 * each_rate.rate:.2f} "
              f"difference={100 * (long_rate.rate - each_rate.rate):+.2f}")  # fmt: skip

    variants = [("windowed", False), ("whole (before)", True)] if options.baseline else [("windowed", False)]
    rows = []
    for multiple in [float(m) for m in options.multiples.split(",")]:
        for name, whole in variants:
            command = [sys.executable, __file__, "--child", str(multiple * options.memory_s),
                       "--data", str(options.data), "--threads", str(options.threads)]  # fmt: skip
            done = subprocess.run(command + (["--whole"] if whole else []), capture_output=True, text=True, check=True)
            rows.append({"features": name, **json.loads(done.stdout.strip().splitlines()[-1])})
    texts = {row["seconds"]: row["text"] for row in rows if row["features"] == "windowed"}
    same = all(row["text"] == texts[row["seconds"]] for row in rows)
    print("\n| features | audio s | audio MB | RSS before MB | peak in transcribe MB | growth MB | growth - audio MB "
          "| wall s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['features']} | {row['seconds']:.0f} | {row['audio_mb']:.1f} | {row['rss_before_mb']:.0f} | "
              f"{row['peak_mb']:.0f} | {row['growth_mb']:.1f} | {row['growth_mb'] - row['audio_mb']:.1f} | "
              f"{row['wall_s']:.1f} |")  # fmt: skip
    print(f"transcripts of the variants equal: {same}")
    growth = [row["growth_mb"] for row in rows if row["features"] == "windowed"]
    print(f"whisper_long_memory growth_mb={','.join(f'{g:.1f}' for g in growth)} "
          f"spread_mb={max(growth) - min(growth):.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
