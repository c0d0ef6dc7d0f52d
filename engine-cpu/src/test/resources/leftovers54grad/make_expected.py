# Expected float64 / complex128 gradients for Leftovers54GradTest: session 54's differentiable overloads (complex pow by
# a Python complex, by a tensor, at a zero base; pow(<Python complex>, tensor); a Python bool as the scalar of add /
# mul / div / where; dtype= of linalg.norm / matrix_norm / norm), each as PyTorch computes the gradient of
# L = sum(view_as_real(y) * w) (sum(y * w) for a real y), w = 0.5, -0.25, 0.75, ... over the flattened real view.
# Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py > expected.txt
# Line: "<id> <input index> <dtype> <values>" with float.hex parts (complex: re,im), or "<id> ERR <message>".
#
# 1.13 and 2.x: the cases are those whose formulas agree: pow_backward (grad * conj(p z^(p-1)), zeros for p = 0),
# pow_backward_self / pow_backward_exponent at bases that are not negative reals (1.13's exponent gradient took the
# real log there; 2.x the complex one) and away from zero for the exponent's gradient except where both zero it (a zero
# base and a real exponent >= 0); torch.norm with dtype= is linalg's in 2.x (functional.py), so 2.x's
# torch.norm(x, p, dim, dtype=) is emulated by linalg.vector_norm / linalg.matrix_norm as Leftovers54's norm2x does.
import torch

F64, C128 = torch.float64, torch.complex128


def weights(y):
    n = torch.view_as_real(y).numel() if y.is_complex() else y.numel()
    w = torch.tensor([((7 * k + 3) % 11 - 5) * 0.25 for k in range(n)], dtype=F64)
    return w.reshape(torch.view_as_real(y).shape if y.is_complex() else y.shape)


def h(v):
    v = float(v)
    return "nan" if v != v else "inf" if v == float("inf") else "-inf" if v == -float("inf") else v.hex()


def case(cid, make_inputs, f):
    xs = make_inputs()
    try:
        y = f(*xs)
        yr = torch.view_as_real(y) if y.is_complex() else y
        (yr * weights(y)).sum().backward()
    except Exception as e:
        print("%s ERR %s" % (cid, str(e).split("\n")[0]))
        return
    for i, x in enumerate(xs):
        g = x.grad
        if g is None:
            print("%s %d none" % (cid, i))
        elif g.is_complex():
            print("%s %d %s %s" % (cid, i, str(g.dtype)[6:], " ".join("%s,%s" % (h(v.real), h(v.imag)) for v in g.flatten().tolist())))
        else:
            print("%s %d %s %s" % (cid, i, str(g.dtype)[6:], " ".join(h(v) for v in g.flatten().tolist())))


Z = [1.5 - 0.5j, -0.75 + 2j, 0.25 + 0.5j, 3 + 1j]
E = [0.5 - 1j, 2 + 0.25j, -1.5 + 0j, 1 + 1j]
R = [0.25, 1.5, -2.0, 0.75]


def cz():
    return [torch.tensor(Z, dtype=C128, requires_grad=True)]


for k, p in enumerate([2, 3, 0.5, -0.5, -1, -2, 2.5, 0, complex(1.5, -0.5)]):
    case("powComplexScalar_%d" % k, cz, lambda z: z ** complex(p))
    if not isinstance(p, complex):
        case("powDouble_%d" % k, cz, lambda z: z ** float(p))
case("powComplexTensor", lambda: [torch.tensor(Z, dtype=C128, requires_grad=True),
                                  torch.tensor(E, dtype=C128, requires_grad=True)], lambda a, b: a ** b)
# a zero base: the self gradient where the exponent is 0 is 0; the exponent's is 0 where the exponent is real and >= 0
ZB = [0j, 0j, 0j, 1 + 1j]
EB = [2 + 0j, 0j, 3 + 0j, 0.5 - 1j]
case("powZeroBaseTensor", lambda: [torch.tensor(ZB, dtype=C128, requires_grad=True),
                                   torch.tensor(EB, dtype=C128, requires_grad=True)], lambda a, b: a ** b)
case("powZeroBaseScalar2", lambda: [torch.tensor(ZB, dtype=C128, requires_grad=True)], lambda a: a ** (2 + 0j))
case("powZeroBaseScalar3", lambda: [torch.tensor(ZB, dtype=C128, requires_grad=True)], lambda a: a ** (3 + 0j))
case("powZeroBaseScalar0", lambda: [torch.tensor(ZB, dtype=C128, requires_grad=True)], lambda a: a ** 0j)
for k, b in enumerate([1 + 2j, -0.5 + 0.25j, 0.5 - 1j]):
    case("powComplexBase_%d" % k, lambda: [torch.tensor(R, dtype=F64, requires_grad=True)], lambda t: torch.pow(b, t))
    case("powComplexBaseC_%d" % k, lambda: [torch.tensor(E, dtype=C128, requires_grad=True)], lambda t: torch.pow(b, t))
XR = [1.5, -2.0, 0.25, 3.0]
xr = lambda: [torch.tensor(XR, dtype=F64, requires_grad=True)]
for b in (True, False):
    s = "T" if b else "F"
    case("add" + s, xr, lambda x: x + b)
    case("mul" + s, xr, lambda x: x * b)
    case("div" + s, xr, lambda x: x / b)
    case("whereOther" + s, xr, lambda x: torch.where(torch.tensor([True, False, True, False]), x, b))
    case("whereInput" + s, xr, lambda x: torch.where(torch.tensor([True, False, True, False]), b, x))
    case("addComplex" + s, cz, lambda z: z + b)
    case("mulComplex" + s, cz, lambda z: z * b)
XM = [[1.5, -2.0, 3.0, 0.5], [0.25, 4.0, -1.0, 2.0], [-3.0, 1.0, 0.75, -0.5]]
xm = lambda: [torch.tensor(XM, dtype=F64, requires_grad=True)]
la = torch.linalg
XC = [[complex(v, 0.5 * ((3 * k) % 5 - 2)) for k, v in enumerate(row)] for row in XM]
xc = lambda: [torch.tensor(XC, dtype=C128, requires_grad=True)]
# a real input with a complex dtype= is refused ("dtype should be real for real inputs"), so the complex cases take a
# complex128 input; the real ones a float64 input with dtype=float64
case("vectorNorm3Real", xm, lambda x: la.vector_norm(x, 3.0, dim=1, dtype=F64))
case("vectorNorm3Complex", xc, lambda x: la.vector_norm(x, 3.0, dim=1, dtype=C128))
case("matrixNormFro", xm, lambda x: la.matrix_norm(x, "fro", dtype=F64))
case("matrixNormNucComplex", xc, lambda x: la.matrix_norm(x, "nuc", dtype=C128))
case("matrixNorm1Complex", xc, lambda x: la.matrix_norm(x, 1, dtype=C128))
case("matrixNorm2", xm, lambda x: la.matrix_norm(x, 2, dtype=F64))
case("linalgNormNoneComplex", xc, lambda x: la.norm(x, None, dtype=C128))
case("normP3Complex", xc, lambda x: la.vector_norm(x, 3.0, dim=1, dtype=C128))  # torch.norm(x, 3, dim=1, dtype=) in 2.x
case("normFroReal", xm, lambda x: la.vector_norm(x, 2.0, dtype=F64))  # torch.norm(x, "fro", dtype=) in 2.x
