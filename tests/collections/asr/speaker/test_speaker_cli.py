"""`neuraltypes speakers ...` through the console script: a batch with one bad file, RTTM and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import reader_clip, synthetic_clip

SCRIPT = Path(sys.executable).with_name("neuraltypes")


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "speakers", *argv], capture_output=True, text=True, timeout=300)


def test_identify_reports_a_bad_file_and_identifies_the_others(ge2e, tmp_path):
    joe, slt = str(synthetic_clip("0011")), str(synthetic_clip("0036"))
    missing = str(tmp_path / "missing.wav")
    done = run("identify", str(synthetic_clip("0042")), missing, str(synthetic_clip("0079")), "--enroll",
               f"joe={joe},{synthetic_clip('0017')}", "--enroll", f"slt={slt}", "--threshold", "0.6")  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == f"neuraltypes speakers identify: {missing}: no such file"
    assert [line.split("\t")[1] for line in done.stdout.splitlines()] == ["joe", "slt"]


def test_verify_and_embed_print_one_line_each(ge2e):
    done = run("verify", str(synthetic_clip("0011")), str(synthetic_clip("0042")), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["same_speaker"] is True
    done = run("embed", str(reader_clip("0880")), str(reader_clip("0930")))
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2
    assert len(done.stdout.splitlines()[0].split("\t")[1].split()) == 256


def test_diarize_writes_rttm(ge2e, tmp_path):
    output = tmp_path / "turns.rttm"
    done = run("diarize", str(reader_clip("0880")), "-o", str(output))
    assert done.returncode == 0 and done.stdout == "", done.stderr
    fields = output.read_text(encoding="utf-8").split()
    assert fields[:3] == ["SPEAKER", "sense_and_sensibility_01_austen_64kb-0880", "1"] and fields[7] == "speaker_0"


def test_an_imported_nemo_speaker_model_embeds_and_verifies_but_does_not_diarize():
    titanet = str(Path(__file__).parent / "fixtures" / "titanet_small" / "model.nemo")
    done = run("embed", str(synthetic_clip("0011")), "--model", titanet)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.split("\t")[1].split()) == 32  # the fixture's 32-dimensional embeddings
    done = run("verify", str(synthetic_clip("0011")), str(synthetic_clip("0042")), "--model", titanet, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["threshold"] == 0.7
    done = run("diarize", str(synthetic_clip("0011")), "--model", titanet)
    assert done.returncode != 0 and "holds a SpeakerLabelModel, not a GE2EModel" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_imported_nemo_ecapa_model_embeds_verifies_and_identifies():
    from neuraltypes_collections.asr.speaker import embed_speakers
    from neuraltypes_collections.common import NeuralModel

    ecapa = str(Path(__file__).parent / "fixtures" / "ecapa_small" / "model.nemo")
    clips = [str(synthetic_clip("0011")), str(synthetic_clip("0036"))]
    done = run("embed", *clips, "--model", ecapa)
    assert done.returncode == 0, done.stderr
    printed = [[float(value) for value in line.split("\t")[1].split()] for line in done.stdout.splitlines()]
    expected = embed_speakers(NeuralModel.restore_from(ecapa), clips)  # each clip alone, whatever the batch
    assert [len(vector) for vector in printed] == [32, 32]
    for vector, embedding in zip(printed, expected, strict=True):
        assert max(abs(a - b) for a, b in zip(vector, embedding.vector.tolist(), strict=True)) < 1e-5
    done = run("verify", *clips, "--model", ecapa, "--json")
    assert done.returncode == 0, done.stderr
    assert abs(json.loads(done.stdout)["score"] - expected[0].similarity(expected[1])) < 1e-5
    done = run("identify", clips[1], "--model", ecapa, "--enroll", f"joe={clips[0]}", "--enroll", f"slt={clips[1]}",
               "--threshold", "-1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\t")[1] == "slt"  # a recording is closest to itself
