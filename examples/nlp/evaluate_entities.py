"""Score an NER model against the spaCy teacher on text-punct test, on written text and on its ASR form.

    # once: the ASR form of test (lowercased, unpunctuated), and the teacher run on it (side environment)
    python examples/nlp/evaluate_entities.py --write-asr-text runs/entities/test.asr.txt
    python examples/nlp/make_entity_labels.py runs/entities/test.asr.txt runs/entities/test.asr.teacher.jsonl
    # optional: the teacher on the test text lowercased, punctuation kept (what a lowercasing tokenizer sees)
    python examples/nlp/evaluate_entities.py --write-lower-text runs/entities/test.lower.txt
    python examples/nlp/make_entity_labels.py runs/entities/test.lower.txt runs/entities/test.lower.teacher.jsonl
    # the scores (the reference is always the teacher's labels of the written test text)
    python examples/nlp/evaluate_entities.py --model ner_en_minilm

Entities are compared at the entity level (type, first and last content word; punctuation words are left out so
that the written and the ASR form are scored on the same words): micro precision, recall and F1.
"""

import argparse
import json
import time
from pathlib import Path

import torch
from neuraltypes_collections.common import from_pretrained, restore_from
from neuraltypes_collections.nlp import (
    TokenClassificationModel,
    asr_words,
    bio_from_spans,
    entity_word_labels,
    score_entities,
    spans_from_bio,
    split_words,
)


def read_teacher(path: Path) -> list[list[tuple[int, int, str]]]:
    with path.open(encoding="utf-8") as handle:
        return [[(int(a), int(b), str(c)) for a, b, c in json.loads(line)["entities"]] for line in handle]


def content_spans(labels: list[str], punctuation: list[bool]) -> list[tuple[str, int, int]]:
    """Entities over content words only: labels of punctuation words are dropped before reading the spans."""
    kept = [label for label, is_punct in zip(labels, punctuation, strict=True) if not is_punct]
    # an entity may start on a punctuation word ("$5"): its first content word then carries I-, read leniently
    return spans_from_bio(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data/text-punct")
    parser.add_argument("--model", default="ner_en_minilm", help="registry name or archive")
    parser.add_argument("--teacher", default="runs/entities/test.teacher.jsonl")
    parser.add_argument("--asr-teacher", default="runs/entities/test.asr.teacher.jsonl")
    parser.add_argument("--lower-teacher", default="runs/entities/test.lower.teacher.jsonl")
    parser.add_argument("--write-asr-text", metavar="PATH", help="write the ASR form of test and stop")
    parser.add_argument("--write-lower-text", metavar="PATH", help="write test lowercased and stop")
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()
    texts = (Path(options.data_dir) / "test.txt").read_text(encoding="utf-8").splitlines()
    if options.write_asr_text:
        Path(options.write_asr_text).write_text("".join(" ".join(asr_words(t)) + "\n" for t in texts),
                                                encoding="utf-8")
        return
    if options.write_lower_text:
        Path(options.write_lower_text).write_text("".join(t.lower() + "\n" for t in texts), encoding="utf-8")
        return
    torch.set_num_threads(options.threads)
    model = restore_from(options.model) if Path(options.model).is_file() else from_pretrained(options.model)
    if not isinstance(model, TokenClassificationModel):
        raise SystemExit(f"{options.model} is a {type(model).__name__}, not a TokenClassificationModel")
    teacher = read_teacher(Path(options.teacher))
    words = [split_words(t) for t in texts]
    punctuation = [[w.punctuation for w in ws] for ws in words]
    gold = [content_spans(bio_from_spans(ws, s), p) for ws, s, p in zip(words, teacher, punctuation, strict=True)]

    began = time.monotonic()
    written = entity_word_labels(model, [[t[w.start : w.end] for w in ws] for t, ws in zip(texts, words, strict=True)])
    ours_written = [content_spans(labels, p) for labels, p in zip(written, punctuation, strict=True)]
    asr = [asr_words(t) for t in texts]
    ours_asr = [spans_from_bio(labels) for labels in entity_word_labels(model, asr)]
    seconds = time.monotonic() - began

    rows = [("ours, written text", score_entities(ours_written, gold)),
            ("ours, ASR form", score_entities(ours_asr, gold))]
    asr_teacher_path = Path(options.asr_teacher)
    if asr_teacher_path.is_file():
        asr_text = [" ".join(a) for a in asr]
        teacher_asr = []
        for line, spans in zip(asr_text, read_teacher(asr_teacher_path), strict=True):
            teacher_asr.append(spans_from_bio(bio_from_spans(split_words(line), spans)))
        rows.append(("teacher (spaCy sm), ASR form", score_entities(teacher_asr, gold)))
    lower_teacher_path = Path(options.lower_teacher)
    if lower_teacher_path.is_file():
        teacher_lower = [content_spans(bio_from_spans(split_words(t.lower()), spans), p) for t, spans, p
                         in zip(texts, read_teacher(lower_teacher_path), punctuation, strict=True)]
        rows.append(("teacher (spaCy sm), lowercased", score_entities(teacher_lower, gold)))
    print(f"text-punct test: {len(texts)} lines, {sum(len(a) for a in asr)} content words; reference: the "
          f"teacher's entities on the written text ({sum(len(g) for g in gold)})")
    print(f"{'system':32} {'precision':>9} {'recall':>9} {'F1':>9} {'predicted':>9}")
    for name, score in rows:
        print(f"{name:32} {score.precision:9.4f} {score.recall:9.4f} {score.f1:9.4f} {score.predicted:9d}")
    print(f"(our two passes: {seconds:.0f} s)")


if __name__ == "__main__":
    main()
