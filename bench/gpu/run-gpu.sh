#!/usr/bin/env bash
# One prepared GPU benchmark run for netforge (see ../shared/device/README.md). Measures in the
# same run, on the same machine:
#   - netforge resnet50 float32 and float16 on webgpu at batch 1 and 32 (and float32 with
#     --io-binding), the same on cpu;
#   - PyTorch eager on CUDA (fp32, tf32, fp16) as the baseline (bench/gpu/torch_eager.py);
#   - the torch-exported resnet50 ONNX on webgpu and cpu;
#   - webgpu-vs-cpu output differences for resnet50, resnext50_32x4d and resnet50 with
#     replace_stride_with_dilation false,true,true, float32 and float16 (bench/gpu/diff.mjs);
#   - netforge doctor, and whether resnet50 runs on webgpu with no node on the CPU (--strict-ep).
# Results (JSON per step, log.txt, summary.md) go to $OUT.
#
# Prepare on the development machine (once):
#   npm ci && npm run build && bash ../shared/device/pack-gpu.sh
# Run on the GPU machine (carry [".gpu", "dist"]; about 3-5 minutes):
#   bash bench/gpu/run-gpu.sh
# Knobs (environment): RUNS (default 30), WARMUP (10), BATCHES (1,32), SIZE (224),
#   NETFORGE_GPU_BENCH_CPU_ONLY=1 skips every GPU step and runs PyTorch on the CPU: the way to
#   test this script on a machine without a GPU (e.g. RUNS=2 WARMUP=0 BATCHES=1,2 SIZE=64).
# Every step runs even when an earlier one failed; log.txt records each step's exit status,
# and the script exits 1 if any step failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
CPU_ONLY=${NETFORGE_GPU_BENCH_CPU_ONLY:-0}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-10}
BATCHES=${BATCHES:-1,32}
SIZE=${SIZE:-224}
OUT=${OUT:-bench/results/gpu-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LOG=$OUT/log.txt
: > "$LOG"
failed=0

if [ "$CPU_ONLY" != 1 ] && [ -f .gpu/env.sh ]; then
  # shellcheck disable=SC1091
  source .gpu/env.sh >> "$LOG" 2>&1
fi
PY=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && PY=/usr/bin/python3
[ -f dist/cli/main.js ] || { echo "dist/ is missing: run npm run build here (and carry dist)" | tee -a "$LOG" >&2; exit 2; }

# step NAME COMMAND...: run, keep stdout in $OUT/NAME.out (or the JSON the command writes), stderr in NAME.err
step() {
  local name=$1; shift
  local t0=$SECONDS
  "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
  local rc=$?
  [ -s "$OUT/$name.err" ] || rm -f "$OUT/$name.err"
  echo "$(printf '%-32s' "$name") rc=$rc $((SECONDS - t0))s  $*" >> "$LOG"
  [ $rc -eq 0 ] || failed=1
  return 0
}
nf() { node bin/netforge.js "$@"; }
bench() { # bench NAME ARGS...: JSON to NAME.json
  local name=$1; shift
  step "$name" nf bench "$@" --runs "$RUNS" --warmup "$WARMUP" --json
  mv "$OUT/$name.out" "$OUT/$name.json"
}
{
  echo "netforge GPU run $(date -u +%FT%TZ) cpu_only=$CPU_ONLY runs=$RUNS warmup=$WARMUP batches=$BATCHES size=$SIZE"
  echo "node $(node --version 2>&1)  python $($PY --version 2>&1)  $(nproc) cpus"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
} >> "$LOG"

step doctor nf doctor
step doctor_json nf doctor --json
mv "$OUT/doctor_json.out" "$OUT/doctor.json"

GPU=webgpu
[ "$CPU_ONLY" = 1 ] && GPU=cpu
SZ=(--input-size "$SIZE")

# netforge resnet50: float32 and float16, GPU and cpu. Non-strict: the JSON names the provider
# that really ran (a fallback shows as "fellBack": true and a notice in the .err file).
bench nf_resnet50_fp32_$GPU resnet50 --ep "$GPU" --batch "$BATCHES" "${SZ[@]}"
bench nf_resnet50_fp16_$GPU resnet50 --ep "$GPU" --batch "$BATCHES" --dtype float16 "${SZ[@]}"
[ "$CPU_ONLY" = 1 ] || bench nf_resnet50_fp32_webgpu_iobinding resnet50 --ep webgpu --batch "$BATCHES" --io-binding "${SZ[@]}"
[ "$CPU_ONLY" = 1 ] || bench nf_resnet50_fp16_webgpu_iobinding resnet50 --ep webgpu --batch "$BATCHES" --dtype float16 --io-binding "${SZ[@]}"
if [ "$CPU_ONLY" != 1 ]; then
  bench nf_resnet50_fp32_cpu resnet50 --ep cpu --batch "$BATCHES" "${SZ[@]}"
  bench nf_resnet50_fp16_cpu resnet50 --ep cpu --batch "$BATCHES" --dtype float16 "${SZ[@]}"
fi
# Does every node of resnet50 (float32, float16) run on webgpu? --strict-ep forbids node-level CPU fallback.
step strict_fp32_$GPU nf bench resnet50 --ep "$GPU" --strict-ep --batch 1 --runs 1 --warmup 0 --json "${SZ[@]}"
step strict_fp16_$GPU nf bench resnet50 --ep "$GPU" --strict-ep --batch 1 --runs 1 --warmup 0 --dtype float16 --json "${SZ[@]}"

# PyTorch eager baseline (CUDA), and the torch-exported ONNX model
TDEV=cuda
[ "$CPU_ONLY" = 1 ] && TDEV=cpu
step torch_eager "$PY" bench/gpu/torch_eager.py --device "$TDEV" --batches "$BATCHES" --runs "$RUNS" --warmup "$WARMUP" --size "$SIZE" \
  --export "$WORK/torch_resnet50.onnx" --out "$OUT/torch_eager.json"
if [ -f "$WORK/torch_resnet50.onnx" ]; then
  bench torch_onnx_resnet50_$GPU "$WORK/torch_resnet50.onnx" --ep "$GPU" --batch "$BATCHES" --input-size "3,$SIZE,$SIZE"
  [ "$CPU_ONLY" = 1 ] || bench torch_onnx_resnet50_cpu "$WORK/torch_resnet50.onnx" --ep cpu --batch "$BATCHES" --input-size "3,$SIZE,$SIZE"
  ONNX_ARG=(--onnx "$WORK/torch_resnet50.onnx")
else
  ONNX_ARG=()
fi

# GPU vs cpu outputs
step diff node bench/gpu/diff.mjs --gpu "$GPU" --size "$SIZE" --out "$OUT/diff.json" "${ONNX_ARG[@]}"

step summary "$PY" bench/gpu/summarize.py "$OUT"
mv "$OUT/summary.out" "$OUT/summary.md"
cat "$OUT/summary.md"
echo "--- steps"; cat "$LOG"
exit $failed
