"""Training loops, losses and the quick in-Python evaluation the BO trials score with.

loss = span CE + γ·KD + β·LRS (Cao et al., ACL 2020, §3.2):
  span CE  cross-entropy of the student's start/end logits against the gold span;
  KD       KL(teacher ‖ student) of the start/end distributions at temperature T, times T²;
  LRS      mean squared distance between student and teacher token states after each upper
           layer k+1..n (per element, over real tokens), averaged over those layers.
The teacher is the unsplit model (eval mode, no gradient) on the same [CLS] q [SEP] p [SEP].
"""
from __future__ import annotations

import collections
import math
import random
import re
import string
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .batching import collate, length_batches
from .data import Feature, Squad
from .model import Batch, QaOutput, SplitQA

MAX_ANSWER_TOKENS = 30


@dataclass
class FitConfig:
    k: int | None  # None: the unsplit model (stage 1)
    examples: int  # training examples seen (steps = examples / batch_size)
    batch_size: int = 16
    lr: float = 1e-4
    warmup: float = 0.1
    weight_decay: float = 0.01
    gamma: float = 0.0  # KD weight
    beta: float = 0.0  # LRS weight
    temperature: float = 2.0
    seed: int = 0
    log_every: int = 20


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to(b: Batch, dev: torch.device) -> Batch:
    return Batch(*(t.to(dev) if isinstance(t, torch.Tensor) else t for t in (
        b.q_ids, b.q_mask, b.p_ids, b.p_mask, b.lq, b.lp, b.start, b.end)))


def span_ce(out: QaOutput, b: Batch) -> torch.Tensor:
    return (F.cross_entropy(out.start_logits, b.start) + F.cross_entropy(out.end_logits, b.end)) / 2


def kd_loss(student: QaOutput, teacher: QaOutput, T: float) -> torch.Tensor:
    total = 0.0
    for s, t in ((student.start_logits, teacher.start_logits), (student.end_logits, teacher.end_logits)):
        total = total + F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean") * T * T
    return total / 2


def lrs_loss(student: QaOutput, teacher: QaOutput, k: int) -> torch.Tensor:
    mask = student.mask[..., None].to(student.upper_states[0].dtype)  # [B,T,1]
    per_layer = []
    for s, t in zip(student.upper_states, teacher.upper_states[k:]):
        per_layer.append((((s - t) ** 2) * mask).sum() / (mask.sum() * s.shape[-1]))
    return torch.stack(per_layer).mean()


def fit(model: SplitQA, feats: list[Feature], cfg: FitConfig, teacher: SplitQA | None = None, log=print) -> list[dict]:
    """Trains `model` in place on `cfg.examples` examples (cycling through `feats`); returns the loss history."""
    dev = device()
    model.to(dev).train()
    if teacher is not None:
        teacher.to(dev).eval()
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    steps = max(1, math.ceil(cfg.examples / cfg.batch_size))
    decay = [p for n, p in model.named_parameters() if not any(x in n for x in ("bias", "LayerNorm"))]
    no_decay = [p for n, p in model.named_parameters() if any(x in n for x in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    warm = max(1, int(steps * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    batches: list[list[Feature]] = []
    history, window = [], collections.defaultdict(float)
    started = time.time()
    for step in range(steps):
        if not batches:
            batches = length_batches(feats, cfg.batch_size, rng)
        b = to(collate(batches.pop()), dev)
        out = model(b, cfg.k)
        parts = {"ce": span_ce(out, b)}
        if teacher is not None and (cfg.gamma > 0 or cfg.beta > 0):
            with torch.no_grad():
                t_out = teacher.full(b)
            if cfg.gamma > 0:
                parts["kd"] = kd_loss(out, t_out, cfg.temperature)
            if cfg.beta > 0 and cfg.k is not None:
                parts["lrs"] = lrs_loss(out, t_out, cfg.k)
        loss = parts["ce"] + cfg.gamma * parts.get("kd", 0.0) + cfg.beta * parts.get("lrs", 0.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        for name, v in parts.items():
            window[name] += float(v)
        window["loss"] += float(loss)
        window["n"] += 1
        if (step + 1) % cfg.log_every == 0 or step + 1 == steps:
            n = window.pop("n")
            row = {"step": step + 1, "of": steps, **{k_: v / n for k_, v in window.items()}, "seconds": round(time.time() - started, 1)}
            history.append(row)
            log(" ".join(f"{k_}={v:.4f}" if isinstance(v, float) else f"{k_}={v}" for k_, v in row.items()))
            window.clear()
    model.eval()
    return history


@torch.no_grad()
def predict(model: SplitQA, squad: Squad, feats: list[Feature], k: int | None, batch_size: int = 32) -> dict[str, str]:
    """Best span (≤ 30 tokens, inside the passage) per question over all its windows → answer text."""
    dev = device()
    model.to(dev).eval()
    best: dict[str, tuple[float, str]] = {}
    for chunk in length_batches(feats, batch_size, None):
        b = to(collate(chunk, with_labels=False), dev)
        out = model(b, k)
        for i, f in enumerate(chunk):
            lq, lp = len(f.q_ids), len(f.p_ids) - 1  # the trailing [SEP] is no answer
            s = out.start_logits[i, lq : lq + lp].float().cpu()
            e = out.end_logits[i, lq : lq + lp].float().cpu()
            scores = s[:, None] + e[None, :]  # [lp, lp]
            allowed = torch.triu(torch.ones(lp, lp, dtype=torch.bool)) & ~torch.triu(torch.ones(lp, lp, dtype=torch.bool), MAX_ANSWER_TOKENS)
            scores = scores.masked_fill(~allowed, -1e9)
            flat = int(scores.argmax())
            si, ei = divmod(flat, lp)
            score = float(scores[si, ei])
            if f.qid not in best or score > best[f.qid][0]:
                ctx = squad.paragraphs[f.context_index].context
                best[f.qid] = (score, ctx[f.p_offsets[si][0] : f.p_offsets[ei][1]])
    return {q: text for q, (_, text) in best.items()}


def _normalize(s: str) -> str:
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def _f1(pred: str, gold: str) -> float:
    p, g = _normalize(pred).split(), _normalize(gold).split()
    common = sum((collections.Counter(p) & collections.Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def squad_scores(squad: Squad, predictions: dict[str, str]) -> dict[str, float]:
    """The official SQuAD v1.1 EM / F1 (max over gold answers, means ×100)."""
    em = f1 = n = 0.0
    for p in squad.paragraphs:
        for qa in p.questions:
            pred = predictions.get(qa["id"], "")
            golds = [a["text"] for a in qa["answers"]]
            em += max(float(_normalize(pred) == _normalize(g)) for g in golds)
            f1 += max(_f1(pred, g) for g in golds)
            n += 1
    return {"em": 100 * em / max(n, 1), "f1": 100 * f1 / max(n, 1), "questions": int(n)}


def evaluate(model: SplitQA, squad: Squad, feats: list[Feature], k: int | None) -> dict[str, float]:
    return squad_scores(squad, predict(model, squad, feats, k))

