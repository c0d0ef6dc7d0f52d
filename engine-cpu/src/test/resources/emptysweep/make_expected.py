# Writes expected.txt: PyTorch's results for Ember's ops on tensors with zero-size dimensions (and 0-dim scalars),
# read by EmptySweepTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
#
# A case is an op (by the name the test also uses) applied to inputs given by specs "kind:shape", e.g. "f:0x3":
#   f float32 ((i % 7) - 3) / 2     d float64, same values      p float32 i + 1 (positive)
#   l int64 (i % 7) - 3             x int64 i % 2 (an index)    b bool i % 3 == 0
# where i is the row-major position; the shape is dims joined by 'x', empty for a 0-dim tensor.
# One case a line:  key <TAB> n <TAB> out_1 ... <TAB> out_n    or    key <TAB> ! <TAB> PyTorch's error (first line)
# with key = op@spec,spec,...  and out = dtype|shape|values (shape comma-joined, values space-joined; floats as
# Python's repr, bool as 0/1). For ops marked differentiable, a line key#grad follows: the floating inputs (kinds f, d,
# p) require grad, the op's first output is back-propagated with the gradient ((j % 5) + 1) / 4 (j its position, in
# the output's dtype), and the outputs are the inputs' gradients in order ("none" where it stays None).
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)


def make(spec):
    kind, shape = spec.split(':')
    shape = [int(s) for s in shape.split('x')] if shape else []
    n = 1
    for s in shape:
        n *= s
    i = torch.arange(n)
    if kind == 'f':
        t = ((i % 7) - 3).to(torch.float32) / 2
    elif kind == 'd':
        t = ((i % 7) - 3).to(torch.float64) / 2
    elif kind == 'p':
        t = (i + 1).to(torch.float32)
    elif kind == 'l':
        t = (i % 7) - 3
    elif kind == 'x':
        t = i % 2
    elif kind == 'b':
        t = i % 3 == 0
    else:
        raise ValueError(spec)
    return t.reshape(shape)


def upstream(out):
    j = torch.arange(out.numel())
    return (((j % 5) + 1).to(out.dtype) / 4).reshape(out.shape)


def enc_val(v, dt):
    if dt.is_floating_point:
        return repr(float(v))
    if dt == torch.bool:
        return '1' if v else '0'
    return str(int(v))


def enc(t):
    if t is None:
        return 'none'
    if isinstance(t, bool):
        t = torch.tensor(t)
    if isinstance(t, int):
        t = torch.tensor(t)
    t = t.detach()
    vals = ' '.join(enc_val(v, t.dtype) for v in t.contiguous().view(-1).tolist())
    return '%s|%s|%s' % (str(t.dtype).replace('torch.', ''), ','.join(str(s) for s in t.shape), vals)


def outputs(r):
    if isinstance(r, (tuple, list)):
        return list(r)
    return [r]


ERRORS = (RuntimeError, IndexError, ValueError)


def first_line(e):
    return str(e).split('\n')[0]


# name -> (function of the inputs, differentiable)
OPS = {}


def op(name, grad=False):
    def deco(f):
        OPS[name] = (f, grad)
        return f
    return deco


def reg(name, f, grad=False):
    OPS[name] = (f, grad)


# elementwise unary
for name, f in {'neg': torch.neg, 'abs': torch.abs, 'exp': torch.exp, 'log': torch.log, 'sqrt': torch.sqrt,
                'sigmoid': torch.sigmoid, 'tanh': torch.tanh, 'relu': torch.relu, 'sin': torch.sin,
                'square': torch.square, 'reciprocal': torch.reciprocal, 'erf': torch.erf,
                'gelu': F.gelu, 'silu': F.silu, 'softplus': F.softplus, 'leakyRelu': F.leaky_relu,
                'clamp': lambda x: torch.clamp(x, -1.0, 1.0), 'pow2': lambda x: torch.pow(x, 2.0),
                'toDouble': lambda x: x.to(torch.float64)}.items():
    reg(name, f, True)
for name, f in {'floor': torch.floor, 'round': torch.round, 'sign': torch.sign, 'logicalNot': torch.logical_not,
                'isfinite': torch.isfinite, 'isnan': torch.isnan, 'nanToNum': torch.nan_to_num,
                'bitwiseNot': torch.bitwise_not, 'toLong': lambda x: x.to(torch.int64)}.items():
    reg(name, f)

# elementwise binary
for name, f in {'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div, 'pow': torch.pow,
                'maximum': torch.maximum, 'minimum': torch.minimum, 'atan2': torch.atan2,
                'add_alpha2': lambda a, b: torch.add(a, b, alpha=2)}.items():
    reg(name, f, True)
for name, f in {'eq': torch.eq, 'lt': torch.lt, 'ge': torch.ge, 'logicalAnd': torch.logical_and,
                'fmod': torch.fmod, 'remainder': torch.remainder, 'floorDivide': torch.floor_divide,
                'bitwiseAnd': torch.bitwise_and}.items():
    reg(name, f)
reg('addScalar', lambda a: a + 2.5, True)
reg('mulScalarLong', lambda a: a * 3, True)
reg('where', torch.where, True)
reg('whereScalar', lambda c, a: torch.where(c, a, 1.5), True)
reg('lerp', lambda a, b: torch.lerp(a, b, 0.25), True)
reg('isclose', torch.isclose)

# reductions
reg('sum', lambda x: x.sum(), True)
reg('sum_d0', lambda x: x.sum(0), True)
reg('sum_d1', lambda x: x.sum(1), True)
reg('sum_d0_keep', lambda x: x.sum([0], keepdim=True), True)
reg('sum_d01', lambda x: x.sum([0, 1]), True)
reg('mean', lambda x: x.mean(), True)
reg('mean_d0', lambda x: x.mean(0), True)
reg('mean_d1', lambda x: x.mean(1), True)
reg('prod', lambda x: x.prod(), True)
reg('prod_d0_keep', lambda x: x.prod(0, keepdim=True), True)
reg('prod_d1', lambda x: x.prod(1), True)
reg('amax', lambda x: x.amax(), True)
reg('amax_d0', lambda x: x.amax([0]), True)
reg('amax_d1', lambda x: x.amax([1]), True)
reg('amin_d1_keep', lambda x: x.amin([1], keepdim=True), True)
reg('amin', lambda x: x.amin(), True)
reg('max', lambda x: x.max(), True)
reg('max_d0', lambda x: x.max(0), True)
reg('max_d1_keep', lambda x: x.max(1, keepdim=True), True)
reg('min', lambda x: x.min(), True)
reg('min_d1', lambda x: x.min(1), True)
reg('argmax', lambda x: x.argmax())
reg('argmax_d0', lambda x: x.argmax(0))
reg('argmax_d1', lambda x: x.argmax(1))
reg('argmin', lambda x: x.argmin())
reg('argmin_d1_keep', lambda x: x.argmin(1, keepdim=True))
reg('var', lambda x: x.var(), True)
reg('var_d0', lambda x: x.var([0], correction=1, keepdim=False), True)
reg('var_d1_c0', lambda x: x.var([1], correction=0, keepdim=False), True)
reg('std', lambda x: x.std(), True)
reg('std_d1_keep', lambda x: x.std([1], correction=1, keepdim=True), True)
reg('varMean', lambda x: torch.var_mean(x), True)
reg('logsumexp_d0', lambda x: x.logsumexp(0), True)
reg('logsumexp_d1', lambda x: x.logsumexp(1), True)
reg('norm', lambda x: x.norm(), True)
reg('norm_d0', lambda x: x.norm(2.0, [0], False), True)
reg('norm_inf', lambda x: torch.linalg.vector_norm(x, float('inf')), True)
reg('norm_inf_d1', lambda x: torch.linalg.vector_norm(x, float('inf'), [1]), True)
reg('norm_1_d1', lambda x: torch.linalg.vector_norm(x, 1.0, [1]), True)
reg('any', lambda x: x.any())
reg('all', lambda x: x.all())
reg('any_d0', lambda x: x.any(0))
reg('all_d1', lambda x: x.all(1))
reg('countNonzero', lambda x: torch.count_nonzero(x))
reg('countNonzero_d0', lambda x: torch.count_nonzero(x, 0))
reg('nansum', lambda x: x.nansum(), True)
reg('nanmean', lambda x: x.nanmean(), True)
reg('median', lambda x: x.median())
reg('median_d1', lambda x: x.median(1))
reg('kthvalue1_d1', lambda x: x.kthvalue(1, 1))
reg('mode_d1', lambda x: x.mode(1))

# scans, sorting
reg('cumsum_d0', lambda x: x.cumsum(0), True)
reg('cumsum_d1', lambda x: x.cumsum(1), True)
reg('cumprod_d0', lambda x: x.cumprod(0), True)
reg('cumprod_d1', lambda x: x.cumprod(1), True)
reg('cummax_d0', lambda x: x.cummax(0), True)
reg('cummin_d1', lambda x: x.cummin(1), True)
reg('logcumsumexp_d0', lambda x: x.logcumsumexp(0), True)
reg('sort', lambda x: x.sort(), True)
reg('sort_d0_desc', lambda x: x.sort(0, True), True)
reg('argsort', lambda x: x.argsort())
reg('argsort_d0', lambda x: x.argsort(0))
reg('topk0', lambda x: x.topk(0), True)
reg('topk1', lambda x: x.topk(1), True)
reg('topk0_d0', lambda x: x.topk(0, 0, True, True), True)
reg('unique', lambda x: torch.unique(x))
reg('uniqueAll', lambda x: torch.unique(x, True, True, True))
reg('unique_d0', lambda x: torch.unique(x, True, True, True, dim=0))
reg('uniqueConsecutive', lambda x: torch.unique_consecutive(x))
reg('searchsorted', lambda s, v: torch.searchsorted(s, v))
reg('bucketize', lambda v, s: torch.bucketize(v, s))
reg('histc4', lambda x: torch.histc(x, 4))
reg('histc4_range', lambda x: torch.histc(x, 4, 0.0, 1.0))
reg('bincount', lambda x: torch.bincount(x))
reg('bincount_min3', lambda x: torch.bincount(x, minlength=3))

# linear algebra
reg('matmul', torch.matmul, True)
reg('mm', torch.mm, True)
reg('bmm', torch.bmm, True)
reg('mv', torch.mv, True)
reg('dot', torch.dot, True)
reg('outer', torch.outer, True)
reg('kron', torch.kron, True)
reg('addmm', torch.addmm, True)
reg('baddbmm', torch.baddbmm, True)
reg('linear', F.linear, True)
reg('linearNoBias', F.linear, True)
reg('einsum_ij_jk', lambda a, b: torch.einsum('ij,jk->ik', a, b), True)
reg('einsum_i_i', lambda a, b: torch.einsum('i,i->', a, b), True)
reg('einsum_ii', lambda a: torch.einsum('ii->i', a), True)
reg('einsum_bij_sum', lambda a: torch.einsum('bij->j', a), True)
reg('tensordot1', lambda a, b: torch.tensordot(a, b, 1), True)
reg('trace', torch.trace, True)
reg('det', torch.linalg.det, True)
reg('inv', torch.linalg.inv, True)
reg('cross', lambda a, b: torch.linalg.cross(a, b), True)

# nn
reg('conv2d', lambda x, w, b: F.conv2d(x, w, b), True)
reg('conv2d_pad1', lambda x, w: F.conv2d(x, w, None, 1, 1), True)
reg('conv1d', lambda x, w: F.conv1d(x, w), True)
reg('convTranspose2d', lambda x, w: F.conv_transpose2d(x, w), True)
reg('maxPool2d', lambda x: F.max_pool2d(x, 2), True)
reg('avgPool2d', lambda x: F.avg_pool2d(x, 2), True)
reg('adaptiveAvgPool2d', lambda x: F.adaptive_avg_pool2d(x, 1), True)
reg('adaptiveMaxPool2d', lambda x: F.adaptive_max_pool2d(x, 1), True)
reg('interpolateNearest2', lambda x: F.interpolate(x, scale_factor=2.0, mode='nearest'), True)
reg('pixelShuffle2', lambda x: F.pixel_shuffle(x, 2), True)
reg('layerNorm', lambda x, w, b: F.layer_norm(x, [x.shape[-1]], w, b), True)
reg('layerNormNoAffine', lambda x: F.layer_norm(x, [x.shape[-1]]), True)
reg('batchNormEval', lambda x, m, v: F.batch_norm(x, m, v, None, None, False), True)
reg('batchNormTrain', lambda x: F.batch_norm(x, None, None, None, None, True), True)
reg('groupNorm2', lambda x: F.group_norm(x, 2), True)
reg('instanceNorm', lambda x: F.instance_norm(x), True)
reg('rmsNorm', lambda x: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps), True)
reg('softmax_d0', lambda x: F.softmax(x, 0), True)
reg('softmax_d1', lambda x: F.softmax(x, 1), True)
reg('logSoftmax_d0', lambda x: F.log_softmax(x, 0), True)
reg('logSoftmax_d1', lambda x: F.log_softmax(x, 1), True)
reg('dropoutEval', lambda x: F.dropout(x, 0.5, False), True)
reg('crossEntropy', lambda x, t: F.cross_entropy(x, t), True)
reg('crossEntropySum', lambda x, t: F.cross_entropy(x, t, reduction='sum'), True)
reg('crossEntropyNone', lambda x, t: F.cross_entropy(x, t, reduction='none'), True)
reg('crossEntropySmooth', lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), True)
reg('crossEntropyProbs', lambda x, t: F.cross_entropy(x, t), True)
reg('nllLoss', lambda x, t: F.nll_loss(x, t), True)
reg('nllLossSum', lambda x, t: F.nll_loss(x, t, reduction='sum'), True)
reg('nllLossNone', lambda x, t: F.nll_loss(x, t, reduction='none'), True)
reg('mseLoss', lambda a, b: F.mse_loss(a, b), True)
reg('mseLossSum', lambda a, b: F.mse_loss(a, b, reduction='sum'), True)
reg('l1Loss', lambda a, b: F.l1_loss(a, b), True)
reg('smoothL1Loss', lambda a, b: F.smooth_l1_loss(a, b), True)
reg('huberLoss', lambda a, b: F.huber_loss(a, b), True)
reg('bceLogits', lambda a, b: F.binary_cross_entropy_with_logits(a, b), True)
reg('klDiv', lambda a, b: F.kl_div(a, b, reduction='mean'), True)
reg('klDivBatchmean', lambda a, b: F.kl_div(a, b, reduction='batchmean'), True)
reg('embedding', lambda i, w: F.embedding(i, w), True)
reg('embeddingBagSum', lambda i, w, o: F.embedding_bag(i, w, o, mode='sum'), True)
reg('embeddingBagMean', lambda i, w, o: F.embedding_bag(i, w, o, mode='mean'), True)
reg('sdpa', lambda q, k, v: F.scaled_dot_product_attention(q, k, v) if hasattr(F, 'scaled_dot_product_attention')
    else torch.softmax(q @ k.transpose(-2, -1) / (q.shape[-1] ** 0.5), -1) @ v, True)

# indexing
reg('indexSelect_d0', lambda x, i: x.index_select(0, i), True)
reg('indexSelect_d1', lambda x, i: x.index_select(1, i), True)
reg('gather_d0', lambda x, i: x.gather(0, i), True)
reg('gather_d1', lambda x, i: x.gather(1, i), True)
reg('scatter_d0', lambda x, i, s: x.scatter(0, i, s), True)
reg('scatterValue_d1', lambda x, i: x.scatter(1, i, 9.0), True)
reg('scatterAdd_d0', lambda x, i, s: x.scatter_add(0, i, s), True)
reg('scatterReduceAmax_d0', lambda x, i, s: x.scatter_reduce(0, i, s, 'amax'), True)
reg('indexAdd_d0', lambda x, i, s: x.index_add(0, i, s), True)
reg('indexCopy_d0', lambda x, i, s: x.index_copy(0, i, s), True)
reg('indexFill_d1', lambda x, i: x.index_fill(1, i, 7.0), True)
reg('take', lambda x, i: x.take(i), True)
reg('takeAlongDim_d1', lambda x, i: torch.take_along_dim(x, i, 1), True)
reg('indexTensor', lambda x, i: x[i], True)
reg('indexBool', lambda x, m: x[m], True)
reg('indexPutAcc', lambda x, i, v: x.index_put((i,), v, True), True)
reg('maskedFill', lambda x, m: x.masked_fill(m, 1.5), True)
reg('maskedSelect', lambda x, m: x.masked_select(m), True)
reg('maskedScatter', lambda x, m, s: x.masked_scatter(m, s), True)
reg('nonzero', lambda x: x.nonzero())
reg('nonzeroTuple', lambda x: x.nonzero(as_tuple=True))
reg('argwhere', lambda x: torch.argwhere(x))
reg('repeatInterleaveT', lambda x, r: x.repeat_interleave(r), True)
reg('repeatInterleave2', lambda x: x.repeat_interleave(2, 0), True)

# joining, splitting
reg('cat_d0', lambda *ts: torch.cat(ts, 0), True)
reg('cat_d1', lambda *ts: torch.cat(ts, 1), True)
reg('stack_d0', lambda *ts: torch.stack(ts, 0), True)
reg('stack_d1', lambda *ts: torch.stack(ts, 1), True)
reg('split2_d0', lambda x: x.split(2, 0))
reg('split2_d1', lambda x: x.split(2, 1))
reg('splitSizes0_2_d1', lambda x: x.split([0, 2], 1))
reg('chunk2_d0', lambda x: x.chunk(2, 0))
reg('chunk2_d1', lambda x: x.chunk(2, 1))
reg('tensorSplit2_d0', lambda x: x.tensor_split(2, 0))
reg('unbind_d0', lambda x: x.unbind(0))
reg('unbind_d1', lambda x: x.unbind(1))
reg('meshgrid', lambda a, b: torch.meshgrid(a, b, indexing='ij'))
reg('broadcastTensors', lambda a, b: torch.broadcast_tensors(a, b))

# shapes
reg('reshape_3_0', lambda x: x.reshape(3, 0), True)
reg('reshape_m1', lambda x: x.reshape(-1), True)
reg('reshape_m1_3', lambda x: x.reshape(-1, 3), True)
reg('reshape_0_m1', lambda x: x.reshape(0, -1), True)
reg('reshape_m1_0', lambda x: x.reshape(-1, 0), True)
reg('view_0_5_2', lambda x: x.view(0, 5, 2), True)
reg('view_1', lambda x: x.view(1), True)
reg('flatten', lambda x: x.flatten(), True)
reg('flatten_0_1', lambda x: x.flatten(0, 1), True)
reg('unflatten_0_2_0', lambda x: x.unflatten(0, (2, 0)), True)
reg('permute_1_0', lambda x: x.permute(1, 0), True)
reg('transpose_0_1', lambda x: x.transpose(0, 1), True)
reg('t', lambda x: x.t(), True)
reg('squeeze', lambda x: x.squeeze(), True)
reg('squeeze_d0', lambda x: x.squeeze(0), True)
reg('unsqueeze_d0', lambda x: x.unsqueeze(0), True)
reg('expand_0_3', lambda x: x.expand(0, 3), True)
reg('expand_0', lambda x: x.expand(0), True)
reg('expand_2_m1', lambda x: x.expand(2, -1), True)
reg('repeat_2_2', lambda x: x.repeat(2, 2), True)
reg('repeat_0', lambda x: x.repeat(0), True)
reg('repeat_0_2', lambda x: x.repeat(0, 2), True)
reg('tile_2', lambda x: x.tile((2,)), True)
reg('flip_d0', lambda x: x.flip(0), True)
reg('flip_d01', lambda x: x.flip(0, 1), True)
reg('roll1', lambda x: x.roll(1), True)
reg('roll1_d0', lambda x: x.roll(1, 0), True)
reg('narrow_0_1_0', lambda x: x.narrow(0, 1, 0), True)
reg('narrow_0_0_0', lambda x: x.narrow(0, 0, 0), True)
reg('slice_d0_2_1', lambda x: x[2:1], True)
reg('select_0_0', lambda x: x.select(0, 0), True)
reg('movedim_0_1', lambda x: x.movedim(0, 1), True)
reg('contiguousT', lambda x: x.t().contiguous(), True)
reg('clone', lambda x: x.clone(), True)
reg('pad_1_1', lambda x: F.pad(x, (1, 1)), True)
reg('pad_0_0_1_1', lambda x: F.pad(x, (0, 0, 1, 1)), True)
reg('padReflect', lambda x: F.pad(x, (1, 1), mode='reflect'), True)
reg('padReplicate', lambda x: F.pad(x, (1, 1), mode='replicate'), True)
reg('tril', lambda x: x.tril(), True)
reg('triu1', lambda x: x.triu(1), True)
reg('diag', lambda x: x.diag(), True)
reg('diag1', lambda x: x.diag(1), True)
reg('diagonal', lambda x: x.diagonal(), True)
reg('diagEmbed', lambda x: torch.diag_embed(x), True)
reg('zerosLike', lambda x: torch.zeros_like(x))
reg('fullLike', lambda x: torch.full_like(x, 2.5))

# in place, on fresh inputs (no gradients), and further ops
reg('add_', lambda x, y: x.add_(y))
reg('mul_scalar_', lambda x: x.mul_(2.0))
reg('fill_', lambda x: x.fill_(3.0))
reg('zero_', lambda x: x.zero_())
reg('copy_', lambda x, y: x.copy_(y))
reg('maskedFill_', lambda x, m: x.masked_fill_(m, 2.0))
reg('scatter_', lambda x, i, s: x.scatter_(0, i, s))
reg('indexAdd_', lambda x, i, s: x.index_add_(0, i, s))
reg('clamp_', lambda x: x.clamp_(-1.0, 1.0))
reg('item', lambda x: torch.tensor(x.item()))
reg('addmv', torch.addmv, True)
reg('addbmm', torch.addbmm, True)
reg('matrixNorm', lambda x: torch.linalg.matrix_norm(x), True)
reg('nanmedian', lambda x: x.nanmedian())
reg('kthvalue1_d0', lambda x: x.kthvalue(1, 0))
reg('topk0_d1', lambda x: x.topk(0, 1, True, True), True)
reg('clampMin', lambda x: x.clamp_min(0.0), True)
reg('sum_f64', lambda x: x.sum(dtype=torch.float64), True)
reg('mean_b', lambda x: x.mean())
reg('logsumexp_d01', lambda x: x.logsumexp([0, 1]), True)
reg('indexSlice', lambda x: x[1:1, :], True)
reg('indexNewAxis', lambda x: x[None], True)
reg('stdMean_d1', lambda x: torch.std_mean(x, [1], correction=1, keepdim=False), True)

CASES = [
    ('add_', ['f:0x3', 'f:1x3']), ('add_', ['f:1x3', 'f:0x3']), ('mul_scalar_', ['f:0x3']), ('fill_', ['f:2x0']),
    ('zero_', ['f:0']), ('copy_', ['f:0x3', 'f:3']), ('copy_', ['f:0x3', 'f:2x3']), ('maskedFill_', ['f:0x3', 'b:0x3']),
    ('maskedFill_', ['f:1x3', 'b:0x3']), ('scatter_', ['f:3x2', 'x:0x2', 'f:0x2']),
    ('indexAdd_', ['f:3x2', 'x:0', 'f:0x2']), ('clamp_', ['f:0x3']), ('item', ['f:0']), ('item', ['f:']),
    ('item', ['f:2']), ('addmv', ['f:2', 'f:2x0', 'f:0']), ('addmv', ['f:0', 'f:0x3', 'f:3']),
    ('addbmm', ['f:2x3', 'f:0x2x4', 'f:0x4x3']), ('addbmm', ['f:2x3', 'f:2x2x0', 'f:2x0x3']),
    ('matrixNorm', ['f:0x3']), ('matrixNorm', ['f:2x0x0']), ('nanmedian', ['f:0']), ('kthvalue1_d0', ['f:']),
    ('kthvalue1_d0', ['f:0x3']), ('topk0_d1', ['f:0x3']), ('topk0_d1', ['f:3x0']), ('clampMin', ['f:0x3']),
    ('sum_f64', ['f:0x3']), ('mean_b', ['b:0']), ('logsumexp_d01', ['f:0x3']), ('indexSlice', ['f:3x2']),
    ('indexNewAxis', ['f:0x3']), ('stdMean_d1', ['f:3x0']), ('stdMean_d1', ['f:0x3']), ('logsumexp_d0', ['f:0']),
    ('softmax_d0', ['f:0']), ('median', ['f:']), ('cumsum_d1', ['l:3x0']), ('prod_d1', ['l:3x0']),
    # unary
    *[(o, ['f:0x3']) for o in ['neg', 'abs', 'exp', 'log', 'sqrt', 'sigmoid', 'tanh', 'relu', 'sin', 'square',
                                 'reciprocal', 'erf', 'gelu', 'silu', 'softplus', 'leakyRelu', 'clamp', 'pow2',
                                 'toDouble', 'floor', 'round', 'sign', 'logicalNot', 'isfinite', 'isnan',
                                 'nanToNum', 'toLong']],
    ('neg', ['l:0']), ('abs', ['l:2x0']), ('exp', ['l:0']), ('sqrt', ['b:0']), ('bitwiseNot', ['l:0']),
    ('bitwiseNot', ['b:0x2']), ('bitwiseNot', ['f:0']), ('neg', ['b:0']), ('sigmoid', ['f:']), ('exp', ['d:0x2']),
    # binary with broadcasting
    *[(o, ['f:0x3', 'f:1x3']) for o in ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2',
                                         'add_alpha2', 'eq', 'lt', 'ge', 'logicalAnd', 'fmod', 'remainder',
                                         'floorDivide']],
    ('add', ['f:0x1', 'f:1x3']), ('add', ['f:0x3', 'f:3']), ('add', ['f:3', 'f:0x1']), ('mul', ['f:2x0', 'f:2x1']),
    ('mul', ['f:1', 'f:0']), ('add', ['f:0x3', 'f:2x3']), ('add', ['f:0', 'f:2']), ('mul', ['f:2x0', 'f:2x3']),
    ('add', ['l:0', 'f:1']), ('add', ['f:0', 'd:']), ('add', ['l:0', 'd:']), ('mul', ['l:0x2', 'b:1']),
    ('div', ['l:0', 'l:1']), ('add', ['f:0', 'f:']), ('add', ['f:', 'f:0x2']), ('sub', ['b:0', 'b:0']),
    ('bitwiseAnd', ['l:0', 'l:1']), ('floorDivide', ['l:0', 'l:0']), ('remainder', ['l:0x2', 'l:1x2']),
    ('lt', ['d:0', 'f:1']), ('isclose', ['f:0x3', 'f:1x3']), ('lerp', ['f:0x3', 'f:1x3']),
    ('addScalar', ['f:0x3']), ('addScalar', ['l:0']), ('mulScalarLong', ['b:0']), ('mulScalarLong', ['f:2x0']),
    ('where', ['b:0x3', 'f:0x3', 'f:1x3']), ('where', ['b:1', 'f:0', 'f:1']), ('where', ['b:0x1', 'f:1x3', 'f:']),
    ('where', ['b:0', 'f:2', 'f:1']), ('where', ['b:0', 'l:0', 'f:0']), ('whereScalar', ['b:0x3', 'f:1x3']),
    # reductions on empties
    *[(o, ['f:0x3']) for o in ['sum', 'sum_d0', 'sum_d1', 'sum_d0_keep', 'sum_d01', 'mean', 'mean_d0', 'mean_d1',
                                 'prod', 'prod_d0_keep', 'prod_d1', 'amax', 'amax_d0', 'amax_d1', 'amin_d1_keep',
                                 'amin', 'max', 'max_d0', 'max_d1_keep', 'min', 'min_d1', 'argmax', 'argmax_d0',
                                 'argmax_d1', 'argmin', 'argmin_d1_keep', 'var', 'var_d0', 'var_d1_c0', 'std',
                                 'std_d1_keep', 'varMean', 'logsumexp_d0', 'logsumexp_d1', 'norm', 'norm_d0',
                                 'norm_inf', 'norm_inf_d1', 'norm_1_d1', 'any', 'all', 'any_d0', 'all_d1',
                                 'countNonzero', 'countNonzero_d0', 'nansum', 'nanmean', 'median', 'median_d1',
                                 'kthvalue1_d1', 'mode_d1']],
    *[(o, ['f:3x0']) for o in ['sum_d1', 'mean_d1', 'prod_d1', 'amax_d1', 'amax_d0', 'max_d1_keep', 'max_d0',
                                 'min_d1', 'argmax_d1', 'argmin_d1_keep', 'var_d1_c0', 'std_d1_keep', 'logsumexp_d1',
                                 'norm_inf_d1', 'norm_1_d1', 'all_d1', 'median_d1', 'mode_d1', 'kthvalue1_d1']],
    ('sum', ['l:0']), ('sum', ['b:0x2']), ('mean', ['l:0']), ('prod', ['l:0']), ('sum', ['f:']), ('sum_d0', ['f:']),
    ('max_d0', ['f:']), ('argmax_d0', ['f:']), ('mean_d0', ['f:']), ('var', ['f:']), ('std', ['f:1']),
    ('logsumexp_d0', ['f:']), ('any', ['b:0']), ('all', ['b:0']), ('amax', ['l:0']), ('countNonzero', ['b:0']),
    ('sum_d1', ['f:']), ('var', ['f:1']),
    # scans, sorting
    ('cumsum_d0', ['f:0x3']), ('cumsum_d1', ['f:0x3']), ('cumsum_d1', ['f:3x0']), ('cumsum_d0', ['f:']),
    ('cumsum_d0', ['l:0']), ('cumsum_d0', ['b:0']), ('cumprod_d0', ['f:0x3']), ('cumprod_d1', ['f:3x0']),
    ('cumprod_d0', ['f:']), ('cummax_d0', ['f:0x3']), ('cummax_d0', ['f:']), ('cummin_d1', ['f:3x0']),
    ('logcumsumexp_d0', ['f:0x3']), ('sort', ['f:0']), ('sort', ['f:0x3']), ('sort', ['f:3x0']),
    ('sort', ['f:']), ('sort_d0_desc', ['f:0x3']), ('argsort', ['f:0']), ('argsort_d0', ['f:0x3']),
    ('argsort', ['f:']), ('topk0', ['f:3']), ('topk0', ['f:0']), ('topk1', ['f:0']), ('topk0', ['f:2x3']),
    ('topk0_d0', ['f:0x3']), ('topk1', ['f:']), ('topk0', ['f:']), ('unique', ['f:0']), ('unique', ['l:0x3']),
    ('uniqueAll', ['f:0']), ('unique_d0', ['f:0x3']), ('uniqueConsecutive', ['f:0']), ('unique', ['f:']),
    ('searchsorted', ['f:0', 'f:3']), ('searchsorted', ['f:3', 'f:0']), ('bucketize', ['f:0', 'f:3']),
    ('bucketize', ['f:3', 'f:0']), ('histc4', ['f:0']), ('histc4_range', ['f:0']), ('bincount', ['x:0']),
    ('bincount_min3', ['x:0']),
    # linear algebra
    ('matmul', ['f:0x3', 'f:3x4']), ('matmul', ['f:3x0', 'f:0x4']), ('matmul', ['f:2x3', 'f:3x0']),
    ('matmul', ['f:0', 'f:0']), ('matmul', ['f:0', 'f:0x2']), ('matmul', ['f:2x0', 'f:0']),
    ('matmul', ['f:0x2x3', 'f:3x4']), ('matmul', ['f:2x0x3', 'f:1x3x2']), ('matmul', ['f:', 'f:3']),
    ('matmul', ['f:0x3', 'f:2x4']), ('mm', ['f:0x3', 'f:3x4']), ('mm', ['f:3x0', 'f:0x4']), ('mm', ['f:2x3', 'f:3x0']),
    ('mm', ['l:2x0', 'l:0x2']), ('bmm', ['f:0x2x3', 'f:0x3x4']), ('bmm', ['f:2x3x0', 'f:2x0x4']),
    ('bmm', ['f:2x0x3', 'f:2x3x1']), ('mv', ['f:0x3', 'f:3']), ('mv', ['f:2x0', 'f:0']), ('dot', ['f:0', 'f:0']),
    ('dot', ['l:0', 'l:0']), ('outer', ['f:0', 'f:3']), ('outer', ['f:2', 'f:0']), ('kron', ['f:0x2', 'f:2x2']),
    ('kron', ['f:2x2', 'f:2x0']), ('addmm', ['f:2x3', 'f:2x0', 'f:0x3']), ('addmm', ['f:3', 'f:0x2', 'f:2x3']),
    ('baddbmm', ['f:2x2x3', 'f:2x2x0', 'f:2x0x3']), ('linear', ['f:0x3', 'f:4x3', 'f:4']),
    ('linear', ['f:2x0', 'f:4x0', 'f:4']), ('linear', ['f:2x3', 'f:0x3', 'f:0']), ('linearNoBias', ['f:2x0', 'f:4x0']),
    ('linearNoBias', ['f:2x0x3', 'f:4x3']), ('linear', ['f:2x0x3', 'f:4x3', 'f:4']), ('einsum_ij_jk', ['f:2x0', 'f:0x3']),
    ('einsum_ij_jk', ['f:0x2', 'f:2x3']), ('einsum_i_i', ['f:0', 'f:0']), ('einsum_ii', ['f:0x0']),
    ('einsum_bij_sum', ['f:0x2x3']), ('tensordot1', ['f:2x0', 'f:0x3']), ('trace', ['f:0x3']), ('trace', ['f:0x0']),
    ('det', ['f:0x0']), ('det', ['f:2x0x0']), ('inv', ['f:0x0']), ('inv', ['f:0x2x2']), ('cross', ['f:0x3', 'f:0x3']),
    # nn
    ('conv2d', ['f:0x2x4x4', 'f:3x2x3x3', 'f:3']), ('conv2d', ['f:1x0x4x4', 'f:3x0x3x3', 'f:3']),
    ('conv2d', ['f:1x2x4x4', 'f:0x2x3x3', 'f:0']), ('conv2d_pad1', ['f:0x1x3x3', 'f:2x1x3x3']),
    ('conv1d', ['f:0x2x5', 'f:3x2x3']), ('convTranspose2d', ['f:0x2x3x3', 'f:2x3x2x2']),
    ('maxPool2d', ['f:0x2x4x4']), ('maxPool2d', ['f:2x0x4x4']), ('maxPool2d', ['f:0x4x4']),
    ('avgPool2d', ['f:0x2x4x4']), ('avgPool2d', ['f:2x0x4x4']), ('adaptiveAvgPool2d', ['f:0x2x4x4']),
    ('adaptiveMaxPool2d', ['f:0x2x4x4']), ('adaptiveAvgPool2d', ['f:1x2x0x4']), ('interpolateNearest2', ['f:0x2x3x3']),
    ('pixelShuffle2', ['f:0x4x2x2']), ('layerNorm', ['f:0x3', 'f:3', 'f:3']), ('layerNorm', ['f:2x0x3', 'f:3', 'f:3']),
    ('layerNormNoAffine', ['f:0x3']), ('layerNormNoAffine', ['f:3x0']), ('batchNormEval', ['f:0x3', 'f:3', 'p:3']),
    ('batchNormEval', ['f:0x3x2', 'f:3', 'p:3']), ('batchNormTrain', ['f:0x3']), ('batchNormTrain', ['f:0x3x2']),
    ('groupNorm2', ['f:0x4x2']), ('groupNorm2', ['f:2x4x0']), ('instanceNorm', ['f:0x2x3']), ('rmsNorm', ['f:0x3']),
    ('softmax_d1', ['f:0x3']), ('softmax_d0', ['f:0x3']), ('softmax_d1', ['f:3x0']), ('softmax_d0', ['f:']),
    ('logSoftmax_d1', ['f:0x3']), ('logSoftmax_d1', ['f:3x0']), ('logSoftmax_d0', ['f:']), ('dropoutEval', ['f:0x3']),
    ('crossEntropy', ['f:0x3', 'x:0']), ('crossEntropySum', ['f:0x3', 'x:0']), ('crossEntropyNone', ['f:0x3', 'x:0']),
    ('crossEntropySmooth', ['f:0x3', 'x:0']), ('crossEntropyProbs', ['f:0x3', 'f:0x3']), ('crossEntropy', ['f:0x3x2', 'x:0x2']),
    ('crossEntropy', ['f:2x0', 'x:2']), ('nllLoss', ['f:0x3', 'x:0']), ('nllLossSum', ['f:0x3', 'x:0']),
    ('nllLossNone', ['f:0x3', 'x:0']), ('mseLoss', ['f:0', 'f:0']), ('mseLoss', ['f:0x3', 'f:0x3']),
    ('mseLossSum', ['f:0x3', 'f:0x3']), ('l1Loss', ['f:0', 'f:0']), ('smoothL1Loss', ['f:0', 'f:0']),
    ('huberLoss', ['f:0x2', 'f:0x2']), ('bceLogits', ['f:0', 'f:0']), ('klDiv', ['f:0x3', 'f:0x3']),
    ('klDivBatchmean', ['f:0x3', 'f:0x3']), ('embedding', ['x:0', 'f:4x3']), ('embedding', ['x:2x0', 'f:4x3']),
    ('embedding', ['x:3', 'f:0x3']), ('embedding', ['x:2', 'f:4x0']), ('embeddingBagSum', ['x:0', 'f:4x3', 'x:2']),
    ('embeddingBagMean', ['x:0', 'f:4x3', 'x:2']), ('sdpa', ['f:1x0x4', 'f:1x3x4', 'f:1x3x4']),
    ('sdpa', ['f:1x2x4', 'f:1x0x4', 'f:1x0x4']),
    # indexing
    ('indexSelect_d0', ['f:3x2', 'x:0']), ('indexSelect_d1', ['f:3x2', 'x:0']), ('indexSelect_d0', ['f:0x2', 'x:0']),
    ('indexSelect_d0', ['f:0x2', 'x:2']), ('gather_d0', ['f:3x2', 'x:0x2']),
    ('gather_d1', ['f:3x2', 'x:3x0']), ('gather_d1', ['f:3x0', 'x:3x1']), ('gather_d0', ['f:', 'x:0']),
    ('scatter_d0', ['f:3x2', 'x:0x2', 'f:0x2']), ('scatterValue_d1', ['f:3x2', 'x:3x0']),
    ('scatter_d0', ['f:0x2', 'x:0x2', 'f:0x2']), ('scatterAdd_d0', ['f:3x2', 'x:0x2', 'f:0x2']),
    ('scatterReduceAmax_d0', ['f:3x2', 'x:0x2', 'f:0x2']), ('indexAdd_d0', ['f:3x2', 'x:0', 'f:0x2']),
    ('indexCopy_d0', ['f:3x2', 'x:0', 'f:0x2']), ('indexFill_d1', ['f:3x2', 'x:0']), 
    ('take', ['f:3x2', 'x:0']), ('take', ['f:0', 'x:0']), ('take', ['f:0', 'x:1']), ('take', ['f:3x2', 'x:2x0']),
    ('takeAlongDim_d1', ['f:3x2', 'x:3x0']), ('indexTensor', ['f:3x2', 'x:0']), ('indexTensor', ['f:0x2', 'x:0']),
    ('indexBool', ['f:0x2', 'b:0x2']), ('indexBool', ['f:0x2', 'b:0']), ('indexPutAcc', ['f:3x2', 'x:0', 'f:0x2']),
    ('maskedFill', ['f:0x3', 'b:0x3']), ('maskedFill', ['f:0x3', 'b:1x3']), ('maskedFill', ['f:2x3', 'b:0x3']),
    ('maskedSelect', ['f:0x3', 'b:0x3']), ('maskedSelect', ['f:0x3', 'b:3']), ('maskedSelect', ['f:1x3', 'b:0x3']),
    ('maskedScatter', ['f:0x3', 'b:0x3', 'f:0']), ('nonzero', ['f:0x3']), ('nonzero', ['f:0']), ('nonzero', ['f:']),
    ('nonzero', ['b:2x0x3']), ('nonzeroTuple', ['f:0x3']), ('argwhere', ['f:0x3']), ('argwhere', ['f:']),
    ('repeatInterleaveT', ['f:0', 'x:0']), ('repeatInterleaveT', ['f:2', 'l:2']), ('repeatInterleave2', ['f:0x3']),
    # joining, splitting
    ('cat_d0', ['f:0', 'f:3']), ('cat_d0', ['f:0x3', 'f:2x3']), ('cat_d1', ['f:2x0', 'f:2x3']),
    ('cat_d0', ['f:0', 'f:2x3']), ('cat_d0', ['f:0x3', 'f:0x4']), ('cat_d0', ['f:0x3', 'f:0x3']),
    ('cat_d1', ['f:0x3', 'f:0x4']), ('cat_d0', ['f:', 'f:']), ('cat_d0', ['l:0', 'f:2']), ('cat_d0', ['f:0x2', 'f:3']),
    ('stack_d0', ['f:0', 'f:0']), ('stack_d1', ['f:0x3', 'f:0x3']), ('stack_d0', ['f:0x3', 'f:0x2']),
    ('stack_d0', ['f:', 'f:']), ('split2_d0', ['f:0x3']), ('split2_d1', ['f:3x0']), ('splitSizes0_2_d1', ['f:3x2']),
    ('chunk2_d0', ['f:0x3']), ('chunk2_d1', ['f:3x0']), ('tensorSplit2_d0', ['f:0x3']), ('unbind_d0', ['f:0x3']),
    ('unbind_d1', ['f:0x3']), ('meshgrid', ['f:0', 'f:3']), ('broadcastTensors', ['f:0x1', 'f:3']),
    # shapes
    ('reshape_3_0', ['f:0x3']), ('reshape_m1', ['f:0x3']), ('reshape_m1_3', ['f:0x3']), ('reshape_0_m1', ['f:0x3']),
    ('reshape_m1_0', ['f:0x3']), ('view_0_5_2', ['f:0x3']), ('view_1', ['f:']), ('reshape_m1', ['f:']),
    ('flatten', ['f:2x0x3']), ('flatten', ['f:']), ('flatten_0_1', ['f:2x0x3']), ('unflatten_0_2_0', ['f:0x3']),
    ('permute_1_0', ['f:0x3']), ('transpose_0_1', ['f:0x3']), ('t', ['f:0x3']), ('t', ['f:']), ('squeeze', ['f:0x1']),
    ('squeeze_d0', ['f:0x1']), ('squeeze_d0', ['f:']), ('unsqueeze_d0', ['f:0']), ('unsqueeze_d0', ['f:']),
    ('expand_0_3', ['f:0x1']), ('expand_0_3', ['f:1x3']), ('expand_0', ['f:1']), ('expand_0', ['f:2']),
    ('expand_0', ['f:']), ('expand_2_m1', ['f:0']), ('repeat_2_2', ['f:0x3']), ('repeat_0', ['f:3']),
    ('repeat_0_2', ['f:3']), ('repeat_2_2', ['f:']), ('tile_2', ['f:0x3']), ('flip_d0', ['f:0x3']), ('flip_d01', ['f:0x3']),
    ('flip_d0', ['f:']), ('roll1', ['f:0x3']), ('roll1_d0', ['f:0x3']), ('roll1_d0', ['f:3x0']), ('roll1', ['f:']),
    ('narrow_0_1_0', ['f:3x2']), ('narrow_0_0_0', ['f:0x2']), ('slice_d0_2_1', ['f:3x2']), ('select_0_0', ['f:0x3']),
    ('select_0_0', ['f:3x0']), ('movedim_0_1', ['f:0x3']), ('contiguousT', ['f:0x3']), ('clone', ['f:0x3']),
    ('pad_1_1', ['f:0x3']), ('pad_1_1', ['f:3x0']), ('pad_0_0_1_1', ['f:0x3']), ('padReflect', ['f:1x0x3']),
    ('padReflect', ['f:1x2x0']), ('padReplicate', ['f:1x2x0']), ('tril', ['f:0x3']), ('triu1', ['f:3x0']),
    ('tril', ['f:2x0x3']), ('diag', ['f:0']), ('diag', ['f:0x3']), ('diag1', ['f:0']), ('diag', ['f:']),
    ('diagonal', ['f:0x3']), ('diagonal', ['f:2x0x3']), ('diagEmbed', ['f:0']), ('diagEmbed', ['f:2x0']),
    ('zerosLike', ['f:0x3']), ('fullLike', ['l:0']),
]


# PyTorch 1.13's own failures, which 2.x does not share: skip the gradient (the backward formula of var and std of one
# element returns a 0-dim gradient; PixelShuffleBackward0 of an empty batch the wrong shape; index_select of a 0-dim
# tensor has no backward; var of a 0-dim tensor gives inf where 2.x's var_backward gives NaN for n <= correction when
# the element equals the mean)
NO_GRAD = {'var@f:1', 'std@f:1', 'var@f:', 'pixelShuffle2@f:0x4x2x2'}
# Errors whose message 2.x words differently from 1.13: 2.x's (padding.h check_valid_input; the composite diag;
# Tensor.item, whose Python binding 1.13 checked itself).
MESSAGES_2X = {
    'padReflect@f:1x0x3': 'Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero '
                          'dimensions for input, but got: [1, 0, 3]',
    'padReflect@f:1x2x0': 'Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero '
                          'dimensions for input, but got: [1, 2, 0]',
    'diag@f:': 'diag(): Supports 1D or 2D tensors. Got 0D',
    'item@f:0': 'a Tensor with 0 elements cannot be converted to Scalar',
    'item@f:2': 'a Tensor with 2 elements cannot be converted to Scalar',
}


def main():
    seen = set()
    for name, specs in CASES:
        key = name + '@' + ','.join(specs)
        assert key not in seen, key
        seen.add(key)
        f, differentiable = OPS[name]
        ins = [make(s) for s in specs]
        try:
            r = f(*ins)
        except ERRORS as e:
            print(key + '\t!\t' + MESSAGES_2X.get(key, first_line(e)))
            continue
        outs = outputs(r)
        print(key + '\t' + str(len(outs)) + ''.join('\t' + enc(o) for o in outs))
        if not differentiable or key in NO_GRAD or not outs or not isinstance(outs[0], torch.Tensor) \
                or not outs[0].dtype.is_floating_point:
            continue
        leaves = [make(s).requires_grad_(s[0] in 'fdp') for s in specs]
        try:
            out = outputs(f(*leaves))[0]
            if not out.requires_grad:
                continue
            out.backward(upstream(out))
            grads = [t.grad for t in leaves if t.requires_grad]
        except ERRORS as e:
            print(key + '#grad\t!\t' + first_line(e))
            continue
        print(key + '#grad\t' + str(len(grads)) + ''.join('\t' + enc(g) for g in grads))


if __name__ == '__main__':
    main()
