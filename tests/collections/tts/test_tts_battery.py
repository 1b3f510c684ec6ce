"""Tiny Tacotron 2 and WaveGlow builders for the TTS tests, and the FastPitch archive's self-containment.

The battery cases of the TTS models live with every other model's in `tests/collections/test_battery.py`.
"""

from pathlib import Path

from neuraltypes_collections.common import NeuralModel
from neuraltypes_collections.tts import (
    EnglishCharsTokenizer,
    FastPitchModel,
    Tacotron2Config,
    Tacotron2Model,
    Tacotron2ModelConfig,
    TextConfig,
    WaveGlowConfig,
    WaveGlowModel,
    WaveGlowModelConfig,
)

FIXTURES = Path(__file__).parent / "fixtures"


def tiny_tacotron2() -> Tacotron2Model:
    tokenizer = EnglishCharsTokenizer()
    network = Tacotron2Config(
        n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id, embedding_dim=32, encoder_convolutions=1,
        prenet_dim=16, attention_rnn_dim=32, decoder_rnn_dim=32, attention_dim=16, location_filters=4,
        location_kernel_size=7, postnet_dim=16, postnet_convolutions=2, max_decoder_steps=12,
    )  # fmt: skip
    return Tacotron2Model(Tacotron2ModelConfig(network, TextConfig(tokenizer="chars", pad_with_space=False)), tokenizer)


def tiny_waveglow() -> WaveGlowModel:
    flow = WaveGlowConfig(n_flows=4, n_group=8, n_early_every=2, n_early_size=2, wn_layers=2, wn_channels=16,
                          upsample_kernel_size=256)  # fmt: skip
    return WaveGlowModel(WaveGlowModelConfig(flow))


def test_fastpitch_archive_is_self_contained(tmp_path: Path) -> None:
    model = NeuralModel.restore_from(FIXTURES / "fastpitch_small" / "model.nemo")
    assert isinstance(model, FastPitchModel)
    assert set(model.artifacts) == {"phoneme_dict.txt", "heteronyms.txt"}
