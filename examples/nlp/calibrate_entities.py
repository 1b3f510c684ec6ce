"""Choose an offset of the NER model's `O` logit on text-punct **dev** and write it into the archive's head bias.

    # once: the teacher's labels of dev (side environment with spaCy)
    python examples/nlp/make_entity_labels.py ../shared/data/text-punct/dev.txt runs/entities/dev.teacher.jsonl
    python examples/nlp/calibrate_entities.py runs/entities/model/ner_en_minilm.nta \
        --output runs/entities/model/ner_en_minilm.calibrated.nta

A model distilled for a short time is often too cautious (precision well above recall): lowering the `O` logit
trades one for the other. Each offset in `--offsets` is scored on dev, entity-level micro F1 against the
teacher's entities of the written text, both on the written text and on its ASR form; the offset with the best
mean of the two is added to the bias of the `O` class in the head's last layer (a constant added to one logit
of every word: the same as adding it at inference), and the archive is written again. The word logits are
computed once, so the search costs one pass over dev in each form. Test is never read here.
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when torch loads OpenMP: before the import

import torch
from evaluate_entities import content_spans, read_teacher  # the same scoring as the test evaluation
from neuraltypes_collections.common import restore_from
from neuraltypes_collections.nlp import (
    TokenClassificationModel,
    asr_words,
    bio_from_spans,
    decode_bio,
    score_entities,
    spans_from_bio,
    split_words,
    word_class_logits,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("archive", help="the trained NER archive (.nta)")
    parser.add_argument("--output", required=True, help="where to write the calibrated archive")
    parser.add_argument("--data-dir", default="../shared/data/text-punct")
    parser.add_argument("--teacher", default="runs/entities/dev.teacher.jsonl")
    parser.add_argument("--offsets", default="-3,-2.5,-2,-1.75,-1.5,-1.25,-1,-0.75,-0.5,-0.25,0,0.5,1")
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()
    torch.set_num_threads(options.threads)
    model = restore_from(options.archive)
    if not isinstance(model, TokenClassificationModel):
        raise SystemExit(f"{options.archive} is a {type(model).__name__}, not a TokenClassificationModel")
    texts = (Path(options.data_dir) / "dev.txt").read_text(encoding="utf-8").splitlines()
    words = [split_words(t) for t in texts]
    punctuation = [[w.punctuation for w in ws] for ws in words]
    gold = [content_spans(bio_from_spans(ws, s), p)
            for ws, s, p in zip(words, read_teacher(Path(options.teacher)), punctuation, strict=True)]
    written = word_class_logits(model, [[t[w.start : w.end] for w in ws] for t, ws in zip(texts, words, strict=True)])
    asr = word_class_logits(model, [asr_words(t) for t in texts])
    labels = model.config.labels
    outside = labels.index("O")

    def decoded_labels(logits: torch.Tensor, offset: float) -> list[str]:
        shifted = logits.clone()
        shifted[:, outside] += offset
        return [labels[i] for i in decode_bio(shifted, labels)]  # as recognize_entities decodes

    print(f"dev: {len(texts)} lines, {sum(len(g) for g in gold)} teacher entities")
    print(f"{'O offset':>8} {'written F1':>10} {'ASR F1':>8} {'mean':>8}")
    best = (float("-inf"), 0.0)
    for offset in (float(x) for x in options.offsets.split(",")):
        f1_written = score_entities([content_spans(decoded_labels(lg, offset), p)
                                     for lg, p in zip(written, punctuation, strict=True)], gold).f1
        f1_asr = score_entities([spans_from_bio(decoded_labels(lg, offset)) for lg in asr], gold).f1
        mean = (f1_written + f1_asr) / 2
        print(f"{offset:8.2f} {f1_written:10.4f} {f1_asr:8.4f} {mean:8.4f}")
        best = max(best, (mean, offset))
    _, offset = best
    last = model.head.layers[-1]
    assert isinstance(last, torch.nn.Linear) and last.bias is not None
    with torch.no_grad():
        last.bias[outside] += offset
    model.save_to(options.output)
    print(f"O offset {offset:+.2f} (dev mean F1 {best[0]:.4f}) written into {options.output}")


if __name__ == "__main__":
    main()
