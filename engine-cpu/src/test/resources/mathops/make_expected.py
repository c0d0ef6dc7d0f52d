# Writes expected.txt: PyTorch's results for the math ops and regression losses of issue 14 on broadcast, permuted and
# empty operands, read by MathOpsTest.java (the edge values are EdgeValuesTest's).
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" with "dtype", "shape", "values" (flat) and, for differentiable ones, "grad0", "grad1", ...
# (each input's gradient for an upstream gradient of 0.5, 1, 1.5, ... over the output), or "error <Type> <message>".
# Inputs: ramp(shape, seed) = ((i * 7 + seed) % 13 - 6) / 4 + 0.125 (no zeros, exact in float32), pos(shape, seed) =
# |ramp| + 0.25; "t" suffixes mean the transpose of a contiguous tensor of the transposed shape.
# Versions: xlogy's gradient is 2.x's (aten derivatives.yaml: self: at::xlogy(grad, other).masked_fill((self == 0.) &
# (other <= 0.), 0.)); 1.13's was grad * at::xlogy((self != 0), other); with no zero self here they agree.
import math
import torch
import torch.nn.functional as F

inf, nan = math.inf, math.nan


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def ramp(shape, seed, dtype=torch.float32):
    v = [((i * 7 + seed) % 13 - 6) / 4 + 0.125 for i in range(numel(shape))]
    return torch.tensor(v, dtype=torch.float64).reshape(shape).to(dtype)


def pos(shape, seed, dtype=torch.float32):
    return ramp(shape, seed, dtype).abs() + 0.25


def transposed(make, shape, seed, dtype=torch.float32):
    return make(list(reversed(shape)), seed, dtype).t()


def fmt(t):
    if t._is_zerotensor():  # sgn's real gradient is PyTorch's "efficient zero tensor", which has no storage
        t = torch.zeros(t.shape, dtype=t.dtype)
    return repr(t.detach().reshape(-1).tolist()) if t.numel() > 0 else '[]'


def up_like(y):
    return (torch.arange(y.numel(), dtype=torch.float64) * 0.5 + 0.5).reshape(y.shape).to(y.dtype)


def emit(key, make_inputs, f, grad=True):
    print('=== ' + key)
    try:
        xs = [t.detach().clone().requires_grad_(grad and t.dtype.is_floating_point) for t in make_inputs()]
        out = f(*xs)
        print('dtype ' + str(out.dtype).replace('torch.', ''))
        print('shape ' + repr(list(out.shape)))
        print('values ' + fmt(out))
        if grad and out.requires_grad:
            out.backward(up_like(out))
            for i, x in enumerate(xs):
                if x.requires_grad:
                    print('grad%d %s' % (i, fmt(x.grad) if x.grad is not None else 'none'))
    except (RuntimeError, IndexError, ValueError) as e:
        print('error %s %s' % (type(e).__name__, str(e).split('\n')[0]))


BINARY = {
    'atan2': torch.atan2, 'hypot': torch.hypot, 'fmod': torch.fmod, 'remainder': torch.remainder,
    'div_trunc': lambda a, b: torch.div(a, b, rounding_mode='trunc'),
    'div_floor': lambda a, b: torch.div(a, b, rounding_mode='floor'), 'copysign': torch.copysign, 'fmax': torch.fmax,
    'fmin': torch.fmin, 'xlogy': lambda a, b: torch.xlogy(a, b.abs() + 0.25), 'lerp': lambda a, b: torch.lerp(a, b, 0.3),
    'isclose': lambda a, b: torch.isclose(a, b, rtol=0.5, atol=0.3), 'floor_divide': torch.floor_divide,
}
for op, f in BINARY.items():
    grad = op not in ('isclose', 'floor_divide')
    emit('binary|%s|broadcast' % op, lambda: [ramp([3, 1], 1), ramp([4], 2)], f, grad)
    emit('binary|%s|transposed' % op, lambda: [transposed(ramp, [2, 5], 3), ramp([2, 5], 4)], f, grad)
    emit('binary|%s|empty' % op, lambda: [torch.zeros(0, 3), ramp([3], 5)], f, grad)
    emit('binary|%s|float64' % op, lambda: [ramp([2, 3], 6, torch.float64), ramp([2, 3], 7, torch.float64)], f, grad)
emit('lerp_tensor|broadcast', lambda: [ramp([3, 1], 1), ramp([1, 4], 2), ramp([4], 3)], torch.lerp)
emit('lerp_tensor|transposed', lambda: [transposed(ramp, [2, 3], 1), ramp([2, 3], 2), transposed(ramp, [2, 3], 3)],
     torch.lerp)
for op in ('bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_left_shift', 'bitwise_right_shift'):
    f = getattr(torch, op)
    emit('bitwise|%s|broadcast' % op, lambda: [torch.tensor([[5], [-3], [64]]), torch.tensor([0, 1, 2, 3])], f, False)
emit('bitwise|not|transposed', lambda: [torch.tensor([[1, 2, 3], [4, 5, 6]]).t()], torch.bitwise_not, False)

UNARY = {
    'log1p': lambda x: (x.abs() + 0.1).log1p(), 'expm1': torch.expm1, 'log2': lambda x: x.abs().log2(),
    'log10': lambda x: x.abs().log10(), 'exp2': torch.exp2, 'tan': torch.tan, 'asin': lambda x: (x / 4).asin(),
    'acos': lambda x: (x / 4).acos(), 'atan': torch.atan, 'sinh': torch.sinh, 'cosh': torch.cosh, 'asinh': torch.asinh,
    'acosh': lambda x: (x.abs() + 1).acosh(), 'atanh': lambda x: (x / 4).atanh(), 'rsqrt': lambda x: x.abs().rsqrt(),
    'trunc': torch.trunc, 'frac': torch.frac, 'sgn': torch.sgn, 'erfc': torch.erfc, 'erfinv': lambda x: (x / 4).erfinv(),
    'lgamma': torch.lgamma, 'digamma': torch.digamma, 'polygamma': lambda x: torch.polygamma(2, x),
    'logsigmoid': F.logsigmoid, 'nan_to_num': lambda x: torch.nan_to_num(x.log(), nan=0.5, neginf=-3.0),
}
for op, f in UNARY.items():
    emit('unary|%s|transposed' % op, lambda: [transposed(ramp, [3, 4], 2)], f)
    emit('unary|%s|broadcast' % op, lambda: [ramp([1, 4], 3).expand(3, 4)], f)
    emit('unary|%s|empty' % op, lambda: [torch.zeros(2, 0)], f)

# regression losses
LOSSES = {
    'mse': lambda a, b, r: F.mse_loss(a, b, reduction=r), 'l1': lambda a, b, r: F.l1_loss(a, b, reduction=r),
    'smooth_l1': lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r),
    'smooth_l1_beta0.5': lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
    'smooth_l1_beta0': lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.0),
    'huber': lambda a, b, r: F.huber_loss(a, b, reduction=r),
    'huber_delta0.5': lambda a, b, r: F.huber_loss(a, b, reduction=r, delta=0.5),
}
for name, f in LOSSES.items():
    for red in ('mean', 'sum', 'none'):
        emit('loss|%s|%s' % (name, red), lambda: [ramp([3, 4], 1) * 2, ramp([3, 4], 5)], lambda a, b: f(a, b, red))
    emit('loss|%s|broadcast' % name, lambda: [ramp([3, 4], 1) * 2, ramp([4], 5)], lambda a, b: f(a, b, 'mean'))
    # mixed types: forward only (PyTorch's mse_loss_backward and huber_loss_backward refuse a float32 target beside a
    # float64 input: "Found dtype Float but expected Double"; Ember's backward converts the gradient)
    emit('loss|%s|float64' % name, lambda: [ramp([2, 3], 1, torch.float64), ramp([2, 3], 2, torch.float32)],
         lambda a, b: f(a, b, 'sum'), grad=False)
    emit('loss|%s|empty' % name, lambda: [torch.zeros(0, 3), torch.zeros(0, 3)], lambda a, b: f(a, b, 'mean'))
    if name == 'smooth_l1_beta0':
        # 2.x's F.smooth_l1_loss with beta 0 is l1_loss (torch/nn/functional.py), whose mean refuses int64; 1.13 ran
        # smooth_l1_loss ("smooth_l1_cpu" not implemented for 'Long')
        f = LOSSES['l1']
    emit('loss|%s|int_error' % name, lambda: [torch.tensor([1, 2]), torch.tensor([1, 3])], lambda a, b: f(a, b, 'mean'))
    emit('loss|%s|shape_error' % name, lambda: [torch.zeros(2), torch.zeros(3)], lambda a, b: f(a, b, 'mean'))
    emit('loss|%s|reduction_error' % name, lambda: [torch.zeros(2), torch.zeros(2)], lambda a, b: f(a, b, 'avg'))
emit('loss|smooth_l1|beta_error', lambda: [torch.zeros(2), torch.zeros(2)], lambda a, b: F.smooth_l1_loss(a, b, beta=-1.0))
emit('loss|huber|delta_error', lambda: [torch.zeros(2), torch.zeros(2)], lambda a, b: F.huber_loss(a, b, delta=0.0))

# errors of the math ops (the input must be left as it was)
emit('error|div_mode', lambda: [ramp([3], 1), ramp([3], 2)], lambda a, b: torch.div(a, b, rounding_mode='round'))
emit('error|lerp_dtype', lambda: [ramp([3], 1), ramp([3], 2, torch.float64)], lambda a, b: torch.lerp(a, b, 0.5))
emit('error|lerp_weight_dtype', lambda: [ramp([3], 1), ramp([3], 2), ramp([3], 3, torch.float64)], torch.lerp)
emit('error|lerp_int', lambda: [torch.tensor([1, 2]), torch.tensor([3, 4])], lambda a, b: torch.lerp(a, b, 0.5))
emit('error|lerp_broadcast', lambda: [ramp([3], 1), ramp([4], 2)], lambda a, b: torch.lerp(a, b, 0.5))
emit('error|isclose_dtype', lambda: [ramp([3], 1), ramp([3], 2, torch.float64)], torch.isclose)
emit('error|isclose_rtol', lambda: [ramp([3], 1), ramp([3], 2)], lambda a, b: torch.isclose(a, b, rtol=-1.5))
emit('error|isclose_atol', lambda: [ramp([3], 1), ramp([3], 2)], lambda a, b: torch.isclose(a, b, atol=-0.25))
emit('error|fmod_zero', lambda: [torch.tensor([5, 6]), torch.tensor([1, 0])], torch.fmod)
emit('error|remainder_zero_scalar', lambda: [torch.tensor([5, 6])], lambda a: torch.remainder(a, 0))
emit('error|floor_divide_bool', lambda: [torch.tensor([True]), torch.tensor([True])], torch.floor_divide)
emit('error|hypot_int', lambda: [torch.tensor([3]), torch.tensor([4])], torch.hypot)
emit('error|bitwise_float', lambda: [ramp([3], 1), torch.tensor([1, 2, 3])], torch.bitwise_and)
emit('error|shift_bool', lambda: [torch.tensor([True]), torch.tensor([True])], torch.bitwise_left_shift)
emit('error|bitwise_not_float', lambda: [ramp([3], 1)], torch.bitwise_not)
emit('error|frac_int', lambda: [torch.tensor([3])], torch.frac)
emit('error|trunc_bool', lambda: [torch.tensor([True])], torch.trunc)
emit('error|logsigmoid_int', lambda: [torch.tensor([3])], F.logsigmoid)
emit('error|polygamma_negative', lambda: [ramp([3], 1)], lambda a: torch.polygamma(-1, a))
emit('error|atan2_broadcast', lambda: [ramp([3], 1), ramp([2], 2)], torch.atan2)
