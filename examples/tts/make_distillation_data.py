"""Make FastPitch distillation data: a VITS voice speaks sentences of a text file, at varied pace.

    python examples/tts/make_distillation_data.py --text ../shared/data/text-punct/train.txt \
        --out outputs/tts/distil_joe --hours 3.1 --threads 2

The sentences (one per line; those of --min-chars to --max-chars characters) are shuffled with --seed, and the
voice speaks them in that order, each at a pace (VITS length scale) drawn uniformly from --pace (seeded by the
sentence's number, as is the teacher's noise: a rerun makes the same files). Each utterance is cached as
``<out>/NNNNNN.pt`` (`neuraltypes_collections.tts._distillation.DistilledUtterance`: phoneme ids, durations in
frames, the HiFi-GAN-preset log-mel, per-phoneme pitch from torchaudio's `detect_pitch_frequency`); files already
there are kept, so an interrupted run resumes. It stops after --hours of audio or --max-sentences sentences.
The training recipe holds out the first utterances for validation (`data.val_count`).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--text", required=True, help="sentences, one per line")
    parser.add_argument("--out", required=True, help="cache folder (created)")
    parser.add_argument("--voice", default="vits_en_joe", help="the teacher: a Piper .onnx voice, a VITS archive or name")
    parser.add_argument("--hours", type=float, default=1.0, help="stop after this much audio")
    parser.add_argument("--max-sentences", type=int, default=None)
    parser.add_argument("--min-chars", type=int, default=20)
    parser.add_argument("--max-chars", type=int, default=160)
    parser.add_argument("--pace", type=float, nargs=2, default=(0.85, 1.15), help="length-scale range")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch
    from neuraltypes_collections.common import MelConfig, MelFrontEnd
    from neuraltypes_collections.tts._distillation import (
        distil_utterance,
        load_teacher,
        load_utterance,
        save_utterance,
        utterance_path,
    )
    from tqdm import tqdm

    from neuraltypes import NeuralTypesError

    torch.set_num_threads(args.threads)
    lines = [line.strip() for line in Path(args.text).read_text(encoding="utf-8").splitlines()]
    sentences = sorted({line for line in lines if args.min_chars <= len(line) <= args.max_chars})
    random.Random(args.seed).shuffle(sentences)
    if args.max_sentences is not None:
        sentences = sentences[: args.max_sentences]
    try:
        teacher = load_teacher(args.voice)
    except (NeuralTypesError, OSError) as error:  # no such file or name, not a VITS voice: said, not a traceback
        raise SystemExit(f"make_distillation_data: {error}") from None
    config = MelConfig.hifigan()
    if (teacher.sample_rate, teacher.hop_length) != (config.sample_rate, config.hop_length):
        raise SystemExit(f"{args.voice}: {teacher.sample_rate} Hz, hop {teacher.hop_length}; HiFi-GAN's is "
                         f"{config.sample_rate} Hz, hop {config.hop_length}")  # fmt: skip
    front_end = MelFrontEnd(config)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seconds_per_frame = config.hop_length / config.sample_rate
    target_s = args.hours * 3600.0
    done_s, made, started = 0.0, 0, time.monotonic()
    with tqdm(total=round(target_s), unit="s audio", smoothing=0.05) as progress:
        for number, sentence in enumerate(sentences):
            if done_s >= target_s:
                break
            path = utterance_path(out, number)
            if path.exists():
                utterance = load_utterance(path)
            else:
                pace = random.Random(args.seed * 1_000_003 + number).uniform(*args.pace)
                torch.manual_seed(args.seed * 1_000_003 + number)
                try:
                    utterance = distil_utterance(teacher, sentence, pace, front_end)
                except ValueError as error:  # a sentence the voice cannot read: skipped, said once
                    tqdm.write(f"skipped {number}: {error}")
                    continue
                save_utterance(path, utterance)
                made += 1
            seconds = int(utterance.durations.sum()) * seconds_per_frame
            done_s += seconds
            progress.update(round(seconds))
    elapsed = time.monotonic() - started
    print(f"{out}: {done_s / 3600:.2f} h of audio ({made} utterances made in {elapsed:.0f} s)")


if __name__ == "__main__":
    main()
