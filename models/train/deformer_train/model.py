"""The QA model in two forms over the same weights: the full pass and the DeFormer split.

  full:  [CLS] q [SEP] p [SEP], positions 0..L-1, token types 0|1, all n layers jointly
  split: lower layers 1..k on `[CLS] q [SEP]` (positions 0.., type 0) and `p [SEP]`
         (positions P.., type 1) separately; upper layers k+1..n on the two joined, q first.
The split is what the app's ONNX graphs compute (src-main/core/model/onnx/graphs.ts); the parity
test checks the two agree to 1e-4.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .families import Family, embed, family_of


@dataclass
class Batch:
    """A padded batch. q_*: [B,Tq]; p_*: [B,Tp]; lq, lp: [B] real lengths; spans in joint coordinates."""
    q_ids: torch.Tensor
    q_mask: torch.Tensor
    p_ids: torch.Tensor
    p_mask: torch.Tensor
    lq: torch.Tensor
    lp: torch.Tensor
    start: torch.Tensor | None = None  # [B] index into the joint [q; p] sequence (0 = [CLS]: no answer here)
    end: torch.Tensor | None = None


@dataclass
class QaOutput:
    start_logits: torch.Tensor  # [B,T] over the joint sequence, padding at -1e4
    end_logits: torch.Tensor  # [B,T]
    upper_states: list[torch.Tensor]  # outputs of layers k+1..n, each [B,T,H]
    mask: torch.Tensor  # [B,T] joint mask


class SplitQA(nn.Module):
    """An HF QA model plus the DeFormer split; `passage_offset` is P (ARCHITECTURE.md, "The split")."""

    def __init__(self, qa: nn.Module, family: Family, passage_offset: int = 0):
        super().__init__()
        self.qa = qa
        self.family = family
        self.passage_offset = passage_offset

    @classmethod
    def load(cls, model_dir: str, passage_offset: int = 0) -> "SplitQA":
        family = family_of(model_dir)
        # A plain encoder (no span head yet) gets a freshly initialised qa_outputs.
        qa = family.qa_class.from_pretrained(model_dir)
        return cls(qa, family, passage_offset)

    @property
    def n_layers(self) -> int:
        return len(self.family.layers(self.qa))

    def _layers(self, x: torch.Tensor, mask: torch.Tensor, lo: int, hi: int, keep: list | None = None) -> torch.Tensor:
        for layer in self.family.layers(self.qa)[lo:hi]:
            x = self.family.run_layer(layer, x, mask)
            if keep is not None:
                keep.append(x)
        return x

    def _head(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.qa.qa_outputs(x)  # [B,T,2]
        start, end = logits.unbind(-1)
        pad = mask == 0
        return start.masked_fill(pad, -1e4), end.masked_fill(pad, -1e4)

    def joint_index(self, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Index [B,T] into cat([q; p]) that lays each row out as q then p then padding; mask [B,T]."""
        Tq = b.q_ids.shape[1]
        T = int((b.lq + b.lp).max())
        t = torch.arange(T)[None, :]  # [1,T]
        lq = b.lq[:, None]
        idx = torch.where(t < lq, t, Tq + t - lq)  # [B,T]
        mask = (t < (b.lq + b.lp)[:, None]).long()
        idx = torch.where(mask.bool(), idx, torch.zeros_like(idx))
        return idx, mask

    def full(self, b: Batch) -> QaOutput:
        """The unsplit model on [CLS] q [SEP] p [SEP] (positions 0..L-1)."""
        idx, mask = self.joint_index(b)
        ids = torch.cat([b.q_ids, b.p_ids], 1).gather(1, idx)  # [B,T]
        types = (torch.arange(ids.shape[1])[None, :] >= b.lq[:, None]).long() * mask
        positions = torch.arange(ids.shape[1])[None, :].expand_as(ids) * mask
        x = embed(self.family, self.qa, ids, types, positions)
        states: list[torch.Tensor] = []
        x = self._layers(x, mask, 0, self.n_layers, states)
        start, end = self._head(x, mask)
        return QaOutput(start, end, states, mask)

    def lower(self, ids: torch.Tensor, mask: torch.Tensor, token_type: int, position_start: int, k: int) -> torch.Tensor:
        """One segment through embeddings + layers 1..k: [B,T] -> [B,T,H]."""
        types = torch.full_like(ids, token_type) * mask
        positions = (position_start + torch.arange(ids.shape[1])[None, :]).expand_as(ids) * mask
        x = embed(self.family, self.qa, ids, types, positions)
        return self._layers(x, mask, 0, k)

    def split(self, b: Batch, k: int) -> QaOutput:
        """DeFormer: lower k layers per segment, upper n-k layers jointly."""
        q = self.lower(b.q_ids, b.q_mask, 0, 0, k)  # [B,Tq,H]
        p = self.lower(b.p_ids, b.p_mask, 1, self.passage_offset, k)  # [B,Tp,H]
        idx, mask = self.joint_index(b)
        H = q.shape[-1]
        x = torch.cat([q, p], 1).gather(1, idx[..., None].expand(-1, -1, H))  # [B,T,H]
        states: list[torch.Tensor] = []
        x = self._layers(x, mask, k, self.n_layers, states)
        start, end = self._head(x, mask)
        return QaOutput(start, end, states, mask)

    def forward(self, b: Batch, k: int | None) -> QaOutput:
        return self.full(b) if k is None else self.split(b, k)
