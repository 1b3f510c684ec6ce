"""check_contract finds seeded bugs and reports each with the shrunk counterexample; draws are valid by construction."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
import torch
from hypothesis import given, settings
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AcousticEncoded, AudioSignal, Encoded, Lengths, MelSpectrogram, NeuralModule, Void
from neuraltypes.examples import Decoder, Encoder, Features, Pipeline
from neuraltypes.testing import BatchConsistency, ContractTestFailure, Violation, check_contract, violations

# --- seeded bugs --------------------------------------------------------------------------------------------------


class OffByOneLengths(NeuralModule):
    """Bug: the output lengths count one frame too many."""

    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame"], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[Encoded[Tensor, "batch mel frame"], Lengths[Tensor, "batch"]]:
        return features * 2, lengths + 1


class OffByOneFrames(NeuralModule):
    """Bug: declares one frame fewer (a valid convolution) but pads like a 'same' one."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(4, 4, 2, padding=1)

    def forward(self, features: MelSpectrogram[Tensor, "batch mel:4 frame"]) -> Encoded[Tensor, "batch mel frame-1"]:
        out: Tensor = self.conv(features)[..., :-1]
        return out


class IgnoresLengths(NeuralModule):
    """Bug: normalises over the whole time axis, padding included (the lengths are ignored)."""

    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame"], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[Encoded[Tensor, "batch mel frame"], Lengths[Tensor, "batch"]]:
        return features - features.mean(-1, keepdim=True), lengths


class UsesLengths(NeuralModule):
    """The same normalisation done right: the mean runs over each item's valid frames only."""

    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame"], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[Encoded[Tensor, "batch mel frame"], Lengths[Tensor, "batch"]]:
        valid = (torch.arange(features.shape[-1]) < lengths[:, None])[:, None, :]
        mean = (features * valid).sum(-1, keepdim=True) / lengths[:, None, None].clamp(min=1)
        return torch.where(valid, features - mean, 0.0), lengths


class WrongTag(NeuralModule):
    """Bug: hands its input back (still a MelSpectrogram) where an AcousticEncoded is declared."""

    def forward(self, features: MelSpectrogram[Tensor, "batch mel frame"]) -> AcousticEncoded[Tensor, "batch mel frame"]:
        return features.mul_(1.0)


def test_an_off_by_one_output_length_is_found_with_the_shrunk_counterexample() -> None:
    with pytest.raises(ContractTestFailure) as info:
        check_contract(OffByOneLengths())
    message = str(info.value)
    assert "check_contract(OffByOneLengths.forward) [outputs]" in message
    assert "output 'return[1]' (Lengths) reaches 2, but axis 'frame' of output 'return[0]' has size 1" in message
    assert "shrunk counterexample:" in message
    assert "features = float32[1,1,1] MelSpectrogram()" in message and "lengths  = int64[1] Lengths() values [1]" in message
    assert "tensor(" not in message  # shapes, not tensor dumps


def test_an_off_by_one_output_shape_is_found() -> None:
    with pytest.raises(ContractTestFailure) as info:
        check_contract(OffByOneFrames())
    message = str(info.value)
    assert "the result breaks the output contract" in message and "[NT206]" in message
    assert "parameter 'return'" in message and "expected frame-1 = 0" in message
    assert "features = float32[1,4,1] MelSpectrogram()" in message


def test_a_module_that_ignores_lengths_fails_batch_consistency() -> None:
    check_contract(IgnoresLengths(), violations=False)  # shapes, dtypes and tags are all fine...
    with pytest.raises(ContractTestFailure) as info:
        check_contract(IgnoresLengths(), violations=False, batch_consistency=True)
    message = str(info.value)
    assert "[batch consistency]" in message and "does padding leak into the results?" in message
    assert "features = float32[2,1,2] MelSpectrogram()" in message  # the smallest batch with padding
    assert "values [2, 1]" in message


def test_a_module_that_masks_passes_batch_consistency_whatever_the_padding() -> None:
    for padding in (0.0, 1.0, -3.0):
        report = check_contract(UsesLengths(), batch_consistency=BatchConsistency(padding_value=padding))
        assert report.batch_examples == 20


class UnmaskedEncoder(Encoder):
    """The example Encoder without its mask: the convolution reads the padding next to the last valid frame."""

    def forward(
        self, features: MelSpectrogram[Tensor, "batch mel frame", nt.params(n_mels=nt.attr("feat_in"))],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[AcousticEncoded[Tensor, "batch channel frame"], Lengths[Tensor, "batch"]]:
        return self.conv(features), lengths


def test_padding_values_other_than_zero_expose_a_convolution_reading_past_the_lengths() -> None:
    check_contract(UnmaskedEncoder(), violations=False, batch_consistency=True)
    with pytest.raises(ContractTestFailure, match=r"\[batch consistency\].*return\[0\]"):
        check_contract(UnmaskedEncoder(), violations=False, batch_consistency=BatchConsistency(padding_value=1.0))
    check_contract(Encoder(), violations=False, batch_consistency=BatchConsistency(padding_value=1.0))


def test_a_wrong_output_tag_is_found() -> None:
    with pytest.raises(ContractTestFailure) as info:
        check_contract(WrongTag())
    message = str(info.value)
    assert "[NT207]" in message and "a MelSpectrogram is not an AcousticEncoded" in message
    assert "features = float32[1,1,1] MelSpectrogram()" in message


def test_a_crash_on_allowed_inputs_is_reported_with_the_dims_the_contract_leaves_open() -> None:
    with pytest.raises(ContractTestFailure) as info:
        check_contract(Decoder(), violations=False)
    message = str(info.value)
    assert "raised RuntimeError on inputs its contract allows" in message
    assert "encoded = float32[1,1,1] AcousticEncoded()" in message
    check_contract(Decoder(), dims={"channel": 16}, batch_consistency=True)


def test_a_module_that_swallows_contract_errors_is_found() -> None:
    class Forgiving(NeuralModule):
        """Bug: a wrapper that 'fixes' rejected inputs by casting them, hiding every dtype error from the caller."""

        def forward(self, features: Encoded[Tensor, "batch channel"]) -> Encoded[Tensor, "batch channel"]:
            return features * 2

        def __call__(self, features: Tensor) -> Any:
            try:
                return super().__call__(features)
            except TypeError:
                return super().__call__(nt.tag(features.float().reshape(features.shape[-2:]), nt.tags.Encoded()))

    with pytest.raises(ContractTestFailure) as info:
        check_contract(Forgiving())
    message = str(info.value)
    assert "[violations]: breaking the rank of 'features'" in message
    assert "should raise a ContractViolation naming parameter 'features' (NT203), but the call succeeded" in message
    assert "features = float32[1,1,1] Encoded()" in message  # the shrunk violating input


def test_value_invariants_of_outputs_are_checked_in_paranoid_mode() -> None:
    class Scores(NeuralModule):
        """Bug: returns logits where log-probabilities are declared."""

        def forward(self, features: Encoded[Tensor, "batch channel"]) -> nt.LogProbs[Tensor, "batch channel"]:
            return features + 10.0

    with pytest.raises(ContractTestFailure, match=r"(?s)\[NT210\].*log-probabilities must be <= 0"):
        check_contract(Scores())


def test_output_token_ids_must_stay_in_the_vocabulary() -> None:
    @nt.checked
    def greedy(scores: nt.LogProbs[Tensor, "batch frame vocab"]) -> nt.TokenIndex[Tensor, "batch frame"]:
        return scores.argmax(-1) + 1  # bug: ids shifted by one (a blank index forgotten)

    with pytest.raises(ContractTestFailure) as info:
        check_contract(greedy)
    message = str(info.value)
    assert "output 'return' (TokenIndex) reaches 1, outside a vocabulary of 1" in message
    assert "scores = float32[1,1,1] LogProbs()" in message


def test_the_report_counts_what_ran() -> None:
    report = check_contract(Features(), batch_consistency=True, max_examples=10)
    assert report.examples == 10 and report.batch_examples == 10 and sum(report.violations.values()) == 10
    assert "Features.forward: 10 valid calls" in str(report)
    assert Features().training  # a fresh module; check_contract restores train mode on the one it ran
    module = Features()
    check_contract(module, max_examples=2, violations=False)
    assert module.training


class Mixed(NamedTuple):
    mixed: AudioSignal[Tensor, "batch time"]
    count: Void[Tensor, "batch"]


@nt.checked
def mix(sources: list[AudioSignal[Tensor, "batch time"]], /, gain: Void[Tensor, "#batch"] | None = None, *,
        scale: float) -> Mixed:
    total = torch.stack(sources).sum(0) * scale
    if gain is not None:
        total = total * gain[:, None]
    return Mixed(total, torch.full((total.shape[0],), float(len(sources))))


@nt.checked
def project(x: Encoded[Tensor, "*batch channel"], w: Void[Tensor, "channel _"]) -> Encoded[Tensor, "*batch _"]:
    return x @ w


def test_lists_optionals_named_tuples_variadic_and_broadcast_dims() -> None:
    report = check_contract(mix, extra={"scale": 0.5})
    assert report.examples == 20 and report.violations.get("dim", 0) > 0
    assert report.filtered_fraction == 0.0
    with pytest.raises(TypeError, match="parameter 'scale' has no neural type"):
        check_contract(mix)
    assert check_contract(project).examples == 20

    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(violations(mix, extra={"scale": 1.0}))
    def names(violation: Violation) -> None:
        seen.add(violation.parameter)

    names()
    assert {"sources[0]", "gain"} <= seen


class Decimator:
    """A plain object with checked methods: attr() reads from it, check_contract takes the bound method."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate

    @nt.checked
    def halve(self, audio: AudioSignal[Tensor, "batch time", nt.attr("sample_rate")]) -> Void[Tensor, "batch time//2"]:
        return audio[:, ::2]  # bug: ceil(time / 2) samples

    @nt.checked
    def halve_right(
        self, audio: AudioSignal[Tensor, "batch time", nt.attr("sample_rate")]
    ) -> Void[Tensor, "batch time//2"]:
        return audio[:, 1::2]


def test_bound_methods_read_attr_parameters_from_their_object() -> None:
    decimator = Decimator(8000)
    report = check_contract(decimator.halve_right)
    assert report.examples == 20 and report.violations.get("param", 0) > 0  # 8000 Hz read from the object
    with pytest.raises(ContractTestFailure) as info:
        check_contract(decimator.halve)
    message = str(info.value)
    assert "expected time//2 = 0" in message and "audio = float32[1,1] AudioSignal(sample_rate=8000)" in message


# --- draws are valid by construction ------------------------------------------------------------------------------


OVERRUN = "exceeded maximum test case size"


def _observed(run: Any) -> tuple[int, int, int]:
    """(test cases, cases filtered out by a rejection, cases hypothesis itself abandoned as too large) during run().

    Uses hypothesis' observability callbacks: objects in recent releases, dicts in older ones."""
    from hypothesis.internal import observability

    statuses: list[tuple[str, str]] = []

    def read(observation: Any, name: str) -> Any:
        return observation.get(name) if isinstance(observation, dict) else getattr(observation, name, None)

    def observe(observation: Any) -> None:
        if read(observation, "type") == "test_case":
            statuses.append((read(observation, "status"), read(observation, "status_reason")))

    collect_coverage = getattr(observability, "OBSERVABILITY_COLLECT_COVERAGE", None)
    observability.OBSERVABILITY_COLLECT_COVERAGE = False  # line coverage per test case: slow and not needed here
    add = getattr(observability, "add_observability_callback", None)
    if add is not None:
        add(observe)
    else:
        observability.TESTCASE_CALLBACKS.append(observe)
    try:
        run()
    finally:
        if add is not None:
            observability.remove_observability_callback(observe)
        else:
            observability.TESTCASE_CALLBACKS.remove(observe)
        observability.OBSERVABILITY_COLLECT_COVERAGE = collect_coverage
    gave_up = [reason for status, reason in statuses if status == "gave_up"]
    return len(statuses), sum(reason != OVERRUN for reason in gave_up), gave_up.count(OVERRUN)


def test_almost_no_draw_is_filtered_out() -> None:
    """Measured twice: by our own counter, and by hypothesis' observability (test cases that 'gave up').

    Hypothesis also abandons a few test cases per property while exploring ("exceeded maximum test case size"), for
    any composite strategy: these are not filtered draws and are reported apart.
    """
    cases: list[tuple[object, dict[str, Any]]] = [
        (Features(), {"batch_consistency": True}),
        (Encoder(), {"batch_consistency": True}),
        (Decoder(), {"dims": {"channel": 16}, "batch_consistency": True}),
        (Pipeline(), {"sizes": {"time": (16, 64)}}),
        (UsesLengths(), {"batch_consistency": True}),
    ]
    reports = []

    def run() -> None:
        reports.extend(check_contract(target, max_examples=20, **options) for target, options in cases)

    total, rejected, overruns = _observed(run)
    drawn = sum(r.counter.drawn for r in reports)
    filtered = sum(r.counter.filtered for r in reports)
    print(f"\nfiltered draws: {filtered} of {drawn + filtered} ({filtered / (drawn + filtered):.1%}) by our counter; "
          f"hypothesis: {rejected} of {total} test cases rejected ({rejected / total:.1%}), {overruns} abandoned as "
          f"too large ({overruns / total:.1%})")
    assert drawn >= 5 * 20 * 2
    assert filtered / (drawn + filtered) <= 0.03 and rejected / total <= 0.03
    assert overruns / total <= 0.10


def test_the_filter_counters_can_see_a_rejection() -> None:
    @nt.checked
    def trim(x: Void[Tensor, "batch time"], y: Void[Tensor, "batch time-3"]) -> Void[Tensor, "batch time"]:
        return x

    reports = []
    total, rejected, _ = _observed(lambda: reports.append(check_contract(trim, violations=False, max_examples=20)))
    assert reports[0].counter.filtered > 0 and rejected > 0  # time < 3 gives y a negative size: redrawn
