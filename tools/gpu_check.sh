#!/usr/bin/env bash
# The GPU check: one call on a machine with an NVIDIA GPU and PyTorch 2.11 (the LibTorch version of
# third_party/torch/version.bzl), no network and no Bazel there. Two halves:
#
#   bash tools/gpu_check.sh --prepare   # here: builds the --config=cuda binaries with -c opt and
#                                       # copies them and Fashion-MNIST into .gpu_check/ (~50 MB)
#   bash tools/gpu_check.sh             # there: runs them, writes everything under $OUT
#
# On the GPU machine it finds LibTorch's libraries in the PyTorch installation of $TORCH_PYTHON
# (default /opt/torch/.venv/bin/python), checks its version against ours, then trains the ViT
# spec experiments/vit/specs/sigma_reparam.textproto for 60 steps on the CPU and on cuda:0 and
# compares the two loss curves (final loss within 2% relative: the two devices' float32
# kernels sum in other orders, so the curves agree to rounding, not bit for bit), runs the same
# 60 steps with run { precision: BF16 }, and writes $OUT/gpu_check.md. It has not been run yet
# (docs/experiments.md, "GPUs").
set -uo pipefail
cd "$(dirname "$0")/.."
dir=.gpu_check

if [ "${1:-}" = "--prepare" ]; then
  set -e
  tools/setup.sh --cuda --packages-only
  bazel build --config=cuda -c opt //experiments:train
  rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/lib" "$dir/data"
  cp "$(bazel info --config=cuda -c opt bazel-bin)/experiments/train" "$dir/bin/"
  # The shared libraries it needs beyond LibTorch's, CUDA's and glibc's (protobuf, Abseil,
  # PLplot, libpng, ...), which the GPU machine may not have.
  ldd "$dir/bin/train" | awk '$3 ~ /^\// {print $3}' |
    grep -v -e /opt/sigma-reparam/ -e '/libc\.so' -e '/libm\.so' -e '/libpthread' -e '/libdl\.so' \
      -e '/librt\.so' -e '/ld-linux' -e '/libgcc_s' -e '/libstdc++' |
    while read -r lib; do cp -L "$lib" "$dir/lib/"; done
  cp -r "${SIGMA_DATA:-$HOME/.cache/sigma-reparam}/fashion-mnist" "$dir/data/"
  du -sh "$dir"
  exit 0
fi

out="${OUT:-gpu_check_out}"
mkdir -p "$out"
exec > >(tee "$out/gpu_check.log") 2>&1
python="${TORCH_PYTHON:-/opt/torch/.venv/bin/python}"
want=$(sed -n 's/^LIBTORCH_VERSION = "\(.*\)"$/\1/p' third_party/torch/version.bzl)
have=$("$python" -c 'import torch; print(torch.__version__.split("+")[0])') || {
  echo "gpu_check: $python cannot import torch"; exit 2; }
if [ "$have" != "$want" ]; then
  echo "gpu_check: the machine's PyTorch is $have, the binaries were built against $want"; exit 2
fi
[ -x "$dir/bin/train" ] || { echo "gpu_check: no $dir/bin/train: run tools/gpu_check.sh --prepare first"; exit 2; }
libs=$("$python" - <<'PY'
import glob, os, torch
root = os.path.dirname(torch.__file__)
dirs = [os.path.join(root, "lib")] + sorted(glob.glob(os.path.join(root, "..", "nvidia", "*", "lib")))
print(":".join(os.path.realpath(d) for d in dirs))
PY
)
export LD_LIBRARY_PATH="$libs:$PWD/$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export SIGMA_DATA="$PWD/$dir/data"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"

status=0
for device in cpu cuda; do
  /usr/bin/time -f "%e s" "$dir/bin/train" --spec=experiments/vit/specs/sigma_reparam.textproto \
    --steps=60 --device="$device" --output_dir="$out/vit_$device" --quiet || status=1
done
"$dir/bin/train" --spec=experiments/vit/specs/sigma_reparam.textproto --steps=60 --device=cuda \
  --set='run { precision: BF16 }' --output_dir="$out/vit_cuda_bf16" --quiet || status=1
"$python" - "$out" <<'PY' || status=1
import json, sys
out = sys.argv[1]
def losses(d):
    return [json.loads(l)["loss"] for l in open(f"{out}/{d}/metrics.jsonl")]
cpu, gpu, bf16 = losses("vit_cpu"), losses("vit_cuda"), losses("vit_cuda_bf16")
rel = abs(cpu[-1] - gpu[-1]) / abs(cpu[-1])
rel16 = abs(bf16[-1] - gpu[-1]) / abs(gpu[-1])
ok = len(cpu) == len(gpu) and rel <= 0.02 and rel16 <= 0.05
with open(f"{out}/gpu_check.md", "w") as f:
    f.write(f"ViT sigma_reparam spec, 60 steps: final loss cpu {cpu[-1]:.5f}, cuda {gpu[-1]:.5f} "
            f"(relative difference {rel:.2e}, tolerance 2e-2), cuda bf16 {bf16[-1]:.5f} "
            f"(relative to cuda float32 {rel16:.2e}, tolerance 5e-2): "
            f"{'PASS' if ok else 'FAIL'}\n")
print(open(f"{out}/gpu_check.md").read())
sys.exit(0 if ok else 1)
PY
exit $status
