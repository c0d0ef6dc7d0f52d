# Writes the expected bits for GeluKernelFloatTest: float32 F.gelu (approximate='none') and its backward on the CPU
# where PyTorch does NOT hand the tensor to oneDNN. Run with /usr/bin/python3 (PyTorch 1.13) from this folder.
#
# The dispatch (aten/src/ATen/native/Activation.cpp, 2.x and 1.13 alike): gelu_out_cpu and gelu_backward_out_cpu call
# oneDNN's eltwise_gelu_erf when use_mkldnn(self): mkldnn enabled, self contiguous with more than one element, float32
# (or bfloat16 with AVX-512). Only SELF is looked at: the backward with a contiguous self and a strided gradient
# still goes to oneDNN (ideep takes the gradient with its strides; gstrided_bwd.bin equals onednngelu's bits).
# Everything else runs GeluKernelImpl / GeluBackwardKernelImpl (aten/src/ATen/native/cpu/Activation.cpp) through
# cpu_kernel_vec (cpu/Loops.h): on a run whose inner dimension is contiguous for every operand, whole passes of two
# Vectorized<float> (16 floats on AVX2) take the vector form; the rest of the run (n mod 16) and every element of a
# strided run take the scalar form, x * 0.5 * (1 + std::erf(x * M_SQRT1_2)) and dy * (cdf + x * pdf) with
# pdf = kBeta * std::exp(x * x * -0.5): glibc's erff and expf (2.36 here, Debian 12), compiled without contraction.
# Those scalar bits are PyTorch 1.13's own and 2.x's alike. One thread (torch.set_num_threads(1)): GeluKernelImpl
# splits a tensor above 16384 elements into a chunk per thread, each with its own tail.
#
# 1.13 and 2.x DIFFER in the vector form: 1.13's Vectorized<float>::erf is Sleef_erff8_u10; 2.x's (vec256_float.h)
# is Abramowitz and Stegun's 7.1.26, t = 1 / fma(p, |x|, 1), r(t) by fused multiply-adds, erf = sign(x) *
# fma(-exp(-x^2) * t, r, 1) with Sleef_expf8_u10. Ember follows 2.x, so the vector part of each contiguous run is
# 2.x EMULATED here: float32 products and quotients by numpy (correctly rounded), each fused multiply-add exactly
# (the double sum's rounding error by TwoSum decides the float rounding at a midpoint), Sleef's expf by torch.exp on
# a contiguous float32 tensor (Sleef_expf8_u10 on every element in 1.13, as Ember's SleefFloat.exp checks). The
# backward's cdf + x * pdf is one fused multiply-add in the vector form: the build contracts an add of a product of
# Vectorized<float> operators, as session 58 measured on GELU's tanh form (its x + kappa x^3); the scalar form is not
# contracted (checked here against 1.13: strided_bwd.bin). The script prints how many vector-part values 1.13 gives
# differently.
#
# Files (little-endian int32 bit patterns; x.bin and g.bin are onednngelu's 54,241 inputs and gradients):
#   one.bin            F.gelu of each x as a one-element tensor (scalar form)
#   strided.bin        F.gelu of x as a column of an [n, 2] tensor (scalar form)
#   transposed.bin     F.gelu of x as the transpose of an [11, n/11] tensor (memory order contiguous, not
#                      is_contiguous: one run of n, vector passes and a tail of n mod 16), in x's order
#   strided_bwd.bin    the gradient of F.gelu at the strided x given the strided g (scalar form)
#   transposed_bwd.bin ... at the transposed x given the transposed g (vector passes and a tail), in x's order
#   gstrided_bwd.bin   ... at a contiguous x given a strided g (oneDNN's kernel)
#   xtrans_bwd.bin     ... at the transposed x given a contiguous g of the transpose's shape (TensorIterator orders
#                      the loop by g's strides: x strided there, scalar form), in x's order
#   small.bin          small shapes, see SMALL below: for each, F.gelu of x[30000:30000 + size] as a transposed view, then
#                      the gradient at it given g[:size] transposed the same way, then F.gelu of the [r, c] slice
#                      [:, :c] of an [r, c + 3] tensor (runs of c), each in the order of those x
import numpy as np
import torch

assert torch.__version__.startswith("1.13"), torch.__version__
torch.set_num_threads(1)
x = np.fromfile("../onednngelu/x.bin", dtype="<i4").view(np.float32)
g = np.fromfile("../onednngelu/g.bin", dtype="<i4").view(np.float32)
n = x.size
assert n % 11 == 0
gelu = torch.nn.functional.gelu
PASS = 16
f32 = np.float32


def fma(a, b, c):
    """Fused multiply-add of float32 arrays, rounded once (ties to even)."""
    a, b, c = (np.asarray(v, dtype=np.float32).astype(np.float64) for v in np.broadcast_arrays(a, b, c))
    p = a * b  # exact: two 24-bit significands
    s = p + c
    bb = s - p
    e = (p - (s - bb)) + (c - bb)  # TwoSum: s + e == p + c exactly
    r = s.astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        other = np.where(r.astype(np.float64) < s, np.nextafter(r, f32(np.inf)), np.nextafter(r, f32(-np.inf)))
        mid = np.isfinite(s) & ((r.astype(np.float64) + other.astype(np.float64)) / 2 == s) & (e != 0)
    up = np.maximum(r, other)
    down = np.minimum(r, other)
    return np.where(mid, np.where(e > 0, up, down), r).astype(np.float32)


def sleef_exp(v):
    return torch.exp(torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))).numpy()


SIGN = np.uint32(0x80000000)


def xor_sign(v, sign_bits):
    return (v.view(np.uint32) ^ sign_bits).view(np.float32)


def erf2x(a):
    """2.x's Vectorized<float>::erf (AVX2), lane by lane."""
    a = a.astype(np.float32)
    sign = a.view(np.uint32) & SIGN
    ab = xor_sign(a, sign)
    with np.errstate(all="ignore"):
        t = (f32(1) / fma(f32(0.3275911), ab, f32(1))).astype(np.float32)
        r = fma(f32(1.061405429), t, f32(-1.453152027))
        r = fma(r, t, f32(1.421413741))
        r = fma(r, t, f32(-0.284496736))
        r = fma(r, t, f32(0.254829592))
        pow2 = (a * a).astype(np.float32)
        e = sleef_exp(xor_sign(pow2, SIGN))
        tmp6 = (xor_sign(e, SIGN) * t).astype(np.float32)
        tmp7 = fma(tmp6, r, f32(1))
    return xor_sign(tmp7, sign)


ALPHA = f32(0.70710678118654752440)
BETA = f32(1.12837916709551257390 * 0.70710678118654752440 * 0.5)


def gelu2x(v):
    with np.errstate(all="ignore"):
        return ((v * f32(0.5)).astype(np.float32) * (f32(1) + erf2x((v * ALPHA).astype(np.float32)))).astype(np.float32)


def gelu_backward2x(dy, v):
    with np.errstate(all="ignore"):
        cdf = (f32(0.5) * (f32(1) + erf2x((v * ALPHA).astype(np.float32)))).astype(np.float32)
        pdf = (BETA * sleef_exp(((v * v).astype(np.float32) * f32(-0.5)).astype(np.float32))).astype(np.float32)
        return (dy * fma(v, pdf, cdf)).astype(np.float32)


def bits(t):
    return t.detach().contiguous().numpy().reshape(-1).view(np.int32).astype("<i4")


stats = []


def with_vector_part(got13, want2x, run, label):
    """1.13's values with the vector part of each run of `run` elements (in memory order) replaced by 2.x's."""
    got13 = got13.copy()
    idx = np.arange(got13.size)
    vec = (idx % run) < (run & -PASS)
    differ = int((got13[vec].view(np.int32) != want2x[vec].view(np.int32)).sum())
    stats.append((label, int(vec.sum()), differ))
    got13[vec] = want2x[vec]
    return got13


def backward(xt, gt):
    # the leaf is xt's whole storage, so gelu_backward sees xt's own layout (a clone of a strided view would be
    # contiguous); the gradient comes back in the same view
    base = (xt._base if xt._base is not None else xt).detach()
    leaf = base.clone().requires_grad_(True)
    view = leaf.as_strided(xt.size(), xt.stride(), xt.storage_offset())
    gelu(view).backward(gt)
    return leaf.grad.as_strided(xt.size(), xt.stride(), xt.storage_offset())


def strided(a):
    buf = torch.zeros(a.size, 2)
    buf[:, 1] = torch.from_numpy(a)
    t = buf[:, 1]
    assert not t.is_contiguous()
    return t


def transposed(a, rows):
    t = torch.from_numpy(a.copy()).view(rows, a.size // rows).t()
    assert not t.is_contiguous() or a.size == rows or rows == 1
    return t


def save(name, arr):
    np.asarray(arr, dtype=np.float32).view(np.int32).astype("<i4").tofile(name)


# one-element tensors, strided: the scalar form (1.13 == 2.x)
one = torch.stack([gelu(torch.tensor([v]))[0] for v in x.tolist()]).numpy()
save("one.bin", one)
xs = strided(x)
gs = strided(g)
save("strided.bin", gelu(xs).numpy())
save("strided_bwd.bin", backward(xs, gs).detach().numpy())
save("gstrided_bwd.bin", backward(torch.from_numpy(x.copy()), gs).detach().numpy())
xtr = transposed(x, 11)
save("xtrans_bwd.bin", backward(xtr, torch.from_numpy(g.copy()).view(xtr.shape)).detach().t().contiguous().numpy())
# transposed: one run of n in memory order
y13 = gelu(xtr).t().contiguous().numpy().reshape(-1)
save("transposed.bin", with_vector_part(y13, gelu2x(x), n, "transposed forward"))
b13 = backward(xtr, transposed(g, 11)).t().contiguous().numpy().reshape(-1)
save("transposed_bwd.bin", with_vector_part(b13, gelu_backward2x(g, x), n, "transposed backward"))

# small shapes: (rows of the transposed view's base, size), and the sliced [r, c] of [r, c + 3]
SMALL = [(3, 15), (4, 32), (5, 35), (3, 51), (17, 68), (2, 130)]
out = []
for rows, size in SMALL:
    xa = x[30000:30000 + size].copy()
    ga = g[30000:30000 + size].copy()
    t = transposed(xa, rows)
    out.append(with_vector_part(gelu(t).t().contiguous().numpy().reshape(-1), gelu2x(xa), size,
                                "small %d forward" % size))
    out.append(with_vector_part(backward(t, transposed(ga, rows)).t().contiguous().numpy().reshape(-1),
                                gelu_backward2x(ga, xa), size, "small %d backward" % size))
    c = size // rows
    wide = torch.zeros(rows, c + 3)
    wide[:, :c] = torch.from_numpy(xa).view(rows, c)
    sl = wide[:, :c]
    assert not sl.is_contiguous()
    out.append(with_vector_part(gelu(sl).contiguous().numpy().reshape(-1), gelu2x(xa), c, "small %d slice" % size))
save("small.bin", np.concatenate(out))

onednn = np.fromfile("../onednngelu/gelu.bin", dtype="<i4")
onednn_b = np.fromfile("../onednngelu/gelu_backward.bin", dtype="<i4")
assert (np.fromfile("gstrided_bwd.bin", dtype="<i4") == onednn_b).all(), "a strided gradient left oneDNN"
for name, ref in [("one.bin", onednn), ("strided.bin", onednn), ("strided_bwd.bin", onednn_b)]:
    print(name, "differs from oneDNN's bits on", int((np.fromfile(name, dtype="<i4") != ref).sum()), "of", n)
for label, count, differ in stats:
    print("%s: %d vector-part values, %d of them 1.13 gives differently (Sleef_erff8_u10)" % (label, count, differ))
