# Writes expected.txt and strings.txt for ComplexTest.java: complex tensors (torch.complex64 / complex128), session 28's
# first slice: view_as_real / view_as_complex, torch.complex, torch.polar, .real / .imag, conversions, add / sub / mul /
# div with complex, real and number operands (broadcasting, promotion), neg, conj, abs, angle, sgn, exp, sum, mean,
# matmul of every rank pairing, and printouts.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes both files next to this script)
#
# expected.txt, one case each (ReferenceCases' format, refcases.run_case): "=== name", then
#   in<i> <dtype> [shape] : values       the inputs (float and complex inputs require grad); complex values are the
#                                        parts, interleaved (view_as_real's)
#   out <dtype> [shape] : values         the result
#   fn <name>                            its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values     d L / d in<i>, L = sum(out * w) for a real out, sum(view_as_real(out) * w)
#                                        for a complex one, w[k] = 1 + 0.5 * ((3k) mod 11): PyTorch's convention for
#                                        complex inputs (dL/dre + i dL/dim)
# or "error <Type> <message>".
# strings.txt: "key<TAB>value" lines (a printout's newlines written as \n).
# 2.x notes: complex division is 2.x's (c10::complex's operator/, numpy's scaled Smith algorithm; 1.13's CPU kernel divides
# by c^2 + d^2, which overflows for the "div large" case and gives NaN for a zero divisor): div_2x below computes those two
# cases. Nodes as 2.x names them (SqueezeBackward3 -> SqueezeBackward4, NODES_2X). This PyTorch 1.13 build's complex
# torch.dot / vdot (BLAS zdotu / zdotc through Debian's OpenBLAS, a known ABI mismatch of complex return values) returns 0:
# the 1-D by 1-D matmul case takes its value from (a * b).sum() and its node, DotBackward0, from torch.dot.
# conj() is a lazy view in PyTorch (is_conj); Ember conjugates into a new tensor, so the cases compare values,
# and the node of conj is ConjBackward0 in both. 1.13 and 2.x print complex tensors alike.
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, fmt_tensor, cseq, run_case, seq  # noqa: E402

NODES_2X = {"SqueezeBackward3": "SqueezeBackward4", "ReshapeAliasBackward0": "ViewBackward0"}
# 2.x's mm checks the types with its own wording (1.13: "expected scalar type ComplexDouble but found Double")
MESSAGES_2X = {
    "matmul complex real": "error RuntimeError expected m1 and m2 to have the same dtype, but got: c10::complex<double> != double",
    "matmul real complex": "error RuntimeError expected m1 and m2 to have the same dtype, but got: double != c10::complex<double>",
}
C64 = torch.complex64
C128 = torch.complex128
CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))



# views and construction
for dt in (C64, C128):
    n = str(dt).replace("torch.", "")
    case("view_as_real %s" % n, [cseq((2, 3), dt)], lambda x: torch.view_as_real(x[0]))
    case("view_as_complex %s" % n, [seq((3, 2), dt.to_real() if hasattr(dt, "to_real") else (D if dt == C128 else torch.float32))],
         lambda x: torch.view_as_complex(x[0]))
    case("real %s" % n, [cseq((2, 3), dt)], lambda x: x[0].real)
    case("imag %s" % n, [cseq((2, 3), dt)], lambda x: x[0].imag)
case("view_as_real transposed", [cseq((3, 2))], lambda x: torch.view_as_real(x[0].t()))
case("view_as_real then view_as_complex", [cseq((2, 2))], lambda x: torch.view_as_complex(torch.view_as_real(x[0]) * 2))
case("view_as_complex last dim 3", [seq((2, 3))], lambda x: torch.view_as_complex(x[0]))
case("view_as_complex stride", [seq((2, 4))], lambda x: torch.view_as_complex(x[0][:, ::2]))
case("view_as_complex int", [seq((2, 2)).long()], lambda x: torch.view_as_complex(x[0]))
case("view_as_complex 0-dim", [seq(())], lambda x: torch.view_as_complex(x[0]))
case("view_as_real of real", [seq((2,))], lambda x: torch.view_as_real(x[0]))
case("imag of real", [seq((2,))], lambda x: x[0].imag)
case("real of real", [seq((2,))], lambda x: x[0].real)
case("complex float64", [seq((2, 3)), seq((2, 3), shift=4)], lambda x: torch.complex(x[0], x[1]))
case("complex float32 broadcast", [seq((2, 1), torch.float32), seq((3,), torch.float32, shift=4)],
     lambda x: torch.complex(x[0], x[1]))
case("complex mixed types", [seq((2,)), seq((2,), torch.float32)], lambda x: torch.complex(x[0], x[1]))
case("complex int", [seq((2,)).long(), seq((2,)).long()], lambda x: torch.complex(x[0], x[1]))
case("polar", [seq((2, 3)).abs() + 0.5, seq((2, 3), shift=3)], lambda x: torch.polar(x[0], x[1]))
case("polar float32", [seq((4,), torch.float32).abs(), seq((4,), torch.float32, shift=2)], lambda x: torch.polar(x[0], x[1]))

# conversions
case("to complex64 from float32", [seq((3,), torch.float32)], lambda x: x[0].to(C64))
case("to complex128 from float32", [seq((3,), torch.float32)], lambda x: x[0].to(C128))
case("to complex64 from int64", [seq((3,)).long()], lambda x: x[0].to(C64))
case("to complex128 from complex64", [cseq((3,), C64)], lambda x: x[0].to(C128))
case("to complex64 from complex128", [cseq((3,))], lambda x: x[0].to(C64))
case("to float64 from complex128", [cseq((3,))], lambda x: x[0].to(torch.float64))
case("to int64 from complex128", [cseq((3,)) * 3], lambda x: x[0].to(torch.int64))
case("clone", [cseq((2, 3))], lambda x: x[0].clone())
case("contiguous of transpose", [cseq((2, 3))], lambda x: x[0].t().contiguous())
case("reshape of transpose", [cseq((2, 3))], lambda x: x[0].t().reshape(6))
case("select narrow permute", [cseq((2, 3, 4))], lambda x: x[0].permute(2, 0, 1).narrow(0, 1, 2).select(1, 1))
case("expand", [cseq((3, 1))], lambda x: x[0].expand(3, 2) * 1)

# arithmetic
for op, f in (("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
              ("div", lambda a, b: a / b)):
    case("%s complex complex" % op, [cseq((2, 3)), cseq((2, 3), shift=7)], lambda x, f=f: f(x[0], x[1]))
    case("%s complex64 complex64" % op, [cseq((2, 3), C64), cseq((2, 3), C64, shift=7)], lambda x, f=f: f(x[0], x[1]))
    case("%s complex real" % op, [cseq((2, 3)), seq((2, 3), shift=3) + 0.125], lambda x, f=f: f(x[0], x[1]))
    case("%s real complex" % op, [seq((2, 3), shift=3), cseq((2, 3), shift=2)], lambda x, f=f: f(x[0], x[1]))
    case("%s broadcast" % op, [cseq((2, 1)), cseq((3,), shift=7)], lambda x, f=f: f(x[0], x[1]))
    case("%s complex64 float64" % op, [cseq((3,), C64), seq((3,), shift=1) + 0.125], lambda x, f=f: f(x[0], x[1]))
    # the float64 divisor's gradient is computed in complex64 arithmetic, whose rounding order differs: not compared
    case("%s complex64 float64 0-dim" % op, [cseq((3,), C64), seq((), shift=1) + 0.125],
         lambda x, f=f, op=op: f(x[0], x[1].detach() if op == "div" else x[1]))
    case("%s complex64 int" % op, [cseq((3,), C64), torch.tensor([2, -3, 4])], lambda x, f=f: f(x[0], x[1]))
    case("%s complex number" % op, [cseq((3,))], lambda x, f=f: f(x[0], 2.5))
    # a 0-dim float64 tensor first (Python's -1.5 / z is z.reciprocal() * -1.5: another composition)
    case("%s number complex" % op, [cseq((3,), C64)], lambda x, f=f: f(torch.tensor(-1.5, dtype=D), x[0]))
# Python complex numbers (Ember's Complex)
case("mul float32 by 1j", [seq((3,), torch.float32)], lambda x: x[0] * 1j)
case("mul float64 by 1j", [seq((3,))], lambda x: x[0] * 1j)
case("add a Complex", [cseq((3,), C64)], lambda x: x[0] + (0.5 - 2j))
case("sub a Complex", [cseq((3,))], lambda x: x[0] - (1.5 + 0.25j))
case("div by a Complex", [cseq((3,))], lambda x: x[0] / (1 + 2j))
case("exp of i theta", [seq((4,))], lambda x: (x[0] * 1j).exp())
case("add alpha", [cseq((3,)), cseq((3,), shift=4)], lambda x: torch.add(x[0], x[1], alpha=2.5))
case("sub alpha", [cseq((3,)), cseq((3,), shift=4)], lambda x: torch.sub(x[0], x[1], alpha=-0.5))


def div_2x(x, y):
    """c10::complex's operator/ (PyTorch 2.x, numpy's): Smith's algorithm, and re / 0 + i im / 0 for a zero divisor."""
    out = []
    for p, q in zip(x.reshape(-1).tolist(), y.reshape(-1).tolist()):
        a, b, c, d = p.real, p.imag, q.real, q.imag
        if abs(c) >= abs(d):
            if c == 0 and d == 0:
                def q0(u):
                    return float("nan") if u == 0 or u != u else (float("inf") if u > 0 else -float("inf"))
                out.append(complex(q0(a), q0(b)))
                continue
            rat = d / c
            scl = 1.0 / (c + d * rat)
            out.append(complex((a + b * rat) * scl, (b - a * rat) * scl))
        else:
            rat = c / d
            scl = 1.0 / (d + c * rat)
            out.append(complex((a * rat + b) * scl, (b * rat - a) * scl))
    return torch.tensor(out, dtype=x.dtype).reshape(x.shape)


case("div by zero", [torch.tensor([1 + 2j, 0 - 3j], dtype=C128), torch.zeros(2, dtype=C128)],
     lambda x: div_2x(x[0].detach(), x[1].detach()))
case("div large", [cseq((2,)) * 1e300, cseq((2,), shift=3) * 1e300], lambda x: div_2x(x[0].detach(), x[1].detach()))
case("neg", [cseq((2, 3))], lambda x: -x[0])
case("conj", [cseq((2, 3))], lambda x: x[0].conj())
case("conj then mul", [cseq((3,))], lambda x: x[0].conj() * x[0])
case("conj_physical", [cseq((3,))], lambda x: x[0].conj_physical())
case("abs", [cseq((2, 3))], lambda x: x[0].abs())
case("abs complex64", [cseq((2, 3), C64)], lambda x: x[0].abs())
case("abs at zero", [torch.tensor([0j, 3 + 4j], dtype=C128)], lambda x: x[0].abs())
case("angle", [cseq((2, 3))], lambda x: x[0].angle())
case("angle at zero", [torch.tensor([0j, -1 + 0j, 1j], dtype=C128)], lambda x: x[0].angle())
case("sgn", [cseq((2, 3))], lambda x: x[0].sgn())
case("sgn at zero", [torch.tensor([0j, 3 - 4j], dtype=C128)], lambda x: x[0].sgn())
case("exp", [cseq((2, 3))], lambda x: x[0].exp())
case("exp complex64", [cseq((2, 3), C64)], lambda x: x[0].exp())
case("mul self", [cseq((3,))], lambda x: x[0] * x[0])
case("abs of product", [cseq((3,)), cseq((3,), shift=2)], lambda x: (x[0] * x[1]).abs())
case("real of product", [cseq((3,)), cseq((3,), shift=2)], lambda x: (x[0] * x[1]).real)
case("imag of quotient", [cseq((3,)), cseq((3,), shift=2)], lambda x: (x[0] / x[1]).imag)

# more elementwise functions (holomorphic: grad * conj(f'(z)))
case("log", [cseq((2, 3))], lambda x: x[0].log())
case("log negative real axis", [torch.tensor([-2 + 0j, -1 - 0j, 3 + 4j], dtype=C128)], lambda x: x[0].log())
case("sqrt", [cseq((2, 3))], lambda x: x[0].sqrt())
case("sqrt negative real axis", [torch.tensor([-4 + 0j, -4 - 0j, 0 - 9j], dtype=C128)], lambda x: x[0].sqrt())
case("sqrt complex64", [cseq((2, 3), C64)], lambda x: x[0].sqrt())
case("reciprocal", [cseq((2, 3))], lambda x: x[0].reciprocal())
case("sin", [cseq((2, 3))], lambda x: x[0].sin())
case("cos", [cseq((2, 3))], lambda x: x[0].cos())
for p_ in (2, 3, 0.5, -1, 2.5, -0.75, 0, 1):
    case("pow %s" % p_, [cseq((2, 3))], lambda x, p_=p_: x[0] ** p_)
case("pow 2 complex64", [cseq((4,), C64)], lambda x: x[0] ** 2)

# data movement and creation
case("cat", [cseq((2, 3)), cseq((1, 3), shift=4)], lambda x: torch.cat([x[0], x[1]]))
case("cat dim 1 mixed", [cseq((2, 3)), seq((2, 2), shift=4)], lambda x: torch.cat([x[0], x[1]], 1))
case("stack", [cseq((2, 3)), cseq((2, 3), shift=4)], lambda x: torch.stack([x[0], x[1]], 1))
case("where", [torch.tensor([True, False, True]), cseq((2, 3)), cseq((3,), shift=4)],
     lambda x: torch.where(x[0], x[1], x[2]))
case("where complex real", [torch.tensor([True, False, True]), cseq((2, 3)), seq((3,), shift=4)],
     lambda x: torch.where(x[0], x[1], x[2].detach()))  # 1.13 cannot differentiate into the real input (2.x: real(grad))
case("flip", [cseq((2, 3))], lambda x: x[0].flip(1))
case("roll", [cseq((2, 3))], lambda x: x[0].roll(1, 1))
case("roll flat", [cseq((2, 3))], lambda x: x[0].roll(2))
case("ones_like", [cseq((2, 3))], lambda x: torch.ones_like(x[0]))
case("full_like", [cseq((2,), C64)], lambda x: torch.full_like(x[0], 2.5))
case("eq", [cseq((4,)), torch.tensor([-2.25 - 1j, 0j, 1.25 + 1j, -1.75 - 0.5j], dtype=C128)], lambda x: x[0] == x[1])
case("ne", [cseq((4,)), torch.tensor([-2.25 - 1j, 0j, 1.25 + 1j, -1.75 - 0.5j], dtype=C128)], lambda x: x[0] != x[1])
case("eq real", [cseq((2,)), torch.tensor([-2.25, 0.75])], lambda x: x[0] == x[1])
case("fill_", [cseq((2, 2))], lambda x: x[0].clone().fill_(1.5))

# reductions
case("sum", [cseq((2, 3))], lambda x: x[0].sum())
case("sum dim", [cseq((2, 3))], lambda x: x[0].sum(1))
case("sum dims keepdim", [cseq((2, 3, 2))], lambda x: x[0].sum((0, -1), keepdim=True))
case("sum complex64", [cseq((4, 3), C64)], lambda x: x[0].sum(0))
case("mean", [cseq((2, 3))], lambda x: x[0].mean())
case("mean dim", [cseq((2, 3))], lambda x: x[0].mean(-1))
case("mean dims keepdim", [cseq((2, 3, 2), C64)], lambda x: x[0].mean((1,), keepdim=True))
case("sum dim out of range", [cseq((2, 3))], lambda x: x[0].sum(2))

# matmul
for sa, sb in (((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 2, 3), (2, 3, 2)),
               ((2, 2, 3), (3, 2)), ((3,), (2, 3, 2)), ((2, 1, 2, 3), (3, 3, 2))):
    case("matmul %s %s" % (list(sa), list(sb)), [cseq(sa), cseq(sb, shift=4)], lambda x: x[0] @ x[1])
case("matmul complex real", [cseq((2, 3)), seq((3, 2), shift=4)], lambda x: x[0] @ x[1])
case("matmul real complex", [seq((2, 3)), cseq((3, 2), shift=4)], lambda x: x[0] @ x[1])
case("matmul complex64", [cseq((2, 3), C64), cseq((3, 2), C64, shift=4)], lambda x: x[0] @ x[1])
case("matmul shapes", [cseq((2, 3)), cseq((2, 3), shift=4)], lambda x: x[0] @ x[1])

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    for name, inputs, fn in CASES:
        f.write("=== %s\n" % name)
        if name == "matmul [3] [3]":
            lines = run_case(name, inputs, lambda x: (x[0] * x[1]).sum(), node_2x=NODES_2X)
            lines = [l if not l.startswith("fn ") else "fn " + (inputs[0].clone().requires_grad_() @ inputs[1]).grad_fn.name()
                     for l in lines]
        else:
            lines = run_case(name, inputs, fn, node_2x=NODES_2X, messages_2x=MESSAGES_2X)
        for line in lines:
            f.write(line + "\n")

# printouts
STRINGS = []


def s(key, value):
    STRINGS.append((key, value))


s("vector", repr(torch.complex(torch.tensor([1.0, -2.0, 3.5]), torch.tensor([0.5, 2.0, -1.0]))))
s("integral parts", repr(torch.tensor([1 + 2j, -3 - 4j, 5 + 0j], dtype=C64)))
s("complex128", repr(torch.tensor([1 + 2j, 0.25 - 1j], dtype=C128)))
s("matrix", repr(cseq((3, 4), C64)))
s("scalar", repr(torch.tensor(1.5 - 2.25j, dtype=C64)))
s("scalar negative zero imag", repr(torch.complex(torch.tensor(1.0), torch.tensor(-0.0))))
s("scientific", repr(torch.tensor([1e-5 + 1e5j, 2 + 3j], dtype=C64)))
s("mixed magnitudes", repr(torch.tensor([12345.678 + 0.001j, -0.5 + 100j], dtype=C64)))
s("nan inf", repr(torch.tensor([complex(float("nan"), 1), complex(float("inf"), -float("inf")), 1 + 1j], dtype=C64)))
s("long", repr(torch.complex(torch.arange(1500.0), -torch.arange(1500.0))))
s("wide", repr(cseq((2, 12), C128) * 1000.5))
s("empty", repr(torch.zeros(0, dtype=C64)))
s("empty complex128", repr(torch.zeros(2, 0, dtype=C128)))
s("requires grad", repr(cseq((2,), C64).requires_grad_()))
s("grad_fn", repr(cseq((2,), C64).requires_grad_() * 2))
s("dtype name complex64", str(C64))
s("dtype name complex128", str(C128))
s("promote complex64 float64", str(torch.promote_types(C64, torch.float64)))
s("promote complex64 float16", str(torch.promote_types(C64, torch.float16)))
s("promote complex128 complex64", str(torch.promote_types(C128, C64)))
s("promote int64 complex64", str(torch.promote_types(torch.int64, C64)))
s("promote bool complex128", str(torch.promote_types(torch.bool, C128)))
s("can_cast complex64 float64", str(torch.can_cast(C64, torch.float64)))
s("can_cast float64 complex64", str(torch.can_cast(torch.float64, C64)))
s("element_size complex64", str(torch.zeros(1, dtype=C64).element_size()))
s("element_size complex128", str(torch.zeros(1, dtype=C128).element_size()))
s("is_floating_point complex64", str(torch.zeros(1, dtype=C64).is_floating_point()))
s("is_complex complex64", str(torch.zeros(1, dtype=C64).is_complex()))
s("type complex64", torch.zeros(1, dtype=C64).type())

s("item", repr(torch.tensor(1.5 - 2j, dtype=C64).item()))
for k, v in (("1+2j", complex(1, 2)), ("2j", complex(0, 2)), ("-0+2j", complex(-0.0, 2)), ("1-0j", complex(1, -0.0)),
             ("1.5+2.25j", complex(1.5, 2.25)), ("1e-05-1e+20j", complex(1e-5, -1e20)), ("nan+infj", complex(float("nan"), float("inf"))),
             ("0.1+0.2j", complex(0.1, 0.2)), ("123456.789-0.001j", complex(123456.789, -0.001)), ("0j", complex(0, 0))):
    s("repr " + k, repr(v))

with open(os.path.join(HERE, "strings.txt"), "w") as f:
    for k, v in STRINGS:
        f.write("%s\t%s\n" % (k, v.replace("\n", "\\n")))
print(len(CASES), "cases,", len(STRINGS), "strings")
