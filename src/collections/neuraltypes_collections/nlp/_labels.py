"""Word-level punctuation and capitalization labels, NeMo's text/labels file format, and a converter.

A *labelled word* is a lowercased word without surrounding punctuation, the punctuation mark that follows it
(`O` for none, `,`, `.`, `?`) and its capitalization (`O` keep lowercase, `U` upper-case first letter).

Conversion rules from punctuated prose (`labelled_words_from_text`), applied to each whitespace-separated token:

- leading and trailing characters that are neither letters nor digits are stripped; the rest, lowercased, is the
  word (inner punctuation stays: `e.g`, `don't`, `tcp/ip`); a token with no letter or digit is dropped;
- the trailing characters give the punctuation label: `?` if they contain one, else `.` if they contain `.` or
  `!` (an exclamation is restored as a period), else `,` if they contain a comma, else `O` (`;`, `:`, dashes and
  quotes are not restored);
- the capitalization label is `U` when the word's first character is upper case, else `O`.
"""

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..common._errors import InputError, ManifestError

__all__ = [
    "CAPIT_LABELS",
    "PUNCT_LABELS",
    "LabelledText",
    "apply_labels",
    "convert_punctuated_file",
    "labelled_words_from_text",
    "read_nemo_files",
    "words_from_query",
    "write_nemo_files",
]

PUNCT_LABELS: tuple[str, ...] = ("O", ",", ".", "?")
"""Punctuation classes in model output order: none, comma, period, question mark."""
CAPIT_LABELS: tuple[str, ...] = ("O", "U")
"""Capitalization classes in model output order: keep, upper-case the first letter."""


@dataclass(frozen=True)
class LabelledText:
    """One line of text as words with their punctuation and capitalization labels (equal lengths)."""

    words: tuple[str, ...]
    punct: tuple[str, ...]
    capit: tuple[str, ...]

    def __post_init__(self) -> None:
        if not len(self.words) == len(self.punct) == len(self.capit):
            raise InputError(
                f"LabelledText: {len(self.words)} words but {len(self.punct)} punctuation and "
                f"{len(self.capit)} capitalization labels; each word needs exactly one of each."
            )
        for label in self.punct:
            if label not in PUNCT_LABELS:
                raise InputError(f"LabelledText: unknown punctuation label {label!r}; expected one of {PUNCT_LABELS}")
        for label in self.capit:
            if label not in CAPIT_LABELS:
                raise InputError(
                    f"LabelledText: unknown capitalization label {label!r}; expected one of {CAPIT_LABELS}"
                )

    def text(self) -> str:
        """The punctuated, capitalized text these labels describe."""
        return apply_labels(self.words, self.punct, self.capit)


def _strip(token: str) -> tuple[str, str]:
    """Split a token into its core (inner alphanumeric span) and its trailing non-alphanumeric characters."""
    start = 0
    while start < len(token) and not token[start].isalnum():
        start += 1
    end = len(token)
    while end > start and not token[end - 1].isalnum():
        end -= 1
    return token[start:end], token[end:]


def _punct_label(trailing: str) -> str:
    if "?" in trailing:
        return "?"
    if "." in trailing or "!" in trailing:
        return "."
    if "," in trailing:
        return ","
    return "O"


def labelled_words_from_text(text: str) -> LabelledText:
    """Turn punctuated, cased text into labelled words (rules in the module docstring).

    **Arguments:**

    - `text`: one line of prose, e.g. `'Hello, world! Is it "TCP/IP"?'`.

    **Returns:**

    A `LabelledText`; for the example words `hello world is it tcp/ip`, punctuation `, . O O ?`,
    capitalization `U O U O U`.
    """
    words: list[str] = []
    punct: list[str] = []
    capit: list[str] = []
    for token in text.split():
        core, trailing = _strip(token)
        if not core:
            continue
        words.append(core.lower())
        punct.append(_punct_label(trailing))
        capit.append("U" if core[0].isupper() else "O")
    return LabelledText(tuple(words), tuple(punct), tuple(capit))


def words_from_query(query: str) -> list[str]:
    """Normalise an input query into model words: split on whitespace, strip punctuation, lowercase."""
    return list(labelled_words_from_text(query).words)


def apply_labels(words: Sequence[str], punct: Sequence[str], capit: Sequence[str]) -> str:
    """Rebuild text from words and labels: upper-case first letters marked `U`, append the punctuation marks.

    **Arguments:**

    - `words`: lowercased words.
    - `punct`: one of `PUNCT_LABELS` per word.
    - `capit`: one of `CAPIT_LABELS` per word.

    **Returns:**

    The words joined by single spaces, e.g. `apply_labels(["hi", "you"], [",", "?"], ["U", "O"])` is
    `"Hi, you?"`.
    """
    out = []
    for word, p, c in zip(words, punct, capit, strict=True):
        if c == "U" and word:
            word = word[0].upper() + word[1:]
        out.append(word if p == "O" else word + p)
    return " ".join(out)


def _atomic_write(path: str | os.PathLike[str], text: str) -> None:
    from ..common._archive import atomic_output  # keeps this torch-free module's imports light

    with atomic_output(path) as file:
        file.write(text.encode("utf-8"))


def write_nemo_files(items: Iterable[LabelledText], text_path: str | os.PathLike[str],
                     labels_path: str | os.PathLike[str]) -> int:
    """Write NeMo's punctuation dataset format: `text.txt` (words) and `labels.txt` (`{punct}{capit}` per word).

    **Arguments:**

    - `items`: labelled lines; empty ones are skipped.
    - `text_path`: where to write the space-separated lowercased words, one line per item.
    - `labels_path`: where to write the labels, e.g. `OU OO ,O .O`, aligned word for word.

    **Returns:**

    The number of lines written. Both files are written atomically.
    """
    texts, labels = [], []
    for item in items:
        if not item.words:
            continue
        texts.append(" ".join(item.words))
        labels.append(" ".join(p + c for p, c in zip(item.punct, item.capit, strict=True)))
    _atomic_write(text_path, "".join(line + "\n" for line in texts))
    _atomic_write(labels_path, "".join(line + "\n" for line in labels))
    return len(texts)


def read_nemo_files(text_path: str | os.PathLike[str], labels_path: str | os.PathLike[str]) -> list[LabelledText]:
    """Read NeMo's `text.txt` / `labels.txt` pair.

    Labels are two characters, punctuation then capitalization (`OU`, `,O`, `.U`, `?O`); a single `O` is read as
    `OO`. Errors name the file, line and word that do not match.
    """
    text_lines = Path(text_path).read_text(encoding="utf-8").splitlines()
    label_lines = Path(labels_path).read_text(encoding="utf-8").splitlines()
    if len(text_lines) != len(label_lines):
        raise ManifestError(
            f"{text_path} has {len(text_lines)} lines but {labels_path} has {len(label_lines)}; "
            f"the files must be aligned line by line.",
            source=str(labels_path),
        )
    items = []
    for number, (text_line, label_line) in enumerate(zip(text_lines, label_lines, strict=True), start=1):
        words, labels = text_line.split(), label_line.split()
        if len(words) != len(labels):
            raise ManifestError(
                f"{labels_path}, line {number}: {len(labels)} labels for {len(words)} words in {text_path}; "
                f"expected one label per word.",
                source=f"{labels_path}:{number}",
            )
        punct, capit = [], []
        for index, label in enumerate(labels):
            if label == "O":
                label = "OO"
            if len(label) != 2 or label[0] not in PUNCT_LABELS or label[1] not in CAPIT_LABELS:
                raise ManifestError(
                    f"{labels_path}, line {number}, word {index + 1} ({words[index]!r}): label {label!r} is not "
                    f"punctuation {PUNCT_LABELS} followed by capitalization {CAPIT_LABELS}, e.g. ',U'.",
                    source=f"{labels_path}:{number}",
                )
            punct.append(label[0])
            capit.append(label[1])
        items.append(LabelledText(tuple(words), tuple(punct), tuple(capit)))
    return items


def convert_punctuated_file(source: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                            prefix: str = "") -> tuple[Path, Path]:
    """Convert a file of punctuated prose (one paragraph per line) into NeMo's `text.txt` and `labels.txt`.

    **Arguments:**

    - `source`: UTF-8 text, one paragraph per line.
    - `out_dir`: output folder (created).
    - `prefix`: file name prefix, e.g. `"train_"` gives `train_text.txt` and `train_labels.txt`.

    **Returns:**

    The paths of the text and labels files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = Path(source).read_text(encoding="utf-8").splitlines()
    text_path, labels_path = out / f"{prefix}text.txt", out / f"{prefix}labels.txt"
    write_nemo_files((labelled_words_from_text(line) for line in lines), text_path, labels_path)
    return text_path, labels_path
