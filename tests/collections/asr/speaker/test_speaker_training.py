"""Training the NeMo speaker models: the angular-margin loss, a new speaker head, and the Hydra fine-tuning recipe
(examples/speaker/train_titanet.py) run small on the repository's speech-mini clips."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.asr.speaker import AngularMarginConfig, SpeakerLabelModel, angular_margin_loss
from neuraltypes_collections.common import ConfigError, NeuralModel, config_from_omegaconf

ROOT = Path(__file__).resolve().parents[4]
FIXTURES = Path(__file__).parent / "fixtures"
CLIPS = ROOT / "tests/collections/asr/fixtures/speech/train.jsonl"  # 4 voices with 2+ clips (13 clips)


def test_angular_margin_loss_is_arcface() -> None:
    generator = torch.Generator().manual_seed(0)
    cosines = torch.rand(5, 4, generator=generator) * 2 - 1
    labels = torch.tensor([0, 3, 1, 1, 2])
    config = AngularMarginConfig(scale=30.0, margin=0.2)
    expected = 0.0
    for row, label in zip(cosines.tolist(), labels.tolist(), strict=True):  # -log of the margin softmax, one by one
        target = config.scale * math.cos(math.acos(row[label]) + config.margin)
        others = sum(math.exp(config.scale * value) for index, value in enumerate(row) if index != label)
        expected -= target - math.log(math.exp(target) + others)
    assert float(angular_margin_loss(cosines, labels, config)) == pytest.approx(expected / len(labels), rel=1e-5)
    with pytest.raises(ConfigError, match="scale must be > 0"):
        AngularMarginConfig(scale=0.0)


def test_with_num_classes_keeps_every_weight_but_the_head() -> None:
    model = NeuralModel.restore_from(FIXTURES / "titanet_small" / "model.nemo")
    assert isinstance(model, SpeakerLabelModel)
    fresh = model.with_num_classes(3)
    assert fresh.decoder.final.out_features == 3 and fresh.config.decoder.num_classes == 3
    old, new = model.state_dict(), fresh.state_dict()
    assert all(torch.equal(old[key], value) for key, value in new.items() if not key.startswith("decoder.final."))
    audio = torch.randn(1, 16000) * 0.1
    with torch.no_grad():
        assert torch.equal(model(audio, torch.tensor([16000])).embeddings, fresh.eval()(audio, torch.tensor([16000])).embeddings)


@pytest.mark.slow
def test_the_finetuning_recipe_lowers_the_loss(tmp_path: Path) -> None:
    output, checkpoints = tmp_path / "titanet.nta", tmp_path / "checkpoints"
    command = [
        sys.executable, str(ROOT / "examples/speaker/train_titanet.py"),
        f"data.train_manifest={CLIPS}", f"data.val_manifest={CLIPS}", "data.min_clips=2", "data.batch_size=13",
        "trainer.max_steps=6", "training.schedule.max_steps=6", "training.schedule.warmup_steps=0",
        "trainer.enable_progress_bar=false", f"output={output}", f"checkpoint_dir={checkpoints}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 voices, 13 training clips, 13 validation clips" in done.stdout
    found = re.search(r"train loss ([\d.]+) -> ([\d.]+)", done.stdout)
    assert found is not None, done.stdout
    before, after = float(found.group(1)), float(found.group(2))
    assert after < 0.8 * before, (before, after)
    model = NeuralModel.restore_from(output)
    assert isinstance(model, SpeakerLabelModel) and model.config.decoder.num_classes == 4
    assert sorted(path.name for path in checkpoints.iterdir()) == ["epoch=5-step=6.ckpt", "last.ckpt"]  # no .tmp left


def test_the_recipe_config_is_checked_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from omegaconf import OmegaConf

    spec = importlib.util.spec_from_file_location("train_titanet", ROOT / "examples/speaker/train_titanet.py")
    assert spec is not None and spec.loader is not None
    recipe = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, recipe)  # dataclasses look their module up there
    spec.loader.exec_module(recipe)
    node = OmegaConf.load(ROOT / "examples/speaker/conf/train_titanet.yaml")
    del node["hydra"], node["defaults"]  # Hydra's own keys, which @hydra.main removes
    config = config_from_omegaconf(recipe.FinetuneConfig, node)
    assert config.loss == AngularMarginConfig(30.0, 0.2) and config.data.min_clips == 5
    node.data.min_clipz = 2
    with pytest.raises(ConfigError, match="unknown key.s. 'min_clipz' for VoiceData"):
        config_from_omegaconf(recipe.FinetuneConfig, node)
