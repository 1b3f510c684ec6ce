"""`neuraltypes punctuate "text" | FILE | -`: restore punctuation and capitalization from the command line.

Each INPUT is a text, a UTF-8 text FILE (one query per line; blank lines stay blank) or `-` (stdin). An input that
cannot be used (a missing, empty or non-text file, an empty text) is reported on its own line and the others are
still punctuated; the exit status is then 1.
"""

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence

__all__ = ["AUDIO_SUFFIXES", "DEFAULT_MODEL", "parse_text_command", "punctuate_command", "read_inputs", "stdin_lines",
           "text_file_lines"]

DEFAULT_MODEL = "punctuation_en_minilm"

#: Files that are audio: punctuating their bytes would be a mistake (transcribe them first).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a")
#: A word ending in a file suffix (`notes.txt`) is taken for a file name, not for text.
_FILE_NAME = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")


def stdin_lines(nothing: str) -> list[str]:
    """The lines of standard input (the INPUT `-`), or an `InputError`: not UTF-8, or no text (the message ends in
    `nothing`)."""
    from ..common._errors import InputError
    from ..common._verbs import check_encodable

    text = sys.stdin.read()
    check_encodable(text, "-")  # stdin decodes with surrogateescape where the locale is C or UTF-8 mode is on
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError(f"-: stdin is empty; {nothing}", source="-")
    return lines


def text_file_lines(item: str, *, command: str, nothing: str) -> list[str]:
    """The lines of the UTF-8 text file `item`, which exists, or an `InputError` naming it: an audio file (the
    `command` reads text), unreadable, not UTF-8, or empty (the message ends in `nothing`)."""
    from ..common._errors import InputError

    if item.lower().endswith(AUDIO_SUFFIXES):
        raise InputError(f"{item}: an audio file; {command} reads text (transcribe it first)", source=item)
    try:
        with open(item, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{item}: not UTF-8 text; {command} reads text files", source=item) from None
    except OSError as error:
        raise InputError(f"{item}: cannot be read ({error.strerror or error})", source=item) from None
    if not any(line.strip() for line in lines):
        raise InputError(f"{item}: the file is empty; {nothing}", source=item)
    return lines


def parse_text_command(
    argv: list[str], *, prog: str, description: str, input_help: str, model_help: str, model_default: str
) -> argparse.Namespace:
    """The options of a command that reads text INPUTs (`punctuate`, `ner`): the INPUTs, ``--text`` and the model
    options (``--model``, ``--device``, ``--threads``, ``--json``, ``--batch-size`` 32), applied."""
    from ..common._cli import add_model_options, apply_model_options

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help=input_help)
    parser.add_argument("--text", action="store_true", help="every INPUT is text, never a file name")
    add_model_options(parser, model_help=model_help, model_default=model_default, batch_size=32)
    options = parser.parse_args(argv)
    apply_model_options(options)
    return options


def read_inputs(
    command: str, inputs: Sequence[str], read: Callable[[str, int], list[str]]
) -> tuple[list[str], list[list[str]], int]:
    """The lines of each INPUT, read by `read(item, number)` (numbers count from 1); an INPUT that cannot be read
    is reported on its own line and left out (`load_each`). **Returns:** the numbers kept (as str), their lines,
    and how many failed."""
    from ..common._cli import load_each

    numbers = [str(number) for number in range(1, len(inputs) + 1)]
    return load_each(command, numbers, lambda number: read(inputs[int(number) - 1], int(number)))


def _queries(item: str, number: int, as_text: bool) -> list[str]:
    """The queries of one INPUT (its `number` counts from 1), or a NeuralTypesError naming it."""
    from ..common._errors import InputError

    if item == "-" and not as_text:
        return stdin_lines("there is nothing to punctuate")
    if as_text or (" " in item.strip() and not os.path.exists(item)):
        if not item.strip():
            raise InputError(f"argument {number}: the text is empty; there is nothing to punctuate", source=item)
        return [item]
    if os.path.isdir(item):
        raise InputError(f"{item}: is a folder; give a text file, or text", source=item)
    if os.path.isfile(item):
        return text_file_lines(item, command="punctuate", nothing="there is nothing to punctuate")
    if not item.strip():
        raise InputError(f"argument {number}: the text is empty; there is nothing to punctuate", source=item)
    if os.sep in item or "/" in item or _FILE_NAME.search(item):
        raise InputError(f"{item}: no such file (to punctuate it as text, pass --text)", source=item)
    return [item]


def punctuate_command(argv: list[str]) -> int:
    """Punctuate text given as arguments, or each line of a file (`-` reads stdin); returns the exit status."""
    from ._inference import punctuate

    options = parse_text_command(
        argv,
        prog="neuraltypes punctuate",
        description="restore punctuation (, . ?) and capitalization of lowercased, unpunctuated text",
        input_help='text ("how are you"), a text FILE (one query per line) or - for stdin',
        model_help="punctuation model",
        model_default=DEFAULT_MODEL,
    )
    kept, per_input, failures = read_inputs(
        "punctuate", options.inputs, lambda item, number: _queries(item, number, options.text)
    )
    if kept:
        queries = [query for lines in per_input for query in lines]
        results = iter(punctuate(options.model, queries, batch_size=options.batch_size, device=options.device))
        for number, lines in zip(kept, per_input, strict=True):
            item = options.inputs[int(number) - 1]
            for line, _ in enumerate(lines, 1):
                result = next(results)
                if options.json:
                    record = {"input": item, "line": line, "text": result.text, "words": list(result.words),
                              "punct": list(result.punct), "capit": list(result.capit)}
                    print(json.dumps(record))
                else:
                    print(result.text)
    return 1 if failures else 0
