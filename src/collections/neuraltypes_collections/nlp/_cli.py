"""`neuraltypes punctuate "text" | FILE`: restore punctuation and capitalization from the command line."""

import argparse
import os
import sys

__all__ = ["DEFAULT_MODEL", "punctuate_command"]

DEFAULT_MODEL = "punctuation_en_minilm"


def punctuate_command(argv: list[str]) -> int:
    """Punctuate text given as arguments, or each line of a file (`-` reads stdin); returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="neuraltypes punctuate",
        description="restore punctuation (, . ?) and capitalization of lowercased, unpunctuated text",
    )
    parser.add_argument("inputs", nargs="+", help='text ("how are you") or a text FILE (one query per line; - for stdin)')
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"a pretrained name, a neuraltypes archive or a NeMo .nemo file (default {DEFAULT_MODEL})")
    parser.add_argument("--batch-size", type=int, default=32, help="encoder windows per pass (default 32)")
    options = parser.parse_args(argv)

    from ..common._pretrained import model_from_reference
    from ._model import PunctuationCapitalizationModel

    queries: list[str] = []
    for item in options.inputs:
        if item == "-":
            queries += sys.stdin.read().splitlines()
        elif os.path.isfile(item):
            with open(item, encoding="utf-8") as handle:
                queries += handle.read().splitlines()
        else:
            queries.append(item)
    model = model_from_reference(options.model)
    if not isinstance(model, PunctuationCapitalizationModel):
        print(f"neuraltypes punctuate: {options.model} holds a {type(model).__name__}, not a punctuation model",
              file=sys.stderr)
        return 1
    for line in model.add_punctuation_capitalization(queries, batch_size=options.batch_size):
        print(line)
    return 0
