// Parity with an independent PyTorch implementation of the official σReparam semantics.
// The cases were written by tools/reference/sigma_reparam_reference.py (python3-torch 1.13,
// the same libtorch) with torch.save; this test reads them with torch::pickle_load and needs
// no Python. Tolerance: 1e-5 (float32).
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "sigma/sigma_reparam_conv2d.h"
#include "sigma/sigma_reparam_linear.h"

namespace sigma {
namespace {

using Case = std::map<std::string, at::Tensor>;

Case load_case(const std::string& name) {
  const std::string path = "tests/sigma/testdata/" + name + ".pt";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue value = torch::pickle_load(bytes);
  Case out;
  for (const auto& item : value.toGenericDict()) {
    out[item.key().toStringRef()] = item.value().toTensor();
  }
  return out;
}

void expect_close(const at::Tensor& got, const at::Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const double err = (got - want).abs().max().item<double>();
  EXPECT_LT(err, 1e-5 * (1 + want.abs().max().item<double>())) << what << ": max |diff| " << err;
}

struct ParityCase {
  std::string name;
  bool conv;
  GammaInit gamma_init;
  bool training;
};

class ParityTest : public ::testing::TestWithParam<ParityCase> {};

template <typename Layer>
void check(Layer& layer, const Case& c, bool training,
           const std::function<at::Tensor(const at::Tensor&)>& forward) {
  {
    at::NoGradGuard no_grad;
    layer->weight.copy_(c.at("weight"));
    layer->bias.copy_(c.at("bias"));
    layer->reparam_state().u().copy_(c.at("u0"));
    layer->reparam_state().gamma().copy_(c.at("gamma0"));
  }
  layer->train(training);
  const at::Tensor& x = c.at("x");
  at::Tensor y1 = forward(x);
  if (training) expect_close(layer->reparam_state().sigma(), c.at("sigma1"), "sigma after step 1");
  at::Tensor y2 = forward(x);
  if (training) expect_close(layer->reparam_state().sigma(), c.at("sigma2"), "sigma after step 2");
  expect_close(y1, c.at("y1"), "output of forward 1");
  expect_close(y2, c.at("y2"), "output of forward 2");
  expect_close(layer->reparam_state().u(), c.at("u_after"), "stored u");
  (y2 * c.at("grad_out")).sum().backward();
  expect_close(layer->weight.grad(), c.at("grad_weight"), "grad of W");
  expect_close(layer->bias.grad(), c.at("grad_bias"), "grad of bias");
  expect_close(layer->reparam_state().gamma().grad(), c.at("grad_gamma"), "grad of gamma");
}

TEST_P(ParityTest, MatchesReference) {
  const ParityCase& p = GetParam();
  Case c = load_case(p.name);
  ASSERT_FALSE(c.empty());
  SigmaReparamOptions reparam = SigmaReparamOptions().gamma_init(p.gamma_init);
  if (p.conv) {
    SigmaReparamConv2d layer(
        SigmaReparamConv2dOptions(2, 5, 3).stride(2).padding(1).reparam(reparam));
    check(layer, c, p.training, [&](const at::Tensor& x) { return layer->forward(x); });
  } else {
    SigmaReparamLinear layer(SigmaReparamLinearOptions(8, 6).reparam(reparam));
    check(layer, c, p.training, [&](const at::Tensor& x) { return layer->forward(x); });
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParityTest,
    ::testing::Values(ParityCase{"linear_sigma0_train", false, GammaInit::kSigma0, true},
                      ParityCase{"linear_one_train_random_u", false, GammaInit::kOne, true},
                      ParityCase{"linear_sigma0_eval_random_u", false, GammaInit::kSigma0, false},
                      ParityCase{"linear_one_eval", false, GammaInit::kOne, false},
                      ParityCase{"conv_sigma0_train_random_u", true, GammaInit::kSigma0, true},
                      ParityCase{"conv_one_eval_random_u", true, GammaInit::kOne, false}),
    [](const ::testing::TestParamInfo<ParityCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sigma
