# Writes expected.txt for DirichletOpsTest.java: torch._dirichlet_grad broadcasting its three arguments, and the
# refusals of _dirichlet_grad and _sample_dirichlet for bad arguments (PyTorch 1.13, CPU; the same kernels and
# TensorIterator checks in 2.x).
#   run: cd engine-cpu/src/test/resources/dirichletops && /usr/bin/python3 make_expected.py > expected.txt
# Format: "label value" lines; values as float64 hex bits (float32 results widened exactly).
import struct

import torch


def bits(t):
    return " ".join("%016x" % struct.unpack("<Q", struct.pack("<d", v))[0] for v in t.double().reshape(-1).tolist())


def err(f):
    try:
        f()
        return "no error"
    except RuntimeError as e:
        return str(e).split("\n")[0]


x = torch.tensor([0.1, 0.35, 0.8], dtype=torch.float64)
alpha = torch.tensor([0.7], dtype=torch.float64)
total = torch.tensor(2.5, dtype=torch.float64)
out = torch._dirichlet_grad(x, alpha, total)
print("broadcast_shape", list(out.shape))
print("broadcast_f64", bits(out))
out32 = torch._dirichlet_grad(x.float(), torch.tensor([[0.7], [1.9]]), torch.tensor(2.5))
print("broadcast_f32_shape", list(out32.shape))
print("broadcast_f32", bits(out32))
print("err_shape", err(lambda: torch._dirichlet_grad(torch.rand(3), torch.rand(3), torch.rand(2))))
print("err_dtype", err(lambda: torch._dirichlet_grad(torch.rand(3), torch.rand(3).double(), torch.rand(3))))
print("err_half", err(lambda: torch._dirichlet_grad(torch.rand(3).half(), torch.rand(3).half(), torch.rand(3).half())))
print("err_sample_half", err(lambda: torch._sample_dirichlet(torch.rand(3).half())))
print("err_sample_long", err(lambda: torch._sample_dirichlet(torch.tensor([1, 2]))))
