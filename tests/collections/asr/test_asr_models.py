"""CTCModel: configs, contracts, the BPE variant, the NeMo importer's refusals, and the public surface."""

from __future__ import annotations

import copy
import subprocess
import sys
import types
from pathlib import Path

import neuraltypes_collections.asr as asr
import pytest
import torch
from neuraltypes_collections.asr import (
    ConvASREncoderConfig,
    CTCModel,
    CTCModelConfig,
    JasperBlockConfig,
    NemoImportError,
    train_bpe_tokenizer,
)
from neuraltypes_collections.asr.models import ctc_config_from_nemo
from neuraltypes_collections.common import NeuralModel, read_nemo

import neuraltypes as nt
from neuraltypes.errors import ContractViolation

FIXTURES = Path(__file__).parent / "fixtures"


def _tiny_encoder(feat_in: int = 64) -> ConvASREncoderConfig:
    return ConvASREncoderConfig(
        feat_in,
        (
            JasperBlockConfig(32, kernel=5, stride=2, separable=True),
            JasperBlockConfig(32, repeat=2, kernel=5, residual=True, separable=True, se=True, se_reduction_ratio=4),
            JasperBlockConfig(48, kernel=1),
        ),
    )


def test_forward_contract_rejects_wrong_rate_and_float_lengths() -> None:
    model = CTCModel(CTCModelConfig(encoder=_tiny_encoder())).eval()
    audio = nt.tag(torch.zeros(1, 8000), nt.tags.AudioSignal(8000))
    with pytest.raises(ContractViolation, match=r"parameter 'audio'[\s\S]*resample 8000 Hz -> 16000 Hz"):
        model(audio, torch.tensor([8000]))
    with pytest.raises(ContractViolation, match="parameter 'lengths'"):
        model(torch.zeros(1, 8000), torch.tensor([8000.0]))
    contract = nt.contract_of(model)
    assert contract["forward"]["inputs"]["audio"]["params"] == {"sample_rate": 16000}
    assert set(contract["forward"]["output"]["fields"]) == {"log_probs", "encoded_lengths", "greedy_predictions"}


def test_encoded_lengths_follow_the_stride_and_padding_is_ignored() -> None:
    torch.manual_seed(0)
    model = CTCModel(CTCModelConfig(encoder=_tiny_encoder())).eval()
    audio = torch.randn(2, 16000) * 0.1
    lengths = torch.tensor([16000, 9000])
    out = model(audio, lengths)
    assert out.encoded_lengths.tolist() == [50, 28]
    noisy = audio.clone()
    noisy[1, 9000:] = 1.0  # garbage beyond the length must not change anything inside it
    again = model(noisy, lengths)
    assert torch.allclose(out.log_probs[1, :28], again.log_probs[1, :28], atol=1e-5)


def test_config_validation_names_the_problem() -> None:
    with pytest.raises(ValueError, match=r"encoder.feat_in \(80\) must equal preprocessor.n_mels \(64\)"):
        CTCModelConfig(encoder=_tiny_encoder(80))
    with pytest.raises(ValueError, match="stride 2 and dilation 2"):
        JasperBlockConfig(32, stride=2, dilation=2)
    with pytest.raises(ValueError, match="bpe_vocab_size"):
        CTCModelConfig(tokenizer="bpe")


def test_bpe_model_round_trips_with_its_tokenizer_artifact(tmp_path: Path) -> None:
    texts = ["the quick brown fox", "jumps over the lazy dog", "hello world", "speech recognition is fun"] * 8
    tokenizer = train_bpe_tokenizer(texts, vocab_size=40)
    config = CTCModelConfig(encoder=_tiny_encoder(), tokenizer="bpe", bpe_vocab_size=40, labels=())
    model = CTCModel(config, tokenizer).eval()
    assert model(torch.zeros(1, 4000), torch.tensor([4000])).log_probs.shape[-1] == 41
    model.save_to(tmp_path / "bpe.nta")
    restored = NeuralModel.restore_from(tmp_path / "bpe.nta")
    assert isinstance(restored, CTCModel)
    assert restored.vocabulary == model.vocabulary
    assert restored.tokenizer.encode("hello world") == tokenizer.encode("hello world")


def test_importer_refuses_options_it_does_not_reproduce() -> None:
    config = read_nemo(FIXTURES / "quartznet5x1_small" / "model.nemo").config
    changed = copy.deepcopy(config)
    changed["encoder"]["jasper"][1]["groups"] = 4
    with pytest.raises(NemoImportError, match=r"jasper\[1\]: groups=4 is not supported"):
        ctc_config_from_nemo(changed, "q.nemo")
    changed = copy.deepcopy(config)
    changed["preprocessor"]["frame_splicing"] = 3
    with pytest.raises(NemoImportError, match="frame_splicing=3"):
        ctc_config_from_nemo(changed, "q.nemo")
    imported = ctc_config_from_nemo(config)
    assert imported.preprocessor.window_length == 320 and imported.encoder.total_stride == 2


def test_public_surface_is_explicit() -> None:
    assert sorted(asr.__all__) == sorted(set(asr.__all__))
    for name in asr.__all__:
        assert not name.startswith("_")
        assert getattr(asr, name) is not None
    extra = {n for n in dir(asr) if not n.startswith("_")} - set(asr.__all__)
    # only subpackages (models, modules, conf, vad) may be reachable without being in __all__
    assert all(isinstance(getattr(asr, n), types.ModuleType) for n in extra), extra


def test_import_is_light() -> None:
    code = (
        "import sys, neuraltypes_collections.asr\n"
        "heavy = [m for m in ('lightning', 'hydra', 'omegaconf', 'torchaudio', 'sentencepiece', 'pytorch_lightning')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"importing the ASR collection loaded {result.stdout.strip()}"


def _valid_max_diff(a: torch.Tensor, b: torch.Tensor, steps: torch.Tensor) -> float:
    return max((a[i, :n] - b[i, :n]).abs().max().item() for i, n in enumerate(steps.tolist()))


def test_fast_path_matches_the_exact_path_and_follows_weight_changes() -> None:
    torch.manual_seed(0)
    encoder = ConvASREncoderConfig(
        64,
        (
            JasperBlockConfig(32, kernel=17, stride=2, separable=True),  # FFT with stride
            JasperBlockConfig(32, repeat=2, kernel=21, residual=True, separable=True, se=True, se_reduction_ratio=4),
            JasperBlockConfig(48, kernel=19, dilation=2, separable=True),  # FFT with dilation
            JasperBlockConfig(48, kernel=1),
        ),
    )
    model = CTCModel(CTCModelConfig(encoder=encoder)).eval()
    audio, lengths = torch.randn(3, 12000) * 0.1, torch.tensor([12000, 7000, 3100])

    def both() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            model.encoder.fast_inference = True
            fast = model(audio, lengths)
            model.encoder.fast_inference = False
            exact = model(audio, lengths)
        model.encoder.fast_inference = True
        return fast.log_probs, exact.log_probs, exact.encoded_lengths

    fast, exact, steps = both()
    assert _valid_max_diff(fast, exact, steps) <= 1e-4
    with torch.no_grad():
        for parameter in model.encoder.parameters():
            parameter.mul_(1.05)
        model.encoder.blocks[1].layers[2].running_var.mul_(2.0)
    fast_after, exact_after, _ = both()
    assert _valid_max_diff(fast_after, exact_after, steps) <= 1e-4
    assert _valid_max_diff(fast_after, fast, steps) > 1e-3  # the cached plan was rebuilt
    model.load_state_dict(CTCModel(CTCModelConfig(encoder=encoder)).state_dict())
    fast_loaded, exact_loaded, _ = both()
    assert _valid_max_diff(fast_loaded, exact_loaded, steps) <= 1e-4


def test_fast_path_is_not_used_with_autograd() -> None:
    model = CTCModel(CTCModelConfig(encoder=_tiny_encoder())).eval()
    out = model(torch.randn(1, 4000), torch.tensor([4000]))
    assert out.log_probs.requires_grad
    out.log_probs.sum().backward()
    assert all(p.grad is not None for p in model.encoder.parameters())


def test_importer_reads_nemo_1_0_cls_params_configs() -> None:
    config = copy.deepcopy(read_nemo(FIXTURES / "quartznet5x1_small" / "model.nemo").config)
    for key in ("preprocessor", "encoder", "decoder", "spec_augment"):
        node = dict(config[key])
        target = node.pop("_target_")
        config[key] = {"cls": target, "params": node}
    legacy = ctc_config_from_nemo(config, "old.nemo")
    assert legacy == ctc_config_from_nemo(read_nemo(FIXTURES / "quartznet5x1_small" / "model.nemo").config)
    config["encoder"]["params"]["residual_mode"] = "stride_add"
    with pytest.raises(NemoImportError, match="residual_mode='stride_add'"):
        ctc_config_from_nemo(config, "old.nemo")


def test_restoring_and_transcribing_does_not_load_the_training_stack() -> None:
    code = (
        "import sys\n"
        "from neuraltypes_collections.common import NeuralModel\n"
        f"model = NeuralModel.restore_from({str(FIXTURES / 'quartznet5x1_small' / 'model.nemo')!r})\n"
        f"model.transcribe([{str(FIXTURES / 'speech' / 'audio' / 'train_0003.wav')!r}])\n"
        "print(','.join(m for m in ('lightning', 'pytorch_lightning', 'hydra', 'omegaconf') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"inference loaded {result.stdout.strip()}"
