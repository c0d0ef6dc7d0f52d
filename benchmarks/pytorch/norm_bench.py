"""Twin of dev.ember.bench.NormBenchmark: layer norm at the GPT's CPU size on PyTorch's CPU, mean ms per call.

Run: /usr/bin/python3 benchmarks/pytorch/norm_bench.py --threads 2
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
    x = torch.randn(32, 128, 128, generator=g).requires_grad_()
    weight = torch.randn(128, generator=g).requires_grad_()
    bias = torch.randn(128, generator=g).requires_grad_()
    grad = torch.randn(32, 128, 128, generator=g)

    def forward():
        with torch.no_grad():
            return torch.nn.functional.layer_norm(x, (128,), weight, bias, 1e-5)

    def forward_backward():
        torch.nn.functional.layer_norm(x, (128,), weight, bias, 1e-5).backward(grad)
        gx = x.grad
        x.grad = weight.grad = bias.grad = None
        return gx

    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, fn in [("layerNormForward", forward), ("layerNormForwardBackward", forward_backward)]:
        print(f"{name:28s} {bench(fn):8.3f} ms")


if __name__ == "__main__":
    main()
