# Expected values for NodeHooksTest: hooks on autograd nodes (grad_fn.register_prehook, grad_fn.register_hook) and
# on modules (register_full_backward_pre_hook, prepend=, always_call=, the global module hooks), as PyTorch runs them.
# Run: /usr/bin/python3 make_expected.py > strings.txt   (PyTorch 1.13 here; 2.x rules that 1.13 lacks are noted).
# Each line: key TAB value. Values are lists printed by fmt (float64 inputs, so every value prints exactly).
import torch

torch.set_default_dtype(torch.float64)
out = []


def put(key, value):
    out.append(f"{key}\t{value}")


def fmt(v):
    if v is None:
        return "None"
    if isinstance(v, torch.Tensor):
        return str(v.detach().reshape(-1).tolist())
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt(e) for e in v) + "]"
    return str(v)


def err(f):
    try:
        f()
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


def x3():
    return torch.tensor([1., 2., 3.], requires_grad=True)


def w3():
    return torch.tensor([4., 5., 6.], requires_grad=True)


# post-hook on MulBackward0 (scales x's gradient, drops w's) and on x's AccumulateGrad
x, w = x3(), w3()
y = x * w
seen = []
y.grad_fn.register_hook(lambda gi, go: (seen.append(("mul", fmt(gi), fmt(go))), (gi[0] * 10, None))[1])
y.grad_fn.next_functions[0][0].register_hook(lambda gi, go: seen.append(("acc", fmt(gi), fmt(go))))
y.sum().backward()
put("post.seen", fmt([list(s) for s in seen]).replace("'", ""))
put("post.x_grad", fmt(x.grad))
put("post.w_grad", fmt(w.grad))

# order: tensor hook, retain_grad, then the node's pre-hook (2.x's call_tensor_pre_hooks, then call_pre_hooks)
x = x3()
y = x * 2
y.register_hook(lambda g: g * 2)
y.retain_grad()  # 2.x runs retain_grad after every tensor hook; 1.13 in registration order: registered last here
y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
(y * y).sum().backward()
put("order.y_grad", fmt(y.grad))
put("order.x_grad", fmt(x.grad))

# a pre-hook that takes the gradient away: nothing flows through that node
x = x3()
y = x * 2
y.grad_fn.register_prehook(lambda go: (None,))
(y.sum() + x.sum()).backward()
put("none.x_grad", fmt(x.grad))

# removal
x = x3()
y = x * 2
calls = []
h = y.grad_fn.register_prehook(lambda go: calls.append(1))
h.remove()
h.remove()
y.sum().backward()
put("remove.calls", str(len(calls)))

# a multi-output node (unbind): its pre-hook and post-hook see None where no gradient came
a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
u = a.unbind(0)
seen = []
u[0].grad_fn.register_prehook(lambda go: seen.append(("pre", fmt(go))))
u[0].grad_fn.register_hook(lambda gi, go: seen.append(("post", fmt(gi), fmt(go))))
(u[1].sum() * 2).backward()
put("unbind.seen", fmt([list(s) for s in seen]).replace("'", ""))
put("unbind.a_grad", fmt(a.grad))

# errors
x = x3()
y = x * 2


def two(go):
    return (go[0], go[0])


y.grad_fn.register_prehook(two)
put("err.count", err(lambda: y.sum().backward()))
a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
u = a.unbind(0)
u[0].grad_fn.register_prehook(lambda go: (torch.ones(2), go[1]))
put("err.none", err(lambda: u[1].sum().backward()))
x, w = x3(), w3()
y = x * w


def resize(gi, go):
    return (torch.ones(4), None)


y.grad_fn.register_hook(resize)
put("err.size", err(lambda: y.sum().backward()))
x, w = x3(), w3()
y = x * w


def retype(gi, go):
    return (gi[0].float(), None)


y.grad_fn.register_hook(retype)
put("err.type", err(lambda: y.sum().backward()))
x, w = x3(), w3()
y = x * w
y.grad_fn.register_hook(lambda gi, go: (gi[0],))
put("err.post_count", err(lambda: y.sum().backward()))

# autograd.grad: hooks of nodes the pass does not run are not called (w's AccumulateGrad; x's is captured, not run)
x, w = x3(), w3()
y = x * w
calls = []
y.grad_fn.register_prehook(lambda go: calls.append("mul"))
y.grad_fn.next_functions[0][0].register_prehook(lambda go: calls.append("acc_x"))
y.grad_fn.next_functions[1][0].register_prehook(lambda go: calls.append("acc_w"))
gx, = torch.autograd.grad(y.sum(), [x])
put("grad.calls", fmt(calls).replace("'", ""))
put("grad.gx", fmt(gx))

# create_graph: a post-hook's scaling is part of the gradient's graph
x, w = x3(), w3()
y = x * w
y.grad_fn.register_hook(lambda gi, go: (None if gi[0] is None else gi[0] * 10, gi[1]))
gx, = torch.autograd.grad((y * y).sum(), [x], create_graph=True)
put("second.gx", fmt(gx))
gw, = torch.autograd.grad(gx.sum(), [w])
put("second.gw", fmt(gw))

for line in out:
    print(line)
