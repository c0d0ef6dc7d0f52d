# Differential fuzz round 23 for DifferentialFuzzR23Test.java: seeded cases of ATTENTION AND THE TRANSFORMER MODULES
# (F.scaled_dot_product_attention, nn.MultiheadAttention, nn.TransformerEncoderLayer / TransformerDecoderLayer /
# TransformerEncoder / TransformerDecoder / Transformer) at their corners, run in PyTorch with every result recorded;
# FuzzR23Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr23 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; everything is seeded, so a second run writes the same bytes; FUZZ_SEED and FUZZ_N make others,
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz23.file=/tmp/hunt.txt; seeds 91, 92 and 93, 500 cases each, passed when this round was committed).
#   check_ports.py checks the ports below against 1.13's own modules where the versions agree.
#
# Modules are built after torch.manual_seed(s) in float32 (Ember's default generator is PyTorch's CPU generator, so
# Ember.manualSeed(s) and the same constructor give the same weights), then .double() (some SDPA and MHA cases stay in
# float32, about float32); inputs are multiples of 1/32 (exact in both types), masks exact data. Each
# case compares forward values, and in cases with autograd the gradients of sum_k sum_i out_k[i] * cos(0.37 i + 0.11)
# (row-major i; the outputs without NaN) with respect to the inputs and every parameter.
#
# Versions: Ember follows PyTorch 2.x. 1.13 lacks F.scaled_dot_product_attention, the is_causal hints, float key
# padding masks merged by addition, bias=False layers and 2.x's nested-tensor rules, so the forward passes below are
# PORTS of 2.x's Python (torch/nn/functional.py multi_head_attention_forward, _canonical_mask, _mha_shape_check;
# torch/nn/modules/activation.py MultiheadAttention.forward; torch/nn/modules/transformer.py, 2.1+) running on 1.13's
# ops, over modules whose construction draws what 2.x's draw (1.13's nn.MultiheadAttention and nn.Linear are 2.x's;
# the layers are rebuilt here in 2.x's order with 2.x's bias=False LayerNorm, which draws nothing):
# - scaled_dot_product_attention: 2.x's math path (aten/src/ATen/native/transformers/attention.cpp,
#   _scaled_dot_product_attention_math, 2.5+): q and k each scaled by sqrt(|scale|) (q negated for a negative scale),
#   is_causal as ones(L, S).tril() (top-left aligned when L != S), a boolean mask as where(!mask, -inf, 0), the mask
#   added, _safe_softmax (a row whose every score is -inf gives 0, not NaN as 1.13's softmax and 2.0-2.4's math path
#   did; its backward is softmax's on that 0 result, so such rows get zero gradients; the CPU fused kernel gives the
#   same zeros), then dropout, then @ v; the mask is added in place (attn.add_(*attn_mask)), so a mask of more
#   dimensions than the scores is refused with the in-place broadcast message, and batch dimensions of the query and
#   the keys broadcast through matmul (the fused kernel, which wants them equal, is not taken there). Dropout is 2.x's at::dropout on CPU (not fused there:
#   empty_like(attn).bernoulli_(1 - p) / (1 - p), times attn) drawn after torch.manual_seed: Ember claims PyTorch's
#   CPU stream for dropout (ActivationOps: PyTorch's builds without MKL; this machine's 1.13 has no MKL), so those
#   cases are compared too.
# - MultiheadAttention: 2.x's slow path. Its inference fast path (_native_multi_head_attention: eval mode AND autograd
#   off or nothing requiring grad) gives the same values up to rounding, except that its masked softmax gives 0 where
#   every key of a row is masked: cases with autograd off never mask a whole row (left out, see below). Cases in eval
#   mode with autograd on take the slow path in 2.x too.
# - TransformerEncoder: 2.x's nested-tensor path is followed: in eval mode with autograd off (or nothing requiring
#   grad), a batched input, a key padding mask and no mask, a first layer that is batch_first, not norm_first, with
#   an even number of heads and a relu/gelu activation (the strings, F.relu/F.gelu, or nn.ReLU/nn.GELU modules:
#   activation_relu_or_gelu), enable_nested_tensor (default True) and the mask left aligned (each row's unmasked
#   positions first; a float mask's "unmasked" is == 0, torch._nested_tensor_from_mask_left_aligned of
#   mask.logical_not()), 2.x runs the layers on a nested tensor of the unmasked positions and pads the result with
#   zeros (to_padded_tensor(0.)) BEFORE the final norm (so the padded rows come out as the norm of zeros: its bias).
#   Emulated here: the layers with the padding mask as a -inf/0 mask of those positions, the padded rows zeroed, then
#   the norm. Elsewhere (training, autograd on with parameters requiring grad, a mask given...) 2.x takes the dense
#   path.
# - The layers' own fast path (_transformer_encoder_layer_fwd, same conditions without the nested tensor) gives the
#   dense path's values up to rounding.
# Left out (reported): nn.GELU(approximate='tanh') as the activation in eval mode without autograd (2.x counts any
#   nn.GELU as activation_relu_or_gelu == 2 and its fast path applies the exact gelu); bias=False encoders that meet
#   the nested conditions without autograd (2.x's layers then refuse the nested tensor: the layer fast path wants
#   in_proj_bias) or with autograd on in eval mode (2.x's requires_grad scan meets the None biases); fully masked rows
#   without autograd (above); GQA.
#
# Format: "=== r23_<k> <kind> <description>", then one statement a line:
#   seed S                                   torch.manual_seed(S) / Ember.manualSeed(S)
#   mod M KIND ARGS                          a module built now (KIND and ARGS below), float32, then .double()
#   mode M train|eval
#   in NAME DTYPE SHAPE G|- VALUES           an input (G: requires grad); DTYPE float64/32 or float32/32: comma
#                                            separated integers k, the values k / 32; float64 (float32): 16 (8) hex
#                                            digits of IEEE bits each; bool as 0/1 digits; int64 comma separated
#   same NAME OTHER                          NAME is the same tensor as OTHER (self-attention: query is key is value)
#   call OUTS FN ARGS                        FN (below) with key=value ARGS; followed by "err <PyTorch's message>" or
#                                            one result line per output ("= none" for None)
#   back OUTS                                the backward of the weighted sum of OUTS
#   grad NAME                                an input's gradient ("= none" when None)
#   pgrad M COUNT NONES                      every parameter's gradient in named_parameters() order, flattened and
#                                            concatenated (COUNT parameters, NONES of them without a gradient, as zeros)
# Result lines: "= DTYPE SHAPE TOL VALUES" (every value) or, for more than 40 elements, "~ DTYPE SHAPE TOL D1,D2,D3,NAN"
# (a digest: D1 = sum x_i cos(0.7 i + 0.3), D2 = sum x_i sin(1.3 i + 0.5), D3 = sum |x_i| over the non-NaN values, as
# float64 bits; NAN = sum over NaN positions of (i + 1), exact; results with an infinite or NaN value are given in
# full). Values compare within TOL * max(1, max |PyTorch's|), digests within TOL * max(1, D3); NaN matches NaN. TOL is
# 1e-9 for float64 (the paths' summation orders and the fused/math choice differ only in rounding; layer norms of small
# variance amplify it), 1e-5 for float32.
# Module kinds (ARGS as key=value):
#   mha e h drop bias bkv zattn kdim vdim bf         (f32=1 on any module: kept in float32)
#   tel / tdl d h ff drop act eps bf nf bias      act: relu, gelu (strings) or m:tanh, m:silu, m:relu, m:gelu,
#                                                 m:gelutanh, m:prelu (modules; nn.Transformer's too)
#   tenc / tdec (the layer's) n norm (0/1: LayerNorm(d) after) nt (tenc: enable_nested_tensor 0/1)
#   tr d h ne nd ff drop act eps bf nf bias
# Call kinds: sdpa q k v mask drop causal scale | mha m q k v kpm am nw avg causal ng (ng=1: under torch.no_grad())
#   | tel m src mask kpm causal ng | tdl m tgt mem tm mm tkpm mkpm tc mc ng | tenc m src mask kpm causal ng
#   | tdec m tgt mem tm mm tkpm mkpm tc mc ng | tr m src tgt sm tm mm skpm tkpm mkpm sc tc mc ng
#   | gsm n (generate_square_subsequent_mask) | ctor (the module statement before was refused)
#   (causal/sc/tc: 1, 0, or n for None; other absent arguments are None)
import math
import os
import random
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '2323'))
N_CASES = int(os.environ.get('FUZZ_N', '300'))
rng = random.Random(SEED)
torch.set_num_threads(1)
F64 = torch.float64
F32 = torch.float32
TOL = 1e-9
TOL32 = 1e-5
FULL = 8  # results of more elements are given as digests
INF = float('inf')


# ------------------------------------------------------------------------------------------------------ formatting
def shape_text(s):
    return ','.join(str(x) for x in s) if len(s) else '-'


def hexbits(values):
    return ''.join('%016x' % (b & 0xFFFFFFFFFFFFFFFF) for b in values)


def fmt_vals(t):
    t = t.detach().contiguous()
    if t.numel() == 0:
        return '-'
    if t.dtype == torch.bool:
        return ''.join('1' if b else '0' for b in t.reshape(-1).tolist())
    if t.dtype == torch.int64:
        return ','.join(str(v) for v in t.reshape(-1).tolist())
    if t.dtype == torch.float32:
        return ''.join('%08x' % (b & 0xFFFFFFFF) for b in t.reshape(-1).view(torch.int32).tolist())
    return hexbits(t.to(F64).reshape(-1).view(torch.int64).tolist())


def dname(dt):
    return {torch.float64: 'float64', torch.float32: 'float32', torch.bool: 'bool', torch.int64: 'int64'}[dt]


def result(t):
    if t is None:
        return '= none'
    t = t.detach().contiguous()
    tol = TOL32 if t.dtype == torch.float32 else TOL
    if t.numel() <= FULL or t.dtype not in (torch.float64, torch.float32) or not torch.isfinite(t).all():
        return '= %s %s %r %s' % (dname(t.dtype), shape_text(t.shape), tol, fmt_vals(t))
    x = t.to(F64).reshape(-1).tolist()
    d1 = d2 = d3 = 0.0
    nan = 0
    for i, v in enumerate(x):
        if v != v:
            nan += i + 1
            continue
        d1 += v * math.cos(0.7 * i + 0.3)
        d2 += v * math.sin(1.3 * i + 0.5)
        d3 += abs(v)
    bits = torch.tensor([d1, d2, d3], dtype=F64).view(torch.int64).tolist()
    return '~ %s %s %r %s,%s,%s,%d' % (dname(t.dtype), shape_text(t.shape), tol, '%016x' % (bits[0] & (2 ** 64 - 1)),
                                       '%016x' % (bits[1] & (2 ** 64 - 1)), '%016x' % (bits[2] & (2 ** 64 - 1)), nan)


def loss_weights(t):
    n = t.numel()
    return torch.tensor([math.cos(0.37 * i + 0.11) for i in range(n)], dtype=t.dtype).reshape(t.shape)


def first_line(e):
    return str(e).split('\n')[0]


# ------------------------------------------------------------------------------------------------------ 2.x ports
def canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """2.x's F._canonical_mask."""
    if mask is None:
        return None
    _mask_dtype = mask.dtype
    _mask_is_float = torch.is_floating_point(mask)
    if _mask_dtype != torch.bool and not _mask_is_float:
        raise AssertionError("only bool and floating types of %s are supported" % mask_name)
    if not _mask_is_float:
        mask = torch.zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def safe_softmax(x):
    """2.x's _safe_softmax: softmax, 0 on rows whose every element is -inf (backward: softmax's on that 0)."""
    rows = (x == -INF).all(-1, keepdim=True)
    y = torch.softmax(x.masked_fill(rows, 0.0), -1)
    return y.masked_fill(rows, 0.0)


def sdpa_checks(q, k, v, mask, drop, causal):
    """2.x's checks of scaled_dot_product_attention in its order (sdp_utils / attention.cpp), its wording."""
    if not (q.dtype == k.dtype == v.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: %s key.dtype: "
                           "%s and value.dtype: %s instead." % (CNAME[q.dtype], CNAME[k.dtype], CNAME[v.dtype]))
    if q.dim() < 2 or k.dim() < 2 or v.dim() < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: %d "
                           "key.dim: %d and value.dim: %d instead." % (q.dim(), k.dim(), v.dim()))
    # 2.x's validate_sdpa_input: "mask_dtype == at::kBool || mask_dtype == at::kFloat || mask_dtype == query_.dtype()"
    # (a float32 mask goes with any query; the math path adds it to the scores, promoting)
    if mask is not None and mask.dtype not in (torch.bool, torch.float32) and mask.dtype != q.dtype:
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           "attn_mask.dtype: %s and  query.dtype: %s instead." % (CNAME[mask.dtype], CNAME[q.dtype]))
    if causal and mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")


CNAME = {torch.float64: 'double', torch.float32: 'float', torch.int64: 'long int', torch.bool: 'bool'}


def sdpa_2x(q, k, v, mask=None, drop=0.0, causal=False, scale=None, seed=None):
    """2.x's _scaled_dot_product_attention_math."""
    sdpa_checks(q, k, v, mask, drop, causal)
    L, S = q.size(-2), k.size(-2)
    sc = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    f = math.sqrt(abs(sc))
    qs = q * (-f if sc < 0 else f)
    if causal:
        mask = torch.ones(L, S, dtype=torch.bool).tril()
    if mask is not None and mask.dtype == torch.bool:
        mask = torch.where(mask.logical_not(), torch.tensor(-INF, dtype=q.dtype), torch.tensor(0.0, dtype=q.dtype))
    attn = torch.matmul(qs, k.transpose(-2, -1) * f)
    if mask is not None:
        attn = attn.clone()  # (an in-place add on the product, as attn.add_(*attn_mask): its broadcast rules)
        attn.add_(mask)
    attn = safe_softmax(attn)
    if drop > 0.0:
        attn = torch.dropout(attn, drop, True)
    return torch.matmul(attn, v)


def mha_shape_check(query, key, value, kpm, am, num_heads):
    if query.dim() == 3:
        is_batched = True
        assert key.dim() == 3 and value.dim() == 3, \
            ("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found %d-D and %d-D tensors "
             "respectively" % (key.dim(), value.dim()))
        if kpm is not None:
            assert kpm.dim() == 2, ("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                    "found %d-D tensor instead" % kpm.dim())
        if am is not None:
            assert am.dim() in (2, 3), ("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                        "found %d-D tensor instead" % am.dim())
    elif query.dim() == 2:
        is_batched = False
        assert key.dim() == 2 and value.dim() == 2, \
            ("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found %d-D and %d-D tensors "
             "respectively" % (key.dim(), value.dim()))
        if kpm is not None:
            assert kpm.dim() == 1, ("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                    "found %d-D tensor instead" % kpm.dim())
        if am is not None:
            assert am.dim() in (2, 3), ("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                        "but found %d-D tensor instead" % am.dim())
            if am.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                assert am.shape == expected, "Expected `attn_mask` shape to be %s but got %s" % (expected, am.shape)
    else:
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received %d-D query tensor"
                             % query.dim())
    return is_batched


def mha_forward_2x(m, query, key, value, kpm=None, need_weights=True, am=None, average=True, is_causal=False):
    """2.x's nn.MultiheadAttention.forward (slow path) and F.multi_head_attention_forward."""
    is_batched = query.dim() == 3
    kpm = canonical_mask(kpm, "key_padding_mask", None if am is None else am.dtype, "attn_mask", query.dtype)
    am = canonical_mask(am, "attn_mask", None, "", query.dtype, False)
    if m.batch_first and is_batched:
        if key is value:
            if query is key:
                query = key = value = query.transpose(1, 0)
            else:
                query, key = (x.transpose(1, 0) for x in (query, key))
                value = key
        else:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
    num_heads = m.num_heads
    is_batched = mha_shape_check(query, key, value, kpm, am, num_heads)
    if not is_batched:
        query = query.unsqueeze(1)
        key = key.unsqueeze(1)
        value = value.unsqueeze(1)
        if kpm is not None:
            kpm = kpm.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    kpm = canonical_mask(kpm, "key_padding_mask", None if am is None else am.dtype, "attn_mask", query.dtype)
    if is_causal and am is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
                           "`generate_square_subsequent_mask` to create this mask.")
    if is_causal and kpm is None and not need_weights:
        am = None
    else:
        am = canonical_mask(am, "attn_mask", None, "", query.dtype, False)
        if kpm is not None:
            is_causal = False
    assert embed_dim == m.embed_dim, "was expecting embedding dimension of %d, but got %d" % (m.embed_dim, embed_dim)
    head_dim = embed_dim // num_heads
    if m._qkv_same_embed_dim:
        assert key.shape == value.shape, "key shape %s does not match value shape %s" % (key.shape, value.shape)
        w, b = m.in_proj_weight, m.in_proj_bias
        E = query.size(-1)
        if key is value:
            if query is key:
                proj = F.linear(query, w, b)
                proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
                q, k, v = proj[0], proj[1], proj[2]
            else:
                w_q, w_kv = w.split([E, E * 2])
                b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
                q_proj = F.linear(query, w_q, b_q)
                kv = F.linear(key, w_kv, b_kv)
                kv = kv.unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
                q, k, v = q_proj, kv[0], kv[1]
        else:
            w_q, w_k, w_v = w.chunk(3)
            b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
            q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
    else:
        assert key.shape[:2] == value.shape[:2], \
            "key's sequence and batch dims %s do not match value's %s" % (key.shape[:2], value.shape[:2])
        b = m.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
        q = F.linear(query, m.q_proj_weight, b_q)
        k = F.linear(key, m.k_proj_weight, b_k)
        v = F.linear(value, m.v_proj_weight, b_v)
    if am is not None:
        if am.dim() == 2:
            correct = (tgt_len, src_len)
            if am.shape != correct:
                raise RuntimeError("The shape of the 2D attn_mask is %s, but should be %s." % (am.shape, correct))
            am = am.unsqueeze(0)
        elif am.dim() == 3:
            correct = (bsz * num_heads, tgt_len, src_len)
            if am.shape != correct:
                raise RuntimeError("The shape of the 3D attn_mask is %s, but should be %s." % (am.shape, correct))
        else:
            raise RuntimeError("attn_mask's dimension %d is not supported" % am.dim())
    if m.bias_k is not None:
        k = torch.cat([k, m.bias_k.repeat(1, bsz, 1)])
        v = torch.cat([v, m.bias_v.repeat(1, bsz, 1)])
        if am is not None:
            am = F.pad(am, (0, 1))
        if kpm is not None:
            kpm = F.pad(kpm, (0, 1))
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if m.add_zero_attn:
        zs = (bsz * num_heads, 1, head_dim)
        k = torch.cat([k, torch.zeros(zs, dtype=k.dtype)], dim=1)
        v = torch.cat([v, torch.zeros(zs, dtype=v.dtype)], dim=1)
        if am is not None:
            am = F.pad(am, (0, 1))
        if kpm is not None:
            kpm = F.pad(kpm, (0, 1))
    src_len = k.size(1)
    if kpm is not None:
        assert kpm.shape == (bsz, src_len), \
            "expecting key_padding_mask shape of %s, but got %s" % ((bsz, src_len), kpm.shape)
        kpm = kpm.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        am = kpm if am is None else am + kpm
    dropout_p = m.dropout if m.training else 0.0
    if need_weights:
        E = q.shape[2]
        q_scaled = q * math.sqrt(1.0 / float(E))
        if am is not None:
            w = torch.baddbmm(am, q_scaled, k.transpose(-2, -1))
        else:
            w = torch.bmm(q_scaled, k.transpose(-2, -1))
        w = torch.softmax(w, dim=-1)
        if dropout_p > 0.0:
            w = F.dropout(w, p=dropout_p)
        out = torch.bmm(w, v)
        out = out.transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
        out = F.linear(out, m.out_proj.weight, m.out_proj.bias)
        out = out.view(tgt_len, bsz, out.size(1))
        w = w.view(bsz, num_heads, tgt_len, src_len)
        if average:
            w = w.mean(dim=1)
        if not is_batched:
            out = out.squeeze(1)
            w = w.squeeze(0)
    else:
        if am is not None:
            if am.size(0) == 1 and am.dim() == 3:
                am = am.unsqueeze(0)
            else:
                am = am.view(bsz, num_heads, -1, src_len)
        q = q.view(bsz, num_heads, tgt_len, head_dim)
        k = k.view(bsz, num_heads, src_len, head_dim)
        v = v.view(bsz, num_heads, src_len, head_dim)
        out = sdpa_2x(q, k, v, am, dropout_p, is_causal)
        out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
        out = F.linear(out, m.out_proj.weight, m.out_proj.bias)
        out = out.view(tgt_len, bsz, out.size(1))
        if not is_batched:
            out = out.squeeze(1)
        w = None
    if m.batch_first and is_batched:
        return out.transpose(1, 0), w
    return out, w


class LN2x(nn.Module):
    """2.x's nn.LayerNorm(d, eps, bias=...) (1.13's has no bias argument); draws nothing."""

    def __init__(self, d, eps, bias=True):
        super().__init__()
        self.normalized_shape = (d,)
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


ACT_MODULES = {'m:tanh': nn.Tanh, 'm:silu': nn.SiLU, 'm:relu': nn.ReLU, 'm:gelu': nn.GELU,
               'm:gelutanh': lambda: nn.GELU(approximate='tanh'), 'm:prelu': nn.PReLU}


def make_act(act):
    if act == 'relu':
        return F.relu, 1
    if act == 'gelu':
        return F.gelu, 2
    mod = ACT_MODULES[act]()
    return mod, 1 if isinstance(mod, nn.ReLU) else 2 if isinstance(mod, nn.GELU) else 0


class TEL2x(nn.Module):
    """2.x's TransformerEncoderLayer, built in 2.x's order (draws as 2.x's), its forward's slow path."""

    def __init__(self, d, h, ff, drop, act, eps, bf, nf, bias):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h, dropout=drop, bias=bias, batch_first=bf)
        self.linear1 = nn.Linear(d, ff, bias=bias)
        self.dropout = nn.Dropout(drop)
        self.linear2 = nn.Linear(ff, d, bias=bias)
        self.norm_first = nf
        self.norm1 = LN2x(d, eps, bias)
        self.norm2 = LN2x(d, eps, bias)
        self.dropout1 = nn.Dropout(drop)
        self.dropout2 = nn.Dropout(drop)
        self.activation, self.activation_relu_or_gelu = make_act(act)

    def forward(self, src, src_mask=None, kpm=None, is_causal=False):
        kpm = canonical_mask(kpm, "src_key_padding_mask", None if src_mask is None else src_mask.dtype, "src_mask",
                             src.dtype)
        src_mask = canonical_mask(src_mask, "src_mask", None, "", src.dtype, False)
        x = src
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_mask, kpm, is_causal)
            x = x + self._ff(self.norm2(x))
        else:
            x = self.norm1(x + self._sa(x, src_mask, kpm, is_causal))
            x = self.norm2(x + self._ff(x))
        return x

    def _sa(self, x, am, kpm, is_causal):
        return self.dropout1(mha_forward_2x(self.self_attn, x, x, x, kpm, False, am, True, is_causal)[0])

    def _ff(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TDL2x(nn.Module):
    """2.x's TransformerDecoderLayer, built in 2.x's order, its forward."""

    def __init__(self, d, h, ff, drop, act, eps, bf, nf, bias):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h, dropout=drop, bias=bias, batch_first=bf)
        self.multihead_attn = nn.MultiheadAttention(d, h, dropout=drop, bias=bias, batch_first=bf)
        self.linear1 = nn.Linear(d, ff, bias=bias)
        self.dropout = nn.Dropout(drop)
        self.linear2 = nn.Linear(ff, d, bias=bias)
        self.norm_first = nf
        self.norm1 = LN2x(d, eps, bias)
        self.norm2 = LN2x(d, eps, bias)
        self.norm3 = LN2x(d, eps, bias)
        self.dropout1 = nn.Dropout(drop)
        self.dropout2 = nn.Dropout(drop)
        self.dropout3 = nn.Dropout(drop)
        self.activation, self.activation_relu_or_gelu = make_act(act)

    def forward(self, tgt, memory, tm=None, mm=None, tkpm=None, mkpm=None, tc=False, mc=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa(self.norm1(x), tm, tkpm, tc)
            x = x + self._mha(self.norm2(x), memory, mm, mkpm, mc)
            x = x + self._ff(self.norm3(x))
        else:
            x = self.norm1(x + self._sa(x, tm, tkpm, tc))
            x = self.norm2(x + self._mha(x, memory, mm, mkpm, mc))
            x = self.norm3(x + self._ff(x))
        return x

    def _sa(self, x, am, kpm, is_causal):
        return self.dropout1(mha_forward_2x(self.self_attn, x, x, x, kpm, False, am, True, is_causal)[0])

    def _mha(self, x, mem, am, kpm, is_causal):
        return self.dropout2(mha_forward_2x(self.multihead_attn, x, mem, mem, kpm, False, am, True, is_causal)[0])

    def _ff(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def gen_square_subsequent_mask(sz, dtype=torch.float32):
    return torch.triu(torch.full((sz, sz), float('-inf'), dtype=dtype), diagonal=1)


def detect_is_causal_mask(mask, is_causal, size):
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        c = gen_square_subsequent_mask(size, mask.dtype)
        make_causal = bool((mask == c).all()) if mask.size() == c.size() else False
    return make_causal


def seq_len(src, bf):
    return src.size(0) if src.dim() == 2 else src.size(1 if bf else 0)


def left_aligned(valid):
    # each row: the valid (True) positions first
    for row in valid.tolist():
        seen_pad = False
        for x in row:
            if not x:
                seen_pad = True
            elif seen_pad:
                return False
    return True


class TEnc2x(nn.Module):
    """2.x's TransformerEncoder (its nested-tensor path emulated, see the header)."""

    def __init__(self, layer, n, norm, nested=True):
        super().__init__()
        import copy
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(n)])
        self.num_layers = n
        self.norm = norm
        sa = layer.self_attn
        self.use_nested_tensor = nested and not layer.norm_first and sa.batch_first and sa._qkv_same_embed_dim \
            and bool(layer.activation_relu_or_gelu) and layer.norm1.eps == layer.norm2.eps and sa.num_heads % 2 == 0

    def nested_path(self, src, mask, kpm):
        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.dim() != 3 or kpm is None:
            return False
        if not left_aligned(kpm.logical_not()) or mask is not None:
            return False
        args = [src] + [p for p in first.parameters()]
        return not (torch.is_grad_enabled() and any(x.requires_grad for x in args))

    def forward(self, src, mask=None, kpm=None, is_causal=None):
        kpm = canonical_mask(kpm, "src_key_padding_mask", None if mask is None else mask.dtype, "mask", src.dtype)
        mask = canonical_mask(mask, "mask", None, "", src.dtype, False)
        out = src
        self.layers[0]  # 2.x reads first_layer here: an empty stack raises IndexError
        nested = self.nested_path(src, mask, kpm)
        pad = None
        if nested:
            pad = kpm.logical_not().logical_not()  # kpm != 0: dropped from the nested tensor
            kpm = torch.zeros_like(kpm).masked_fill_(pad, -INF)
        sl = seq_len(src, self.layers[0].self_attn.batch_first)
        is_causal = detect_is_causal_mask(mask, is_causal, sl)
        for mod in self.layers:
            out = mod(out, mask, kpm, is_causal)
        if nested:
            out = out.masked_fill(pad.unsqueeze(-1), 0.0)
        if self.norm is not None:
            out = self.norm(out)
        return out


class TDec2x(nn.Module):
    def __init__(self, layer, n, norm):
        super().__init__()
        import copy
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(n)])
        self.num_layers = n
        self.norm = norm

    def forward(self, tgt, memory, tm=None, mm=None, tkpm=None, mkpm=None, tc=None, mc=False):
        out = tgt
        sl = seq_len(tgt, self.layers[0].self_attn.batch_first)  # 2.x: an empty stack raises IndexError here
        tc = detect_is_causal_mask(tm, tc, sl)
        for mod in self.layers:
            out = mod(out, memory, tm, mm, tkpm, mkpm, tc, mc)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Tr2x(nn.Module):
    def __init__(self, d, h, ne, nd, ff, drop, act, eps, bf, nf, bias):
        super().__init__()
        el = TEL2x(d, h, ff, drop, act, eps, bf, nf, bias)
        self.encoder = TEnc2x(el, ne, LN2x(d, eps, bias))
        dl = TDL2x(d, h, ff, drop, act, eps, bf, nf, bias)
        self.decoder = TDec2x(dl, nd, LN2x(d, eps, bias))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        self.d_model = d
        self.nhead = h
        self.batch_first = bf

    def forward(self, src, tgt, sm=None, tm=None, mm=None, skpm=None, tkpm=None, mkpm=None, sc=None, tc=None, mc=False):
        is_batched = src.dim() == 3
        if not self.batch_first and src.size(1) != tgt.size(1) and is_batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        elif self.batch_first and src.size(0) != tgt.size(0) and is_batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, sm, skpm, sc)
        return self.decoder(tgt, memory, tm, mm, tkpm, mkpm, tc, mc)


# ------------------------------------------------------------------------------------------------------ cases
class Case:
    def __init__(self, cid, kind, desc):
        self.cid, self.kind, self.desc = cid, kind, desc
        self.lines = []
        self.vars = {}
        self.n = 0
        self.leaves = []
        self.mods = {}

    def fresh(self, p):
        self.n += 1
        return '%s%d' % (p, self.n)

    def seed(self, s):
        torch.manual_seed(s)
        self.lines.append('seed %d' % s)

    def inp(self, shape, grad=False, scale=1.0, dtype=F64):
        name = self.fresh('x')
        k = torch.round(torch.randn(shape, dtype=F64, generator=DATA) * scale * 32).to(torch.int64)
        t = k.to(dtype) / 32
        if grad:
            t.requires_grad_(True)
            self.leaves.append(name)
        self.vars[name] = t
        self.lines.append('in %s %s/32 %s %s %s' % (name, dname(dtype), shape_text(t.shape), 'G' if grad else '-',
                                                         fmt_vals(k) if k.numel() else '-'))
        return name

    def const(self, t, grad=False):
        name = self.fresh('c')
        if grad:
            t.requires_grad_(True)
            self.leaves.append(name)
        self.vars[name] = t
        self.lines.append('in %s %s %s %s %s' % (name, dname(t.dtype), shape_text(t.shape), 'G' if grad else '-',
                                                  fmt_vals(t)))
        return name

    def same(self, other):
        name = self.fresh('x')
        self.vars[name] = self.vars[other]
        self.lines.append('same %s %s' % (name, other))
        return name

    def mod(self, name, kind, args, build, f32=False):
        if f32:
            args = args + [('f32', 1)]
        self.lines.append('mod %s %s %s' % (name, kind, ' '.join('%s=%s' % kv for kv in args)))
        try:
            m = build()
        except Exception as e:
            self.lines.append('err ' + first_line(e))
            return None
        if not f32:
            m = m.double()
        self.mods[name] = m
        return m

    def mode(self, name, train):
        self.mods[name].train(train)
        self.lines.append('mode %s %s' % (name, 'train' if train else 'eval'))

    def call(self, outs, fn, args, compute):
        self.lines.append('call %s %s %s' % (','.join(outs), fn,
                                             ' '.join('%s=%s' % kv for kv in args if kv[1] is not None)))
        try:
            res = compute()
        except Exception as e:
            self.lines.append('err ' + first_line(e))
            return None
        res = list(res) if isinstance(res, (tuple, list)) else [res]
        assert len(res) == len(outs)
        for o, r in zip(outs, res):
            self.vars[o] = r
            self.lines.append(result(r))
        return res

    def backward(self, outs, params):
        usable = [o for o in outs if self.vars.get(o) is not None and self.vars[o].requires_grad
                  and not torch.isnan(self.vars[o]).any()]
        if not usable:
            return
        loss = sum((self.vars[o] * loss_weights(self.vars[o])).sum() for o in usable)
        loss.backward()
        self.lines.append('back ' + ','.join(usable))
        for l in self.leaves:
            self.lines.append('grad ' + l)
            self.lines.append(result(self.vars[l].grad))
        for mname, m in self.mods.items():
            if params:
                # every parameter's gradient in named_parameters() order, flattened and concatenated (a None
                # gradient as zeros; "k" of them, their count after the name)
                ps = [p for _, p in m.named_parameters()]
                nones = sum(1 for p in ps if p.grad is None)
                flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in ps])
                self.lines.append('pgrad %s %d %d' % (mname, len(ps), nones))
                self.lines.append(result(flat))


DATA = torch.Generator()
DATA.manual_seed(SEED)


def pick(*xs):
    return xs[rng.randrange(len(xs))]


def rand_bool_mask(shape, p_masked, forbid_full_rows=True):
    """A boolean mask, True with probability p (where True means 'masked' for the modules' masks)."""
    t = torch.rand(shape, generator=DATA) < p_masked
    if forbid_full_rows and t.dim() >= 1 and t.shape[-1] > 0:
        full = t.all(-1, keepdim=True)
        first = torch.zeros_like(t)
        first[..., 0] = True
        t = t & ~(full & first)
    return t


def float_mask_from(bool_masked, extra=True):
    """An additive mask: -inf where masked, else random finite values (or zeros)."""
    vals = torch.randn(bool_masked.shape, dtype=F64, generator=DATA) if extra else torch.zeros(bool_masked.shape, dtype=F64)
    return vals.masked_fill(bool_masked, -INF)


# ------------------------------------------------------------------------------------------------------ SDPA
def case_sdpa(c):
    batch = pick((), (2,), (2, 3), (1, 2), (3,))
    L, S, E, Ev = rng.randint(1, 5), rng.randint(1, 5), pick(2, 3, 4), pick(2, 3, 5)
    if rng.random() < 0.05:
        L, S = pick((0, S), (L, 0))  # an empty sequence: empty output, or zeros (every row fully masked)
    dt = F32 if rng.random() < 0.15 else F64
    grad = rng.random() < 0.8
    qb = kb = batch
    if batch and rng.random() < 0.15:
        # batch dimensions that broadcast (the math path's matmul broadcasts them; the fused kernel wants them equal)
        if rng.random() < 0.5:
            kb = tuple(1 if rng.random() < 0.6 else b for b in batch)
        else:
            qb = tuple(1 if rng.random() < 0.6 else b for b in batch)
    elif not batch and rng.random() < 0.1:
        kb = (2,)  # a 2-D query against 3-D keys and values
    q = c.inp(qb + (L, E), grad, dtype=dt)
    k = c.inp(kb + (S, E), grad, scale=pick(1.0, 3.0), dtype=dt)
    v = c.inp(kb + (S, Ev), grad, dtype=dt)
    batch = tuple(max(a, b) for a, b in zip(qb, kb)) if len(qb) == len(kb) else kb
    args = [('q', q), ('k', k), ('v', v)]
    mask = None
    causal = False
    style = pick('none', 'bool', 'float', 'causal', 'bool', 'float')
    full_rows = rng.random() < 0.3
    if style in ('bool', 'float'):
        # broadcast over batch/heads: the mask's leading dims are a suffix of the batch's (each 1 or the size)
        nb = rng.randint(0, len(batch))
        lead = tuple(pick(1, b) for b in batch[len(batch) - nb:])
        mshape = lead + (pick(1, L) if rng.random() < 0.2 else L, S)
        r = rng.random()
        if r < 0.08:
            mshape = (S,)  # a 1-D mask, broadcast over the rows
        elif r < 0.12:
            mshape = (2,) + batch + (L, S)  # more dimensions than the scores: the in-place add refuses
        masked = rand_bool_mask(mshape, pick(0.2, 0.4), forbid_full_rows=not full_rows)
        if full_rows and len(mshape) > 1 and mshape[-2] > 0:
            masked[..., rng.randrange(mshape[-2]), :] = True
        mask = c.const(~masked if style == 'bool' else float_mask_from(masked, rng.random() < 0.7).to(dt),
                       grad=style == 'float' and grad and rng.random() < 0.3)
        args.append(('mask', mask))
    elif style == 'causal':
        causal = True
        args.append(('causal', 1))
    scale = None
    if rng.random() < 0.35:
        scale = pick(0.25, 1.5, -0.5, 0.0, 2.0)
        args.append(('scale', repr(scale)))
    drop = 0.0
    seed = None
    if rng.random() < 0.15:
        drop = pick(0.3, 0.5)
        seed = rng.randrange(1000)
        args.append(('drop', repr(drop)))
        c.seed(seed)
    c.call(['o'], 'sdpa', args, lambda: sdpa_2x(c.vars[q], c.vars[k], c.vars[v],
                                                 None if mask is None else c.vars[mask], drop, causal, scale))
    c.backward(['o'], False)


def case_sdpa_err(c):
    kind = pick('dtype', 'dims', 'mask_dtype', 'causal_mask', 'mask_shape', 'mask_f64', 'mask_f32')
    L, S, E = 3, 4, 2
    q = c.inp((2, L, E))
    k = c.inp((2, S, E))
    v = c.inp((2, S, E))
    args = [('q', q), ('k', k), ('v', v)]
    mask = None
    causal = False
    if kind == 'dtype':
        k = c.const(torch.randn(2, S, E, generator=DATA).float())
        args[1] = ('k', k)
    elif kind == 'dims':
        q = c.inp((E,))
        args[0] = ('q', q)
    elif kind == 'mask_dtype':
        mask = c.const(torch.zeros(L, S, dtype=torch.int64))
        args.append(('mask', mask))
    elif kind == 'mask_f64':
        # a float64 mask with float32 inputs: refused (validate_sdpa_input)
        q, k, v = (c.inp((2, n_, E), dtype=torch.float32) for n_ in (L, S, S))
        args = [('q', q), ('k', k), ('v', v)]
        mask = c.const(torch.zeros(L, S, dtype=F64))
        args.append(('mask', mask))
    elif kind == 'mask_f32':
        # a float32 mask with float64 inputs: taken, the add promotes
        mask = c.const(torch.randn(L, S, generator=DATA).float())
        args.append(('mask', mask))
    elif kind == 'causal_mask':
        mask = c.const(torch.ones(L, S, dtype=torch.bool).tril())
        args += [('mask', mask), ('causal', 1)]
        causal = True
    else:
        mask = c.const(torch.zeros(L, S + 1, dtype=F64))
        args.append(('mask', mask))

    def run():
        mm = None if mask is None else c.vars[mask]
        if kind == 'mask_shape':
            # 2.x: the math path's add of a mask that does not broadcast (1.13's broadcast message, 2.x's wording)
            return c.vars[q] @ c.vars[k].transpose(-2, -1) + mm
        return sdpa_2x(c.vars[q], c.vars[k], c.vars[v], mm, 0.0, causal, None)
    c.call(['o'], 'sdpa', args, run)


# ------------------------------------------------------------------------------------------------------ MHA
def mha_config():
    h = pick(1, 2, 2, 3, 4)
    e = h * pick(1, 2, 3)
    kdim = vdim = None
    if rng.random() < 0.3:
        kdim = pick(e, 3, 5)
        vdim = pick(e, 2, 4)
    return dict(e=e, h=h, bias=rng.random() < 0.8, bkv=rng.random() < 0.25, zattn=rng.random() < 0.25, kdim=kdim,
                vdim=vdim, bf=rng.random() < 0.5)


def build_mha(c, name, cfg, drop=0.0, f32=False):
    args = [('e', cfg['e']), ('h', cfg['h']), ('drop', repr(drop)), ('bias', int(cfg['bias'])),
            ('bkv', int(cfg['bkv'])), ('zattn', int(cfg['zattn'])), ('kdim', cfg['kdim'] or 'n'),
            ('vdim', cfg['vdim'] or 'n'), ('bf', int(cfg['bf']))]
    return c.mod(name, 'mha', args, lambda: nn.MultiheadAttention(
        cfg['e'], cfg['h'], dropout=drop, bias=cfg['bias'], add_bias_kv=cfg['bkv'], add_zero_attn=cfg['zattn'],
        kdim=cfg['kdim'], vdim=cfg['vdim'], batch_first=cfg['bf']), f32)


def case_mha(c):
    cfg = mha_config()
    e, h = cfg['e'], cfg['h']
    c.seed(rng.randrange(10000))
    drop = pick(0.0, 0.0, 0.0, 0.0, 0.3)
    dt = F32 if rng.random() < 0.1 else F64
    m = build_mha(c, 'm', cfg, drop, dt == F32)
    ng = rng.random() < 0.15
    train = rng.random() < 0.5
    c.mode('m', train)
    batched = rng.random() < 0.8
    N = rng.randint(1, 3)
    L = rng.randint(1, 4)
    S = rng.randint(1, 4)
    kd, vd = cfg['kdim'] or e, cfg['vdim'] or e
    grad = not ng
    sharing = pick('self', 'kv', 'none') if kd == e and vd == e else 'none'
    if sharing == 'self':
        S = L

    def shape(len_, d):
        if not batched:
            return (len_, d)
        return (N, len_, d) if cfg['bf'] else (len_, N, d)
    q = c.inp(shape(L, e), grad, dtype=dt)
    if sharing == 'self':
        k = v = c.same(q)
    elif sharing == 'kv':
        k = c.inp(shape(S, kd), grad, dtype=dt)
        v = c.same(k)
    else:
        k = c.inp(shape(S, kd), grad, dtype=dt)
        v = c.inp(shape(S, vd), grad, dtype=dt)
    args = [('q', q), ('k', k), ('v', v)]
    extra = int(cfg['bkv']) + int(cfg['zattn'])  # keys the module appends: never masked by the given masks
    full_ok = not ng and extra == 0 and rng.random() < 0.25
    kpm = am = None
    is_causal = False
    if rng.random() < 0.5:
        kshape = (N, S) if batched else (S,)
        masked = rand_bool_mask(kshape, 0.3, forbid_full_rows=not full_ok)
        kpm = c.const(masked if rng.random() < 0.6 else float_mask_from(masked, not ng and rng.random() < 0.5).to(dt))
        args.append(('kpm', kpm))
    amk = 1.0 if ng and kpm is not None else rng.random()
    if amk < 0.45:
        ashape = (L, S) if rng.random() < 0.6 else ((N if batched else 1) * h, L, S)
        masked = rand_bool_mask(ashape, 0.3, forbid_full_rows=not full_ok)
        if kpm is not None and c.vars[kpm].dtype == torch.bool and rng.random() < 0.7:
            am = c.const(masked)
        else:
            am = c.const(masked if rng.random() < 0.5 else float_mask_from(masked, not ng and rng.random() < 0.6).to(dt))
        # an incorrect is_causal hint: 2.x drops the mask for scaled_dot_product_attention's causal mask when
        # need_weights is off and there is no key padding mask, and uses the mask otherwise
        is_causal = not ng and rng.random() < 0.15
        args.append(('am', am))
    elif amk < 0.65 and L == S:
        causal_m = torch.ones(L, S, dtype=torch.bool).triu(1)
        am = c.const(causal_m if rng.random() < 0.5 else gen_square_subsequent_mask(L, dt))
        args.append(('am', am))
        is_causal = rng.random() < 0.7
    nw = rng.random() < 0.5
    avg = rng.random() < 0.5
    args += [('nw', int(nw)), ('avg', int(avg)), ('causal', int(is_causal)), ('ng', int(ng))]

    if train and drop > 0:
        c.seed(rng.randrange(1000))

    def run():
        with torch.set_grad_enabled(not ng):
            return mha_forward_2x(m, c.vars[q], c.vars[k], c.vars[v], None if kpm is None else c.vars[kpm], nw,
                                  None if am is None else c.vars[am], avg, is_causal)
    c.call(['o', 'w'], 'mha', args, run)
    if not ng:
        c.backward(['o', 'w'] if nw else ['o'], True)


def case_mha_err(c):
    kind = pick('ctor_div', 'kpm_shape', 'am2_shape', 'am3_shape', 'mask_int', 'causal_nomask', 'kv_shape',
                'kpm_dims', 'am_dims', 'q_dims', 'embed', 'unbatched_am3', 'ctor_zero', 'dtype', 'dtype',
                'am_dtype', 'am_dtype')
    if kind == 'ctor_div':
        c.seed(1)
        c.mod('m', 'mha', [('e', 6), ('h', 4)], lambda: nn.MultiheadAttention(6, 4))
        return
    if kind == 'ctor_zero':
        c.seed(1)
        c.mod('m', 'mha', [('e', 0), ('h', 2)], lambda: mha_ctor_2x(0, 2))
        return
    cfg = dict(e=4, h=2, bias=True, bkv=False, zattn=False, kdim=None, vdim=None, bf=False)
    c.seed(rng.randrange(1000))
    m = build_mha(c, 'm', cfg)
    N, L, S = 2, 3, 4
    q = c.inp((L, N, 4))
    k = c.inp((S, N, 4))
    v = c.inp((S, N, 4))
    kpm = am = None
    causal = False
    args = [('q', q), ('k', k), ('v', v)]
    if kind == 'kpm_shape':
        kpm = c.const(torch.zeros(N, S - 1, dtype=torch.bool))
    elif kind == 'am2_shape':
        am = c.const(torch.zeros(L, S + 1, dtype=torch.bool))
    elif kind == 'am3_shape':
        am = c.const(torch.zeros(N, L, S, dtype=F64))
    elif kind == 'mask_int':
        kpm = c.const(torch.zeros(N, S, dtype=torch.int64))
    elif kind == 'causal_nomask':
        causal = True
    elif kind == 'kv_shape':
        v = c.inp((S - 1, N, 4))
        args[2] = ('v', v)
    elif kind == 'kpm_dims':
        kpm = c.const(torch.zeros(S, dtype=torch.bool))
    elif kind == 'am_dims':
        am = c.const(torch.zeros(1, 1, L, S, dtype=torch.bool))
    elif kind == 'q_dims':
        q = c.inp((1, L, N, 4))
        args[0] = ('q', q)
    elif kind == 'embed':
        q = c.inp((L, N, 6))
        args[0] = ('q', q)
    elif kind == 'dtype':
        q = c.inp((L, N, 4), dtype=torch.float32)
        args[0] = ('q', q)
    elif kind == 'am_dtype':
        am = c.const(torch.zeros(L, S, dtype=torch.float32))
    elif kind == 'unbatched_am3':
        q = c.inp((L, 4))
        k = c.inp((S, 4))
        v = c.inp((S, 4))
        args = [('q', q), ('k', k), ('v', v)]
        am = c.const(torch.zeros(3, L, S, dtype=torch.bool))
    if kpm is not None:
        args.append(('kpm', kpm))
    if am is not None:
        args.append(('am', am))
    nw = rng.random() < 0.5
    args += [('nw', int(nw)), ('avg', 1), ('causal', int(causal)), ('ng', 0)]

    def run():
        if kind == 'am_dtype' and nw:
            # a float32 attn_mask with float64 inputs: with need_weights, 2.x's baddbmm meta check (ADDMM's file,
            # TORCH_META_FUNC(baddbmm)); without, scaled_dot_product_attention takes a float32 mask with any query
            # (validate_sdpa_input) and the values are the port's (the mask promoted in the add)
            raise RuntimeError("Input dtypes must be the same, got: input float, batch1: double, batch2: double")
        if kind == 'dtype':
            # 2.x: F.linear of a contiguous 3-D input with a bias is addmm(bias, input.view(-1, E), weight.t()), whose
            # meta check (aten/src/ATen/native/LinearAlgebra.cpp, ADDMM_META) words it so; 1.13 says "mat1 and mat2
            # must have the same dtype"
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got Float and Double")
        return mha_forward_2x(m, c.vars[q], c.vars[k], c.vars[v], None if kpm is None else c.vars[kpm], nw,
                              None if am is None else c.vars[am], True, causal)
    c.call(['o', 'w'], 'mha', args, run)


def mha_ctor_2x(e, h):
    # 2.x's nn.MultiheadAttention.__init__ check (2.1+), before any parameter
    if e <= 0 or h <= 0:
        raise ValueError("embed_dim and num_heads must be greater than 0, got embed_dim=%d and num_heads=%d instead"
                         % (e, h))
    return nn.MultiheadAttention(e, h)


# ------------------------------------------------------------------------------------------------------ transformer
def layer_config(for_nested=False):
    h = pick(1, 2, 2, 4)
    d = h * pick(1, 2, 3) if h < 4 else 4
    if d < 2:
        d = 2 * h
    act = pick('relu', 'gelu', 'relu', 'gelu', 'm:tanh', 'm:silu', 'm:relu', 'm:gelu', 'm:gelutanh', 'm:prelu')
    cfg = dict(d=d, h=h, ff=pick(4, 6, 8), act=act, eps=pick(1e-5, 1e-5, 1e-3), bf=rng.random() < 0.5,
               nf=rng.random() < 0.4, bias=rng.random() < 0.8)
    if for_nested:
        cfg.update(bf=True, nf=False, bias=True, h=pick(2, 4), act=pick('relu', 'gelu', 'm:relu', 'm:gelu'))
        cfg['d'] = cfg['h'] * pick(1, 2)
    return cfg


def layer_args(cfg, drop):
    return [('d', cfg['d']), ('h', cfg['h']), ('ff', cfg['ff']), ('drop', repr(drop)), ('act', cfg['act']),
            ('eps', repr(cfg['eps'])), ('bf', int(cfg['bf'])), ('nf', int(cfg['nf'])), ('bias', int(cfg['bias']))]


def seq_shape(cfg, batched, N, L):
    if not batched:
        return (L, cfg['d'])
    return (N, L, cfg['d']) if cfg['bf'] else (L, N, cfg['d'])


def padding_mask(c, N, L, batched, left=True, plain=False):
    """A key padding mask (True: padded); left aligned (padding at the end of each row) unless left is False."""
    if batched:
        rows = []
        for _ in range(N):
            valid = rng.randint(1, L)
            row = [i >= valid for i in range(L)]
            if not left and rng.random() < 0.5:
                random.Random(rng.random()).shuffle(row)
            rows.append(row)
        masked = torch.tensor(rows, dtype=torch.bool)
    else:
        valid = rng.randint(1, L)
        masked = torch.tensor([i >= valid for i in range(L)], dtype=torch.bool)
    if rng.random() < 0.35:
        return c.const(float_mask_from(masked, not plain and rng.random() < 0.4))
    return c.const(masked)


def attn_mask_for(c, L, S, causal_ok=True, plain=False):
    """An attention mask [L, S] (True: masked), bool or additive (-inf, and random finite values unless plain)."""
    r = rng.random()
    if causal_ok and L == S and r < 0.4:
        return c.const(gen_square_subsequent_mask(L, F64) if rng.random() < 0.5
                       else torch.ones(L, L, dtype=torch.bool).triu(1)), True
    masked = rand_bool_mask((L, S), 0.3)
    return c.const(masked if rng.random() < 0.5 else float_mask_from(masked, not plain and rng.random() < 0.6)), False


def run_mode(c, name, train_p=0.5):
    """Train (dropout as built), eval with autograd, or eval without it (ng)."""
    r = rng.random()
    if r < train_p:
        c.mode(name, True)
        return False, True
    c.mode(name, False)
    return (r > 0.8), False


def case_tel(c):
    cfg = layer_config()
    drop = pick(0.0, 0.0, 0.0, 0.2)
    c.seed(rng.randrange(10000))
    m = c.mod('m', 'tel', layer_args(cfg, drop), lambda: TEL2x(cfg['d'], cfg['h'], cfg['ff'], drop, cfg['act'],
                                                                cfg['eps'], cfg['bf'], cfg['nf'], cfg['bias']))
    ng, train = run_mode(c, 'm')
    if ng and cfg['act'] == 'm:gelutanh':
        ng = False
    batched = rng.random() < 0.8
    N, L = rng.randint(1, 3), rng.randint(1, 4)
    src = c.inp(seq_shape(cfg, batched, N, L), not ng)
    args = [('src', src)]
    mask = kpm = None
    causal = False
    if rng.random() < 0.5:
        mask, is_c = attn_mask_for(c, L, L, plain=ng)
        args.append(('mask', mask))
        causal = is_c and rng.random() < 0.6
    if rng.random() < 0.5 and not (ng and mask is not None):
        kpm = padding_mask(c, N, L, batched, plain=ng)
        args.append(('kpm', kpm))
    args += [('causal', int(causal)), ('ng', int(ng))]
    if train and drop > 0:
        c.seed(rng.randrange(1000))

    def run():
        with torch.set_grad_enabled(not ng):
            return m(c.vars[src], None if mask is None else c.vars[mask], None if kpm is None else c.vars[kpm], causal)
    c.call(['o'], 'tel', args, run)
    if not ng:
        c.backward(['o'], True)


def case_tdl(c):
    cfg = layer_config()
    drop = pick(0.0, 0.0, 0.0, 0.2)
    c.seed(rng.randrange(10000))
    m = c.mod('m', 'tdl', layer_args(cfg, drop), lambda: TDL2x(cfg['d'], cfg['h'], cfg['ff'], drop, cfg['act'],
                                                                cfg['eps'], cfg['bf'], cfg['nf'], cfg['bias']))
    ng, train = run_mode(c, 'm')
    batched = rng.random() < 0.8
    N, T, S = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
    tgt = c.inp(seq_shape(cfg, batched, N, T), not ng)
    mem = c.inp(seq_shape(cfg, batched, N, S), not ng and rng.random() < 0.7)
    args = [('tgt', tgt), ('mem', mem)]
    tm = mm = tkpm = mkpm = None
    tc = mc = False
    if rng.random() < 0.6:
        tm, is_c = attn_mask_for(c, T, T, plain=ng)
        args.append(('tm', tm))
        tc = is_c and rng.random() < 0.6
    if rng.random() < 0.3:
        mm, is_mc = attn_mask_for(c, T, S, causal_ok=T == S, plain=ng)
        mc = is_mc and rng.random() < 0.7  # memory_is_causal with a causal memory mask
        args.append(('mm', mm))
    if rng.random() < 0.4 and not (ng and tm is not None):
        tkpm = padding_mask(c, N, T, batched, plain=ng)
        args.append(('tkpm', tkpm))
    if rng.random() < 0.4 and not (ng and mm is not None):
        mkpm = padding_mask(c, N, S, batched, plain=ng)
        args.append(('mkpm', mkpm))
    args += [('tc', int(tc)), ('mc', int(mc)), ('ng', int(ng))]
    if train and drop > 0:
        c.seed(rng.randrange(1000))
    V = lambda n: None if n is None else c.vars[n]

    def run():
        with torch.set_grad_enabled(not ng):
            return m(c.vars[tgt], c.vars[mem], V(tm), V(mm), V(tkpm), V(mkpm), tc, mc)
    c.call(['o'], 'tdl', args, run)
    if not ng:
        c.backward(['o'], True)


def case_tenc(c, nested_focus=False):
    cfg = layer_config(for_nested=nested_focus)
    drop = pick(0.0, 0.0, 0.2) if not nested_focus else 0.0
    n = rng.randint(1, 2)
    norm = rng.random() < 0.6
    nt = rng.random() < 0.85
    c.seed(rng.randrange(10000))
    args = layer_args(cfg, drop) + [('n', n), ('norm', int(norm)), ('nt', int(nt))]

    def build():
        layer = TEL2x(cfg['d'], cfg['h'], cfg['ff'], drop, cfg['act'], cfg['eps'], cfg['bf'], cfg['nf'], cfg['bias'])
        return TEnc2x(layer, n, nn.LayerNorm(cfg['d']) if norm else None, nt)
    m = c.mod('m', 'tenc', args, build)
    if nested_focus:
        c.mode('m', False)
        ng, train = rng.random() < 0.8, False
    else:
        ng, train = run_mode(c, 'm')
        if ng and cfg['act'] == 'm:gelutanh':
            ng = False
    if not cfg['bias'] and not train and cfg['bf'] and not cfg['nf'] and cfg['h'] % 2 == 0 \
            and cfg['act'] in ('relu', 'gelu', 'm:relu', 'm:gelu'):
        ng = False
        train = True
        c.lines.pop()
        c.mode('m', True)
    batched = nested_focus or rng.random() < 0.8
    N, L = rng.randint(1, 3), rng.randint(1, 4)
    src = c.inp(seq_shape(cfg, batched, N, L), not ng)
    args = [('src', src)]
    mask = kpm = None
    causal = 'n'
    if not nested_focus and rng.random() < 0.5:
        mask, is_c = attn_mask_for(c, L, L, plain=ng)
        args.append(('mask', mask))
        causal = pick('n', 'n', 1 if is_c else 0, 1)  # also an incorrect hint (2.x then drops the mask)
    if nested_focus or (rng.random() < 0.5 and not (ng and mask is not None)):
        kpm = padding_mask(c, N, L, batched, left=not (nested_focus and rng.random() < 0.2),
                           plain=ng and not nested_focus)
        args.append(('kpm', kpm))
    args += [('causal', causal), ('ng', int(ng))]
    if train and drop > 0:
        c.seed(rng.randrange(1000))
    V = lambda x: None if x is None else c.vars[x]

    def run():
        with torch.set_grad_enabled(not ng):
            return m(c.vars[src], V(mask), V(kpm), None if causal == 'n' else bool(causal))
    c.call(['o'], 'tenc', args, run)
    if not ng:
        c.backward(['o'], True)


def case_tdec(c):
    cfg = layer_config()
    drop = pick(0.0, 0.0, 0.2)
    n = rng.randint(1, 2)
    norm = rng.random() < 0.6
    c.seed(rng.randrange(10000))
    args = layer_args(cfg, drop) + [('n', n), ('norm', int(norm))]

    def build():
        layer = TDL2x(cfg['d'], cfg['h'], cfg['ff'], drop, cfg['act'], cfg['eps'], cfg['bf'], cfg['nf'], cfg['bias'])
        return TDec2x(layer, n, nn.LayerNorm(cfg['d']) if norm else None)
    m = c.mod('m', 'tdec', args, build)
    ng, train = run_mode(c, 'm')
    batched = rng.random() < 0.8
    N, T, S = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
    tgt = c.inp(seq_shape(cfg, batched, N, T), not ng)
    mem = c.inp(seq_shape(cfg, batched, N, S), not ng)
    args = [('tgt', tgt), ('mem', mem)]
    tm = mm = tkpm = mkpm = None
    tc = 'n'
    if rng.random() < 0.7:
        tm, is_c = attn_mask_for(c, T, T, plain=ng)
        args.append(('tm', tm))
        tc = pick('n', 'n', 1 if is_c else 0, 1)
    if rng.random() < 0.3:
        mm, _ = attn_mask_for(c, T, S, causal_ok=False, plain=ng)
        args.append(('mm', mm))
    if rng.random() < 0.4 and not (ng and tm is not None):
        tkpm = padding_mask(c, N, T, batched, plain=ng)
        args.append(('tkpm', tkpm))
    if rng.random() < 0.4 and not (ng and mm is not None):
        mkpm = padding_mask(c, N, S, batched, plain=ng)
        args.append(('mkpm', mkpm))
    args += [('tc', tc), ('mc', 0), ('ng', int(ng))]
    if train and drop > 0:
        c.seed(rng.randrange(1000))
    V = lambda x: None if x is None else c.vars[x]

    def run():
        with torch.set_grad_enabled(not ng):
            return m(c.vars[tgt], c.vars[mem], V(tm), V(mm), V(tkpm), V(mkpm), None if tc == 'n' else bool(tc), False)
    c.call(['o'], 'tdec', args, run)
    if not ng:
        c.backward(['o'], True)


def case_tr(c):
    nested = rng.random() < 0.35
    cfg = layer_config(for_nested=nested)
    if cfg['act'] == 'm:gelutanh' and nested:
        cfg['act'] = 'gelu'  # left out without autograd (the header)
    drop = 0.0 if nested else pick(0.0, 0.0, 0.2)
    ne, nd = rng.randint(1, 2), rng.randint(1, 2)
    c.seed(rng.randrange(10000))
    args = [('d', cfg['d']), ('h', cfg['h']), ('ne', ne), ('nd', nd), ('ff', cfg['ff']), ('drop', repr(drop)),
            ('act', cfg['act']), ('eps', repr(cfg['eps'])), ('bf', int(cfg['bf'])), ('nf', int(cfg['nf'])),
            ('bias', int(cfg['bias']))]
    m = c.mod('m', 'tr', args, lambda: Tr2x(cfg['d'], cfg['h'], ne, nd, cfg['ff'], drop, cfg['act'], cfg['eps'],
                                             cfg['bf'], cfg['nf'], cfg['bias']))
    if nested:
        c.mode('m', False)
        ng, train = True, False
    else:
        ng, train = run_mode(c, 'm')
        if ng and not train and (not cfg['bias'] or cfg['act'] == 'm:gelutanh'):
            ng = False
    if not cfg['bias'] and not train and not ng and cfg['bf'] and not cfg['nf'] and cfg['h'] % 2 == 0:
        c.lines.pop()
        c.mode('m', True)
        train = True
    batched = nested or rng.random() < 0.85
    N, S, T = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
    src = c.inp(seq_shape(cfg, batched, N, S), not ng)
    tgt = c.inp(seq_shape(cfg, batched, N, T), not ng)
    args = [('src', src), ('tgt', tgt)]
    names = {}
    V = lambda x: None if x is None else c.vars[x]
    s_causal = t_causal = False
    if not nested and rng.random() < 0.3:
        names['sm'], s_causal = attn_mask_for(c, S, S, plain=ng)
    if rng.random() < 0.7:
        names['tm'], t_causal = attn_mask_for(c, T, T, plain=ng)
    if rng.random() < 0.2 and not nested:
        names['mm'], _ = attn_mask_for(c, T, S, causal_ok=False, plain=ng)
    if nested or (rng.random() < 0.4 and not (ng and 'sm' in names)):
        names['skpm'] = padding_mask(c, N, S, batched, plain=ng and not nested)
    if rng.random() < 0.3 and not (ng and 'tm' in names):
        names['tkpm'] = padding_mask(c, N, T, batched, plain=ng)
    if 'skpm' in names and rng.random() < 0.5 and not (ng and 'mm' in names):
        names['mkpm'] = names['skpm']  # the decoder sees the encoder's padded rows unless masked
    for key in ('sm', 'tm', 'mm', 'skpm', 'tkpm', 'mkpm'):
        if key in names:
            args.append((key, names[key]))
    # src_is_causal / tgt_is_causal: None (detected), or given (True only with a causal mask, False either way)
    sc = pick('n', 'n', 0, 1) if 'sm' in names and s_causal else pick('n', 'n', 0)
    tc = pick('n', 'n', 0, 1) if 'tm' in names and t_causal else pick('n', 'n', 0)
    args += [('sc', sc), ('tc', tc), ('mc', 0), ('ng', int(ng))]
    if train and drop > 0:
        c.seed(rng.randrange(1000))

    def run():
        with torch.set_grad_enabled(not ng):
            return m(c.vars[src], c.vars[tgt], V(names.get('sm')), V(names.get('tm')), V(names.get('mm')),
                     V(names.get('skpm')), V(names.get('tkpm')), V(names.get('mkpm')),
                     None if sc == 'n' else bool(sc), None if tc == 'n' else bool(tc), False)
    c.call(['o'], 'tr', args, run)
    if not ng:
        c.backward(['o'], True)


def case_tr_err(c):
    case_tr_err_kind(c, pick('batch', 'feature', 'act', 'enc_causal', 'dec_causal', 'decl_causal', 'enc_empty',
                             'dec_empty', 'mixed_batch', 'mixed_batch'))


def case_tr_err_kind(c, kind):
    if kind in ('enc_empty', 'dec_empty'):
        # a stack of no layers: 2.x's forward reads self.layers[0] first (the encoder after canonicalizing its masks,
        # the decoder for batch_first), ModuleList's IndexError; 1.13's decoder ran
        cfg = dict(d=4, h=2, ff=4, act='relu', eps=1e-5, bf=False, nf=False, bias=True)
        c.seed(rng.randrange(1000))
        x = c.inp((3, 2, 4))
        if kind == 'enc_empty':
            m = c.mod('m', 'tenc', layer_args(cfg, 0.0) + [('n', 0), ('norm', 1), ('nt', 1)],
                      lambda: TEnc2x(TEL2x(4, 2, 4, 0.0, 'relu', 1e-5, False, False, True), 0, nn.LayerNorm(4)))
            c.call(['o'], 'tenc', [('src', x), ('causal', 'n'), ('ng', 0)], lambda: m(c.vars[x]))
        else:
            m = c.mod('m', 'tdec', layer_args(cfg, 0.0) + [('n', 0), ('norm', 1)],
                      lambda: TDec2x(TDL2x(4, 2, 4, 0.0, 'relu', 1e-5, False, False, True), 0, nn.LayerNorm(4)))
            c.call(['o'], 'tdec', [('tgt', x), ('mem', x), ('tc', 'n'), ('mc', 0), ('ng', 0)],
                   lambda: m(c.vars[x], c.vars[x]))
        return
    if kind == 'act':
        c.seed(3)
        c.mod('m', 'tel', layer_args(dict(d=4, h=2, ff=4, act='tanh', eps=1e-5, bf=False, nf=False, bias=True), 0.0),
              lambda: nn.TransformerEncoderLayer(4, 2, 4, 0.0, 'tanh'))
        return
    if kind in ('enc_causal', 'dec_causal', 'decl_causal'):
        # an is_causal hint without a mask: the attention's refusal (2.x's multi_head_attention_forward)
        cfg = dict(d=4, h=2, ff=4, act='relu', eps=1e-5, bf=rng.random() < 0.5, nf=rng.random() < 0.5, bias=True)
        c.seed(rng.randrange(1000))
        x = c.inp(seq_shape(cfg, True, 2, 3))
        if kind == 'enc_causal':
            m = c.mod('m', 'tenc', layer_args(cfg, 0.0) + [('n', 1), ('norm', 0), ('nt', 1)],
                      lambda: TEnc2x(TEL2x(4, 2, 4, 0.0, 'relu', 1e-5, cfg['bf'], cfg['nf'], True), 1, None))
            c.call(['o'], 'tenc', [('src', x), ('causal', 1), ('ng', 0)], lambda: m(c.vars[x], None, None, True))
        else:
            y = c.inp(seq_shape(cfg, True, 2, 2))
            if kind == 'dec_causal':
                m = c.mod('m', 'tdec', layer_args(cfg, 0.0) + [('n', 1), ('norm', 0)],
                          lambda: TDec2x(TDL2x(4, 2, 4, 0.0, 'relu', 1e-5, cfg['bf'], cfg['nf'], True), 1, None))
                c.call(['o'], 'tdec', [('tgt', x), ('mem', y), ('tc', 1), ('mc', 0), ('ng', 0)],
                       lambda: m(c.vars[x], c.vars[y], None, None, None, None, True, False))
            else:
                m = c.mod('m', 'tdl', layer_args(cfg, 0.0),
                          lambda: TDL2x(4, 2, 4, 0.0, 'relu', 1e-5, cfg['bf'], cfg['nf'], True))
                c.call(['o'], 'tdl', [('tgt', x), ('mem', y), ('tc', 0), ('mc', 1), ('ng', 0)],
                       lambda: m(c.vars[x], c.vars[y], None, None, None, None, False, True))
        return
    c.seed(rng.randrange(1000))
    cfg = dict(d=4, h=2, ff=4, act='relu', eps=1e-5, bf=rng.random() < 0.5, nf=False, bias=True)
    args = [('d', 4), ('h', 2), ('ne', 1), ('nd', 1), ('ff', 4), ('drop', '0.0'), ('act', 'relu'), ('eps', '1e-05'),
            ('bf', int(cfg['bf'])), ('nf', 0), ('bias', 1)]
    m = c.mod('m', 'tr', args, lambda: Tr2x(4, 2, 1, 1, 4, 0.0, 'relu', 1e-5, cfg['bf'], False, True))
    c.mode('m', True)
    if kind == 'batch':
        src = c.inp(seq_shape(cfg, True, 2, 3))
        tgt = c.inp(seq_shape(cfg, True, 3, 2))
    elif kind == 'mixed_batch':
        # an unbatched source with a batched target: no batch check (src decides), the decoder's cross-attention
        # refuses the 2-D memory
        src = c.inp((3, 4))
        tgt = c.inp(seq_shape(cfg, True, 2, 2))
    else:
        src = c.inp((3, 2, 6) if not cfg['bf'] else (2, 3, 6))
        tgt = c.inp(seq_shape(cfg, True, 2, 2))
    c.call(['o'], 'tr', [('src', src), ('tgt', tgt), ('sc', 'n'), ('tc', 'n'), ('mc', 0), ('ng', 0)],
           lambda: m(c.vars[src], c.vars[tgt]))


def case_gsm(c):
    n = rng.randint(0, 5)
    c.call(['o'], 'gsm', [('n', n)], lambda: gen_square_subsequent_mask(n))


KINDS = [('sdpa', case_sdpa, 70), ('sdpaerr', case_sdpa_err, 8), ('mha', case_mha, 75), ('mhaerr', case_mha_err, 14),
         ('tel', case_tel, 30), ('tdl', case_tdl, 25), ('tenc', case_tenc, 25),
         ('tencnested', lambda c: case_tenc(c, True), 18), ('tdec', case_tdec, 15), ('tr', case_tr, 16),
         ('trerr', case_tr_err, 8), ('gsm', case_gsm, 2)]


def main():
    out = []
    total = sum(w for _, _, w in KINDS)
    for i in range(N_CASES):
        r = rng.randrange(total)
        for kind, fn, w in KINDS:
            if r < w:
                break
            r -= w
        c = Case('r23_%03d' % i, kind, kind)
        fn(c)
        out.append('=== %s %s %s' % (c.cid, kind, kind))
        out.extend(c.lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == "__main__":
    main()
