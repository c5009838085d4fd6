#!/usr/bin/env python3
"""One training step in PyTorch eager or torch.compile: the reference side of tools/benchmark.sh.

The models are written as a PyTorch user would write the suite's own (models/vit.h,
models/causal_lm.h): pre-LN blocks with a fused qkv projection, GELU MLP of ratio 4, LayerNorm
eps 1e-6, the ViT's patch embedding as a convolution plus a class token and position
embeddings, the LM's tied embeddings and causal mask. A step is zero_grad, forward,
cross-entropy, backward and AdamW (lr 1e-3, weight decay 0.01), the same as
experiments/step_benchmark.cc. With --sigma every linear layer and the patch embedding use
sigma-Reparam as in the official code (one power-iteration step per forward, W * gamma / sigma).

  ~/.cache/sigma-reparam-venv/bin/python tools/reference/step_benchmark.py --model=vit \
      --width=64 --depth=4 --heads=4 --batch=128 --threads=1 --steps=20 [--compile]

Prints one JSON object: {"ms": [per-step milliseconds], ...}. Needs PyTorch 2.11 (the same
version as the C++ build's LibTorch; `tools/setup.sh --bench` installs it into a virtual
environment). --compile wraps the model in torch.compile (inductor; the first warm-up steps
compile it and are not timed).
"""

import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SigmaReparam(nn.Module):
    """W_hat = gamma / sigma(W) * W with one power-iteration step per training forward."""

    def __init__(self, weight_shape):
        super().__init__()
        out_features = weight_shape[0]
        in_features = int(math.prod(weight_shape[1:]))
        w = torch.empty(out_features, in_features)
        nn.init.trunc_normal_(w, std=0.02)
        sigma0 = torch.linalg.matrix_norm(w, ord=2)
        self.register_buffer("u", F.normalize(torch.randn(in_features), dim=0))
        self.gamma = nn.Parameter(sigma0.clone())

    def forward(self, weight):
        w2d = weight.flatten(1)
        with torch.no_grad():
            v = F.normalize(w2d.mv(self.u), dim=0)
            u = F.normalize(w2d.t().mv(v), dim=0)
            if self.training:
                self.u.copy_(u)
        sigma = v.dot(w2d.mv(u))
        return weight * (self.gamma / sigma)


class Linear(nn.Linear):
    def __init__(self, fan_in, fan_out, sigma):
        super().__init__(fan_in, fan_out)
        nn.init.trunc_normal_(self.weight, std=0.02)
        nn.init.zeros_(self.bias)
        self.reparam = SigmaReparam(self.weight.shape) if sigma else None

    def forward(self, x):
        w = self.reparam(self.weight) if self.reparam is not None else self.weight
        return F.linear(x, w, self.bias)


class Attention(nn.Module):
    def __init__(self, width, heads, sigma):
        super().__init__()
        self.heads = heads
        self.qkv = Linear(width, 3 * width, sigma)
        self.proj = Linear(width, width, sigma)

    def forward(self, x, mask=None):
        B, T, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(x).view(B, T, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)
        if mask is not None:
            scores = scores + mask
        probs = scores.softmax(-1)
        return self.proj((probs @ v).transpose(1, 2).reshape(B, T, d))


class Block(nn.Module):
    def __init__(self, width, heads, sigma):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=1e-6)
        self.attn = Attention(width, heads, sigma)
        self.norm2 = nn.LayerNorm(width, eps=1e-6)
        self.fc1 = Linear(width, 4 * width, sigma)
        self.fc2 = Linear(4 * width, width, sigma)

    def forward(self, x, mask=None):
        x = x + self.attn(self.norm1(x), mask)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, width, depth, heads, sigma, image=28, patch=7, classes=10):
        super().__init__()
        self.patch = nn.Conv2d(1, width, patch, stride=patch)
        self.patch_reparam = SigmaReparam(self.patch.weight.shape) if sigma else None
        n = (image // patch) ** 2
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, width))
        nn.init.trunc_normal_(self.cls, std=0.02)
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.blocks = nn.ModuleList(Block(width, heads, sigma) for _ in range(depth))
        self.norm = nn.LayerNorm(width, eps=1e-6)
        self.head = Linear(width, classes, sigma)

    def forward(self, images):
        w = self.patch.weight
        if self.patch_reparam is not None:
            w = self.patch_reparam(w)
        x = F.conv2d(images, w, self.patch.bias, stride=self.patch.stride)
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


class CausalLm(nn.Module):
    def __init__(self, width, depth, heads, sigma, vocab, context):
        super().__init__()
        self.embed = nn.Parameter(torch.empty(vocab, width))
        self.pos = nn.Parameter(torch.empty(1, context, width))
        nn.init.trunc_normal_(self.embed, std=0.02)
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.blocks = nn.ModuleList(Block(width, heads, sigma) for _ in range(depth))
        self.norm = nn.LayerNorm(width, eps=1e-6)

    def forward(self, tokens):
        T = tokens.shape[1]
        x = F.embedding(tokens, self.embed) + self.pos[:, :T]
        mask = torch.full((T, T), float("-inf")).triu(1)
        for block in self.blocks:
            x = block(x, mask)
        return self.norm(x) @ self.embed.t()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["vit", "lm"], default="vit")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=2048)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sigma", action="store_true")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "vit":
        model = ViT(args.width, args.depth, args.heads, args.sigma)
        inputs = torch.randn(args.batch, 1, 28, 28)
        labels = torch.randint(0, 10, (args.batch,))
    else:
        model = CausalLm(args.width, args.depth, args.heads, args.sigma, args.vocab, args.context)
        inputs = torch.randint(0, args.vocab, (args.batch, args.context))
        labels = torch.randint(0, args.vocab, (args.batch * args.context,))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    if args.compile:
        model = torch.compile(model)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    ms = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        ms.append(1e3 * (time.perf_counter() - start))
    print(json.dumps({"ms": ms, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "compile": args.compile}))


if __name__ == "__main__":
    main()
