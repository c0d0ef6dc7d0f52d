# Writes the expected bits for OneDnnGeluTest: PyTorch 1.13's float32 F.gelu (approximate='none') and its backward on
# the CPU, for a contiguous tensor of more than one element. Run with /usr/bin/python3 (PyTorch 1.13) from this folder.
#
# What computes them: gelu_out_cpu and gelu_backward_out_cpu (aten/src/ATen/native/Activation.cpp) send a contiguous
# float32 input of more than one element to oneDNN's eltwise_gelu_erf when mkldnn is enabled (the default in x86
# builds), in 1.13 and 2.x alike; GeluKernelImpl (Vectorized<float>::erf, Sleef's expf) only takes the other tensors.
# oneDNN's AVX2 kernel (jit_uni_eltwise_injector.cpp gelu_erf_compute_vector_fwd/_bwd and exp_compute_vector_fwd) has
# the same operations in v2.6 (1.13's) and v3.x (2.x's): erf by Abramowitz and Stegun with oneDNN's own degree-5 exp.
# oneDNN 3.x's AVX-512 forward takes a minimax polynomial instead; Ember follows the AVX2 kernel (this machine's ISA,
# AMD EPYC Zen 3, AVX2 only), as its Sleef ports follow Sleef's AVX2 functions. The script checks that turning mkldnn
# off changes the bits (so the oneDNN path is the one recorded).
#
# Files (little-endian int32 bit patterns): x.bin the inputs, g.bin the incoming gradients, gelu.bin F.gelu(x),
# gelu_backward.bin the gradient of F.gelu(x) at x given g.
import numpy as np
import torch

assert torch.__version__.startswith("1.13"), torch.__version__
rng = np.random.default_rng(58)
vals = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1.1754942e-38, -1.1754942e-38, 1.17549435e-38,
        3.4028235e38, -3.4028235e38, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0]
# every binade's first and last float, both signs (exponents 0..254)
for e in range(0, 255):
    for m in (0, 0x7FFFFF):
        for sign in (0, 1):
            vals.append(np.array([(sign << 31) | (e << 23) | m], dtype=np.uint32).view(np.float32)[0])
# around exp's clamp: -(x / sqrt 2)^2 = ln FLT_MIN at |x| ~ 13.22, and t = 1 / (1 + p |x|) near 0
lnmin = np.array([0xc2aeac50], dtype=np.uint32).view(np.float32)[0]
edge = np.float32(np.sqrt(-2.0 * np.float64(lnmin)))
for k in range(-300, 301):
    b = np.array([edge], dtype=np.float32).view(np.int32)[0] + k
    f = np.array([b], dtype=np.int32).view(np.float32)[0]
    vals += [f, -f]
x = np.array(vals, dtype=np.float32)
x = np.concatenate([x,
                    np.linspace(-16, 16, 20001, dtype=np.float32),
                    (rng.standard_normal(20000) * 3).astype(np.float32),
                    (rng.standard_normal(4000) * 1e-3).astype(np.float32),
                    rng.integers(0, 2**32, 8000, dtype=np.uint64).astype(np.uint32).view(np.float32)])
# an odd length (54241), so the vector loops' tail runs too
g = (rng.standard_normal(x.size)).astype(np.float32)
g[:8] = [1.0, -1.0, 0.0, np.inf, 2.0, -0.0, 1e-30, 3.0]

xt = torch.from_numpy(x.copy())
gt = torch.from_numpy(g.copy())


def run(enabled):
    leaf = xt.clone().requires_grad_(True)
    with torch.backends.mkldnn.flags(enabled=enabled):
        y = torch.nn.functional.gelu(leaf)
        y.backward(gt)
    return y.detach().numpy(), leaf.grad.numpy()


y, gx = run(True)
y_off, gx_off = run(False)
assert (y.view(np.int32) != y_off.view(np.int32)).sum() > 1000, "mkldnn off gives the same bits"
assert (gx.view(np.int32) != gx_off.view(np.int32)).sum() > 1000, "mkldnn off gives the same backward bits"
x.view(np.int32).astype("<i4").tofile("x.bin")
g.view(np.int32).astype("<i4").tofile("g.bin")
y.view(np.int32).astype("<i4").tofile("gelu.bin")
gx.view(np.int32).astype("<i4").tofile("gelu_backward.bin")
print(x.size, "inputs;", int((y.view(np.int32) != y_off.view(np.int32)).sum()), "forward and",
      int((gx.view(np.int32) != gx_off.view(np.int32)).sum()), "backward values differ from GeluKernelImpl's")
