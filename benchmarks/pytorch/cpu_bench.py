"""The PyTorch twin of Ember's JMH suite: the same workloads, shapes and rates, timed the same way
(warm-up, then the mean of several timed runs). Run on the CPU with the threads the JVM gets:

    python3 benchmarks/pytorch/cpu_bench.py [--threads 2] [--only SUBSTRING]

--only times just the rows whose name contains SUBSTRING (e.g. --only fft).
"""
import argparse
import time
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--only", default="", help="time only the rows whose name contains this")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {torch.__config__.parallel_info().splitlines()[0]}")

def bench(name, fn, rate=None, unit="", min_time=2.0):
    if args.only not in name:
        return float("nan")
    for _ in range(3):
        fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_time:
        fn()
        n += 1
    ms = (time.perf_counter() - t0) * 1e3 / n
    extra = f"  {rate / ms / 1e6:.1f} {unit}" if rate else ""
    print(f"{name:45s} {ms:10.3f} ms{extra}")
    return ms

for n in (64, 256, 1024, 2048):
    a, b = torch.randn(n, n), torch.randn(n, n)
    bench(f"matmul {n}", lambda: a.mm(b), 2.0 * n ** 3, "GFLOP/s")

shapes = {"lenet1": (64, 1, 32, 32, 6, 5, 0), "lenet2": (64, 6, 14, 14, 16, 5, 0), "resnet": (32, 64, 56, 56, 64, 3, 1)}
for name, (N, C, H, W, O, K, P) in shapes.items():
    x = torch.randn(N, C, H, W, requires_grad=True)
    w = (torch.randn(O, C, K, K) * 0.1).requires_grad_()
    bias = torch.zeros(O, requires_grad=True)
    OH, OW = H + 2 * P - K + 1, W + 2 * P - K + 1
    flops = 2.0 * N * O * OH * OW * C * K * K
    bench(f"conv2d forward {name}", lambda: F.conv2d(x.detach(), w.detach(), bias.detach(), padding=P), flops, "GFLOP/s")
    def fb():
        x.grad = w.grad = bias.grad = None
        y = F.conv2d(x, w, bias, padding=P)
        y.backward(torch.ones_like(y))
    bench(f"conv2d forward+backward {name}", fb, 3 * flops, "GFLOP/s")

# FftBenchmark's twin: torch.fft.fft over the last dimension of a complex64 [256, n] tensor
for n in (1024, 4096, 1000, 4099):
    z = torch.randn(256, n, dtype=torch.complex64)
    bench(f"fft complex64 [256,{n}]", lambda: torch.fft.fft(z))
# FftBenchmark.rfft / irfft's twins: torch.fft.rfft of a float32 [256, n] tensor, irfft of its spectrum back to n
for n in (1024, 4096, 1000, 4099):
    r = torch.randn(256, n)
    spectrum = torch.fft.rfft(r)
    bench(f"fft rfft float32 [256,{n}]", lambda: torch.fft.rfft(r))
    bench(f"fft irfft float32 [256,{n}]", lambda: torch.fft.irfft(spectrum, n))
# Fft2Benchmark's twins: the two-dimensional transforms of a [32, 16, 64, 64] tensor (a spectral layer's)
r2 = torch.randn(32, 16, 64, 64)
s2 = torch.fft.rfft2(r2)
z2 = torch.randn(32, 16, 64, 64, dtype=torch.complex64)
bench("fft2 rfft2 float32 [32,16,64,64]", lambda: torch.fft.rfft2(r2))
bench("fft2 irfft2 [32,16,64,33] -> 64x64", lambda: torch.fft.irfft2(s2))
bench("fft2 fft2 complex64 [32,16,64,64]", lambda: torch.fft.fft2(z2))

x, row = torch.randn(4096, 4096), torch.randn(4096)
copy_target = torch.zeros(4096, 4096)
bench("copy 64 MiB (memory bandwidth)", lambda: copy_target.copy_(x), 2 * 4096 * 4096 * 4, "GB/s")
bench("broadcast add [4096,4096]+[4096]", lambda: x + row, 2 * 4096 * 4096 * 4, "GB/s")
bench("exp [4096,4096]", lambda: x.exp(), 2 * 4096 * 4096 * 4, "GB/s")
bench("sigmoid [4096,4096]", lambda: x.sigmoid(), 2 * 4096 * 4096 * 4, "GB/s")
pin = torch.randn(64, 64, 56, 56, requires_grad=True)
pgrad = torch.ones(64, 64, 28, 28)
pool_in, pool_out, pool_ind = 64 * 64 * 56 * 56 * 4, 64 * 64 * 28 * 28 * 4, 64 * 64 * 28 * 28 * 8
bench("maxpool2d 2x2 forward [64,64,56,56]", lambda: F.max_pool2d(pin.detach(), 2), pool_in + pool_out, "GB/s")
def pool_fb():
    pin.grad = None
    F.max_pool2d(pin, 2).backward(pgrad)
bench("maxpool2d 2x2 forward+backward", pool_fb, 2 * (pool_in + pool_out + pool_ind), "GB/s")

def chain():
    w = torch.tensor([1.0], requires_grad=True)
    t = w
    for _ in range(1000):
        t = t * 1.0001
    t.backward()
bench("autograd chain of 1000 ops (per op: /1000)", chain)
x20 = torch.rand(20, 1) * 10
y20 = 2 * x20 + (5 + torch.randn(20, 1))
def linreg():
    w = torch.tensor([0.5], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(10):
        loss = (0.5 * (y20 - (w * x20 + b)) ** 2).mean()
        loss.backward()
        b.data.sub_(0.01 * b.grad); w.data.sub_(0.01 * w.grad)
        w.grad.data.zero_(); b.grad.data.zero_()
bench("note 001 linear regression, 10 iterations", linreg)

class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(400, 120), torch.nn.Linear(120, 84), torch.nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x.flatten(1))))))
for batch in (1, 64, 1024):
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    lx, ly = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad()
        F.cross_entropy(net(lx), ly).backward()
        opt.step()
    ms = bench(f"LeNet training step, batch {batch}", step)
    if ms == ms:
        print(f"{'':45s} {batch / ms * 1e3:10.0f} samples/s")
