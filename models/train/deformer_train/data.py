"""SQuAD-format files -> training features cut exactly as the app cuts them.

Question segment `[CLS] q [SEP]` of at most 64 tokens; passage windows `p [SEP]` of at most
W = 320 tokens sharing O = 64 text tokens, a window start moved back up to 3 tokens to a word
start (src-main/core/text/passages.ts). Tokenization is the checkpoint's tokenizer.json through
HF `tokenizers`; the app's TypeScript tokenizer gives the same ids (tokenizer parity test).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from tokenizers import Tokenizer

MAX_QUESTION_TOKENS = 64
WINDOW_TOKENS = 320
OVERLAP_TOKENS = 64
WORD_START_LOOKBACK = 3


@dataclass
class Feature:
    """One (question, passage window) pair; start/end index the joint [q; p] sequence."""
    qid: str
    q_ids: list[int]
    p_ids: list[int]
    p_offsets: list[tuple[int, int]]  # char spans in the context; (0, 0) for the trailing [SEP]
    start: int
    end: int
    context_index: int  # which paragraph (for decoding back to text)

    def __len__(self) -> int:
        return len(self.q_ids) + len(self.p_ids)


@dataclass
class Paragraph:
    context: str
    questions: list[dict]  # {id, question, answers: [{text, answer_start}]}


@dataclass
class Squad:
    titles: list[str]
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def n_questions(self) -> int:
        return sum(len(p.questions) for p in self.paragraphs)


def load_squad(path: str | Path, titles: set[str] | None = None) -> Squad:
    """Articles of a SQuAD v1.1 file, optionally only those whose title is in `titles`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    chosen = [a for a in data if titles is None or a["title"] in titles]
    squad = Squad([a["title"] for a in chosen])
    for article in chosen:
        for p in article["paragraphs"]:
            squad.paragraphs.append(Paragraph(p["context"], p["qas"]))
    return squad


def split_titles(path: str | Path, heldout_share: float, seed: int) -> dict:
    """A fixed article-level split: {train: [...titles], heldout: [...titles]}."""
    titles = [a["title"] for a in json.loads(Path(path).read_text(encoding="utf-8"))["data"]]
    rng = random.Random(seed)
    heldout = sorted(rng.sample(titles, max(1, round(len(titles) * heldout_share))))
    return {"seed": seed, "heldout": heldout, "train": [t for t in titles if t not in heldout]}


def load_tokenizer(model_dir: str | Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


class Featurizer:
    def __init__(self, tok: Tokenizer):
        self.tok = tok
        self.cls = tok.token_to_id("[CLS]")
        self.sep = tok.token_to_id("[SEP]")

    def question(self, text: str) -> list[int]:
        ids = self.tok.encode(text, add_special_tokens=False).ids[: MAX_QUESTION_TOKENS - 2]
        return [self.cls, *ids, self.sep]

    def windows(self, context: str) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """`p [SEP]` windows with char offsets, cut as src-main/core/text/passages.ts cuts them."""
        enc = self.tok.encode(context, add_special_tokens=False)
        ids, offsets = enc.ids, [tuple(o) for o in enc.offsets]
        text_tokens = WINDOW_TOKENS - 1
        stride = text_tokens - OVERLAP_TOKENS
        out = []
        start = 0
        while start < len(ids):
            end = min(start + text_tokens, len(ids))
            out.append((ids[start:end] + [self.sep], offsets[start:end] + [(0, 0)]))
            if end == len(ids):
                break
            nxt = start + stride
            back = min(WORD_START_LOOKBACK, stride - 1)
            for j in range(nxt, nxt - back - 1, -1):
                if j == 0 or offsets[j][0] != offsets[j - 1][1]:
                    nxt = j
                    break
            start = nxt
        return out

    def features(self, squad: Squad, train: bool) -> list[Feature]:
        """Every (question, window). Training labels the first gold answer; a window without it
        points at [CLS] (index 0). Evaluation features carry no label (start = end = 0)."""
        feats = []
        for ci, para in enumerate(squad.paragraphs):
            wins = self.windows(para.context)
            for qa in para.questions:
                q = self.question(qa["question"])
                gold = qa["answers"][0]
                a0, a1 = gold["answer_start"], gold["answer_start"] + len(gold["text"])
                for p_ids, offs in wins:
                    s = e = 0
                    if train:
                        text = offs[:-1]  # the trailing [SEP] holds no text
                        inside = [i for i, (c0, c1) in enumerate(text) if c0 < a1 and c1 > a0]
                        if inside and text[0][0] <= a0 and text[-1][1] >= a1:
                            s, e = len(q) + inside[0], len(q) + inside[-1]
                    feats.append(Feature(qa["id"], q, p_ids, offs, s, e, ci))
        return feats
