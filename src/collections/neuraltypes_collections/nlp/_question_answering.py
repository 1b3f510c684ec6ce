"""Extractive question answering: start and end logits for every token over a BERT-family encoder."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, overload

import torch
from torch import Tensor

from neuraltypes import Logits

from ..common import register_model
from ..common._errors import ConfigError
from ..common._huggingface import HFTextEncoder, TokenIds, TokenMask
from ._model import HeadConfig, TextEncoderModel, TokenClassifierHead

if TYPE_CHECKING:  # the verb imports the model: import it back only when called
    from ._answer import Answer

__all__ = ["QuestionAnsweringConfig", "QuestionAnsweringModel", "SpanLogits"]


@dataclass(frozen=True)
class QuestionAnsweringConfig:
    """Options of `QuestionAnsweringModel`.

    **Arguments:**

    - `base_encoder`: a pip-installed encoder (a key of `BASE_ENCODERS`); `""` builds it from the artifacts
      `encoder_config.json` and `vocab.txt` (NeMo imports).
    - `stored_layers`: with a `base_encoder`, the top encoder layers the archive holds; `-1` stores everything.
    - `store_float16`: keep stored weights in float16.
    - `do_lower_case`: whether the tokenizer built from `vocab.txt` lowercases.
    - `head`: the start/end head (two classes per token: start, end).
    - `max_length`: tokens per window: `[CLS] question [SEP] context piece [SEP]`.
    - `doc_stride`: context tokens between the starts of overlapping windows of a long context.
    - `max_question_tokens`: a longer question is cut to this many tokens.
    - `max_answer_tokens`: the longest answer considered, in tokens.
    """

    base_encoder: str = ""
    stored_layers: int = -1
    store_float16: bool = False
    do_lower_case: bool = True
    head: HeadConfig = field(default_factory=HeadConfig)
    max_length: int = 384
    doc_stride: int = 128
    max_question_tokens: int = 64
    max_answer_tokens: int = 30

    def __post_init__(self) -> None:
        if self.max_question_tokens < 1 or self.max_length < self.max_question_tokens + 4:
            raise ConfigError(
                f"QuestionAnsweringConfig: max_length={self.max_length} must leave room for [CLS], the question "
                f"(max_question_tokens={self.max_question_tokens}), two [SEP] and some context"
            )
        if not 1 <= self.doc_stride <= self.max_length - self.max_question_tokens - 3:
            raise ConfigError(
                f"QuestionAnsweringConfig: doc_stride must be in 1..{self.max_length - self.max_question_tokens - 3} "
                f"(the context room of a window), got {self.doc_stride}"
            )
        if self.max_answer_tokens < 1:
            raise ConfigError(f"QuestionAnsweringConfig: max_answer_tokens must be >= 1, got {self.max_answer_tokens}")
        if self.stored_layers < -1 or (self.stored_layers >= 0 and not self.base_encoder):
            raise ConfigError(
                f"QuestionAnsweringConfig: stored_layers={self.stored_layers}: use -1 (everything), "
                "or a layer count with a base_encoder"
            )


class SpanLogits(NamedTuple):
    """Per-token logits of an answer starting and of one ending there (unnormalised)."""

    start_logits: Logits[Tensor, "batch token"]
    end_logits: Logits[Tensor, "batch token"]


@register_model("nlp.question_answering")
class QuestionAnsweringModel(TextEncoderModel[QuestionAnsweringConfig]):
    """Finds the answer to a question as a span of a context text (SQuAD-style extractive QA).

    No pretrained QA model ships (no QA data is available offline): build one with `from_config` and train it, or
    `restore_from(path)` a NeMo 1.x-2.4 `QAModel` / `BERTQAModel` checkpoint.

    **Arguments:**

    - `config`: encoder source, head and windowing.
    - `encoder`: a typed BERT-family encoder with its fast tokenizer.

    Examples:
        >>> from neuraltypes_collections.common import restore_from                     # doctest: +SKIP
        >>> model = restore_from("qa_bert.nemo")                                         # doctest: +SKIP
        >>> model.answer("Where is the Eiffel tower?", "The Eiffel tower is in Paris.").text  # doctest: +SKIP
        'Paris'
    """

    def __init__(self, config: QuestionAnsweringConfig, encoder: HFTextEncoder) -> None:
        super().__init__(config, encoder)
        self.head = TokenClassifierHead(encoder.hidden_size, 2, config.head)

    def forward(
        self,
        input_ids: TokenIds,
        attention_mask: TokenMask,
        token_type_ids: TokenIds | None = None,
    ) -> SpanLogits:
        """Start and end logits of every token.

        **Arguments:**

        - `input_ids`: `[CLS] question [SEP] context [SEP]` then padding, at most `config.max_length` tokens.
        - `attention_mask`: `True` on real tokens.
        - `token_type_ids`: 0 on `[CLS] question [SEP]`, 1 on the context and its `[SEP]`.
        """
        logits = self.head(self.encoder(input_ids, attention_mask, token_type_ids))
        return SpanLogits(logits[..., 0], logits[..., 1])

    @overload
    def answer(self, questions: str, contexts: str, *, batch_size: int = 16,  # type: ignore[overload-overlap]
               progress: bool | None = None, device: str | torch.device | None = None) -> "Answer": ...

    @overload
    def answer(self, questions: Sequence[str], contexts: str | Sequence[str], *, batch_size: int = 16,
               progress: bool | None = None, device: str | torch.device | None = None) -> list["Answer"]: ...

    def answer(self, questions: str | Sequence[str], contexts: str | Sequence[str], *, batch_size: int = 16,
               progress: bool | None = None,
               device: str | torch.device | None = None) -> "Answer | list[Answer]":
        """The answer to one question (one `Answer`) or to a list of questions (a list); see
        `neuraltypes_collections.nlp.answer`."""
        from ._answer import answer

        return answer(self, questions, contexts, batch_size=batch_size, progress=progress, device=device)
