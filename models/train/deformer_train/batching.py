"""Features -> padded Batches, grouped by length so little compute goes to padding."""
from __future__ import annotations

import random

import torch

from .data import Feature
from .model import Batch


def collate(feats: list[Feature], with_labels: bool = True) -> Batch:
    B = len(feats)
    Tq = max(len(f.q_ids) for f in feats)
    Tp = max(len(f.p_ids) for f in feats)
    q = torch.zeros(B, Tq, dtype=torch.long)
    p = torch.zeros(B, Tp, dtype=torch.long)
    qm = torch.zeros(B, Tq, dtype=torch.long)
    pm = torch.zeros(B, Tp, dtype=torch.long)
    for i, f in enumerate(feats):
        q[i, : len(f.q_ids)] = torch.tensor(f.q_ids)
        p[i, : len(f.p_ids)] = torch.tensor(f.p_ids)
        qm[i, : len(f.q_ids)] = 1
        pm[i, : len(f.p_ids)] = 1
    lq = qm.sum(1)
    lp = pm.sum(1)
    start = torch.tensor([f.start for f in feats]) if with_labels else None
    end = torch.tensor([f.end for f in feats]) if with_labels else None
    return Batch(q, qm, p, pm, lq, lp, start, end)


def length_batches(feats: list[Feature], batch_size: int, rng: random.Random | None) -> list[list[Feature]]:
    """Batches of similar length; with `rng`, shuffled in chunks of 50 batches (training), else in order."""
    if rng is None:
        order = sorted(feats, key=len)
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    shuffled = feats[:]
    rng.shuffle(shuffled)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(shuffled), chunk):
        part = sorted(shuffled[i : i + chunk], key=len)
        batches += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches
