"""The PyTorch twin of dev.ember.bench.CudaBench: the same shapes and rates, on the same GPU.

    python3 cuda_bench.py
"""
import time
import torch

def time_ms(fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3 / reps

dev = torch.device("cuda:0")
print(torch.__version__, torch.cuda.get_device_name(0), "tf32 matmul:", torch.backends.cuda.matmul.allow_tf32)
for n in (1024, 4096):
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    ms = time_ms(lambda: a.mm(b), 10 if n >= 4096 else 50)
    print(f"matmul fp32 {n}: {ms:.3f} ms, {2.0 * n ** 3 / ms / 1e9:.1f} TFLOP/s")
# issue 18's GEMM targets, 8192^3: TF32 (allow_tf32, as Ember's setFloat32MatmulPrecision("high")), bfloat16, float16
big = 8192
a = torch.randn(big, big, device=dev)
b = torch.randn(big, big, device=dev)
torch.backends.cuda.matmul.allow_tf32 = True
ms = time_ms(lambda: a.mm(b), 10)
print(f"matmul tf32 {big} (allow_tf32=True): {ms:.3f} ms, {2.0 * big ** 3 / ms / 1e9:.1f} TFLOP/s")
torch.backends.cuda.matmul.allow_tf32 = False
for dt, name in ((torch.bfloat16, "bf16"), (torch.float16, "fp16")):
    ah = (torch.rand(big, big, device=dev) * 2 - 1).to(dt)
    ms = time_ms(lambda: ah.mm(ah), 10)
    print(f"matmul {name} {big} ({name} out): {ms:.3f} ms, {2.0 * big ** 3 / ms / 1e9:.1f} TFLOP/s")
del a, b, ah
rows = cols = 8192
x = torch.randn(rows, cols, device=dev)
y = torch.randn(rows, cols, device=dev)
bias = torch.randn(cols, device=dev)
nbytes = rows * cols * 4
copy_ms = time_ms(lambda: x.clone(), 50)
add_ms = time_ms(lambda: x + y, 50)
bc_ms = time_ms(lambda: x + bias, 50)
print(f"device copy (clone) {nbytes >> 20} MiB: {copy_ms:.3f} ms, {2 * nbytes / copy_ms / 1e6:.0f} GB/s")
print(f"add same shape: {add_ms:.3f} ms, {3 * nbytes / add_ms / 1e6:.0f} GB/s")
print(f"add broadcast row: {bc_ms:.3f} ms, {2 * nbytes / bc_ms / 1e6:.0f} GB/s")

cx = torch.randn(32, 64, 56, 56, device=dev, requires_grad=True)
cw = (torch.randn(64, 64, 3, 3, device=dev) * 0.05).requires_grad_()
cb = torch.zeros(64, device=dev, requires_grad=True)
def conv():
    y = torch.nn.functional.conv2d(cx, cw, cb, padding=1)
    y.sum().backward()
conv_ms = time_ms(conv, 10)
conv_flops = 3 * 2.0 * 32 * 64 * 56 * 56 * 64 * 9
print(f"conv2d fwd+bwd N=32 64->64 56x56 k3 p1: {conv_ms:.3f} ms, {conv_flops / conv_ms / 1e9:.1f} TFLOP/s "
      f"(cudnn.benchmark={torch.backends.cudnn.benchmark}, cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
      f"PyTorch's default)")
# PyTorch lets cuDNN use TF32 tensor cores for convolutions by default; Ember computes in FP32. The same
# workload with TF32 off is the like-for-like FP32 figure.
torch.backends.cudnn.allow_tf32 = False
conv_ms = time_ms(conv, 10)
print(f"conv2d fwd+bwd N=32 64->64 56x56 k3 p1, cudnn.allow_tf32=False: {conv_ms:.3f} ms, "
      f"{conv_flops / conv_ms / 1e9:.1f} TFLOP/s")
torch.backends.cudnn.allow_tf32 = True
px = torch.randn(64, 64, 56, 56, device=dev, requires_grad=True)
pool_fwd = time_ms(lambda: torch.nn.functional.max_pool2d(px.detach(), 2), 20)
def pool():
    y = torch.nn.functional.max_pool2d(px, 2)
    y.backward(torch.ones_like(y))
pool_ms = time_ms(pool, 20)
print(f"maxpool2d 2x2 N=64 C=64 56x56: forward {pool_fwd:.3f} ms, forward+backward {pool_ms:.3f} ms")

class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(400, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)
    def forward(self, x):
        F = torch.nn.functional
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
net = LeNet().to(dev)
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
lx = torch.randn(64, 1, 28, 28, device=dev)
ly = torch.randint(0, 10, (64,), device=dev)
def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(lx), ly)
    loss.backward()
    opt.step()
step_ms = time_ms(step, 200)
print(f"LeNet training step, batch 64: {step_ms:.3f} ms, {64 / step_ms * 1e3:.0f} samples/s")

# the twin of UploadOverlapBench: the step's batch uploaded from the host each step (PyTorch's non_blocking copy from
# pinned memory runs on the current stream; Ember's on a copy stream)
for batch in (64, 1024):
    host = [torch.randn(batch, 1, 28, 28) for _ in range(8)]
    pinned = [h.pin_memory() for h in host]
    res_x = host[0].to(dev)
    uy = torch.randint(0, 10, (batch,), device=dev)
    k = [0]
    def train(x):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), uy).backward()
        opt.step()
    def nxt(xs):
        k[0] += 1
        return xs[k[0] % 8]
    def sync_step():
        x = nxt(host).to(dev)
        torch.cuda.synchronize()
        train(x)
    res_ms = time_ms(lambda: train(res_x), 200)
    sync_ms = time_ms(sync_step, 200)
    plain_ms = time_ms(lambda: train(nxt(host).to(dev)), 200)
    async_ms = time_ms(lambda: train(nxt(pinned).to(dev, non_blocking=True)), 200)
    up_ms = time_ms(lambda: nxt(host).to(dev), 200)
    async_up_ms = time_ms(lambda: nxt(pinned).to(dev, non_blocking=True), 200)
    mib = batch * 28 * 28 * 4 / 1048576
    print(f"upload overlap, LeNet step batch {batch} ({mib:.2f} MiB input): resident {res_ms:.3f} ms, sync upload "
          f"{sync_ms:.3f} ms, to(gpu) {plain_ms:.3f} ms, pinned to(gpu, non_blocking) {async_ms:.3f} ms; uploads alone: "
          f"to(gpu) {up_ms:.3f} ms, pinned async {async_up_ms:.3f} ms ({batch * 28 * 28 * 4 / async_up_ms / 1e6:.1f} GB/s)")

# autograd overhead on the GPU: every op is a kernel launch on a one-element tensor, so this is the host's cost per op
# (AutogradBenchmark with -p backend=cuda on Ember's side)
def chain():
    w = torch.ones(1, device=dev, requires_grad=True)
    t = w
    for _ in range(1000):
        t = t * 1.0001
    t.backward()
    return w.grad
chain_ms = time_ms(chain, 20)
print(f"autograd chain of 1000 ops on a one-element tensor: {chain_ms:.3f} ms, {chain_ms:.2f} us an op")
x20 = (torch.rand(20, 1) * 10).to(dev)
y20 = (x20 * 2 + torch.randn(20, 1, device=dev) + 5)
def linreg():
    w = torch.tensor([0.5], device=dev, requires_grad=True)
    b = torch.zeros(1, device=dev, requires_grad=True)
    for _ in range(10):
        loss = (y20 - (w * x20 + b)).pow(2).mul(0.5).mean()
        loss.backward()
        with torch.no_grad():
            b -= b.grad * 0.01
            w -= w.grad * 0.01
        w.grad.zero_()
        b.grad.zero_()
    return w
lr_ms = time_ms(linreg, 50)
print(f"note 001 linear-regression loop (10 iterations): {lr_ms * 1e3:.0f} us")
