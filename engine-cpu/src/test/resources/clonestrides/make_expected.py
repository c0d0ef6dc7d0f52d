# Writes expected.txt for CloneStridesTest.java: the strides of clone() (memory_format=torch.preserve_format) and of
# contiguous() on views PyTorch makes (transposed, permuted, channels-last, expanded, sliced with gaps, 0-dim, empty,
# size-1 dimensions), the values and the gradient of sum(clone(view(x)) * w), and the strides of the ops whose copies
# follow clone's rule (torch.tensor(t)) or ask for a contiguous one (rot90 by 4, matrix_power 0 and 1,
# repeat_interleave, contiguous). (Out-of-place index_put also keeps the layout in PyTorch, self.clone(preserve);
# Ember's tensor-index path writes a row-major result of its own, so it is not among these.)
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; clone, empty_like's preserve_format rule and
# these ops' strides are the same in 2.x: TensorFactories.cpp clone, empty_like with infer_dense_strides)
#
# Each case: "=== name", then
#   base <dtype> [shape]                  the input x: seq values (below), requires grad
#   recipe <op>|<op>...                   the view of x: t, transpose a b, permute ..., slice d start end step,
#                                         expand ..., select d i, contig (contiguous()), cl (channels-last copy)
#   view [shape] (strides)                the view's strides
#   clone [shape] (strides)               x.clone()'s strides
#   contiguous (strides)                  view.contiguous()'s strides
#   out <dtype> [shape] : values          the clone's values
#   fn <name>                             the clone's grad_fn
#   grad <dtype> [shape] : values         d sum(clone * w) / dx, w[k] = 1 + 0.5 ((3k) mod 11)
#   op <name> (strides)                   the strides of another op's result on the view (where it applies)
import torch

D = torch.float64


def seq(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k) % 19 - 9) * 0.25 for k in range(n)], dtype=D).reshape(shape).to(dtype)


def apply(x, recipe):
    for step in recipe.split('|') if recipe else []:
        w = step.split()
        a = [int(v) for v in w[1:]]
        if w[0] == 't':
            x = x.t()
        elif w[0] == 'transpose':
            x = x.transpose(a[0], a[1])
        elif w[0] == 'permute':
            x = x.permute(*a)
        elif w[0] == 'slice':
            x = x[(slice(None),) * a[0] + (slice(a[1], a[2], a[3]),)]
        elif w[0] == 'expand':
            x = x.expand(*a)
        elif w[0] == 'select':
            x = x.select(a[0], a[1])
        elif w[0] == 'contig':
            x = x.contiguous()
        elif w[0] == 'cl':
            x = x.contiguous(memory_format=torch.channels_last if x.dim() == 4 else torch.channels_last_3d)
        else:
            raise ValueError(step)
    return x


def fmt(t):
    v = t.detach().reshape(-1).tolist()
    name = {torch.float64: 'float64', torch.float32: 'float32'}[t.dtype]
    return '%s [%s] : %s' % (name, ', '.join(map(str, t.shape)), ' '.join(repr(float(e)) for e in v))


def strides(t):
    return '(%s)' % ', '.join(map(str, t.stride()))


def shape(t):
    return '[%s]' % ', '.join(map(str, t.shape))


def weights(n):
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D)


CASES = [
    ('contiguous', [3, 4], D, ''),
    ('transposed', [3, 4], D, 't'),
    ('transposed float32', [3, 4], torch.float32, 't'),
    ('permuted', [2, 3, 4, 5], D, 'permute 2 0 3 1'),
    ('channels-last', [2, 3, 4, 5], D, 'cl'),
    ('channels-last sliced height', [2, 3, 4, 5], D, 'cl|slice 2 0 4 2'),
    ('channels-last sliced channels', [2, 3, 4, 5], D, 'cl|slice 1 0 3 2'),
    ('channels-last-3d sliced', [2, 3, 4, 5, 3], D, 'cl|slice 4 0 3 2'),
    ('expanded', [3, 1], D, 'expand 3 4'),
    ('expanded transposed', [1, 3], D, 'expand 4 3|t'),
    ('expanded in the middle, permuted', [4, 1, 5], D, 'expand 4 3 5|permute 2 1 0'),
    ('transposed, sliced with gaps', [6, 5], D, 't|slice 1 0 6 2'),
    ('sliced rows, transposed', [8, 6], D, 'slice 0 0 8 2|t'),
    ('permuted, sliced', [4, 6, 5], D, 'permute 2 0 1|slice 1 0 6 2'),
    ('rows with an offset', [5, 4], D, 'slice 0 1 4 1'),
    ('columns with an offset', [4, 5], D, 'slice 1 1 4 1'),
    ('size-1 dimensions permuted', [3, 1, 4], D, 'permute 2 1 0'),
    ('0-dim', [], D, ''),
    ('0-dim selected', [3], D, 'select 0 1'),
    ('empty transposed', [0, 3], D, 't'),
    ('empty permuted', [2, 0, 3], D, 'permute 2 0 1'),
    ('1-d with gaps', [9], D, 'slice 0 1 9 3'),
]

for name, base, dtype, recipe in CASES:
    x = seq(base, dtype).requires_grad_()
    v = apply(x, recipe)
    c = v.clone()
    print('=== ' + name)
    print('base %s [%s]' % ('float64' if dtype == D else 'float32', ', '.join(map(str, base))))
    print('recipe ' + recipe)
    print('view %s %s' % (shape(v), strides(v)))
    print('clone %s %s' % (shape(c), strides(c)))
    print('contiguous ' + strides(v.contiguous()))
    print('out ' + fmt(c))
    print('fn ' + type(c.grad_fn).__name__)
    (c * weights(c.numel()).reshape(c.shape).to(dtype)).sum().backward()
    print('grad ' + fmt(x.grad))
    with torch.no_grad():
        print('op tensor ' + strides(torch.tensor(v)))
        if v.dim() >= 1 and v.numel() > 0:
            print('op repeat_interleave ' + strides(v.repeat_interleave(2, 0)))
        if v.dim() >= 2:
            print('op rot90_4 ' + strides(v.rot90(4, [0, 1])))
            print('op rot90_0 ' + strides(v.rot90(0, [0, 1])))
        if v.dim() >= 2 and v.shape[-1] == v.shape[-2]:
            print('op matrix_power_0 ' + strides(torch.linalg.matrix_power(v, 0)))
            print('op matrix_power_1 ' + strides(torch.linalg.matrix_power(v, 1)))
    print()
