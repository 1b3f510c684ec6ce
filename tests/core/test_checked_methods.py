"""No annotation without a check: every public method of a NeuralModule that holds a neural type is checked and in
`contract_of`; a property with a neural type is refused when the class is made."""

from __future__ import annotations

import itertools
import sys
import textwrap
import time
import types
from typing import Any

import pytest
import torch

import neuraltypes as nt
from neuraltypes import AnnotationError, ContractViolation

HEADER = """
from __future__ import annotations
from typing import TYPE_CHECKING, NamedTuple
import functools
import torch
from torch import Tensor
import neuraltypes as nt
from neuraltypes import AudioSignal, Lengths, Loss, MelSpectrogram, NeuralModule, attr, checked
if TYPE_CHECKING:
    from somewhere_else import OnlyForTypeCheckers
"""


def module(source: str) -> dict[str, Any]:
    """Run `source` as the body of a fresh module (postponed annotations, the usual imports) and return it."""
    name = f"user_models_{next(_COUNT)}"
    created = types.ModuleType(name)
    sys.modules[name] = created  # typing reads a NamedTuple's string annotations in its module
    exec(compile(HEADER + textwrap.dedent(source), f"<{name}>", "exec"), created.__dict__)  # noqa: S102
    return created.__dict__


_COUNT = itertools.count()


MODELS = module('''
    class Vocoder(NeuralModule):
        sample_rate = 22050

        def forward(self, mel: MelSpectrogram[Tensor, "batch mel frame"]) -> AudioSignal[Tensor, "batch time"]:
            return mel.flatten(1)

        def loss(self, audio: AudioSignal[Tensor, "batch time"], target: AudioSignal[Tensor, "batch time"]
                 ) -> Loss[Tensor, ""]:
            return (audio - target).abs().mean()

        def convert(self, mel: MelSpectrogram[Tensor, "batch mel frame"]
                    ) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
            return self(mel)

        @torch.no_grad()
        def generate(self, mel: MelSpectrogram[Tensor, "batch mel frame"]) -> AudioSignal[Tensor, "batch time"]:
            return self(mel)

        @staticmethod
        def frames(lengths: Lengths[Tensor, "batch"], hop: int) -> Lengths[Tensor, "batch"]:
            return lengths // hop

        @classmethod
        def silence(cls, frames: int) -> MelSpectrogram[Tensor, "batch mel frame"]:
            return torch.zeros(1, 80, frames)

        @checked
        def already(self, audio: AudioSignal[Tensor, "batch time"]) -> AudioSignal[Tensor, "batch time"]:
            return audio

        def later(self, audio: AudioSignal[Tensor, "batch time"]) -> Pair:  # a NamedTuple defined below
            return Pair(audio, torch.full((audio.shape[0],), audio.shape[1]))

        def describe(self, text: str) -> OnlyForTypeCheckers:  # never defined at run time, no neural type
            return text.upper()

        def count(self, audio: Tensor) -> int:  # plain annotations: left alone
            return audio.numel()

        def _private(self, audio: AudioSignal[Tensor, "batch time"]) -> Tensor:
            return audio

    class Pair(NamedTuple):
        audio: AudioSignal[Tensor, "batch time"]
        lengths: Lengths[Tensor, "batch"]
''')
Vocoder = MODELS["Vocoder"]


def audio(rate: int | None = None, shape: tuple[int, ...] = (2, 16)) -> torch.Tensor:
    return nt.tag(torch.randn(*shape), nt.tags.AudioSignal(rate))


def test_every_public_method_with_a_neural_type_is_checked() -> None:
    model = Vocoder()
    with pytest.raises(ContractViolation, match=r"Vocoder\.loss: parameter 'target'"):
        model.loss(audio(), audio(shape=(2, 17)))
    with pytest.raises(ContractViolation, match=r"Vocoder\.generate: parameter 'mel'"):
        model.generate(torch.zeros(2, 80))
    assert nt.tag_of(model.convert(torch.zeros(1, 80, 4))) is nt.tags.AudioSignal(22050)  # outputs are tagged


def test_static_and_class_methods_are_checked() -> None:
    with pytest.raises(ContractViolation, match=r"Vocoder\.frames: parameter 'lengths'"):
        Vocoder.frames(torch.zeros(2, 3, dtype=torch.long), 4)
    assert nt.tag_of(Vocoder().frames(torch.tensor([8, 4]), 4)) is nt.tags.Lengths()
    assert nt.tag_of(Vocoder.silence(3)) is nt.tags.MelSpectrogram()
    assert isinstance(Vocoder.__dict__["frames"], staticmethod)
    assert isinstance(Vocoder.__dict__["silence"], classmethod)


def test_forward_references_are_read_at_the_first_call() -> None:
    model = Vocoder()
    result = model.later(audio())
    assert nt.tag_of(result.lengths) is nt.tags.Lengths()
    with pytest.raises(ContractViolation, match=r"Vocoder\.later: parameter 'audio'"):
        model.later(torch.zeros(2, 3, 4))


def test_what_holds_no_neural_type_is_left_alone() -> None:
    model = Vocoder()
    assert Vocoder.__dict__["count"].__name__ == "count" and nt.get_contract(Vocoder.count) is None
    assert model.describe("a") == "A"  # its annotation never resolves: read once, then the method is the original
    assert not hasattr(Vocoder.__dict__["describe"], "__wrapped__")
    assert nt.get_contract(Vocoder._private) is None


def test_contract_of_lists_every_checked_method() -> None:
    contract = nt.contract_of(Vocoder())
    assert sorted(contract) == ["already", "convert", "forward", "frames", "generate", "later", "loss", "silence"]
    assert contract["convert"]["output"]["params"]["sample_rate"] == 22050
    assert contract["frames"]["inputs"] == {"lengths": {"dtypes": ["int16", "int32", "int64", "int8", "uint8"],
                                                        "params": {}, "shape": "batch", "tag": "Lengths"}}


def test_a_method_decorated_with_checked_is_wrapped_once() -> None:
    wrapper = Vocoder.__dict__["already"]
    assert nt.get_contract(wrapper) is not None
    assert not hasattr(wrapper.__wrapped__, "__neuraltypes_contract__")  # the original function, not a wrapper


def test_subclasses_check_their_overrides() -> None:
    child = module('''
        class Base(NeuralModule):
            def score(self, audio: AudioSignal[Tensor, "batch time"]) -> Loss[Tensor, ""]:
                return audio.mean()

        class Child(Base):
            def score(self, audio: AudioSignal[Tensor, "batch time", 8000]) -> Loss[Tensor, ""]:
                return audio.sum()
    ''')["Child"]()
    with pytest.raises(ContractViolation, match="NT208"):
        child.score(audio(16000))
    child.score(audio(8000))


def test_a_property_with_a_neural_type_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(AnnotationError) as info:
        module('''
            class Features(NeuralModule):
                @property
                def window(self) -> AudioSignal[Tensor, "time"]:
                    return torch.ones(4)
        ''')
    assert info.value.code == "NT109"
    assert str(info.value) == (
        "Features.window is a property with a neural type (return): a property is not checked and not part of the "
        "contract; make it a method, or annotate it torch.Tensor"
    )
    module('''
        class Plain(NeuralModule):
            @property
            def window(self) -> Tensor:
                return torch.ones(4)

            @functools.cached_property
            def name(self) -> str:
                return "plain"
    ''')


def test_a_malformed_annotation_on_any_public_method_fails_when_the_class_is_made() -> None:
    with pytest.raises(AnnotationError, match="dim 'time!'"):
        module('''
            class Broken(NeuralModule):
                def loss(self, audio: AudioSignal[Tensor, "batch time!"]) -> Loss[Tensor, ""]:
                    return audio.mean()
        ''')


def test_a_neural_type_beside_a_name_undefined_at_run_time_is_an_error_at_the_first_call() -> None:
    model = module('''
        class Hidden(NeuralModule):
            def loss(self, audio: AudioSignal[Tensor, "batch time"], extra: OnlyForTypeCheckers) -> Loss[Tensor, ""]:
                return audio.mean()
    ''')["Hidden"]()
    with pytest.raises(AnnotationError) as info:
        model.loss(audio(), None)
    assert info.value.code == "NT110"
    assert str(info.value) == (
        "Hidden.loss: the annotation of 'extra' names something that is not defined at run time (name "
        "'OnlyForTypeCheckers' is not defined; imported only under `if TYPE_CHECKING:`?), so its neural types cannot "
        "be checked; import it at module level"
    )
    with pytest.raises(AnnotationError, match="OnlyForTypeCheckers"):
        nt.contract_of(model)


def test_checking_methods_does_not_slow_forward() -> None:
    """forward is built exactly as before: one generated wrapper, no indirection added for the other methods."""
    model = Vocoder()
    forward = Vocoder.__dict__["forward"]
    assert "__neuraltypes_source__" in vars(forward)
    mel = nt.tag(torch.zeros(1, 80, 4), nt.tags.MelSpectrogram())
    start = time.perf_counter()
    for _ in range(200):
        model(mel)
    assert time.perf_counter() - start < 1.0


def test_a_lazy_method_puts_its_result_in_place_even_after_contract_of_read_it() -> None:
    cls = module('''
        class Late(NeuralModule):
            def forward(self, audio: AudioSignal[Tensor, "batch time"]) -> Out:
                return Out(audio)

        class Out(NamedTuple):
            audio: AudioSignal[Tensor, "batch time"]
    ''')["Late"]
    assert "forward" in nt.contract_of(cls())  # reads the contract before any call
    cls()(audio())
    assert "__neuraltypes_source__" in vars(cls.__dict__["forward"])  # the generated wrapper, no stand-in left
