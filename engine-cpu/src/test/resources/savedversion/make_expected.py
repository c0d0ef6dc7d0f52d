# Writes expected.txt: what PyTorch does when a tensor autograd saved for backward is changed in place after the
# forward, read by SavedVersionSweepTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
#
# A case is an op (by the name the test also uses) on inputs given by specs "kind:shape:seed:g" (shape dims joined by
# 'x'; g: the input is a leaf that requires grad, n: it does not), values from the row-major position i:
#   r float32 ((i*37 + seed*11) % 97 - 48) / 32 + 1/64   (distinct for up to 97 elements, never 0)
#   p float32 ((i*37 + seed*11) % 97 + 1) / 32            (positive)
#   u float32 ((i*37 + seed*11) % 97 + 1) / 99            (in (0, 1))
#   iB int64  (i*5 + seed*3) % (B-1)                      (an index below B-1, so +1 stays in range)
#   m bool    (i*3 + seed) % 3 == 0
# The op runs (grad mode on), then the target is changed in place: iK input K, oK output K (both inside no_grad, which
# still bumps the version counter), og output 0 in grad mode (the change is then part of the graph), x:NAME an
# intermediate the op exposes (no_grad). Floating and integer tensors get add_(1), bools fill_(True).
# Variant /nl: every input that requires grad is first made a non-leaf leaf.mul(1.0) (the op and the change see that).
# Then every floating output that requires grad is back-propagated at once (torch.autograd.backward) with gradients of
# kind r, seed 99 + k for output k.
# One case a line:  name <TAB> input specs (comma-joined) <TAB> ok <TAB> grads
#              or:  name <TAB> input specs <TAB> raise <TAB> phase <TAB> first line of the message (cut after
#                   "instead." for the in-place error) <TAB> the grads without the change (to tell whether a gradient
#                   computed where PyTorch raises is still right)
# with name = op/target[/nl], grads = the leaves' gradients in input order, each "shape|v v v" or "none" joined by ';'
# (floats as repr of the float32 value). Phase: forward, modify or backward.
# sdpa4_* (4-D inputs: PyTorch 2.x's fused CPU kernel _scaled_dot_product_flash_attention_for_cpu, absent from 1.13,
# which saves query, key, value, output and logsumexp) are written by hand below from 2.x behaviour; sdpa3_* (3-D,
# which 2.x sends to the composition _scaled_dot_product_attention_math) are computed from that composition.
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)


def make(spec):
    kind, shape, seed, g = spec.split(':')
    shape = [int(s) for s in shape.split('x')] if shape else []
    seed = int(seed)
    n = 1
    for s in shape:
        n *= s
    i = torch.arange(n, dtype=torch.int64)
    if kind == 'r':
        t = (((i * 37 + seed * 11) % 97 - 48).double() / 32 + 1.0 / 64).float()
    elif kind == 'p':
        t = (((i * 37 + seed * 11) % 97 + 1).double() / 32).float()
    elif kind == 'u':
        t = (((i * 37 + seed * 11) % 97 + 1).double() / 99).float()
    elif kind.startswith('i'):
        b = int(kind[1:])
        t = (i * 5 + seed * 3) % (b - 1)
    elif kind == 'm':
        t = (i * 3 + seed) % 3 == 0
    else:
        raise ValueError(spec)
    t = t.reshape(shape).clone()   # not a view: a leaf view's history would go to its base
    if g == 'g':
        t.requires_grad_(True)
    return t


def upstream(out, k):
    return make('r:' + 'x'.join(str(s) for s in out.shape) + ':' + str(99 + k) + ':n')


def modify(t):
    if t.dtype == torch.bool:
        t.fill_(True)
    else:
        t.add_(1)


OPS = {}


def op(name, specs):
    def reg(fn):
        OPS[name] = (specs, fn)
        return fn
    return reg


def unary(name, fn, kind='r', shape='3x4'):
    OPS[name] = ([kind + ':' + shape + ':1:g'], lambda a: fn(a[0]))


R34 = 'r:3x4:1:g'
R34b = 'r:3x4:2:g'

# ---------------------------------------------------------------- elementwise unary
unary('exp', torch.exp)
unary('log', torch.log, 'p')
unary('sin', torch.sin)
unary('cos', torch.cos)
unary('sqrt', torch.sqrt, 'p')
unary('rsqrt', torch.rsqrt, 'p')
unary('sigmoid', torch.sigmoid)
unary('tanh', torch.tanh)
unary('relu', torch.relu)
unary('abs', torch.abs)
unary('reciprocal', torch.reciprocal, 'p')
unary('powScalar', lambda x: x.pow(3.0))
unary('square', torch.square)
unary('erf', torch.erf)
unary('log1p', torch.log1p, 'p')
unary('expm1', torch.expm1)
unary('atan', torch.atan)
unary('asin', torch.asin, 'u')
unary('gelu', F.gelu)
unary('geluTanh', lambda x: F.gelu(x, approximate='tanh'))
unary('silu', F.silu)
unary('softplus', F.softplus)
unary('leakyRelu', lambda x: F.leaky_relu(x, 0.1))
unary('elu', F.elu)
unary('hardtanh', F.hardtanh)
unary('logSigmoid', F.logsigmoid)
unary('mish', F.mish)
unary('clamp', lambda x: x.clamp(-0.5, 0.5))
unary('clampMin', lambda x: x.clamp_min(0.0))
unary('neg', torch.neg)
unary('mulScalar', lambda x: x * 2.5)
unary('divScalar', lambda x: x / 2.5)

# ---------------------------------------------------------------- elementwise binary
OPS['add'] = ([R34, R34b], lambda a: a[0] + a[1])
OPS['sub'] = ([R34, R34b], lambda a: a[0] - a[1])
OPS['mul'] = ([R34, R34b], lambda a: a[0] * a[1])
OPS['mulConst'] = ([R34, 'r:3x4:2:n'], lambda a: a[0] * a[1])   # other needs no grad: PyTorch does not save self
OPS['mulBroadcast'] = ([R34, 'r:4:2:g'], lambda a: a[0] * a[1])
OPS['div'] = ([R34, 'p:3x4:2:g'], lambda a: a[0] / a[1])
OPS['divConst'] = ([R34, 'p:3x4:2:n'], lambda a: a[0] / a[1])   # divisor without grad: self not saved
OPS['maximum'] = ([R34, R34b], lambda a: torch.maximum(a[0], a[1]))
OPS['atan2'] = ([R34, R34b], lambda a: torch.atan2(a[0], a[1]))
OPS['powTensor'] = ([ 'p:3x4:1:g', R34b], lambda a: a[0].pow(a[1]))
OPS['xlogy'] = ([R34, 'p:3x4:2:g'], lambda a: torch.xlogy(a[0], a[1]))
OPS['lerp'] = ([R34, R34b], lambda a: torch.lerp(a[0], a[1], 0.3))
OPS['where'] = (['m:3x4:1:n', R34, R34b], lambda a: torch.where(a[0], a[1], a[2]))
OPS['maskedFill'] = ([R34, 'm:3x4:2:n'], lambda a: a[0].masked_fill(a[1], 0.5))

# ---------------------------------------------------------------- reductions
OPS['sum'] = ([R34], lambda a: a[0].sum())
OPS['mean'] = ([R34], lambda a: a[0].mean())
OPS['prod'] = ([R34], lambda a: a[0].prod())
OPS['prodDim'] = ([R34], lambda a: a[0].prod(1))
OPS['amax'] = ([R34], lambda a: a[0].amax(dim=[1]))
OPS['maxAll'] = ([R34], lambda a: a[0].max())
OPS['maxDim'] = ([R34], lambda a: list(a[0].max(1)))
OPS['minDim'] = ([R34], lambda a: list(a[0].min(1)))
OPS['var'] = ([R34], lambda a: a[0].var(dim=[1]))
OPS['std'] = ([R34], lambda a: a[0].std(dim=[1]))
# PyTorch 2.x's Tensor.norm calls linalg.vector_norm (1.13's calls at::norm, NormBackward1)
OPS['norm'] = ([R34], lambda a: torch.linalg.vector_norm(a[0]))
OPS['normDim'] = ([R34], lambda a: torch.linalg.vector_norm(a[0], 2.0, dim=[1]))
OPS['logsumexp'] = ([R34], lambda a: a[0].logsumexp(1))
OPS['cumsum'] = ([R34], lambda a: a[0].cumsum(1))
OPS['cumprod'] = ([R34], lambda a: a[0].cumprod(1))
OPS['sort'] = ([R34], lambda a: list(a[0].sort(1)))
OPS['topk'] = ([R34], lambda a: list(a[0].topk(2, 1)))
OPS['softmax'] = ([R34], lambda a: torch.softmax(a[0], 1))
OPS['logSoftmax'] = ([R34], lambda a: torch.log_softmax(a[0], 1))

# ---------------------------------------------------------------- linear algebra
OPS['matmul'] = ([R34, 'r:4x2:2:g'], lambda a: a[0].matmul(a[1]))
OPS['mm'] = ([R34, 'r:4x2:2:g'], lambda a: a[0].mm(a[1]))
OPS['mmConst'] = ([R34, 'r:4x2:2:n'], lambda a: a[0].mm(a[1]))
OPS['bmm'] = (['r:2x3x4:1:g', 'r:2x4x2:2:g'], lambda a: a[0].bmm(a[1]))
OPS['matmul3d2d'] = (['r:2x3x4:1:g', 'r:4x2:2:g'], lambda a: a[0].matmul(a[1]))
OPS['linear'] = ([R34, 'r:2x4:2:g', 'r:2:3:g'], lambda a: F.linear(a[0], a[1], a[2]))
OPS['addmm'] = (['r:3x2:3:g', R34, 'r:4x2:2:g'], lambda a: torch.addmm(a[0], a[1], a[2]))
OPS['dot'] = (['r:4:1:g', 'r:4:2:g'], lambda a: a[0].dot(a[1]))
OPS['mv'] = ([R34, 'r:4:2:g'], lambda a: a[0].mv(a[1]))
OPS['outer'] = (['r:3:1:g', 'r:4:2:g'], lambda a: torch.outer(a[0], a[1]))

# ---------------------------------------------------------------- nn
OPS['conv2d'] = (['r:1x2x4x4:1:g', 'r:3x2x2x2:2:g', 'r:3:3:g'], lambda a: F.conv2d(a[0], a[1], a[2]))
OPS['maxPool2d'] = (['r:1x2x4x4:1:g'], lambda a: F.max_pool2d(a[0], 2))
OPS['maxPool2dIdx'] = (['r:1x2x4x4:1:g'], lambda a: list(F.max_pool2d(a[0], 2, return_indices=True)))
OPS['avgPool2d'] = (['r:1x2x4x4:1:g'], lambda a: F.avg_pool2d(a[0], 2))
OPS['adaptiveAvgPool2d'] = (['r:1x2x4x4:1:g'], lambda a: F.adaptive_avg_pool2d(a[0], 2))
OPS['layerNorm'] = ([R34, 'r:4:2:g', 'r:4:3:g'], lambda a: F.layer_norm(a[0], [4], a[1], a[2]))
OPS['layerNormNoAffine'] = ([R34], lambda a: F.layer_norm(a[0], [4]))
OPS['batchNorm'] = (['r:4x3:1:g', 'r:3:2:g', 'r:3:3:g'],
                    lambda a: F.batch_norm(a[0], None, None, a[1], a[2], training=True))
OPS['batchNorm2d'] = (['r:2x3x2x2:1:g', 'r:3:2:g', 'r:3:3:g'],
                      lambda a: F.batch_norm(a[0], torch.zeros(3), torch.ones(3), a[1], a[2], training=True))
OPS['groupNorm'] = (['r:2x4x3:1:g', 'r:4:2:g', 'r:4:3:g'], lambda a: F.group_norm(a[0], 2, a[1], a[2]))
OPS['dropout'] = (['r:4x8:1:g'], lambda a: F.dropout(a[0], 0.5, True))
OPS['embedding'] = (['i5:3x2:1:n', 'r:5x3:2:g'], lambda a: F.embedding(a[0], a[1]))
OPS['indexSelect'] = ([R34, 'i3:5:1:n'], lambda a: a[0].index_select(0, a[1]))
OPS['gather'] = ([R34, 'i4:3x2:1:n'], lambda a: a[0].gather(1, a[1]))
OPS['scatter'] = ([R34, 'i4:3x2:1:n', 'r:3x2:2:g'], lambda a: a[0].scatter(1, a[1], a[2]))
OPS['scatterAdd'] = ([R34, 'i4:3x2:1:n', 'r:3x2:2:g'], lambda a: a[0].scatter_add(1, a[1], a[2]))
OPS['indexPut'] = ([R34, 'i3:2:1:n', 'r:2x4:2:g'], lambda a: a[0].index_put((a[1],), a[2]))
OPS['indexPutAcc'] = ([R34, 'i3:2:1:n', 'r:2x4:2:g'], lambda a: a[0].index_put((a[1],), a[2], accumulate=True))
OPS['indexAdd'] = ([R34, 'i3:2:1:n', 'r:2x4:2:g'], lambda a: a[0].index_add(0, a[1], a[2]))
OPS['take'] = ([R34, 'i12:5:1:n'], lambda a: a[0].take(a[1]))
OPS['advIndex'] = ([R34, 'i3:4:1:n'], lambda a: a[0][a[1]])

# ---------------------------------------------------------------- shape / views
OPS['cat'] = ([R34, 'r:2x4:2:g'], lambda a: torch.cat([a[0], a[1]], 0))
OPS['stack'] = ([R34, R34b], lambda a: torch.stack([a[0], a[1]], 0))
OPS['split'] = ([R34], lambda a: list(a[0].split(2, 1)))
OPS['unbind'] = (['r:2x4:1:g'], lambda a: list(a[0].unbind(0)))
OPS['transpose'] = ([R34], lambda a: a[0].t())
OPS['narrow'] = ([R34], lambda a: a[0].narrow(1, 1, 2))
OPS['expand'] = (['r:1x4:1:g'], lambda a: a[0].expand(3, 4))
OPS['reshape'] = ([R34], lambda a: a[0].reshape(4, 3))

# ---------------------------------------------------------------- losses
OPS['crossEntropy'] = ([R34, 'i5:3:1:n'], lambda a: F.cross_entropy(a[0], a[1]))
OPS['crossEntropySmooth'] = ([R34, 'i5:3:1:n'], lambda a: F.cross_entropy(a[0], a[1], label_smoothing=0.1))
OPS['nllLoss'] = ([R34, 'i5:3:1:n'], lambda a: F.nll_loss(a[0], a[1]))
OPS['mseLoss'] = ([R34, R34b], lambda a: F.mse_loss(a[0], a[1]))
OPS['l1Loss'] = ([R34, R34b], lambda a: F.l1_loss(a[0], a[1]))
OPS['smoothL1Loss'] = ([R34, R34b], lambda a: F.smooth_l1_loss(a[0], a[1]))
OPS['bce'] = (['u:3x4:1:g', 'u:3x4:2:n'], lambda a: F.binary_cross_entropy(a[0], a[1]))
OPS['bceWithLogits'] = ([R34, 'u:3x4:2:n'], lambda a: F.binary_cross_entropy_with_logits(a[0], a[1]))
OPS['klDiv'] = ([R34, 'u:3x4:2:n'], lambda a: F.kl_div(a[0], a[1], reduction='batchmean'))


# ---------------------------------------------------------------- attention (composition path)
def sdpa_math(q, k, v):
    scale = math.sqrt(1.0 / math.sqrt(q.size(-1)))
    attn = torch.matmul(q * scale, k.transpose(-2, -1) * scale)
    attn = torch.softmax(attn, -1)
    return torch.matmul(attn, v)


OPS['sdpa3'] = (['r:2x3x4:1:g', 'r:2x5x4:2:g', 'r:2x5x4:3:g'], lambda a: sdpa_math(a[0], a[1], a[2]))


# ---------------------------------------------------------------- in-place ops, views, chains
def mul_inplace(a):
    t = a[0] * 1.0
    t.mul_(a[1])
    return t


def div_inplace(a):
    t = a[0] * 1.0
    t.div_(a[1])
    return t


def add_inplace_then_exp(a):
    t = a[0] * 1.0
    t.add_(a[1])
    return t.exp()


def view_of_saved(a):
    b = a[0] * 1.0
    v = b[0]            # v, a view of b, saved by sin
    out = v.sin()
    return [out], {'base': b, 'view': v}


def saved_view_other_view(a):
    b = a[0] * 1.0
    v = b[0]
    out = v.sin()
    return [out], {'otherview': b[1], 'transposed': b.t()}


def saved_base_of_view(a):
    b = a[0].sin()      # b saved by mul below (and its output by sin? no: sin saves its input)
    out = b * a[1]
    return [out], {'view': b[0]}


def exp_output_view(a):
    e = a[0].exp()      # exp saves its result; change a view of it
    return [e], {'view': e[1], 'narrow': e.narrow(1, 0, 2)}


def sigmoid_then_mul(a):
    s = a[0].sigmoid()
    return [s * a[1]], {'s': s}


def shared_input(a):
    return [a[0] * a[0]], {}


def chain_exp_log(a):
    e = a[0].exp()
    return [e.log()], {'e': e}


def leaf_view_saved(a):
    v = a[0].narrow(1, 0, 2)   # view of a leaf, saved by sin
    return [v.sin()], {'view': v}


def matmul_transposed(a):
    return [a[0].matmul(a[1].t())], {}


def mul_inplace_view(a):
    b = a[0] * 1.0
    b[0].mul_(a[1])           # in-place on a view of a non-leaf: saves the view's old value (other) and a[1]
    return [b], {}


def relu_after_clone(a):
    r = a[0].relu()
    c = r.clone()
    return [c], {'r': r}


def expand_of_nonleaf(a):
    b = a[0] * 1.0
    return [b.expand(3, 4)], {'base': b}


OPS['expandOfNonleaf'] = (['r:1x4:1:g'], expand_of_nonleaf)
OPS['mulInplace'] = ([R34, R34b], mul_inplace)
OPS['divInplace'] = ([R34, 'p:3x4:2:g'], div_inplace)
OPS['addInplaceExp'] = ([R34, R34b], add_inplace_then_exp)
OPS['viewOfSaved'] = ([R34], view_of_saved)
OPS['savedViewOtherView'] = ([R34], saved_view_other_view)
OPS['savedBaseOfView'] = ([R34, R34b], saved_base_of_view)
OPS['expOutputView'] = ([R34], exp_output_view)
OPS['sigmoidThenMul'] = ([R34, R34b], sigmoid_then_mul)
OPS['sharedInput'] = ([R34], shared_input)
OPS['chainExpLog'] = ([R34], chain_exp_log)
OPS['leafViewSaved'] = ([R34], leaf_view_saved)
OPS['matmulTransposed'] = ([R34, 'r:2x4:2:g'], matmul_transposed)
OPS['mulInplaceView'] = ([R34, 'r:4:2:g'], mul_inplace_view)
OPS['reluAfterClone'] = ([R34], relu_after_clone)

# which ops also run with non-leaf inputs (/nl)
NONLEAF = ['exp', 'sin', 'sigmoid', 'mul', 'div', 'matmul', 'softmax', 'layerNorm', 'maxPool2d', 'conv2d',
           'crossEntropy', 'sum', 'pow', 'powTensor', 'gather', 'prod', 'cumprod', 'leafViewSaved', 'mulInplace',
           'maxDim', 'sort', 'where', 'linear', 'bmm', 'relu']


# Cases where 1.13 saves a whole tensor that 2.x's formula only takes a size of (2.x's codegen saves weight.sym_size(0)
# as weight_sym_argsize_0 for embedding; 1.13's saves weight): 2.x computes the gradient, written here unmodified.
TWO_X_SAVES_NO_TENSOR = {'embedding/i1'}


def enc(t):
    if t is None:
        return 'none'
    return 'x'.join(str(s) for s in t.shape) + '|' + ' '.join(repr(float(v)) for v in t.detach().reshape(-1))


def first_line(e):
    msg = str(e).split('\n')[0]
    k = msg.find('instead.')
    if 'modified by an inplace operation' in msg and k >= 0:
        msg = msg[:k + len('instead.')]
    return msg


def run(name, target, nonleaf):
    specs, fn = OPS[name]
    leaves = [make(s) for s in specs]
    phase = 'forward'
    try:
        ins = [l.mul(1.0) if nonleaf and l.requires_grad else l for l in leaves]
        r = fn(ins)
        if isinstance(r, tuple):
            outs, extras = r
        else:
            outs, extras = (r if isinstance(r, list) else [r]), {}
        phase = 'modify'
        if target == 'none':
            pass
        elif target == 'og':
            modify(outs[0])
        else:
            with torch.no_grad():
                if target.startswith('i'):
                    modify(ins[int(target[1:])])
                elif target.startswith('o'):
                    modify(outs[int(target[1:])])
                else:
                    modify(extras[target[2:]])
        phase = 'backward'
        diff = [(o, upstream(o, k)) for k, o in enumerate(outs) if o.is_floating_point() and o.requires_grad]
        torch.autograd.backward([d[0] for d in diff], [d[1] for d in diff])
        return 'ok\t' + ';'.join(enc(l.grad) if l.requires_grad else 'none' for l in leaves)
    except Exception as e:
        return 'raise\t' + phase + '\t' + first_line(e) + '\t' + run(name, 'none', nonleaf)[3:]


def targets(name):
    specs, fn = OPS[name]
    leaves = [make(s) for s in specs]
    r = fn(leaves)
    outs, extras = r if isinstance(r, tuple) else ((r if isinstance(r, list) else [r]), {})
    ts = ['i%d' % k for k in range(len(specs))] + ['o%d' % k for k in range(len(outs))]
    if outs[0].is_floating_point() and outs[0].requires_grad:
        ts.append('og')
    ts += ['x:' + x for x in extras]
    return ts


def main():
    lines = []
    for name in OPS:
        for t in targets(name):
            lines.append((name + '/' + t, name, t, False))
            if name in NONLEAF and t.startswith('i') and OPS[name][0][int(t[1:])].endswith(':g'):
                lines.append((name + '/' + t + '/nl', name, t, True))
    for case, name, t, nl in lines:
        r = run(name, t, nl)
        if case in TWO_X_SAVES_NO_TENSOR:
            r = run(name, 'none', nl)
        print(case + '\t' + ','.join(OPS[name][0]) + '\t' + r)
    # sdpa4: PyTorch 2.x's fused CPU kernel saves query, key, value, its output and the logsumexp (hand-written)
    specs = ['r:1x2x3x4:1:g', 'r:1x2x5x4:2:g', 'r:1x2x5x4:3:g']
    OPS['sdpa4'] = (specs, lambda a: sdpa_math(a[0], a[1], a[2]))
    clean = {nl: '\t' + run('sdpa4', 'none', nl)[3:] for nl in (False, True)}
    shapes = ['[1, 2, 3, 4]', '[1, 2, 5, 4]', '[1, 2, 5, 4]']
    for k in range(3):
        for nl in (False, True):
            what = ', which is output 0 of MulBackward0,' if nl else ''
            print('sdpa4/i%d%s\t%s\traise\tbackward\tone of the variables needed for gradient computation has been '
                  'modified by an inplace operation: [torch.FloatTensor %s]%s is at version %d; expected version %d '
                  'instead.%s' % (k, '/nl' if nl else '', ','.join(specs), shapes[k], what, 1, 0, clean[nl]))
    print('sdpa4/o0\t%s\traise\tbackward\tone of the variables needed for gradient computation has been modified by an '
          'inplace operation: [torch.FloatTensor [1, 2, 3, 4]], which is output 0 of '
          'ScaledDotProductFlashAttentionForCpuBackward0, is at version 1; expected version 0 instead.%s'
          % (','.join(specs), clean[False]))
    print('sdpa4/og\t%s\traise\tbackward\tone of the variables needed for gradient computation has been modified by an '
          'inplace operation: [torch.FloatTensor [1, 2, 3, 4]], which is output 0 of '
          'ScaledDotProductFlashAttentionForCpuBackward0, is at version 1; expected version 0 instead.%s'
          % (','.join(specs), clean[False]))


main()
