# Differential fuzz round 28 for DifferentialFuzzR28Test.java: seeded PROGRAMS OVER SPARSE TENSORS (COO and CSR), run
# in PyTorch (float64 values) with everything a user observes recorded; FuzzR28Interpreter.java replays each in Ember
# (dev.ember.sparse: SparseTensor, SparseCsrTensor, Sparse).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr28 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed and every random draw is seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz28.file=/tmp/hunt.txt (inside -Dember.test.argLine)
#
# Sparse tensors were tested case by case (SparseTensorTest, SparseCsrTest, SparseGradTest, SparseLeafGradTest); this
# round draws programs of 3 to 8 statements over a few sparse COO, CSR and dense tensors, each statement's result a new
# variable v<k> (k: the statement's place). Lines:
#   === r28_<k> P <n>       a program of n statements
#   s <statement>           a statement (below), then its outcome:
#   r <description>         its result, or
#   err <Kind>: <message>   its refusal (Python's exception class and message)
#   g <var> <description>   (after a backward statement) the gradient of each leaf that requires grad, in the order
#                           they were made ("none" where it has none)
# Descriptions (numbers are Python reprs, compared within 1e-12 relative or 1e-14 absolute; the text exactly):
#   S <shape> sd=<sparse_dim> dd=<dense_dim> nnz=<_nnz()> c=<is_coalesced 0/1> <dtype> <grad> i=<_indices()> v=<_values()>
#   D <shape> <dtype> <grad> <csv of the elements>
#   C <shape> <dtype> crow=<csv> col=<csv> v=<csv>                       a CSR tensor
#   <grad>: rg=0, rg=1 leaf (a leaf that requires grad) or rg=1 fn=<grad_fn's name>; shape 2x3 ("-": 0-dim);
#   i=: the rows of the indices, ";" between them, "," between entries. A sparse leaf's gradient is written coalesced
#   (below).
# Statements (a, b: variables; csv lists; a shape 2x3; the tensors float64 unless converted):
#   coo <size|-> <idx> <vals> <rg>   torch.sparse_coo_tensor(indices, values[, size], requires_grad=rg), indices
#                                    "<sd>x<nnz>:<csv row-major>", values "<shape>:<csv>" (a hybrid tensor when the
#                                    values have dims past the first); duplicates and unsorted indices drawn on purpose
#   cooci <size> <idx> <vals>        the same with check_invariants=True (2.x) where an index is out of range, negative,
#                                    or the sizes disagree: refused with PyTorch's message
#   coov <size|-> <idx> <a>          torch.sparse_coo_tensor(indices, a[, size]): values with a history
#   dense <shape> <csv> <rg>         a dense leaf
#   tosp <a> [<sd>]                  a.to_sparse() / a.to_sparse(sd)
#   coalesce|todense|clone|detach|t|neg|abs|sqrt|sin|tan|tanh|sinh|asin|asinh|atan|atanh|erf|log1p|expm1|sign|floor|
#   ceil|round|trunc|square <a>      the method of that name (todense: to_dense())
#   indices|values|_indices|_values <a>   the method (refused on an uncoalesced tensor for the first two)
#   pow <a> <e>                      a.pow(e) (e 0 refused)
#   add|sub <a> <b> <alpha>          torch.add / torch.sub(a, b, alpha=alpha) of two sparse tensors
#   mulsc|divsc <a> <x>              a * x, a / x
#   muld <a> <b>                     a * b, b dense (of a's shape or broadcasting to it)
#   dadd <b> <a> <alpha>             torch.add(b, a, alpha=alpha), b dense, a sparse: dense
#   mask <b> <a>                     b.sparse_mask(a), b dense, a a coalesced sparse tensor
#   ssum <a>                         torch.sparse.sum(a)
#   ssumd <a> <dims>                 torch.sparse.sum(a, dims): sparse while a sparse dim is left, dense otherwise
#   mm <a> <b>                       torch.sparse.mm(a, b), b dense: dense (SparseAddmmBackward0)
#   smm <a> <b>                      torch.sparse.mm(a, b), both sparse: sparse (SparseSparseMatmulBackward0)
#   addmm <c> <a> <b> <beta> <alpha> torch.sparse.addmm(c, a, b, beta=beta, alpha=alpha)
#   matmul <a> <b>                   a @ b (torch.mm; refused when a requires grad), b dense
#   isel <a> <dim> <csv>             a.index_select(dim, tensor(csv))
#   tr <a> <d0> <d1>                 a.transpose(d0, d1)
#   to <a> <float32|float64|int64>   a.to(dtype)
#   csr <a>                          a.to_sparse_csr() (a sparse COO tensor or a dense matrix, not requiring grad)
#   csrd|csrcoo <a>                  a CSR tensor's to_dense() / to_sparse()
#   csrmm <a> <b>                    a CSR tensor @ b dense
#   repr <a>                         repr(a) (its lines joined by "|")
#   back <a>                         a.sum().backward() of a dense result (a 0-dim one: a.backward()); then the "g" lines
#
# 2.x, not 1.13 (Ember follows 2.x):
# - a sparse leaf's gradient is compared coalesced (indices and values of grad.coalesce(), its flag not compared):
#   through t() / transpose PyTorch lists its entries in the transposed order flagged uncoalesced, and the sum of two
#   contributions (one from torch.sparse.sum, whose gradient values are an expanded view) lists an entry twice; Ember's
#   is coalesced (SparseTensor.requiresGrad_'s Javadoc). The same values either way.
# - refusals of sparse_coo_tensor with a size (cooci) are 2.x's with check_invariants=True: 2.x checks indices against
#   the size only then (its default is False), 1.13 always; both run _validate_sparse_coo_tensor_args, the same
#   messages. Ember always checks. Programs therefore draw indices in range for coo and out of range only for cooci.
# - sparse_mask draws a coalesced mask only (1.13 refuses an uncoalesced one: "sparse_mask: mask is uncoalesced"; 2.x
#   takes it).
# - torch.sparse.mm of two sparse matrices: 1.13 leaves the columns of a row in its kernel's order while flagging the
#   result coalesced; 2.x's _csr_matmult sorts them. The generator coalesces 1.13's result (a copy sorted by index:
#   the_result._coalesced_(False).coalesce(), the values unchanged as the entries are unique).
# Left out (Ember lacks them): narrow_copy, sparse.sum() as a method (1.13 fails it too), sparse_dim arguments to to_sparse_csr, batched and hybrid CSR tensors,
# BSR/BSC, CSR autograd (Ember's CSR tensors carry no history: csr is drawn on tensors that do not require grad),
# sparse * dense that widens the sparse tensor (Ember refuses it), the dense operand first in a product (dense * sparse,
# dense @ sparse), in-place ops (add_, mul_, zero_), complex values, torch.mm / @ of a sparse tensor of other than 2
# sparse and 0 dense dims (1.13: "reshape is not implemented for sparse tensors").
# Left out (1.13 fails them where 2.x may not; Ember's behaviour there is not compared): the backward of a dense + sparse
# sum whose sparse operand requires grad (1.13: "Function AddBackward0 returned an invalid gradient at index 1 - expected
# layout Sparse but got Strided"; dadd is drawn with a sparse operand that does not require grad); the unary ops on a
# sparse tensor that requires grad other than neg, abs, sign, floor, ceil, round, trunc and square (1.13's backward of
# sqrt, sin, tan, tanh, sinh, asin, asinh, atan, atanh, erf, expm1 fails on the sparse result: "add(sparse, dense) is
# not supported", "Could not run 'aten::cos' with arguments from the 'SparseCPU' backend", ...; log1p's is refused as
# non-differentiable; Ember differentiates them all); a sparse * dense product of a hybrid tensor without entries (1.13
# gives it every dim sparse: sparse_dim 3 for a [3, 1, 3] tensor of sparse_dim 2); to_sparse of a 0-dim tensor (Ember
# refuses it); index_select of a sparse tensor that requires grad (1.13's backward fails: "Could not run
# 'aten::index_add_' with arguments from the 'SparseCPU' backend"; 2.x's index_select_backward is the same index_add_);
# a second backward through a graph (PyTorch's coalesce().values() path of torch.sparse.sum saves tensors and refuses
# it; Ember's sparse nodes save none there): one backward statement per program; the backward of sparse * dense where the dense operand broadcasts and requires grad (1.13 fails it: "Could
# not run 'aten::sum.dim_IntList' with arguments from the 'SparseCPU' backend").
# Known differences of local hunts (session 63, seeds 6328 and 6428, 800 programs each; not Ember's): 1.13 gives every
# dim sparse to more results without entries of a hybrid tensor than the product above: a * scalar and a / scalar,
# sparse_mask with a mask without entries, and a leaf's gradient through to_dense (sparse_dim 3 for a [2, 1, 1] tensor
# of sparse_dim 2); 2.x's intersection_binary_op_sparse_dense_out keeps the dense dims (dense_dim of the sparse operand)
# and its sparse_mask returns mask.clone() for a mask without entries, as Ember. The gradients of r28_11's kind (trunc,
# floor, ceil, round, sign: PyTorch's zeros_like gradient has no entries) and of r28_101's kind (the dense operand of
# sparse * dense) recur in hunts, as the test's expected failures say. atan of a float32 tensor's values: PyTorch's
# vectorized atan (Sleef, 1 ulp) gives 0x3f490fda for atan(1), Ember the correctly rounded 0x3f490fdb (the replay
# compares values within 1e-12, so float32 programs show it).
import os
import random
import warnings

import torch

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "28"))
NCASES = int(os.environ.get("FUZZ_N", "200"))

UNARY = ["coalesce", "todense", "clone", "detach", "t", "neg", "abs", "sqrt", "sin", "tan", "tanh", "sinh", "asin",
         "asinh", "atan", "atanh", "erf", "log1p", "expm1", "sign", "floor", "ceil", "round", "trunc", "square"]
# the unary ops whose backward PyTorch 1.13 runs on a sparse input (the others fail there: header)
GRAD_OK = ["neg", "abs", "sign", "floor", "ceil", "round", "trunc", "square"]
# functions whose domain is limited: the values are drawn so that these stay finite on most entries
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


# ------------------------------------------------------------------------------------------------- descriptions

def num(x):
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    return repr(float(x))


def csv(t):
    return ",".join(num(x) for x in t.detach().reshape(-1).tolist())


def shp(t):
    return "x".join(str(s) for s in t.shape) if len(t.shape) > 0 else "-"


def dt(t):
    return str(t.dtype).replace("torch.", "")


def gradinfo(t):
    if not t.requires_grad:
        return "rg=0"
    if t.grad_fn is None:
        return "rg=1 leaf"
    return "rg=1 fn=" + type(t.grad_fn).__name__


def idx_text(i):
    return ";".join(",".join(str(x) for x in row) for row in i.tolist())


def desc(t):
    if t.layout == torch.sparse_coo:
        return "S %s sd=%d dd=%d nnz=%d c=%d %s %s i=%s v=%s" % (
            shp(t), t.sparse_dim(), t.dense_dim(), t._nnz(), int(t.is_coalesced()), dt(t), gradinfo(t),
            idx_text(t._indices()), csv(t._values()))
    if t.layout == torch.sparse_csr:
        return "C %s %s crow=%s col=%s v=%s" % (shp(t), dt(t), csv(t.crow_indices()), csv(t.col_indices()),
                                                csv(t.values()))
    return "D %s %s %s %s" % (shp(t), dt(t), gradinfo(t), csv(t))


def grad_desc(t):
    g = t.grad
    if g is None:
        return "none"
    if g.layout == torch.sparse_coo:
        g = g.coalesce()
        return "S %s nnz=%d %s i=%s v=%s" % (shp(g), g._nnz(), dt(g), idx_text(g._indices()), csv(g._values()))
    return "D %s %s %s" % (shp(g), dt(g), csv(g))


# ------------------------------------------------------------------------------------------------- the statements

def parse_idx(text):
    dims, data = text.split(":")
    sd, nnz = (int(x) for x in dims.split("x"))
    vals = [int(x) for x in data.split(",")] if data else []
    return torch.tensor(vals, dtype=torch.int64).reshape(sd, nnz)


def parse_vals(text):
    sh, data = text.split(":")
    shape = [] if sh == "-" else [int(x) for x in sh.split("x")]
    vals = [float(x) for x in data.split(",")] if data else []
    return torch.tensor(vals, dtype=torch.float64).reshape(shape)


def parse_size(text):
    return None if text == "-" else [int(x) for x in text.split("x")]


def execute(w, env):
    """Runs one statement (its words); returns the result (a tensor, or a str for repr) or None."""
    op = w[0]
    if op in ("coo", "cooci"):
        i = parse_idx(w[2])
        v = parse_vals(w[3])
        size = parse_size(w[1])
        rg = op == "coo" and w[4] == "1"
        if size is None:
            return torch.sparse_coo_tensor(i, v, requires_grad=rg)
        return torch.sparse_coo_tensor(i, v, size, requires_grad=rg)
    if op == "coov":
        i = parse_idx(w[2])
        size = parse_size(w[1])
        if size is None:
            return torch.sparse_coo_tensor(i, env[w[3]])
        return torch.sparse_coo_tensor(i, env[w[3]], size)
    if op == "dense":
        t = parse_vals(w[1] + ":" + w[2])
        return t.requires_grad_(w[3] == "1")
    a = env.get(w[1]) if len(w) > 1 else None
    if op == "tosp":
        return a.to_sparse() if len(w) == 2 else a.to_sparse(int(w[2]))
    if op == "todense":
        return a.to_dense()
    if op == "t":
        return a.t()
    if op in UNARY or op in ("indices", "values", "_indices", "_values"):
        return getattr(a, op)()
    if op == "pow":
        return a.pow(float(w[2]))
    if op in ("add", "sub"):
        return getattr(torch, op)(a, env[w[2]], alpha=float(w[3]))
    if op == "mulsc":
        return a * float(w[2])
    if op == "divsc":
        return a / float(w[2])
    if op == "muld":
        return a * env[w[2]]
    if op == "dadd":
        return torch.add(a, env[w[2]], alpha=float(w[3]))
    if op == "mask":
        return a.sparse_mask(env[w[2]])
    if op == "ssum":
        return torch.sparse.sum(a)
    if op == "ssumd":
        return torch.sparse.sum(a, [int(x) for x in w[2].split(",")])
    if op == "mm":
        return torch.sparse.mm(a, env[w[2]])
    if op == "smm":
        r = torch.sparse.mm(a, env[w[2]])
        # 2.x sorts the columns within a row (header)
        return _sorted_spmm(r)
    if op == "addmm":
        return torch.sparse.addmm(a, env[w[2]], env[w[3]], beta=float(w[4]), alpha=float(w[5]))
    if op == "matmul":
        return a @ env[w[2]]
    if op == "isel":
        return a.index_select(int(w[2]), torch.tensor([int(x) for x in w[3].split(",")], dtype=torch.int64))
    if op == "tr":
        return a.transpose(int(w[2]), int(w[3]))
    if op == "to":
        return a.to(DTYPES[w[2]])
    if op == "csr":
        return a.to_sparse_csr()
    if op == "csrd":
        return a.to_dense()
    if op == "csrcoo":
        return a.to_sparse()
    if op == "csrmm":
        return a @ env[w[2]]
    if op == "repr":
        return repr(a).replace("\n", "|")
    raise ValueError("statement " + " ".join(w))


def _sorted_spmm(r):
    """1.13's sparse @ sparse with its entries sorted as 2.x's: the same values, in row-major order of the indices."""
    i = r._indices()
    if r._nnz() < 2:
        return r
    lin = i[0] * r.shape[1] + i[1]
    order = torch.argsort(lin)
    if torch.equal(order, torch.arange(r._nnz())):
        return r
    # the values through index_select keep the history (the gradients are the same, permuted)
    v = r._values().index_select(0, order) if not r.requires_grad else None
    if v is None:
        raise Unordered()
    return torch.sparse_coo_tensor(i[:, order], v, r.shape)._coalesced_(True)


BACKED = [False]  # whether the program has run its one backward statement


class Unordered(Exception):
    """A sparse product with a history whose 1.13 entry order is not 2.x's: the program is drawn again."""


def err_line(e):
    msg = str(e).split("\n")[0]
    return "err %s: %s" % (type(e).__name__, msg)


# ------------------------------------------------------------------------------------------------- drawing

VALS = [-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.25, -0.75]


def draw_vals(rng, n, small=False):
    pool = [-0.5, -0.25, 0.25, 0.5, 0.75, -0.75] if small else VALS
    return [rng.choice(pool) for _ in range(n)]


def draw_coo(rng, refuse=False):
    sd = rng.choice([1, 2, 2, 2, 3])
    sizes = [rng.randint(1, 4) for _ in range(sd)]
    dd = rng.choice([0, 0, 0, 1])
    dsizes = [rng.randint(1, 3) for _ in range(dd)]
    nnz = rng.randint(0, 6)
    cols = [[rng.randrange(s) for s in sizes] for _ in range(nnz)]
    if nnz >= 2 and rng.random() < 0.4:  # a duplicate
        cols[rng.randrange(nnz)] = list(cols[rng.randrange(nnz)])
    if rng.random() < 0.3:
        cols.sort()
    rows = [[c[d] for c in cols] for d in range(sd)]
    small = rng.random() < 0.5
    vals = draw_vals(rng, nnz * (dsizes[0] if dd else 1), small)
    vshape = [nnz] + dsizes
    size = sizes + dsizes
    if refuse:
        kind = rng.choice(["high", "neg", "nnz", "ndim", "vsize"])
        if nnz == 0:
            kind = rng.choice(["ndim", "vsize"])
        if kind == "high":
            d = rng.randrange(sd)
            rows[d][rng.randrange(nnz)] = sizes[d] + rng.randint(0, 2)
        elif kind == "neg":
            d = rng.randrange(sd)
            rows[d][rng.randrange(nnz)] = -rng.randint(1, 2)
        elif kind == "nnz":
            vals = vals + draw_vals(rng, dsizes[0] if dd else 1)
            vshape = [nnz + 1] + dsizes
        elif kind == "ndim":
            size = size + [2] if rng.random() < 0.5 or len(size) == 1 else size[:-1]
        else:
            size = sizes + ([d + 1 for d in dsizes] if dd else [])
            if not dd:
                size = size[:-1] + [size[-1]]
                vshape = [nnz, 2]
                vals = draw_vals(rng, nnz * 2)
    idx = "%dx%d:%s" % (sd, nnz, ",".join(str(x) for r in rows for x in r))
    vtxt = "%s:%s" % ("x".join(str(s) for s in vshape), ",".join(num(x) for x in vals))
    stext = "x".join(str(s) for s in size)
    if not refuse and rng.random() < 0.2 and nnz > 0:
        stext = "-"  # inferred size
    if refuse:
        return "cooci %s %s %s" % (stext, idx, vtxt)
    return "coo %s %s %s %d" % (stext, idx, vtxt, int(rng.random() < 0.4))


def draw_dense(rng, shape, rg=None):
    n = 1
    for s in shape:
        n *= s
    if rg is None:
        rg = rng.random() < 0.4
    return "dense %s %s %d" % ("x".join(str(s) for s in shape) if shape else "-", ",".join(
        num(x) for x in draw_vals(rng, n)), int(rg))


def sparse_vars(env):
    return [k for k, v in env.items() if isinstance(v, torch.Tensor) and v.layout == torch.sparse_coo]


def dense_vars(env):
    return [k for k, v in env.items() if isinstance(v, torch.Tensor) and v.layout == torch.strided]


def csr_vars(env):
    return [k for k, v in env.items() if isinstance(v, torch.Tensor) and v.layout == torch.sparse_csr]


def draw_statement(rng, env, pre):
    """One statement over the variables so far; pre: statements to run first (new operands), appended to."""
    sps = sparse_vars(env)
    dns = dense_vars(env)
    csrs = csr_vars(env)
    k = len(env) + len(pre)

    def new_dense(shape, rg=None):
        pre.append(draw_dense(rng, shape, rg))
        return "v%d" % (k + len(pre) - 1)

    choices = ["coo"] * 2 + ["cooci"]
    if sps:
        choices += ["unary"] * 6 + ["coalesce"] * 2 + ["todense"] * 2 + ["idx"] * 2 + ["pow", "add", "add", "sub",
                    "mulsc", "divsc", "muld", "dadd", "mask", "ssum", "ssumd", "ssumd", "mm", "mm", "smm", "addmm",
                    "matmul", "isel", "isel", "tr", "to", "csr", "csr", "repr", "coov"]
    if dns:
        choices += ["tosp", "back", "back"]
    if csrs:
        choices += ["csrd", "csrcoo", "csrmm", "csrmm", "repr"]
    c = rng.choice(choices)
    if c == "coo":
        return draw_coo(rng)
    if c == "cooci":
        return draw_coo(rng, refuse=True)
    if c == "coov":
        a = env[rng.choice(sps)]
        shape = [rng.randint(0, 4)] + [rng.randint(1, 3) for _ in range(rng.choice([0, 0, 1]))]
        nnz = shape[0]
        sd = rng.choice([1, 2])
        sizes = [rng.randint(1, 4) for _ in range(sd)]
        rows = [[rng.randrange(s) for _ in range(nnz)] for s in sizes]
        d = new_dense(shape, True)
        return "coov %s %dx%d:%s %s" % ("x".join(str(s) for s in sizes + shape[1:]), sd, nnz,
                                        ",".join(str(x) for r in rows for x in r), d)
    if c == "tosp":
        a = rng.choice(dns)
        t = env[a]
        if t.dim() == 0:
            return draw_coo(rng)
        if t.dim() >= 2 and rng.random() < 0.5:
            return "tosp %s %d" % (a, rng.randint(1, t.dim()))
        return "tosp %s" % a
    if c == "back":
        cands = [d for d in dns if env[d].requires_grad and not BACKED[0]]
        if not cands:
            return draw_coo(rng)
        return "back %s" % rng.choice(cands)
    if c in ("csrd", "csrcoo"):
        return "%s %s" % (c, rng.choice(csrs))
    if c == "csrmm":
        a = rng.choice(csrs)
        n = env[a].shape[1]
        b = new_dense([n, rng.randint(1, 3)], False)
        return "csrmm %s %s" % (a, b)
    if c == "repr":
        return "repr %s" % rng.choice(sps + csrs)
    a = rng.choice(sps)
    t = env[a]
    if c == "unary":
        op = rng.choice(UNARY[3:])
        if t.requires_grad and op not in GRAD_OK:
            op = rng.choice(GRAD_OK)
        return "%s %s" % (op, a)
    if c in ("coalesce", "todense"):
        return "%s %s" % (c, a)
    if c == "idx":
        return "%s %s" % (rng.choice(["indices", "values", "_indices", "_values"]), a)
    if c == "pow":
        return "pow %s %s" % (a, num(rng.choice([2.0, 3.0, 0.5, -1.0, 0.0, 2.0])))
    if c in ("add", "sub"):
        same = [s for s in sps if list(env[s].shape) == list(t.shape) and env[s].sparse_dim() == t.sparse_dim()]
        b = rng.choice(same) if rng.random() < 0.9 else rng.choice(sps)
        return "%s %s %s %s" % (c, a, b, num(rng.choice([1.0, 1.0, 2.0, -0.5])))
    if c in ("mulsc", "divsc"):
        return "%s %s %s" % (c, a, num(rng.choice([2.0, -1.0, 0.5, 4.0])))
    if c == "muld":
        if t._nnz() == 0 and t.dense_dim() > 0:
            return "clone %s" % a
        shape = list(t.shape)
        if rng.random() < 0.3 and shape:
            shape = shape[1:] if rng.random() < 0.5 else [1] + shape[1:]
        # a dense operand that broadcasts does not require grad (1.13's backward sums the sparse gradient over the
        # broadcast dims: "Could not run 'aten::sum.dim_IntList' with arguments from the 'SparseCPU' backend")
        return "muld %s %s" % (a, new_dense(shape, None if shape == list(t.shape) else False))
    if c == "dadd":
        if t.requires_grad:
            a = "%s.detach" % a
            return "detach %s" % a[:-7]
        return "dadd %s %s %s" % (new_dense(list(t.shape)), a, num(rng.choice([1.0, 2.0, -1.0])))
    if c == "mask":
        cands = [s for s in sps if env[s].is_coalesced()]
        if not cands:
            return "coalesce %s" % a
        m = rng.choice(cands)
        return "mask %s %s" % (new_dense(list(env[m].shape)), m)
    if c == "ssum":
        return "ssum %s" % a
    if c == "ssumd":
        n = t.dim()
        dims = rng.sample(range(n), rng.randint(1, n))
        if rng.random() < 0.2:
            dims = [d - n for d in dims]
        if rng.random() < 0.05:
            dims = dims + [dims[0]]
        return "ssumd %s %s" % (a, ",".join(str(d) for d in dims))
    if c in ("mm", "addmm", "matmul"):
        if t.sparse_dim() != 2 or t.dense_dim() != 0:
            if rng.random() < 0.8 or c == "matmul":
                return "coalesce %s" % a
            n = t.shape[-1]
        else:
            n = t.shape[1]
        if rng.random() < 0.07:
            n += 1
        b = new_dense([n, rng.randint(1, 3)])
        if c == "addmm":
            m = t.shape[0]
            p = int(pre[-1].split()[1].split("x")[1])
            cshape = rng.choice([[m, p], [m, p], [p], [m, 1], [1, p]])
            cc = new_dense(cshape)
            return "addmm %s %s %s %s %s" % (cc, a, b, num(rng.choice([1.0, 0.5, 0.0])), num(rng.choice([1.0, 2.0])))
        return "%s %s %s" % (c, a, b)
    if c == "smm":
        if t.sparse_dim() != 2 or t.dense_dim() != 0:
            return "coalesce %s" % a
        cands = [s for s in sps if env[s].sparse_dim() == 2 and env[s].dense_dim() == 0
                 and env[s].shape[0] == t.shape[1]]
        if not cands:
            return "t %s" % a
        return "smm %s %s" % (a, rng.choice(cands))
    if c == "isel":
        if t.requires_grad:
            return "detach %s" % a
        d = rng.randrange(t.dim())
        n = t.shape[d]
        m = rng.randint(0, 4)
        if n == 0:
            ix = [0] if rng.random() < 0.3 else []
        else:
            ix = [rng.randrange(n) for _ in range(m)]
            if rng.random() < 0.2 and d < t.sparse_dim():
                ix = [i - n for i in ix]
            if rng.random() < 0.07:
                ix.append(n + rng.randint(0, 1))
        if not ix:
            ix = [0] if n > 0 else [0]
        return "isel %s %d %s" % (a, d, ",".join(str(i) for i in ix))
    if c == "tr":
        n = t.dim()
        if t.sparse_dim() < 2 and rng.random() < 0.7:
            return "t %s" % a if t.dim() <= 2 and t.dense_dim() == 0 else "clone %s" % a
        d0, d1 = rng.randrange(n), rng.randrange(n)
        return "tr %s %d %d" % (a, d0, d1)
    if c == "to":
        return "to %s %s" % (a, rng.choice(["float32", "int64", "float64"]))
    if c == "csr":
        if t.requires_grad or t.sparse_dim() != 2 or t.dense_dim() != 0:
            cands = [d for d in dns if env[d].dim() == 2 and not env[d].requires_grad]
            if cands:
                return "csr %s" % rng.choice(cands)
            return "detach %s" % a
        return "csr %s" % a
    raise ValueError(c)


def record(out, stmt, env, leaves):
    w = stmt.split(" ")
    out.append("s " + stmt)
    name = "v%d" % len(env)
    if w[0] == "back":
        BACKED[0] = True
        t = env[w[1]]
        env[name] = None
        try:
            (t if t.dim() == 0 else t.sum()).backward()
        except Exception as e:  # noqa: BLE001
            out.append(err_line(e))
            return
        for lv in leaves:
            out.append("g %s %s" % (lv, grad_desc(env[lv])))
        return
    try:
        r = execute(w, env)
    except Unordered:
        raise
    except Exception as e:  # noqa: BLE001
        env[name] = None
        out.append(err_line(e))
        return
    env[name] = r if isinstance(r, torch.Tensor) else None
    out.append("r " + (r if isinstance(r, str) else desc(r)))
    if isinstance(r, torch.Tensor) and r.requires_grad and r.grad_fn is None:
        leaves.append(name)


def program(k):
    rng = random.Random(SEED * 100003 + k)
    for attempt in range(50):
        env = {}
        leaves = []
        out = []
        BACKED[0] = False
        n = rng.randint(3, 8)
        stmts = 0
        try:
            # one or two sparse tensors first
            for _ in range(rng.randint(1, 2)):
                if rng.random() < 0.2:
                    shape = [rng.randint(1, 4) for _ in range(rng.choice([1, 2, 2, 3]))]
                    record(out, draw_dense(rng, shape), env, leaves)
                    record(out, "tosp v%d%s" % (len(env) - 1, "" if len(shape) == 1 or rng.random() < 0.6
                                                 else " %d" % rng.randint(1, len(shape))), env, leaves)
                    stmts += 2
                else:
                    record(out, draw_coo(rng), env, leaves)
                    stmts += 1
            while stmts < n:
                pre = []
                s = draw_statement(rng, env, pre)
                for p in pre:
                    record(out, p, env, leaves)
                record(out, s, env, leaves)
                stmts += 1 + len(pre)
            # a backward pass at the end where something dense requires grad
            cands = [d for d in dense_vars(env) if env[d].requires_grad and env[d].grad_fn is not None]
            if cands and rng.random() < 0.8 and not BACKED[0]:
                record(out, "back %s" % rng.choice(cands), env, leaves)
                stmts += 1
        except Unordered:
            continue
        return stmts, out
    raise RuntimeError("program %d" % k)


def main():
    for k in range(NCASES):
        n, out = program(k)
        print("=== r28_%d P %d" % (k, n))
        for line in out:
            print(line)


if __name__ == "__main__":
    main()
