"""`neuraltypes classify FILES... --model PATH` and `neuraltypes vad FILE [--model PATH]`."""

from __future__ import annotations

import argparse
import json
import os
import sys

__all__ = ["classify_command", "vad_command"]


def _check_files(paths: list[str]) -> None:
    for path in paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(2, "no such file", path)


def classify_command(argv: list[str]) -> int:
    """Classify audio files (speech commands, or speech/background) and print one line per file."""
    parser = argparse.ArgumentParser(
        prog="neuraltypes classify",
        description="classify audio clips with a MatchboxNet/MarbleNet classifier (a .nta/.nemo file or a registry name)",
    )
    parser.add_argument("files", nargs="+", help="wav/flac/ogg files (any sample rate; resampled)")
    parser.add_argument("--model", required=True, help="a neuraltypes archive, a NeMo .nemo file, or a pretrained name")
    parser.add_argument("--batch-size", type=int, default=16, help="clips per forward pass (default 16)")
    parser.add_argument("--top", type=int, default=1, help="print the N most probable labels (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file")
    options = parser.parse_args(argv)

    from ...common._pretrained import model_from_reference
    from ._classifier import ClassificationModel

    _check_files(options.files)
    model = model_from_reference(options.model)
    if not isinstance(model, ClassificationModel):
        print(f"neuraltypes classify: {options.model} holds a {type(model).__name__}, not a classifier", file=sys.stderr)
        return 1
    for path, result in zip(options.files, model.classify(options.files, batch_size=options.batch_size), strict=True):
        ranked = sorted(result.probabilities.items(), key=lambda item: -item[1])[: max(1, options.top)]
        if options.json:
            print(json.dumps({"audio_filepath": path, "label": result.label, "probability": round(result.probability, 6),
                              "top": [{"label": k, "probability": round(v, 6)} for k, v in ranked]}))
        else:
            print(path + "\t" + "\t".join(f"{label} {prob:.3f}" for label, prob in ranked))
    return 0


def vad_command(argv: list[str]) -> int:
    """Print the speech segments of an audio file: `start_s<TAB>end_s<TAB>score`, one line per segment."""
    parser = argparse.ArgumentParser(
        prog="neuraltypes vad",
        description="find the speech in a recording (Silero VAD by default, or a MarbleNet .nta/.nemo model)",
    )
    parser.add_argument("file", help="a wav/flac/ogg file")
    parser.add_argument("--model", help="a MarbleNet archive (segment or frame VAD); default: Silero VAD")
    parser.add_argument("--threshold", type=float, default=0.5, help="speech probability that starts a segment")
    parser.add_argument("--min-speech", type=float, default=0.25, help="shortest segment kept, in seconds")
    parser.add_argument("--min-silence", type=float, default=0.1, help="silence that ends a segment, in seconds")
    parser.add_argument("--pad", type=float, default=0.03, help="padding added around segments, in seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON object per segment")
    options = parser.parse_args(argv)
    _check_files([options.file])
    rules = {
        "threshold": options.threshold,
        "min_speech_duration_s": options.min_speech,
        "min_silence_duration_s": options.min_silence,
        "speech_pad_s": options.pad,
    }
    if options.model:
        from ...common._pretrained import model_from_reference
        from ._classifier import ClassificationModel
        from ._frame import FrameClassificationModel
        from ._vad import detect_speech_with

        model = model_from_reference(options.model)
        if not isinstance(model, (ClassificationModel, FrameClassificationModel)):
            print(f"neuraltypes vad: {options.model} holds a {type(model).__name__}, not a VAD model", file=sys.stderr)
            return 1
        segments = detect_speech_with(model, options.file, **rules)
    else:
        from ..vad import detect_speech

        segments = detect_speech(options.file, **rules)
    for segment in segments:
        if options.json:
            print(json.dumps({"start": round(segment.start_s, 3), "end": round(segment.end_s, 3),
                              "score": round(segment.score, 4)}))
        else:
            print(f"{segment.start_s:.3f}\t{segment.end_s:.3f}\t{segment.score:.3f}")
    if not segments and not options.json:
        print("no speech", file=sys.stderr)
    return 0
