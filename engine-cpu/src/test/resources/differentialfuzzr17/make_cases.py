# Differential fuzz, round 17 (DifferentialFuzzR17Test.java): sparse tensors and FFT at their corners.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr17 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13, CPU; seed 17, FUZZ_SEED draws other ones for a local hunt, FUZZ_N scales the number of cases per
#   section; the output is the same bytes run after run; FUZZ_BIG=1 writes instead a hunt of the 1-D transforms at
#   sizes 7 to 360, too large to commit)
#
# Sections (kind: what the Java side runs and compares):
#   coo     torch.sparse_coo_tensor(indices, values[, size]) (float64 mostly; float32, int64, complex128 values) with
#           duplicate and unsorted indices, hybrid (dense) dims, no entries, the size inferred; then one op: none (the
#           tensor itself), coalesce, to_dense, indices/values (refused on an uncoalesced tensor), to(dtype), add/sub
#           with alpha (sparse + sparse, coalesced or not), dense + sparse, mul by a scalar, mul by a dense tensor, the
#           elementwise functions (abs, sqrt, sin, ..., pow: PyTorch coalesces first), torch.sparse.sum (all, sparse
#           dims, dense dims, to a dense result), torch.sparse.mm with a dense and with a sparse matrix,
#           torch.sparse.addmm (beta, alpha,
#           broadcast input), matmul (of the tensor without history) with a dense vector or matrix,
#           torch.sparse.softmax / log_softmax over sparse
#           and dense dims, transpose (two sparse or
#           two dense dims; mixed is refused), t(), index_select along sparse and dense dims (negative and repeated
#           indices), to_sparse_csr / to_sparse_csc. A sparse result is compared by its size, sparse_dim, dense_dim,
#           is_coalesced, _indices() exactly and _values() (and its dense form); a dense one by its values. Gradients
#           (float64 values, and the dense operand) of sum(dense(out) * w), w[k] = 1 + 0.5 ((3k) mod 11) over the
#           result's elements.
#           Refusals (PyTorch's first line, the inputs unchanged): nnz that disagree, a negative index, an index past
#           the size, values of the wrong shape, a size of the wrong length, mismatched sizes in add, mm shapes,
#           repeated dims in sparse.sum, a dim out of range, mixed transpose.
#   dense   x.to_sparse() / x.to_sparse(sparse_dim) of a dense float64 tensor (zeros in whole slices), then the
#           result as above, and the gradient of the dense input through to_dense.
#   leaf    a sparse leaf (sparse_coo_tensor(..., requires_grad=True), uncoalesced or coalesced) through to_dense,
#           sparse.mm, sparse.sum (all or some dims), mul by a scalar or a dense tensor, neg, dense + sparse,
#           sparse.softmax / log_softmax, transpose, coalesce().values(): the leaf's .grad, a sparse tensor, compared by
#           layout, size and (coalesced) indices and values. (PyTorch gives the gradient through transpose flagged
#           uncoalesced and lists entries of sparse.sum's gradient twice; Ember's is coalesced, the same tensor:
#           documented in SparseTensor.requiresGrad_, so the leaf's gradient is compared after coalesce().)
#   csr     torch.sparse_csr_tensor / sparse_csc_tensor with the size given or inferred, int32 and int64 indices:
#           to_dense, crow/col (ccol/row) indices and values exactly, to_sparse (COO), to_sparse_csr/csc conversions,
#           matmul with a dense matrix (and its gradient in the dense operand; an inner size that does not fit),
#           dense.to_sparse_csr/csc. Refusals:
#           the invariants of _validate_sparse_compressed_tensor_args (crow[0] != 0, crow[-1] != nnz, decreasing
#           crow, a column out of range, unsorted or repeated columns within a row, wrong lengths, mixed index types).
#   fft1    torch.fft.fft/ifft/rfft/irfft/hfft/ihfft of real (float64, float32, int64) and complex inputs,
#           contiguous or seen through a transposed / strided view, n None / 1 / smaller / larger / odd / even, dim
#           at both ends and negative, norm None/"backward"/"forward"/"ortho"; refusals (n < 1, dim out of range, a
#           0-dim input, complex input to rfft/ihfft, a bad norm). Values and, for float64 and complex128 inputs, the
#           gradient of sum(view_as_real(out) * w) (the real output's own elements for irfft/hfft) in the input.
#   fftn    fft2/ifft2/rfft2/irfft2/hfft2/ihfft2 and fftn/ifftn/rfftn/irfftn/hfftn/ihfftn with s (entries -1, smaller,
#           larger) and dim (None, negative, unordered); refusals (repeated dims, len(s) != len(dim), s longer than the
#           rank, s with a 0, an empty dim for c2r). Values and gradients as fft1.
#   freq    fftfreq / rfftfreq (n 0, 1, odd, even; d; float32 and float64).
#   shift   fftshift / ifftshift (dim None, one, several, negative; odd and even sizes), with the gradient.
#   win     hann/hamming/blackman/bartlett/kaiser_window: sizes 0, 1, 2, odd, even; periodic; float32 and float64;
#           hamming's alpha/beta, kaiser's beta; a negative size refused.
#   stft    torch.stft of 1-D and 2-D float64 and complex128 signals (some float32/complex64): n_fft, hop_length,
#           win_length (window zero-padded to n_fft), a window tensor (random, real or complex, requires grad) or
#           none, center with every pad_mode,
#           normalized, onesided, return_complex True and False: values and the gradients of the signal and window.
#           Refusals (n_fft past the signal, hop 0, win_length past n_fft, a window of the wrong size, onesided for a
#           complex input, reflect padding longer than the signal).
#   istft   torch.istft of spectra made by stft (the NOLA condition holds) and of random ones: center, normalized,
#           onesided, length None / shorter / longer, return_complex: values and gradients of the spectrum and window.
#           Refusals (NOLA failure, wrong frequency count, a real input).
#   corners (stft/istft/freq/shift cases named "corner" or by op, listed, no randomness): a 3-D signal, n_fft 0 or past
#           the signal, win_length 0 or past n_fft, windows of the wrong size, shape or type, a negative hop, reflect,
#           constant, replicate and circular padding of a signal shorter than the padding, an unknown pad mode, a
#           complex window with onesided, n_fft 1, the real view of a batch; istft of a real input (2.x's refusal),
#           hop past win_length, wrong window or frequency count, length 0 and past the signal, a complex output of a
#           onesided input, 4-D input, no frames, NOLA failure; fftfreq/rfftfreq with n -1 and 0, d 0, negative and
#           inf; fftshift/ifftshift with a repeated dim, dims out of range, no dims.
#
# Format: "=== id kind name", then lines by first word: tensors "dtype [shape] : values" (complex tensors as their
# view_as_real: "complex128 [shape] : re im re im ...", the shape the complex one; float32 values written as their
# float64 repr, exact), "p key value ..." for the numbers (N: None), "view <steps>" (FuzzCaseRunner.view's recipe)
# for a non-contiguous input, "error <message>" for PyTorch's refusal (first line of its message).
#
# 1.13 vs 2.x (Ember follows 2.x), and what is left out:
# - torch.stft of a real signal without return_complex: 1.13 warns and returns the real view, 2.x refuses; every case
#   here gives return_complex.
# - torch.sparse_coo_tensor's index checks: 1.13's constructor always checks the indices against the size; 2.x checks
#   them when check_invariants is on (off by default) and Ember checks them always, in 1.13's words: those cases are
#   the 1.13 (check_invariants=True) behaviour.
# - a 0-dim input to the transforms: 1.13 wraps its dim as a scalar's (then fails in the padding, or gives "Invalid
#   number of data points (0)"); 2.x's maybe_wrap_dim(dim, 0, wrap_scalar=false) refuses it ("Dimension specified as
#   -1 but tensor has no dimensions", FftTest's): no 0-dim inputs here.
# - torch.sparse.softmax / log_softmax with a negative dim: refused in 1.13 and 2.x alike (sparse/SoftMax.cpp's
#   softmax_sparse_input_preprocessing checks 0 <= dim < input.dim() without wrapping: ": dim must be non-negative and
#   less than input dimensions"), so those refusals are kept.
# - fftn / ifftn over no dims (dim=[], or s=[] without dim): 1.13's _fft_c2c_mkl returns an uninitialized tensor;
#   2.x's returns self.clone() of the input promoted to complex: that is the expected value here (norm changes
#   nothing over no dims).
# - istft's frequency-count refusals: 1.13 says "when onsided=True/False", 2.x "when onesided=..." (2.x's here).
# - the COO form of a CSC tensor: 1.13 flags it coalesced; 2.x's sparse_compressed_to_sparse only when it has no
#   elements or one entry (2.x's flag here; its indices are in column-major order).
# - the gradient of the dense operand of sparse * dense: PyTorch's is a sparse tensor (mul's backward multiplies the
#   gradient by the sparse operand); Ember's autograd gives dense tensors dense gradients: the same values, dense
#   (the Java side checks exactly that, and the report names it).
# - sparse_csr_tensor / sparse_csc_tensor's checks: 1.13 checks the invariants always; 2.x with check_invariants=True
#   (off by default), and Ember always; later 2.x checks them without entries too (1.13 skipped them then: 2.x's
#   refusal is written for those, from its invariants 5.1 and 5.2).
# - s * c of a tensor without entries: 1.13 gives sparse_dim = every dim; 2.x keeps the operand's sparse and dense dims
#   (its intersection_binary_op_sparse_dense_out), written here.
# - torch.sparse.mm of two sparse matrices: 2.x sorts each row's columns (1.13 does not, while flagging the result
#   coalesced); the sorted entries are written here.
# - sspaddmm, sampled_addmm, narrow_copy of a sparse tensor, BSR/BSC and batched/hybrid CSR: Ember has none of them.
# - gradients through CSR tensors other than the dense operand of matmul: Ember's CSR tensors carry no history.
import math
import os
import random

import torch

SEED = int(os.environ.get("FUZZ_SEED", "17"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

OUT = []
COUNT = [0]
F64, F32, C128, I64 = torch.float64, torch.float32, torch.complex128, torch.int64


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
    if t.is_complex():
        shape = list(t.shape)
        vals = torch.view_as_real(t.resolve_conj().to(C128)).reshape(-1).tolist()
    else:
        shape = list(t.shape)
        vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        body = " ".join("True" if v else "False" for v in vals)
    elif t.is_floating_point() or t.is_complex():
        body = " ".join(num(v) for v in vals)
    else:
        body = " ".join(str(int(v)) for v in vals)
    return "%s [%s] : %s" % (dname(t), ", ".join(str(s) for s in shape), body)


def p(**kw):
    parts = []
    for k, v in kw.items():
        if v is None:
            v = "N"
        elif isinstance(v, (list, tuple)):
            v = ",".join(str(x) for x in v) if len(v) else "E"
        parts.append("%s %s" % (k, v))
    return "p " + " ".join(parts)


def case(kind, name, lines):
    COUNT[0] += 1
    OUT.append("=== c%04d %s %s" % (COUNT[0], kind, name))
    OUT.extend(lines)


def err_line(e):
    msg = str(e).split("\n")[0]
    # istft's message in 2.x's spelling (1.13: "when onsided=True")
    return "error " + msg.replace("when onsided=", "when onesided=")


def weights(shape, dtype=F64):
    n = 1
    for s in shape:
        n *= s
    w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=F64).reshape(shape)
    return w.to(dtype)


def real_loss(out):
    r = torch.view_as_real(out.resolve_conj()) if out.is_complex() else out
    return (r * weights(r.shape, r.dtype)).sum()


def rvals(shape, dtype=F64, ints=False):
    n = 1
    for s in shape:
        n *= s
    if ints:
        return torch.tensor([R.randint(-4, 4) for _ in range(n)], dtype=I64).reshape(shape)
    if dtype in (C128, torch.complex64):
        return torch.tensor([complex(R.randint(-16, 16) / 8 + R.random() * 0.1, R.randint(-16, 16) / 8)
                             for _ in range(n)], dtype=C128).reshape(shape).to(dtype)
    t = torch.tensor([R.randint(-16, 16) / 8 + R.random() * 0.1 for _ in range(n)], dtype=F64).reshape(shape)
    return t.to(dtype)


def view_steps(shape):
    """A view recipe over a base of `shape` and the base shape to draw: (base_shape, steps) or (shape, None)."""
    k = R.random()
    if len(shape) >= 2 and k < 0.3:
        base = list(shape)
        base[0], base[1] = base[1], base[0]
        return base, "transpose 0 1"
    if len(shape) >= 1 and k < 0.5:
        base = list(shape)
        base[-1] = 2 * shape[-1]
        return base, "slice %d 0 %d 2" % (len(shape) - 1, 2 * shape[-1])
    return list(shape), None


def apply_steps(t, steps):
    if steps is None:
        return t
    w = steps.split(" ")
    if w[0] == "transpose":
        return t.transpose(int(w[1]), int(w[2]))
    return t[tuple([slice(None)] * int(w[1]) + [slice(int(w[2]), int(w[3]), int(w[4]))])]


# ------------------------------------------------------------------------------------------------ sparse COO

def sparse_lines(prefix, s):
    """A sparse result: size, dims, coalesced flag, _indices, _values, dense."""
    return ["%ssz %s" % (prefix, ",".join(str(x) for x in s.shape) if s.dim() else "E"),
            "%sdims %d %d %d %s" % (prefix, s.sparse_dim(), s.dense_dim(), s._nnz(), s.is_coalesced()),
            "%si %s" % (prefix, tline(s._indices())),
            "%sv %s" % (prefix, tline(s._values())),
            "%sd %s" % (prefix, tline(s.to_dense()))]


def draw_coo(dtype=F64):
    sd = R.choice([1, 2, 2, 2, 3])
    dd = R.choice([0, 0, 0, 1, 2]) if sd < 3 else R.choice([0, 1])
    ssize = [R.randint(1, 4) for _ in range(sd)]
    dsize = [R.randint(1, 3) for _ in range(dd)]
    nnz = R.choice([0, 1, 2, 3, 4, 5, 6])
    idx = [[R.randrange(s) for _ in range(nnz)] for s in ssize]
    if nnz >= 2 and R.random() < 0.5:  # a duplicate
        j = R.randrange(nnz - 1)
        for row in idx:
            row[j + 1] = row[j]
    ints = dtype == I64
    vals = rvals([nnz] + dsize, dtype if dtype != I64 else F64, ints=ints)
    return torch.tensor(idx, dtype=I64).reshape(sd, nnz), vals, ssize + dsize


def coo_base_lines(i, v, size, given, coal):
    return ["i " + tline(i), "v " + tline(v), p(size=size if given else None, coal=coal)]


def build(i, v, size, given, coal):
    vv = v.detach().clone()
    # (complex values without grad: PyTorch's autograd refuses several sparse ops of complex outputs, "_sparse_sum does
    # not support automatic differentiation for outputs with complex dtype.")
    if vv.is_floating_point():
        vv.requires_grad_(True)
    s = torch.sparse_coo_tensor(i, vv, size) if given else torch.sparse_coo_tensor(i, vv)
    if coal:
        s = s.coalesce()
    return s, vv


UNARY = ["abs", "sqrt", "sin", "tan", "tanh", "sinh", "asin", "asinh", "atan", "atanh", "erf", "log1p", "expm1",
         "sign", "floor", "ceil", "round", "trunc", "square", "pow"]
COO_OPS = ["none", "coalesce", "to_dense", "indices", "values", "add", "sub", "add_dense", "mul_scalar", "div_scalar",
           "mul_dense", "neg", "sum", "sum_dims", "mm", "mm_sparse", "addmm", "softmax", "log_softmax", "transpose",
           "t", "index_select", "to_csr", "matmul", "to_dtype"]


def coo_case(op):
    dtype = R.choice([F64, F64, F64, F64, F32, I64, C128])
    i, v, size = draw_coo(dtype)
    if op in ("mm", "mm_sparse", "addmm", "t", "to_csr", "matmul"):
        sd = 2
        ssize = [R.randint(1, 4), R.randint(1, 4)]
        nnz = R.choice([0, 1, 3, 4, 6])
        idx = [[R.randrange(s) for _ in range(nnz)] for s in ssize]
        if nnz >= 2 and R.random() < 0.5:
            for row in idx:
                row[1] = row[0]
        i = torch.tensor(idx, dtype=I64).reshape(2, nnz)
        v = rvals([nnz], F64 if dtype == I64 else dtype, ints=dtype == I64)
        if op in ("mm", "addmm", "mm_sparse", "matmul"):
            v = v.to(F64) if R.random() < 0.85 else v
        size = ssize
    given = R.random() < 0.8 or op in ("mm", "addmm", "matmul")
    coal = R.random() < 0.3
    lines = coo_base_lines(i, v, size, given, coal)
    extra = []
    try:
        s, vv = build(i, v, size, given, coal)
    except Exception as e:
        case("coo", "build", lines + [p(op="none")] + [err_line(e)])
        return
    other = None
    res = None
    dense_in = None
    try:
        if op == "none":
            res = s
        elif op == "coalesce":
            res = s.coalesce()
        elif op == "to_dense":
            res = s.to_dense()
        elif op == "indices":
            res = s.indices()
        elif op == "values":
            res = s.values()
        elif op in ("add", "sub"):
            i2, v2, _ = draw_coo()
            if R.random() < 0.8:
                # another tensor of the same size and sparse dims
                sd = s.sparse_dim()
                nnz2 = R.randint(0, 4)
                nnz2 = nnz2 if all(s.shape[d] > 0 for d in range(sd)) else 0
                i2 = torch.tensor([[R.randrange(s.shape[d]) for _ in range(nnz2)] for d in range(sd)],
                                  dtype=I64).reshape(sd, nnz2)
                v2 = rvals([nnz2] + list(s.shape[sd:]), F64)
                size2 = list(s.shape)
            else:
                size2 = list(R.choice([[3, 3], [2, 5], list(s.shape[:-1]) + [s.shape[-1] + 1]]))
                if len(size2) < i2.shape[0] + v2.dim() - 1:
                    size2 = list(size2) + [1] * (i2.shape[0] + v2.dim() - 1 - len(size2))
                size2 = size2[:i2.shape[0] + v2.dim() - 1]
                if i2.numel() and min(size2[:i2.shape[0]]) == 0:  # (no index fits a dim of size 0)
                    i2, v2 = i2[:, :0], v2[:0]
                i2 = i2.clamp(max=min(size2[:i2.shape[0]]) - 1) if i2.numel() else i2
                if list(v2.shape[1:]) != size2[i2.shape[0]:]:
                    v2 = rvals([v2.shape[0]] + size2[i2.shape[0]:], F64)
            c2 = R.random() < 0.4
            alpha = R.choice([1, 1, 2.5, -1])
            extra = ["i2 " + tline(i2), "v2 " + tline(v2), p(size2=size2, coal2=c2, alpha=alpha)]
            vv2 = v2.detach().clone().requires_grad_(True)
            o = torch.sparse_coo_tensor(i2, vv2, size2)
            if c2:
                o = o.coalesce()
            other = vv2
            res = torch.add(s, o, alpha=alpha) if op == "add" else torch.sub(s, o, alpha=alpha)
        elif op == "add_dense":
            d = rvals(list(s.shape), F64 if s.dtype != F32 else F32)
            if R.random() < 0.15:
                d = rvals(list(s.shape) + [2], F64)
            alpha = R.choice([1, 1, 0.5])
            extra = ["d " + tline(d), p(alpha=alpha)]
            dense_in = d.clone().requires_grad_(d.dtype == F64)
            res = torch.add(dense_in, s, alpha=alpha)
        elif op in ("mul_scalar", "div_scalar"):
            c = R.choice([2.0, -0.5, 0.0, 3.0])
            if op == "div_scalar" and c == 0.0 and s.is_complex():
                # complex / 0: 1.13 gives nan+nanj, 2.x nan or inf by whether its vectorized or scalar loop runs
                c = 4.0
            extra = [p(c=c)]
            res = s * c if op == "mul_scalar" else s / c
            if op == "mul_scalar" and s._nnz() == 0:
                # 1.13's mul of a tensor without entries zero_()es the result (sparse_dim = every dim, dense_dim 0);
                # 2.x's intersection_binary_op_sparse_dense_out short-circuits to the same sparse and dense dims,
                # no entries, coalesced: that result here
                res = torch.sparse_coo_tensor(s._indices(), s._values() * c, s.shape)._coalesced_(True)
        elif op == "mul_dense":
            shp = list(s.shape)
            k = R.random()
            if k < 0.3 and len(shp) > 1:
                shp = shp[1:]
            elif k < 0.5:
                shp = [1] * (len(shp) - 1) + [shp[-1]]
            d = rvals(shp, F64)
            extra = ["d " + tline(d)]
            dense_in = d.clone().requires_grad_(True)
            res = s * dense_in
            if s._nnz() == 0 or s.numel() == 0 or d.numel() == 0:
                # 2.x's intersection_binary_op_sparse_dense_out short-circuits: no entries, sparse_dim = the result's
                # dims - the operand's dense dims, coalesced (1.13's zero_() makes every dim sparse)
                sd2 = res.dim() - s.dense_dim()
                res = torch.sparse_coo_tensor(torch.empty(sd2, 0, dtype=I64),
                                              torch.empty([0] + list(res.shape[sd2:]), dtype=res.dtype),
                                              res.shape)._coalesced_(True)
        elif op == "to_dtype":
            dt = R.choice([F32, F64, I64, C128, torch.int32, torch.bool])
            extra = [p(dtype=dname(torch.empty(0, dtype=dt)))]
            res = s.to(dt)
        elif op == "neg":
            res = -s
        elif op == "unary":
            fn = R.choice(UNARY)
            if s.is_complex() and fn in ("erf", "log1p", "expm1", "floor", "ceil", "round", "trunc", "sign"):
                # (complex: 1.13's erf/log1p/expm1 kernels refuse it, 2.x computes some; floor and the like refuse it)
                fn = "sin"
            if fn == "pow":
                e = R.choice([2.0, 2.5, 0.5, 3.0, -1.0, 0.0])
                extra = [p(fn=fn, e=e)]
                res = s.pow(e)
            else:
                extra = [p(fn=fn)]
                res = getattr(s, fn)()
        elif op == "sum":
            res = torch.sparse.sum(s)
        elif op == "sum_dims":
            n = s.dim()
            dims = R.sample(range(n), R.randint(1, n))
            dims = [d - n if R.random() < 0.3 else d for d in dims]
            if R.random() < 0.1:
                dims = dims + [dims[0]]
            extra = [p(dims=dims)]
            res = torch.sparse.sum(s, dims)
        elif op in ("mm", "addmm"):
            k = s.shape[1] if R.random() < 0.9 else s.shape[1] + 1
            d = rvals([k, R.randint(1, 3)], F64 if R.random() < 0.9 else F32)
            extra = ["d " + tline(d)]
            dense_in = d.clone().requires_grad_(d.dtype == F64)
            if op == "mm":
                res = torch.sparse.mm(s, dense_in)
            else:
                ishape = R.choice([[s.shape[0], d.shape[1]], [d.shape[1]], [1, d.shape[1]], [s.shape[0], 1], []])
                inp = rvals(ishape, F64)
                beta, alpha = R.choice([(1, 1), (0.5, 2.0), (0, 1), (1, -1)])
                extra += ["in " + tline(inp), p(beta=beta, alpha=alpha)]
                res = torch.sparse.addmm(inp, s, dense_in, beta=beta, alpha=alpha)
        elif op == "matmul":
            k = s.shape[1] if R.random() < 0.9 else s.shape[1] + 1
            d = rvals([k] if R.random() < 0.5 else [k, R.randint(1, 3)], F64)
            extra = ["d " + tline(d)]
            dense_in = d.clone().requires_grad_(True)
            # the sparse operand without history: PyTorch refuses s.matmul(d) when s requires grad ("The backward pass
            # for this operation requires the 'self' tensor to be strided"), where Ember's is differentiable as mm
            # (documented in SparseTensor.matmul)
            res = s.detach().matmul(dense_in)
        elif op == "mm_sparse":
            k = s.shape[1] if R.random() < 0.9 else s.shape[1] + 1
            nnz2 = R.randint(0, 4)
            m2 = R.randint(1, 3)
            nnz2 = nnz2 if k > 0 else 0
            i2 = torch.tensor([[R.randrange(k) for _ in range(nnz2)], [R.randrange(m2) for _ in range(nnz2)]],
                              dtype=I64).reshape(2, nnz2)
            v2 = rvals([nnz2], F64)
            c2 = R.random() < 0.4
            extra = ["i2 " + tline(i2), "v2 " + tline(v2), p(size2=[k, m2], coal2=c2)]
            vv2 = v2.detach().clone().requires_grad_(True)
            o = torch.sparse_coo_tensor(i2, vv2, [k, m2])
            if c2:
                o = o.coalesce()
            other = vv2
            res = torch.sparse.mm(s, o)
            # 2.x's _csr_matmult sorts each row's columns (1.13 leaves them in its linked list's order, flagged
            # coalesced): the same entries, sorted, here
            res = torch.sparse_coo_tensor(res._indices(), res._values(), res.shape).coalesce()
        elif op in ("softmax", "log_softmax"):
            dim = R.randrange(-s.dim(), s.dim())
            extra = [p(dim=dim)]
            res = torch.sparse.softmax(s, dim) if op == "softmax" else torch.sparse.log_softmax(s, dim)
        elif op == "transpose":
            n = s.dim()
            d0, d1 = R.randrange(-n, n), R.randrange(-n, n)
            extra = [p(d0=d0, d1=d1)]
            res = s.transpose(d0, d1)
        elif op == "t":
            res = s.t()
        elif op == "index_select":
            n = s.dim()
            dim = R.randrange(-n, n)
            sz = s.shape[dim]
            # more indices than entries too (PyTorch's brute force then loops over the entries outside)
            count = R.randint(0, 4 if R.random() < 0.5 else 9)
            # (a dim of size 0: one index 0, refused)
            idx = [R.randrange(-sz, sz) if R.random() < 0.2 else R.randrange(sz) for _ in range(count)] if sz > 0 \
                else [0] * min(count, 1)
            if R.random() < 0.1:
                idx = [sz]
            ix = torch.tensor(idx, dtype=I64)
            extra = ["ix " + tline(ix), p(dim=dim)]
            res = s.index_select(dim, ix)
        elif op == "to_csr":
            fmt = R.choice(["csr", "csc"])
            extra = [p(fmt=fmt)]
            with torch.no_grad():
                res = s.detach().to_sparse_csr() if fmt == "csr" else s.detach().to_sparse_csc()
        else:
            raise AssertionError(op)
    except Exception as e:
        case("coo", op, lines + [p(op=op)] + extra + [err_line(e)])
        return
    out = [p(op=op)] + extra
    if op == "to_csr":
        cr, co = (res.crow_indices(), res.col_indices()) if res.layout == torch.sparse_csr else \
            (res.ccol_indices(), res.row_indices())
        out += ["rcomp " + tline(cr), "rplain " + tline(co), "rvals " + tline(res.values()),
                "rd " + tline(res.to_dense())]
        case("coo", op, lines + out)
        return
    if res.layout == torch.sparse_coo:
        out += sparse_lines("r", res)
        dense = res.to_dense()
    else:
        out += ["rd " + tline(res)]
        dense = res
    if dense.requires_grad and dense.is_floating_point() and dense.dtype == F64 and dense.numel() > 0:
        try:
            real_loss(dense).backward()
        except (RuntimeError, IndexError):
            # 1.13's backward fails here and there: SparseCooTensorWithDimsAndTensorsBackward0 of values without
            # entries ("returned an invalid gradient at index 0"), AddBackward0 of float32 dense + sparse ("expected
            # layout Sparse but got Strided"), index_select's backward (no sparse index_add_), a broadcast sparse *
            # dense (no sparse sum.dim_IntList), addmm with mixed types, sparse.sum of hybrid dims ("Dimension out of
            # range"): no gradient lines then (the forward is still compared)
            case("coo", op, lines + out)
            return
        for name, t in (("gv", vv), ("gv2", other), ("gd", dense_in)):
            if t is not None and t.requires_grad:
                g = t.grad if t.grad is not None else torch.zeros_like(t)
                if g.layout == torch.sparse_coo:  # (mul by a dense tensor: PyTorch's gradient of it is sparse)
                    out.append(name + "layout sparse_coo")
                    g = g.to_dense()
                out.append(name + " " + tline(g))
    case("coo", op, lines + out)


def coo_errors():
    bad = [
        ([[0, 1, 1]], [1.0, 2.0], [3]),
        ([[0, -1]], [1.0, 2.0], [3]),
        ([[0, 3]], [1.0, 2.0], [3]),
        ([[0, 1], [2, 2]], [1.0, 2.0], [3, 2]),
        ([[0, 1]], [[1.0], [2.0]], [3, 2]),
        ([[0, 1]], [1.0, 2.0], [3, 2]),
        ([[0, 1], [0, 1]], [1.0, 2.0], [3]),
        ([[[0, 1]]], [1.0, 2.0], [3]),
        ([[0, 1]], [[1.0, 2.0], [3.0, 4.0]], [3, 3]),
        ([[2, -3]], [1.0, 2.0], None),
        ([[0, 1]], 5.0, [3]),
    ]
    for idx, vals, size in bad:
        i = torch.tensor(idx, dtype=I64)
        v = torch.tensor(vals, dtype=F64)
        lines = ["i " + tline(i), "v " + tline(v), p(size=size, coal=False), p(op="none")]
        try:
            s = torch.sparse_coo_tensor(i, v, size) if size is not None else torch.sparse_coo_tensor(i, v)
            lines += sparse_lines("r", s)
        except Exception as e:
            lines.append(err_line(e))
        case("coo", "bad", lines)


def dense_to_sparse_case():
    shape = [R.randint(1, 4) for _ in range(R.randint(1, 3))]
    dt = R.choice([F64, F64, F64, F32, I64, C128])
    x = rvals(shape, dt, ints=dt == I64)
    # zero out random elements and whole slices
    mask = torch.tensor([R.random() < 0.5 for _ in range(x.numel())]).reshape(shape)
    x = x * mask
    if len(shape) > 1 and R.random() < 0.5:
        x[R.randrange(shape[0])] = 0
    sd = R.choice([None] + list(range(0, len(shape) + 2)))
    lines = ["x " + tline(x), p(sd=sd)]
    xx = x.clone().requires_grad_(x.is_floating_point() or x.is_complex())
    try:
        s = xx.to_sparse() if sd is None else xx.to_sparse(sd)
    except Exception as e:
        case("dense", "to_sparse", lines + [err_line(e)])
        return
    out = sparse_lines("r", s)
    if xx.requires_grad:
        real_loss(s.to_dense()).backward()
        out.append("gx " + tline(xx.grad))
    case("dense", "to_sparse", lines + out)


LEAF_OPS = ["to_dense", "mm", "sum", "mul_scalar", "softmax", "sum_dims", "transpose", "coalesce_to_dense",
            "values", "add_dense", "mul_dense", "neg", "log_softmax"]


def leaf_case():
    op = R.choice(LEAF_OPS)
    i, v, size = draw_coo(F64)
    if op in ("mm", "transpose"):
        ssize = [R.randint(1, 4), R.randint(1, 4)]
        nnz = R.choice([1, 3, 4, 6])
        idx = [[R.randrange(s) for _ in range(nnz)] for s in ssize]
        if nnz >= 2 and R.random() < 0.5:
            for row in idx:
                row[1] = row[0]
        i = torch.tensor(idx, dtype=I64)
        v = rvals([nnz], F64)
        size = ssize
    if v.shape[0] == 0:
        v = rvals([1] + list(v.shape[1:]), F64)
        i = torch.zeros(i.shape[0], 1, dtype=I64)
    coal = R.random() < 0.3
    lines = ["i " + tline(i), "v " + tline(v), p(size=size, coal=coal, op=op)]
    s = torch.sparse_coo_tensor(i, v, size)
    if coal:
        s = s.coalesce()
    s = s.detach().requires_grad_(True)
    extra = []
    if op == "to_dense":
        out = s.to_dense()
    elif op == "coalesce_to_dense":
        out = s.coalesce().to_dense()
    elif op == "mm":
        d = rvals([s.shape[1], 2], F64)
        extra = ["d " + tline(d)]
        out = torch.sparse.mm(s, d)
    elif op == "sum":
        out = torch.sparse.sum(s)
    elif op == "sum_dims":
        dims = [0] if s.dim() == 1 else R.sample(range(s.dim()), R.randint(1, s.dim()))
        extra = [p(dims=dims)]
        out = torch.sparse.sum(s, dims)
        out = out.to_dense() if out.layout == torch.sparse_coo else out
    elif op == "mul_scalar":
        out = (s * 2.5).to_dense()
    elif op == "softmax":
        dim = R.randrange(s.dim())
        extra = [p(dim=dim)]
        out = torch.sparse.softmax(s, dim).to_dense()
    elif op == "values":
        out = s.coalesce().values()
    elif op == "add_dense":
        d = rvals(list(s.shape), F64)
        extra = ["d " + tline(d)]
        out = torch.add(d, s, alpha=1.5)
    elif op == "mul_dense":
        d = rvals(list(s.shape), F64)
        extra = ["d " + tline(d)]
        out = (s * d).to_dense()
    elif op == "neg":
        out = (-s).to_dense()
    elif op == "log_softmax":
        dim = R.randrange(s.dim())
        extra = [p(dim=dim)]
        out = torch.sparse.log_softmax(s, dim).to_dense()
    else:
        out = s.transpose(0, 1).to_dense()
    try:
        real_loss(out).backward()
    except RuntimeError:
        # (1.13's AddBackward0 of dense + sparse returns a strided gradient for the sparse leaf and fails: "expected
        # layout Sparse but got Strided"; no case then)
        return
    g = s.grad
    res = [("glayout " + str(g.layout).replace("torch.", ""))]
    gc = g.coalesce()
    # rebuilt from its numbers: 1.13's to_dense of sparse.sum's coalesced gradient (whose indices have strides (1, 1))
    # gives zeros where the entries are
    gc = torch.sparse_coo_tensor(torch.tensor(gc._indices().tolist(), dtype=I64).reshape(gc._indices().shape),
                                 torch.tensor(gc._values().tolist(), dtype=gc.dtype).reshape(gc._values().shape),
                                 gc.shape)._coalesced_(gc.is_coalesced())
    res += sparse_lines("g", gc)
    case("leaf", op, lines + extra + res)


# ------------------------------------------------------------------------------------------------ CSR / CSC

def csr_case():
    fmt = R.choice(["csr", "csc"])
    rows, cols = R.randint(1, 4), R.randint(1, 4)
    comp_n, plain_n = (rows, cols) if fmt == "csr" else (cols, rows)
    comp = [0]
    plain = []
    for _ in range(comp_n):
        k = R.randint(0, plain_n)
        picks = sorted(R.sample(range(plain_n), k))
        plain += picks
        comp.append(len(plain))
    nnz = len(plain)
    itype = R.choice([I64, I64, torch.int32])
    corrupt = R.random() < 0.35
    what = "ok"
    if corrupt:
        what = R.choice(["first", "last", "decr", "range", "unsorted", "repeat", "len", "mixed", "vals", "neg"])
        if what == "first":
            comp = [c + 1 for c in comp]
        elif what == "last":
            comp[-1] += 1
        elif what == "decr" and len(comp) > 2:
            comp[1] = comp[2] + 1 if comp[2] + 1 <= nnz else comp[1]
            comp[1], comp[2] = max(comp[1], comp[2]), min(comp[1], comp[2]) if comp[1] != comp[2] else comp[2]
        elif what == "range" and nnz:
            plain[-1] = plain_n
        elif what == "neg" and nnz:
            plain[0] = -1
        elif what in ("unsorted", "repeat"):
            for r in range(comp_n):
                if comp[r + 1] - comp[r] >= 2:
                    a = comp[r]
                    if what == "unsorted":
                        plain[a], plain[a + 1] = plain[a + 1], plain[a]
                    else:
                        plain[a + 1] = plain[a]
                    break
        elif what == "len":
            comp = comp + [nnz]
    ci = torch.tensor(comp, dtype=itype)
    pi = torch.tensor(plain, dtype=itype if what != "mixed" else (I64 if itype == torch.int32 else torch.int32))
    vals = rvals([nnz + (1 if what == "vals" else 0)], F64)
    given = R.random() < 0.7
    size = [rows, cols]
    op = R.choice(["none", "to_coo", "to_csr", "to_csc", "matmul"])
    lines = ["ci " + tline(ci), "pi " + tline(pi), "v " + tline(vals), p(fmt=fmt, size=size if given else None, op=op)]
    try:
        if fmt == "csr":
            s = torch.sparse_csr_tensor(ci, pi, vals, size) if given else torch.sparse_csr_tensor(ci, pi, vals)
        else:
            s = torch.sparse_csc_tensor(ci, pi, vals, size) if given else torch.sparse_csc_tensor(ci, pi, vals)
    except Exception as e:
        case("csr", what, lines + [err_line(e)])
        return
    if nnz == 0 and comp_n > 0 and (comp[0] != 0 or comp[-1] != 0) and len(comp) == comp_n + 1:
        # 1.13 skips the index invariants without entries (plain_indices.numel() > 0); later 2.x checks them always
        # (invariants 5.1 then 5.2 at each compressed index): its refusal here
        name = "crow" if fmt == "csr" else "ccol"
        msg = ("`%s_indices[..., 0] == 0` is not satisfied." % name) if comp[0] != 0 \
            else ("`%s_indices[..., -1] == nnz` is not satisfied." % name)
        case("csr", what, lines + ["error " + msg])
        return
    out = ["sz " + ",".join(str(x) for x in s.shape), "rd " + tline(s.to_dense())]
    try:
        if op == "to_coo":
            coo = s.to_sparse()
            lines_coo = sparse_lines("r", coo)
            if fmt == "csc":
                # 2.x's sparse_compressed_to_sparse flags a CSC tensor's COO form coalesced only when it has no
                # elements or one entry ("Only CSR is trivially coalesced"); 1.13 flags it coalesced always
                flag = s.numel() == 0 or coo._nnz() == 1
                lines_coo[1] = "rdims %d %d %d %s" % (coo.sparse_dim(), coo.dense_dim(), coo._nnz(), flag)
            out += lines_coo
        elif op in ("to_csr", "to_csc"):
            t = s.to_sparse_csr() if op == "to_csr" else s.to_sparse_csc()
            cr, co = (t.crow_indices(), t.col_indices()) if t.layout == torch.sparse_csr else \
                (t.ccol_indices(), t.row_indices())
            out += ["rcomp " + tline(cr), "rplain " + tline(co), "rvals " + tline(t.values())]
        elif op == "matmul":
            # (a 2-D operand: this 1.13 build has no CSR @ vector, "Calling addmv on a sparse CPU tensor requires
            # compiling PyTorch with MKL")
            d = rvals([s.shape[1] + (1 if R.random() < 0.15 else 0), R.randint(1, 3)], F64)
            out.append("d " + tline(d))
            dd = d.clone().requires_grad_(True)
            r = s.matmul(dd)
            out.append("rm " + tline(r))
            real_loss(r).backward()
            out.append("gd " + tline(dd.grad))
    except Exception as e:
        out.append(err_line(e))
    case("csr", what, lines + out)


def dense_to_csr_case():
    shape = [R.randint(1, 4), R.randint(1, 4)]
    x = rvals(shape, F64) * torch.tensor([R.random() < 0.5 for _ in range(shape[0] * shape[1])]).reshape(shape)
    fmt = R.choice(["csr", "csc"])
    t = x.to_sparse_csr() if fmt == "csr" else x.to_sparse_csc()
    cr, co = (t.crow_indices(), t.col_indices()) if fmt == "csr" else (t.ccol_indices(), t.row_indices())
    case("dcsr", fmt, ["x " + tline(x), p(fmt=fmt), "rcomp " + tline(cr), "rplain " + tline(co),
                       "rvals " + tline(t.values())])


# ------------------------------------------------------------------------------------------------ FFT

FFT1 = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
FFTN = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
NORMS = [None, None, "backward", "forward", "ortho"]


def fft_input(rank_lo=1, rank_hi=3):
    rank = R.randint(rank_lo, rank_hi)
    shape = [R.randint(1, 5) for _ in range(rank)]
    dtype = R.choice([F64, F64, C128, C128, F32, I64, torch.complex64])
    base_shape, steps = view_steps(shape)
    base = rvals(base_shape, dtype, ints=dtype == I64)
    return base, steps


def fft_run(kind, name, base, steps, call, params):
    lines = ["x " + tline(base)] + (["view " + steps] if steps else []) + [params]
    grad = base.dtype in (F64, C128)
    b = base.clone().requires_grad_(grad)
    try:
        out = call(apply_steps(b, steps))
    except Exception as e:
        case(kind, name, lines + [err_line(e)])
        return
    lines.append("out " + tline(out))
    if grad and out.numel() > 0:
        real_loss(out).backward()
        lines.append("gx " + tline(b.grad))
    case(kind, name, lines)


def fft1_case():
    op = R.choice(FFT1)
    base, steps = fft_input()
    x = apply_steps(base, steps)
    rank = x.dim()
    dim = R.randrange(-rank, rank) if rank else -1
    if R.random() < 0.05:
        dim = rank
    size = x.shape[dim] if rank and -rank <= dim < rank else 1
    k = R.random()
    if k < 0.4:
        n = None
    elif k < 0.5:
        n = 1
    elif k < 0.93:
        n = max(1, size + R.randint(-3, 4))
    else:
        n = R.choice([0, -1])
    norm = R.choice(NORMS)
    if R.random() < 0.03:
        norm = "none"
    f = getattr(torch.fft, op)
    fft_run("fft1", op, base, steps, lambda t: f(t, n=n, dim=dim, norm=norm), p(op=op, n=n, dim=dim, norm=norm))


def fftn_case():
    op = R.choice(FFTN)
    base, steps = fft_input(1, 3)
    x = apply_steps(base, steps)
    rank = x.dim()
    two = op.endswith("2")
    if two and rank < 2 and R.random() < 0.7:
        base, steps = fft_input(2, 3)
        x = apply_steps(base, steps)
        rank = x.dim()
    k = R.random()
    if two:
        if k < 0.5:
            dim = [-2, -1]
        elif k < 0.9:
            dim = R.sample(range(-rank, rank), 2) if rank >= 2 else [0, -1]
        else:
            dim = [0, 0]
    else:
        if k < 0.35:
            dim = None
        elif k < 0.9:
            dim = R.sample(range(rank), R.randint(1, rank))
            dim = [d - rank if R.random() < 0.3 else d for d in dim]
        elif k < 0.95:
            dim = [0, -rank]
        else:
            dim = []
    k = R.random()
    if k < 0.4:
        s = None
    else:
        ln = len(dim) if dim is not None else R.randint(1, rank)
        if R.random() < 0.05:
            ln += 1
        s = [R.choice([-1, 1, 2, 3, 4, 5, 6]) for _ in range(ln)]
        if R.random() < 0.04 and s:
            s[0] = 0
    norm = R.choice(NORMS)
    f = getattr(torch.fft, op)
    if op in ("fftn", "ifftn") and (s is None or s == []) and (dim == [] or (dim is None and s == [])):
        # no dims to transform: 1.13's _fft_c2c leaves its output uninitialized; 2.x's returns self.clone() (after
        # promote_tensor_fft to a complex type), what is computed here
        def f(t, **kw):
            ct = C128 if t.dtype == F64 or t.dtype == C128 else torch.complex64
            return t.to(ct).clone()
    kw = {"norm": norm}
    if s is not None:
        kw["s"] = s
    if dim is not None:
        kw["dim"] = dim
    fft_run("fftn", op, base, steps, lambda t: f(t, **kw), p(op=op, s=s, dim=dim, norm=norm))


def freq_case():
    op = R.choice(["fftfreq", "rfftfreq"])
    n = R.choice([0, 1, 2, 3, 4, 5, 8, 9])
    d = R.choice([1.0, 0.1, 2.5, 0.3])
    dt = R.choice([F64, F32])
    out = getattr(torch.fft, op)(n, d, dtype=dt)
    case("freq", op, [p(op=op, n=n, d=d, dtype=dname(out)), "out " + tline(out)])


def shift_case():
    op = R.choice(["fftshift", "ifftshift"])
    base, steps = fft_input(1, 3)
    base = base.to(F64) if base.dtype == I64 and R.random() < 0.5 else base
    x = apply_steps(base, steps)
    rank = x.dim()
    k = R.random()
    if k < 0.3:
        dim = None
    elif k < 0.6:
        dim = [R.randrange(-rank, rank)]
    else:
        dim = R.sample(range(-rank, rank), R.randint(1, rank)) if rank > 1 else [0]
    f = getattr(torch.fft, op)
    fft_run("shift", op, base, steps, lambda t: f(t) if dim is None else f(t, dim=dim), p(op=op, dim=dim))


def win_case():
    name = R.choice(["hann", "hamming", "blackman", "bartlett", "kaiser"])
    n = R.choice([0, 1, 2, 3, 4, 5, 7, 8, 10, -1] if R.random() < 0.1 else [0, 1, 2, 3, 4, 5, 7, 8, 10])
    periodic = R.random() < 0.5
    dt = R.choice([F64, F32])
    extra = {}
    if name == "hamming":
        extra = R.choice([{}, {"alpha": 0.5, "beta": 0.5}, {"alpha": 0.6, "beta": 0.3}])
    if name == "kaiser":
        extra = R.choice([{}, {"beta": 0.0}, {"beta": 5.5}])
    f = getattr(torch, name + "_window")
    params = p(fn=name, n=n, periodic=periodic, dtype=dname(torch.empty(0, dtype=dt)),
               alpha=extra.get("alpha"), beta=extra.get("beta"))
    try:
        if name == "kaiser":
            out = f(n, periodic, extra.get("beta", 12.0), dtype=dt)
        elif name == "hamming":
            out = f(n, periodic, extra.get("alpha", 0.54), extra.get("beta", 0.46), dtype=dt)
        else:
            out = f(n, periodic, dtype=dt)
    except Exception as e:
        case("win", name, [params, err_line(e)])
        return
    case("win", name, [params, "out " + tline(out)])


def stft_case():
    n_fft = R.choice([2, 3, 4, 5, 8])
    batch = R.random() < 0.3
    cplx = R.random() < 0.25
    length = R.randint(max(1, n_fft - 2), 14)
    shape = [2, length] if batch else [length]
    x = rvals(shape, C128 if cplx else F64)
    if R.random() < 0.1:
        x = x.to(torch.complex64 if cplx else F32)
    hop = R.choice([None, 1, 2, 3, n_fft]) if R.random() < 0.97 else 0
    win_length = R.choice([None, None, n_fft, max(1, n_fft - 1), max(1, n_fft - 2)])
    if R.random() < 0.03:
        win_length = n_fft + 1
    wl = win_length if win_length is not None else n_fft
    wk = R.random()
    if wk < 0.3:
        window = None
    elif wk < 0.6:
        window = torch.hann_window(wl, dtype=F64) + 0.1
    else:
        window = rvals([wl], F64)
    if window is not None and R.random() < 0.03:
        window = rvals([wl + 1], F64)
    if window is not None and R.random() < 0.1:
        window = rvals([wl], C128)
    if window is not None and x.dtype in (F32, torch.complex64):
        window = window.to(torch.complex64 if window.is_complex() else F32)
    center = R.random() < 0.7
    pad_mode = R.choice(["reflect", "reflect", "constant", "replicate", "circular"])
    normalized = R.random() < 0.3
    onesided = R.choice([None, None, True, False])
    rc = R.random() < 0.85
    params = p(n_fft=n_fft, hop=hop, win_length=win_length, center=center, pad_mode=pad_mode, normalized=normalized,
               onesided=onesided, rc=rc)
    lines = ["x " + tline(x)] + (["w " + tline(window)] if window is not None else []) + [params]
    xx = x.clone().requires_grad_(True)
    ww = window.clone().requires_grad_(True) if window is not None else None
    try:
        out = torch.stft(xx, n_fft, hop_length=hop, win_length=win_length, window=ww, center=center,
                         pad_mode=pad_mode, normalized=normalized, onesided=onesided, return_complex=rc)
    except Exception as e:
        case("stft", "stft", lines + [err_line(e)])
        return
    lines.append("out " + tline(out))
    if out.numel() > 0:
        real_loss(out).backward()
        lines.append("gx " + tline(xx.grad))
        if ww is not None:
            lines.append("gw " + tline(ww.grad))
    case("stft", "stft", lines)


def istft_case():
    n_fft = R.choice([4, 5, 6, 8])
    hop = R.choice([None, 1, 2, n_fft // 2])
    win_length = R.choice([None, None, n_fft, n_fft - 1])
    wl = win_length if win_length is not None else n_fft
    wk = R.random()
    if wk < 0.3:
        window = None
    elif wk < 0.7:
        window = torch.hann_window(wl, dtype=F64) + 0.2
    else:
        window = rvals([wl], F64).abs() + 0.25
    if R.random() < 0.06:
        window = torch.hann_window(wl, periodic=False, dtype=F64)
        hop = n_fft
    center = R.random() < 0.75
    normalized = R.random() < 0.3
    rc = R.random() < 0.15
    cplx_sig = rc
    length = R.randint(n_fft, 14)
    batch = R.random() < 0.3
    sig = rvals([2, length] if batch else [length], C128 if cplx_sig else F64)
    onesided = None if cplx_sig else R.choice([None, True, True, False])
    with torch.no_grad():
        try:
            spec = torch.stft(sig, n_fft, hop_length=hop, win_length=win_length, window=window, center=center,
                              normalized=normalized, onesided=onesided if not cplx_sig else False,
                              return_complex=True)
        except Exception:
            return
        if R.random() < 0.3:
            spec = spec + rvals(list(spec.shape), C128) * 0.25
        if R.random() < 0.03:
            spec = spec[..., :-1, :]
    lk = R.random()
    if lk < 0.5:
        out_len = None
    else:
        out_len = max(1, length + R.randint(-3, 3))
    params = p(n_fft=n_fft, hop=hop, win_length=win_length, center=center, normalized=normalized,
               onesided=onesided, length=out_len, rc=rc)
    lines = ["x " + tline(spec)] + (["w " + tline(window)] if window is not None else []) + [params]
    xx = spec.clone().requires_grad_(True)
    ww = window.clone().requires_grad_(True) if window is not None else None
    try:
        out = torch.istft(xx, n_fft, hop_length=hop, win_length=win_length, window=ww, center=center,
                          normalized=normalized, onesided=onesided, length=out_len, return_complex=rc)
    except Exception as e:
        case("istft", "istft", lines + [err_line(e)])
        return
    lines.append("out " + tline(out))
    if out.numel() > 0:
        real_loss(out).backward()
        lines.append("gx " + tline(xx.grad))
        if ww is not None:
            lines.append("gw " + tline(ww.grad))
    case("istft", "istft", lines)


def fftbig_case():
    """A local hunt only (FUZZ_BIG=1): the 1-D transforms at the sizes where FFT algorithms change (primes, powers
    of two and three, composites past 64), float64 and complex128, n trimming or padding, with gradients."""
    op = R.choice(FFT1)
    size = R.choice([7, 11, 13, 16, 17, 25, 31, 32, 37, 49, 64, 97, 100, 127, 128, 243, 257, 360])
    dtype = R.choice([F64, C128])
    batch = R.choice([[], [2]])
    base = rvals(batch + [size], dtype)
    n = R.choice([None, None, size - 1, size + 1, 2 * size, size // 2 + 1])
    norm = R.choice(NORMS)
    f = getattr(torch.fft, op)
    fft_run("fft1", op, base, None, lambda t: f(t, n=n, dim=-1, norm=norm), p(op=op, n=n, dim=-1, norm=norm))


def stft_corner(x, n_fft, hop=None, win_length=None, window=None, center=True, pad_mode="reflect", normalized=False,
                onesided=None, rc=True):
    params = p(n_fft=n_fft, hop=hop, win_length=win_length, center=center, pad_mode=pad_mode, normalized=normalized,
               onesided=onesided, rc=rc)
    lines = ["x " + tline(x)] + (["w " + tline(window)] if window is not None else []) + [params]
    xx = x.clone().requires_grad_(x.is_floating_point() or x.is_complex())
    ww = window.clone().requires_grad_(window.is_floating_point() or window.is_complex()) if window is not None \
        else None
    try:
        out = torch.stft(xx, n_fft, hop_length=hop, win_length=win_length, window=ww, center=center,
                         pad_mode=pad_mode, normalized=normalized, onesided=onesided, return_complex=rc)
    except Exception as e:
        case("stft", "corner", lines + [err_line(e)])
        return
    lines.append("out " + tline(out))
    case("stft", "corner", lines)


def istft_corner(x, n_fft, hop=None, win_length=None, window=None, center=True, normalized=False, onesided=None,
                 length=None, rc=False):
    params = p(n_fft=n_fft, hop=hop, win_length=win_length, center=center, normalized=normalized, onesided=onesided,
               length=length, rc=rc)
    lines = ["x " + tline(x)] + (["w " + tline(window)] if window is not None else []) + [params]
    xx = x.clone().requires_grad_(x.is_floating_point() or x.is_complex())
    if not x.is_complex():
        # 1.13 still takes the real view (deprecated); 2.x refuses it (SpectralOps.cpp's istft):
        case("istft", "corner", lines + ["error istft requires a complex-valued input tensor matching the output from "
                                         "stft with return_complex=True."])
        return
    try:
        out = torch.istft(xx, n_fft, hop_length=hop, win_length=win_length, window=window, center=center,
                          normalized=normalized, onesided=onesided, length=length, return_complex=rc)
    except Exception as e:
        case("istft", "corner", lines + [err_line(e)])
        return
    lines.append("out " + tline(out))
    case("istft", "corner", lines)


def corners():
    """Refusals and edges of stft, istft, fftfreq and fftshift, listed (no randomness)."""
    x = torch.linspace(-1, 1, 10, dtype=F64)
    stft_corner(x.reshape(1, 2, 5), 4)                                  # 3-D input
    stft_corner(x, 0)                                                   # n_fft 0
    stft_corner(x, 11, center=False)                                    # n_fft past the signal
    stft_corner(x, 4, win_length=0)                                     # win_length 0
    stft_corner(x, 4, win_length=5)                                     # win_length past n_fft
    stft_corner(x, 4, window=torch.ones(3, dtype=F64))                  # window of the wrong size
    stft_corner(x, 4, window=torch.ones(2, 2, dtype=F64), win_length=4)  # 2-D window
    stft_corner(x, 4, window=torch.ones(4, dtype=torch.float32))       # window of another type
    stft_corner(x, 4, hop=-1)                                           # negative hop
    stft_corner(x[:3], 8)                                               # reflect padding past the signal
    stft_corner(x[:3], 8, pad_mode="constant")                          # constant padding of a short signal
    stft_corner(x[:3], 8, pad_mode="replicate")
    stft_corner(x[:3], 8, pad_mode="circular")
    stft_corner(x, 4, pad_mode="bogus")                                 # an unknown pad mode
    stft_corner(x, 4, onesided=True, window=torch.ones(4, dtype=torch.complex128))  # complex window, onesided
    # (not here: an integer or empty signal, refused by 1.13's reflection_pad1d in words 2.x's padding changed)
    stft_corner(x, 1, hop=1, center=False)                              # n_fft 1
    stft_corner(x.reshape(2, 5), 4, hop=2, rc=False)                    # the real view of a batch
    spec = torch.stft(x, 4, hop_length=1, window=torch.hann_window(4, dtype=F64) + 0.1, return_complex=True)
    istft_corner(spec, 4, hop=1, window=torch.hann_window(4, dtype=F64) + 0.1)
    istft_corner(torch.view_as_real(spec), 4, hop=1)                    # a real input
    istft_corner(spec, 4, hop=5, window=torch.ones(4, dtype=F64))      # hop past win_length
    istft_corner(spec, 4, hop=1, window=torch.ones(3, dtype=F64))      # window of the wrong size
    istft_corner(spec, 4, hop=1, win_length=5)                          # win_length past n_fft
    istft_corner(spec, 4, hop=1, length=0)                              # length 0
    istft_corner(spec, 4, hop=1, length=30)                             # length past the signal
    istft_corner(spec, 6, hop=1)                                        # wrong frequency count
    istft_corner(spec, 4, hop=1, onesided=False)                        # two-sided with a onesided count
    istft_corner(spec, 4, hop=1, rc=True)                               # complex output of a onesided input
    istft_corner(spec.unsqueeze(0).unsqueeze(0), 4, hop=1)              # 4-D input
    istft_corner(spec[:, :0], 4, hop=1)                                 # no frames
    istft_corner(spec, 4, hop=4, window=torch.hann_window(4, periodic=False, dtype=F64), center=False)  # NOLA
    for n, d in ((-1, 1.0), (0, 1.0), (3, 0.0), (4, -2.0), (5, float("inf"))):
        for op in ("fftfreq", "rfftfreq"):
            params = p(op=op, n=n, d=d, dtype="float64")
            try:
                out = getattr(torch.fft, op)(n, d, dtype=F64)
                case("freq", op, [params, "out " + tline(out)])
            except Exception as e:
                case("freq", op, [params, err_line(e)])
    for dim in ([0, 0], [1, -1], [2], [-3], []):
        base = torch.arange(6, dtype=F64).reshape(2, 3)
        for op in ("fftshift", "ifftshift"):
            fft_run("shift", op, base, None, lambda t, op=op, dim=dim: getattr(torch.fft, op)(t, dim=dim),
                    p(op=op, dim=dim))


def main():
    if os.environ.get("FUZZ_BIG"):
        for _ in range(n_of(60)):
            fftbig_case()
        print("\n".join(OUT))
        return
    for op in COO_OPS:
        for _ in range(n_of(7)):
            coo_case(op)
    coo_errors()
    for _ in range(n_of(20)):
        coo_case("unary")
    for _ in range(n_of(14)):
        dense_to_sparse_case()
    for _ in range(n_of(24)):
        leaf_case()
    for _ in range(n_of(40)):
        csr_case()
    for _ in range(n_of(8)):
        dense_to_csr_case()
    for _ in range(n_of(95)):
        fft1_case()
    for _ in range(n_of(70)):
        fftn_case()
    for _ in range(n_of(12)):
        freq_case()
    for _ in range(n_of(16)):
        shift_case()
    for _ in range(n_of(40)):
        win_case()
    for _ in range(n_of(40)):
        stft_case()
    for _ in range(n_of(24)):
        istft_case()
    corners()
    print("\n".join(OUT))


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    main()
