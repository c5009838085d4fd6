#!/usr/bin/env bash
# Reproduces the entropy-collapse results end to end: trains the ViT collapse sweep
# (experiments/vit/sweeps/collapse.textproto: 4 methods x 6 learning rates x 3 seeds) and the
# language-model sweep (experiments/lm/sweeps/lm.textproto), then regenerates every table and
# figure into report/ and writes report/REPORT.md.
#
#   bazel run //tools:reproduce              # skips runs that already finished
#   bazel run //tools:reproduce -- --redo    # trains every run again
#   bazel run //tools:reproduce -- --jobs=1 --threads=2
#
# Flags other than --redo/--jobs/--threads are refused. Runs go to runs/collapse_sweep/, the
# report to report/ (both in the workspace).
set -euo pipefail

sweep_flags=()
for arg in "$@"; do
  case "$arg" in
    --redo | --jobs=* | --threads=*) sweep_flags+=("$arg") ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "reproduce: unknown flag '$arg' (expected --redo, --jobs=N, --threads=N)" >&2
      exit 2
      ;;
  esac
done

if [[ -z "${BUILD_WORKSPACE_DIRECTORY:-}" ]]; then
  echo "reproduce: run it with bazel run //tools:reproduce" >&2
  exit 2
fi
bin="$PWD"  # runfiles: experiments/sweep, analysis/plots, ...
export BUILD_WORKSPACE_DIRECTORY
cd "$BUILD_WORKSPACE_DIRECTORY"
runs=runs/collapse_sweep
out=report
start=$(date +%s)

step() { printf '\n== %s\n' "$*"; }

step "1/6 training the ViT collapse sweep (progress per run; a second call skips finished runs)"
"$bin/experiments/sweep" --sweep=experiments/vit/sweeps/collapse.textproto --runs_root=runs \
  "${sweep_flags[@]}"

step "2/6 training the language-model sweep"
"$bin/experiments/sweep" --sweep=experiments/lm/sweeps/lm.textproto --runs_root=runs \
  "${sweep_flags[@]}"

# The seed-0 runs at the sweep's highest lr go into the figures.
listing=$("$bin/experiments/sweep" --sweep=experiments/vit/sweeps/collapse.textproto --runs_root=runs --list)
top=$(printf '%s\n' "$listing" | sort -g -k2 | tail -1 | cut -d' ' -f2)
at_top() { printf '%s\n' "$listing" | awk -v lr="$top" -v v="$1" '$1 == v && $2 == lr && $3 == 0 { print $4 }'; }

step "3/6 tables"
"$bin/analysis/tables" --runs="$runs" --out="$out" --name=collapse_table >/dev/null
echo "wrote $out/collapse_table.md and .csv"
"$bin/analysis/tables" --runs=runs/lm_sweep --out="$out" --name=lm_table >/dev/null
echo "wrote $out/lm_table.md and .csv"

step "4/6 figures (lr $top, seed 0)"
"$bin/analysis/plots" --out="$out/entropy_curves" \
  --runs="$(at_top baseline),$(at_top sigma_reparam_no_ln),$(at_top sigma_reparam_pre_ln),$(at_top qk_norm)"
"$bin/analysis/plots" --lr_sweep="$runs" --out="$out/lr_sweep"
"$bin/analysis/plots" --reparam_run="$(at_top sigma_reparam_no_ln)" --out="$out/reparam"
lm_listing=$("$bin/experiments/sweep" --sweep=experiments/lm/sweeps/lm.textproto --runs_root=runs --list)
lm_top=$(printf '%s\n' "$lm_listing" | sort -g -k2 | tail -1 | cut -d' ' -f2)
lm_at_top() { printf '%s\n' "$lm_listing" | awk -v lr="$lm_top" -v v="$1" '$1 == v && $2 == lr && $3 == 0 { print $4 }'; }
"$bin/analysis/plots" --out="$out/lm_entropy_curves" \
  --runs="$(lm_at_top baseline),$(lm_at_top sigma_reparam_no_ln),$(lm_at_top sigma_reparam_pre_ln),$(lm_at_top qk_norm)"
"$bin/analysis/plots" --lr_sweep=runs/lm_sweep --out="$out/lm_lr_sweep"

step "5/6 Theorem 3.1"
bound_held=true
"$bin/analysis/entropy_bound" --runs="$runs" --out="$out" >/dev/null || bound_held=false
echo "wrote $out/entropy_bound.md (numeric check held: $bound_held)"

step "6/6 report"
"$bin/analysis/report_writer" --runs="$runs" --out="$out" \
  --wall_seconds=$(($(date +%s) - start)) --bound_held="$bound_held"
echo "open $BUILD_WORKSPACE_DIRECTORY/$out/REPORT.md"
