#!/usr/bin/python3
"""Reference σReparam semantics in PyTorch, for the C++ parity test (tests/sigma/parity_test.cc).

An independent, minimal implementation of docs/method.md's definitions (the official PyTorch
semantics): one power-iteration step per forward from the stored u, u and v without gradient,
sigma = v^T W u' differentiable in W, u stored only in training mode, W_hat = gamma / sigma * W.
It writes small cases as torch.save'd dicts of tensors into tests/sigma/testdata/.

Regenerate (needs Debian's python3-torch, the same libtorch 1.13.1 as the C++ build):
  /usr/bin/python3 tools/reference/sigma_reparam_reference.py tests/sigma/testdata
The C++ test reads the committed files and needs no Python.
"""

import os
import sys

import torch
import torch.nn.functional as F


def power_step(w2d, u, training, u_store):
    with torch.no_grad():
        v = F.normalize(w2d.mv(u), dim=0)
        u_new = F.normalize(w2d.t().mv(v), dim=0)
        if training:
            u_store.copy_(u_new)
    return v.dot(w2d.mv(u_new)), u_new


def reparam_weight(w, u_store, gamma, training):
    w2d = w.reshape(w.shape[0], -1)
    sigma, _ = power_step(w2d, u_store, training, u_store)
    return (gamma / sigma * w2d).reshape(w.shape), sigma


def top_right_singular_vector(w2d):
    _, s, vh = torch.linalg.svd(w2d.double(), full_matrices=False)
    return vh[0].float(), s[0].float()


def make_case(kind, gamma_init, training, random_u, seed):
    g = torch.Generator().manual_seed(seed)
    if kind == "linear":
        w = torch.randn(6, 8, generator=g) * 0.3
        x = torch.randn(4, 3, 8, generator=g)
    else:  # conv: 2 -> 5 channels, 3x3 kernel, stride 2, padding 1
        w = torch.randn(5, 2, 3, 3, generator=g) * 0.3
        x = torch.randn(2, 2, 7, 7, generator=g)
    b = torch.randn(w.shape[0], generator=g) * 0.1
    w2d = w.reshape(w.shape[0], -1)
    u0, s0 = top_right_singular_vector(w2d)
    if random_u:
        u0 = F.normalize(torch.randn(w2d.shape[1], generator=g), dim=0)
    gamma0 = s0.clone() if gamma_init == "SIGMA0" else torch.tensor(1.0)

    weight = w.clone().requires_grad_(True)
    bias = b.clone().requires_grad_(True)
    gamma = gamma0.clone().requires_grad_(True)
    u = u0.clone()
    outputs = []
    sigmas = []
    # Two forward passes: in training mode the second starts from the stored u.
    for _ in range(2):
        w_hat, sigma = reparam_weight(weight, u, gamma, training)
        if kind == "linear":
            y = F.linear(x, w_hat, bias)
        else:
            y = F.conv2d(x, w_hat, bias, stride=2, padding=1)
        outputs.append(y)
        sigmas.append(sigma.detach())
    grad_out = torch.randn(outputs[1].shape, generator=g)
    (outputs[1] * grad_out).sum().backward()
    return {
        "x": x, "weight": w, "bias": b, "u0": u0, "gamma0": gamma0.reshape(()),
        "y1": outputs[0].detach(), "y2": outputs[1].detach(),
        "sigma1": sigmas[0].reshape(()), "sigma2": sigmas[1].reshape(()),
        "u_after": u.clone(), "grad_out": grad_out,
        "grad_weight": weight.grad, "grad_bias": bias.grad, "grad_gamma": gamma.grad.reshape(()),
    }


CASES = {
    "linear_sigma0_train": ("linear", "SIGMA0", True, False, 1),
    "linear_one_train_random_u": ("linear", "ONE", True, True, 2),
    "linear_sigma0_eval_random_u": ("linear", "SIGMA0", False, True, 3),
    "linear_one_eval": ("linear", "ONE", False, False, 4),
    "conv_sigma0_train_random_u": ("conv", "SIGMA0", True, True, 5),
    "conv_one_eval_random_u": ("conv", "ONE", False, True, 6),
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/sigma/testdata"
    os.makedirs(out_dir, exist_ok=True)
    for name, args in CASES.items():
        case = make_case(*args)
        path = os.path.join(out_dir, name + ".pt")
        torch.save({k: v.contiguous() for k, v in case.items()}, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
