#include "sigma/entropy_bound_math.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace sigma {

double entropy_lower_bound(double s, int64_t T) {
  if (T < 2)
    throw std::invalid_argument("entropy_lower_bound: T must be >= 2, got " + std::to_string(T));
  if (!(s >= 0.0)) {
    throw std::invalid_argument("entropy_lower_bound: s must be >= 0, got " + std::to_string(s));
  }
  const double t = static_cast<double>(T);
  const double beta = std::exp(-s * std::sqrt(t / (t - 1.0)));
  const double denom = 1.0 + (t - 1.0) * beta;
  return std::log1p((t - 1.0) * beta) + s * std::sqrt(t * (t - 1.0)) * beta / denom;
}

std::vector<double> attaining_logits(double s, int64_t T) {
  if (T < 2)
    throw std::invalid_argument("attaining_logits: T must be >= 2, got " + std::to_string(T));
  const double t = static_cast<double>(T);
  const double gap = s * std::sqrt(t / (t - 1.0));
  std::vector<double> z(static_cast<size_t>(T), -gap / t);
  z[0] = gap - gap / t;
  return z;
}

double softmax_entropy(const std::vector<double>& z) {
  if (z.empty()) throw std::invalid_argument("softmax_entropy: empty logit vector");
  const double top = *std::max_element(z.begin(), z.end());
  double sum = 0, weighted = 0;
  for (double v : z) {
    const double e = std::exp(v - top);
    sum += e;
    weighted += e * (v - top);
  }
  // H = log sum e^{z-top} - sum p (z - top)
  return std::log(sum) - weighted / sum;
}

}  // namespace sigma
