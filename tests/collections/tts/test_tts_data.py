"""Training data: CTC forced-alignment durations, collation, and the Hydra FastPitch example."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from neuraltypes_collections.asr import CTCModel, CTCModelConfig
from neuraltypes_collections.tts import EnglishCharsTokenizer, MelConfig, MelFrontEnd, PhonemeTokenizer
from neuraltypes_collections.tts._data import (
    CTCDurations,
    collate,
    ctc_token_starts,
    make_examples,
    read_manifest,
)

ROOT = Path(__file__).parents[3]
MANIFEST = Path(__file__).parent / "fixtures" / "real_speech" / "manifest.jsonl"


def _log_probs(path: list[int], vocab: int) -> torch.Tensor:
    scores = torch.full((len(path), vocab), -10.0)
    scores[torch.arange(len(path)), torch.tensor(path)] = 0.0
    return scores.log_softmax(-1)


def test_ctc_token_starts_follow_the_best_path() -> None:
    blank = 2  # vocabulary: a, b, blank
    log_probs = _log_probs([2, 0, 0, 2, 0, 1, 1, 2], 3)
    assert ctc_token_starts(log_probs, [0, 0, 1], blank) == [1, 4, 5]


def test_ctc_durations_cover_every_frame() -> None:
    torch.manual_seed(0)
    tokenizer = EnglishCharsTokenizer(pad_with_space=True)
    features = MelConfig.nemo_fastpitch()
    aligner = CTCDurations(CTCModel(CTCModelConfig()).eval(), tokenizer, features)
    examples = make_examples(read_manifest(MANIFEST)[:1], tokenizer.encode, MelFrontEnd(features), aligner)
    durations, mel = examples[0].durations, examples[0].mel
    assert int(durations.sum()) == mel.shape[-1]
    assert durations.min() >= 0 and durations.shape == examples[0].tokens.shape


def test_ctc_durations_refuse_phonemes() -> None:
    with pytest.raises(ValueError, match="tokenizer='chars'"):
        CTCDurations(CTCModel(CTCModelConfig()), PhonemeTokenizer(lambda text: list(text)), MelConfig.hifigan())


def test_collate_pads_with_the_pad_id() -> None:
    tokenizer = EnglishCharsTokenizer()
    examples = make_examples(read_manifest(MANIFEST)[:2], tokenizer.encode, MelFrontEnd(MelConfig.nemo_fastpitch()))
    tokens, durations, pitch, mel, frames = collate(examples, tokenizer.pad_id)
    shorter = int(torch.argmin(frames))
    n = examples[shorter].tokens.shape[0]
    assert torch.all(tokens[shorter, n:] == tokenizer.pad_id) and torch.all(durations[shorter, n:] == 0)
    assert frames.tolist() == [e.mel.shape[-1] for e in examples]
    assert durations.sum(1).tolist() == frames.tolist()


@pytest.mark.slow
def test_hydra_fastpitch_example_trains_and_saves(tmp_path: Path) -> None:
    output = tmp_path / "fastpitch.nta"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "tts" / "train_fastpitch.py"), f"data.train_manifest={MANIFEST}",
         "text.tokenizer=chars", "trainer.max_epochs=3", "data.durations=aligner", f"output={output}", f"checkpoint_dir={tmp_path / 'ckpt'}",
         "threads=1", f"hydra.run.dir={tmp_path / 'hydra'}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert output.is_file() and "training mel loss" in result.stdout


def test_monotonic_alignment_search_finds_the_best_monotonic_path() -> None:
    import itertools

    import numpy as np
    from neuraltypes_collections.tts.modules._aligner import monotonic_alignment_search

    rng = np.random.default_rng(0)
    log_prob = np.log(rng.dirichlet(np.ones(3), size=6))
    path = monotonic_alignment_search(log_prob)
    best, best_score = None, -np.inf
    for cuts in itertools.combinations(range(1, 6), 2):  # every monotonic path: where tokens 1 and 2 start
        tokens = np.searchsorted(np.array(cuts), np.arange(6), side="right")
        score = log_prob[np.arange(6), tokens].sum()
        if score > best_score:
            best, best_score = tokens, score
    assert path.argmax(1).tolist() == best.tolist()
    assert path.sum(1).tolist() == [1.0] * 6


def test_beta_binomial_prior_rows_are_distributions() -> None:
    from neuraltypes_collections.tts.modules._aligner import beta_binomial_prior

    prior = beta_binomial_prior(5, 12)
    torch.testing.assert_close(prior.sum(1), torch.ones(12), atol=1e-5, rtol=0)
    assert prior[0].argmax() == 0 and prior[-1].argmax() == 4  # near-diagonal
    scipy_stats = pytest.importorskip("scipy.stats")
    rows = [scipy_stats.betabinom(4, i, 13 - i).pmf(range(5)) for i in range(1, 13)]
    expected = torch.from_numpy(__import__("numpy").stack(rows)).float()
    torch.testing.assert_close(prior, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("frequency", [82.0, 155.5, 440.0])
def test_yin_pitch_of_a_harmonic_tone(frequency: float) -> None:
    import math

    from neuraltypes_collections.tts.modules._pitch import yin_pitch

    t = torch.arange(22050) / 22050
    tone = 0.5 * torch.sin(2 * math.pi * frequency * t) + 0.2 * torch.sin(2 * math.pi * 2 * frequency * t + 1.0)
    audio = torch.cat([torch.zeros(4096), tone])
    pitch = yin_pitch(audio, 22050)
    assert pitch.shape == (1 + audio.shape[0] // 256,)
    assert torch.all(pitch[:10] == 0)  # silence is unvoiced
    torch.testing.assert_close(pitch[25:-5], torch.full_like(pitch[25:-5], frequency), atol=0.01 * frequency, rtol=0)


def test_average_per_token_skips_unvoiced_frames() -> None:
    from neuraltypes_collections.tts.modules._pitch import average_per_token

    values = torch.tensor([[0.0, 1.0, 3.0, 0.0, 5.0, 0.0]])
    assert average_per_token(values, torch.tensor([[2, 2, 1, 1]])).tolist() == [[1.0, 3.0, 5.0, 0.0]]


def test_pitch_normalisation_keeps_unvoiced_at_zero() -> None:
    from neuraltypes_collections.tts._data import normalize_pitch, pitch_statistics

    tokenizer = EnglishCharsTokenizer()
    examples = make_examples(read_manifest(MANIFEST)[:1], tokenizer.encode, MelFrontEnd(MelConfig.nemo_fastpitch()), pitch=True)
    mean, std = pitch_statistics(examples)
    assert 60 < mean < 200 and std > 0  # a low male voice
    normalized = normalize_pitch(examples, mean, std)[0].pitch
    assert torch.equal(normalized == 0, examples[0].pitch == 0)
    assert normalized.shape == (examples[0].mel.shape[-1],)
