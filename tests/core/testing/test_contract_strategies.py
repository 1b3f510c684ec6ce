"""The strategies draw what the contract allows, and only that: shared dims, lengths, masks, token ids, probabilities,
tag parameters (also read from the module), small shapes after shrinking; violations break exactly one thing."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, find, given, settings
from torch import Tensor

import neuraltypes as nt
from neuraltypes import (
    AudioSignal,
    Lengths,
    LogProbs,
    Mask,
    MelSpectrogram,
    NeuralModule,
    Probs,
    TokenIndex,
    Void,
    attr,
    params,
)
from neuraltypes.examples import Encoder, Features
from neuraltypes.testing import Violation, arguments, length_axis, tensors, violations

FAST = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


class Recognizer(NeuralModule):
    """A module with every relation the argument strategy must honour (it is never called here)."""

    def __init__(self, sample_rate: int = 22050) -> None:
        super().__init__()
        self.sample_rate = sample_rate

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
        mask: Mask[Tensor, "batch time"],
        tokens: TokenIndex[Tensor, "batch token"],
        token_lengths: Lengths[Tensor, "batch"],
        priors: Probs[Tensor, "batch vocab"],
        scores: LogProbs[Tensor, "batch token vocab"],
        frames: Void[Tensor, "batch time//hop"],
        hop: int,
    ) -> Void[Tensor, "batch"]:
        return lengths.float()


@FAST
@given(arguments(Recognizer(), sizes={"time": (1, 12)}))
def test_drawn_arguments_honour_every_relation_of_the_contract(drawn: dict[str, Any]) -> None:
    audio, lengths, mask, tokens = drawn["audio"], drawn["lengths"], drawn["mask"], drawn["tokens"]
    batch, time = audio.shape
    assert nt.tag_of(audio) == nt.tags.AudioSignal(22050)  # attr("sample_rate") read from the module
    assert audio.dtype == torch.float32 and lengths.dtype == torch.int64 and mask.dtype == torch.bool
    assert lengths.shape == (batch,) and mask.shape == (batch, time)
    assert int(lengths.min()) >= 1 and int(lengths.max()) == time  # the longest item fills the axis
    assert torch.equal(mask, torch.arange(time)[None, :] < lengths[:, None])  # the prefix mask of the lengths
    vocab = drawn["priors"].shape[1]
    assert drawn["scores"].shape == (batch, tokens.shape[1], vocab)
    assert int(tokens.min()) >= 0 and int(tokens.max()) < vocab
    assert int(drawn["token_lengths"].max()) == tokens.shape[1]  # token_lengths measures the token axis
    assert torch.allclose(drawn["priors"].sum(-1), torch.ones(batch))
    assert float(drawn["scores"].max()) <= 0.0
    assert drawn["frames"].shape == (batch, time // drawn["hop"])
    with nt.checking("paranoid"):  # the reference checker agrees
        Recognizer().forward(**drawn)


def test_shrinking_goes_to_the_smallest_shapes() -> None:
    smallest = find(arguments(Features()), lambda drawn: True, settings=settings(database=None))
    assert smallest["audio"].shape == (1, 1) and smallest["lengths"].tolist() == [1]
    longer = find(arguments(Features()), lambda drawn: drawn["audio"].shape[1] >= 5, settings=settings(database=None))
    assert longer["audio"].shape == (1, 5) and longer["lengths"].tolist() == [5]  # full length: no padding


def test_pinned_sizes_fixed_dims_and_ranges_are_honoured() -> None:
    drawn = find(arguments(Encoder(feat_in=3), sizes={"frame": (4, 6)}), lambda d: True,
                 settings=settings(database=None))
    assert drawn["features"].shape == (1, 3, 4)  # n_mels=attr("feat_in") pins mel
    assert nt.tag_of(drawn["features"]) == nt.tags.MelSpectrogram(n_mels=3)


@FAST
@given(tensors(MelSpectrogram[Tensor, "batch mel frame", params(sample_rate=16000, n_mels=80)],
               sizes={"frame": (2, 3)}))
def test_one_annotation(value: Tensor) -> None:
    assert value.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
    assert value.shape[1] == 80 and 2 <= value.shape[2] <= 3 and 1 <= value.shape[0] <= 3
    assert nt.tag_of(value) == nt.tags.MelSpectrogram(sample_rate=16000, n_mels=80)


def test_one_annotation_draws_the_whole_dtype_set_and_fixed_dims() -> None:
    seen: set[torch.dtype] = set()

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(tensors(AudioSignal[Tensor, "batch time"], dims={"time": 7}))
    def collect(value: Tensor) -> None:
        assert value.shape[1] == 7
        seen.add(value.dtype)

    collect()
    assert torch.float32 in seen and len(seen) >= 3


@FAST
@given(tensors(Mask[Tensor, "batch time"]), tensors(Probs[Tensor, "batch vocab"]))
def test_masks_are_prefixes_and_probabilities_sum_to_one(mask: Tensor, probs: Tensor) -> None:
    assert torch.equal(mask, torch.arange(mask.shape[1])[None, :] < mask.sum(1, keepdim=True))
    assert torch.allclose(probs.double().sum(-1), torch.ones(probs.shape[0], dtype=torch.float64), atol=1e-2)


def test_the_lengths_axis_rule() -> None:
    text = TokenIndex[Tensor, "batch token"]
    mel = MelSpectrogram[Tensor, "batch mel frame"]
    length = Lengths[Tensor, "batch"]
    specs = [(name, nt.spec_of(hint)) for name, hint in
             [("tokens", text), ("mel", mel), ("token_lengths", length), ("mel_lengths", length), ("lengths", length)]]
    typed = [(n, s) for n, s in specs if s is not None]
    assert length_axis("token_lengths", "batch", typed) == "token"  # its name names the input
    assert length_axis("mel_lengths", "batch", typed) == "frame"
    assert length_axis("lengths", "batch", typed) == "frame"  # the nearest input before it
    assert length_axis("lengths", "batch", typed[2:]) is None
    signal = [("input_signal", nt.spec_of(AudioSignal[Tensor, "batch time"])), ("processed", nt.spec_of(mel)),
              ("input_signal_length", length)]
    assert length_axis("input_signal_length", "batch", [(n, s) for n, s in signal if s is not None]) == "time"


@nt.checked
def masked(mask: Mask[Tensor, "batch frame"], features: MelSpectrogram[Tensor, "batch mel frame"],
           lengths: Lengths[Tensor, "batch"]) -> Void[Tensor, "batch"]:
    return lengths.float()


@FAST
@given(arguments(masked))
def test_a_mask_before_its_lengths_still_agrees_with_them(drawn: dict[str, Any]) -> None:
    frames = drawn["features"].shape[2]
    assert torch.equal(drawn["mask"], torch.arange(frames)[None, :] < drawn["lengths"][:, None])


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(violations(Recognizer(), sizes={"time": (1, 12)}))
def test_each_violation_breaks_exactly_the_named_parameter(violation: Violation) -> None:
    mode = "paranoid" if violation.kind == "value" else "full"
    with nt.checking(mode), pytest.raises(nt.ContractViolation) as info:
        Recognizer()(**violation.arguments)
    assert info.value.parameter == violation.parameter, violation
    assert info.value.code in violation.codes, violation


def test_violations_cover_every_kind() -> None:
    kinds: set[str] = set()

    @settings(max_examples=80, deadline=None, database=None, derandomize=True)
    @given(violations(Features()))
    def collect(violation: Violation) -> None:
        kinds.add(violation.kind)

    collect()
    assert kinds == {"rank", "dim", "dtype", "tag", "param", "value"}
    only_dims = find(violations(Encoder(), kinds=("dim",)), lambda v: True, settings=settings(database=None))
    assert only_dims.kind == "dim" and only_dims.parameter == "features" and "mel" in only_dims.description


def test_usage_errors_say_what_to_pass() -> None:
    @nt.checked
    def gain(audio: AudioSignal[Tensor, "batch time"], db: float) -> AudioSignal[Tensor, "batch time"]:
        return audio * 10 ** (db / 20)

    with pytest.raises(TypeError, match=r"parameter 'db' has no neural type.*extra=\{'db': \.\.\.\}"):
        arguments(gain)
    drawn = find(arguments(gain, extra={"db": 6.0}), lambda d: True, settings=settings(database=None))
    assert drawn["db"] == 6.0

    @nt.checked
    def embed(tokens: TokenIndex[Tensor, "batch token"]) -> Void[Tensor, "batch token"]:
        return tokens.float()

    with pytest.raises(TypeError, match=r"dims=\{'vocab': N\} or vocab_size=N"):
        arguments(embed)
    drawn = find(arguments(embed, vocab_size=3), lambda d: int(d["tokens"].max()) == 2, settings=settings(database=None))
    assert drawn["tokens"].shape == (1, 1)

    with pytest.raises(nt.AnnotationError, match="declares no neural types") as info:
        arguments(lambda x: x)
    assert info.value.code == "NT108"
    with pytest.raises(nt.AnnotationError, match="tensors\\(\\) takes a neural-type annotation") as info:
        tensors(Tensor)
    assert info.value.code == "NT101"
