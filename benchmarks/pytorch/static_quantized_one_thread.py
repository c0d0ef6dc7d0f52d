# PyTorch twin of dev.ember.bench.StaticQuantizedOneThread: eager-mode static quantization (QuantStub, default_qconfig,
# prepare, four calibration batches, convert) against the float32 model, forward only under no_grad, one thread, best of
# N calls' thread CPU time, three rounds: the small CNN of StaticQuantizationTest.cnn ([N, 1, 8, 8]), a wide convolution
# (Conv2d 32 -> 64 3x3 padding 1, ReLU, on [N, 32, 56, 56]) and a Linear stack (1024 -> 1024 -> ReLU -> 1024 -> ReLU ->
# 10), batch 1 and 32. Run: /usr/bin/python3 benchmarks/pytorch/static_quantized_one_thread.py
# Debian's PyTorch 1.13 has the onednn and qnnpack engines, not FBGEMM (whose arithmetic Ember follows): onednn is timed.
import time

import torch
import torch.nn as nn
import torch.ao.quantization as tq

torch.set_num_threads(1)
torch.backends.quantized.engine = "onednn"
print("engine", torch.backends.quantized.engine, "torch", torch.__version__)


def small_cnn():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 3, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(3, 6, 3, 1, 0, 1, 3, True), nn.ReLU(), nn.Flatten(), nn.Linear(24, 10), nn.ReLU(),
                         nn.Linear(10, 4), tq.DeQuantStub())


def wide_conv():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), tq.DeQuantStub())


def linear_stack():
    return nn.Sequential(tq.QuantStub(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                         nn.Linear(1024, 10), tq.DeQuantStub())


def best_ms(m, x, calls):
    best = float("inf")
    with torch.no_grad():
        for _ in range(calls):
            t0 = time.thread_time_ns()
            m(x)
            best = min(best, time.thread_time_ns() - t0)
    return best / 1e6


cases = [("small CNN [1, 1, 8, 8]", small_cnn, (1, 1, 8, 8), 200),
         ("small CNN [32, 1, 8, 8]", small_cnn, (32, 1, 8, 8), 100),
         ("conv 32->64 3x3 [1, 32, 56, 56]", wide_conv, (1, 32, 56, 56), 15),
         ("conv 32->64 3x3 [32, 32, 56, 56]", wide_conv, (32, 32, 56, 56), 5),
         ("linear stack [1, 1024]", linear_stack, (1, 1024), 50),
         ("linear stack [32, 1024]", linear_stack, (32, 1024), 20)]
torch.manual_seed(0)
built = []
for name, make, shape, calls in cases:
    f = make().eval()
    q = make().eval()
    q.load_state_dict(f.state_dict())
    q.qconfig = tq.default_qconfig
    tq.prepare(q, inplace=True)
    with torch.no_grad():
        for _ in range(4):
            q(torch.randn(*shape))
    tq.convert(q, inplace=True)
    built.append((name, f, q, torch.randn(*shape), calls))
for rnd in range(3):
    print("round %d:" % rnd)
    for name, f, q, x, calls in built:
        tf = best_ms(f, x, calls)
        tqm = best_ms(q, x, calls)
        print("  %-34s float32 %9.3f ms  int8 %9.3f ms (%.2fx)" % (name, tf, tqm, tqm / tf))
