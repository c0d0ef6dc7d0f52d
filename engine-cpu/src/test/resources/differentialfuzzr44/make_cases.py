# Differential fuzz round 44 for DifferentialFuzzR44Test.java: seeded single calls of the CREATION OPS, RANGES and
# TENSORS BUILT FROM JAVA VALUES, run in PyTorch with every result recorded; FuzzR44Interpreter.java replays each in
# Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr44 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU, AVX2 capability: on an AVX-512 machine run it under ATEN_CPU_CAPABILITY=avx2; seed 44, every draw
#   seeded, so a second run writes the same bytes; the AVX512 answers of the capability-dependent cases, float arange's
#   vector passes, are cases_avx512.txt / fixes_avx512.txt, written by make_avx512.py on an AVX-512 machine)
#   the fixes' cases (FuzzRound44FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz44.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# Families (each case one call; now and then under torch.set_default_dtype(torch.float64), line "dd float64"):
#   arange      torch.arange(end) / (start, end) / (start, end, step) with Python ints or floats (Java longs or
#               doubles), negative and fractional steps, ends within 1e-7 relative of a whole number of steps, dtype
#               given (floating, integer, uint8 wrapping, half types) or inferred; zero / wrong-sign steps, infinite
#               and NaN bounds, sizes past int64 ("invalid size, possible overflow?") refused
#   linspace    torch.linspace: steps 0, 1, 2, odd / even, long (vector passes), start > end, equal ends, integer dtypes
#               (ends converted, values truncated), half types, negative steps refused
#   logspace    torch.logspace: base 10 / 2 / e / 0.5 / negative, float32 / float64 / integer dtypes, steps 0 / 1
#   eye         torch.eye(n) / (n, m, dtype): zero and negative sizes, bool / integer / complex dtypes
#   full        torch.full with an int / float / bool / complex fill, dtype inferred (int64, the default, bool, its
#               complex type) or given (a fill the type cannot hold refused), zero / negative sizes
#   fulllike    torch.full_like(x, v[, dtype]) / zeros_like / ones_like / empty_like / rand_like with a dtype, x
#               contiguous, transposed, expanded, sliced with steps or channels-last: values, dtype, strides
#   sizes       torch.zeros / ones / empty of zero, negative and huge sizes
#   triidx      torch.tril_indices / triu_indices(row, col, offset), offsets negative and beyond both sizes
#   cartprod    torch.cartesian_prod of 1..3 1-D tensors (empty ones, one tensor alone, mixed dtypes refused, 2-D
#               refused), float64 gradients
#   complex     torch.complex / torch.polar: float32 / float64 (broadcast shapes), mixed and integer dtypes refused,
#               float64 gradients through view_as_real
#   tensor      torch.tensor(data[, dtype]) from Python ints / floats / bools / complex numbers (Java Long / Double /
#               Boolean / Complex in lists): scalars, nested, empty, ragged (refused), mixed kinds (the inferred
#               dtype), values an integer dtype cannot hold (refused), NaN / inf / 1e40 into float32
#   strided     torch.empty_strided(size, stride[, dtype]): shape, strides, dtype; negative strides refused
# Every result: dtype, shape and values (bit for bit, except logspace's and polar's within tolerance, and empty /
# rand results' values not compared), strides ("st"), requires_grad and grad_fn ("rq"); refusals with PyTorch's first
# message line and every input unchanged.
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer where they differ):
# - torch.linspace (linspace_2x): 2.x's CPU kernel has no vectorized passes (1.13's Vectorized::arange passes from the
#   16th float32 / 8th float64 / 8th int64 value on gave other last bits, and non-monotone integer results such as
#   [-4, -3, -3, ..., -2, ..., -3, ...]); every value takes the scalar formula, emulated here exactly (Fractions);
#   complex64 / complex128 take float32's / float64's (session 62; before, 1.13's values within tolerance).
# - torch.complex / torch.polar of mixed types: 2.x's complex_check_dtype checks that both are Half, Float or Double
#   before it checks that they match (1.13's messages are the same, in the same order).
# Decided differences: a size whose storage PyTorch's allocator cannot get (4 TiB) is refused by PyTorch with its
# allocator's machine-dependent message ("err* ..."): Ember must refuse it with an exception (not an Error such as
# OutOfMemoryError) in its own words; Ember's sizes are Java ints, so the calls take no size past 2^31 - 1.
#
# Format: "=== r44_<k> <family> <dtype or N>", then lines by first word:
#   dd float64          the default dtype is float64 for the call
#   a <name> <tensor>   a tensor argument (r17's tensor lines "dtype [shape] : values")
#   lay <name> <layout> the argument made t (transposed), exp (expanded: a [1, n] base to [3, n]), step (x[:, ::2]),
#                       cl (channels-last, 4-D) from its line's values
#   rg <names>          the float64 arguments that require grad
#   s <op> [k=v ...]    the call (numbers as Python writes them: an int has no '.', 'e', 'inf' or 'nan'; N None)
#   err <message>       PyTorch refuses with this (first line); the arguments must be unchanged
#   err* <message>      PyTorch's allocator refuses (see above)
#   o <tensor>          the result ("v" none: values not compared, only dtype and shape)
#   st <strides>        the result's strides
#   rq <True|False> <grad_fn name or None>
#   g <tensor>          the upstream gradient (of view_as_real(out) for a complex result)
#   gx <name> <tensor>  the gradient of the argument <name> ("gx <name> none": none reached it)
#   tol <factor>        values within FuzzR31Interpreter.compare's tolerance times this; "tol 0": bit for bit
import math
import os
import random
from fractions import Fraction

import numpy as np
import torch

SEED = int(os.environ.get("FUZZ_SEED", "44"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F64, F32, F16, BF16, I64, I32, I16, I8, U8, B = (torch.float64, torch.float32, torch.float16, torch.bfloat16,
                                                 torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8,
                                                 torch.bool)
C64, C128 = torch.complex64, torch.complex128
INTS = [I64, I32, I16, I8, U8]
FLOATS = [F64, F32, F16, BF16]


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def dname(dt):
    return "N" if dt is None else str(dt).replace("torch.", "")


def tline(t):
    t = t.detach().resolve_conj().resolve_neg().clone()
    shape = ", ".join(str(s) for s in t.shape)
    if t.is_complex():
        body = " ".join(num(v) for v in torch.view_as_real(t.to(C128)).reshape(-1).tolist())
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    elif t.dtype == torch.bool:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t.dtype), shape, body)


def pv(v):
    """A Python value as the interpreter reads it: ints bare, floats repr, True / False, complex c(re;im), lists
    [a,b] (no spaces), N None."""
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return num(v)
    if isinstance(v, complex):
        return "c(%s;%s)" % (num(v.real), num(v.imag))
    if isinstance(v, torch.dtype):
        return dname(v)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(pv(x) for x in v) + "]"
    return str(v)


def numel(s):
    n = 1
    for k in s:
        n *= k
    return n


def ft(shape, dt=F64, lo=-2.0, hi=2.0):
    return torch.tensor([R.uniform(lo, hi) for _ in range(numel(shape))], dtype=F64).reshape(shape).to(dt)


def anyt(shape, dt):
    if dt.is_floating_point:
        return ft(shape, dt)
    if dt == B:
        return torch.tensor([R.random() < 0.5 for _ in range(numel(shape))]).reshape(shape)
    if dt.is_complex:
        return torch.complex(ft(shape), ft(shape)).to(dt)
    return torch.tensor([R.randint(0, 9) for _ in range(numel(shape))], dtype=I64).reshape(shape).to(dt)


FAMILIES = {}


def family(name, weight):
    def reg(f):
        FAMILIES[name] = (f, weight)
        return f
    return reg


# every builder returns (args [(name, tensor, requires_grad, layout)], kw dict (printed in order), fn(a) -> result,
# options {"tol": factor (0 bits), "novalues": True})

def dd():
    return R.random() < 0.2


STEPS = [0.1, 0.2, 0.3, 0.7, 1.0 / 3.0, 0.25, 1.5, 2.5, 0.01, 1e-3, 7.0, 0.05, 1.1]


def rnum(isint, lo=-20, hi=20):
    if isint:
        return R.randint(lo, hi)
    return R.choice([float(R.randint(lo, hi)), round(R.uniform(lo, hi), R.randint(0, 3)), R.uniform(lo, hi)])


@family("arange", 30)
def _():
    form = R.choice([1, 2, 3, 3, 3])
    isint = R.random() < 0.35
    dt = None if R.random() < 0.5 else R.choice([F64, F32, F32, F16, BF16, I64, I64, I32, I16, I8, U8])
    r = R.random()
    if r < 0.06:
        # refusals: zero / wrong-sign steps, non-finite bounds, overflowing sizes, unsupported dtypes
        k = R.randint(0, 6)
        if k == 0:
            start, end, step = 0, 5, R.choice([0, 0.0])
        elif k == 1:
            start, end, step = 5.0, 0.0, R.choice([1.0, 0.5])
        elif k == 2:
            start, end, step = 0.0, R.choice([math.inf, -math.inf, math.nan]), 1.0
        elif k == 3:
            start, end, step = 0.0, 1e25, R.choice([1.0, 1e-5])
        elif k == 4:
            start, end, step = 0.0, 1.0, R.choice([math.nan, math.inf])
        elif k == 5:
            start, end, step = 0, 5, 1
            dt = R.choice([B, C64, C128])
        else:
            start, end, step = -3, 3, 1
            dt = R.choice([I8, U8])
        form = 3
    elif r < 0.35:
        # fractional steps whose span is (within 1e-7) a whole number of steps
        step = R.choice(STEPS) * R.choice([1, 1, -1])
        start = R.choice([0.0, 1.0, -1.0, 0.5, round(R.uniform(-3, 3), 1)])
        n = R.randint(0, 40) if R.random() < 0.8 else R.randint(40, 300)
        end = start + n * step
        end = R.choice([end, end, end * (1 + 1e-9), end * (1 - 1e-9), end + step * 1e-8, end - step * 1e-8,
                        float(round(end, 6))])
        form = 3
    else:
        step = rnum(isint, -5, 5) if R.random() < 0.6 else R.choice(STEPS)
        if step == 0:
            step = 1 if isint else 1.0
        if isinstance(step, float) and isint:
            isint = False
        start = rnum(isint)
        n = R.randint(0, 30) if R.random() < 0.85 else R.randint(30, 200)
        end = start + n * step
        if not isint and R.random() < 0.5:
            end = end + R.uniform(-abs(step), abs(step)) * 0.5
            if (end - start) * step < 0:
                end = start
        if isint and R.random() < 0.3:
            end += R.randint(-1, 1)
            if (end - start) * step < 0:
                end = start
        if form == 1:
            start, step = (0 if isint else 0.0), (1 if isint else 1.0)
            end = abs(end) if not isint else abs(int(end))
            if isint and R.random() < 0.3:
                end = float(end)
        elif form == 2:
            step = 1 if isinstance(start, int) and isinstance(end, int) else 1.0
            if (end - start) < 0:
                start, end = end, start
    kw = {"form": form}
    if form >= 2:
        kw["start"] = start
    kw["end"] = end
    if form == 3:
        kw["step"] = step
    kw["dtype"] = dt

    def fn(a, kw=kw):
        args = [kw[k] for k in ("start", "end", "step") if k in kw]
        return torch.arange(*args, **({"dtype": kw["dtype"]} if kw["dtype"] is not None else {}))
    return [], kw, fn, {"tol": 0, "dd": dd()}


def exact_zero(a, b, c):
    """a * b + c whose exact value is zero, with IEEE's sign (a Fraction has no -0): the sum of two zeros keeps their
    sign when they share it (linspace(-0.0, -1.0, n)[0] is -0.0: -0.0 + (-1/(n-1)) * 0), else, and for a cancellation
    of nonzero terms, +0.0."""
    return a * b + c if (a == 0 or b == 0) and c == 0 else 0.0


def fma64(a, b, c):
    """a * b + c rounded once to double (GCC contracts the kernel's scalar expressions on FMA builds)."""
    r = Fraction(a) * Fraction(b) + Fraction(c)
    return float(r) if r != 0 else exact_zero(a, b, c)


def fma32(a, b, c):
    """a * b + c rounded once to float32 (the float kernel's contracted expressions), as a Python float."""
    r = Fraction(a) * Fraction(b) + Fraction(c)
    return round32(r) if r != 0 else exact_zero(a, b, c)


def round32(x):
    """The Fraction x rounded once to float32 (nearest, ties to even), as a Python float."""
    f = np.float32(float(x))
    best = None
    for c in (f, np.nextafter(f, np.float32(np.inf)), np.nextafter(f, np.float32(-np.inf))):
        key = (abs(Fraction(float(c)) - x), int(np.array(c, dtype=np.float32).view(np.int32)) & 1)
        if best is None or key < best[0]:
            best = (key, c)
    return float(best[1])


def half_op(x, dt):
    return float(torch.tensor(x, dtype=torch.float32).to(dt))


def linspace_2x(start, end, steps, dt):
    """torch.linspace as 2.x's CPU linspace_kernel computes it (1.13's vectorized passes were removed in 2.x: "Remove
    vectorization implementation, due to the precision issue between integer and double"): every value by the scalar
    formula start + step * idx below steps / 2, end - step * (steps - idx - 1) from there, in step_t (double for an
    integer type, else the type itself: float32 fused, float64 fused, float16 / bfloat16 in c10's Half arithmetic, each
    operation rounded), the ends converted to the type first. Complex types (session 62): step_t is c10::complex<T>,
    whose product by and division by an int64 convert it to T: the real part is T's formula (fused), the imaginary 0."""
    if steps <= 1:
        return torch.linspace(start, end, steps, dtype=dt)
    if dt.is_complex:
        torch.linspace(start, end, 2, dtype=dt)  # the ends' checked conversion to the complex type (its message)
        return linspace_2x(start, end, steps, F32 if dt == C64 else F64).to(dt)
    half = steps // 2
    # the ends converted (checked) to the type: 1.13's two-step linspace is exactly [start, end] in the type
    ends = torch.linspace(start, end, 2, dtype=dt).tolist()
    if dt in INTS:
        s, e = float(ends[0]), float(ends[1])
        st = (e - s) / (steps - 1)
        v = [fma64(st, i, s) if i < half else fma64(-st, steps - i - 1, e) for i in range(steps)]
        return torch.tensor([math.trunc(x) for x in v], dtype=I64).to(dt)
    if dt == F64:
        s, e = ends
        st = (e - s) / (steps - 1)
        return torch.tensor([fma64(st, i, s) if i < half else fma64(-st, steps - i - 1, e) for i in range(steps)],
                            dtype=F64)
    if dt == F32:
        s, e = ends
        st = float(np.float32(np.float32(e) - np.float32(s)) / np.float32(steps - 1))
        v = [fma32(st, i, s) if i < half else fma32(-st, steps - i - 1, e) for i in range(steps)]
        return torch.tensor(v, dtype=F32)
    # float16 / bfloat16: c10's operators compute in float and round each result; step * idx converts idx to the type
    s, e = ends
    f = np.float32

    def h(x):
        return half_op(float(x), dt)
    st = h(f(h(f(e) - f(s))) / f(h(steps - 1)))
    v = [h(f(s) + f(h(f(st) * f(h(i))))) if i < half else h(f(e) - f(h(f(st) * f(h(steps - i - 1)))))
         for i in range(steps)]
    return torch.tensor(v, dtype=F32).to(dt)


@family("linspace", 25)
def _():
    steps = R.choice([0, 1, 2, 3, 4, 5, 7, 8, 10, 11, 16, 17, 31, 32, 33, 64, 65, 100, 101, 257])
    if R.random() < 0.03:
        steps = -R.randint(1, 3)
    isint = R.random() < 0.3
    start = rnum(isint, -10, 10)
    end = rnum(isint, -10, 10) if R.random() < 0.85 else start
    if R.random() < 0.1:
        start, end = R.choice([(-1.0, 1.0), (0.0, 1.0), (-1e30, 1e30), (1e-30, 3e-30), (1e6, 1e6 + 1)])
    dt = None if R.random() < 0.5 else R.choice([F64, F32, F32, F16, BF16, I64, I32, I16, I8, U8, C64, C128])
    if dt in (F16, BF16) and abs(start) > 1e4 or dt in (F16, BF16) and abs(end) > 1e4:
        dt = F32
    if dt in INTS:
        if abs(start) > 100 or abs(end) > 100:
            start, end = float(R.randint(-50, 50)), float(R.randint(-50, 50))
        if dt == U8 and R.random() < 0.8:
            start, end = abs(start), abs(end)
    kw = {"start": start, "end": end, "steps": steps, "dtype": dt}

    def fn(a, kw=kw):
        if kw["steps"] < 0:
            return torch.linspace(kw["start"], kw["end"], kw["steps"])
        return linspace_2x(kw["start"], kw["end"], kw["steps"],
                           kw["dtype"] if kw["dtype"] is not None else torch.get_default_dtype())
    return [], kw, fn, {"tol": 0, "dd": dd()}


@family("logspace", 15)
def _():
    steps = R.choice([0, 1, 2, 3, 4, 5, 7, 8, 10, 17, 33])
    start = rnum(R.random() < 0.3, -5, 5)
    end = rnum(R.random() < 0.3, -5, 5)
    base = R.choice([None, None, 10.0, 2.0, math.e, 0.5, 3.0, -2.0, 1.0])
    dt = None if R.random() < 0.55 else R.choice([F64, F32, I64, I32, U8])
    if dt in (I32, U8, I64):
        start, end = float(R.randint(0, 3)), float(R.randint(0, 3))
        if base is not None and base < 0:
            base = 2.0
    kw = {"start": start, "end": end, "steps": steps, "base": base, "dtype": dt}

    def fn(a, kw=kw):
        o = {}
        if kw["base"] is not None:
            o["base"] = kw["base"]
        if kw["dtype"] is not None:
            o["dtype"] = kw["dtype"]
        return torch.logspace(kw["start"], kw["end"], kw["steps"], **o)
    return [], kw, fn, {"tol": 4, "dd": dd()}


@family("eye", 6)
def _():
    n = R.randint(0, 5) if R.random() < 0.92 else -R.randint(1, 2)
    m = None if R.random() < 0.4 else (R.randint(0, 6) if R.random() < 0.92 else -1)
    dt = None if R.random() < 0.5 else R.choice([F64, F32, I64, I8, U8, B, F16, C64])
    kw = {"n": n, "m": m, "dtype": dt}

    def fn(a, kw=kw):
        args = [kw["n"]] + ([kw["m"]] if kw["m"] is not None else [])
        return torch.eye(*args, **({"dtype": kw["dtype"]} if kw["dtype"] is not None else {}))
    return [], kw, fn, {"tol": 0, "dd": dd()}


def shape_draw(allow_neg=True):
    nd = R.randint(0, 3)
    s = [R.choice([0, 1, 2, 3]) for _ in range(nd)]
    if allow_neg and R.random() < 0.05 and nd > 0:
        s[R.randrange(nd)] = -1
    return s


FILLS = [lambda: R.randint(-5, 5), lambda: R.choice([0.5, -2.75, 1e-3, 3.0, -0.0, 0.1]),
         lambda: R.random() < 0.5, lambda: complex(R.randint(-2, 2), R.choice([0.0, 1.5])),
         lambda: R.choice([300, -129, 2 ** 40, 255, 256, -1, 70000, 2 ** 62]),
         lambda: R.choice([math.inf, -math.inf, math.nan, 1e40, 2.7, -2.7, 65504.0, 70000.0])]


@family("full", 12)
def _():
    shape = shape_draw()
    value = R.choice(FILLS)()
    dt = None if R.random() < 0.45 else R.choice([F64, F32, F16, BF16, I64, I32, I16, I8, U8, B, C64, C128])
    kw = {"shape": shape, "value": value, "dtype": dt}

    def fn(a, kw=kw):
        return torch.full(kw["shape"], kw["value"], **({"dtype": kw["dtype"]} if kw["dtype"] is not None else {}))
    return [], kw, fn, {"tol": 0, "dd": dd()}


def like_base():
    lay = R.choice(["plain", "plain", "t", "exp", "step", "cl"])
    dt = R.choice([F32, F64, I64, I32, U8, B, F16])
    if lay == "cl":
        shape = [R.randint(1, 2), R.randint(1, 3), R.randint(1, 3), R.randint(1, 3)]
    elif lay == "exp":
        shape = [1, R.randint(0, 4)]
    elif lay in ("t", "step"):
        shape = [R.randint(1, 3), R.randint(1, 5)]
    else:
        shape = [R.randint(0, 3) for _ in range(R.randint(0, 3))]
    return anyt(shape, dt), lay


def apply_lay(t, lay):
    if lay == "t":
        return t.t()
    if lay == "exp":
        return t.expand(3, t.shape[1])
    if lay == "step":
        return t[:, ::2]
    if lay == "cl":
        return t.contiguous(memory_format=torch.channels_last)
    return t


@family("fulllike", 18)
def _():
    x, lay = like_base()
    op = R.choice(["full_like", "full_like", "full_like", "zeros_like", "ones_like", "empty_like", "rand_like"])
    dt = None if R.random() < 0.4 else R.choice([F64, F32, F16, I64, I32, I8, U8, B, C64])
    if op == "rand_like" and dt is None and not x.dtype.is_floating_point:
        dt = R.choice([F32, F64, I64])
    kw = {"op": op}
    if op == "full_like":
        kw["value"] = R.choice(FILLS[:3] + FILLS[4:])()  # no complex fill: Ember's fullLike takes none
    kw["dtype"] = dt

    def fn(a, kw=kw):
        o = {"dtype": kw["dtype"]} if kw["dtype"] is not None else {}
        f = getattr(torch, kw["op"])
        return f(a["x"], kw["value"], **o) if kw["op"] == "full_like" else f(a["x"], **o)
    return [("x", x, False, lay)], kw, fn, {"tol": 0, "novalues": op in ("empty_like", "rand_like"), "dd": dd()}


@family("sizes", 8)
def _():
    op = R.choice(["zeros", "ones", "empty"])
    r = R.random()
    if r < 0.3:
        shape = R.choice([[1 << 20, 1 << 20], [1 << 16, 1 << 16, 1 << 10], [1 << 30, 1 << 30, 4],
                          [2147483647, 2147483647, 2147483647], [1 << 20, 1 << 20, 0], [0, 2147483647]])
    elif r < 0.45:
        shape = R.choice([[-1], [2, -1], [0, -3], [-2147483648]])
    else:
        shape = shape_draw(False)
    dt = None if R.random() < 0.5 else R.choice([F64, F32, I64, U8, B, F16, C64])
    kw = {"op": op, "shape": shape, "dtype": dt}

    def fn(a, kw=kw):
        return getattr(torch, kw["op"])(kw["shape"], **({"dtype": kw["dtype"]} if kw["dtype"] is not None else {}))
    return [], kw, fn, {"tol": 0, "novalues": op == "empty", "dd": dd()}


@family("triidx", 10)
def _():
    op = R.choice(["tril_indices", "triu_indices"])
    row = R.randint(0, 6) if R.random() < 0.95 else -1
    col = R.randint(0, 6) if R.random() < 0.95 else -2
    offset = R.randint(-8, 8)
    kw = {"op": op, "row": row, "col": col, "offset": offset}

    def fn(a, kw=kw):
        return getattr(torch, kw["op"])(kw["row"], kw["col"], kw["offset"])
    return [], kw, fn, {"tol": 0}


@family("cartprod", 8)
def _():
    k = R.randint(1, 3)
    dt = R.choice([F64, F64, F32, I64, B])
    args = []
    for i in range(k):
        d = dt if R.random() < 0.9 else R.choice([F32, I64])
        shape = [R.randint(0, 3)] if R.random() < 0.93 else [2, 2]
        t = anyt(shape, d)
        args.append(("t%d" % i, t, d == F64, "plain"))
    kw = {"n": k}

    def fn(a, k=k):
        return torch.cartesian_prod(*[a["t%d" % i] for i in range(k)])
    return args, kw, fn, {"tol": 0}


@family("complex", 10)
def _():
    op = R.choice(["complex", "polar"])
    d1 = R.choice([F64, F64, F32])
    d2 = d1 if R.random() < 0.88 else R.choice([F32, F64, I64, F16])
    if R.random() < 0.04:
        d1 = d2 = I64
    s1 = R.choice([[3], [2, 3], [1], [], [0], [2, 1]])
    s2 = R.choice([s1, s1, [1], [], [3], [2, 3], [4]])
    x = anyt(s1, d1)
    y = anyt(s2, d2)
    if op == "polar" and d1.is_floating_point and R.random() < 0.3:
        x = x.abs()
    names = ("real", "imag") if op == "complex" else ("abs", "angle")
    args = [(names[0], x, d1 == F64, "plain"), (names[1], y, d2 == F64, "plain")]
    kw = {"op": op}

    def fn(a, op=op, names=names):
        return getattr(torch, op)(a[names[0]], a[names[1]])
    return args, kw, fn, {"tol": 0 if op == "complex" else 4}


def elem(kind):
    if kind == "i":
        return R.choice([R.randint(-5, 5), R.randint(-5, 5), R.choice([300, -129, 255, 256, 2 ** 40, -1, 2 ** 62])])
    if kind == "f":
        return R.choice([R.randint(-5, 5) / 4, 0.1, -0.0, 2.7, -2.7, 1e40, math.inf, math.nan, 1e-45, 65504.0,
                         70000.0, round(R.uniform(-3, 3), 3)])
    if kind == "b":
        return R.random() < 0.5
    return complex(R.randint(-2, 2) / 2, R.randint(-2, 2) / 2)


def data_draw():
    kinds = R.choice(["i", "f", "b", "c", "if", "bi", "bf", "fc", "i", "f"])
    nd = R.choice([0, 1, 1, 2, 2, 3])
    if nd == 0:
        return elem(R.choice(kinds))
    shape = [R.randint(0, 3) for _ in range(nd)]
    if R.random() < 0.2:
        shape[0] = max(shape[0], 1)

    def build(d):
        if d == nd:
            return elem(R.choice(kinds))
        return [build(d + 1) for _ in range(shape[d])]
    data = build(0)
    if R.random() < 0.06 and nd >= 2 and shape[0] >= 2 and shape[1] >= 1:
        data[1] = data[1][:-1]  # ragged
    return data


@family("tensor", 24)
def _():
    data = data_draw()
    dt = None if R.random() < 0.55 else R.choice([F64, F32, F16, BF16, I64, I32, I16, I8, U8, B, C64, C128])
    kw = {"data": data, "dtype": dt}

    def fn(a, kw=kw):
        return torch.tensor(kw["data"], **({"dtype": kw["dtype"]} if kw["dtype"] is not None else {}))
    return [], kw, fn, {"tol": 0, "dd": dd()}


@family("strided", 6)
def _():
    nd = R.randint(0, 3)
    size = [R.randint(0, 3) for _ in range(nd)]
    stride = [R.choice([0, 1, 2, 3, 6, 7]) for _ in range(nd)]
    if nd and R.random() < 0.08:
        stride[R.randrange(nd)] = -1
    if nd and R.random() < 0.05:
        stride = stride[:-1]
    dt = None if R.random() < 0.5 else R.choice([F64, I64, U8, F16])
    kw = {"size": size, "stride": stride, "dtype": dt}

    def fn(a, kw=kw):
        return torch.empty_strided(kw["size"], kw["stride"],
                                   **({"dtype": kw["dtype"]} if kw["dtype"] is not None else {}))
    return [], kw, fn, {"tol": 0, "novalues": True, "dd": dd()}


def err_text(e):
    return str(e).split("\n")[0]


def emit(label, name, built):
    args, kw, fn, opt = built
    lines = ["=== %s %s %s" % (label, name, dname(kw.get("dtype")))]
    if opt.get("dd"):
        lines.append("dd float64")
    for n, t, _, lay in args:
        lines.append("a %s %s" % (n, tline(t)))
        if lay != "plain":
            lines.append("lay %s %s" % (n, lay))
    rg = [n for n, t, g, _ in args if g]
    lines.append("rg " + " ".join(rg))
    lines.append("s " + " ".join([name] + ["%s=%s" % (key, pv(val)) for key, val in kw.items()]))
    lines.append("tol %s" % opt.get("tol", 0))
    leaves = {}
    for n, t, g, lay in args:
        t = apply_lay(t.clone(), lay)
        leaves[n] = t.requires_grad_(True) if g else t
    if opt.get("dd"):
        torch.set_default_dtype(F64)
    try:
        y = fn(leaves)
    except Exception as e:  # noqa
        msg = err_text(e)
        lines.append(("err* " if "allocate" in msg else "err ") + msg)
        return lines
    finally:
        torch.set_default_dtype(F32)
    if opt.get("novalues"):
        lines.append("o %s [%s] : v" % (dname(y.dtype), ", ".join(str(s) for s in y.shape)))
    else:
        lines.append("o " + tline(y))
    lines.append("st " + ",".join(str(s) for s in y.stride()))
    lines.append("rq %s %s" % (y.requires_grad, "None" if y.grad_fn is None else type(y.grad_fn).__name__))
    if not rg or not y.requires_grad:
        return lines
    yr = torch.view_as_real(y) if y.is_complex() else y
    g = torch.tensor([R.randint(-8, 8) / 8 for _ in range(yr.numel())], dtype=F64).reshape(yr.shape).to(yr.dtype)
    lines.append("g " + tline(g))
    ins = [leaves[n] for n in rg]
    grads = torch.autograd.grad((yr * g).sum(), ins, allow_unused=True)
    for n, gr in zip(rg, grads):
        lines.append("gx %s %s" % (n, "none" if gr is None else tline(gr)))
    return lines


def fixes():
    """FuzzRound44FixesTest's cases (FUZZ_FIXES=1), one a fix."""
    out = []

    def case(label, name, kw, fn, args=(), opt=None):
        out.extend(emit(label, name, (list(args), kw, lambda a: fn(a, kw), dict({"tol": 0}, **(opt or {})))))

    def lin(a, kw):
        return linspace_2x(kw["start"], kw["end"], kw["steps"], kw["dtype"])
    # integer linspace: 2.x's scalar formula in double, fused, truncated (1.13's vector passes: non-monotone values)
    for k, (st, en, n, dt) in enumerate([(2.0, -8.0, 65, I32), (10.0, 5.0, 65, I64), (-9.0, 38.0, 32, I32),
                                         (7.0, -9.0, 11, I16), (-4.0, 0.0, 100, I32), (9.0, 6.0, 11, I64)]):
        case("fix_linspace_int_%d" % k, "linspace", {"start": st, "end": en, "steps": n, "dtype": dt}, lin)
    # float32 / complex64 linspace: the ends converted checked (Scalar::to<float>, to<c10::complex<float>>; one step
    # is fill_(start), which checks the start only) where Ember stored inf / nan (session 62)
    for k, (st, en, n, dt) in enumerate([(0.0, 1e40, 5, F32), (0.0, 1e40, 5, C64), (-1e40, 0.0, 1, F32),
                                         (1e40, 0.0, 1, C64), (0.0, 1e40, 1, F32), (-1e38, 1e38, 4, C64),
                                         (-1e40, 1e40, 2, F64)]):
        case("fix_linspace_range_%d" % k, "linspace", {"start": st, "end": en, "steps": n, "dtype": dt}, lin)

    def ar(a, kw):
        return torch.arange(kw["start"], kw["end"], kw["step"], dtype=kw["dtype"])
    # float16 / bfloat16 arange: the vector passes' lanes from a base rounded to the type, unfused
    for k, (st, en, sp, dt) in enumerate([(-15.968, 64.532, 0.7, F16), (0.5, 0.15, -0.01, F16),
                                          (1.0, 57.0, 0.7, BF16), (-3.7, 11.3, 0.37, F16), (0.1, 2.3, 0.013, BF16)]):
        case("fix_arange_half_%d" % k, "arange", {"form": 3, "start": st, "end": en, "step": sp, "dtype": dt}, ar)
    # a NaN or zero step is refused first, before a non-finite range
    for k, (st, en, sp) in enumerate([(0.0, 1.0, math.nan), (0.0, math.inf, 0.0), (0.0, math.inf, math.nan)]):
        case("fix_arange_step_%d" % k, "arange", {"form": 3, "start": st, "end": en, "step": sp, "dtype": None}, ar)

    def es(a, kw):
        return torch.empty_strided(kw["size"], kw["stride"])
    # empty_strided: negative strides of a size-1 or an empty tensor's dims stored as set_sizes_and_strides does
    for k, (size, stride) in enumerate([([0, 2, 3], [-1, 3, 2]), ([3, 1], [2, -1]), ([2, 0, 3], [6, 0, -1]),
                                        ([2, 3], [-1, 1]), ([1, 2], [-5, 1])]):
        case("fix_empty_strided_%d" % k, "strided", {"size": size, "stride": stride, "dtype": None}, es,
             opt={"novalues": True})

    def like(a, kw):
        o = {"dtype": kw["dtype"]} if kw["dtype"] is not None else {}
        f = getattr(torch, kw["op"])
        return f(a["x"], kw["value"], **o) if kw["op"] == "full_like" else f(a["x"], **o)
    # the *_like factories keep an empty input's strides (an empty tensor is contiguous, so dense to PyTorch)
    for k, (op, dt) in enumerate([("zeros_like", None), ("ones_like", F16), ("empty_like", I64), ("rand_like", F64)]):
        case("fix_like_empty_%d" % k, "fulllike", {"op": op, "dtype": dt}, like,
             args=[("x", torch.zeros(1, 0), False, "exp")], opt={"novalues": op in ("empty_like", "rand_like")})
    case("fix_like_empty_4", "fulllike", {"op": "full_like", "value": 2.5, "dtype": None}, like,
         args=[("x", torch.zeros(2, 0, dtype=F64), False, "t")])

    def fu(a, kw):
        return torch.full(kw["shape"], kw["value"], dtype=kw["dtype"])
    # full of bool takes any number (a complex one too); a negative size is refused before the value is converted
    for k, (shape, v, dt) in enumerate([([], complex(-2, 1.5), B), ([2], complex(0, 0), B), ([-1], complex(-2, 1.5), B),
                                        ([-1], complex(0, 1), F32), ([3], complex(0, 2), B)]):
        case("fix_full_%d" % k, "full", {"shape": shape, "value": v, "dtype": dt}, fu)
    # ... and a float or int value too (at::empty first: the negative size, then the storage size's overflow, before
    # the value's checked conversion; Ember checked the value first, session 63, seed 6344)
    big = [2147483647, 2147483647, 2147483647]
    for k, (shape, v, dt) in enumerate([([-1], -math.inf, U8), ([2, -3], 1e40, F32), ([-1], 300, I8), ([0, -2], 70000, I16),
                                        (big, 300, U8), (big, 1e40, F32), (big, complex(1, 1), F32),
                                        ([-4], 1e300, F16), ([3, -1], -1, B)]):
        case("fix_full_sizes_%d" % k, "full", {"shape": shape, "value": v, "dtype": dt}, fu)

    def te(a, kw):
        return torch.tensor(kw["data"], dtype=kw["dtype"])
    # torch.tensor of complex numbers into a real type: Python's conversion messages; bool takes them
    for k, (data, dt) in enumerate([([complex(0, 0.5)], U8), (complex(-0.5, -0.5), I32), ([complex(-0.5, -0.5)], F16),
                                    ([complex(1, 0), 2.5], F64), ([complex(0, 0), complex(0, 1), 0.0, 3], B),
                                    (complex(0, 0), B)]):
        case("fix_tensor_complex_%d" % k, "tensor", {"data": data, "dtype": dt}, te)

    # torch.tensor of ragged data into an integer type: recursive_store converts the numbers in order and checks a
    # row's length on entering it, so a number the type cannot hold before the ragged row is refused first (session
    # 62; Ember checked the whole shape first)
    for k, (data, dt) in enumerate([([[-2, -1, -129], [1, -129]], I8), ([[-2, -1, 3], [1, -129]], I8),
                                    ([[1, 2], [3, 300, 4]], U8), ([[1.5, 300.0], [2.0]], I8),
                                    ([[[1, 2], [3, 70000]], [[5, 6]]], I16), ([[0, -1], [2]], U8)]):
        case("fix_tensor_ragged_%d" % k, "tensor", {"data": data, "dtype": dt}, te)

    # torch.tensor of data whose first elements' shape is empty: recursive_store never runs (numel 0), so ragged rows
    # and numbers the type cannot hold are not checked; without dtype= the type is inferred over every element
    # (session 63, seed 6444: Ember checked the rows)
    for k, (data, dt) in enumerate([([[[], [], []], [[], []], [[], [], []]], None), ([[], [1, 2]], None),
                                    ([[], [300]], U8), ([[], [complex(1, 2)]], I32), ([[], [complex(1, 2)]], None),
                                    ([[], [True]], None), ([[], [[1.5]]], F64), ([[], [complex(0, 1)]], B),
                                    ([[1, 2], []], None), ([[[]], [[1], [2]]], I64)]):
        case("fix_tensor_empty_%d" % k, "tensor", {"data": data, "dtype": dt}, te)

    # complex factories of an empty shape whose real view's strides pass the int range: Ember's view_as_real
    # overflowed (session 63, seed 6344; the replay compares a complex result through its real view)
    def sz(a, kw):
        return getattr(torch, kw["op"])(kw["shape"], dtype=kw["dtype"])
    for k, (op, shape, dt) in enumerate([("zeros", [0, 2147483647], C64), ("ones", [2, 0, 2147483647], C128),
                                         ("empty", [0, 2147483647], C64)]):
        case("fix_sizes_complex_%d" % k, "sizes", {"op": op, "shape": shape, "dtype": dt}, sz,
             opt={"novalues": op == "empty"})

    # complex / polar: both inputs floating is checked before their types' match
    for k, (op, d1, d2) in enumerate([("complex", F32, I64), ("complex", F64, I64), ("polar", I64, I64),
                                      ("polar", F64, F32), ("complex", I64, F64)]):
        names = ("real", "imag") if op == "complex" else ("abs", "angle")
        case("fix_complex_%d" % k, "complex", {"op": op},
             lambda a, kw, op=op, names=names: getattr(torch, op)(a[names[0]], a[names[1]]),
             args=[(names[0], anyt([2], d1), False, "plain"), (names[1], anyt([2], d2), False, "plain")])
    return out


def main():
    if os.environ.get("FUZZ_FIXES"):
        print("\n".join(fixes()))
        return
    plan = []
    for n in sorted(FAMILIES):
        plan += [n] * max(1, int(round(FAMILIES[n][1] * 9 * SCALE_N)))
    R.shuffle(plan)
    out = []
    for k, n in enumerate(plan):
        out.extend(emit("r44_%d" % k, n, FAMILIES[n][0]()))
    print("\n".join(out))


main()
