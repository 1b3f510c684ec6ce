"""embed_speakers, verify, identify and diarize on real and synthetic voices: one in one out, a list in a list out."""

from __future__ import annotations

import pytest
import torch
from conftest import reader_clip, silence, synthetic_clip
from neuraltypes_collections.asr.speaker import (
    Diarization,
    GE2EConfig,
    GE2EModel,
    Identification,
    SpeakerEmbedding,
    Verification,
    cluster_embeddings,
    diarize,
    embed_speakers,
    identify,
    verify,
)
from neuraltypes_collections.common import AudioError, InputError, read_audio

JOE, JOE_2, JOE_3 = (str(synthetic_clip(n)) for n in ("0011", "0017", "0042"))
SLT, SLT_2, SLT_3 = (str(synthetic_clip(n)) for n in ("0036", "0062", "0079"))
AWB = str(synthetic_clip("0006"))


def test_one_recording_gives_one_embedding_and_a_list_a_list(ge2e):
    one = embed_speakers(ge2e, JOE)
    assert isinstance(one, SpeakerEmbedding) and one.vector.shape == (256,)
    assert abs(float(one.vector.norm()) - 1.0) < 1e-5 and one.duration_s == pytest.approx(1.435, abs=1e-3)
    many = ge2e.embed_speakers([JOE, SLT, read_audio(JOE)[0]])
    assert [type(item) for item in many] == [SpeakerEmbedding] * 3
    assert torch.allclose(many[0].vector, one.vector, atol=1e-6) and torch.allclose(many[2].vector, one.vector, atol=1e-6)
    assert many[0].similarity(many[1]) < 0.6 < many[0].similarity(embed_speakers(ge2e, JOE_2))


def test_audio_at_another_rate_is_resampled(ge2e):
    from neuraltypes_collections.common import resample

    at_8k = resample(read_audio(JOE)[0], 16000, 8000)
    assert embed_speakers(ge2e, at_8k).similarity(embed_speakers(ge2e, JOE)) > 0.9


def test_verify_tells_same_from_different_voices(ge2e):
    same = verify(ge2e, JOE, JOE_3)
    assert isinstance(same, Verification) and same.same_speaker and same.threshold == ge2e.config.verification_threshold
    assert not ge2e.verify(JOE, SLT).same_speaker
    # these clips are short (1.2 to 1.7 s), and their same-voice scores lower than the calibration corpus's
    pairs = verify(ge2e, [JOE, SLT, embed_speakers(ge2e, AWB)], [JOE_2, SLT_2, JOE], threshold=0.65)
    assert [result.same_speaker for result in pairs] == [True, True, False]
    assert [result.threshold for result in pairs] == [0.65] * 3
    assert verify(ge2e, JOE, SLT, threshold=-1.0).same_speaker  # every cosine reaches -1


def test_verify_refuses_unmatched_pairs_and_bad_thresholds(ge2e):
    with pytest.raises(InputError, match="two lists of the same length"):
        verify(ge2e, [JOE, SLT], [JOE])
    with pytest.raises(InputError, match="one recording each, or two lists"):
        verify(ge2e, JOE, [JOE])
    with pytest.raises(InputError, match="threshold is a cosine similarity in"):
        verify(ge2e, JOE, SLT, threshold=1.5)
    with pytest.raises(InputError, match=r"inputs\[1\] is an embedding of shape \[3\]"):
        verify(ge2e, JOE, SpeakerEmbedding(torch.ones(3), 1.0))
    with pytest.raises(AudioError, match="missing.wav: no such file"):
        verify(ge2e, JOE, "missing.wav")


def test_identify_names_the_enrolled_speaker_or_none(ge2e):
    enrolled = {"joe": [JOE, JOE_2], "slt": [SLT, SLT_2], "reader": [str(reader_clip("0880")), str(reader_clip("0890"))]}
    found = identify(ge2e, [JOE_3, SLT_3, str(reader_clip("0930"))], enrolled, threshold=0.6)
    assert [type(result) for result in found] == [Identification] * 3
    assert [result.speaker for result in found] == ["joe", "slt", "reader"]
    assert list(found[0].scores) == ["joe", "slt", "reader"] and found[0].score == max(found[0].scores.values())
    stranger = ge2e.identify(AWB, {"joe": JOE, "slt": embed_speakers(ge2e, SLT)})
    assert stranger.speaker is None and stranger.score < ge2e.config.verification_threshold
    assert identify(ge2e, AWB, {"joe": JOE}, threshold=-1.0).speaker == "joe"
    with pytest.raises(InputError, match="enrolled must be a non-empty mapping"):
        identify(ge2e, JOE, {})
    with pytest.raises(InputError, match=r"enrolled\['joe'\] holds no recording"):
        identify(ge2e, JOE, {"joe": []})


def conversation(names: list[str]) -> tuple[torch.Tensor, list[tuple[float, float]]]:
    """The clips joined with 0.6 s pauses (0.5 s of silence first), and where each clip lies, in seconds."""
    parts, spans, position = [silence(0.5)], [], 0.5
    for name in names:
        clip = read_audio(name, 16000)[0]
        spans.append((position, position + len(clip) / 16000))
        parts += [clip, silence(0.6)]
        position += len(clip) / 16000 + 0.6
    return torch.cat(parts), spans


def test_diarize_finds_three_synthetic_voices_and_their_turns(ge2e):
    names = [JOE, SLT, JOE_2, AWB, SLT_2, JOE_3, str(synthetic_clip("0018"))]  # 0018: awb again
    audio, spans = conversation(names)
    result = diarize(ge2e, audio, cluster_threshold=0.3)
    assert isinstance(result, Diarization) and result.num_speakers == 3
    assert result.duration_s == pytest.approx(len(audio) / 16000)
    speaker_of_clip = []
    for start, end in spans:  # every turn lies inside one clip, and each clip is one speaker
        inside = [turn for turn in result.turns if start - 0.3 <= turn.start_s and turn.end_s <= end + 0.3]
        assert inside and sum(turn.duration_s for turn in inside) > 0.8 * (end - start)
        assert len({turn.speaker for turn in inside}) == 1
        speaker_of_clip.append(inside[0].speaker)
    assert speaker_of_clip == ["speaker_0", "speaker_1", "speaker_0", "speaker_2", "speaker_1", "speaker_0", "speaker_2"]
    assert result.to_rttm("talk").splitlines()[0].startswith("SPEAKER talk 1 ")


def test_diarize_with_a_known_count_on_a_human_and_two_synthetic_voices(ge2e):
    audio, spans = conversation([str(reader_clip("0880")), JOE, str(reader_clip("0890")), SLT])
    [result] = ge2e.diarize([audio], num_speakers=3)
    labels = [{t.speaker for t in result.turns if s - 0.3 <= t.start_s and t.end_s <= e + 0.3} for s, e in spans]
    assert labels == [{"speaker_0"}, {"speaker_1"}, {"speaker_0"}, {"speaker_2"}]


def test_diarize_of_silence_finds_nobody_and_checks_its_options(ge2e):
    assert diarize(ge2e, torch.zeros(16000)) == Diarization((), 0, 1.0)
    for options, named in (({"num_speakers": 0}, "num_speakers"), ({"cluster_threshold": float("nan")}, "cluster_threshold"),
                           ({"step_s": 0}, "step_s"), ({"max_speakers": True}, "max_speakers"),
                           ({"speech_pad_s": -0.1}, "speech_pad_s")):  # fmt: skip
        with pytest.raises(InputError, match=f"diarize: {named} must be"):
            diarize(ge2e, torch.zeros(16000), **options)


def test_diarize_pads_the_speech_segments_only_when_asked(ge2e):
    audio, spans = conversation([JOE, SLT])
    unpadded, padded = (diarize(ge2e, audio, num_speakers=2, speech_pad_s=pad) for pad in (0.0, 0.1))
    speech = [sum(turn.duration_s for turn in result.turns) for result in (unpadded, padded)]
    assert speech[0] <= sum(end - start for start, end in spans) + 0.2  # no more than the clips hold, give or take
    assert speech[1] > speech[0] + 0.3  # two clips (at least two segments), 0.1 s each side


def test_cluster_embeddings_cuts_at_the_threshold_or_the_count():
    vectors = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0, 0], [0.98, 0.2, 0], [0, 1.0, 0], [0, 0, 1.0]]), dim=-1)
    assert cluster_embeddings(vectors, threshold=0.3) == [0, 0, 1, 2]
    assert cluster_embeddings(vectors, num_speakers=2) in ([0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 1, 0])
    assert cluster_embeddings(vectors, threshold=0.3, max_speakers=2) != [0, 0, 1, 2]
    assert cluster_embeddings(vectors[:1]) == [0] and cluster_embeddings(vectors[:0]) == []


def test_a_model_of_another_kind_is_refused():
    from neuraltypes_collections.common import TinyRegressor, TinyRegressorConfig

    with pytest.raises(InputError, match="embed_speakers: parameter 'model' is a TinyRegressor, expected a GE2EModel"):
        embed_speakers(TinyRegressor(TinyRegressorConfig()), torch.zeros(16000))
    tiny = GE2EModel(GE2EConfig(hidden_size=8, num_layers=1, embedding_size=4))
    assert embed_speakers(tiny, torch.zeros(100)).vector.shape == (4,)  # shorter than one window: zero-padded
