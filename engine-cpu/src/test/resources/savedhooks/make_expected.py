# Writes expected.txt for SavedTensorsHooksTest.java: which tensors autograd's nodes save, seen through
# torch.autograd.graph.saved_tensors_hooks, and what the backward does with the tensors unpack returns.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, CPU, float64).
#
# For each case, the op (or small model) runs inside saved_tensors_hooks(pack, unpack) and the loss outside it is
# (out * w).sum() with a fixed w, so that only the op's own nodes are packed. Recorded:
# - "pack": one line per pack call, "<dtype> <shape> <sum> <sum of squares>" of the tensor pack received (the test
#   compares them as a multiset: the order in which one node saves its tensors is codegen's, not part of the contract);
# - "grad": the gradients of the inputs with identity hooks (== the gradients without hooks);
# - "grad2": the gradients when unpack returns the packed tensor times 2 (floating tensors only; indices unchanged), which
#   shows that the backward uses unpack's result and which saved tensors each derivative formula reads.
# note: PyTorch 1.13 also packs a wrapped Python number (the 2 of x * 2); 2.x does not (saved_variable.cpp skips
# is_wrapped_number), which Ember follows: no case here multiplies by a Python number except "mul_scalar", whose
# expected pack list is 2.x's (empty) and whose gradients do not depend on it.
import torch
import torch.nn.functional as F

torch.manual_seed(26)
D = torch.float64


def fmt(t):
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


def shape(t):
    return ",".join(str(s) for s in t.shape) if t.dim() else "-"


def dtype(t):
    return str(t.dtype).replace("torch.", "")


CASES = []


def case(name, inputs, fn, wrapped=0, only2x=None, keep=(), loose=()):
    CASES.append((name, inputs, fn, wrapped, only2x, keep, loose))


def r(*s):
    return ("randn", s)


def pos(*s):
    return ("pos", s)


def prob(*s):
    return ("prob", s)


def idx(n, *s):
    return ("idx", n, s)


def make(spec):
    kind = spec[0]
    if kind == "randn":
        return torch.randn(*spec[1], dtype=D)
    if kind == "pos":
        return torch.rand(*spec[1], dtype=D) + 0.5
    if kind == "prob":
        return torch.rand(*spec[1], dtype=D) * 0.8 + 0.1
    if kind == "fixed":
        return torch.tensor(spec[1])
    return torch.randint(0, spec[1], spec[2])


# name: list of (name, spec, requires_grad)
case("mul", [("a", r(3, 4), True), ("b", r(3, 4), True)], lambda a, b: a * b)
case("mul_one_grad", [("a", r(3, 4), True), ("b", r(3, 4), False)], lambda a, b: a * b)
case("mul_scalar", [("a", r(3, 4), True)], lambda a: a * 2, wrapped=1)
case("div", [("a", r(3, 4), True), ("b", pos(3, 4), True)], lambda a, b: a / b)
case("add", [("a", r(3, 4), True), ("b", r(3, 4), True)], lambda a, b: a + b)
case("exp", [("a", r(3, 4), True)], lambda a: a.exp())
case("tanh", [("a", r(3, 4), True)], lambda a: a.tanh())
case("sigmoid", [("a", r(3, 4), True)], lambda a: a.sigmoid())
case("relu", [("a", r(3, 4), True)], lambda a: a.relu())
case("gelu", [("a", r(3, 4), True)], lambda a: F.gelu(a))
case("silu", [("a", r(3, 4), True)], lambda a: F.silu(a))
case("leaky_relu", [("a", r(3, 4), True)], lambda a: F.leaky_relu(a, 0.1))
case("elu", [("a", r(3, 4), True)], lambda a: F.elu(a))
case("softplus", [("a", r(3, 4), True)], lambda a: F.softplus(a))
case("hardswish", [("a", r(3, 4), True)], lambda a: F.hardswish(a))
case("softmax", [("a", r(3, 5), True)], lambda a: a.softmax(1))
case("log_softmax", [("a", r(3, 5), True)], lambda a: a.log_softmax(1))
case("mm", [("a", r(3, 4), True), ("b", r(4, 5), True)], lambda a, b: a.mm(b))
case("bmm", [("a", r(2, 3, 4), True), ("b", r(2, 4, 5), True)], lambda a, b: a.bmm(b))
case("matmul_3d_2d", [("a", r(2, 3, 4), True), ("b", r(4, 5), True)], lambda a, b: a.matmul(b))
case("linear", [("x", r(3, 4), True), ("w", r(5, 4), True), ("bias", r(5), True)], lambda x, w, b: F.linear(x, w, b))
case("conv1d", [("x", r(2, 3, 7), True), ("w", r(4, 3, 3), True), ("bias", r(4), True)],
     lambda x, w, b: F.conv1d(x, w, b, padding=1))
case("conv2d", [("x", r(2, 3, 6, 5), True), ("w", r(4, 3, 3, 3), True), ("bias", r(4), True)],
     lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1))
case("conv_transpose2d", [("x", r(2, 3, 4, 4), True), ("w", r(3, 2, 3, 3), True), ("bias", r(2), True)],
     lambda x, w, b: F.conv_transpose2d(x, w, b))
case("max_pool2d", [("x", r(2, 3, 6, 6), True)], lambda x: F.max_pool2d(x, 2))
case("avg_pool2d", [("x", r(2, 3, 6, 6), True)], lambda x: F.avg_pool2d(x, 2))
case("adaptive_avg_pool2d", [("x", r(2, 3, 6, 6), True)], lambda x: F.adaptive_avg_pool2d(x, 3))
case("max_pool1d", [("x", r(2, 3, 8), True)], lambda x: F.max_pool1d(x, 2))
case("avg_pool1d", [("x", r(2, 3, 8), True)], lambda x: F.avg_pool1d(x, 2))
case("max_pool3d", [("x", r(1, 2, 4, 4, 4), True)], lambda x: F.max_pool3d(x, 2))
case("avg_pool3d", [("x", r(1, 2, 4, 4, 4), True)], lambda x: F.avg_pool3d(x, 2))
case("adaptive_max_pool2d", [("x", r(2, 3, 6, 6), True)], lambda x: F.adaptive_max_pool2d(x, 4))
case("adaptive_avg_pool3d", [("x", r(1, 2, 4, 4, 4), True)], lambda x: F.adaptive_avg_pool3d(x, 3))
case("conv3d", [("x", r(1, 2, 4, 4, 4), True), ("w", r(3, 2, 2, 2, 2), True), ("bias", r(3), True)],
     lambda x, w, b: F.conv3d(x, w, b))
case("layer_norm", [("x", r(3, 4, 5), True), ("w", r(5), True), ("bias", r(5), True)],
     lambda x, w, b: F.layer_norm(x, [5], w, b, 1e-5))
case("group_norm", [("x", r(2, 4, 3, 3), True), ("w", r(4), True), ("bias", r(4), True)],
     lambda x, w, b: F.group_norm(x, 2, w, b, 1e-5))
case("batch_norm_train", [("x", r(4, 3, 2, 2), True), ("w", r(3), True), ("bias", r(3), True)],
     lambda x, w, b: F.batch_norm(x, torch.zeros(3, dtype=D), torch.ones(3, dtype=D), w, b, True, 0.1, 1e-5))
# note: 1.13's EmbeddingBackward0 saves weight (for weight.sym_size(0)); 2.x's codegen saves only that size
# (weight_sym_argsize_0), so 2.x packs the indices alone: the expected list drops the weight (the backward never reads
# its values, so the gradients are the same)
case("embedding", [("w", r(6, 3), True), ("i", idx(6, 2, 4), False)], lambda w, i: F.embedding(i, w),
     only2x=lambda packs: [t for t in packs if not t.is_floating_point()])
case("mse_loss", [("x", r(3, 4), True), ("t", r(3, 4), False)], lambda x, t: F.mse_loss(x, t))
case("cross_entropy", [("x", r(4, 5), True), ("t", idx(5, 4), False)], lambda x, t: F.cross_entropy(x, t))
case("nll_loss", [("x", r(4, 5), True), ("t", idx(5, 4), False)], lambda x, t: F.nll_loss(x, t))
case("bce", [("x", prob(3, 4), True), ("t", prob(3, 4), False)], lambda x, t: F.binary_cross_entropy(x, t))
case("smooth_l1", [("x", r(3, 4), True), ("t", r(3, 4), False)], lambda x, t: F.smooth_l1_loss(x, t))
# keep=(2,): the third packed tensor, is_target, is not doubled by the "grad2" unpack: PyTorch's backward kernel refuses
# an is_target other than 0 or 1 ("argument #5 'is_target' is out of range"); Ember's backward reads only its
# input and target (is_target is saved, and unpacked, as PyTorch's), so doubling it there changes nothing
case("multilabel_margin", [("x", r(2, 4), True), ("t", ("fixed", [[3, 0, -1, 1], [1, 2, 3, -1]]), False)],
     lambda x, t: F.multilabel_margin_loss(x, t), keep=(2,))
case("multi_margin", [("x", r(4, 5), True), ("t", idx(5, 4), False)], lambda x, t: F.multi_margin_loss(x, t))
case("mlp", [("x", r(4, 3), True), ("w1", r(5, 3), True), ("b1", r(5), True), ("w2", r(2, 5), True), ("b2", r(2), True)],
     lambda x, w1, b1, w2, b2: F.linear(F.linear(x, w1, b1).relu(), w2, b2).tanh())
case("convnet", [("x", r(2, 2, 6, 6), True), ("w", r(3, 2, 3, 3), True), ("bias", r(3), True), ("g", r(3), True),
                 ("beta", r(3), True), ("w2", r(4, 12), True), ("b2", r(4), True)],
     lambda x, w, b, g, beta, w2, b2: F.linear(F.max_pool2d(F.batch_norm(F.conv2d(x, w, b), torch.zeros(3, dtype=D),
                                                                         torch.ones(3, dtype=D), g, beta, True), 2)
                                               .relu().flatten(1), w2, b2).log_softmax(1))

# embedding_bag packs indices, offsets and its outputs offset2bag, bag_size and max_indices (for sum and mean, ATen's
# CPU kernel gives bag_size zeros for sum and the bag sizes for mean, and max_indices a copy of bag_size), and with
# per_sample_weights also the weight and those weights
EB_IDX = ("fixed", [1, 2, 4, 5, 4, 3, 2, 0])
EB_OFF = torch.tensor([0, 3, 5])
case("embedding_bag_sum", [("w", r(6, 3), True), ("i", EB_IDX, False)], lambda w, i: F.embedding_bag(i, w, EB_OFF, mode="sum"))
case("embedding_bag_mean", [("w", r(6, 3), True), ("i", EB_IDX, False)],
     lambda w, i: F.embedding_bag(i, w, EB_OFF, mode="mean"))
case("embedding_bag_max", [("w", r(6, 3), True), ("i", EB_IDX, False)],
     lambda w, i: F.embedding_bag(i, w, EB_OFF, mode="max"))
case("embedding_bag_padding", [("w", r(6, 3), True), ("i", EB_IDX, False)],
     lambda w, i: F.embedding_bag(i, w, EB_OFF, mode="mean", padding_idx=4))
case("embedding_bag_2d", [("w", r(6, 3), True), ("i", ("fixed", [[1, 2, 4, 5], [4, 3, 2, 0]]), False)],
     lambda w, i: F.embedding_bag(i, w, mode="mean"))
case("embedding_bag_psw", [("w", r(6, 3), True), ("i", EB_IDX, False), ("psw", r(8), True)],
     lambda w, i, psw: F.embedding_bag(i, w, EB_OFF, mode="sum", per_sample_weights=psw))
# pdist packs its input and its result
case("pdist", [("x", r(4, 3), True)], lambda x: F.pdist(x))
# ctc_loss packs log_probs, targets, and its outputs neg_log_likelihood and log_alpha [N, T, 2 S + 1], whose entries past
# each input length and extended target length ATen's CPU kernel never writes (compared by type and shape: loose=(3,));
# "mean" adds the divisor of the clamped target lengths (DivBackward0)
CTC_IL = [5, 4]
CTC_TL = [2, 1]
case("ctc_loss_none", [("lp", r(5, 2, 4), True), ("t", ("fixed", [[1, 2], [3, 1]]), False)],
     lambda lp, t: F.ctc_loss(lp, t, CTC_IL, CTC_TL, reduction="none"), loose=(3,))
case("ctc_loss_mean", [("lp", r(5, 2, 4), True), ("t", ("fixed", [[1, 2], [3, 1]]), False)],
     lambda lp, t: F.ctc_loss(lp, t, torch.tensor(CTC_IL), torch.tensor(CTC_TL)), loose=(3,))
case("ctc_loss_concatenated", [("lp", r(5, 2, 4), True), ("t", ("fixed", [1, 2, 3]), False)],
     lambda lp, t: F.ctc_loss(lp, t, CTC_IL, CTC_TL, reduction="sum"), loose=(3,))
for name, specs, fn, wrapped, only2x, keep, loose in CASES:
    base = [make(s) for (_, s, _) in specs]
    print("=== " + name)
    for (n, s, rg), t in zip(specs, base):
        print("input %s %s %s %d : %s" % (n, dtype(t), shape(t), int(rg), fmt(t)))
    w = None
    for mode in ("grad", "grad2"):
        ins = [t.clone().requires_grad_(rg) for (_, _, rg), t in zip(specs, base)]
        packs = []

        def pack(t):
            packs.append(t)
            if wrapped and t.dim() == 0 and not t.requires_grad:
                return ("keep", t)  # 2.x does not pack it: unpack must leave it as it is
            if len(packs) - 1 in keep:
                return ("keep", t)
            return t

        def unpack(t):
            if isinstance(t, tuple):
                return t[1]
            return t * 2 if mode == "grad2" and t.is_floating_point() else t

        with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            out = fn(*ins)
        if w is None:
            w = torch.randn(out.shape, dtype=D)
            print("w %s : %s" % (shape(w), fmt(w)))
        (out * w).sum().backward()
        if mode == "grad":
            # 2.x leaves wrapped numbers (0-dim, not requiring grad, made from the Python number) unpacked
            kept = packs[:len(packs) - wrapped] if wrapped else packs
            kept = only2x(kept) if only2x else kept
            print("packs %d" % len(kept))
            for k, t in enumerate(kept):
                d = t.detach().double()
                if k in loose:
                    print("pack %s %s * *" % (dtype(t), shape(t)))  # values PyTorch leaves uninitialized
                else:
                    print("pack %s %s %r %r" % (dtype(t), shape(t), float(d.sum()), float((d * d).sum())))
        for (n, _, rg), t in zip(specs, ins):
            if rg:
                print("%s %s : %s" % (mode, n, fmt(t.grad)))

# ---------------------------------------------------------------- rules: "rule <key> : <value>" lines
from torch.autograd.graph import saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks
import threading


def rule(key, value):
    print("rule %s : %s" % (key, value))


def err(fn):
    try:
        fn()
    except Exception as e:  # the message PyTorch raises
        return str(e).split("\n")[0]
    return "no error"


a0 = torch.randn(3, dtype=D)
b0 = torch.randn(3, dtype=D)
rule("a", fmt(a0))
rule("b", fmt(b0))

# nesting: the innermost pair wins; closing it brings the outer one back
calls = []
a = a0.clone().requires_grad_()
b = b0.clone().requires_grad_()
with saved_tensors_hooks(lambda t: calls.append("outer") or t, lambda t: t):
    with saved_tensors_hooks(lambda t: calls.append("inner") or t, lambda t: t):
        y = a * b
    z = y.exp()
rule("nesting", " ".join(calls))

# thread-local: hooks opened on this thread do not see another thread's saves
calls = []
with saved_tensors_hooks(lambda t: calls.append("main") or t, lambda t: t):
    th = threading.Thread(target=lambda: (a * b).exp())
    th.start()
    th.join()
    (a * b)
rule("thread", " ".join(calls))

# with hooks the version counter is not checked: a change of b after the forward reaches the gradient
a = a0.clone().requires_grad_()
b = b0.clone().requires_grad_()
with saved_tensors_hooks(lambda t: t, lambda t: t):
    y = (a * b).sum()
with torch.no_grad():
    b.mul_(3)
y.backward()
rule("nocheck_grad_a", fmt(a.grad))

# double backward through unpacked tensors: d/dx of (3 x^2 summed) with a copy for every saved tensor
x = a0.clone().requires_grad_()
with saved_tensors_hooks(lambda t: t.clone(), lambda t: t * 1.0):
    y = (x * x * x).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
g.sum().backward()
rule("double_g", fmt(g))
rule("double_grad", fmt(x.grad))

# a custom Function's save_for_backward goes through the hooks too
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


calls = []
x = a0.clone().requires_grad_()
with saved_tensors_hooks(lambda t: calls.append(tuple(t.shape)) or t, lambda t: t * 2):
    y = Cube.apply(x)
y.sum().backward()
rule("custom_packs", len(calls))
rule("custom_grad", fmt(x.grad))

# save_on_cpu: the gradients of the MLP case equal those without hooks (CPU: no copy unless pinned)
for pin in (False, True):
    x = a0.clone().reshape(1, 3).requires_grad_()
    w = torch.arange(6, dtype=D).reshape(2, 3).div(5).requires_grad_()
    with save_on_cpu(pin_memory=pin):
        y = torch.tanh(x.mm(w.t())).sum()
    y.backward()
    rule("cpu_%d_x" % pin, fmt(x.grad))
    rule("cpu_%d_w" % pin, fmt(w.grad))

# errors
a = a0.clone().requires_grad_()


def bad_pack():
    with saved_tensors_hooks(lambda t: t.add_(1), lambda t: t):
        (a.clone() * a.clone())


rule("err_pack_inplace", err(bad_pack))


def none_unpack():
    with saved_tensors_hooks(lambda t: t, lambda t: None):
        y = (a * a).sum()
    y.backward()


rule("err_unpack_none", err(none_unpack))


def twice():
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        y = (a * a).sum()
    y.backward()
    y.backward()


rule("err_twice", err(twice))


def push_disabled():
    with disable_saved_tensors_hooks("hooks are off here"):
        with saved_tensors_hooks(lambda t: t, lambda t: t):
            pass


rule("err_disabled", err(push_disabled))


def disable_active():
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        with disable_saved_tensors_hooks("too late"):
            pass


rule("err_disable_active", err(disable_active))
# after both failures hooks work again
calls = []
with saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
    a * a
rule("after_errors", len(calls))

# in-place ops save through the hooks: the packs of each (the input made outside the hooks)
counts = []
for name in ("exp_", "sigmoid_", "relu_", "mul_"):
    n = [0]
    leaf = a0.clone().requires_grad_()
    other = b0.clone().requires_grad_()
    x = leaf * 1.5
    with saved_tensors_hooks(lambda t: n.__setitem__(0, n[0] + 1) or t.clone(), lambda t: t):
        y = x.mul_(other) if name == "mul_" else getattr(x, name)()
    counts.append("%s=%d" % (name, n[0]))
rule("inplace_packs", " ".join(counts))
