# Expected values for FullComplexTest: torch.full(shape, <complex>, dtype=...) (PyTorch 1.13, CPU; 2.x's full is the
# same: the fill value a Scalar, converted to the dtype with c10's checked conversion, which refuses a complex number
# with a non-zero imaginary part for a real type). Line format:
#   <default dtype> <dtype or -> <real> <imag> => <dtype> <shape> <re,im pairs as float.hex> | ERR <message>
import torch

CASES = [
    ('float32', None, 1.0, 2.0), ('float64', None, 1.0, 2.0), ('float32', 'complex128', -0.0, 3.5),
    ('float32', 'complex64', float('inf'), float('nan')), ('float32', 'complex64', 1e40, -0.0),
    ('float32', 'float32', 1.5, 0.0), ('float32', 'float32', 1.5, 2.0), ('float32', 'int64', 3.0, 0.0),
    ('float32', 'int64', 3.0, 1.0), ('float32', 'float16', 0.1, 0.0), ('float32', 'float64', 2.5, -0.0),
    ('float32', 'bool', 0.0, 0.0), ('float64', 'complex64', 0.1, 0.2),
]
out = []
for default, dt, re, im in CASES:
    torch.set_default_dtype(getattr(torch, default))
    try:
        t = torch.full((2, 3), complex(re, im)) if dt is None else torch.full((2, 3), complex(re, im), dtype=getattr(torch, dt))
        if t.is_complex():
            vals = ' '.join('%s,%s' % (float(v.real).hex(), float(v.imag).hex()) for v in t.flatten().tolist())
        else:
            vals = ' '.join('%s,0x0.0p+0' % float(v).hex() for v in t.double().flatten().tolist())
        res = '%s %s %s' % (str(t.dtype).replace('torch.', ''), ','.join(map(str, t.shape)), vals)
    except Exception as e:
        res = 'ERR ' + str(e).split('\n')[0]
    out.append('%s %s %r %r => %s' % (default, dt or '-', re, im, res))
torch.set_default_dtype(torch.float32)
open('expected.txt', 'w').write('\n'.join(out) + '\n')
