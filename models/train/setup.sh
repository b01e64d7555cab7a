#!/usr/bin/env bash
# Creates models/train/.venv for the training recipe (README: "Training the model").
# Debian/Ubuntu: PyTorch from the distribution (python3-torch 1.13, CPU, small) with OpenBLAS,
# which multiplies matrices ~30x faster than the generic BLAS it otherwise falls back to.
# Elsewhere, or with DEFORMER_TORCH=pip: PyTorch from PyPI (CUDA builds where pip picks them).
set -euo pipefail
cd "$(dirname "$0")"

if [[ "${DEFORMER_TORCH:-}" != "pip" ]] && command -v apt-get >/dev/null; then
  need=()
  for pkg in python3-torch python3-venv libopenblas0-pthread; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if ((${#need[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
      echo "missing Debian packages: ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  python=/usr/bin/python3
  [[ -d .venv ]] || "$python" -m venv --system-site-packages .venv
else
  python=$(command -v python3)
  [[ -d .venv ]] || "$python" -m venv .venv
  .venv/bin/pip install -q torch 'numpy<2' pyyaml requests
fi
.venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements.lock
.venv/bin/python -c "import torch, transformers, optuna, tokenizers; print('training env ready: torch', torch.__version__, '| transformers', transformers.__version__, '| threads', torch.get_num_threads())"
