"""Twin of dev.ember.bench.ActivationOneThread: sigmoid, tanh, silu and softmax(-1) forward+backward on one thread,
thread CPU time, best of 20.

Run: /usr/bin/python3 benchmarks/pytorch/activation_one_thread.py [rounds]
"""
import sys
import time

import torch
import torch.nn.functional as F


def best(leaf, grad, f):
    b = float("inf")
    for _ in range(20):
        t0 = time.thread_time()
        f(leaf).backward(grad)
        b = min(b, time.thread_time() - t0)
        leaf.grad = None
    return b * 1e6


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 128, 512, generator=g).requires_grad_()
    dx = torch.randn(16, 128, 512, generator=g)
    att = torch.randn(16, 8, 128, 128, generator=g).requires_grad_()
    datt = torch.randn(16, 8, 128, 128, generator=g)
    for r in range(rounds):
        print(f"round {r}, torch {torch.__version__}: sigmoid fwd+bwd {best(x, dx, torch.sigmoid):8.1f} us, "
              f"tanh fwd+bwd {best(x, dx, torch.tanh):8.1f} us, silu fwd+bwd {best(x, dx, F.silu):8.1f} us, "
              f"softmax(-1) fwd+bwd {best(att, datt, lambda t: t.softmax(-1)):8.1f} us")


if __name__ == "__main__":
    main()
