"""Train the shipped TinyRegressor with Lightning, configured by Hydra structured configs; save, inspect, reload.

    python examples/common/train_tiny.py
    python examples/common/train_tiny.py training.optimizer.name=novograd training.optimizer.lr=0.05 \
        training.schedule.name=cosine training.schedule.warmup_steps=10 training.schedule.max_steps=200 \
        trainer.max_steps=200 model.hidden=32 output=tiny.nta

The config tree is built from the frozen dataclasses (`TinyRegressorConfig`, `TrainingConfig`), so a
mistyped override (`training.optimizer.lr=fast`) fails before anything runs. Multi-process training is a
Trainer option: `trainer.devices=2 trainer.strategy=ddp`.
"""

from __future__ import annotations

import hydra
from hydra.core.config_store import ConfigStore
from neuraltypes_collections.common import TinyRegressorConfig, TrainingConfig, structured_config
from omegaconf import DictConfig, OmegaConf

ConfigStore.instance().store(
    name="train_tiny",
    node={
        "defaults": ["_self_", {"override hydra/job_logging": "stdout"}],
        "model": structured_config(TinyRegressorConfig),
        "training": structured_config(TrainingConfig),
        "trainer": {"accelerator": "cpu", "devices": 1, "max_steps": 100, "precision": "32-true"},
        "data": {"examples": 512, "batch_size": 32},
        "seed": 0,
        "output": "tiny.nta",
        "hydra": {"run": {"dir": "."}, "output_subdir": None, "job": {"chdir": False}},
    },
)


@hydra.main(version_base=None, config_name="train_tiny")
def main(cfg: DictConfig) -> float:
    import lightning
    import torch
    from neuraltypes_collections.common import NeuralModel, TinyRegressor, config_from_omegaconf, fit
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(1)
    lightning.seed_everything(int(cfg.seed), verbose=False)
    model_config = config_from_omegaconf(TinyRegressorConfig, cfg.model, where="model")
    training = config_from_omegaconf(TrainingConfig, cfg.training, where="training")

    generator = torch.Generator().manual_seed(int(cfg.seed))
    features = torch.randn(int(cfg.data.examples), model_config.features, generator=generator)
    target = torch.sin(features @ torch.randn(model_config.features, generator=generator))
    loader = DataLoader(TensorDataset(features, target), batch_size=int(cfg.data.batch_size), shuffle=True)

    model = TinyRegressor(model_config)
    trainer_options = OmegaConf.to_container(cfg.trainer, resolve=True)
    assert isinstance(trainer_options, dict)
    trainer = lightning.Trainer(
        **trainer_options,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    fit(model, training, trainer=trainer, train_dataloaders=loader)
    if trainer.global_rank != 0:
        return float("nan")

    model.save_to(cfg.output)
    restored = NeuralModel.restore_from(cfg.output)
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(restored(features), target).item()
        assert torch.equal(restored(features), model.eval()(features))
    print(f"trained {trainer.global_step} steps; mse {loss:.4f}; saved {cfg.output}")
    print(f"inspect it with: neuraltypes inspect {cfg.output}")
    return loss


if __name__ == "__main__":
    main()
