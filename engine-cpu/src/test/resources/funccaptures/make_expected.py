"""Expected results of FuncCapturesTest's programs: functorch's refusal to change a captured tensor in place inside a
gradient transform (at/functorch/ADInterpreters.cpp, checkForInvalidMutationOnCaptures: the 2.x check and message,
already in 1.13's functorch), and the writes it allows.

Run from the repository root with /usr/bin/python3 (PyTorch 1.13 with functorch):
    /usr/bin/python3 engine-cpu/src/test/resources/funccaptures/make_expected.py
Each case prints "=== NAME", then "error MESSAGE" for a refused program, or "value NAME v1 v2 ..." lines (float64,
repr) for one that runs; every captured tensor is printed after the call as well, so a refusal is seen to leave it
unchanged.
"""
import functorch
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
out = []


def f64(*v):
    return torch.tensor(v, dtype=torch.float64)


def emit(name, fn):
    out.append('=== ' + name)
    try:
        for k, v in fn():
            out.append('value %s %s' % (k, ' '.join(repr(float(e)) for e in v.detach().reshape(-1).tolist())))
    except RuntimeError as e:
        out.append('error ' + str(e).replace('\n', ' '))


X = lambda: f64(0.5, -1.25, 2.0)


def captured_add():
    c = f64(1., 2., 3.)
    try:
        functorch.grad(lambda x: (c.add_(1.), (x * c).sum())[1])(X())
    finally:
        out.append('value c ' + ' '.join(repr(v) for v in c.tolist()))
    return []


def captured_view():
    c = f64(1., 2., 3.)
    try:
        functorch.grad(lambda x: (c[0:2].mul_(2.), (x * c).sum())[1])(X())
    finally:
        out.append('value c ' + ' '.join(repr(v) for v in c.tolist()))
    return []


def captured_no_grad():
    c = f64(1., 2., 3.)

    def f(x):
        with torch.no_grad():
            c.mul_(2)
        return (x * c).sum()
    functorch.grad(f)(X())
    return []


def fresh_and_results():
    def f(x):
        y = torch.zeros(3)
        y.add_(1.)
        z = x * 2
        z[1:].mul_(3.)
        z.exp_()
        return (z * y).sum()
    return [('grad', functorch.grad(f)(X()))]


def input_leaf():
    functorch.grad(lambda x: x.add_(1.).sum())(X())
    return []


def not_argnum():
    functorch.grad(lambda x, y: (y.add_(1.), (x * y).sum())[1], argnums=0)(X(), f64(1., 2., 3.))
    return []


def argnum_second():
    return [('grad', functorch.grad(lambda x, y: (x * y).exp().sum(), argnums=1)(X(), f64(1., 2., 3.)))]


def vjp_captured():
    c = f64(1., 2., 3.)
    functorch.vjp(lambda x: (c.sub_(1.), x * c)[1], X())
    return []


def jvp_captured():
    c = f64(1., 2., 3.)
    functorch.jvp(lambda x: (c.clamp_(0., 1.), x * c)[1], (X(),), (X(),))
    return []


def jacrev_captured():
    c = f64(1., 2., 3.)
    functorch.jacrev(lambda x: (c.zero_(), x * c)[1])(X())
    return []


def hessian_captured():
    c = f64(1., 2., 3.)
    functorch.hessian(lambda x: (c.fill_(2.), (x * x * c).sum())[1])(X())
    return []


def nested_outer_tensor():
    def outer(x):
        t = x * 2

        def inner(y):
            t.add_(1.)
            return (y * t).sum()
        return functorch.grad(inner)(x).sum()
    functorch.grad(outer)(X())
    return []


def nested_inner_result():
    def outer(x):
        g = functorch.grad(lambda y: (y ** 3).sum())(x)
        g.mul_(2.)
        return (g * x).sum()
    return [('grad', functorch.grad(outer)(X()))]


def batchnorm_module():
    torch.manual_seed(0)
    bn = torch.nn.BatchNorm1d(3)
    functorch.grad(lambda x: bn(x).pow(2).sum())(torch.randn(4, 3))
    return []


def batchnorm_functional():
    rm = torch.zeros(3)
    rv = torch.ones(3)
    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.0, 2.5, 1.0]])
    g = functorch.grad(lambda x: F.batch_norm(x, rm, rv, training=True, momentum=0.1).pow(2).mul(
        torch.arange(12.).reshape(4, 3)).sum())(x)
    return [('grad', g), ('running_mean', rm), ('running_var', rv)]


def instancenorm_running():
    rm = torch.zeros(2)
    rv = torch.ones(2)
    x = torch.tensor([[[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]])
    functorch.grad(lambda x: F.instance_norm(x, rm, rv, use_input_stats=True).pow(2).sum())(x)
    return []


def init_captured():
    w = torch.empty(3)
    functorch.grad(lambda x: (torch.nn.init.uniform_(w), (x * w).sum())[1])(X())
    return []


def requires_grad_captured():
    c = f64(1., 2., 3.)
    g = functorch.grad(lambda x: (c.requires_grad_(), (x * c).sum())[1])(X())
    return [('grad', g)]


def index_put_captured():
    c = f64(1., 2., 3.)

    def f(x):
        c[torch.tensor([0, 2])] = 5.
        return (x * c).sum()
    functorch.grad(f)(X())
    return []


def detached_captured():
    c = f64(1., 2., 3.)
    functorch.grad(lambda x: (c.detach().add_(1.), (x * c).sum())[1])(X())
    return []


for name, fn in [('captured_add', captured_add), ('captured_view', captured_view),
                 ('captured_no_grad', captured_no_grad), ('fresh_and_results', fresh_and_results),
                 ('input_leaf', input_leaf), ('not_argnum', not_argnum), ('argnum_second', argnum_second),
                 ('vjp_captured', vjp_captured), ('jvp_captured', jvp_captured),
                 ('jacrev_captured', jacrev_captured), ('hessian_captured', hessian_captured),
                 ('nested_outer_tensor', nested_outer_tensor), ('nested_inner_result', nested_inner_result),
                 ('batchnorm_module', batchnorm_module), ('batchnorm_functional', batchnorm_functional),
                 ('instancenorm_running', instancenorm_running), ('init_captured', init_captured),
                 ('requires_grad_captured', requires_grad_captured), ('index_put_captured', index_put_captured),
                 ('detached_captured', detached_captured)]:
    emit(name, fn)

with open('engine-cpu/src/test/resources/funccaptures/expected.txt', 'w') as f:
    f.write('\n'.join(out) + '\n')
print(len(out), 'lines')
