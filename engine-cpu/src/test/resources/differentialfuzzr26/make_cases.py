# Differential fuzz round 26 for DifferentialFuzzR26Test.java: seeded PROGRAMS OVER torch.nn.utils (parametrize with
# custom parametrizations, orthogonal, spectral_norm, weight_norm old and new, pruning, gradient clipping,
# parameters_to_vector / vector_to_parameters, conv/linear + batch-norm fusion), run in PyTorch (float64 modules) with
# everything a user observes recorded; FuzzR26Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr26 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed and every random draw is seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz26.file=/tmp/hunt.txt (inside -Dember.test.argLine)
#
# A program: one small module (Linear I O [bias], Conv2d I O K [bias], BatchNorm1d N), made float64 and given known,
# distinct values (PyTorch's init is not replayed: every parameter and buffer is written by 'init'), then 3 to 8
# statements. Lines:
#   build lin I O B | conv I O K B | bn N     the module (B: 1 with a bias, 0 without)
#   init <csv> ...                            the values of named_parameters then named_buffers (float ones), in order
#   x <csv>                                   the input: (2, I) for Linear, (2, I, 4, 4) for Conv2d, (4, N) for BatchNorm
#   s <statement>                             a statement (below), then its outcome:
#   r <text>                                  its result, or
#   err <Kind>: <message>                     its refusal (Python's exception class and message, '|' for newlines)
#   st <P ...> ; <B ...> ; <K ...>            then the state: named_parameters as name:rg (requires_grad 0/1), named_buffers,
#                                             state_dict keys (all in order)
#   sd <key>=<dtype>:<csv> ...                the state dict's values (dtype f64/f32/i64)
#   g <name>=<none|csv> ...                   the parameters' gradients
# Values are Python reprs of float64 (compared within 1e-9 relative, 1e-5 where a value went through float32).
# A statement whose refusal would leave PyTorch's module changed is not drawn (Ember refuses before anything changes):
# each candidate is replayed from scratch and dropped if it errs with the state changed.
#
# Statements:
#   fb                 out = m(x); (out * out).sum().backward()              r <out csv>
#   cfb                the same inside parametrize.cached()                  r <out csv>
#   read <t>           getattr(m, t) (a parametrized value)                  r <csv>
#   train / eval       m.train() / m.eval()
#   zero               m.zero_grad() (set_to_none, 2.x's default)
#   reg <t> <P> <u>    register_parametrization(m, t, P(), unsafe=u); P from the menu: Scale (x * 1.5), Neg (-x, right
#                      inverse -x), Sym (triu + triu(1).mT, right inverse triu), Split (two originals: right inverse
#                      (x / 2, x / 2), forward a + b), Flat (x.reshape(-1), needs unsafe), F32 (x.float(), needs unsafe)
#   rmp <t> <leave>    remove_parametrizations(m, t, leave_parametrized)
#   asg <t> <csv>      setattr(m, t, value) of the value's current shape (the right inverses; drawn on parametrized names)
#   orth <map> <triv> <seed>  torch.manual_seed(seed); parametrizations.orthogonal(m, 'weight', map, use_trivialization)
#   sn <t> <n> <eps> <dim> <u csv> <v csv>  parametrizations.spectral_norm(m, t, n, eps, dim); then _u and _v set to the
#                      given unit vectors ('-' where the tensor is 1-d: none), so the power iteration starts from known
#                      vectors (Ember's normal draws are not PyTorch's)
#   wn <t> <dim>       parametrizations.weight_norm(m, t, dim)      wno <t> <dim>  the old torch.nn.utils.weight_norm
#   wnr <t>            torch.nn.utils.remove_weight_norm(m, t)     (dim 'n': None)
#   prr <t> <amt> <seed>          torch.manual_seed(seed); prune.random_unstructured (amt: i<int> or f<float>)
#   prs <t> <amt> <dim> <seed>    torch.manual_seed(seed); prune.random_structured
#   pl1i <t> <amt> <csv>          prune.l1_unstructured with importance_scores of the tensor's shape
#   frz <k>                       named_parameters' k-th .requires_grad_(False)
#   pl1 <t> <amt>                 prune.l1_unstructured
#   pln <t> <amt> <n> <dim>       prune.ln_structured (n: 1, 2, inf, -inf, fro)
#   pcm <t> <mask csv>            prune.custom_from_mask
#   pgl <amt> <t1,t2> <l1|rand> <seed>  torch.manual_seed(seed); prune.global_unstructured([(m, t1), ...], L1Unstructured
#                                 or RandomUnstructured, amount)
#   prm <t>                       prune.remove                 isp   prune.is_pruned(m) -> r 0|1
#   clipn <max> <type> <err> <foreach>  clip_grad_norm_(m.parameters(), ...) -> r <dtype>:<total>  (foreach: n = None)
#   clipe <max> <type>            clip_grad_norm_([], max, type) -> r <dtype>:<total>
#   clipv <v> <foreach>           clip_grad_value_(m.parameters(), v, foreach)
#   bad <k> <inf|nan>             named_parameters' k-th gradient (zeros if none) replaced by a copy whose first value is v
#   p2v                           parameters_to_vector(m.parameters()) -> r <csv>
#   v2p <csv>                     vector_to_parameters(vec, m.parameters())
#   sdl <full|drop> <key=csv> ...  m.load_state_dict of the given entries (the current state dict's keys, one dropped
#                                 for 'drop'; an integer entry keeps its value): strict, so a dropped key is refused;
#                                 a 2.x weight_norm's originals sometimes under the old names <t>_g / <t>_v
#   fuse <eps> <csv>              fuse_linear_bn_eval / fuse_conv_bn_eval(m, bn) with bn a BatchNorm1d/2d(out features)
#                                 of weight, bias, running_mean, running_var given (concatenated), eval; m becomes the
#                                 fused module
#
# 2.x, not 1.13 (Ember follows 2.x):
# - clip_grad_norm_ / clip_grad_value_ take foreach (2.0) and compute the total as 2.x's torch/nn/utils/clip_grad.py
#   (_get_total_norm: vector_norm of the stack of per-gradient vector_norms; no gradients: torch.tensor(0.0), float32;
#   the non-finite error raised before any gradient changes; the scale clamp(max_norm / (total + 1e-6), max=1) applied
#   to every gradient). Written out below (clip_norm_2x, clip_value_2x); 1.13's own functions are not called.
# - fuse_conv_bn_eval / fuse_linear_bn_eval are 2.x's torch/nn/utils/fusion.py, written out below (fuse_2x): the
#   AssertionError texts, the linear feature-count check, the fused bias of a bias-less layer made from zeros_like(bn's
#   running_mean) and so with requires_grad False.
# - torch.nn.utils.parametrizations.weight_norm is 2.1's (1.13 lacks it): 2.x's _WeightNorm and weight_norm written out
#   below (forward torch._weight_norm(v, g, dim), right inverse (norm_except_dim(w, 2, dim), w), dim None as -1,
#   registered with unsafe=True, and its load_state_dict pre-hook mapping <name>_g / <name>_v to the originals).
# - a matrix-vector product's size mismatch (a Linear reading a weight flattened by an unsafe parametrization) is 2.x's
#   addmv wording ("size mismatch, got input (2), mat (2x3), vec (9)"; 1.13: "size mismatch, got 2, 2x3,9"),
#   rewritten in message().
# - ln_structured with n='fro' over a tensor of more than 3 dims: 2.x's torch.norm goes to linalg.matrix_norm, which
#   refuses "linalg.matrix_norm: dim must be a 2-tuple. Got 1 2 3" (1.13: "Expected at most 2 dimensions, ..."); rewritten
#   in Run.execute.
# - Tensor.set_ of another dtype (remove_parametrizations(leave_parametrized=True) of a buffer whose F32 value is
#   float32): 2.x's TORCH_CHECK "Could not set tensor of type float to a tensor of type double" where 1.13 fails an
#   internal assertion; rewritten in message().
# - torch.norm with a numeric p is 2.x's linalg.vector_norm, which refuses a negative or infinite order over an empty
#   dimension ("linalg.vector_norm cannot compute the -inf norm on the dimension 0because this dimension is empty ...",
#   2.x's spacing); 1.13's norm returns a value. norm_2x wraps torch.norm (prune's _compute_norm calls it: ln_structured
#   over channels a previous pruning emptied).
# - load_state_dict of a batch norm without num_batches_tracked: 2.x's _BatchNorm._load_from_state_dict fills it with
#   the module's own counter (1.13: zero); the statement adds it so (Run.execute, sdl).
# - zero_grad's set_to_none defaults to True (2.0); called with it explicitly.
# Left out: a forward reading a float32-parametrized tensor (F32) with the float64 input (1.13's dtype-mismatch messages
# are not 2.x's), refusals of view(-1) of a non-contiguous parametrized value (parameters_to_vector inside global
# pruning: the layout of Ember's value is its own), a 0.5-norm clip_grad_norm_ over gradients holding rounding noise
# (Run.step), non-square orthogonal with use_trivialization (its basis completes
# with torch.randn columns, which Ember draws differently), parametrizations of buffers by spectral norm, deepcopy of parametrized modules (1.13 refuses it; so
# fuse is drawn only on a module neither parametrized nor pruned), the printouts (rounds 18 and ParametrizeTest hold them).
import math
import os
import random
import re

import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
import torch.nn.utils.prune as prune
from torch.nn.utils import parametrizations as PZ

SEED = int(os.environ.get("FUZZ_SEED", "26"))
N = int(os.environ.get("FUZZ_N", "200"))


# ------------------------------------------------------------------------------------------------ the parametrizations
class Scale(nn.Module):
    def forward(self, x):
        return x * 1.5


class Neg(nn.Module):
    def forward(self, x):
        return -x

    def right_inverse(self, x):
        return -x


def triu_2x(x, k=0):
    # 2.x's TORCH_META_FUNC(triu) refuses a tensor of fewer than 2 dims in these words (1.13: an IndexError)
    if x.dim() < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return x.triu(k)


class Sym(nn.Module):
    def forward(self, x):
        return triu_2x(x) + triu_2x(x, 1).mT

    def right_inverse(self, x):
        return triu_2x(x)


class Split(nn.Module):
    def forward(self, a, b):
        return a + b

    def right_inverse(self, x):
        return x / 2, x / 2


class Flat(nn.Module):
    def forward(self, x):
        return x.reshape(-1)


class F32(nn.Module):
    def forward(self, x):
        return x.float()


_norm_113 = torch.norm


def norm_2x(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):  # noqa: A002 - torch.norm's names
    """torch.norm as 2.x's for a numeric p: linalg.vector_norm, which refuses a negative or infinite order over an empty
    dimension of an empty tensor (1.13's norm returns a value). prune's _compute_norm calls it."""
    if not isinstance(p, str) and p is not None and input.numel() == 0 and (p < 0 or p == math.inf) and dim is not None:
        for d in ([dim] if isinstance(dim, int) else dim):
            if input.size(d) == 0:
                raise RuntimeError("linalg.vector_norm cannot compute the %s norm on the dimension %d"
                                   "because this dimension is empty and the operation does not have an identity"
                                   % (repr(float(p)), d))
    return _norm_113(input, p=p, dim=dim, keepdim=keepdim, out=out, dtype=dtype)


torch.norm = norm_2x

MENU = {"Scale": Scale, "Neg": Neg, "Sym": Sym, "Split": Split, "Flat": Flat, "F32": F32}


# ------------------------------------------------------------------------------------------------ 2.x emulations
def clip_norm_2x(parameters, max_norm, norm_type, error_if_nonfinite, foreach):
    with torch.no_grad():
        parameters = list(parameters)
        grads = [p.grad for p in parameters if p.grad is not None]
        norm_type = float(norm_type)
        if len(grads) == 0:
            total = torch.tensor(0.0, dtype=torch.float32)
        else:
            norms = [torch.linalg.vector_norm(g, norm_type) for g in grads]
            total = torch.linalg.vector_norm(torch.stack(norms), norm_type)
            if error_if_nonfinite and torch.logical_or(total.isnan(), total.isinf()):
                raise RuntimeError(
                    f"The total norm of order {norm_type} for gradients from "
                    "`parameters` is non-finite, so it cannot be clipped. To disable "
                    "this error and scale the gradients by the non-finite norm anyway, "
                    "set `error_if_nonfinite=False`")
        if len(grads) == 0:
            return total
        coef = torch.clamp(float(max_norm) / (total + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef)
        return total


def clip_value_2x(parameters, clip_value, foreach):
    with torch.no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(min=-float(clip_value), max=float(clip_value))


class _WeightNorm(nn.Module):  # 2.x's torch/nn/utils/parametrizations.py
    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return torch._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        weight_g = torch.norm_except_dim(weight, 2, self.dim)
        weight_v = weight
        return weight_g, weight_v


def weight_norm_2x(module, name="weight", dim=0):  # 2.x's parametrizations.weight_norm
    P.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        g_key = f"{prefix}{name}_g"
        v_key = f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            original0 = state_dict.pop(g_key)
            original1 = state_dict.pop(v_key)
            state_dict[f"{prefix}parametrizations.{name}.original0"] = original0
            state_dict[f"{prefix}parametrizations.{name}.original1"] = original1

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


def fuse_2x(m, bn):
    import copy
    if m.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    lin = isinstance(m, nn.Linear)
    if lin and m.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={m.out_features} and bn.num_features={bn.num_features}")
    fused = copy.deepcopy(m)
    w, b = fused.weight, fused.bias
    wdt = w.dtype
    bdt = b.dtype if b is not None else wdt
    if b is None:
        b = torch.zeros_like(bn.running_mean)
    rs = torch.rsqrt(bn.running_var + bn.eps)
    if lin:
        scale = bn.weight * rs
        fw = w * scale.unsqueeze(-1).to(dtype=wdt)
        fb = ((b - bn.running_mean) * scale + bn.bias).to(dtype=bdt)
    else:
        shape = [-1, 1] + [1] * (len(w.shape) - 2)
        fw = (w * (bn.weight * rs).reshape(shape)).to(dtype=wdt)
        fb = ((b - bn.running_mean) * rs * bn.weight + bn.bias).to(dtype=bdt)
    fused.weight, fused.bias = nn.Parameter(fw, w.requires_grad), nn.Parameter(fb, b.requires_grad)
    return fused


# ------------------------------------------------------------------------------------------------ formatting
def csv(t):
    t = t.detach().reshape(-1)
    if t.dtype in (torch.int64, torch.bool, torch.uint8):
        return ",".join(str(int(v)) for v in t.tolist())
    return ",".join(repr(float(v)) for v in t.tolist())


DT = {torch.float64: "f64", torch.float32: "f32", torch.int64: "i64"}


def state(m):
    ps = " ".join("%s:%d" % (k, int(v.requires_grad)) for k, v in m.named_parameters())
    bs = " ".join(k for k, _ in m.named_buffers())
    sd = m.state_dict()
    ks = " ".join(sd.keys())
    lines = ["st %s ; %s ; %s" % (ps, bs, ks),
             "sd " + " ".join("%s=%s:%s" % (k, DT[v.dtype], csv(v)) for k, v in sd.items()),
             "g " + " ".join("%s=%s" % (k, "none" if v.grad is None else csv(v.grad)) for k, v in m.named_parameters())]
    return lines


def message(e):
    text = str(e)
    # 2.x's addmv meta check words the size mismatch of a matrix-vector product as below (1.13: "size mismatch, got 2,
    # 2x3,9")
    text = re.sub(r"^size mismatch, got (\d+), (\d+)x(\d+),(\d+)$", r"size mismatch, got input (\1), mat (\2x\3), vec (\4)",
                  text)
    # 2.x's Tensor.set_ refuses another dtype with TORCH_CHECK "Could not set tensor of type <source> to a tensor of type
    # <self>" (1.13: an internal assertion); the only dtype change here is F32's float value over a float64 original
    if text.startswith("source.dtype() == self.dtype() INTERNAL ASSERT FAILED"):
        text = "Could not set tensor of type float to a tensor of type double"
    return "%s: %s" % (type(e).__name__, text.replace("\n", "|"))


def amount(a):
    return int(a[1:]) if a[0] == "i" else float(a[1:])


def floats(text):
    return [float(v) for v in text.split(",")]


# ------------------------------------------------------------------------------------------------ running a program
class Run:
    def __init__(self, head):
        self.head = head
        w = head[0].split()
        kind = w[1]
        if kind == "lin":
            self.m = nn.Linear(int(w[2]), int(w[3]), bias=w[4] == "1")
        elif kind == "conv":
            self.m = nn.Conv2d(int(w[2]), int(w[3]), int(w[4]), bias=w[5] == "1")
        else:
            self.m = nn.BatchNorm1d(int(w[2]))
        self.m = self.m.double()
        vals = head[1].split()[1:]
        tensors = [p for _, p in self.m.named_parameters()] + \
                  [b for _, b in self.m.named_buffers() if b.is_floating_point()]
        with torch.no_grad():
            for t, v in zip(tensors, vals):
                t.copy_(torch.tensor(floats(v), dtype=torch.float64).reshape(t.shape))
        xs = floats(head[2].split()[1])
        shape = {"lin": (2, int(w[2]) if kind != "bn" else 0), "conv": (2, int(w[2]), 4, 4)}.get(kind, (4, int(w[2])))
        self.x = torch.tensor(xs, dtype=torch.float64).reshape(shape)

    def fb(self):
        out = self.m(self.x)
        (out * out).sum().backward()
        return csv(out)

    def execute(self, s):
        m = self.m
        w = s.split()
        op = w[0]
        if op == "fb":
            return self.fb()
        if op == "cfb":
            with P.cached():
                return self.fb()
        if op == "read":
            return csv(getattr(m, w[1]))
        if op == "train":
            m.train()
        elif op == "eval":
            m.eval()
        elif op == "zero":
            m.zero_grad(set_to_none=True)
        elif op == "reg":
            P.register_parametrization(m, w[1], MENU[w[2]](), unsafe=w[3] == "1")
        elif op == "rmp":
            P.remove_parametrizations(m, w[1], leave_parametrized=w[2] == "1")
        elif op == "asg":
            cur = getattr(m, w[1])
            setattr(m, w[1], torch.tensor(floats(w[2]), dtype=cur.dtype).reshape(cur.shape))
        elif op == "orth":
            torch.manual_seed(int(w[3]))
            PZ.orthogonal(m, "weight", orthogonal_map=w[1], use_trivialization=w[2] == "1")
        elif op == "sn":
            PZ.spectral_norm(m, w[1], n_power_iterations=int(w[2]), eps=float(w[3]),
                             dim=None if w[4] == "n" else int(w[4]))
            if w[5] != "-":
                p = getattr(m.parametrizations, w[1])[-1]
                with torch.no_grad():
                    p._u.copy_(torch.tensor(floats(w[5]), dtype=p._u.dtype))
                    p._v.copy_(torch.tensor(floats(w[6]), dtype=p._v.dtype))
        elif op == "wn":
            weight_norm_2x(m, w[1], dim=None if w[2] == "n" else int(w[2]))
        elif op == "wno":
            torch.nn.utils.weight_norm(m, w[1], dim=None if w[2] == "n" else int(w[2]))
        elif op == "wnr":
            torch.nn.utils.remove_weight_norm(m, w[1])
        elif op == "prr":
            torch.manual_seed(int(w[3]))
            prune.random_unstructured(m, w[1], amount(w[2]))
        elif op == "prs":
            torch.manual_seed(int(w[4]))
            prune.random_structured(m, w[1], amount(w[2]), int(w[3]))
        elif op == "pl1":
            prune.l1_unstructured(m, w[1], amount(w[2]))
        elif op == "pln":
            n = w[3] if w[3] == "fro" else float(w[3])
            try:
                prune.ln_structured(m, w[1], amount(w[2]), n, int(w[4]))
            except RuntimeError as e:
                # 2.x's torch.norm(t, 'fro', dim) over more than 2 dims calls linalg.matrix_norm, which refuses the
                # dims in these words (1.13: "Expected at most 2 dimensions, but got 3 dimensions instead.")
                if n != "fro" or not str(e).startswith("Expected at most 2 dimensions"):
                    raise
                t = getattr(m, w[1])
                dims = list(range(t.dim()))
                dims.remove(dims[int(w[4])])
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(map(str, dims))) from e
        elif op == "pcm":
            t = getattr(m, w[1])
            prune.custom_from_mask(m, w[1], torch.tensor(floats(w[2]), dtype=torch.float64).reshape(t.shape))
        elif op == "pgl":
            torch.manual_seed(int(w[4]))
            method = prune.L1Unstructured if w[3] == "l1" else prune.RandomUnstructured
            prune.global_unstructured([(m, t) for t in w[2].split(",")], pruning_method=method, amount=amount(w[1]))
        elif op == "prm":
            prune.remove(m, w[1])
        elif op == "isp":
            return str(int(prune.is_pruned(m)))
        elif op == "clipn":
            fe = None if w[4] == "n" else w[4] == "1"
            t = clip_norm_2x(m.parameters(), float(w[1]), float(w[2]), w[3] == "1", fe)
            return "%s:%s" % (DT[t.dtype], csv(t))
        elif op == "clipe":
            t = clip_norm_2x([], float(w[1]), float(w[2]), False, None)
            return "%s:%s" % (DT[t.dtype], csv(t))
        elif op == "clipv":
            clip_value_2x(m.parameters(), float(w[1]), None if w[2] == "n" else w[2] == "1")
        elif op == "bad":
            p = list(m.parameters())[int(w[1])]
            g = torch.zeros_like(p) if p.grad is None else p.grad.clone()
            g.view(-1)[0] = float(w[2])
            p.grad = g
        elif op == "p2v":
            return csv(torch.nn.utils.parameters_to_vector(m.parameters()))
        elif op == "v2p":
            torch.nn.utils.vector_to_parameters(torch.tensor(floats(w[1]), dtype=torch.float64), m.parameters())
        elif op == "frz":
            list(m.parameters())[int(w[1])].requires_grad_(False)
        elif op == "pl1i":
            t = getattr(m, w[1])
            prune.l1_unstructured(m, w[1], amount(w[2]),
                                  importance_scores=torch.tensor(floats(w[3]), dtype=torch.float64).reshape(t.shape))
        elif op == "sdl":
            cur = m.state_dict()
            sd = {}
            for item in w[2:]:
                k, v = item.split("=")
                t = cur.get(k)
                if t is None:  # an old weight_norm name: the original it stands for
                    base, suffix = k.rsplit("_", 1)
                    t = cur["parametrizations.%s.original%d" % (base, 0 if suffix == "g" else 1)]
                sd[k] = t.clone() if not t.is_floating_point() else torch.tensor(floats(v), dtype=t.dtype).reshape(t.shape)
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and "num_batches_tracked" not in sd:
                # 2.x's _BatchNorm._load_from_state_dict fills a missing counter (a dict without version metadata) with
                # the module's own; 1.13 fills in zero
                sd["num_batches_tracked"] = m.num_batches_tracked
            m.load_state_dict(sd)
        elif op == "fuse":
            feats = m.out_features if isinstance(m, nn.Linear) else m.out_channels
            v = floats(w[2])
            nf = len(v) // 4
            bn = (nn.BatchNorm1d(nf) if isinstance(m, nn.Linear) else nn.BatchNorm2d(nf)).double()
            bn.eps = float(w[1])
            with torch.no_grad():
                bn.weight.copy_(torch.tensor(v[:nf], dtype=torch.float64))
                bn.bias.copy_(torch.tensor(v[nf:2 * nf], dtype=torch.float64))
                bn.running_mean.copy_(torch.tensor(v[2 * nf:3 * nf], dtype=torch.float64))
                bn.running_var.copy_(torch.tensor(v[3 * nf:], dtype=torch.float64))
            bn.eval()
            self.m = fuse_2x(m, bn)
        else:
            raise ValueError("unknown statement " + s)
        return None

    def hidden(self):
        """What a refusal may change unseen in the state: the forward pre-hooks (pruning's, weight_norm's), the
        parametrization lists, the plain attributes, the order of the parameters and buffers with absent ones (a failed
        pruning moves the parameter to the end)."""
        hooks = [(k, type(h).__name__, getattr(h, "_tensor_name", getattr(h, "name", None)),
                  len(getattr(h, "_pruning_methods", ()))) for k, h in self.m._forward_pre_hooks.items()]
        lists = [(k, len(v)) for k, v in self.m.parametrizations.items()] if P.is_parametrized(self.m) else []
        plain = sorted(k for k, v in vars(self.m).items() if isinstance(v, torch.Tensor))
        keys = list(self.m._parameters.keys()), list(self.m._buffers.keys())  # absent (None) entries' places too
        return hooks, lists, plain, type(self.m).__name__, keys

    def step(self, s):
        """Runs s; returns (outcome line or None, state lines, rejected flag)."""
        before = state(self.m), self.hidden()
        try:
            r = self.execute(s)
            out = None if r is None else "r " + r
            err = False
        except Exception as e:  # noqa: BLE001 - every refusal is recorded
            out = "err " + message(e)
            err = True
        after = state(self.m)
        changed = err and (after, self.hidden()) != before
        # not drawn: a refusal from a non-contiguous value's view(-1) (parameters_to_vector, global pruning) where
        # Ember's value is laid out otherwise; a forward against a float32-parametrized tensor (1.13's dtype-mismatch
        # messages are not 2.x's)
        layout = err and "view size is not compatible" in out
        f32 = s.split()[0] in ("fb", "cfb") and P.is_parametrized(self.m) and any(
            isinstance(p, F32) for lst in self.m.parametrizations.values() for p in lst)
        # and a 0.5-norm total over gradients holding rounding noise (|g| < 1e-12 where the exact value is 0): its square
        # root magnifies the noise, whose last bits are each engine's own
        w = s.split()
        noise = w[0] == "clipn" and w[2] == "0.5" and any(
            p.grad is not None and bool(((p.grad.abs() < 1e-12) & (p.grad != 0)).any()) for p in self.m.parameters())
        return out, after, changed or layout or f32 or noise


# ------------------------------------------------------------------------------------------------ drawing
def distinct(rng, n, lo=-1.0, hi=1.0):
    vals = set()
    out = []
    while len(out) < n:
        v = round(rng.uniform(lo, hi), 3)
        if abs(v) in vals or v == 0:
            continue
        vals.add(abs(v))
        out.append(v)
    return out


def fmt(vals):
    return ",".join(repr(v) for v in vals)


def unit(rng, n):
    v = [rng.gauss(0, 1) for _ in range(n)]
    s = math.sqrt(sum(a * a for a in v))
    return [round(a / s, 6) for a in v]


def peek(m, name):
    """getattr(m, name) for drawing (on the drawer's own copy of the run: its side effects are not recorded), None where
    it is missing or raises."""
    try:
        v = getattr(m, name, None)
    except Exception:  # noqa: BLE001 - a broken parametrization: treated as missing
        return None
    return v if isinstance(v, torch.Tensor) else None


class Drawer:
    def __init__(self, rng):
        self.rng = rng

    def head(self):
        rng = self.rng
        kind = rng.choice(["lin", "lin", "lin", "conv", "bn"])
        if kind == "lin":
            i = rng.choice([2, 3, 4])
            o = rng.choice([i, i, 2, 3, 4])
            spec = "build lin %d %d %d" % (i, o, rng.random() < 0.8)
            m = nn.Linear(i, o, bias=spec.endswith("1"))
            xn = 2 * i
        elif kind == "conv":
            i, o, k = rng.choice([1, 2]), rng.choice([2, 3]), rng.choice([1, 2])
            spec = "build conv %d %d %d %d" % (i, o, k, rng.random() < 0.8)
            m = nn.Conv2d(i, o, k, bias=spec.endswith("1"))
            xn = 2 * i * 16
        else:
            n = rng.choice([2, 3])
            spec = "build bn %d" % n
            m = nn.BatchNorm1d(n)
            xn = 4 * n
        vals = []
        for name, t in list(m.named_parameters()) + [(k, b) for k, b in m.named_buffers() if b.is_floating_point()]:
            lo = 0.2 if name == "running_var" else -1.0
            vals.append(fmt(distinct(rng, t.numel(), lo, 1.0)))
        return [spec, "init " + " ".join(vals), "x " + fmt([round(rng.uniform(-2, 2), 3) for _ in range(xn)])]

    def statement(self, run):
        rng = self.rng
        m = run.m
        params = dict(m.named_parameters())
        names = [n for n in ("weight", "bias") if peek(m, n) is not None]
        pnames = [n for n, _ in m.named_parameters()]
        t = rng.choice(names) if names else "weight"
        if rng.random() < 0.1:
            t = rng.choice(["running_mean", "nope", "weight_orig", "weight_g"] + names)
        parametrized = P.is_parametrized(m)
        pruned = prune.is_pruned(m)
        op = rng.choice(["fb"] * 6 + ["cfb", "read", "train", "eval", "eval", "zero", "reg", "reg", "reg", "rmp", "rmp",
                                      "asg", "orth", "sn", "sn", "wn", "wno", "wnr", "prr", "prs", "pl1", "pl1", "pln",
                                      "pcm", "pgl", "prm", "prm", "isp", "clipn", "clipn", "clipn", "clipe", "clipv",
                                      "bad", "p2v", "v2p", "fuse", "fuse", "fuse", "fuse", "sdl", "sdl", "sdl", "frz", "pl1i"])
        cur = peek(m, t)
        numel = cur.numel() if isinstance(cur, torch.Tensor) else 4

        def amt(n):
            if rng.random() < 0.5:
                return "i%d" % rng.choice([0, 1, 2, n, n + 1])
            return "f%s" % rng.choice([0.0, 0.25, 0.3, 0.5, 0.75, 1.0, 1.5])

        if op in ("fb", "cfb", "train", "eval", "zero", "isp", "p2v"):
            return op
        if op == "read":
            return "read " + t
        if op == "reg":
            p = rng.choice(["Scale", "Neg", "Sym", "Split", "Split", "Flat", "F32"])
            return "reg %s %s %d" % (t, p, rng.random() < (0.7 if p in ("Flat", "F32") else 0.15))
        if op == "rmp":
            if parametrized and rng.random() < 0.8:
                t = rng.choice(list(m.parametrizations.keys()))
            return "rmp %s %d" % (t, rng.random() < 0.6)
        if op == "asg":
            if not parametrized:
                return "fb"  # (setattr of a plain tensor on a parameter's name: a TypeError Ember has no call for)
            t = rng.choice(list(m.parametrizations.keys()))
            cur = peek(m, t)
            n = cur.numel() if isinstance(cur, torch.Tensor) else 4
            return "asg %s %s" % (t, fmt(distinct(rng, n)))
        if op == "orth":
            w = peek(m, "weight")
            square = w is not None and w.dim() >= 2 and w.shape[-1] == w.shape[-2]
            return "orth %s %d %d" % (rng.choice(["matrix_exp", "cayley", "householder"]),
                                      square and rng.random() < 0.7, rng.randrange(1000))
        if op == "sn":
            dim = rng.choice(["n", "n", "0", "1", "5"])
            n = rng.choice([0, 1, 1, 2, 3])
            eps = rng.choice(["1e-12", "1e-12", "0.1"])
            uv = "- -"
            if isinstance(cur, torch.Tensor) and cur.dim() > 1:
                d = 0 if dim == "n" else int(dim)
                if d < cur.dim():
                    h = cur.shape[d]
                    uv = "%s %s" % (fmt(unit(rng, h)), fmt(unit(rng, cur.numel() // h)))
            return "sn %s %d %s %s %s" % (t, n, eps, dim, uv)
        if op in ("wn", "wno"):
            return "%s %s %s" % (op, t, rng.choice(["0", "0", "1", "n", "-1", "3"]))
        if op == "wnr":
            return "wnr " + t
        if op == "prr":
            return "prr %s %s %d" % (t, amt(numel), rng.randrange(1000))
        if op == "prs":
            return "prs %s %s %d %d" % (t, amt(numel), rng.choice([0, 0, 1, -1, 3]), rng.randrange(1000))
        if op == "pl1":
            return "pl1 %s %s" % (t, amt(numel))
        if op == "pln":
            return "pln %s %s %s %d" % (t, amt(numel), rng.choice(["1", "2", "inf", "-inf", "fro"]),
                                        rng.choice([0, 0, 1, -1, 3]))
        if op == "pcm":
            return "pcm %s %s" % (t, ",".join(rng.choice(["0.0", "1.0", "1.0"]) for _ in range(numel)))
        if op == "pgl":
            ts = rng.sample(names, rng.randint(1, len(names))) if names else ["weight"]
            return "pgl %s %s %s %d" % (amt(sum(peek(m, x).numel() for x in ts if peek(m, x) is not None)), ",".join(ts),
                                        rng.choice(["l1", "rand"]), rng.randrange(1000))
        if op == "prm":
            return "prm " + t
        if op == "clipn":
            return "clipn %s %s %d %s" % (rng.choice(["0.1", "0.5", "1.0", "10.0", "0.0"]),
                                          rng.choice(["2", "2", "1", "inf", "0.5"]), rng.random() < 0.4,
                                          rng.choice(["n", "0", "1"]))
        if op == "clipe":
            return "clipe %s %s" % (rng.choice(["0.5", "1.0"]), rng.choice(["2", "1", "inf", "0.5"]))
        if op == "clipv":
            return "clipv %s %s" % (rng.choice(["0.05", "0.5", "2.0"]), rng.choice(["n", "0", "1"]))
        if op == "bad":
            if not pnames:
                return "fb"
            return "bad %d %s" % (rng.randrange(len(pnames)), rng.choice(["inf", "nan", "-inf"]))
        if op == "v2p":
            n = sum(p.numel() for p in m.parameters())
            return "v2p " + fmt(distinct(rng, n + (1 if rng.random() < 0.1 else 0)))
        if op == "frz":
            return "frz %d" % rng.randrange(len(pnames)) if pnames else "fb"
        if op == "pl1i":
            if cur is None:
                return "pl1 %s %s" % (t, amt(numel))
            return "pl1i %s %s %s" % (t, amt(numel), fmt(distinct(rng, numel)))
        if op == "sdl":
            sd = m.state_dict()
            keys = list(sd.keys())
            drop = rng.choice(keys) if keys and rng.random() < 0.2 else None
            items = ["%s=%s" % (k, fmt(distinct(rng, max(sd[k].numel(), 1), 0.2 if "var" in k else -1.0, 1.0)))
                     for k in keys if k != drop]
            if P.is_parametrized(m) and rng.random() < 0.5:
                # the old weight_norm's names for a 2.x weight_norm's originals (its load pre-hook maps them)
                for k in list(m.parametrizations.keys()):
                    if isinstance(m.parametrizations[k][0], _WeightNorm):
                        items = [it.replace("parametrizations.%s.original0=" % k, "%s_g=" % k)
                                 .replace("parametrizations.%s.original1=" % k, "%s_v=" % k) for it in items]
            return "sdl %s %s" % ("drop" if drop else "full", " ".join(items))
        if op == "fuse":
            if isinstance(m, nn.BatchNorm1d) or parametrized or pruned or hasattr(m, "weight_g") \
                    or hasattr(m, "weight_v") or hasattr(m, "bias_g"):
                return "eval"
            if m.training and rng.random() < 0.6:
                return "eval"  # (a fusion needs eval mode: more of them get through)
            feats = m.out_features if isinstance(m, nn.Linear) else m.out_channels
            nf = feats if rng.random() < 0.8 else rng.choice([1, feats + 1])
            vals = distinct(rng, nf * 3) + [round(rng.uniform(0.2, 2), 3) for _ in range(nf)]
            return "fuse %s %s" % (rng.choice(["1e-05", "0.001", "0.5"]), fmt(vals))
        raise AssertionError(op)


def replay(head, stmts):
    torch.manual_seed(0)
    run = Run(head)
    lines = []
    for s in stmts:
        out, st, changed = run.step(s)
        lines.append(("s " + s, out, st, changed))
    return run, lines


def program(rng, k):
    d = Drawer(rng)
    head = d.head()
    count = rng.randint(3, 8)
    stmts = []
    run, lines = replay(head, stmts)
    tries = 0
    while len(stmts) < count and tries < 60:
        tries += 1
        cand = d.statement(run)
        run2, lines2 = replay(head, stmts + [cand])
        if lines2[-1][3]:
            continue  # its refusal would leave PyTorch's module changed (or is left out, see Run.step): not drawn
        stmts.append(cand)
        run, lines = run2, lines2
    out = ["=== r26_%03d U nnutils"] + head + state(Run(head).m)
    out[0] = out[0] % k
    for s, o, st, _ in lines:
        out.append(s)
        if o is not None:
            out.append(o)
        out.extend(st)
    return out


def main():
    rng = random.Random(SEED)
    for k in range(N):
        print("\n".join(program(rng, k)))


if __name__ == "__main__":
    main()
