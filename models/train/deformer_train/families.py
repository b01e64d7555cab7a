"""Model families, one entry each: how to reach a checkpoint's embeddings, layers and span head.

Hugging Face's BertModel and DistilBertModel lay their modules out differently and call their
layers with different mask conventions; everything else in the recipe is family-neutral.
Positions are passed explicitly (ARCHITECTURE.md, "The split": the passage starts at P), which HF's own
DistilBERT embeddings cannot do, so embeddings are computed here from HF's modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
from transformers import AutoConfig, BertForQuestionAnswering, DistilBertForQuestionAnswering


@dataclass(frozen=True)
class Family:
    name: str
    qa_class: type
    base: Callable[[nn.Module], nn.Module]  # QA model -> base encoder
    layers: Callable[[nn.Module], nn.ModuleList]
    has_token_types: bool
    # (layer, hidden [B,T,H], mask [B,T] of 0/1) -> hidden [B,T,H]
    run_layer: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


def _bert_layer(layer: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    extended = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min  # [B,1,1,T]
    return layer(x, attention_mask=extended)[0]


def _distilbert_layer(layer: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    out = layer(x, attn_mask=mask)
    return out[-1] if isinstance(out, tuple) else out


FAMILIES = {
    "bert": Family(
        name="bert",
        qa_class=BertForQuestionAnswering,
        base=lambda m: m.bert,
        layers=lambda m: m.bert.encoder.layer,
        has_token_types=True,
        run_layer=_bert_layer,
    ),
    "distilbert": Family(
        name="distilbert",
        qa_class=DistilBertForQuestionAnswering,
        base=lambda m: m.distilbert,
        layers=lambda m: m.distilbert.transformer.layer,
        has_token_types=False,
        run_layer=_distilbert_layer,
    ),
}


def family_of(model_dir: str) -> Family:
    config = AutoConfig.from_pretrained(model_dir)
    if config.model_type not in FAMILIES:
        raise SystemExit(f"{model_dir}: model_type {config.model_type!r}; supported: {', '.join(FAMILIES)}")
    return FAMILIES[config.model_type]


def embed(family: Family, qa: nn.Module, ids: torch.Tensor, types: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Embeddings output [B,T,H] for ids/types/positions [B,T] (HF's modules, explicit positions)."""
    emb = family.base(qa).embeddings
    x = emb.word_embeddings(ids) + emb.position_embeddings(positions)
    if family.has_token_types:
        x = x + emb.token_type_embeddings(types)
    return emb.dropout(emb.LayerNorm(x))
