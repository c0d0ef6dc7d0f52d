# Writes expected.txt for ModuleSweepTest.java: for ~150 torch.nn module configurations, the printout, the
# named_parameters / named_buffers / state_dict (name, shape, dtype, in order), and for deterministic parameters
# (every floating parameter and buffer filled by name from fill(name, i), float64) the outputs, the input gradients and
# the parameter gradients of sum_k sum(out_k * gout_k), and the state after the forward ("post:<key>").
# Init cases give statistics of freshly initialized float32 parameters; err cases the error PyTorch raises.
#   run: /usr/bin/python3 make_expected.py > expected.txt        (PyTorch 1.13, CPU)
# Where 2.x differs from 1.13 this follows 2.x:
# - nn.RMSNorm (2.4+) is absent from 1.13: emulated below from 2.x's definition (x * rsqrt(mean(x^2) + eps) * weight,
#   eps None = finfo(dtype).eps; extra_repr "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}").
# - nn.LayerNorm(bias=False) (2.1+): emulated by registering bias as None (2.x's extra_repr is unchanged).
# - nn.Softplus's defaults are floats in 2.x: built with 1.0, 20.0.
# - nn.Upsample's extra_repr prints the mode with repr in 2.x ("info += \", mode=\" + repr(self.mode)",
#   torch/nn/modules/upsampling.py): Upsample(scale_factor=2.0, mode='nearest'); 1.13 prints mode=nearest. 2.x's
#   extra_repr is installed below.
# - hardswish_backward at x == -3: 2.x's kernels give 0 (HardswishBackwardFunctor "if (self_val <= neg_three) return
#   zero"); 1.13's CPU kernel gives -grad/2 there. act_hardswish's input gradient is patched to 2.x at x == -3.
# - ModuleList's 2.x __repr__ compresses repeats; the ModuleList case uses distinct modules so both agree.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
D = torch.float64


def _upsample_extra_repr_2x(self):
    if self.scale_factor is not None:
        info = "scale_factor=" + repr(self.scale_factor)
    else:
        info = "size=" + repr(self.size)
    info += ", mode=" + repr(self.mode)
    return info


nn.Upsample.extra_repr = _upsample_extra_repr_2x


def fill(name, i):
    s = sum(ord(c) for c in name)
    v = 0.4 * math.sin(0.7 * i + 0.05 * s + 0.3)
    if name.endswith("running_var"):
        return 0.6 + abs(v)
    return v


def xin(k, shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1.5 * math.sin(0.9 * i + 0.3 + k) for i in range(n)], dtype=D).reshape(shape)


def gout(k, t):
    n = t.numel()
    return torch.tensor([math.cos(0.5 * i + 0.1 + k) for i in range(n)], dtype=D).reshape(t.shape)


def fmt(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    return "%s %s : %s" % (dt, list(t.shape), " ".join(repr(v) for v in vals))


def sig(named):
    return " ; ".join("%s|%s|%s" % (k, list(v.shape), str(v.dtype).replace("torch.", "")) for k, v in named)


class RMSNorm(nn.Module):
    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)


def ln_nobias(shape):
    m = nn.LayerNorm(shape)
    m.register_parameter("bias", None)
    return m


CASES = []  # (name, ctor, inputs, fwd, train)


def case(name, ctor, inputs, fwd=None, train=False):
    CASES.append((name, ctor, inputs, fwd or (lambda m, *a: [m(*a)]), train))


F_ = lambda *s: ("f", list(s))
L_ = lambda vals, shape: ("l", vals, shape)
B_ = lambda vals, shape: ("b", vals, shape)

# Linear
case("linear_bias", lambda: nn.Linear(4, 3), [F_(2, 4)])
case("linear_nobias", lambda: nn.Linear(4, 3, bias=False), [F_(2, 4)])
case("linear_3d", lambda: nn.Linear(4, 3), [F_(2, 3, 4)])
case("linear_1d", lambda: nn.Linear(4, 3), [F_(4)])
case("linear_out1", lambda: nn.Linear(5, 1), [F_(3, 5)])
# Conv1d
case("conv1d_basic", lambda: nn.Conv1d(2, 4, 3), [F_(2, 2, 7)])
case("conv1d_stride2_pad1", lambda: nn.Conv1d(2, 4, 3, stride=2, padding=1), [F_(2, 2, 8)])
case("conv1d_dil2", lambda: nn.Conv1d(2, 3, 3, dilation=2), [F_(2, 2, 9)])
case("conv1d_groups2", lambda: nn.Conv1d(4, 6, 3, groups=2), [F_(2, 4, 7)])
case("conv1d_nobias", lambda: nn.Conv1d(2, 4, 3, bias=False), [F_(2, 2, 7)])
case("conv1d_unbatched", lambda: nn.Conv1d(2, 4, 3, padding=2), [F_(2, 7)])
case("conv1d_depthwise", lambda: nn.Conv1d(3, 3, 2, groups=3), [F_(1, 3, 6)])
# Conv2d
case("conv2d_basic", lambda: nn.Conv2d(2, 3, 3), [F_(2, 2, 6, 5)])
case("conv2d_stride_pad", lambda: nn.Conv2d(2, 3, 3, stride=(2, 1), padding=(1, 2)), [F_(2, 2, 6, 5)])
case("conv2d_dil2", lambda: nn.Conv2d(2, 3, 3, dilation=2), [F_(1, 2, 7, 7)])
case("conv2d_groups2", lambda: nn.Conv2d(4, 6, 3, groups=2), [F_(2, 4, 5, 5)])
case("conv2d_nobias", lambda: nn.Conv2d(2, 3, 3, bias=False), [F_(2, 2, 5, 5)])
case("conv2d_unbatched", lambda: nn.Conv2d(2, 3, 3, padding=1), [F_(2, 5, 4)])
case("conv2d_rect", lambda: nn.Conv2d(2, 3, (2, 3), stride=2), [F_(2, 2, 6, 7)])
case("conv2d_1x1", lambda: nn.Conv2d(3, 2, 1), [F_(2, 3, 4, 4)])
# ConvTranspose2d
case("convt_basic", lambda: nn.ConvTranspose2d(2, 3, 3), [F_(2, 2, 4, 3)])
case("convt_stride2_pad1_outpad1", lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), [F_(2, 2, 4, 3)])
case("convt_groups2", lambda: nn.ConvTranspose2d(4, 6, 3, groups=2), [F_(2, 4, 3, 3)])
case("convt_dil2", lambda: nn.ConvTranspose2d(2, 3, 3, dilation=2), [F_(1, 2, 3, 4)])
case("convt_nobias", lambda: nn.ConvTranspose2d(2, 3, 2, bias=False), [F_(2, 2, 3, 3)])
case("convt_unbatched", lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), [F_(2, 3, 3)])
case("convt_output_size", lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), [F_(1, 2, 3, 3)],
     lambda m, x: [m(x, output_size=[6, 6])])
case("convt_rect", lambda: nn.ConvTranspose2d(2, 2, (2, 3), stride=(1, 2)), [F_(1, 2, 3, 3)])
# pooling
case("maxpool_2", lambda: nn.MaxPool2d(2), [F_(2, 2, 6, 5)])
case("maxpool_k3_s2_p1", lambda: nn.MaxPool2d(3, stride=2, padding=1), [F_(2, 2, 7, 6)])
case("maxpool_ceil", lambda: nn.MaxPool2d(2, ceil_mode=True), [F_(1, 2, 5, 5)])
case("maxpool_dil2", lambda: nn.MaxPool2d(2, stride=1, dilation=2), [F_(1, 2, 6, 6)])
case("maxpool_rect", lambda: nn.MaxPool2d((2, 3), stride=(1, 2)), [F_(1, 2, 5, 7)])
case("maxpool_3d", lambda: nn.MaxPool2d(2), [F_(2, 4, 4)])
case("avgpool_2", lambda: nn.AvgPool2d(2), [F_(2, 2, 6, 5)])
case("avgpool_k3_s2_p1", lambda: nn.AvgPool2d(3, stride=2, padding=1), [F_(2, 2, 7, 6)])
case("avgpool_ceil", lambda: nn.AvgPool2d(2, ceil_mode=True), [F_(1, 2, 5, 5)])
case("avgpool_nocountpad", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [F_(1, 2, 5, 5)])
case("avgpool_ceil_pad", lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), [F_(1, 1, 6, 6)])
case("avgpool_3d", lambda: nn.AvgPool2d(2), [F_(2, 4, 4)])
case("adaptiveavg_3", lambda: nn.AdaptiveAvgPool2d(3), [F_(2, 2, 7, 5)])
case("adaptiveavg_2_none", lambda: nn.AdaptiveAvgPool2d((2, None)), [F_(2, 2, 7, 5)])
case("adaptiveavg_1", lambda: nn.AdaptiveAvgPool2d(1), [F_(2, 3, 4, 4)])
case("adaptivemax_3", lambda: nn.AdaptiveMaxPool2d(3), [F_(2, 2, 7, 5)])
case("adaptivemax_none_2", lambda: nn.AdaptiveMaxPool2d((None, 2)), [F_(2, 2, 7, 5)])
case("adaptivemax_indices", lambda: nn.AdaptiveMaxPool2d((2, 3), return_indices=True), [F_(1, 2, 5, 7)],
     lambda m, x: list(m(x)))
# batch norm
case("bn1d_train_2d", lambda: nn.BatchNorm1d(3), [F_(4, 3)], train=True)
case("bn1d_train_3d", lambda: nn.BatchNorm1d(3), [F_(4, 3, 5)], train=True)
case("bn1d_eval", lambda: nn.BatchNorm1d(3), [F_(4, 3)])
case("bn1d_eval_3d", lambda: nn.BatchNorm1d(3), [F_(2, 3, 4)])
case("bn1d_noaffine_train", lambda: nn.BatchNorm1d(3, affine=False), [F_(4, 3)], train=True)
case("bn1d_notrack_train", lambda: nn.BatchNorm1d(3, track_running_stats=False), [F_(4, 3)], train=True)
case("bn1d_notrack_eval", lambda: nn.BatchNorm1d(3, track_running_stats=False), [F_(4, 3)])
case("bn1d_mom_none_train", lambda: nn.BatchNorm1d(3, momentum=None), [F_(4, 3), F_(4, 3)],
     lambda m, x, y: [m(x), m(y)], train=True)
case("bn1d_mom03_eps", lambda: nn.BatchNorm1d(3, eps=1e-3, momentum=0.3), [F_(5, 3)], train=True)
case("bn2d_train", lambda: nn.BatchNorm2d(3), [F_(2, 3, 3, 2)], train=True)
case("bn2d_eval", lambda: nn.BatchNorm2d(3), [F_(2, 3, 3, 2)])
case("bn2d_eps_mom", lambda: nn.BatchNorm2d(2, eps=0.01, momentum=0.5), [F_(2, 2, 2, 3)], train=True)
# instance norm
case("instnorm_default", lambda: nn.InstanceNorm2d(3), [F_(2, 3, 3, 4)])
case("instnorm_affine", lambda: nn.InstanceNorm2d(3, affine=True), [F_(2, 3, 3, 4)])
case("instnorm_track_train", lambda: nn.InstanceNorm2d(3, track_running_stats=True), [F_(2, 3, 3, 4)], train=True)
case("instnorm_track_eval", lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True), [F_(2, 3, 3, 4)])
case("instnorm_unbatched", lambda: nn.InstanceNorm2d(3, affine=True), [F_(3, 3, 4)])
# layer norm, group norm, rms norm
case("layernorm_basic", lambda: nn.LayerNorm(4), [F_(3, 4)])
case("layernorm_2dshape", lambda: nn.LayerNorm([3, 4]), [F_(2, 3, 4)])
case("layernorm_noaffine", lambda: nn.LayerNorm(4, elementwise_affine=False), [F_(3, 4)])
case("layernorm_nobias", lambda: ln_nobias(4), [F_(3, 4)])
case("layernorm_eps", lambda: nn.LayerNorm(5, eps=0.1), [F_(2, 5)])
case("groupnorm_2_4", lambda: nn.GroupNorm(2, 4), [F_(2, 4, 3)])
case("groupnorm_noaffine", lambda: nn.GroupNorm(2, 4, affine=False), [F_(2, 4, 3)])
case("groupnorm_1", lambda: nn.GroupNorm(1, 4), [F_(2, 4, 2, 2)])
case("groupnorm_4_4_eps", lambda: nn.GroupNorm(4, 4, eps=0.01), [F_(3, 4, 5)])
case("rmsnorm_default", lambda: RMSNorm(4), [F_(3, 4)])
case("rmsnorm_eps", lambda: RMSNorm([2, 3], eps=1e-3), [F_(2, 2, 3)])
case("rmsnorm_noaffine", lambda: RMSNorm(4, elementwise_affine=False), [F_(3, 4)])
# embeddings
case("embedding_basic", lambda: nn.Embedding(6, 3), [L_([1, 3, 5, 1], [4])])
case("embedding_2d", lambda: nn.Embedding(6, 3), [L_([1, 3, 5, 1, 0, 2], [2, 3])])
case("embedding_padidx", lambda: nn.Embedding(6, 3, padding_idx=1), [L_([1, 3, 5, 1], [4])])
case("embedding_padidx_neg", lambda: nn.Embedding(6, 3, padding_idx=-1), [L_([5, 3, 0, 5], [4])])
case("embedding_maxnorm", lambda: nn.Embedding(6, 3, max_norm=0.3), [L_([1, 3, 5, 1], [4])])
case("embedding_maxnorm_p1", lambda: nn.Embedding(6, 3, max_norm=0.4, norm_type=1.0), [L_([0, 2, 4], [3])])
case("embedding_scalefreq", lambda: nn.Embedding(6, 3, scale_grad_by_freq=True), [L_([1, 3, 1, 1], [4])])
case("bag_mean_2d", lambda: nn.EmbeddingBag(6, 3), [L_([1, 3, 5, 0, 2, 2], [2, 3])])
case("bag_sum_offsets", lambda: nn.EmbeddingBag(6, 3, mode="sum"), [L_([1, 3, 5, 0, 2, 2], [6]), L_([0, 2, 5], [3])])
case("bag_max_offsets", lambda: nn.EmbeddingBag(6, 3, mode="max"), [L_([1, 3, 5, 0, 2, 2], [6]), L_([0, 2, 5], [3])])
case("bag_sum_psw", lambda: nn.EmbeddingBag(6, 3, mode="sum"), [L_([1, 3, 5, 0, 2, 2], [6]), L_([0, 2, 5], [3]), F_(6)])
case("bag_padidx", lambda: nn.EmbeddingBag(6, 3, mode="mean", padding_idx=2), [L_([1, 2, 5, 2, 2, 3], [2, 3])])
case("bag_last_offset", lambda: nn.EmbeddingBag(6, 3, mode="sum", include_last_offset=True),
     [L_([1, 3, 5, 0, 2, 2], [6]), L_([0, 2, 5, 6], [4])])
# dropout, identity, flatten
case("dropout_eval", lambda: nn.Dropout(0.5), [F_(3, 4)])
case("dropout_p0_train", lambda: nn.Dropout(0.0), [F_(3, 4)], train=True)
case("identity", lambda: nn.Identity(), [F_(3, 4)])
case("flatten_default", lambda: nn.Flatten(), [F_(2, 3, 2, 2)])
case("flatten_0_1", lambda: nn.Flatten(0, 1), [F_(2, 3, 2)])
case("flatten_1_2", lambda: nn.Flatten(1, 2), [F_(2, 3, 2, 2)])
# activations
ACT = [
    ("relu", lambda: nn.ReLU()), ("relu6", lambda: nn.ReLU6()), ("leakyrelu_default", lambda: nn.LeakyReLU()),
    ("leakyrelu_02", lambda: nn.LeakyReLU(0.2)), ("elu_default", lambda: nn.ELU()), ("elu_05", lambda: nn.ELU(0.5)),
    ("celu_default", lambda: nn.CELU()), ("celu_2", lambda: nn.CELU(2.0)), ("selu", lambda: nn.SELU()),
    ("gelu_none", lambda: nn.GELU()), ("gelu_tanh", lambda: nn.GELU(approximate="tanh")), ("silu", lambda: nn.SiLU()),
    ("mish", lambda: nn.Mish()), ("sigmoid", lambda: nn.Sigmoid()), ("tanh", lambda: nn.Tanh()),
    ("hardswish", lambda: nn.Hardswish()), ("hardtanh_default", lambda: nn.Hardtanh()),
    ("hardtanh_m2_3", lambda: nn.Hardtanh(-2.0, 3.0)), ("softplus_default", lambda: nn.Softplus(1.0, 20.0)),
    ("softplus_b2_t1", lambda: nn.Softplus(2.0, 1.0)), ("softplus_b05_t3", lambda: nn.Softplus(0.5, 3.0)),
    ("softmax_1", lambda: nn.Softmax(dim=1)), ("softmax_m1", lambda: nn.Softmax(dim=-1)),
    ("softmax_0", lambda: nn.Softmax(dim=0)), ("logsoftmax_1", lambda: nn.LogSoftmax(dim=1)),
    ("logsoftmax_m1", lambda: nn.LogSoftmax(dim=-1)),
]
for n, c in ACT:
    case("act_" + n, c, [("a", [3, 4, 5])])
# recurrent
lstm_out = lambda m, *a: (lambda r: [r[0], r[1][0], r[1][1]])(m(*a))
gru_out = lambda m, *a: (lambda r: [r[0], r[1]])(m(*a))
case("lstm_basic", lambda: nn.LSTM(3, 4), [F_(5, 2, 3)], lstm_out)
case("lstm_2layers", lambda: nn.LSTM(3, 4, num_layers=2), [F_(5, 2, 3)], lstm_out)
case("lstm_bidir", lambda: nn.LSTM(3, 4, bidirectional=True), [F_(5, 2, 3)], lstm_out)
case("lstm_2layers_bidir", lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True), [F_(4, 2, 3)], lstm_out)
case("lstm_batch_first", lambda: nn.LSTM(3, 4, batch_first=True), [F_(2, 5, 3)], lstm_out)
case("lstm_nobias", lambda: nn.LSTM(3, 4, bias=False), [F_(5, 2, 3)], lstm_out)
case("lstm_proj", lambda: nn.LSTM(3, 5, proj_size=2), [F_(4, 2, 3)], lstm_out)
case("lstm_proj_bidir_2l", lambda: nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True), [F_(4, 2, 3)], lstm_out)
case("lstm_dropout_eval", lambda: nn.LSTM(3, 4, num_layers=2, dropout=0.3), [F_(4, 2, 3)], lstm_out)
case("lstm_unbatched", lambda: nn.LSTM(3, 4), [F_(5, 3)], lstm_out)
case("lstm_hx", lambda: nn.LSTM(3, 4, batch_first=True), [F_(2, 5, 3), F_(1, 2, 4), F_(1, 2, 4)],
     lambda m, x, h, c: (lambda r: [r[0], r[1][0], r[1][1]])(m(x, (h, c))))
case("gru_basic", lambda: nn.GRU(3, 4), [F_(5, 2, 3)], gru_out)
case("gru_2layers_bidir", lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True), [F_(4, 2, 3)], gru_out)
case("gru_batch_first", lambda: nn.GRU(3, 4, batch_first=True), [F_(2, 5, 3)], gru_out)
case("gru_nobias", lambda: nn.GRU(3, 4, bias=False), [F_(5, 2, 3)], gru_out)
case("gru_unbatched", lambda: nn.GRU(3, 4), [F_(5, 3)], gru_out)
case("gru_hx", lambda: nn.GRU(3, 4, num_layers=2), [F_(5, 2, 3), F_(2, 2, 4)], gru_out)
case("gru_dropout_eval", lambda: nn.GRU(3, 4, num_layers=2, dropout=0.5), [F_(4, 2, 3)], gru_out)
case("lstmcell_basic", lambda: nn.LSTMCell(3, 4), [F_(2, 3)], lambda m, x: list(m(x)))
case("lstmcell_nobias_hx", lambda: nn.LSTMCell(3, 4, bias=False), [F_(2, 3), F_(2, 4), F_(2, 4)],
     lambda m, x, h, c: list(m(x, (h, c))))
case("lstmcell_unbatched", lambda: nn.LSTMCell(3, 4), [F_(3)], lambda m, x: list(m(x)))
case("grucell_basic", lambda: nn.GRUCell(3, 4), [F_(2, 3)])
case("grucell_nobias_hx", lambda: nn.GRUCell(3, 4, bias=False), [F_(2, 3), F_(2, 4)])
case("grucell_unbatched", lambda: nn.GRUCell(3, 4), [F_(3), F_(4)])
# multihead attention: inputs q, k, v (+ masks); outputs [out, weights] (weights absent when None)
def mha_fwd(selfattn=False, **kw):
    def f(m, *a):
        if selfattn:
            a = (a[0], a[0], a[0]) + tuple(a[1:])
        q, k, v = a[:3]
        extra = dict(kw)
        rest = list(a[3:])
        if "kpm" in extra:
            extra.pop("kpm")
            extra["key_padding_mask"] = rest.pop(0)
        if "am" in extra:
            extra.pop("am")
            extra["attn_mask"] = rest.pop(0)
        o, w = m(q, k, v, **extra)
        return [o] if w is None else [o, w]
    return f


case("mha_self", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4)], mha_fwd(True))
case("mha_qkv", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4)], mha_fwd())
case("mha_kv_same", lambda: nn.MultiheadAttention(4, 1), [F_(3, 2, 4), F_(5, 2, 4)],
     lambda m, q, k: (lambda r: [r[0], r[1]])(m(q, k, k)))
case("mha_batch_first", lambda: nn.MultiheadAttention(4, 2, batch_first=True), [F_(2, 3, 4), F_(2, 5, 4), F_(2, 5, 4)], mha_fwd())
case("mha_kdim_vdim", lambda: nn.MultiheadAttention(4, 2, kdim=3, vdim=5), [F_(3, 2, 4), F_(5, 2, 3), F_(5, 2, 5)], mha_fwd())
case("mha_nobias", lambda: nn.MultiheadAttention(4, 2, bias=False), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4)], mha_fwd())
case("mha_bias_kv", lambda: nn.MultiheadAttention(4, 2, add_bias_kv=True), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4)], mha_fwd())
case("mha_zero_attn", lambda: nn.MultiheadAttention(4, 2, add_zero_attn=True), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4)], mha_fwd())
case("mha_bias_kv_zero_attn_kpm", lambda: nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True),
     [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4), B_([0, 0, 0, 1, 1, 0, 1, 0, 0, 0], [2, 5])], mha_fwd(kpm=1))
case("mha_no_weights", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4)], mha_fwd(need_weights=False))
case("mha_no_avg", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4)], mha_fwd(average_attn_weights=False))
case("mha_kpm_bool", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4),
     B_([0, 0, 0, 1, 1, 0, 1, 0, 0, 0], [2, 5])], mha_fwd(kpm=1))
case("mha_attn_mask_float", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4), F_(3, 5)], mha_fwd(am=1))
case("mha_attn_mask_bool", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4),
     B_([0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0], [3, 5])], mha_fwd(am=1))
case("mha_attn_mask_3d", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 4), F_(5, 2, 4), F_(5, 2, 4), F_(4, 3, 5)], mha_fwd(am=1))
case("mha_unbatched", lambda: nn.MultiheadAttention(4, 2), [F_(3, 4), F_(5, 4), F_(5, 4)], mha_fwd())
case("mha_batch_first_self", lambda: nn.MultiheadAttention(6, 3, batch_first=True), [F_(2, 3, 6)], mha_fwd(True))
# transformer layers (eval: dropout off)
case("tel_default", lambda: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8), [F_(3, 2, 4)])
case("tel_norm_first", lambda: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, norm_first=True), [F_(3, 2, 4)])
case("tel_gelu_batch_first", lambda: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, activation="gelu", batch_first=True),
     [F_(2, 3, 4)])
case("tel_mask", lambda: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8), [F_(3, 2, 4), F_(3, 3)],
     lambda m, x, am: [m(x, src_mask=am)])
case("tdl_default", lambda: nn.TransformerDecoderLayer(4, 2, dim_feedforward=8), [F_(3, 2, 4), F_(5, 2, 4)])
case("tdl_norm_first", lambda: nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, norm_first=True), [F_(3, 2, 4), F_(5, 2, 4)])
case("tdl_gelu_batch_first", lambda: nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, activation="gelu", batch_first=True),
     [F_(2, 3, 4), F_(2, 5, 4)])
# containers
case("sequential", lambda: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)), [F_(3, 4)])
case("sequential_nested", lambda: nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.Tanh()), nn.LayerNorm(3)), [F_(2, 3)])
case("modulelist_repr", lambda: nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)]), [], lambda m: [])
case("moduledict_repr", lambda: nn.ModuleDict({"b": nn.Linear(2, 3), "a": nn.BatchNorm1d(3)}), [], lambda m: [])
# resampling
case("upsample_nearest_2", lambda: nn.Upsample(scale_factor=2.0), [F_(1, 2, 3, 2)])
case("upsample_bilinear_2", lambda: nn.Upsample(scale_factor=2.0, mode="bilinear"), [F_(1, 2, 3, 2)])
case("upsample_bilinear_ac", lambda: nn.Upsample(size=(5, 4), mode="bilinear", align_corners=True), [F_(1, 2, 3, 2)])
case("upsample_nearest_size", lambda: nn.Upsample(size=5), [F_(1, 1, 3, 2)])
case("upsample_bicubic", lambda: nn.Upsample(scale_factor=2.0, mode="bicubic"), [F_(1, 1, 3, 3)])
case("upsampling_bilinear2d", lambda: nn.UpsamplingBilinear2d(scale_factor=2.0), [F_(1, 2, 3, 2)])
case("upsampling_nearest2d", lambda: nn.UpsamplingNearest2d(scale_factor=2.0), [F_(1, 2, 3, 2)])
case("pixelshuffle_2", lambda: nn.PixelShuffle(2), [F_(1, 8, 2, 3)])
case("pixelunshuffle_2", lambda: nn.PixelUnshuffle(2), [F_(1, 2, 4, 6)])

# ------------------------------------------------------------------ init statistics (float32, fresh modules)
INIT = [
    ("init_linear", lambda: nn.Linear(64, 256)),
    ("init_linear_nobias", lambda: nn.Linear(100, 50, bias=False)),
    ("init_conv1d", lambda: nn.Conv1d(8, 128, 5)),
    ("init_conv2d", lambda: nn.Conv2d(8, 128, 3)),
    ("init_conv2d_groups", lambda: nn.Conv2d(8, 128, 3, groups=4)),
    ("init_convt", lambda: nn.ConvTranspose2d(16, 128, 3)),
    ("init_convt_groups", lambda: nn.ConvTranspose2d(16, 128, 3, groups=2)),
    ("init_embedding", lambda: nn.Embedding(100, 16)),
    ("init_embedding_pad", lambda: nn.Embedding(100, 16, padding_idx=3)),
    ("init_bag", lambda: nn.EmbeddingBag(100, 16)),
    ("init_lstm", lambda: nn.LSTM(16, 64)),
    ("init_lstm_proj", lambda: nn.LSTM(16, 64, proj_size=32)),
    ("init_gru", lambda: nn.GRU(16, 64)),
    ("init_lstmcell", lambda: nn.LSTMCell(16, 64)),
    ("init_grucell", lambda: nn.GRUCell(16, 64)),
    ("init_mha", lambda: nn.MultiheadAttention(64, 4)),
    ("init_mha_kdim", lambda: nn.MultiheadAttention(64, 4, kdim=32, vdim=48)),
    ("init_mha_biaskv", lambda: nn.MultiheadAttention(128, 4, add_bias_kv=True)),
    ("init_bn1d", lambda: nn.BatchNorm1d(8)),
    ("init_bn2d", lambda: nn.BatchNorm2d(8)),
    ("init_instnorm_affine", lambda: nn.InstanceNorm2d(8, affine=True, track_running_stats=True)),
    ("init_layernorm", lambda: nn.LayerNorm(8)),
    ("init_groupnorm", lambda: nn.GroupNorm(2, 8)),
    ("init_rmsnorm", lambda: RMSNorm(8)),
    ("init_tel", lambda: nn.TransformerEncoderLayer(64, 4, dim_feedforward=128)),
]

# ------------------------------------------------------------------ errors
ERR = [
    ("err_linear_features", lambda: nn.Linear(4, 3), [F_(2, 5)]),
    ("err_conv1d_channels", lambda: nn.Conv1d(2, 3, 3), [F_(2, 3, 7)]),
    ("err_conv1d_dim", lambda: nn.Conv1d(2, 3, 3), [F_(2, 2, 3, 7)]),
    ("err_conv2d_channels", lambda: nn.Conv2d(2, 3, 3), [F_(1, 3, 5, 5)]),
    ("err_conv2d_dim", lambda: nn.Conv2d(2, 3, 3), [F_(2, 5)]),
    ("err_conv2d_small", lambda: nn.Conv2d(2, 3, 3), [F_(1, 2, 2, 5)]),
    ("err_convt_channels", lambda: nn.ConvTranspose2d(2, 3, 3), [F_(1, 3, 4, 4)]),
    ("err_bn1d_dim", lambda: nn.BatchNorm1d(3), [F_(2, 3, 2, 2)]),
    ("err_bn1d_channels", lambda: nn.BatchNorm1d(3), [F_(4, 5)]),
    ("err_bn2d_dim", lambda: nn.BatchNorm2d(3), [F_(2, 3, 4)]),
    ("err_layernorm_shape", lambda: nn.LayerNorm(4), [F_(3, 5)]),
    ("err_groupnorm_channels", lambda: nn.GroupNorm(2, 4), [F_(2, 6, 3)]),
    ("err_embedding_float", lambda: nn.Embedding(5, 3), [F_(3)]),
    ("err_embedding_range", lambda: nn.Embedding(5, 3), [L_([1, 7], [2])]),
    ("err_lstm_inputsize", lambda: nn.LSTM(3, 4), [F_(5, 2, 4)]),
    ("err_lstm_dim", lambda: nn.LSTM(3, 4), [F_(5, 2, 3, 1)]),
    ("err_gru_hx", lambda: nn.GRU(3, 4), [F_(5, 2, 3), F_(1, 3, 4)]),
    ("err_mha_embed", lambda: nn.MultiheadAttention(4, 2), [F_(3, 2, 5), F_(3, 2, 5), F_(3, 2, 5)]),
    ("err_maxpool_dim", lambda: nn.MaxPool2d(2), [F_(4, 4)]),
    ("err_pixelshuffle", lambda: nn.PixelShuffle(2), [F_(1, 6, 2, 2)]),
    ("err_softmax_dim", lambda: nn.Softmax(dim=3), [F_(2, 3)]),
    ("err_rnn_dtype", lambda: nn.LSTM(3, 4), [("f32", [5, 2, 3])]),
]


def make_input(k, spec, grad):
    if spec[0] == "f":
        t = xin(k, spec[1])
        return t.requires_grad_(grad)
    if spec[0] == "f32":
        return xin(k, spec[1]).float()
    if spec[0] == "a":
        n = 1
        for s in spec[1]:
            n *= s
        vals = [3.2 * math.sin(1.3 * i + k) + (0.5 if i % 7 == 0 else 0) for i in range(n)]
        vals[:6] = [-3.0, 3.0, 0.0, 20.0, -25.0, 1.0]
        return torch.tensor(vals, dtype=D).reshape(spec[1]).requires_grad_(grad)
    if spec[0] == "l":
        return torch.tensor(spec[1], dtype=torch.long).reshape(spec[2])
    return torch.tensor([bool(v) for v in spec[1]]).reshape(spec[2])


out = []
for name, ctor, inputs, fwd, train in CASES:
    torch.manual_seed(0)
    m = ctor()
    out.append("=== " + name)
    out.append("repr " + repr(m).replace("\n", "\\n"))
    out.append("params " + sig(m.named_parameters()))
    out.append("buffers " + sig(m.named_buffers()))
    out.append("state " + sig(m.state_dict().items()))
    if not inputs and name.endswith("_repr"):
        continue
    m = m.double()
    with torch.no_grad():
        for k, v in m.state_dict().items():
            if v.is_floating_point():
                v.copy_(torch.tensor([fill(k, i) for i in range(v.numel())], dtype=D).reshape(v.shape))
    m.train(train)
    ins = [make_input(k, s, True) for k, s in enumerate(inputs)]
    for k, t in enumerate(ins):
        out.append("in%d %s" % (k, fmt(t)))
    res = fwd(m, *ins)
    loss = 0
    for k, r in enumerate(res):
        out.append("out%d %s" % (k, fmt(r)))
        if r.is_floating_point():
            loss = loss + (r * gout(k, r)).sum()
    if not isinstance(loss, int):
        loss.backward()
    if name == "act_hardswish":
        with torch.no_grad():
            ins[0].grad[ins[0] == -3.0] = 0.0
    for k, t in enumerate(ins):
        if t.is_floating_point() and t.grad is not None:
            out.append("gin%d %s" % (k, fmt(t.grad)))
    for k, p in m.named_parameters():
        if p.grad is not None:
            out.append("gp:%s %s" % (k, fmt(p.grad)))
    for k, v in m.state_dict().items():
        out.append("post:%s %s" % (k, fmt(v)))

for name, ctor in INIT:
    torch.manual_seed(0)
    m = ctor()
    out.append("=== " + name)
    out.append("repr " + repr(m).replace("\n", "\\n"))
    out.append("state " + sig(m.state_dict().items()))
    for k, v in m.state_dict().items():
        v = v.double().reshape(-1)
        if v.numel() and bool((v == v[0]).all()):
            out.append("init:%s const %r" % (k, v[0].item()))
        else:
            out.append("init:%s rand %r %r %r %r %d" % (k, v.min().item(), v.max().item(), v.mean().item(),
                                                        v.std().item(), v.numel()))
    # zero rows (padding_idx)
    if hasattr(m, "padding_idx") and m.padding_idx is not None:
        out.append("padrow %d" % m.padding_idx)

for name, ctor, inputs in ERR:
    torch.manual_seed(0)
    m = ctor().double().eval()
    ins = [make_input(k, s, False) for k, s in enumerate(inputs)]
    out.append("=== " + name)
    for k, t in enumerate(ins):
        out.append("in%d %s" % (k, fmt(t)))
    try:
        r = m(*ins)
        out.append("noerror")
    except Exception as e:
        out.append("error %s %s" % (type(e).__name__, str(e).split("\n")[0]))

print("\n".join(out))
