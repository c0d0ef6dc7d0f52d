# Writes expected.txt for InplaceOnSelfTest: in-place ops (relu_, sigmoid_, tanh_, exp_, neg_, add_, sub_, mul_, div_)
# of tensors autograd records, whose backward reads self's old values (mul_'s and div_'s self when the other operand
# needs a gradient), their results (relu_, sigmoid_, tanh_, exp_) or neither; in PyTorch 1.13 CPU
# (run: /usr/bin/python3 make_expected.py > expected.txt). 1.13 and 2.x agree on all of it (the in-place formulas and
# node names of these ops did not change). Each case prints "=== key" and lines "name value"; a tensor line is
# "name dtype [shape] : values"; "error" is the message PyTorch raised.
import torch

torch.manual_seed(54)


def tline(t):
    t = t.detach()
    return "%s %s : %s" % (str(t.dtype).replace("torch.", ""), list(t.shape),
                           ", ".join(repr(v) for v in t.double().flatten().tolist()))


def show(key, **items):
    print("===", key)
    for k, v in items.items():
        if isinstance(v, torch.Tensor):
            v = tline(v)
        print(k, v)


def chain(t):
    """The grad_fn names from t's node along the first edges, as the test walks them."""
    names = []
    n = t.grad_fn
    while n is not None:
        names.append(type(n).__name__)
        n = n.next_functions[0][0] if n.next_functions else None
    return names


def error(f):
    try:
        f()
    except RuntimeError as e:
        return str(e)
    return "none"


x0 = torch.randn(3, 5)
w0 = torch.randn(3, 5)
c0 = torch.randn(3, 5)


def leaves():
    return x0.clone().requires_grad_(), w0.clone().requires_grad_()


# mul_ by an operand that needs a gradient: MulBackward0 saves self's old values; a later add_ of self is no error
x, w = leaves()
y = x * 2
y.mul_(w)
y.add_(1)
(y * c0).sum().backward()
show("mul_other_grad", x=x0, w=w0, c=c0, chain=chain(y), y=y, grad_x=x.grad, grad_w=w.grad)

# div_ likewise (DivBackward0 saves self when the divisor needs a gradient)
x, w = leaves()
y = x * 1.5 + 2
y.div_(w)
y.sub_(0.5)
(y * c0).sum().backward()
show("div_other_grad", chain=chain(y), y=y, grad_x=x.grad, grad_w=w.grad)

# unary ops saving their result (self after the write), each on its own: a later change of self would be the error
for op in ["relu_", "sigmoid_", "tanh_", "exp_"]:
    x, w = leaves()
    y = x * 1.5
    getattr(y, op)()
    (y * c0).sum().backward()
    show("unary_" + op, chain=chain(y), y=y, grad_x=x.grad)

# the ops that save nothing of self, one after the other
x, w = leaves()
y = x * 1.5
y.neg_()
y.sub_(w, alpha=0.5)
y.add_(w, alpha=2)
y.mul_(3.0)
y.div_(2.0)
y.add_(w)
y.sub_(w)
(y * c0).sum().backward()
show("binary_chain", chain=chain(y), y=y, grad_x=x.grad, grad_w=w.grad)

# a plain tensor times one that needs a gradient: self has no history, its old values go to w's gradient
x, w = leaves()
p = x0.clone() + 1
p.mul_(w)
(p * c0).sum().backward()
show("plain_self", chain=chain(p), p=p, grad_w=w.grad)

# a second-order gradient through the saved old self: d(sum(y*w))/dw = the old y = 2x, whose history leads to x
x, w = leaves()
y = x * 2
y.mul_(w)
g, = torch.autograd.grad(y.sum(), w, create_graph=True)
(g * c0).sum().backward()
show("second_order", g=g, grad_x=x.grad)

# a self laid out transposed (not a view: mul keeps the input's strides), written in place
x, w = leaves()
y = x.t() * 1
ww = w0.t().clone().requires_grad_()
y.mul_(ww)
y.relu_()
(y * c0.t()).sum().backward()
show("transposed_self", strides=list(y.stride()), y=y, grad_x=x.grad, grad_w=ww.grad)

# changing a result that relu_ saved (self) before the backward
x, w = leaves()
y = x.exp()
y.relu_()
y.add_(1)
show("relu_then_add", error=error(lambda: y.sum().backward()))

# mul_ of self by itself: the saved operand is self, changed by the write
x, w = leaves()
y = x * 1
y.mul_(y)
show("mul_by_itself", error=error(lambda: y.sum().backward()))

# saved-tensor hooks that keep what they pack: the pack hook of mul_'s self sees the old values
x, w = leaves()
y = x * 2
packed = []
def pack(t):
    packed.append(t.detach().clone())
    return t
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    y.mul_(w)
(y * c0).sum().backward()
show("hooks", packs=len(packed), grad_x=x.grad, grad_w=w.grad)
