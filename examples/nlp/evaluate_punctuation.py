"""Evaluate a punctuation + capitalization model on a text-punct split and print the report.

    python examples/nlp/evaluate_punctuation.py                                  # the shipped model, test split
    python examples/nlp/evaluate_punctuation.py --model my_model.nta --split dev
    python examples/nlp/evaluate_punctuation.py --model model.nemo --text-file text.txt --labels-file labels.txt

Scores are word-level: precision, recall and F1 for each punctuation mark (none , . ?) and capitalization
label, the macro F1 over comma, period and question mark, and the F1 of upper-case first letters.
"""

import argparse
import os
import time

import torch
from neuraltypes_collections.common import from_pretrained, restore_from
from neuraltypes_collections.nlp import (
    evaluate_labels,
    load_text_punct_split,
    predict_labels,
    read_nemo_files,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="punctuation_en_minilm", help="pretrained name, .nta archive or .nemo")
    parser.add_argument("--data-dir", default=os.environ.get("TEXT_PUNCT_DIR", "../shared/data/text-punct"))
    parser.add_argument("--split", default="test", choices=["train", "dev", "test"])
    parser.add_argument("--text-file", help="NeMo text.txt (with --labels-file) instead of a text-punct split")
    parser.add_argument("--labels-file", help="NeMo labels.txt")
    parser.add_argument("--max-lines", type=int, default=None, help="score only the first N lines")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    options = parser.parse_args()
    torch.set_num_threads(options.threads)

    model = restore_from(options.model) if os.path.isfile(options.model) else from_pretrained(options.model)
    if options.text_file:
        items = read_nemo_files(options.text_file, options.labels_file)
    else:
        items = load_text_punct_split(options.data_dir, options.split)
    items = items[: options.max_lines] if options.max_lines else items
    began = time.monotonic()
    predicted = predict_labels(model, [item.words for item in items], batch_size=options.batch_size)
    report = evaluate_labels(items, predicted, model.config.punct_labels, model.config.capit_labels)
    print(f"model {options.model}, {len(items)} lines, {time.monotonic() - began:.0f} s")
    print(report.table())


if __name__ == "__main__":
    main()
