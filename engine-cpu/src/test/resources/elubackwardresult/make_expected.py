# Writes expected.txt for EluBackwardResultTest.java: the gradients PyTorch 1.13 gives through elu_, celu_ and selu_ on
# the CPU (EluBackward1 / CeluBackward1, elu_backward with is_result: the backward reads the in-place result), float32,
# one thread, under ATEN_CPU_CAPABILITY=avx2 (in a subprocess). The vector part is the whole passes of
# two vectors: 16 floats on AVX2, 32 on AVX-512; the sizes drawn (515 = 16 * 32 + 3, 37 = 32 + 5) leave the same tail
# under both, so these bits hold on an AVX-512 machine too (whose Ember takes 32).
# The forward differs between 1.13 (exp(x) - 1) and 2.x's newest source (expm1(x), which Ember follows), and the
# backward reads the forward's result; so the inputs are drawn from values whose result is the same under both
# (agreeing() below: about 87% of 2 N(0, 1) draws), and the comparison isolates the backward. float64 is left out: its forward
# in Ember is Java's expm1, not glibc's, so the same filter cannot be checked here; its kernel has the same order.
#   run: cd engine-cpu/src/test/resources/elubackwardresult && /usr/bin/python3 make_expected.py
#   (seeded; a second run writes the same bytes)
# What computes them (ATen's cpu/Activation.cpp elu_backward_kernel, the same in 2.x): the scalar form
#   b <= 0 ? a * negiptcoef * (b + negcoef) : a * poscoef       (a the gradient, b the result; left to right)
# over strided runs and the last n mod (2 vectors) of a contiguous run, the vectorized form
#   blendv(a * negiptcoef * (b + negcoef), a * poscoef, b > 0)  (a NaN result takes the negative branch: NaN)
# over the rest. check() below confirms the order: (a * negiptcoef) * (b + negcoef) equals PyTorch's bits everywhere,
# a * (b + negcoef) * negiptcoef (Ember's order before session 58) does not, for celu with alpha != 1.
#
# Format: one case per block, every float as its bits in hex (8 digits):
#   case <name>
#   cap avx2
#   op <elu alpha | celu alpha | selu>
#   dtype float32
#   view <contiguous n | transposed rows cols>   (transposed: base [cols, rows] transposed: a strided input)
#   x <bits...>        the input, row-major over the view's logical shape
#   g <bits...>        the upstream gradient (contiguous)
#   grad <bits...>     the input's gradient
#   end
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def bits(t):
    a = t.detach().contiguous().numpy()
    if a.dtype == np.float32:
        return " ".join("%08x" % v for v in a.view(np.uint32).reshape(-1))
    return " ".join("%016x" % v for v in a.view(np.uint64).reshape(-1))


def apply(op, t):
    name, alpha = op
    F = torch.nn.functional
    if name == "elu":
        return F.elu_(t, alpha)
    if name == "celu":
        return F.celu_(t, alpha)
    return F.selu_(t)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def agreeing(op, pool):
    """The values of pool whose in-place forward gives the same float32 bits in 1.13's vectorized and scalar forms
    (exp(x * is) - 1, Sleef's and glibc's exp) and in 2.x's newest (expm1(x * is): Sleef's and glibc's expm1f, as
    Ember computes it): there the result Ember's backward reads is the one PyTorch's read."""
    name, alpha = op
    a, sc, ni = (SELU_ALPHA, SELU_SCALE, 1.0) if name == "selu" else (alpha, 1.0, 1 / alpha if name == "celu" else 1.0)
    f = np.float32
    nc = f(a) * f(sc)
    vec = apply(op, pool.clone())                                   # contiguous, a multiple of 32: vectorized form
    scl = apply(op, pool.repeat_interleave(2)[::2])                 # a strided view: the scalar form
    xs = pool * torch.tensor(f(ni))
    new_vec = torch.where(pool >= 0, pool * torch.tensor(f(sc)), torch.expm1(xs) * torch.tensor(nc))
    new_scl = torch.where(pool < 0, torch.from_numpy(np.expm1(xs.numpy()) * nc), pool * torch.tensor(f(sc)))
    same = (vec == scl) & (vec == new_vec) & (vec == new_scl)
    return pool[same]


def cases():
    gen = torch.Generator().manual_seed(58)
    out = []
    for dtype in (torch.float32,):
        for op in (("celu", 1.3), ("celu", 0.45), ("elu", 0.7), ("selu", None)):
            pool = agreeing(op, torch.randn(8192, generator=gen).mul(2))
            for view in (("contiguous", 515), ("contiguous", 37), ("transposed", 23, 19)):
                n = view[1] if view[0] == "contiguous" else view[1] * view[2]
                pick = torch.randint(0, pool.numel(), (n,), generator=gen)
                x = pool[pick].clone()
                # NaN inputs (so NaN results) in the vector part and in the tail
                x[5] = float("nan")
                x[n - 2] = float("nan")
                x[n // 2] = 0.0
                if view[0] == "transposed":
                    x = x.reshape(view[2], view[1]).t()
                g = torch.randn(x.shape, generator=gen, dtype=torch.float64).to(dtype)
                out.append((op, dtype, view, x, g))
    return out


def run(cap):
    torch.set_num_threads(1)
    lines = []
    for op, dtype, view, x, g in cases():
        base = x.clone().requires_grad_(True)
        y = apply(op, base.clone())
        y.backward(g)
        name = "%s %s %s %s" % (op[0], op[1], str(dtype)[6:], " ".join(str(v) for v in view))
        lines += ["case " + name, "cap " + cap, "op %s%s" % (op[0], "" if op[1] is None else " %r" % op[1]),
                  "dtype " + str(dtype)[6:], "view " + " ".join(str(v) for v in view), "x " + bits(x),
                  "g " + bits(g), "grad " + bits(base.grad), "end"]
        check(op, x, g, base.grad)
    return lines


def check(op, x, g, grad):
    name, alpha = op
    if name == "selu":
        return
    # the kernel's coefficients: alpha, and input_scale, for celu_ derivatives.yaml's 1.0 / alpha.toFloat() (the
    # quotient of a float alpha, in double), each cast to the type
    nc = torch.tensor(alpha, dtype=x.dtype)
    ni = torch.tensor(1 / float(np.float32(alpha)) if name == "celu" else 1.0, dtype=x.dtype)
    r = apply(op, x.clone())
    pytorch_order = torch.where(r <= 0, g * ni * (r + nc), g)
    finite = ~torch.isnan(r)
    assert torch.equal(pytorch_order[finite], grad[finite]), ("the order (g * negiptcoef) * (b + negcoef) no longer holds", op, x.dtype, int((pytorch_order[finite] != grad[finite]).sum()))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print("\n".join(run(sys.argv[1])))
        sys.exit(0)
    out = []
    for cap in ("avx2",):
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
        out.append(subprocess.run([sys.executable, __file__, cap], env=env, check=True, capture_output=True,
                                  text=True).stdout)
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("".join(out))
