#!/usr/bin/env bash
# Every GPU figure of sknn, in one command (planned: under 20 minutes on one H100).
#
#   benchmarks/gpu/run_all.sh                 # on a CUDA machine: writes benchmarks/results/*_cuda.{json,md}
#   benchmarks/gpu/run_all.sh --smoke --out DIR   # tiny sizes on the CPU, seconds (CI runs this)
#
# Steps: the CUDA-only tests; MNIST MLP and the course convnet (sknn, sknn bf16-mixed,
# sknn compile=True, a plain PyTorch loop with the data on the device, scikit-learn on
# the CPU); IMDB LSTM(32) and GRU(32) (sknn through cuDNN's fused kernel vs the textbook
# packed loop); poem meters (3-BiGRU(256): fp32, bf16-mixed, compile; depth 1-6 in fp32).
# The data folder is SKNN_DATA, else ../shared/data, else ./shared/data.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SMOKE=0
OUT="$ROOT/benchmarks/results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "usage: $0 [--smoke] [--out DIR]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
if [[ -z "${SKNN_DATA:-}" ]]; then
  for candidate in "$ROOT/../shared/data" "$ROOT/shared/data"; do
    if [[ -d "$candidate" ]]; then export SKNN_DATA="$(cd "$candidate" && pwd)"; break; fi
  done
fi
if [[ ! -d "${SKNN_DATA:-/nonexistent}" ]]; then
  echo "no data folder: set SKNN_DATA (MNIST, IMDB and poem meters, see sknn.datasets)" >&2
  exit 1
fi
PY="${PYTHON:-python}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

if [[ $SMOKE == 1 ]]; then
  DEVICE=cpu; SUFFIX=_smoke; THREADS=1; ROUNDS=1
  VARIANTS=sknn,sknn_bf16       # compile is covered by tests/test_compile.py (slow on a CPU)
  MLP=(--epochs 1 --n-train 500); CNN=(--epochs 1 --n-train 256)
  RNN=(--epochs 1 --n-train 200 --maxlen 30)
  POEM=(--device cpu --n-train 300 --epochs 1 --hidden 16 --embedding-dim 16 --max-length 20
        --runs 1x32,2xbf16-mixed --threads 1)
else
  "$PY" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" || {
    echo "CUDA is not available here; use --smoke on a CPU machine" >&2; exit 1; }
  DEVICE=cuda; SUFFIX=_cuda; THREADS=0; ROUNDS=3
  VARIANTS=sknn,sknn_bf16,sknn_compile
  MLP=(--epochs 5 --n-train 50000); CNN=(--epochs 3 --n-train 50000)
  RNN=(--epochs 2 --n-train 20000 --maxlen 200)
  POEM=(--device cuda --epochs 15 --runs 3x32,3xbf16-mixed,3xcompile,1x32,2x32,4x32,5x32,6x32)
  "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda_paths.py tests/test_precision.py \
    tests/test_compile.py 2>&1 | tee "$OUT/gpu_tests$SUFFIX.txt"
fi

step() { echo "== $(date +%H:%M:%S) $*"; }
COMMON=(--device "$DEVICE" --threads "$THREADS" --rounds "$ROUNDS" --results-dir "$OUT")
START=$SECONDS

step "MLP 784-100-10 on MNIST"
"$PY" benchmarks/bench_mlp.py "${COMMON[@]}" "${MLP[@]}" --suffix "$SUFFIX" \
  --contenders "$VARIANTS,torch_loop,sklearn"
step "course convnet on MNIST"
"$PY" benchmarks/bench_cnn.py "${COMMON[@]}" "${CNN[@]}" --suffix "$SUFFIX" \
  --contenders "$VARIANTS,torch_loop"
for cell in lstm gru; do
  step "$cell(32) on IMDB"
  "$PY" benchmarks/bench_rnn.py "${COMMON[@]}" "${RNN[@]}" --cell "$cell" \
    --suffix "_$cell$SUFFIX" --contenders "$VARIANTS,torch_packed"
done
step "poem meters"
"$PY" benchmarks/gpu/poem_meters.py "${POEM[@]}" --results-dir "$OUT" --suffix "$SUFFIX"
step "done in $((SECONDS - START)) s; results in $OUT"
