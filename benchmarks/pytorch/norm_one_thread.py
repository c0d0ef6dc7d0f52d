"""Twin of dev.ember.bench.NormOneThread: layer norm forward and forward+backward on one thread, thread CPU time.

Run: /usr/bin/python3 benchmarks/pytorch/norm_one_thread.py [M N]
"""
import sys
import time

import torch


def main():
    m, n = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (8192, 128)
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(m, n, generator=g).requires_grad_()
    w = torch.randn(n, generator=g).requires_grad_()
    b = torch.randn(n, generator=g).requires_grad_()
    dy = torch.randn(m, n, generator=g)
    for r in range(3):
        forward = both = float("inf")
        for _ in range(30):
            t0 = time.thread_time()
            with torch.no_grad():
                torch.nn.functional.layer_norm(x, (n,), w, b, 1e-5)
            forward = min(forward, time.thread_time() - t0)
            t0 = time.thread_time()
            torch.nn.functional.layer_norm(x, (n,), w, b, 1e-5).backward(dy)
            both = min(both, time.thread_time() - t0)
            x.grad = w.grad = b.grad = None
        print(f"layer norm [{m}, {n}] round {r}: forward {forward * 1e3:.3f} ms, forward+backward {both * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
