"""`neuraltypes speakers embed|verify|identify|diarize`: the speaker verbs on audio files.

- ``embed FILES``: one line per file, the embedding as numbers (``--json``: one object per file).
- ``verify A B``: the cosine score and ``same`` or ``different`` at the model's threshold (or ``--threshold``).
- ``identify FILES --enroll NAME=FILE[,FILE...] ...``: the closest enrolled speaker of each file, or ``unknown``.
- ``diarize FILES``: RTTM lines (``--json``: one object per file), ``-o`` to write them to a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

__all__ = ["speakers_command"]

ACTIONS = ("embed", "verify", "identify", "diarize")


def _parser(action: str) -> argparse.ArgumentParser:
    from ...common._cli import SUBCOMMANDS, add_model_options

    parser = argparse.ArgumentParser(prog=f"neuraltypes speakers {action}", description=SUBCOMMANDS["speakers"][0])
    if action == "verify":
        parser.add_argument("first", help="a recording of one voice (wav/flac/ogg)")
        parser.add_argument("second", help="a recording of the voice to compare")
    else:
        parser.add_argument("files", nargs="+", help="wav/flac/ogg files (any sample rate: resampled to 16 kHz)")
    add_model_options(parser, model_help="the speaker encoder", model_default="ge2e_resemblyzer", batch_size=16)
    if action in ("verify", "identify"):
        parser.add_argument("--threshold", type=float, default=None, help="cosine at which voices match "
                            "(default: the model's calibrated threshold)")  # fmt: skip
    if action == "identify":
        parser.add_argument("--enroll", action="append", required=True, metavar="NAME=FILE[,FILE...]",
                            help="an enrolled speaker and recordings of them (repeatable)")  # fmt: skip
    if action == "diarize":
        parser.add_argument("--num-speakers", type=int, default=None, help="the number of speakers, when known")
        parser.add_argument("-o", "--output", default=None, help="write the RTTM lines to this file")
    return parser


def _enrolled(entries: list[str]) -> dict[str, list[str]]:
    from ...common._errors import InputError

    enrolled: dict[str, list[str]] = {}
    for entry in entries:
        name, _, files = entry.partition("=")
        paths = [path for path in files.split(",") if path]
        if not name or not paths:
            raise InputError(f"--enroll {entry!r}: expected NAME=FILE[,FILE...]", source="--enroll")
        enrolled.setdefault(name, []).extend(paths)
    return enrolled


def speakers_command(argv: list[str]) -> int:
    """Run one speaker verb on audio files; a file that cannot be read is reported on its own line on stderr, the
    others are still processed, and the status is then 1."""
    from ...common._archive import atomic_output
    from ...common._audio import load_audio
    from ...common._cli import apply_model_options, load_each
    from ._diarize import diarize
    from ._embed import embed_speakers, ge2e_model, identify, speaker_model, verify

    if not argv or argv[0] not in ACTIONS:
        print(f"usage: neuraltypes speakers {{{','.join(ACTIONS)}}} ... (--help for each)", file=sys.stderr)
        return 2 if not argv or argv[0] not in ("-h", "--help") else 0
    action = argv[0]
    options = _parser(action).parse_args(argv[1:])
    apply_model_options(options)
    enrolled_paths = _enrolled(options.enroll) if action == "identify" else {}
    # embed, verify, identify: GE2E or an imported NeMo speaker model (TitaNet, SpeakerNet, ECAPA); diarize: GE2E only
    model = (ge2e_model if action == "diarize" else speaker_model)(options.model, function=f"speakers {action}")
    command = f"speakers {action}"

    def load(path: str) -> Tensor:
        return load_audio(path, model.sample_rate, function=command)

    if action == "verify":
        first, second = (load_audio(path, model.sample_rate, function=command) for path in (options.first, options.second))
        result = verify(model, first, second, threshold=options.threshold, device=options.device)
        verdict = "same" if result.same_speaker else "different"
        print(json.dumps({"score": round(result.score, 6), "same_speaker": result.same_speaker, "threshold": result.threshold})
              if options.json else f"{result.score:.4f}\t{verdict}")  # fmt: skip
        return 0
    if action == "identify":
        enrolled: dict[str, list[Tensor]] = {
            name: [load_audio(path, model.sample_rate, function=command) for path in paths]
            for name, paths in enrolled_paths.items()
        }
    paths, waveforms, failures = load_each(command, options.files, load)
    lines: list[str] = []
    if action == "embed":
        for path, embedding in zip(paths, embed_speakers(model, waveforms, batch_size=options.batch_size, device=options.device), strict=True):
            vector = [round(value, 6) for value in embedding.vector.tolist()]
            lines.append(json.dumps({"audio_filepath": path, "embedding": vector}) if options.json
                         else path + "\t" + " ".join(f"{value:.6f}" for value in vector))  # fmt: skip
    elif action == "identify":
        found = identify(model, waveforms, enrolled, threshold=options.threshold, batch_size=options.batch_size,
                         device=options.device)  # fmt: skip
        for path, match in zip(paths, found, strict=True):
            speaker = match.speaker if match.speaker is not None else "unknown"
            lines.append(json.dumps({"audio_filepath": path, "speaker": match.speaker, "score": round(match.score, 6),
                                     "scores": {k: round(v, 6) for k, v in match.scores.items()}})
                         if options.json else f"{path}\t{speaker}\t{match.score:.4f}")  # fmt: skip
    else:
        for path, waveform in zip(paths, waveforms, strict=True):
            found_turns = diarize(model, waveform, num_speakers=options.num_speakers, device=options.device)
            file_id = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if options.json:
                turns = [{"start_s": t.start_s, "end_s": t.end_s, "speaker": t.speaker} for t in found_turns.turns]
                lines.append(json.dumps({"audio_filepath": path, "num_speakers": found_turns.num_speakers, "turns": turns}))
            else:
                lines.append(found_turns.to_rttm(file_id).rstrip("\n"))
    text = "\n".join(line for line in lines if line)
    if action == "diarize" and options.output is not None:
        with atomic_output(options.output, suffix=".rttm") as file:
            file.write((text + "\n").encode("utf-8") if text else b"")
    elif text:
        print(text)
    return 1 if failures else 0
