# Differential fuzz round 36 for DifferentialFuzzR36Test.java: seeded single calls on inputs of EVERY LAYOUT, with the
# RESULT'S LAYOUT compared (strides, is_contiguous for the contiguous and the channels-last formats) besides its values,
# and the layout of each leaf's .grad (PyTorch's grad layout contract); FuzzR36Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr36 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 36, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound36FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz36.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per op
#
# Rounds 1-35 drew non-contiguous inputs now and then; none compared the layout a user observes. Each input here is a
# contiguous base tensor (its values on the line) taken through a view recipe: transpose, permute, a stepped slice
# (x[:, ::2]), expand (zero strides), narrow (a storage offset), channels_last / channels_last_3d, unfold (overlapping
# when step < size), diagonal, as_strided (overlapping, read only) or nothing (contiguous). The ops: elementwise unary
# and binary (broadcasting between different layouts, type promotion), in-place add_ / mul_ on a view (the base's
# values afterwards too; an overlapping self is refused), the *_like factories (layout only for empty_like /
# rand_like), clone (preserve / contiguous / channels_last), contiguous, to(dtype), reductions over a dim with keepdim,
# softmax / log_softmax, matmul / bmm / linear on transposed operands, conv2d / max_pool2d / avg_pool2d / batch_norm /
# layer_norm / group_norm on channels-last and other layouts, the losses (mse, l1, smooth_l1, huber, bce,
# cross_entropy) on non-contiguous input AND target, cat / stack of mixed layouts, index_select / gather / scatter on a
# non-contiguous self and index; appended last (the cases before them byte-identical to the first version's): in-place
# add_ / mul_ / sub_ on an int64 self of every layout with a float32 / float64 / int64 other (PyTorch's "result type
# Float can't be cast to the desired output type Long", an overlapping self's overlap refusal first), and stack
# (mostly at dim 0) of 4-D channels-last and 5-D channels_last_3d inputs. float64 cases take the backward of sum(out * g) (g contiguous) from a leaf made as
# x = view.detach().requires_grad_() (a non-contiguous leaf), and compare the gradient's values and layout.
#
# Comparison: values within FuzzR31Interpreter.compare's tolerance (1e-12 float64, 1e-5 float32; integers exactly);
# shape, dtype, the strides (every dim), is_contiguous(), and for 4-D / 5-D results is_contiguous(channels_last /
# channels_last_3d); the same for each gradient. empty_like / rand_like: layout, shape and dtype only.
#
# Format: "=== r36_<k> <op> <dtype>", then lines by first word:
#   v <name> <recipe> | <tensor>   an input: the base tensor (r17's line "dtype [shape] : values") through the recipe,
#                                  steps separated by ";": tr d0,d1 | perm p.. | sl d,start,end,step | ex sizes.. |
#                                  nw d,start,len | cl | cl3 | uf d,size,step | dg off,d1,d2 | as sizes/strides/off |
#                                  "-" none
#   rg <names>          the inputs made leaves that require grad (x = view.detach().requires_grad_())
#   s <op> [k=v ...]    the call
#   err <message>       PyTorch refuses with this (first line); the inputs must be unchanged
#   o <tensor>          the result's values
#   lay <strides> <c> <cl>   the result's strides (comma list, "E" for none), is_contiguous(), is_contiguous in the
#                       channels-last format of its rank ("-" below 4-D or above 5-D)
#   base <name> <tensor> an in-place call's input base after the call (the view wrote through)
#   g <tensor>          the upstream gradient
#   gx <name> <tensor>  the gradient of the leaf <name>
#   gl <name> <strides> <c> <cl>   that gradient's layout
import math
import os
import random
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "36"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

F64, F32, I64 = torch.float64, torch.float32, torch.int64
OUT = []
COUNT = [0]


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def dname(t):
    return str(t if isinstance(t, torch.dtype) else t.dtype).replace("torch.", "")


def tline(t):
    t = t.detach()
    shape = list(t.shape)
    if t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    elif t.dtype == torch.bool:
        body = " ".join("1" if v else "0" for v in t.reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t), ", ".join(str(s) for s in shape), body)


def layout(t):
    st = ",".join(str(s) for s in t.stride()) or "E"
    c = "True" if t.is_contiguous() else "False"
    if t.dim() == 4:
        cl = "True" if t.is_contiguous(memory_format=torch.channels_last) else "False"
    elif t.dim() == 5:
        cl = "True" if t.is_contiguous(memory_format=torch.channels_last_3d) else "False"
    else:
        cl = "-"
    return "%s %s %s" % (st, c, cl)


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def vals(n, lo=-3.0, hi=3.0):
    return [round(R.uniform(lo, hi) * 8) / 8 for _ in range(n)]


def base_tensor(shape, dtype, lo=-3.0, hi=3.0):
    if dtype == I64:
        return torch.tensor([R.randint(-4, 4) for _ in range(numel(shape))], dtype=I64).reshape(shape)
    return torch.tensor(vals(numel(shape), lo, hi), dtype=F64).reshape(shape).to(dtype)


def ints(v):
    return ",".join(str(x) for x in v)


def apply_recipe(b, recipe):
    x = b
    if recipe == "-":
        return x
    for step in recipe.split(";"):
        w = step.split(" ")
        a = [int(v) for v in w[1].split(",")] if len(w) > 1 and "/" not in w[1] else None
        if w[0] == "tr":
            x = x.transpose(a[0], a[1])
        elif w[0] == "perm":
            x = x.permute(*a)
        elif w[0] == "sl":
            idx = [slice(None)] * x.dim()
            idx[a[0]] = slice(a[1], a[2], a[3])
            x = x[tuple(idx)]
        elif w[0] == "ex":
            x = x.expand(*a)
        elif w[0] == "nw":
            x = x.narrow(a[0], a[1], a[2])
        elif w[0] == "cl":
            x = x.contiguous(memory_format=torch.channels_last)
        elif w[0] == "cl3":
            x = x.contiguous(memory_format=torch.channels_last_3d)
        elif w[0] == "uf":
            x = x.unfold(a[0], a[1], a[2])
        elif w[0] == "dg":
            x = x.diagonal(a[0], a[1], a[2])
        elif w[0] == "as":
            p = w[1].split("/")
            x = x.as_strided([int(v) for v in p[0].split(",") if v], [int(v) for v in p[1].split(",") if v],
                             int(p[2]))
        else:
            raise ValueError(step)
    return x


def make_view(shape, dtype, kinds=None, lo=-3.0, hi=3.0, overlap=True):
    """(base, recipe) whose view has the shape `shape`, in a layout drawn from `kinds`."""
    r = len(shape)
    opts = ["-", "tr", "perm", "sl", "ex", "nw", "uf", "dg"] + (["as"] if overlap else [])
    if r == 4:
        opts += ["cl", "cl", "cl"]
    if r == 5:
        opts += ["cl3", "cl3"]
    if kinds is not None:
        opts = [k for k in kinds if k in opts] or ["-"]
    k = R.choice(opts)
    s = list(shape)
    if k == "tr" and r >= 2:
        d0, d1 = sorted(R.sample(range(r), 2))
        b = list(s)
        b[d0], b[d1] = b[d1], b[d0]
        return base_tensor(b, dtype, lo, hi), "tr %d,%d" % (d0, d1)
    if k == "perm" and r >= 2:
        p = list(range(r))
        while p == list(range(r)):
            R.shuffle(p)
        b = [0] * r
        for i in range(r):
            b[p[i]] = s[i]
        return base_tensor(b, dtype, lo, hi), "perm " + ints(p)
    if k == "sl" and r >= 1:
        d = R.randrange(r)
        b = list(s)
        b[d] = s[d] * 2 + R.randint(0, 1)
        return base_tensor(b, dtype, lo, hi), "sl %d,%d,%d,2" % (d, b[d] - 2 * s[d], b[d])
    if k == "ex" and r >= 1:
        b = [1 if R.random() < 0.5 else v for v in s]
        if b == s:
            b[R.randrange(r)] = 1
        if R.random() < 0.3 and r >= 2:
            return base_tensor(b[1:], dtype, lo, hi), "ex " + ints(s)
        return base_tensor(b, dtype, lo, hi), "ex " + ints(s)
    if k == "nw" and r >= 1:
        d = R.randrange(r)
        b = list(s)
        st = R.randint(1, 2)
        b[d] = s[d] + st + R.randint(0, 1)
        return base_tensor(b, dtype, lo, hi), "nw %d,%d,%d" % (d, st, s[d])
    if k == "uf" and r >= 2:
        d = R.randrange(r - 1)
        size = s[-1]
        step = R.randint(1, 2)
        b = list(s[:-1])
        b[d] = (s[d] - 1) * step + size
        return base_tensor(b, dtype, lo, hi), "uf %d,%d,%d" % (d, size, step)
    if k == "dg" and r >= 1:
        n = s[-1]
        b = [n, n + (1 if R.random() < 0.3 else 0)] + list(s[:-1])
        return base_tensor(b, dtype, lo, hi), "dg 0,0,1"
    if k == "as":
        st = [R.randint(0, 3) for _ in s]
        off = R.randint(0, 2)
        n = off + sum((v - 1) * t for v, t in zip(s, st)) + 1
        return base_tensor([n], dtype, lo, hi), "as %s/%s/%d" % (ints(s), ints(st), off)
    if k == "cl":
        return base_tensor(s, dtype, lo, hi), "cl"
    if k == "cl3":
        return base_tensor(s, dtype, lo, hi), "cl3"
    return base_tensor(s, dtype, lo, hi), "-"


def nonoverlap(recipe):
    return not any(recipe.startswith(k) or (";" + k) in recipe for k in ("ex", "as", "uf"))


class Case:
    def __init__(self, op, dtype):
        self.lines = ["=== r36_%d %s %s" % (COUNT[0], op, dname(dtype) if isinstance(dtype, torch.dtype) else dtype)]
        COUNT[0] += 1
        self.inputs = {}
        self.bases = {}

    def inp(self, name, shape, dtype, kinds=None, lo=-3.0, hi=3.0, overlap=True, base=None):
        if base is None:
            b, rec = make_view(shape, dtype, kinds, lo, hi, overlap)
        else:
            b, rec = base
        self.lines.append("v %s %s | %s" % (name, rec, tline(b)))
        self.bases[name] = b
        self.inputs[name] = apply_recipe(b, rec)
        return self.inputs[name]


def leafs(case, names):
    out = {}
    for n in names:
        out[n] = case.inputs[n].detach().requires_grad_()
    case.lines.append("rg " + " ".join(names))
    return out


def emit(case, step, fn, grad_names=()):
    """Runs fn(inputs) -> tensor; records the result, its layout and the gradients of grad_names."""
    case.lines.append("s " + step)
    args = dict(case.inputs)
    if grad_names:
        args.update(leafs(case, grad_names))
    before = {k: v.clone() for k, v in case.bases.items()}
    try:
        out = fn(args)
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        for k in case.bases:
            if not torch.equal(case.bases[k], before[k]):
                return
        case.lines.append("err " + str(e).split("\n")[0])
        OUT.append("\n".join(case.lines))
        return
    if step.startswith("empty_like") or step.startswith("rand_like"):
        case.lines.append("o %s [%s] : ?" % (dname(out), ", ".join(str(v) for v in out.shape)))
    else:
        case.lines.append("o " + tline(out))
    case.lines.append("lay " + layout(out))
    if "_ " in step or step.endswith("_"):
        for k in case.bases:
            case.lines.append("base %s %s" % (k, tline(case.bases[k])))
    if grad_names and out.requires_grad and out.is_floating_point():
        g = torch.tensor(vals(out.numel(), -1, 1), dtype=out.dtype).reshape(out.shape)
        try:
            (out * g).sum().backward()
        except RuntimeError:
            # 1.13's slow_conv2d backward refuses some weight layouts ("slow_conv2d: grad_weight must be
            # contiguous", a hunt's seed 36x); no gradient to compare there
            OUT.append("\n".join(case.lines))
            return
        case.lines.append("g " + tline(g))
        for n in grad_names:
            gr = args[n].grad
            if gr is None:
                case.lines.append("gx %s none" % n)
            else:
                case.lines.append("gx %s %s" % (n, tline(gr)))
                case.lines.append("gl %s %s" % (n, layout(gr)))
    OUT.append("\n".join(case.lines))


def rshape(rank, lo=1, hi=4):
    return [R.randint(lo, hi) for _ in range(rank)]


def bshape(s):
    """a shape broadcastable against s (some dims 1, maybe fewer dims)."""
    t = [1 if R.random() < 0.3 else v for v in s]
    if R.random() < 0.3 and len(t) >= 2:
        t = t[1:]
    return t


UNARY = ["exp", "neg", "abs", "sigmoid", "tanh", "relu", "sin", "mul_s", "add_i", "pow2", "gelu"]


def unary_fn(name):
    return {"exp": torch.exp, "neg": torch.neg, "abs": torch.abs, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
            "relu": torch.relu, "sin": torch.sin, "mul_s": lambda x: x * 1.5, "add_i": lambda x: x + 2,
            "pow2": lambda x: x.pow(2), "gelu": F.gelu}[name]


def gen_unary():
    dt = R.choice([F32, F64, F64])
    c = Case("unary", dt)
    op = R.choice(UNARY)
    c.inp("x", rshape(R.randint(1, 5)), dt)
    emit(c, op, lambda a: unary_fn(op)(a["x"]), ["x"] if dt == F64 else ())


BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "maximum": torch.maximum,
          "atan2": torch.atan2}


def gen_binary():
    r = R.randint(1, 5)
    s = rshape(r)
    da = R.choice([F32, F64, F64, I64])
    db = R.choice([da, da, F32, F64, I64])
    if da == I64 and db == I64:
        db = F64
    op = R.choice(list(BINARY))
    if op == "atan2" and (da == I64 or db == I64):
        op = "add"
    c = Case("binary", "%s_%s" % (dname(da), dname(db)))
    sa, sb = (s, bshape(s)) if R.random() < 0.5 else (bshape(s), s)
    if R.random() < 0.5:
        sa = sb = s
    c.inp("a", sa, da)
    c.inp("b", sb, db, lo=0.5, hi=3.0)
    names = [n for n, d in (("a", da), ("b", db)) if d == F64]
    emit(c, op, lambda a: BINARY[op](a["a"], a["b"]), names)


def gen_inplace():
    s = rshape(R.randint(1, 4))
    dt = R.choice([F32, F64])
    c = Case("inplace", dt)
    c.inp("x", s, dt)
    c.inp("y", bshape(s), R.choice([dt, F32, I64]))
    op = R.choice(["add_", "mul_", "sub_"])
    emit(c, op, lambda a: getattr(a["x"], op)(a["y"]))


def gen_like():
    dt = R.choice([F32, F64, I64])
    c = Case("like", dt)
    r = R.choice([1, 2, 3, 4, 4, 5])
    c.inp("x", rshape(r), dt)
    op = R.choice(["empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "clone", "clone_contig",
                   "clone_cl", "contiguous", "to_f64", "to_f32", "to_i64"])
    if op == "rand_like" and dt == I64:
        op = "zeros_like"
    if op == "clone_cl" and r != 4:
        op = "clone"
    fns = {"empty_like": torch.empty_like, "zeros_like": torch.zeros_like, "ones_like": torch.ones_like,
           "full_like": lambda x: torch.full_like(x, 7), "rand_like": torch.rand_like, "clone": torch.clone,
           "clone_contig": lambda x: x.clone(memory_format=torch.contiguous_format),
           "clone_cl": lambda x: x.clone(memory_format=torch.channels_last), "contiguous": lambda x: x.contiguous(),
           "to_f64": lambda x: x.to(F64), "to_f32": lambda x: x.to(F32), "to_i64": lambda x: x.to(I64)}
    grad = dt == F64 and op in ("clone", "clone_contig", "clone_cl", "contiguous", "to_f32")
    emit(c, op, lambda a: fns[op](a["x"]), ["x"] if grad else ())


def gen_reduce():
    dt = R.choice([F32, F64, F64])
    r = R.randint(1, 5)
    c = Case("reduce", dt)
    c.inp("x", rshape(r), dt)
    d = R.randrange(-r, r)
    kd = R.random() < 0.5
    op = R.choice(["sum", "mean", "amax", "softmax", "log_softmax", "cumsum", "var", "prod"])
    fns = {"sum": lambda x: x.sum(d, keepdim=kd), "mean": lambda x: x.mean(d, keepdim=kd),
           "amax": lambda x: x.amax(d, keepdim=kd), "softmax": lambda x: x.softmax(d),
           "log_softmax": lambda x: x.log_softmax(d), "cumsum": lambda x: x.cumsum(d),
           "var": lambda x: x.var(d, keepdim=kd), "prod": lambda x: x.prod(d, keepdim=kd)}
    emit(c, "%s dim=%d keepdim=%s" % (op, d, kd), lambda a: fns[op](a["x"]), ["x"] if dt == F64 else ())


def gen_matmul():
    dt = R.choice([F32, F64])
    op = R.choice(["matmul", "bmm", "linear", "mm"])
    c = Case("matmul", dt)
    n, k, m, b = R.randint(1, 5), R.randint(1, 5), R.randint(1, 5), R.randint(1, 3)
    kinds = ["-", "tr", "tr", "perm", "sl", "ex", "nw"]
    if op == "mm":
        c.inp("a", [n, k], dt, kinds)
        c.inp("b", [k, m], dt, kinds)
        fn = lambda a: a["a"].mm(a["b"])
    elif op == "bmm":
        c.inp("a", [b, n, k], dt, kinds)
        c.inp("b", [b, k, m], dt, kinds)
        fn = lambda a: a["a"].bmm(a["b"])
    elif op == "linear":
        c.inp("a", rshape(R.randint(1, 3)) + [k], dt, kinds)
        c.inp("b", [m, k], dt, kinds)
        if R.random() < 0.5:
            c.inp("c", [m], dt, kinds)
            fn = lambda a: F.linear(a["a"], a["b"], a["c"])
        else:
            fn = lambda a: F.linear(a["a"], a["b"])
    else:
        c.inp("a", rshape(R.randint(0, 2)) + [n, k], dt, kinds)
        c.inp("b", [k, m] if R.random() < 0.5 else [k], dt, kinds)
        fn = lambda a: a["a"].matmul(a["b"])
    emit(c, op, fn, list(c.inputs) if dt == F64 else ())


def gen_nn():
    dt = R.choice([F32, F64])
    op = R.choice(["conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "layer_norm", "group_norm"])
    c = Case("nn", dt)
    n, ch, h, w = R.randint(1, 3), R.choice([1, 2, 4]), R.randint(2, 5), R.randint(2, 5)
    kinds = ["cl", "cl", "cl", "-", "tr", "perm", "sl", "nw", "ex"]
    c.inp("x", [n, ch, h, w], dt, kinds, overlap=False)
    if op == "conv2d":
        oc = R.randint(1, 3)
        kh = R.randint(1, min(h, 3))
        c.inp("w", [oc, ch, kh, kh], dt, ["-", "cl", "perm"])
        pad = R.randint(0, 1)
        stt = R.randint(1, 2)
        step = "conv2d stride=%d padding=%d" % (stt, pad)
        fn = lambda a: F.conv2d(a["x"], a["w"], None, stt, pad)
    elif op in ("max_pool2d", "avg_pool2d"):
        kk = R.randint(1, min(h, w, 2))
        step = "%s kernel=%d" % (op, kk)
        fn = (lambda a: F.max_pool2d(a["x"], kk)) if op == "max_pool2d" else (lambda a: F.avg_pool2d(a["x"], kk))
    elif op == "batch_norm":
        c.inp("weight", [ch], dt, ["-"])
        c.inp("bias", [ch], dt, ["-"])
        step = "batch_norm training=True"
        fn = lambda a: batch_norm_2x(a["x"], a["weight"], a["bias"])
    elif op == "layer_norm":
        step = "layer_norm shape=%d" % w
        fn = lambda a: F.layer_norm(a["x"], [w])
    else:
        gr = R.choice([g for g in (1, 2, 4) if ch % g == 0])
        step = "group_norm groups=%d" % gr
        fn = lambda a: F.group_norm(a["x"], gr)
    emit(c, step, fn, list(c.inputs) if dt == F64 else ())


def gen_loss():
    dt = R.choice([F32, F64])
    op = R.choice(["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "cross_entropy"])
    red = R.choice(["none", "mean", "sum"])
    c = Case("loss", dt)
    if op == "cross_entropy":
        n, k = R.randint(1, 4), R.randint(2, 4)
        shp = [n, k] + rshape(R.randint(0, 2))
        c.inp("input", shp, dt, overlap=False)
        if R.random() < 0.5:
            tshape = [shp[0]] + shp[2:]
            b = torch.tensor([R.randrange(k) for _ in range(numel(tshape) * 2)], dtype=I64)
            b = b.reshape([tshape[0] * 2] + tshape[1:])
            c.inp("target", None, None, base=(b, "sl 0,0,%d,2" % (tshape[0] * 2)))
        else:
            c.inp("target", shp, dt, overlap=False, lo=0.0, hi=1.0)
        names = ["input"] + (["target"] if dt == F64 and c.inputs["target"].is_floating_point() else [])
        fn = lambda a: F.cross_entropy(a["input"], a["target"], reduction=red)
    else:
        s = rshape(R.randint(1, 4))
        lo, hi = (0.0, 1.0) if op == "binary_cross_entropy" else (-3.0, 3.0)
        c.inp("input", s, dt, lo=max(lo, 0.125) if lo == 0.0 else lo, hi=min(hi, 0.875) if hi == 1.0 else hi)
        c.inp("target", s, dt, lo=lo, hi=hi)
        names = ["input", "target"] if op != "binary_cross_entropy" else ["input"]
        fn = lambda a: getattr(F, op)(a["input"], a["target"], reduction=red)
    emit(c, "%s reduction=%s" % (op, red), fn, names if dt == F64 else ())


def gen_cat():
    dt = R.choice([F32, F64])
    op = R.choice(["cat", "stack"])
    r = R.randint(1, 4)
    s = rshape(r)
    d = R.randrange(r) if op == "cat" else R.randrange(r + 1)
    k = R.randint(2, 3)
    c = Case("cat", dt)
    for i in range(k):
        si = list(s)
        if op == "cat":
            si[d] = R.randint(1, 3)
        c.inp("t%d" % i, si, dt)
    names = ["t%d" % i for i in range(k)]
    fn = (lambda a: torch.cat([a[n] for n in names], d)) if op == "cat" else \
        (lambda a: torch.stack([a[n] for n in names], d))
    emit(c, "%s dim=%d n=%d" % (op, d, k), fn, names if dt == F64 else ())


def gen_index():
    dt = R.choice([F32, F64])
    op = R.choice(["index_select", "gather", "scatter"])
    r = R.randint(1, 4)
    s = rshape(r, 1, 4)
    d = R.randrange(r)
    c = Case("index", dt)
    c.inp("x", s, dt)
    if op == "index_select":
        m = R.randint(1, 4)
        if R.random() < 0.5:
            b = torch.tensor([R.randrange(s[d]) for _ in range(m * 2)], dtype=I64)
            c.inp("index", None, None, base=(b, "sl 0,0,%d,2" % (2 * m)))
        else:
            c.inp("index", None, None, base=(torch.tensor([R.randrange(s[d]) for _ in range(m)], dtype=I64), "-"))
        fn = lambda a: a["x"].index_select(d, a["index"])
        names = ["x"]
    else:
        ishape = [R.randint(1, v) for v in s]
        bshp = list(ishape)
        bshp[-1] = bshp[-1] * 2
        b = torch.tensor([R.randrange(s[d]) for _ in range(numel(bshp))], dtype=I64).reshape(bshp)
        c.inp("index", None, None, base=(b, "sl %d,0,%d,2" % (r - 1, bshp[-1])))
        if op == "gather":
            fn = lambda a: a["x"].gather(d, a["index"])
            names = ["x"]
        else:
            c.inp("src", ishape, dt)
            fn = lambda a: a["x"].scatter(d, a["index"], a["src"])
            names = ["x", "src"]
    emit(c, "%s dim=%d" % (op, d), fn, names if dt == F64 else ())


def gen_inplace_int():
    """In-place add_ / mul_ / sub_ on an int64 self of any layout, the other often floating: PyTorch's "result type
    Float can't be cast to the desired output type Long" (an overlapping self: the overlap refusal, which
    TensorIterator checks first); the bases must be unchanged after a refusal, written through after a success."""
    s = rshape(R.randint(1, 5))
    c = Case("inplace_int", I64)
    c.inp("x", s, I64)
    c.inp("y", bshape(s) if R.random() < 0.8 else [], R.choice([F32, F64, I64]))
    op = R.choice(["add_", "mul_", "sub_"])
    emit(c, op, lambda a: getattr(a["x"], op)(a["y"]))


def gen_stack_cl():
    """stack (mostly at dim 0) of 4-D channels-last and 5-D channels_last_3d inputs, mixed with other layouts."""
    dt = R.choice([F32, F64])
    r = R.choice([4, 5])
    s = rshape(r)
    d = 0 if R.random() < 0.7 else R.randrange(r + 1)
    k = R.randint(2, 3)
    c = Case("cat", dt)
    cl = "cl" if r == 4 else "cl3"
    for i in range(k):
        c.inp("t%d" % i, s, dt, kinds=[cl] if R.random() < 0.7 else None)
    names = ["t%d" % i for i in range(k)]
    emit(c, "stack dim=%d n=%d" % (d, k), lambda a: torch.stack([a[n] for n in names], d), names if dt == F64 else ())


# gen_inplace_int and gen_stack_cl were appended after the first version's generators (their cases came out
# byte-identical); they draw last
GENS = [(gen_unary, 260), (gen_binary, 400), (gen_inplace, 150), (gen_like, 250), (gen_reduce, 250),
        (gen_matmul, 200), (gen_nn, 250), (gen_loss, 200), (gen_cat, 150), (gen_index, 150), (gen_inplace_int, 150),
        (gen_stack_cl, 120)]


def fix_case(name, op, dtype):
    c = Case(op, dtype)
    c.lines[0] = "=== fix_%s %s %s" % (name, op, dname(dtype) if isinstance(dtype, torch.dtype) else dtype)
    return c


def fixes():
    """The cases of FuzzRound36FixesTest: each difference this round found, at its smallest."""
    c = fix_case("promotedOverlapping", "binary", "int64_float64")
    c.inp("a", None, None, base=(torch.tensor([0, -3, -2, 1, 4, 3, 4, -1, 1, 4], dtype=I64), "as 3,3,3,4/0,1,1,1/2"))
    c.inp("b", None, None, base=(base_tensor([3, 3, 3, 4], F64, 0.5, 3.0), "cl"))
    emit(c, "mul", lambda a: torch.mul(a["a"], a["b"]), ["b"])
    c = fix_case("promotedExpanded", "binary", "int64_float32")
    c.inp("a", None, None, base=(torch.tensor([[1, -2, 3, 4]], dtype=I64), "ex 3,4"))
    c.inp("b", None, None, base=(base_tensor([4, 3], F32), "tr 0,1"))
    emit(c, "add", lambda a: torch.add(a["a"], a["b"]))
    c = fix_case("promotedExpandedSub", "binary", "int64_float64")
    c.inp("a", None, None, base=(torch.tensor([[1, -2, 3, 4]], dtype=I64), "ex 3,4"))
    c.inp("b", None, None, base=(base_tensor([4, 3], F64), "tr 0,1"))
    emit(c, "sub", lambda a: torch.sub(a["a"], a["b"]), ["b"])
    c = fix_case("softmaxChannelsLast", "reduce", F64)
    c.inp("x", None, None, base=(base_tensor([2, 3, 2, 2], F64), "cl"))
    emit(c, "softmax dim=1 keepdim=False", lambda a: a["x"].softmax(1), ["x"])
    c = fix_case("logSoftmaxPermuted", "reduce", F64)
    c.inp("x", None, None, base=(base_tensor([4, 2, 3], F64), "perm 2,0,1"))
    emit(c, "log_softmax dim=-1 keepdim=False", lambda a: a["x"].log_softmax(-1), ["x"])
    c = fix_case("bceTransposedTarget", "loss", F32)
    c.inp("input", None, None, base=(base_tensor([2, 3], F32, 0.125, 0.875), "-"))
    c.inp("target", None, None, base=(base_tensor([3, 2], F32, 0.0, 1.0), "tr 0,1"))
    emit(c, "binary_cross_entropy reduction=none", lambda a: F.binary_cross_entropy(a["input"], a["target"],
                                                                                    reduction="none"))
    c = fix_case("bceChannelsLastInput", "loss", F64)
    c.inp("input", None, None, base=(base_tensor([2, 3, 2, 2], F64, 0.125, 0.875), "cl"))
    c.inp("target", None, None, base=(base_tensor([2, 3, 2, 2], F64, 0.0, 1.0), "-"))
    emit(c, "binary_cross_entropy reduction=none", lambda a: F.binary_cross_entropy(a["input"], a["target"],
                                                                                    reduction="none"), ["input"])
    c = fix_case("huberExpandedInput", "loss", F64)
    c.inp("input", None, None, base=(torch.tensor([2.875, 3.0, -0.375, -2.625], dtype=F64).reshape(1, 4, 1), "ex 1,4,2"))
    c.inp("target", None, None, base=(base_tensor([2, 1, 4], F64), "perm 1,2,0"))
    emit(c, "huber_loss reduction=none", lambda a: F.huber_loss(a["input"], a["target"], reduction="none"),
         ["input", "target"])
    c = fix_case("huberTransposedTarget", "loss", F32)
    c.inp("input", None, None, base=(base_tensor([3, 4], F32), "-"))
    c.inp("target", None, None, base=(base_tensor([4, 3], F32), "tr 0,1"))
    emit(c, "huber_loss reduction=none", lambda a: F.huber_loss(a["input"], a["target"], reduction="none"))
    c = fix_case("catChannelsLast", "cat", F32)
    c.inp("t0", None, None, base=(base_tensor([2, 3, 2, 2], F32), "cl"))
    c.inp("t1", None, None, base=(base_tensor([1, 3, 2, 2], F32), "cl"))
    emit(c, "cat dim=0 n=2", lambda a: torch.cat([a["t0"], a["t1"]], 0))
    c = fix_case("catChannelsLastAndRowMajor", "cat", F32)
    c.inp("t0", None, None, base=(base_tensor([2, 3, 2, 2], F32), "cl"))
    c.inp("t1", None, None, base=(base_tensor([1, 3, 2, 2], F32), "-"))
    emit(c, "cat dim=0 n=2", lambda a: torch.cat([a["t0"], a["t1"]], 0))
    c = fix_case("stackChannelsLast", "cat", F64)
    c.inp("t0", None, None, base=(base_tensor([3, 4, 2, 3], F64), "cl"))
    c.inp("t1", None, None, base=(base_tensor([3, 4, 2, 3], F64), "cl"))
    emit(c, "stack dim=1 n=2", lambda a: torch.stack([a["t0"], a["t1"]], 1), ["t0", "t1"])
    c = fix_case("stackTransposedLastDim", "cat", F32)
    c.inp("t0", None, None, base=(base_tensor([3, 2], F32), "tr 0,1"))
    c.inp("t1", None, None, base=(base_tensor([3, 2], F32), "tr 0,1"))
    emit(c, "stack dim=2 n=2", lambda a: torch.stack([a["t0"], a["t1"]], 2))
    c = fix_case("randLikeOverlapping", "like", F64)
    c.inp("x", None, None, base=(base_tensor([22], F64), "as 2,4,3,3,4/1,3,1,1,2/1"))
    emit(c, "rand_like", lambda a: torch.rand_like(a["x"]))
    c = fix_case("randLikeExpanded", "like", F32)
    c.inp("x", None, None, base=(base_tensor([1, 4], F32), "ex 3,4"))
    emit(c, "rand_like", lambda a: torch.rand_like(a["x"]))


def batch_norm_2x(x, w, b):
    """F.batch_norm (training) as 2.x's batch_norm_cpu lays it out: in suggest_memory_format_contig(input) where the
    input is contiguous in some format (2.x's is_contiguous: row-major, channels_last or channels_last_3d) and the
    parameters are contiguous, else in suggest_memory_format(). Run on the input's clone in its channels-last format
    where it is channels-last (-3d) contiguous and not row-major: 1.13 (whose is_contiguous knew no channels_last_3d)
    lays a 5-D one out row-major where its size-1 batch dim's stride is one suggest_memory_format calls ambiguous, and
    its backward gives a permuted [1, C, H, W] such input a WRONG input gradient (not the gradient of the same values
    in either dense layout, which agree), a 1.13 bug; the clone has the same values, 2.x's layout and a right gradient
    (CloneBackward0 passes it through)."""
    if x.dim() in (4, 5) and not x.is_contiguous() and all(p is None or p.is_contiguous() for p in (w, b)):
        fmt = torch.channels_last if x.dim() == 4 else torch.channels_last_3d
        if x.is_contiguous(memory_format=fmt):
            return F.batch_norm(x.clone(memory_format=fmt), None, None, w, b, True)
    return F.batch_norm(x, None, None, w, b, True)


def fixes_r2():
    """Round 36's second part (session 55, helper 10): the cases its hunts found. batch_norm's cases compare the
    forward only: 1.13's backward of the permuted [1, C, H, W] input gives a wrong input gradient (not the gradient of
    the same values laid out row-major or channels-last with the batch stride C * H * W, which agree with each other
    and with Ember's), a 1.13 bug that batch_norm_2x steps around, except with a stepped weight (forward only)."""
    # a permuted [1, C, H, W]: channels-last contiguous (the size-1 batch dim ignored) but suggest_memory_format
    # row-major (its batch stride is below C * H * W): the output channels-last (a local hunt's case, seed 361)
    bn = lambda a: batch_norm_2x(a["x"], a["weight"], a["bias"])
    c = fix_case("batchNormPermutedBatch1", "nn", F64)
    c.inp("x", None, None, base=(base_tensor([3, 1, 2, 2], F64), "perm 1,3,0,2"))
    c.inp("weight", None, None, base=(base_tensor([2], F64), "-"))
    c.inp("bias", None, None, base=(base_tensor([2], F64), "-"))
    emit(c, "batch_norm training=True", bn, ["x", "weight", "bias"])
    # the same input with a stepped (non-contiguous) weight: suggest_memory_format's row-major output
    c = fix_case("batchNormPermutedBatch1SteppedWeight", "nn", F64)
    c.inp("x", None, None, base=(base_tensor([3, 1, 2, 2], F64), "perm 1,3,0,2"))
    c.inp("weight", None, None, base=(base_tensor([4], F64), "sl 0,0,4,2"))
    c.inp("bias", None, None, base=(base_tensor([2], F64), "-"))
    emit(c, "batch_norm training=True", bn)
    # 5-D, channels_last_3d contiguous with the ambiguous batch stride: 2.x channels_last_3d (1.13 row-major)
    c = fix_case("batchNormPermuted5dBatch1", "nn", F64)
    c.inp("x", None, None, base=(base_tensor([3, 1, 2, 2, 2], F64), "perm 1,4,0,2,3"))
    c.inp("weight", None, None, base=(base_tensor([2], F64), "-"))
    c.inp("bias", None, None, base=(base_tensor([2], F64), "-"))
    emit(c, "batch_norm training=True", bn, ["x", "weight", "bias"])


def fixes_r3():
    """Session 64 (helper 4, a hunt at seed 64436 on an AVX-512 machine): x.to(dtype) (preserve_format) and the copy
    TensorIterator's compute_types makes of a promoted input are empty_like's, whose strides are the input's own where
    it is non-overlapping and dense, a length-1 dim's stride included; Ember gave a row-major-contiguous input (its
    is_contiguous skips length-1 dims) row-major strides, so an unfolded int64 [3, 1, 3] (strides 3, 2, 1) promoted
    to float became (3, 3, 1), whose equal strides no longer ordered dims 0 and 1 against a broadcasting operand."""
    c = fix_case("promotedUnfoldedLength1Dim", "binary", "float32_int64")
    c.inp("a", None, None, base=(torch.tensor([1.5, 1.5, -1.0, -2.25, 2.0, 2.625, -2.125], dtype=F32),
                                 "as 3,1,3/1,0,2/0"))
    c.inp("b", None, None, base=(torch.tensor([[3, -2, 4], [-3, -2, 0], [-1, 1, 0]], dtype=I64), "uf 1,3,2"))
    emit(c, "add", lambda a: torch.add(a["a"], a["b"]))
    c = fix_case("promotedUnfoldedLength1DimSub", "binary", "float64_int64")
    c.inp("a", None, None, base=(torch.tensor([0.5, 1.5, -1.0, -2.25, 2.0, 2.625, -2.125], dtype=F64),
                                 "as 3,1,3/1,0,2/0"))
    c.inp("b", None, None, base=(torch.tensor([[3, -2, 4], [-3, -2, 0], [-1, 1, 0]], dtype=I64), "uf 1,3,2"))
    emit(c, "sub", lambda a: torch.sub(a["a"], a["b"]), ["a"])
    c = fix_case("toKeepsALength1DimsStride", "like", I64)
    c.inp("x", None, None, base=(torch.tensor([[3, -2, 4], [-3, -2, 0], [-1, 1, 0]], dtype=I64), "uf 1,3,2"))
    emit(c, "to_f32", lambda a: a["x"].to(F32))
    c = fix_case("toFloat32KeepsALength1DimsStride", "like", F64)
    c.inp("x", None, None, base=(torch.tensor([[0.5, -2.0, 4.0], [-3.0, -2.5, 0.0], [-1.0, 1.0, 0.25]], dtype=F64),
                                 "uf 1,3,2"))
    emit(c, "to_f32", lambda a: a["x"].to(F32), ["x"])


def main():
    if os.environ.get("FUZZ_FIXES"):
        fixes()
        fixes_r2()
        fixes_r3()
        print("\n".join(OUT))
        return
    for gen, n in GENS:
        for _ in range(int(n * SCALE_N)):
            gen()
    print("\n".join(OUT))


if __name__ == "__main__":
    main()
