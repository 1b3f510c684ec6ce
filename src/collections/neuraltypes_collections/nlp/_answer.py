"""Extractive question answering: question + context -> windows with a stride -> the best-scoring span.

The verb is `answer` (one question in, one `Answer` out; a list in, a list out), also a method of
`QuestionAnsweringModel`. A context longer than a window is read in windows of `[CLS] question [SEP] piece [SEP]`
whose pieces start every `config.doc_stride` tokens; the answer is the span of at most `max_answer_tokens`
tokens, inside one window's context piece, with the highest start + end logit over all windows.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union, overload

import torch

from ..common import eval_mode
from ..common._errors import InputError
from ..common._verbs import batches, check_batch_size, check_encodable, model_device, resolve_model

if TYPE_CHECKING:
    from ._question_answering import QuestionAnsweringModel

__all__ = ["Answer", "answer"]


@dataclass(frozen=True)
class Answer:
    """One question's result of `answer`.

    **Attributes:**

    - `text`: the answer, `context[start:end]` (`""` for an empty context).
    - `start`: offset of its first character in the context.
    - `end`: offset just past its last character.
    - `score`: its start logit plus its end logit (higher is more confident; not a probability).
    - `no_answer_score`: the same sum on `[CLS]`, the SQuAD 2.0 "no answer" position, lowest over the windows;
      a model trained with unanswerable questions says "no answer" when it exceeds `score`.
    """

    text: str
    start: int
    end: int
    score: float
    no_answer_score: float


def _texts(value: object, name: str) -> tuple[list[str], bool]:
    if isinstance(value, str):
        check_encodable(value, name)
        return [value], True
    if not isinstance(value, Sequence):
        raise InputError(f"{name}: expected a str or a list of str, got {type(value).__name__}", source=name)
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise InputError(f"{name}[{index}]: expected a str, got {type(item).__name__}", source=f"{name}[{index}]")
        check_encodable(item, f"{name}[{index}]")
    return items, False


ModelReference = Union["QuestionAnsweringModel", str, "os.PathLike[str]"]


@overload
def answer(model: ModelReference, questions: str, contexts: str, *,  # type: ignore[overload-overlap]
           batch_size: int = 16, progress: bool | None = None,
           device: str | torch.device | None = None) -> Answer: ...


@overload
def answer(model: ModelReference, questions: Sequence[str], contexts: str | Sequence[str], *,
           batch_size: int = 16, progress: bool | None = None,
           device: str | torch.device | None = None) -> list[Answer]: ...


@torch.no_grad()
def answer(model: ModelReference, questions: str | Sequence[str], contexts: str | Sequence[str], *,
           batch_size: int = 16, progress: bool | None = None,
           device: str | torch.device | None = None) -> Answer | list[Answer]:
    """Answer one question or a list of questions from their contexts.

    **Arguments:**

    - `model`: a `QuestionAnsweringModel`, or its registry name or archive path (`.nta`, `.nemo`).
    - `questions`: one question, or a list of questions.
    - `contexts`: the text holding the answer: one per question, or one str shared by all questions.
    - `batch_size`: windows per forward pass (windows of all questions are batched together).
    - `progress`: show a progress bar over the batches (`None`: when there are more than four).
    - `device`: run there (the model is moved and stays); `None`: where the model is.

    **Returns:**

    One `Answer` for one question, a list of them (in order) for a list.

    **Raises:**

    - `InputError`: (`NT309`) for a question or context that is not a str, an empty question, as many contexts
      as questions not given, a `batch_size` < 1, or a model of another kind.
    """
    from ._question_answering import QuestionAnsweringModel

    question_list, single = _texts(questions, "questions")
    context_list, shared = _texts(contexts, "contexts")
    if shared:
        context_list = context_list * len(question_list)
    elif single or len(context_list) != len(question_list):
        raise InputError(f"contexts: {len(context_list)} contexts for {len(question_list)} question(s); give one "
                         "context per question, or one str for all", source="contexts")
    for index, question in enumerate(question_list):
        if not question.strip():
            name = "questions" if single else f"questions[{index}]"
            raise InputError(f"{name}: the question is empty", source=name)
    check_batch_size(batch_size, function="answer")
    resolved = resolve_model(model, QuestionAnsweringModel, function="answer")
    model_device(resolved, device)
    config = resolved.config
    tokenizer = resolved.tokenizer
    jobs: list[tuple[int, list[int], list[int], int]] = []  # question, question ids, context ids, context offset
    spans: list[list[tuple[int, int]]] = []
    for index, (question, context) in enumerate(zip(question_list, context_list, strict=True)):
        question_ids = tokenizer(question, add_special_tokens=False)["input_ids"][: config.max_question_tokens]
        encoded = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
        context_ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
        spans.append([(int(a), int(b)) for a, b in offsets])
        room = config.max_length - len(question_ids) - 3
        start = 0
        while True:
            jobs.append((index, question_ids, context_ids[start : start + room], start))
            if start + room >= len(context_ids):
                break
            start += config.doc_stride
    best: list[tuple[float, int, int]] = [(float("-inf"), 0, 0) for _ in question_list]
    no_answer = [float("inf") for _ in question_list]
    order = sorted(range(len(jobs)), key=lambda j: len(jobs[j][1]) + len(jobs[j][2]))
    device_now = next(resolved.parameters()).device
    with eval_mode(resolved):
        for run in batches(order, batch_size, progress=progress, description="answer"):
            chunk = [jobs[j] for j in run]
            width = max(len(q) + len(c) for _, q, c, _ in chunk) + 3
            input_ids = torch.full((len(chunk), width), int(tokenizer.pad_token_id), dtype=torch.long)
            types = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.bool)
            for row, (_, q, c, _) in enumerate(chunk):
                ids = [tokenizer.cls_token_id, *q, tokenizer.sep_token_id, *c, tokenizer.sep_token_id]
                input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
                types[row, len(q) + 2 : len(ids)] = 1
                mask[row, : len(ids)] = True
            out = resolved(input_ids.to(device_now), mask.to(device_now), types.to(device_now))
            starts, ends = out.start_logits.float().cpu(), out.end_logits.float().cpu()
            for row, (index, q, c, offset) in enumerate(chunk):
                no_answer[index] = min(no_answer[index], float(starts[row, 0] + ends[row, 0]))
                if not c:
                    continue
                first = len(q) + 2
                s, e = starts[row, first : first + len(c)], ends[row, first : first + len(c)]
                scores = s[:, None] + e[None, :]  # [start, end]
                allowed = torch.ones_like(scores, dtype=torch.bool).triu().tril(config.max_answer_tokens - 1)
                scores = scores.masked_fill(~allowed, float("-inf"))
                flat = int(scores.argmax())
                value = float(scores.flatten()[flat])
                if value > best[index][0]:
                    best[index] = (value, offset + flat // len(c), offset + flat % len(c))
    results = []
    for index, (value, first_token, last_token) in enumerate(best):
        context = context_list[index]
        if value == float("-inf"):
            results.append(Answer("", 0, 0, value, no_answer[index]))
            continue
        start_char, end_char = spans[index][first_token][0], spans[index][last_token][1]
        results.append(Answer(context[start_char:end_char], start_char, end_char, value, no_answer[index]))
    return results[0] if single else results
