#!/usr/bin/env python3
"""Writes expected.txt for SpecialPolynomialScalarTest (run with /usr/bin/python3, PyTorch 1.13, CPU): the orthogonal
polynomials of torch.special called with a Python number x and a tensor n (the (Number x, Tensor n) overload), for
integer and floating n: the result's dtype and values. Degrees stay small (2.x's Hermite kernels differ from 1.13's
only above degree 128)."""
import os
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'expected.txt')
NAMES = ['chebyshev_polynomial_t', 'chebyshev_polynomial_u', 'chebyshev_polynomial_v', 'chebyshev_polynomial_w',
         'shifted_chebyshev_polynomial_t', 'shifted_chebyshev_polynomial_u', 'shifted_chebyshev_polynomial_v',
         'shifted_chebyshev_polynomial_w', 'hermite_polynomial_h', 'hermite_polynomial_he', 'laguerre_polynomial_l',
         'legendre_polynomial_p']
NS = {
    'int64': torch.tensor([[0, 1, 2], [3, 5, -1]], dtype=torch.int64),
    'float64': torch.tensor([0.0, 1.0, 3.0, 4.0, 7.0], dtype=torch.float64),
    'float32': torch.tensor([0.0, 2.0, 3.0, 6.0], dtype=torch.float32),
}


def fmt(name, t):
    return '%s %s [%s] : %s' % (name, str(t.dtype).replace('torch.', ''), ', '.join(str(s) for s in t.shape),
                                repr(t.reshape(-1).tolist()))


lines = []
for name in NAMES:
    f = getattr(torch.special, name)
    for x in (0.3, -0.75, 1.5):
        for nd, n in NS.items():
            lines.append('=== %s %r %s' % (name, x, nd))
            lines.append(fmt('n', n))
            lines.append(fmt('out', f(x, n)))
with open(OUT, 'w') as fh:
    fh.write('\n'.join(lines) + '\n')
