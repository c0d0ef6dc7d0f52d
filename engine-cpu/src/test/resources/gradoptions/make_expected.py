"""Expected values for GradOptionsTest: torch.autograd.grad's is_grads_batched and materialize_grads.

Run with /usr/bin/python3 (PyTorch 1.13): python3 make_expected.py > expected.txt
Each case: === name, then lines `x`, `w`, `go0`, `go1` (inputs and batched gradient outputs), and either `r<i>` (the
gradient of input i, `none` for an unused one; `rg<i>` true/false for its requires_grad) or `error <Type> <message>`.
`second` holds a second-order gradient where the case takes one.

materialize_grads is PyTorch 2.1's: 1.13 lacks it, so it is computed here as 2.x's torch.autograd.grad defines it
(allow_unused defaults to True, and each None result becomes torch.zeros_like(input, requires_grad=True)), and its
refusal with allow_unused=False is 2.x's message, written by hand.
"""
import torch

torch.set_printoptions(precision=17)
D = torch.float64


def fmt(t):
    t = t.detach()
    vals = ", ".join(repr(float(v)) for v in t.reshape(-1).tolist())
    return "%s %s : [%s]" % (str(t.dtype).replace("torch.", ""), list(t.shape), vals)


def leaf(vals, shape):
    return torch.tensor(vals, dtype=D).reshape(shape).requires_grad_(True)


def emit(name, fields, fn):
    print("=== " + name)
    for k, v in fields.items():
        print(k, fmt(v))
    try:
        res = fn()
    except Exception as e:  # noqa: BLE001
        print("error", type(e).__name__, str(e).replace("\n", " "))
        return
    for k, v in res.items():
        if v is None:
            print(k, "none")
        elif isinstance(v, torch.Tensor):
            print(k, fmt(v))
            print("rg" + k[1:], "true" if v.requires_grad else "false")
        else:
            print(k, v)


def materialize(res, inputs):
    return tuple(r if r is not None else torch.zeros_like(i, requires_grad=True) for r, i in zip(res, inputs))


x = leaf([0.5, -1.25, 2.0], [3])
w = leaf([1.5, -0.75], [2])
eye = torch.eye(3, dtype=D)
go4 = torch.tensor([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0], [-2.0, 1.0, 1.0], [0.25, -0.5, 4.0]], dtype=D)
go4b = torch.arange(24, dtype=D).reshape(4, 3, 2) / 7 - 1


def two(go0, go1, **kw):
    y1 = x.sin() * w[0]
    y2 = torch.outer(x, w).tanh()
    return torch.autograd.grad([y1, y2], [x, w], [go0, go1], is_grads_batched=True, **kw)


emit("batched-jacobian", {"x": x, "go0": eye},
     lambda: dict(zip(["r0"], torch.autograd.grad(x ** 3, x, eye, is_grads_batched=True))))
emit("batched-two-outputs", {"x": x, "w": w, "go0": go4, "go1": go4b},
     lambda: dict(zip(["r0", "r1"], two(go4, go4b))))
emit("batched-unused", {"x": x, "w": w, "go0": go4},
     lambda: dict(zip(["r0", "r1"], torch.autograd.grad(x.exp(), [x, w], go4, is_grads_batched=True, allow_unused=True))))


def second_order():
    g, = torch.autograd.grad((x ** 3) * x.sin(), x, go4, is_grads_batched=True, create_graph=True)
    s, = torch.autograd.grad((g * g).sum(), x)
    return {"r0": g, "second": fmt(s)}


emit("batched-create-graph-second-order", {"x": x, "go0": go4}, second_order)
emit("batched-float32-grad-output", {"x": x, "go0": go4.float()},
     lambda: dict(zip(["r0"], torch.autograd.grad(x * x, x, go4.float(), is_grads_batched=True))))


def retained():
    y = x.cos() * 2
    torch.autograd.grad(y, x, go4, is_grads_batched=True, retain_graph=True)
    return dict(zip(["r0"], torch.autograd.grad(y, x, go4, is_grads_batched=True)))


def freed():
    y = x.cos() * 2
    torch.autograd.grad(y, x, go4, is_grads_batched=True)
    return dict(zip(["r0"], torch.autograd.grad(y, x, go4, is_grads_batched=True)))


emit("batched-retain-graph", {"x": x, "go0": go4}, retained)
emit("batched-graph-freed", {"x": x, "go0": go4}, freed)
emit("batched-batch-sizes-differ", {"x": x, "w": w, "go0": go4, "go1": go4b[:3]}, lambda: two(go4, go4b[:3]))
emit("batched-empty-batch", {"x": x, "go0": go4[:0]},
     lambda: torch.autograd.grad(x * 2, x, go4[:0], is_grads_batched=True))
emit("batched-scalar-output-no-grad-output", {"x": x},
     lambda: torch.autograd.grad((x * 2).sum(), x, None, is_grads_batched=True))
emit("batched-size-one-output-no-grad-output", {"x": x},
     lambda: torch.autograd.grad((x * 2).sum().reshape(1, 1), x, None, is_grads_batched=True))
# PyTorch 2.x's message prints grad_output[0][0]'s shape less its first size (torch.Size([]) here, for a [2, 4]
# batch against an output of [3]): it strips the batch dimension twice. Ember names the shape it compared, the batch's
# remaining sizes [4], in the same words; written by hand.
print("=== batched-shape-mismatch")
print("x", fmt(x))
print("go0", fmt(torch.ones(2, 4, dtype=D)))
try:
    torch.autograd.grad(x * 2, x, torch.ones(2, 4, dtype=D), is_grads_batched=True)
except RuntimeError as e:
    msg = str(e)
    assert "torch.Size([])" in msg, msg
    print("error RuntimeError", msg.replace("grad_output[0] has a shape of torch.Size([])",
                                             "grad_output[0] has a shape of torch.Size([4])"))

emit("materialize-unused", {"x": x, "w": w},
     lambda: dict(zip(["r0", "r1"], materialize(torch.autograd.grad((x * x).sum(), [x, w], allow_unused=True), [x, w]))))
emit("materialize-batched-unused", {"x": x, "w": w, "go0": go4},
     lambda: dict(zip(["r0", "r1"], materialize(
         torch.autograd.grad(x.exp(), [x, w], go4, is_grads_batched=True, allow_unused=True), [x, w]))))
print("=== materialize-allow-unused-false")
print("x", fmt(x))
print("w", fmt(w))
print("error ValueError Expected allow_unused to be True or not passed when materialize_grads=True, "
      "but got: allow_unused=False.")
