# PyTorch twin of dev.ember.bench.QuantizedLinearOneThread: nn.Linear against torch.ao.quantization.quantize_dynamic's
# DynamicQuantizedLinear (qint8; float16 where the engine has it), forward only, one thread, best of 15 calls' thread
# CPU time, three rounds. Run: /usr/bin/python3 benchmarks/pytorch/quantized_linear_one_thread.py
# (Debian's PyTorch 1.13 has the onednn and qnnpack engines, not FBGEMM: the default engine, onednn, is timed.)
import time

import torch
import torch.nn as nn
from torch.ao.quantization import quantize_dynamic

torch.set_num_threads(1)
print("engine", torch.backends.quantized.engine)


def best_ms(f, x):
    best = float("inf")
    for _ in range(15):
        t0 = time.thread_time_ns()
        f(x)
        best = min(best, time.thread_time_ns() - t0)
    return best / 1e6


shapes = [(1, 1024, 1024), (4, 1024, 1024), (16, 1024, 1024), (64, 1024, 1024), (1, 4096, 4096), (4, 4096, 4096)]
with torch.no_grad():
    for rnd in range(3):
        print("round %d:" % rnd)
        for m, k, n in shapes:
            f = nn.Sequential(nn.Linear(k, n))
            q8 = quantize_dynamic(nn.Sequential(nn.Linear(k, n)), {nn.Linear}, dtype=torch.qint8)
            q8[0].set_weight_bias(torch.quantize_per_tensor(f[0].weight, 0.01, 0, torch.qint8), f[0].bias)
            try:
                q16 = quantize_dynamic(nn.Sequential(nn.Linear(k, n)), {nn.Linear}, dtype=torch.float16)
                q16(torch.randn(1, k))
            except Exception:
                q16 = None
            x = torch.randn(m, k)
            tf = best_ms(f, x)
            t8 = best_ms(q8, x)
            line = "  [%d, %d] x [%d, %d]^T: float32 %.3f ms  qint8 %.3f ms (%.2fx)" % (m, k, n, k, tf, t8, t8 / tf)
            if q16 is not None:
                t16 = best_ms(q16, x)
                line += "  float16 %.3f ms (%.2fx)" % (t16, t16 / tf)
            else:
                line += "  float16: not in this build"
            print(line)
