"""Train TinyRegressor with Lightning DDP on CPU (gloo); each rank writes its weights and losses to OUT.

Run as a script (Lightning's DDP launcher re-runs this file for rank 1):
    python ddp_train_tiny.py OUT [DEVICES] [STEPS]
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import lightning
import torch
from neuraltypes_collections.common import (
    OptimizerConfig,
    TinyRegressor,
    TinyRegressorConfig,
    TrainingConfig,
    fit,
)
from safetensors.torch import save_file
from torch.utils.data import DataLoader, TensorDataset


def main() -> None:
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    out = Path(sys.argv[1])
    devices = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    lightning.seed_everything(0, verbose=False)
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(256, 4, generator=generator)
    target = torch.sin(features @ torch.randn(4, generator=generator))
    loader = DataLoader(TensorDataset(features, target), batch_size=16, shuffle=True)
    model = TinyRegressor(TinyRegressorConfig(features=4, hidden=16))

    def full_loss() -> float:
        with torch.no_grad():
            return float(torch.nn.functional.mse_loss(model(features), target))

    before = full_loss()
    trainer = lightning.Trainer(
        accelerator="cpu",
        devices=devices,
        strategy="ddp" if devices > 1 else "auto",
        max_steps=steps,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    fit(
        model,
        TrainingConfig(optimizer=OptimizerConfig(name="adamw", lr=2e-2)),
        trainer=trainer,
        train_dataloaders=loader,
    )
    rank = trainer.global_rank
    save_file(
        {key: value.contiguous() for key, value in model.state_dict().items()},
        str(out / f"rank{rank}.safetensors"),
    )
    (out / f"rank{rank}.json").write_text(
        json.dumps(
            {
                "rank": rank,
                "world_size": trainer.world_size,
                "before": before,
                "after": full_loss(),
                "steps": trainer.global_step,
            }
        )
    )


if __name__ == "__main__":
    main()
