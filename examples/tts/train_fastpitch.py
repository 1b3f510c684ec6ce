"""Train (or fine-tune) FastPitch with Lightning and Hydra, on CPU or GPUs.

    python examples/tts/train_fastpitch.py data.train_manifest=tests/collections/tts/fixtures/real_speech/manifest.jsonl \
        text.tokenizer=chars trainer.max_epochs=200

Durations come from an aligner: `data.durations=aligner` learns them jointly (NeMo's recipe: alignment encoder,
forward-sum loss, monotonic alignment search), `data.durations=ctc data.ctc_model=<asr archive>` uses CTC forced
alignment with a character CTC model of the ASR collection, and `data.durations=uniform` spreads each utterance's
frames evenly over its tokens (enough to overfit or warm-start), and `data.durations=given data.distilled=<folder>`
trains on a distillation cache (examples/tts/make_distillation_data.py: a VITS teacher's phoneme ids, durations,
log-mel and per-phoneme pitch; the first `data.val_count` utterances are held out for validation; the recipe is
conf/distil_fastpitch.yaml). Pitch targets come from YIN (`data.pitch=true`,
normalised by the training set's statistics, which are stored in the model) or are flat (`data.pitch=false`). `init_from=`
fine-tunes a saved or NeMo FastPitch (keeping its tokenizer). The model is written with `save_to` to `output`;
the script prints the teacher-forced mel loss before and after training.
"""

from __future__ import annotations

from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf


def build_model(cfg: DictConfig) -> Any:
    from neuraltypes_collections.common import MelConfig, NeuralModel, config_from_dict
    from neuraltypes_collections.tts import FastPitchConfig, FastPitchModel, FastPitchModelConfig, TextConfig
    from neuraltypes_collections.tts.models import build_tokenizer

    if cfg.init_from:
        model = NeuralModel.restore_from(cfg.init_from)
        if not isinstance(model, FastPitchModel):
            raise SystemExit(f"init_from={cfg.init_from} holds a {type(model).__name__}, not a FastPitch model")
        return model.train()
    text = config_from_dict(TextConfig, OmegaConf.to_container(cfg.text, resolve=True), where="text")
    if text.tokenizer == "espeak" and not text.phoneme_ids:  # the teacher's ids: the distilled voice reads them
        from dataclasses import replace

        from neuraltypes_collections.tts._distillation import load_teacher

        from neuraltypes import NeuralTypesError

        try:
            teacher = load_teacher(cfg.data.teacher)
        except (NeuralTypesError, OSError) as error:  # no such file or name, not a VITS voice
            raise SystemExit(f"data.teacher={cfg.data.teacher}: {error}") from None
        text = replace(text, phoneme_ids=dict(teacher.config.phoneme_ids), espeak_voice=teacher.config.espeak_voice)
    tokenizer = build_tokenizer(text)
    network_dict = OmegaConf.to_container(cfg.model, resolve=True)
    assert isinstance(network_dict, dict)
    network_dict.update(n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id)
    if cfg.data.durations == "aligner":
        network_dict["use_aligner"] = True
    network = config_from_dict(FastPitchConfig, network_dict, where="model")
    features = getattr(MelConfig, str(cfg.features))()  # the mel preset of the targets: nemo_fastpitch | hifigan
    return FastPitchModel(FastPitchModelConfig(network, text, features), tokenizer)


def durations_function(cfg: DictConfig, model: Any) -> Any:
    if cfg.data.durations in ("uniform", "aligner", "given"):  # the aligner replaces the uniform durations while training
        if cfg.data.durations == "aligner" and model.fastpitch.aligner is None:
            raise SystemExit("data.durations=aligner needs a FastPitch with an aligner (init_from a model without one?)")
        return None
    if cfg.data.durations != "ctc":
        raise SystemExit(f"data.durations must be 'uniform', 'aligner', 'ctc' or 'given', got {cfg.data.durations!r}")
    from neuraltypes_collections.common import NeuralModel
    from neuraltypes_collections.tts._data import CTCDurations

    if not cfg.data.ctc_model:
        raise SystemExit("data.durations=ctc needs data.ctc_model=<a character CTC model archive or .nemo>")
    return CTCDurations(NeuralModel.restore_from(cfg.data.ctc_model), model.tokenizer, model.config.features)


def distilled_data(cfg: DictConfig, model: Any) -> tuple[list[Any], list[Any]]:
    """(train, validation) examples of a distillation cache: the first `data.val_count` utterances are held out."""
    import itertools

    from neuraltypes_collections.tts._distillation import distilled_examples, iter_utterances

    if not cfg.data.distilled:
        raise SystemExit("data.durations=given needs data.distilled=<a folder of make_distillation_data.py>")
    limit = int(cfg.data.max_utterances) if cfg.data.max_utterances else None
    utterances = list(itertools.islice(iter_utterances(cfg.data.distilled), limit))
    held_out = int(cfg.data.val_count)
    if len(utterances) <= held_out:
        raise SystemExit(f"{cfg.data.distilled}: {len(utterances)} utterances, need more than data.val_count={held_out}")
    examples = distilled_examples(utterances, model.tokenizer.pad_id)
    seconds = sum(int(u.durations.sum()) for u in utterances[held_out:]) * model.hop_length / model.sample_rate
    print(f"distilled data: {len(examples) - held_out} training utterances ({seconds / 3600:.2f} h), {held_out} held out")
    return examples[held_out:], examples[:held_out]


class LengthBuckets:
    """Batches of examples of similar lengths: shuffled, sorted within pools of 50 batches, then the batches shuffled
    (a new order every epoch)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int) -> None:
        self.lengths, self.batch_size, self.seed, self.epoch = lengths, batch_size, seed, 0

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self) -> Any:
        import random

        rng = random.Random(self.seed + self.epoch)
        self.epoch += 1
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        pool = 50 * self.batch_size
        batches = []
        for start in range(0, len(order), pool):
            chunk = sorted(order[start : start + pool], key=self.lengths.__getitem__)
            batches += [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        rng.shuffle(batches)
        return iter(batches)


@hydra.main(version_base=None, config_path="conf", config_name="train_fastpitch")
def main(cfg: DictConfig) -> float:
    import torch
    from neuraltypes_collections.common import TrainingConfig, config_from_dict, fit
    from neuraltypes_collections.tts import MelFrontEnd, normalize_text
    from neuraltypes_collections.tts._data import (
        collate,
        make_examples,
        normalize_pitch,
        pitch_statistics,
        read_manifest,
    )

    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    torch.manual_seed(int(cfg.seed))
    model = build_model(cfg)
    front_end = MelFrontEnd(model.config.features)

    def encode(text: str) -> list[int]:
        return model.tokenizer.encode(normalize_text(text) if model.config.text.normalize else text)

    aligner = durations_function(cfg, model)
    track = bool(cfg.data.pitch)
    if cfg.data.durations == "given":
        train_examples, val_examples = distilled_data(cfg, model)
    else:
        make = lambda manifest: make_examples(read_manifest(manifest), encode, front_end, aligner, pitch=track)  # noqa: E731
        train_examples = make(cfg.data.train_manifest)
        val_examples = make(cfg.data.val_manifest) if cfg.data.val_manifest else []
    if cfg.data.durations == "given" and not cfg.init_from:  # start the output at the mean frame (faster early steps)
        with torch.no_grad():
            frames = torch.cat([e.mel for e in train_examples], dim=-1)
            model.fastpitch.proj.bias.copy_(frames.mean(dim=-1))
    if track:  # pitch targets normalised by the training set's statistics, kept in the model's buffers
        mean, std = pitch_statistics(train_examples)
        model.fastpitch.pitch_mean.fill_(mean)
        model.fastpitch.pitch_std.fill_(std)
        train_examples = normalize_pitch(train_examples, mean, std)
        val_examples = normalize_pitch(val_examples, mean, std)
        print(f"pitch: mean {mean:.1f} Hz, std {std:.1f} Hz over the voiced training frames")

    import lightning
    from lightning.pytorch.callbacks import ModelCheckpoint
    from neuraltypes_collections.common import AtomicCheckpointIO

    lightning.seed_everything(int(cfg.seed), workers=True)
    pad = model.tokenizer.pad_id
    options: dict[str, Any] = {
        "batch_size": int(cfg.data.batch_size),
        "collate_fn": lambda batch: collate(batch, pad),
        "num_workers": int(cfg.data.num_workers),
    }
    if cfg.data.bucket:  # batches of similar lengths (less padding), in random order
        batch_size = options.pop("batch_size")
        sampler = LengthBuckets([int(e.mel.shape[-1]) for e in train_examples], batch_size, int(cfg.seed))
        train_loader = torch.utils.data.DataLoader(train_examples, batch_sampler=sampler, **options)
        options["batch_size"] = batch_size
    else:
        train_loader = torch.utils.data.DataLoader(train_examples, shuffle=True, **options)
    val_loader = torch.utils.data.DataLoader(val_examples, **options) if val_examples else None

    def mel_loss(examples: list[Any]) -> float:  # on the first 64 examples at most, in batches of 8
        model.eval()
        losses, frames = [], []
        with torch.no_grad():
            for start in range(0, min(len(examples), 64), 8):
                batch = collate(examples[start : min(start + 8, 64)], pad)
                losses.append(float(model.validation_step(batch, 0)["mel_loss"]) * int(batch[4].sum()))
                frames.append(int(batch[4].sum()))
        return sum(losses) / sum(frames)

    before = mel_loss(train_examples)
    model.train()
    training = config_from_dict(TrainingConfig, OmegaConf.to_container(cfg.training, resolve=True), where="training")
    trainer_options = OmegaConf.to_container(cfg.trainer, resolve=True)
    assert isinstance(trainer_options, dict)
    trainer = lightning.Trainer(
        callbacks=[ModelCheckpoint(dirpath=cfg.checkpoint_dir, save_last=True)], plugins=[AtomicCheckpointIO()], **trainer_options
    )
    fit(model, training, trainer=trainer, train_dataloaders=train_loader, val_dataloaders=val_loader,
        ckpt_path=cfg.resume_from)
    if trainer.global_rank != 0:
        return float("nan")
    after = mel_loss(train_examples)
    model.save_to(cfg.output)
    print(f"saved {cfg.output}; training mel loss {before:.3f} -> {after:.3f}")
    return after


if __name__ == "__main__":
    main()
