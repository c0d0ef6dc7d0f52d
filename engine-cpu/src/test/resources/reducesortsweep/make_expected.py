# Writes expected.txt for ReduceSortSweepTest: reductions, scans and sorting ops against PyTorch
# (run: /usr/bin/python3 make_expected.py > expected.txt; this machine has torch 1.13, CPU).
#
# Format, one block per case:
#   case NAME / op OP / arg KEY VALUE ... / in NAME DTYPE [SHAPE] VIEW : values (VIEW '-' none, 't' transpose(0,1)
#   of the given base, 's' slice(-1, 0, end, 2) of the base) / grad NAME (input requiring grad) / out NAME DTYPE [SHAPE] :
#   values / gout NAME ... (the gradient fed back for out NAME: backward of sum(out * gout)) / gin NAME DTYPE [SHAPE] :
#   values (grad of the input base; zeros where PyTorch gives None) / node NAME (grad_fn of out0) /
#   error TYPE MESSAGE / note TEXT / end
#
# Where PyTorch 2.x differs from 1.13 the 2.x fact is written (see OVERRIDES at the bottom, each with its source).
import math
import torch

nan, inf = float('nan'), float('inf')
g = torch.Generator().manual_seed(1513)
DT = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'int64': torch.int64,
      'bool': torch.bool, 'uint8': torch.uint8, 'int16': torch.int16, 'int8': torch.int8}
lines = []
count = [0]


def fv(v):
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return repr(float(v))


def tline(tag, name, t, view='-'):
    dt = str(t.dtype).replace('torch.', '')
    vals = ' '.join(fv(v) for v in t.detach().flatten().tolist())
    sh = ','.join(str(s) for s in t.shape)
    return f'{tag} {name} {dt} [{sh}] {view} : {vals}' if tag == 'in' else f'{tag} {name} {dt} [{sh}] : {vals}'


def view(t, v):
    if v == 't':
        return t.transpose(0, 1)
    if v == 's':
        return t[..., ::2]
    return t


def dims_of(s):
    if s == 'none':
        return None
    return [int(d) for d in s.split(',')] if s else []


def b(s):
    return s == '1'


def call(op, a, t):
    x = t.get('x')
    if op == 'sum':
        d = dims_of(a.get('dims', 'none'))
        dt = DT[a['dtype']] if 'dtype' in a else None
        if d is None:
            return (x.sum(dtype=dt) if dt else x.sum(),)
        return (x.sum(d, keepdim=b(a['keepdim']), dtype=dt),)
    if op in ('mean', 'nansum', 'nanmean', 'logsumexp', 'amax', 'amin'):
        d = dims_of(a.get('dims', 'none'))
        f = getattr(torch, op)
        if d is None:
            return (f(x) if op != 'logsumexp' else torch.logsumexp(x, list(range(x.dim()))),)
        return (f(x, d, keepdim=b(a['keepdim'])),)
    if op == 'prod':
        if 'dim' in a:
            return (x.prod(int(a['dim']), keepdim=b(a['keepdim'])),)
        return (x.prod(),)
    if op in ('max', 'min', 'median', 'nanmedian'):
        f = getattr(torch, op)
        if 'dim' in a:
            r = f(x, int(a['dim']), keepdim=b(a['keepdim']))
            return (r.values, r.indices)
        return (f(x),)
    if op in ('argmax', 'argmin'):
        f = getattr(torch, op)
        if 'dim' in a:
            return (f(x, int(a['dim']), keepdim=b(a['keepdim'])),)
        return (f(x),)
    if op in ('var', 'std'):
        f = getattr(torch, op)
        if a.get('dims', 'none') == 'none' and 'correction' not in a:
            return (f(x),)
        return (f(x, dims_of(a['dims']), correction=int(a['correction']), keepdim=b(a['keepdim'])),)
    if op in ('var_mean', 'std_mean'):
        f = getattr(torch, op)
        if 'correction' not in a:
            return tuple(f(x))
        return tuple(f(x, dims_of(a['dims']), correction=int(a['correction']), keepdim=b(a['keepdim'])))
    if op == 'norm':
        p = a['p']
        d = dims_of(a.get('dims', 'none'))
        if p == 'fro':
            return (x.norm('fro', d, keepdim=b(a.get('keepdim', '0'))),)
        return (torch.linalg.vector_norm(x, float(p), d, keepdim=b(a.get('keepdim', '0'))),)
    if op == 'vector_norm':
        return (torch.linalg.vector_norm(x, float(a['ord']), dims_of(a['dims']), keepdim=b(a['keepdim'])),)
    if op == 'matrix_norm':
        o = a['ord']
        o = o if o in ('fro', 'nuc') else float(o)
        return (torch.linalg.matrix_norm(x, o, dims_of(a['dims']), keepdim=b(a['keepdim'])),)
    if op in ('any', 'all'):
        d = dims_of(a.get('dims', 'none'))
        f = getattr(torch, op)
        if d is None:
            return (f(x),)
        if len(d) == 1:
            return (f(x, d[0], keepdim=b(a['keepdim'])),)
        # torch 1.13 has no multi-dim any/all; reduce one dim at a time (same result)
        r = x
        for dd in sorted([dd % x.dim() for dd in d], reverse=True):
            r = f(r, dd, keepdim=True)
        if not b(a['keepdim']):
            for dd in sorted([dd % x.dim() for dd in d], reverse=True):
                r = r.squeeze(dd)
        return (r,)
    if op == 'count_nonzero':
        d = dims_of(a['dims'])
        return (torch.count_nonzero(x, d) if d else torch.count_nonzero(x),)
    if op == 'mode':
        r = torch.mode(x, int(a['dim']), keepdim=b(a['keepdim']))
        return (r.values, r.indices)
    if op == 'kthvalue':
        r = torch.kthvalue(x, int(a['k']), int(a['dim']), keepdim=b(a['keepdim']))
        return (r.values, r.indices)
    if op in ('cumsum', 'cumprod', 'logcumsumexp'):
        return (getattr(torch, op)(x, int(a['dim'])),)
    if op in ('cummax', 'cummin'):
        r = getattr(torch, op)(x, int(a['dim']))
        return (r.values, r.indices)
    if op == 'sort':
        if 'stable' in a:
            r = torch.sort(x, stable=b(a['stable']), dim=int(a['dim']), descending=b(a['descending']))
        else:
            r = torch.sort(x, int(a['dim']), descending=b(a['descending']))
        return (r.values, r.indices)
    if op == 'argsort':
        return (torch.argsort(x, int(a['dim']), descending=b(a['descending'])),)
    if op == 'topk':
        r = torch.topk(x, int(a['k']), int(a['dim']), largest=b(a['largest']), sorted=b(a['sorted']))
        return (r.values, r.indices)
    if op in ('unique', 'unique_consecutive'):
        kw = dict(return_inverse=b(a['inverse']), return_counts=b(a['counts']))
        if 'dim' in a:
            kw['dim'] = int(a['dim'])
        r = torch.unique(x, sorted=True, **kw) if op == 'unique' else torch.unique_consecutive(x, **kw)
        r = r if isinstance(r, tuple) else (r,)
        out = [r[0]]
        i = 1
        out.append(r[i] if b(a['inverse']) else None)
        i += b(a['inverse'])
        out.append(r[i] if b(a['counts']) else None)
        return tuple(out)
    if op == 'searchsorted':
        kw = dict(right=b(a['right']))
        if 'sorter' in t:
            kw['sorter'] = t['sorter']
        return (torch.searchsorted(t['seq'], t['v'], **kw),)
    if op == 'bucketize':
        return (torch.bucketize(x, t['bnd'], right=b(a['right'])),)
    if op == 'histc':
        return (torch.histc(x, int(a['bins']), float(a['min']), float(a['max'])),)
    if op == 'bincount':
        return (torch.bincount(x, t.get('w'), int(a['minlength'])),)
    raise ValueError(op)


OVERRIDES = {
    # torch.norm(p='fro', dim=None) is linalg.vector_norm(x, 2) in 2.x (torch/functional.py, norm): 1.13 says NormBackward1
    'norm_fro_f32.node': 'LinalgVectorNormBackward0',
    'norm_fro_zero.node': 'LinalgVectorNormBackward0',
    # var_backward with no dim and numel - correction <= 0 (FunctionsManual.cpp, 2.x):
    # grad * where(self == self.mean(), nan, inf); 1.13 computes 2/0 * grad * 0 and gives inf. var_mean reuses it.
    'var_sc_default.gin': lambda gx: torch.full_like(gx, nan),
    'var_mean_sc_default.gin': lambda gx: torch.full_like(gx, nan),
}


def add(name, op, ins, args=None, grad=True, note=None):
    """ins: dict name -> (base tensor, view)."""
    args = {k: str(v) for k, v in (args or {}).items()}
    count[0] += 1
    L = [f'case {name}', f'op {op}']
    for k, v in args.items():
        L.append(f'arg {k} {v}')
    bases = {}
    t = {}
    for k, (base, v) in ins.items():
        L.append(tline('in', k, base, v))
        bb = base.clone()
        if grad and k == 'x' and bb.is_floating_point():
            bb.requires_grad_(True)
            L.append('grad x')
        bases[k] = bb
        t[k] = view(bb, v)
    if note:
        L.append('note ' + note)
    try:
        outs = call(op, args, t)
    except Exception as e:
        msg = str(e).strip().split('\n')[0]
        kind = type(e).__name__
        if name in OVERRIDES:
            kind, msg = OVERRIDES[name]
        L.append(f'error {kind} {msg}')
        L.append('end')
        lines.extend(L)
        return
    diff = []
    for i, o in enumerate(outs):
        if o is None:
            L.append(f'out out{i} none [] :')
            continue
        L.append(tline('out', f'out{i}', o))
        if o.requires_grad:
            go = (torch.arange(o.numel(), dtype=torch.float64) * 0.25 + 0.5).reshape(o.shape).to(o.dtype)
            L.append(tline('gout', f'out{i}', go))
            diff.append((o, go))
    if outs[0] is not None and outs[0].grad_fn is not None:
        node = OVERRIDES.get(name + '.node', type(outs[0].grad_fn).__name__)
        L.append(f'node {node}')
    if diff and 'x' in bases and bases['x'].requires_grad:
        torch.autograd.backward([d[0] for d in diff], [d[1] for d in diff])
        gx = bases['x'].grad if bases['x'].grad is not None else torch.zeros_like(bases['x'])
        if name + '.gin' in OVERRIDES:
            gx = OVERRIDES[name + '.gin'](gx)
        L.append(tline('gin', 'x', gx))
    L.append('end')
    lines.extend(L)


def rn(*shape, dt=torch.float32):
    return torch.randn(*shape, generator=g, dtype=torch.float64).to(dt)


def ri(lo, hi, *shape, dt=torch.int64):
    return torch.randint(lo, hi, shape, generator=g).to(dt)


F32 = torch.float32
F64 = torch.float64
X = {
    'f32': (rn(3, 4), '-'),
    'f64': (rn(2, 3, 4, dt=F64), '-'),
    'tie': (torch.tensor([[1., 3., 3., 2.], [5., 5., 5., 0.], [2., 1., 2., 1.]]), '-'),
    'nan': (torch.tensor([[1., nan, 3., nan], [2., 0., -1., 4.], [nan, nan, nan, nan]]), '-'),
    'inf': (torch.tensor([[1., inf, -inf, 0.], [-0.0, 0.0, -1., -inf], [inf, inf, 2., 2.]], dtype=F64), '-'),
    'nct': (rn(4, 3), 't'),
    'ncs': (rn(3, 8, dt=F64), 's'),
    'i32': (ri(-5, 6, 3, 4, dt=torch.int32), '-'),
    'i64': (ri(-3, 4, 3, 4), '-'),
    'bool': (ri(0, 2, 3, 4).bool(), '-'),
    'u8': (ri(0, 9, 3, 4, dt=torch.uint8), '-'),
    'e03': (torch.zeros(0, 3), '-'),
    'e30': (torch.zeros(3, 0, dtype=F64), '-'),
    'sc': (torch.tensor(2.5), '-'),
}
FLOATS = ['f32', 'f64', 'tie', 'nan', 'inf', 'nct', 'ncs']
INTS = ['i32', 'i64', 'bool', 'u8']
EMPTY = ['e03', 'e30']

# ---- sum / mean / nansum / nanmean / logsumexp / amax / amin over dim lists
for op in ['sum', 'mean', 'nansum', 'nanmean', 'logsumexp', 'amax', 'amin']:
    for k in FLOATS + INTS + EMPTY + ['sc']:
        add(f'{op}_{k}_all', op, {'x': X[k]})
    for k in ['f32', 'nan', 'tie', 'nct', 'i32', 'bool']:
        add(f'{op}_{k}_d1', op, {'x': X[k]}, {'dims': '1', 'keepdim': 0})
        add(f'{op}_{k}_dneg_keep', op, {'x': X[k]}, {'dims': '-2', 'keepdim': 1})
    add(f'{op}_f64_d02', op, {'x': X['f64']}, {'dims': '0,-1', 'keepdim': 0})
    add(f'{op}_f64_d20_keep', op, {'x': X['f64']}, {'dims': '2,0', 'keepdim': 1})
    add(f'{op}_f64_dup', op, {'x': X['f64']}, {'dims': '0,-3', 'keepdim': 0})
    add(f'{op}_f32_oob', op, {'x': X['f32']}, {'dims': '2', 'keepdim': 0})
    if op != 'logsumexp':  # logsumexp(x, dim=()) fails inside 1.13 (a [1, 1] max added to a [] sum); not judged
        add(f'{op}_f32_emptylist', op, {'x': X['f32']}, {'dims': '', 'keepdim': 0})
    add(f'{op}_e03_d0', op, {'x': X['e03']}, {'dims': '0', 'keepdim': 0})
    add(f'{op}_e03_d1', op, {'x': X['e03']}, {'dims': '1', 'keepdim': 1})
add('sum_i32_dtype_f64', 'sum', {'x': X['i32']}, {'dims': '1', 'keepdim': 0, 'dtype': 'float64'})
add('sum_f32_dtype_f64', 'sum', {'x': X['f32']}, {'dims': '0', 'keepdim': 1, 'dtype': 'float64'})
add('sum_bool_dtype_i32', 'sum', {'x': X['bool']}, {'dtype': 'int32'})
add('sum_f64_dtype_f32_all', 'sum', {'x': X['f64']}, {'dtype': 'float32'})

# ---- prod
for k in FLOATS + INTS + EMPTY + ['sc']:
    add(f'prod_{k}_all', 'prod', {'x': X[k]})
zp = (torch.tensor([[0., 2., 3.], [0., 0., 4.], [1., 2., 3.]]), '-')
add('prod_zeros_all', 'prod', {'x': zp})
for d in [0, 1, -1]:
    add(f'prod_zeros_d{d}', 'prod', {'x': zp}, {'dim': d, 'keepdim': 0})
for k in ['f32', 'nct', 'i32', 'bool', 'e03']:
    add(f'prod_{k}_d0_keep', 'prod', {'x': X[k]}, {'dim': 0, 'keepdim': 1})
add('prod_f32_oob', 'prod', {'x': X['f32']}, {'dim': -3, 'keepdim': 0})

# ---- max / min / argmax / argmin / median / nanmedian
for op in ['max', 'min', 'argmax', 'argmin', 'median', 'nanmedian']:
    for k in FLOATS + INTS + EMPTY + ['sc']:
        add(f'{op}_{k}_all', op, {'x': X[k]})
    for k in ['f32', 'tie', 'nan', 'inf', 'nct', 'ncs', 'i32', 'bool']:
        for d in [0, -1]:
            add(f'{op}_{k}_d{d}', op, {'x': X[k]}, {'dim': d, 'keepdim': 0})
    add(f'{op}_f64_d1_keep', op, {'x': X['f64']}, {'dim': 1, 'keepdim': 1})
    add(f'{op}_e03_d1', op, {'x': X['e03']}, {'dim': 1, 'keepdim': 0})
    add(f'{op}_e03_d0', op, {'x': X['e03']}, {'dim': 0, 'keepdim': 0})
    add(f'{op}_f32_oob', op, {'x': X['f32']}, {'dim': 2, 'keepdim': 0})
    add(f'{op}_sc_d0', op, {'x': X['sc']}, {'dim': 0, 'keepdim': 0})
even = (torch.tensor([[4., 1., 3., 2.], [1., 1., 2., 2.], [7., 7., 7., 7.]]), '-')
for op in ['median', 'nanmedian']:
    add(f'{op}_even_all', op, {'x': even})
    add(f'{op}_even_d1', op, {'x': even}, {'dim': 1, 'keepdim': 0})

# ---- var / std / var_mean / std_mean
for op in ['var', 'std', 'var_mean', 'std_mean']:
    for k in ['f32', 'f64', 'nan', 'inf', 'nct', 'i32', 'e03', 'sc']:
        add(f'{op}_{k}_default', op, {'x': X[k]})
    for c in [0, 1, 2]:
        add(f'{op}_f32_c{c}_d1', op, {'x': X['f32']}, {'dims': '1', 'correction': c, 'keepdim': 0})
        add(f'{op}_f64_c{c}_d02k', op, {'x': X['f64']}, {'dims': '0,2', 'correction': c, 'keepdim': 1})
    add(f'{op}_f64_c1_all', op, {'x': X['f64']}, {'dims': 'none', 'correction': 1, 'keepdim': 0})
    add(f'{op}_tie_c1_d0', op, {'x': (torch.ones(1, 3), '-')}, {'dims': '0', 'correction': 1, 'keepdim': 0})
    add(f'{op}_const_c0_d1', op, {'x': (torch.full((2, 3), 3.0), '-')}, {'dims': '1', 'correction': 0, 'keepdim': 0})
    add(f'{op}_f32_c5_d1', op, {'x': X['f32']}, {'dims': '1', 'correction': 5, 'keepdim': 0})
    add(f'{op}_f64_dup', op, {'x': X['f64']}, {'dims': '1,-2', 'correction': 1, 'keepdim': 0})
    add(f'{op}_e03_c1_d1', op, {'x': X['e03']}, {'dims': '1', 'correction': 1, 'keepdim': 0})

# ---- norms
zrow = (torch.tensor([[0., 0., 0.], [3., -4., 0.], [1., -1., 1.]]), '-')
for p in ['0', '1', '2', 'inf', '-inf', '3.5']:
    for k in ['f32', 'f64', 'nan', 'inf', 'nct', 'e03']:
        add(f'vnorm_{p}_{k}_all', 'vector_norm', {'x': X[k]}, {'ord': p, 'dims': 'none', 'keepdim': 0})
    add(f'vnorm_{p}_zrow_d1', 'vector_norm', {'x': zrow}, {'ord': p, 'dims': '1', 'keepdim': 0})
    add(f'vnorm_{p}_tie_d1k', 'vector_norm', {'x': X['tie']}, {'ord': p, 'dims': '-1', 'keepdim': 1})
    add(f'vnorm_{p}_f64_d01', 'vector_norm', {'x': X['f64']}, {'ord': p, 'dims': '0,1', 'keepdim': 0})
    add(f'norm_{p}_zrow_d0', 'norm', {'x': zrow}, {'p': p, 'dims': '0', 'keepdim': 0})
add('vnorm_2_i64', 'vector_norm', {'x': X['i64']}, {'ord': '2', 'dims': 'none', 'keepdim': 0})
add('vnorm_2_dup', 'vector_norm', {'x': X['f64']}, {'ord': '2', 'dims': '0,0', 'keepdim': 0})
add('vnorm_inf_e03_d1', 'vector_norm', {'x': X['e03']}, {'ord': 'inf', 'dims': '1', 'keepdim': 0})
add('vnorm_inf_e03_d0', 'vector_norm', {'x': X['e03']}, {'ord': 'inf', 'dims': '0', 'keepdim': 0})
add('norm_fro_f32', 'norm', {'x': X['f32']}, {'p': 'fro', 'dims': 'none'})
add('norm_fro_zero', 'norm', {'x': (torch.zeros(2, 2), '-')}, {'p': 'fro', 'dims': 'none'})
add('norm_2_zero', 'norm', {'x': (torch.zeros(2, 2), '-')}, {'p': '2', 'dims': 'none'})
for o in ['fro', 'nuc', '1', '-1', 'inf', '-inf', '2', '-2']:
    add(f'mnorm_{o}_f32', 'matrix_norm', {'x': X['f32']}, {'ord': o, 'dims': '-2,-1', 'keepdim': 0})
    add(f'mnorm_{o}_f64_b', 'matrix_norm', {'x': X['f64']}, {'ord': o, 'dims': '-2,-1', 'keepdim': 1})
    add(f'mnorm_{o}_tie', 'matrix_norm', {'x': X['tie']}, {'ord': o, 'dims': '-2,-1', 'keepdim': 0})
add('mnorm_fro_f64_d20', 'matrix_norm', {'x': X['f64']}, {'ord': 'fro', 'dims': '2,0', 'keepdim': 0})
add('mnorm_1_1d', 'matrix_norm', {'x': (rn(5), '-')}, {'ord': '1', 'dims': '-2,-1', 'keepdim': 0})
add('mnorm_fro_same', 'matrix_norm', {'x': X['f32']}, {'ord': 'fro', 'dims': '0,0', 'keepdim': 0})

# ---- any / all / count_nonzero
for op in ['any', 'all']:
    for k in ['f32', 'nan', 'inf', 'i32', 'bool', 'u8', 'e03', 'sc']:
        add(f'{op}_{k}_all', op, {'x': X[k]})
    for k in ['nan', 'inf', 'i32', 'bool', 'u8', 'e03']:
        add(f'{op}_{k}_d1', op, {'x': X[k]}, {'dims': '1', 'keepdim': 0})
        add(f'{op}_{k}_d0k', op, {'x': X[k]}, {'dims': '0', 'keepdim': 1})
    add(f'{op}_f64_d02', op, {'x': X['f64']}, {'dims': '0,2', 'keepdim': 0})
for k in ['f32', 'nan', 'inf', 'i32', 'bool', 'e03', 'e30', 'nct']:
    add(f'cnz_{k}_all', 'count_nonzero', {'x': X[k]}, {'dims': ''})
    add(f'cnz_{k}_d1', 'count_nonzero', {'x': X[k]}, {'dims': '1'})
add('cnz_f64_d20', 'count_nonzero', {'x': X['f64']}, {'dims': '2,0'})
add('cnz_f64_dup', 'count_nonzero', {'x': X['f64']}, {'dims': '1,1'})

# ---- mode / kthvalue
md = (torch.tensor([[1., 2., 2., 1., 3.], [4., 4., 1., 1., 0.], [5., 3., 2., 9., 7.], [2., 8., 1., 8., 2.]]), '-')
# (no NaN: 1.13 and 2.x CPU mode sort with a NaN-unaware std::sort, so a NaN row's answer is unspecified)
mdi = (torch.tensor([[3, 1, 3, 1, 2, 2], [0, 0, 0, 5, 5, 5]]), '-')
for k, v in [('md', md), ('mdi', mdi), ('tie', X['tie']), ('nct', X['nct']), ('bool', X['bool'])]:
    add(f'mode_{k}_dl', 'mode', {'x': v}, {'dim': -1, 'keepdim': 0})
    add(f'mode_{k}_d0k', 'mode', {'x': v}, {'dim': 0, 'keepdim': 1})
add('mode_e03_d1', 'mode', {'x': X['e03']}, {'dim': 1, 'keepdim': 0})
add('mode_sc', 'mode', {'x': X['sc']}, {'dim': 0, 'keepdim': 0})
for kk in [1, 2, 3, 4, 5]:
    add(f'kth_{kk}_tie_d1', 'kthvalue', {'x': X['tie']}, {'k': kk, 'dim': 1, 'keepdim': 0})
for kk in [1, 3]:
    add(f'kth_{kk}_nan_d1', 'kthvalue', {'x': X['nan']}, {'k': kk, 'dim': 1, 'keepdim': 0})
    add(f'kth_{kk}_nan_d0k', 'kthvalue', {'x': X['nan']}, {'k': kk, 'dim': 0, 'keepdim': 1})
    add(f'kth_{kk}_inf_d1', 'kthvalue', {'x': X['inf']}, {'k': kk, 'dim': 1, 'keepdim': 0})
    add(f'kth_{kk}_nct_d0', 'kthvalue', {'x': X['nct']}, {'k': kk, 'dim': 0, 'keepdim': 0})
    add(f'kth_{kk}_i32_d1', 'kthvalue', {'x': X['i32']}, {'k': kk, 'dim': 1, 'keepdim': 0})
add('kth_0_f32', 'kthvalue', {'x': X['f32']}, {'k': 0, 'dim': 1, 'keepdim': 0})
add('kth_big_f32', 'kthvalue', {'x': X['f32']}, {'k': 5, 'dim': 1, 'keepdim': 0})
add('kth_1_sc', 'kthvalue', {'x': X['sc']}, {'k': 1, 'dim': 0, 'keepdim': 0})

# ---- scans
sc_in = dict(X)
sc_in['cm'] = (torch.tensor([[1., 3., 3., 2., 3., nan, 5., nan], [-inf, -inf, 0., -0.0, 0., 1., 1., inf]]), '-')
for op in ['cumsum', 'cumprod', 'logcumsumexp', 'cummax', 'cummin']:
    for k in ['f32', 'f64', 'tie', 'nan', 'inf', 'nct', 'ncs', 'cm', 'i32', 'bool', 'u8', 'e03', 'sc']:
        dims = [0, -1] if k != 'f64' else [0, 1, 2]
        if k == 'sc':
            dims = [0]
        for d in dims:
            add(f'{op}_{k}_d{d}', op, {'x': sc_in[k]}, {'dim': d})
    add(f'{op}_f32_oob', op, {'x': X['f32']}, {'dim': 2})
zc = (torch.tensor([[2., 0., 3., 0., 4.], [0., 1., 2., 3., 4.], [1., 2., 0., 3., 4.]], dtype=F64), '-')
add('cumprod_zeros_d1', 'cumprod', {'x': zc}, {'dim': 1})
add('cumprod_zeros_d0', 'cumprod', {'x': zc}, {'dim': 0})

# ---- sort / argsort / topk
st = (torch.tensor([[3., 1., nan, 1., -0.0, 0.0, 3., -inf, inf, nan, 2., 1.]]), '-')
sti = (torch.tensor([[2, 1, 2, 0, 1, 2, 0], [5, 5, 5, 5, 5, 5, 5]], dtype=torch.int32), '-')
for op in ['sort', 'argsort']:
    for k, v in [('f32', X['f32']), ('f64', X['f64']), ('tie', X['tie']), ('st', st), ('sti', sti), ('nct', X['nct']),
                 ('ncs', X['ncs']), ('bool', X['bool']), ('e03', X['e03']), ('sc', X['sc'])]:
        for desc in [0, 1]:
            add(f'{op}_{k}_dl_desc{desc}', op, {'x': v}, {'dim': -1, 'descending': desc})
        if k in ('f64', 'tie', 'nct', 'e03'):
            add(f'{op}_{k}_d0_desc1', op, {'x': v}, {'dim': 0, 'descending': 1})
for k, v in [('st', st), ('tie', X['tie']), ('sti', sti)]:
    for desc in [0, 1]:
        add(f'sort_stable_{k}_desc{desc}', 'sort', {'x': v}, {'dim': -1, 'descending': desc, 'stable': 1})
add('sort_f32_oob', 'sort', {'x': X['f32']}, {'dim': 2, 'descending': 0})
for k, v in [('f32', X['f32']), ('tie', X['tie']), ('st', st), ('sti', sti), ('nct', X['nct']), ('f64', X['f64'])]:
    n = v[0].shape[-1] if v[1] == '-' else v[0].transpose(0, 1).shape[-1]
    for kk in sorted({0, 1, 2, n}):
        for largest in [1, 0]:
            add(f'topk_{k}_k{kk}_l{largest}', 'topk', {'x': v}, {'k': kk, 'dim': -1, 'largest': largest, 'sorted': 1})
add('topk_f64_d0_k2', 'topk', {'x': X['f64']}, {'k': 2, 'dim': 0, 'largest': 1, 'sorted': 1})
add('topk_f64_d1_k2_small', 'topk', {'x': X['f64']}, {'k': 2, 'dim': 1, 'largest': 0, 'sorted': 1})
add('topk_f32_kbig', 'topk', {'x': X['f32']}, {'k': 5, 'dim': -1, 'largest': 1, 'sorted': 1})
add('topk_f32_kneg', 'topk', {'x': X['f32']}, {'k': -1, 'dim': -1, 'largest': 1, 'sorted': 1})
add('topk_e03_k0', 'topk', {'x': X['e03']}, {'k': 0, 'dim': 0, 'largest': 1, 'sorted': 1})
add('topk_sc_k1', 'topk', {'x': X['sc']}, {'k': 1, 'dim': 0, 'largest': 1, 'sorted': 1})

# ---- unique / unique_consecutive
u1 = (torch.tensor([3., 1., 2., 3., 1., -0.0, 0.0, 5., 2., 2.]), '-')
u2 = (torch.tensor([[1, 2, 1], [0, 5, 0], [1, 2, 1], [0, 5, 0], [3, 3, 3]]), '-')
ub = (torch.tensor([True, False, False, True, True]), '-')
for op in ['unique', 'unique_consecutive']:
    for k, v in [('u1', u1), ('u2', u2), ('ub', ub), ('i32', X['i32']), ('e03', X['e03']), ('nct', X['nct']),
                 ('sc', X['sc'])]:
        for inv, cnt in [(0, 0), (1, 1), (1, 0), (0, 1)]:
            add(f'{op}_{k}_i{inv}c{cnt}', op, {'x': v}, {'inverse': inv, 'counts': cnt}, grad=False)
    for d in [0, 1, -1]:
        add(f'{op}_u2_dim{d}', op, {'x': u2}, {'inverse': 1, 'counts': 1, 'dim': d}, grad=False)
    add(f'{op}_tie_dim0', op, {'x': X['tie']}, {'inverse': 1, 'counts': 1, 'dim': 0}, grad=False)
    add(f'{op}_e03_dim1', op, {'x': X['e03']}, {'inverse': 1, 'counts': 1, 'dim': 1}, grad=False)
    add(f'{op}_e03_dim0', op, {'x': X['e03']}, {'inverse': 1, 'counts': 1, 'dim': 0}, grad=False)
    add(f'{op}_u2_dimoob', op, {'x': u2}, {'inverse': 0, 'counts': 0, 'dim': 2}, grad=False)

# ---- searchsorted / bucketize
seq = torch.tensor([1., 2., 2., 2., 5., 7.])
vals = torch.tensor([[0., 1., 2., 3.], [7., 8., nan, -inf], [2., 5., 6., inf]])
seq2 = torch.tensor([[1., 3., 5., 7.], [2., 2., 4., 4.], [0., 1., 2., 3.]])
unsorted = torch.tensor([5., 1., 7., 2., 2., 2.])
sorter = torch.argsort(unsorted)
for r in [0, 1]:
    add(f'ss_1d_r{r}', 'searchsorted', {'seq': (seq, '-'), 'v': (vals, '-')}, {'right': r}, grad=False)
    add(f'ss_2d_r{r}', 'searchsorted', {'seq': (seq2, '-'), 'v': (vals, '-')}, {'right': r}, grad=False)
    add(f'ss_sorter_r{r}', 'searchsorted', {'seq': (unsorted, '-'), 'v': (vals, '-'), 'sorter': (sorter, '-')},
        {'right': r}, grad=False)
    add(f'ss_int_r{r}', 'searchsorted', {'seq': (torch.tensor([0, 2, 2, 4, 9]), '-'),
                                         'v': (torch.tensor([-1, 0, 2, 3, 9, 10]), '-')}, {'right': r}, grad=False)
    add(f'ss_nan_seq_r{r}', 'searchsorted', {'seq': (torch.tensor([1., 2., nan]), '-'),
                                             'v': (torch.tensor([0., 2., 3., nan]), '-')}, {'right': r}, grad=False)
    add(f'bkt_r{r}', 'bucketize', {'x': (vals, '-'), 'bnd': (seq, '-')}, {'right': r}, grad=False)
    add(f'bkt_int_r{r}', 'bucketize', {'x': (torch.tensor([[1, 5], [9, -3]]), '-'),
                                       'bnd': (torch.tensor([1, 3, 5, 7]), '-')}, {'right': r}, grad=False)
    add(f'bkt_empty_r{r}', 'bucketize', {'x': (vals, '-'), 'bnd': (torch.zeros(0), '-')}, {'right': r}, grad=False)
add('ss_badshape', 'searchsorted', {'seq': (seq2, '-'), 'v': (torch.zeros(2, 2), '-')}, {'right': 0}, grad=False)
add('ss_ncv', 'searchsorted', {'seq': (seq, '-'), 'v': (vals, 't')}, {'right': 0}, grad=False)
add('bkt_2d_bnd', 'bucketize', {'x': (vals, '-'), 'bnd': (seq2, '-')}, {'right': 0}, grad=False)

# ---- histc / bincount
hx = torch.tensor([1., 2., 1., 2.5, 4., 4., 0.5, -1., 10.])
for bins, lo, hi in [(4, 0, 0), (5, 0, 4), (3, 1, 1), (4, -2, 2), (1, 0, 0), (10, 0, 10)]:
    add(f'histc_{bins}_{lo}_{hi}', 'histc', {'x': (hx, '-')}, {'bins': bins, 'min': lo, 'max': hi}, grad=False)
add('histc_f64_2d', 'histc', {'x': X['f64']}, {'bins': 6, 'min': 0, 'max': 0}, grad=False)
add('histc_const', 'histc', {'x': (torch.full((4,), 3.0), '-')}, {'bins': 4, 'min': 0, 'max': 0}, grad=False)
add('histc_empty', 'histc', {'x': (torch.zeros(0), '-')}, {'bins': 3, 'min': 0, 'max': 0}, grad=False)
add('histc_inf', 'histc', {'x': (torch.tensor([1., inf, 2.]), '-')}, {'bins': 3, 'min': 0, 'max': 0}, grad=False)
add('histc_bad_range', 'histc', {'x': (hx, '-')}, {'bins': 3, 'min': 3, 'max': 1}, grad=False)
add('histc_zero_bins', 'histc', {'x': (hx, '-')}, {'bins': 0, 'min': 0, 'max': 0}, grad=False)
add('histc_int', 'histc', {'x': (torch.tensor([1, 2, 3]), '-')}, {'bins': 3, 'min': 0, 'max': 0}, grad=False)
bx = torch.tensor([1, 3, 1, 0, 5, 3, 1])
for ml in [0, 3, 9]:
    add(f'bincount_ml{ml}', 'bincount', {'x': (bx, '-')}, {'minlength': ml}, grad=False)
add('bincount_w32', 'bincount', {'x': (bx, '-'), 'w': (torch.linspace(0, 1, 7), '-')}, {'minlength': 0}, grad=False)
add('bincount_w64', 'bincount', {'x': (bx, '-'), 'w': (torch.linspace(0, 1, 7, dtype=F64), '-')}, {'minlength': 8},
    grad=False)
add('bincount_wint', 'bincount', {'x': (bx, '-'), 'w': (torch.arange(7), '-')}, {'minlength': 0}, grad=False)
add('bincount_empty', 'bincount', {'x': (torch.zeros(0, dtype=torch.int64), '-')}, {'minlength': 0}, grad=False)
add('bincount_empty_ml', 'bincount', {'x': (torch.zeros(0, dtype=torch.int64), '-')}, {'minlength': 4}, grad=False)
add('bincount_neg', 'bincount', {'x': (torch.tensor([1, -1]), '-')}, {'minlength': 0}, grad=False)
add('bincount_2d', 'bincount', {'x': (torch.tensor([[1, 2]]), '-')}, {'minlength': 0}, grad=False)
add('bincount_float', 'bincount', {'x': (torch.tensor([1., 2.]), '-')}, {'minlength': 0}, grad=False)
add('bincount_i32', 'bincount', {'x': (torch.tensor([1, 2, 2], dtype=torch.int32), '-')}, {'minlength': 0}, grad=False)
add('bincount_badw', 'bincount', {'x': (bx, '-'), 'w': (torch.ones(3), '-')}, {'minlength': 0}, grad=False)
add('bincount_negml', 'bincount', {'x': (bx, '-')}, {'minlength': -1}, grad=False)

print('\n'.join(lines))
import sys
print(f'# {count[0]} cases', file=sys.stderr)
