"""More text for the entity teacher, made from `text-punct/train.txt` alone: each line again with some words swapped.

    python examples/nlp/augment_entity_text.py runs/entities/train.aug.txt --copies 1
    python examples/nlp/make_entity_labels.py runs/entities/train.aug.txt runs/entities/train.aug.teacher.jsonl
    python examples/nlp/train_entities.py --extra-text runs/entities/train.aug.txt \
        --extra-teacher runs/entities/train.aug.teacher.jsonl --output runs/entities/model-aug

The student learns the teacher's entities from its labels on train; on new text it meets new names and numbers in
new company, and there the teacher decides from each word's surface (its shape, first letter, last letters) and a
few words around it. Each copy of a modern line (`foldoc`, `fortunes`, `jargon`, `devil`: the sources of dev and
test) has each content word replaced, with probability `--rate` (`--name-rate` for words with a capital or a
digit), by a word of train with the same shape (`Unix` by `Knuth`, `1987` by `2001`, `daemon` by `window`), drawn
uniformly from train's words of that shape. The teacher labels the new lines (`make_entity_labels.py`) as it does
train: no label is carried over, so the student sees what the teacher makes of the new word in its new place. Only
train's words and lines are used: dev and test stay unseen. Deterministic for a `--seed`; written atomically.
"""

import argparse
import collections
import random
from pathlib import Path

from neuraltypes_collections.common._archive import atomic_output
from neuraltypes_collections.nlp import split_words, word_shape

MODERN = ("foldoc", "fortunes", "jargon", "devil")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", help="the new lines (UTF-8, one per line; a .src file beside it names each source)")
    parser.add_argument("--data-dir", default="../shared/data/text-punct")
    parser.add_argument("--copies", type=int, default=1, help="new lines made from each modern line")
    parser.add_argument("--rate", type=float, default=0.15, help="chance a lowercase word is replaced")
    parser.add_argument("--name-rate", type=float, default=0.35, help="chance a word with a capital or digit is")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    if options.copies < 1 or not 0 <= options.rate <= 1 or not 0 <= options.name_rate <= 1:
        parser.error("--copies must be at least 1 and the rates within [0, 1]")

    data = Path(options.data_dir)
    texts = (data / "train.txt").read_text(encoding="utf-8").splitlines()
    sources = (data / "train.src").read_text(encoding="utf-8").splitlines()
    modern = [(text, source) for text, source in zip(texts, sources, strict=True)
              if source.split("/", 1)[0] in MODERN]
    by_shape: dict[str, set[str]] = collections.defaultdict(set)
    for text, _ in modern:
        for word in split_words(text):
            if not word.punctuation:
                by_shape[word_shape(text[word.start:word.end])].add(text[word.start:word.end])
    choices = {shape: sorted(words) for shape, words in by_shape.items()}

    rng = random.Random(options.seed)
    lines, origins = [], []
    for copy in range(options.copies):
        for text, source in modern:
            pieces, position = [], 0
            for word in split_words(text):
                if word.punctuation:
                    continue
                surface = text[word.start:word.end]
                rate = options.name_rate if any(c.isupper() or c.isdigit() for c in surface) else options.rate
                if rng.random() < rate:
                    pieces += [text[position:word.start], rng.choice(choices[word_shape(surface)])]
                    position = word.end
            lines.append("".join(pieces) + text[position:])
            origins.append(f"{source}#aug{copy}")
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(output) as file:
        file.write(("\n".join(lines) + "\n").encode("utf-8"))
    with atomic_output(output.with_suffix(".src")) as file:
        file.write(("\n".join(origins) + "\n").encode("utf-8"))
    print(f"{len(modern)} modern lines of train x {options.copies} -> {len(lines)} lines: {output}")


if __name__ == "__main__":
    main()
