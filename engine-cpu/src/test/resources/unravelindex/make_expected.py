"""Expected results of UnravelIndexTest: torch.unravel_index (PyTorch 2.2+; 1.13 has none), computed with 1.13's
ops exactly as 2.x's torch/functional.py _unravel_index computes it:
    coefs = reversed(accumulate(reversed(shape[1:] + (1,)), mul))
    indices.unsqueeze(-1).floor_divide(tensor(coefs, int64)) % tensor(shape, int64), unbound along the last dim
and its checks ("expected 'indices' to be integer dtype, but got {indices.dtype}", "'shape' cannot have negative
values, but got {tuple(shape)}"). Non-negative in-range cases are also checked against numpy.unravel_index.

Run from the repository root with /usr/bin/python3:
    /usr/bin/python3 engine-cpu/src/test/resources/unravelindex/make_expected.py
Format: "=== name", "indices DTYPE [shape] : values", "shape s0 s1 ...", then "out i [shape] : values" per result, or
"error MESSAGE".
"""
import itertools
import operator

import numpy
import torch

lines = []


def unravel(indices, shape):
    if indices.is_complex() or indices.is_floating_point() or indices.dtype == torch.bool:
        raise TypeError("expected 'indices' to be integer dtype, but got %s" % indices.dtype)
    if isinstance(shape, int):
        shape = torch.Size([shape])
    shape = torch.Size(shape)
    if not all(d >= 0 for d in shape):
        raise ValueError("'shape' cannot have negative values, but got %s" % (tuple(shape),))
    coefs = list(reversed(list(itertools.accumulate(reversed(shape[1:] + torch.Size([1])), func=operator.mul))))
    res = indices.unsqueeze(-1).floor_divide(torch.tensor(coefs, dtype=torch.int64)) % torch.tensor(shape,
                                                                                                   dtype=torch.int64)
    return res.unbind(-1)


def fmt(t):
    return '[%s] : %s' % (', '.join(str(s) for s in t.shape), ' '.join(str(int(v)) for v in t.reshape(-1).tolist()))


def case(name, indices, shape):
    lines.append('=== ' + name)
    lines.append('indices %s %s' % (str(indices.dtype).replace('torch.', ''), fmt(indices)))
    lines.append('shape ' + ' '.join(str(s) for s in ([shape] if isinstance(shape, int) else shape)))
    try:
        out = unravel(indices, shape)
    except (TypeError, ValueError) as e:
        lines.append('error ' + str(e))
        return
    if indices.dtype != torch.bool and not indices.is_floating_point() and (indices >= 0).all() and len(out) > 0:
        n = 1
        for s in ([shape] if isinstance(shape, int) else shape):
            n *= s
        if (indices < n).all():
            ref = numpy.unravel_index(indices.numpy(), [shape] if isinstance(shape, int) else shape)
            for a, b in zip(out, ref):
                assert (a.numpy() == b).all()
    for i, t in enumerate(out):
        lines.append('out %d %s' % (i, fmt(t)))


case('doc_pair', torch.tensor([4, 1]), (3, 2))
case('doc_range', torch.tensor([0, 1, 2, 3, 4, 5]), (3, 2))
case('doc_four_dims', torch.tensor([1234, 5678]), (10, 10, 10, 10))
case('doc_column', torch.tensor([[1234], [5678]]), (10, 10, 10, 10))
case('doc_hundreds', torch.tensor([[1234], [5678]]), (100, 100))
case('scalar_index', torch.tensor(7), (2, 4))
case('int_shape', torch.tensor([3, 9]), 5)
case('int32_indices', torch.tensor([5, 11, 0], dtype=torch.int32), (3, 4))
case('uint8_indices', torch.tensor([5, 250], dtype=torch.uint8), (16, 16))
case('negative_and_out_of_range', torch.tensor([-1, -7, 13, 100]), (2, 3))
case('float_indices', torch.tensor([1.0]), (2, 2))
case('bool_indices', torch.tensor([True]), (2, 2))
case('negative_shape', torch.tensor([1]), (2, -1))
case('negative_int_shape', torch.tensor([1]), -3)

with open('engine-cpu/src/test/resources/unravelindex/expected.txt', 'w') as f:
    f.write('\n'.join(lines) + '\n')
print(len(lines), 'lines')
