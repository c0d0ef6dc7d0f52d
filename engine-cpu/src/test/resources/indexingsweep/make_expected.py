# Expected results for IndexingSweepTest: x[...] (getitem) and x[...] = v (setitem / index_put_) against PyTorch.
# Run with /usr/bin/python3 (PyTorch 1.13, CPU); where 1.13 differs from 2.x the script writes 2.x's behaviour:
#  - int32 index tensors (2.x accepts them exactly as int64; 1.13 raises), computed here with int64;
#  - the message for an index tensor of a wrong dtype ("long, int, byte or bool" in 2.x).
# Keys:  get;<dtype>;<shape>;<spec>                       spec entries separated by '|'
#        set;<dtype>;<shape>;<pre>;<spec>;<value>;<acc>    pre '-' = none; applied as x[pre][spec] = value
# Entries: iN int; sA:B:C slice ('_' = None); N None; E Ellipsis; () empty tuple;
#          L(shape)=v,.. int64 tensor; I(...) int32; B(shape)=0101 bool (digits); F(...) float32 index tensor
# Values: S<num> Python scalar; D(shape)=.. float64 tensor; L(..) int64; F(..) float32.
import torch

torch.set_printoptions(precision=10)
OUT = []


def shape_of(s):
    s = s.strip()
    return [int(v) for v in s.split(',')] if s else []


def tens(tok):
    kind = tok[0]
    sh, vals = tok[2:].split(')=')
    shape = shape_of(sh)
    if kind == 'B':
        data = [c == '1' for c in vals]
        return torch.tensor(data, dtype=torch.bool).reshape(shape)
    data = [float(v) for v in vals.split(',')] if vals else []
    dt = {'L': torch.int64, 'I': torch.int64, 'F': torch.float32, 'D': torch.float64}[kind]
    return torch.tensor(data, dtype=torch.float64).to(dt).reshape(shape)


def entry(tok):
    if tok == 'N':
        return None
    if tok == 'E':
        return Ellipsis
    if tok[0] == 'i':
        return int(tok[1:])
    if tok[0] == 's':
        p = [None if v == '_' else int(v) for v in tok[1:].split(':')]
        return slice(*p)
    return tens(tok)


def index_of(spec):
    if spec == '()':
        return ()
    parts = [entry(t) for t in spec.split('|')]
    return parts[0] if len(parts) == 1 else tuple(parts)


def base(dtype, shape):
    dt = {'float64': torch.float64, 'int64': torch.int64}[dtype]
    n = 1
    for s in shape:
        n *= s
    return torch.arange(n, dtype=torch.float64).to(dt).reshape(shape)


def err(e):
    msg = str(e).split('\n')[0]
    msg = msg.replace('must be long, byte or bool tensors', 'must be long, int, byte or bool tensors')
    return 'error %s %s' % (type(e).__name__, msg)


def flat(t):
    return repr(t.detach().reshape(-1).tolist())


def gname(t):
    return 'None' if t.grad_fn is None else type(t.grad_fn).__name__


def get_case(dtype, shape, spec):
    key = 'get;%s;%s;%s' % (dtype, ','.join(map(str, shape)), spec)
    x = base(dtype, shape)
    try:
        y = x[index_of(spec)]
    except Exception as e:
        OUT.append((key, [err(e)]))
        return
    lines = ['shape %s' % list(y.shape), 'dtype %s' % y.dtype, 'values %s' % flat(y)]
    if y.numel() > 0:
        x0 = x.clone()
        y.add_(1000)
        lines.append('view %s' % (not torch.equal(x, x0)))
    if dtype == 'float64':
        xl = base(dtype, shape).requires_grad_()
        y = xl[index_of(spec)]
        lines.append('gradfn %s' % gname(y))
        w = torch.arange(1, y.numel() + 1, dtype=torch.float64).reshape(y.shape)
        (y * w).sum().backward()
        lines.append('grad %s' % (flat(xl.grad) if xl.grad is not None else 'None'))
    OUT.append((key, lines))


def value_of(tok):
    if tok[0] == 'S':
        v = tok[1:]
        return float(v) if '.' in v else int(v)
    return tens(tok)


def set_case(dtype, shape, pre, spec, value, acc):
    key = 'set;%s;%s;%s;%s;%s;%s' % (dtype, ','.join(map(str, shape)), pre, spec, value, acc)
    x = base(dtype, shape)

    def do(target, v):
        t = target if pre == '-' else target[index_of(pre)]
        if acc:
            ix = index_of(spec)
            ix = ix if isinstance(ix, tuple) else (ix,)
            # torch.index_put_ with None for a full slice and Nones for an ellipsis (2.x's Python binding takes
            # None entries; 1.13's does not, so the aten op is called directly)
            spec_dims = sum((e.dim() if e.dtype == torch.bool else 1) if isinstance(e, torch.Tensor) else 1
                            for e in ix if e is not Ellipsis)
            out = []
            for e in ix:
                if e is Ellipsis:
                    out += [None] * (t.dim() - spec_dims)
                else:
                    out.append(None if isinstance(e, slice) else e)
            if not isinstance(v, torch.Tensor):
                v = torch.tensor(v, dtype=t.dtype)
            torch.ops.aten.index_put_(t, out, v, True)
        else:
            t[index_of(spec)] = v

    try:
        do(x, value_of(value))
    except Exception as e:
        OUT.append((key, [err(e)]))
        return
    lines = ['x %s' % flat(x)]
    if dtype == 'float64' and (value[0] == 'S' or value[0] == 'D'):
        xl = base(dtype, shape).requires_grad_()
        y = xl * 1
        v = value_of(value)
        if isinstance(v, torch.Tensor):
            v = v.clone().requires_grad_()
        do(y, v)
        lines.append('gradfn %s' % gname(y))
        w = torch.arange(1, y.numel() + 1, dtype=torch.float64).reshape(y.shape)
        (y * w).sum().backward()
        lines.append('gx %s' % flat(xl.grad))
        if isinstance(v, torch.Tensor):
            lines.append('gv %s' % (flat(v.grad) if v.grad is not None else 'None'))
    OUT.append((key, lines))


def mask(shape, seed=0):
    n = 1
    for s in shape:
        n *= s
    return 'B(%s)=%s' % (','.join(map(str, shape)), ''.join('1' if (k * 7 + 3 + seed) % 5 < 2 else '0' for k in range(n)))


S = [2, 3, 4, 5]
A = 's_:_:_'
GET = [
    # basic slicing
    A, 's1:_:_', 's_:1:_', 's-1:_:_', 's_:-1:_', 's-5:_:_', 's_:10:_', 's10:_:_', 's3:1:_', 's_:_:2', 's_:_:3',
    's0:2:_', 's-100:100:_', 's1:1:_', 's0:2:1', 's_:_:0', 's_:_:-1',
    A + '|' + A, A + '|' + A + '|s1:3:_', 'E|s_:_:2', A + '|s1:_:2|' + A + '|s-3:-1:_', A + '|' + A + '|' + A + '|s1:4:3',
    A + '|' + A + '|' + A + '|s_:_:5', A + '|s_:_:-2', 's0:2:_|s0:3:_', 's0:2:_|s0:3:_|s0:4:_|s0:5:_', 's0:2:_|s1:_:_',
    's_:_:100|s-1:_:_|s2:-7:_', 's1:2:_|s2:3:_|s3:4:_|s4:5:_', A + '|s5:_:_', A + '|' + A + '|' + A + '|' + A + '|' + A,
    # ints
    'i0', 'i1', 'i-1', 'i-2', 'i2', 'i-3', 'i0|i0', 'i1|i-1|i2|i-5', 'i0|i2', 'i0|i3', A + '|i-4', 'i0|i0|i0|i0|i0',
    'E|i-1', 'i1|E', 'i1|E|i2', 'i1|s1:_:_|i-1', A + '|' + A + '|' + A + '|i5', A + '|' + A + '|' + A + '|i-6',
    'i1|i2|i3|i4', '()',
    # None
    'N', 'N|N', 'i0|N', 'N|i0', A + '|N|i1', 'E|N', 'N|E|N', 'i1|N|s1:_:_|N|i-1', 'N|N|N|N|N|E', 'N|i0|i0|i0|i0',
    'N|i0|i0|i0|i0|i0', 'i1|i2|i3|i4|N', 'i1|i2|i3|i4|N|N',
    # Ellipsis
    'E', 'E|E', 'E|i0', 'i0|E|i0', 'E|s_:_:2|N', 's1:_:_|E|s_:2:_', 'i0|i0|i0|i0|E', 'i0|i0|i0|i0|i0|E', 'E|' + A,
    # 0-dim bool
    'B()=1', 'B()=0', 'i0|B()=1', 'B()=1|i0', 'E|B()=0', 'B()=1|B()=1', 'N|B()=0|i1', 'B()=1|L(2)=0,1', 'E|B()=1|L(1)=2',
    'i1|i2|i3|i4|B()=1',
    # masks
    mask([2, 3, 4, 5]), mask([2]), 'B(2)=10', 'B(2)=01', mask([2, 3]), mask([2, 3, 4]), 'B(2,3)=000000', 'B(2)=00',
    A + '|B(3)=101', 'E|' + mask([5]), 'i1|' + mask([3, 4]), 'B(2)=11|B(3)=011', 'B(2)=10|B(3)=110',
    'B(2)=11|B(3)=111', 'B(3)=101', A + '|B(4)=1010', 'E|B(4)=1010', A + '|' + A + '|' + A + '|B(5,1)=10101',
    'N|' + mask([2, 3]), 'B(2)=11|N', 'B(2)=11|' + A + '|L(2)=0,3', mask([2, 3]) + '|L(1)=2', mask([2, 3]) + '|L(2)=2,-1',
    A + '|' + mask([3, 4], 1), mask([3, 4]), 'B(2,3)=110000|E|L(1)=4', 'E|' + mask([4, 5], 2), 'B(2,4)=10101010',
    # int tensors
    'L()=1', 'L()=-1', 'L()=2', 'I()=1', 'L(2)=0,1', 'L(3)=1,1,0', 'L(2)=-1,-2', 'L(0)=', 'L(2,2)=0,1,1,0', 'L(0,3)=',
    A + '|L(2)=2,0', A + '|' + A + '|L(3)=3,-1,0', 'E|L(2)=4,-5', 'L(2)=0,1|L(2)=2,0', 'L(2,1)=0,1|L(3)=0,1,2',
    'L(2)=0,1|' + A + '|L(2)=1,3', A + '|L(2)=0,2|' + A + '|L(2)=4,0', A + '|L(2)=0,2|L(2)=3,1',
    A + '|L(3)=0,1,2|i0|L(3)=0,1,2', 'L(2)=0,1|N|L(2)=1,2', 'N|L(2)=1,0', 'L(2)=1,0|E', 'E|L(2)=1,0|N',
    'L(2)=1,0|E|L(3)=4,0,1', 'L(2)=1,0|E|L(2,1)=4,0', 'E|L(2)=0,7', 'L(2)=0,2', 'L(1)=0|L(1)=5', 'L(2)=-3,0',
    A + '|' + A + '|L(1)=-5', 'F(2)=0,1', 'L(2)=0,1|L(3)=0,1,2', 'L(0)=|L(0)=', 'L(0)=|L(1)=0', A + '|L(0,2)=',
    'I(2)=0,-1', 'I(2)=0,1|I(2)=1,2', 'I(2)=1,0|L(2)=2,2', A + '|I(2,2)=2,1,0,2', 'E|I(2)=0,9',
    'L()=1|L(2)=0,2', 'L(2)=1,1|L()=2', A + '|L()=1|' + A + '|L(2)=0,4', 'L(1,1,1)=1', 'L(2,3)=0,1,0,1,0,1|' + A + '|L(3)=0,1,2',
    'N|' + A + '|L(2)=1,2|N|L(2)=0,0', 'i1|L(2)=2,0|i-1', 'i1|L(2)=2,0|s1:3:_|L(2)=3,4', 's1:_:_|L(3)=0,0,0',
    's_:_:2|' + A + '|L(2)=0,3', 'L(2)=0,1|L(2)=0,1|L(2)=0,1|L(2)=0,1', 'L(2)=0,1|L(2)=0,1|L(2)=0,1|L(2)=0,1|L(1)=0',
    'L(5)=1,0,1,0,1', 'L(2,2,2)=0,1,1,0,0,0,1,1',
]
for sp in GET:
    get_case('float64', S, sp)
    get_case('int64', S, sp)
for sp in ['s_:_:_|L(1)=0', 's_:_:_|L(0)=', 'B(2)=10', 'i0', 'E|L(2)=0,2', 's_:_:_|B(0)=', 'L(2)=1,0|L(0)=', 'E|s1:_:_']:
    get_case('float64', [2, 0, 3], sp)
for sp in ['L()=0', 'B()=1', 'B()=0', 'N', 'E', 'i0', 'L(2)=0,0']:
    get_case('float64', [], sp)

SET = [
    ('-', 'i0', 'S7.5', False), ('-', 'i-1|s1:_:_', 'S7.5', False), ('-', 'E|i0', 'D(3,4)=' + ','.join(map(str, range(12))), False),
    ('-', 'N|i0', 'S7.5', False), ('-', 's_:_:2', 'D()=9', False), ('-', 'B()=1', 'S7.5', False), ('-', 'B()=0', 'S7.5', False),
    ('-', mask([2, 3]), 'S-1', False), ('-', mask([2, 3]), 'D(5)=1,2,3,4,5', False), ('-', mask([2, 3, 4, 5]), 'S0.5', False),
    ('-', mask([2, 3, 4, 5]), 'D(48)=' + ','.join(str(v) for v in range(48)), False), ('-', 'L(2)=0,1', 'S7.5', False),
    ('-', 'L(3)=1,1,0', 'S3', False), ('-', 'L(2)=0,1|s_:_:_|L(2)=1,3', 'D(3,1)=1,2,3', False),
    ('-', 's_:_:_|L(2)=0,2|L(2)=3,1', 'D(2,1,5)=1,2,3,4,5,6,7,8,9,10', False), ('-', 'L(0)=', 'S1', False),
    ('-', 'L(1)=5', 'S1', False), ('-', 'B(3)=101', 'S1', False), ('-', 'i0|i0|i0|i0|i0', 'S1', False),
    ('-', 'E|L(2)=4,-5', 'D(2)=1,2', False), ('-', 'i1|L(2)=2,0', 'D(4,5)=' + ','.join(map(str, range(20))), False),
    ('-', 'L(2)=0,1', 'D(3)=1,2,3', False), ('-', 'i0|i0', 'D(1,1,4,5)=' + ','.join(map(str, range(20))), False),
    ('-', 'L(2)=0,1', 'D(1,2,1,1,1)=5,6', False), ('-', 'L(2)=0,1', 'F(5)=1,2,3,4,5', False), ('-', 'L(2)=0,1', 'L(5)=1,2,3,4,5', False),
    ('-', 'i0', 'F(5)=1,2,3,4,5', False), ('-', 'i0', 'L(5)=1,2,3,4,5', False), ('-', mask([2, 3]), 'F()=4', False),
    ('-', 'E', 'S2', False), ('-', '()', 'D(5)=1,2,3,4,5', False), ('-', 'B()=1|L(2)=0,1', 'S5', False),
    ('-', 'L()=1', 'S5', False), ('-', 's_:_:_|s_:_:_|L(3)=3,-1,0', 'D(3)=1,2,3', False),
    ('-', 'L(2)=0,1|N|L(2)=1,2', 'D(4,5)=' + ','.join(map(str, range(20))), False), ('-', 'E|L(2)=0,7', 'S1', False),
    ('-', 'L(2)=0,1|L(3)=0,1,2', 'S1', False), ('-', 'F(2)=0,1', 'S1', False), ('-', 's_:_:-1', 'S1', False),
    # accumulate
    ('-', 'L(3)=1,1,0', 'D()=2', True), ('-', 'L(4)=0,0,0,1', 'D(5)=1,2,3,4,5', True), ('-', 'E|L(3)=4,4,-1', 'D(3)=1,2,3', True),
    ('-', 's_:_:_|L(2)=2,2|L(2)=1,1', 'D(2)=1,2', True), ('-', mask([2, 3]), 'D()=1', True), ('-', 'L(2,2)=1,1,1,1', 'D(2,1,1,1,1)=1,10', True),
    ('-', 'L(2)=0,0|s_:_:_|L(2)=4,4', 'D(3)=1,2,3', True), ('-', 'L(3)=0,0,5', 'D()=1', True), ('-', 'L(0)=', 'D()=1', True),
    ('-', 'L(2)=-1,1', 'D()=3', True), ('-', 'L(3)=1,1,0', 'L()=2', True), ('-', 'L(3)=1,1,0', 'S2', True),
    # on a view
    ('i1', 'L(2)=0,0', 'S9', False), ('s_:_:_|s1:_:_', 'B(2,2)=1001', 'S9', False), ('E|s_:_:2', 'L(2)=0,2', 'D(3)=1,2,3', False),
    ('i1', 'L(3)=0,0,2', 'D()=1', True), ('N|i0', 'L(1)=0|L(1)=2', 'S-1', False), ('s_:_:_|i2', 'E|L(2)=1,1', 'D()=4', True),
    ('i0|i0', 'B(4)=0110', 'D(1)=3', False), ('s1:_:_', 'L(1)=0', 'S1', False), ('E|s1:_:2', 'i0|s_:_:_|L(2)=0,1', 'D(2)=7,8', False),
]
SET += [
    # a one-element value through a single bool mask (PyTorch's index_put_ dispatches to masked_fill_, any dtype)
    ('-', 's_:_:_|B(3)=101', 'L()=5', False), ('-', mask([2, 3]), 'F(1)=4', False), ('-', 'L(2)=0,1', 'F()=4', False),
    ('-', mask([2, 3]), 'L(1,1)=-2', False),
    # leading 1-dims of the value are dropped (slicePrefix1sSize)
    ('-', 'E', 'D(1,2,3,4,5)=' + ','.join(map(str, range(120))), False), ('-', 'i1|s1:_:_', 'D(1,1,2,4,1)=1,2,3,4,5,6,7,8', False),
    ('-', 'B(2)=01', 'D(1,1,3,4,1)=' + ','.join(map(str, range(12))), False),
    # whole-tensor writes (fill_ / copy_ nodes)
    ('-', 'E', 'D()=3', False), ('-', '()', 'S2', False), ('-', 'i0', 'D()=3', False), ('-', 'E', 'D(5)=1,2,3,4,5', False),
    ('-', 'B()=0', 'D(5)=1,2,3,4,5', False), ('-', 'B()=1', 'D(5)=1,2,3,4,5', False),
]
for pre, sp, v, acc in SET:
    set_case('float64', S, pre, sp, v, acc)
for pre, sp, v, acc in [('-', 'L(2)=0,1', 'S7.5', False), ('-', 'i0', 'S7.9', False), ('-', mask([2, 3]), 'S-3', False),
                        ('-', 'L(3)=1,1,0', 'L()=2', True), ('-', 'L(2)=0,1', 'D(5)=1,2,3,4,5', False),
                        ('-', 'i0', 'D(5)=1.5,2,3,4,5', False), ('-', 's_:_:2', 'L()=9', False), ('-', 'E|L(2)=1,1', 'L(2)=1,2', True),
                        ('i1', 'B(4)=1001', 'L(1)=-7', False), ('-', 'B()=1', 'S1', False),
                        ('-', mask([2, 3]), 'D()=2.7', False), ('-', mask([2, 3]), 'D(1)=-2.5', False)]:
    set_case('int64', S, pre, sp, v, acc)

with open(__file__.rsplit('/', 1)[0] + '/expected.txt', 'w') as f:
    for key, lines in OUT:
        f.write('=== %s\n' % key)
        for l in lines:
            f.write(l + '\n')
print(len(OUT), 'cases')
