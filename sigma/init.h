// Weight initialisation used by the σReparam layers.
//
// LibTorch 1.13 has no trunc_normal_; the official σReparam code initialises every linear and
// conv weight with timm's trunc_normal_(std = 0.02 * gain) (docs/method.md, "Initialisation").
#pragma once

#include <ATen/core/Tensor.h>

namespace sigma {

// Fills `tensor` in place with N(0, std^2) truncated to [-2 std, 2 std], by inverse-CDF
// sampling (no rejection loop, so the number of random draws is fixed and seeds reproduce).
void trunc_normal_(at::Tensor& tensor, double std);

// While one is alive on a thread, layers built on that thread skip the costly part of their
// initialisation: trunc_normal_ draws a normal clamped to [-2 std, 2 std] (vectorised; the
// inverse-CDF sampling takes most of the time of building a 750M-parameter model), and σReparam's
// u and sigma start from 4 power-iteration steps instead of the exact eigendecomposition. The
// weights then have the right shapes, scale and range but not the training distribution or the
// seeded values: for tests of a model's structure (parameter counts, shapes, a forward pass),
// never for a run whose results count (tests/experiments/paper_step.h trains one step on it to
// check the plumbing).
//
//   { sigma::StructureOnlyInit fast; models::EncoderDecoder model(config); ... }
class StructureOnlyInit {
 public:
  StructureOnlyInit();
  ~StructureOnlyInit();
  StructureOnlyInit(const StructureOnlyInit&) = delete;
  StructureOnlyInit& operator=(const StructureOnlyInit&) = delete;

  // Whether one is alive on this thread.
  static bool active();

 private:
  bool previous_;
};

}  // namespace sigma
