"""Our typed Silero VAD against the TorchScript original from the `silero-vad` wheel, on CPU.

Both run on the same audio (the five real-speech test clips, 24.7 s, concatenated) in the same process. The
variants are timed in interleaved rounds (each round runs every variant once, in a shuffled order); the table shows
the median time per second of audio over rounds, the speed-up over the original's chunk-by-chunk loop, and the
largest difference from the original's probabilities.

Variants:

- `torchscript, chunk by chunk`: the original, one call per 32 ms chunk, its state kept inside the model (how
  Silero's `get_speech_timestamps` and `VADIterator` run it).
- `ours, chunk by chunk`: `SileroVad.forward` per chunk, state passed in and out, contract checks on (the default
  mode) and off.
- `ours, whole utterance`: `SileroVad.speech_probs`, one call (what `detect_speech` uses).
- `silero get_speech_timestamps` vs `ours detect_speech`: the end-to-end segment API of each.

Run: ``python benchmarks/vad.py [--rounds 15] [--threads 1]``
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from _timing import interleaved_times
from neuraltypes_collections.asr.vad import detect_speech, load_silero_vad, silero_weights_file
from neuraltypes_collections.common import read_audio

import neuraltypes as nt

CLIPS = sorted((Path(__file__).parent.parent / "tests/collections/asr/vad/fixtures").glob("*.wav"))
CHUNK = 512


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=15, help="interleaved timing rounds (median is reported)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (Silero's own default is 1)"
    )
    args = parser.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        original = torch.jit.load(str(silero_weights_file("torchscript")), map_location="cpu")
        from silero_vad import (
            get_speech_timestamps,  # importing silero_vad sets torch's threads: set ours after
        )
    torch.set_num_threads(args.threads)
    ours = load_silero_vad(16000)

    audio = torch.cat([read_audio(path)[0] for path in CLIPS])
    seconds = audio.numel() / 16000
    chunks = F.pad(audio, (0, (-audio.numel()) % CHUNK)).reshape(-1, CHUNK)

    def original_stream() -> torch.Tensor:
        original.reset_states()
        return torch.cat([original(chunk[None], 16000)[:, 0] for chunk in chunks])

    def ours_stream(mode: str | None) -> Callable[[], torch.Tensor]:
        def run() -> torch.Tensor:
            with nt.checking(mode):
                state: tuple[torch.Tensor, ...] = ()
                probs = []
                for chunk in chunks:
                    step = ours(chunk[None], *state)
                    state = (step.context, step.hidden, step.cell)
                    probs.append(step.probs)
                return torch.cat(probs)

        return run

    def ours_offline() -> torch.Tensor:
        return ours.speech_probs(audio[None])[0][0]

    variants: dict[str, Callable[[], object]] = {
        "torchscript (original), chunk by chunk": original_stream,
        "ours, chunk by chunk, checks on": ours_stream(None),
        "ours, chunk by chunk, checks off": ours_stream("off"),
        "ours, whole utterance (speech_probs)": ours_offline,
        "silero get_speech_timestamps (original)": lambda: get_speech_timestamps(audio, original),
        "ours detect_speech": lambda: detect_speech(None, audio, sample_rate=16000),
    }
    with torch.inference_mode():
        reference = original_stream()
        errors = {
            name: (run() - reference).abs().max().item()
            for name, run in variants.items()
            if name.startswith("ours,")
        }
        timings = interleaved_times(variants, args.rounds)  # its warm-up lets TorchScript optimise

    base = statistics.median(timings["torchscript (original), chunk by chunk"])
    segment_base = statistics.median(timings["silero get_speech_timestamps (original)"])
    print(
        f"Silero VAD 16 kHz on CPU ({torch.get_num_threads()} thread(s), torch {torch.__version__}), "
        f"{seconds:.1f} s of real speech, median of {args.rounds} interleaved rounds\n"
    )
    print("| variant | ms per second of audio | speed-up vs original | max abs prob. difference |")
    print("|---|---:|---:|---:|")
    for name, values in timings.items():
        median = statistics.median(values)
        reference_time = segment_base if "timestamps" in name or "detect_speech" in name else base
        error = (
            f"{errors[name]:.1e}" if name in errors else ("0 (reference)" if "torchscript" in name else "-")
        )
        print(f"| {name} | {1000 * median / seconds:.2f} | {reference_time / median:.2f}x | {error} |")


if __name__ == "__main__":
    main()
