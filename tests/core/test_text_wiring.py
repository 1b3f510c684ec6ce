"""check_wiring over chains with text stages: `Stage` and `TextForm`, mixed with typed modules."""

from __future__ import annotations

import subprocess
import sys

import pytest
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AudioSignal, Compatibility, Stage, TextForm
from neuraltypes.examples import Features

AUDIO_16K = AudioSignal[Tensor, "time", 16000]
AUDIO_22K = AudioSignal[Tensor, "time", 22050]
RAW = TextForm("en", cased=False, punctuated=False)
PUNCTUATED = TextForm("en", cased=True, punctuated=True)


def asr(gives: TextForm = PUNCTUATED) -> Stage:
    return Stage("asr", AUDIO_16K, gives)


PUNCTUATION = Stage("punctuation", RAW, PUNCTUATED)
TTS = Stage("tts", TextForm("en-us", punctuated=True), AUDIO_22K)


def test_a_good_text_chain_reports_ok() -> None:
    assert nt.check_wiring([asr(RAW), PUNCTUATION, TTS]).ok
    assert str(nt.check_wiring([asr(), TTS])) == "wiring ok: asr -> tts"


def test_unpunctuated_text_into_a_voice_that_takes_punctuated_text() -> None:
    report = nt.check_wiring([asr(RAW), TTS])
    (problem,) = report.problems
    assert (problem.source, problem.target, problem.parameter) == ("asr", "tts", "text")
    assert problem.reason == ("unpunctuated text into a stage that takes punctuated text: "
                              "put a punctuation stage between them")
    with pytest.raises(nt.ContractViolation, match="NT212"):
        report.raise_if_failed()


def test_punctuated_text_into_a_punctuation_model_that_takes_it_stripped() -> None:
    (problem,) = nt.check_wiring([asr(), PUNCTUATION, TTS]).problems
    assert (problem.source, problem.target) == ("asr", "punctuation")
    assert "punctuated text into a stage that takes unpunctuated text: strip the punctuation first" in problem.reason


def test_cased_text_into_a_stage_that_takes_lowercase() -> None:
    (problem,) = nt.check_wiring([asr(TextForm("en", cased=True, punctuated=False)), PUNCTUATION]).problems
    assert "cased text into a stage that takes lowercase text: lowercase it first" in problem.reason


def test_languages_compare_by_their_first_subtag() -> None:
    german_voice = Stage("tts_de", TextForm("de"), AUDIO_22K)
    (problem,) = nt.check_wiring([asr(), german_voice]).problems
    assert problem.reason == "'en' text into a stage that takes 'de' text"
    assert nt.check_wiring([asr(), Stage("tts_us", TextForm("en_US"), AUDIO_22K)]).ok


def test_an_undeclared_field_does_not_fit_a_stage_that_needs_it() -> None:
    (problem,) = nt.check_wiring([asr(TextForm()), TTS]).problems
    assert "language is not declared" in problem.reason
    (problem,) = nt.check_wiring([asr(TextForm("en")), TTS]).problems
    assert problem.reason == "the text may or may not be punctuated; the stage takes punctuated text"
    assert nt.check_wiring([asr(TextForm()), Stage("any", TextForm(), TextForm())]).ok


def test_tensor_sides_of_stages_are_compared_as_tensors() -> None:
    """The round trip: a 22.05 kHz voice into a 16 kHz recogniser needs a resampling stage."""
    (problem,) = nt.check_wiring([TTS, asr()]).problems
    assert problem.result is Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS
    assert "sample_rate 22050 vs 16000" in problem.reason
    resample = Stage("resample", AudioSignal[Tensor, "time"], AUDIO_16K)
    assert nt.check_wiring([TTS, resample, asr()]).ok


def test_text_into_a_tensor_stage_and_stages_beside_typed_modules() -> None:
    (problem,) = nt.check_wiring([PUNCTUATION, Features()]).problems
    assert problem.result is Compatibility.INCOMPATIBLE
    assert (problem.target, problem.parameter) == ("Features", "audio")
    assert "one is text, the other a tensor" in problem.reason
    recorder = Stage("recorder", TextForm(), AudioSignal[Tensor, "batch time", 16000])
    assert nt.check_wiring([recorder, Features()]).ok
    phone = Stage("phone", TextForm(), AudioSignal[Tensor, "batch time", 8000])
    (problem,) = nt.check_wiring([phone, Features()]).problems
    assert "sample_rate 8000 vs 16000" in problem.reason


def test_a_stage_refuses_a_form_that_is_not_one() -> None:
    with pytest.raises(nt.AnnotationError, match=r"Stage\('bad'\): takes must be a TextForm"):
        Stage("bad", "text", TextForm())


def test_text_forms_print_what_they_declare() -> None:
    assert str(RAW) == "Text[en, lowercase, unpunctuated]"
    assert str(TextForm()) == "Text[any]"
    assert str(TTS) == 'tts: Text[en-us, punctuated] -> AudioSignal[Tensor, "time", sample_rate=22050]'


def test_stages_add_no_import_to_the_core() -> None:
    code = ("import sys, neuraltypes as nt; nt.check_wiring([nt.Stage('a', nt.TextForm(), nt.TextForm()), "
            "nt.Stage('b', nt.TextForm(), nt.TextForm())]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('neuraltypes_collections', 'torchaudio', "
            "'lightning', 'hydra')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
