# Writes expected.txt: the grad_fn node name of each op, read by NodeNamesTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and "value <type(y.grad_fn).__name__>" (None where PyTorch records no node). The inputs:
# x, y float32 [2, 3] requiring grad (y positive), m [3, 3], v [3], b [2, 3, 3], img [1, 1, 4, 4]; keys are Ember's
# method names. Every op Ember has is listed, except those whose node another helper of issue 14 changes (see
# NodeNamesTest's note): their names are checked there after the merge.
#
# Versions: Ember follows PyTorch 2.x; the names are 1.13's except these, written from 2.x (NAMES_2X below):
# - Tensor.norm and torch.norm are torch.linalg.vector_norm in 2.x (torch/functional.py, norm(): "return
#   torch.linalg.vector_norm(input, _p, _dim, keepdim, dtype=dtype)"), node LinalgVectorNormBackward0; 1.13's is
#   NormBackward1.
# - F.smooth_l1_loss with beta 0 is l1_loss in 2.x (torch/nn/functional.py: "if beta == 0.0: return
#   torch._C._nn.l1_loss(...)"), node MeanBackward0; 1.13 records SmoothL1LossBackward0.
# - reshape and flatten of a tensor they can view: 2.x records ViewBackward0 (the issue: "a reshape that copies is
#   UnsafeViewBackward0, one that views is ViewBackward0"); 1.13 records ReshapeAliasBackward0.
import math
import torch
import torch.nn.functional as F

torch.manual_seed(0)


def leaf(*shape, low=-1.0, high=1.0):
    return (torch.rand(*shape) * (high - low) + low).requires_grad_(True)


x = leaf(2, 3)
y = leaf(2, 3, low=0.5, high=2.0)
m = leaf(3, 3)
v = leaf(3)
b = leaf(2, 3, 3)
img = leaf(1, 1, 4, 4)
probs = leaf(2, 3, low=0.1, high=0.9)
target01 = torch.rand(2, 3)
classes = torch.tensor([0, 2])

CASES = {
    # arithmetic
    'add': lambda: x.add(y), 'add_alpha': lambda: x.add(y, alpha=2.5), 'add_scalar': lambda: x + 2.0,
    'add_long': lambda: x + 2, 'sub': lambda: x.sub(y), 'sub_alpha': lambda: x.sub(y, alpha=0.5),
    'sub_scalar': lambda: x - 2.0, 'rsub': lambda: 2.0 - x, 'mul': lambda: x * y, 'mul_scalar': lambda: x * 2.0,
    'div': lambda: x / y, 'div_scalar': lambda: x / 2.0, 'rdiv': lambda: torch.div(torch.tensor(2.0), x),
    'neg': lambda: -x, 'pow_scalar': lambda: x ** 2.5, 'pow_long': lambda: x ** 3, 'pow_tensor': lambda: y ** x,
    'square': lambda: x.square(), 'exp': lambda: x.exp(), 'log': lambda: y.log(), 'sqrt': lambda: y.sqrt(),
    'abs': lambda: x.abs(), 'sign': lambda: x.sign(), 'reciprocal': lambda: y.reciprocal(), 'sin': lambda: x.sin(),
    'cos': lambda: x.cos(), 'erf': lambda: x.erf(), 'sigmoid': lambda: x.sigmoid(), 'tanh': lambda: x.tanh(),
    'relu': lambda: x.relu(), 'floor': lambda: x.floor(), 'ceil': lambda: x.ceil(), 'round': lambda: x.round(),
    'clamp': lambda: x.clamp(-0.5, 0.5), 'clampMin': lambda: x.clamp_min(0.1), 'clampMax': lambda: x.clamp_max(0.1),
    'clampOnlyMin': lambda: x.clamp(min=-0.1), 'clampOnlyMax': lambda: x.clamp(max=0.1),
    'maximum': lambda: x.maximum(y), 'minimum': lambda: x.minimum(y), 'where': lambda: torch.where(x > 0, x, y),
    'relu_double_backward': lambda: torch.autograd.grad(x.relu().sum(), x, create_graph=True)[0],
    # math of issue 14
    'log1p': lambda: y.log1p(), 'expm1': lambda: x.expm1(), 'log2': lambda: y.log2(), 'log10': lambda: y.log10(),
    'exp2': lambda: x.exp2(), 'tan': lambda: x.tan(), 'asin': lambda: x.asin(), 'acos': lambda: x.acos(),
    'atan': lambda: x.atan(), 'atan2': lambda: x.atan2(y), 'sinh': lambda: x.sinh(), 'cosh': lambda: x.cosh(),
    'asinh': lambda: x.asinh(), 'acosh': lambda: (y + 1).acosh(), 'atanh': lambda: (x * 0.5).atanh(),
    'rsqrt': lambda: y.rsqrt(), 'trunc': lambda: x.trunc(), 'frac': lambda: x.frac(), 'sgn': lambda: x.sgn(),
    'erfc': lambda: x.erfc(), 'erfinv': lambda: (x * 0.5).erfinv(), 'lgamma': lambda: y.lgamma(),
    'digamma': lambda: y.digamma(), 'polygamma': lambda: torch.polygamma(2, y), 'logSigmoid': lambda: F.logsigmoid(x),
    'hypot': lambda: x.hypot(y), 'fmod': lambda: x.fmod(y), 'fmod_scalar': lambda: x.fmod(0.3),
    'remainder': lambda: x.remainder(y), 'remainder_scalar': lambda: x.remainder(0.3),
    'floorDivide': lambda: x.floor_divide(y), 'div_trunc': lambda: x.div(y, rounding_mode='trunc'),
    'div_floor_scalar': lambda: x.div(0.3, rounding_mode='floor'), 'div_none': lambda: x.div(y, rounding_mode=None),
    'copysign': lambda: x.copysign(y), 'copysign_scalar': lambda: x.copysign(-1.0), 'fmax': lambda: x.fmax(y),
    'fmin': lambda: x.fmin(y), 'xlogy': lambda: x.xlogy(y), 'xlogy_scalar_other': lambda: x.xlogy(2.0),
    'xlogy_scalar_self': lambda: torch.xlogy(2.0, y), 'lerp': lambda: x.lerp(y, 0.3), 'lerp_tensor': lambda: x.lerp(y, y),
    'nanToNum': lambda: x.nan_to_num(), 'isclose': lambda: x.isclose(y), 'isnan': lambda: x.isnan(),
    # reductions
    'sum': lambda: x.sum(), 'sum_dim': lambda: x.sum(1), 'sum_dims_keepdim': lambda: x.sum((0, 1), keepdim=True),
    'sum_dtype': lambda: x.sum(dtype=torch.float64), 'sum_dims_dtype': lambda: x.sum(1, dtype=torch.float64),
    'mean': lambda: x.mean(), 'mean_dim': lambda: x.mean(1), 'prod': lambda: y.prod(), 'prod_dim': lambda: y.prod(1),
    'max': lambda: x.max(), 'max_dim': lambda: x.max(1)[0], 'min': lambda: x.min(), 'min_dim': lambda: x.min(1)[0],
    'var': lambda: x.var(), 'var_dims': lambda: x.var(1, correction=0), 'std': lambda: x.std(),
    'std_dims': lambda: x.std(1, unbiased=True), 'softmax': lambda: x.softmax(1), 'logSoftmax': lambda: x.log_softmax(1),
    'amax': lambda: x.amax(1), 'amin': lambda: x.amin(), 'varMean_var': lambda: torch.var_mean(x, 1)[0],
    'varMean_mean': lambda: torch.var_mean(x, 1)[1], 'stdMean_std': lambda: torch.std_mean(x)[0],
    'stdMean_mean': lambda: torch.std_mean(x)[1], 'logsumexp': lambda: x.logsumexp(1),
    'norm': lambda: x.norm(), 'norm_p_dims': lambda: x.norm(3, 1), 'vectorNorm': lambda: torch.linalg.vector_norm(x, 1),
    'matrixNorm_fro': lambda: torch.linalg.matrix_norm(m), 'matrixNorm_1': lambda: torch.linalg.matrix_norm(m, 1),
    'matrixNorm_neginf': lambda: torch.linalg.matrix_norm(m, -math.inf), 'nansum': lambda: x.nansum(),
    'nanmean': lambda: x.nanmean(1), 'any': lambda: x.any(1), 'countNonzero': lambda: torch.count_nonzero(x, 1),
    'argmax': lambda: x.argmax(1),
    # views and shape
    'view': lambda: x.view(3, 2), 'reshape_view': lambda: x.reshape(6), 'flatten': lambda: x.flatten(),
    'viewAs': lambda: x.view_as(y), 'transpose': lambda: x.transpose(0, 1), 't': lambda: x.t(), 'T': lambda: x.T,
    'mT': lambda: x.mT, 'permute': lambda: b.permute(2, 0, 1), 'squeeze': lambda: x.unsqueeze(0).squeeze(),
    'squeeze_dim': lambda: x.unsqueeze(0).squeeze(0), 'unsqueeze': lambda: x.unsqueeze(1),
    'expand': lambda: v.expand(2, 3), 'expandAs': lambda: v.expand_as(x), 'narrow': lambda: x.narrow(1, 0, 2),
    'slice': lambda: x[:, 0:3:2], 'select': lambda: x.select(0, 1), 'get': lambda: x[1, 2],
    'contiguous': lambda: x.t().contiguous(), 'clone': lambda: x.clone(), 'cat': lambda: torch.cat([x, y], 0),
    'to_dtype': lambda: x.to(torch.float64),
    # in place on a non-leaf
    'add_': lambda: (x * 1.0).add_(y), 'sub_': lambda: (x * 1.0).sub_(y), 'mul_': lambda: (x * 1.0).mul_(y),
    'div_': lambda: (x * 1.0).div_(y), 'clamp_': lambda: (x * 1.0).clamp_(-0.5, 0.5),
    'clamp_OnlyMax': lambda: (x * 1.0).clamp_(max=0.1), 'copy_': lambda: (x * 1.0).copy_(y),
    # linear algebra
    'mm': lambda: m.mm(m), 'bmm': lambda: b.bmm(b), 'dot': lambda: v.dot(v), 'matmul_2d': lambda: m.matmul(m),
    'matmul_1d': lambda: v.matmul(v),
    # convolution, pooling, losses
    'conv2d': lambda: F.conv2d(img, leaf(2, 1, 3, 3)), 'maxPool2d': lambda: F.max_pool2d(img, 2),
    'avgPool2d': lambda: F.avg_pool2d(img, 2), 'nllLoss': lambda: F.nll_loss(x, classes),
    'nllLoss2d': lambda: F.nll_loss(img.expand(1, 2, 4, 4), torch.zeros(1, 4, 4, dtype=torch.long)),
    'binaryCrossEntropy': lambda: F.binary_cross_entropy(probs, target01),
    'binaryCrossEntropyWithLogits': lambda: F.binary_cross_entropy_with_logits(x, target01),
    'mseLoss': lambda: F.mse_loss(x, y), 'mseLoss_none': lambda: F.mse_loss(x, y, reduction='none'),
    'l1Loss': lambda: F.l1_loss(x, y), 'l1Loss_none': lambda: F.l1_loss(x, y, reduction='none'),
    'l1Loss_sum': lambda: F.l1_loss(x, y, reduction='sum'), 'smoothL1Loss': lambda: F.smooth_l1_loss(x, y),
    'smoothL1Loss_beta0': lambda: F.smooth_l1_loss(x, y, beta=0.0), 'huberLoss': lambda: F.huber_loss(x, y, delta=0.5),
    'crossEntropy': lambda: F.cross_entropy(x, classes),
    'crossEntropy_prob': lambda: F.cross_entropy(x, target01),
    'crossEntropy_prob_sum': lambda: F.cross_entropy(x, target01, reduction='sum'),
    'crossEntropy_prob_none': lambda: F.cross_entropy(x, target01, reduction='none'), 'F_relu': lambda: F.relu(x), 'F_sigmoid': lambda: F.sigmoid(x),
    'F_tanh': lambda: F.tanh(x),
    # nodes other parts of issue 14 set
    'reshape_copy': lambda: x.t().reshape(-1), 'linear_bias': lambda: F.linear(x, m, v), 'mv': lambda: m.mv(v),
    'matmul_2d1d': lambda: m.matmul(v), 'matmul_batched': lambda: b.matmul(b), 'matmul_3d2d': lambda: b.matmul(m),
    'stack': lambda: torch.stack([x, y]), 'fill_': lambda: (x * 1).fill_(2.0), 'zero_': lambda: (x * 1).zero_(),
    'fill_view': lambda: fill_row(x * 1),
}


def fill_row(t):
    t[0].fill_(2.0)
    return t

NAMES_2X = {'norm': 'LinalgVectorNormBackward0', 'norm_p_dims': 'LinalgVectorNormBackward0',
            'smoothL1Loss_beta0': 'MeanBackward0', 'reshape_view': 'ViewBackward0', 'flatten': 'ViewBackward0'}

for key, f in CASES.items():
    out = f()
    name = type(out.grad_fn).__name__ if out.grad_fn is not None else 'None'
    print('=== ' + key)
    print('value ' + NAMES_2X.get(key, name))

# ---- issue 15's layers (h-layers). Ember records one node per fused op, as PyTorch 2.x. Facts of 2.x, not 1.13:
# - dropout: 2.x's native_dropout node, NativeDropoutBackward0, which its CUDA path records (aten/src/ATen/native/
#   Dropout.cpp, is_fused_kernel_acceptable); its CPU path composes MulBackward0. Ember records native_dropout's on every
#   device, so the name is taken from torch.native_dropout here.
# - rms_norm (new in 2.4): 2.x's rms_norm_symint calls at::_fused_rms_norm on the CPU and CUDA, node
#   FusedRmsNormBackward0 (tools/autograd/derivatives.yaml, "- name: _fused_rms_norm(...)").
LAYER_CASES = {
    'gelu': lambda: F.gelu(x), 'gelu_tanh': lambda: F.gelu(x, approximate='tanh'), 'leakyRelu': lambda: F.leaky_relu(x),
    'elu': lambda: F.elu(x), 'selu': lambda: F.selu(x), 'celu': lambda: F.celu(x), 'silu': lambda: F.silu(x),
    'mish': lambda: F.mish(x), 'softplus': lambda: F.softplus(x), 'hardtanh': lambda: F.hardtanh(x),
    'relu6': lambda: F.relu6(x), 'hardswish': lambda: F.hardswish(x),
    'dropout': lambda: torch.native_dropout(x, 0.5, True)[0],
    'layerNorm': lambda: F.layer_norm(x, [3]), 'groupNorm': lambda: F.group_norm(x, 3),
    'batchNorm': lambda: F.batch_norm(x, None, None, training=True), 'instanceNorm': lambda: F.instance_norm(b),
    'rmsNorm': lambda: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6),
    'embedding': lambda: F.embedding(classes, m), 'embeddingBag': lambda: F.embedding_bag(classes, m, torch.tensor([0])),
    'kLDivLoss_batchmean': lambda: F.kl_div(x, probs, reduction='batchmean'),
    'kLDivLoss_none': lambda: F.kl_div(x, probs, reduction='none'),
    'cosineEmbeddingLoss': lambda: F.cosine_embedding_loss(x, y, torch.tensor([1.0, -1.0])),
    'marginRankingLoss': lambda: F.margin_ranking_loss(v, v * 2, torch.tensor([1.0, -1.0, 1.0])),
}
LAYER_NAMES_2X = {'rmsNorm': 'FusedRmsNormBackward0'}

for key, f in LAYER_CASES.items():
    out = f()
    name = type(out.grad_fn).__name__ if out.grad_fn is not None else 'None'
    print('=== ' + key)
    print('value ' + LAYER_NAMES_2X.get(key, name))
