"""Twin of dev.ember.bench.FftOneThread: rfft2, fft along dim -2, irfft2 and fft2 of [32, 16, 64, 64] tensors on one
thread, thread CPU time, best of 15, three rounds.

Run: /usr/bin/python3 benchmarks/pytorch/fft_one_thread.py
"""
import time

import torch


def main():
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 16, 64, 64, generator=g)
    half = torch.fft.rfft(x)
    z = torch.randn(32, 16, 64, 64, dtype=torch.complex64, generator=g)
    ops = [("rfft2 float32 [32,16,64,64]", lambda: torch.fft.rfft2(x)),
           ("fft dim -2 complex64 [32,16,64,33]", lambda: torch.fft.fft(half, dim=-2)),
           ("irfft2 [32,16,64,33] -> 64x64", lambda: torch.fft.irfft2(half)),
           ("fft2 complex64 [32,16,64,64]", lambda: torch.fft.fft2(z))]
    for r in range(3):
        line = "round %d:" % r
        for name, op in ops:
            best = float("inf")
            for _ in range(15):
                t0 = time.thread_time()
                op()
                best = min(best, time.thread_time() - t0)
            line += "  %s %.2f ms" % (name, best * 1e3)
        print(line)


if __name__ == "__main__":
    main()
