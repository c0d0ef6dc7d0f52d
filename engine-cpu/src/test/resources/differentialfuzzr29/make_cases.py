# Differential fuzz round 29 for DifferentialFuzzR29Test.java: seeded SINGLE CALLS AND SHORT CHAINS OVER torch.fft
# (values and gradients), run in PyTorch with every result recorded; FuzzR29Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr29 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 29, every draw seeded, so a second run writes the same bytes)
#   FUZZ_GRAD32=1 (hunts only): float32 and complex64 bases require grad too (an "rg" line), their gradients compared
#   within the float32 tolerance
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz29.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per section
#
# Round 17 tried the transforms one call each at sizes 1 to 5 with a fixed upstream gradient; this round draws sizes 1
# to 17 (primes, powers of 2 and the rest: the kernels' radix-2, mixed-radix and Bluestein paths), n / s cropping and
# zero-padding, negative, repeated and out-of-range dims, every norm and bad ones, real (float64, float32, int64, int32,
# bool: promoted to the default float32), complex (complex128, complex64) and half inputs (refused), inputs seen through
# transposed, strided, offset, permuted and expanded (stride 0) views, chains of two or three transforms (each step
# takes the previous result, conj views of ihfft included, with conj / real steps between), and a random upstream
# gradient (k/8 values, complex for a complex result) through the whole call or chain.
#
# Sections: t1 (fft/ifft/rfft/irfft/hfft/ihfft), tn (fft2/ifft2/rfft2/irfft2/hfft2/ihfft2 and the n-D ones), chain,
# shift (fftshift/ifftshift), freq (fftfreq/rfftfreq), bad (one refusal drawn from a list: bad norm, n or s with 0 or a
# negative entry, dims out of range or repeated, s longer than the rank, len(s) != len(dim), complex input to a
# real-input transform, a 0-size transformed dim, float16/bfloat16, a c2r over no dims, a 0-dim input), big (1-D
# transforms over lengths 34 to 194 that Ember's kernels run through Bluestein's algorithm (the primes from 89 on and
# twice them) or long mixed-radix plans, n cropping or padding into them), gg (one transform's double backward: the
# gradient made with create_graph=True for an upstream gradient that requires grad, then its backward with v), bad2 (a
# bad case with a second fault added: a bad norm, a float16 input, a dim out of range, n / s of 0; the message says
# which check comes first), empty (a tensor with a 0-size dim that is not transformed: an empty result), func (one
# transform under functorch, torch.func in 2.x: vmap over a batch dim at 0, 1 or -1, or jvp with a random tangent).
#
# Format: "=== r29_<k> <section> <ops joined by +>", then lines by first word:
#   x <tensor>           the input base (r17's tensor lines: "dtype [shape] : values", complex as view_as_real values)
#   view <recipe>        the call sees this view of the base (FuzzCaseRunner.view's steps: transpose, slice, narrow,
#                        permute, expand); absent: the base itself
#   s <op> [k=v ...]     a step: fft ops with n= / s= / dim= / norm= (N: None, E: an empty list, lists "a,b"); conj;
#                        real; fftfreq / rfftfreq with n= d= dtype= (no x line)
#   err <i> <message>    step i (0-based) is refused with PyTorch's message (first line); nothing after it; the base
#                        must be unchanged
#   out <tensor>         the last step's result
#   fn <name>            out's grad_fn (its class name; absent: none)
#   go <tensor>          the upstream gradient (out's shape and dtype) given to out.backward
#   gx <tensor>          the base's gradient (float64 and complex128 bases only; with rg, float32 / complex64 too)
#   rg                   (FUZZ_GRAD32 hunts) the float32 / complex64 base requires grad
#   v <tensor>, ggo <tensor>   (gg) the vector given to gx.backward and the upstream gradient's resulting gradient
#   fx vmap <d> | fx jvp (func) the step under vmap(f, in_dims=d, out_dims=0) of x, or jvp(f, (x,), (t,)), then
#   t <tensor>           (func jvp) the tangent;  out: the result (jvp's primal output), and
#   jv <tensor>          (func jvp) the tangent output
# Compared: dtype and shape exactly; values within tol * max(1, max |expected|) over the tensor (FFT rounding grows with
# the signal's norm, not with each element: an output element near 0 is the difference of large terms): tol 1e-12 for
# float64 / complex128 values and gradients, 1e-5 for float32 / complex64 (promoted integer and bool inputs included).
#
# 1.13 and 2.x (Ember follows 2.x, read in 2.x's aten/src/ATen/native/SpectralOps.cpp and torch/_refs/fft.py):
# - the messages of every refusal drawn here are the same in 1.13 and 2.x (norm_from_string's
#   'Invalid normalization mode: "<norm>"', canonicalize_fft_shape_and_dim_args' texts, maybe_wrap_dim's, fft_r2c's
#   "<name> expects a real input tensor, but got <type>", promote_type_fft's "Unsupported dtype Half", and ihfft2 /
#   ihfftn of a complex input refused by _fft_r2c's TORCH_CHECK(self.is_floating_point()) in both).
# - a 0-dim input: 1.13 wraps its dim as a scalar's; 2.x refuses with maybe_wrap_dim(dim, 0, wrap_scalar=false)'s
#   "Dimension specified as <dim> but tensor has no dimensions" (round 17's header): bad cases with a 0-dim input write
#   2.x's message (zerodim below).
# - a transform of a tensor with a 0-size dim that is not transformed (the empty section) and n / s zero-padding: 1.13's
#   constant_pad_nd refuses it ("The input size 0, plus negative padding 0 and 0 resulted in a negative output size",
#   its check is every padded size > 0); 2.x's aten/src/ATen/native/PadNd.cpp checks >= 0 and pads to an empty tensor,
#   so the transform is empty: written as the same call on the tensor with that dim 1 (its result's grad_fn name, the
#   result narrowed to 0 there).
# - fftn / ifftn over no dims: 1.13 returns uninitialized memory, 2.x a clone of the input promoted to complex (round
#   17): not drawn here (s and dim lists have at least one entry), and fftshift over dim=() is not drawn either.
# - func cases run 1.13's functorch.vmap / functorch.jvp (2.x's torch.func.vmap / jvp: the same batching rules and
#   forward-mode formulas for the _fft_c2c / _fft_r2c / _fft_c2r and roll ops drawn here).
# What PyTorch has and Ember lacks (so not drawn): the out= keyword of every function; fftfreq / rfftfreq's layout,
# requires_grad and pin_memory keywords; the legacy Tensor methods (x.fft(...) were removed in 1.8); torch.fft on
# float16 / complex32 (CUDA only in PyTorch; the CPU refuses, as drawn here).
import math
import os
import random
import warnings

import torch

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "29"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
GRAD32 = os.environ.get("FUZZ_GRAD32") == "1"  # a hunt: float32 / complex64 bases require grad too ("rg" line)
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

F64, F32, C128, C64, I64, I32 = torch.float64, torch.float32, torch.complex128, torch.complex64, torch.int64, torch.int32
FFT1 = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
FFT2 = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"]
FFTN = ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}
C2R = {"irfft", "hfft", "irfft2", "hfft2", "irfftn", "hfftn"}
NORMS = [None, None, "backward", "forward", "ortho"]
SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17]
OUT = []
COUNT = [0]


def n_of(k):
    return max(1, int(round(k * SCALE_N)))


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def dname(t):
    return str(t.dtype).replace("torch.", "")


def tline(t):
    t = t.detach()
    shape = list(t.shape)
    if t.is_complex():
        vals = torch.view_as_real(t.resolve_conj().to(C128)).reshape(-1).tolist()
    else:
        vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        body = " ".join("True" if v else "False" for v in vals)
    elif t.is_floating_point() or t.is_complex():
        body = " ".join(num(v) for v in vals)
    else:
        body = " ".join(str(int(v)) for v in vals)
    return "%s [%s] : %s" % (dname(t), ", ".join(str(s) for s in shape), body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v) if len(v) else "E"
    return str(v)


def err_text(e):
    return str(e).split("\n")[0]


def eighths(n, lo=-16, hi=16):
    return [R.randint(lo, hi) / 8 for _ in range(n)]


def rvals(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    if dtype in (C128, C64):
        re, im = eighths(n), eighths(n)
        return torch.tensor([complex(a, b) for a, b in zip(re, im)], dtype=C128).reshape(shape).to(dtype)
    if dtype == torch.bool:
        return torch.tensor([R.random() < 0.5 for _ in range(n)], dtype=torch.bool).reshape(shape)
    if dtype in (I64, I32):
        return torch.tensor([R.randint(-5, 5) for _ in range(n)], dtype=I64).reshape(shape).to(dtype)
    return torch.tensor(eighths(n), dtype=F64).reshape(shape).to(dtype)


def draw_dtype(real=None):
    k = R.random()
    if real is True:
        return R.choice([F64, F64, F64, F64, F32, F32, I64, I32, torch.bool])
    if real is False:
        return R.choice([C128, C128, C128, C64])
    if k < 0.42:
        return F64
    if k < 0.66:
        return C128
    if k < 0.78:
        return F32
    if k < 0.86:
        return C64
    if k < 0.92:
        return I64
    if k < 0.96:
        return I32
    return torch.bool


def draw_shape(rank, cap=160):
    while True:
        shape = [R.choice(SIZES) if R.random() < 0.8 else R.randint(1, 3) for _ in range(rank)]
        n = 1
        for s in shape:
            n *= s
        if n <= cap:
            return shape


def apply_view(t, recipe):
    if recipe is None:
        return t
    for step in recipe.split(" ; "):
        w = step.split(" ")
        a = [int(x) for x in w[1:]]
        if w[0] == "transpose":
            t = t.transpose(a[0], a[1])
        elif w[0] == "slice":
            t = t[tuple([slice(None)] * a[0] + [slice(a[1], a[2], a[3])])]
        elif w[0] == "narrow":
            t = t.narrow(a[0], a[1], a[2])
        elif w[0] == "permute":
            t = t.permute(*a)
        elif w[0] == "expand":
            t = t.expand(*a)
        else:
            raise ValueError(step)
    return t


def draw_view(shape):
    """(base shape, recipe) whose view has `shape`; recipe None: the base itself."""
    rank = len(shape)
    k = R.random()
    if rank >= 2 and k < 0.15:
        a, b = R.sample(range(rank), 2)
        base = list(shape)
        base[a], base[b] = base[b], base[a]
        return base, "transpose %d %d" % (a, b)
    if rank >= 1 and k < 0.27:
        d = R.randrange(rank)
        base = list(shape)
        base[d] = 2 * shape[d]
        return base, "slice %d 0 %d 2" % (d, 2 * shape[d])
    if rank >= 1 and k < 0.37:
        d = R.randrange(rank)
        base = list(shape)
        base[d] = shape[d] + 2
        return base, "narrow %d 1 %d" % (d, shape[d])
    if rank == 3 and k < 0.45:
        perm = list(range(3))
        while perm == [0, 1, 2]:
            R.shuffle(perm)
        base = [0] * 3
        for i, p in enumerate(perm):
            base[p] = shape[i]
        return base, "permute %s" % " ".join(map(str, perm))
    if rank >= 1 and k < 0.55:
        cands = [d for d in range(rank) if shape[d] > 1]
        if cands:
            base = list(shape)
            for d in R.sample(cands, R.randint(1, min(2, len(cands)))):
                base[d] = 1
            return base, "expand %s" % " ".join(map(str, shape))
    return list(shape), None


class Case:
    def __init__(self, section):
        self.section = section
        self.lines = []
        self.ops = []


def emit(c):
    COUNT[0] += 1
    OUT.append("=== r29_%d %s %s" % (COUNT[0] - 1, c.section, "+".join(c.ops) if c.ops else "-"))
    OUT.extend(c.lines)


def step_line(op, kw):
    return "s %s %s" % (op, " ".join("%s=%s" % (k, pv(v)) for k, v in kw.items())) if kw else "s " + op


def call(op, t, kw):
    if op == "conj":
        return t.conj()
    if op == "real":
        return t.real
    f = getattr(torch.fft, op)
    if op in ("fftshift", "ifftshift"):
        return f(t, **kw) if kw.get("dim") is not None else f(t)
    args = {k: v for k, v in kw.items()}
    if op in FFT2 and args.get("dim", 0) is None:
        del args["dim"]
    return f(t, **args)


def run(c, base, recipe, steps, double=False):
    """steps: [(op, kw)]; the base (float64 / complex128) requires grad; records everything (double: the gradient made
    with create_graph, then the upstream gradient's own gradient through it)."""
    c.lines.append("x " + tline(base))
    if recipe:
        c.lines.append("view " + recipe)
    for op, kw in steps:
        c.ops.append(op)
        c.lines.append(step_line(op, kw))
    grad = base.dtype in (F64, C128) or (GRAD32 and base.dtype in (F32, C64))
    if grad and base.dtype in (F32, C64):
        c.lines.append("rg")
    b = base.clone().requires_grad_(grad)
    t = apply_view(b, recipe)
    for i, (op, kw) in enumerate(steps):
        try:
            t = call(op, t, kw)
        except Exception as e:
            c.lines.append("err %d %s" % (i, err_text(e)))
            emit(c)
            return None
    c.lines.append("out " + tline(t))
    if t.grad_fn is not None:
        c.lines.append("fn " + type(t.grad_fn).__name__)
    if grad and t.requires_grad and t.numel() > 0:
        go = rvals(list(t.shape), C128 if t.is_complex() else F64)
        if double:
            go.requires_grad_(True)
            gx, = torch.autograd.grad([t], [b], [go], create_graph=True)
            v = rvals(list(gx.shape), C128 if gx.is_complex() else F64)
            gx.backward(v)
            c.lines.append("go " + tline(go))
            c.lines.append("gx " + tline(gx))
            c.lines.append("v " + tline(v))
            c.lines.append("ggo " + tline(go.grad))
        else:
            t.backward(go)
            c.lines.append("go " + tline(go))
            c.lines.append("gx " + tline(b.grad))
    emit(c)
    return t


# ------------------------------------------------------------------------------------------------ drawing a call

def draw_n(size):
    k = R.random()
    if k < 0.4:
        return None
    if k < 0.75:
        return max(1, size + R.randint(-4, 5))
    return R.choice(SIZES)


def draw_1d(op, x):
    rank = x.dim()
    dim = R.randrange(-rank, rank) if R.random() < 0.8 else -1
    size = x.shape[dim]
    n = draw_n(size)
    if op in C2R and n is None and size < 2:
        n = R.choice([1, 2, 3, 5])  # 2 * (1 - 1) = 0 points is a refusal, drawn in the bad section
    kw = {"n": n, "dim": dim, "norm": R.choice(NORMS)}
    if R.random() < 0.15:
        del kw["dim"]
        if R.random() < 0.5:
            del kw["n"]
    return kw


def draw_nd(op, x):
    rank = x.dim()
    two = op in FFT2
    k = R.random()
    if two:
        if k < 0.45 or rank < 2:
            dim = None
        else:
            dim = R.sample(range(-rank, rank), 2)
            dim = [d % rank - (rank if R.random() < 0.4 else 0) for d in dim]
            if len(set(d % rank for d in dim)) < 2:
                dim = None
    else:
        if k < 0.3:
            dim = None
        else:
            dim = R.sample(range(rank), R.randint(1, min(rank, 3)))
            dim = [d - rank if R.random() < 0.35 else d for d in dim]
    k = R.random()
    if k < 0.4:
        s = None
    else:
        ln = len(dim) if dim is not None else (2 if two else R.randint(1, rank))
        dims = dim if dim is not None else list(range(rank - ln, rank))
        s = []
        for d in dims:
            sz = x.shape[d]
            s.append(R.choice([-1, max(1, sz + R.randint(-3, 4)), R.choice(SIZES)]) if R.random() < 0.8 else sz)
    if op in C2R:
        last = (dim[-1] if dim is not None else rank - 1)
        if (s is None or s[-1] == -1) and x.shape[last] < 2:
            if s is None:
                ln = len(dim) if dim is not None else (2 if two else rank)
                s = [-1] * ln
            s[-1] = R.choice([1, 2, 3, 4, 7])
    kw = {}
    if s is not None:
        kw["s"] = s
    if dim is not None or (two and R.random() < 0.3 and s is None):
        kw["dim"] = dim
    if not two and dim is None and s is None and rank > 3:
        kw["dim"] = [rank - 1]
    kw["norm"] = R.choice(NORMS)
    return kw


def rank_for(op):
    if op in FFT2:
        return R.choice([2, 2, 2, 3])
    if op in FFTN:
        return R.choice([1, 2, 2, 3, 3])
    return R.choice([1, 1, 2, 2, 3])


def draw_input(op, dtype=None):
    if dtype is None:
        dtype = draw_dtype(True if op in REAL_IN else None)
    shape = draw_shape(rank_for(op), cap=160 if op in FFT1 else 120)
    base_shape, recipe = draw_view(shape)
    base = rvals(base_shape, dtype)
    return base, recipe, apply_view(base, recipe)


def draw_kw(op, x):
    if op in FFT1:
        return draw_1d(op, x)
    if op in ("fftshift", "ifftshift"):
        rank = x.dim()
        k = R.random()
        if k < 0.3:
            return {}
        if k < 0.6:
            return {"dim": [R.randrange(-rank, rank)]}
        return {"dim": R.sample(range(-rank, rank), R.randint(1, rank))} if rank > 1 else {"dim": [0]}
    return draw_nd(op, x)


def t1_case():
    op = R.choice(FFT1)
    base, recipe, x = draw_input(op)
    run(Case("t1"), base, recipe, [(op, draw_kw(op, x))])


def tn_case():
    op = R.choice(FFT2 + FFTN)
    base, recipe, x = draw_input(op)
    run(Case("tn"), base, recipe, [(op, draw_kw(op, x))])


def shift_case():
    op = R.choice(["fftshift", "ifftshift"])
    base, recipe, x = draw_input(op, R.choice([F64, F64, C128, F32, I64]))
    run(Case("shift"), base, recipe, [(op, draw_kw(op, x))])


def chain_case():
    k = R.randint(2, 3)
    op = R.choice(FFT1 + FFT2 + FFTN)
    base, recipe, x = draw_input(op, R.choice([F64, F64, C128, C128, F32, C64]))
    steps = []
    t = x
    for i in range(k):
        if i > 0:
            if R.random() < 0.15:
                op = R.choice(["fftshift", "ifftshift"])
            elif R.random() < 0.12 and t.is_complex():
                op = R.choice(["conj", "real"])
            else:
                pool = FFT1 + FFT2 + FFTN
                if R.random() < 0.9:
                    pool = [o for o in pool if (o not in REAL_IN or not t.is_complex())
                            and (o not in FFT2 or t.dim() >= 2)]
                op = R.choice(pool)
        kw = {} if op in ("conj", "real") else draw_kw(op, t)
        steps.append((op, kw))
        try:
            t = call(op, t, kw)
        except Exception:
            break
        if t.numel() > 400:
            break
    run(Case("chain"), base, recipe, steps)


def freq_case():
    op = R.choice(["fftfreq", "rfftfreq"])
    n = R.choice([1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17])
    d = R.choice([1.0, 0.1, 2.5, 0.3, 1 / 3, 1e-3])
    dt = R.choice([F64, F32, None])
    c = Case("freq")
    kw = {"n": n, "d": d, "dtype": dname(torch.empty(0, dtype=dt)) if dt else None}
    c.ops.append(op)
    c.lines.append(step_line(op, kw))
    out = getattr(torch.fft, op)(n, d, dtype=dt) if dt else getattr(torch.fft, op)(n, d)
    c.lines.append("out " + tline(out))
    emit(c)


BAD = ["norm", "n0", "nneg", "dim_out", "dims_rep", "s_long", "s_len", "s0", "complex_real", "size0", "half", "c2r_none",
       "zerodim", "shift_dim", "c2r_n1"]


def zerodim_2x(op, base, kw):
    """2.x's refusal of a 0-dim input (1.13 wraps its dims as a scalar's, see the header), in 2.x's order of checks:
    fft_r2c's and fft_rfftn_impl's complex-input check first, then the dims wrapped with wrap_scalar=false
    (maybe_wrap_dim's "Dimension specified as <dim> but tensor has no dimensions"), then the c2r / ihfftn / rfftn
    check that at least one axis is transformed."""
    if base.is_complex() and op in ("rfft", "ihfft"):
        return "%s expects a real input tensor, but got %s" % (op, "ComplexDouble")
    if base.is_complex() and op in ("rfft2", "rfftn"):
        return "rfftn expects a real-valued input tensor, but got ComplexDouble"
    if op in FFT1:
        dims = [kw.get("dim", -1)]
    elif op in FFT2:
        dims = kw.get("dim") or [-2, -1]
    else:
        dims = kw.get("dim") or []
    if dims:
        return "Dimension specified as %d but tensor has no dimensions" % dims[0]
    name = {"ihfft2": "ihfftn", "irfft2": "irfftn", "hfft2": "hfftn"}.get(op, op)
    return "%s must transform at least one axis" % name


def finish(c, base, recipe, op, kw, second):
    """Runs a bad case; second: a second fault added first (the order of PyTorch's checks decides the message): a bad
    norm, a float16 input, a dim out of range, or n / s of 0."""
    if second and op not in ("fftshift", "ifftshift"):
        kind = R.choice(["norm", "half", "dim", "n0"])
        kw = dict(kw)
        if kind == "norm":
            kw["norm"] = "bad"
        elif kind == "half" and not base.is_complex():
            base = base.to(torch.float16)
        elif kind == "dim" and base.dim() > 0:
            rank = apply_view(base, recipe).dim()
            if op in FFT1:
                kw["dim"] = rank + 1
            else:
                dims = list(kw.get("dim") or ([-2, -1] if op in FFT2 else [0]))
                dims[-1] = -rank - 2
                kw["dim"] = dims
        elif kind == "n0":
            if op in FFT1:
                kw["n"] = 0
            else:
                ln = len(kw["dim"]) if kw.get("dim") is not None else len(kw["s"]) if kw.get("s") else 1
                kw["s"] = [0] * max(1, ln)
    run(c, base, recipe, [(op, kw)])


def bad_case(second=False):
    kind = R.choice(BAD)
    op = R.choice(FFT1 + FFT2 + FFTN)
    c = Case("bad2" if second else "bad")
    if kind == "half":
        base, recipe, x = draw_input(op, R.choice([torch.float16, torch.bfloat16]))
        finish(c, base, recipe, op, draw_kw(op, x), second)
        return
    if kind == "complex_real":
        op = R.choice(sorted(REAL_IN))
        base, recipe, x = draw_input(op, R.choice([C128, C64]))
        finish(c, base, recipe, op, draw_kw(op, x), second)
        return
    if kind == "zerodim":
        base = rvals([], R.choice([F64, C128]))
        kw = {} if op in FFT1 or R.random() < 0.5 else {"dim": [R.choice([0, -1])]}
        if op in ("fftn", "ifftn") and not kw:
            kw = {"dim": [0]}  # no dims to transform: 2.x's clone, not drawn (see the header)
        c.lines.append("x " + tline(base))
        c.ops.append(op)
        c.lines.append(step_line(op, kw))
        c.lines.append("err 0 " + zerodim_2x(op, base, kw))
        emit(c)
        return
    if kind == "size0":
        shape = draw_shape(R.choice([1, 2, 3]), 60)
        d = R.randrange(len(shape))
        shape[d] = 0
        base = rvals(shape, R.choice([F64, C128, F32]))
        if op in FFT1:
            kw = {"dim": d - len(shape) if R.random() < 0.5 else d}
        elif op in FFT2 and len(shape) >= 2:
            other = (d + 1) % len(shape)
            kw = {"dim": [d, other] if R.random() < 0.5 else [other, d]}
        elif op in FFT2:
            op = "fftn"
            kw = {"dim": [d]}
        else:
            kw = {} if R.random() < 0.5 else {"dim": [d]}
        if op in REAL_IN and base.is_complex():
            base = base.real.clone()
        finish(c, base, None, op, kw, second)
        return
    if kind == "shift_dim":
        op = R.choice(["fftshift", "ifftshift"])
        base, recipe, x = draw_input(op, F64)
        rank = x.dim()
        finish(c, base, recipe, op, {"dim": [R.choice([rank, rank + 1, -rank - 1])]}, second)
        return
    base, recipe, x = draw_input(op, R.choice([F64, C128, F32]) if op not in REAL_IN else R.choice([F64, F32]))
    kw = draw_kw(op, x)
    rank = x.dim()
    if kind == "norm":
        kw["norm"] = R.choice(["bad", "Forward", "BACKWARD", "", "orthogonal"])
    elif kind in ("n0", "nneg", "c2r_n1"):
        if op in FFT1:
            kw["n"] = 0 if kind == "n0" else R.choice([-1, -3]) if kind == "nneg" else 1
            if kind == "c2r_n1":
                op = R.choice(["irfft", "hfft"])
                kw = {"n": None, "dim": -1}
                base = rvals([R.randint(1, 4), 1], C128)
                recipe = None
        else:
            ln = len(kw["dim"]) if kw.get("dim") is not None else (2 if op in FFT2 else rank)
            s = [-1] * ln
            s[R.randrange(ln)] = 0 if kind == "n0" else R.choice([-2, -3])
            kw["s"] = s
    elif kind == "dim_out":
        bad = R.choice([rank, rank + 2, -rank - 1])
        if op in FFT1:
            kw["dim"] = bad
        else:
            dims = kw.get("dim") or ([-2, -1] if op in FFT2 else [0])
            dims = list(dims)
            dims[R.randrange(len(dims))] = bad
            kw["dim"] = dims
            kw.pop("s", None)
    elif kind == "dims_rep":
        if op in FFT1:
            op = R.choice(FFT2 + FFTN)
        d = R.randrange(rank)
        kw = {"dim": [d, d - rank if R.random() < 0.6 else d], "norm": kw.get("norm")}
    elif kind == "s_long":
        if op in FFT1:
            op = R.choice(FFTN)
        kw = {"s": [R.choice(SIZES) for _ in range(rank + 1)], "norm": kw.get("norm")}
    elif kind == "s_len":
        if op in FFT1:
            op = R.choice(FFTN)
        d = list(range(rank))
        kw = {"s": [3] * (len(d) + 1 if R.random() < 0.5 or len(d) == 1 else len(d) - 1), "dim": d,
              "norm": kw.get("norm")}
    elif kind == "s0":
        if op in FFT1:
            op = R.choice(FFTN)
        kw = {"s": [0] + [-1] * (rank - 1), "norm": kw.get("norm")}
    elif kind == "c2r_none":
        op = R.choice(["irfftn", "hfftn", "ihfftn"])
        if op == "ihfftn" and base.is_complex():
            base = base.real.clone()
        kw = {"dim": [], "norm": kw.get("norm")}
    finish(c, base, recipe, op, kw, second)


BIG = [89, 97, 101, 113, 127, 178, 194, 96, 100, 120, 121, 128, 34, 38, 46, 49, 77]


def big_case():
    """A 1-D transform over a length that goes through Bluestein's algorithm in Ember's kernels (89 and up, the primes
    and twice them) or a long mixed-radix one, over a batch of 1 to 3, n cropping or padding into such a length."""
    op = R.choice(FFT1)
    dtype = R.choice([F64, F64, F32]) if op in REAL_IN else R.choice([F64, C128, C128, C64])
    m = R.choice(BIG)
    if op in C2R:
        m = m // 2 + 1
    shape = [m] if R.random() < 0.5 else [R.randint(2, 3), m]
    base_shape, recipe = draw_view(shape)
    base = rvals(base_shape, dtype)
    k = R.random()
    n = None if k < 0.5 else R.choice(BIG)
    run(Case("big"), base, recipe, [(op, {"n": n, "dim": -1, "norm": R.choice(NORMS)})])


def gg_case():
    """One transform of a float64 / complex128 input; the gradient made with create_graph=True for an upstream gradient
    that requires grad, then that gradient's backward with a random v: the upstream gradient's gradient (the transform's
    double backward)."""
    op = R.choice(FFT1 + FFT2 + FFTN + ["fftshift", "ifftshift"])
    base, recipe, x = draw_input(op, F64 if op in REAL_IN or R.random() < 0.5 else C128)
    run(Case("gg"), base, recipe, [(op, draw_kw(op, x))], double=True)


def transformed(op, kw, rank):
    """The dims op transforms over a tensor of `rank` dims (wrapped)."""
    if op in FFT1:
        return {kw.get("dim", -1) % rank}
    dims = kw.get("dim")
    if dims is None:
        if op in FFT2:
            dims = [-2, -1]
        elif kw.get("s") is not None:
            dims = list(range(rank - len(kw["s"]), rank))
        else:
            dims = list(range(rank))
    return {d % rank for d in dims}


def empty_case():
    """A transform of a tensor with a 0-size dim that is not transformed (an empty batch), n / s padding or cropping
    the transformed ones: an empty result of the transform's shape and dtype (2.x's, see the header)."""
    op = R.choice(FFT1 + FFT2 + FFTN)
    dtype = R.choice([F64, F32]) if op in REAL_IN else R.choice([F64, C128, F32, C64])
    shape = draw_shape(R.choice([2, 3]), 60)
    x = rvals(shape, dtype)
    kw = draw_kw(op, x)
    rank = len(shape)
    free = [d for d in range(rank) if d not in transformed(op, kw, rank)]
    if free:
        z = R.choice(free)
    else:
        # every dim transformed: a 0-size dim put in front, the transformed dims named explicitly
        dims = sorted(transformed(op, kw, rank)) if op not in FFT1 else None
        if op in FFT1:
            kw["dim"] = kw.get("dim", -1) % rank + 1
        else:
            if kw.get("dim") is not None:
                dims = [d % rank for d in kw["dim"]]
            kw["dim"] = [d + 1 for d in dims]
        shape = [1] + shape
        z = 0
    shape[z] = 0
    base = rvals(shape, dtype)
    c = Case("empty")
    run(c, base, None, [(op, kw)])
    if OUT[-1].startswith("err 0 The input size 0, plus negative padding"):
        # 1.13's constant_pad_nd refuses to pad a tensor with a 0-size dim (its check: every padded size > 0); 2.x's
        # checks >= 0 (aten/src/ATen/native/PadNd.cpp), so the zero-padded input and the transform are empty: the
        # expected result is the transform of the same call on the tensor with that dim 1, narrowed to 0 there
        del OUT[-(len(c.lines) + 1):]
        COUNT[0] -= 1
        one = list(shape)
        one[z] = 1
        src = rvals(one, dtype).requires_grad_(dtype in (F64, C128) or (GRAD32 and dtype in (F32, C64)))
        full = call(op, src, kw)
        c.lines = [l for l in c.lines if not l.startswith("err ")] + ["out " + tline(full.narrow(z, 0, 0))]
        if full.grad_fn is not None:
            c.lines.append("fn " + type(full.grad_fn).__name__)
        emit(c)


def func_case():
    """One transform under functorch (torch.func in 2.x): vmap over a batch dim of the input (in_dims 0, 1 or -1,
    out_dims 0), or jvp with a random tangent (no autograd: the base does not require grad)."""
    from functorch import jvp, vmap
    op = R.choice(FFT1 + FFT2 + FFTN + ["fftshift", "ifftshift"])
    dtype = F64 if op in REAL_IN or R.random() < 0.5 else C128
    base, recipe, x = draw_input(op, dtype)
    x = x.contiguous()
    kw = draw_kw(op, x)
    c = Case("func")
    c.ops.append(op)
    if R.random() < 0.5:
        bdim = R.choice([0, 1, -1]) if x.dim() >= 1 else 0
        batch = R.randint(1, 3)
        shape = list(x.shape)
        shape.insert(bdim if bdim >= 0 else len(shape) + 1 + bdim, batch)
        xb = rvals(shape, dtype)
        c.lines += ["x " + tline(xb), "fx vmap %d" % bdim, step_line(op, kw)]
        try:
            out = vmap(lambda t: call(op, t, kw), in_dims=bdim, out_dims=0)(xb)
        except Exception as e:
            c.lines.append("err 0 " + err_text(e))
            emit(c)
            return
        c.lines.append("out " + tline(out))
    else:
        t = rvals(list(x.shape), dtype)
        c.lines += ["x " + tline(x), "fx jvp", "t " + tline(t), step_line(op, kw)]
        try:
            out, jv = jvp(lambda a: call(op, a, kw), (x,), (t,))
        except Exception as e:
            c.lines.append("err 0 " + err_text(e))
            emit(c)
            return
        c.lines += ["out " + tline(out), "jv " + tline(jv)]
    emit(c)


def main():
    for _ in range(n_of(120)):
        t1_case()
    for _ in range(n_of(110)):
        tn_case()
    for _ in range(n_of(70)):
        chain_case()
    for _ in range(n_of(25)):
        shift_case()
    for _ in range(n_of(15)):
        freq_case()
    for _ in range(n_of(60)):
        bad_case()
    for _ in range(n_of(24)):
        big_case()
    for _ in range(n_of(30)):
        gg_case()
    for _ in range(n_of(40)):
        bad_case(True)
    for _ in range(n_of(20)):
        empty_case()
    for _ in range(n_of(30)):
        func_case()
    print("\n".join(OUT))


if __name__ == "__main__":
    main()
