# Expected values for FuncTest.java (dev.ember.Func: torch.func's vmap, grad, grad_and_value, jacrev, jacfwd, hessian,
# stack_module_state), written by functorch 1.13 (the package torch.func became in 2.0, with the same functions and
# messages): each case "=== key", its inputs "in<i> <tensor>", results "out<k> <tensor>" (and "grad<i>" for gradients
# that an outer backward puts into captured tensors), or "error <Type> <message>". Tensors: "dtype [shape] : values".
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU with its functorch)
# Functions are written in Java as FuncTest's cases of the same key. Inputs are float64 from torch.manual_seed(0).
# Where the messages name the function, functorch prints its Python name (<lambda>, dot); Ember, whose functions are
# Java lambdas, writes "f": the script writes the message with that one substitution, marked "note".
import torch
import functorch
from functorch import vmap, grad, grad_and_value, jacrev, jacfwd, hessian
from torch.nn.utils.stateless import functional_call

torch.manual_seed(0)
D = torch.float64


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v)) for v in t.flatten().tolist())
    return f"{dtype} {shape} : {vals}"


def r(*shape):
    return torch.rand(shape, dtype=D) * 4 - 2


def case(key, inputs, fn, names=None):
    print("=== " + key)
    for i, t in enumerate(inputs):
        print(f"in{i} {fmt(t)}")
    try:
        out = fn(*inputs)
    except Exception as e:  # noqa: BLE001
        msg = str(e).split("\n")[0]
        for py in ("<lambda>", "dot", "add", "sum"):
            if msg.startswith("vmap(" + py):
                msg = "vmap(f" + msg[len("vmap(" + py):]
                print("note functorch names the Python function; Ember writes f")
        msg = msg.replace("`<lambda>`", "`f`")
        print(f"error {type(e).__name__} {msg}")
        return
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for k, o in enumerate(outs):
        print(f"out{k} {fmt(o)}")


# ---------------------------------------------------------------- vmap
case("vmap_dot", [r(3, 4), r(3, 4)], vmap(torch.dot))
case("vmap_in_dims_none_out1", [r(4, 3), r(4)], vmap(lambda a, b: a * b.exp() + 1, in_dims=(1, None), out_dims=1))
case("vmap_neg_in_dim", [r(2, 5)], vmap(lambda a: a.softmax(0), in_dims=(-1,)))
case("vmap_nested", [r(2, 3, 4), r(2, 4)], vmap(vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))))
case("vmap_multi_out", [r(3, 2, 2)], vmap(lambda a: (a.sum(), a @ a, a.t()), out_dims=(0, 1, -1)))
case("vmap_matmul_broadcast", [r(5, 2, 3), r(3, 4)], vmap(torch.matmul, in_dims=(0, None)))
case("vmap_reduction_keepdim", [r(3, 4, 2)], vmap(lambda a: a.mean(dim=1, keepdim=True) - a.amax(0), in_dims=(2,)))


def inplace_on_input(x):
    y = x.clone()
    vmap(lambda a: a.mul_(2).add_(1))(y)
    return y


case("vmap_inplace_on_mapped_input", [r(3, 2)], inplace_on_input)

# errors
case("vmap_err_sizes", [r(3, 4), r(2, 4)], vmap(torch.add))
case("vmap_err_unbatched", [r(3, 4), r(3, 4)], vmap(torch.add, in_dims=(None, None)))
case("vmap_err_in_dims_len", [r(3, 4), r(3, 4)], vmap(torch.add, in_dims=(0,)))
case("vmap_err_in_dim_range", [r(3, 4)], vmap(torch.sum, in_dims=(2,)))
case("vmap_err_in_dim_0dim", [torch.tensor(1.0, dtype=D)], vmap(lambda a: a, in_dims=(0,)))
case("vmap_err_random", [r(3, 4)], vmap(lambda a: a + torch.rand(4, dtype=D)))
case("vmap_err_dropout", [r(3, 4)], vmap(lambda a: torch.nn.functional.dropout(a, 0.5)))
case("vmap_err_out_dims_len", [r(3, 4)], vmap(lambda a: (a, a * 2), out_dims=(0,)))
case("vmap_err_out_dim_range", [r(3, 4)], vmap(lambda a: a * 2, out_dims=3))

# ---------------------------------------------------------------- grad
case("grad_cube", [r(3, 2)], grad(lambda a: (a ** 3).sum()))
case("grad_argnums", [r(3), r(3), r(3)], grad(lambda a, b, c: (a * b.sin() + c).sum(), argnums=(0, 2)))
case("grad_argnums_neg", [r(3), r(3)], grad(lambda a, b: (a * b * b).sum(), argnums=-1))
case("grad_unused_zero", [r(2), r(3)], grad(lambda a, b: a.square().sum(), argnums=(0, 1)))
case("grad_constant_zero", [r(2, 2)], grad(lambda a: torch.tensor(3.0, dtype=D)))
case("grad_and_value", [r(4)], grad_and_value(lambda a: a.exp().sum()))
case("grad_of_grad", [r(4)], grad(lambda a: grad(lambda b: (b ** 3).sum())(a).sum()))
x = r(3)
case("grad_same_tensor_twice", [x, x], grad(lambda a, b: (a * b.exp()).sum(), argnums=(0, 1)))
case("grad_err_nonscalar", [r(3, 2)], grad(lambda a: a * 2))
case("grad_err_int", [torch.tensor([1, 2, 3])], grad(lambda a: a.sum()))
case("grad_err_argnum_range", [r(2)], grad(lambda a: a.sum(), argnums=1))
case("grad_err_argnum_range_neg", [r(2)], grad(lambda a: a.sum(), argnums=-2))
case("grad_err_argnums_empty", [r(2)], grad(lambda a: a.sum(), argnums=()))
case("grad_err_argnums_dup", [r(2), r(2)], grad(lambda a, b: (a * b).sum(), argnums=(0, 0)))


# per-sample gradients of a small MLP, torch.func's tutorial form: vmap(grad(loss), in_dims=(None, None, 0, 0))
def mlp_case():
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)).double()
    xs = r(5, 4)
    ts = torch.tensor([0, 2, 1, 1, 0])
    names = [n for n, _ in model.named_parameters()]
    ps = [p.detach() for _, p in model.named_parameters()]

    def loss(w0, b0, w1, b1, x, t):
        out = functional_call(model, dict(zip(names, (w0, b0, w1, b1))), (x.unsqueeze(0),))
        return torch.nn.functional.cross_entropy(out, t.unsqueeze(0))

    print("=== per_sample_grads")
    for i, t in enumerate(ps + [xs, ts]):
        print(f"in{i} {fmt(t)}")
    g = vmap(grad(loss, argnums=(0, 1, 2, 3)), in_dims=(None, None, None, None, 0, 0))(*ps, xs, ts)
    for k, o in enumerate(g):
        print(f"out{k} {fmt(o)}")


mlp_case()


# a captured tensor that requires grad: grad's result keeps its graph, and an outer backward reaches it
def captured_case():
    a = r(3)
    w = r(3).requires_grad_()
    print("=== grad_captured_requires_grad")
    print(f"in0 {fmt(a)}")
    print(f"in1 {fmt(w)}")
    g = grad(lambda x: (x * w).pow(2).sum())(a)
    print(f"out0 {fmt(g)}")
    print(f"requires {g.requires_grad}")
    g.sum().backward()
    print(f"grad1 {fmt(w.grad)}")


captured_case()

# ---------------------------------------------------------------- Jacobians
case("jacrev_linear_sin", [r(3), r(2, 3)], jacrev(lambda a, m: m @ a.sin()))
case("jacrev_matrix_input", [r(2, 2)], jacrev(lambda a: a @ a))
case("jacrev_argnum1", [r(2), r(3)], jacrev(lambda a, b: torch.outer(a, b.exp()), argnums=1))
case("jacfwd_tanh", [r(4)], jacfwd(lambda a: a.tanh() * a))
case("jacrev_constant", [r(3)], jacrev(lambda a: torch.ones(2, dtype=D)))
case("hessian_quadratic", [r(3), r(3, 3)], hessian(lambda a, q: a @ q @ a))
case("hessian_sin", [r(4)], hessian(lambda a: a.sin().sum()))
case("jacrev_err_bool", [r(3)], jacrev(lambda a: a > 0))
case("jacrev_err_int_input", [torch.tensor([1, 2])], jacrev(lambda a: a * 2))

# ---------------------------------------------------------------- ensembles: stack_module_state + vmap(functional_call)
def ensemble_case():
    models = [torch.nn.Linear(3, 2).double() for _ in range(3)]
    fmodel, params, buffers = functorch.combine_state_for_ensemble(models)
    x = r(4, 3)
    print("=== ensemble")
    for i, m in enumerate(models):
        print(f"in{2 * i} {fmt(m.weight)}")
        print(f"in{2 * i + 1} {fmt(m.bias)}")
    print(f"in6 {fmt(x)}")
    out = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, x)
    print(f"out0 {fmt(params[0])}")
    print(f"out1 {fmt(params[1])}")
    print(f"out2 {fmt(out)}")


ensemble_case()


# ---------------------------------------------------------------- jvp and vjp (session 27; appended, so the inputs
# drawn above are unchanged)
from functorch import jvp, vjp  # noqa: E402

case("jvp_sin_mul", [r(3, 2), r(2), r(3, 2), r(2)], lambda a, b, ta, tb: jvp(lambda x, y: (x.sin() * y).sum(0), (a, b), (ta, tb)))
case("jvp_matmul", [r(2, 2), r(2, 2)], lambda a, t: jvp(lambda x: x @ x, (a,), (t,)))
case("jvp_unused", [r(3), r(2), r(3), r(2)], lambda a, b, ta, tb: jvp(lambda x, y: x.exp(), (a, b), (ta, tb)))
case("jvp_tangent_float32", [r(3), r(3).float()], lambda a, t: jvp(lambda x: x.tanh(), (a,), (t,)))
case("jvp_of_grad", [r(4), r(4)], lambda a, t: jvp(grad(lambda x: (x.sin() * x).sum()), (a,), (t,)))
case("grad_of_jvp", [r(3), r(3)], lambda a, t: grad(lambda x: jvp(lambda y: (y.sin() * y).sum(), (x,), (t,))[1])(a))
case("vmap_of_jvp", [r(4, 3), r(4, 3)], vmap(lambda a, t: jvp(lambda y: y.exp().sum(), (a,), (t,))[1]))
case("vjp_sin_mul", [r(3, 2), r(2), r(2)], lambda a, b, ct: (lambda o, fn: (o,) + fn(ct))(*vjp(lambda x, y: (x.sin() * y).sum(0), a, b)))
case("vjp_twice", [r(3), r(3), r(3)], lambda a, c1, c2: (lambda o, fn: fn(c1) + fn(c2))(*vjp(lambda x: x.exp() * x, a)))
case("vjp_cotangent_float32", [r(3), r(3).float()], lambda a, ct: vjp(lambda x: x.sin(), a)[1](ct))
case("grad_of_vjp", [r(3), r(3)], lambda a, ct: grad(lambda x: vjp(lambda y: y.sin() * y, x)[1](ct)[0].sum())(a))
case("jvp_err_structure", [r(3), r(2)], lambda a, b: jvp(lambda x, y: x.sum() + y.sum(), (a, b), (a,)))
case("jvp_err_size", [r(3), r(2)], lambda a, t: jvp(lambda x: x.sin(), (a,), (t,)))
case("jvp_err_int_tangent", [r(3), torch.tensor([1, 2, 3])], lambda a, t: jvp(lambda x: x.sin(), (a,), (t,)))
case("jvp_err_int_primal", [torch.tensor([1, 2, 3]), r(3)], lambda a, t: jvp(lambda x: x * 2, (a,), (t,)))
case("jvp_err_empty", [], lambda: jvp(lambda: torch.ones(1), (), ()))
case("vjp_err_shape", [r(3, 2), r(3)], lambda a, ct: vjp(lambda x: x.sum(0), a)[1](ct))
