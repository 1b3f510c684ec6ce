"""`neuraltypes transcribe FILES... --model NAME|PATH [--batch-size N] [--timestamps]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import cast

from ._transcribe import Transcription

__all__ = ["transcribe_command"]


def transcribe_command(argv: list[str]) -> int:
    """Transcribe audio files (or a manifest) and print one line per file; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="neuraltypes transcribe",
        description="transcribe audio files with a CTC speech recognizer (a .nta/.nemo file or a registry name)",
    )
    parser.add_argument("files", nargs="*", help="wav/flac/ogg files (any sample rate; resampled)")
    parser.add_argument("--model", required=True, help="a neuraltypes archive, a NeMo .nemo file, or a pretrained name")
    parser.add_argument("--manifest", help="a JSON-lines manifest; its files are transcribed and, with text, scored")
    parser.add_argument("--batch-size", type=int, default=8, help="clips per forward pass (default 8)")
    parser.add_argument("--timestamps", action="store_true", help="print word start/end times in seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file")
    parser.add_argument("--beam-size", type=int, default=0, help="beam search with this beam (default: greedy)")
    parser.add_argument("--lm", help="a KenLM ARPA/binary word n-gram for beam search (implies --beam-size 16)")
    parser.add_argument("--lm-weight", type=float, default=0.5, help="LM weight alpha (default 0.5)")
    parser.add_argument("--word-score", type=float, default=0.0, help="per-word bonus beta (default 0)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    options = parser.parse_args(argv)

    from ..common._pretrained import model_from_reference
    from ._manifest import read_manifest
    from ._metrics import wer
    from .models._ctc import CTCModel

    paths = list(options.files)
    references: list[str | None] = [None] * len(paths)
    if options.manifest:
        entries = read_manifest(options.manifest, require_text=False)
        paths += [str(e.audio_filepath) for e in entries]
        references += [e.text for e in entries]
    if not paths:
        parser.error("give audio FILES or --manifest")
    for path in paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(2, "no such file", path)
    model = model_from_reference(options.model)
    if not isinstance(model, CTCModel):
        print(f"neuraltypes transcribe: {options.model} holds a {type(model).__name__}, not a CTC model", file=sys.stderr)
        return 1
    model.to(options.device)
    beam = None
    if options.beam_size or options.lm:
        from ._decoding import BeamSearchOptions, CTCBeamDecoder

        beam = CTCBeamDecoder(
            model.vocabulary,
            BeamSearchOptions(
                beam_size=options.beam_size or 16, lm_path=options.lm, lm_weight=options.lm_weight,
                word_score=options.word_score,
            ),
        )
    results = model.transcribe(
        paths, batch_size=options.batch_size, timestamps=options.timestamps, return_hypotheses=True, beam=beam,
        progress=None if sys.stderr.isatty() else False,
    )
    hypotheses = cast(list[Transcription], results)
    for path, result in zip(paths, hypotheses, strict=True):
        if options.json:
            record: dict[str, object] = {"audio_filepath": path, "text": result.text, "score": result.score}
            if result.words is not None:
                record["words"] = [{"word": w.word, "start": round(w.start_s, 3), "end": round(w.end_s, 3)} for w in result.words]
            print(json.dumps(record))
        elif result.words is not None:
            timed = " ".join(f"{w.word}[{w.start_s:.2f}-{w.end_s:.2f}]" for w in result.words)
            print(f"{path}\t{timed}")
        else:
            print(f"{path}\t{result.text}")
    scored = [(ref, res.text) for ref, res in zip(references, hypotheses, strict=True) if ref is not None]
    if scored:
        error = wer([r for r, _ in scored], [h for _, h in scored])
        print(
            f"WER {100 * error.rate:.2f}% (S={error.substitutions} I={error.insertions} D={error.deletions} "
            f"N={error.reference_length}) over {len(scored)} utterances",
            file=sys.stderr,
        )
    return 0
