# Writes expected.txt for MultiOutputNodeTest.java: multi-output autograd nodes (split, chunk, unbind, tensor_split,
# linalg.qr/svd/eigh) with only some outputs used, their grad_fn names, output numbers and the gradients PyTorch gives.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, the 2.x fact is written here).
#
# A case is "=== key" then "name value" lines (float64 reprs, flattened).
#
# Facts followed (PyTorch 2.x: tools/autograd/derivatives.yaml, torch/csrc/autograd/FunctionsManual.cpp,
# aten/src/ATen/native/TensorShape.cpp):
# - split, split_with_sizes and unbind record ONE node whose outputs are the pieces (SplitBackward0,
#   SplitWithSizesBackward0, UnbindBackward0; same in 1.13, checked below with `is`); backward gets undefined gradients
#   for pieces nothing used: split_with_sizes_backward makes zeros for them and cats once, unbind_backward stacks with
#   zeros({}).expand(sizes).
# - chunk is CompositeImplicitAutograd: split (or split_with_sizes for an empty dimension), so its node is SplitBackward0.
# - tensor_split is CompositeImplicitAutograd over at::slice: one SliceBackward0 per piece (distinct nodes), in 1.13 and
#   2.x alike.
# - linalg_qr_backward, svd_backward and linalg_eig_backward test gQ/gR, gU/gS/gVh, gL/gV with defined(): an output no
#   gradient reached is not a zero gradient (svd_backward's "only S" shortcut is svdvals' formula U diag(gS) Vh).
# - a hook (register_hook) and retain_grad are per tensor, so per output of a multi-output node. retain_grad on an output
#   no gradient reached leaves its .grad None in 2.x (the retain_grad hook checks grad.defined(), VariableHooks::
#   retain_grad in torch/csrc/autograd/variable.cpp); 1.13's hook clones the undefined gradient and fails ("Expected a
#   proper Tensor but got None"), so that case is not run here and the test checks 2.x's None. PyTorch calls a Python
#   tensor hook with None for such an output (1.13 and 2.x: PyFunctionTensorPreHook wraps the undefined gradient);
#   so does Ember, with null (hooksnograd/make_expected.py has the cases).
import torch

torch.manual_seed(14)
D = torch.float64


def rep(t):
    return repr(t.detach().to(D).reshape(-1).tolist())


def emit(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name, value)


# unbind: rows 0 and 2 used, row 1 not
x = torch.randn(3, 4, dtype=D, requires_grad=True)
w = torch.randn(3, 4, dtype=D)
p = x.unbind(0)
loss = (p[0] * w[0]).sum() + (p[2] * w[2]).sum()
loss.backward()
emit("unbind_partial", [("x", rep(x)), ("w", rep(w)), ("grad", rep(x.grad)), ("node", p[0].grad_fn.name()),
                        ("same", p[0].grad_fn is p[1].grad_fn and p[1].grad_fn is p[2].grad_fn),
                        ("nrs", [q.output_nr for q in p]),
                        ("next", [(f.name(), nr) for f, nr in p[0].grad_fn.next_functions])])

# unbind along dim 1 of a non-contiguous input, only the last slice used
x = torch.randn(4, 3, dtype=D).t().requires_grad_(True)  # [3, 4], strides (1, 3)
w = torch.randn(3, dtype=D)
p = x.unbind(1)
(p[3] * w).sum().backward()
emit("unbind_dim1", [("x", rep(x)), ("shape", list(x.shape)), ("w", rep(w)), ("grad", rep(x.grad)),
                     ("node", p[3].grad_fn.name()), ("count", len(p))])

# split(3) of 7 rows: pieces 3, 3, 1; only the middle one used
x = torch.randn(7, 2, dtype=D, requires_grad=True)
w = torch.randn(3, 2, dtype=D)
p = x.split(3)
(p[1] * w).sum().backward()
emit("split_middle", [("x", rep(x)), ("w", rep(w)), ("grad", rep(x.grad)), ("node", p[0].grad_fn.name()),
                      ("same", p[0].grad_fn is p[2].grad_fn), ("nrs", [q.output_nr for q in p])])

# split_with_sizes along dim 1, first and last used
x = torch.randn(3, 7, dtype=D, requires_grad=True)
w0 = torch.randn(3, 2, dtype=D)
w2 = torch.randn(3, 1, dtype=D)
p = x.split([2, 4, 1], 1)
((p[0] * w0).sum() + (p[2] * w2).sum()).backward()
emit("split_sizes", [("x", rep(x)), ("w0", rep(w0)), ("w2", rep(w2)), ("grad", rep(x.grad)),
                     ("node", p[1].grad_fn.name()), ("same", p[0].grad_fn is p[1].grad_fn)])

# chunk(3, dim=1) of 5 columns: 2, 2, 1; last one used
x = torch.randn(2, 5, dtype=D, requires_grad=True)
w = torch.randn(2, 1, dtype=D)
p = x.chunk(3, 1)
(p[2] * w).sum().backward()
emit("chunk_last", [("x", rep(x)), ("w", rep(w)), ("grad", rep(x.grad)), ("node", p[0].grad_fn.name()),
                    ("count", len(p)), ("same", p[0].grad_fn is p[2].grad_fn)])

# tensor_split: one SliceBackward0 per piece
x = torch.randn(7, dtype=D, requires_grad=True)
p = x.tensor_split(3)
(p[1] * 2).sum().backward()
emit("tensor_split", [("grad", rep(x.grad)), ("node", p[0].grad_fn.name()), ("same", p[0].grad_fn is p[1].grad_fn),
                      ("nrs", [q.output_nr for q in p])])

# hooks and retain_grad on single outputs of one node
x = torch.randn(3, 2, dtype=D, requires_grad=True)
y = x * 2
p = y.unbind(0)
p[0].register_hook(lambda g: g * 3)
p[1].retain_grad()
w = torch.randn(3, 2, dtype=D)
((p[0] * w[0]).sum() + (p[1] * w[1]).sum()).backward()
emit("hooks", [("x", rep(x)), ("w", rep(w)), ("grad", rep(x.grad)), ("p1grad", rep(p[1].grad)),
               ("p2grad", "None")])  # 2.x (see above)

# autograd.grad with respect to one output of a multi-output node
x = torch.randn(4, 3, dtype=D, requires_grad=True)
y = x.exp()
p = y.split([1, 3])
loss = (p[1] ** 2).sum() + p[0].sum()
g1, = torch.autograd.grad(loss, p[1], retain_graph=True)
g0, gx = torch.autograd.grad(loss, [p[0], x], retain_graph=True)
unused, = torch.autograd.grad(p[0].sum(), p[1], allow_unused=True, retain_graph=True)
try:
    torch.autograd.grad(p[0].sum(), p[1])
    err = "none"
except RuntimeError as e:
    err = str(e)
emit("grad_intermediate", [("x", rep(x)), ("g1", rep(g1)), ("g0", rep(g0)), ("gx", rep(gx)),
                           ("unused", "None" if unused is None else rep(unused)), ("error", err)])

# linalg.qr, only R used (gauge-invariant: R squared) / only Q used (Q squared)
a = torch.randn(4, 3, dtype=D)
w = torch.randn(3, 3, dtype=D)
x = a.clone().requires_grad_(True)
q, r = torch.linalg.qr(x)
((r ** 2) * w).sum().backward()
emit("qr_only_r", [("a", rep(a)), ("w", rep(w)), ("grad", rep(x.grad)), ("node", r.grad_fn.name()),
                   ("same", q.grad_fn is r.grad_fn), ("nrs", [q.output_nr, r.output_nr])])
wq = torch.randn(4, 3, dtype=D)
x = a.clone().requires_grad_(True)
q, r = torch.linalg.qr(x)
((q ** 2) * wq).sum().backward()
emit("qr_only_q", [("wq", rep(wq)), ("grad", rep(x.grad))])

# linalg.svd, only S used: equals svdvals' gradient
a = torch.randn(3, 5, dtype=D)
ws = torch.randn(3, dtype=D)
x = a.clone().requires_grad_(True)
u, s, vh = torch.linalg.svd(x, full_matrices=False)
(s * ws).sum().backward()
x2 = a.clone().requires_grad_(True)
(torch.linalg.svdvals(x2) * ws).sum().backward()
emit("svd_only_s", [("a", rep(a)), ("ws", rep(ws)), ("grad", rep(x.grad)), ("svdvals_grad", rep(x2.grad)),
                    ("node", s.grad_fn.name()), ("same", u.grad_fn is vh.grad_fn), ("nrs", [u.output_nr, s.output_nr, vh.output_nr])])

# linalg.eigh, only the eigenvalues / only the eigenvectors (squared: sign-invariant)
b = torch.randn(4, 4, dtype=D)
sym = b + b.t()
wl = torch.randn(4, dtype=D)
wv = torch.randn(4, 4, dtype=D)
x = sym.clone().requires_grad_(True)
l, v = torch.linalg.eigh(x)
(l * wl).sum().backward()
gl = x.grad
x = sym.clone().requires_grad_(True)
l, v = torch.linalg.eigh(x)
((v ** 2) * wv).sum().backward()
emit("eigh_partial", [("a", rep(sym)), ("wl", rep(wl)), ("wv", rep(wv)), ("grad_l", rep(gl)), ("grad_v", rep(x.grad)),
                      ("node", v.grad_fn.name()), ("nrs", [l.output_nr, v.output_nr])])

# a custom Function with two outputs, one unused: backward sees zeros (materialize_grads default) or None
class Two(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, materialize):
        ctx.set_materialize_grads(materialize)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g0, g1):
        seen.append((g0 is None, g1 is None))
        out = torch.zeros(3, dtype=D)
        if g0 is not None:
            out = out + 2 * g0
        if g1 is not None:
            out = out + 3 * g1
        return out, None

rows = []
for materialize in (True, False):
    seen = []
    x = torch.randn(3, dtype=D, requires_grad=True)
    a0, a1 = Two.apply(x, materialize)
    a1.sum().backward()
    rows.append(("seen_" + str(materialize), seen[0]))
    rows.append(("same_" + str(materialize), a0.grad_fn is a1.grad_fn))
    rows.append(("grad_" + str(materialize), rep(x.grad)))
emit("custom", rows)

# a custom Function whose first output is not differentiable (an integer tensor): the node counts every output, so the
# differentiable one is output 1 (custom_function.cpp _wrap_outputs: set_history(var, i, ...) for output i)
class ArgAndDouble(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.argmax(), x * 2

    @staticmethod
    def backward(ctx, gi, gv):
        seen.append((gi is None, gv is None))
        return gv * 2

seen = []
x = torch.randn(3, dtype=D, requires_grad=True)
i, v = ArgAndDouble.apply(x)
v.sum().backward()
emit("custom_nondiff_first", [("nr", v.output_nr), ("index_grad_fn", i.grad_fn is None), ("seen", seen[0]),
                              ("grad", rep(x.grad))])

# linalg.qr of a wide matrix (m < n: linalg_qr_backward's second branch), only Q used / only R used
a = torch.randn(3, 5, dtype=D)
wq = torch.randn(3, 3, dtype=D)
wr = torch.randn(3, 5, dtype=D)
x = a.clone().requires_grad_(True)
q, r = torch.linalg.qr(x)
((q ** 2) * wq).sum().backward()
gq = x.grad
x = a.clone().requires_grad_(True)
q, r = torch.linalg.qr(x)
((r ** 2) * wr).sum().backward()
emit("qr_wide", [("a", rep(a)), ("wq", rep(wq)), ("wr", rep(wr)), ("grad_q", rep(gq)), ("grad_r", rep(x.grad))])
