"""A tiny FastPitch overfits three real utterances: its mel loss falls well below half of a mean-spectrogram
baseline (predicting each utterance's average frame), in a few seconds on one CPU thread."""

from pathlib import Path

import torch
from neuraltypes_collections.tts import (
    EnglishCharsTokenizer,
    FastPitchConfig,
    FastPitchModel,
    FastPitchModelConfig,
    MelFrontEnd,
    TextConfig,
)
from neuraltypes_collections.tts._data import (
    collate,
    make_examples,
    normalize_pitch,
    pitch_statistics,
    read_manifest,
    uniform_durations,
)

STEPS = 200
MANIFEST = Path(__file__).parent / "fixtures" / "real_speech" / "manifest.jsonl"


def _tiny_model(tokenizer: EnglishCharsTokenizer) -> FastPitchModel:
    network = FastPitchConfig(
        n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id, d_model=64, encoder_layers=1, decoder_layers=1,
        n_head=1, d_head=32, d_inner=128, predictor_filters=32, dropout=0.0, dropatt=0.0, predictor_dropout=0.0,
    )  # fmt: skip
    return FastPitchModel(FastPitchModelConfig(network, TextConfig(tokenizer="chars", pad_with_space=True)), tokenizer)


def test_uniform_durations_sum_to_frames() -> None:
    assert uniform_durations(4, 10).tolist() == [3, 3, 2, 2]
    assert int(uniform_durations(7, 3).sum()) == 3


def test_tiny_fastpitch_overfits_real_utterances() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tokenizer = EnglishCharsTokenizer(pad_with_space=True)
    model = _tiny_model(tokenizer)
    examples = make_examples(read_manifest(MANIFEST), tokenizer.encode, MelFrontEnd(model.config.features), pitch=True)
    examples = normalize_pitch(examples, *pitch_statistics(examples))
    tokens, durations, frame_pitch, mel, frames = batch = collate(examples, tokenizer.pad_id)
    pitch = model.token_pitch(frame_pitch, durations)
    assert pitch.abs().sum() > 0  # real, normalised pitch targets

    # Baseline: every frame predicted as its utterance's mean frame.
    valid = torch.arange(mel.shape[-1])[None, :] < frames[:, None]
    means = (mel * valid[:, None]).sum(-1, keepdim=True) / frames[:, None, None]
    baseline = float(((mel - means).pow(2).mean(1) * valid).sum() / valid.sum())

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for step in range(STEPS):
        loss = model.training_step(batch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        final = float(model.mel_loss(model(tokens, durations, pitch), mel, frames))
    assert final < 0.5 * baseline, f"mel loss {final:.3f} vs mean-spectrogram baseline {baseline:.3f}"
    with torch.no_grad():
        predicted = model(tokens, durations, pitch).pitch
    voiced = pitch != 0
    assert (predicted - pitch)[voiced].pow(2).mean() < 0.5 * pitch[voiced].pow(2).mean()  # pitch predictor learned

    # The trained model speaks the right number of frames for a training sentence when teacher-forced, and
    # free-running inference produces a spectrogram tagged for its vocoders.
    out = model(tokens[:1], durations[:1], pitch[:1])
    assert int(out.frames[0]) == int(frames[0])
    free = model.generate_spectrogram(model.parse("he was not an ill disposed young man"))
    assert free.shape[:2] == (1, 80) and free.shape[-1] > 0


def test_hifigan_few_steps_reduce_mel_reconstruction_loss() -> None:
    from neuraltypes_collections.common import read_audio, resample
    from neuraltypes_collections.tts import HifiGan, HifiGanConfig, HifiGanModelConfig

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = HifiGan(HifiGanModelConfig(HifiGanConfig(upsample_initial_channel=32)))
    audio, _ = read_audio(MANIFEST.parent / "audio" / "sense_and_sensibility_01_austen_64kb-0880.wav", 22050)
    segments = resample(torch.stack([audio[22050 : 22050 + 8192], audio[33000 : 33000 + 8192]]), 22050, 22050)
    batch = (segments, torch.tensor([8192, 8192]))
    model.generator.apply_weight_norm()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.8, 0.99))
    losses = []
    for step in range(30):
        loss = model.training_step(batch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    model.generator.remove_weight_norm()
    assert losses[-1] < 0.75 * losses[0], losses
    assert not any(name.endswith(("original0", "original1")) for name in model.state_dict())


def test_weight_norm_round_trip_keeps_the_function() -> None:
    from neuraltypes_collections.tts import HifiGanConfig
    from neuraltypes_collections.tts.modules import HifiGanGenerator

    generator = HifiGanGenerator(HifiGanConfig(upsample_initial_channel=16)).eval()
    mel = torch.randn(1, 80, 5)
    with torch.no_grad():
        before = generator(mel)
        generator.apply_weight_norm()
        during = generator(mel)
        generator.remove_weight_norm()
        after = generator(mel)
    torch.testing.assert_close(during, before, atol=1e-5, rtol=0)
    torch.testing.assert_close(after, before, atol=1e-5, rtol=0)
    assert set(generator.state_dict()) == set(HifiGanGenerator(HifiGanConfig(upsample_initial_channel=16)).state_dict())


def test_fastpitch_with_aligner_learns_durations() -> None:
    from neuraltypes_collections.tts.modules._aligner import forward_sum_loss

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tokenizer = EnglishCharsTokenizer(pad_with_space=True)
    network = FastPitchConfig(
        n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id, d_model=64, encoder_layers=1, decoder_layers=1,
        n_head=1, d_head=32, d_inner=128, predictor_filters=32, dropout=0.0, dropatt=0.0, predictor_dropout=0.0,
        use_aligner=True,
    )  # fmt: skip
    model = FastPitchModel(FastPitchModelConfig(network, TextConfig(tokenizer="chars")), tokenizer)
    examples = make_examples(read_manifest(MANIFEST)[:2], tokenizer.encode, MelFrontEnd(model.config.features))
    tokens, _, pitch, mel, frames = batch = collate(examples, tokenizer.pad_id)
    token_lengths = (tokens != tokenizer.pad_id).sum(1)

    def alignment_loss() -> float:
        with torch.no_grad():
            _, log_prob, _ = model.align(tokens, mel, frames)
            return float(forward_sum_loss(log_prob, token_lengths, frames))

    before = alignment_loss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for step in range(30):
        loss = model.training_step(batch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    after = alignment_loss()
    assert after < before - 0.1, (before, after)
    soft, _, hard = model.align(tokens, mel, frames)
    durations = hard.sum(1)
    assert durations.sum(1).tolist() == frames.tolist()  # every frame belongs to exactly one token
    starts = hard.argmax(-1)  # the token of each frame never moves backwards
    for b in range(tokens.shape[0]):
        assert torch.all(starts[b, 1 : int(frames[b])] >= starts[b, : int(frames[b]) - 1])
    torch.testing.assert_close(soft.sum(-1)[0, : int(frames[0])], torch.ones(int(frames[0])))
