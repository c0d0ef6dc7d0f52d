"""The aten operator each of Ember's public in-place Tensor methods reaches, as PyTorch's Python call dispatches it.

Run from the repository root with /usr/bin/python3 (PyTorch 1.13):
    /usr/bin/python3 engine-cpu/src/test/resources/funccaptures/make_names.py
It writes engine-api/src/main/resources/dev/ember/inplace_aten_names.tsv: one line per Java signature (the method name
and its parameter kinds: T Tensor, D double, L long, I int, Z boolean, S String, O Double, X Index[], N int[], any
other type by its Java name (Tensor[]); a Generator parameter is left out, it does not change the operator), a tab, and the operator's name as
torch._C.FunctionSchema.operator_name prints it ("aten::add_.Tensor"). functorch's grad/jvp/vjp refusal to mutate a
captured tensor names that operator (at/functorch/ADInterpreters.cpp, checkForInvalidMutationOnCaptures), and Ember's
Func transforms do the same (FuncCaptures). The name is read from functorch.grad's own refusal (1.13's functorch has the 2.x check and message)
when the Python equivalent runs on a captured tensor (a Python number passed where the method takes a Tensor is wrapped, so x.add_(1) is
aten::add_.Tensor; methods with a Scalar overload PyTorch's Python binding keeps, such as eq_, take it). Methods that
are not operators in PyTorch (apply_, map_, map2_, materialize_, requires_grad_) are not listed: PyTorch's transforms
do not see them, and Ember's do not refuse them.
"""
import re

import functorch
import torch


def f64(*v):
    return torch.tensor(v, dtype=torch.float64)


def i64(*v):
    return torch.tensor(v, dtype=torch.int64)


X = lambda: f64(0.5, 0.25, 0.75)
M = lambda: f64(0.5, 0.25, 0.75, 0.125).reshape(2, 2)
B = lambda: torch.tensor([True, False, True])
IX = lambda: i64(0, 2)

# (Java key, the tensor to write, the Python call)
CASES = [
    ('bernoulli_(D)', X, lambda x: x.bernoulli_(0.5)),
    ('bernoulli_(T)', X, lambda x: x.bernoulli_(X())),
    ('normal_(D,D)', X, lambda x: x.normal_(0., 1.)),
    ('uniform_(D,D)', X, lambda x: x.uniform_(0., 1.)),
    ('exponential_(D)', X, lambda x: x.exponential_(1.)),
    ('random_(L,L)', X, lambda x: x.random_(0, 5)),
    ('random_(L)', X, lambda x: x.random_(5)),
    ('random_()', X, lambda x: x.random_()),
    ('geometric_(D)', X, lambda x: x.geometric_(0.5)),
    ('cauchy_(D,D)', X, lambda x: x.cauchy_(0., 1.)),
    ('logNormal_(D,D)', X, lambda x: x.log_normal_(0., 1.)),
    ('detach_()', X, lambda x: x.detach_()),
    ('round_(I)', X, lambda x: x.round_(decimals=1)),
    ('round_()', X, lambda x: x.round_()),
    ('addcmul_(T,T)', X, lambda x: x.addcmul_(X(), X())),
    ('addcmul_(T,T,D)', X, lambda x: x.addcmul_(X(), X(), value=2.)),
    ('addcdiv_(T,T)', X, lambda x: x.addcdiv_(X(), X())),
    ('addcdiv_(T,T,D)', X, lambda x: x.addcdiv_(X(), X(), value=2.)),
    ('deg2rad_()', X, lambda x: x.deg2rad_()),
    ('rad2deg_()', X, lambda x: x.rad2deg_()),
    ('nextafter_(T)', X, lambda x: x.nextafter_(X())),
    ('square_()', X, lambda x: x.square_()),
    ('add_(T)', X, lambda x: x.add_(X())),
    ('add_(T,D)', X, lambda x: x.add_(X(), alpha=2.)),
    ('add_(D)', X, lambda x: x.add_(1.5)),
    ('add_(L)', X, lambda x: x.add_(1)),
    ('sub_(T)', X, lambda x: x.sub_(X())),
    ('sub_(T,D)', X, lambda x: x.sub_(X(), alpha=2.)),
    ('sub_(D)', X, lambda x: x.sub_(1.5)),
    ('sub_(L)', X, lambda x: x.sub_(1)),
    ('mul_(T)', X, lambda x: x.mul_(X())),
    ('mul_(D)', X, lambda x: x.mul_(1.5)),
    ('mul_(L)', X, lambda x: x.mul_(2)),
    ('div_(T)', X, lambda x: x.div_(X())),
    ('div_(D)', X, lambda x: x.div_(1.5)),
    ('div_(L)', X, lambda x: x.div_(2)),
    ('div_(L,S)', X, lambda x: x.div_(2, rounding_mode='floor')),
    ('div_(D,S)', X, lambda x: x.div_(2., rounding_mode='floor')),
    ('div_(T,S)', X, lambda x: x.div_(X(), rounding_mode='floor')),
    ('clamp_(O,O)', X, lambda x: x.clamp_(0., 1.)),
    ('clamp_(D,D)', X, lambda x: x.clamp_(0., 1.)),
    ('clamp_(L,L)', X, lambda x: x.clamp_(0, 1)),
    ('clampMin_(L)', X, lambda x: x.clamp_min_(0)),
    ('clampMax_(L)', X, lambda x: x.clamp_max_(1)),
    ('clampMin_(D)', X, lambda x: x.clamp_min_(0.)),
    ('clampMax_(D)', X, lambda x: x.clamp_max_(1.)),
    ('clip_(D,D)', X, lambda x: x.clip_(0., 1.)),
    ('clip_(L,L)', X, lambda x: x.clip_(0, 1)),
    ('zero_()', X, lambda x: x.zero_()),
    ('fill_(D)', X, lambda x: x.fill_(1.5)),
    ('fill_(L)', X, lambda x: x.fill_(1)),
    ('fill_(Z)', X, lambda x: x.fill_(True)),
    ('fill_(T)', X, lambda x: x.fill_(f64(2.))),
    ('copy_(T)', X, lambda x: x.copy_(X())),
    ('relu_()', X, lambda x: x.relu_()),
    ('sigmoid_()', X, lambda x: x.sigmoid_()),
    ('tanh_()', X, lambda x: x.tanh_()),
    ('exp_()', X, lambda x: x.exp_()),
    ('neg_()', X, lambda x: x.neg_()),
    ('abs_()', X, lambda x: x.abs_()),
    ('sqrt_()', X, lambda x: x.sqrt_()),
    ('log_()', X, lambda x: x.log_()),
    ('indexPut_(X,T,Z)', X, lambda x: x.index_put_((IX(),), f64(1., 2.), False)),
    ('indexPut_(X,D,Z)', X, lambda x: x.index_put_((IX(),), f64(1.), False)),
    ('indexPut_(X,L,Z)', X, lambda x: x.index_put_((IX(),), f64(1.), False)),
    ('indexPut_(Tensor[],T,Z)', X, lambda x: x.index_put_((IX(),), f64(1., 2.), False)),
    ('scatter_(I,T,T)', X, lambda x: x.scatter_(0, IX(), X())),
    ('scatter_(I,T,D)', X, lambda x: x.scatter_(0, IX(), 1.5)),
    ('scatter_(I,T,L)', X, lambda x: x.scatter_(0, IX(), 1)),
    ('scatterAdd_(I,T,T)', X, lambda x: x.scatter_add_(0, IX(), X())),
    ('scatterReduce_(I,T,T,S,Z)', X, lambda x: x.scatter_reduce_(0, IX(), X(), 'sum', include_self=True)),
    ('indexAdd_(I,T,T)', X, lambda x: x.index_add_(0, IX(), f64(1., 2.))),
    ('indexAdd_(I,T,T,D)', X, lambda x: x.index_add_(0, IX(), f64(1., 2.), alpha=2.)),
    ('indexCopy_(I,T,T)', X, lambda x: x.index_copy_(0, IX(), f64(1., 2.))),
    ('indexFill_(I,T,D)', X, lambda x: x.index_fill_(0, IX(), 1.5)),
    ('indexFill_(I,T,L)', X, lambda x: x.index_fill_(0, IX(), 1)),
    ('indexFill_(I,T,Z)', X, lambda x: x.index_fill_(0, IX(), True)),
    ('indexFill_(I,T,T)', X, lambda x: x.index_fill_(0, IX(), f64(1.5))),
    ('put_(T,T)', X, lambda x: x.put_(IX(), f64(1., 2.))),
    ('put_(T,T,Z)', X, lambda x: x.put_(IX(), f64(1., 2.), accumulate=True)),
    ('maskedFill_(T,D)', X, lambda x: x.masked_fill_(B(), 1.5)),
    ('maskedFill_(T,L)', X, lambda x: x.masked_fill_(B(), 1)),
    ('maskedFill_(T,Z)', X, lambda x: x.masked_fill_(B(), True)),
    ('maskedFill_(T,T)', X, lambda x: x.masked_fill_(B(), f64(1.5))),
    ('maskedScatter_(T,T)', X, lambda x: x.masked_scatter_(B(), X())),
    ('conjPhysical_()', X, lambda x: x.conj_physical_()),
] + [('%s_()' % j, X, (lambda p: lambda x: getattr(x, p + '_')())(p)) for j, p in [
    ('acos', 'acos'), ('acosh', 'acosh'), ('asin', 'asin'), ('asinh', 'asinh'), ('atan', 'atan'), ('atanh', 'atanh'),
    ('ceil', 'ceil'), ('floor', 'floor'), ('trunc', 'trunc'), ('frac', 'frac'), ('fix', 'fix'), ('cos', 'cos'),
    ('cosh', 'cosh'), ('sin', 'sin'), ('sinh', 'sinh'), ('tan', 'tan'), ('sinc', 'sinc'), ('erf', 'erf'),
    ('erfc', 'erfc'), ('erfinv', 'erfinv'), ('exp2', 'exp2'), ('expm1', 'expm1'), ('log10', 'log10'),
    ('log1p', 'log1p'), ('log2', 'log2'), ('logit', 'logit'), ('lgamma', 'lgamma'), ('digamma', 'digamma'),
    ('i0', 'i0'), ('reciprocal', 'reciprocal'), ('rsqrt', 'rsqrt'), ('sign', 'sign'), ('sgn', 'sgn'),
    ('nanToNum', 'nan_to_num'), ('negative', 'negative'), ('absolute', 'absolute'), ('arccos', 'arccos'),
    ('arcsin', 'arcsin'), ('arctan', 'arctan'), ('arccosh', 'arccosh'), ('arcsinh', 'arcsinh'),
    ('arctanh', 'arctanh'), ('logicalNot', 'logical_not'), ('tril', 'tril'), ('triu', 'triu'), ('t', 't'),
    ('squeeze', 'squeeze')]] + [
    ('atan2_(T)', X, lambda x: x.atan2_(X())),
    ('arctan2_(T)', X, lambda x: x.arctan2_(X())),
    ('logit_(D)', X, lambda x: x.logit_(eps=1e-6)),
    ('polygamma_(I)', X, lambda x: x.polygamma_(1)),
    ('mvlgamma_(I)', lambda: f64(2.5, 3., 4.), lambda x: x.mvlgamma_(1)),
    ('nanToNum_(D,O,O)', X, lambda x: x.nan_to_num_(0., 1., -1.)),
    ('pow_(D)', X, lambda x: x.pow_(2.)),
    ('pow_(L)', X, lambda x: x.pow_(2)),
    ('pow_(T)', X, lambda x: x.pow_(X())),
    ('floatPower_(T)', X, lambda x: x.float_power_(X())),
    ('floatPower_(D)', X, lambda x: x.float_power_(2.)),
    ('lerp_(T,D)', X, lambda x: x.lerp_(X(), 0.5)),
    ('lerp_(T,T)', X, lambda x: x.lerp_(X(), X())),
    ('hypot_(T)', X, lambda x: x.hypot_(X())),
    ('ldexp_(T)', X, lambda x: x.ldexp_(i64(1, 2, 3))),
    ('heaviside_(T)', X, lambda x: x.heaviside_(X())),
    ('igamma_(T)', X, lambda x: x.igamma_(X())),
    ('igammac_(T)', X, lambda x: x.igammac_(X())),
    ('logicalAnd_(T)', X, lambda x: x.logical_and_(X())),
    ('logicalOr_(T)', X, lambda x: x.logical_or_(X())),
    ('logicalXor_(T)', X, lambda x: x.logical_xor_(X())),
    ('cumsum_(I)', X, lambda x: x.cumsum_(0)),
    ('cumprod_(I)', X, lambda x: x.cumprod_(0)),
    ('tril_(I)', M, lambda x: x.tril_(1)),
    ('triu_(I)', M, lambda x: x.triu_(1)),
    ('addmm_(T,T)', M, lambda x: x.addmm_(M(), M())),
    ('addmm_(T,T,D,D)', M, lambda x: x.addmm_(M(), M(), beta=0.5, alpha=2.)),
    ('addmv_(T,T)', X, lambda x: x.addmv_(torch.ones(3, 2, dtype=torch.float64), f64(1., 2.))),
    ('addmv_(T,T,D,D)', X, lambda x: x.addmv_(torch.ones(3, 2, dtype=torch.float64), f64(1., 2.), beta=0.5, alpha=2.)),
    ('baddbmm_(T,T)', lambda: M().unsqueeze(0), lambda x: x.baddbmm_(M().unsqueeze(0), M().unsqueeze(0))),
    ('baddbmm_(T,T,D,D)', lambda: M().unsqueeze(0),
     lambda x: x.baddbmm_(M().unsqueeze(0), M().unsqueeze(0), beta=0.5, alpha=2.)),
    ('addbmm_(T,T)', M, lambda x: x.addbmm_(M().unsqueeze(0), M().unsqueeze(0))),
    ('addbmm_(T,T,D,D)', M, lambda x: x.addbmm_(M().unsqueeze(0), M().unsqueeze(0), beta=0.5, alpha=2.)),
    ('addr_(T,T)', M, lambda x: x.addr_(f64(1., 2.), f64(1., 2.))),
    ('addr_(T,T,D,D)', M, lambda x: x.addr_(f64(1., 2.), f64(1., 2.), beta=0.5, alpha=2.)),
    ('squeeze_(I)', lambda: X().unsqueeze(0), lambda x: x.squeeze_(0)),
    ('unsqueeze_(I)', X, lambda x: x.unsqueeze_(0)),
    ('transpose_(I,I)', M, lambda x: x.transpose_(0, 1)),
    ('asStrided_(N,N)', M, lambda x: x.as_strided_((4,), (1,))),
    ('asStrided_(N,N,I)', M, lambda x: x.as_strided_((3,), (1,), 1)),
    ('swapaxes_(I,I)', M, lambda x: x.swapaxes_(0, 1)),
    ('swapdims_(I,I)', M, lambda x: x.swapdims_(0, 1)),
    ('fillDiagonal_(D)', M, lambda x: x.fill_diagonal_(1.5)),
    ('fillDiagonal_(D,Z)', M, lambda x: x.fill_diagonal_(1.5, wrap=True)),
    ('fillDiagonal_(L)', M, lambda x: x.fill_diagonal_(1)),
    ('fillDiagonal_(L,Z)', M, lambda x: x.fill_diagonal_(1, wrap=True)),
    ('fillDiagonal_(Z)', M, lambda x: x.fill_diagonal_(True)),
    ('divide_(T)', X, lambda x: x.divide_(X())),
    ('divide_(D)', X, lambda x: x.divide_(2.)),
    ('divide_(T,S)', X, lambda x: x.divide_(X(), rounding_mode='floor')),
    ('divide_(D,S)', X, lambda x: x.divide_(2., rounding_mode='floor')),
    ('multiply_(T)', X, lambda x: x.multiply_(X())),
    ('multiply_(D)', X, lambda x: x.multiply_(2.)),
    ('multiply_(L)', X, lambda x: x.multiply_(2)),
    ('subtract_(T)', X, lambda x: x.subtract_(X())),
    ('subtract_(T,D)', X, lambda x: x.subtract_(X(), alpha=2.)),
    ('subtract_(D)', X, lambda x: x.subtract_(2.)),
    ('subtract_(L)', X, lambda x: x.subtract_(2)),
    ('trueDivide_(T)', X, lambda x: x.true_divide_(X())),
    ('trueDivide_(D)', X, lambda x: x.true_divide_(2.)),
    ('floorDivide_(T)', X, lambda x: x.floor_divide_(X())),
    ('floorDivide_(D)', X, lambda x: x.floor_divide_(2.)),
    ('floorDivide_(L)', X, lambda x: x.floor_divide_(2)),
    ('renorm_(D,I,D)', M, lambda x: x.renorm_(2., 0, 1.)),
    ('indexReduce_(I,T,T,S)', X, lambda x: x.index_reduce_(0, IX(), f64(1., 2.), 'prod')),
    ('indexReduce_(I,T,T,S,Z)', X, lambda x: x.index_reduce_(0, IX(), f64(1., 2.), 'prod', include_self=False)),
]
for j, p in [('remainder', 'remainder'), ('fmod', 'fmod'), ('copysign', 'copysign'), ('xlogy', 'xlogy'),
             ('eq', 'eq'), ('ne', 'ne'), ('lt', 'lt'), ('le', 'le'), ('gt', 'gt'), ('ge', 'ge'),
             ('greater', 'greater'), ('greaterEqual', 'greater_equal'), ('less', 'less'),
             ('lessEqual', 'less_equal'), ('notEqual', 'not_equal')]:
    CASES.append(('%s_(T)' % j, X, (lambda p: lambda x: getattr(x, p + '_')(X()))(p)))
    CASES.append(('%s_(D)' % j, X, (lambda p: lambda x: getattr(x, p + '_')(2.))(p)))
    if j not in ('copysign', 'xlogy'):
        CASES.append(('%s_(L)' % j, X, (lambda p: lambda x: getattr(x, p + '_')(2))(p)))
I = lambda: i64(6, 3, 5)
for j, p in [('bitwiseAnd', 'bitwise_and'), ('bitwiseOr', 'bitwise_or'), ('bitwiseXor', 'bitwise_xor'),
             ('bitwiseLeftShift', 'bitwise_left_shift'), ('bitwiseRightShift', 'bitwise_right_shift')]:
    CASES.append(('%s_(T)' % j, I, (lambda p: lambda x: getattr(x, p + '_')(I()))(p)))
    CASES.append(('%s_(L)' % j, I, (lambda p: lambda x: getattr(x, p + '_')(1))(p)))
CASES += [
    ('bitwiseNot_()', I, lambda x: x.bitwise_not_()),
    ('gcd_(T)', I, lambda x: x.gcd_(I())),
    ('lcm_(T)', I, lambda x: x.lcm_(I())),
]

lines = []
seen = set()
for key, make, call in CASES:
    assert key not in seen, key
    seen.add(key)
    c = make()

    def f(x):
        call(c)
        return x.sum()
    try:
        functorch.grad(f)(f64(1., 2., 3.))
        raise AssertionError('not refused: ' + key)
    except RuntimeError as e:
        m = re.search(r'attempted to call in-place operation \((aten::[a-z0-9_]+(?:\.[A-Za-z_]+)?)\)', str(e))
        assert m, (key, str(e))
        lines.append(key + '\t' + m.group(1))
# squeeze_ over a tuple of dims is 2.0's (native_functions.yaml: squeeze_.dims(Tensor(a!) self, int[] dim)); 1.13
# has no such call, so its name is written from 2.x's schema
lines.append('squeeze_(N)\taten::squeeze_.dims')
with open('engine-api/src/main/resources/dev/ember/inplace_aten_names.tsv', 'w') as f:
    f.write('# made by engine-cpu/src/test/resources/funccaptures/make_names.py (PyTorch %s)\n' % torch.__version__)
    f.write('\n'.join(lines) + '\n')
print(len(lines), 'names')
