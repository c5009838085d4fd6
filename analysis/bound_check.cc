#include "analysis/bound_check.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "analysis/plot_style.h"
#include "sigma/entropy_bound_math.h"

namespace analysis {
namespace {

// Centres z and scales it to norm s (a zero vector becomes the attaining direction).
void to_sphere(std::vector<double>& z, double s) {
  double mean = 0;
  for (double v : z) mean += v;
  mean /= static_cast<double>(z.size());
  double sq = 0;
  for (double& v : z) {
    v -= mean;
    sq += v * v;
  }
  const double norm = std::sqrt(sq);
  if (norm == 0) {
    z = sigma::attaining_logits(s, static_cast<int64_t>(z.size()));
    return;
  }
  for (double& v : z) v *= s / norm;
}

// Projected gradient descent on the entropy over {sum z = 0, ||z|| = s}, with backtracking.
double minimise_entropy(std::vector<double> z, double s, int iterations) {
  to_sphere(z, s);
  double h = sigma::softmax_entropy(z);
  double step = std::max(s, 1e-3);
  const size_t n = z.size();
  std::vector<double> g(n), trial(n);
  for (int it = 0; it < iterations && step > 1e-12; ++it) {
    // dH/dz_j = -p_j (log p_j + H)
    const double top = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (size_t j = 0; j < n; ++j) sum += std::exp(z[j] - top);
    for (size_t j = 0; j < n; ++j) {
      const double logp = z[j] - top - std::log(sum);
      g[j] = -std::exp(logp) * (logp + h);
    }
    for (size_t j = 0; j < n; ++j) trial[j] = z[j] - step * g[j];
    to_sphere(trial, s);
    const double ht = sigma::softmax_entropy(trial);
    if (ht < h) {
      z.swap(trial);
      h = ht;
      step *= 1.5;
    } else {
      step *= 0.5;
    }
  }
  return h;
}

}  // namespace

BoundCheck check_entropy_bound(const std::vector<int64_t>& keys,
                               const std::vector<double>& s_values, int random, int adversarial,
                               uint64_t seed) {
  BoundCheck check;
  check.worst_slack = std::numeric_limits<double>::infinity();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.2, 1.0);
  for (int64_t T : keys) {
    for (double s : s_values) {
      BoundCheckRow row;
      row.keys = T;
      row.s = s;
      row.bound = sigma::entropy_lower_bound(s, T);
      row.random = random;
      row.adversarial = adversarial;
      row.min_entropy_random = std::numeric_limits<double>::infinity();
      row.min_entropy_adversarial = std::numeric_limits<double>::infinity();
      std::vector<double> z(static_cast<size_t>(T));
      auto draw = [&](int i) {
        for (double& v : z) v = (i % 2 == 0 ? 1.0 : 0.05) * normal(rng);
        if (i % 2 == 1) {  // one to three large coordinates
          const int spikes = 1 + (i / 2) % 3;
          for (int k = 0; k < spikes && k < T; ++k) z[k] += uniform(rng);
        }
      };
      for (int i = 0; i < random; ++i) {
        draw(i);
        to_sphere(z, s);
        const double h = sigma::softmax_entropy(z);
        row.min_entropy_random = std::min(row.min_entropy_random, h);
      }
      for (int i = 0; i < adversarial; ++i) {
        draw(i);
        row.min_entropy_adversarial =
            std::min(row.min_entropy_adversarial, minimise_entropy(z, s, 400));
      }
      row.attaining_entropy = sigma::softmax_entropy(sigma::attaining_logits(s, T));
      check.worst_slack = std::min({check.worst_slack, row.min_entropy_random - row.bound,
                                    row.min_entropy_adversarial - row.bound});
      check.worst_attaining =
          std::max(check.worst_attaining, std::abs(row.attaining_entropy - row.bound));
      check.rows.push_back(row);
    }
  }
  return check;
}

std::vector<MethodProbes> head_probes(const std::vector<RunRecord>& runs) {
  std::vector<MethodProbes> out;
  std::map<std::string, size_t> index;
  for (const RunRecord& run : runs) {
    if (run.result.attention_probe_size() == 0) continue;
    const std::string method = variant_name(run);
    auto [it, inserted] = index.emplace(method, out.size());
    if (inserted) out.push_back({method, 0, {}});
    MethodProbes& m = out[it->second];
    ++m.runs;
    for (const auto& h : run.result.attention_probe()) {
      if (h.rows() == 0) continue;
      m.heads.push_back({h.max_logit_norm(), h.mean_entropy(), h.min_bound_slack(), h.keys()});
    }
  }
  return out;
}

namespace {

// The top panel: the bound for each T, adversarial minima as points on it.
void draw_bound_panel(plstream& pls, const BoundCheck& check) {
  std::vector<int64_t> keys;
  double s_max = 1, h_max = 1;
  for (const auto& r : check.rows) {
    if (std::find(keys.begin(), keys.end(), r.keys) == keys.end()) keys.push_back(r.keys);
    s_max = std::max(s_max, r.s);
    h_max = std::max(h_max, std::log(static_cast<double>(r.keys)));
  }
  pls.adv(0);
  pls.vsta();
  pls.col0(1);
  pls.wind(0, s_max, 0, 1.05 * h_max);
  pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
  pls.lab("s (centred logit norm)", "entropy (nats)",
          "Theorem 3.1: lower bound (lines) and the lowest entropy an adversarial search found "
          "(points)");
  std::vector<std::string> labels;
  for (size_t k = 0; k < keys.size(); ++k) {
    std::vector<PLFLT> x, y;
    for (int i = 0; i <= 200; ++i) {
      x.push_back(s_max * i / 200.0);
      y.push_back(sigma::entropy_lower_bound(x.back(), keys[k]));
    }
    pls.col0(line_colour(k));
    pls.width(2);
    pls.line(static_cast<PLINT>(x.size()), x.data(), y.data());
    std::vector<PLFLT> px, py;
    for (const auto& r : check.rows) {
      if (r.keys != keys[k] || r.adversarial == 0) continue;
      px.push_back(r.s);
      py.push_back(r.min_entropy_adversarial);
    }
    pls.width(1);
    if (!px.empty()) pls.poin(static_cast<PLINT>(px.size()), px.data(), py.data(), 4);
    labels.push_back("T = " + std::to_string(keys[k]));
  }
  line_legend(pls, labels, PL_POSITION_TOP | PL_POSITION_RIGHT);
}

// The bottom panel: trained heads against the bound for their T, log-s axis.
void draw_heads_panel(plstream& pls, const std::vector<MethodProbes>& probes) {
  int64_t T = 0;
  double lo = 1e300, hi = -1e300;
  for (const auto& m : probes) {
    for (const auto& h : m.heads) {
      T = std::max(T, h.keys);
      if (h.max_logit_norm > 0) {
        lo = std::min(lo, std::log10(h.max_logit_norm));
        hi = std::max(hi, std::log10(h.max_logit_norm));
      }
    }
  }
  pls.adv(0);
  pls.vsta();
  pls.col0(1);
  if (T < 2) {
    pls.wind(0, 1, 0, 1);
    pls.box("bc", 0, 0, "bc", 0, 0);
    pls.ptex(0.5, 0.5, 1, 0, 0.5, "no attention probes in these runs (train some first)");
    pls.lab("", "", "Trained heads");
    return;
  }
  lo = std::floor(std::min(lo, -1.0));
  hi = std::ceil(std::max(hi, 1.0));
  pls.wind(lo, hi, 0, 1.05 * std::log(static_cast<double>(T)));
  pls.box("bcnstl", 0, 0, "bcnstv", 0, 0);
  pls.lab(
      "max centred logit norm of the head on the probe batch (log scale)",
      "mean attention entropy (nats)",
      ("Trained heads (points) above the bound for T = " + std::to_string(T) + " (black)").c_str());
  std::vector<PLFLT> x, y;
  for (int i = 0; i <= 300; ++i) {
    const double e = lo + (hi - lo) * i / 300.0;
    x.push_back(e);
    y.push_back(sigma::entropy_lower_bound(std::pow(10.0, e), T));
  }
  pls.col0(1);
  pls.width(2);
  pls.line(static_cast<PLINT>(x.size()), x.data(), y.data());
  pls.width(1);
  std::vector<std::string> labels;
  for (size_t m = 0; m < probes.size(); ++m) {
    std::vector<PLFLT> px, py;
    for (const auto& h : probes[m].heads) {
      if (h.max_logit_norm <= 0) continue;
      px.push_back(std::log10(h.max_logit_norm));
      py.push_back(h.mean_entropy);
    }
    pls.col0(line_colour(m));
    if (!px.empty()) pls.poin(static_cast<PLINT>(px.size()), px.data(), py.data(), 17);
    labels.push_back(probes[m].method + " (" + std::to_string(probes[m].heads.size()) + " heads, " +
                     std::to_string(probes[m].runs) + " runs)");
  }
  line_legend(pls, labels, PL_POSITION_BOTTOM | PL_POSITION_LEFT);
}

}  // namespace

void draw_bound_figure(const BoundCheck& check, const std::vector<MethodProbes>& probes,
                       const std::string& device, const std::string& file) {
  plstream pls;
  open_figure(pls, device, file, "1000x1000", 2);
  draw_bound_panel(pls, check);
  draw_heads_panel(pls, probes);
}

}  // namespace analysis
