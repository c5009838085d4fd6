// Spectral norm of a weight matrix: exact (eigendecomposition) and by power iteration
// (docs/method.md, σReparam).
//
//   sigma::PowerIteration p = sigma::power_iteration(w, u, /*steps=*/1);
//   // p.sigma is differentiable in w; p.u and p.v carry no gradient.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace sigma {

struct PowerIteration {
  at::Tensor sigma;  // () estimate of the largest singular value, differentiable in w
  at::Tensor u;      // (in,)  updated right singular vector estimate, no gradient
  at::Tensor v;      // (out,) left singular vector estimate, no gradient
};

// `steps` power-iteration steps from the right vector `u` of the 2-D matrix `w` (out, in):
//   v = normalize(W u); u' = normalize(W^T v); sigma = v^T W u'.
// u and v are computed without gradient; sigma = v^T W u' carries the gradient v u'^T to W,
// exactly as the official implementation (the gradient flows through sigma, not through u, v).
PowerIteration power_iteration(const at::Tensor& w, const at::Tensor& u, int64_t steps);

// Largest singular value of a 2-D matrix, exact to float64 (eigenvalues of the smaller Gram
// matrix). For initialisation, tests and analysis.
double exact_spectral_norm(const at::Tensor& w);

// First right singular vector (in,) of a 2-D matrix, unit norm, in w's dtype.
at::Tensor top_right_singular_vector(const at::Tensor& w);

}  // namespace sigma
