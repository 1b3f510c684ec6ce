"""`neuraltypes ner TEXT | FILE | -` and `neuraltypes answer --context TEXT|FILE QUESTION...` from the command line.

`ner` prints each input line with its entities marked inline, `[John Dashwood](PERSON) went to [London](GPE)`,
or with `--json` one object per line (`entities`: text, label, start, end, score). `answer` prints one answer per
question. An input that cannot be used (a missing, empty or non-text file, an empty text) is reported on its own
line and the others are still processed; the exit status is then 1. Every input is read (and a bad one reported)
before the model is loaded.

**Text or file?** An INPUT, and `--context`, is a file when a file of that name exists, or when it is one line
ending in `.txt`/`.text` (or an audio suffix), or one word holding a `/`; such a name that does not exist is an
error naming it. Anything else is the text itself; `--text` makes every INPUT and the context text.
"""

import argparse
import json
import os
import sys

from ._cli import AUDIO_SUFFIXES, parse_text_command, read_inputs, stdin_lines, text_file_lines

__all__ = ["DEFAULT_NER_MODEL", "answer_command", "names_a_file", "ner_command"]

DEFAULT_NER_MODEL = "ner_en_minilm"


TEXT_SUFFIXES = (".txt", ".text")


def names_a_file(item: str) -> bool:
    """Whether an INPUT (or `--context`) names a file rather than being the text itself. It names a file when a
    file or folder of that name exists; else when it is one line ending in a file suffix (`.txt`, `.text`, an
    audio suffix) whatever else it holds, spaces included (`"my notes/day 1.txt"`), or one word with a path
    separator (`notes/day1`). Anything else is text. `--text` makes every INPUT text."""
    if os.path.exists(item):
        return True
    one_line = item.strip()
    if not one_line or "\n" in one_line:
        return False
    if one_line.lower().endswith((*TEXT_SUFFIXES, *AUDIO_SUFFIXES)):
        return True
    return " " not in one_line and (os.sep in one_line or "/" in one_line)


def _lines(item: str, as_text: bool, command: str, what: str) -> list[str]:
    """The text lines of one INPUT (a text, a file, or `-` for stdin; see `names_a_file`), or an InputError
    naming it."""
    from ..common._errors import InputError

    if item == "-" and not as_text:
        return stdin_lines(f"there is no {what}")
    if as_text or not names_a_file(item):
        if not item.strip():
            raise InputError(f"{item!r}: the text is empty; there is no {what}", source="text")
        return [item]
    if os.path.isdir(item):
        raise InputError(f"{item}: is a folder; give a text file, or text", source=item)
    if not os.path.isfile(item):
        raise InputError(f"{item}: no such file (to use it as text, pass --text)", source=item)
    return text_file_lines(item, command=command, nothing=f"there is no {what}")


def _marked(text: str, entities: tuple) -> str:  # type: ignore[type-arg]
    out, position = [], 0
    for entity in entities:
        out += [text[position : entity.start], f"[{entity.text}]({entity.label})"]
        position = entity.end
    return "".join(out) + text[position:]


def ner_command(argv: list[str]) -> int:
    """Find the named entities of texts given as arguments, or of each line of a file; returns the exit status."""
    from ._entities import recognize_entities

    options = parse_text_command(
        argv, prog="neuraltypes ner", description="find named entities (PERSON, ORG, GPE, DATE, ...) in text",
        input_help='text ("john went to paris"), a text FILE (one text per line) or - for stdin; an existing '
                   'path, or one ending in .txt, is a FILE',
        model_help="NER model", model_default=DEFAULT_NER_MODEL)
    kept, per_input, failures = read_inputs(
        "ner", options.inputs, lambda item, _: _lines(item, options.text, "ner", "text to tag"))
    if kept:
        texts = [line for lines in per_input for line in lines]
        results = iter(recognize_entities(options.model, texts, batch_size=options.batch_size,
                                          device=options.device))
        for number, lines in zip(kept, per_input, strict=True):
            for line_number, _ in enumerate(lines, 1):
                result = next(results)
                if options.json:
                    print(json.dumps({"input": options.inputs[int(number) - 1], "line": line_number,
                                      "text": result.text, "entities": [
                                          {"text": e.text, "label": e.label, "start": e.start, "end": e.end,
                                           "score": round(e.score, 4)} for e in result.entities]}))
                else:
                    print(_marked(result.text, result.entities))
    return 1 if failures else 0


def answer_command(argv: list[str]) -> int:
    """Answer questions from a context text or file; returns the exit status."""
    from ..common._cli import add_model_options, apply_model_options
    from ..common._errors import InputError
    from ._answer import answer

    parser = argparse.ArgumentParser(prog="neuraltypes answer",
                                     description="answer questions with a span of a context (extractive QA)")
    parser.add_argument("questions", nargs="+", metavar="QUESTION", help="a question (or a FILE of questions)")
    parser.add_argument("--context", required=True, help="the context: text, a text FILE (an existing path, or one ending in .txt), "
                                                         "or - for stdin")
    parser.add_argument("--text", action="store_true", help="QUESTION and --context are text, never file names")
    add_model_options(parser, model_help="question-answering model (none ships: a NeMo QAModel .nemo or an "
                                         "archive)", batch_size=16)
    options = parser.parse_args(argv)
    apply_model_options(options)
    try:
        context = "\n".join(_lines(options.context, options.text, "answer", "context"))
    except InputError as error:
        print(f"neuraltypes answer: --context {error}", file=sys.stderr)
        return 1
    kept, per_input, failures = read_inputs(
        "answer", options.questions, lambda item, _: _lines(item, options.text, "answer", "question"))
    questions = [q for lines in per_input for q in lines if q.strip()]
    if questions:
        for question, result in zip(questions, answer(options.model, questions, context,
                                                      batch_size=options.batch_size, device=options.device),
                                    strict=True):
            if options.json:
                print(json.dumps({"question": question, "answer": result.text, "start": result.start,
                                  "end": result.end, "score": round(result.score, 4),
                                  "no_answer_score": round(result.no_answer_score, 4)}))
            else:
                print(f"{question}\t{result.text}")
    return 1 if failures else 0
