"""transcribe(): inputs, sample rates, ordering, modes, timestamps, errors, and the batch-consistency property."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from neuraltypes_collections.asr import AudioError, CTCModel, Transcription, resample, transcribe
from neuraltypes_collections.common import InputError, NeuralModel

import neuraltypes as nt
from neuraltypes import ContractViolation, NeuralTypesError

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
    assert [r.text for r in model.transcribe(clips, batch_size=2)] == list(expected["transcripts"])


def test_one_input_gives_one_result_and_a_list_gives_a_list(
    model: CTCModel, clips: list[torch.Tensor], tmp_path: Path
) -> None:
    path = tmp_path / "clip.wav"
    soundfile.write(path, clips[0].numpy(), 16000, subtype="FLOAT")
    from_file, from_tensor, from_array = model.transcribe([path, clips[0], clips[0].numpy()])
    assert from_file.text == from_tensor.text == from_array.text
    single = model.transcribe(str(path))
    assert isinstance(single, Transcription) and single == from_file
    assert transcribe(model, clips[0]) == from_tensor
    assert model.transcribe([]) == []


def _at_8k(clip: torch.Tensor) -> torch.Tensor:
    return nt.tag(resample(clip, 16000, 8000).clone(), nt.tags.AudioSignal(8000))


def test_an_8khz_tagged_clip_is_resampled_not_misread(model: CTCModel, clips: list[torch.Tensor]) -> None:
    phone = _at_8k(clips[0])
    resampled_first = resample(phone, 8000, 16000)
    assert model.transcribe(phone) == model.transcribe(resampled_first)
    in_a_batch = transcribe(model, [phone, clips[1]])[0]  # padded beside a longer clip: float rounding only
    assert in_a_batch.text == model.transcribe(resampled_first).text
    # the same samples declared by argument instead of by tag
    untagged = phone.clone()
    assert model.transcribe(untagged, sample_rate=8000) == model.transcribe(resampled_first)


def test_resample_false_refuses_another_rate_naming_both(model: CTCModel, clips: list[torch.Tensor]) -> None:
    with pytest.raises(ContractViolation, match=r"NT208.*inputs\[0\].*8000 Hz.*16000 Hz") as error:
        model.transcribe([_at_8k(clips[0])], resample=False)
    assert error.value.code == "NT208"
    with pytest.raises(ContractViolation, match="8000 Hz"):
        transcribe(model, clips[0].clone(), sample_rate=8000, resample=False)
    assert model.transcribe(clips[0], resample=False) == model.transcribe(clips[0])


def test_the_forward_receives_the_batch_tagged(model: CTCModel, clips: list[torch.Tensor]) -> None:
    seen: list[object] = []
    handle = model.register_forward_pre_hook(lambda _, args: seen.extend(nt.tag_of(a) for a in args))
    try:
        model.transcribe([_at_8k(clips[0]), clips[1]], batch_size=2)
    finally:
        handle.remove()
    assert seen == [nt.tags.AudioSignal(16000), nt.tags.Lengths()]


def test_the_model_may_be_named_by_path(clips: list[torch.Tensor], model: CTCModel) -> None:
    path = FIXTURES / "quartznet5x1_small" / "model.nemo"
    assert transcribe(str(path), clips[0]) == model.transcribe(clips[0])


def test_results_keep_input_order_whatever_the_batch_size(model: CTCModel, clips: list[torch.Tensor]) -> None:
    inputs = [clips[2], clips[0], clips[1], clips[0]]
    one = model.transcribe(inputs, batch_size=1)
    assert [r.text for r in model.transcribe(inputs, batch_size=3)] == [r.text for r in one]
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


def test_silence_transcribes_and_bad_inputs_raise_naming_them(model: CTCModel, tmp_path: Path) -> None:
    assert isinstance(model.transcribe(torch.zeros(16000)).text, str)
    with pytest.raises(AudioError, match=r"inputs\[1\].*NaN"):
        model.transcribe([torch.zeros(1600), torch.full((1600,), float("nan"))])
    with pytest.raises(AudioError, match="audio: the audio is empty"):
        model.transcribe(torch.zeros(0))
    with pytest.raises(AudioError, match="nope.wav: no such file"):
        model.transcribe([tmp_path / "nope.wav"])
    with pytest.raises(InputError, match="transcribe: batch_size must be an integer >= 1, got 0") as error:
        model.transcribe([torch.zeros(100)], batch_size=0)
    assert error.value.code == "NT309" and isinstance(error.value, NeuralTypesError)
    with pytest.raises(InputError, match="expected a CTCModel"):
        transcribe(torch.nn.Linear(1, 1), torch.zeros(100))  # type: ignore[call-overload]


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
    alone = [model.transcribe(clip) for clip in inputs]
    batched = model.transcribe(inputs, batch_size=len(inputs))
    assert [r.text for r in batched] == [r.text for r in alone]
    assert [r.score for r in batched] == pytest.approx([r.score for r in alone], rel=1e-4)


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
    result = model.transcribe(str(entries[0].audio_filepath), timestamps=True)
    assert result.words
    assert [w.word for w in result.words] == result.text.split()


def test_beam_search_results_with_timestamps(model: CTCModel, clips: list[torch.Tensor]) -> None:
    from neuraltypes_collections.asr import BeamSearchOptions, CTCBeamDecoder

    beam = CTCBeamDecoder(model.vocabulary, BeamSearchOptions(beam_size=4))
    results = model.transcribe(clips, beam=beam, timestamps=True)
    for result in results:
        assert isinstance(result, Transcription) and result.words is not None
        assert [w.word for w in result.words] == result.text.split()
