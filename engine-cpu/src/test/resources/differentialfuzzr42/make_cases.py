# Differential fuzz round 42 for DifferentialFuzzR42Test.java: seeded single calls of ATTENTION and the TRANSFORMER
# LAYERS at their corners, run in PyTorch with every result recorded; FuzzR42Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr42 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 42, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound42FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz42.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# PyTorch 1.13 has neither F.scaled_dot_product_attention nor 2.x's multi_head_attention_forward / transformer layers
# (is_causal, _canonical_mask, the SDPA call of need_weights=False, bias=False, _detect_is_causal_mask), so this script
# runs PyTorch 2.x's code written out in 1.13's ops (read from pytorch/pytorch):
# - sdpa_2x: aten/src/ATen/native/transformers/attention.cpp: validate_sdpa_input (its messages, TypeMeta's type
#   names "double", "float", "long int", "c10::Half"), convert_boolean_attn_mask (where(!mask, -inf, 0) of the
#   query's type), _scaled_dot_product_attention_math (q * sqrt(scale) and k^T * sqrt(scale), a negative scale on q,
#   is_causal's ones(L, S).tril() aligned top left and its refusal with a mask, the mask added IN PLACE to the scores,
#   _safe_softmax: a row whose every score is -inf gives 0, not NaN (its backward softmax's, so 0 there too)). The
#   CPU dispatch (sdp_utils_cpp.cpp, use_flash_attention_cpp) takes the fused kernel for 4-D inputs of one batch and
#   head count, a mask that does not require grad and is 2-D or 4-D of L-or-1 x S-or-1 (B-or-1, H-or-1), equal head
#   dims, non-empty sequences, stride-1 rows: the node ScaledDotProductFlashAttentionForCpuBackward0, the same values
#   within roundoff (the tolerance's factor covers float32's); otherwise the composition, whose node is the last
#   matmul's. One 2.x behaviour is not generated: the fused CPU kernel takes is_causal together with a mask (applies
#   both) where the composition refuses; Ember refuses both (its documented rule), so the refusal is generated only
#   for inputs the composition takes.
# - mha_2x: torch/nn/functional.py multi_head_attention_forward with nn.MultiheadAttention.forward in training mode,
#   or in eval mode with a dropout probability (then no dropout; the parameters require grad, so 2.x's inference fast
#   path is not taken either: Ember does not implement it, and its numerics are not tested here): _canonical_mask of key_padding_mask and attn_mask (bool -> 0 / -inf, other types
#   refused: "only bool and floating types of ... are supported"), the is_causal hint ("Need attn_mask if specifying
#   the is_causal hint. ..."; with no key_padding_mask and need_weights False the mask is DROPPED and SDPA runs
#   is_causal), the masks merged by addition, need_weights: baddbmm(mask, q * sqrt(1 / E), k^T), softmax (NaN for
#   fully masked rows), weights mean over heads; need_weights False: SDPA on [N, H, L, hd] (zeros for fully masked
#   rows), its mask unsqueezed or viewed to [N, H, L, S]; bias_k / bias_v appended, add_zero_attn, kdim / vdim.
# - TransformerEncoderLayer / DecoderLayer (norm_first, relu / gelu / a module activation, bias=False: no LayerNorm
#   bias), TransformerEncoder (a final norm or none; _detect_is_causal_mask: a mask equal to the square subsequent
#   mask turns is_causal on), TransformerDecoder and nn.Transformer (the batch / feature checks' messages) from
#   torch/nn/modules/transformer.py of 2.x, in training mode with dropout 0 or eval mode with dropout (not applied).
#
# Families (each case one call):
#   sdpa        F.scaled_dot_product_attention: 0..2 batch dims (broadcast between q and k / v), L != S, E != Ev,
#               head dims of 1, empty L / S / batch; attn_mask bool or float (float32 with a float64 query too),
#               broadcast shapes, fully masked rows, a float mask that requires grad; is_causal with L != S; scale
#               (negative too); dropout_p 0
#   sdpa_refuse dtype and rank refusals, mask dtype, is_causal with a mask, mismatched E / S, a mask the scores cannot
#               take in place
#   mha         nn.MultiheadAttention (weights drawn here): batch_first, unbatched, kdim / vdim, bias off,
#               add_bias_kv, add_zero_attn, self-attention (query is key is value), key_padding_mask bool / float,
#               attn_mask 2-D / 3-D bool / float, need_weights, average_attn_weights, is_causal
#   mha_refuse  mask dtypes, is_causal without a mask, mask shapes, ranks
#   enclayer    nn.TransformerEncoderLayer; declayer nn.TransformerDecoderLayer; encoder nn.TransformerEncoder (two
#               layers); transformer nn.Transformer (one encoder and one decoder layer); layer_refuse their refusals
# A float64 case records the result (and the attention weights), the result's grad_fn name, and the gradients of
# sum(out * g) for the inputs and every parameter; a float32 case the result only.
#
# Format: "=== r42_<k> <family> <dtype>", then lines by first word:
#   a <name> <tensor>   a tensor argument (r17's tensor lines "dtype [shape] : values"; bool True / False)
#   p <name> <tensor>   a module parameter's value (PyTorch's name), copied into the module
#   rg <names>          the arguments that require grad (a module's parameters always do)
#   same <names>        arguments that are the same tensor as the first named (self-attention)
#   v <name> <how>      the argument is a view of the tensor given: t12 transpose(1, 2), tlast the last two dims
#                       transposed, expand:<shape> expanded (its gradient is the given tensor's)
#   s <op> [k=v ...]    the call (N None, True / False, numbers)
#   err <message>       PyTorch refuses with this (first line); the arguments and parameters must be unchanged
#   o <tensor>          the result; ow <tensor> the attention weights ("ow N": None)
#   gf <name>           the result's grad_fn; gfw <name> the attention weights'

#   g <tensor>          the upstream gradient
#   gx <name> <tensor>  the gradient of argument <name>, or of parameter "p.<name>" ("none": none reached it)
#   tol <factor>        the tolerance's factor
# Comparison: FuzzR31Interpreter.compare's (values within 1e-12 float64 / 1e-5 float32 times tol * max(1, max |e|)).
import math
import os
import random
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "42"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F64, F32 = torch.float64, torch.float32
FUSED = "ScaledDotProductFlashAttentionForCpuBackward0"


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def tline(t):
    t = t.detach().clone()
    shape = ", ".join(str(s) for s in t.shape)
    if t.dtype == torch.bool:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (str(t.dtype).replace("torch.", ""), shape, body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return num(v)
    return str(v)


def numel(s):
    n = 1
    for k in s:
        n *= k
    return n


def ft(shape, dt=F64, lo=-1.5, hi=1.5):
    return torch.tensor([R.uniform(lo, hi) for _ in range(numel(shape))], dtype=F64).reshape(shape).to(dt)


def bmask(shape, p_true=0.7, full_row=0.0):
    """a boolean mask, True with probability p_true; now and then a whole last-dim row False."""
    m = torch.tensor([R.random() < p_true for _ in range(numel(shape))], dtype=torch.bool).reshape(shape)
    if full_row > 0 and shape and numel(shape) > 0 and R.random() < full_row:
        flat = m.reshape(-1, shape[-1])
        if flat is not None and flat.shape[0] > 0:
            flat[R.randrange(flat.shape[0])] = False
    return m


def fmask(shape, dt, full_row=0.0):
    """a float mask: small values, -inf now and then, now and then a whole row -inf."""
    vals = [float("-inf") if R.random() < 0.2 else R.uniform(-1.0, 1.0) for _ in range(numel(shape))]
    m = torch.tensor(vals, dtype=F64).reshape(shape).to(dt)
    if full_row > 0 and shape and numel(shape) > 0 and R.random() < full_row:
        flat = m.reshape(-1, shape[-1])
        if flat.shape[0] > 0:
            flat[R.randrange(flat.shape[0])] = float("-inf")
    return m


def err_text(e):
    return str(e).split("\n")[0]


def ctype(dt):
    return {torch.float64: "double", torch.float32: "float", torch.int64: "long int", torch.float16: "c10::Half",
            torch.bool: "bool", torch.int32: "int"}[dt]


# ---------------------------------------------------------------- PyTorch 2.x's SDPA (see the header)

class SafeSoftmax(torch.autograd.Function):
    """2.x's _safe_softmax: 0 for a row of -inf; its backward softmax's (y (g - sum(g y)))."""

    @staticmethod
    def forward(ctx, x):
        out = torch.softmax(x, -1)
        masked = (x == float("-inf")).all(-1, keepdim=True)
        out = torch.where(masked, torch.zeros((), dtype=out.dtype), out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return y * (g - (g * y).sum(-1, keepdim=True))


def convert_bool(mask, dt):
    if mask is None or mask.dtype != torch.bool:
        return mask
    return torch.where(mask.logical_not(), torch.tensor(float("-inf"), dtype=dt), torch.zeros((), dtype=dt))


def mask_shape_fits(m, b, h, l, s):
    ml, ms = m.shape[-2], m.shape[-1]
    if (ml != l and ml != 1) or (ms != s and ms != 1):
        return False
    return m.dim() == 2 or (m.dim() == 4 and m.shape[0] in (1, b) and m.shape[1] in (1, h))


def use_fused(q, k, v, mask):
    """use_flash_attention_cpp (dropout 0)."""
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        return False
    b, h, l, s = q.shape[0], q.shape[1], q.shape[2], k.shape[2]
    if k.shape[0] != b or v.shape[0] != b or k.shape[1] != h or v.shape[1] != h:
        return False
    if mask is not None:
        if mask.requires_grad or mask.dim() < 2 or not mask_shape_fits(mask, b, h, l, s):
            return False
        if mask.stride(-1) != 1:
            return False
    e = q.shape[3]
    if k.shape[3] != e or v.shape[3] != e or l == 0 or s == 0:
        return False
    if q.stride(3) != 1 or k.stride(3) != 1 or v.stride(3) != 1:
        return False
    return q.dtype in (F32, F64)


def sdpa_2x(q, k, v, mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """(output, grad_fn name): 2.x's dispatch on the CPU."""
    if q.dtype != k.dtype or q.dtype != v.dtype:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: %s key.dtype: %s"
                           " and value.dtype: %s instead." % (ctype(q.dtype), ctype(k.dtype), ctype(v.dtype)))
    if q.dim() < 2 or k.dim() < 2 or v.dim() < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: %d "
                           "key.dim: %d and value.dim: %d instead." % (q.dim(), k.dim(), v.dim()))
    if mask is not None and mask.dtype not in (torch.bool, F32, q.dtype):
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           "attn_mask.dtype: %s and  query.dtype: %s instead." % (ctype(mask.dtype), ctype(q.dtype)))
    fused = use_fused(q, k, v, mask)
    assert not (fused and is_causal and mask is not None), "not generated (see the header)"
    m = convert_bool(mask, q.dtype)
    e = q.shape[-1]
    neg = scale is not None and scale < 0
    sc = abs(scale) if neg else (scale if scale is not None else (1.0 / math.sqrt(e) if e > 0 else float("inf")))
    factor = math.sqrt(sc)
    qs = q * ((0.0 - factor) if neg else factor)
    if is_causal:
        if m is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
        m = convert_bool(torch.ones(qs.shape[-2], k.shape[-2], dtype=torch.bool).tril(), qs.dtype)
    attn = torch.matmul(qs, k.transpose(-2, -1) * factor)
    if m is not None:
        attn.add_(m)
    attn = SafeSoftmax.apply(attn)
    out = torch.matmul(attn, v)
    return out, (FUSED if fused else (out.grad_fn.name() if out.grad_fn is not None else None))


# ---------------------------------------------------------------- PyTorch 2.x's multi-head attention (see the header)

def canonical_mask(mask, name, other_type, other_name, target, check_other=True):
    if mask is None:
        return None
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise AssertionError("only bool and floating types of %s are supported" % name)
    if not mask.is_floating_point():
        mask = torch.zeros_like(mask, dtype=target).masked_fill_(mask, float("-inf"))
    return mask


def mha_shape_check(query, key, value, kpm, attn_mask, num_heads):
    if query.dim() == 3:
        is_batched = True
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found %d-D and "
                                 "%d-D tensors respectively" % (key.dim(), value.dim()))
        if kpm is not None and kpm.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                                 "%d-D tensor instead" % kpm.dim())
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 "%d-D tensor instead" % attn_mask.dim())
    elif query.dim() == 2:
        is_batched = False
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found %d-D and "
                                 "%d-D tensors respectively" % (key.dim(), value.dim()))
        if kpm is not None and kpm.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 "found %d-D tensor instead" % kpm.dim())
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                     "found %d-D tensor instead" % attn_mask.dim())
            if attn_mask.dim() == 3:
                exp = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != exp:
                    raise AssertionError("Expected `attn_mask` shape to be %s but got %s" % (exp, attn_mask.shape))
    else:
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received %d-D query tensor"
                             % query.dim())
    return is_batched


def mha_2x(P, pre, cfg, query, key, value, kpm=None, need_weights=True, attn_mask=None, average=True,
           is_causal=False):
    """nn.MultiheadAttention.forward (training, dropout 0) of the parameters P[pre + name]: (output, weights)."""
    E, H = cfg["embed_dim"], cfg["num_heads"]
    is_batched = query.dim() == 3
    kpm = canonical_mask(kpm, "key_padding_mask", None if attn_mask is None else attn_mask.dtype, "attn_mask",
                         query.dtype)
    attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
    if cfg.get("batch_first") and is_batched:
        if key is value:
            if query is key:
                query = key = value = query.transpose(1, 0)
            else:
                query, key = (x.transpose(1, 0) for x in (query, key))
                value = key
        else:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
    # F.multi_head_attention_forward
    is_batched = mha_shape_check(query, key, value, kpm, attn_mask, H)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if kpm is not None:
            kpm = kpm.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    kpm = canonical_mask(kpm, "key_padding_mask", None if attn_mask is None else attn_mask.dtype, "attn_mask",
                         query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
                           "`generate_square_subsequent_mask` to create this mask.")
    if is_causal and kpm is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if kpm is not None:
            is_causal = False
    if embed_dim != E:
        raise AssertionError("was expecting embedding dimension of %d, but got %d" % (E, embed_dim))
    head_dim = E // H
    separate = P.get(pre + "in_proj_weight") is None
    if separate:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError("key's sequence and batch dims %s do not match value's %s"
                                 % (key.shape[:2], value.shape[:2]))
    elif key.shape != value.shape:
        raise AssertionError("key shape %s does not match value shape %s" % (key.shape, value.shape))
    b = P.get(pre + "in_proj_bias")
    if not separate:
        w = P[pre + "in_proj_weight"]
        if key is value:
            if query is key:
                proj = F.linear(query, w, b)
                proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
                q, k, v = proj[0], proj[1], proj[2]
            else:
                w_q, w_kv = w.split([E, E * 2])
                b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
                q_proj = F.linear(query, w_q, b_q)
                kv_proj = F.linear(key, w_kv, b_kv)
                kv_proj = kv_proj.unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
                q, k, v = q_proj, kv_proj[0], kv_proj[1]
        else:
            w_q, w_k, w_v = w.chunk(3)
            b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
            q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
    else:
        b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
        q = F.linear(query, P[pre + "q_proj_weight"], b_q)
        k = F.linear(key, P[pre + "k_proj_weight"], b_k)
        v = F.linear(value, P[pre + "v_proj_weight"], b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError("The shape of the 2D attn_mask is %s, but should be %s."
                                   % (attn_mask.shape, (tgt_len, src_len)))
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * H, tgt_len, src_len):
                raise RuntimeError("The shape of the 3D attn_mask is %s, but should be %s."
                                   % (attn_mask.shape, (bsz * H, tgt_len, src_len)))
        else:
            raise RuntimeError("attn_mask's dimension %d is not supported" % attn_mask.dim())
    bk, bv = P.get(pre + "bias_k"), P.get(pre + "bias_v")
    if bk is not None and bv is not None:
        k = torch.cat([k, bk.repeat(1, bsz, 1)])
        v = torch.cat([v, bv.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if kpm is not None:
            kpm = F.pad(kpm, (0, 1))
    q = q.view(tgt_len, bsz * H, head_dim).transpose(0, 1)
    k = k.view(k.shape[0], bsz * H, head_dim).transpose(0, 1)
    v = v.view(v.shape[0], bsz * H, head_dim).transpose(0, 1)
    if cfg.get("add_zero_attn"):
        zshape = (bsz * H, 1, head_dim)
        k = torch.cat([k, torch.zeros(zshape, dtype=k.dtype)], dim=1)
        v = torch.cat([v, torch.zeros(zshape, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if kpm is not None:
            kpm = F.pad(kpm, (0, 1))
    src_len = k.size(1)
    if kpm is not None:
        if tuple(kpm.shape) != (bsz, src_len):
            raise AssertionError("expecting key_padding_mask shape of %s, but got %s" % ((bsz, src_len), kpm.shape))
        kpm = kpm.view(bsz, 1, 1, src_len).expand(-1, H, -1, -1).reshape(bsz * H, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    ow_ = P[pre + "out_proj.weight"]
    ob_ = P.get(pre + "out_proj.bias")
    if need_weights:
        B, Lq, Eh = q.shape
        q_scaled = q * math.sqrt(1.0 / float(Eh))
        if attn_mask is not None:
            w_ = torch.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            w_ = torch.bmm(q_scaled, k.transpose(-2, -1))
        w_ = torch.softmax(w_, dim=-1)
        out = torch.bmm(w_, v)
        out = out.transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
        out = F.linear(out, ow_, ob_)
        out = out.view(tgt_len, bsz, out.size(1))
        w_ = w_.view(bsz, H, tgt_len, src_len)
        if average:
            w_ = w_.mean(dim=1)
        if not is_batched:
            out, w_ = out.squeeze(1), w_.squeeze(0)
    else:
        if attn_mask is not None:
            if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
                attn_mask = attn_mask.unsqueeze(0)
            else:
                attn_mask = attn_mask.view(bsz, H, -1, src_len)
        q = q.view(bsz, H, tgt_len, head_dim)
        k = k.view(bsz, H, src_len, head_dim)
        v = v.view(bsz, H, src_len, head_dim)
        out, _ = sdpa_2x(q, k, v, attn_mask, 0.0, is_causal)
        out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
        out = F.linear(out, ow_, ob_)
        out = out.view(tgt_len, bsz, out.size(1))
        if not is_batched:
            out = out.squeeze(1)
        w_ = None
    if cfg.get("batch_first") and is_batched:
        out = out.transpose(1, 0)
    return out, w_


def mha_params(pre, E, H, bias, add_bias_kv, kdim, vdim, dt):
    P = []
    if kdim == E and vdim == E:
        P.append((pre + "in_proj_weight", ft([3 * E, E], dt, -0.7, 0.7)))
    else:
        P.append((pre + "q_proj_weight", ft([E, E], dt, -0.7, 0.7)))
        P.append((pre + "k_proj_weight", ft([E, kdim], dt, -0.7, 0.7)))
        P.append((pre + "v_proj_weight", ft([E, vdim], dt, -0.7, 0.7)))
    if bias:
        P.append((pre + "in_proj_bias", ft([3 * E], dt, -0.3, 0.3)))
    if add_bias_kv:
        P.append((pre + "bias_k", ft([1, 1, E], dt, -0.5, 0.5)))
        P.append((pre + "bias_v", ft([1, 1, E], dt, -0.5, 0.5)))
    P.append((pre + "out_proj.weight", ft([E, E], dt, -0.7, 0.7)))
    if bias:
        P.append((pre + "out_proj.bias", ft([E], dt, -0.3, 0.3)))
    return P


# ---------------------------------------------------------------- PyTorch 2.x's transformer layers (see the header)

def activation(name, x):
    if name == "relu":
        return F.relu(x)
    if name == "gelu":
        return F.gelu(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "silu":
        return F.silu(x)
    if name == "gelu_tanh":
        return F.gelu(x, approximate="tanh")
    raise ValueError(name)


def layer_norm(P, pre, x, eps):
    return F.layer_norm(x, (x.shape[-1],), P[pre + "weight"], P.get(pre + "bias"), eps)


def enc_layer_2x(P, pre, cfg, src, src_mask=None, kpm=None, is_causal=False):
    kpm = canonical_mask(kpm, "src_key_padding_mask", None if src_mask is None else src_mask.dtype, "src_mask",
                         src.dtype)
    src_mask = canonical_mask(src_mask, "src_mask", None, "", src.dtype, False)
    acfg = dict(embed_dim=cfg["d_model"], num_heads=cfg["nhead"], batch_first=cfg["batch_first"])
    eps = cfg["eps"]

    def sa(x):
        return mha_2x(P, pre + "self_attn.", acfg, x, x, x, kpm, False, src_mask, True, is_causal)[0]

    def ff(x):
        return F.linear(activation(cfg["activation"], F.linear(x, P[pre + "linear1.weight"], P.get(pre + "linear1.bias"))),
                        P[pre + "linear2.weight"], P.get(pre + "linear2.bias"))

    x = src
    if cfg["norm_first"]:
        x = x + sa(layer_norm(P, pre + "norm1.", x, eps))
        x = x + ff(layer_norm(P, pre + "norm2.", x, eps))
    else:
        x = layer_norm(P, pre + "norm1.", x + sa(x), eps)
        x = layer_norm(P, pre + "norm2.", x + ff(x), eps)
    return x


def dec_layer_2x(P, pre, cfg, tgt, memory, tgt_mask=None, memory_mask=None, tgt_kpm=None, memory_kpm=None,
                 tgt_is_causal=False, memory_is_causal=False):
    acfg = dict(embed_dim=cfg["d_model"], num_heads=cfg["nhead"], batch_first=cfg["batch_first"])
    eps = cfg["eps"]

    def sa(x):
        return mha_2x(P, pre + "self_attn.", acfg, x, x, x, tgt_kpm, False, tgt_mask, True, tgt_is_causal)[0]

    def mha(x):
        return mha_2x(P, pre + "multihead_attn.", acfg, x, memory, memory, memory_kpm, False, memory_mask, True,
                      memory_is_causal)[0]

    def ff(x):
        return F.linear(activation(cfg["activation"], F.linear(x, P[pre + "linear1.weight"], P.get(pre + "linear1.bias"))),
                        P[pre + "linear2.weight"], P.get(pre + "linear2.bias"))

    x = tgt
    if cfg["norm_first"]:
        x = x + sa(layer_norm(P, pre + "norm1.", x, eps))
        x = x + mha(layer_norm(P, pre + "norm2.", x, eps))
        x = x + ff(layer_norm(P, pre + "norm3.", x, eps))
    else:
        x = layer_norm(P, pre + "norm1.", x + sa(x), eps)
        x = layer_norm(P, pre + "norm2.", x + mha(x), eps)
        x = layer_norm(P, pre + "norm3.", x + ff(x), eps)
    return x


def seq_len(src, batch_first):
    return src.shape[0] if src.dim() == 2 else src.shape[1 if batch_first else 0]


def detect_causal(mask, is_causal, size):
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.size(-2)
        cmp = torch.triu(torch.full((sz, sz), float("-inf"), dtype=mask.dtype), diagonal=1)
        make_causal = bool((mask == cmp).all()) if mask.size() == cmp.size() else False
    return make_causal


def encoder_2x(P, pre, cfg, n_layers, has_norm, src, mask=None, kpm=None, is_causal=None):
    kpm = canonical_mask(kpm, "src_key_padding_mask", None if mask is None else mask.dtype, "mask", src.dtype)
    mask = canonical_mask(mask, "mask", None, "", src.dtype, False)
    is_causal = detect_causal(mask, is_causal, seq_len(src, cfg["batch_first"]))
    out = src
    for i in range(n_layers):
        out = enc_layer_2x(P, "%slayers.%d." % (pre, i), cfg, out, mask, kpm, is_causal)
    if has_norm:
        out = layer_norm(P, pre + "norm.", out, cfg["eps"])
    return out


def decoder_2x(P, pre, cfg, n_layers, has_norm, tgt, memory, tgt_mask=None, memory_mask=None, tgt_kpm=None,
               memory_kpm=None, tgt_is_causal=None, memory_is_causal=False):
    tgt_is_causal = detect_causal(tgt_mask, tgt_is_causal, seq_len(tgt, cfg["batch_first"]))
    out = tgt
    for i in range(n_layers):
        out = dec_layer_2x(P, "%slayers.%d." % (pre, i), cfg, out, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm,
                           tgt_is_causal, memory_is_causal)
    if has_norm:
        out = layer_norm(P, pre + "norm.", out, cfg["eps"])
    return out


def transformer_2x(P, cfg, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_kpm=None, tgt_kpm=None,
                   memory_kpm=None, src_is_causal=None, tgt_is_causal=None, memory_is_causal=False):
    is_batched = src.dim() == 3
    if not cfg["batch_first"] and src.size(1) != tgt.size(1) and is_batched:
        raise RuntimeError("the batch number of src and tgt must be equal")
    elif cfg["batch_first"] and src.size(0) != tgt.size(0) and is_batched:
        raise RuntimeError("the batch number of src and tgt must be equal")
    if src.size(-1) != cfg["d_model"] or tgt.size(-1) != cfg["d_model"]:
        raise RuntimeError("the feature number of src and tgt must be equal to d_model")
    memory = encoder_2x(P, "encoder.", cfg, 1, True, src, src_mask, src_kpm, src_is_causal)
    return decoder_2x(P, "decoder.", cfg, 1, True, tgt, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm,
                      tgt_is_causal, memory_is_causal)


def layer_params(pre, cfg, dt, decoder=False):
    d, ff, bias = cfg["d_model"], cfg["ff"], cfg["bias"]
    P = mha_params(pre + "self_attn.", d, cfg["nhead"], bias, False, d, d, dt)
    if decoder:
        P += mha_params(pre + "multihead_attn.", d, cfg["nhead"], bias, False, d, d, dt)
    P.append((pre + "linear1.weight", ft([ff, d], dt, -0.8, 0.8)))
    if bias:
        P.append((pre + "linear1.bias", ft([ff], dt, -0.3, 0.3)))
    P.append((pre + "linear2.weight", ft([d, ff], dt, -0.8, 0.8)))
    if bias:
        P.append((pre + "linear2.bias", ft([d], dt, -0.3, 0.3)))
    for n in (["norm1", "norm2", "norm3"] if decoder else ["norm1", "norm2"]):
        P += norm_params(pre + n + ".", d, bias, dt)
    return P


def norm_params(pre, d, bias, dt):
    P = [(pre + "weight", ft([d], dt, 0.5, 1.5))]
    if bias:
        P.append((pre + "bias", ft([d], dt, -0.3, 0.3)))
    return P


# ---------------------------------------------------------------- cases

FAMILIES = {}


def family(name, weight):
    def reg(f):
        FAMILIES[name] = (f, weight)
        return f
    return reg


def dtype():
    return F32 if R.random() < 0.25 else F64


def emit(cid, fam, built):
    """built: (args [(name, tensor, requires_grad)], params [(name, tensor)] or None, kw, fn(a, P) -> result or
    (result, weights), same [names] sharing the first's tensor)."""
    args, params, kw, fn = built[:4]
    same = built[4] if len(built) > 4 else []
    views = built[5] if len(built) > 5 else {}
    dt = args[0][1].dtype
    lines = ["=== %s %s %s" % (cid, fam, str(dt).replace("torch.", ""))]
    a = {}
    rg = []
    for n, t, g in args:
        if n in same[1:]:
            continue
        lines.append("a %s %s" % (n, tline(t)))
        leaf = t.detach().clone().requires_grad_(g)
        a[n] = leaf
        if g:
            rg.append(n)
    for n in same[1:]:
        a[n] = a[same[0]]
    lines.append("rg " + " ".join(rg))
    if same:
        lines.append("same " + " ".join(same))
    leaves = dict(a)
    for n, how in views.items():
        lines.append("v %s %s" % (n, how))
        a[n] = view_of(a[n], how)
    P = {}
    for n, t in params or []:
        lines.append("p %s %s" % (n, tline(t)))
        P[n] = t.detach().clone().requires_grad_(t.dtype == F64)
    lines.append(("s %s %s" % (kw.pop("op"), " ".join("%s=%s" % (k, pv(v)) for k, v in kw.items()))).rstrip())
    lines.append("tol %s" % ("20" if dt == F32 else "100"))
    try:
        res = fn(a, P)
    except Exception as e:  # noqa
        lines.append("err " + err_text(e))
        return lines
    gf = None
    w = None
    if isinstance(res, dict):  # sdpa: the result and the node 2.x's dispatch makes
        y, gf = res["o"], res["gf"]
    elif isinstance(res, tuple):  # multi-head attention: the output and the weights
        y, w = res
        lines.append("ow " + ("N" if w is None else tline(w)))
    else:
        y = res
    lines.append("o " + tline(y))
    if dt != F64:
        return lines
    name = gf if gf is not None else (y.grad_fn.name() if y.grad_fn is not None else "None")
    lines.append("gf " + name)
    if w is not None:
        lines.append("gfw " + (w.grad_fn.name() if w.grad_fn is not None else "None"))
    if not y.requires_grad:
        return lines
    g = torch.tensor([R.choice([-1.0, -0.5, 0.25, 0.5, 1.0, 2.0]) for _ in range(y.numel())], dtype=F64).reshape(y.shape)
    lines.append("g " + tline(g))
    names = rg + ["p." + n for n in P]
    ins = [leaves[n] for n in rg] + [P[n] for n in P]
    grads = torch.autograd.grad((y * g).sum(), ins, allow_unused=True)
    for n, gr in zip(names, grads):
        lines.append("gx %s %s" % (n, "none" if gr is None else tline(gr)))
    return lines


def view_of(t, how):
    """an argument's view: "t12" transpose(1, 2) (a [B, L, H, E] tensor seen as [B, H, L, E]), "tlast" the last two
    dims transposed, "expand:a,b,.." expanded to that shape (stride 0)."""
    if how == "t12":
        return t.transpose(1, 2)
    if how == "tlast":
        return t.transpose(-2, -1)
    if how.startswith("expand:"):
        return t.expand([int(x) for x in how[7:].split(",")])
    raise ValueError(how)


def batch_dims():
    return [R.randint(0 if R.random() < 0.08 else 1, 3) for _ in range(R.choice([0, 1, 1, 2, 2, 2]))]


def maybe_ones(shape, p=0.3):
    return [1 if R.random() < p else s for s in shape]


@family("sdpa", 48)
def _():
    dt = dtype()
    bd = batch_dims()
    L = R.choice([0, 1, 1, 2, 3, 4, 5]) if R.random() < 0.95 else 0
    S = R.choice([0, 1, 2, 3, 4, 6]) if R.random() < 0.9 else L
    if R.random() < 0.05:
        L = S = 0
    E = R.choice([1, 1, 2, 3, 4, 8]) if R.random() < 0.95 else 0
    Ev = E if R.random() < 0.6 else R.choice([0, 1, 2, 5])
    kbd = list(bd)
    if bd and R.random() < 0.15:  # key / value broadcast over a batch dim (the composition)
        kbd[R.randrange(len(kbd))] = 1
    q, k, v = ft(bd + [L, E], dt), ft(kbd + [S, E], dt), ft(kbd + [S, Ev], dt)
    args = [("query", q, dt == F64), ("key", k, dt == F64), ("value", v, dt == F64)]
    attn_bd = [max(x, y) for x, y in zip(bd, kbd)]
    is_causal = False
    mode = R.random()
    if mode < 0.3:
        mask = None
        is_causal = R.random() < 0.5
    else:
        full = attn_bd + [L, S]
        nd = R.randint(max(0, len(full) - 2) if R.random() < 0.5 else 1, len(full))
        ms = maybe_ones(full[len(full) - nd:])
        if mode < 0.65:
            mask = bmask(ms, R.choice([0.5, 0.8]), 0.4)
        else:
            mdt = dt if R.random() < 0.7 else F32
            mask = fmask(ms, mdt, 0.3)
        args.append(("attn_mask", mask, mask.dtype == F64 and R.random() < 0.3))
    scale = None
    r = R.random()
    if r < 0.25:
        scale = R.choice([0.5, 2.0, 1.0, 0.125])
    elif r < 0.32:
        scale = R.choice([-0.5, -1.0])
    elif r < 0.35:
        scale = 0.0
    kw = {"op": "sdpa", "is_causal": is_causal, "scale": scale, "dropout_p": 0.0}
    return args, None, kw, lambda a, P: (lambda r: {"o": r[0], "gf": r[1]})(
        sdpa_2x(a["query"], a["key"], a["value"], a.get("attn_mask"), 0.0, is_causal, scale))


@family("sdpa4", 30)
def _():
    """4-D inputs the fused kernel takes (and its near misses)."""
    dt = dtype()
    B, H = R.randint(1, 2), R.randint(1, 3)
    L, S = R.randint(1, 5), R.randint(1, 5)
    E = R.choice([1, 2, 4, 8]) if R.random() < 0.96 else 0
    views = {}
    trans = R.random() < 0.3  # GPT's layout: [B, L, H, E] projections seen as [B, H, L, E]
    if trans:
        q, k, v = ft([B, L, H, E], dt), ft([B, S, H, E], dt), ft([B, S, H, E], dt)
        for n in ("query", "key", "value"):
            views[n] = "t12"
    else:
        q, k, v = ft([B, H, L, E], dt), ft([B, H, S, E], dt), ft([B, H, S, E], dt)
    if not trans and R.random() < 0.1:  # a query whose rows are not of stride 1 (the composition)
        q = ft([B, H, E, L], dt)
        views["query"] = "tlast"
    args = [("query", q, dt == F64), ("key", k, dt == F64), ("value", v, dt == F64)]
    is_causal = False
    r = R.random()
    if r < 0.35:
        is_causal = R.random() < 0.6
    else:
        shapes = [[L, S], [1, S], [L, 1], [B, H, L, S], [1, 1, L, S], [B, 1, L, S], [1, H, 1, S], [H, L, S], [1, L, S]]
        ms = R.choice(shapes)
        lay = R.random()
        stored = ms
        if lay < 0.12 and ms[-1] == S and S > 1:  # the mask's last dim expanded from 1 (stride 0)
            stored = ms[:-1] + [1]
            views["attn_mask"] = "expand:" + ",".join(str(x) for x in ms)
        elif lay < 0.22 and len(ms) >= 2:  # the mask's last two dims transposed
            stored = ms[:-2] + [ms[-1], ms[-2]]
            views["attn_mask"] = "tlast"
        elif lay < 0.32 and len(ms) == 4 and ms[0] == 1 and B > 1:  # a batch of one expanded (stride 0)
            views["attn_mask"] = "expand:" + ",".join(str(x) for x in [B] + ms[1:])
        if R.random() < 0.5:
            mask = bmask(stored, R.choice([0.5, 0.8]), 0.4)
        else:
            mask = fmask(stored, dt if R.random() < 0.7 else F32, 0.3)
        args.append(("attn_mask", mask, False))
    scale = R.choice([None, None, 0.3, -0.7])
    kw = {"op": "sdpa", "is_causal": is_causal, "scale": scale, "dropout_p": 0.0}
    return args, None, kw, lambda a, P: (lambda r: {"o": r[0], "gf": r[1]})(
        sdpa_2x(a["query"], a["key"], a["value"], a.get("attn_mask"), 0.0, is_causal, scale)), [], views


@family("sdpa_big", 2)
def _():
    """the fused kernel's blocks: longer sequences, fully masked rows, causal with L != S."""
    dt = dtype()
    B, H = 1, R.randint(1, 2)
    L, S = R.randint(20, 72), R.randint(20, 72)
    E = R.choice([8, 16, 17])
    q, k, v = ft([B, H, L, E], dt), ft([B, H, S, E], dt), ft([B, H, S, E], dt)
    args = [("query", q, dt == F64), ("key", k, dt == F64), ("value", v, dt == F64)]
    is_causal = R.random() < 0.4
    if not is_causal and R.random() < 0.8:
        ms = R.choice([[L, S], [B, H, L, S], [1, S]])
        mask = bmask(ms, 0.6, 0.9) if R.random() < 0.5 else fmask(ms, dt, 0.9)
        args.append(("attn_mask", mask, False))
    kw = {"op": "sdpa", "is_causal": is_causal, "scale": None, "dropout_p": 0.0}
    return args, None, kw, lambda a, P: (lambda r: {"o": r[0], "gf": r[1]})(
        sdpa_2x(a["query"], a["key"], a["value"], a.get("attn_mask"), 0.0, is_causal, None))


@family("sdpa_refuse", 10)
def _():
    kind = R.choice(["dtype", "rank", "mask_int", "mask_half", "mask_double", "causal_mask", "e_mismatch", "s_mismatch",
                     "mask_broadcast"])
    L, S, E = R.randint(1, 3), R.randint(1, 3), R.randint(1, 3)
    bd = [R.randint(1, 2)]
    q, k, v = ft(bd + [L, E]), ft(bd + [S, E]), ft(bd + [S, E])
    mask = None
    is_causal = False
    if kind == "dtype":
        which = R.randrange(3)
        if which == 0:
            q = q.to(F32)
        elif which == 1:
            k = k.to(F32)
        else:
            v = v.to(F32)
    elif kind == "rank":
        which = R.randrange(3)
        if which == 0:
            q = ft([E])
        elif which == 1:
            k = ft([E])
        else:
            v = ft([S])
    elif kind == "mask_int":
        mask = torch.tensor([R.randint(0, 1) for _ in range(L * S)], dtype=torch.int64).reshape(L, S)
    elif kind == "mask_half":
        mask = ft([L, S]).to(torch.float16)
    elif kind == "mask_double":
        q, k, v = q.to(F32), k.to(F32), v.to(F32)
        mask = ft([L, S])
    elif kind == "causal_mask":
        mask = bmask([L, S])
        is_causal = True
    elif kind == "e_mismatch":
        k = ft(bd + [S, E + 1])
    elif kind == "s_mismatch":
        v = ft(bd + [S + 1, E])
    else:
        mask = bmask([2] + bd + [L, S])
    args = [("query", q, False), ("key", k, False), ("value", v, False)]
    if mask is not None:
        args.append(("attn_mask", mask, False))
    kw = {"op": "sdpa", "is_causal": is_causal, "scale": None, "dropout_p": 0.0}
    return args, None, kw, lambda a, P: (lambda r: {"o": r[0], "gf": r[1]})(
        sdpa_2x(a["query"], a["key"], a["value"], a.get("attn_mask"), 0.0, is_causal, None))


def mha_call(a, P, cfg, kw):
    return mha_2x(P, "", cfg, a["query"], a["key"], a["value"], a.get("key_padding_mask"), kw["need_weights"],
                  a.get("attn_mask"), kw["average_attn_weights"], kw["is_causal"])


@family("mha", 40)
def _():
    dt = dtype()
    H = R.choice([1, 2, 2, 4])
    E = H * R.choice([1, 2, 2, 3])
    selfattn = R.random() < 0.3
    kdim = E if selfattn or R.random() < 0.6 else R.randint(1, 5)
    vdim = kdim if R.random() < 0.7 else R.randint(1, 5)
    if selfattn:
        vdim = E
    bias = R.random() < 0.75
    add_bias_kv = R.random() < 0.25
    add_zero_attn = R.random() < 0.25
    batch_first = R.random() < 0.4
    batched = R.random() < 0.8
    N, L = R.randint(1, 3), R.randint(1, 4)
    S = L if selfattn else R.randint(1, 4)
    if R.random() < 0.08:  # an empty batch, query or key sequence
        z = R.choice(["N", "L", "S"])
        N = 0 if z == "N" else N
        L = 0 if z == "L" or (z == "S" and selfattn) else L
        S = 0 if z == "S" or (z == "L" and selfattn) else S
    need_weights = R.random() < 0.5
    mdt = dt if need_weights or R.random() < 0.85 else F32  # SDPA takes a float32 mask with any query

    def shp(n_, e_):
        if not batched:
            return [n_, e_]
        return [N, n_, e_] if batch_first else [n_, N, e_]

    query = ft(shp(L, E), dt)
    key = query if selfattn else ft(shp(S, kdim), dt)
    value = query if selfattn else (key if kdim == vdim and R.random() < 0.3 else ft(shp(S, vdim), dt))
    same = ["query", "key", "value"] if selfattn else (["key", "value"] if value is key else [])
    args = [("query", query, dt == F64), ("key", key, dt == F64), ("value", value, dt == F64)]
    Sx = S + (1 if add_bias_kv else 0) + (1 if add_zero_attn else 0)
    kpm = None
    if R.random() < 0.4:
        ks = [N, S] if batched else [S]
        kpm = bmask(ks, 0.3) if R.random() < 0.6 else fmask(ks, mdt)
        if kpm.dtype == torch.bool and kpm.numel() > 0 and R.random() < 0.3:  # an entry whose every key is padding
            kpm.view(-1, S)[R.randrange(kpm.numel() // S)] = True
        args.append(("key_padding_mask", kpm, False))
    average = R.random() < 0.6
    is_causal = False
    if R.random() < 0.5:
        if R.random() < 0.5 or not batched:
            ms = [L, S]
        else:
            ms = [N * H, L, S]
        r = R.random()
        if r < 0.2 and L == S:  # the square subsequent mask (a causal one)
            m = torch.triu(torch.full((L, S), float("-inf"), dtype=dt), diagonal=1)
            if R.random() < 0.5:
                m = m.isinf()
            if len(ms) == 3:
                m = m.expand(ms).clone()
        elif r < 0.6:
            m = bmask(ms, 0.3, 0.3).logical_not() if R.random() < 0.5 else bmask(ms, 0.25)
        else:
            m = fmask(ms, mdt, 0.2)
        args.append(("attn_mask", m, m.dtype == F64 and R.random() < 0.2))
        is_causal = R.random() < 0.3
    params = mha_params("", E, H, bias, add_bias_kv, kdim, vdim, dt)
    cfg = dict(embed_dim=E, num_heads=H, batch_first=batch_first, add_zero_attn=add_zero_attn)
    kw = {"op": "mha", "embed_dim": E, "num_heads": H, "bias": bias, "add_bias_kv": add_bias_kv,
          "add_zero_attn": add_zero_attn, "kdim": kdim, "vdim": vdim, "batch_first": batch_first,
          "need_weights": need_weights, "average_attn_weights": average, "is_causal": is_causal}
    kw.update(eval_mode())
    kw2 = dict(kw)
    return args, params, kw, lambda a, P: mha_call(a, P, cfg, kw2), same


@family("mha_refuse", 6)
def _():
    kind = R.choice(["kpm_int", "mask_int", "causal_no_mask", "mask2d_shape", "mask3d_shape", "kpm_shape", "rank",
                     "embed", "kv_shape", "kv_batch", "q_batch", "mask_rank", "kpm_rank", "unbatched_mask3d"])
    H, E = 2, 4
    N, L, S = 2, 3, R.choice([2, 4])
    query, key, value = ft([L, N, E]), ft([S, N, E]), ft([S, N, E])
    kpm = mask = None
    is_causal = False
    if kind == "kpm_int":
        kpm = torch.zeros(N, S, dtype=torch.int64)
    elif kind == "mask_int":
        mask = torch.ones(L, S, dtype=torch.int32)
    elif kind == "causal_no_mask":
        is_causal = True
    elif kind == "mask2d_shape":
        mask = bmask([L, S + 1])
    elif kind == "mask3d_shape":
        mask = bmask([N, L, S])
    elif kind == "kpm_shape":
        kpm = bmask([N, S + 1])
    elif kind == "rank":
        key = ft([S, E])
    elif kind == "kv_shape":
        value = ft([S + 1, N, E])
    elif kind == "kv_batch":
        value = ft([S, N + 1, E])
    elif kind == "q_batch":
        query = ft([L, N + 1, E])
    elif kind == "mask_rank":
        mask = bmask([1, N * H, L, S])
    elif kind == "kpm_rank":
        kpm = bmask([S])
    elif kind == "unbatched_mask3d":
        query, key, value = ft([L, E]), ft([S, E]), ft([S, E])
        mask = bmask([H + 1, L, S])
    else:
        query = ft([L, N, E + 2])
    args = [("query", query, True), ("key", key, True), ("value", value, True)]
    if kpm is not None:
        args.append(("key_padding_mask", kpm, False))
    if mask is not None:
        args.append(("attn_mask", mask, False))
    params = mha_params("", E, H, True, False, E, E, F64)
    cfg = dict(embed_dim=E, num_heads=H, batch_first=False, add_zero_attn=False)
    kw = {"op": "mha", "embed_dim": E, "num_heads": H, "bias": True, "add_bias_kv": False, "add_zero_attn": False,
          "kdim": E, "vdim": E, "batch_first": False, "need_weights": R.random() < 0.5, "average_attn_weights": True,
          "is_causal": is_causal}
    kw2 = dict(kw)
    return args, params, kw, lambda a, P: mha_call(a, P, cfg, kw2)


def layer_cfg():
    H = R.choice([1, 2, 2])
    return dict(d_model=H * R.choice([2, 2, 3]), nhead=H, ff=R.randint(2, 6), activation=R.choice(
        ["relu", "relu", "gelu", "tanh", "silu", "gelu_tanh"]), eps=R.choice([1e-5, 1e-5, 1e-3, 0.1]),
        batch_first=R.random() < 0.4, norm_first=R.random() < 0.4, bias=R.random() < 0.75)


def seq(cfg, n, L, dt, batched=True):
    d = cfg["d_model"]
    if not batched:
        return ft([L, d], dt)
    return ft([n, L, d] if cfg["batch_first"] else [L, n, d], dt)


def draw_mask(L, S, N, H, dt, batched):
    r = R.random()
    if r < 0.35:
        return None
    if r < 0.5 and L == S:
        m = torch.triu(torch.full((L, S), float("-inf"), dtype=dt), diagonal=1)
        return m.isinf() if R.random() < 0.4 else m
    ms = [L, S] if R.random() < 0.7 or not batched else [N * H, L, S]
    return bmask(ms, 0.25) if R.random() < 0.5 else fmask(ms, dt, 0.15)


def draw_kpm(N, S, dt, batched):
    if R.random() < 0.6:
        return None
    ks = [N, S] if batched else [S]
    return bmask(ks, 0.3) if R.random() < 0.6 else fmask(ks, dt)


def eval_mode():
    """now and then eval mode with a dropout probability: no dropout (nn.Dropout and multi_head_attention_forward's
    dropout_p = 0 outside training), and, the parameters requiring grad, not 2.x's inference fast path."""
    if R.random() < 0.2:
        return {"training": False, "dropout": R.choice([0.1, 0.5])}
    return {"training": True, "dropout": 0.0}


def cfg_kw(op, cfg):
    kw = {"op": op}
    kw.update(eval_mode())
    for k in ("d_model", "nhead", "ff", "activation", "eps", "batch_first", "norm_first", "bias"):
        kw[k] = cfg[k]
    return kw


@family("enclayer", 14)
def _():
    dt = dtype()
    cfg = layer_cfg()
    N, L = R.randint(1, 2), R.randint(1, 4)
    batched = R.random() < 0.85
    args = [("src", seq(cfg, N, L, dt, batched), dt == F64)]
    m = draw_mask(L, L, N, cfg["nhead"], dt, batched)
    kpm = draw_kpm(N, L, dt, batched)
    if m is not None:
        args.append(("src_mask", m, False))
    if kpm is not None:
        args.append(("src_key_padding_mask", kpm, False))
    is_causal = m is not None and R.random() < 0.3
    kw = cfg_kw("enclayer", cfg)
    kw["is_causal"] = is_causal
    return args, layer_params("", cfg, dt), kw, lambda a, P: enc_layer_2x(
        P, "", cfg, a["src"], a.get("src_mask"), a.get("src_key_padding_mask"), is_causal)


@family("declayer", 12)
def _():
    dt = dtype()
    cfg = layer_cfg()
    N, L, S = R.randint(1, 2), R.randint(1, 4), R.randint(1, 4)
    batched = R.random() < 0.85
    args = [("tgt", seq(cfg, N, L, dt, batched), dt == F64), ("memory", seq(cfg, N, S, dt, batched), dt == F64)]
    tm = draw_mask(L, L, N, cfg["nhead"], dt, batched)
    mm = draw_mask(L, S, N, cfg["nhead"], dt, batched)
    tk = draw_kpm(N, L, dt, batched)
    mk = draw_kpm(N, S, dt, batched)
    for n, t in [("tgt_mask", tm), ("memory_mask", mm), ("tgt_key_padding_mask", tk),
                 ("memory_key_padding_mask", mk)]:
        if t is not None:
            args.append((n, t, False))
    tic = tm is not None and R.random() < 0.3
    mic = R.random() < 0.1
    kw = cfg_kw("declayer", cfg)
    kw["tgt_is_causal"] = tic
    kw["memory_is_causal"] = mic
    return args, layer_params("", cfg, dt, True), kw, lambda a, P: dec_layer_2x(
        P, "", cfg, a["tgt"], a["memory"], a.get("tgt_mask"), a.get("memory_mask"), a.get("tgt_key_padding_mask"),
        a.get("memory_key_padding_mask"), tic, mic)


@family("encoder", 8)
def _():
    dt = dtype()
    cfg = layer_cfg()
    N, L = R.randint(1, 2), R.randint(1, 4)
    batched = R.random() < 0.85
    args = [("src", seq(cfg, N, L, dt, batched), dt == F64)]
    m = draw_mask(L, L, N, cfg["nhead"], dt, batched)
    kpm = draw_kpm(N, L, dt, batched)
    if m is not None:
        args.append(("mask", m, False))
    if kpm is not None:
        args.append(("src_key_padding_mask", kpm, False))
    is_causal = R.choice([None, None, False, True]) if m is not None else R.choice([None, None, False, True])
    has_norm = R.random() < 0.6
    params = layer_params("layers.0.", cfg, dt) + layer_params("layers.1.", cfg, dt)
    if has_norm:
        params += norm_params("norm.", cfg["d_model"], cfg["bias"], dt)
    kw = cfg_kw("encoder", cfg)
    kw["is_causal"] = is_causal
    kw["norm"] = has_norm
    return args, params, kw, lambda a, P: encoder_2x(P, "", cfg, 2, has_norm, a["src"], a.get("mask"),
                                                     a.get("src_key_padding_mask"), is_causal)


@family("transformer", 6)
def _():
    dt = dtype()
    cfg = layer_cfg()
    N, L, S = R.randint(1, 2), R.randint(1, 3), R.randint(1, 3)
    batched = R.random() < 0.85
    args = [("src", seq(cfg, N, S, dt, batched), dt == F64), ("tgt", seq(cfg, N, L, dt, batched), dt == F64)]
    sm = draw_mask(S, S, N, cfg["nhead"], dt, batched)
    tm = draw_mask(L, L, N, cfg["nhead"], dt, batched)
    mm = draw_mask(L, S, N, cfg["nhead"], dt, batched) if R.random() < 0.5 else None
    sk = draw_kpm(N, S, dt, batched)
    tk = draw_kpm(N, L, dt, batched)
    mk = draw_kpm(N, S, dt, batched) if sk is None else (sk if R.random() < 0.5 else None)
    for n, t in [("src_mask", sm), ("tgt_mask", tm), ("memory_mask", mm), ("src_key_padding_mask", sk),
                 ("tgt_key_padding_mask", tk), ("memory_key_padding_mask", mk)]:
        if t is not None:
            args.append((n, t.clone(), False))
    sic = R.choice([None, None, True]) if sm is not None else None
    tic = R.choice([None, None, True, False]) if tm is not None else None
    params = layer_params("encoder.layers.0.", cfg, dt) + norm_params("encoder.norm.", cfg["d_model"], cfg["bias"], dt)
    params += layer_params("decoder.layers.0.", cfg, dt, True) + norm_params("decoder.norm.", cfg["d_model"],
                                                                             cfg["bias"], dt)
    kw = cfg_kw("transformer", cfg)
    kw["src_is_causal"] = sic
    kw["tgt_is_causal"] = tic
    return args, params, kw, lambda a, P: transformer_2x(
        P, cfg, a["src"], a["tgt"], a.get("src_mask"), a.get("tgt_mask"), a.get("memory_mask"),
        a.get("src_key_padding_mask"), a.get("tgt_key_padding_mask"), a.get("memory_key_padding_mask"), sic, tic)


@family("layer_refuse", 4)
def _():
    kind = R.choice(["batch", "feature", "mem_causal", "kpm_int", "mask_int", "ranks"])
    cfg = dict(d_model=4, nhead=2, ff=3, activation="relu", eps=1e-5, batch_first=R.random() < 0.5,
               norm_first=False, bias=True)
    if kind in ("batch", "feature", "ranks"):
        src = seq(cfg, 2, 3, F64, kind != "ranks")
        tgt = seq(cfg, 1 if kind == "batch" else 2, 2, F64)
        if kind == "feature":
            tgt = ft(list(tgt.shape[:-1]) + [5])
        args = [("src", src, True), ("tgt", tgt, True)]
        params = layer_params("encoder.layers.0.", cfg, F64) + norm_params("encoder.norm.", 4, True, F64)
        params += layer_params("decoder.layers.0.", cfg, F64, True) + norm_params("decoder.norm.", 4, True, F64)
        kw = cfg_kw("transformer", cfg)
        kw["src_is_causal"] = None
        kw["tgt_is_causal"] = None
        return args, params, kw, lambda a, P: transformer_2x(P, cfg, a["src"], a["tgt"])
    if kind == "mem_causal":
        args = [("tgt", seq(cfg, 2, 3, F64), True), ("memory", seq(cfg, 2, 2, F64), True)]
        kw = cfg_kw("declayer", cfg)
        kw["tgt_is_causal"] = False
        kw["memory_is_causal"] = True
        return args, layer_params("", cfg, F64, True), kw, lambda a, P: dec_layer_2x(
            P, "", cfg, a["tgt"], a["memory"], memory_is_causal=True)
    src = seq(cfg, 2, 3, F64)
    args = [("src", src, True)]
    if kind == "kpm_int":
        args.append(("src_key_padding_mask", torch.zeros(2, 3, dtype=torch.int64), False))
    else:
        args.append(("src_mask", torch.zeros(3, 3, dtype=torch.int64), False))
    kw = cfg_kw("enclayer", cfg)
    kw["is_causal"] = False
    return args, layer_params("", cfg, F64), kw, lambda a, P: enc_layer_2x(
        P, "", cfg, a["src"], a.get("src_mask"), a.get("src_key_padding_mask"), False)


def fixes():
    """FuzzRound42FixesTest's cases (FUZZ_FIXES=1), one a fix."""
    out = []

    def sd(args, is_causal=False, scale=None, views=None):
        kw = {"op": "sdpa", "is_causal": is_causal, "scale": scale, "dropout_p": 0.0}
        return args, None, kw, lambda a, P: (lambda r: {"o": r[0], "gf": r[1]})(
            sdpa_2x(a["query"], a["key"], a["value"], a.get("attn_mask"), 0.0, is_causal, scale)), [], views or {}

    # a head dimension of 0 (E = Ev = 0) on 4-D inputs: 2.x's CPU dispatch has no head-size floor, so the fused node
    # (an empty output, empty gradients); Ember sent it to the composition
    out += emit("fix_sdpa_head_dim_0", "sdpa4", sd([("query", ft([2, 3, 4, 0]), True), ("key", ft([2, 3, 5, 0]), True),
                                                    ("value", ft([2, 3, 5, 0]), True)]))
    out += emit("fix_sdpa_head_dim_0_mask", "sdpa4", sd([("query", ft([1, 2, 3, 0]), True),
                                                         ("key", ft([1, 2, 2, 0]), True),
                                                         ("value", ft([1, 2, 2, 0]), True),
                                                         ("attn_mask", bmask([3, 2]), False)]))
    out += emit("fix_sdpa_head_dim_0_causal_gpt", "sdpa4", sd([("query", ft([2, 3, 2, 0]), True),
                                                               ("key", ft([2, 4, 2, 0]), True),
                                                               ("value", ft([2, 4, 2, 0]), True)], True, 0.5,
                                                              {"query": "t12", "key": "t12", "value": "t12"}))
    out += emit("fix_sdpa_head_dim_0_f32", "sdpa4", sd([("query", ft([1, 1, 2, 0], F32), False),
                                                        ("key", ft([1, 1, 3, 0], F32), False),
                                                        ("value", ft([1, 1, 3, 0], F32), False)]))
    # still the composition: value's head dim differs (equal head dims are a fused-kernel condition)
    out += emit("fix_sdpa_head_dim_0_value_1", "sdpa4", sd([("query", ft([1, 2, 3, 0]), True),
                                                            ("key", ft([1, 2, 2, 0]), True),
                                                            ("value", ft([1, 2, 2, 1]), True)]))
    return out


def main():
    if os.environ.get("FUZZ_FIXES"):
        print("\n".join(fixes()))
        return
    plan = []
    for n in sorted(FAMILIES):
        plan += [n] * max(1, int(round(FAMILIES[n][1] * 6 * SCALE_N)))
    R.shuffle(plan)
    out = []
    for k, n in enumerate(plan):
        out.extend(emit("r42_%d" % k, n, FAMILIES[n][0]()))
    print("\n".join(out))


main()
