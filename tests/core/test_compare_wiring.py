"""compare() on annotations, and the wiring check of a chain of typed modules."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import (
    AudioSignal,
    Compatibility,
    ContractViolation,
    MelSpectrogram,
    NeuralModule,
    Spectrogram,
)
from neuraltypes.examples import Decoder, Encoder, Features


def test_compare_annotations() -> None:
    mel = MelSpectrogram[Tensor, "batch mel frame"]
    assert nt.compare(Spectrogram[Tensor, "batch mel frame"], mel) is Compatibility.GREATER
    assert nt.compare(mel, Spectrogram[Tensor, "batch mel frame"]) is Compatibility.LESS
    assert nt.compare(mel, MelSpectrogram[Tensor, "batch frame mel"]) is Compatibility.TRANSPOSE_SAME
    assert nt.compare(AudioSignal[Tensor, "batch time", 16000], AudioSignal[Tensor, "batch time", 8000]) is (
        Compatibility.SAME_TYPE_INCOMPATIBLE_PARAMS
    )
    assert nt.compare(MelSpectrogram[Tensor, "batch mel:80 frame"], mel) is Compatibility.DIM_INCOMPATIBLE
    with pytest.raises(nt.AnnotationError, match="compare\\(\\): the expected type"):
        nt.compare(torch.Tensor, mel)


def test_wiring_of_a_good_chain() -> None:
    report = nt.check_wiring([Features(), Encoder(), Decoder()])
    assert report.ok
    assert str(report) == "wiring ok: Features -> Encoder -> Decoder"


def test_wiring_reports_where_and_why_before_data_flows() -> None:
    report = nt.check_wiring([Features(), Decoder()])
    assert not report.ok
    (problem,) = report.problems
    assert (problem.source, problem.target, problem.parameter) == ("Features", "Decoder", "encoded")
    assert problem.result is Compatibility.INCOMPATIBLE
    assert "a MelSpectrogram is not an AcousticEncoded" in str(report)
    with pytest.raises(ContractViolation, match="NT212"):
        report.raise_if_failed()


def test_wiring_compares_parameters_read_from_each_module() -> None:
    class Vocoder(NeuralModule):
        def __init__(self, sample_rate: int, n_mels: int) -> None:
            super().__init__()
            self.sample_rate, self.n_mels = sample_rate, n_mels

        def forward(
            self,
            mel: MelSpectrogram[Tensor, "batch mel frame", nt.params(sample_rate=nt.attr("sample_rate"),
                                                                      n_mels=nt.attr("n_mels"))],
        ) -> AudioSignal[Tensor, "batch time", nt.attr("sample_rate")]:
            return mel.sum(1)

    assert nt.check_wiring([Features(16000, 8), Vocoder(16000, 8)]).ok
    report = nt.check_wiring([Features(16000, 8), Vocoder(22050, 80)])
    assert "sample_rate 16000 vs 22050" in str(report) and "n_mels 8 vs 80" in str(report)


def test_wiring_flags_an_input_left_unfed() -> None:
    report = nt.check_wiring([Decoder(), Encoder()])
    assert any("not fed" in p.reason for p in report.problems)


def test_wiring_matches_axes_by_position_when_names_differ() -> None:
    class Pool(NeuralModule):
        def forward(self, x: Spectrogram[Tensor, "batch feature frame"]) -> nt.Void[Tensor, "batch feature"]:
            return x.mean(-1)

    class Transposed(NeuralModule):
        def forward(self, x: Spectrogram[Tensor, "batch frame mel"]) -> nt.Void[Tensor, "batch mel"]:
            return x.mean(1)

    class Sized(NeuralModule):
        def forward(self, x: Spectrogram[Tensor, "batch feature:64 frame"]) -> nt.Void[Tensor, "batch feature"]:
            return x.mean(-1)

    assert nt.check_wiring([Features(), Pool()]).ok  # a MelSpectrogram is a Spectrogram; names are local
    assert nt.check_wiring([Features(), Transposed()]).problems[0].result is Compatibility.TRANSPOSE_SAME
    assert nt.check_wiring([Features(n_mels=8), Sized()]).problems[0].result is Compatibility.DIM_INCOMPATIBLE
