# Differential fuzz round 38 for DifferentialFuzzR38Test.java: seeded calls that PyTorch REFUSES, drawn over a broad
# op list, with the check that a refused call changes nothing; FuzzR38Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr38 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 38, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound38FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz38.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# The project's standard: bad input gets a clear error naming the problem in PyTorch's wording, and leaves every
# tensor as it was. Each family draws a call near a valid one with one thing wrong; a draw PyTorch accepts is dropped
# (no case written), so every case is a refusal:
#   inplace_binary  add_ / sub_ / mul_ / div_ / pow_ / atan2_ / fmod_ / remainder_ / hypot_ / copy_ / lerp_ /
#                   maximum-free in-place binaries whose result cannot be broadcast into self ([2, 3] += [4, 3],
#                   [3] += [2, 3]) or cast into self's dtype (int64 += float, bool -= bool, int64 /= int64)
#   inplace_scalar  add_ / mul_ / div_ / sub_ / pow_ / clamp_ / fmod_ with a float scalar into an integer or bool self,
#                   an integer to a negative integer power
#   masked_fill_    a mask of another dtype, a mask that does not broadcast, a value tensor with dims
#   index_put_      an index past the end, values that do not broadcast, values of another dtype
#   scatter_        / scatter_add_ / index_add_ / index_copy_ / index_fill_: an index out of range, an index of the
#                   wrong dtype or rank, a source of another dtype or too small, a dim out of range
#   addmm_          / addmv_ / baddbmm_ / addbmm_ / addr_ / addcmul_: operands that cannot be multiplied, a result
#                   that cannot be written into self
#   shapes          matmul / mm / bmm / mv / dot / cat / stack / expand / view / reshape / broadcast add /
#                   broadcast_to / transpose / squeeze / unsqueeze / flatten / permute / repeat / split / chunk with
#                   sizes that do not fit, dims out of range
#   indexing        gather / index_select / take / narrow / select / embedding / one_hot / cross_entropy / nll_loss
#                   with an index or class past the end, negative, or a dim out of range
#   dtypes          bool subtraction and negation, bitwise ops / gcd on floats, integer matmul against float,
#                   complex where PyTorch refuses it (clamp, comparisons, relu, sort, max)
#   sizes           zeros / ones / full / arange / linspace / randn / eye with a negative size or step 0
#   functional      conv1d / conv2d / max_pool2d / avg_pool2d / linear / layer_norm / group_norm / batch_norm /
#                   softmax with a wrong rank, channel count, kernel larger than the input, a weight of another
#                   size or dtype
# The arguments: tensor lines as round 17's ("dtype [shape] : values"); a line "m <name> <mods>" makes the argument
# T: a transposed view (stored as the transpose of its last two dims, so its strides are not contiguous),
# rg: a leaf that requires grad, gr: such a leaf whose .grad is set (to ones), nl: not a leaf (a leaf that requires
# grad times 1, so it has a grad_fn); an in-place call on such an argument is PyTorch's own business (check_inplace).
# Recorded: "err <Python exception type>: <first message line>", and for an in-place call whether PyTorch itself left
# every argument as it was ("pt_atomic True|False": values, shape, strides, dtype and version counter). Ember must be
# atomic in every case whatever PyTorch did; a case where PyTorch was not is written all the same.
#
# 1.13 and 2.x: where a message is known to differ, the generator writes 2.x's (to_2x and narrow_2x below, each with
# its 2.x source): mv / addmv's "size mismatch, got input (2), mat (2x3), vec (4)"; masked_fill_'s dtype check of
# the mask before anything else (1.13 took uint8 masks with a warning and checked their 0 / 1 values); F.group_norm's
# rank check; at::linear's "both arguments to linear ..."; one_hot's "... of type LongTensor."; addmm's and baddbmm's
# meta functions' dtype messages; narrow's order of checks and its "start out of range" IndexError; max_pool1d's
# output size check before its requires-grad branch; mm's (and a matrix matmul's) "expected m1 and m2 to have the
# same dtype, but got: long int != double"; index_add_ / index_reduce_'s source-shape check (index_func_meta_impl:
# "source tensor shape must match self tensor shape, excluding the specified dimension. Got ..."). A draw 1.13
# accepts but 2.x refuses (index_add_ of a source that only broadcasts) is dropped all the same: no case is added.
#
# Format: "=== r38_<k> <op> <family>", then lines by first word:
#   a <name> <tensor>   a tensor argument
#   m <name> <mods>     how the argument is made (above)
#   s <op> [k=v ...]    the call and its other arguments (N None, True / False, numbers, lists "a,b", E empty)
#   err <type>: <msg>   PyTorch's refusal
#   pt_atomic <bool>    (in-place and out calls) whether PyTorch left every argument unchanged
# Comparison: the Java exception for the Python type (RuntimeError, ValueError, TypeError: IllegalArgumentException;
# IndexError: IndexOutOfBoundsException), the message's first line equal, and every argument exactly as before: values
# bit for bit, shape, strides, storage offset, dtype, version counter, requires_grad, leaf-ness, grad_fn, .grad.
import math
import os
import random
import re
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "38"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

F64, F32, I64, I32, BOOL, C128 = torch.float64, torch.float32, torch.int64, torch.int32, torch.bool, torch.complex128
OUT = []
COUNT = [0]
DROPPED = [0]

# TypeMeta names (a tensor's dtype() printed by a C++ check) and ScalarType names
TYPEMETA = {F64: "double", F32: "float", I64: "long int", I32: "int", BOOL: "bool", torch.uint8: "unsigned char",
            C128: "c10::complex<double>"}
SCALARTYPE = {F64: "Double", F32: "Float", I64: "Long", I32: "Int", BOOL: "Bool", C128: "ComplexDouble"}


def to_2x(op, a, kind, msg):
    """2.x's refusal where 1.13's (kind, msg) is known to differ (each with its 2.x source)."""
    # 2.x's addmv_out / mv (LinearAlgebra.cpp): "size mismatch, got input (2), mat (2x3), vec (4)"
    m = re.match(r"^size mismatch, got (\d+), (\d+)x(\d+),(\d+)$", msg)
    if m:
        return kind, "size mismatch, got input (%s), mat (%sx%s), vec (%s)" % m.groups()
    # 2.x's masked_fill_impl_cpu checks the mask's dtype first: "masked_fill_ only supports boolean masks, but got
    # mask with dtype <TypeMeta>" (1.13 took a uint8 / other mask with a deprecation warning, then checked 0 / 1)
    if op == "masked_fill_" and a["mask"].dtype != BOOL and "leaf Variable" not in msg:
        return "RuntimeError", "masked_fill_ only supports boolean masks, but got mask with dtype " + \
            TYPEMETA[a["mask"].dtype]
    # 2.x's F.group_norm checks the rank in Python first (1.13 indexed input.size(1))
    if op == "group_norm" and a["x"].dim() < 2:
        return "RuntimeError", "Expected at least 2 dimensions for input tensor but received %d" % a["x"].dim()
    # 2.x's at::linear: "both arguments to linear need to be at least 1D, but they are 0D and 2D"
    if op == "linear" and msg.startswith("both arguments to matmul"):
        return kind, msg.replace("to matmul", "to linear")
    # 2.x's one_hot (Onehot.cpp): "one_hot is only applicable to index tensor of type LongTensor."
    if op == "one_hot" and msg == "one_hot is only applicable to index tensor.":
        return kind, "one_hot is only applicable to index tensor of type LongTensor."
    # 2.x's TORCH_META_FUNC(addmm): "mat1 and mat2 must have the same dtype, but got Long and Double"
    if op in ("addmm", "addmm_") and msg == "mat1 and mat2 must have the same dtype":
        return kind, msg + ", but got %s and %s" % (SCALARTYPE[a["y"].dtype], SCALARTYPE[a["z"].dtype])
    # 2.x's TORCH_META_FUNC(baddbmm): "Input dtypes must be the same, got: input float, batch1: long int, ..."
    if op in ("baddbmm", "baddbmm_") and (msg.startswith("expected scalar type") or (
            msg.startswith("batch1 must be") and a["x"].dtype != a["y"].dtype)):
        return kind, "Input dtypes must be the same, got: input %s, batch1: %s, batch2: %s" % (
            TYPEMETA[a["x"].dtype], TYPEMETA[a["y"].dtype], TYPEMETA[a["z"].dtype])
    # 2.x's addbmm_impl_ adds each batch's product by result.addmm_(batch1[b], batch2[b]) (the result has self's type):
    # ADDMM_META's messages name the types ("self and mat2 must have the same dtype, but got Float and Double"; 1.13's
    # ended at "dtype")
    if op in ("addbmm", "addbmm_") and msg in ("self and mat2 must have the same dtype",
                                               "mat1 and mat2 must have the same dtype"):
        first = a["x"] if msg.startswith("self") else a["y"]
        return kind, msg + ", but got %s and %s" % (SCALARTYPE[first.dtype], SCALARTYPE[a["z"].dtype])
    # 2.x's conv_transpose2d: _convolution's check_input_same_type_as_parameters before the slow kernel (1.13's said
    # "expected scalar type Float but found Double")
    if op == "conv_transpose2d" and msg.startswith("expected scalar type") and a["x"].dtype != a["w"].dtype:
        names = {F64: "torch.DoubleTensor", F32: "torch.FloatTensor"}
        return kind, "Input type (%s) and weight type (%s) should be the same" % (names[a["x"].dtype],
                                                                                   names[a["w"].dtype])
    # 2.x's mm (and matmul of two matrices, which calls it): TORCH_META_FUNC(mm) checks the ranks and the sizes, then
    # mm_out_cpu's addmm_impl_cpu_ (LinearAlgebra.cpp) checks "expected m1 and m2 to have the same dtype, but got:
    # long int != double" before its kernel's type dispatch (1.13: "expected scalar type Long but found Double", or
    # '"addmm_impl_cpu_" not implemented for 'Bool'' for a bool matrix by a float one)
    if op in ("mm", "matmul") and a["x"].dim() == 2 and a["y"].dim() == 2 and a["x"].dtype != a["y"].dtype and (
            msg.startswith("expected scalar type") or msg.startswith('"addmm_impl_cpu_" not implemented')):
        return kind, "expected m1 and m2 to have the same dtype, but got: %s != %s" % (
            TYPEMETA[a["x"].dtype], TYPEMETA[a["y"].dtype])
    # 2.x's index_add_ / index_reduce_: index_func_meta_impl (TensorAdvancedIndexing.cpp) checks, after the index's
    # rank and type, the dtypes, the dim and the number of indices, "source tensor shape must match self tensor shape,
    # excluding the specified dimension. Got self.shape = [5] source.shape = [1, 2]"; 1.13 had no such check and its
    # kernel refused later ("source.dim() (2) must one or zero ...", or the slices' iterator's broadcast message)
    # (after the autograd layer's check_inplace: a leaf that requires grad is refused first, in 2.x too)
    if op in ("index_add_", "index_reduce_") and "leaf Variable" not in msg:
        first = index_func_meta_2x(a, int(re.search(r"dim=(-?\d+)", S_LINE[0]).group(1)))
        if first is not None and first[1].startswith("source tensor shape must match"):
            return first
    # 2.x's max_pool1d runs check_max_pool1d before it sends an input that requires grad to max_pool1d_with_indices
    # (MaxPooling.cpp), so such an input gets "max_pool1d() Invalid computed output size: 0" too (1.13 checked after)
    if op == "max_pool1d" and msg.startswith("Given input size:"):
        k = int(re.search(r"kernel=(-?\d+)", S_LINE[0]).group(1))
        return kind, "max_pool1d() Invalid computed output size: %d" % ((a["x"].shape[-1] - k) // k + 1)
    return kind, msg


S_LINE = [""]


def index_func_meta_2x(a, dim):
    """The first refusal of 2.x's index_func_meta_impl (TensorAdvancedIndexing.cpp) for self a["x"], index a["i"] and
    source a["src"] along dim (wrapped first, as the meta functions do), or None where its checks pass."""
    x, i, src = a["x"], a["i"], a["src"]
    if not -max(x.dim(), 1) <= dim < max(x.dim(), 1):
        return None  # maybe_wrap_dim's IndexError, the same in 1.13
    d = dim % max(x.dim(), 1)
    if i.dim() > 1 or i.dtype not in (I64, I32) or x.dtype != src.dtype or not (d == 0 or d < src.dim()):
        return None  # the earlier checks, worded as in 1.13
    if i.numel() != (1 if src.dim() == 0 else src.shape[d]):
        return None
    xs, ss = list(x.shape), list(src.shape)
    if src.dim() != 0 and x.dim() != 0:
        del xs[d]
        del ss[d]
    if xs != ss:
        return "RuntimeError", ("source tensor shape must match self tensor shape, excluding the specified dimension. "
                                "Got self.shape = %s source.shape = %s" % (list(x.shape), list(src.shape)))
    return None


def narrow_2x(x, d, st, ln):
    """2.x's narrow_symint (TensorShape.cpp): the 0-dim check, the length, the dim, then start's range (IndexError
    "start out of range ..."; 1.13 wrapped start as a dim index), then start + length."""
    if x.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if ln < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -x.dim() <= d < x.dim():
        raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)"
                         % (-x.dim(), x.dim() - 1, d))
    size = x.shape[d]
    if not -size <= st <= size:
        raise IndexError("start out of range (expected to be in range of [%d, %d], but got %d)" % (-size, size, st))
    if st < 0:
        st += size
    if st > size - ln:
        raise RuntimeError("start (%d) + length (%d) exceeds dimension size (%d)." % (st, ln, size))
    return x.narrow(d, st, ln)


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
        body = " ".join(num(v) for v in torch.view_as_real(t.resolve_conj()).reshape(-1).tolist())
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    elif t.dtype == BOOL:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t), ", ".join(str(s) for s in shape), body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v) if v else "E"
    return str(v)


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def ft(shape, dtype=F64):
    n = numel(shape)
    if dtype == BOOL:
        return torch.tensor([R.randint(0, 1) == 1 for _ in range(n)], dtype=BOOL).reshape(shape)
    if dtype in (I64, I32):
        return torch.tensor([R.randint(-4, 4) for _ in range(n)], dtype=I64).reshape(shape).to(dtype)
    if dtype == C128:
        re = torch.tensor([round(R.uniform(-2, 2) * 8) / 8 for _ in range(n)], dtype=F64)
        im = torch.tensor([round(R.uniform(-2, 2) * 8) / 8 for _ in range(n)], dtype=F64)
        return torch.complex(re, im).reshape(shape)
    v = [round(R.uniform(-3, 3) * 8) / 8 if R.random() < 0.5 else R.uniform(-3, 3) for _ in range(n)]
    return torch.tensor(v, dtype=F64).reshape(shape).to(dtype)


def it(shape, lo, hi):
    return torch.tensor([R.randint(lo, hi) for _ in range(numel(shape))], dtype=I64).reshape(shape)


def fdt():
    return F64 if R.random() < 0.7 else F32


def make(t, mods):
    """The argument as the Java side builds it from its line and mods; returns (tensor, leaf or None)."""
    base = t
    if "T" in mods:
        base = t.transpose(-1, -2).contiguous()
    base = base.clone()
    leaf = None
    if "rg" in mods or "gr" in mods or "nl" in mods:
        base.requires_grad_(True)
        leaf = base
        if "gr" in mods:
            base.grad = torch.ones_like(base)
    x = base * 1 if "nl" in mods else base
    if "T" in mods:
        x = x.transpose(-1, -2)
    return x, leaf


def state(t):
    return (dname(t), list(t.shape), t.stride(), t.storage_offset(), t._version, t.requires_grad,
            t.is_leaf, None if t.grad_fn is None else type(t.grad_fn).__name__,
            None if t.grad is None else t.grad.detach().clone(), t.detach().clone())


def same(s0, s1):
    for a, b in zip(s0, s1):
        if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
            if a is None or b is None or a.shape != b.shape or a.dtype != b.dtype:
                return False
            if a.is_floating_point() or a.is_complex():
                if not bool(((a == b) | (a.isnan() & b.isnan())).all()):
                    return False
            elif not bool((a == b).all()):
                return False
        elif a != b:
            return False
    return True


def record(op, family, a, s, call, mods=None, inplace=False, cid=None):
    """Runs call(args) in PyTorch; writes the case where PyTorch refuses, drops it where PyTorch answers."""
    mods = dict(mods or {})
    names = list(a.keys())
    args = {}
    for n in names:
        m = mods.get(n, "")
        if any(k in m.split(",") for k in ("rg", "gr", "nl")) and not (a[n].is_floating_point() or a[n].is_complex()):
            mods.pop(n)
            m = ""
        args[n], _ = make(a[n], m.split(",") if m else [])
    before = {n: state(args[n]) for n in names}
    S_LINE[0] = s
    try:
        call(args)
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        kind = type(e).__name__
        if kind not in ("RuntimeError", "ValueError", "IndexError", "TypeError"):
            kind = "RuntimeError" if isinstance(e, RuntimeError) else kind
        msg = str(e).split("\n")[0]
        kind, msg = to_2x(op, a, kind, msg)
        lines = ["=== %s %s %s" % (cid if cid else "r38_%d" % COUNT[0], op, family)]
        for n in names:
            lines.append("a %s %s" % (n, tline(a[n])))
            if mods.get(n):
                lines.append("m %s %s" % (n, mods[n]))
        lines.append("s " + s)
        lines.append("err %s: %s" % (kind, msg))
        if inplace:
            ok = all(same(before[n], state(args[n])) for n in names)
            lines.append("pt_atomic " + pv(ok))
        OUT.append("\n".join(lines))
        COUNT[0] += 1
        return
    DROPPED[0] += 1


def times(n):
    return max(1, int(round(n * SCALE_N)))


def grad_mod(dt, inplace):
    """A seeded mod for a float argument: mostly none; a non-leaf or a leaf with grad now and then."""
    if dt not in (F64, F32):
        return "T" if R.random() < 0.2 else ""
    r = R.random()
    mods = []
    if r < 0.2:
        mods.append("nl")
    elif r < 0.3:
        mods.append("gr" if not inplace or R.random() < 0.3 else "nl")
    elif r < 0.35 and not inplace:
        mods.append("rg")
    if R.random() < 0.2:
        mods.append("T")
    return ",".join(mods)


def mods_for(a, inplace_self=None):
    m = {}
    for n, t in a.items():
        if t.dim() < 2 and True:
            mm = grad_mod(t.dtype, n == inplace_self)
            mm = ",".join(x for x in mm.split(",") if x and x != "T")
        else:
            mm = grad_mod(t.dtype, n == inplace_self)
        if mm:
            m[n] = mm
    return m


# ------------------------------------------------------------------------------------------------------ families
BAD_BCAST = [([2, 3], [4, 3]), ([3], [2, 3]), ([2, 3], [2, 1, 3]), ([2, 3], [3, 2]), ([1, 3], [2, 3]),
             ([2, 1], [2, 3]), ([], [3]), ([4], [5]), ([2, 3, 4], [3, 3, 4]), ([3, 1], [1, 4])]
OK_BCAST = [([2, 3], [3]), ([2, 3], [2, 3]), ([2, 3], [1, 3]), ([3], []), ([2, 3, 4], [3, 4])]
INPLACE_BIN = ["add_", "sub_", "mul_", "div_", "pow_", "atan2_", "fmod_", "remainder_", "hypot_", "copy_", "lerp_",
               "floor_divide_", "bitwise_and_", "logical_and_", "xlogy_", "copysign_"]


def inplace_binary():
    op = R.choice(INPLACE_BIN)
    if R.random() < 0.55:
        sx, sy = R.choice(BAD_BCAST)
        dx = R.choice([F64, F64, F32, I64])
        dy = dx if R.random() < 0.7 else R.choice([F64, F32, I64])
    else:
        sx, sy = R.choice(OK_BCAST)
        dx, dy = R.choice([(I64, F64), (I64, F32), (BOOL, BOOL), (BOOL, I64), (I64, I64), (F32, C128),
                           (I32, F64), (BOOL, F64), (F64, BOOL), (I64, BOOL)])
    if op in ("bitwise_and_",) and R.random() < 0.5:
        dx, dy = R.choice([(F64, F64), (F32, I64), (I64, F64)])
    x, y = ft(sx, dx), ft(sy, dy)
    a = {"x": x, "y": y}
    m = mods_for(a, "x")
    if op == "lerp_":
        w = R.choice([0.5, 0.25])
        record(op, "inplace_binary", a, "lerp_ weight=%s" % num(w), lambda q: q["x"].lerp_(q["y"], w), m, True)
    elif op == "floor_divide_":
        record(op, "inplace_binary", a, op, lambda q: q["x"].floor_divide_(q["y"]), m, True)
    else:
        record(op, "inplace_binary", a, op, lambda q: getattr(q["x"], op)(q["y"]), m, True)


INPLACE_SCALAR = ["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "fmod_", "remainder_", "fill_"]


def inplace_scalar():
    op = R.choice(INPLACE_SCALAR)
    shape = R.choice([[3], [2, 3], [], [2, 2]])
    dx = R.choice([I64, I64, BOOL, I32])
    x = ft(shape, dx)
    v = R.choice([2.5, -1.5, 0.5, -1, 2, True])
    if op == "pow_" and R.random() < 0.5:
        v = R.choice([-1, -2])
    a = {"x": x}
    m = mods_for(a, "x")
    if op == "clamp_":
        v = R.choice([0.5, -1.5, 2.5])
        record(op, "inplace_scalar", a, "clamp_ min=%s max=N" % pv(v), lambda q: q["x"].clamp_(min=v), m, True)
        return
    if isinstance(v, bool) and op not in ("add_", "mul_", "fill_"):
        v = 2.5
    record(op, "inplace_scalar", a, "%s value=%s" % (op, pv(v)), lambda q: getattr(q["x"], op)(v), m, True)


def masked_fill():
    shape = R.choice([[2, 3], [3], [2, 2, 2]])
    x = ft(shape, R.choice([F64, F32, I64]))
    k = R.random()
    if k < 0.35:
        mshape = R.choice([[4], [2, 4], [3, 3], [2, 3, 2]])
        mk = ft(mshape, BOOL)
    elif k < 0.65:
        mk = ft(shape, R.choice([I64, F32, torch.uint8]))
    else:
        mk = ft(shape, BOOL)
    a = {"x": x, "mask": mk}
    if k >= 0.65:
        a["v"] = ft(R.choice([[1], [2], [3]]), x.dtype)
        m = mods_for(a, "x")
        record("masked_fill_", "masked_fill", a, "masked_fill_t", lambda q: q["x"].masked_fill_(q["mask"], q["v"]),
               m, True)
    else:
        m = mods_for(a, "x")
        v = R.choice([1.5, -2.0])
        record("masked_fill_", "masked_fill", a, "masked_fill_ value=%s" % num(v),
               lambda q: q["x"].masked_fill_(q["mask"], v), m, True)


def index_put():
    shape = R.choice([[4], [3, 2], [2, 3, 2]])
    dt = R.choice([F64, F32, I64])
    x = ft(shape, dt)
    k = R.random()
    n = R.randint(1, 3)
    if k < 0.4:
        idx = it([n], -shape[0] - 3, shape[0] + 3)
        if bool(((idx >= -shape[0]) & (idx < shape[0])).all()):
            idx[0] = shape[0] + R.randint(0, 2)
        v = ft([n] + shape[1:] if R.random() < 0.7 else [1], dt)
    elif k < 0.7:
        idx = it([n], 0, shape[0] - 1)
        v = ft(R.choice([[n + 1], [n, 5], [2, 3, 4]]) if True else [1], dt)
    else:
        idx = it([n], 0, shape[0] - 1)
        v = ft([n] + shape[1:], R.choice([F64, F32, I64]))
    acc = R.random() < 0.3
    a = {"x": x, "i": idx, "v": v}
    m = mods_for(a, "x")
    record("index_put_", "index_put", a, "index_put_ accumulate=%s" % pv(acc),
           lambda q: q["x"].index_put_((q["i"],), q["v"], accumulate=acc), m, True)


def scatter_family():
    op = R.choice(["scatter_", "scatter_add_", "index_add_", "index_copy_", "index_fill_", "scatter_value_",
                   "scatter_reduce_", "index_reduce_"])
    shape = R.choice([[3, 4], [5], [2, 3, 2]])
    dt = R.choice([F64, F32, I64])
    x = ft(shape, dt)
    d = R.randrange(-len(shape), len(shape))
    if R.random() < 0.12:
        d = R.choice([len(shape), -len(shape) - 1])
    dd = d % len(shape) if -len(shape) <= d < len(shape) else 0
    k = R.random()
    if op in ("scatter_", "scatter_add_", "scatter_value_", "scatter_reduce_"):
        ishape = [max(1, s - R.randint(0, 1)) for s in shape]
        hi = shape[dd] - 1
        idx = it(ishape, 0, hi)
        src_dt = dt
        if k < 0.35:
            idx.view(-1)[R.randrange(idx.numel())] = R.choice([shape[dd], shape[dd] + 2, -1 - shape[dd]])
        elif k < 0.5:
            ishape = [s + 2 for s in shape]
            idx = it(ishape, 0, hi)
        elif k < 0.6:
            idx = it(ishape + [1], 0, hi)
        elif k < 0.75:
            src_dt = R.choice([t for t in (F64, F32, I64) if t != dt])
        elif k < 0.85:
            idx = idx.to(R.choice([I32, F64]))
        src = ft([s + R.randint(0, 1) for s in ishape] if idx.dim() == len(shape) else ishape, src_dt)
        if op == "scatter_value_":
            a = {"x": x, "i": idx}
            m = mods_for(a, "x")
            v = R.choice([1.5, -2.0])
            record(op, "scatter", a, "scatter_value_ dim=%d value=%s" % (d, num(v)),
                   lambda q: q["x"].scatter_(d, q["i"], v), m, True)
            return
        a = {"x": x, "i": idx, "src": src}
        m = mods_for(a, "x")
        if op == "scatter_reduce_":
            red = R.choice(["sum", "prod", "mean", "amax", "amin"])
            record(op, "scatter", a, "scatter_reduce_ dim=%d reduce=%s" % (d, red),
                   lambda q: q["x"].scatter_reduce_(d, q["i"], q["src"], red), m, True)
        else:
            record(op, "scatter", a, "%s dim=%d" % (op, d), lambda q: getattr(q["x"], op)(d, q["i"], q["src"]),
                   m, True)
        return
    n = R.randint(1, 3)
    idx = it([n], 0, shape[dd] - 1)
    sshape = list(shape)
    sshape[dd] = n
    src_dt = dt
    if k < 0.35:
        idx[R.randrange(n)] = R.choice([shape[dd], shape[dd] + 3, -1 - shape[dd]])
    elif k < 0.55:
        sshape = [s + 1 for s in sshape] if R.random() < 0.5 else sshape + [2]
    elif k < 0.7:
        src_dt = R.choice([t for t in (F64, F32, I64) if t != dt])
    elif k < 0.85:
        idx = idx.to(R.choice([I32, F64])) if R.random() < 0.5 else idx.reshape(1, n)
    src = ft(sshape, src_dt)
    if op == "index_fill_":
        a = {"x": x, "i": idx}
        m = mods_for(a, "x")
        v = R.choice([1.5, -2.0])
        record(op, "scatter", a, "index_fill_ dim=%d value=%s" % (d, num(v)),
               lambda q: q["x"].index_fill_(d, q["i"], v), m, True)
        return
    a = {"x": x, "i": idx, "src": src}
    m = mods_for(a, "x")
    if op == "index_reduce_":
        red = R.choice(["prod", "mean", "amax", "amin"])
        record(op, "scatter", a, "index_reduce_ dim=%d reduce=%s" % (d, red),
               lambda q: q["x"].index_reduce_(d, q["i"], q["src"], red), m, True)
    else:
        record(op, "scatter", a, "%s dim=%d" % (op, d), lambda q: getattr(q["x"], op)(d, q["i"], q["src"]), m, True)


def addmm_family():
    op = R.choice(["addmm_", "addmv_", "baddbmm_", "addbmm_", "addr_", "addcmul_", "addcdiv_", "addmm", "baddbmm"])
    dt = fdt()
    n, k, p = R.randint(1, 3), R.randint(1, 3), R.randint(1, 3)
    bad = R.random()
    if op in ("addmm_", "addmm"):
        s1, s2, s0 = [n, k], [k, p], [n, p]
    elif op == "addmv_":
        s1, s2, s0 = [n, k], [k], [n]
    elif op in ("baddbmm_", "baddbmm"):
        b = R.randint(1, 2)
        s1, s2, s0 = [b, n, k], [b, k, p], [b, n, p]
    elif op == "addbmm_":
        b = R.randint(1, 2)
        s1, s2, s0 = [b, n, k], [b, k, p], [n, p]
    elif op == "addr_":
        s1, s2, s0 = [n], [p], [n, p]
    else:
        s1, s2, s0 = [n, p], [n, p], [n, p]
    if bad < 0.4:
        s2 = list(s2)
        s2[0 if op not in ("baddbmm_", "baddbmm", "addbmm_") else 1] += R.randint(1, 2)
    elif bad < 0.75:
        s0 = R.choice([[s + 1 for s in s0], s0[:-1] if len(s0) > 1 else [n + 1, 2], [1] + s0[1:] if s0 else [2]])
        if op in ("addmm", "baddbmm") and s0 and s0[0] == 1:
            s0 = [s + 1 for s in s0]
    elif bad < 0.9:
        s1 = s1 + [1]
    d1 = dt if R.random() < 0.85 else R.choice([F64, F32, I64])
    x, y, z = ft(s0, dt), ft(s1, d1), ft(s2, dt)
    a = {"x": x, "y": y, "z": z}
    m = mods_for(a, "x" if op.endswith("_") else None)
    beta, alpha = R.choice([(1.0, 1.0), (0.5, 2.0), (0.0, 1.0)])
    if op in ("addcmul_", "addcdiv_"):
        record(op, "addmm", a, "%s value=%s" % (op, num(alpha)), lambda q: getattr(q["x"], op)(q["y"], q["z"],
                                                                                                value=alpha), m, True)
    else:
        record(op, "addmm", a, "%s beta=%s alpha=%s" % (op, num(beta), num(alpha)),
               lambda q: getattr(q["x"], op)(q["y"], q["z"], beta=beta, alpha=alpha), m, op.endswith("_"))


SHAPE_OPS = ["matmul", "mm", "bmm", "mv", "dot", "cat", "stack", "expand", "view", "reshape", "add", "broadcast_to",
             "transpose", "squeeze", "unsqueeze", "flatten", "permute", "repeat", "split", "chunk", "view_t",
             "mul", "where", "movedim", "unflatten", "tile"]


def shapes():
    op = R.choice(SHAPE_OPS)
    dt = fdt()
    if op in ("matmul", "mm", "bmm", "mv", "dot"):
        pairs = {"matmul": [([2, 3], [4, 2]), ([3], [4]), ([2, 3], [2]), ([2, 2, 3], [2, 4, 2]), ([3, 2, 3], [2, 3, 2]),
                            ([], [3]), ([3], [])],
                 "mm": [([2, 3], [4, 2]), ([3], [3, 2]), ([2, 3, 1], [1, 2]), ([2, 3], [3])],
                 "bmm": [([2, 2, 3], [2, 4, 2]), ([2, 2, 3], [3, 3, 2]), ([2, 3], [3, 2]), ([1, 2, 3], [1, 3])],
                 "mv": [([2, 3], [4]), ([3], [3]), ([2, 3], [1, 3])],
                 "dot": [([3], [4]), ([2, 3], [3]), ([3], [3, 1])]}[op]
        sx, sy = R.choice(pairs)
        dy = dt if R.random() < 0.85 else R.choice([t for t in (F64, F32, I64) if t != dt])
        a = {"x": ft(sx, dt), "y": ft(sy, dy)}
        record(op, "shapes", a, op, lambda q: getattr(torch, op)(q["x"], q["y"]), mods_for(a))
    elif op in ("cat", "stack"):
        sx, sy = R.choice([([2, 3], [2, 4]), ([2, 3], [3]), ([2, 3], [3, 3]), ([2], [3]), ([], [2]), ([2, 3], [2, 3])])
        d = R.randint(-3, 3)
        dy = dt if R.random() < 0.9 else I64
        a = {"x": ft(sx, dt), "y": ft(sy, dy)}
        record(op, "shapes", a, "%s dim=%d" % (op, d), lambda q: getattr(torch, op)([q["x"], q["y"]], d), mods_for(a))
    elif op in ("expand", "broadcast_to"):
        sx = R.choice([[2, 3], [3], [3, 1], [1, 3]])
        to = R.choice([[2, 4], [4], [2, 3, 2], [3], [-1, 4], [2, -2], [-1, 2, 3], [3, 3]])
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "%s shape=%s" % (op, pv(to)), lambda q: getattr(q["x"], op)(to), mods_for(a))
    elif op in ("view", "reshape", "view_t"):
        sx = R.choice([[2, 3], [6], [2, 2, 2], [3, 4]])
        to = R.choice([[4, 2], [-1, 4], [5], [-1, -1], [2, -2], [7, -1], [0, -1], [4, 3], [3, 4], [-1, 3], [12], [2, 6]])
        if op == "view_t":
            sx = R.choice([[2, 3], [3, 4], [2, 2]])
            a = {"x": ft(sx, dt)}
            m = mods_for(a)
            m["x"] = ",".join(sorted(set((m.get("x", "") + ",T").strip(",").split(","))))
            record("view", "shapes", a, "view shape=%s" % pv(to), lambda q: q["x"].view(to), m)
            return
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "%s shape=%s" % (op, pv(to)), lambda q: getattr(q["x"], op)(to), mods_for(a))
    elif op in ("add", "mul"):
        sx, sy = R.choice(BAD_BCAST)
        a = {"x": ft(sx, dt), "y": ft(sy, R.choice([dt, dt, I64]))}
        record(op, "shapes", a, op, lambda q: getattr(torch, op)(q["x"], q["y"]), mods_for(a))
    elif op == "where":
        sc, sx, sy = R.choice([([2, 3], [4, 3], [3]), ([3], [2, 3], [4]), ([2, 1], [3, 3], [1])])
        a = {"c": ft(sc, BOOL if R.random() < 0.7 else I64), "x": ft(sx, dt), "y": ft(sy, dt)}
        record(op, "shapes", a, op, lambda q: torch.where(q["c"], q["x"], q["y"]), mods_for(a))
    elif op in ("transpose", "movedim"):
        sx = R.choice([[2, 3], [3], [2, 3, 4]])
        d0, d1 = R.randint(-4, 3), R.randint(-4, 3)
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "%s d0=%d d1=%d" % (op, d0, d1), lambda q: getattr(torch, op)(q["x"], d0, d1),
               mods_for(a))
    elif op in ("squeeze", "unsqueeze"):
        sx = R.choice([[2, 3], [3], [2, 1, 4], []])
        d = R.randint(-5, 4)
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "%s dim=%d" % (op, d), lambda q: getattr(q["x"], op)(d), mods_for(a))
    elif op == "flatten":
        sx = R.choice([[2, 3], [3], [2, 1, 4]])
        s, e = R.randint(-4, 3), R.randint(-4, 3)
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "flatten start=%d end=%d" % (s, e), lambda q: q["x"].flatten(s, e), mods_for(a))
    elif op == "permute":
        sx = R.choice([[2, 3], [2, 3, 4]])
        p = R.choice([[0], [0, 0], [1, 0, 2], [0, 1, 1], [2, 0], [0, 3, 1], [-1, -3, 1], [0, 1, 2, 3]])
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "permute dims=%s" % pv(p), lambda q: q["x"].permute(p), mods_for(a))
    elif op in ("repeat", "tile"):
        sx = R.choice([[2, 3], [3], [2, 2, 2]])
        reps = R.choice([[2], [-1, 2], [2, -1], [1], [2, 2], [3, -2, 1]])
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "%s reps=%s" % (op, pv(reps)), lambda q: getattr(q["x"], op)(reps), mods_for(a))
    elif op in ("split", "chunk"):
        sx = R.choice([[4, 3], [5]])
        n = R.choice([0, -1, 2, -2])
        d = R.randint(-3, 2)
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "%s size=%d dim=%d" % (op, n, d), lambda q: getattr(q["x"], op)(n, d), mods_for(a))
    elif op == "unflatten":
        sx = R.choice([[6, 2], [6]])
        d = R.randint(-3, 2)
        sz = R.choice([[4, 2], [2, 3], [-1, -1], [5, -1], [3, 2]])
        a = {"x": ft(sx, dt)}
        record(op, "shapes", a, "unflatten dim=%d sizes=%s" % (d, pv(sz)), lambda q: q["x"].unflatten(d, sz),
               mods_for(a))


def indexing():
    op = R.choice(["gather", "index_select", "take", "narrow", "select", "embedding", "one_hot", "cross_entropy",
                   "nll_loss", "softmax", "sum_dim", "cumsum", "argmax", "topk", "kthvalue", "put_", "index_x"])
    dt = fdt()
    if op == "gather":
        x = ft([3, 4], dt)
        d = R.randint(-3, 2)
        k = R.random()
        dd = d % 2 if -2 <= d < 2 else 0
        idx = it([2, 3], 0, x.shape[dd] - 1)
        if k < 0.5:
            idx[R.randint(0, 1), R.randint(0, 2)] = R.choice([x.shape[dd], x.shape[dd] + 2, -x.shape[dd] - 1])
        elif k < 0.65:
            idx = idx.to(I32)
        elif k < 0.8:
            idx = it([2], 0, 2)
        else:
            idx = it([4, 5], 0, 2)
        a = {"x": x, "i": idx}
        record(op, "indexing", a, "gather dim=%d" % d, lambda q: torch.gather(q["x"], d, q["i"]), mods_for(a))
    elif op == "index_select":
        x = ft(R.choice([[3, 4], [5]]), dt)
        d = R.randint(-x.dim() - 1, x.dim())
        dd = d % x.dim() if -x.dim() <= d < x.dim() else 0
        idx = it([R.randint(1, 3)], 0, x.shape[dd] - 1)
        k = R.random()
        if k < 0.55:
            idx[0] = R.choice([x.shape[dd], x.shape[dd] + 4, -1, -x.shape[dd] - 1])
        elif k < 0.7:
            idx = idx.to(F32)
        elif k < 0.85:
            idx = idx.reshape(1, -1)
        a = {"x": x, "i": idx}
        record(op, "indexing", a, "index_select dim=%d" % d, lambda q: torch.index_select(q["x"], d, q["i"]),
               mods_for(a))
    elif op in ("take", "put_"):
        x = ft(R.choice([[2, 3], [4]]), dt)
        idx = it([R.randint(1, 3)], 0, x.numel() - 1)
        k = R.random()
        if k < 0.7:
            idx[0] = R.choice([x.numel(), x.numel() + 3, -x.numel() - 1, -x.numel() - 5])
        else:
            idx = idx.to(I32)
        if op == "take":
            a = {"x": x, "i": idx}
            record(op, "indexing", a, "take", lambda q: torch.take(q["x"], q["i"]), mods_for(a))
        else:
            src = ft([idx.numel()] if R.random() < 0.7 else [idx.numel() + 1], dt)
            acc = R.random() < 0.3
            a = {"x": x, "i": idx, "src": src}
            record(op, "indexing", a, "put_ accumulate=%s" % pv(acc),
                   lambda q: q["x"].put_(q["i"], q["src"], accumulate=acc), mods_for(a, "x"), True)
    elif op in ("narrow", "select"):
        x = ft(R.choice([[3, 4], [5], [2, 3, 2]]), dt)
        d = R.randint(-x.dim() - 1, x.dim())
        dd = d % x.dim() if -x.dim() <= d < x.dim() else 0
        size = x.shape[dd]
        a = {"x": x}
        if op == "narrow":
            st = R.randint(-size - 2, size + 2)
            ln = R.randint(-1, size + 1)
            record(op, "indexing", a, "narrow dim=%d start=%d length=%d" % (d, st, ln),
                   lambda q: narrow_2x(q["x"], d, st, ln), mods_for(a))
        else:
            i = R.choice([size, size + 1, -size - 1, -size - 3, 0])
            record(op, "indexing", a, "select dim=%d index=%d" % (d, i), lambda q: q["x"].select(d, i), mods_for(a))
    elif op == "embedding":
        w = ft([R.randint(2, 5), 3], dt)
        idx = it([R.randint(1, 4)], 0, w.shape[0] - 1)
        k = R.random()
        if k < 0.7:
            idx[R.randrange(idx.numel())] = R.choice([w.shape[0], w.shape[0] + 2, -1, -w.shape[0] - 1])
        else:
            idx = idx.to(R.choice([F32, I32]))
        a = {"i": idx, "w": w}
        record(op, "indexing", a, "embedding", lambda q: F.embedding(q["i"], q["w"]), mods_for(a))
    elif op == "one_hot":
        c = R.randint(2, 5)
        idx = it([R.randint(1, 4)], 0, c - 1)
        k = R.random()
        if k < 0.4:
            idx[0] = R.choice([c, c + 3])
            nc = c
        elif k < 0.7:
            idx[0] = -1
            nc = R.choice([c, -1])
        elif k < 0.85:
            nc = R.choice([1, c - 1]) if c > 2 else 1
            idx[0] = c - 1
        else:
            idx = idx.to(R.choice([F32, I32]))
            nc = c
        a = {"i": idx}
        record(op, "indexing", a, "one_hot num_classes=%d" % nc, lambda q: F.one_hot(q["i"], nc), mods_for(a))
    elif op in ("cross_entropy", "nll_loss"):
        n, c = R.randint(1, 3), R.randint(2, 4)
        x = ft([n, c], dt)
        t = it([n], 0, c - 1)
        k = R.random()
        if k < 0.5:
            t[R.randrange(n)] = R.choice([c, c + 2, -1, -5])
        elif k < 0.65:
            t = it([n + 1], 0, c - 1)
        elif k < 0.8:
            t = t.to(R.choice([I32, F32])) if op == "nll_loss" else t.to(I32)
        else:
            x = ft([n, c, 2, 2][:R.choice([1, 3])], dt)
        red = R.choice(["mean", "sum", "none"])
        a = {"x": x, "t": t}
        record(op, "indexing", a, "%s reduction=%s" % (op, red),
               lambda q: getattr(F, op)(q["x"], q["t"], reduction=red), mods_for(a))
    elif op == "index_x":
        x = ft(R.choice([[3, 4], [5]]), dt)
        idx = it([R.randint(1, 3)], 0, x.shape[0] - 1)
        idx[0] = R.choice([x.shape[0], x.shape[0] + 2, -x.shape[0] - 1])
        a = {"x": x, "i": idx}
        record(op, "indexing", a, "index_x", lambda q: q["x"][q["i"]], mods_for(a))
    else:
        x = ft(R.choice([[3, 4], [5], []]), dt)
        d = R.choice([x.dim(), x.dim() + 1, -x.dim() - 1, -x.dim() - 2, 2, -3])
        if x.dim() == 0 and d in (-1, 0):
            d = 2
        a = {"x": x}
        if op == "softmax":
            record(op, "indexing", a, "softmax dim=%d" % d, lambda q: F.softmax(q["x"], d), mods_for(a))
        elif op == "sum_dim":
            record("sum", "indexing", a, "sum dim=%d" % d, lambda q: q["x"].sum(d), mods_for(a))
        elif op == "cumsum":
            record(op, "indexing", a, "cumsum dim=%d" % d, lambda q: q["x"].cumsum(d), mods_for(a))
        elif op == "argmax":
            record(op, "indexing", a, "argmax dim=%d" % d, lambda q: q["x"].argmax(d), mods_for(a))
        elif op == "topk":
            kk = R.choice([0, 1, 6, -1])
            dd = R.choice([d, -1])
            record(op, "indexing", a, "topk k=%d dim=%d" % (kk, dd), lambda q: q["x"].topk(kk, dd), mods_for(a))
        else:
            kk = R.choice([0, 6, -1, 1])
            dd = R.choice([d, -1])
            record(op, "indexing", a, "kthvalue k=%d dim=%d" % (kk, dd), lambda q: q["x"].kthvalue(kk, dd),
                   mods_for(a))


def dtypes():
    op = R.choice(["sub_bool", "neg_bool", "rsub_bool", "bitwise_and", "bitwise_or", "bitwise_not", "gcd", "lcm",
                   "mm_mixed", "matmul_mixed", "clamp_c", "lt_c", "relu_c", "sort_c", "max_c", "amax_c",
                   "floor_c", "remainder_c", "div_int_", "sign_c", "atan2_c",
                   "shift_f", "erfinv_c", "cummax_c", "argmax_c", "fmod_c"])
    shape = R.choice([[3], [2, 3]])
    if op in ("sub_bool", "rsub_bool"):
        a = {"x": ft(shape, BOOL), "y": ft(shape, BOOL if R.random() < 0.7 else I64)}
        if op == "sub_bool":
            if a["y"].dtype != BOOL:
                a["x"], a["y"] = a["y"], a["x"]
            record("sub", "dtypes", a, "sub", lambda q: torch.sub(q["x"], q["y"]), mods_for(a))
        else:
            record("sub_", "dtypes", {"x": a["x"], "y": a["x"].clone()}, "sub_", lambda q: q["x"].sub_(q["y"]),
                   None, True)
    elif op == "neg_bool":
        a = {"x": ft(shape, BOOL)}
        if R.random() < 0.5:
            record("neg", "dtypes", a, "neg", lambda q: torch.neg(q["x"]))
        else:
            record("neg_", "dtypes", a, "neg_", lambda q: q["x"].neg_(), None, True)
    elif op in ("bitwise_and", "bitwise_or", "gcd", "lcm"):
        dx, dy = R.choice([(F64, F64), (F32, I64), (I64, F64), (F64, BOOL)])
        a = {"x": ft(shape, dx), "y": ft(shape, dy)}
        record(op, "dtypes", a, op, lambda q: getattr(torch, op)(q["x"], q["y"]), mods_for(a))
    elif op == "bitwise_not":
        a = {"x": ft(shape, R.choice([F64, F32]))}
        record(op, "dtypes", a, op, lambda q: torch.bitwise_not(q["x"]), mods_for(a))
    elif op == "shift_f":
        a = {"x": ft(shape, R.choice([F64, F32])), "y": ft(shape, I64)}
        record("bitwise_left_shift", "dtypes", a, "bitwise_left_shift",
               lambda q: torch.bitwise_left_shift(q["x"], q["y"]), mods_for(a))
    elif op in ("mm_mixed", "matmul_mixed"):
        dx, dy = R.choice([(I64, F64), (F32, F64), (F64, I64), (I64, F32), (BOOL, F64)])
        a = {"x": ft([2, 3], dx), "y": ft([3, 2], dy)}
        o = op.split("_")[0]
        record(o, "dtypes", a, o, lambda q: getattr(torch, o)(q["x"], q["y"]), mods_for(a))
    elif op == "div_int_":
        a = {"x": ft(shape, R.choice([I64, I32, BOOL])), "y": ft(shape, R.choice([I64, BOOL]))}
        record("div_", "dtypes", a, "div_", lambda q: q["x"].div_(q["y"]), None, True)
    else:
        x = ft(shape, C128)
        a = {"x": x}
        if op in ("lt_c", "atan2_c", "remainder_c", "fmod_c"):
            a["y"] = ft(shape, R.choice([C128, F64]))
        o = op[:-2]
        if o == "clamp":
            record(o, "dtypes", a, "clamp min=0.0 max=N", lambda q: torch.clamp(q["x"], min=0.0), mods_for(a))
        elif o in ("lt", "atan2", "remainder", "fmod"):
            record(o, "dtypes", a, o, lambda q: getattr(torch, o)(q["x"], q["y"]), mods_for(a))
        elif o in ("sort", "cummax", "argmax", "amax", "max"):
            d = 0
            if o == "amax":
                record(o, "dtypes", a, "amax dim=0", lambda q: torch.amax(q["x"], 0), mods_for(a))
            elif o == "max" and R.random() < 0.5:
                record(o, "dtypes", a, "max", lambda q: torch.max(q["x"]), mods_for(a))
            else:
                record(o, "dtypes", a, "%s dim=%d" % (o, d), lambda q: getattr(torch, o)(q["x"], d), mods_for(a))
        else:
            record(o, "dtypes", a, o, lambda q: getattr(torch, o)(q["x"]), mods_for(a))


def sizes():
    op = R.choice(["zeros", "ones", "full", "empty", "arange", "linspace", "randn", "eye", "rand", "randint"])
    if op in ("zeros", "ones", "full", "empty", "randn", "rand"):
        shape = R.choice([[-1], [2, -3], [-2, 0], [3, -1, 2]])
        record(op, "sizes", {}, "%s shape=%s" % (op, pv(shape)),
               lambda q: torch.full(shape, 1.5) if op == "full" else getattr(torch, op)(shape, dtype=F64))
    elif op == "arange":
        st, en, step = R.choice([(0, 5, 0), (5, 0, 1), (0, 5, -1), (0.0, 1.0, 0.0), (3, 1, 0.5)])
        record(op, "sizes", {}, "arange start=%s end=%s step=%s" % (num(st), num(en), num(step)),
               lambda q: torch.arange(st, en, step, dtype=F64))
    elif op == "linspace":
        n = R.choice([-1, -5])
        record(op, "sizes", {}, "linspace steps=%d" % n, lambda q: torch.linspace(0.0, 1.0, n, dtype=F64))
    elif op == "eye":
        n, m = R.choice([(-1, 2), (2, -1), (-3, -3)])
        record(op, "sizes", {}, "eye n=%d m=%d" % (n, m), lambda q: torch.eye(n, m, dtype=F64))
    else:
        lo, hi = R.choice([(5, 5), (5, 2), (0, 0)])
        record(op, "sizes", {}, "randint low=%d high=%d" % (lo, hi), lambda q: torch.randint(lo, hi, (3,)))


def functional():
    op = R.choice(["conv1d", "conv2d", "max_pool2d", "avg_pool2d", "linear", "layer_norm", "group_norm",
                   "batch_norm", "max_pool1d", "adaptive_avg_pool2d", "conv_transpose2d", "pixel_shuffle",
                   "instance_norm", "mse_loss", "bce"])
    dt = fdt()
    if op in ("conv1d", "conv2d", "conv_transpose2d"):
        nd = 1 if op == "conv1d" else 2
        cin, cout = R.randint(1, 3), R.randint(1, 3)
        sp = [R.randint(2, 5) for _ in range(nd)]
        k = [R.randint(1, 3) for _ in range(nd)]
        xs = [R.randint(1, 2), cin] + sp
        ws = [cout, cin] + k if op != "conv_transpose2d" else [cin, cout] + k
        bad = R.random()
        bs = [cout]
        if bad < 0.25:
            xs = xs[2:] if R.random() < 0.5 else xs + [2]
        elif bad < 0.5:
            xs[1] += R.randint(1, 2)
        elif bad < 0.65:
            ws = ws[:-1] if R.random() < 0.5 else ws
            xs = xs[:2] + [1] * nd
            ws = [cout, cin] + [3] * nd if op != "conv_transpose2d" else ws
        elif bad < 0.8:
            bs = [cout + 1]
        else:
            ws = ws + [1]
        wd = dt if R.random() < 0.9 else R.choice([t for t in (F64, F32) if t != dt])
        a = {"x": ft(xs, dt), "w": ft(ws, wd), "b": ft(bs, dt)}
        fn = getattr(F, op)
        record(op, "functional", a, op, lambda q: fn(q["x"], q["w"], q["b"]), mods_for(a))
    elif op in ("max_pool2d", "avg_pool2d", "max_pool1d", "adaptive_avg_pool2d"):
        nd = 1 if op == "max_pool1d" else 2
        xs = [R.randint(1, 2), R.randint(1, 2)] + [R.randint(1, 3) for _ in range(nd)]
        if R.random() < 0.3:
            xs = xs[2:] if R.random() < 0.5 else xs + [2]
        kk = R.choice([0, 2, 4, 5, -1])
        a = {"x": ft(xs, dt)}
        if op == "adaptive_avg_pool2d":
            kk = R.choice([0, -1, 2])
        record(op, "functional", a, "%s kernel=%d" % (op, kk), lambda q: getattr(F, op)(q["x"], kk), mods_for(a))
    elif op == "linear":
        i, o = R.randint(1, 4), R.randint(1, 3)
        xs = [R.randint(1, 3), i]
        ws = [o, i]
        bs = [o]
        bad = R.random()
        if bad < 0.45:
            ws = [o, i + 1]
        elif bad < 0.65:
            bs = [o + 1]
        elif bad < 0.8:
            ws = [o, i, 1]
        else:
            xs = []
            ws = [o, i + 1]
        a = {"x": ft(xs, dt), "w": ft(ws, dt), "b": ft(bs, dt)}
        record(op, "functional", a, op, lambda q: F.linear(q["x"], q["w"], q["b"]), mods_for(a))
    elif op == "layer_norm":
        xs = R.choice([[2, 3], [2, 3, 4], [3]])
        ns = R.choice([[4], [2, 3, 4, 5], [3, 3], [2]])
        ws = ns if R.random() < 0.7 else [ns[-1] + 1]
        a = {"x": ft(xs, dt), "w": ft(ws, dt), "b": ft(ws, dt)}
        record(op, "functional", a, "layer_norm shape=%s" % pv(ns),
               lambda q: F.layer_norm(q["x"], ns, q["w"], q["b"]), mods_for(a))
    elif op == "group_norm":
        xs = R.choice([[2, 6, 4], [2, 6], [6], [1, 4, 2, 2]])
        g = R.choice([4, 5, 12])
        a = {"x": ft(xs, dt)}
        record(op, "functional", a, "group_norm groups=%d" % g, lambda q: F.group_norm(q["x"], g), mods_for(a))
    elif op in ("batch_norm", "instance_norm"):
        c = R.randint(2, 4)
        xs = R.choice([[2, c], [2, c, 3], [c]])
        rc = c if R.random() < 0.3 else c + 1
        train = R.random() < 0.5
        a = {"x": ft(xs, dt), "rm": ft([rc], dt), "rv": ft([rc], dt).abs() + 0.5, "w": ft([R.choice([c, rc])], dt)}
        if op == "batch_norm":
            record(op, "functional", a, "batch_norm training=%s" % pv(train),
                   lambda q: F.batch_norm(q["x"], q["rm"], q["rv"], q["w"], None, training=train), mods_for(a))
        else:
            record(op, "functional", a, "instance_norm",
                   lambda q: F.instance_norm(q["x"], q["rm"], q["rv"], q["w"], None), mods_for(a))
    elif op == "pixel_shuffle":
        xs = R.choice([[1, 3, 2, 2], [1, 4, 2], [2, 4, 2, 2]])
        r = R.choice([2, 3, 0])
        a = {"x": ft(xs, dt)}
        record(op, "functional", a, "pixel_shuffle r=%d" % r, lambda q: F.pixel_shuffle(q["x"], r), mods_for(a))
    elif op in ("mse_loss", "bce"):
        sx, sy = R.choice(BAD_BCAST[:6])
        a = {"x": ft(sx, dt).sigmoid(), "t": ft(sy, dt).sigmoid()}
        if op == "mse_loss":
            record(op, "functional", a, "mse_loss", lambda q: F.mse_loss(q["x"], q["t"]), mods_for(a))
        else:
            record("binary_cross_entropy", "functional", a, "binary_cross_entropy",
                   lambda q: F.binary_cross_entropy(q["x"], q["t"]), mods_for(a))


FAMILIES = [(inplace_binary, 500), (inplace_scalar, 200), (masked_fill, 150), (index_put, 150), (scatter_family, 400),
            (addmm_family, 250), (shapes, 500), (indexing, 500), (dtypes, 250), (sizes, 60), (functional, 400)]


def fixes():
    """The cases of FuzzRound38FixesTest: one refusal each whose message or type Ember got wrong before session 56."""
    f64, i64 = F64, I64
    x, v1, v2 = ft([2, 3], f64), ft([2], f64), ft([4], f64)
    record("addr_", "fix", {"x": x, "y": v1, "z": v2}, "addr_ beta=1.0 alpha=1.0",
           lambda q: q["x"].addr_(q["y"], q["z"]), {"x": "nl"}, True, "fix_addr_size_mismatch")
    x = ft([3], f64)
    record("addr_", "fix", {"x": x, "y": ft([3], f64), "z": ft([2], f64)}, "addr_ beta=1.0 alpha=1.0",
           lambda q: q["x"].addr_(q["y"], q["z"]), None, True, "fix_addr_self_not_2d")
    record("put_", "fix", {"x": ft([2, 3], f64), "i": it([2], 0, 5).to(I32), "src": ft([2], f64)},
           "put_ accumulate=False", lambda q: q["x"].put_(q["i"], q["src"]), None, True, "fix_put_int32_index")
    record("stack", "fix", {"x": ft([2, 3], f64), "y": ft([3], f64)}, "stack dim=3",
           lambda q: torch.stack([q["x"], q["y"]], 3), None, False, "fix_stack_dim_before_sizes")
    record("fmod_", "fix", {"x": ft([2, 3], i64), "y": ft([4, 3], f64)}, "fmod_",
           lambda q: q["x"].fmod_(q["y"]), None, True, "fix_fmod_broadcast_before_cast")
    record("bitwise_and_", "fix", {"x": ft([2, 3], f64), "y": ft([4, 3], f64)}, "bitwise_and_",
           lambda q: q["x"].bitwise_and_(q["y"]), None, True, "fix_bitwise_and_shape_before_kernel")
    record("bitwise_and_", "fix", {"x": ft([2, 3], i64), "y": ft([3], f64)}, "bitwise_and_",
           lambda q: q["x"].bitwise_and_(q["y"]), None, True, "fix_bitwise_and_cast_before_kernel")
    record("hypot_", "fix", {"x": ft([3], BOOL), "y": ft([3], i64)}, "hypot_",
           lambda q: q["x"].hypot_(q["y"]), None, True, "fix_hypot_cast_before_kernel")
    record("atan2_", "fix", {"x": ft([3], F32), "y": ft([3], C128)}, "atan2_",
           lambda q: q["x"].atan2_(q["y"]), None, True, "fix_atan2_complex_cast_before_kernel")
    record("atan2_", "fix", {"x": ft([2, 3], i64), "y": ft([4, 3], i64)}, "atan2_",
           lambda q: q["x"].atan2_(q["y"]), None, True, "fix_atan2_broadcast_before_cast")
    record("lerp_", "fix", {"x": ft([2, 3], i64), "y": ft([4, 3], i64)}, "lerp_ weight=0.5",
           lambda q: q["x"].lerp_(q["y"], 0.5), None, True, "fix_lerp_shape_before_kernel")
    # addbmm_ / addbmm of mixed types: addmm_'s meta checks per batch, self's type against batch2's first (session 63,
    # seed 6438: Ember gave bmm's "expected scalar type Double but found Float")
    f32 = F32
    record("addbmm_", "fix", {"x": ft([2, 1], f32), "y": ft([1, 2, 1], f64), "z": ft([1, 1, 1], f32)},
           "addbmm_ beta=1.0 alpha=1.0", lambda q: q["x"].addbmm_(q["y"], q["z"]), {"x": "T"}, True,
           "fix_addbmm_mat1_dtype")
    record("addbmm_", "fix", {"x": ft([2, 3], f64), "y": ft([2, 2, 4], f32), "z": ft([2, 4, 3], f32)},
           "addbmm_ beta=0.5 alpha=2.0", lambda q: q["x"].addbmm_(q["y"], q["z"], beta=0.5, alpha=2.0), None, True,
           "fix_addbmm_self_dtype")
    record("addbmm_", "fix", {"x": ft([2, 2], i64), "y": ft([1, 2, 3], i64), "z": ft([1, 3, 2], f64)},
           "addbmm_ beta=1.0 alpha=1.0", lambda q: q["x"].addbmm_(q["y"], q["z"]), None, True,
           "fix_addbmm_self_dtype_int")
    record("addbmm_", "fix", {"x": ft([3, 2], BOOL), "y": ft([2, 3, 1], BOOL), "z": ft([2, 1, 2], BOOL)},
           "addbmm_ beta=1.0 alpha=1.0", lambda q: q["x"].addbmm_(q["y"], q["z"]), None, True,
           "fix_addbmm_bool_kernel")
    # baddbmm_ / addmv_ / addbmm_ of a leaf that requires grad into a product of another shape: autograd's
    # check_inplace refuses the leaf before the kernel's shape check (session 63, seed 6538: Ember's shape check first)
    record("baddbmm_", "fix", {"x": ft([2, 2], f64), "y": ft([2, 2, 3], f64), "z": ft([2, 3, 2], f64)},
           "baddbmm_ beta=1.0 alpha=1.0", lambda q: q["x"].baddbmm_(q["y"], q["z"]), {"x": "rg"}, True,
           "fix_baddbmm_leaf_before_shape")
    record("addmv_", "fix", {"x": ft([1], f64), "y": ft([3, 2], f64), "z": ft([2], f64)},
           "addmv_ beta=1.0 alpha=1.0", lambda q: q["x"].addmv_(q["y"], q["z"]), {"x": "gr"}, True,
           "fix_addmv_leaf_before_shape")
    record("addbmm_", "fix", {"x": ft([1, 2], f64), "y": ft([1, 2, 3], f64), "z": ft([1, 3, 2], f64)},
           "addbmm_ beta=1.0 alpha=1.0", lambda q: q["x"].addbmm_(q["y"], q["z"]), {"x": "rg"}, True,
           "fix_addbmm_leaf_before_shape")


def main():
    if os.environ.get("FUZZ_FIXES"):
        fixes()
    else:
        for fam, n in FAMILIES:
            for _ in range(times(n)):
                fam()
    print("\n".join(OUT))
    import sys
    print("# %d cases, %d accepted draws dropped" % (COUNT[0], DROPPED[0]), file=sys.stderr)


if __name__ == "__main__":
    main()
