# Expected values for engine-cpu's ComplexRealProductTest: a complex tensor times a real tensor or number, whose real
# operand PyTorch promotes to (r, +0) and multiplies as complex numbers: (a r - b 0, a 0 + b r). Scaling the parts
# instead differs where zeros' signs or infinities meet (the angle of a masked phase flips by pi).
# PyTorch 1.13 CPU; each line: name, then the (re, im) pairs and, for "angle" lines, the angles.
# Run: /usr/bin/python3 make_expected.py > expected.txt
import torch

inf = float("inf")
nan = float("nan")
z = torch.tensor([-0.5 - 0.25j, complex(inf, 0), complex(1, inf), 0.5 + 0.25j, complex(-0.0, -1.0),
                  complex(-0.0, 1.0), complex(nan, 0.0)])
r = torch.tensor([0.0, 2.0, 2.0, -0.0, 2.0, 2.0, 1.0])


def pairs(name, t):
    v = torch.view_as_real(t.to(torch.complex128)).reshape(-1)
    print(name, " ".join(repr(float(x)) for x in v))


def reals(name, t):
    print(name, " ".join(repr(float(x)) for x in t.to(torch.float64).reshape(-1)))


for dt in (torch.complex64, torch.complex128):
    zz = z.to(dt)
    rr = r.to(torch.float32 if dt == torch.complex64 else torch.float64)
    tag = str(dt).replace("torch.", "")
    pairs(f"z*r {tag}", zz * rr)
    reals(f"angle(z*r) {tag}", (zz * rr).angle())
    pairs(f"r*z {tag}", rr * zz)
    pairs(f"z*2.0 {tag}", zz * 2.0)
    pairs(f"z*0.0 {tag}", zz * 0.0)
