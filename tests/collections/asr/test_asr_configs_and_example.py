"""Shipped model configs, and the Hydra training example (train, resume, save, restore) on CPU."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from neuraltypes_collections.asr import CTCModel, load_model_config, model_config_names
from neuraltypes_collections.common import InputError, NeuralModel

ROOT = Path(__file__).resolve().parents[3]
SPEECH = Path(__file__).parent / "fixtures" / "speech"


def test_shipped_configs_load_and_quartznet_15x5_has_nemos_parameter_count() -> None:
    assert {"quartznet_5x5", "quartznet_15x5", "jasper_10x5dr", "quartznet_tiny"} <= set(model_config_names())
    jasper = load_model_config("jasper_10x5dr")
    assert len(jasper.encoder.blocks) == 13 and jasper.encoder.blocks[1].residual_dense
    assert load_model_config("quartznet_5x5").encoder.blocks[1].repeat == 5
    # NeMo 3.0's QuartzNet 15x5 (parity NOTES.md): 18,924,381 parameters
    assert sum(p.numel() for p in CTCModel(load_model_config("quartznet_15x5")).parameters()) == 18_924_381
    assert load_model_config("quartznet_15x5").labels[14] == "n"  # YAML 1.1 'n' stays a string
    with pytest.raises(InputError, match="available: jasper_10x5dr"):
        load_model_config("quartznet_99x9")


def _run(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        str(ROOT / "examples" / "asr" / "train_ctc.py"),
        f"data.train_manifest={SPEECH / 'train.jsonl'}",
        "model=quartznet_tiny",
        f"output={tmp_path / 'model.nta'}",
        f"checkpoint_dir={tmp_path / 'checkpoints'}",
        "threads=1",
        "trainer.enable_progress_bar=false",
        "training.optimizer.name=adam",
        "training.optimizer.lr=0.003",
        f"hydra.run.dir={tmp_path / 'hydra'}",
        *overrides,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_hydra_example_trains_resumes_and_saves(tmp_path: Path) -> None:
    first = _run(tmp_path, "trainer.max_epochs=1", "data.augment.speed_factors=[0.9,1.1]")
    assert first.returncode == 0, first.stderr[-3000:]
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()
    resumed = _run(tmp_path, "trainer.max_epochs=2", f"resume_from={tmp_path / 'checkpoints' / 'last.ckpt'}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Restored all states" in resumed.stdout + resumed.stderr
    assert "training WER" in resumed.stdout
    model = NeuralModel.restore_from(tmp_path / "model.nta")
    assert isinstance(model, CTCModel) and model.config == load_model_config("quartznet_tiny")


def test_hydra_example_rejects_an_unknown_model_key(tmp_path: Path) -> None:
    bad = _run(tmp_path, "trainer.max_epochs=1", "+model.encoder.nonsense=3")
    assert bad.returncode != 0
    assert "nonsense" in bad.stderr
