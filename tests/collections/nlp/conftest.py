"""Shared fixtures: the NeMo 2.4 parity checkpoint (a tiny random BERT with both heads) and its recordings."""

from pathlib import Path

import numpy as np
import pytest
import torch
from neuraltypes_collections.common import restore_from
from neuraltypes_collections.nlp import PunctuationCapitalizationModel, TokenClassificationModel

FIXTURE = Path(__file__).parent / "fixtures" / "punctuation_capitalization_nemo24"


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    """The machine is shared: one intra-op thread keeps these tests fast under load (no spin-waiting)."""
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def plain_ner() -> TokenClassificationModel:
    """The NeMo 2.4 token-classification parity checkpoint: no case or word features (tests add them to copies)."""
    model = restore_from(Path(__file__).parent / "fixtures" / "token_classification_nemo24" / "model.nemo")
    assert isinstance(model, TokenClassificationModel)
    return model


@pytest.fixture(scope="session")
def nemo_model() -> PunctuationCapitalizationModel:
    model = restore_from(FIXTURE / "model.nemo")
    assert isinstance(model, PunctuationCapitalizationModel)
    return model


@pytest.fixture(scope="session")
def nemo_inputs() -> dict[str, np.ndarray]:
    with np.load(FIXTURE / "inputs.npz", allow_pickle=False) as data:
        return dict(data)


@pytest.fixture(scope="session")
def nemo_outputs() -> dict[str, np.ndarray]:
    with np.load(FIXTURE / "outputs.npz", allow_pickle=False) as data:
        return dict(data)
