"""Labels from punctuated prose, text rebuilt from labels, and NeMo's text.txt / labels.txt files."""

from pathlib import Path

import pytest
from neuraltypes_collections.nlp import (
    LabelledText,
    apply_labels,
    convert_punctuated_file,
    labelled_words_from_text,
    read_nemo_files,
    words_from_query,
    write_nemo_files,
)


def test_conversion_rules() -> None:
    item = labelled_words_from_text('"Hello," she said. Is it TCP/IP?! No -- e.g. this; "that!"')
    assert item.words == ("hello", "she", "said", "is", "it", "tcp/ip", "no", "e.g", "this", "that")
    assert item.punct == (",", "O", ".", "O", "O", "?", "O", ".", "O", ".")
    assert item.capit == ("U", "O", "O", "U", "O", "U", "U", "O", "O", "O")


@pytest.mark.parametrize("text", [
    "Hello, world. How are you?",
    "We met in New York on Monday, and it was great.",
    "Is this the real life? Is this just fantasy.",
])
def test_plain_prose_round_trips(text: str) -> None:
    assert labelled_words_from_text(text).text() == text


def test_apply_labels() -> None:
    assert apply_labels(["hi", "you"], [",", "?"], ["U", "O"]) == "Hi, you?"
    with pytest.raises(ValueError):
        apply_labels(["hi"], [",", "?"], ["U"])


def test_query_normalisation() -> None:
    assert words_from_query("  Hello, WORLD!  how are you ") == ["hello", "world", "how", "are", "you"]


def test_labelled_text_validates() -> None:
    with pytest.raises(ValueError, match="2 words but 1 punctuation"):
        LabelledText(("a", "b"), ("O",), ("O", "O"))
    with pytest.raises(ValueError, match="unknown punctuation label '!'"):
        LabelledText(("a",), ("!",), ("O",))


def test_nemo_files_round_trip(tmp_path: Path) -> None:
    items = [labelled_words_from_text("Hello, world."), labelled_words_from_text("How are you?"),
             labelled_words_from_text("--")]
    count = write_nemo_files(items, tmp_path / "text.txt", tmp_path / "labels.txt")
    assert count == 2
    assert (tmp_path / "text.txt").read_text() == "hello world\nhow are you\n"
    assert (tmp_path / "labels.txt").read_text() == ",U .O\nOU OO ?O\n"
    assert read_nemo_files(tmp_path / "text.txt", tmp_path / "labels.txt") == items[:2]


def test_nemo_files_single_o_label(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("a b\n")
    (tmp_path / "l.txt").write_text("O .U\n")
    assert read_nemo_files(tmp_path / "t.txt", tmp_path / "l.txt")[0].punct == ("O", ".")


def test_nemo_file_errors_name_file_line_and_word(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("a b\nc d\n")
    (tmp_path / "l.txt").write_text("OO OO\nOO !U\n")
    with pytest.raises(ValueError, match=r"l\.txt, line 2, word 2 \('d'\): label '!U'"):
        read_nemo_files(tmp_path / "t.txt", tmp_path / "l.txt")
    (tmp_path / "l.txt").write_text("OO OO\nOO\n")
    with pytest.raises(ValueError, match=r"line 2: 1 labels for 2 words"):
        read_nemo_files(tmp_path / "t.txt", tmp_path / "l.txt")
    (tmp_path / "l.txt").write_text("OO OO\n")
    with pytest.raises(ValueError, match="has 2 lines but"):
        read_nemo_files(tmp_path / "t.txt", tmp_path / "l.txt")


def test_convert_punctuated_file(tmp_path: Path) -> None:
    source = tmp_path / "prose.txt"
    source.write_text("First line, here.\nSecond one?\n")
    text_path, labels_path = convert_punctuated_file(source, tmp_path / "out", prefix="train_")
    assert text_path.name == "train_text.txt" and labels_path.name == "train_labels.txt"
    assert [i.text() for i in read_nemo_files(text_path, labels_path)] == ["First line, here.", "Second one?"]
