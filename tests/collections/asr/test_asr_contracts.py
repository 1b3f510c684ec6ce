"""The shared contract battery (neuraltypes.testing.check_contract) over every ASR module and the CTC model:
outputs honour the declared contract, violations are reported on the right parameter, and padded batches give
the same results as each item alone."""

from __future__ import annotations

import pytest
import torch
from neuraltypes_collections.asr import (
    ConvASREncoder,
    ConvASREncoderConfig,
    CTCDecoder,
    CTCModel,
    CTCModelConfig,
    JasperBlockConfig,
    MelConfig,
    MelFrontEnd,
    MFCCPreprocessor,
)

import neuraltypes as nt
from neuraltypes.testing import BatchConsistency, check_contract

ENCODER = ConvASREncoderConfig(
    64,
    (
        JasperBlockConfig(16, kernel=5, stride=2, separable=True),
        JasperBlockConfig(16, kernel=17, residual=True, separable=True, se=True, se_reduction_ratio=4),
        JasperBlockConfig(24, kernel=3, repeat=2, residual=True, residual_dense=True),
        JasperBlockConfig(24, kernel=1),
    ),
)


@pytest.mark.parametrize(
    ("module", "options"),
    [
        (MelFrontEnd(), {"sizes": {"time": (200, 2000)}}),
        (MelFrontEnd(MelConfig(normalize=None, pad_to=0)), {"sizes": {"time": (1, 2000)}}),
        (ConvASREncoder(ENCODER), {"sizes": {"frame": (1, 40)}}),
        (CTCDecoder(24, 29), {"dims": {"channel": 24}}),
        (CTCModel(CTCModelConfig(encoder=ENCODER)), {"sizes": {"time": (400, 4000)}}),
    ],
    ids=["mel", "mel-unnormalized", "encoder", "decoder", "ctc-model"],
)
def test_asr_modules_pass_the_contract_battery(module: torch.nn.Module, options: dict) -> None:
    torch.manual_seed(0)
    report = check_contract(module, batch_consistency=BatchConsistency(atol=1e-4), max_examples=8, **options)
    assert report is not None


def test_mfcc_passes_the_contract_battery_without_batch_consistency() -> None:
    # NeMo's MFCC front-end does not mask padded audio (reflect padding reads it), so it is batch-dependent by
    # design; its outputs and violations are still checked.
    check_contract(MFCCPreprocessor(), max_examples=8, sizes={"time": (400, 2000)})


def test_the_pipeline_is_wired_consistently() -> None:
    model = CTCModel(CTCModelConfig(encoder=ENCODER))
    assert "wiring ok" in str(nt.check_wiring([model.preprocessor, model.encoder, model.decoder]))
    eighty = CTCModel(CTCModelConfig(encoder=ConvASREncoderConfig(80, ENCODER.blocks),
                                     preprocessor=MelConfig(n_mels=80)))
    report = nt.check_wiring([model.preprocessor, eighty.encoder])
    assert report.problems and "n_mels 64 vs 80" in str(report)
