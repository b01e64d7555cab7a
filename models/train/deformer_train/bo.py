"""Bayesian optimisation of the auxiliary loss weights (γ for KD, β for LRS), each in [0.1, 2.0].

Optuna's GP sampler (and botorch) need PyTorch ≥ 2; Debian's python3-torch is 1.13, so there the
search uses Optuna's multivariate TPE, the sequential model-based optimiser it ships. Where a
PyTorch ≥ 2 is installed (a GPU machine), the Gaussian-process sampler is used instead.
"""
from __future__ import annotations

import time
from typing import Callable

import optuna
import torch

WEIGHT_RANGE = (0.1, 2.0)


def sampler(seed: int, startup: int) -> optuna.samplers.BaseSampler:
    if int(torch.__version__.split(".")[0]) >= 2:
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=startup)


def search(objective: Callable[[float, float], float], trials: int, seed: int, log=print) -> dict:
    """Maximises objective(γ, β); returns the trace: every trial's weights, score and seconds, and the best."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = sampler(seed, startup=min(3, trials))
    study = optuna.create_study(direction="maximize", sampler=s)
    trace = []

    def run(trial: optuna.Trial) -> float:
        gamma = trial.suggest_float("gamma", *WEIGHT_RANGE)
        beta = trial.suggest_float("beta", *WEIGHT_RANGE)
        started = time.time()
        score = objective(gamma, beta)
        trace.append({"trial": trial.number, "gamma": gamma, "beta": beta, "f1": score, "seconds": round(time.time() - started, 1)})
        log(f"BO trial {trial.number}: gamma={gamma:.3f} beta={beta:.3f} -> F1 {score:.2f} ({trace[-1]['seconds']} s)")
        return score

    study.optimize(run, n_trials=trials)
    return {
        "sampler": type(s).__name__,
        "trials": trace,
        "best": {"gamma": study.best_params["gamma"], "beta": study.best_params["beta"], "f1": study.best_value},
    }
