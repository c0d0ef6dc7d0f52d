# Writes expected.txt for Leftovers44Test.java: session 44's leftovers (small known differences from PyTorch 2.x).
# Run: cd engine-cpu/src/test/resources/leftovers44 && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# Format: ReferenceCases.strings: "key<TAB>value" lines; a value is a space-separated list of numbers (repr, nan, inf),
# complex values as their parts interleaved, or a string (a message, a node name, True/False).
# Deterministic: no randomness is drawn; running it twice writes the same bytes.
import math
import warnings

import numpy as np
import torch

torch.set_printoptions(precision=17)
OUT = []


def put(key, value):
    OUT.append("%s\t%s" % (key, value))


def nums(t):
    t = t.detach()
    if t.is_complex():
        t = torch.view_as_real(t)
    return " ".join(repr(float(v)) for v in t.reshape(-1).tolist())


W = None


def weights(n):
    """w[k] = 1 + 0.5 ((3k) mod 11), as ReferenceCases.weights."""
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64)


# ---------------------------------------------------------------------------------------------------- 1. complex sigmoid
# aten's sigmoid for complex types is 1 / (1 + exp(-z)) in the tensor's own precision (2.x UnaryOpsKernel.cpp
# sigmoid_kernel: the scalar op static_cast<scalar_t>(1) / (1 + std::exp(-a)), the vectorized one
# ((0 - a).exp() + 1).reciprocal()); its backward (sigmoid_backward) grad * conj((1 - y) * y).
# Ordinary arguments: PyTorch 1.13's values and gradients (L = sum(view_as_real(y) * w)).
ORD = [complex(-3, 2), complex(0.5, -1), complex(2, 0.25), complex(-30, 0.5), complex(40, -3), complex(1e-3, 1e-3),
       complex(-5, 1e5), complex(0, 1e10), complex(7, -2.5)]
for name, dt in (("c128", torch.complex128), ("c64", torch.complex64)):
    z = torch.tensor(ORD, dtype=dt, requires_grad=True)
    y = z.sigmoid()
    (torch.view_as_real(y) * weights(2 * len(ORD)).to(y.real.dtype).reshape(-1, 2)).sum().backward()
    put("sigmoid.%s.in" % name, nums(z))
    put("sigmoid.%s.out" % name, nums(y))
    put("sigmoid.%s.grad" % name, nums(z.grad))
    put("sigmoid.%s.fn" % name, type(y.grad_fn).__name__)


# Where exp(-x) overflows: the torch 1.13 at hand is no reference there (its complex128 exp already overflows at
# x = 89, and 1 / (1e100 + 1e100j) gives NaN), so these come from the stated rule, 2.x's formula in both of its code
# paths, emulated below in the tensor's precision: the vectorized one (exp(a) cos b, exp(a) sin b; reciprocal
# (c - di) / (c^2 + d^2)) and the scalar one (c10::complex's division, Smith's as numpy's). Only arguments where the two
# paths agree are pinned (both NaN or both 1): between x = -709.78 and about -355 (complex64 -88.72 and -44) the
# vectorized reciprocal underflows to 0 where the scalar division keeps the tiny quotient, and PyTorch's result depends
# on the element's position; not pinned.
def emulate(z, f):
    x, y = f(z.real), f(z.imag)
    with np.errstate(all="ignore"):
        e = np.exp(f(0) - x)
        c = f(1) + e * np.cos(f(0) - y)
        d = e * np.sin(f(0) - y)
        n = c * c + d * d
        vec = (c / n, -d / n)
        # Smith: 1 / (c + di)
        if abs(c) >= abs(d):
            rat = d / c
            scl = f(1) / (c + d * rat)
            sca = ((f(1) + f(0) * rat) * scl, (f(0) - f(1) * rat) * scl)
        else:
            rat = c / d
            scl = f(1) / (d + c * rat)
            sca = ((f(1) * rat + f(0)) * scl, (f(0) * rat - f(1)) * scl)
    return vec, sca


def same(a, b):
    return all((math.isnan(p) and math.isnan(q)) or p == q for p, q in zip(a, b))


for name, f, ext in (("c128", np.float64, [complex(-1000, 1), complex(-1000, -1e10), complex(-710, 0.5), complex(-800, 1),
                                          complex(-1e300, 3), complex(1000, -1), complex(800, 3)]),
                     ("c64", np.float32, [complex(-100, 1), complex(-89, 0.5), complex(-1000, -2), complex(120, 1),
                                         complex(-3e38, 1)])):
    vals = []
    for v in ext:
        vec, sca = emulate(v, f)
        assert same(vec, sca), (v, vec, sca)
        vals += [float(vec[0]), float(vec[1])]
    put("sigmoid.%s.ext.in" % name, " ".join(repr(p) for v in ext for p in (v.real, v.imag)))
    put("sigmoid.%s.ext.out" % name, " ".join(repr(p) for p in vals))


# ---------------------------------------------------------------------------------------------------- 2. conv double backward
# Under create_graph, PyTorch's ConvolutionBackward0 runs convolution_backward as a differentiable op over
# (grad_output, input, weight) (derivatives.yaml; its own backward is _convolution_double_backward): every gradient it
# makes requires grad, grad_fn ConvolutionBackwardBackward0, where any of the three does, the input's edge kept even
# where the gradient does not depend on the input. Second-order gradients: which are None (allow_unused) and which
# require grad, and their values. Inputs from a fixed rule (no randomness): v(k) = sin(0.7 k + phase) * scale,
# written out (x, w, b, v).
def det(shape, phase, scale=1.0):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([math.sin(0.7 * k + phase) * scale for k in range(n)], dtype=torch.float64).reshape(shape)


def desc(t):
    if t is None:
        return "None"
    return "%s %s" % (t.requires_grad, type(t.grad_fn).__name__ if t.grad_fn is not None else "None")


CONV = {"conv1d": ((2, 3, 7), (4, 3, 3), lambda x, w, b: torch.nn.functional.conv1d(x, w, b, padding=1)),
        "conv2d": ((2, 3, 5, 4), (4, 3, 3, 2), lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=(2, 1),
                                                                                          padding=1)),
        "conv3d": ((1, 2, 3, 4, 3), (3, 2, 2, 2, 2), lambda x, w, b: torch.nn.functional.conv3d(x, w, b, padding=(1, 0, 1)))}
for op, (xs, wsh, f) in CONV.items():
    for bias in (False, True):
        for xr, wr in ((True, True), (True, False), (False, True)):
            key = "%s.%s%s%s" % (op, "b" if bias else "n", "x" if xr else "-", "w" if wr else "-")
            x = det(xs, 0.1).requires_grad_(xr)
            w = det(wsh, 0.5, 0.5).requires_grad_(wr)
            b = det((wsh[0],), 0.9).requires_grad_(True) if bias else None
            y = f(x, w, b)
            v = det(tuple(y.shape), 1.3)
            ins = [t for t in (x, w, b) if t is not None and t.requires_grad]
            gs = torch.autograd.grad((y * v).sum(), ins, create_graph=True)
            put(key + ".n", len(gs))
            for nm, t in (("x", x), ("w", w), ("b", b), ("v", v)):
                if t is not None:
                    put("%s.%s" % (key, nm), nums(t))
            for i, g in enumerate(gs):
                put("%s.g%d.desc" % (key, i), desc(g))
                put("%s.g%d.val" % (key, i), nums(g))
                gg = torch.autograd.grad((g * g).sum(), ins, allow_unused=True, create_graph=True)
                for j, h in enumerate(gg):
                    put("%s.gg%d.%d.desc" % (key, i, j), "None" if h is None else str(h.requires_grad))
                    if h is not None:
                        put("%s.gg%d.%d.val" % (key, i, j), nums(h))


# ---------------------------------------------------------------------------------------------------- 3. jacrev chunk_size
# 2.x's jacrev(func, argnums, has_aux, chunk_size) computes the Jacobian's rows chunk_size at a time and concatenates
# them: the values are the unchunked ones for every chunk size (functorch 1.13's jacrev has no chunk_size, so its
# unchunked Jacobian is the expected value for all); a chunk size below 1 is refused when the transform is made
# (torch/_functorch/eager_transforms.py: ValueError "jacrev: `chunk_size` should be greater than 0.").
import functorch

jx = torch.arange(12, dtype=torch.float64).reshape(4, 3) * 0.25 - 1.0
jw = torch.tensor([0.5, -2.0, 1.5], dtype=torch.float64)
put("jacrev.x", nums(jx))
put("jacrev.w", nums(jw))
put("jacrev.arg0", nums(functorch.jacrev(lambda x, w: (x * w).sin().sum(0) + x.exp()[1], argnums=0)(jx, jw)))
put("jacrev.arg1", nums(functorch.jacrev(lambda x, w: (x * w).sin().sum(0) + x.exp()[1], argnums=1)(jx, jw)))
put("jacrev.message", "jacrev: `chunk_size` should be greater than 0.")


# ---------------------------------------------------------------------------------------------------- 5. qint32 operands
# quantized add_scalar, mul_scalar, hardswish, elu and leaky_relu take qint32 tensors (AT_DISPATCH_QINT_TYPES, 1.13 and
# 2.x alike); sizes 8 (scalar path only), 16 and 37 (cpu_kernel_vec's 16-element qint32 steps and a tail). Values:
# rounding ties of x / scale, the int32 range's neighbourhood and ordinary ones; float32 inputs.
import random

R = random.Random(44)
for n in (8, 16, 37):
    vals = [round(R.uniform(-40, 40), 2) for _ in range(n)]
    vals[0], vals[1] = 0.125, -0.375  # ties of x / 0.25
    x = torch.tensor(vals, dtype=torch.float32)
    q = torch.quantize_per_tensor(x, 0.25, -3, torch.qint32)
    put("q32.%d.x" % n, nums(x))
    outs = {"add_scalar": torch.ops.quantized.add_scalar(q, 1.3),
            "add_scalar_neg": torch.ops.quantized.add_scalar(q, -7.9),
            "mul_scalar": torch.ops.quantized.mul_scalar(q, 0.7),
            "mul_scalar_neg": torch.ops.quantized.mul_scalar(q, -1.5),
            "mul_scalar_zero": torch.ops.quantized.mul_scalar(q, 0.0),
            "hardswish": torch.ops.quantized.hardswish(q, 0.07, 4),
            "elu": torch.ops.quantized.elu(q, 0.07, 4, 1.3),
            "leaky_relu": torch.ao.nn.quantized.functional.leaky_relu(q, 0.15, scale=0.07, zero_point=4)}
    for k, r in outs.items():
        assert r.dtype == torch.qint32
        put("q32.%d.%s" % (n, k), "%r %d %s" % (r.q_scale(), r.q_zero_point(), nums(r.int_repr())))
# add_scalar whose zero point leaves the int32 range: the scale widens
q = torch.quantize_per_tensor(torch.tensor([1.0, -2.0, 3.5]), 1e-9, 2 ** 31 - 10, torch.qint32)
r = torch.ops.quantized.add_scalar(q, -1e-6)
put("q32.wide.x", nums(torch.tensor([1.0, -2.0, 3.5])))
put("q32.wide.add_scalar", "%r %d %s" % (r.q_scale(), r.q_zero_point(), nums(r.int_repr())))


# ---------------------------------------------------------------------------------------------------- 6. topk among ties
# PyTorch's CPU topk (topk_impl_loop, the same in 1.13 and 2.x) orders (value, index) pairs with libstdc++'s
# std::partial_sort when k * 64 <= n, else std::nth_element at k - 1 and (sorted) std::sort of the first k - 1: not
# stable, so equal values come in the order those algorithms leave, deterministic for a given input (one thread per
# line). Lines of small integers (many ties) with NaN, both paths, largest and smallest, sorted or not, float64, float32
# and int64, and a 2-D input along each dimension: 1.13's indices (its values follow from them).
T = random.Random(6)
topk_cases = []
for n in (5, 10, 17, 20, 33, 64, 100, 130, 1000):
    for dt in ("float64", "float32", "int64"):
        vals = [float(T.randint(0, 4)) for _ in range(n)]
        if dt != "int64":
            for _ in range(max(1, n // 10)):
                vals[T.randrange(n)] = math.nan
        ks = sorted(({1, 2, 3, n // 64, n // 64 + 1, n // 2, n - 1, n} if n < 1000 else {1, 3, n // 64, n // 64 + 1, 100})
                    - {0})
        for k in ks:
            topk_cases.append((n, dt, vals, k))
put("topk.count", len(topk_cases))
for c, (n, dt, vals, k) in enumerate(topk_cases):
    x = torch.tensor(vals, dtype=getattr(torch, dt))
    put("topk.%d.x" % c, "%s %d %s" % (dt, k, nums(x)))
    res = []
    for largest in (True, False):
        for srt in (True, False):
            res.append(" ".join(str(i) for i in torch.topk(x, k, largest=largest, sorted=srt).indices.tolist()))
    put("topk.%d.idx" % c, " | ".join(res))
x2 = torch.tensor([[float(T.randint(0, 2)) for _ in range(70)] for _ in range(6)], dtype=torch.float64)
put("topk2d.x", nums(x2))
put("topk2d.dim1", " ".join(str(i) for i in torch.topk(x2, 40, dim=1).indices.reshape(-1).tolist()))
put("topk2d.dim0", " ".join(str(i) for i in torch.topk(x2, 4, dim=0, largest=False, sorted=False).indices.reshape(-1).tolist()))


# ---------------------------------------------------------------------------------------------------- 4. meta integer losses
# mse_loss, huber_loss and smooth_l1_loss of integer tensors on the meta device: PyTorch's meta kernels check no type
# and give the promoted integer type (0-dim for mean and sum, the broadcast shape for none), where the CPU refuses.
import torch.nn.functional as F

ml = []
for dt, dt2 in (("int64", "int64"), ("int32", "int32"), ("uint8", "uint8"), ("int64", "int32")):
    a = torch.empty(2, 3, dtype=getattr(torch, dt), device="meta")
    b = torch.empty(3, dtype=getattr(torch, dt2), device="meta")
    for name, f in (("mse", F.mse_loss), ("huber", F.huber_loss), ("smooth_l1", F.smooth_l1_loss)):
        for red in ("mean", "sum", "none"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = f(a, b, reduction=red)
            ml.append("%s %s %s %s %s %s" % (dt, dt2, name, red, str(r.dtype).replace("torch.", ""),
                                              ",".join(map(str, r.shape)) or "-"))
put("metaloss", " | ".join(ml))


with open("expected.txt", "w") as fh:
    fh.write("\n".join(OUT) + "\n")
