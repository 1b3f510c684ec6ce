"""transcribe(): inputs, ordering, modes, timestamps, and the batch-consistency property."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from neuraltypes_collections.asr import AudioError, CTCModel, Transcription, transcribe
from neuraltypes_collections.common import NeuralModel

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def model() -> CTCModel:
    restored = NeuralModel.restore_from(FIXTURES / "quartznet5x1_small" / "model.nemo")
    assert isinstance(restored, CTCModel)
    return restored


@pytest.fixture(scope="module")
def clips() -> list[torch.Tensor]:
    data = np.load(FIXTURES / "parity_audio.npz")
    return [torch.from_numpy(a[: int(n)]) for a, n in zip(data["audio"], data["audio_lengths"], strict=True)]


def test_transcribe_matches_the_recorded_nemo_transcripts(model: CTCModel, clips: list[torch.Tensor]) -> None:
    expected = np.load(FIXTURES / "quartznet5x1_small" / "expected.npz")
    assert model.transcribe(clips, batch_size=2) == list(expected["transcripts"])


def test_files_tensors_and_rates(model: CTCModel, clips: list[torch.Tensor], tmp_path: Path) -> None:
    path = tmp_path / "clip.wav"
    soundfile.write(path, clips[0].numpy(), 16000, subtype="FLOAT")
    from_file, from_tensor = model.transcribe([path, clips[0]])
    assert from_file == from_tensor
    assert model.transcribe(str(path)) == [from_file]
    # an 8 kHz tensor is resampled when its rate is given
    half = clips[0][::2].contiguous()
    assert len(transcribe(model, [half], sample_rate=8000)) == 1


def test_results_keep_input_order_whatever_the_batch_size(model: CTCModel, clips: list[torch.Tensor]) -> None:
    inputs = [clips[2], clips[0], clips[1], clips[0]]
    one = model.transcribe(inputs, batch_size=1)
    assert model.transcribe(inputs, batch_size=3) == one
    assert one[1] == one[3]


def test_mode_is_restored(model: CTCModel, clips: list[torch.Tensor]) -> None:
    model.train()
    try:
        model.transcribe(clips[:1])
        assert model.training
    finally:
        model.eval()
    model.transcribe(clips[:1])
    assert not model.training


def test_hypotheses_and_word_timestamps(model: CTCModel, clips: list[torch.Tensor]) -> None:
    results = model.transcribe(clips, timestamps=True)
    assert all(isinstance(r, Transcription) for r in results)
    for clip, result in zip(clips, results, strict=True):
        assert result.score < 0
        assert result.words is not None
        assert " ".join(w.word for w in result.words) == " ".join(result.text.split())
        duration = clip.shape[0] / 16000
        starts = [w.start_s for w in result.words]
        assert starts == sorted(starts)
        assert all(0 <= w.start_s < w.end_s <= duration + 0.05 for w in result.words)


def test_silence_transcribes_and_bad_tensors_raise(model: CTCModel) -> None:
    assert isinstance(model.transcribe([torch.zeros(16000)])[0], str)
    with pytest.raises(AudioError, match=r"inputs\[0\].*NaN"):
        model.transcribe([torch.full((1600,), float("nan"))])
    with pytest.raises(AudioError, match="empty"):
        model.transcribe([torch.zeros(0)])
    with pytest.raises(ValueError, match="batch_size"):
        model.transcribe([torch.zeros(100)], batch_size=0)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, 2), st.floats(0.3, 1.0), st.floats(0.0, 0.5)), min_size=2, max_size=5
    )
)
def test_transcription_is_batch_consistent(picks: list[tuple[int, float, float]]) -> None:
    model = _MODEL_CACHE.setdefault("m", NeuralModel.restore_from(FIXTURES / "quartznet5x1_small" / "model.nemo"))
    data = np.load(FIXTURES / "parity_audio.npz")
    inputs = []
    for index, keep, start in picks:
        full = torch.from_numpy(data["audio"][index, : int(data["audio_lengths"][index])])
        begin = int(start * full.shape[0] * (1 - keep))
        inputs.append(full[begin : begin + max(1600, int(keep * full.shape[0]))])
    alone = [model.transcribe([clip])[0] for clip in inputs]
    assert model.transcribe(inputs, batch_size=len(inputs)) == alone


_MODEL_CACHE: dict[str, NeuralModel] = {}


def test_bpe_model_timestamps_follow_word_pieces() -> None:
    from neuraltypes_collections.asr import (
        CTCModelConfig,
        load_model_config,
        read_manifest,
        train_bpe_tokenizer,
    )

    entries = read_manifest(FIXTURES / "speech" / "train.jsonl")
    tokenizer = train_bpe_tokenizer([e.text or "" for e in entries] * 4, vocab_size=60)
    torch.manual_seed(0)
    config = CTCModelConfig(encoder=load_model_config("quartznet_tiny").encoder, tokenizer="bpe", bpe_vocab_size=60,
                            labels=())
    model = CTCModel(config, tokenizer).eval()
    with torch.no_grad():
        model.decoder.projection.bias[0] = -1e4  # never emit <unk>, whose text SentencePiece renders as " ⁇ "
    [result] = model.transcribe([str(entries[0].audio_filepath)], timestamps=True)
    assert isinstance(result, Transcription) and result.words
    assert [w.word for w in result.words] == result.text.split()


def test_beam_search_results_with_timestamps(model: CTCModel, clips: list[torch.Tensor]) -> None:
    from neuraltypes_collections.asr import BeamSearchOptions, CTCBeamDecoder

    beam = CTCBeamDecoder(model.vocabulary, BeamSearchOptions(beam_size=4))
    results = model.transcribe(clips, beam=beam, timestamps=True)
    for result in results:
        assert isinstance(result, Transcription) and result.words is not None
        assert [w.word for w in result.words] == result.text.split()
