# Expected values for ComplexPowShortcutsTest: a complex64 / complex128 tensor to a real power (a Java double, and a
# Java Complex with a zero imaginary part), as PyTorch 2.x's CPU kernel computes it. Run with PyTorch 1.13 (CPU):
#   /usr/bin/python3 make_expected.py > expected.txt
#
# PyTorch 2.x (aten/src/ATen/native/Pow.cpp, pow_Tensor_Scalar_out; native/cpu/PowKernel.cpp): an exponent of 0 fills
# ones, 1 copies; then pow_tensor_scalar_kernel sends an exponent equal to 0.5 / -0.5 / -1 (Scalar::equal, a complex
# Scalar compared as (p, 0)) to sqrt_kernel / rsqrt_kernel / reciprocal_kernel, and pow_tensor_scalar_optimized_kernel
# computes 2 as z * z, 3 as z * z * z, -2 as 1 / (z * z), any other exponent std::pow (glibc's cpow). Scalar ops (the
# loop every element of a strided operand takes): rsqrt is 1 / std::sqrt(z), reciprocal 1 / z, both c10::complex's
# operator/ (numpy's Smith division; a zero divisor gives re / |c| + i im / |d|, so 0 ** -0.5, 0 ** -1 and 0 ** -2 are
# inf+nanj); the vectorized ops of a contiguous run (Vectorized::rsqrt = sqrt().reciprocal(), reciprocal
# (c, -d) / (c^2 + d^2)) differ from those in last bits and at zero (nan+nanj), and so may the vectorized products
# of 2 and 3. So every exponent is computed twice (as complexspecial/make_expected.py does): on a stride-2 view
# ("scalar": PyTorch's scalar loop on every element) and on a contiguous run of 64 elements ("vec": every element in
# the vectorized body); the test accepts an element equal to either. Ember's -0.5, -1 and -2 are the scalar loop's.
#
# 1.13 and 2.x: 1.13 takes the same shortcuts, but its c10::complex division is the textbook (ac + bd) / (c^2 + d^2)
# (0 ** -2 is nan+nanj there), so the exponents -0.5, -1 and -2 are emulated here as 2.x computes them: 1.13's own
# sqrt (csqrt) and z * z, then 2.x's Smith division in numpy in the tensor's real type (smith below). Other exponents
# are 1.13's results. Line format: "<dtype> <path> <exponent> re,im re,im ..." with float.hex parts ("nan", "inf", "-inf").
import ast
import os

import numpy as np
import torch

Z = [0j, complex(-0.0, 0.0), complex(0.0, -0.0), complex(-0.0, -0.0), 1.5 - 0.5j, -3 + 4j, complex(-2, 0.0),
     complex(-2, -0.0), 0.25j, 1e-3 + 2e-3j, 7 - 1e-4j, 1e20 + 1e19j, 1e-25 - 3e-25j, 1e200 + 1j, 1e-170 + 1e-170j,
     complex(float("inf"), 1), complex(1, float("inf")), complex(float("nan"), 0), complex(-float("inf"), 0.5)]
EXPS = [0.5, -0.5, -1.0, 2.0, -2.0, 3.0, 2.5, -1.5, 0.0, 1.0]


def _from_complexspecial(*names):
    """complexspecial/make_expected.py's emulations of 2.x's complex division (read from it, so the two cannot drift)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "complexspecial", "make_expected.py")
    ns = {"np": np}
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            exec(compile(ast.Module([node], []), path, "exec"), ns)
    return [ns[n] for n in names]


# smith: c10::complex<T>::operator/= of 2.x (the scalar loop); vrecip: Vectorized<c10::complex<T>>::reciprocal of 2.x
smith, vrecip = _from_complexspecial("smith", "vrecip")


def strided(dt):
    """Z as a stride-2 view of dtype dt (PyTorch's scalar loop for every element)."""
    return torch.tensor([v for z in Z for v in (z, 0j)], dtype=dt)[::2]


def h(v):
    v = float(v)
    return "nan" if v != v else "inf" if v == float("inf") else "-inf" if v == -float("inf") else v.hex()


def emit(dn, p, re, im):
    print(dn, float(p).hex(), " ".join("%s,%s" % (h(a), h(b)) for a, b in zip(re, im)))


def contiguous(dt):
    """Z repeated to 64 elements, contiguous (every element in PyTorch's vectorized body), and its first len(Z)."""
    return torch.tensor((Z * 4)[:64], dtype=dt)


for dn, dt, npt in (("complex64", torch.complex64, np.float32), ("complex128", torch.complex128, np.float64)):
    for p in EXPS:
        for path, x in (("scalar", strided(dt)), ("vec", contiguous(dt))):
            if p in (-0.5, -1.0, -2.0):
                d = x if p == -1.0 else torch.sqrt(x) if p == -0.5 else x * x
                if path == "scalar":
                    re, im = smith(np.ones(len(x)), np.zeros(len(x)), d.real.numpy(), d.imag.numpy(), npt)
                else:
                    re, im = vrecip(d.real.numpy(), d.imag.numpy(), npt)
            else:
                r = x ** p
                re, im = r.real.numpy(), r.imag.numpy()
            emit(dn + " " + path, p, re[:len(Z)], im[:len(Z)])
