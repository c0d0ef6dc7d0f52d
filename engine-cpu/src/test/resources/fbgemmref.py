# FBGEMM's quantized arithmetic transcribed in numpy, for the generators of the statically quantized convolutions and
# linear layers (PyTorch's x86 engine, which this Debian build of PyTorch 1.13 lacks; its onednn and qnnpack engines
# round in their own order): the exact integer sums, then requantizeOutputProcessingAvx2's float steps. Moved here in
# session 38 from resources/quantization3/make_expected.py and staticquant/make_expected.py (their outputs unchanged),
# the transposed convolution extended to three dimensions. A generator next to its output imports it with:
#   sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
#   from fbgemmref import qconv_ints, qconvt_ints, qlinear_ints, scales_of
import itertools

import numpy as np
import torch
import torch.nn.functional as F


def requant(raw, act, mult, bias, zp, relu):
    """FBGEMM's requantizeOutputProcessingAvx2 on raw int sums [m, n]; act/mult float32 of length 1 or n."""
    f = raw.astype(np.float32)
    if bias is not None:
        b = bias.astype(np.float32)
        if len(act) == 1:
            f = f + b * np.float32(1.0 / np.float64(act[0]))
        else:
            f = f + b / act
    r = f * (mult[0] if len(mult) == 1 else mult)
    assert np.all(np.abs(r) < 2.0 ** 31)
    rounded = np.rint(r).astype(np.int64)
    v = np.clip(np.clip(rounded, -32768, 32767) + zp, -32768, 32767)
    v = np.clip(v, 0, 255)
    return np.maximum(v, zp if relu else 0)


def scales_of(w):
    """A quantized weight's scales (float32) and zero points (int64), one each per tensor or per channel."""
    if w.qscheme() == torch.per_tensor_affine:
        return (np.array([w.q_scale()], dtype=np.float32), np.array([w.q_zero_point()], dtype=np.int64))
    return (w.q_per_channel_scales().numpy().astype(np.float32), w.q_per_channel_zero_points().numpy().astype(np.int64))


def qlinear_ints(a, w_ints, w_scale, w_zp, bias, x_scale, out_scale, out_zp, relu):
    """a: the input's integers minus its zero point [m, k]; w_ints [n, k]: FBGEMM's quantized linear."""
    n = w_ints.shape[0]
    zp = np.broadcast_to(w_zp, (n,)) if len(w_zp) == 1 else w_zp
    raw = a @ (w_ints - zp[:, None]).T
    assert np.all(np.abs(raw) < 2 ** 31)
    act = np.float32(x_scale) * w_scale
    mult = act / np.float32(out_scale)
    return requant(raw, act, mult, bias, out_zp, relu)


def qlinear_layer_ints(q, x_zp, x_scale, layer, relu):
    """q [m, k] int64: a converted quantized Linear's output integers."""
    w = layer.weight()
    sc, zp = scales_of(w)
    bias = None if layer.bias() is None else layer.bias().detach().numpy()
    return qlinear_ints(q - x_zp, w.int_repr().numpy().astype(np.int64), sc, zp, bias, x_scale, layer.scale,
                        layer.zero_point, relu)


def qconv_ints(q, x_zp, x_scale, layer, relu):
    """q: [N, C, *spatial] int64; layer: a converted quantized ConvNd; FBGEMM's conv through im2col."""
    w = layer.weight()
    bias = None if layer.bias() is None else layer.bias().detach().numpy()
    stride, padding, dilation, groups = layer.stride, layer.padding, layer.dilation, layer.groups
    w_ints = w.int_repr().numpy().astype(np.int64)
    ks = w_ints.shape[2:]
    nd = len(ks)
    n, c = q.shape[:2]
    oc = w_ints.shape[0]
    w_scale, w_zp = scales_of(w)
    per_tensor = len(w_scale) == 1
    shifted = np.pad(q - x_zp, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    osz = [(q.shape[2 + i] + 2 * padding[i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1 for i in range(nd)]
    cols = []
    for off in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(off[i] * dilation[i], off[i] * dilation[i] + (osz[i] - 1) * stride[i] + 1, stride[i])
                   for i in range(nd))
        cols.append(shifted[(slice(None), slice(None)) + sl])
    cols = np.stack(cols, axis=2)  # [N, C, K, *out]
    L = int(np.prod(osz))
    cg, og = c // groups, oc // groups
    outs = []
    for g in range(groups):
        a = cols[:, g * cg:(g + 1) * cg].reshape(n, cg * len(cols[0, 0]), L).transpose(0, 2, 1).reshape(n * L, -1)
        ws = w_ints[g * og:(g + 1) * og].reshape(og, -1)
        sc = w_scale if per_tensor else w_scale[g * og:(g + 1) * og]
        zp = w_zp if per_tensor else w_zp[g * og:(g + 1) * og]
        b = None if bias is None else bias[g * og:(g + 1) * og]
        outs.append(qlinear_ints(a, ws, sc, zp, b, x_scale, layer.scale, layer.zero_point, relu).reshape(n, L, og))
    out = np.concatenate(outs, axis=2)
    return out.reshape([n] + osz + [oc]).transpose([0, nd + 1] + list(range(1, nd + 1)))


def qconvt_ints(q, x_zp, x_scale, layer, nd):
    """A converted quantized ConvTranspose{nd}d (per-tensor weight [in, out / groups, *k]): the exact integer sums of the
    transposed convolution (F.conv_transpose*d in float64 of (qx - zx) and (qw - zw): exact), FBGEMM's
    requantization."""
    w = layer.weight()
    bias = None if layer.bias() is None else layer.bias().detach().numpy()
    w_ints = w.int_repr().numpy().astype(np.int64)
    w_scale, w_zp = scales_of(w)
    assert len(w_scale) == 1
    shifted = torch.tensor(q - x_zp, dtype=torch.float64)
    wt = torch.tensor(w_ints - w_zp[0], dtype=torch.float64)
    f = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]
    raw = f(shifted, wt, None, layer.stride, layer.padding, layer.output_padding, layer.groups, layer.dilation)
    raw = raw.numpy()
    assert np.all(np.abs(raw) < 2 ** 31) and np.all(raw == np.rint(raw))
    raw = raw.astype(np.int64)
    oc = raw.shape[1]
    flat = np.moveaxis(raw, 1, -1).reshape(-1, oc)
    act = np.float32(x_scale) * w_scale
    mult = act / np.float32(layer.scale)
    out = requant(flat, act, mult, bias, layer.zero_point, False)
    return np.moveaxis(out.reshape(np.moveaxis(raw, 1, -1).shape), -1, 1)
