"""The PyTorch twin of dev.ember.bench.GemmShapes: the GEMMs of a GPT step at TrainGPT's CPU size, best of five rounds
of 20 products each.

    python3 benchmarks/pytorch/gemm_shapes.py --threads 2
"""
import argparse
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")


def run(name, a, b):
    for _ in range(30):
        a @ b
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(20):
            a @ b
        best = min(best, time.perf_counter() - t0)
    s = best / 20
    m, k = a.shape
    n = b.shape[1]
    print(f"{name:28s} {m}x{k}x{n}: {s * 1e3:.3f} ms, {2 * m * k * n / s / 1e9:.1f} GFLOP/s")


x = torch.randn(4096, 128)
h = torch.randn(4096, 512)
g384 = torch.randn(4096, 384)
g512 = torch.randn(4096, 512)
g128 = torch.randn(4096, 128)
run("qkv: x @ W^T", x, torch.randn(384, 128).t())
run("qkv input grad: g @ W", g384, torch.randn(384, 128))
run("qkv weight grad: g^T @ x", g384.t(), x)
run("fc: x @ W^T", x, torch.randn(512, 128).t())
run("fc weight grad: g^T @ x", g512.t(), x)
run("proj: h @ W^T", h, torch.randn(128, 512).t())
run("proj weight grad: g^T @ h", g128.t(), h)
