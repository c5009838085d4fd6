#!/bin/bash
# The speed benchmark, side by side: one training step of the ViT and the causal LM in this
# suite's C++ (//experiments:step_benchmark, -c opt) and in PyTorch 2.11 eager and torch.compile,
# the same version as the C++ build's LibTorch (tools/reference/step_benchmark.py, in the virtual
# environment of `tools/setup.sh --bench`), same shapes, batch and threads,
# measured alternately in rounds; then σReparam's and entropy logging's share of a step, ViT
# inference after folding, and data-parallel steps per second on 1 and 2 ranks.
#
#   bash tools/benchmark.sh [--rounds=2] [--out=report]
#
# Writes <out>/benchmark.md (the tables, with the machine and threads) and
# <out>/benchmark.json (every measurement). Takes about 6 minutes per round on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=2
out=report
for arg in "$@"; do
  case "$arg" in
    --rounds=*) rounds="${arg#*=}" ;;
    --out=*) out="${arg#*=}" ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done
python="${SIGMA_VENV:-$HOME/.cache/sigma-reparam-venv}/bin/python"
want=$(sed -n 's/^LIBTORCH_VERSION = "\(.*\)"$/\1/p' third_party/torch/version.bzl)
if ! have=$("$python" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null) ||
    [ "$have" != "$want" ]; then
  echo "error: $python has no PyTorch $want (the C++ build's version): run tools/setup.sh --bench" >&2
  exit 2
fi

echo "building //experiments:step_benchmark and //experiments:train with -c opt..."
bazel build -c opt //experiments:step_benchmark //experiments:train 2>&1 | tail -1
bin=bazel-bin/experiments
mkdir -p "$out"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

# cpp <model> <width> <depth> <heads> <batch> <variant> <threads> <min seconds> [counter]
#   -> median ms per step (or the named counter: ratio = variant / the variant below it, stepped
#   alternately in one loop)
cpp() {
  "$bin/step_benchmark" --benchmark_filter="^BM_Step/$1/$2/$3/$4/$5/$6/$7/real_time\$" \
    --benchmark_min_time="$8" --benchmark_format=json 2>/dev/null |
    "$python" -c "import json,sys; print(json.load(sys.stdin)['benchmarks'][0]['${9:-ms}'])"
}
# py <model> <width> <depth> <heads> <batch> <threads> <steps> [--compile] -> median ms per step
py() {
  "$python" tools/reference/step_benchmark.py --model="$1" --width="$2" --depth="$3" \
    --heads="$4" --batch="$5" --threads="$6" --steps="$7" ${8:-} |
    "$python" -c 'import json,statistics,sys; print(statistics.median(json.load(sys.stdin)["ms"]))'
}
# inference <width> <depth> <heads> <variant> <threads> [counter] -> median ms (or the ratio of
# σReparam / folded to the plain model, stepped alternately)
inference() {
  "$bin/step_benchmark" --benchmark_filter="^BM_Inference/$1/$2/$3/$4/$5/real_time\$" \
    --benchmark_min_time=3 --benchmark_format=json 2>/dev/null |
    "$python" -c "import json,sys; print(json.load(sys.stdin)['benchmarks'][0]['${6:-ms}'])"
}
record() { echo "$*" >> "$raw"; }

# name model(cpp id) model(py) width depth heads batch min_seconds py_steps
cases=(
  "vit-64  0 vit 64 4 4 128 3 20"
  "vit-384 0 vit 384 6 6 128 12 5"
  "lm-64   1 lm 64 4 4 32 3 20"
  "lm-384  1 lm 384 6 6 32 12 5"
)
for round in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    read -r name id model width depth heads batch secs steps <<< "$c"
    for threads in 1 2; do
      # Alternate which side goes first from round to round.
      if (( round % 2 )); then
        ours=$(cpp "$id" "$width" "$depth" "$heads" "$batch" 0 "$threads" "$secs")
        theirs=$(py "$model" "$width" "$depth" "$heads" "$batch" "$threads" "$steps")
        compiled=$(py "$model" "$width" "$depth" "$heads" "$batch" "$threads" "$steps" --compile)
      else
        compiled=$(py "$model" "$width" "$depth" "$heads" "$batch" "$threads" "$steps" --compile)
        theirs=$(py "$model" "$width" "$depth" "$heads" "$batch" "$threads" "$steps")
        ours=$(cpp "$id" "$width" "$depth" "$heads" "$batch" 0 "$threads" "$secs")
      fi
      sigma=$(cpp "$id" "$width" "$depth" "$heads" "$batch" 1 "$threads" "$secs" ratio)
      entropy=$(cpp "$id" "$width" "$depth" "$heads" "$batch" 2 "$threads" "$secs" ratio)
      record "step $name $threads $round $ours $theirs $sigma $entropy $compiled"
      printf 'round %d  %-8s %d thread%s  C++ %8.1f ms  eager %8.1f ms  compile %8.1f ms  C++/eager %.2f  C++/compile %.2f | σReparam / plain %.3f | + entropy / σReparam %.3f\n' \
        "$round" "$name" "$threads" "$([ "$threads" = 1 ] && echo ' ' || echo s)" "$ours" "$theirs" \
        "$compiled" "$("$python" -c "print($ours/$theirs)")" "$("$python" -c "print($ours/$compiled)")" \
        "$sigma" "$entropy"
    done
  done
  for width in "64 4 4" "384 6 6"; do
    read -r w d h <<< "$width"
    for threads in 1 2; do
      plain=$(inference "$w" "$d" "$h" 0 "$threads")
      reparam=$(inference "$w" "$d" "$h" 1 "$threads" ratio)
      folded=$(inference "$w" "$d" "$h" 2 "$threads" ratio)
      record "inference vit-$w $threads $round $plain $reparam $folded"
      printf 'round %d  inference vit-%-4s %d thread(s): plain %7.1f ms  σReparam / plain %.3f  folded / plain %.3f\n' \
        "$round" "$w" "$threads" "$plain" "$reparam" "$folded"
    done
  done
done

# Data parallel: the σReparam ViT (batch 128), one thread per rank, 1 and 2 ranks, steps per
# second over 150 steps (the logged rate at step 149, before the final evaluation).
spec=experiments/vit/specs/sigma_reparam.textproto
for round in $(seq 1 "$rounds"); do
  for ranks in 1 2; do
    dir=$(mktemp -d)
    "$bin/train" --spec="$spec" --steps=150 --threads=1 --nproc_per_node="$ranks" \
      --output_dir="$dir/run" --quiet --set='run { log_interval: 149 eval_interval: 0 checkpoint_interval: 0 }' \
      > "$dir/log" 2>&1 || { cat "$dir/log"; exit 1; }
    rate=$(grep '"step":"149"' "$dir/run/metrics.jsonl" |
      "$python" -c 'import json,sys; print(json.loads(sys.stdin.read())["stepsPerSecond"])')
    rm -rf "$dir"
    record "parallel vit-64 $ranks $round $rate"
    printf 'round %d  data parallel: %d rank(s) x 1 thread  %.2f steps/s\n' "$round" "$ranks" "$rate"
  done
done

"$python" tools/benchmark_report.py "$raw" "$out" "$rounds"
