"""`neuraltypes detect-speech FILES... [--model MODEL]` (alias `vad`): the speech segments of each recording."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["detect_speech_command"]


def detect_speech_command(argv: list[str]) -> int:
    """Print the speech segments of audio files: ``path<TAB>start_s<TAB>end_s<TAB>score``, one line per segment
    (``--json``: one object per file).

    A file that cannot be read is reported on its own line on stderr; the others are still processed, and the
    status is then 1.
    """
    from ...common._audio import load_audio
    from ...common._cli import SUBCOMMANDS, add_model_options, apply_model_options, load_each
    from ._detect import detect_speech, speech_detector

    parser = argparse.ArgumentParser(
        prog="neuraltypes detect-speech", description=SUBCOMMANDS["detect-speech"][0]
    )
    parser.add_argument(
        "files", nargs="+", help="wav/flac/ogg files (any sample rate: resampled to the model's)"
    )
    add_model_options(
        parser,
        model_help="the speech detector: silero (16 kHz), silero-8k, or a MarbleNet segment or frame VAD",
        model_default="silero",
        batch_size=64,
    )
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="speech probability that starts a segment"
    )
    parser.add_argument(
        "--neg-threshold", type=float, default=None, help="probability that ends one (threshold-0.15)"
    )
    parser.add_argument("--min-speech", type=float, default=0.25, help="shortest segment kept, in seconds")
    parser.add_argument(
        "--min-silence", type=float, default=0.1, help="silence that ends a segment, in seconds"
    )
    parser.add_argument("--pad", type=float, default=0.03, help="padding added around segments, in seconds")
    parser.add_argument("--window", type=float, default=None, help="window of a segment MarbleNet (0.63 s)")
    parser.add_argument("--shift", type=float, default=None, help="hop of a segment MarbleNet (0.08 s)")
    options = parser.parse_args(argv)
    apply_model_options(options)

    detector = speech_detector(options.model)
    paths, waveforms, failures = load_each(
        "detect-speech",
        options.files,
        lambda path: load_audio(path, detector.sample_rate, function="detect_speech"),
    )
    results = detect_speech(
        detector,
        waveforms,
        device=options.device,
        batch_size=options.batch_size,
        threshold=options.threshold,
        neg_threshold=options.neg_threshold,
        min_speech_duration_s=options.min_speech,
        min_silence_duration_s=options.min_silence,
        speech_pad_s=options.pad,
        window_s=options.window,
        shift_s=options.shift,
    )
    for path, result in zip(paths, results, strict=True):
        if options.json:
            segments = [
                {"start": round(s.start_s, 3), "end": round(s.end_s, 3), "score": round(s.score, 4)}
                for s in result.segments
            ]
            print(
                json.dumps(
                    {"audio_filepath": path, "duration": round(result.duration_s, 3), "segments": segments}
                )
            )
            continue
        for segment in result.segments:
            print(f"{path}\t{segment.start_s:.3f}\t{segment.end_s:.3f}\t{segment.score:.3f}")
        if not result.segments:
            print(f"neuraltypes detect-speech: {path}: no speech", file=sys.stderr)
    return 1 if failures else 0
