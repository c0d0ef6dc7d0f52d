"""Expected results of WeightNormLegacyTest: torch.nn.utils.weight_norm / remove_weight_norm (the hook-based weight
normalization; 1.13's torch/nn/utils/weight_norm.py is 2.x's but for 2.x's FutureWarning, "`torch.nn.utils.weight_norm`
is deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`.", which the test checks by its words).

Run from the repository root with /usr/bin/python3 (PyTorch 1.13):
    /usr/bin/python3 engine-cpu/src/test/resources/weightnormlegacy/make_expected.py
Format: "=== case", then "init NAME [shape] : values" (the layer's weights before weight_norm), "x [shape] : values"
(the input), and the results: "keys k1 k2 ..." (named_parameters after weight_norm), "p NAME [shape] : values",
"node NAME" (grad_fn of module.<name>), "out [shape] : values" (forward), "grad NAME [shape] : values" (after
backward of sum(out * w), w = 1 + 0.5 * ((3k) mod 11) over the flat output), "stepped NAME ..." (after one SGD step,
lr 0.1), "out2 ..." (forward after the step), "removed_keys ..." and "removed NAME ..." (after remove_weight_norm),
"state k1 k2 ..." (state_dict keys), or "error MESSAGE".
"""
import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
lines = []


def fmt(t):
    t = t.detach()
    return '[%s] : %s' % (', '.join(str(s) for s in t.shape), ' '.join(repr(float(v)) for v in t.reshape(-1).tolist()))


def weights(n):
    return 1 + 0.5 * ((3 * torch.arange(n)) % 11)


def program(name, make, x, dim, pname='weight'):
    lines.append('=== ' + name)
    m = make()
    for k, v in m.named_parameters():
        lines.append('init %s %s' % (k, fmt(v)))
    lines.append('x ' + fmt(x))
    if dim == 'default':
        torch.nn.utils.weight_norm(m, pname)
    else:
        torch.nn.utils.weight_norm(m, pname, dim)
    lines.append('keys ' + ' '.join(k for k, _ in m.named_parameters()))
    for k, v in m.named_parameters():
        lines.append('p %s %s' % (k, fmt(v)))
    lines.append('node ' + type(getattr(m, pname).grad_fn).__name__)
    out = m(x)
    lines.append('out ' + fmt(out))
    (out * weights(out.numel()).reshape(out.shape)).sum().backward()
    for k, v in m.named_parameters():
        lines.append('grad %s %s' % (k, fmt(v.grad)))
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    opt.step()
    for k, v in m.named_parameters():
        lines.append('stepped %s %s' % (k, fmt(v)))
    lines.append('out2 ' + fmt(m(x)))
    lines.append('state ' + ' '.join(m.state_dict().keys()))
    torch.nn.utils.remove_weight_norm(m, pname)
    lines.append('removed_keys ' + ' '.join(k for k, _ in m.named_parameters()))
    for k, v in m.named_parameters():
        lines.append('removed %s %s' % (k, fmt(v)))
    lines.append('out3 ' + fmt(m(x)))


program('linear_default', lambda: torch.nn.Linear(4, 3), torch.randn(2, 4), 'default')
program('conv1d_dim_none', lambda: torch.nn.Conv1d(2, 3, 3), torch.randn(1, 2, 5), None)
program('conv1d_dim_2', lambda: torch.nn.Conv1d(2, 3, 3), torch.randn(1, 2, 5), 2)
program('conv2d_dim_1', lambda: torch.nn.Conv2d(2, 3, 2, bias=False), torch.randn(1, 2, 3, 3), 1)
program('linear_bias_dim_0', lambda: torch.nn.Linear(3, 2), torch.randn(2, 3), 0, 'bias')


def error(name, fn):
    lines.append('=== ' + name)
    try:
        fn()
        raise AssertionError('no error: ' + name)
    except (RuntimeError, ValueError, KeyError, AttributeError) as e:
        lines.append('error ' + (repr(e.args[0]) if isinstance(e, KeyError) else str(e)).replace('\n', '\\n'))


def twice():
    m = torch.nn.Linear(4, 3)
    torch.nn.utils.weight_norm(m)
    torch.nn.utils.weight_norm(m)


error('error_twice', twice)
error('error_remove_without', lambda: torch.nn.utils.remove_weight_norm(torch.nn.Linear(4, 3)))
error('error_no_attribute', lambda: torch.nn.utils.weight_norm(torch.nn.Linear(4, 3), 'foo'))
error('error_buffer', lambda: torch.nn.utils.weight_norm(torch.nn.BatchNorm1d(3), 'running_mean'))

with open('engine-cpu/src/test/resources/weightnormlegacy/expected.txt', 'w') as f:
    f.write('\n'.join(lines) + '\n')
print(len(lines), 'lines')
