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
