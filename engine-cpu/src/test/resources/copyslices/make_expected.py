# Writes expected.txt for CopySlicesTest: in-place ops on views of tensors autograd records, in PyTorch 1.13
# (run: /usr/bin/python3 make_expected.py > expected.txt). Each case prints "=== key" and lines "name value".
import torch

def show(key, **items):
    print("===", key)
    for k, v in items.items():
        if isinstance(v, torch.Tensor):
            v = v.tolist()
        print(k, v)

def x4():
    return torch.tensor([1., 2., 3., 4.], requires_grad=True)

x = x4(); y = x * 2; v = y[0:2]; w = y[1:3]
v.mul_(3)
names = [type(t.grad_fn).__name__ for t in (y, v, w)]
w.sum().backward(retain_graph=True); gw = x.grad.clone(); x.grad = None
y.sum().backward()
show("mul_view", names=names, y=y, via_w=gw, via_y=x.grad)

x = x4(); y = x * 2; s = y.select(0, 0); s.fill_(0)
names = [type(t.grad_fn).__name__ for t in (y, s)]
(y * y).sum().backward()
show("select_fill", names=names, y=y, grad=x.grad)

b = torch.zeros(3); t = torch.tensor([5., 6.], requires_grad=True)
b[0:2].copy_(t)
names = [type(b.grad_fn).__name__]
b.mul(torch.tensor([1., 2., 3.])).sum().backward()
show("leaf_base_copy", names=names, b=b, requires_grad=[b.requires_grad, b.is_leaf], grad=t.grad)

x = x4(); y = x * 1; t = torch.tensor([10., 20.], requires_grad=True)
z = y.view(2, 2)[1]; z.add_(t)
names = [type(q.grad_fn).__name__ for q in (y, z)]
(y * y).sum().backward()
show("view_of_view_add", names=names, y=y, grad=x.grad, grad_t=t.grad)

x = x4(); y = x * 1; a = y[0:3]; a2 = a[1:3]; a2.mul_(2)
names = [type(q.grad_fn).__name__ for q in (a, a2, y)]
(a * a).sum().backward()
show("nested_views", names=names, grad=x.grad)

m = torch.arange(6.).reshape(2, 3).requires_grad_(); n = m * 1
n.t()[1].mul_(5)
(n * n).sum().backward()
show("transposed_view", n=n, grad=m.grad)

x = x4(); y = x * 1; v = y[1:3]
v.mul_(2); v.add_(1); v.mul_(torch.tensor([3., 0.5]))
(y * torch.tensor([1., 2., 3., 4.])).sum().backward()
show("chain_on_view", y=y, grad=x.grad)

x = x4(); y = x * 1; v = y[1:3]
y.mul_(torch.tensor([1., 2., 3., 4.]))
names = [type(v.grad_fn).__name__]
v.sum().backward()
show("base_then_old_view", names=names, v=v, grad=x.grad)

x = x4(); y = x * 1
y.view(2, 2).t()[0].zero_()
y.sum().backward()
show("transposed_zero", y=y, grad=x.grad)

b = torch.zeros(4); v1 = b[0:2]; v2 = b[1:3]; t = torch.tensor([5., 6.], requires_grad=True)
v1.copy_(t)
names = [type(v2.grad_fn).__name__]
(v2 * torch.tensor([2., 3.])).sum().backward()
show("sibling_view", names=names, grad=t.grad)

x = x4(); y = x * 1; w = torch.tensor([2., 3.], requires_grad=True)
y.narrow(0, 2, 2).mul_(w)
(y * y).sum().backward()
show("narrow_mul_other", y=y, grad=x.grad, grad_w=w.grad)

x = x4(); y = x * 1
try:
    with torch.no_grad():
        v = y[0:2]
    v.mul_(2)
    print("=== nograd_view\nerror none")
except RuntimeError as e:
    print("=== nograd_view\nerror", str(e).split("\n")[0])

x = x4(); y = x * 1
y[0:2].mul_(y[2:4])
try:
    y.sum().backward()
    print("=== self_alias\nerror none")
except RuntimeError as e:
    print("=== self_alias\nerror", str(e).split("\n")[0])

x = x4(); y = x * x
y[1:3].mul_(2)
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
g.sum().backward()
show("double_backward", g=g, gg=x.grad)
