"""The shared contract battery (neuraltypes.testing.check_contract) over the classification modules and models:
outputs honour their declared contracts, violations are reported on the right parameter, and, where the model
promises it, padded batches give the same results as each clip alone."""

from __future__ import annotations

import pytest
import torch
from neuraltypes_collections.asr import MelConfig, MFCCConfig, SpecAugmentConfig
from neuraltypes_collections.asr.classification import (
    ClassificationModel,
    ClassificationModelConfig,
    FeatureSpecAugment,
    FrameClassificationModel,
    FrameClassificationModelConfig,
    FrameDecoder,
    PooledDecoder,
    matchboxnet_encoder,
)

from neuraltypes.testing import BatchConsistency, check_contract

ENCODER = matchboxnet_encoder(1, 1, 16, feat_in=20, outer_channels=16)


@pytest.mark.parametrize(
    ("module", "options"),
    [
        (PooledDecoder(16, 5, "avg_valid"), {"dims": {"channel": 16}}),
        (FrameDecoder(16, 2), {"dims": {"channel": 16}}),
        (
            FrameClassificationModel(
                FrameClassificationModelConfig(
                    preprocessor=MelConfig(window_length=400, n_mels=20, normalize=None, pad_to=2),
                    encoder=matchboxnet_encoder(1, 1, 16, feat_in=20, first_stride=2, outer_channels=16),
                )
            ),
            {"sizes": {"time": (400, 4000)}},
        ),
    ],
    ids=["pooled-decoder", "frame-decoder", "frame-model"],
)
def test_modules_pass_the_contract_battery(module: torch.nn.Module, options: dict) -> None:
    torch.manual_seed(0)
    check_contract(module.eval(), batch_consistency=BatchConsistency(atol=1e-4), max_examples=8, **options)


@pytest.mark.parametrize("pooling", ["avg", "avg_valid"])
def test_classifier_passes_the_contract_battery(pooling: str) -> None:
    # The MFCC front-end reads padded audio (NeMo), and "avg" pools over padding: no batch-consistency promise.
    model = ClassificationModel(
        ClassificationModelConfig(
            labels=("a", "b", "c"),
            preprocessor=MFCCConfig(n_mels=20, n_mfcc=20),
            encoder=ENCODER,
            crop_or_pad_frames=None,
            pooling=pooling,
        )
    )
    check_contract(model.eval(), max_examples=8, sizes={"time": (400, 4000)})


def test_spec_augment_passes_the_contract_battery_in_training_mode() -> None:
    augment = FeatureSpecAugment(SpecAugmentConfig(freq_masks=1, time_masks=1, rect_masks=1))
    check_contract(augment.train(), max_examples=8, sizes={"frame": (1, 40)})


# FeatureEncoder is ConvASREncoder (covered by the ASR battery) with its feature axis typed `_`: the battery cannot
# know that axis must equal `feat_in`, so it is exercised through the two models above instead.
