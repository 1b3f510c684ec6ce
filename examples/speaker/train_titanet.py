"""Fine-tune TitaNet on speech-mini's voices with the angular-margin loss (Lightning and Hydra; minutes on a CPU).

    python examples/speaker/train_titanet.py                                  # conf/train_titanet.yaml
    python examples/speaker/train_titanet.py init_from=titanet.nemo trainer.max_steps=400
    python examples/speaker/train_titanet.py init_from=null model.filters=128 # a fresh TitaNet

A voice is the engine and voice name of a manifest line's `voice` key without its speed or pitch settings
(`piper:en_US-joe-medium:length_scale=1.03` is `piper:en_US-joe-medium`); voices with fewer than `data.min_clips`
training clips are left out. The start is a speaker model (`init_from`: a NeMo TitaNet, SpeakerNet or ECAPA-TDNN
`.nemo`, or an archive; default the small random-weight TitaNet of the tests' fixtures) whose speaker head is
replaced by one for these voices, or a fresh TitaNet built from `model` (`init_from=null`). Lightning shows a
progress bar, validates every epoch on the validation manifest's clips of the training voices (`val_loss`,
`val_accuracy`) and keeps checkpoints in `checkpoint_dir`, each written to a temporary file and renamed over its
name (`resume_from=<ckpt>` continues a run). The script prints the loss and accuracy on the training and
validation clips before and after (eval mode, no augmentation) and saves the model to `output`.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hydra
import lightning
import torch
from neuraltypes_collections.asr import ManifestEntry, read_manifest
from neuraltypes_collections.asr.classification import (
    CommandAugmentConfig,
    LabeledAudioDataset,
    collate_audio_labels,
)
from neuraltypes_collections.asr.speaker import (
    AngularMarginConfig,
    SpeakerDecoderConfig,
    SpeakerLabelModel,
    SpeakerLabelModelConfig,
    titanet_encoder,
)
from neuraltypes_collections.common import (
    AtomicCheckpointIO,
    NeuralModel,
    TrainingConfig,
    config_from_omegaconf,
    fit,
)
from omegaconf import DictConfig


@dataclass(frozen=True)
class VoiceData:
    """The clips: the manifests (`val_manifest` `None`: no validation), the voices kept (at least `min_clips`
    training clips; at most `max_clips` of each, the first ones, for quick runs), the batch size and the waveform
    augmentation (time shift and white noise, or `None`)."""

    train_manifest: str
    val_manifest: str | None = None
    min_clips: int = 5
    max_clips: int | None = None
    batch_size: int = 16
    augment: CommandAugmentConfig | None = None


@dataclass(frozen=True)
class FreshTitanet:
    """A TitaNet built from scratch (`init_from=null`): `titanet_encoder`'s sizes and the embedding's."""

    filters: int = 256
    repeat: int = 3
    out_channels: int = 3072
    embedding_size: int = 192
    attention_channels: int = 128


@dataclass(frozen=True)
class FinetuneConfig:
    """The whole recipe (conf/train_titanet.yaml): checked before anything runs."""

    data: VoiceData
    init_from: str | None = None
    model: FreshTitanet = field(default_factory=FreshTitanet)
    loss: AngularMarginConfig = field(default_factory=AngularMarginConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    trainer: dict[str, Any] = field(default_factory=dict)
    output: str = "outputs/speaker/titanet.nta"
    checkpoint_dir: str = "outputs/speaker/checkpoints"
    resume_from: str | None = None
    seed: int = 1234
    threads: int = 1


def voice_of(entry: ManifestEntry) -> str:
    """`engine:voice` of the line's `voice` key (speed and pitch settings dropped)."""
    return ":".join(str(entry.extra.get("voice", "")).split(":")[:2])


def labelled(entries: list[ManifestEntry], voices: list[str], max_clips: int | None = None) -> list[ManifestEntry]:
    """The entries of `voices` (at most `max_clips` each), with their voice as the `label`."""
    kept, seen = [], Counter[str]()
    for entry in entries:
        voice = voice_of(entry)
        if voice in voices and (max_clips is None or seen[voice] < max_clips):
            seen[voice] += 1
            kept.append(dataclasses.replace(entry, extra={**entry.extra, "label": voice}))
    return kept


def start_model(config: FinetuneConfig, num_voices: int) -> SpeakerLabelModel:
    if config.init_from is None:
        shape = config.model
        model = SpeakerLabelModel(SpeakerLabelModelConfig(
            encoder=titanet_encoder(shape.filters, shape.repeat, shape.out_channels),
            decoder=SpeakerDecoderConfig(num_voices, (shape.embedding_size,), attention_channels=shape.attention_channels),
            loss=config.loss,
        ))  # fmt: skip
        return model
    loaded = NeuralModel.restore_from(config.init_from)
    if not isinstance(loaded, SpeakerLabelModel):
        raise SystemExit(f"init_from={config.init_from} holds a {type(loaded).__name__}, not a SpeakerLabelModel")
    model = loaded.with_num_classes(num_voices)
    model.config = dataclasses.replace(model.config, loss=config.loss)
    return model


@torch.no_grad()
def evaluate(model: SpeakerLabelModel, data: LabeledAudioDataset, batch_size: int) -> tuple[float, float]:
    """Mean loss and accuracy over `data` in eval mode."""
    was_training, total, correct = model.training, 0.0, 0
    model.eval()
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, collate_fn=collate_audio_labels)
    for audio, lengths, targets in loader:
        logits = model(audio, lengths).logits
        total += float(model.loss(logits, targets)) * len(targets)
        correct += int((logits.argmax(dim=-1) == targets).sum())
    model.train(was_training)
    return total / len(data), correct / len(data)


@hydra.main(version_base=None, config_path="conf", config_name="train_titanet")
def main(cfg: DictConfig) -> float:
    config = config_from_omegaconf(FinetuneConfig, cfg, where="train_titanet")
    torch.set_num_threads(config.threads)
    lightning.seed_everything(config.seed, verbose=False)
    data = config.data
    train_all = read_manifest(data.train_manifest, require_text=False)
    counts = Counter(voice_of(entry) for entry in train_all)
    voices = sorted(voice for voice, count in counts.items() if count >= data.min_clips)
    if len(voices) < 2:
        raise SystemExit(f"{data.train_manifest}: {len(voices)} voice(s) with >= {data.min_clips} clips; need 2")
    train_entries = labelled(train_all, voices, data.max_clips)
    val_entries = labelled(read_manifest(data.val_manifest, require_text=False), voices) if data.val_manifest else []
    model = start_model(config, len(voices))
    print(f"{len(voices)} voices, {len(train_entries)} training clips, {len(val_entries)} validation clips; "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")  # fmt: skip

    rate = model.sample_rate
    train_set = LabeledAudioDataset(train_entries, voices, rate, augment=data.augment, seed=config.seed, cache=True)
    plain_train = LabeledAudioDataset(train_entries, voices, rate, cache=True)
    val_set = LabeledAudioDataset(val_entries, voices, rate, cache=True) if val_entries else None
    loader = torch.utils.data.DataLoader(train_set, batch_size=data.batch_size, shuffle=True, collate_fn=collate_audio_labels)
    val_loader = (torch.utils.data.DataLoader(val_set, batch_size=data.batch_size, collate_fn=collate_audio_labels)
                  if val_set is not None else None)  # fmt: skip
    before = evaluate(model, plain_train, data.batch_size), (evaluate(model, val_set, data.batch_size) if val_set else None)

    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoints = ModelCheckpoint(dirpath=config.checkpoint_dir, save_last=True)
    trainer = lightning.Trainer(callbacks=[checkpoints], plugins=[AtomicCheckpointIO()], **config.trainer)
    started = time.perf_counter()
    fit(model, config.training, trainer=trainer, train_dataloaders=loader, val_dataloaders=val_loader,
        ckpt_path=config.resume_from)  # fmt: skip
    minutes = (time.perf_counter() - started) / 60
    after = evaluate(model, plain_train, data.batch_size), (evaluate(model, val_set, data.batch_size) if val_set else None)
    if trainer.global_rank != 0:
        return float("nan")
    os.makedirs(os.path.dirname(os.path.abspath(config.output)), exist_ok=True)
    model.save_to(config.output)
    print(f"trained {trainer.global_step} steps in {minutes:.1f} min; saved {config.output}")
    for split, was, now in (("train", before[0], after[0]), ("validation", before[1], after[1])):
        if was is not None and now is not None:
            print(f"{split} loss {was[0]:.3f} -> {now[0]:.3f}, accuracy {100 * was[1]:.1f}% -> {100 * now[1]:.1f}%")
    return after[0][0]


if __name__ == "__main__":
    main()
