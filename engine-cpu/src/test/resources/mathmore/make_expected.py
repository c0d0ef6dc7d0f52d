# Writes expected.txt: PyTorch's results for the pointwise math of SpecialOps (sinc, logit, xlog1py, logaddexp(2),
# i0, i0e, i1, i1e, ndtr, ndtri, entr, multigammaln, heaviside, addcmul/addcdiv and their in-place forms, deg2rad,
# rad2deg, float_power, true_divide, clip, fix, negative, positive, square_, special.round), read by MathMoreTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" (key = op|variant) with its inputs "inN dtype [shape] : values" ("tN" when input N is the
# transpose of that tensor, "gN" when it requires grad), then "dtype", "shape", "values" (flat), "node", and
# "gradN" (the gradient of input N for an upstream gradient of 0.5, 1, 1.5, ... over the output); or
# "error <Type> <message>"; frexp's cases add "exponent" and "exponent_dtype" (its second output).
# nextafter's inputs take no gradient here (its backward fails; MathMoreTest checks that message).
# Versions: the node names are 2.x's, which 1.13 shares for these ops. multigammaln's check that every element exceeds
# (p-1)/2 is 2.x's (1.13 returns inf instead); MathMoreTest checks its message, taken from 2.x's UnaryOps.cpp.
import math
import torch

inf, nan = math.inf, math.nan


def fmt_vals(t):
    return repr(t.detach().reshape(-1).tolist()) if t.numel() > 0 else '[]'


def fmt_in(t):
    dtype = str(t.dtype).replace('torch.', '')
    shape = ','.join(str(s) for s in t.shape)
    vals = ' '.join(repr(v) for v in t.detach().reshape(-1).tolist())
    return '%s [%s] : %s' % (dtype, shape, vals)


def up_like(y):
    return (torch.arange(y.numel(), dtype=torch.float64) * 0.5 + 0.5).reshape(y.shape).to(y.dtype)


def emit(key, f, *inputs, transposed=(), grad=True):
    """inputs: tensors (contiguous); those in `transposed` are passed as .t()."""
    print('=== ' + key)
    xs = []
    for i, t in enumerate(inputs):
        print('in%d %s' % (i, fmt_in(t)))
        x = t.detach().clone()
        if i in transposed:
            print('t%d' % i)
            x = x.t()
        if grad and x.dtype.is_floating_point:
            x.requires_grad_(True)
            print('g%d' % i)
        xs.append(x)
    try:
        out = f(*xs)
        print('dtype ' + str(out.dtype).replace('torch.', ''))
        print('shape ' + repr(list(out.shape)))
        print('values ' + fmt_vals(out))
        if out.grad_fn is not None:
            print('node ' + type(out.grad_fn).__name__)
            if grad:
                out.backward(up_like(out))
                for i, x in enumerate(xs):
                    if x.requires_grad:
                        print('grad%d %s' % (i, fmt_vals(x.grad) if x.grad is not None else 'none'))
    except (RuntimeError, IndexError, ValueError) as e:
        print('error %s %s' % (type(e).__name__, str(e).split('\n')[0]))


def t64(v, shape=None):
    t = torch.tensor(v, dtype=torch.float64)
    return t.reshape(shape) if shape else t


def ramp(shape, seed, lo, hi, dtype=torch.float64):
    n = 1
    for s in shape:
        n *= s
    v = [lo + (hi - lo) * (((i * 7 + seed) % 13) / 12.0) for i in range(n)]
    return torch.tensor(v, dtype=torch.float64).reshape(shape).to(dtype)


UNARY = {
    'sinc': torch.sinc,
    'logit': torch.logit,
    'logit_eps0.2': lambda x: torch.logit(x, 0.2),
    'logit_epsneg': lambda x: torch.logit(x, -1.0),
    'entr': torch.special.entr,
    'i0': torch.i0,
    'i0e': torch.special.i0e,
    'i1': torch.special.i1,
    'i1e': torch.special.i1e,
    'ndtr': torch.special.ndtr,
    'ndtri': torch.special.ndtri,
    'mvlgamma1': lambda x: torch.special.multigammaln(x, 1),
    'mvlgamma3': lambda x: torch.special.multigammaln(x, 3),
    'deg2rad': torch.deg2rad,
    'rad2deg': torch.rad2deg,
    'special_round': torch.special.round,
    'fix': torch.fix,
    'negative': torch.negative,
    'positive': torch.positive,
    'clip': lambda x: x.clip(-0.5, 0.75),
    'float_power_s': lambda x: torch.float_power(x, 2.5),
    'square_': lambda x: x.clone().square_(),
    'expit': torch.special.expit,
    'gammaln': torch.special.gammaln,
    'psi': torch.special.psi,
    'erfcx': torch.special.erfcx,
    'log_ndtr': torch.special.log_ndtr,
}

BESSEL_EDGE = [0.0, -0.0, 1e-20, 1e-8, 0.5, -1.5, 7.99, 8.0, 8.01, -8.5, 20.0, -50.0, 100.0, 700.0, 713.0, inf, -inf, nan]
EDGES = {
    'sinc': [0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -3.25, 1e-10, 100.5, 1e300, inf, -inf, nan],
    'logit': [0.0, 1.0, 0.5, 0.25, 0.9, 0.1, -0.1, 1.1, 1e-8, nan],
    'entr': [0.0, 1.0, 0.5, 2.0, 1e-300, -1.0, inf, nan],
    'i0': BESSEL_EDGE, 'i0e': BESSEL_EDGE, 'i1': BESSEL_EDGE, 'i1e': BESSEL_EDGE,
    'ndtr': [0.0, 1.0, -1.0, 0.5, -0.75, 5.0, -5.0, -40.0, 40.0, inf, -inf, nan],
    'ndtri': [0.0, 1.0, 0.5, 0.1, 0.9, 0.0025, 0.135, 0.14, 0.8647, 0.87, 1e-10, 1e-100, 1e-300, 0.9999999, -0.1, 1.1, nan],
    'mvlgamma1': [0.25, 1.0, 2.5, 10.25, 100.0],
    'mvlgamma3': [1.25, 1.5, 3.0, 10.25, 100.0],
    'deg2rad': [0.0, 90.0, -180.0, 45.5, 1e300, inf, nan],
    'rad2deg': [0.0, 1.0, -3.5, 1e300, inf, nan],
    'special_round': [0.5, 1.5, 2.5, -0.5, -2.5, 2.6, -0.0],
    'fix': [0.5, -1.5, 2.7, -0.0, inf, nan],
    'negative': [0.5, -1.5, 0.0, inf],
    'positive': [0.5, -1.5, 0.0],
    'clip': [-1.0, -0.5, 0.0, 0.75, 2.0, nan],
    'float_power_s': [0.5, 2.0, 3.25, 0.0],
    'square_': [0.5, -1.5, 3.0],
    'expit': [0.0, -3.0, 40.0],
    'gammaln': [0.5, 2.5, 10.0],
    'psi': [0.5, 2.5, 10.0],
    'erfcx': [0.0, -0.0, 1e-20, 0.5, -0.5, 3.9, 4.0, 12.0, 49.9, 50.0, 51.0, 1e8, -6.0, -6.2, -26.0, -27.0, 1e300, inf, -inf, nan],
    'log_ndtr': [0.0, -0.5, -1.0, -1.0001, -3.0, -10.0, -40.0, -1e10, 2.0, 10.0, 40.0, inf, -inf, nan],
}
# smooth interior ranges for the float32, transposed and integer cases
RANGES = {
    'sinc': (-2.6, 2.6), 'logit': (0.05, 0.95), 'logit_eps0.2': (0.05, 0.95), 'logit_epsneg': (0.05, 0.95),
    'entr': (0.05, 3.0), 'i0': (-12.0, 12.0), 'i0e': (-12.0, 12.0), 'i1': (-12.0, 12.0), 'i1e': (-12.0, 12.0),
    'ndtr': (-3.0, 3.0), 'ndtri': (0.01, 0.99), 'mvlgamma1': (0.5, 6.0), 'mvlgamma3': (1.5, 6.0),
    'deg2rad': (-200.0, 200.0), 'rad2deg': (-4.0, 4.0), 'erfcx': (-5.0, 20.0), 'log_ndtr': (-6.0, 3.0),
}

for name, f in UNARY.items():
    edge = EDGES.get(name, EDGES.get(name.split('_eps')[0]))
    emit(name + '|edge64', f, t64(edge))
    emit(name + '|edge32', f, t64(edge).float())
    if name in RANGES:
        lo, hi = RANGES[name]
        emit(name + '|f32', f, ramp([3, 4], 1, lo, hi, torch.float32))
        emit(name + '|t64', f, ramp([4, 3], 2, lo, hi), transposed=(0,))
        emit(name + '|empty', f, torch.zeros(0, 3, dtype=torch.float64))
        emit(name + '|scalar', f, t64((lo + hi) / 2 + 0.125))
for name in ['sinc', 'logit', 'entr', 'i0', 'i0e', 'i1', 'i1e', 'ndtr', 'ndtri', 'deg2rad', 'rad2deg', 'float_power_s',
             'mvlgamma3', 'expit', 'erfcx', 'log_ndtr']:
    emit(name + '|int64', UNARY[name], torch.tensor([0, 1, 2, -3, 5]) if name != 'mvlgamma3' else torch.tensor([2, 3, 7]))
for name in ['sinc', 'logit', 'i0', 'deg2rad', 'rad2deg', 'entr']:
    emit(name + '|bool', UNARY[name], torch.tensor([True, False, True]))

# binary ops
BINARY = {
    'xlog1py': torch.special.xlog1py,
    'xlog1py_s': lambda y: torch.special.xlog1py(2.5, y),
    'xlog1py_o': lambda x: torch.special.xlog1py(x, 2.0),
    'xlog1py_oneg': lambda x: torch.special.xlog1py(x, -1.5),
    'logaddexp': torch.logaddexp,
    'logaddexp2': torch.logaddexp2,
    'heaviside': torch.heaviside,
    'float_power': torch.float_power,
    'true_divide': torch.true_divide,
    'ldexp': torch.ldexp,
    'nextafter': torch.nextafter,
}
xl_a = [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, -1.5, nan, 0.5, 3.0]
xl_b = [0.0, -1.0, nan, -2.0, -1.0, 0.5, 3.0, 1.0, inf, -0.5]
emit('xlog1py|edge64', BINARY['xlog1py'], t64(xl_a), t64(xl_b))
emit('xlog1py|edge32', BINARY['xlog1py'], t64(xl_a).float(), t64(xl_b).float())
emit('xlog1py|bcast', BINARY['xlog1py'], ramp([3, 1], 1, -2.0, 2.0), ramp([4], 2, -0.5, 3.0))
emit('xlog1py|t64', BINARY['xlog1py'], ramp([4, 3], 1, -2.0, 2.0), ramp([3, 4], 2, -0.5, 3.0), transposed=(0,))
emit('xlog1py|int64', BINARY['xlog1py'], torch.tensor([0, 1, 2]), torch.tensor([3, 0, -1]))
emit('xlog1py|mixed', BINARY['xlog1py'], torch.tensor([0, 1, 2]), t64([0.5, 1.0, 2.0]).float())
emit('xlog1py_s|f64', BINARY['xlog1py_s'], t64([0.0, -1.0, 0.5, 3.0, nan]))
emit('xlog1py_o|f64', BINARY['xlog1py_o'], t64([0.0, -1.0, 0.5, 3.0, nan]))
emit('xlog1py_oneg|f64', BINARY['xlog1py_oneg'], t64([0.0, -1.0, 0.5, 3.0]))
emit('xlog1py_o|f32', BINARY['xlog1py_o'], t64([0.0, -1.0, 0.5, 3.0]).float())

la = [inf, -inf, inf, -inf, nan, 1.0, 1000.0, -1000.0, 0.0, 1.5, -30.0, 1e-20, 710.0]
lb = [inf, -inf, -inf, inf, 1.0, nan, 1000.0, -1001.0, 0.0, -2.0, 30.0, -1e-20, 709.0]
for op in ['logaddexp', 'logaddexp2']:
    emit(op + '|edge64', BINARY[op], t64(la), t64(lb))
    emit(op + '|edge32', BINARY[op], t64(la).float(), t64(lb).float())
    emit(op + '|bcast', BINARY[op], ramp([3, 1], 1, -3.0, 3.0), ramp([4], 2, -3.0, 3.0))
    emit(op + '|t32', BINARY[op], ramp([4, 3], 1, -3.0, 3.0, torch.float32), ramp([3, 4], 2, -3.0, 3.0, torch.float32),
         transposed=(0,))
    emit(op + '|empty', BINARY[op], torch.zeros(0, 3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64))
    emit(op + '|int64', BINARY[op], torch.tensor([1, 2]), torch.tensor([3, 4]))
    emit(op + '|mixed', BINARY[op], t64([1.0, 2.0]).float(), t64([3.0, -4.0]))

ha = [-1.5, 0.0, -0.0, 2.0, nan, inf, -inf]
hb = [0.5, 0.25, -3.0, 0.75, 0.5, 0.5, 0.5]
emit('heaviside|f64', BINARY['heaviside'], t64(ha), t64(hb), grad=False)
emit('heaviside|f32', BINARY['heaviside'], t64(ha).float(), t64(hb).float(), grad=False)
emit('heaviside|bcast', BINARY['heaviside'], t64([-1.0, 0.0, 2.0], [3, 1]), t64([0.5, 7.0]), grad=False)
emit('heaviside|int64', BINARY['heaviside'], torch.tensor([-2, 0, 3]), torch.tensor([5, 6, 7]), grad=False)
emit('heaviside|bool', BINARY['heaviside'], torch.tensor([True, False, False]), torch.tensor([False, True, False]), grad=False)
emit('heaviside|mixed', BINARY['heaviside'], t64([1.0]).float(), t64([1.0]), grad=False)
emit('heaviside|grad', BINARY['heaviside'], t64([-1.0, 0.0, 2.0]), t64([0.5, 0.5, 0.5]), grad=False)

emit('float_power|f32', BINARY['float_power'], ramp([3, 4], 1, 0.5, 3.0, torch.float32), ramp([4], 2, -2.0, 2.0, torch.float32))
emit('float_power|int64', BINARY['float_power'], torch.tensor([1, 2, 3]), torch.tensor([2, -1, 3]))
emit('true_divide|f64', BINARY['true_divide'], ramp([3, 4], 1, -3.0, 3.0), ramp([4], 2, 0.5, 3.0))
emit('true_divide|int64', BINARY['true_divide'], torch.tensor([1, 2, 7]), torch.tensor([2, 4, 3]))

emit('ldexp|f64int', BINARY['ldexp'], t64([1.5, -0.75, 0.0, inf, nan]), torch.tensor([2, -3, 5, 1, 1]))
emit('ldexp|f32', BINARY['ldexp'], ramp([3, 4], 1, -2.0, 2.0, torch.float32), ramp([4], 2, -3.0, 3.0, torch.float32))
emit('ldexp|int64', BINARY['ldexp'], torch.tensor([1, 2, -3]), torch.tensor([2, 0, 3]))
na = [0.0, -0.0, 1.0, 1.0, -1.0, 1e308, 5e-324, inf, nan, 2.0]
nb = [1.0, -1.0, 2.0, 0.0, -inf, inf, 0.0, 0.0, 1.0, 2.0]
emit('nextafter|f64', BINARY['nextafter'], t64(na), t64(nb), grad=False)
emit('nextafter|f32', BINARY['nextafter'], t64(na).float(), t64(nb).float(), grad=False)
emit('nextafter|bcast', BINARY['nextafter'], ramp([3, 1], 1, -2.0, 2.0, torch.float32), t64([0.0, 5.0]), grad=False)
emit('nextafter|int64', BINARY['nextafter'], torch.tensor([1, 2]), torch.tensor([3, 4]))
emit('nextafter|bool', BINARY['nextafter'], torch.tensor([True]), torch.tensor([False]))

# addcmul / addcdiv and their in-place forms
TERNARY = {
    'addcmul': lambda s, a, b: torch.addcmul(s, a, b),
    'addcmul_v': lambda s, a, b: torch.addcmul(s, a, b, value=-2.5),
    'addcdiv': lambda s, a, b: torch.addcdiv(s, a, b),
    'addcdiv_v': lambda s, a, b: torch.addcdiv(s, a, b, value=0.75),
    'addcmul_': lambda s, a, b: s.clone().addcmul_(a, b, value=1.5),
    'addcdiv_': lambda s, a, b: s.clone().addcdiv_(a, b, value=-0.5),
}
for op, f in TERNARY.items():
    emit(op + '|bcast64', f, ramp([3, 4], 1, -2.0, 2.0), ramp([4], 2, -2.0, 2.0), ramp([3, 1], 3, 0.5, 2.0))
    emit(op + '|f32', f, ramp([3, 4], 1, -2.0, 2.0, torch.float32), ramp([3, 4], 2, -2.0, 2.0, torch.float32),
         ramp([4, 3], 3, 0.5, 2.0, torch.float32), transposed=(2,))
    emit(op + '|edge64', f, t64([1.0, inf, nan, 0.0, 2.0]), t64([2.0, 1.0, 1.0, inf, 0.0]), t64([3.0, 2.0, 1.0, 0.0, 0.0]))
emit('addcmul|bcastself', TERNARY['addcmul'], ramp([3, 1], 1, -2.0, 2.0), ramp([4], 2, -2.0, 2.0), ramp([3, 4], 3, 0.5, 2.0))
emit('addcdiv_v|bcastself', TERNARY['addcdiv_v'], ramp([1], 1, -2.0, 2.0), ramp([4], 2, -2.0, 2.0), ramp([3, 4], 3, 0.5, 2.0))
emit('addcmul_v|int64', lambda s, a, b: torch.addcmul(s, a, b, value=2), torch.tensor([1, 2]), torch.tensor([3, 4]),
     torch.tensor([5, -6]))
emit('addcmul|mixed', TERNARY['addcmul'], torch.tensor([1, 2]), torch.tensor([3, 4]), t64([0.5, 1.5]).float())
emit('addcmul|bool', TERNARY['addcmul'], torch.tensor([True]), torch.tensor([True]), torch.tensor([False]))
emit('addcdiv|int64', TERNARY['addcdiv'], torch.tensor([1.0]), torch.tensor([3, 4]), torch.tensor([5, 6]))
emit('addcdiv|int64self', TERNARY['addcdiv'], torch.tensor([1, 2]), torch.tensor([3, 4]), t64([5.0, 6.0]))
emit('addcmul_|intoint', TERNARY['addcmul_'], torch.tensor([1, 2]), t64([3.0, 4.0]), t64([5.0, 6.0]))

# frexp: "values" and the gradient are the mantissa's, "exponent" the int32 exponent
def frexp_case(key, x, grad=True):
    emit(key, lambda t: torch.frexp(t)[0], x, grad=grad)
    print('exponent ' + fmt_vals(torch.frexp(x)[1]))
    print('exponent_dtype ' + str(torch.frexp(x)[1].dtype).replace('torch.', ''))


fr = [0.0, -0.0, 1.0, -3.5, 0.75, 1e-310, 5e-324, 1e300, -1.7976931348623157e308, inf, -inf, nan]
frexp_case('frexp|f64', t64(fr))
frexp_case('frexp|f32', t64([0.0, -0.0, 1.0, -3.5, 0.75, 1e-40, 1e-45, 3e38, inf, -inf, nan]).float())
frexp_case('frexp|t64', ramp([4, 3], 1, -40.0, 40.0))
emit('frexp|int64', lambda t: torch.frexp(t)[0], torch.tensor([1, 2]))

# errors of the unary ops
emit('positive|boolerr', UNARY['positive'], torch.tensor([True, False]))
emit('negative|boolerr', UNARY['negative'], torch.tensor([True, False]))
emit('mvlgamma0|p0', lambda x: torch.special.multigammaln(x, 0), t64([5.5]))
