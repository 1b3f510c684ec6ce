"""`common._verbs.audio_call`: how every audio verb reads its shared keywords (`AudioVerbOptions`) and its inputs."""

import pytest
import torch
from neuraltypes_collections.asr.classification import (
    ClassificationModel,
    ClassificationModelConfig,
    classify,
)
from neuraltypes_collections.asr.vad import detect_speech
from neuraltypes_collections.common import AudioError, InputError
from neuraltypes_collections.common._verbs import audio_call
from neuraltypes_collections.tts import copy_synthesize
from neuraltypes_collections.tts.models import GriffinLim, GriffinLimConfig

import neuraltypes as nt


@pytest.fixture(scope="module")
def classifier() -> ClassificationModel:
    return ClassificationModel(ClassificationModelConfig(labels=("background", "speech"))).eval()


def test_a_verb_refuses_a_keyword_it_does_not_take_by_its_own_name(classifier: ClassificationModel) -> None:
    # the verbs take **options: Python no longer refuses a misspelt keyword, audio_call does, as Python would
    with pytest.raises(TypeError, match=r"^classify\(\) got an unexpected keyword argument 'batchsize'$"):
        classify(classifier, torch.zeros(16000), batchsize=2)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"^detect_speech\(\) got an unexpected keyword argument 'treshold'$"):
        detect_speech(classifier, torch.zeros(16000), treshold=0.3)  # type: ignore[call-overload]
    # copy synthesis vocodes each recording on its own: it takes no batch_size
    vocoder = GriffinLim(GriffinLimConfig(n_iter=1))
    with pytest.raises(TypeError, match=r"^copy_synthesize\(\) got an unexpected keyword argument 'batch_size'$"):
        copy_synthesize(vocoder, torch.zeros(2205), batch_size=2)  # type: ignore[call-overload]


def test_the_shared_defaults_and_one_or_a_list() -> None:
    model = torch.nn.Linear(1, 1)
    many = audio_call("verb", model, 16000, [torch.zeros(4), torch.zeros(5)], {}, batch_size=7)
    assert (many.batch_size, many.progress, many.sample_rate, many.resample) == (7, None, None, True)
    assert many.device == torch.device("cpu") and not many.single
    assert many.answer(["a", "b"]) == ["a", "b"]
    assert [list(run) for run in many.batches(range(3), 2)] == [[0, 1], [2]]
    one = audio_call("verb", model, 16000, torch.zeros(4), {"progress": False, "resample": False}, batch_size=None)
    assert one.single and one.answer(["a"]) == "a" and one.batch_size == 1
    assert (one.progress, one.resample) == (False, False)


def test_the_batch_size_is_checked_before_any_audio_is_read() -> None:
    with pytest.raises(InputError, match="verb: batch_size must be an integer >= 1, got 0"):
        audio_call("verb", torch.nn.Linear(1, 1), 16000, ["missing.wav"], {"batch_size": 0}, batch_size=0)


def test_recordings_are_read_at_the_model_rate_and_named_by_position() -> None:
    clip = nt.tag(torch.zeros(8000), nt.tags.AudioSignal(8000))
    call = audio_call("verb", torch.nn.Linear(1, 1), 16000, [clip, torch.full((10,), float("nan"))], {},
                      batch_size=1)  # fmt: skip
    waveform = call.load(0)
    assert waveform.shape == (16000,) and nt.tag_of(waveform) == nt.tags.AudioSignal(16000)
    with pytest.raises(AudioError, match=r"^inputs\[1\]: 10 of 10 samples are NaN"):
        call.load_all()
    refused = audio_call("verb", torch.nn.Linear(1, 1), 16000, clip, {"resample": False}, batch_size=1)
    with pytest.raises(nt.ContractViolation, match="parameter 'audio' \\(audio\\) is 8000 Hz audio"):
        refused.load(0)
