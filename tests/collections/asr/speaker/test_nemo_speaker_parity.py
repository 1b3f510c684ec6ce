"""NeMo parity of the speaker models: three `EncDecSpeakerLabelModel` checkpoints made with NeMo 3.0 (TitaNet-style
attentive pooling with the angular head, SpeakerNet-style x-vector pooling, an ECAPA-TDNN encoder; random weights,
see fixtures/make_nemo_speaker_fixtures.py), reproduced through `restore_from`.

Tolerances are absolute; the embeddings' largest entries are about 10 (12 for ECAPA). All three match within 1e-4
from the audio. ECAPA-TDNN matches bit for bit: its model computes the features with NeMo's arithmetic (the fast front
end's float rounding, ~1e-5, would grow through its unmasked, dilated layers to 1.2e-4); the unit vectors the verbs
compare match within 1e-5 for all three."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from neuraltypes_collections.asr.modules import ConvASREncoder
from neuraltypes_collections.asr.speaker import (
    EcapaEncoder,
    SpeakerLabelModel,
    diarize,
    embed_speakers,
    verify,
)
from neuraltypes_collections.common import InputError, NemoImportError, NeuralModel

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ["titanet_small", "speakernet_small", "ecapa_small"]
TOLERANCE = 1e-4


@pytest.fixture(scope="module", params=NAMES)
def restored(request: pytest.FixtureRequest) -> tuple[SpeakerLabelModel, dict[str, np.ndarray]]:
    model = NeuralModel.restore_from(FIXTURES / request.param / "model.nemo")
    expected = dict(np.load(FIXTURES / request.param / "expected.npz", allow_pickle=False))
    return model, expected | {"name": request.param}


def _difference(actual: torch.Tensor, expected: np.ndarray) -> float:
    return float((actual - torch.from_numpy(expected)).abs().max())


def test_restore_from_gives_an_eval_speaker_model(restored: tuple[SpeakerLabelModel, dict]) -> None:
    model, expected = restored
    assert isinstance(model, SpeakerLabelModel) and not model.training
    assert model.embedding_size == expected["embeddings"].shape[1]
    assert model.config.decoder.num_classes == expected["logits"].shape[1]


@pytest.mark.parametrize("fast", [True, False])
def test_batch_embeddings_and_logits_match_nemo(restored: tuple[SpeakerLabelModel, dict], fast: bool) -> None:
    model, expected = restored
    if isinstance(model.encoder, ConvASREncoder):  # ECAPA-TDNN has one path: both cases run it
        model.encoder.fast_inference = fast
    try:
        with torch.no_grad():
            out = model(torch.from_numpy(expected["audio"]), torch.from_numpy(expected["audio_lengths"]))
    finally:
        if isinstance(model.encoder, ConvASREncoder):
            model.encoder.fast_inference = True
    assert out.embeddings.shape == expected["embeddings"].shape
    assert _difference(out.embeddings, expected["embeddings"]) < TOLERANCE
    assert _difference(out.logits, expected["logits"]) < TOLERANCE
    # the unit vectors the verbs compare: within 1e-5 for all three (ECAPA-TDNN: 3.8e-6 measured)
    unit = torch.nn.functional.normalize(torch.from_numpy(expected["embeddings"]), dim=-1)
    assert float((torch.nn.functional.normalize(out.embeddings, dim=-1) - unit).abs().max()) < 1e-5


def test_ecapa_encoder_and_decoder_match_nemo_from_its_features() -> None:
    model = NeuralModel.restore_from(FIXTURES / "ecapa_small" / "model.nemo")
    expected = np.load(FIXTURES / "ecapa_small" / "expected.npz", allow_pickle=False)
    assert isinstance(model, SpeakerLabelModel) and isinstance(model.encoder, EcapaEncoder)
    assert not model.batch_invariant
    with torch.no_grad():
        encoded, steps = model.encoder(torch.from_numpy(expected["features"]), torch.from_numpy(expected["feature_lengths"]))
        logits, embeddings = model.decoder(encoded, steps)
    assert _difference(embeddings, expected["embeddings"]) < 1e-6
    assert _difference(logits, expected["logits"]) < 1e-6


def test_each_clip_alone_matches_nemo(restored: tuple[SpeakerLabelModel, dict]) -> None:
    model, expected = restored
    audio, lengths = expected["audio"], expected["audio_lengths"]
    with torch.no_grad():
        singles = torch.cat([model(torch.from_numpy(audio[i : i + 1, :n]), torch.tensor([n])).embeddings
                             for i, n in enumerate(lengths.tolist())])  # fmt: skip
    assert _difference(singles, expected["single_embeddings"]) < TOLERANCE
    # whether the batch changes a clip's embedding: not for the Jasper-style encoders (their convolutions and the
    # pooling mask the padding), a little for NeMo's ECAPA-TDNN (its convolutions do not)
    batch_effect = np.abs(expected["single_embeddings"] - expected["embeddings"]).max()
    assert (batch_effect < TOLERANCE) == model.batch_invariant, batch_effect


def test_the_verbs_take_the_imported_model(restored: tuple[SpeakerLabelModel, dict]) -> None:
    model, expected = restored
    audio, lengths = expected["audio"], expected["audio_lengths"]
    clips = [torch.from_numpy(audio[i, :n]) for i, n in enumerate(lengths.tolist())]
    embeddings = embed_speakers(model, clips)
    reference = torch.nn.functional.normalize(torch.from_numpy(expected["single_embeddings"]), dim=-1)
    for embedding, row in zip(embeddings, reference, strict=True):
        assert embedding.vector.shape == row.shape
        assert (embedding.vector - row).abs().max() < 1e-4
    score = verify(model, embeddings[0], embeddings[2], threshold=0.5).score
    assert score == pytest.approx(float(reference[0] @ reference[2]), abs=1e-4)
    # and they are its methods too, the same functions
    assert model.verify(embeddings[0], embeddings[2], threshold=0.5) == verify(model, embeddings[0], embeddings[2], threshold=0.5)
    assert torch.allclose(model.embed_speakers(clips[1]).vector, embeddings[1].vector, atol=1e-5)  # alone, not in a batch
    assert model.identify(embeddings[2], {"a": embeddings[0], "c": clips[2]}, threshold=-1).speaker == "c"


def test_diarize_takes_ge2e_only(restored: tuple[SpeakerLabelModel, dict]) -> None:
    model, _ = restored
    with pytest.raises(InputError, match="diarize: parameter 'model' is a SpeakerLabelModel, expected a GE2EModel"):
        diarize(model, torch.zeros(16000))


def _with_config(source: Path, edit: object) -> bytes:
    """The archive `source` with its model_config.yaml passed through `edit` (a function of the parsed dict)."""
    buffer = io.BytesIO()
    with tarfile.open(source) as old, tarfile.open(fileobj=buffer, mode="w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name.endswith("model_config.yaml") and data is not None:
                config = yaml.safe_load(data)
                edit(config)  # type: ignore[operator]
                data = yaml.safe_dump(config).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("encoder", "_target_", "nemo.collections.asr.modules.ConformerEncoder", "ConformerEncoder.*is not supported"),
        ("decoder", "pool_mode", "mpncov", "pool_mode='mpncov'"),
        ("decoder", "num_classes", None, "no 'num_classes' key"),  # None: the key is deleted
    ],
    ids=["conformer_encoder", "unknown_pool_mode", "missing_key"],
)
def test_an_unsupported_option_is_refused_by_name(
    tmp_path: Path, section: str, key: str, value: str | None, message: str
) -> None:
    def edit(config: dict) -> None:
        if value is None:
            del config[section][key]
        else:
            config[section][key] = value

    path = tmp_path / "edited.nemo"
    path.write_bytes(_with_config(FIXTURES / "titanet_small" / "model.nemo", edit))
    with pytest.raises(NemoImportError, match=message):
        NeuralModel.restore_from(path)


def test_an_unknown_ecapa_option_is_refused_by_name(tmp_path: Path) -> None:
    def edit(config: dict) -> None:
        config["encoder"]["res2net_scale"] = 8

    path = tmp_path / "edited.nemo"
    path.write_bytes(_with_config(FIXTURES / "ecapa_small" / "model.nemo", edit))
    with pytest.raises(NemoImportError, match="option.s. res2net_scale of ECAPAEncoder are not supported"):
        NeuralModel.restore_from(path)
