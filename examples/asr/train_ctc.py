"""Train a Jasper/QuartzNet CTC model with Lightning and Hydra (CPU or GPUs).

    python examples/asr/train_ctc.py data.train_manifest=../shared/data/speech-mini/train.jsonl \
        data.val_manifest=../shared/data/speech-mini/dev.jsonl model=quartznet_tiny trainer.max_epochs=20

Any config value can be overridden (`model=quartznet_15x5`, `trainer.devices=4 trainer.accelerator=gpu
trainer.strategy=ddp`, `training.optimizer.lr=0.02`, `tokenizer.kind=bpe`). Lightning checkpoints go to
`checkpoint_dir`; `resume_from=<ckpt>` continues an interrupted run, `init_from=<.nta|.nemo>` fine-tunes a saved
or NeMo model. The trained model is written with `save_to` to `output`, and its greedy WER on the validation
manifest is printed.
"""

from __future__ import annotations

from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf


def build_model(cfg: DictConfig, train_texts: list[str]) -> Any:
    from neuraltypes_collections.asr import CTCModel, CTCModelConfig, train_bpe_tokenizer
    from neuraltypes_collections.common import NeuralModel, config_from_dict

    if cfg.init_from:
        model = NeuralModel.restore_from(cfg.init_from)
        if not isinstance(model, CTCModel):
            raise SystemExit(f"init_from={cfg.init_from} holds a {type(model).__name__}, not a CTC model")
        return model
    model_dict = OmegaConf.to_container(cfg.model, resolve=True)
    assert isinstance(model_dict, dict)
    if cfg.tokenizer.kind == "bpe":
        tokenizer = train_bpe_tokenizer(train_texts, vocab_size=int(cfg.tokenizer.bpe_vocab_size))
        model_dict.update(tokenizer="bpe", bpe_vocab_size=len(tokenizer.vocabulary), labels=[])
        return CTCModel(config_from_dict(CTCModelConfig, model_dict, where="model"), tokenizer)
    return CTCModel(config_from_dict(CTCModelConfig, model_dict, where="model"))


@hydra.main(version_base=None, config_path="conf", config_name="train_ctc")
def main(cfg: DictConfig) -> float:
    import torch
    from neuraltypes_collections.asr import (
        AudioAugmentConfig,
        AudioTextDataset,
        collate_audio_text,
        read_manifest,
        wer,
    )
    from neuraltypes_collections.common import TrainingConfig, config_from_dict, fit

    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    torch.manual_seed(int(cfg.seed))
    train_entries = read_manifest(cfg.data.train_manifest)
    val_entries = read_manifest(cfg.data.val_manifest) if cfg.data.val_manifest else []
    model = build_model(cfg, [e.text or "" for e in train_entries])  # config errors surface before Lightning loads

    import lightning
    from lightning.pytorch.callbacks import ModelCheckpoint
    from neuraltypes_collections.common import AtomicCheckpointIO

    lightning.seed_everything(int(cfg.seed), workers=True)

    augment_dict = OmegaConf.to_container(cfg.data.augment, resolve=True)
    augment = config_from_dict(AudioAugmentConfig, augment_dict, where="data.augment") if augment_dict else None
    train_set = AudioTextDataset(
        train_entries, model.tokenizer, model.sample_rate, augment=augment, seed=int(cfg.seed),
        cache=bool(cfg.data.cache_audio),
    )
    loader_options: dict[str, Any] = {
        "batch_size": int(cfg.data.batch_size),
        "collate_fn": collate_audio_text,
        "num_workers": int(cfg.data.num_workers),
    }
    train_loader = torch.utils.data.DataLoader(train_set, shuffle=True, **loader_options)
    val_loader = None
    if val_entries:
        val_set = AudioTextDataset(val_entries, model.tokenizer, model.sample_rate, cache=bool(cfg.data.cache_audio))
        val_loader = torch.utils.data.DataLoader(val_set, shuffle=False, **loader_options)

    training_dict = OmegaConf.to_container(cfg.training, resolve=True)
    training = config_from_dict(TrainingConfig, training_dict, where="training")
    trainer_options = OmegaConf.to_container(cfg.trainer, resolve=True)
    assert isinstance(trainer_options, dict)
    checkpoints = ModelCheckpoint(dirpath=cfg.checkpoint_dir, save_last=True)
    trainer = lightning.Trainer(callbacks=[checkpoints], plugins=[AtomicCheckpointIO()], **trainer_options)
    fit(model, training, trainer=trainer, train_dataloaders=train_loader, val_dataloaders=val_loader,
        ckpt_path=cfg.resume_from)

    if trainer.global_rank != 0:
        return float("nan")
    model.save_to(cfg.output)
    print(f"saved {cfg.output}")
    entries = val_entries or train_entries
    results = model.transcribe([str(e.audio_filepath) for e in entries], batch_size=int(cfg.data.batch_size))
    hypotheses = [result.text for result in results]
    result = wer([e.text or "" for e in entries], hypotheses)
    split = "validation" if val_entries else "training"
    print(
        f"{split} WER {100 * result.rate:.1f}% (S={result.substitutions} I={result.insertions} "
        f"D={result.deletions} N={result.reference_length})"
    )
    return result.rate


if __name__ == "__main__":
    main()
