"""The Lightning task: delegation, optimisers and schedules from config, and 2-process DDP on CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.common import (
    OptimizerConfig,
    ScheduleConfig,
    TinyRegressor,
    TinyRegressorConfig,
    TrainingConfig,
)

SCRIPT = Path(__file__).with_name("ddp_train_tiny.py")


def _data():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(64, 4, generator=generator)
    return features, torch.sin(features @ torch.randn(4, generator=generator))


def test_task_delegates_and_schedules_step():
    lightning = pytest.importorskip("lightning")
    from neuraltypes_collections.common import ModelTask, fit
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    features, target = _data()
    model = TinyRegressor(TinyRegressorConfig())
    before = torch.nn.functional.mse_loss(model(features), target).item()
    training = TrainingConfig(
        optimizer=OptimizerConfig(name="novograd", lr=0.05, betas=(0.9, 0.98)),
        schedule=ScheduleConfig(name="cosine", warmup_steps=5, max_steps=40, min_lr=0.005),
    )
    trainer = lightning.Trainer(
        accelerator="cpu",
        max_steps=40,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    loader = DataLoader(TensorDataset(features, target), batch_size=8, shuffle=True)
    task = fit(model, training, trainer=trainer, train_dataloaders=loader, val_dataloaders=loader)
    assert isinstance(task, ModelTask) and task.model is model
    after = torch.nn.functional.mse_loss(model(features), target).item()
    assert after < 0.5 * before
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.005)  # cosine reached its floor
    assert "val_loss" in trainer.callback_metrics and "train_loss" in trainer.callback_metrics


def test_fit_without_data_is_a_clear_error():
    lightning = pytest.importorskip("lightning")
    from neuraltypes_collections.common import fit

    trainer = lightning.Trainer(accelerator="cpu", max_steps=1, logger=False, enable_progress_bar=False)
    with pytest.raises(
        ValueError,
        match=r"TinyRegressor\.train_dataloader\(\) returned None and no train_dataloaders were given",
    ):
        fit(TinyRegressor(TinyRegressorConfig()), trainer=trainer)


@pytest.mark.slow
def test_two_process_ddp_on_cpu(tmp_path):
    pytest.importorskip("lightning")
    from safetensors.torch import load_file

    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    env.pop("LOCAL_RANK", None)
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "2", "25"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert [report["world_size"] for report in reports] == [2, 2]
    assert [report["steps"] for report in reports] == [25, 25]
    weights = [load_file(str(tmp_path / f"rank{rank}.safetensors")) for rank in (0, 1)]
    assert weights[0].keys() == weights[1].keys()
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), key
    for report in reports:
        assert report["after"] < 0.7 * report["before"], report
    print(f"2-process DDP: {elapsed:.1f} s")


def test_fine_tuning_a_restored_model_trains_in_train_mode(tmp_path):
    pytest.importorskip("lightning")
    from neuraltypes_collections.common import ModelTask, NeuralModel

    TinyRegressor(TinyRegressorConfig()).save_to(tmp_path / "tiny.nta")
    restored = NeuralModel.restore_from(tmp_path / "tiny.nta")
    assert not restored.training
    assert ModelTask(restored).model.training


def test_example_script_runs(tmp_path):
    pytest.importorskip("hydra")
    script = Path(__file__).resolve().parents[3] / "examples" / "common" / "train_tiny.py"
    result = subprocess.run(
        [sys.executable, str(script), "trainer.max_steps=5", "training.optimizer.name=sgd", "output=out.nta"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "trained 5 steps" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nta"]


def test_mixed_precision_is_a_trainer_option():
    lightning = pytest.importorskip("lightning")
    from neuraltypes_collections.common import fit
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    features, target = _data()
    model = TinyRegressor(TinyRegressorConfig())
    before = torch.nn.functional.mse_loss(model(features), target).item()
    trainer = lightning.Trainer(
        accelerator="cpu",
        precision="bf16-mixed",
        max_steps=30,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    loader = DataLoader(TensorDataset(features, target), batch_size=8, shuffle=True)
    fit(
        model,
        TrainingConfig(optimizer=OptimizerConfig(name="adam", lr=0.02)),
        trainer=trainer,
        train_dataloaders=loader,
    )
    assert all(p.dtype == torch.float32 for p in model.parameters())  # master weights stay float32
    assert torch.nn.functional.mse_loss(model(features), target).item() < 0.7 * before


def test_atomic_checkpoint_io_keeps_the_old_checkpoint_when_a_save_fails(tmp_path, monkeypatch) -> None:
    from neuraltypes_collections.common import AtomicCheckpointIO

    path = tmp_path / "checkpoints" / "last.ckpt"
    writer = AtomicCheckpointIO()
    writer.save_checkpoint({"step": 1}, path)
    assert torch.load(path)["step"] == 1

    def broken_save(obj: object, file: object) -> None:
        file.write(b"half a checkpoint")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        writer.save_checkpoint({"step": 2}, path)
    monkeypatch.undo()
    assert torch.load(path)["step"] == 1  # the good checkpoint is untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.ckpt"]  # no temporary file left behind
