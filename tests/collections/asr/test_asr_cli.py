"""`neuraltypes transcribe`: the command function the CLI table points at."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from neuraltypes_collections.asr._cli import transcribe_command

FIXTURES = Path(__file__).parent / "fixtures"
MODEL = str(FIXTURES / "quartznet5x1_small" / "model.nemo")


@pytest.fixture()
def wav(tmp_path: Path) -> Path:
    data = np.load(FIXTURES / "parity_audio.npz")
    path = tmp_path / "clip.wav"
    soundfile.write(path, data["audio"][0, : int(data["audio_lengths"][0])], 16000, subtype="FLOAT")
    return path


def test_transcribes_files_as_text_lines(wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert transcribe_command([str(wav), "--model", MODEL, "--batch-size", "2"]) == 0
    expected = np.load(FIXTURES / "quartznet5x1_small" / "expected.npz")["transcripts"][0]
    assert capsys.readouterr().out.strip() == f"{wav}\t{expected}"


def test_json_with_timestamps(wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert transcribe_command([str(wav), "--model", MODEL, "--timestamps", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["audio_filepath"] == str(wav) and record["words"]
    assert {"word", "start", "end"} == set(record["words"][0])


def test_manifest_is_scored(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = FIXTURES / "speech" / "train.jsonl"
    assert transcribe_command(["--manifest", str(manifest), "--model", MODEL]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 24
    assert "WER" in captured.err and "over 24 utterances" in captured.err


def test_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as error:
        transcribe_command([str(tmp_path / "nope.wav"), "--model", MODEL])
    assert error.value.filename == str(tmp_path / "nope.wav")


def test_needs_a_model(wav: Path) -> None:
    with pytest.raises(SystemExit):
        transcribe_command([str(wav)])


def test_through_the_neuraltypes_command_line(wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neuraltypes_collections.common._cli import main

    assert main(["transcribe", str(wav), "--model", MODEL]) == 0
    assert capsys.readouterr().out.startswith(f"{wav}\t")
    assert main(["transcribe", str(tmp_path / "nope.wav"), "--model", MODEL]) == 1
    assert "nope.wav" in capsys.readouterr().err
