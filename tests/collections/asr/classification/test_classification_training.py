"""Training through the model layer: a small MatchboxNet learns five spoken words and generalises to new voices.

The clips (`fixtures/commands.flac`) are five words spoken by speech-mini's espeak-ng and flite voices; the model
trains on the voices of speech-mini's train split and is scored on those of its test split (other speakers and
settings), with NeMo's time-shift and white-noise augmentation and SpecAugment.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.asr import MFCCConfig, SpecAugmentConfig, read_manifest
from neuraltypes_collections.asr.classification import (
    ClassificationModel,
    ClassificationModelConfig,
    CommandAugmentConfig,
    LabeledAudioDataset,
    collate_audio_labels,
    matchboxnet_encoder,
)
from neuraltypes_collections.common import OptimizerConfig, ScheduleConfig, TrainingConfig

ROOT = Path(__file__).resolve().parents[4]
FIXTURES = Path(__file__).parent / "fixtures"
WORDS = ("yes", "no", "up", "down", "stop")
STEPS = 120


def _split(name: str) -> list:
    entries = read_manifest(FIXTURES / "commands.jsonl", require_text=False)
    return [e for e in entries if e.extra["split"] == name]


@pytest.mark.slow
def test_small_matchboxnet_learns_spoken_words_of_unseen_voices(tmp_path: Path) -> None:
    import lightning
    from neuraltypes_collections.common import fit

    lightning.seed_everything(0, workers=True)
    train, test = _split("train"), _split("test")
    assert len(train) == 180 and len(test) == 60
    config = ClassificationModelConfig(
        labels=WORDS,
        preprocessor=MFCCConfig(n_mels=40, n_mfcc=40),
        encoder=matchboxnet_encoder(2, 1, 32, feat_in=40, outer_channels=64),
        spec_augment=SpecAugmentConfig(freq_masks=2, freq_width=5, time_masks=2, time_width=8, rect_masks=0),
        crop_or_pad_frames=72,
    )
    model = ClassificationModel(config)
    data = LabeledAudioDataset(train, WORDS, model.sample_rate, augment=CommandAugmentConfig(), seed=0, cache=True)
    loader = torch.utils.data.DataLoader(data, batch_size=30, shuffle=True, collate_fn=collate_audio_labels)
    training = TrainingConfig(
        OptimizerConfig("adamw", lr=0.01, weight_decay=1e-3),
        ScheduleConfig("cosine", warmup_steps=10, max_steps=STEPS, min_lr=1e-4),
    )
    trainer = lightning.Trainer(
        max_steps=STEPS, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )
    start = time.perf_counter()
    fit(model, training, trainer=trainer, train_dataloaders=loader)
    seconds = time.perf_counter() - start

    held_out = LabeledAudioDataset(test, WORDS, model.sample_rate, cache=True)
    results = model.classify([held_out[i][0] for i in range(len(held_out))])
    accuracy = sum(r.label == WORDS[t] for r, t in zip(results, held_out.targets, strict=True)) / len(results)
    print(f"held-out accuracy {accuracy:.3f} after {STEPS} steps in {seconds:.1f} s")
    assert accuracy >= 0.8, f"held-out accuracy {accuracy:.2f} (chance 0.20)"
    assert seconds < 90

    model.save_to(tmp_path / "commands.nta")
    restored = ClassificationModel.restore_from(tmp_path / "commands.nta")
    again = restored.classify([held_out[i][0] for i in range(len(held_out))])  # same batches: same padding
    assert [r.label for r in again] == [r.label for r in results]


@pytest.mark.slow
def test_hydra_example_trains_saves_and_reports_accuracy(tmp_path: Path) -> None:
    output = tmp_path / "model.nta"
    command = [
        sys.executable, str(ROOT / "examples" / "asr" / "train_commands.py"),
        f"data.train_manifest={FIXTURES / 'commands.jsonl'}", "data.train_split=train", "data.val_split=test",
        "architecture.blocks=1", "architecture.channels=16", "architecture.outer_channels=16",
        "model.preprocessor.n_mels=20", "model.preprocessor.n_mfcc=20", "model.crop_or_pad_frames=64",
        "trainer.max_steps=4", "training.schedule.max_steps=4", "training.schedule.warmup_steps=1",
        "trainer.enable_progress_bar=false", "threads=1", f"output={output}", f"hydra.run.dir={tmp_path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"validation accuracy [\d.]+% \(\d+/60 clips, 5 labels\)", done.stdout), done.stdout[-500:]
    model = ClassificationModel.restore_from(output)
    assert model.labels == tuple(sorted(WORDS)) and model.config.crop_or_pad_frames == 64


def test_example_builds_models_from_its_config_and_rejects_bad_ones() -> None:
    import importlib.util

    from omegaconf import OmegaConf

    spec = importlib.util.spec_from_file_location("train_commands", ROOT / "examples" / "asr" / "train_commands.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    cfg = OmegaConf.load(ROOT / "examples" / "asr" / "conf" / "commands.yaml")
    model = example.build_model(cfg, ["yes", "no", "yes"])
    assert model.labels == ("no", "yes") and sum(p.numel() for p in model.parameters()) == 77_214 - 28 * 129
    cfg.model.pooling = "max"
    with pytest.raises(ValueError, match="pooling must be one of"):
        example.build_model(cfg, ["yes", "no"])
