#!/usr/bin/env python3
"""Tables of tools/benchmark.sh's measurements: <out>/benchmark.md and <out>/benchmark.json.

  python3 tools/benchmark_report.py RAW OUT ROUNDS

RAW holds one measurement per line, as tools/benchmark.sh records them:
  step <case> <threads> <round> <C++ ms> <PyTorch eager ms> <σReparam / plain>
       <entropy / σReparam> <torch.compile ms>
    (the two ratios each from one loop that steps both models alternately)
  inference <case> <threads> <round> <plain ms> <σReparam / plain> <folded / plain>
  parallel <case> <ranks> <round> <steps per second>
Every figure in the tables is the median over the rounds, with the range in brackets.
"""

import datetime
import json
import os
import platform
import statistics
import sys


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import torch
        version = torch.__version__
        blas = next((p.split("=", 1)[1] for p in torch.__config__.show().replace(",", "\n").split()
                     if p.startswith("BLAS_INFO=")), "?")
    except ImportError:
        version, blas = "?", "?"
    return {"cpu": model, "cores": os.cpu_count(), "system": platform.platform(),
            "blas": blas, "torch": version,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def summary(values, fmt="{:.1f}"):
    values = sorted(values)
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med), med
    return f"{fmt.format(med)} ({fmt.format(values[0])}-{fmt.format(values[-1])})", med


def main():
    raw, out, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    steps, inference, parallel = {}, {}, {}
    with open(raw) as f:
        for line in f:
            kind, case, threads, _round, *values = line.split()
            values = [float(v) for v in values]
            table = {"step": steps, "inference": inference, "parallel": parallel}[kind]
            table.setdefault((case, int(threads)), []).append(values)
    m = machine()
    md = ["# Speed: this suite's C++ against PyTorch eager and torch.compile", "",
          f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores), {m['system']}; LibTorch "
          f"{m['torch']} for both sides, BLAS {m['blas']}. Regenerate with "
          f"`bash tools/benchmark.sh` ({rounds} rounds; medians, ranges in brackets).", "",
          "## One training step (zero_grad, forward, cross-entropy, backward, AdamW)", "",
          "ViT: 28x28 images, patch 7 (17 tokens), batch 128. LM: vocabulary 2048, context 64, "
          "batch 32, tied embeddings. Both pre-LN with a fused qkv projection, MLP ratio 4. "
          "PyTorch: `tools/reference/step_benchmark.py`, the same models written as a PyTorch "
          "user would, run eagerly and through torch.compile (inductor). Ratios = C++ / PyTorch per "
          "round.", "",
          "| model | width x depth | threads | PyTorch eager ms | torch.compile ms | C++ ms | "
          "C++ / eager | C++ / compile | σReparam share | entropy share of a logged step |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    shapes = {"vit-64": "64 x 4", "vit-384": "384 x 6", "lm-64": "64 x 4", "lm-384": "384 x 6"}
    results = {"machine": m, "rounds": rounds, "step": [], "inference": [], "parallel": []}
    for (case, threads), rows in sorted(steps.items(), key=lambda kv: (kv[0][0][:2],
                                                                         int(kv[0][0][3:]),
                                                                         kv[0][1])):
        ours = [r[0] for r in rows]
        theirs = [r[1] for r in rows]
        ratio = [r[0] / r[1] for r in rows]
        sigma = [r[2] - 1 for r in rows]
        entropy = [1 - 1 / r[3] for r in rows]
        compiled = [r[4] for r in rows]
        o, _ = summary(ours)
        t, _ = summary(theirs)
        c, _ = summary(compiled)
        q, qm = summary(ratio, "{:.2f}")
        qc, qcm = summary([r[0] / r[4] for r in rows], "{:.2f}")
        s, sm = summary([100 * x for x in sigma], "{:+.1f}%")
        e, em = summary([100 * x for x in entropy], "{:+.1f}%")
        md.append(f"| {case[:2].upper() if case.startswith('lm') else 'ViT'} | {shapes[case]} | "
                  f"{threads} | {t} | {c} | {o} | {q} | {qc} | {s} | {e} |")
        results["step"].append({"case": case, "threads": threads, "cpp_ms": ours,
                                "pytorch_ms": theirs, "compile_ms": compiled,
                                "ratio_median": qm, "compile_ratio_median": qcm,
                                "sigma_share_median": sm / 100, "entropy_share_median": em / 100})
    md += ["", "Step times are medians over each measurement's steps. σReparam share: (C++ step "
           "with σReparam on every linear layer and the patch embedding) / (C++ plain step) - 1, "
           "both models stepped alternately in one loop. Entropy share: the extra time of a "
           "σReparam step that observes every layer's attention entropy and reads it back as the "
           "trainer does on a logged step, as a fraction of that step (alternating with the same "
           "step without entropy).", "",
           "## Inference after folding (ViT, eval mode, batch 256, no gradient)", "",
           "| width x depth | threads | plain ms | σReparam / plain | folded / plain |",
           "|---|---|---|---|---|"]
    for (case, threads), rows in sorted(inference.items(), key=lambda kv: (int(kv[0][0][4:]),
                                                                             kv[0][1])):
        p, _ = summary([r[0] for r in rows])
        s, _ = summary([r[1] for r in rows], "{:.3f}")
        f, fm = summary([r[2] for r in rows], "{:.3f}")
        md.append(f"| {shapes['vit-' + case[4:]]} | {threads} | {p} | {s} | {f} |")
        results["inference"].append({"case": case, "threads": threads,
                                     "plain_ms": [r[0] for r in rows],
                                     "sigma_ratio": [r[1] for r in rows],
                                     "folded_ratio": [r[2] for r in rows],
                                     "folded_ratio_median": fm})
    md += ["", "Ratios from one loop that runs the model and the plain model alternately. "
           "`sigma::fold_into` copies each σReparam layer's W_hat = gamma / sigma(W) W into the "
           "same model built without σReparam: the folded model is the plain model, so its ratio "
           "shows the measurement's own noise.", "",
           "## Data-parallel training (c10d Gloo on loopback)", "",
           "σReparam ViT of `experiments/vit/specs/sigma_reparam.textproto` (width 64, batch 128 "
           "in all), one thread per rank, 150 steps; rate at step 149 (before the final "
           "evaluation), start-up excluded.", "",
           "| ranks | steps/s | speed-up | scaling efficiency |", "|---|---|---|---|"]
    one = statistics.median(r[0] for r in parallel.get(("vit-64", 1), [[float("nan")]]))
    for (case, ranks), rows in sorted(parallel.items()):
        rate, med = summary([r[0] for r in rows], "{:.2f}")
        md.append(f"| {ranks} | {rate} | {med / one:.2f}x | {100 * med / one / ranks:.0f}% |")
        results["parallel"].append({"ranks": ranks, "steps_per_second": [r[0] for r in rows]})
    md.append("")
    with open(os.path.join(out, "benchmark.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(out, "benchmark.json"), "w") as f:
        json.dump(results, f, indent=1)
    print("\n".join(md))
    print(f"wrote {out}/benchmark.md and {out}/benchmark.json")


if __name__ == "__main__":
    main()
