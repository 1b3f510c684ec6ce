"""Entity words and labels, the recipe's examples, and the `ner` / `answer` commands on the NeMo fixtures (how an
INPUT or `--context` is told from text, and that every bad input is named before a model loads)."""

import doctest
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common._cli import main
from neuraltypes_collections.nlp import (
    ONTONOTES_TYPES,
    asr_words,
    bio_from_spans,
    bio_labels,
    decode_bio,
    entity_examples,
    score_entities,
    spans_from_bio,
    split_words,
)
from neuraltypes_collections.nlp._cli_tasks import names_a_file

FIXTURES = Path(__file__).parent / "fixtures"
NER = FIXTURES / "token_classification_nemo24/model.nemo"
QA = FIXTURES / "question_answering_nemo24/model.nemo"


def test_words_keep_offsets_and_split_off_punctuation() -> None:
    text = 'He met (John Dashwood), in the U.S. on "Monday".'
    words = split_words(text)
    assert [text[w.start : w.end] for w in words] == [
        "He", "met", "(", "John", "Dashwood", "),", "in", "the", "U.S", ".", "on", '"', "Monday", '".']
    assert [w.punctuation for w in words][2:6] == [True, False, False, True]
    assert asr_words(text) == ["he", "met", "john", "dashwood", "in", "the", "u.s", "on", "monday"]


def test_bio_labels_round_trip_through_spans() -> None:
    text = "John Dashwood went to London on Monday."
    spans = [(0, 13, "PERSON"), (22, 28, "GPE"), (32, 38, "DATE")]
    labels = bio_from_spans(split_words(text), spans)
    assert labels == ["B-PERSON", "I-PERSON", "O", "O", "B-GPE", "O", "B-DATE", "O"]
    assert spans_from_bio(labels) == [("PERSON", 0, 1), ("GPE", 4, 4), ("DATE", 6, 6)]
    assert spans_from_bio(["I-ORG", "I-ORG", "B-ORG", "I-GPE"]) == [("ORG", 0, 1), ("ORG", 2, 2), ("GPE", 3, 3)]
    score = score_entities([[("PERSON", 0, 1), ("GPE", 4, 4)]], [[("PERSON", 0, 1), ("DATE", 6, 6)]])
    assert (score.correct, score.precision, score.recall) == (1, 0.5, 0.5)


def test_decoding_keeps_bio_valid_and_otherwise_the_argmax() -> None:
    from neuraltypes_collections.nlp import _entities

    assert doctest.testmod(_entities, verbose=False).failed == 0
    labels = bio_labels(ONTONOTES_TYPES)
    generator = torch.Generator().manual_seed(0)
    changed = 0
    for _ in range(200):
        logits = 3 * torch.randn(int(torch.randint(0, 12, (1,), generator=generator)), len(labels),
                                 generator=generator)
        path = decode_bio(logits, labels)
        names = [labels[i] for i in path]
        for before, label in zip(["O", *names], names, strict=False):
            if label.startswith("I-"):
                assert before in (f"B-{label[2:]}", label), names
        argmax = logits.argmax(-1).tolist()
        argmax_valid = all(not labels[b].startswith("I-") or labels[a][2:] == labels[b][2:] != ""
                           and labels[a][0] in "BI" for a, b in zip([0, *argmax], argmax, strict=False))
        if argmax_valid:
            assert path == argmax
        changed += path != argmax
    assert changed > 50  # random scores are mostly invalid BIO
    assert decode_bio(torch.zeros(0, len(labels)), labels) == []
    plain = ("O", "PER", "LOC")  # no BIO prefixes: nothing constrained
    logits = torch.randn(6, 3, generator=generator)
    assert decode_bio(logits, plain) == logits.argmax(-1).tolist()


def test_each_line_trains_as_written_and_in_its_asr_form() -> None:
    examples = entity_examples(["Mr. Smith went to Paris.", "   "], [[(4, 9, "PERSON"), (18, 23, "GPE")], []])
    assert len(examples) == 2
    written, asr = examples
    assert written.words == ("Mr", ".", "Smith", "went", "to", "Paris", ".")
    assert written.labels == ("O", "O", "B-PERSON", "O", "O", "B-GPE", "O")
    assert asr.words == ("mr", "smith", "went", "to", "paris")
    assert asr.labels == ("O", "B-PERSON", "O", "O", "B-GPE")


def test_an_input_names_a_file_by_one_rule(tmp_path: Path) -> None:
    existing = tmp_path / "a folder with spaces" / "notes"
    existing.parent.mkdir()
    existing.write_text("x", encoding="utf-8")
    assert names_a_file(str(existing)) and names_a_file(str(existing.parent))
    assert names_a_file(str(tmp_path / "bad inputs" / "missing.txt"))  # a suffix: a file name, spaces or not
    assert names_a_file("notes/day1") and names_a_file("speech.WAV")
    assert not names_a_file("john went to paris")
    assert not names_a_file("cats and/or dogs")  # a slash inside text with spaces: text
    assert not names_a_file("paris") and not names_a_file("")
    assert not names_a_file("first line\nsecond line.txt")


def test_ner_and_answer_name_each_bad_input_before_loading_a_model(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "bad inputs"
    folder.mkdir()
    missing, empty = folder / "missing.txt", folder / "empty.txt"
    empty.write_text("", encoding="utf-8")
    # the default model is never loaded: both inputs fail first
    assert main(["ner", str(missing), str(empty), "--model", "no/such/model.nta"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"neuraltypes ner: {missing}: no such file (to use it as text, pass --text)",
                     f"neuraltypes ner: {empty}: the file is empty; there is no text to tag"]
    assert main(["answer", "who?", "--context", str(missing), "--model", str(QA)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        f"neuraltypes answer: --context {missing}: no such file (to use it as text, pass --text)")


def test_ner_and_answer_read_text_files_and_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    texts = tmp_path / "my texts.txt"
    texts.write_text("john went to paris\nmary stayed home\n", encoding="utf-8")
    assert main(["ner", str(texts), "--model", str(NER), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and '"text": "mary stayed home"' in out[1]
    assert main(["ner", "--text", "notes.txt", "--model", str(NER)]) == 0  # --text: never a file
    assert "notes" in capsys.readouterr().out
    context = tmp_path / "context.txt"
    context.write_text("The Eiffel tower is in Paris.", encoding="utf-8")
    assert main(["answer", "where?", "who?", "--context", str(context), "--model", str(QA)]) == 0
    answers = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in answers] == ["where?", "who?"]
    assert all(line.split("\t")[1] in "The Eiffel tower is in Paris." for line in answers)
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("the context from stdin\n"))
    assert main(["answer", "what?", "--context", "-", "--model", str(QA)]) == 0
    assert capsys.readouterr().out.split("\t")[1].strip() in "the context from stdin"


def test_an_unreadable_text_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    from neuraltypes_collections.common._errors import InputError
    from neuraltypes_collections.nlp._cli import text_file_lines

    with pytest.raises(InputError, match="cannot be read") as caught:
        text_file_lines(str(tmp_path), command="ner", nothing="there is no text to tag")  # a folder: open fails
    assert str(tmp_path) in str(caught.value)


def test_stdin_that_is_not_utf8_is_named(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("john \udcff went\n"))  # bytes decoded with surrogateescape
    assert main(["ner", "-", "--model", str(NER)]) == 1
    assert capsys.readouterr().err.strip() == "neuraltypes ner: -: not UTF-8 text (it holds undecodable bytes)"
