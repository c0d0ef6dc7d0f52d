# Differential fuzz round 32 for DifferentialFuzzR32Test.java: seeded single calls whose subject is THE DTYPE AN OP IS
# TOLD TO USE OR TO RETURN, run in PyTorch with every result recorded; FuzzR32Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr32 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 32, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound32FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz32.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# Round 11 took the integer corners, round 12 the half types, PromotionSweepTest two operands' promotion and
# DefaultDtypeTest the dtype (only) of a list of calls under each default. Here a silent error is a right-looking number
# in the wrong dtype, or computed at the wrong precision, so every case compares the dtype, the shape and the values:
#   (a) the ops with a dtype= argument, over inputs of every dtype (bool, uint8, int8, int16, int32, int64, float16,
#       bfloat16, float32, float64, complex64, complex128) and a requested dtype drawn from the same list or None:
#       sum (all, dims, keepdim), prod (all, dim), mean (refused for integer / bool inputs and for a non-floating
#       dtype=, in PyTorch's words), cumsum / cumprod (int64 for integer inputs without dtype=), softmax / log_softmax
#       (refused for integers without dtype=), linalg.vector_norm (the dtype= must be floating or complex and not
#       lower than the input's); the float inputs draw full-mantissa values, so a sum accumulated in the input's type
#       and converted after, where PyTorch converts first, differs past the tolerance; float gradients (float32,
#       float64, float16, bfloat16 leaves) where the output is real floating: the gradient keeps the LEAF's dtype;
#   (b) creation: zeros / ones / full (a Python int, float or bool fill: int64, the default dtype, bool without
#       dtype=) / empty (dtype and shape only) / arange (int or float numbers) / linspace / logspace / eye with and
#       without dtype=; torch.tensor of Java values (doubles, longs, booleans, Complex, and mixed lists: [True, 1] is
#       int64, [1, 2.5] the default dtype, a complex anywhere the default's complex type) with and without dtype=;
#       rand / randn / randint with and without dtype= after manual_seed (Ember's generator is PyTorch's: values bit
#       for bit); zeros_like / ones_like / full_like / rand_like / new_zeros / new_ones / new_full / new_tensor (the
#       self's dtype), to(dtype) / type(dtype) / type_as between every pair of dtypes (values kept in range of both:
#       float to integer conversion of out-of-range values is C++ undefined behaviour; complex to real drops the
#       imaginary part);
#   (c) result dtypes of ops on integer and bool inputs: true division (tensor / tensor, / a Python int or float),
#       sqrt / exp / sin / sigmoid / log / reciprocal / rsqrt (the default dtype), floor_divide / remainder (integer),
#       pow (an int exponent, a negative one refused, a float exponent, a Python-number base), abs / sign / neg of
#       bool (neg refused), sum of bool (int64), cumsum of int8 (int64), argmax (int64), where / cat / stack of mixed
#       dtypes (promoted), clamp with float bounds (the default dtype), add / mul with a Python float or complex
#       (the default dtype's complex type);
#   (d) the default dtype: every case above runs under set_default_dtype(float64) with probability 0.4 (line "def
#       float64"; Ember's test sets Ember.setDefaultDtype and restores float32 in a finally), which changes the
#       factories, torch.tensor of doubles, the float result of integer ops and the complex type of complex scalars
#       (complex128); tensors of an explicit dtype keep it.
#
# Format: "=== r32_<k> <op> <input dtype or ->", then lines by first word:
#   def float64         the case runs under this default dtype (absent: float32)
#   x <tensor>          the input (r17's tensor lines: "dtype [shape] : values", complex ones as re im pairs)
#   rg                  x requires grad (a floating x, an op with a real floating output)
#   y <tensor> / z ...  more tensor arguments (where's operands, cat / stack's second, type_as's other)
#   s <op> [k=v ...]    the call: N is None, lists "a,b" (E empty), numbers L:<int> D:<float> B:<0|1> C:<re>,<im>,
#                       dtypes by name, data lists "L:1;D:2.5" (rows split by "/")
#   seed <n>            manual_seed(n) just before the call (random factories)
#   err <message>       PyTorch refuses with this (first line); the inputs must be unchanged
#   o <tensor>          the output
#   fn <name>           its grad_fn name (absent: none)
#   g <tensor>          the upstream gradient (backward of sum(out * g))
#   gx <tensor>         x's gradient (its dtype is x's; where the op's output type is narrower than x's, as
#                       log_softmax(dtype=bfloat16) of a float64 leaf, whose backward runs in bfloat16, both gradients
#                       are compared converted to the output's type, within its tolerance)
#   cmp bits|tol|meta   bits: values bit for bit (NaN as NaN); tol: within tol * max(1, max |expected|) over the
#                       tensor, tol 1e-12 (float64), 1e-5 (float32), 2^-7 (bfloat16), 2^-10 (float16), for the
#                       computing ops (a complex tensor's real and imaginary parts alike); meta: dtype and shape only
#                       (empty, empty_like, new_empty). Integers always exactly.
#
# 1.13 and 2.x (Ember follows 2.x):
# - 1.13's set_default_dtype takes float32 and float64 only (2.x also takes float16 / bfloat16, which this round does
#   not draw).
# - everything drawn here agrees between 1.13 and 2.x (type promotion of where() came in 1.12; clamp's promotion with
#   float bounds in 1.13; torch.tensor's inference, the reductions' dtype= rules, the random streams); no case needed
#   an emulation. 1.13's CPU kernels refuse float16 / bfloat16 in places 2.x's take them ('"prod_cpu" not
#   implemented for 'Half'', cumsum, softmax, exp, ceil, atan2, clamp, fill of eye / full / ones for float16...):
#   those draws are left out (not written), and so is no other case.
# - an integer result of a float leaf that requires grad (sum(dtype=int32), prod / cumsum / cumprod with an integer
#   dtype=): PyTorch 1.13 and 2.x fail an internal assertion ("isDifferentiableType(variable.scalar_type()) INTERNAL
#   ASSERT FAILED ... please report a bug to PyTorch"; set_history in torch/csrc/autograd/functions/utils.h, a
#   TORCH_CHECK "Autograd not support dtype" in later 2.x): the generator records the values of the call on the leaf
#   detached, without a grad_fn (an integer tensor cannot require grad), and DifferentialFuzzR32Test lists where Ember
#   differs (it records a grad_fn on the integer result) for the lead to decide.
#
# Not drawn (Ember lacks the form, noted for the lead): a Python bool as the scalar operand of add / sub / mul / div /
# remainder / floor_divide / pow and as where()'s scalar (Ember has long, double and Complex overloads); a Python
# complex base of pow (Ember's static pow takes a long or a double base); torch.full
# with a complex fill (no full(int[], Complex)); the dtype= forms of nansum, nanmean, norm, matrix_norm and of the
# *_like / new_* factories (Ember has none), and torch.tensor of Python ints past int64.
import math
import os
import random
import sys
import warnings

import torch

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "32"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

B, U8, I8, I16, I32, I64 = torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64
F16, BF16, F32, F64, C64, C128 = torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, \
    torch.complex128
ALL = [B, U8, I8, I16, I32, I64, F16, BF16, F32, F64, C64, C128]
INTS = [U8, I8, I16, I32, I64]
FLOATS = [F16, BF16, F32, F64]
CPLX = [C64, C128]
OUT = []
COUNT = [0]


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def dname(d):
    return str(d).replace("torch.", "")


def tline(t):
    t = t.detach().resolve_conj()
    shape = list(t.shape)
    if t.is_complex():
        vals = torch.view_as_real(t).to(F64).reshape(-1).tolist()
        body = " ".join(num(v) for v in vals)
    elif t.dtype == B:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t.dtype), ", ".join(str(s) for s in shape), body)


def err_text(e):
    return str(e).split("\n")[0]


def draw_shape(max_rank=3):
    rank = R.choice([0, 1, 1, 2, 2, 3][:max_rank + 3])
    return [R.randint(1, 5) if R.random() > 0.05 else 0 for _ in range(rank)]


def values(shape, dtype, small=False):
    n = 1
    for s in shape:
        n *= s
    if dtype == B:
        v = [R.random() < 0.5 for _ in range(n)]
        return torch.tensor(v, dtype=B).reshape(shape)
    if dtype in INTS:
        lo, hi = {U8: (0, 255), I8: (-128, 127), I16: (-300, 300), I32: (-1000, 1000), I64: (-10 ** 6, 10 ** 6)}[dtype]
        if small:
            lo, hi = max(lo, -3), min(hi, 4)
        return torch.tensor([R.randint(lo, hi) for _ in range(n)], dtype=I64).to(dtype).reshape(shape)
    if dtype in CPLX:
        re = torch.tensor([R.gauss(0, 2) for _ in range(n)], dtype=F64)
        im = torch.tensor([R.gauss(0, 2) for _ in range(n)], dtype=F64)
        return torch.complex(re, im).to(dtype).reshape(shape)
    scale = 1.0 if small else R.choice([1.0, 3.0, 100.0])
    v = torch.tensor([R.gauss(0, scale) for _ in range(n)], dtype=F64)
    return v.to(dtype).reshape(shape)


def upstream(t):
    """A k/8 upstream gradient of t's shape and dtype."""
    n = t.numel()
    return torch.tensor([R.randint(-8, 8) / 8 for _ in range(n)], dtype=F64).to(t.dtype).reshape(t.shape)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, torch.dtype):
        return dname(v)
    if isinstance(v, bool):
        return "B:" + ("1" if v else "0")
    if isinstance(v, int):
        return "L:%d" % v
    if isinstance(v, float):
        return "D:" + num(v)
    if isinstance(v, complex):
        return "C:%s,%s" % (num(v.real), num(v.imag))
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v) if len(v) else "E"
    return str(v)


def data_text(data):
    """A torch.tensor data list (1-D or 2-D) as "L:1;D:2.5" rows split by "/"."""
    if data and isinstance(data[0], list):
        return "/".join(";".join(pv(v) for v in row) for row in data)
    return ";".join(pv(v) for v in data)


def emit(op, xdt, default, tensors, step, fn_call, seed=None, grad=False, cmp="tol", name=None):
    """Runs fn_call (with the tensors' values) under the default dtype and records the case (named: a fix's)."""
    lines = ["=== %s %s %s" % (name or "r32_%d" % COUNT[0], op, xdt)]
    COUNT[0] += 1
    if default == F64:
        lines.append("def float64")
    leaves = {}
    for name, t in tensors:
        lines.append("%s %s" % (name, tline(t)))
        leaf = t.clone()
        if name == "x" and grad:
            leaf.requires_grad_(True)
            lines.append("rg")
        leaves[name] = leaf
    lines.append("s " + step)
    if seed is not None:
        lines.append("seed %d" % seed)
        torch.manual_seed(seed)
    torch.set_default_dtype(default)
    try:
        try:
            out = fn_call(leaves)
        except RuntimeError as e:
            if "INTERNAL ASSERT" not in str(e):
                raise
            # 1.13 and 2.x assert where an integer output of a float leaf that requires grad would carry a
            # grad_fn (see the header): the values of the leaf detached, without a grad_fn
            if seed is not None:
                torch.manual_seed(seed)
            leaves = {k: t.detach() for k, t in leaves.items()}
            out = fn_call(leaves)
    except Exception as e:  # noqa: BLE001 (PyTorch's refusals are the answer)
        torch.set_default_dtype(F32)
        msg = err_text(e)
        if "not implemented for 'Half'" in msg or "not implemented for 'BFloat16'" in msg:
            # 1.13's CPU kernel lacks the half type, 2.x's has it: left out (see the header)
            COUNT[0] -= 1
            return
        lines.append("err " + msg)
        OUT.append("\n".join(lines))
        return
    torch.set_default_dtype(F32)
    # an uninitialized result (cmp meta): its dtype and shape, the values written as zeros (the bytes stay the same)
    lines.append("o " + tline(torch.zeros_like(out) if cmp == "meta" else out))
    if out.grad_fn is not None:
        lines.append("fn " + type(out.grad_fn).__name__)
    if grad and out.requires_grad and out.dtype in FLOATS:
        g = upstream(out)
        try:
            (out * g).sum().backward()
            lines.append("g " + tline(g))
            gx = leaves["x"].grad
            lines.append("gx " + ("none" if gx is None else tline(gx)))
        except RuntimeError as e:
            # 1.13 lacks a few derivatives 2.x has (remainder with a Python-number self): values only
            sys.stderr.write("no backward: %s %s: %s\n" % (op, step, err_text(e)))
    lines.append("cmp " + cmp)
    OUT.append("\n".join(lines))


def draw_default():
    return F64 if R.random() < 0.4 else F32


def opt_dtype(pool=ALL, none=0.3):
    return None if R.random() < none else R.choice(pool)


def rand_dims(rank):
    if rank == 0:
        return R.choice([None, [], [0], [-1]])
    k = R.randint(0, rank)
    dims = R.sample(range(rank), k)
    return None if R.random() < 0.3 else [d - rank if R.random() < 0.3 else d for d in dims]


def rand_dim(rank):
    if R.random() < 0.03:
        return max(rank, 1) + 1
    return R.randint(-max(rank, 1), max(rank, 1) - 1)


# ------------------------------------------------------------------ (a) ops with a dtype= argument

def reduction_case(op):
    xdt = R.choice(ALL)
    shape = draw_shape()
    x = values(shape, xdt, small=op in ("prod", "cumprod"))
    if op in ("prod", "cumprod") and xdt in FLOATS:
        x = (x.to(F64).clamp(-2, 2) + 0).to(xdt)
    d = opt_dtype()
    keepdim = R.random() < 0.4
    rank = len(shape)
    grad = xdt in FLOATS
    kw = "dtype=" + pv(d)
    if op in ("sum", "mean"):
        dims = rand_dims(rank)
        step = "%s dims=%s keepdim=%s %s" % (op, pv(dims), keepdim, kw)

        def call(v):
            if dims is None:
                return getattr(v["x"], op)(dtype=d)
            return getattr(v["x"], op)(dim=dims, keepdim=keepdim, dtype=d)
    elif op == "prod":
        dim = None if R.random() < 0.4 else rand_dim(rank)
        step = "prod dim=%s keepdim=%s %s" % ("N" if dim is None else dim, keepdim, kw)

        def call(v):
            return v["x"].prod(dtype=d) if dim is None else v["x"].prod(dim, keepdim=keepdim, dtype=d)
    elif op in ("cumsum", "cumprod", "softmax", "log_softmax"):
        dim = rand_dim(rank)
        step = "%s dim=%d %s" % (op, dim, kw)

        def call(v):
            return getattr(v["x"], op)(dim, dtype=d)
    else:  # vector_norm
        ordv = R.choice([2.0, 1.0, 3.0, float("inf"), 0.5])
        dims = rand_dims(rank)
        d = opt_dtype(FLOATS + CPLX + [I64], 0.4)
        step = "vector_norm ord=%s dims=%s keepdim=%s dtype=%s" % (num(ordv), pv(dims), keepdim, pv(d))

        def call(v):
            return torch.linalg.vector_norm(v["x"], ordv, dims, keepdim, dtype=d)
    emit(op, dname(xdt), draw_default(), [("x", x)], step, call, grad=grad)


# ------------------------------------------------------------------ (b) creation

def shape_text(shape):
    return pv(list(shape))


def fill_value():
    k = R.random()
    if k < 0.3:
        return R.randint(-5, 300)
    if k < 0.6:
        return R.choice([1.5, -2.25, 0.1, 1e-3, 3.0, 70000.0])
    return R.random() < 0.5


def creation_case():
    op = R.choice(["zeros", "ones", "full", "empty", "arange", "arange", "linspace", "logspace", "eye", "tensor",
                   "tensor", "rand", "randn", "randint"])
    default = draw_default()
    shape = [R.randint(0, 4) for _ in range(R.randint(0, 3))]
    d = opt_dtype(ALL, 0.35)
    cmp = "bits"
    seed = None
    if op in ("zeros", "ones", "empty"):
        step = "%s shape=%s dtype=%s" % (op, shape_text(shape), pv(d))
        cmp = "meta" if op == "empty" else "bits"

        def call(v):
            return getattr(torch, op)(shape, dtype=d)
    elif op == "full":
        f = fill_value()
        step = "full shape=%s fill=%s dtype=%s" % (shape_text(shape), pv(f), pv(d))

        def call(v):
            return torch.full(shape, f, dtype=d)
    elif op == "arange":
        ints = R.random() < 0.5
        if ints:
            start, end, stepv = R.randint(-5, 3), R.randint(-2, 12), R.choice([1, 2, 3, -1])
        else:
            start, end, stepv = R.choice([0.0, -1.5, 0.25]), R.choice([3.0, 2.7, 5.5]), R.choice([0.5, 1.0, 0.3, 1.25])
        form = R.choice(["end", "full"])
        d = opt_dtype([U8, I8, I16, I32, I64, F16, BF16, F32, F64], 0.4)
        if form == "end":
            step = "arange end=%s dtype=%s" % (pv(end), pv(d))

            def call(v):
                return torch.arange(end, dtype=d)
        else:
            step = "arange start=%s end=%s step=%s dtype=%s" % (pv(start), pv(end), pv(stepv), pv(d))

            def call(v):
                return torch.arange(start, end, stepv, dtype=d)
        cmp = "tol"
    elif op in ("linspace", "logspace"):
        a, b = R.choice([(0, 1), (-2.5, 2.5), (0, 10), (1, -1), (0.1, 0.9)])
        n = R.randint(0, 7)
        d = opt_dtype([F16, BF16, F32, F64, C64, C128], 0.4)
        if op == "linspace":
            step = "linspace start=%s end=%s steps=%d dtype=%s" % (num(a), num(b), n, pv(d))

            def call(v):
                return torch.linspace(a, b, n, dtype=d)
        else:
            base = R.choice([10.0, 2.0])
            step = "logspace start=%s end=%s steps=%d base=%s dtype=%s" % (num(a), num(b), n, num(base), pv(d))

            def call(v):
                return torch.logspace(a, b, n, base, dtype=d)
        cmp = "tol"
    elif op == "eye":
        n, m = R.randint(0, 4), R.randint(0, 4)
        step = "eye n=%d m=%d dtype=%s" % (n, m, pv(d))

        def call(v):
            return torch.eye(n, m, dtype=d)
    elif op == "tensor":
        kinds = R.choice([["D"], ["L"], ["B"], ["L", "D"], ["B", "L"], ["B", "D"], ["L", "C"], ["D", "C"], ["B"],
                          ["L", "D", "B"]])
        rows = R.choice([0, 2]) if R.random() < 0.3 else 0
        count = R.randint(1, 4)

        def one():
            k = R.choice(kinds)
            if k == "D":
                return R.choice([1.5, -0.25, 2.0, 1e-8, 1.0 / 3.0, 65519.0, -3.75])
            if k == "L":
                return R.randint(-200, 300)
            if k == "B":
                return R.random() < 0.5
            return complex(R.choice([1.0, 0.5]), R.choice([-1.0, 2.0]))
        data = [[one() for _ in range(count)] for _ in range(rows)] if rows else [one() for _ in range(count)]
        if d is not None and d not in CPLX and any(isinstance(v, complex) for v in
                                                   (sum(data, []) if rows else data)):
            d = R.choice(CPLX + [None])
        step = "tensor data=%s dtype=%s" % (data_text(data), pv(d))

        def call(v):
            return torch.tensor(data, dtype=d)
        cmp = "bits"
    elif op in ("rand", "randn"):
        d = opt_dtype([F16, BF16, F32, F64], 0.4)
        seed = R.randint(0, 10 ** 6)
        step = "%s shape=%s dtype=%s" % (op, shape_text(shape), pv(d))

        def call(v):
            return getattr(torch, op)(shape, dtype=d)
    else:  # randint
        d = opt_dtype([U8, I8, I16, I32, I64, F16, BF16, F32, F64], 0.4)
        seed = R.randint(0, 10 ** 6)
        lo, hi = R.choice([(0, 10), (-5, 5), (0, 200), (3, 4)])
        step = "randint low=%d high=%d shape=%s dtype=%s" % (lo, hi, shape_text(shape), pv(d))

        def call(v):
            return torch.randint(lo, hi, shape, dtype=d)
    emit(op, "-", default, [], step, call, seed=seed, cmp=cmp)


def like_case():
    op = R.choice(["zeros_like", "ones_like", "full_like", "rand_like", "empty_like", "new_zeros", "new_ones",
                   "new_full", "new_empty", "new_tensor", "to", "to", "to", "type", "type_as"])
    xdt = R.choice(ALL)
    shape = draw_shape()
    x = values(shape, xdt, small=True)
    default = draw_default()
    tensors = [("x", x)]
    cmp = "bits"
    seed = None
    grad = False
    if op in ("zeros_like", "ones_like", "empty_like", "rand_like"):
        step = op
        cmp = "meta" if op == "empty_like" else "bits"
        if op == "rand_like":
            seed = R.randint(0, 10 ** 6)

        def call(v):
            return getattr(torch, op)(v["x"])
    elif op == "full_like":
        f = R.choice([R.randint(-5, 300), 1.5, -2.25, True, False])
        step = "full_like fill=%s" % pv(f)

        def call(v):
            return torch.full_like(v["x"], f)
    elif op in ("new_zeros", "new_ones", "new_empty"):
        s2 = [R.randint(0, 3) for _ in range(R.randint(0, 2))]
        step = "%s shape=%s" % (op, shape_text(s2))
        cmp = "meta" if op == "new_empty" else "bits"

        def call(v):
            return getattr(v["x"], op)(s2)
    elif op == "new_full":
        s2 = [R.randint(0, 3) for _ in range(R.randint(0, 2))]
        f = R.choice([R.randint(-5, 300), 1.5, -2.25, True])
        step = "new_full shape=%s fill=%s" % (shape_text(s2), pv(f))

        def call(v):
            return v["x"].new_full(s2, f)
    elif op == "new_tensor":
        data = [R.choice([1.5, -0.25, 3, -7, True, 100]) for _ in range(R.randint(1, 4))]
        step = "new_tensor data=%s" % data_text(data)

        def call(v):
            return v["x"].new_tensor(data)
    elif op in ("to", "type"):
        d = R.choice(ALL)
        step = "%s dtype=%s" % (op, dname(d))
        grad = xdt in FLOATS

        def call(v):
            return v["x"].to(d) if op == "to" else v["x"].type(d)
    else:  # type_as
        ydt = R.choice(ALL)
        tensors.append(("y", values([R.randint(1, 3)], ydt, small=True)))
        step = "type_as"
        grad = xdt in FLOATS

        def call(v):
            return v["x"].type_as(v["y"])
    emit(op, dname(xdt), default, tensors, step, call, seed=seed, grad=grad, cmp=cmp)


# ------------------------------------------------------------------ (c) result dtypes of integer and bool inputs

UNARY = ["sqrt", "exp", "sin", "sigmoid", "log", "reciprocal", "rsqrt", "abs", "sign", "neg", "argmax", "sum",
         "cumsum", "mean", "square", "frac", "ceil", "round"]


def scalar():
    k = R.random()
    if k < 0.4:
        return R.choice([2, 3, -1, 0, 7, -4])
    if k < 0.8:
        return R.choice([2.5, -0.5, 0.1, 1.0, 3.0])
    return complex(R.choice([1.0, 0.0]), R.choice([1.0, -2.0]))


def result_case():
    op = R.choice(["unary"] * 4 + ["binary"] * 4 + ["scalar"] * 3 + ["rscalar", "pow", "where", "cat", "stack",
                                                                         "clamp"])
    default = draw_default()
    xdt = R.choice([B, U8, I8, I16, I32, I64, B, I64] + [F16, BF16, F32, C64])
    shape = draw_shape(2)
    x = values(shape, xdt, small=True)
    tensors = [("x", x)]
    grad = False
    if op == "unary":
        u = R.choice(UNARY)
        if u == "cumsum":
            dim = rand_dim(len(shape))
            step = "cumsum dim=%d dtype=N" % dim

            def call(v):
                return v["x"].cumsum(dim)
        else:
            step = u

            def call(v):
                return getattr(torch, u)(v["x"])
        opname = u
    elif op == "binary":
        b = R.choice(["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "atan2", "maximum",
                      "true_divide", "fmod", "hypot"])
        ydt = R.choice([B, U8, I8, I16, I32, I64, F16, BF16, F32, F64, C64])
        yshape = shape[R.randint(0, len(shape)):] if shape else []
        tensors.append(("y", values(yshape, ydt, small=True)))
        step = b
        opname = b

        def call(v):
            return getattr(torch, b)(v["x"], v["y"])
    elif op in ("scalar", "rscalar"):
        b = R.choice(["add", "sub", "mul", "div", "floor_divide", "remainder", "pow"] if op == "scalar"
                     else ["pow", "remainder", "floor_divide"])
        s = scalar()
        if isinstance(s, complex) and (b in ("floor_divide", "remainder") or op == "rscalar"):
            s = 2.5
        opname = b + ("_r" if op == "rscalar" else "_s")
        step = "%s other=%s" % (opname, pv(s))

        def call(v):
            return getattr(torch, b)(v["x"], s) if op == "scalar" else getattr(torch, b)(s, v["x"])
    elif op == "pow":
        e = R.choice([-1, -2, 2, 0, 3, -0.5, 0.5])
        step = "pow_s other=%s" % pv(e)
        opname = "pow_s"

        def call(v):
            return torch.pow(v["x"], e)
    elif op == "where":
        ydt = R.choice(ALL)
        c = values(shape, B)
        tensors = [("x", x), ("y", values(shape, ydt, small=True)), ("c", c)]
        form = R.choice(["tt", "ts", "st"])
        s = R.choice([2, -1, 1.5, 0.25])
        opname = "where"
        step = "where form=%s other=%s" % (form, pv(s))

        def call(v):
            if form == "tt":
                return torch.where(v["c"], v["x"], v["y"])
            if form == "ts":
                return torch.where(v["c"], v["x"], s)
            return torch.where(v["c"], s, v["x"])
    elif op in ("cat", "stack"):
        ydt = R.choice(ALL)
        tensors.append(("y", values(shape, ydt, small=True)))
        dim = R.randint(0, max(len(shape), 1) - (1 if op == "cat" else 0)) if (shape or op == "stack") else 0
        step = "%s dim=%d" % (op, dim)
        opname = op

        def call(v):
            return getattr(torch, op)([v["x"], v["y"]], dim)
    else:  # clamp
        lo, hi = R.choice([(0.5, 1.5), (-1, 2), (-1.5, 2), (0, 2.5), (None, 1.5), (-0.5, None)])
        step = "clamp min=%s max=%s" % (pv(lo), pv(hi))
        opname = "clamp"

        def call(v):
            return torch.clamp(v["x"], lo, hi)
    grad = xdt in FLOATS
    emit(opname, dname(xdt), default, tensors, step, call, grad=grad, cmp="tol")


def fixes():
    """The regressions of FuzzRound32FixesTest: one named case per fix (FUZZ_FIXES=1 writes them)."""
    def fx(name, op, default, tensors, step, call, grad=False, cmp="tol"):
        xdt = dname(tensors[0][1].dtype) if tensors else "-"
        emit(op, xdt, default, tensors, step, call, grad=grad, cmp=cmp, name="fix_" + name)
    i16 = torch.tensor(98, dtype=I16)
    fx("sumComplexDtypeOfZeroDim", "sum", F32, [("x", i16)], "sum dims=0 keepdim=True dtype=complex128",
       lambda v: v["x"].sum(dim=[0], keepdim=True, dtype=C128))
    f0 = torch.tensor(0.732346773147583, dtype=F32)
    fx("meanComplexDtypeOfZeroDim", "mean", F32, [("x", f0)], "mean dims=-1 keepdim=False dtype=complex64",
       lambda v: v["x"].mean(dim=[-1], dtype=C64), grad=True)
    z = torch.complex(torch.tensor([2.5, -1.25, 3.0, 7.75], dtype=F64), torch.tensor([1.0, 2.0, -3.0, 0.5], dtype=F64))
    fx("sumComplexInputRealDtype", "sum", F32, [("x", z.to(C64))], "sum dims=N keepdim=False dtype=uint8",
       lambda v: v["x"].sum(dtype=U8))
    fx("sumComplexInputRealDtypeDims", "sum", F32, [("x", z.reshape(2, 2))], "sum dims=1 keepdim=True dtype=int16",
       lambda v: v["x"].sum(dim=[1], keepdim=True, dtype=I16))
    fx("logspaceComplexDtype", "logspace", F32, [], "logspace start=0.1 end=0.9 steps=3 base=10.0 dtype=complex128",
       lambda v: torch.logspace(0.1, 0.9, 3, 10.0, dtype=C128))
    fx("logspaceComplexDtypeBase2", "logspace", F32, [], "logspace start=-2.5 end=2.5 steps=3 base=2.0 dtype=complex64",
       lambda v: torch.logspace(-2.5, 2.5, 3, 2.0, dtype=C64))
    xf = torch.tensor([3.0, -4.0], dtype=F32)
    fx("vectorNormComplexDtypeOfRealInput", "vector_norm", F32, [("x", xf)],
       "vector_norm ord=2.0 dims=N keepdim=False dtype=complex64",
       lambda v: torch.linalg.vector_norm(v["x"], 2.0, None, False, dtype=C64))
    fx("vectorNormRealDtypeOfComplexInput", "vector_norm", F32, [("x", z)],
       "vector_norm ord=2.0 dims=N keepdim=False dtype=float64",
       lambda v: torch.linalg.vector_norm(v["x"], 2.0, None, False, dtype=F64))
    fx("vectorNormComplexDtypeOfComplexInput", "vector_norm", F32, [("x", z.to(C64))],
       "vector_norm ord=1.0 dims=0 keepdim=True dtype=complex128",
       lambda v: torch.linalg.vector_norm(v["x"], 1.0, [0], True, dtype=C128))
    xi = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=I64)
    fx("logSoftmaxGeneralKernelName", "log_softmax", F32, [("x", xi)], "log_softmax dim=0 dtype=N",
       lambda v: v["x"].log_softmax(0))
    fx("softmaxOfEmptyWithIntegerDtype", "softmax", F64, [("x", torch.zeros(0, 3, dtype=F32))],
       "softmax dim=-2 dtype=int64", lambda v: v["x"].softmax(-2, dtype=I64))
    fx("logSoftmaxOfEmptyInteger", "log_softmax", F32, [("x", torch.zeros(2, 0, dtype=I32))],
       "log_softmax dim=1 dtype=N", lambda v: v["x"].log_softmax(1))
    xg = torch.tensor([[1.5, -2.25, 3.0], [0.5, 4.0, -1.0]], dtype=F32)
    fx("sumIntegerDtypeOfLeafHasNoGradFn", "sum", F32, [("x", xg)], "sum dims=1 keepdim=False dtype=int32",
       lambda v: v["x"].sum(dim=[1], dtype=I32), grad=True)
    fx("cumprodIntegerDtypeOfLeafHasNoGradFn", "cumprod", F32, [("x", xg)], "cumprod dim=1 dtype=int64",
       lambda v: v["x"].cumprod(1, dtype=I64), grad=True)
    fx("floatTensorPlusComplexUnderFloat64Default", "add_s", F64, [("x", xg)], "add_s other=C:1.0,-2.0",
       lambda v: torch.add(v["x"], complex(1.0, -2.0)), grad=True)
    fx("bfloat16MinusComplexIsComplex64", "sub_s", F32, [("x", xg.to(BF16))], "sub_s other=C:0.5,1.0",
       lambda v: torch.sub(v["x"], complex(0.5, 1.0)))
    zc = torch.complex(torch.tensor([0.25, -1.5, 2.0]), torch.tensor([-2.0, 0.5, 1.0]))
    fx("complex64PowUint8UnderFloat64Default", "pow", F64, [("x", zc), ("y", torch.tensor([0, 3, 2], dtype=U8))],
       "pow", lambda v: torch.pow(v["x"], v["y"]))
    zr = torch.complex(torch.tensor([1.5, -2.0]), torch.tensor([0.5, 1.0]))
    fx("complexRemainderByZeroRefusesTheType", "remainder_s", F32, [("x", zr)], "remainder_s other=L:0",
       lambda v: torch.remainder(v["x"], 0))
    fx("complexFmodByZeroTensorRefusesTheType", "fmod", F32, [("x", zr), ("y", torch.tensor([0, 4], dtype=U8))],
       "fmod", lambda v: torch.fmod(v["x"], v["y"]))
    fx("complexFloorDivideByZeroRefusesTheType", "floor_divide_s", F32, [("x", zr)], "floor_divide_s other=L:0",
       lambda v: torch.floor_divide(v["x"], 0))
    fx("boolMinusComplexRefused", "sub_s", F32, [("x", torch.tensor([True, False]))], "sub_s other=C:1.0,1.0",
       lambda v: torch.sub(v["x"], complex(1.0, 1.0)))
    # softmax / log_softmax of an empty input into a complex type: the kernel (which refuses complex) never runs, and
    # the autograd layer refuses the complex output of an input that requires grad (_softmax / _log_softmax are not in
    # 2.x's GRADIENT_IMPLEMENTED_FOR_COMPLEX either); without grad an empty complex result (session 63, seed 6332)
    fx("softmaxOfEmptyComplexDtypeRequiringGrad", "softmax", F32, [("x", torch.zeros(0, 3, 2, dtype=F32))],
       "softmax dim=2 dtype=complex64", lambda v: v["x"].softmax(2, dtype=C64), grad=True)
    fx("logSoftmaxOfEmptyComplexDtypeRequiringGrad", "log_softmax", F32, [("x", torch.zeros(2, 0, dtype=F64))],
       "log_softmax dim=0 dtype=complex128", lambda v: v["x"].log_softmax(0, dtype=C128), grad=True)
    fx("logSoftmaxOfEmptyComplexDtypeWithoutGrad", "log_softmax", F32, [("x", torch.zeros(5, 0, 2, dtype=BF16))],
       "log_softmax dim=2 dtype=complex64", lambda v: v["x"].log_softmax(2, dtype=C64))
    # maximum / minimum / fmax / fmin / heaviside of float16 and a 0-dim complex64: their meta functions refuse a
    # complex operand before the types are promoted (to complex32, which Ember lacks), so the op's own message, not
    # the promotion's (session 64, seed 64327)
    h2 = torch.tensor([-2.083984375, 1.6474609375], dtype=F16)
    zc0 = torch.tensor(complex(1.4295939207077026, -1.0854231119155884), dtype=C64)
    for b in ["maximum", "minimum", "fmax", "fmin", "heaviside"]:
        fx(b + "OfHalfAndZeroDimComplexRefusedBeforePromotion", b, F32, [("x", h2), ("y", zc0)], b,
           lambda v, b=b: getattr(torch, b)(v["x"], v["y"]))
    fx("maximumOfZeroDimComplexAndHalfRefusedBeforePromotion", "maximum", F32, [("x", zc0), ("y", h2)], "maximum",
       lambda v: torch.maximum(v["x"], v["y"]))


def main():
    if os.environ.get("FUZZ_FIXES"):
        fixes()
        print("\n".join(OUT))
        return
    n = SCALE_N
    for op in ["sum", "mean", "prod", "cumsum", "cumprod", "softmax", "log_softmax", "vector_norm"]:
        for _ in range(int(140 * n)):
            reduction_case(op)
    for _ in range(int(700 * n)):
        creation_case()
    for _ in range(int(600 * n)):
        like_case()
    for _ in range(int(1000 * n)):
        result_case()
    print("\n".join(OUT))


if __name__ == "__main__":
    main()
