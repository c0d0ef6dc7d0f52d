# Writes expected.txt for ComplexFuzzTest.java: a seeded differential hunt over Ember's complex ops (session 29):
# random ranks 0-3, sizes 0-4, complex64 / complex128 / real operands, broadcasting, inputs seen through a
# transposed or a strided view, every elementwise function, pow, the arithmetic, the reductions (sum, mean, prod, var,
# std, vector norms) with random dims / keepdim / correction, matmul of random rank pairs, dot and vdot.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# A case's name is its recipe, read by ComplexFuzzTest: "<id> op=<op> [v<i>=T|S] [dims=a,b|all] [keep=0|1] [corr=c]
# [ord=o]"; T: the input transposed (first and last dims swapped), S: every other element of its first dim (x[::2]).
# Values are k/8 + 1/32 (never on an axis, exact in float32): no branch cut or pole is hit, so PyTorch 1.13's values
# are C99's there. Format: ReferenceCases' (refcases.run_case). 2.x notes: log1p, expm1, exp2 of complex tensors are
# 2.x's (1.13 lacks them): their values come from compositions (log(1 + z), exp(z) - 1, exp(z log 2)) and their
# nodes are renamed; 2.x's Tensor.norm is linalg.vector_norm; complex dot/vdot of this build return 0 (see
# complexmath/make_expected.py), so they are computed as sums of products with the dot nodes.
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import run_case  # noqa: E402

# a longer hunt: EMBER_FUZZ_SEED=7 EMBER_FUZZ_SCALE=10 /usr/bin/python3 make_expected.py (then run ComplexFuzzTest;
# the committed file is the default's)
RNG = random.Random(int(os.environ.get("EMBER_FUZZ_SEED", "2929")))
SCALE = int(os.environ.get("EMBER_FUZZ_SCALE", "1"))
C64, C128 = torch.complex64, torch.complex128
UNARY = ["neg", "conj", "abs", "angle", "sgn", "exp", "log", "sqrt", "reciprocal", "sin", "cos", "tanh", "sigmoid",
         "sinh", "cosh", "tan", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log2", "log10", "log1p", "expm1",
         "exp2", "rsqrt", "square", "real", "imag"]
COMPOSED = {"log1p": lambda z: (1 + z).log(), "expm1": lambda z: z.exp() - 1,
            "exp2": lambda z: (z * 0.6931471805599453).exp()}
NODES_2X = {"SqueezeBackward3": "SqueezeBackward4", "ReshapeAliasBackward0": "ViewBackward0",
            "NormBackward0": "LinalgVectorNormBackward0", "NormBackward1": "LinalgVectorNormBackward0"}
CASES = []


def values(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    def v():
        return RNG.randint(-16, 15) / 8 + 1 / 32
    if dtype.is_complex:
        t = torch.tensor([complex(v(), v()) for _ in range(n)], dtype=C128)
    else:
        t = torch.tensor([v() for _ in range(n)], dtype=torch.float64)
    return t.reshape(shape).to(dtype)


def rand_shape(rank=None):
    rank = RNG.randint(0, 3) if rank is None else rank
    return [RNG.choice([1, 2, 3, 4, 4, 3, 2, 0]) if RNG.random() < 0.12 else RNG.randint(1, 4) for _ in range(rank)]


def viewed_input(shape, dtype):
    """An input and its view code: the stored tensor has a shape the view turns into `shape`."""
    kind = RNG.choice(["", "", "T", "S"]) if shape else ""
    if kind == "T" and len(shape) >= 2:
        stored = [shape[-1]] + shape[1:-1] + [shape[0]]
        return values(stored, dtype), "T"
    if kind == "S":
        stored = [2 * shape[0]] + shape[1:]
        return values(stored, dtype), "S"
    return values(shape, dtype), ""


def view(x, code):
    if code == "T":
        return x.transpose(0, -1)
    if code == "S":
        return x[::2]
    return x


def cdtype():
    return RNG.choice([C64, C128, C128])


def add(recipe, inputs, fn):
    CASES.append(("%d %s" % (len(CASES), recipe), inputs, fn))


def views_tag(codes):
    return "".join(" v%d=%s" % (i, c) for i, c in enumerate(codes) if c)


# elementwise functions (real and imag are attributes, views)
def unary(fn, z):
    if fn in ("real", "imag"):
        return getattr(z, fn)
    return COMPOSED[fn](z) if fn in COMPOSED else getattr(z, fn)()


for fn in UNARY:
    for _ in range(4 * SCALE):
        x, c = viewed_input(rand_shape(), cdtype())
        add("op=u:%s%s" % (fn, views_tag([c])), [x], lambda a, fn=fn, c=c: unary(fn, view(a[0], c)))
for p in (2, 3, 0.5, -1, 2.5, -0.75):
    for _ in range(2 * SCALE):
        x, c = viewed_input(rand_shape(), cdtype())
        add("op=pows:%s%s" % (p, views_tag([c])), [x], lambda a, p=p, c=c: view(a[0], c) ** p)
# arithmetic with broadcasting, complex with complex or real
for op in ("add", "sub", "mul", "div", "pow"):
    for _ in range(8 * SCALE):
        s1 = rand_shape()
        s2 = [d if RNG.random() < 0.7 else 1 for d in s1[RNG.randint(0, len(s1)):]] if s1 else rand_shape(RNG.randint(0, 1))
        if RNG.random() < 0.5:
            s1, s2 = s2, s1
        t1 = cdtype()
        t2 = RNG.choice([t1, t1, torch.float64, torch.float32, C64 if t1 == C128 else C128])
        if RNG.random() < 0.3:
            t1, t2 = t2, t1
        # a 0-dim operand wider than the result's type (complex128 or float64 beside complex64 or float32): its
        # gradient is the narrow type's arithmetic cast up, whose rounding order (PyTorch's and Ember's differ by
        # ulps) the wide type's tolerance would see; it gets the other's type
        if not s2 and s1:
            t2 = t1
        if not s1 and s2:
            t1 = t2
        x, c1 = viewed_input(s1, t1)
        y, c2 = viewed_input(s2, t2)
        f = {"add": lambda u, v: u + v, "sub": lambda u, v: u - v, "mul": lambda u, v: u * v,
             "div": lambda u, v: u / v,
             # 2.x's pow_backward_exponent takes the log of the base in the promoted type (1.13: a real base's real
             # log, NaN for a negative one): the base is converted first, which gives 2.x's values and gradients
             "pow": lambda u, v: u.to(torch.result_type(u, v)) ** (v * 0.5)}[op]
        add("op=b:%s%s" % (op, views_tag([c1, c2])), [x, y], lambda a, f=f, c1=c1, c2=c2: f(view(a[0], c1), view(a[1], c2)))


def rand_dims(rank):
    if rank == 0 or RNG.random() < 0.3:
        return None
    k = RNG.randint(1, rank)
    return sorted(RNG.sample(range(rank), k))


def dims_tag(dims):
    return "all" if dims is None else ",".join(str(d) for d in dims)


# reductions
for op in ("sum", "mean", "prod", "var", "std", "norm"):
    for _ in range(10 * SCALE):
        shape = rand_shape()
        while op in ("var", "std") and 0 in shape:
            shape = rand_shape()  # 1.13's VarBackward0 fails on empty inputs with dims (its gradient's shape)
        n = 1
        for s in shape:
            n *= s
        # a complex64 product of many factors: its gradient's small entries are differences of large ones, off by
        # more than float32's tolerance relative to themselves; such products are complex128
        x, c = viewed_input(shape, C128 if op == "prod" and n > 12 else cdtype())
        rank = len(shape)
        keep = RNG.randint(0, 1)
        if op == "prod":
            d = None if rank == 0 or RNG.random() < 0.4 else RNG.randrange(rank)
            dims = None if d is None else [d]
        else:
            dims = rand_dims(rank)
        tag = "op=r:%s dims=%s keep=%d%s" % (op, dims_tag(dims), keep, views_tag([c]))
        if op in ("sum", "mean"):
            add(tag, [x], lambda a, op=op, dims=dims, keep=keep, c=c:
                getattr(view(a[0], c), op)() if dims is None else getattr(view(a[0], c), op)(dims, keepdim=bool(keep)))
        elif op == "prod":
            add(tag, [x], lambda a, dims=dims, keep=keep, c=c:
                view(a[0], c).prod() if dims is None else view(a[0], c).prod(dims[0], keepdim=bool(keep)))
        elif op in ("var", "std"):
            corr = RNG.randint(0, 2)
            if dims is None and x.numel() <= corr:
                corr = 0  # 1.13's var_backward differs from 2.x's where N <= correction over all dims
            add(tag + " corr=%d" % corr, [x], lambda a, op=op, dims=dims, keep=keep, c=c, corr=corr:
                getattr(torch, op)(view(a[0], c), dims, correction=corr, keepdim=bool(keep)))
        else:
            o = RNG.choice([2, 1, 3, 0.5, 0, float("inf"), float("-inf")])
            add(tag + " ord=%s" % o, [x], lambda a, dims=dims, keep=keep, c=c, o=o:
                torch.linalg.vector_norm(view(a[0], c), o, dims, keepdim=bool(keep)))
# matmul of random rank pairs, dot, vdot
for _ in range(12 * SCALE):
    ra, rb = RNG.randint(1, 3), RNG.randint(1, 3)
    k = RNG.randint(1, 4)
    sa = rand_shape(ra - 1) + [k] if ra > 1 else [k]
    sb = ([RNG.choice([1, 2]) for _ in range(rb - 2)] + [k, RNG.randint(1, 4)]) if rb > 1 else [k]
    if ra > 1:
        sa = sa[:-2] + [RNG.randint(1, 4)] + sa[-1:] if ra > 1 else sa
        sa = sa[-ra:]
    if ra == 3 and rb == 3:
        sb[0] = sa[0]  # 2.x folds a batch of 1 that requires grad against another batch (1.13 does not): not compared
    t = cdtype()
    tb = t  # (complex with real is an error whose wording is 2.x's, not 1.13's: ComplexTest has those cases)
    x, c1 = viewed_input(sa, t)
    y, c2 = viewed_input(sb, tb)
    # 1-D by 1-D is a dot, whose complex BLAS call this build gets wrong (0): its value as a sum of products
    add("op=matmul%s" % views_tag([c1, c2]), [x, y], lambda a, c1=c1, c2=c2: (view(a[0], c1) * view(a[1], c2)).sum()
        if a[0].dim() == 1 and a[1].dim() == 1 and a[0].dtype == a[1].dtype else view(a[0], c1) @ view(a[1], c2))
for op in ("dot", "vdot"):
    for _ in range(3 * SCALE):
        n = RNG.randint(0, 5)
        t = cdtype()
        x, c1 = viewed_input([n], t)
        y, c2 = viewed_input([n], t)
        f = (lambda u, v: (u * v).sum()) if op == "dot" else (lambda u, v: (u.conj() * v).sum())
        add("op=%s%s" % (op, views_tag([c1, c2])), [x, y], lambda a, f=f, c1=c1, c2=c2: f(view(a[0], c1), view(a[1], c2)))

RENAME = {"u:log1p": "Log1PBackward0", "u:expm1": "Expm1Backward0", "u:exp2": "Exp2Backward0",
          "op=dot": "DotBackward0", "op=vdot": "VdotBackward0"}
with open(os.path.join(HERE, "expected.txt"), "w") as out:
    for name, inputs, fn in CASES:
        try:
            lines = run_case(name, inputs, fn, node_2x=NODES_2X)
        except RuntimeError as e:
            # 1.13's VarBackward0 fails where N <= correction over all dims (2.x: inf / NaN): such recipes are left out
            assert "VarBackward0" in str(e) or "StdBackward0" in str(e), e
            continue
        out.write("=== %s\n" % name)
        if (name.split(" ")[1] == "op=matmul" and inputs[0].dim() == 1 and inputs[1].dim() == 1
                and inputs[0].dtype == inputs[1].dtype):
            lines = [l if not l.startswith("fn ") or l == "fn None" else "fn DotBackward0" for l in lines]
        for key, node in RENAME.items():
            if key in name.split(" ")[1]:
                lines = [l if not l.startswith("fn ") or l == "fn None" else "fn " + node for l in lines]
        for line in lines:
            out.write(line + "\n")
