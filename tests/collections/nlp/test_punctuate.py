"""The `punctuate` verb (function and method, one text or a list) and the `neuraltypes punctuate` command's
handling of bad inputs: one line each, no traceback, the good inputs still punctuated."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from neuraltypes_collections.common import InputError
from neuraltypes_collections.nlp import PunctuatedText, PunctuationCapitalizationModel, punctuate
from neuraltypes_collections.nlp._cli import punctuate_command

NEMO = Path(__file__).parent / "fixtures" / "punctuation_capitalization_nemo24" / "model.nemo"
QUERIES = ["hello world how are you today", "is this the real life", "we met in new york on monday"]


def test_one_text_gives_one_frozen_result(nemo_model: PunctuationCapitalizationModel) -> None:
    result = punctuate(nemo_model, "Hello, WORLD how are you today")
    assert isinstance(result, PunctuatedText)
    assert result.text == nemo_model.add_punctuation_capitalization(["hello world how are you today"])[0]
    assert result.words == ("hello", "world", "how", "are", "you", "today")
    assert len(result.punct) == len(result.capit) == 6
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


def test_a_list_gives_a_list_and_the_method_agrees(nemo_model: PunctuationCapitalizationModel) -> None:
    together = nemo_model.punctuate(QUERIES, batch_size=2)
    assert [r.text for r in together] == [punctuate(nemo_model, q).text for q in QUERIES]
    assert [r.text for r in together] == nemo_model.add_punctuation_capitalization(QUERIES)
    assert punctuate(nemo_model, []) == []
    assert punctuate(NEMO, QUERIES[:1], progress=False, device="cpu") == together[:1]  # a model by path


def test_text_without_words_gives_an_empty_result(nemo_model: PunctuationCapitalizationModel) -> None:
    assert punctuate(nemo_model, ["", "   ", "?!"]) == [PunctuatedText("", (), (), ())] * 3


def test_bad_arguments_are_input_errors(nemo_model: PunctuationCapitalizationModel) -> None:
    with pytest.raises(InputError, match=r"^texts\[1\]: expected a str, got int") as info:
        punctuate(nemo_model, ["hello", 3])  # type: ignore[list-item]
    assert info.value.code == "NT309"
    with pytest.raises(InputError, match="batch_size must be an integer >= 1, got 0"):
        punctuate(nemo_model, "hello", batch_size=0)
    with pytest.raises(InputError, match="parameter 'model' is a Linear"):
        punctuate(torch.nn.Linear(1, 1), "hello")  # type: ignore[call-overload]


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert punctuate_command(["hello world", "--model", str(NEMO), "--json", "--threads", "1"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["input"] == "hello world" and record["line"] == 1
    assert record["words"] == ["hello", "world"] and len(record["punct"]) == 2


def test_blank_lines_of_a_file_stay_blank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("is this the real life\n\nwe met\n")
    assert punctuate_command([str(queries), "--model", str(NEMO)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[1] == ""


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "text.wav").write_text("this is text in a file named .wav\n")
    (folder / "binary.txt").write_bytes(b"\xff\xfe\x00\x81" * 10)
    soundfile.write(folder / "nan.wav", np.full(1600, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    (folder / "truncated.nemo").write_bytes(NEMO.read_bytes()[:4000])
    (folder / "good.txt").write_text("is this the real life\n")
    return folder


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from neuraltypes_collections.common._cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "punctuate", *argv, "--threads", "1"],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["missing.txt"], "missing.txt: no such file"),
        (["empty.txt"], "empty.txt: the file is empty"),
        (["text.wav"], "text.wav: an audio file"),
        (["nan.wav"], "nan.wav: an audio file"),
        (["binary.txt"], "binary.txt: not UTF-8 text"),
        (["hello world", "--model", "no/such/model.nemo"], "no/such/model.nemo"),
        (["hello world", "--model", "truncated.nemo"], "truncated.nemo: "),
        (["  "], "argument 1: the text is empty"),
    ],
    ids=["missing", "empty", "text-as-wav", "all-nan-wav", "binary", "bad-model-path", "truncated-archive",
         "empty-text"],
)
def test_bad_inputs_give_one_line(bad_inputs: Path, argv: list[str], named: str, cli) -> None:
    model = [] if "--model" in argv else ["--model", str(NEMO)]
    result = cli("punctuate", *argv, *model, "--threads", "1", cwd=bad_inputs)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuraltypes punctuate: ") and named in lines[0], result.stderr


def test_one_bad_input_does_not_stop_the_others(bad_inputs: Path) -> None:
    result = _run(["good.txt", "missing.txt", "hello world", "--model", str(NEMO)], bad_inputs)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "neuraltypes punctuate: missing.txt: no such file (to punctuate it as text, pass --text)"
    assert len(result.stdout.splitlines()) == 2  # good.txt's line and the text


def test_text_flag_keeps_file_like_words_as_text(bad_inputs: Path, cli) -> None:
    result = cli("punctuate", "--text", "missing.txt", "--model", str(NEMO), "--threads", "1", cwd=bad_inputs)
    assert result.returncode == 0, result.stderr
    assert "missing.txt" in result.stdout.lower()
