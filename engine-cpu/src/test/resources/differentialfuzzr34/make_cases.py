# Differential fuzz round 34 for DifferentialFuzzR34Test.java: seeded single calls whose subject is EMBEDDINGS AND
# PADDED / PACKED SEQUENCES THROUGH THE RECURRENT LAYERS, run in PyTorch with every result recorded;
# FuzzR34Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr34 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 34, every draw seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz34.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#   the fixes' cases (FuzzRound34FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#
# Rounds 4 and 13 drew Embedding and the recurrent modules as parts of training programs; here their corners are the
# subject, the places where sequence models go silently wrong:
#   (a) embedding: F.embedding and nn.Embedding.from_pretrained(freeze) over int64 indices of rank 0-3 (repeated
#       indices), padding_idx (negative ones count from the end; its row gets no gradient), max_norm with norm_type
#       (1, 2, 3, inf; the looked-up rows of the weight are renormalised IN PLACE: the weight after the call is
#       compared), scale_grad_by_freq, sparse=True (the sparse gradient's indices, values and coalesced flag as
#       PyTorch gives them, uncoalesced, one entry per lookup, the padding row's dropped); out-of-range indices
#       (n, -n-1 and other negatives: "index out of range in self", every input unchanged);
#   (b) embedding_bag: F.embedding_bag and nn.EmbeddingBag.from_pretrained, mode sum / mean / max, a 2-D input or a
#       1-D input with offsets (include_last_offset, empty bags: zeros), per_sample_weights (sum only; its gradient
#       too), padding_idx, max_norm, scale_grad_by_freq, sparse; the refusals of the offsets (the first not 0, the
#       last past the input, 2-D offsets, offsets with a 2-D input), of per_sample_weights (another mode, another
#       shape), of max with sparse and of out-of-range indices;
#   (c) nn.utils.rnn: pad_sequence (batch_first, padding_value, padding_side), pack_padded_sequence (enforce_sorted,
#       batch_first, lengths as a list or a CPU int64 tensor, ties among the lengths; a zero length, unsorted lengths
#       with enforce_sorted and a wrong number of lengths refused), pad_packed_sequence of
#       it (batch_first, padding_value, total_length; one shorter than the longest sequence refused),
#       pack_sequence (enforce_sorted); the PackedSequence's data, batch_sizes, sorted and unsorted indices, and the
#       gradient of every input through the data;
#   (d) RNN (tanh / relu), LSTM (with and without proj_size), GRU: num_layers 1-3, bidirectional, batch_first, bias
#       off, dropout 0, over a padded (batched) tensor, an unbatched 2-D one or a PackedSequence (from a padded tensor
#       and lengths, enforce_sorted either way), h0 / c0 given or not: the output (a packed one's data, batch_sizes
#       and indices), h_n, c_n and the float64 (or float32) gradients of every parameter, of the input and of h0 /
#       c0; the refusals of a wrong input size, a wrong h0 / c0 shape and a 3-D h0 with an unbatched input.
#       The parameters are the ones PyTorch's seeded module drew, written into the case ("p" lines).
#   (e) RNNCell (tanh / relu), LSTMCell, GRUCell: batched and unbatched input, bias off, hx given or not; outputs
#       and gradients as (d).
# float64 mostly (float32 in a quarter of the value cases). Drawn values (inputs, seeded parameters, upstream
# gradients) are rounded to 4 decimals and float32 values written as the shortest decimal that reads back as the same
# float32, to keep the lines short; results as computed.
#
# Format: "=== r34_<k> <family> <dtype>", then lines by first word:
#   s <op> [k=v ...]    the call (N for None)
#   i <name> <tensor>   an input (r17's tensor lines "dtype [shape] : values"): x the indices or the input, w the
#                       weight, off the offsets, psw the per-sample weights, len the lengths (tensor form), q0, q1, ...
#                       the sequences of a list, h0 / c0 the initial states
#   rg <name>           that input requires grad
#   p <name> <tensor>   a module parameter, by PyTorch's name (weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0, ...)
#   err <message>       PyTorch refuses the call (first line); every input (and the weight) must be unchanged in
#                       Ember (the project's rule: PyTorch's F.embedding / F.embedding_bag with max_norm renormalise
#                       the looked-up rows before the lookup refuses a negative index or the bag its offsets; Ember
#                       refuses first, so the case holds the inputs as drawn)
#   berr <message>      the call succeeds, the backward pass refuses with this
#   o <name> <tensor>   an output: out, h, c, data, batch_sizes, sorted, unsorted (or "none"), lengths, wafter (the
#                       weight after the call, renormalised rows included)
#   fn <name> <node>    the grad_fn name of output <name> (only where one op makes the result)
#   g <name> <tensor>   the upstream gradient of output <name>: the backward of sum(sum(out * g) over the outputs)
#   gr <name> <tensor>  the gradient of input or parameter <name>, or "none"
#   sgi / sgv / sgc <name> ...  a sparse gradient's indices, values (tensor lines, PyTorch's order) and coalesced
#                       flag (True / False)
# Values: integers exactly; floating ones within tol * max(1, max |expected|) over the tensor, tol 1e-12 for float64
# and 1e-5 for float32 (FuzzR31Interpreter.compare), except the recurrent layers' and cells' float32 values (d, e),
# within 1e-4 (their sums run over steps, layers and directions).
#
# 1.13 and 2.x (Ember follows 2.x):
# - padding_side of pad_sequence came in 2.6 (torch._C._nn.pad_sequence(..., padding_side)); 1.13 has none, so the
#   generator emulates "left" as 2.x defines it: each sequence flipped in time, padded at the end, the result
#   flipped back (the padding before each sequence, its steps in order); no grad_fn is recorded for those.
# - pad_sequence of an empty list, and of sequences whose trailing sizes differ: not drawn (1.13's IndexError /
#   shape messages differ from 2.x's TORCH_CHECKs).
# - embedding_bag's dense backward with scale_grad_by_freq: 1.13's CPU kernel (and 2.x's up to 2.13,
#   _embedding_bag_dense_backward_cpu_sum_mean) divides by counts[indices_data[i]], i counting the unique indices,
#   so an index that occurs once but sorts after a repeated one is divided by the other's count (pytorch/pytorch
#   issue #190063, fixed by PR #190264: counts[index], as Embedding's dense backward and the CUDA kernel). The
#   generator emulates the fixed kernel: the call without scale_grad_by_freq, its weight gradient's rows divided by
#   their index's number of occurrences in the input (a hook on the weight).
# - embedding_bag's index out of range on the fast path (sum / mean over a float32 weight, no padding_idx): 1.13's
#   kernel words it as caffe2's EmbeddingLookupIdx ("[enforce fail at embedding_lookup_idx.cc:214] ..."), 2.x's as
#   fbgemm_spmdm_report_error_ (EmbeddingBag.cpp): "Index <i> of input takes value <idx> which is not in the valid
#   range [0, <n>)", <i> the position of the first index out of range among those inside the bags, counted from the
#   first index of the run of bags one thread was handed; the generator writes the single-threaded run's (from the
#   input's start). The other kernels (float64, a padding row, max) say "embedding_bag: Expected idx >= 0 && idx <
#   num_embeddings but found idx to be <idx>" in both.
# - a length past the padded input's time steps is not drawn: 1.13 and 2.x check nothing (_pack_padded_sequence
#   reads past the input: a reshape error, or a select() error in the backward pass only).
# - a 2-D embedding_bag input with no columns: F.embedding_bag builds its offsets with torch.arange(0, numel,
#   input.size(1)) in 1.13 and 2.x alike, refused as "step must be nonzero"; drawn as it is.
# - F.embedding(sparse=True) of a 0-dim index with padding_idx: 1.13's backward fails ("too many indices for tensor
#   of dimension 0 (got 1)": embedding_sparse_backward indexes the 0-dim indices with their 0-dim mask), and 2.x's
#   embedding_sparse_backward is the same code; written as 1.13 gives it (a "berr" line), Ember differs
#   (DifferentialFuzzR34Test's EXPECTED_FAILURES, for the lead).
# - the other calls were not checked one by one against 2.x: where Ember agreed with 1.13 nothing was looked up; the
#   differences were (EmbeddingBag.cpp, Embedding.cpp, torch/nn/functional.py of 2.x).
# Not drawn: nn.EmbeddingBag.from_pretrained(..., sparse=True) (Ember's from_pretrained has no sparse form: the
# interpreter builds the module with the constructor and copies the table in).
import math
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import rnn as U

SEED = int(os.environ.get("FUZZ_SEED", "34"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
F32, F64, I64 = torch.float32, torch.float64, torch.int64
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
    t = t.detach()
    shape = list(t.shape)
    if t.dtype == torch.bool:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
    elif t.dtype == F32:
        # the shortest decimal that reads back as the same float32
        body = " ".join(num(v) if not math.isfinite(v) else str(np.float32(v)) for v in t.reshape(-1).tolist())
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t.dtype), ", ".join(str(s) for s in shape), body)


def err_text(e):
    return str(e).split("\n")[0]


def fval(shape, dtype, scale=1.0):
    """Normal values times scale, rounded to 4 decimals (short lines), in dtype."""
    return (torch.round(torch.randn(*shape, dtype=F64) * scale * 1e4) / 1e4).to(dtype)


def rounded_parameters(m):
    """The module's seeded parameters rounded to 4 decimals (short lines), written back."""
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.round(p * 1e4) / 1e4)
    return [(name, p.detach().clone()) for name, p in m.named_parameters()]


def draw_dtype():
    return F32 if R.random() < 0.25 else F64


def emit(family, dtype, step, inputs, rgs, params, body, name=None):
    """inputs: list of (name, tensor); body(v) runs the call on fresh copies and returns (outputs, grads-of) or raises."""
    k = COUNT[0]
    COUNT[0] += 1
    lines = ["=== %s %s %s" % (name or "r34_%d" % k, family, dname(dtype)), "s " + step]
    for nm, t in inputs:
        lines.append("i %s %s" % (nm, tline(t)))
    for nm in rgs:
        lines.append("rg " + nm)
    for nm, t in params:
        lines.append("p %s %s" % (nm, tline(t)))
    v = {}
    for name, t in inputs:
        c = t.clone()
        if name in rgs:
            c.requires_grad_(True)
        v[name] = c
    try:
        outs, leaves, sparse = body(v)
    except (RuntimeError, ValueError, IndexError, TypeError, AssertionError) as e:
        lines.append("err " + err_text(e))
        OUT.extend(lines)
        return
    loss = None
    for name, t, fn in outs:
        if t is None:
            lines.append("o %s none" % name)
            continue
        lines.append("o %s %s" % (name, tline(t)))
        if fn and t.grad_fn is not None:
            lines.append("fn %s %s" % (name, type(t.grad_fn).__name__))
        if t.requires_grad and t.is_floating_point():
            g = fval(t.shape, t.dtype)
            lines.append("g %s %s" % (name, tline(g)))
            term = (t * g).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        try:
            loss.backward()
        except (RuntimeError, IndexError) as e:
            lines.append("berr " + err_text(e))
            OUT.extend(lines)
            return
        for name, t in leaves:
            if not t.requires_grad:
                continue
            if t.grad is None:
                lines.append("gr %s none" % name)
            elif t.grad.is_sparse:
                sg = t.grad
                lines.append("sgi %s %s" % (name, tline(sg._indices())))
                lines.append("sgv %s %s" % (name, tline(sg._values())))
                lines.append("sgc %s %s" % (name, "True" if sg.is_coalesced() else "False"))
            else:
                lines.append("gr %s %s" % (name, tline(t.grad)))
    OUT.extend(lines)


def opt(v):
    return "N" if v is None else str(v)


# ---------------------------------------------------------------------------------------------------- (a) embedding


def index_tensor(n, shape, bad=False):
    x = torch.tensor([R.randrange(n) for _ in range(int(math.prod(shape)))], dtype=I64).reshape(shape)
    if R.random() < 0.4 and x.numel() > 1:
        # repeats: scale_grad_by_freq and the sparse gradient's duplicates
        flat = x.reshape(-1)
        flat[R.randrange(flat.numel())] = flat[R.randrange(flat.numel())]
    if bad and x.numel() > 0:
        flat = x.reshape(-1)
        flat[R.randrange(flat.numel())] = R.choice([n, n + 3, -1, -n, -n - 1])
    return x


def embedding_case():
    dt = draw_dtype()
    n, d = R.randint(1, 7), R.randint(1, 5)
    rank = R.choice([0, 1, 1, 2, 2, 3])
    shape = [R.randint(0 if R.random() < 0.05 else 1, 4) for _ in range(rank)]
    bad = R.random() < 0.12
    x = index_tensor(n, shape, bad)
    w = fval([n, d], dt, R.choice([0.5, 1.0, 3.0]))
    pad = R.choice([None, None, R.randrange(n), -R.randint(1, n)])
    if R.random() < 0.03:
        pad = R.choice([n, -n - 1])
    maxnorm = R.choice([None, None, R.choice([0.5, 1.0, 2.5])])
    normtype = R.choice([2.0, 2.0, 1.0, 3.0, float("inf")])
    sgf = R.random() < 0.3
    sparse = R.random() < 0.3
    form = R.choice(["F", "F", "P"])
    freeze = R.random() < 0.3 if form == "P" else False
    rgs = [] if freeze or form == "P" else ["w"]
    step = "embedding form=%s pad=%s maxnorm=%s normtype=%s sgf=%s sparse=%s freeze=%s" % (
        form, opt(pad), opt(maxnorm), num(normtype), sgf, sparse, freeze)

    def body(v):
        if form == "F":
            wt = v["w"]
            out = F.embedding(v["x"], wt, pad, maxnorm, normtype, sgf, sparse)
        else:
            m = nn.Embedding.from_pretrained(v["w"], freeze=freeze, padding_idx=pad, max_norm=maxnorm,
                                             norm_type=normtype, scale_grad_by_freq=sgf, sparse=sparse)
            wt = m.weight
            out = m(v["x"])
        return [("out", out, True), ("wafter", wt.detach().clone(), False)], [("w", wt)], sparse

    emit("embedding", dt, step, [("x", x), ("w", w)], rgs, [], body)


# ------------------------------------------------------------------------------------------------ (b) embedding_bag


def fast_path_message(e, x, off, ilo, n):
    """2.x's words for an index out of range on embedding_bag's fast path (see the header); other messages as given."""
    text = str(e)
    if not text.startswith("[enforce fail at embedding_lookup_idx.cc"):
        return text
    flat = x.reshape(-1).tolist()
    end = int(off[-1]) if ilo and off is not None and off.numel() > 0 else len(flat)
    for i in range(min(end, len(flat))):
        if not 0 <= flat[i] < n:
            return "Index %d of input takes value %d which is not in the valid range [0, %d)" % (i, flat[i], n)
    raise AssertionError("no index out of range: " + text)


def bag_case():
    dt = draw_dtype()
    n, d = R.randint(1, 6), R.randint(1, 4)
    mode = R.choice(["sum", "mean", "max"])
    two_d = R.random() < 0.35
    bad = R.random() < 0.08
    ilo = (not two_d) and R.random() < 0.4
    if two_d:
        b, l = R.randint(1, 4), R.randint(0 if R.random() < 0.1 else 1, 4)
        x = index_tensor(n, [b, l], bad)
        off = None
    else:
        total = R.randint(0, 8)
        x = index_tensor(n, [total], bad)
        nb = R.randint(1, 4)
        cuts = sorted(R.randint(0, total) for _ in range(nb - 1))
        starts = [0] + cuts
        if ilo:
            starts = starts + [total]
        off = torch.tensor(starts, dtype=I64)
        r = R.random()
        if r < 0.04 and off.numel() > 0:
            off[0] = 1
        elif r < 0.08:
            off[-1] = total + R.randint(1, 3)
        elif r < 0.10:
            off = off.reshape(1, -1)
    w = fval([n, d], dt)
    psw = None
    if R.random() < 0.35 and (mode == "sum" or R.random() < 0.2):
        psw = fval(list(x.shape) if R.random() > 0.05 else [x.numel() + 1], dt)
    pad = R.choice([None, None, R.randrange(n), -R.randint(1, n)])
    maxnorm = R.choice([None, None, None, R.choice([0.5, 1.5])])
    normtype = R.choice([2.0, 1.0, 3.0])
    sgf = R.random() < 0.2 and mode != "max"
    sparse = R.random() < 0.25 and (mode != "max" or R.random() < 0.3)
    form = R.choice(["F", "F", "P"])
    if form == "P" and (off is not None and off.dim() != 1):
        form = "F"
    offwith2d = two_d and R.random() < 0.05
    if offwith2d:
        off = torch.tensor([0], dtype=I64)
    bag_emit(dt, n, x, w, off, psw, mode, ilo, pad, maxnorm, normtype, sgf, sparse, form)


def bag_emit(dt, n, x, w, off, psw, mode, ilo, pad, maxnorm, normtype, sgf, sparse, form, name=None):
    inputs = [("x", x), ("w", w)]
    if off is not None:
        inputs.append(("off", off))
    rgs = ["w"] if form == "F" else []
    if psw is not None:
        inputs.append(("psw", psw))
        rgs.append("psw")
    step = "bag form=%s mode=%s ilo=%s pad=%s maxnorm=%s normtype=%s sgf=%s sparse=%s" % (
        form, mode, ilo, opt(pad), opt(maxnorm), num(normtype), sgf, sparse)

    # scale_grad_by_freq with a dense gradient: 2.x's fix of the CPU kernel emulated (see the header)
    fixed = sgf and not sparse

    def body(v):
        o = v.get("off")
        p = v.get("psw")
        s = sgf and not fixed
        if form == "F":
            wt = v["w"]
            try:
                out = F.embedding_bag(v["x"], wt, o, maxnorm, normtype, s, mode, sparse, p, ilo, pad)
            except RuntimeError as e:
                raise RuntimeError(fast_path_message(e, v["x"], o, ilo, n)) from None
        else:
            m = nn.EmbeddingBag.from_pretrained(v["w"], freeze=False, max_norm=maxnorm, norm_type=normtype,
                                                scale_grad_by_freq=s, mode=mode, sparse=sparse,
                                                include_last_offset=ilo, padding_idx=pad)
            wt = m.weight
            try:
                out = m(v["x"], o, per_sample_weights=p)
            except RuntimeError as e:
                raise RuntimeError(fast_path_message(e, v["x"], o, ilo, n)) from None
        if fixed:
            counts = torch.bincount(v["x"].reshape(-1), minlength=n).clamp(min=1).to(wt.dtype)
            wt.register_hook(lambda g: g / counts.unsqueeze(1))
        leaves = [("w", wt)] + ([("psw", p)] if p is not None else [])
        return [("out", out, True), ("wafter", wt.detach().clone(), False)], leaves, sparse

    emit("bag", dt, step, inputs, rgs, [], body, name)


# ------------------------------------------------------------------------------------------------ (c) nn.utils.rnn


def seqs(dt, k, trail):
    return [fval([R.randint(0 if R.random() < 0.1 else 1, 5)] + trail, dt) for _ in range(k)]


def pad_sequence_case():
    dt = draw_dtype()
    k = R.randint(1, 4)
    trail = [R.randint(1, 3) for _ in range(R.choice([0, 1, 1, 2]))]
    qs = seqs(dt, k, trail)
    bf = R.random() < 0.5
    pv = R.choice([0.0, 0.0, -1.5, 7.0])
    side = R.choice(["right", "right", "left"])
    step = "pad_sequence bf=%s pv=%s side=%s" % (bf, num(pv), side)

    def body(v):
        ins = [v["q%d" % j] for j in range(k)]
        if side == "right":
            out = U.pad_sequence(ins, batch_first=bf, padding_value=pv)
        else:
            # 2.x's padding_side="left", emulated (see the header)
            out = U.pad_sequence([s.flip(0) for s in ins], batch_first=bf, padding_value=pv).flip(1 if bf else 0)
        return [("out", out, side == "right")], [("q%d" % j, ins[j]) for j in range(k)], False

    emit("pad_sequence", dt, step, [("q%d" % j, qs[j]) for j in range(k)], ["q%d" % j for j in range(k)], [], body)


def lengths_for(b, t):
    ls = [R.randint(1, t) if t > 0 else 0 for _ in range(b)]
    if R.random() < 0.3 and b > 1:
        ls[R.randrange(b)] = ls[R.randrange(b)]  # ties
    return ls


def packed_input(dt, bf):
    b, t = R.randint(1, 4), R.randint(1, 5)
    trail = [R.randint(1, 3) for _ in range(R.choice([0, 1, 1, 2]))]
    x = fval([b, t] + trail if bf else [t, b] + trail, dt)
    ls = lengths_for(b, t)
    es = R.random() < 0.4
    if es:
        ls.sort(reverse=True)
        if R.random() < 0.06 and b > 1 and ls[0] != ls[-1]:
            ls.reverse()
    r = R.random()
    if r < 0.04:
        ls[R.randrange(b)] = 0
    elif r < 0.06:
        ls = ls + [1]
    return x, ls, es


def pack_padded_case(unpack):
    dt = draw_dtype()
    bf = R.random() < 0.5
    x, ls, es = packed_input(dt, bf)
    lt = R.choice(["list", "tensor"])
    inputs = [("x", x)]
    lens = ",".join(str(v) for v in ls)
    if lt == "tensor":
        inputs.append(("len", torch.tensor(ls, dtype=I64)))
    bf2 = R.random() < 0.5
    pv = R.choice([0.0, 0.0, -2.0, 5.5])
    tl = None
    if unpack and R.random() < 0.4:
        tl = max(ls) + R.choice([0, 1, 2, -1])
    step = "%s bf=%s es=%s lens=%s lt=%s bf2=%s pv=%s total=%s" % (
        "pad_packed" if unpack else "pack_padded", bf, es, lens if lt == "list" else "T", lt, bf2, num(pv), opt(tl))

    def body(v):
        lengths = v["len"] if lt == "tensor" else ls
        p = U.pack_padded_sequence(v["x"], lengths, batch_first=bf, enforce_sorted=es)
        if not unpack:
            return [("data", p.data, True), ("batch_sizes", p.batch_sizes, False),
                    ("sorted", p.sorted_indices, False), ("unsorted", p.unsorted_indices, False)], [("x", v["x"])], False
        out, lengths_out = U.pad_packed_sequence(p, batch_first=bf2, padding_value=pv, total_length=tl)
        return [("out", out, False), ("lengths", lengths_out, False)], [("x", v["x"])], False

    emit("pack_padded" if not unpack else "pad_packed", dt, step, inputs, ["x"], [], body)


def pack_sequence_case():
    dt = draw_dtype()
    k = R.randint(1, 4)
    trail = [R.randint(1, 3) for _ in range(R.choice([0, 1, 2]))]
    qs = [fval([R.randint(1, 5)] + trail, dt) for _ in range(k)]
    es = R.random() < 0.4
    if es:
        qs.sort(key=lambda q: -q.shape[0])
        if R.random() < 0.08 and qs[0].shape[0] != qs[-1].shape[0]:
            qs.reverse()
    step = "pack_sequence es=%s" % es

    def body(v):
        ins = [v["q%d" % j] for j in range(k)]
        p = U.pack_sequence(ins, enforce_sorted=es)
        return [("data", p.data, False), ("batch_sizes", p.batch_sizes, False), ("sorted", p.sorted_indices, False),
                ("unsorted", p.unsorted_indices, False)], [("q%d" % j, ins[j]) for j in range(k)], False

    emit("pack_sequence", dt, step, [("q%d" % j, qs[j]) for j in range(k)], ["q%d" % j for j in range(k)], [], body)


# ------------------------------------------------------------------------------------------ (d) the recurrent layers


def rnn_case():
    dt = draw_dtype()
    kind = R.choice(["RNN_TANH", "RNN_RELU", "LSTM", "LSTM", "GRU"])
    isz, hid = R.randint(1, 3), R.randint(1, 3)
    layers = R.choice([1, 1, 2, 3])
    bias = R.random() > 0.2
    bf = R.random() < 0.5
    bi = R.random() < 0.4
    proj = R.randint(1, hid - 1) if kind == "LSTM" and hid > 1 and R.random() < 0.35 else 0
    form = R.choice(["padded", "padded", "packed", "packed", "unbatched"])
    dirs = 2 if bi else 1
    hout = proj if proj else hid
    torch.manual_seed(R.randrange(1 << 30))
    if kind == "LSTM":
        m = nn.LSTM(isz, hid, layers, bias=bias, batch_first=bf, bidirectional=bi, proj_size=proj)
    elif kind == "GRU":
        m = nn.GRU(isz, hid, layers, bias=bias, batch_first=bf, bidirectional=bi)
    else:
        m = nn.RNN(isz, hid, layers, nonlinearity="tanh" if kind == "RNN_TANH" else "relu", bias=bias,
                   batch_first=bf, bidirectional=bi)
    m = m.to(dt)
    params = rounded_parameters(m)
    b, t = R.randint(1, 3), R.randint(1, 4)
    fin = isz if R.random() > 0.04 else isz + 1
    inputs = []
    ls = None
    es = True
    if form == "unbatched":
        x = fval([t, fin], dt)
    else:
        x = fval([b, t, fin] if bf else [t, b, fin], dt)
    inputs.append(("x", x))
    if form == "packed":
        ls = lengths_for(b, t)
        es = R.random() < 0.4
        if es:
            ls.sort(reverse=True)
    h0 = R.random() < 0.5
    hshape = [layers * dirs, hout] if form == "unbatched" else [layers * dirs, b, hout]
    cshape = [layers * dirs, hid] if form == "unbatched" else [layers * dirs, b, hid]
    r = R.random()
    if h0 and r < 0.06:
        hshape = list(hshape)
        hshape[-1] += 1
    elif h0 and r < 0.09 and form == "unbatched":
        hshape = [layers * dirs, 1, hout]
    elif h0 and r < 0.11:
        cshape = list(cshape)
        cshape[0] += 1
    if h0:
        inputs.append(("h0", fval(hshape, dt, 0.5)))
        if kind == "LSTM":
            inputs.append(("c0", fval(cshape, dt, 0.5)))
    rgs = [n for n, _ in inputs]
    step = "rnn kind=%s in=%d hid=%d layers=%d bias=%s bf=%s bi=%s proj=%d form=%s lens=%s es=%s" % (
        kind, isz, hid, layers, bias, bf, bi, proj, form, ",".join(str(v) for v in ls) if ls else "N", es)

    def body(v):
        for name, p in m.named_parameters():
            p.grad = None
        if kind == "LSTM":
            hx = (v["h0"], v["c0"]) if h0 else None
        else:
            hx = v["h0"] if h0 else None
        inp = v["x"]
        if form == "packed":
            inp = U.pack_padded_sequence(inp, ls, batch_first=bf, enforce_sorted=es)
        out, hn = m(inp, hx)
        if kind == "LSTM":
            hn, cn = hn
        else:
            cn = None
        leaves = [(n, v[n]) for n, _ in inputs] + list(m.named_parameters())
        outs = []
        if form == "packed":
            outs += [("data", out.data, False), ("batch_sizes", out.batch_sizes, False),
                     ("sorted", out.sorted_indices, False), ("unsorted", out.unsorted_indices, False)]
        else:
            outs.append(("out", out, False))
        outs.append(("h", hn, False))
        if cn is not None:
            outs.append(("c", cn, False))
        return outs, leaves, False

    emit("rnn", dt, step, inputs, rgs, params, body)


def cell_case():
    dt = draw_dtype()
    kind = R.choice(["RNNCell_tanh", "RNNCell_relu", "LSTMCell", "GRUCell"])
    isz, hid = R.randint(1, 4), R.randint(1, 4)
    bias = R.random() > 0.2
    torch.manual_seed(R.randrange(1 << 30))
    if kind == "LSTMCell":
        m = nn.LSTMCell(isz, hid, bias=bias)
    elif kind == "GRUCell":
        m = nn.GRUCell(isz, hid, bias=bias)
    else:
        m = nn.RNNCell(isz, hid, bias=bias, nonlinearity=kind.split("_")[1])
    m = m.to(dt)
    params = rounded_parameters(m)
    unb = R.random() < 0.3
    b = R.randint(1, 3)
    x = fval([isz] if unb else [b, isz], dt)
    inputs = [("x", x)]
    hx = R.random() < 0.6
    if hx:
        inputs.append(("h0", fval([hid] if unb else [b, hid], dt, 0.5)))
        if kind == "LSTMCell":
            inputs.append(("c0", fval([hid] if unb else [b, hid], dt, 0.5)))
    rgs = [n for n, _ in inputs]
    step = "cell kind=%s in=%d hid=%d bias=%s" % (kind, isz, hid, bias)

    def body(v):
        if kind == "LSTMCell":
            h, c = m(v["x"], (v["h0"], v["c0"]) if hx else None)
            outs = [("h", h, False), ("c", c, False)]
        else:
            outs = [("h", m(v["x"], v["h0"] if hx else None), False)]
        return outs, [(n, v[n]) for n, _ in inputs] + list(m.named_parameters()), False

    emit("cell", dt, step, inputs, rgs, params, body)


def fixes():
    """The regressions of FuzzRound34FixesTest: one named case per fix (FUZZ_FIXES=1 writes them)."""
    def t(v, dt=I64):
        return torch.tensor(v, dtype=dt)
    w = t([[0.5, -2.0, 1.5], [3.0, 0.25, -1.0], [-0.75, 2.5, 4.0], [1.0, 1.0, -3.5]], F64)
    # scale_grad_by_freq: index 3 once, after index 1 twice (2.x's fixed CPU kernel: each row by its own count)
    bag_emit(F64, 4, t([1, 1, 3]), w, t([0]), None, "sum", False, None, None, 2.0, True, False, "F",
             "fix_bagScaleGradByFreqOwnCount")
    bag_emit(F64, 4, t([2, 0, 0, 3, 0, 2]), w, t([0, 2, 2]), None, "mean", False, None, None, 2.0, True, False, "P",
             "fix_bagScaleGradByFreqOwnCountMean")
    # max_norm with offsets the bag refuses: nothing renormalised
    bag_emit(F64, 4, t([2, 1, 2]), w, t([1, 2]), None, "sum", False, None, 1.0, 2.0, False, False, "F",
             "fix_bagMaxNormBadFirstOffset")
    bag_emit(F64, 4, t([2, 1, 2]), w, t([0, 5]), None, "mean", False, None, 1.0, 2.0, False, False, "F",
             "fix_bagMaxNormBadLastOffset")
    # max_norm with a negative index: the bag's words, nothing renormalised
    bag_emit(F64, 4, t([2, -1, 0]), w, t([0, 1]), None, "sum", False, None, 1.0, 2.0, False, False, "F",
             "fix_bagMaxNormNegativeIndex")
    # the fast path's words (float32, no padding row): the index's position
    bag_emit(F32, 4, t([0, 1, 2, 4]), w.to(F32), t([0, 2]), None, "sum", False, None, None, 2.0, False, False, "F",
             "fix_bagFastPathIndexMessage")
    bag_emit(F32, 4, t([0, 1, -2, 3]), w.to(F32), t([0, 2]), None, "mean", False, None, 1.0, 2.0, False, False, "F",
             "fix_bagFastPathIndexMessageMaxNorm")
    bag_emit(F64, 4, t([0, 1, 2, 4]), w, t([0, 2]), None, "sum", False, None, None, 2.0, False, False, "F",
             "fix_bagSlowPathIndexMessage")
    # max_norm with per-sample weights of mode mean and an index the renorm refuses: the renorm's words first
    bag_emit(F64, 4, t([0, 7, 1]), w, t([0, 1]), t([0.5, 2.0, -1.0], F64), "mean", False, None, 1.0, 2.0, False, False,
             "F", "fix_bagMaxNormRenormRefusesBeforeWeightsMode")
    bag_emit(F64, 4, t([0, 3, 1]), w, t([0, 1]), t([0.5, 2.0, -1.0], F64), "max", False, None, 1.0, 2.0, False, False,
             "F", "fix_bagMaxNormWeightsModeRefusedBeforeRenorm")
    # a 2-D input without columns: torch.arange(0, 0, 0) refused
    bag_emit(F64, 4, torch.zeros(3, 0, dtype=I64), w, None, None, "sum", False, None, None, 2.0, False, False, "F",
             "fix_bagTwoDimInputWithoutColumns")


def main():
    if os.environ.get("FUZZ_FIXES"):
        fixes()
        print("\n".join(OUT))
        return
    n = SCALE_N
    for _ in range(int(600 * n)):
        embedding_case()
    for _ in range(int(700 * n)):
        bag_case()
    for _ in range(int(250 * n)):
        pad_sequence_case()
    for _ in range(int(300 * n)):
        pack_padded_case(False)
    for _ in range(int(250 * n)):
        pack_padded_case(True)
    for _ in range(int(200 * n)):
        pack_sequence_case()
    for _ in range(int(220 * n)):
        rnn_case()
    for _ in range(int(250 * n)):
        cell_case()
    print("\n".join(OUT))


if __name__ == "__main__":
    main()
