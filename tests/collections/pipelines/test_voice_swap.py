"""The voice swap with the real models (Whisper tiny.en, the MiniLM punctuation model, the VITS voice) on a real
LibriVox clip, its checked chain, its streaming, and its bad inputs (silence, noise, a failing stage)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from neuraltypes_collections.asr import wer
from neuraltypes_collections.common._errors import AudioError, InputError
from neuraltypes_collections.pipelines import (
    VoiceSwapper,
    plan_stages,
    spoken_form,
    spoken_words,
    stream_voice_swap,
    unpunctuated,
    voice_swap,
)
from neuraltypes_collections.pipelines._figure import pauses

import neuraltypes as nt

TESTS = Path(__file__).resolve().parents[1]
CLIP = TESTS / "tts/fixtures/real_speech/audio/sense_and_sensibility_01_austen_64kb-0930.wav"
REFERENCE = "he might even have been made amiable himself"
CTC = TESTS / "asr/fixtures/quartznet5x1_small/model.nemo"


@pytest.fixture(scope="module")
def swapper() -> VoiceSwapper:
    torch.set_num_threads(2)
    return VoiceSwapper("whisper_tiny_en", "punctuation_en_minilm", "vits_en_joe", punctuate="always")


def test_a_real_clip_is_recognised_punctuated_and_spoken_again(swapper: VoiceSwapper, tmp_path: Path) -> None:
    result = voice_swap(CLIP, asr=swapper)
    assert wer([REFERENCE], [spoken_form(result.transcript)]).rate <= 0.15, result.transcript
    assert result.stages == "wiring ok: WhisperModel -> strip -> PunctuationCapitalizationModel -> VitsModel"
    assert result.text[0].isupper() and result.text.rstrip()[-1] in ".?!", result.text
    assert result.audio is not None and nt.tag_of(result.audio) == nt.tags.AudioSignal(22050)
    assert result.sample_rate == 22050 and result.duration_s == pytest.approx(result.audio.numel() / 22050)
    assert result.input_duration_s == pytest.approx(3.29, abs=0.01)
    times = result.times
    assert min(times.read_s, times.asr_s, times.punctuation_s, times.tts_s) > 0
    assert result.real_time_factor == pytest.approx(times.total_s / result.input_duration_s)
    words = result.output_words
    assert words is not None and [w.text.lower() for w in words] == spoken_form(result.text).split()
    assert all(a.end_s <= b.start_s + 1e-9 and a.start_s < a.end_s for a, b in zip(words, words[1:], strict=False))
    assert 0 <= words[0].start_s and words[-1].end_s <= result.duration_s + 1e-6
    # the recogniser's word times in the recording (Whisper's cross-attention)
    heard_words = result.input_words
    assert heard_words is not None
    assert spoken_form(" ".join(w.text for w in heard_words)) == spoken_form(result.transcript)
    assert all(a.start_s <= b.start_s for a, b in zip(heard_words, heard_words[1:], strict=False))
    assert heard_words[-1].end_s <= result.input_duration_s + 1e-6
    # the round trip: Whisper hears the voice say what it heard in the recording
    from neuraltypes_collections.asr import transcribe

    heard = transcribe(swapper.recognizer, result.audio)
    assert wer([spoken_form(result.transcript)], [spoken_form(heard.text)]).rate <= 0.15, heard.text
    # streamed into a file: the same samples (seeded), written atomically, no audio kept
    streamed = voice_swap(CLIP, asr=swapper, output=tmp_path / "out.wav")
    assert streamed.audio is None and streamed.text == result.text
    written, rate = soundfile.read(tmp_path / "out.wav", dtype="float32")
    assert rate == 22050 and written.size == result.audio.numel()
    assert np.abs(written - result.audio.numpy()).max() < 2 / 32767


def test_a_long_recording_streams_stretch_by_stretch(swapper: VoiceSwapper, tmp_path: Path) -> None:
    """Two copies of the clip with 1.5 s of silence between them, swapped in stretches of at most 5 s: cut in the
    pause, two stretches, times and words placed in the whole recording and the whole output."""
    clip, rate = soundfile.read(CLIP, dtype="float32")
    long = np.concatenate([clip, np.zeros(int(1.5 * rate), np.float32), clip])
    path = tmp_path / "long.wav"
    soundfile.write(path, long, rate)
    segments = list(stream_voice_swap(path, swapper, segment_s=5.0))
    assert len(segments) == 2
    first, second = segments
    assert first.start_s == 0 and second.start_s == first.end_s <= 5.0
    cut = int(first.end_s * rate)
    assert np.abs(long[cut - rate // 20 : cut + rate // 20]).max() < 0.02  # cut where nothing is said
    assert 7.0 < second.end_s <= long.size / rate  # what is left after it (if anything) is silence
    assert second.output_start_s == pytest.approx(first.output_end_s + 0.3)
    assert second.output_words is not None and second.output_words[0].start_s >= second.output_start_s
    assert spoken_form(first.transcript) == spoken_form(second.transcript)


def test_silence_and_noise_are_refused_and_a_failing_stage_leaves_no_file(
    swapper: VoiceSwapper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silence, noise = tmp_path / "silence.wav", tmp_path / "noise.wav"
    soundfile.write(silence, np.zeros(32000, np.float32), 16000)
    soundfile.write(noise, (np.random.default_rng(0).standard_normal(48000) * 0.1).astype(np.float32), 16000)
    for source in (silence, noise):
        out = tmp_path / f"{source.stem}.out.wav"
        with pytest.raises(AudioError, match=f"^{source}: no speech found"):
            voice_swap(source, asr=swapper, output=out)
        assert not out.exists()
    assert list(tmp_path.iterdir()) == [silence, noise] or sorted(tmp_path.iterdir()) == sorted([silence, noise])

    import neuraltypes_collections.tts._synthesize as synthesize_module

    def broken(*args: object, **kwargs: object) -> None:
        raise InputError("text: the voice broke", source="text")

    monkeypatch.setattr(synthesize_module, "synthesize", broken)
    with pytest.raises(InputError, match="the voice broke"):
        voice_swap(CLIP, asr=swapper, output=tmp_path / "broken.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noise.wav", "silence.wav"]


def test_the_cli_on_silence_says_so_in_one_line_and_writes_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    silence, out = tmp_path / "silence.wav", tmp_path / "out.wav"
    soundfile.write(silence, np.zeros(16000, np.float32), 16000)
    result = cli("voice-swap", str(silence), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"neuraltypes voice-swap: {silence}: no speech found (silence or non-speech); there is nothing to say"
    )
    assert not out.exists()


def test_the_chain_is_planned_by_mode_and_checked(swapper: VoiceSwapper) -> None:
    from neuraltypes_collections.asr import CTCModel

    ctc = CTCModel.restore_from(str(CTC))
    voice, punctuation = swapper.voice, swapper.punctuator
    assert punctuation is not None

    def chain(recognizer, mode):  # type: ignore[no-untyped-def]
        return str(nt.check_wiring(plan_stages(recognizer, punctuation, voice, mode)))

    whisper = swapper.recognizer
    assert chain(whisper, "auto") == "wiring ok: WhisperModel -> VitsModel"
    assert chain(whisper, "never") == "wiring ok: WhisperModel -> VitsModel"
    assert chain(ctc, "auto") == "wiring ok: CTCModel -> PunctuationCapitalizationModel -> VitsModel"
    assert chain(ctc, "always") == chain(ctc, "auto")
    assert chain(ctc, "never") == "wiring ok: CTCModel -> VitsModel"
    # a CTC transcript (lowercase, no marks) straight into a voice that takes punctuated text is caught
    from neuraltypes_collections.pipelines._stages import recognizer_stage, voice_stage

    report = nt.check_wiring([recognizer_stage(ctc), voice_stage(voice, punctuated=True)])
    assert "unpunctuated text into a stage that takes punctuated text" in str(report)


def test_bad_arguments_name_themselves(swapper: VoiceSwapper) -> None:
    with pytest.raises(InputError, match="punctuate must be one of auto, always, never, got 'sometimes'"):
        VoiceSwapper(swapper.recognizer, swapper.punctuator, swapper.voice, "sometimes")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="parameter 'tts'"):
        VoiceSwapper(swapper.recognizer, swapper.punctuator, swapper.punctuator)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="segment_s must be within 5 and 30 s"):
        list(stream_voice_swap(CLIP, swapper, segment_s=60.0))
    models = (swapper.recognizer, swapper.punctuator, swapper.voice)
    with pytest.raises(InputError, match="beam must be an integer >= 1 or None, got 0"):
        VoiceSwapper(*models, beam=0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="noise_w must be >= 0 or None, got -0.1"):
        VoiceSwapper(*models, noise_w=-0.1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="pace must be > 0, got 0"):
        VoiceSwapper(*models, pace=0)  # type: ignore[arg-type]
    from neuraltypes_collections.asr import CTCModel

    with pytest.raises(InputError, match="beam is a Whisper recogniser's beam size; this recogniser is a CTCModel"):
        VoiceSwapper(CTCModel.restore_from(str(CTC)), *models[1:], beam=5)  # type: ignore[arg-type]


def test_the_voice_controls_reach_the_voice(swapper: VoiceSwapper) -> None:
    # noise at 0: the voice's most likely speech, the same whatever the seed; its own noise: another per seed
    assert swapper.punctuator is not None
    still = VoiceSwapper(swapper.recognizer, swapper.punctuator, swapper.voice, "always", noise_scale=0, noise_w=0)
    quiet = [voice_swap(CLIP, asr=still, seed=seed).audio for seed in (0, 1)]
    noisy = [voice_swap(CLIP, asr=swapper, seed=seed).audio for seed in (0, 1)]
    assert quiet[0] is not None and quiet[1] is not None and torch.equal(quiet[0], quiet[1])
    # a slower pace (0.8): the same most likely speech, each phoneme held longer
    slow = VoiceSwapper(swapper.recognizer, swapper.punctuator, swapper.voice, "always", noise_scale=0, noise_w=0,
                        pace=0.8)  # fmt: skip
    slower = voice_swap(CLIP, asr=slow, seed=0).audio
    assert slower is not None and 1.1 < slower.numel() / quiet[0].numel() < 1.35  # durations are whole frames
    assert noisy[0] is not None and noisy[1] is not None
    assert noisy[0].shape != noisy[1].shape or not torch.equal(noisy[0], noisy[1])


def test_spoken_words_follow_the_voice_and_the_text_forms(swapper: VoiceSwapper) -> None:
    from neuraltypes_collections.tts import synthesize

    text = "Mr. Smith came in 1990, to be fair."
    speech = synthesize(swapper.voice, text, seed=0)
    assert speech.durations is not None
    words = spoken_words(text, speech.durations, swapper.voice)
    assert words is not None
    assert [w.text for w in words] == ["Mister", "Smith", "came", "in", "nineteen", "ninety", "to", "be", "fair"]
    assert all(a.start_s < a.end_s <= b.start_s for a, b in zip(words, words[1:], strict=False))
    assert spoken_words(text, speech.durations[:-1], swapper.voice) is None  # not this text's durations
    assert spoken_form(text) == "mister smith came in nineteen ninety to be fair"
    assert unpunctuated("He said: Don't, Mr. Smith!") == "he said don't mr smith"
    assert pauses(speech.audio, speech.sample_rate)  # the comma is heard


NER = TESTS / "nlp/fixtures/token_classification_nemo24/model.nemo"


def test_the_result_gains_the_entities_of_its_transcript_with_an_ner_model(swapper: VoiceSwapper) -> None:
    """The small NeMo NER fixture (random weights: it tags almost every word) on the clip's transcript: the
    result's entities are that model's entities of the transcript, offsets into it; without `ner` there are
    none, and a model of another kind is refused before any audio is read."""
    from neuraltypes_collections.common import restore_from
    from neuraltypes_collections.nlp import recognize_entities

    ner = restore_from(str(NER))
    result = voice_swap(CLIP, asr=swapper, ner=ner)
    assert result.entities is not None and len(result.entities) >= 2, result.entities
    assert result.entities == recognize_entities(ner, result.transcript).entities
    assert all(result.transcript[e.start : e.end] == e.text for e in result.entities)
    assert {e.label for e in result.entities} <= {"PER", "LOC", "ORG"}
    assert voice_swap(CLIP, asr=swapper).entities is None
    with pytest.raises(InputError, match=f"voice_swap: {CTC} holds a CTCModel, not a TokenClassificationModel"):
        voice_swap(TESTS / "missing.wav", asr=swapper, ner=str(CTC))
    with pytest.raises(InputError, match="voice_swap: parameter 'ner' is a int"):
        voice_swap(TESTS / "missing.wav", asr=swapper, ner=5)  # type: ignore[arg-type]
