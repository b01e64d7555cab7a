"""The whole recipe, resumable stage by stage (a finished stage's record in recipe.json is kept):

  stage 1   QA fine-tuning of the encoder, unsplit          -> teacher
  BO        (γ, β) for KD + LRS, short trials at k_bo from the teacher, scored on held-back
            training paragraphs (never the held-out articles)
  stage 2   DeFormer students at each k from the teacher: with the aux losses at the best (γ, β),
            and the ablation without them; then, at k_bo, the same budget from the pretrained
            encoder (the paper's init), which says which init is better
Every model is exported to <out>/models/<name> (fp32, HF layout) for `npm run eval:squad`.
"""
from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from . import bo
from .data import Featurizer, Squad, load_squad, load_tokenizer
from .export import export
from .model import SplitQA
from .train import FitConfig, evaluate, fit


@dataclass
class Preset:
    stage1: FitConfig
    stage2: FitConfig  # k, gamma, beta filled per run
    ks: list[int]
    k_bo: int
    bo_trials: int
    bo_trial_examples: int
    bo_share: float = 0.1  # of the training paragraphs: the BO pool
    bo_val_questions: int = 150
    compare_pretrained_init: bool = True
    extra: dict = field(default_factory=dict)


PRESETS = {
    # MiniLM-L6 on 2 CPU cores within ~1.5 h (README: "Training the built-in model").
    "minilm": Preset(
        stage1=FitConfig(k=None, examples=7000, batch_size=16, lr=1.5e-4),
        stage2=FitConfig(k=0, examples=2560, batch_size=16, lr=5e-5),
        ks=[4, 5], k_bo=4, bo_trials=6, bo_trial_examples=256,
    ),
    # The test suite's run on the tiny fixture checkpoints: seconds.
    "tiny": Preset(
        stage1=FitConfig(k=None, examples=96, batch_size=8, lr=1e-3, log_every=4),
        stage2=FitConfig(k=0, examples=48, batch_size=8, lr=5e-4, log_every=2),
        ks=[2], k_bo=2, bo_trials=2, bo_trial_examples=16, bo_val_questions=12, compare_pretrained_init=False,
    ),
}


class Recipe:
    def __init__(self, source: str, squad_path: str, split_path: str, out: str, preset: Preset, seed: int = 0, log=print):
        self.source, self.out, self.p, self.seed, self.log = source, Path(out), preset, seed, log
        self.out.mkdir(parents=True, exist_ok=True)
        self.record_path = self.out / "recipe.json"
        self.record = json.loads(self.record_path.read_text()) if self.record_path.exists() else {"stages": {}}
        split = json.loads(Path(split_path).read_text())
        self.train_squad = load_squad(squad_path, set(split["train"]))
        self.heldout_squad = load_squad(squad_path, set(split["heldout"]))
        self.fz = Featurizer(load_tokenizer(source))
        # BO pool: a fixed share of training paragraphs; its last fifth scores the trials.
        rng = random.Random(seed)
        idx = list(range(len(self.train_squad.paragraphs)))
        rng.shuffle(idx)
        pool = idx[: max(2, int(len(idx) * preset.bo_share))]
        cut = max(1, len(pool) * 4 // 5)
        self.bo_train = self._subset(pool[:cut])
        self.bo_val = self._subset(pool[cut:], preset.bo_val_questions)
        self.train_feats = self.fz.features(self.train_squad, train=True)
        self.bo_train_feats = self.fz.features(self.bo_train, train=True)
        self.bo_val_feats = self.fz.features(self.bo_val, train=False)
        self.record["data"] = {
            "train_articles": len(split["train"]), "heldout_articles": len(split["heldout"]),
            "train_questions": self.train_squad.n_questions, "train_features": len(self.train_feats),
            "heldout_questions": self.heldout_squad.n_questions,
            "bo_train_questions": self.bo_train.n_questions, "bo_val_questions": self.bo_val.n_questions,
        }
        self.record["environment"] = {"torch": torch.__version__, "device": str(torch.device("cuda" if torch.cuda.is_available() else "cpu")), "threads": torch.get_num_threads()}

    def _subset(self, indices: list[int], max_questions: int | None = None) -> Squad:
        s = Squad(self.train_squad.titles)
        for i in indices:
            para = self.train_squad.paragraphs[i]
            if max_questions is not None and s.n_questions >= max_questions:
                break
            s.paragraphs.append(para)
        return s

    def _save(self) -> None:
        tmp = self.record_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.record, indent=2) + "\n")
        os.replace(tmp, self.record_path)

    def _model_dir(self, name: str) -> Path:
        return self.out / "models" / name

    def _done(self, name: str) -> bool:
        return name in self.record["stages"] and self._model_dir(name).exists()

    def _student(self, name: str, init: str, cfg: FitConfig, teacher: SplitQA | None) -> SplitQA:
        if self._done(name):
            self.log(f"== {name}: done before, kept")
            return SplitQA.load(str(self._model_dir(name)))
        self.log(f"== {name}: k={cfg.k} init={init} gamma={cfg.gamma:.3f} beta={cfg.beta:.3f} examples={cfg.examples}")
        model = SplitQA.load(self.source if init == "pretrained" else str(self._model_dir("teacher")))
        started = time.time()
        history = fit(model, self.train_feats, cfg, teacher, self.log)
        seconds = time.time() - started
        val = evaluate(model, self.bo_val, self.bo_val_feats, cfg.k)
        deformer = None if cfg.k is None else {
            "k": cfg.k, "passageOffset": model.passage_offset, "trainedK": [cfg.k],
            "losses": {"kd": cfg.gamma, "lrs": cfg.beta, "temperature": cfg.temperature}, "init": init,
        }
        export(model, self.source, self._model_dir(name), deformer)
        self.record["stages"][name] = {"config": cfg.__dict__, "init": init, "seconds": round(seconds, 1), "history": history, "bo_val": val}
        self._save()
        self.log(f"== {name}: {seconds / 60:.1f} min, F1 on BO validation {val['f1']:.2f}")
        return model

    def run(self) -> dict:
        p = self.p
        teacher = self._student("teacher", "pretrained", replace(p.stage1, seed=self.seed), None)
        teacher.eval()
        for q in teacher.parameters():
            q.requires_grad_(False)

        if "bo" not in self.record:
            self.log(f"== BO: {p.bo_trials} trials at k={p.k_bo}, {p.bo_trial_examples} examples each")

            def objective(gamma: float, beta: float) -> float:
                student = SplitQA.load(str(self._model_dir("teacher")))
                cfg = replace(p.stage2, k=p.k_bo, gamma=gamma, beta=beta, examples=p.bo_trial_examples, seed=self.seed, log_every=10**9)
                fit(student, self.bo_train_feats, cfg, teacher, lambda _: None)
                return evaluate(student, self.bo_val, self.bo_val_feats, p.k_bo)["f1"]

            started = time.time()
            self.record["bo"] = bo.search(objective, p.bo_trials, self.seed, self.log)
            self.record["bo"]["seconds"] = round(time.time() - started, 1)
            self._save()
        best = self.record["bo"]["best"]
        aux = replace(p.stage2, gamma=best["gamma"], beta=best["beta"], seed=self.seed)
        plain = replace(p.stage2, gamma=0.0, beta=0.0, seed=self.seed)

        # Students from the teacher at every k, with and without the aux losses; then the same
        # budget from the pretrained encoder at k_bo (the paper's init), to see which init wins.
        for k in p.ks:
            self._student(f"k{k}-aux", "teacher", replace(aux, k=k), teacher)
        for k in p.ks:
            self._student(f"k{k}-plain", "teacher", replace(plain, k=k), None)
        if p.compare_pretrained_init:
            k0 = p.k_bo
            self._student(f"k{k0}-aux-from-pretrained", "pretrained", replace(aux, k=k0), teacher)
            a = self.record["stages"][f"k{k0}-aux"]["bo_val"]["f1"]
            b = self.record["stages"][f"k{k0}-aux-from-pretrained"]["bo_val"]["f1"]
            self.record["better_init"] = "teacher" if a >= b else "pretrained"
            self._save()
        self.log("== recipe finished")
        return self.record
