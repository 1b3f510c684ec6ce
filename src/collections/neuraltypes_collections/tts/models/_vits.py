"""VITS as a model: phoneme ids in, 22.05 kHz speech and the tokens' durations out, end to end (no vocoder).

The voice's phoneme inventory and inference defaults travel in the frozen config, so an archive of an imported
Piper voice needs nothing but this package to speak (`onnx` is needed only to import: `VitsModel.from_piper`).

Reads top to bottom: the config, the output, the model (its forward, then text -> ids and text -> speech).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, NamedTuple, TypedDict, Unpack, cast

import torch
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AudioSignal, Lengths, NormalSamples, TokenDuration, TokenIndex, attr

from ...common import NeuralModel, eval_mode, lengths_to_mask, register_model
from ...common._config import CheckedConfig, Interval
from ...common._errors import ConfigError, InputError
from ...common._threads import keep_freed_memory, run_alone
from ..modules._vits import (
    Decoder,
    ResidualCouplingFlow,
    StochasticDurationPredictor,
    TextEncoder,
    VitsConfig,
)
from ..text._tokenizers import PIPER_BOS, PIPER_EOS, PIPER_PAD, piper_framing

#: Piper's framing symbols: the utterance starts with BOS, ends with EOS, and PAD follows every phoneme.
BOS, EOS, PAD = PIPER_BOS, PIPER_EOS, PIPER_PAD


@dataclass(frozen=True)
class VitsModelConfig(CheckedConfig):
    """A VITS voice: the network, its phoneme inventory and its inference defaults.

    **Arguments:**

    - `network`: the generator's dimensions.
    - `phoneme_ids`: espeak-ng IPA symbol -> embedding row (a Piper voice's ``phoneme_id_map``).
    - `espeak_voice`: the espeak-ng voice that produces those symbols (``"en-us"``).
    - `noise_scale`: spread of the latent frames around the prior's mean (0: the mean; Piper's default 0.667).
    - `length_scale`: duration multiplier (> 1 is slower).
    - `noise_w`: spread of the duration predictor's noise (0: its most likely rhythm; default 0.8).
    """

    network: VitsConfig = field(default_factory=VitsConfig)
    phoneme_ids: dict[str, int] = field(default_factory=dict)
    espeak_voice: str = "en-us"
    noise_scale: Annotated[float, Interval(ge=0)] = 0.667
    length_scale: Annotated[float, Interval(gt=0)] = 1.0
    noise_w: Annotated[float, Interval(ge=0)] = 0.8

    def __post_init__(self) -> None:
        super().__post_init__()
        for symbol, index in self.phoneme_ids.items():
            if not 0 <= index < self.network.n_symbols:
                raise ConfigError(
                    f"VitsModelConfig: phoneme {symbol!r} has id {index}, outside 0..{self.network.n_symbols - 1}"
                )
        framing = [symbol for symbol in (BOS, EOS, PAD) if symbol not in self.phoneme_ids]
        if self.phoneme_ids and framing:
            raise ConfigError(
                f"VitsModelConfig: phoneme_ids lacks the framing symbols {framing} (Piper's ^ $ _)"
            )


class VitsSpeech(NamedTuple):
    """One utterance spoken by `VitsModel.speak` or one sentence of `VitsModel.stream`, on the CPU."""

    audio: Tensor  #: ``(time,)`` in [-1, 1], tagged ``AudioSignal(sample_rate)``
    ids: Tensor  #: ``(token,)`` the framed phoneme ids that were spoken
    durations: Tensor  #: ``(token,)`` frames (``hop_length`` samples each) per id


class VitsOutput(NamedTuple):
    """What `VitsModel.forward` returns: the batch's audio, its valid samples and frames, the tokens' durations."""

    audio: AudioSignal[Tensor, "batch time", attr("sample_rate")]
    samples: Lengths[Tensor, "batch"]
    durations: TokenDuration[Tensor, "batch token", torch.int64]
    frames: Lengths[Tensor, "batch"]


def _alignment(durations: Tensor, frames: int) -> Tensor:
    """``(batch, token, frame)`` 0/1 matrix: frame ``f`` belongs to the token whose cumulative span holds it."""
    end = torch.cumsum(durations, dim=-1)
    position = torch.arange(frames, device=durations.device)
    return ((position < end[..., None]) & (position >= (end - durations)[..., None])).float()


class SpeakOptions(TypedDict, total=False):
    """The keywords of `VitsModel.stream` and `speak`: the controls of `forward` and the text front end's.

    **Attributes:**

    - `length_scale`, `noise_scale`, `noise_w`: as in `forward` (`None`: the voice's defaults).
    - `generator`: the noise's random generator (seeded for reproducible speech).
    - `normalize`: expand numbers and abbreviations first (default `True`).
    - `source`: how messages name the text (default ``"text"``).
    """

    length_scale: float | None
    noise_scale: float | None
    noise_w: float | None
    generator: torch.Generator | None
    normalize: bool
    source: str


@register_model("tts.vits")
class VitsModel(NeuralModel[VitsModelConfig]):
    """VITS text-to-speech (Kim et al., 2021) with a stochastic duration predictor, inference only.

    Parameter names follow the reference code as Piper exports it, so `from_piper` loads any Piper voice.

    **Example:**

    ```python
    voice = VitsModel.from_piper("en_US-joe-medium.onnx")        # needs the optional `onnx` package
    ids = voice.phoneme_ids_of("həlˈoʊ")                          # espeak-ng IPA -> framed ids
    out = voice(ids[None], torch.tensor([ids.numel()]), noise_scale=0.0, noise_w=0.0)
    ```
    """

    def __init__(self, config: VitsModelConfig) -> None:
        super().__init__(config)
        network = config.network
        self.sample_rate = network.sample_rate
        self.hop_length = network.hop_length
        self.enc_p = TextEncoder(network)
        self.dp = StochasticDurationPredictor(network.hidden_channels)
        self.flow = ResidualCouplingFlow(network)
        self.dec = Decoder(network)

    def forward(
        self,
        ids: TokenIndex[Tensor, "batch token"],
        lengths: Lengths[Tensor, "batch"],
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w: float | None = None,
        generator: torch.Generator | None = None,
    ) -> VitsOutput:
        """Speak a padded batch of phoneme ids.

        **Arguments:**

        - `ids`, `lengths`: the framed phoneme ids of each utterance and how many are valid.
        - `length_scale`, `noise_scale`, `noise_w`: the controls (``None``: the voice's defaults; see the config).
          With both noise scales at 0 the output is deterministic.
        - `generator`: the random source of both noises (``None``: torch's global one), for reproducible output.

        **Returns:** a `VitsOutput`: audio in [-1, 1], ``hop_length`` samples per frame; valid samples and frames
        per utterance; each token's duration in frames.
        """
        c = self.config
        keep_freed_memory()  # else every sentence's large blocks are mapped afresh (see common._threads)
        noise_scale = c.noise_scale if noise_scale is None else noise_scale

        def text_side() -> tuple[Tensor, Tensor, Tensor]:
            """The prior's latent frames, the frames per utterance and the durations."""
            mask = lengths_to_mask(lengths, ids.shape[1])[:, None].to(torch.float32)
            hidden, mean, log_scale = self.enc_p(ids, mask)
            durations = self._durations(hidden, mask, length_scale, noise_w, generator)
            frames = durations.sum(dim=-1).clamp(min=1).long()
            frame_mask = lengths_to_mask(frames, int(frames.max()))[:, None].to(torch.float32)
            path = _alignment(durations, frame_mask.shape[-1]) * frame_mask
            mean, log_scale = mean @ path, log_scale @ path
            noise = torch.randn(mean.shape, generator=generator, device=ids.device)
            return mean + noise * torch.exp(log_scale) * noise_scale, frames, durations

        # a sentence's tokens are few: their many small operations run on one thread (see common._threads)
        prior, frames, durations = run_alone(text_side, ids)
        audio = self.decode(prior, frames)
        return VitsOutput(audio, frames * self.hop_length, durations.long(), frames)

    def _durations(
        self,
        hidden: Tensor,
        mask: Tensor,
        length_scale: float | None,
        noise_w: float | None,
        generator: torch.Generator | None,
    ) -> Tensor:
        """Frames per token ``(batch, token)``, float: the duration predictor's noise run through its flows."""
        c = self.config
        length_scale = c.length_scale if length_scale is None else length_scale
        noise_w = c.noise_w if noise_w is None else noise_w
        batch, _, tokens = hidden.shape
        noise = torch.randn(batch, 2, tokens, generator=generator, device=hidden.device) * noise_w
        return torch.ceil(torch.exp(self.dp(hidden, mask, noise)) * mask * length_scale)[:, 0]

    def predict_durations(
        self,
        ids: TokenIndex[Tensor, "batch token"],
        lengths: Lengths[Tensor, "batch"],
        length_scale: float | None = None,
        noise_w: float | None = None,
        generator: torch.Generator | None = None,
    ) -> TokenDuration[Tensor, "batch token", torch.int64]:
        """Each id's duration in frames, as `forward` draws it (the text encoder and the duration predictor only:
        the targets a faster student, FastPitch, can learn from). Padding takes 0 frames."""
        mask = lengths_to_mask(lengths, ids.shape[1])[:, None].to(torch.float32)
        hidden, _, _ = self.enc_p(ids, mask)
        return self._durations(hidden, mask, length_scale, noise_w, generator).long()

    def decode(
        self, prior: NormalSamples[Tensor, "batch channel frame"], frames: Lengths[Tensor, "batch"]
    ) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        """Audio of latent frames drawn from the prior (the text's means and scales spread over each token's
        frames): the normalising flow run backwards, then the decoder; ``hop_length`` samples per frame."""
        frame_mask = lengths_to_mask(frames, prior.shape[-1])[:, None].to(prior.dtype)
        return cast(Tensor, self.dec(self.flow(prior, frame_mask)))  # the flow's output is masked

    # text -> ids --------------------------------------------------------------------------------------------

    def phoneme_ids_of(self, phonemes: str, *, source: str = "phonemes") -> Tensor:
        """Piper's framing of an IPA string: BOS, each phoneme followed by PAD, EOS (int64, ``(token,)``).

        **Raises:**

        - `InputError` (``NT309``) naming the symbols the voice does not know.
        """
        table = self.config.phoneme_ids
        unknown = sorted({symbol for symbol in phonemes if symbol not in table})
        if unknown:
            raise InputError(
                f"{source}: the voice has no phoneme {', '.join(repr(s) for s in unknown)} (in {phonemes!r}); "
                "it knows the espeak-ng IPA symbols of its phoneme_ids",
                source=source,
            )
        return torch.tensor(piper_framing(phonemes, table), dtype=torch.int64)

    def parse(self, text: str, normalize: bool = True, *, source: str = "text") -> list[Tensor]:
        """The framed phoneme ids of each sentence of `text`: the collection's normalisation (numbers,
        abbreviations; `normalize`), then espeak-ng IPA in the voice's language (the optional ``vits`` extra).

        **Raises:**

        - `InputError` (``NT309``) for a text with nothing to say or symbols the voice lacks.
        """
        from ..text._espeak import phonemize
        from ..text._normalize import normalize_text

        sentences = phonemize(normalize_text(text) if normalize else text, self.config.espeak_voice)
        ids = [self.phoneme_ids_of(sentence, source=source) for sentence in sentences if sentence.strip()]
        if not ids:
            raise InputError(
                f"{source}: {text!r} has no word espeak-ng can read; there is nothing to say", source=source
            )
        return ids

    # text -> speech -----------------------------------------------------------------------------------------

    def stream(self, text: str, **options: Unpack[SpeakOptions]) -> Iterator[VitsSpeech]:
        """Speak `text` sentence by sentence, yielding each sentence's speech as soon as it is made.

        The controls are those of `forward`. Each sentence runs on its own (eval mode, no gradients), as Piper does.
        """
        device = next(self.parameters()).device
        controls = (options.get("length_scale"), options.get("noise_scale"), options.get("noise_w"),
                    options.get("generator"))  # fmt: skip
        with torch.no_grad(), eval_mode(self):
            for ids in self.parse(text, options.get("normalize", True), source=options.get("source", "text")):
                out = self(ids[None].to(device), torch.tensor([ids.numel()], device=device), *controls)
                audio = out.audio[0, : int(out.samples[0])].cpu()
                yield VitsSpeech(
                    nt.tag(audio, nt.tags.AudioSignal(self.sample_rate)), ids, out.durations[0].cpu()
                )

    def speak(self, text: str, **options: Unpack[SpeakOptions]) -> VitsSpeech:
        """All of `text` as one `VitsSpeech`: the sentences of `stream`, joined (audio, ids and durations)."""
        parts = list(self.stream(text, **options))
        audio = torch.cat([part.audio for part in parts])
        return VitsSpeech(
            nt.tag(audio, nt.tags.AudioSignal(self.sample_rate)),
            torch.cat([part.ids for part in parts]),
            torch.cat([part.durations for part in parts]),
        )

    # importing ---------------------------------------------------------------------------------------------

    @classmethod
    def from_piper(
        cls, onnx_path: str | os.PathLike[str], config_path: str | os.PathLike[str] | None = None
    ) -> VitsModel:
        """Import a Piper voice: its ``.onnx`` and the ``.onnx.json`` beside it (needs the `onnx` package).

        **Raises:**

        - `ArchiveError` (``NT301``) for an unreadable or truncated file, or a config that is not a Piper voice's.
        - `WeightsMismatchError` (``NT303``) naming missing or misshaped tensors.
        """
        from ._piper import read_piper_voice

        return cast(VitsModel, read_piper_voice(cls, onnx_path, config_path))


__all__ = ["SpeakOptions", "VitsModel", "VitsModelConfig", "VitsOutput", "VitsSpeech"]
