"""Every registered model class passes the shared model battery (`check_neural_model`: config, registry,
archive round trip, contract).

`CASES` is the one list of battery cases, each a small model that runs in a second or two on a CPU.
`test_every_registered_model_has_a_battery_case` fails for a model class that the collections register but
that has no case here, so a new model cannot skip the battery: add its case to `CASES`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neuraltypes_collections
import pytest
import torch
from neuraltypes_collections.asr import (
    ConvASREncoderConfig,
    CTCModel,
    CTCModelConfig,
    JasperBlockConfig,
    MelConfig,
    MFCCConfig,
    SpecAugmentConfig,
    load_model_config,
    train_bpe_tokenizer,
)
from neuraltypes_collections.asr.classification import (
    ClassificationModel,
    ClassificationModelConfig,
    FrameClassificationModel,
    FrameClassificationModelConfig,
    matchboxnet_encoder,
)
from neuraltypes_collections.asr.speaker import (
    GE2EConfig,
    GE2EModel,
    SpeakerDecoderConfig,
    SpeakerLabelModel,
    SpeakerLabelModelConfig,
    ecapa_encoder,
    titanet_encoder,
    titanet_mel_config,
)
from neuraltypes_collections.asr.whisper import WhisperConfig, WhisperDimensions, WhisperModel
from neuraltypes_collections.common import (
    NeuralModel,
    TinyRegressor,
    TinyRegressorConfig,
    check_neural_model,
    register_model,
    registered_models,
)
from neuraltypes_collections.nlp import (
    PunctuationCapitalizationConfig,
    PunctuationCapitalizationModel,
    QuestionAnsweringConfig,
    QuestionAnsweringModel,
    TokenClassificationConfig,
    TokenClassificationModel,
)
from neuraltypes_collections.tts import (
    EnglishCharsTokenizer,
    FastPitchModel,
    GriffinLim,
    GriffinLimConfig,
    HifiGan,
    HifiGanConfig,
    HifiGanModelConfig,
    Tacotron2Config,
    Tacotron2Model,
    Tacotron2ModelConfig,
    TextConfig,
    VitsConfig,
    VitsModel,
    VitsModelConfig,
    WaveGlowConfig,
    WaveGlowModel,
    WaveGlowModelConfig,
)

from neuraltypes import Encoded, RegressionValues

TTS_FIXTURES = Path(__file__).parent / "tts" / "fixtures"


@dataclass(frozen=True)
class BatteryCase:
    """One model for the battery: its registered class, how to build a small one, and what to call it on."""

    model: type[NeuralModel]
    id: str
    build: Callable[[], NeuralModel]
    inputs: Callable[[], tuple[Any, ...]]


# asr (CTC) ------------------------------------------------------------------------------------------------


def _tiny_jasper(feat_in: int = 64) -> ConvASREncoderConfig:
    return ConvASREncoderConfig(
        feat_in,
        (
            JasperBlockConfig(32, kernel=5, stride=2, separable=True),
            JasperBlockConfig(32, repeat=2, kernel=5, residual=True, se=True, se_reduction_ratio=4),
            JasperBlockConfig(32, kernel=3, residual=True, residual_dense=True, separable=True),
            JasperBlockConfig(48, kernel=1),
        ),
    )


def _quartznet_tiny() -> CTCModel:
    return CTCModel(load_model_config("quartznet_tiny"))


def _bpe_ctc() -> CTCModel:
    texts = ["the quick brown fox", "jumps over the lazy dog", "hello world", "speech recognition is fun"] * 8
    config = CTCModelConfig(encoder=_tiny_jasper(), tokenizer="bpe", bpe_vocab_size=40, labels=())
    return CTCModel(config, train_bpe_tokenizer(texts, vocab_size=40))


def _speech() -> tuple[torch.Tensor, torch.Tensor]:
    """Half a second of noise and a shorter clip padded to it, at 16 kHz."""
    return torch.randn(2, 8000) * 0.1, torch.tensor([8000, 5000])


def _tiny_whisper() -> WhisperModel:
    """A random Whisper with 16 features, one block each side and a 100-token vocabulary (0.5 s windows)."""
    dims = WhisperDimensions(n_mels=8, n_audio_ctx=25, n_audio_state=16, n_audio_head=2, n_audio_layer=1,
                             n_vocab=100, n_text_ctx=8, n_text_state=16, n_text_head=2, n_text_layer=1)  # fmt: skip
    return WhisperModel(WhisperConfig(dims, suppress_ids=(1, 2), alignment_heads=((0, 1),)))


def _speech_and_tokens() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.randn(2, 8000) * 0.1, torch.tensor([8000, 5000]), torch.tensor([[1, 2, 3], [4, 5, 6]])


# asr (classification, VAD) --------------------------------------------------------------------------------


def _matchboxnet_mfcc() -> ClassificationModel:
    encoder = matchboxnet_encoder(1, 1, 16, feat_in=20, outer_channels=16)
    config = ClassificationModelConfig(("yes", "no", "up"), MFCCConfig(n_mels=20, n_mfcc=20), encoder)
    return ClassificationModel(config)


def _marblenet_mel_avg() -> ClassificationModel:
    encoder = matchboxnet_encoder(1, 2, 16, feat_in=20, outer_channels=16)
    config = ClassificationModelConfig(
        ("background", "speech"), MelConfig(n_mels=20), encoder,
        spec_augment=SpecAugmentConfig(), crop_or_pad_frames=None, pooling="avg",
    )  # fmt: skip
    return ClassificationModel(config)


def _frame_vad() -> FrameClassificationModel:
    preprocessor = MelConfig(window_length=400, n_mels=20, normalize=None, pad_to=2)
    encoder = matchboxnet_encoder(1, 1, 16, feat_in=20, first_stride=2, outer_channels=16)
    config = FrameClassificationModelConfig(preprocessor=preprocessor, encoder=encoder)
    return FrameClassificationModel(config)


def _tiny_ge2e() -> GE2EModel:
    """A random GE2E encoder: one 16-unit LSTM layer, 8-dimensional embeddings, partials of 20 frames every 10."""
    return GE2EModel(GE2EConfig(hidden_size=16, num_layers=1, embedding_size=8, partial_frames=20, partial_rate_hz=10.0))


def _tiny_titanet() -> SpeakerLabelModel:
    """A random TitaNet-style speaker model: 20 mel bands, one 16-filter block, attentive pooling, 8-d embeddings."""
    encoder = titanet_encoder(16, 1, 24, feat_in=20, kernels=(3,))
    decoder = SpeakerDecoderConfig(num_classes=3, emb_sizes=(8,), attention_channels=4)
    return SpeakerLabelModel(SpeakerLabelModelConfig(titanet_mel_config().with_(n_mels=20), encoder, decoder))


def _tiny_ecapa() -> SpeakerLabelModel:
    """A random ECAPA-TDNN speaker model: 20 mel bands, two 16-channel SE-TDNN blocks, 8-d embeddings."""
    decoder = SpeakerDecoderConfig(num_classes=3, emb_sizes=(8,), attention_channels=4)
    config = SpeakerLabelModelConfig(titanet_mel_config().with_(n_mels=20), ecapa_encoder(16, 2, feat_in=20), decoder)
    return SpeakerLabelModel(config)


# nlp ------------------------------------------------------------------------------------------------------

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "how", "are", "you", "##s"]


def _tiny_punctuation() -> PunctuationCapitalizationModel:
    """A random two-layer BERT with 16 features, built from artifacts as NeMo imports are (no download)."""
    bert = {"vocab_size": len(VOCAB), "hidden_size": 16, "num_hidden_layers": 2,
            "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32}  # fmt: skip
    artifacts = {"encoder_config.json": json.dumps(bert).encode(), "vocab.txt": "\n".join(VOCAB).encode()}
    config = PunctuationCapitalizationConfig(max_length=32)
    return PunctuationCapitalizationModel.from_config(config, artifacts)


def _tiny_ner() -> TokenClassificationModel:
    """The same random BERT under a BIO entity head."""
    bert = {"vocab_size": len(VOCAB), "hidden_size": 16, "num_hidden_layers": 2,
            "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32}  # fmt: skip
    artifacts = {"encoder_config.json": json.dumps(bert).encode(), "vocab.txt": "\n".join(VOCAB).encode()}
    return TokenClassificationModel.from_config(TokenClassificationConfig(max_length=32), artifacts)


def _tiny_qa() -> QuestionAnsweringModel:
    """The same random BERT under a start/end head."""
    bert = {"vocab_size": len(VOCAB), "hidden_size": 16, "num_hidden_layers": 2,
            "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32}  # fmt: skip
    artifacts = {"encoder_config.json": json.dumps(bert).encode(), "vocab.txt": "\n".join(VOCAB).encode()}
    config = QuestionAnsweringConfig(max_length=32, doc_stride=8, max_question_tokens=8)
    return QuestionAnsweringModel.from_config(config, artifacts)


def _token_ids() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.tensor([[2, 5, 6, 7, 3], [2, 8, 9, 3, 0]])
    return ids, ids != 0


# tts ------------------------------------------------------------------------------------------------------


def _tiny_tacotron2() -> Tacotron2Model:
    tokenizer = EnglishCharsTokenizer()
    network = Tacotron2Config(
        n_tokens=tokenizer.vocab_size, pad_id=tokenizer.pad_id, embedding_dim=32, encoder_convolutions=1,
        prenet_dim=16, attention_rnn_dim=32, decoder_rnn_dim=32, attention_dim=16, location_filters=4,
        location_kernel_size=7, postnet_dim=16, postnet_convolutions=2, max_decoder_steps=12,
    )  # fmt: skip
    text = TextConfig(tokenizer="chars", pad_with_space=False)
    return Tacotron2Model(Tacotron2ModelConfig(network, text), tokenizer)


def _tiny_waveglow() -> WaveGlowModel:
    flow = WaveGlowConfig(n_flows=4, n_group=8, n_early_every=2, n_early_size=2, wn_layers=2, wn_channels=16,
                          upsample_kernel_size=256)  # fmt: skip
    return WaveGlowModel(WaveGlowModelConfig(flow))


def _mel() -> tuple[torch.Tensor]:
    return (torch.randn(2, 80, 6) - 5.0,)


def _tiny_hifigan() -> HifiGan:
    return HifiGan(HifiGanModelConfig(HifiGanConfig(upsample_initial_channel=16)))


def _fastpitch() -> NeuralModel:
    return NeuralModel.restore_from(TTS_FIXTURES / "fastpitch_small" / "model.nemo")


def _text_ids() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([[3, 4, 5], [6, 7, 28]]), torch.tensor([3, 2])


def _tiny_vits() -> VitsModel:
    """A random VITS with 8 channels, one encoder layer, two couplings and a two-stage decoder (hop 4)."""
    network = VitsConfig(
        n_symbols=12, hidden_channels=8, filter_channels=16, n_layers=1, inter_channels=8, flow_layers=2, n_flows=2,
        upsample_rates=(2, 2), upsample_kernel_sizes=(4, 4), upsample_initial_channel=8,
        resblock_kernel_sizes=(3,), resblock_dilation_sizes=((1, 2),),
    )  # fmt: skip
    symbols = {"_": 0, "^": 1, "$": 2, " ": 3, "a": 4, "b": 5, "ˈ": 6}
    return VitsModel(VitsModelConfig(network, symbols))


def _phoneme_ids() -> tuple[Any, ...]:
    """Two framed utterances, the second padded; the controls: length_scale 1, both noise scales 0."""
    return torch.tensor([[1, 0, 4, 0, 6, 0, 5, 0, 2], [1, 0, 5, 0, 2, 0, 0, 0, 0]]), torch.tensor([9, 5]), 1.0, 0.0, 0.0


CASES: tuple[BatteryCase, ...] = (
    BatteryCase(CTCModel, "ctc-quartznet_tiny", _quartznet_tiny, _speech),
    BatteryCase(CTCModel, "ctc-jasper-bpe", _bpe_ctc, _speech),
    BatteryCase(WhisperModel, "whisper-tiny-random", _tiny_whisper, _speech_and_tokens),
    BatteryCase(ClassificationModel, "classification-matchboxnet-mfcc", _matchboxnet_mfcc, _speech),
    BatteryCase(ClassificationModel, "classification-marblenet-mel-avg", _marblenet_mel_avg, _speech),
    BatteryCase(FrameClassificationModel, "frame-vad", _frame_vad, _speech),
    BatteryCase(GE2EModel, "ge2e-speaker", _tiny_ge2e, _speech),
    BatteryCase(SpeakerLabelModel, "speaker-label-titanet", _tiny_titanet, _speech),
    BatteryCase(SpeakerLabelModel, "speaker-label-ecapa", _tiny_ecapa, _speech),
    BatteryCase(PunctuationCapitalizationModel, "punctuation-tiny-bert", _tiny_punctuation, _token_ids),
    BatteryCase(TokenClassificationModel, "ner-tiny-bert", _tiny_ner, _token_ids),
    BatteryCase(QuestionAnsweringModel, "qa-tiny-bert", _tiny_qa, _token_ids),
    BatteryCase(TinyRegressor, "tiny_regressor", lambda: TinyRegressor(TinyRegressorConfig()),
                lambda: (torch.randn(3, 4),)),
    BatteryCase(HifiGan, "hifigan", _tiny_hifigan, _mel),
    BatteryCase(GriffinLim, "griffin_lim", lambda: GriffinLim(GriffinLimConfig(n_iter=2)), _mel),
    BatteryCase(WaveGlowModel, "waveglow", _tiny_waveglow, _mel),
    BatteryCase(Tacotron2Model, "tacotron2", _tiny_tacotron2, _text_ids),
    BatteryCase(FastPitchModel, "fastpitch", _fastpitch, lambda: (torch.tensor([[0, 77, 74, 0]]),)),
    BatteryCase(VitsModel, "vits", _tiny_vits, _phoneme_ids),
)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_model_battery(case: BatteryCase, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = case.build()
    assert type(model) is case.model, f"{case.id} builds a {type(model).__name__}, not {case.model.__name__}"
    check_neural_model(model, case.inputs(), directory=tmp_path)


# every registered model has a case ------------------------------------------------------------------------


def library_models() -> dict[str, type[NeuralModel]]:
    """The model classes the collections register, by name.

    Imports every module of the collections whose source mentions `@register_model(` (whether or not its
    package imports it), then reads the registry, leaving out the classes that tests register for themselves.
    """
    [root] = [Path(folder) for folder in neuraltypes_collections.__path__]
    for path in sorted(root.rglob("*.py")):
        if "@register_model(" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            importlib.import_module(".".join(("neuraltypes_collections", *parts)))
    package = "neuraltypes_collections."
    return {name: cls for name, cls in registered_models().items() if cls.__module__.startswith(package)}


def models_without_a_case(models: Mapping[str, type[NeuralModel]], cases: Iterable[BatteryCase]) -> list[str]:
    """The registered names, from `models`, of the classes that no case in `cases` builds."""
    covered = {case.model for case in cases}
    return sorted(name for name, cls in models.items() if cls not in covered)


def test_every_registered_model_has_a_battery_case() -> None:
    models = library_models()
    assert {"asr.ctc", "asr.classification", "asr.frame_classification", "nlp.punctuation_capitalization",
            "tts.fastpitch", "common.tiny_regressor"} <= set(models)  # fmt: skip
    missing = models_without_a_case(models, CASES)
    assert not missing, f"registered model classes without a case in {Path(__file__).name}'s CASES: {missing}"


def test_a_registered_model_without_a_case_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from neuraltypes_collections.common import _config, _model

    # register into copies of the registries, which monkeypatch puts back afterwards
    monkeypatch.setattr(_model, "_MODELS", dict(_model._MODELS))
    monkeypatch.setattr(_config, "_TARGETS", dict(_config._TARGETS))

    class Forgotten(NeuralModel):
        """A model a collection might add tomorrow and forget to give a battery case."""

        Config = TinyRegressorConfig

        def forward(
            self, features: Encoded[torch.Tensor, "batch channel"]
        ) -> RegressionValues[torch.Tensor, "batch"]:
            return features.sum(-1)

    Forgotten.__module__ = "neuraltypes_collections.common._forgotten"  # as if a collection defined it
    register_model("common.forgotten")(Forgotten)
    assert models_without_a_case(library_models(), CASES) == ["common.forgotten"]
    monkeypatch.undo()
    assert "common.forgotten" not in registered_models()
    assert models_without_a_case(library_models(), CASES) == []
