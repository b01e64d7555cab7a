"""A trained SplitQA -> a Hugging Face checkpoint folder the app's `model import` accepts.

config.json records the split the weights were trained for (`deformer`), which the app uses as
the model's default k. tokenizer.json loses any truncation/padding a source package baked in
(sentence-transformers ships max_length 128): the app cuts windows itself.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from .model import SplitQA

TOKENIZER_FILES = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


def export(model: SplitQA, source_dir: str | Path, out_dir: str | Path, deformer: dict | None, dtype: torch.dtype = torch.float32) -> Path:
    out = Path(out_dir)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    qa = model.qa
    original = next(qa.parameters()).dtype
    qa.to(dtype)
    try:
        qa.save_pretrained(tmp, safe_serialization=True)
    finally:
        qa.to(original)
    config = json.loads((tmp / "config.json").read_text())
    config.pop("_name_or_path", None)
    if deformer is not None:
        config["deformer"] = deformer
    (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    tok = json.loads((Path(source_dir) / "tokenizer.json").read_text(encoding="utf-8"))
    tok["truncation"] = None
    tok["padding"] = None
    (tmp / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    for name in TOKENIZER_FILES:
        if (Path(source_dir) / name).exists():
            shutil.copy(Path(source_dir) / name, tmp / name)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # only a complete folder appears under the final name
    return out
