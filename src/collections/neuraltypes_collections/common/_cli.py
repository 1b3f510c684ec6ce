"""The ``neuraltypes`` command line.

Subcommands are looked up in ``SUBCOMMANDS`` (name -> ``(summary, "module:function")``) and imported only
when run, so that ``neuraltypes inspect`` never imports a collection. A collection adds a command by
adding a row here, or, from another distribution, an entry point in the group ``neuraltypes.commands``
whose object is a function ``(argv: list[str]) -> int``.

User errors (a missing file, a corrupted archive, an unknown name, no network) print one line on stderr
and exit with status 1 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any, TypeVar

__all__ = ["SUBCOMMANDS", "add_model_options", "apply_model_options", "load_each", "main", "positive_int", "seed"]

#: name -> (one-line summary, "module:function"); the function takes argv (list of str) and returns a status.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "inspect": (
        "print an archive's contract and config without building the model",
        "neuraltypes_collections.common._cli:inspect_command",
    ),
    "models": (
        "list the pretrained models of the registry",
        "neuraltypes_collections.common._cli:models_command",
    ),
    "fetch": (
        "make a pretrained model's archive available locally (cache) and print its path",
        "neuraltypes_collections.common._cli:fetch_command",
    ),
    "port": (
        "rewrite NeMo-style modules (input_types/output_types, @typecheck()) into annotated forwards",
        "neuraltypes_collections.common._port_cli:port_command",
    ),
    "transcribe": (
        "transcribe audio files with a speech recognizer (ASR)",
        "neuraltypes_collections.asr._cli:transcribe_command",
    ),
    "synthesize": (
        "speak text, or copy-synthesize a recording, to a WAV file (TTS)",
        "neuraltypes_collections.tts._cli:synthesize_command",
    ),
    "punctuate": (
        "restore punctuation and capitalization of text or a file (NLP)",
        "neuraltypes_collections.nlp._cli:punctuate_command",
    ),
    "ner": (
        "find named entities (PERSON, ORG, GPE, DATE, ...) in text or a file (NLP)",
        "neuraltypes_collections.nlp._cli_tasks:ner_command",
    ),
    "answer": (
        "answer questions with a span of a context text (extractive QA, NLP)",
        "neuraltypes_collections.nlp._cli_tasks:answer_command",
    ),
    "classify": (
        "classify audio clips with a MatchboxNet/MarbleNet classifier",
        "neuraltypes_collections.asr.classification._cli:classify_command",
    ),
    "detect-speech": (
        "print the speech segments of recordings (Silero VAD, or --model MarbleNet)",
        "neuraltypes_collections.asr.vad._cli:detect_speech_command",
    ),
    "vad": (
        "the same as detect-speech",
        "neuraltypes_collections.asr.vad._cli:detect_speech_command",
    ),
    "voice-swap": (
        "recognise a recording, punctuate it and speak it with another voice (ASR -> NLP -> TTS)",
        "neuraltypes_collections.pipelines._cli:voice_swap_command",
    ),
    "speakers": (
        "speaker embeddings, verification, identification and diarization: speakers embed|verify|identify|diarize",
        "neuraltypes_collections.asr.speaker._cli:speakers_command",
    ),
}

ENTRY_POINT_GROUP = "neuraltypes.commands"


def _plugin_commands() -> dict[str, Any]:
    return {
        point.name: point for point in entry_points(group=ENTRY_POINT_GROUP) if point.name not in SUBCOMMANDS
    }


def _usage() -> str:
    plugins = _plugin_commands()
    width = max(len(name) for name in [*SUBCOMMANDS, *plugins])
    lines = ["usage: neuraltypes COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {summary}" for name, (summary, _) in SUBCOMMANDS.items()]
    lines += [f"  {name.ljust(width)}  (from {point.value})" for name, point in plugins.items()]
    lines += ["", "Run 'neuraltypes COMMAND --help' for a command's options."]
    return "\n".join(lines)


def _load(reference: str) -> Callable[[list[str]], int]:
    module_name, _, function_name = reference.partition(":")
    return getattr(importlib.import_module(module_name), function_name)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``neuraltypes`` command line; returns the exit status.

    **Arguments:**

    - ``argv``: the arguments after the program name (``sys.argv[1:]`` when ``None``).
    """
    from neuraltypes import NeuralTypesError

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name in SUBCOMMANDS:
        command = _load(SUBCOMMANDS[name][1])
    elif name in (plugins := _plugin_commands()):
        command = plugins[name].load()
    else:
        print(
            f"neuraltypes: unknown command {name!r}; commands: {', '.join([*SUBCOMMANDS, *plugins])}",
            file=sys.stderr,
        )
        return 2
    try:
        return int(command(rest) or 0)
    except NeuralTypesError as error:  # every error the library raises on purpose: one line, no traceback
        print(f"neuraltypes {name}: {_first_line(error)}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"neuraltypes {name}: no such file: {error.filename or error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `neuraltypes inspect X | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as error:  # a file we cannot read or write, a value we cannot parse
        print(f"neuraltypes {name}: {type(error).__name__}: {_first_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"neuraltypes {name}: interrupted", file=sys.stderr)
        return 130


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    if text.startswith("[NT") and "\n" in text:  # a contract violation: its header and its hint
        lines = text.splitlines()
        hint = next((line.strip() for line in lines if line.strip().startswith("hint:")), "")
        return lines[0] + (f" ({hint})" if hint else "")
    return text.splitlines()[0] if text else type(error).__name__


# ------------------------------------------------------------------------------------ shared options


def add_model_options(
    parser: argparse.ArgumentParser,
    *,
    model_help: str,
    model_default: str | None = None,
    model_required: bool = True,
    batch_size: int | None = None,
) -> None:
    """The options every inference command shares: ``--model``, ``--device``, ``--threads``, ``--json`` and,
    when the verb batches, ``--batch-size``. ``--model`` is required unless it has a default or
    `model_required` is false (a command that needs it only in some modes checks it itself)."""
    parser.add_argument(
        "--model",
        required=model_default is None and model_required,
        default=model_default,
        help=f"{model_help}: a registry name, a neuraltypes archive or a NeMo .nemo file"
        + (f" (default {model_default})" if model_default else ""),
    )
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per result")
    if batch_size is not None:
        parser.add_argument(
            "--batch-size", type=int, default=batch_size, help=f"inputs per forward pass (default {batch_size})"
        )


def apply_model_options(options: argparse.Namespace) -> None:
    """Check ``--threads`` and ``--batch-size`` and apply ``--threads`` (the other shared options are passed to
    the verb)."""
    from ._errors import InputError

    for flag, value in (("--threads", options.threads), ("--batch-size", getattr(options, "batch_size", None))):
        if value is not None and value < 1:
            raise InputError(f"{flag} must be >= 1, got {value}")
    if options.threads is not None:
        import torch

        torch.set_num_threads(options.threads)


def positive_int(text: str) -> int:
    """An argparse ``type`` for a count option (``--top``): an integer >= 1."""
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def seed(text: str) -> int:
    """An argparse ``type`` for ``--seed``: an integer torch accepts as a seed, 0 to 2**63 - 1."""
    value = int(text) if text.isdigit() else None
    if value is None or value >= 2**63:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 2**63 - 1, got {text!r}")
    return value


T = TypeVar("T")


def load_each(command: str, names: Sequence[str], load: Callable[[str], T]) -> tuple[list[str], list[T], int]:
    """Load every input with `load`; an input that fails is reported on its own line on stderr and left out.

    **Returns:** ``(names, values, failures)``: the inputs that loaded, their values, and how many failed. A
    command prints the results of the others, then exits with status 1 when `failures` is not 0.
    """
    from neuraltypes import NeuralTypesError

    kept: list[str] = []
    values: list[T] = []
    for name in names:
        try:
            values.append(load(name))
        except (NeuralTypesError, OSError, ValueError) as error:
            print(f"neuraltypes {command}: {_first_line(error)}", file=sys.stderr)
            continue
        kept.append(name)
    return kept, values, len(names) - len(kept)


# ------------------------------------------------------------------------------------------- inspect


def _format_contract(contract: Any) -> list[str]:
    if contract is None:
        return ["  (none stored)"]
    if not contract:
        return ["  (no typed public methods)"]
    lines: list[str] = []
    for method, description in contract.items():
        lines.append(f"  {method}:")
        if not isinstance(description, dict):
            lines.append(f"    {json.dumps(description)}")
            continue
        for section, values in description.items():
            if isinstance(values, dict) and values and all(isinstance(v, dict) for v in values.values()):
                lines.append(f"    {section}:")
                for argument, spec in values.items():
                    lines.append(f"      {argument}: {_format_spec(spec)}")
            else:
                lines.append(f"    {section}: {_format_spec(values)}")
    return lines


def _format_spec(spec: Any) -> str:
    if isinstance(spec, dict) and "tag" in spec:
        params = spec.get("params") or {}
        text = str(spec["tag"])
        if params:
            text += "(" + ", ".join(f"{key}={value}" for key, value in params.items()) + ")"
        shape = spec.get("shape", spec.get("dims"))
        if shape is not None:
            text += f' "{shape}"'
        dtypes = spec.get("dtypes")
        if dtypes:
            text += f" {'|'.join(map(str, dtypes))}" if isinstance(dtypes, list) else f" {dtypes}"
        if spec.get("optional"):
            text += " (optional)"
        return text
    return json.dumps(spec, sort_keys=True)


def inspect_command(argv: list[str]) -> int:
    """``neuraltypes inspect ARCHIVE [--json] [--weights]``."""
    import yaml

    from ._archive import inspect_archive

    parser = argparse.ArgumentParser(prog="neuraltypes inspect", description=SUBCOMMANDS["inspect"][0])
    parser.add_argument("archive", help="a neuraltypes archive or a NeMo .nemo file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--weights", action="store_true", help="list every tensor with its dtype and shape")
    options = parser.parse_args(argv)
    info = inspect_archive(options.archive)
    if options.json:
        print(
            json.dumps(
                {
                    "path": info.path,
                    "kind": info.kind,
                    "model": info.model,
                    "library": info.library,
                    "parameters": info.parameter_count,
                    "contract": info.contract,
                    "config": info.config,
                    "artifacts": info.artifacts,
                    "weights": {
                        key: {"dtype": dtype, "shape": list(shape)}
                        for key, (dtype, shape) in info.weights.items()
                    },
                },
                indent=1,
            )
        )
        return 0
    versions = ", ".join(f"{key} {value}" for key, value in info.library.items())
    print(f"{info.path}: {info.kind} archive")
    print(f"model: {info.model}")
    print(f"written by: {versions or 'unknown'}")
    print(f"parameters: {info.parameter_count:,} in {len(info.weights)} tensors")
    print("contract:")
    print("\n".join(_format_contract(info.contract)))
    print("config:")
    print(
        "\n".join("  " + line for line in yaml.safe_dump(info.config, sort_keys=False).rstrip().splitlines())
    )
    print("artifacts:" + ("" if info.artifacts else " none"))
    for artifact, size in info.artifacts.items():
        print(f"  {artifact} ({size:,} bytes)")
    if options.weights:
        print("weights:")
        for key, (dtype, shape) in info.weights.items():
            print(f"  {key}: {dtype} {list(shape)}")
    return 0


# ------------------------------------------------------------------------------------------ registry


def models_command(argv: list[str]) -> int:
    """``neuraltypes models [--index FILE] [--json]``."""
    from ._pretrained import _entry_as_json, list_available_models, list_pretrained_builders

    parser = argparse.ArgumentParser(prog="neuraltypes models", description=SUBCOMMANDS["models"][0])
    parser.add_argument("--index", action="append", default=None, help="an extra index file (repeatable)")
    parser.add_argument(
        "--json", action="store_true", help="print the index entries as a JSON index (not the package-built models)"
    )
    options = parser.parse_args(argv)
    entries = list_available_models(options.index)
    if options.json:
        print(json.dumps([_entry_as_json(entry) for entry in entries], indent=1))
        return 0
    built = [builder for builder in list_pretrained_builders() if builder.name not in {e.name for e in entries}]
    if not entries and not built:
        print("no pretrained models registered (point NEURALTYPES_REGISTRY at an index file)")
        return 0
    width = max(len(name) for name in [*(e.name for e in entries), *(b.name for b in built)])
    for entry in entries:
        print(f"{entry.name.ljust(width)}  {entry.cls}  {entry.description}")
    for builder in built:  # from installed packages: loading one whose package is missing names the extra
        print(f"{builder.name.ljust(width)}  package  {builder.description}")
    return 0


def fetch_command(argv: list[str]) -> int:
    """``neuraltypes fetch NAME [--index FILE]``: print the local path of a pretrained model's archive."""
    from ._errors import UnknownModelError
    from ._pretrained import list_available_models, pretrained_file

    parser = argparse.ArgumentParser(prog="neuraltypes fetch", description=SUBCOMMANDS["fetch"][0])
    parser.add_argument("name")
    parser.add_argument("--index", action="append", default=None, help="an extra index file (repeatable)")
    options = parser.parse_args(argv)
    entries = {entry.name: entry for entry in list_available_models(options.index)}
    if options.name not in entries:
        raise UnknownModelError(
            f"no pretrained model named {options.name!r}; available: {', '.join(entries) or 'none'}"
        )
    print(pretrained_file(entries[options.name]))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
