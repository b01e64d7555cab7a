"""The recipe on the tiny fixture checkpoints: seconds, not a real training run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from deformer_train.data import Featurizer, load_squad, load_tokenizer
from deformer_train.model import Batch, QaOutput, SplitQA
from deformer_train.recipe import PRESETS, Recipe
from deformer_train.train import kd_loss, lrs_loss

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
GOLDEN = SHARED / "fixtures" / "hf-golden"
SQUAD = SHARED / "data" / "squad" / "dev-v1.1.json"
SPLIT = REPO / "models" / "train" / "split.json"


def one(ids: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long)


@pytest.mark.parametrize("name", ["tiny-bert-qa", "tiny-distilbert-qa"])
def test_split_and_full_reproduce_hugging_face(name: str) -> None:
    """The training graph is the inference graph: HF's own full and DeFormer-split logits."""
    golden = json.loads((GOLDEN / name / "golden.json").read_text())
    model = SplitQA.load(str(GOLDEN / name)).eval()
    for case in golden["cases"]:
        q = case["deformer"]["question_segment"]["input_ids"]
        p = case["deformer"]["passage_segment"]["input_ids"]
        b = Batch(*one(q), *one(p), torch.tensor([len(q)]), torch.tensor([len(p)]))
        with torch.no_grad():
            full = model.full(b)
            assert (full.start_logits[0] - torch.tensor(case["start_logits"])).abs().max() < 1e-4
            for k, ref in case["deformer"]["splits"].items():
                out = model.split(b, int(k))
                assert (out.start_logits[0] - torch.tensor(ref["start_logits"])).abs().max() < 1e-4
                assert (out.end_logits[0] - torch.tensor(ref["end_logits"])).abs().max() < 1e-4


def test_batched_split_equals_one_by_one() -> None:
    """Padding inside a batch (q padded in the middle before the gather) changes nothing."""
    model = SplitQA.load(str(GOLDEN / "tiny-bert-qa")).eval()
    fz = Featurizer(load_tokenizer(GOLDEN / "tiny-bert-qa"))
    squad = load_squad(SQUAD)
    feats = fz.features(squad, train=True)[:40:7]  # different lengths
    from deformer_train.batching import collate
    with torch.no_grad():
        together = model.split(collate(feats), 2)
        for i, f in enumerate(feats):
            alone = model.split(collate([f]), 2)
            n = len(f)
            assert (together.start_logits[i, :n] - alone.start_logits[0, :n]).abs().max() < 1e-4


def test_windows_label_the_answer_tokens() -> None:
    fz = Featurizer(load_tokenizer(GOLDEN / "tiny-bert-qa"))
    squad = load_squad(SQUAD)
    squad.paragraphs = squad.paragraphs[:30]
    feats = fz.features(squad, train=True)
    labelled = [f for f in feats if f.start > 0]
    assert len(labelled) >= 0.95 * squad.n_questions
    by_id = {qa["id"]: (p, qa) for p in squad.paragraphs for qa in p.questions}
    for f in labelled:
        para, qa = by_id[f.qid]
        lq = len(f.q_ids)
        text = para.context[f.p_offsets[f.start - lq][0] : f.p_offsets[f.end - lq][1]]
        assert qa["answers"][0]["text"].lower() in text.lower()


def test_aux_losses_vanish_only_when_student_equals_teacher() -> None:
    model = SplitQA.load(str(GOLDEN / "tiny-bert-qa")).eval()
    fz = Featurizer(load_tokenizer(GOLDEN / "tiny-bert-qa"))
    from deformer_train.batching import collate
    squad = load_squad(SQUAD)
    squad.paragraphs = squad.paragraphs[:2]
    b = collate(fz.features(squad, train=True)[:4])
    with torch.no_grad():
        full, split = model.full(b), model.split(b, 2)
        assert float(kd_loss(full, full, 2.0)) == pytest.approx(0.0, abs=1e-6)
        same = QaOutput(full.start_logits, full.end_logits, full.upper_states[2:], full.mask)
        assert float(lrs_loss(same, full, 2)) == pytest.approx(0.0, abs=1e-9)
        assert float(kd_loss(split, full, 2.0)) > 1e-4
        assert float(lrs_loss(split, full, 2)) > 1e-4


def test_tiny_recipe_trains_searches_and_exports(tmp_path: Path) -> None:
    record = Recipe(str(GOLDEN / "tiny-bert-qa"), str(SQUAD), str(SPLIT), str(tmp_path), PRESETS["tiny"], log=lambda _: None).run()
    teacher = record["stages"]["teacher"]["history"]
    assert teacher[-1]["ce"] < teacher[0]["ce"]  # the span loss falls
    assert len(record["bo"]["trials"]) == 2
    for t in record["bo"]["trials"]:
        assert 0.1 <= t["gamma"] <= 2.0 and 0.1 <= t["beta"] <= 2.0
    aux = record["stages"]["k2-aux"]
    assert aux["config"]["gamma"] == record["bo"]["best"]["gamma"]
    assert {"ce", "kd", "lrs"} <= set(aux["history"][0])
    config = json.loads((tmp_path / "models" / "k2-aux" / "config.json").read_text())
    assert config["deformer"]["k"] == 2 and config["deformer"]["trainedK"] == [2]
    assert config["architectures"] == ["BertForQuestionAnswering"]
    tok = json.loads((tmp_path / "models" / "k2-aux" / "tokenizer.json").read_text())
    assert tok["truncation"] is None and tok["padding"] is None
    # Resumable: a second run keeps every finished stage.
    again = Recipe(str(GOLDEN / "tiny-bert-qa"), str(SQUAD), str(SPLIT), str(tmp_path), PRESETS["tiny"], log=lambda _: None).run()
    assert again["stages"]["teacher"]["seconds"] == record["stages"]["teacher"]["seconds"]
