"""What the TypeScript parity tests compare against: token ids, and the PyTorch model's split and
full logits on the first questions of a SQuAD file (src-main/core/model/train-parity.test.ts)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .data import Featurizer, load_squad, load_tokenizer
from .model import Batch, SplitQA


def _batch(q: list[int], p: list[int]) -> Batch:
    one = lambda ids: (torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))  # noqa: E731
    (qi, qm), (pi, pm) = one(q), one(p)
    return Batch(qi, qm, pi, pm, torch.tensor([len(q)]), torch.tensor([len(p)]))


@torch.no_grad()
def dump(model_dir: str, squad_path: str, k: int, questions: int, out: str) -> None:
    """`questions` questions get logits (split at k, and full); every question and paragraph of the
    file gets its ids (the tokenizer parity check)."""
    squad = load_squad(squad_path)
    fz = Featurizer(load_tokenizer(model_dir))
    model = SplitQA.load(model_dir).eval() if questions > 0 else None
    cases, tokens = [], []
    for para in squad.paragraphs:
        windows = fz.windows(para.context)
        tokens.append({"context": para.context, "windows": [ids for ids, _ in windows],
                       "questions": [{"question": qa["question"], "ids": fz.question(qa["question"])} for qa in para.questions]})
        for qa in para.questions:
            if len(cases) >= questions:
                break
            q = fz.question(qa["question"])
            rows = []
            for p, _ in windows:
                split = model.split(_batch(q, p), k)
                full = model.full(_batch(q, p))
                rows.append({"split": {"start": split.start_logits[0].tolist(), "end": split.end_logits[0].tolist()},
                             "full": {"start": full.start_logits[0].tolist(), "end": full.end_logits[0].tolist()}})
            cases.append({"question": qa["question"], "context": para.context, "windows": rows})
    Path(out).write_text(json.dumps({"k": k, "cases": cases, "tokens": tokens}))
