# PyTorch twin of dev.ember.bench.LinearOneThread: F.linear on float32 at 8-128 rows through 1024 x 1024 and
# 1024 -> 4096 layers, the forward under no_grad and the forward plus backward(dy) into x, W and b, each timed as the
# thread's CPU time, best of 15 calls, three rounds, one thread.
# Run: /usr/bin/python3 benchmarks/pytorch/linear_one_thread.py
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)

for rnd in range(3):
    print("round %d:" % rnd)
    for k, n in [(1024, 1024), (1024, 4096)]:
        w = (torch.randn(n, k) * 0.03).requires_grad_()
        b = torch.randn(n).requires_grad_()
        for m in [8, 16, 32, 64, 128]:
            x = torch.randn(m, k).requires_grad_()
            dy = torch.randn(m, n)
            fwd = both = float("inf")
            for _ in range(15):
                with torch.no_grad():
                    t0 = time.thread_time_ns()
                    F.linear(x, w, b)
                    fwd = min(fwd, time.thread_time_ns() - t0)
                t0 = time.thread_time_ns()
                F.linear(x, w, b).backward(dy)
                both = min(both, time.thread_time_ns() - t0)
                x.grad = w.grad = b.grad = None
            gflop = 2.0 * m * k * n / 1e9
            print("  [%d, %d] x [%d, %d]^T: forward %.3f ms (%.0f GFLOP/s), forward+backward %.3f ms (%.0f GFLOP/s)"
                  % (m, k, n, k, fwd / 1e6, gflop / (fwd / 1e9), both / 1e6, 3 * gflop / (both / 1e9)))
