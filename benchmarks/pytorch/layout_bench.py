"""Twin of dev.ember.bench.LayoutBenchmark: the same ops and shapes on PyTorch's CPU, mean ms per call.

Run: /usr/bin/python3 benchmarks/pytorch/layout_bench.py --threads 2
"""
import argparse
import time

import torch


def bench(fn, warm=1.0, measure=5.0):
    end = time.perf_counter() + warm
    while time.perf_counter() < end:
        fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < measure:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    transposed = torch.randn(2048, 2048, generator=g).t()
    row_major_target = torch.zeros(2048, 2048)
    heads = torch.randn(8, 512, 8, 64, generator=g).transpose(1, 2)
    heads_target = torch.zeros(8, 8, 512, 64)
    inplace_target = torch.randn(2048, 2048, generator=g).t()
    addend = torch.randn(2048, 2048, generator=g).t() * 1e-6
    matrix = torch.randn(2048, 2048, generator=g)
    cube = torch.randn(64, 128, 256, generator=g)
    rows = [
        ("transposeCopy", lambda: row_major_target.copy_(transposed)),
        ("headsCopy", lambda: heads_target.copy_(heads)),
        ("addInPlaceTransposed", lambda: inplace_target.add_(addend)),
        ("sumDim0", lambda: matrix.sum(0)),
        ("amaxDim0", lambda: matrix.amax(0)),
        ("sumDim0Cube", lambda: cube.sum(0)),
    ]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, fn in rows:
        print(f"{name:24s} {bench(fn):8.3f} ms")


if __name__ == "__main__":
    main()
