"""Call-time behaviour: every rule of the contract, on functions and on NeuralModule.forward."""

from __future__ import annotations

import threading
from typing import NamedTuple

import pytest
import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import (
    AudioSignal,
    ContractViolation,
    Labels,
    Lengths,
    Logits,
    Mask,
    MelSpectrogram,
    NeuralModule,
    Spectrogram,
    Void,
    checked,
)
from neuraltypes.examples import Decoder, Encoder, Features, Pipeline


@checked
def mix(a: AudioSignal[Tensor, "batch time"], b: AudioSignal[Tensor, "batch time"]) -> AudioSignal[Tensor, "batch time"]:
    return a + b


@checked
def frame(audio: AudioSignal[Tensor, "batch time"], hop: int) -> Spectrogram[Tensor, "batch _ time//hop"]:
    return audio[:, : audio.shape[1] // hop * hop].reshape(audio.shape[0], -1, hop).transpose(1, 2)


def test_untagged_tensors_are_checked_for_shape_and_dtype() -> None:
    out = mix(torch.zeros(2, 5), torch.zeros(2, 5))
    assert nt.tag_of(out) == nt.tags.AudioSignal()
    with pytest.raises(ContractViolation, match="rank 1, expected 2"):
        mix(torch.zeros(5), torch.zeros(2, 5))
    with pytest.raises(ContractViolation, match="dtype int64"):
        mix(torch.zeros(2, 5, dtype=torch.long), torch.zeros(2, 5))


def test_dims_bind_across_arguments_positional_and_keyword() -> None:
    for call in (lambda: mix(torch.zeros(2, 5), torch.zeros(3, 5)), lambda: mix(b=torch.zeros(3, 5), a=torch.zeros(2, 5))):
        with pytest.raises(ContractViolation, match="dim 'batch'") as info:
            call()
        assert info.value.parameter == "b"
        assert info.value.code == "NT205"


def test_dims_bind_into_the_return_value() -> None:
    @checked
    def shrink(a: AudioSignal[Tensor, "batch time"]) -> AudioSignal[Tensor, "batch time"]:
        return a[:, 1:]

    with pytest.raises(ContractViolation, match="parameter 'return'") as info:
        shrink(torch.zeros(2, 5))
    assert "time=5 (from a)" in str(info.value)


def test_symbolic_dims() -> None:
    assert frame(torch.zeros(1, 40), hop=4).shape == (1, 4, 10)

    @checked
    def wrong(audio: AudioSignal[Tensor, "batch time"]) -> AudioSignal[Tensor, "batch time-1"]:
        return audio

    with pytest.raises(ContractViolation, match="expected time-1 = 4"):
        wrong(torch.zeros(1, 5))


def test_fixed_sizes_any_and_variadic_dims() -> None:
    @checked
    def f(x: Void[Tensor, "*batch 3 _"], y: Void[Tensor, "... 3"]) -> Void[Tensor, "*batch"]:
        return x.sum((-1, -2))

    assert f(torch.zeros(2, 4, 3, 7), torch.zeros(3)).shape == (2, 4)
    assert f(torch.zeros(3, 1), torch.zeros(5, 5, 3)).shape == ()
    with pytest.raises(ContractViolation, match="axis 1 has size 4, expected 3"):
        f(torch.zeros(2, 4, 7), torch.zeros(3))
    with pytest.raises(ContractViolation, match="rank 1, expected at least 2"):
        f(torch.zeros(3), torch.zeros(3))


def test_broadcast_dims() -> None:
    @checked
    def add(x: Void[Tensor, "batch time"], y: Void[Tensor, "#batch time"]) -> Void[Tensor, "batch time"]:
        return x + y

    add(torch.zeros(4, 3), torch.zeros(1, 3))
    add(torch.zeros(4, 3), torch.zeros(4, 3))
    with pytest.raises(ContractViolation, match="dim 'batch'"):
        add(torch.zeros(4, 3), torch.zeros(2, 3))


class Probe(NeuralModule):
    def forward(self, spectrogram: Spectrogram[Tensor, "batch mel frame"]) -> Void[Tensor, "batch"]:
        return spectrogram.sum((1, 2))


def test_tag_child_accepted_parent_and_sibling_rejected() -> None:
    probe = Probe()
    probe(nt.tag(torch.zeros(2, 3, 4), nt.tags.MelSpectrogram(16000)))  # child: accepted
    with pytest.raises(ContractViolation, match="an MFCC is not a MelSpectrogram") as info:
        Encoder()(nt.tag(torch.zeros(2, 8, 4), nt.tags.MFCC()), torch.tensor([4, 4]))
    assert info.value.code == "NT207"
    with pytest.raises(ContractViolation, match="a Spectrogram is more general than a MelSpectrogram"):
        Encoder()(nt.tag(torch.zeros(2, 8, 4), nt.tags.Spectrogram()), torch.tensor([4, 4]))


def test_parameters_are_compared_also_across_subclasses() -> None:
    class HiRes(nt.tags.AudioSignal):
        pass

    features = Features(sample_rate=16000)
    features(nt.tag(torch.zeros(1, 16), HiRes(16000)), torch.tensor([16]))
    with pytest.raises(ContractViolation, match="resample 8000 Hz -> 16000 Hz") as info:
        features(nt.tag(torch.zeros(1, 16), HiRes(8000)), torch.tensor([16]))
    assert info.value.code == "NT208"


def test_logits_where_labels_expected_is_rejected() -> None:
    @checked
    def accuracy(labels: Labels[Tensor, "batch"], predicted: Labels[Tensor, "batch"]) -> Void[Tensor, ""]:
        return (labels == predicted).float().mean()

    with pytest.raises(ContractViolation, match="a Logits is not a Labels"):
        accuracy(nt.tag(torch.zeros(3, dtype=torch.long), nt.tags.Logits()), torch.zeros(3, dtype=torch.long))


def test_outputs_carry_their_tag_to_the_next_module(audio: Tensor, lengths: Tensor) -> None:
    mel, mel_lengths = Features()(audio, lengths)
    assert nt.tag_of(mel) == nt.tags.MelSpectrogram(sample_rate=16000, n_mels=8)
    assert nt.tag_of(mel_lengths) == nt.tags.Lengths()
    with pytest.raises(ContractViolation, match="a MelSpectrogram is not an AcousticEncoded"):
        Decoder()(nt.tag(torch.zeros(2, 16, 3), nt.tag_of(mel)))  # right shape, wrong meaning


def test_strict_mode_rejects_untagged_tensors(audio: Tensor, lengths: Tensor) -> None:
    model = Pipeline()
    model(audio, lengths)
    with nt.checking(strict=True):
        model(audio, nt.tag(lengths, nt.tags.Lengths()))
        with pytest.raises(ContractViolation, match="untagged tensor in strict mode") as info:
            model(audio, torch.tensor([800, 640]))
    assert info.value.code == "NT209"


def test_optional_arguments_may_be_omitted() -> None:
    @checked
    def pool(x: Void[Tensor, "batch time"], mask: Mask[Tensor, "batch time"] | None = None) -> Void[Tensor, "batch"]:
        return x.sum(1) if mask is None else (x * mask).sum(1)

    pool(torch.zeros(2, 3))
    pool(torch.zeros(2, 3), None)
    pool(torch.zeros(2, 3), mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ContractViolation, match="dim 'time'"):
        pool(torch.zeros(2, 3), torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        pool()  # type: ignore[call-arg]


class Pair(NamedTuple):
    logits: Logits[Tensor, "batch vocab"]
    lengths: Lengths[Tensor, "batch"]


def test_namedtuple_and_tuple_outputs_checked_element_by_element() -> None:
    @checked
    def good(x: Void[Tensor, "batch vocab"]) -> Pair:
        return Pair(x, torch.zeros(x.shape[0], dtype=torch.long))

    out = good(torch.zeros(2, 3))
    assert nt.tag_of(out.logits) == nt.tags.Logits() and nt.tag_of(out.lengths) == nt.tags.Lengths()

    @checked
    def bad(x: Void[Tensor, "batch vocab"]) -> Pair:
        return Pair(x, torch.zeros(x.shape[0] + 1, dtype=torch.long))

    with pytest.raises(ContractViolation, match="parameter 'return.lengths'"):
        bad(torch.zeros(2, 3))

    @checked
    def short(x: Void[Tensor, "batch"]) -> tuple[Void[Tensor, "batch"], Void[Tensor, "batch"]]:
        return (x,)  # type: ignore[return-value]

    with pytest.raises(ContractViolation, match="expected tuple of 2 items, got tuple of 1"):
        short(torch.zeros(2))


def test_every_element_of_a_list_is_checked() -> None:
    @checked
    def stack(chunks: list[AudioSignal[Tensor, "batch time"]]) -> AudioSignal[Tensor, "batch n time"]:
        return torch.stack(chunks, 1)

    chunks = [torch.zeros(2, 4) for _ in range(50)]
    stack(chunks)
    chunks[37] = torch.zeros(2, 5)
    with pytest.raises(ContractViolation, match=r"parameter 'chunks\[37\]'"):
        stack(chunks)


def test_a_module_without_contract_is_a_plain_passthrough() -> None:
    class Plain(NeuralModule):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return x

    assert Plain()("anything") == "anything"


def test_input_and_output_types_are_derived_from_the_signature() -> None:
    features = Features(sample_rate=22050, n_mels=8)
    inputs, outputs = features.input_types, features.output_types
    assert list(inputs) == ["audio", "lengths"]
    assert inputs["audio"].tag == nt.tags.AudioSignal(22050)
    assert inputs["audio"].shape == "batch time"
    assert outputs["output_0"].tag == nt.tags.MelSpectrogram(sample_rate=22050, n_mels=8)
    assert list(outputs) == ["output_0", "output_1"]


def test_attr_parameters_follow_the_module_configuration() -> None:
    features = Features(sample_rate=8000)
    features(nt.tag(torch.zeros(1, 16), nt.tags.AudioSignal(8000)), torch.tensor([16]))
    with pytest.raises(ContractViolation, match="resample 16000 Hz -> 8000 Hz"):
        features(nt.tag(torch.zeros(1, 16), nt.tags.AudioSignal(16000)), torch.tensor([16]))


def test_methods_other_than_forward_can_be_checked() -> None:
    class Vocoder(NeuralModule):
        sample_rate = 22050

        @checked
        def convert(self, mel: MelSpectrogram[Tensor, "batch mel frame", nt.params(n_mels=80)]) -> AudioSignal[
            Tensor, "batch time", nt.attr("sample_rate")
        ]:
            return mel.sum(1)

    out = Vocoder().convert(torch.zeros(1, 80, 5))
    assert nt.tag_of(out) == nt.tags.AudioSignal(22050)
    with pytest.raises(ContractViolation, match="dim 'mel' \\(axis 1\\) has size 64, expected 80"):
        Vocoder().convert(torch.zeros(1, 64, 5))


def test_checking_modes_and_nesting(audio: Tensor, lengths: Tensor) -> None:
    bad = nt.tag(torch.zeros(2, 800), nt.tags.AudioSignal(8000))  # the body runs; the contract refuses it
    with nt.checking("off"):
        Features()(bad, lengths)  # not checked
        with nt.checking("full"):
            with pytest.raises(ContractViolation):
                Features()(bad, lengths)
        Features()(bad, lengths)  # the outer "off" is back
    with pytest.raises(ContractViolation):
        Features()(bad, lengths)
    with nt.checking("shapes"):  # meaning is not checked
        Decoder()(nt.tag(torch.zeros(2, 16, 3), nt.tags.MelSpectrogram()))
        with pytest.raises(ContractViolation, match="rank"):
            Decoder()(torch.zeros(16, 3))


def test_paranoid_mode_checks_value_invariants() -> None:
    @checked
    def f(x: Void[Tensor, "batch vocab"]) -> nt.LogProbs[Tensor, "batch vocab"]:
        return x

    f(torch.ones(2, 3))
    with nt.checking("paranoid"):
        f(-torch.ones(2, 3))
        with pytest.raises(ContractViolation, match="log-probabilities must be <= 0") as info:
            f(torch.ones(2, 3))
    assert info.value.code == "NT210"


def test_switch_is_per_thread() -> None:
    seen: list[str] = []
    ready, done = threading.Event(), threading.Event()

    def worker() -> None:
        ready.wait()
        seen.append(nt.current_checking().mode_name)
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with nt.checking("off"):
        ready.set()
        done.wait()
    thread.join()
    assert seen == ["full"]


def test_fast_path_and_reference_checker_give_the_same_verdict() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from neuraltypes._check import check_node, new_call
    from neuraltypes._contract import get_contract

    contract = get_contract(Features.forward)
    assert contract is not None
    features = Features()

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.lists(st.integers(1, 4), min_size=0, max_size=2),
           st.sampled_from([torch.float32, torch.int64]), st.sampled_from([None, 8000, 16000]))
    def run(audio_shape: list[int], length_shape: list[int], dtype: torch.dtype, rate: int | None) -> None:
        audio = torch.zeros(audio_shape, dtype=dtype)
        if rate is not None:
            nt.tag(audio, nt.tags.AudioSignal(rate))
        lengths = torch.zeros(length_shape, dtype=torch.long)
        try:
            call = new_call("reference", nt.current_checking(), features)
            check_node(call, contract.inputs["audio"], audio, "audio")
            check_node(call, contract.inputs["lengths"], lengths, "lengths")
            reference_ok = True
        except ContractViolation:
            reference_ok = False
        try:
            features(audio, lengths)
            fast_ok = True
        except ContractViolation:
            fast_ok = False
        except RuntimeError as error:  # shapes the body itself cannot handle, after the checks passed
            assert "internal error" not in str(error)
            fast_ok = True
        assert fast_ok == reference_ok

    run()


def test_an_unexplained_fast_path_failure_is_reported_as_an_internal_error(audio: Tensor, lengths: Tensor) -> None:
    """If the generated check flags an input the reference checker accepts, say so; never blame the result."""
    namespace = Features.forward.__globals__
    explain, no_result = namespace["_nt_explain"], namespace["_nt_NO"]
    with pytest.raises(RuntimeError, match="neuraltypes internal error"):
        explain(nt.current_checking(), (Features(), audio, lengths), no_result)


def test_void_is_recognised_by_identity_not_by_name() -> None:
    other_void = type("Void", (nt.tags.Tag,), {"__doc__": "A user tag that happens to share the name."}, dtypes=None)

    def take(x: Tensor) -> Tensor:
        return x

    take.__annotations__ = {"x": other_void[Tensor, "batch"], "return": other_void[Tensor, "batch"]}
    checked_take = checked(take)
    with pytest.raises(ContractViolation, match="NT207"):
        checked_take(nt.tag(torch.zeros(2), nt.tags.AudioSignal()))
    assert nt.tag_of(checked_take(torch.zeros(2))) is other_void()  # and its outputs are tagged


@pytest.mark.parametrize("shape,rank", [("batch ... time", 2), ("batch ... time", 5), ("*batch time", 1),
                                        ("batch time ...", 4), ("batch time", 2)])
def test_one_aligner_places_variadic_dims_for_every_rank(shape: str, rank: int) -> None:
    from neuraltypes._dims import VariadicDim, parse_shape
    from neuraltypes._spec import axis_places, rank_fits

    dims = parse_shape(shape)
    assert rank_fits(dims, rank)
    axes = list(range(rank))
    covered = [axes[place] if isinstance(place, slice) else [axes[place]] for place in axis_places(dims)]
    assert [axis for run in covered for axis in run] == axes  # every axis once, in order
    assert all(len(run) == 1 for dim, run in zip(dims, covered, strict=True) if not isinstance(dim, VariadicDim))
    assert not rank_fits(dims, len(dims) - 2)
