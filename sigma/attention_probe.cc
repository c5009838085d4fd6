#include "sigma/attention_probe.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

namespace sigma {

std::vector<HeadLogitProbe> probe_attention_logits(const at::Tensor& logits) {
  TORCH_CHECK(logits.dim() == 4, "probe_attention_logits: expected (B, H, Tq, Tk) logits, got ",
              logits.sizes());
  at::NoGradGuard no_grad;
  const at::Tensor z = logits.detach().to(at::kDouble);
  const at::Tensor visible = at::isfinite(z);
  const at::Tensor keys = visible.sum(-1).to(at::kDouble);  // (B, H, Tq)
  const at::Tensor zf = at::where(visible, z, at::zeros_like(z));
  const at::Tensor mean = zf.sum(-1, /*keepdim=*/true) / keys.clamp_min(1).unsqueeze(-1);
  const at::Tensor centred = at::where(visible, zf - mean, at::zeros_like(z));
  const at::Tensor norm = centred.norm(2, -1);  // (B, H, Tq)
  const at::Tensor logp = at::log_softmax(at::where(visible, z, at::full_like(z, -INFINITY)), -1);
  const at::Tensor entropy =
      -at::where(visible, logp.exp() * logp, at::zeros_like(z)).sum(-1);  // (B, H, Tq)
  // entropy_lower_bound(norm, keys) elementwise (entropy_bound_math.h).
  const at::Tensor t = keys.clamp_min(2);
  const at::Tensor beta = at::exp(-norm * at::sqrt(t / (t - 1)));
  const at::Tensor bound =
      at::log1p((t - 1) * beta) + norm * at::sqrt(t * (t - 1)) * beta / (1 + (t - 1) * beta);
  const at::Tensor counted = keys >= 2;

  const int64_t H = z.size(1);
  std::vector<HeadLogitProbe> out;
  for (int64_t h = 0; h < H; ++h) {
    const at::Tensor m = counted.select(1, h);
    HeadLogitProbe p;
    p.head = h;
    p.keys = keys.select(1, h).max().item<double>();
    p.rows = m.sum().item<int64_t>();
    if (p.rows > 0) {
      const at::Tensor n = norm.select(1, h).masked_select(m);
      const at::Tensor e = entropy.select(1, h).masked_select(m);
      const at::Tensor b = bound.select(1, h).masked_select(m);
      p.max_logit_norm = n.max().item<double>();
      p.mean_logit_norm = n.mean().item<double>();
      p.mean_entropy = e.mean().item<double>();
      p.min_entropy = e.min().item<double>();
      p.min_bound_slack = (e - b).min().item<double>();
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace sigma
