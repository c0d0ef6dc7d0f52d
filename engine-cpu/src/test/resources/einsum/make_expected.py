# Writes expected.txt for EinsumTest.java: torch.einsum over a table of equations (implicit and explicit outputs,
# repeated labels, ellipses, broadcasting, one to four operands, empty sizes), with the values, the gradients of every
# operand for a random output gradient and the grad_fn name; and einsum's errors.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, whose einsum is 2.x's without a path: 2.x
# passes opt_einsum's path when that package is installed, which reorders contractions of three or more operands only).
# A case is "=== eNN" with lines: equation, in<i>/shape<i> (float64), out/oshape/node, w (the output gradient), grad<i>;
# "=== cases" lists the case keys; an error case is "error <Type> <message>".
import torch

torch.manual_seed(7)
D = torch.float64


def rep(t):
    return repr(t.detach().reshape(-1).tolist())


TABLE = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ii->", [(4, 4)]),
    ("iij->ij", [(3, 3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("iii->i", [(3, 3, 3)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,i", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("i,i->i", [(5,), (5,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("ij,ji->", [(3, 4), (4, 3)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("bhqk,bhkd->bhqd", [(2, 2, 3, 4), (2, 2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(3, 2, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...ii", [(2, 3, 3)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("ij,kl->ijkl", [(2, 3), (4, 2)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 2), (2, 4), (4, 3)]),
    ("bn,anm,bm->ba", [(3, 4), (2, 4, 5), (3, 5)]),
    ("ij,ij,ij->i", [(3, 4), (3, 4), (3, 4)]),
    ("ij,jk->ki", [(3, 4), (4, 5)]),
    ("BiJ,BJk->Bik", [(2, 3, 4), (2, 4, 3)]),
    ("i j , j k -> i k", [(3, 4), (4, 2)]),
    ("ij,jk->ik", [(3, 1), (4, 5)]),
    ("ij,jk->ik", [(0, 4), (4, 5)]),
    ("ij,jk->ik", [(3, 0), (0, 5)]),
    ("ij,ik->jk", [(1, 3), (4, 2)]),
    ("bij,bjk->bik", [(1, 3, 4), (2, 4, 5)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ijj,j->i", [(2, 3, 3), (3,)]),
]

keys = []
for n, (eq, shapes) in enumerate(TABLE):
    key = "e%02d" % n
    keys.append(key)
    xs = [torch.randn(*s, dtype=D, requires_grad=True) for s in shapes]
    out = torch.einsum(eq, *xs)
    w = torch.randn(out.shape, dtype=D)
    gs = torch.autograd.grad(out, xs, w, allow_unused=True)
    print("=== " + key)
    print("equation", eq)
    for i, x in enumerate(xs):
        print("in%d" % i, rep(x))
        print("shape%d" % i, repr(list(x.shape)))
    print("out", rep(out))
    print("oshape", repr(list(out.shape)))
    print("node", out.grad_fn.name())
    print("w", rep(w))
    for i, g in enumerate(gs):
        print("grad%d" % i, rep(g) if g is not None else "None")

print("=== cases")
print("keys", " ".join(keys))


def err(key, eq, *shapes):
    try:
        torch.einsum(eq, *[torch.ones(*s) for s in shapes])
        print("=== " + key)
        print("value none")
    except Exception as e:
        print("=== " + key)
        print("error", "IndexError" if isinstance(e, IndexError) else "RuntimeError",
              str(e).split("\nException raised from")[0].split("\n")[0])


err("fewer_operands", "ij,jk->ik", (2, 3))
err("more_operands", "ij->ij", (2, 3), (3, 2))
err("bad_subscript", "i1,jk->ik", (2, 3), (3, 2))
err("bad_output_subscript", "ij->i1", (2, 3))
err("subscripts_mismatch", "ijk->ij", (2, 3))
err("ellipsis_too_many", "...ijk->ij", (2, 3))
err("two_ellipses", "......->", (2, 3))
err("dot_not_ellipsis", "i.j->ij", (2, 3))
err("output_twice", "ij->ii", (2, 3))
err("output_unknown", "ij->k", (2, 3))
err("output_two_ellipses", "...i->......", (2, 3))
err("output_dot", "...i->.i", (2, 3))
err("size_mismatch", "ij,jk->ik", (2, 3), (4, 2))
err("repeated_mismatch", "ii->i", (2, 3))
err("ellipsis_broadcast", "...i,...i->...", (2, 3), (4, 3))
