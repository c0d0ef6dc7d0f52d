"""Expected results of FuncTreeTest: torch.func's transforms over pytrees (dicts, lists, tuples of tensors) and
has_aux, from functorch 1.13 (the same API and rules as 2.x's torch.func for everything used here).

Run from the repository root with /usr/bin/python3 (PyTorch 1.13 with functorch):
    /usr/bin/python3 engine-cpu/src/test/resources/functree/make_expected.py
Format: "=== case", then "in NAME [shape] : values" for each input tensor (float64), "out PATH [shape] : values" for
each tensor of the result, PATH the leaf's place in the result tree ([0] for a tuple or list item, ['k'] for a dict
entry), "const PATH value" for a leaf that is no tensor, or "error MESSAGE". Transformed functions are named f so that
vmap's messages read "vmap(f, ...)", as Ember's do (a Java lambda has no name).
"""
import functorch
import torch
from functorch import grad, grad_and_value, vmap, vjp, jvp, jacrev, jacfwd, hessian
from torch.nn.utils.stateless import functional_call

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(0)
lines = []


def rnd(*shape):
    return torch.randn(*shape, generator=g)


def fmt(t):
    return '[%s] : %s' % (', '.join(str(s) for s in t.shape), ' '.join(repr(float(v)) for v in t.reshape(-1).tolist()))


def walk(tree, path, out):
    if isinstance(tree, dict):
        for k, v in tree.items():
            walk(v, path + "['%s']" % k, out)
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            walk(v, path + '[%d]' % i, out)
    elif isinstance(tree, torch.Tensor):
        out.append('out %s %s' % (path, fmt(tree.detach())))
    else:
        out.append('const %s %r' % (path, tree))


def case(name, inputs, fn):
    lines.append('=== ' + name)
    for k, v in inputs.items():
        lines.append('in %s %s' % (k, fmt(v)))
    try:
        walk(fn(**inputs), '', lines)
    except (RuntimeError, ValueError) as e:
        lines.append('error ' + str(e).replace('\n', ' '))


mlp = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
params = {k: rnd(*v.shape) for k, v in mlp.named_parameters()}
P = {'p_' + k.replace('.', '_'): v for k, v in params.items()}


def unpack(kw):
    return {k[2:].replace('_', '.'): kw[k] for k in ['p_0_weight', 'p_0_bias', 'p_2_weight', 'p_2_bias']}


def per_sample(**kw):
    def f(p, b, x, t):
        out = functional_call(mlp, {**p, **b}, (x.unsqueeze(0),))  # 2.x: (p, b)
        return torch.nn.functional.cross_entropy(out, t.unsqueeze(0))
    return vmap(grad(f), in_dims=(None, None, 0, 0))(unpack(kw), {}, kw['x'], kw['t'].long())


case('per_sample_grads', dict(P, x=rnd(6, 4), t=torch.tensor([0., 2., 1., 1., 0., 2.])), per_sample)


def grad_aux(**kw):
    def f(p, x):
        out = functional_call(mlp, p, (x,))
        return out.pow(2).mean(), {'logits': out, 'hidden': [out.sum(1)]}
    return grad(f, has_aux=True)(unpack(kw), kw['x'])


case('grad_has_aux', dict(P, x=rnd(2, 4)), grad_aux)


def gv_argnums(**kw):
    def f(a, s, b):
        return (a['u'] * b[0]).sum() * s + b[1].exp().sum(), (a['u'] * 2,)
    return grad_and_value(f, argnums=(0, 2), has_aux=True)({'u': kw['u']}, 1.5, [kw['v'], kw['w']])


case('grad_and_value_argnums_aux', dict(u=rnd(3), v=rnd(3), w=rnd(2)), gv_argnums)


def ensemble(**kw):
    models = [torch.nn.Linear(3, 2) for _ in range(3)]
    for i, m in enumerate(models):
        with torch.no_grad():
            m.weight.copy_(kw['w%d' % i])
            m.bias.copy_(kw['b%d' % i])
    # 2.x's torch.func.stack_module_state (1.13 has none): each parameter stacked along a new dimension 0
    sp = {k: torch.stack([dict(m.named_parameters())[k] for m in models]).detach() for k in ['weight', 'bias']}
    sb = {}

    def f(p, b, x):
        return functional_call(models[0], {**p, **b}, (x,))  # 2.x: (p, b)
    return vmap(f, in_dims=(0, 0, None))(sp, sb, kw['x'])


case('ensemble', dict(w0=rnd(2, 3), b0=rnd(2), w1=rnd(2, 3), b1=rnd(2), w2=rnd(2, 3), b2=rnd(2), x=rnd(4, 3)),
     ensemble)


def vjp_multi(**kw):
    def f(p):
        return {'y': p['w'] @ p['b'], 'z': [p['b'].sin(), (p['w'] * 2).float()]}
    out, fn = vjp(f, {'w': kw['w'], 'b': kw['b']})
    return out, fn({'y': kw['cy'], 'z': [kw['cz'], kw['cw'].float()]})


case('vjp_tree_multi_output', dict(w=rnd(2, 3), b=rnd(3), cy=rnd(2), cz=rnd(3), cw=rnd(2, 3)), vjp_multi)


def vjp_aux(**kw):
    def f(x, y):
        return x * y[0], {'m': x.mean()}
    out, fn, aux = vjp(f, kw['x'], [kw['y']], has_aux=True)
    return out, fn(kw['c']), aux


case('vjp_has_aux', dict(x=rnd(3), y=rnd(3), c=rnd(3)), vjp_aux)


def jvp_tree(**kw):
    def f(x, d):
        return (x * d['a'], (x.sin() * d['a']).sum())
    return jvp(f, (kw['x'], {'a': kw['a']}), (kw['tx'], {'a': kw['ta']}))


case('jvp_tree', dict(x=rnd(3), a=rnd(3), tx=rnd(3), ta=rnd(3)), jvp_tree)


def jvp_aux(**kw):
    def f(x):
        return x.exp(), [x.cos()]
    return jvp(f, (kw['x'],), (kw['t'],), has_aux=True)


case('jvp_has_aux', dict(x=rnd(3), t=rnd(3)), jvp_aux)


def jac_dict(**kw):
    def f(p):
        return p['w'] @ p['b']
    return jacrev(f)({'w': kw['w'], 'b': kw['b']})


case('jacrev_dict', dict(w=rnd(2, 3), b=rnd(3)), jac_dict)


def jac_multi(**kw):
    def f(x, p):
        return {'s': (p['a'] * x).sum(), 'v': [p['a'].exp() * x[0]]}
    return jacfwd(f, argnums=1, has_aux=False)(kw['x'], {'a': kw['a']})


case('jacfwd_multi_output', dict(x=rnd(3), a=rnd(3)), jac_multi)


def jac_aux(**kw):
    def f(x):
        return x.sin(), {'c': x.cos()}
    return jacrev(f, has_aux=True)(kw['x'])


case('jacrev_has_aux', dict(x=rnd(3)), jac_aux)


def hess(**kw):
    def f(p):
        return (p['a'] * p['b'].exp()).sum() + p['a'].pow(3).sum()
    return hessian(f)({'a': kw['a'], 'b': kw['b']})


case('hessian_dict', dict(a=rnd(2), b=rnd(2)), hess)


def vmap_out(**kw):
    def f(d):
        return d['a'] * d['b'], d['a'].sum()
    return vmap(f, in_dims=({'a': 0, 'b': None},), out_dims=(1, 0))({'a': kw['a'], 'b': kw['b']})


case('vmap_in_out_dims_trees', dict(a=rnd(4, 3), b=rnd(3)), vmap_out)


def vmap_dict_out(**kw):
    def f(x, s):
        return {'y': x * s, 'z': [x, x + 1]}
    return vmap(f, in_dims=(0, None))(kw['x'], 2.0)


case('vmap_dict_output_const_arg', dict(x=rnd(3, 2)), vmap_dict_out)


def maml(**kw):
    def loss(p, x):
        return (x @ p['w'] + p['b']).tanh().pow(2).sum()

    def f(p, x):
        g1 = grad(loss)(p, x)
        q = {k: p[k] - 0.1 * g1[k] for k in p}
        return loss(q, x)
    return grad(f)({'w': kw['w'], 'b': kw['b']}, kw['x'])


case('maml_second_order', dict(w=rnd(3, 2), b=rnd(2), x=rnd(4, 3)), maml)

x3 = rnd(3)
case('error_aux_not_tuple', dict(x=x3), lambda x: grad(lambda p: p['a'].sum(), has_aux=True)({'a': x}))
case('error_grad_nontensor_arg', dict(x=x3), lambda x: grad(lambda p, s: p.sum() * s, argnums=1)(x, 2.0))
case('error_grad_dict_nontensor_leaf', dict(x=x3), lambda x: grad(lambda p: p['a'].sum())({'a': x, 'b': 3}))
case('error_grad_returns_float', dict(x=x3), lambda x: grad(lambda p: 1.5)({'a': x}))


def vm(name, in_dims, *args, out_dims=0, body=None):
    def f(*a):
        return body(*a)
    return vmap(f, in_dims=in_dims, out_dims=out_dims)(*args)


case('error_vmap_nontensor_in0', dict(x=x3), lambda x: vm('f', (0, 0), x, 2.0, body=lambda a, s: a * s))
case('error_vmap_in_dims_struct', dict(x=x3), lambda x: vm('f', ({'b': 0},), {'a': x}, body=lambda p: p['a']))
case('error_vmap_in_dims_len', dict(x=x3), lambda x: vm('f', (0,), x, x, body=lambda a, b: a))
case('error_vmap_out_struct', dict(x=x3), lambda x: vm('f', 0, x, out_dims=(0, 0, 0), body=lambda a: (a, a)))
case('error_vmap_returns_int', dict(x=x3), lambda x: vm('f', 0, x, body=lambda a: (a, 1)))
case('error_vmap_in_dims_none', dict(x=x3), lambda x: vm('f', None, x, body=lambda a: a))
case('error_vjp_aux_not_tuple', dict(x=x3), lambda x: vjp(lambda a: a * 2, x, has_aux=True))
case('error_vjp_cotangent_structure', dict(x=x3), lambda x: vjp(lambda a: (a * 2, a * 3), x)[1](torch.ones(3)))


def cotangent_shape(x):
    # 1.13 fails here before its shape check (functorch's vjp_fn hands the flat outputs and cotangents to
    # torch.autograd.grad, whose 1.13 _make_grads looks the index up with grads.index(grad): "Boolean value of Tensor
    # with more than one value is ambiguous"); 2.x's _make_grads enumerates, so its message for the second output is
    # written here in 2.x's words, with 1.13's shapes
    a = x.clone().requires_grad_()
    outs = (a * 2, a[:2])
    cts = (torch.ones(3), torch.ones(3))
    for i, (o, c) in enumerate(zip(outs, cts)):
        if o.shape != c.shape:
            raise RuntimeError('Mismatch in shape: grad_output[%d] has a shape of %s and output[%d] has a shape of %s.'
                               % (i, c.shape, i, o.shape))
    raise AssertionError('no mismatch')


case('error_vjp_cotangent_shape', dict(x=x3), cotangent_shape)
case('error_aux_not_tensors', dict(x=x3), lambda x: grad(lambda a: (a.sum(), {'note': 'mse'}), has_aux=True)(x))
case('error_vjp_aux_not_tensors', dict(x=x3), lambda x: vjp(lambda a: (a * 2, [a, 1.5]), x, has_aux=True))
case('error_jvp_structure', dict(x=x3), lambda x: jvp(lambda a, b: a, (x, {'a': x}), (x, [x])))

with open('engine-cpu/src/test/resources/functree/expected.txt', 'w') as fh:
    fh.write('\n'.join(lines) + '\n')
print(len(lines), 'lines')
