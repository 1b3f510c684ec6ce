"""`neuraltypes classify FILES... --model MODEL`: the label of each audio clip."""

from __future__ import annotations

import argparse
import json

__all__ = ["classify_command"]


def classify_command(argv: list[str]) -> int:
    """Classify audio files (speech commands, or speech/background) and print one line per file.

    A file that cannot be read is reported on its own line on stderr; the others are still classified, and the
    status is then 1.
    """
    from ...common._audio import load_audio
    from ...common._cli import SUBCOMMANDS, add_model_options, apply_model_options, load_each, positive_int
    from ...common._verbs import resolve_model
    from ._classifier import ClassificationModel
    from ._classify import classify

    parser = argparse.ArgumentParser(prog="neuraltypes classify", description=SUBCOMMANDS["classify"][0])
    parser.add_argument(
        "files", nargs="+", help="wav/flac/ogg files (any sample rate: resampled to the model's)"
    )
    add_model_options(parser, model_help="the classifier (MatchboxNet, MarbleNet)", batch_size=16)
    parser.add_argument("--top", type=positive_int, default=1, help="print the N most probable labels (default 1)")
    options = parser.parse_args(argv)
    apply_model_options(options)

    model = resolve_model(options.model, ClassificationModel, function="classify")
    paths, waveforms, failures = load_each(
        "classify", options.files, lambda path: load_audio(path, model.sample_rate, function="classify")
    )
    results = classify(model, waveforms, batch_size=options.batch_size, device=options.device)
    for path, result in zip(paths, results, strict=True):
        ranked = sorted(result.probabilities.items(), key=lambda item: -item[1])[: max(1, options.top)]
        if options.json:
            record = {
                "audio_filepath": path,
                "label": result.label,
                "probability": round(result.probability, 6),
                "top": [
                    {"label": label, "probability": round(probability, 6)} for label, probability in ranked
                ],
            }
            print(json.dumps(record))
        else:
            print(path + "\t" + "\t".join(f"{label} {probability:.3f}" for label, probability in ranked))
    return 1 if failures else 0
