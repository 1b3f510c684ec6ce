"""Train the punctuation + capitalization model from MiniLM-L6 on text-punct, then evaluate it on test.

    python examples/nlp/train_punctuation.py                         # the full recipe (about 75 min, 1 core)
    python examples/nlp/train_punctuation.py train.max_minutes=2 output_dir=/tmp/punct-trial   # a short trial

The trained model is written as a small delta (the top encoder layers and both heads, float16) on top of the
wheel's encoder, and is then loadable offline with `load_punctuation_delta(output_dir)` or, for the default
output directory, `from_pretrained("punctuation_en_minilm")`.
"""

import json
import time
from pathlib import Path

import hydra
import torch
from omegaconf import DictConfig, OmegaConf

from neuraltypes_collections.common._huggingface import load_hf_text_encoder
from neuraltypes_collections.nlp import (
    PunctuationCapitalizationConfig,
    PunctuationCapitalizationModel,
    base_encoder_directory,
    evaluate_labels,
    load_punctuation_delta,
    predict_labels,
    save_punctuation_delta,
)
from neuraltypes_collections.nlp._train import TrainingConfig, load_text_punct_split, train_punctuation


def _resolve(path: str) -> Path:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    return Path(hydra.utils.get_original_cwd()) / candidate


@hydra.main(config_path="conf", config_name="train_punctuation", version_base=None)
def main(cfg: DictConfig) -> None:
    torch.set_num_threads(int(cfg.threads))
    data_dir = _resolve(cfg.data_dir)
    train_items = load_text_punct_split(data_dir, "train", sources=list(cfg.sources),
                                        extra_sources=list(cfg.extra_sources), extra_max_lines=cfg.extra_max_lines,
                                        seed=cfg.train.seed)
    test_items = load_text_punct_split(data_dir, "test")
    print(f"train lines: {len(train_items)}, test lines: {len(test_items)}", flush=True)

    model_config = PunctuationCapitalizationConfig.from_dict(OmegaConf.to_container(cfg.model, resolve=True))
    train_config = TrainingConfig(**OmegaConf.to_container(cfg.train, resolve=True))
    encoder = load_hf_text_encoder(base_encoder_directory(cfg.base_encoder))
    model = PunctuationCapitalizationModel(encoder, model_config)
    result = train_punctuation(model, train_items, train_config, cache_dir=_resolve(cfg.cache_dir),
                               log=lambda line: print(line, flush=True))
    print(f"trained {result.steps} steps, {result.tokens} tokens in {result.seconds / 60:.1f} min", flush=True)

    output = _resolve(cfg.output_dir)
    extra = {"steps": result.steps, "tokens": result.tokens, "train_minutes": round(result.seconds / 60, 2),
             "recipe": OmegaConf.to_container(cfg, resolve=True)}
    save_punctuation_delta(model, output, base=cfg.base_encoder, extra=extra)

    # Evaluate what was shipped: reload the float16 delta.
    shipped = load_punctuation_delta(output)
    begin = time.monotonic()
    predicted = predict_labels(shipped, [item.words for item in test_items], batch_size=cfg.eval_batch_size)
    report = evaluate_labels(test_items, predicted)
    print(report.table(), flush=True)
    print(f"evaluation: {time.monotonic() - begin:.0f} s", flush=True)
    extra["test"] = {"punct_macro_f1": round(report.punct_macro_f1, 4), "capit_f1": round(report.capit_f1, 4),
                     "per_label": {s.label: [round(s.precision, 4), round(s.recall, 4), round(s.f1, 4), s.support]
                                   for s in report.punct + report.capit}}
    save_punctuation_delta(model, output, base=cfg.base_encoder, extra=extra)
    (output / "test_report.txt").write_text(report.table() + "\n", encoding="utf-8")
    print(json.dumps(extra["test"]), flush=True)


if __name__ == "__main__":
    main()
