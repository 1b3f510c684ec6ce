"""Train a speech-command classifier (MatchboxNet) or a segment VAD (MarbleNet) with Lightning and Hydra.

    python examples/asr/train_commands.py \
        data.train_manifest=tests/collections/asr/classification/fixtures/commands.jsonl \
        data.train_split=train data.val_split=test \
        architecture.blocks=2 architecture.channels=32 trainer.max_steps=150 training.schedule.max_steps=150

The manifest is NeMo's: one JSON object per line with `audio_filepath` and `label` (plus `offset`/`duration` to cut
a clip from a longer file). Waveforms get NeMo's time shift and white noise (`data.augment`), features SpecAugment
and crop-or-pad (`model`). The trained model is written with `save_to` to `output`, and its accuracy on the
validation clips is printed. `init_from=<.nta|.nemo>` fine-tunes a saved or NeMo classifier.
"""

from __future__ import annotations

import os
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf


def _select(entries: list[Any], split: str | None) -> list[Any]:
    return entries if split is None else [e for e in entries if str(e.extra.get("split")) == str(split)]


def build_model(cfg: DictConfig, train_labels: list[str]) -> Any:
    from neuraltypes_collections.asr.classification import (
        ClassificationModel,
        ClassificationModelConfig,
        matchboxnet_encoder,
    )
    from neuraltypes_collections.common import NeuralModel, config_from_dict

    if cfg.init_from:
        model = NeuralModel.restore_from(cfg.init_from)
        if not isinstance(model, ClassificationModel):
            raise SystemExit(f"init_from={cfg.init_from} holds a {type(model).__name__}, not a ClassificationModel")
        return model
    model_dict = OmegaConf.to_container(cfg.model, resolve=True)
    assert isinstance(model_dict, dict)
    model_dict["labels"] = list(model_dict.get("labels") or sorted(set(train_labels)))
    features = int(model_dict["preprocessor"].get("n_mfcc", 64))
    architecture = OmegaConf.to_container(cfg.architecture, resolve=True)
    assert isinstance(architecture, dict)
    encoder = matchboxnet_encoder(feat_in=features, **architecture)
    config = config_from_dict(ClassificationModelConfig, {**model_dict, "encoder": _encoder_dict(encoder)}, where="model")
    return ClassificationModel(config)


def _encoder_dict(encoder: Any) -> dict[str, Any]:
    from neuraltypes_collections.common import config_to_dict

    return config_to_dict(encoder)


@hydra.main(version_base=None, config_path="conf", config_name="commands")
def main(cfg: DictConfig) -> float:
    import torch
    from neuraltypes_collections.asr import read_manifest
    from neuraltypes_collections.asr.classification import (
        CommandAugmentConfig,
        LabeledAudioDataset,
        collate_audio_labels,
    )
    from neuraltypes_collections.common import TrainingConfig, config_from_dict, fit

    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    torch.manual_seed(int(cfg.seed))
    entries = read_manifest(cfg.data.train_manifest, require_text=False)
    train_entries = _select(entries, cfg.data.train_split)
    val_entries: list[Any] = []
    if cfg.data.val_manifest:
        val_entries = _select(read_manifest(cfg.data.val_manifest, require_text=False), cfg.data.val_split)
    elif cfg.data.val_split is not None:
        val_entries = _select(entries, cfg.data.val_split)
    model = build_model(cfg, [str(e.extra.get("label")) for e in train_entries])  # config errors before Lightning

    import lightning

    lightning.seed_everything(int(cfg.seed), workers=True)
    augment_dict = OmegaConf.to_container(cfg.data.augment, resolve=True)
    augment = config_from_dict(CommandAugmentConfig, augment_dict, where="data.augment") if augment_dict else None
    cache = bool(cfg.data.cache_audio)
    train_set = LabeledAudioDataset(
        train_entries, model.labels, model.sample_rate, augment=augment, seed=int(cfg.seed), cache=cache
    )
    options: dict[str, Any] = {
        "batch_size": int(cfg.data.batch_size),
        "collate_fn": collate_audio_labels,
        "num_workers": int(cfg.data.num_workers),
    }
    train_loader = torch.utils.data.DataLoader(train_set, shuffle=True, **options)
    val_set = LabeledAudioDataset(val_entries, model.labels, model.sample_rate, cache=cache) if val_entries else None
    val_loader = torch.utils.data.DataLoader(val_set, shuffle=False, **options) if val_set is not None else None

    training = config_from_dict(TrainingConfig, OmegaConf.to_container(cfg.training, resolve=True), where="training")
    trainer_options = OmegaConf.to_container(cfg.trainer, resolve=True)
    assert isinstance(trainer_options, dict)
    trainer = lightning.Trainer(**trainer_options)
    fit(model, training, trainer=trainer, train_dataloaders=train_loader, val_dataloaders=val_loader)

    if trainer.global_rank != 0:
        return float("nan")
    os.makedirs(os.path.dirname(os.path.abspath(cfg.output)), exist_ok=True)
    model.save_to(cfg.output)
    print(f"saved {cfg.output}")
    evaluated = val_set or LabeledAudioDataset(train_entries, model.labels, model.sample_rate, cache=cache)
    clips = [evaluated[i][0] for i in range(len(evaluated))]
    results = model.classify(clips, batch_size=int(cfg.data.batch_size))
    correct = sum(r.label == model.labels[t] for r, t in zip(results, evaluated.targets, strict=True))
    accuracy = correct / max(1, len(results))
    split = "validation" if val_set is not None else "training"
    print(f"{split} accuracy {100 * accuracy:.1f}% ({correct}/{len(results)} clips, {len(model.labels)} labels)")
    return accuracy


if __name__ == "__main__":
    main()
