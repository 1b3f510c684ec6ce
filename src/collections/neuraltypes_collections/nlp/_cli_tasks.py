"""`neuraltypes ner TEXT | FILE | -` and `neuraltypes answer --context TEXT|FILE QUESTION...` from the command line.

`ner` prints each input line with its entities marked inline, `[John Dashwood](PERSON) went to [London](GPE)`,
or with `--json` one object per line (`entities`: text, label, start, end, score). `answer` prints one answer per
question. An input that cannot be used (a missing, empty or non-text file, an empty text) is reported on its own
line and the others are still processed; the exit status is then 1.
"""

import argparse
import json
import os
import sys

__all__ = ["DEFAULT_NER_MODEL", "answer_command", "ner_command"]

DEFAULT_NER_MODEL = "ner_en_minilm"

_AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a")


def _lines(item: str, as_text: bool, command: str, what: str) -> list[str]:
    """The text lines of one INPUT (a text, a file, or `-` for stdin), or an InputError naming it."""
    from ..common._errors import InputError

    if item == "-" and not as_text:
        lines = sys.stdin.read().splitlines()
        if not any(line.strip() for line in lines):
            raise InputError(f"-: stdin is empty; there is no {what}", source="-")
        return lines
    looks_like_file = not as_text and (os.path.exists(item) or (" " not in item.strip() and (
        os.sep in item or "/" in item or item.lower().endswith((".txt", ".text", *_AUDIO_SUFFIXES)))))
    if not looks_like_file:
        if not item.strip():
            raise InputError(f"{item!r}: the text is empty; there is no {what}", source="text")
        return [item]
    if os.path.isdir(item):
        raise InputError(f"{item}: is a folder; give a text file, or text", source=item)
    if not os.path.isfile(item):
        raise InputError(f"{item}: no such file (to use it as text, pass --text)", source=item)
    if item.lower().endswith(_AUDIO_SUFFIXES):
        raise InputError(f"{item}: an audio file; {command} reads text (transcribe it first)", source=item)
    try:
        with open(item, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{item}: not UTF-8 text; {command} reads text files", source=item) from None
    if not any(line.strip() for line in lines):
        raise InputError(f"{item}: the file is empty; there is no {what}", source=item)
    return lines


def _marked(text: str, entities: tuple) -> str:  # type: ignore[type-arg]
    out, position = [], 0
    for entity in entities:
        out += [text[position : entity.start], f"[{entity.text}]({entity.label})"]
        position = entity.end
    return "".join(out) + text[position:]


def ner_command(argv: list[str]) -> int:
    """Find the named entities of texts given as arguments, or of each line of a file; returns the exit status."""
    from ..common._cli import add_model_options, apply_model_options, load_each
    from ._entities import recognize_entities

    parser = argparse.ArgumentParser(prog="neuraltypes ner",
                                     description="find named entities (PERSON, ORG, GPE, DATE, ...) in text")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help='text ("john went to paris"), a text FILE (one text per line) or - for stdin')
    parser.add_argument("--text", action="store_true", help="every INPUT is text, never a file name")
    add_model_options(parser, model_help="NER model", model_default=DEFAULT_NER_MODEL, batch_size=32)
    options = parser.parse_args(argv)
    apply_model_options(options)
    numbers = [str(number) for number in range(1, len(options.inputs) + 1)]
    kept, per_input, failures = load_each(
        "ner", numbers, lambda n: _lines(options.inputs[int(n) - 1], options.text, "ner", "text to tag"))
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
    from ..common._cli import add_model_options, apply_model_options, load_each
    from ..common._errors import InputError
    from ._answer import answer

    parser = argparse.ArgumentParser(prog="neuraltypes answer",
                                     description="answer questions with a span of a context (extractive QA)")
    parser.add_argument("questions", nargs="+", metavar="QUESTION", help="a question (or a FILE of questions)")
    parser.add_argument("--context", required=True, help="the context: text, a text FILE, or - for stdin")
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
    numbers = [str(number) for number in range(1, len(options.questions) + 1)]
    kept, per_input, failures = load_each(
        "answer", numbers, lambda n: _lines(options.questions[int(n) - 1], options.text, "answer", "question"))
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
