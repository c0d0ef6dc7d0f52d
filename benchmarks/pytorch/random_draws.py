"""Twin of dev.ember.bench.RandomDraws: PyTorch's own CPU generator (MT19937) on the same draws, the calling thread's CPU
time and wall time, each the median of the rounds' medians over the calls, in ms (with two threads, dropout's product
runs on both: read its wall time).

Run: /usr/bin/python3 benchmarks/pytorch/random_draws.py [threads] [rounds]   (threads 1 or 2, default 1)
"""
import statistics
import sys
import time

import torch


def med(body, calls):
    cpu, wall = [], []
    for _ in range(calls):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        body()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.thread_time() - c0) * 1e3)
    return statistics.median(cpu), statistics.median(wall)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(threads)
    cases = []
    for n, label in ((10_000, "1e4"), (1_000_000, "1e6"), (10_000_000, "1e7")):
        for t, ty in ((torch.float32, "float32"), (torch.float64, "float64")):
            cases.append((f"rand {label} {ty}", lambda n=n, t=t: torch.rand(n, dtype=t)))
            cases.append((f"randn {label} {ty}", lambda n=n, t=t: torch.randn(n, dtype=t)))
    ones = torch.ones(1_000_000)
    cases.append(("bernoulli_(0.5) 1e6 float32", lambda: torch.empty(1_000_000).bernoulli_(0.5)))
    cases.append(("dropout(0.2) 1e6 float32", lambda: torch.nn.functional.dropout(ones, 0.2, True)))
    cases.append(("randperm(60000)", lambda: torch.randperm(60_000)))
    cases.append(("randint(0, 1000) 1e6", lambda: torch.randint(0, 1000, (1_000_000,))))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(f"{'case (ms, median)':30s} {'cpu':>10s} {'wall':>10s}")
    with torch.no_grad():
        for name, body in cases:
            calls = 5 if "1e7" in name else 400 if "1e4" in name else 30
            cpu, wall = [], []
            for r in range(rounds):
                torch.manual_seed(r)
                c, w = med(body, calls)
                cpu.append(c)
                wall.append(w)
            print(f"{name:30s} {statistics.median(cpu):10.4f} {statistics.median(wall):10.4f}")


if __name__ == "__main__":
    main()
