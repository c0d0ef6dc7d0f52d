"""Twin of dev.ember.bench.ReduceBenchmark: the same ops and shapes on PyTorch's CPU, mean ms per call.

Run: /usr/bin/python3 benchmarks/pytorch/reduce_bench.py --threads 2
"""
import argparse

import torch

from layout_bench import bench  # the same timing loop as the layout twin


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    matrix = torch.randn(2048, 2048, generator=g)
    doubles = matrix.double()
    positive = matrix.abs() + 0.5
    column = positive.sum(1, keepdim=True)
    rows = [
        ("sumAll", lambda: matrix.sum()),
        ("sumDim1", lambda: matrix.sum(1)),
        ("sumDim1Float64", lambda: doubles.sum(1)),
        ("sumDim0Float64", lambda: doubles.sum(0)),
        ("amaxDim1", lambda: matrix.amax(1)),
        ("argmaxDim1", lambda: matrix.argmax(1)),
        ("softmaxDim1", lambda: matrix.softmax(1)),
        ("logSoftmaxDim1", lambda: matrix.log_softmax(1)),
        ("divByColumn", lambda: positive / column),
        ("sqrt", lambda: positive.sqrt()),
    ]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, fn in rows:
        print(f"{name:24s} {bench(fn):8.3f} ms")


if __name__ == "__main__":
    main()
