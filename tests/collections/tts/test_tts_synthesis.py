"""Griffin-Lim, the `synthesize` verb and copy synthesis end to end, and the contract between spectrogram
generators and vocoders."""

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.common import AudioError, InputError, NeuralModel, read_audio, resample
from neuraltypes_collections.tts import (
    FastPitchModel,
    GriffinLim,
    GriffinLimConfig,
    MelConfig,
    Speech,
    copy_synthesize,
    synthesize,
)

import neuraltypes as nt
from neuraltypes.errors import ContractViolation

FIXTURES = Path(__file__).parent / "fixtures"
FASTPITCH = FIXTURES / "fastpitch_small" / "model.nemo"
CLIP = FIXTURES / "real_speech" / "audio" / "sense_and_sensibility_01_austen_64kb-0930.wav"


@pytest.fixture(scope="module")
def fastpitch() -> FastPitchModel:
    torch.set_num_threads(1)
    model = NeuralModel.restore_from(FASTPITCH)
    assert isinstance(model, FastPitchModel)
    return model


@pytest.fixture(scope="module")
def griffin_lim() -> GriffinLim:
    return GriffinLim(GriffinLimConfig(n_iter=4))


def test_griffin_lim_reconstructs_real_speech_spectrogram() -> None:
    audio, rate = read_audio(CLIP)
    audio = resample(audio[: rate // 2 * 3], rate, 22050)[None]
    vocoder = GriffinLim(GriffinLimConfig(n_iter=32))
    mel, frames = vocoder.spectrogram(audio, torch.tensor([audio.shape[-1]]))
    rebuilt = vocoder.convert_spectrogram_to_audio(mel)
    assert rebuilt.shape == (1, mel.shape[-1] * 256)
    again, _ = vocoder.spectrogram(rebuilt, torch.tensor([rebuilt.shape[-1]]))
    n = int(frames[0]) - 4
    error = (again[..., 2:n] - mel[..., 2:n]).abs().mean()
    silence = (mel[..., 2:n] - mel[..., 2:n].mean()).abs().mean()
    assert error < 0.35 * silence, f"mean log-mel error {error:.3f} vs spread {silence:.3f}"


def test_synthesize_one_text_gives_one_tagged_speech(
    fastpitch: FastPitchModel, griffin_lim: GriffinLim, tmp_path: Path
) -> None:
    speech = synthesize(fastpitch, "Hello world, 2 tests.", vocoder=griffin_lim)
    assert isinstance(speech, Speech) and speech.sample_rate == 22050
    assert speech.audio.dim() == 1 and speech.audio.shape[0] == speech.spectrogram.shape[-1] * 256
    assert nt.tag_of(speech.audio) == nt.tags.AudioSignal(22050)
    assert nt.tag_of(speech.spectrogram) == nt.tags.MelSpectrogram(sample_rate=22050, n_mels=80, hop_length=256)
    assert speech.duration_s == pytest.approx(speech.audio.shape[0] / 22050)
    speech.save(tmp_path / "out.wav")
    back, rate = read_audio(tmp_path / "out.wav")
    assert rate == 22050 and back.shape == speech.audio.shape
    torch.testing.assert_close(back, speech.audio.clamp(-1, 1), atol=1e-4, rtol=0)
    with pytest.raises(AttributeError):
        speech.sample_rate = 16000  # type: ignore[misc]  # results are frozen


def test_a_list_gives_a_list_in_order_and_the_method_agrees(fastpitch: FastPitchModel) -> None:
    texts = ["Hello.", "How are you today?", "Fine."]
    vocoder = GriffinLim(GriffinLimConfig(n_iter=2))
    torch.manual_seed(0)  # Griffin-Lim starts from random phases
    together = synthesize(fastpitch, texts, vocoder=vocoder)
    assert isinstance(together, list) and len(together) == 3
    for text, speech in zip(texts, together, strict=True):
        torch.manual_seed(0)
        alone = fastpitch.synthesize(text, vocoder=vocoder)
        torch.testing.assert_close(speech.spectrogram, alone.spectrogram)
        assert speech.audio.shape == alone.audio.shape
    assert synthesize(fastpitch, [], vocoder=vocoder) == []


def test_model_by_path_and_default_vocoder(fastpitch: FastPitchModel) -> None:
    speech = synthesize(FASTPITCH, "Hi.")  # vocoder None: Griffin-Lim over the generator's own features
    assert speech.sample_rate == fastpitch.sample_rate
    torch.testing.assert_close(speech.spectrogram, fastpitch.synthesize("Hi.").spectrogram)


@pytest.mark.parametrize(
    ("texts", "name"),
    [("", "text"), ("   \n", "text"), (["Hello.", " "], r"texts\[1\]"), (["Hello.", 3], r"texts\[1\]")],
)
def test_empty_text_is_an_input_error_naming_it(fastpitch: FastPitchModel, texts: object, name: str) -> None:
    with pytest.raises(InputError, match=f"^{name}: ") as info:
        synthesize(fastpitch, texts)  # type: ignore[call-overload]
    assert info.value.code == "NT309"


def test_a_text_without_known_tokens_names_it(fastpitch: FastPitchModel) -> None:
    with pytest.raises(InputError, match=r"^texts\[0\]: "):
        synthesize(fastpitch, ["\u4f60\u597d"])


def test_bad_arguments_are_input_errors(fastpitch: FastPitchModel, griffin_lim: GriffinLim) -> None:
    with pytest.raises(InputError, match="pace must be > 0"):
        synthesize(fastpitch, "Hi.", pace=0.0)
    with pytest.raises(InputError, match="parameter 'model' is a GriffinLim, expected a spectrogram generator"):
        synthesize(griffin_lim, "Hi.")  # type: ignore[call-overload]
    with pytest.raises(InputError, match="holds a FastPitchModel, not a vocoder"):
        synthesize(fastpitch, "Hi.", vocoder=FASTPITCH)


def test_synthesize_refuses_mismatched_vocoder(fastpitch: FastPitchModel) -> None:
    features_16k = MelConfig.hifigan().with_(sample_rate=16000, n_mels=64, n_fft=512, window_length=400, hop_length=160)
    vocoder = GriffinLim(GriffinLimConfig(features=features_16k, n_iter=2))
    with pytest.raises(ContractViolation, match="GriffinLim.convert_spectrogram_to_audio: parameter 'mel'") as info:
        synthesize(fastpitch, "Hello.", vocoder=vocoder)
    message = str(info.value)
    assert "sample_rate=22050" in message and "n_mels=80" in message  # what FastPitch produced
    assert "sample_rate=16000" in message and "n_mels=64" in message  # what this vocoder expects


def test_copy_synthesis_of_an_8khz_clip_equals_resampling_it_first() -> None:
    vocoder = GriffinLim(GriffinLimConfig(n_iter=2))
    audio, rate = read_audio(CLIP)
    clip_8k = resample(audio[:rate], rate, 8000)  # tagged AudioSignal(8000)
    torch.manual_seed(0)
    tagged = copy_synthesize(vocoder, clip_8k)
    torch.manual_seed(0)
    first = copy_synthesize(vocoder, resample(clip_8k, 8000, 22050))
    assert tagged.sample_rate == 22050
    torch.testing.assert_close(tagged.spectrogram, first.spectrogram, rtol=0, atol=0)
    torch.testing.assert_close(tagged.audio, first.audio, rtol=0, atol=0)
    with pytest.raises(ContractViolation, match="8000 Hz.*22050 Hz") as info:
        copy_synthesize(vocoder, clip_8k, resample=False)
    assert info.value.code == "NT208"


def test_copy_synthesis_of_files_and_arrays() -> None:
    vocoder = GriffinLim(GriffinLimConfig(n_iter=2))
    audio, rate = read_audio(CLIP)
    results = copy_synthesize(vocoder, [CLIP, audio[:rate].numpy()])
    assert [type(result) for result in results] == [Speech, Speech]
    assert abs(results[0].duration_s - audio.shape[0] / rate) < 0.02
    assert abs(results[1].duration_s - rate / 22050) < 0.02  # an untagged array is at the vocoder's rate
    with pytest.raises(AudioError, match=r"^audio: 800 of 800 samples are NaN") as info:
        copy_synthesize(vocoder, np.full(800, np.nan, dtype=np.float32))
    assert info.value.code == "NT306"


def test_spectrogram_png(fastpitch: FastPitchModel, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib draws the optional spectrogram PNG")
    from neuraltypes_collections.tts import save_spectrogram_png

    save_spectrogram_png(tmp_path / "mel.png", fastpitch.generate_spectrogram(fastpitch.parse("Hi."))[0], "hi")
    assert (tmp_path / "mel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
