#!/usr/bin/env bash
# Reproduces the paper's claims at this suite's scale, end to end: trains every sweep file of
# every family (experiments/*/sweeps/*.textproto), then regenerates the tables and figures into
# report/ and writes report/REPORT.md, one section per sweep.
#
#   bazel run //tools:reproduce                       # every family; skips finished runs
#   bazel run //tools:reproduce -- --family=vit       # trains one family's sweeps only
#   bazel run //tools:reproduce -- --redo             # trains every run again
#   bazel run //tools:reproduce -- --jobs=1 --threads=2
#
# Runs go to runs/<sweep name>/, the report to report/ (both in the workspace). The report has a
# section for every sweep whose runs are there; the sections of sweeps whose runs are not (another
# family, on a fresh clone) are kept from the previous report and marked with its date.
# The figures pick their runs from the records (the lowest seed of each variant at its
# highest lr, or the largest x of a depth-like sweep), never from directory names.
set -euo pipefail

sweep_flags=()
family="*"
for arg in "$@"; do
  case "$arg" in
    --redo | --jobs=* | --threads=*) sweep_flags+=("$arg") ;;
    --family=*) family="${arg#--family=}" ;;
    -h | --help)
      sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "reproduce: unknown flag '$arg' (expected --family=NAME, --redo, --jobs=N, --threads=N)" >&2
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
shopt -s nullglob
sweeps=(experiments/$family/sweeps/*.textproto)
if [[ ${#sweeps[@]} -eq 0 ]]; then
  echo "reproduce: no sweep files under experiments/$family/sweeps/" >&2
  exit 2
fi
out=report
start=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

for sweep in "${sweeps[@]}"; do
  description=$("$bin/experiments/sweep" --sweep="$sweep" --describe)
  name=$(printf '%s\n' "$description" | awk '$1 == "name" { print $2 }')
  step "training $sweep (progress per run; a second call skips finished runs)"
  "$bin/experiments/sweep" --sweep="$sweep" --runs_root=runs "${sweep_flags[@]}"
done

# Tables, figures and report sections of every sweep that has runs (any family).
reported=()
bound_runs=""
for sweep in experiments/*/sweeps/*.textproto; do
  description=$("$bin/experiments/sweep" --sweep="$sweep" --describe)
  name=$(printf '%s\n' "$description" | awk '$1 == "name" { print $2 }')
  [[ -d "runs/$name" ]] || continue
  reported+=("$sweep")
  step "tables and figures of $name"
  "$bin/analysis/tables" --runs="runs/$name" --out="$out" --name="${name}_table" >/dev/null
  echo "wrote $out/${name}_table.md and .csv"
  "$bin/analysis/plots" --curves_from="runs/$name" --out="$out/${name}_entropy_curves"
  if [[ $(printf '%s\n' "$description" | awk '$1 == "learning_rates_per_variant" { print $2 }') -gt 1 ]]; then
    "$bin/analysis/plots" --lr_sweep="runs/$name" --out="$out/${name}_lr_sweep"
  fi
  "$bin/analysis/plots" --reparam_from="runs/$name" --out="$out/${name}_reparam" ||
    echo "(no σReparam run in $name: no gamma/sigma figure)"
  if printf '%s\n' "$description" | grep -q '^claim ENTROPY_BOUND$'; then
    bound_runs="runs/$name"
  fi
done

bound_held=true
if [[ -n "$bound_runs" ]]; then
  step "Theorem 3.1 (trained heads of $bound_runs)"
  "$bin/analysis/entropy_bound" --runs="$bound_runs" --out="$out" >/dev/null || bound_held=false
  echo "wrote $out/entropy_bound.md (numeric check held: $bound_held)"
fi

step "report"
IFS=, joined="${reported[*]}"
previous=""
if [[ -f "$out/REPORT.md" ]]; then
  previous=$(mktemp)
  cp "$out/REPORT.md" "$previous"
fi
"$bin/analysis/report_writer" --sweeps="$joined" --out="$out" \
  --wall_seconds=$(($(date +%s) - start)) --bound_held="$bound_held"
# Sections of sweeps whose runs are not under runs/ (another family, on a fresh clone) are kept
# from the previous report, each marked with the line that says when and on what it was made.
if [[ -n "$previous" ]]; then
  made=$(grep -m1 '^Generated ' "$previous" | sed 's/^Generated //; s/ by `bazel run.*on /, on /; s/)\.$/)/' || true)
  kept=$(mktemp)
  # A section kept before keeps its first marker (the report it was made in).
  awk -v made="$made" '
    NR == FNR { if ($0 ~ /^## /) have[$0] = 1; next }
    /^## / { keep = !($0 in have) && $0 != "## Files"; fresh = keep; if (keep) print; next }
    keep && fresh && $0 != "" {
      if ($0 !~ /^\*Kept from/) print "*Kept from the previous report (" made "): its runs are not under runs/ in this reproduction, its figures and verdicts are those of that report, under its rules.*\n"
      fresh = 0
    }
    keep { print }' "$out/REPORT.md" "$previous" >"$kept"
  if [[ -s "$kept" ]]; then
    awk -v kept="$kept" '/^## Files/ { while ((getline line < kept) > 0) print line } { print }' \
      "$out/REPORT.md" >"$out/REPORT.md.tmp" && mv "$out/REPORT.md.tmp" "$out/REPORT.md"
    echo "kept from the previous report: $(grep -c '^## ' "$kept") section(s) whose runs are not here"
  fi
  rm -f "$previous" "$kept"
fi
# README.md's claims table is written from the report, never by hand.
"$bin/analysis/claims_index" --report="$out/REPORT.md" --readme=README.md
echo "open $BUILD_WORKSPACE_DIRECTORY/$out/REPORT.md"
