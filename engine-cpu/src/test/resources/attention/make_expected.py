# Writes expected.txt: values, gradients, state dicts, printouts and error messages of scaled_dot_product_attention,
# nn.MultiheadAttention and the transformer layers, read by AttentionTest.java through PyTorchCases.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value": tensors as "x float64 [2, 3] : v v v" (row-major), "p.<key>" lines a
# module's state dict (parameters drawn here, so both sides hold the same weights), "out"/"w" the outputs, "gout" the
# output gradient and "grad_<name>" the gradients of sum(out * gout); "opt <name> <value>" the call's other arguments;
# "error <Type> <message>" an error case. Floats are printed with repr, so they read back exactly.
#
# Versions: Ember follows PyTorch 2.x; 1.13's facts are used except where 2.x differs (each written below from 2.x):
# - F.scaled_dot_product_attention is new in 2.0 (absent from 1.13). Its values here come from 2.x's math path written
#   in 1.13's ops (aten/src/ATen/native/transformers/attention.cpp, _scaled_dot_product_attention_math):
#   "scaling_factor = sdp::calculate_scale(query_, is_negative_scaling ? std::abs(scale.value()) : scale).sqrt();
#   const auto query = query_ * (is_negative_scaling ? c10::SymFloat(0.0) - scaling_factor : scaling_factor);"
#   is_causal: "attn_mask = at::ones_symint({L, S}, query.options().dtype(at::kBool)).tril();"; GQA:
#   "key.repeat_interleave_symint(repeat_key_shape, -3)"; then "auto attn = at::matmul(query, key_expanded.transpose(-2,
#   -1) * scaling_factor); attn.add_(*attn_mask); attn = at::_safe_softmax(attn, -1);" and "at::matmul(attn,
#   value_expanded)". A boolean mask is converted first (convert_boolean_attn_mask: "at::where(attn_mask->logical_not(),
#   -std::numeric_limits<double>::infinity(), at::scalar_tensor(0.0, ...dtype))").
# - _safe_softmax (2.5+, same file): "auto out = at::softmax(self, dim, dtype); ... const auto masked = self.eq(neg_inf);
#   const auto masked_rows = all(masked, dim, true); ... return at::where(masked_rows, zero, out);": a row whose every
#   score is -inf gives 0, not NaN; its node is SafeSoftmaxBackward0 with softmax's backward. The CPU fused kernel
#   (aten/src/ATen/native/cpu/FlashAttentionKernel.cpp, "Row sums for full masked out rows are 0, we set them to 1 in
#   order to avoid NaNs in the output and instead set fully masked out rows to 0") gives the same zeros.
# - The node of the fused CPU path is ScaledDotProductFlashAttentionForCpuBackward0 (derivatives.yaml entry
#   "_scaled_dot_product_flash_attention_for_cpu"); which path runs follows sdp_utils_cpp.cpp's use_flash_attention_cpp
#   (AttentionFusedTest checks the choice; here both paths are compared to the same values).
# - nn.MultiheadAttention: 2.x's F.multi_head_attention_forward converts masks with _canonical_mask and merges
#   key_padding_mask into attn_mask by addition, so a float key_padding_mask (0 / -inf) is allowed; 1.13 needs a bool
#   one. Such a case is computed here with the equivalent bool mask. 2.x's is_causal hint (absent from 1.13) with
#   need_weights=False drops attn_mask and asks scaled_dot_product_attention for is_causal: the values are those of the
#   causal mask, computed here with the mask. 2.x's in-projection of self-attention is one linear split by "unflatten(-1,
#   (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()": 1.13's chunk gives the same values.
# - TransformerEncoderLayer/TransformerDecoderLayer: "bias" is new in 2.1 (a layer without bias has no bias parameters
#   in its Linears, LayerNorms and attention): computed here with 1.13's layer whose biases are zeroed, and the state
#   dict keys are those without ".bias"/"in_proj_bias". "is_causal" (2.0) is a hint that the mask is causal: the values
#   are the mask's.
# - nn.ModuleList prints repeated modules once in 2.x ("(0-1): 2 x ..."): 2.x's __repr__ is installed below.
#
# Messages that 2.x words differently from 1.13, or that 1.13 does not have, as 2.x words them (sources above):
ERR_2X = {
    "sdpa_err_dtype": ("RuntimeError", "Expected query, key, and value to have the same dtype, but got query.dtype: float "
                       "key.dtype: double and value.dtype: float instead."),
    "sdpa_err_dims": ("RuntimeError", "Expected query, key, and value to all be  at least 2 dimensional, but got "
                      "query.dim: 1 key.dim: 2 and value.dim: 2 instead."),
    "sdpa_err_mask_dtype": ("RuntimeError", "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                            "attn_mask.dtype: long int and  query.dtype: double instead."),
    "sdpa_err_causal_mask": ("RuntimeError", "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                             "is_causal=True"),
    "sdpa_err_gqa": ("RuntimeError", "Number of heads in key and value must divide the number of heads in"),
    "mha_err_causal_no_mask": ("RuntimeError", "Need attn_mask if specifying the is_causal hint. You may use the "
                               "Transformer module method `generate_square_subsequent_mask` to create this mask."),
    "mha_err_mask_dtype": ("AssertionError", "only bool and floating types of attn_mask are supported"),
    "mha_err_ctor_zero": ("ValueError", "embed_dim and num_heads must be greater than 0, got embed_dim=0 and num_heads=2 "
                          "instead"),
}
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.module import _addindent

torch.manual_seed(0)
D = torch.float64
NEG = float("-inf")


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v)) for v in t.flatten().tolist())
    return f"{dtype} {shape} : {vals}"


def head(key):
    print("=== " + key)


def line(name, value):
    print(name + " " + value)


def err(key, fn):
    head(key)
    if key in ERR_2X:
        print("error " + ERR_2X[key][0] + " " + ERR_2X[key][1])
        return
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        print("error " + type(e).__name__ + " " + str(e).replace("\n", "\\n"))
        return
    print("value ok")


def r(*shape, lo=-2.0, hi=2.0, dtype=D):
    return (torch.rand(tuple(shape), dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def bool_mask(*shape, p=0.3, empty_rows=()):
    m = torch.rand(shape) >= p
    for i in empty_rows:
        m[..., i, :] = False
    return m


# ---------------------------------------------------------------- 2.x's math path in 1.13's ops
class SafeSoftmax(torch.autograd.Function):
    """2.x's _safe_softmax with its derivatives.yaml formula, "self: _softmax_backward_data(grad, result, dim,
    self.scalar_type())" (softmax's, from the saved result: a masked row's zeros give zero gradients)."""

    @staticmethod
    def forward(ctx, x, dim):
        out = torch.softmax(x, dim)
        masked_rows = (x == NEG).all(dim, keepdim=True)
        out = torch.where(masked_rows, torch.zeros((), dtype=out.dtype), out)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


def safe_softmax(x, dim):
    return SafeSoftmax.apply(x, dim)


def convert_boolean(mask, dtype):
    if mask is None or mask.dtype != torch.bool:
        return mask
    return torch.zeros(mask.shape, dtype=dtype).masked_fill_(mask.logical_not(), NEG)


def sdpa(q, k, v, mask=None, causal=False, scale=None, gqa=False):
    mask = convert_boolean(mask, q.dtype)
    negative = scale is not None and scale < 0
    factor = math.sqrt(1.0 / math.sqrt(q.size(-1)) if scale is None else abs(scale))
    query = q * (0.0 - factor if negative else factor)
    if causal:
        L, S = query.size(-2), k.size(-2)
        mask = convert_boolean(torch.ones(L, S, dtype=torch.bool).tril(), q.dtype)
    if gqa and not (q.size(-3) == k.size(-3) == v.size(-3)):
        k = k.repeat_interleave(q.size(-3) // k.size(-3), -3)
        v = v.repeat_interleave(q.size(-3) // v.size(-3), -3)
    attn = torch.matmul(query, k.transpose(-2, -1) * factor)
    if mask is not None:
        attn.add_(mask)
    attn = safe_softmax(attn, -1)
    return torch.matmul(attn, v)


def sdpa_case(key, q, k, v, mask=None, causal=False, scale=None, gqa=False, mask_grad=False):
    head(key)
    inputs = {"q": q, "k": k, "v": v}
    if mask is not None:
        inputs["m"] = mask
    leaves = {}
    for n, t in inputs.items():
        line(n, fmt(t))
        grad = t.dtype.is_floating_point and (n != "m" or mask_grad)
        leaves[n] = t.clone().requires_grad_(grad)
    line("opt causal", str(causal))
    line("opt scale", "None" if scale is None else repr(float(scale)))
    line("opt gqa", str(gqa))
    out = sdpa(leaves["q"], leaves["k"], leaves["v"], leaves.get("m"), causal, scale, gqa)
    line("out", fmt(out))
    gout = r(*out.shape, dtype=out.dtype)
    line("gout", fmt(gout))
    (out * gout).sum().backward()
    for n, t in leaves.items():
        if t.grad is not None:
            line("grad_" + n, fmt(t.grad))


# ---------------------------------------------------------------- scaled_dot_product_attention
# 4-D inputs that Ember (as PyTorch's CPU dispatch) sends to the fused kernel
sdpa_case("sdpa_4d", r(2, 2, 5, 4), r(2, 2, 7, 4), r(2, 2, 7, 4))
sdpa_case("sdpa_4d_causal_l_lt_s", r(1, 2, 4, 3), r(1, 2, 6, 3), r(1, 2, 6, 3), causal=True)
sdpa_case("sdpa_4d_causal_l_gt_s", r(1, 1, 6, 3), r(1, 1, 4, 3), r(1, 1, 4, 3), causal=True)
sdpa_case("sdpa_4d_bool_mask_masked_row", r(2, 2, 5, 4), r(2, 2, 7, 4), r(2, 2, 7, 4),
          mask=bool_mask(5, 7, empty_rows=(1,)))
sdpa_case("sdpa_4d_float_mask_scale", r(2, 2, 5, 4), r(2, 2, 7, 4), r(2, 2, 7, 4), mask=r(2, 1, 5, 7), scale=0.3)
sdpa_case("sdpa_4d_key_padding", r(2, 2, 5, 4), r(2, 2, 7, 4), r(2, 2, 7, 4), mask=bool_mask(2, 1, 1, 7))
sdpa_case("sdpa_4d_negative_scale_causal", r(1, 2, 5, 4), r(1, 2, 5, 4), r(1, 2, 5, 4), causal=True, scale=-0.5)
sdpa_case("sdpa_4d_gqa", r(1, 4, 5, 4), r(1, 2, 7, 4), r(1, 2, 7, 4), gqa=True)
sdpa_case("sdpa_4d_gqa_causal", r(2, 6, 5, 4), r(2, 3, 5, 4), r(2, 3, 5, 4), causal=True, gqa=True)
sdpa_case("sdpa_4d_float32", r(2, 2, 5, 4, dtype=torch.float32), r(2, 2, 7, 4, dtype=torch.float32),
          r(2, 2, 7, 4, dtype=torch.float32), mask=bool_mask(2, 2, 5, 7, empty_rows=(3,)))
# inputs the composition computes
sdpa_case("sdpa_3d", r(3, 5, 4), r(3, 7, 4), r(3, 7, 4))
sdpa_case("sdpa_3d_float_mask_grad", r(3, 5, 4), r(3, 7, 4), r(3, 7, 4), mask=r(3, 5, 7), mask_grad=True)
sdpa_case("sdpa_2d_bool_mask_masked_row", r(5, 4), r(7, 4), r(7, 4), mask=bool_mask(5, 7, empty_rows=(0, 3)))
sdpa_case("sdpa_batch_broadcast", r(2, 3, 5, 4), r(1, 3, 7, 4), r(1, 3, 7, 4), causal=True)
sdpa_case("sdpa_value_dim", r(2, 2, 5, 4), r(2, 2, 7, 4), r(2, 2, 7, 6))
sdpa_case("sdpa_gqa_3d_mask", r(1, 4, 5, 4), r(1, 2, 7, 4), r(1, 1, 7, 4), mask=r(4, 5, 7), gqa=True)
sdpa_case("sdpa_4d_mask_grad", r(1, 2, 3, 4), r(1, 2, 5, 4), r(1, 2, 5, 4), mask=r(3, 5), mask_grad=True)
sdpa_case("sdpa_empty_keys", r(2, 3, 4), r(2, 0, 4), r(2, 0, 5))

q4, k4 = r(1, 2, 3, 4), r(1, 2, 5, 4)
err("sdpa_err_dtype", None)
err("sdpa_err_dims", None)
err("sdpa_err_mask_dtype", None)
err("sdpa_err_causal_mask", None)
err("sdpa_err_gqa", None)
# the composition's own error (a key of another head dimension reaches matmul)
err("sdpa_err_head_dim", lambda: sdpa(r(3, 5, 4), r(3, 7, 3), r(3, 7, 4)))


# ---------------------------------------------------------------- nn.MultiheadAttention
def randomized(module):
    """Every parameter drawn anew (biases too), so that a test sees all of them."""
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.6, 0.6)
    return module


def state(module):
    for k, v in module.state_dict().items():
        line("p." + k, fmt(v))


def param_grads(module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            line("grad_p." + k, fmt(p.grad))


DATA = ("x", "q", "k", "v", "mem", "src", "tgt")  # the inputs that take gradients (masks do not)


def module_case(key, module, inputs, call, opts=(), feed=None):
    """inputs: name -> tensor (the DATA ones take gradients); call(**leaves) returns out or (out, weights).
    feed: name -> tensor given to Ember instead of the input of that name (an equivalent argument 2.x takes)."""
    head(key)
    for o in opts:
        line("opt " + o[0], str(o[1]))
    state(module)
    leaves = {}
    for n, t in inputs.items():
        line(n, fmt(feed[n] if feed and n in feed else t))
        leaves[n] = t.clone().requires_grad_(t.dtype.is_floating_point and n in DATA)
    res = call(**leaves)
    out, w = (res if isinstance(res, tuple) else (res, None))
    line("out", fmt(out))
    if w is not None:
        line("w", fmt(w))
    gout = r(*out.shape)
    line("gout", fmt(gout))
    (out * gout).sum().backward()
    for n, t in leaves.items():
        if t.grad is not None:
            line("grad_" + n, fmt(t.grad))
    param_grads(module)


def mha(embed, heads, **kw):
    return randomized(nn.MultiheadAttention(embed, heads, dtype=D, **kw)).eval()


m = mha(6, 2)
module_case("mha_self_seqfirst", m, {"x": r(4, 2, 6)}, lambda x: m(x, x, x, need_weights=True))
m = mha(6, 2, batch_first=True)
kpm = bool_mask(2, 5, p=0.25)
kpm[:, 0] = False
module_case("mha_self_batchfirst_masks", m, {"x": r(2, 5, 6), "kpm": kpm, "am": r(5, 5)},
            lambda x, kpm, am: m(x, x, x, key_padding_mask=kpm, attn_mask=am, need_weights=False),
            opts=[("need_weights", False)])
m = mha(6, 2)
am3 = bool_mask(4, 3, 5, p=0.3)
am3[..., 0] = False
module_case("mha_cross_bool3d_per_head", m, {"q": r(3, 2, 6), "mem": r(5, 2, 6), "am": am3},
            lambda q, mem, am: m(q, mem, mem, attn_mask=am, need_weights=True, average_attn_weights=False),
            opts=[("average", False)])
m = mha(6, 3, kdim=4, vdim=3)
kpm = bool_mask(2, 5, p=0.3)
kpm[:, 1] = False
module_case("mha_kvdim", m, {"q": r(3, 2, 6), "k": r(5, 2, 4), "v": r(5, 2, 3), "kpm": kpm},
            lambda q, k, v, kpm: m(q, k, v, key_padding_mask=kpm, need_weights=False), opts=[("need_weights", False)])
m = mha(6, 2)
module_case("mha_unbatched", m, {"x": r(4, 6)}, lambda x: m(x, x, x))
m = mha(6, 2, bias=False)
module_case("mha_nobias", m, {"x": r(4, 2, 6)}, lambda x: m(x, x, x, need_weights=False), opts=[("need_weights", False)])
m = mha(6, 2, batch_first=True)
causal = torch.triu(torch.full((5, 5), NEG, dtype=D), diagonal=1)
module_case("mha_causal_hint", m, {"x": r(2, 5, 6), "am": causal},
            lambda x, am: m(x, x, x, attn_mask=am, need_weights=False), opts=[("need_weights", False), ("is_causal", True)])
m = mha(6, 2)
kpm = bool_mask(2, 5, p=0.3)
kpm[:, 2] = False
module_case("mha_float_key_padding", m, {"q": r(3, 2, 6), "mem": r(5, 2, 6), "kpm": kpm},
            lambda q, mem, kpm: m(q, mem, mem, key_padding_mask=kpm),
            feed={"kpm": torch.zeros(2, 5, dtype=D).masked_fill_(kpm, NEG)})

head("mha_print")
print("value " + repr(str(nn.MultiheadAttention(6, 2))))
head("mha_keys")
print("value " + " ".join(nn.MultiheadAttention(6, 2).state_dict().keys()))
head("mha_keys_kvdim")
print("value " + " ".join(nn.MultiheadAttention(6, 2, kdim=4, vdim=3).state_dict().keys()))
head("mha_keys_nobias")
print("value " + " ".join(nn.MultiheadAttention(6, 2, bias=False).state_dict().keys()))

m6 = nn.MultiheadAttention(6, 2)
x6 = r(4, 2, 6, dtype=torch.float32)
err("mha_err_causal_no_mask", None)
err("mha_err_mask_dtype", None)
err("mha_err_ctor_zero", None)
err("mha_err_ctor_divisible", lambda: nn.MultiheadAttention(6, 4))
err("mha_err_query_4d", lambda: m6(x6.unsqueeze(0), x6.unsqueeze(0), x6.unsqueeze(0)))
err("mha_err_key_2d", lambda: m6(x6, x6[0], x6[0]))
err("mha_err_kpm_dim", lambda: m6(x6, x6, x6, key_padding_mask=torch.zeros(2, 4, 1, dtype=torch.bool)))
err("mha_err_mask_2d_shape", lambda: m6(x6, x6, x6, attn_mask=torch.zeros(3, 4)))
err("mha_err_mask_3d_shape", lambda: m6(x6, x6, x6, attn_mask=torch.zeros(2, 4, 4)))
err("mha_err_mask_4d", lambda: m6(x6, x6, x6, attn_mask=torch.zeros(1, 4, 4, 4)))
err("mha_err_kpm_shape", lambda: m6(x6, x6, x6, key_padding_mask=torch.zeros(2, 3, dtype=torch.bool)))
err("mha_err_embed", lambda: m6(x6[..., :5], x6[..., :5], x6[..., :5]))
err("mha_err_kv_shape", lambda: m6(x6, x6, x6[:3]))


# ---------------------------------------------------------------- transformer layers
def _modulelist_repr_2x(self):
    """2.x's ModuleList.__repr__ (torch/nn/modules/container.py), installed over 1.13's."""
    list_of_reprs = [repr(item) for item in self]
    if len(list_of_reprs) == 0:
        return self._get_name() + "()"
    start_end_indices = [[0, 0]]
    repeated_blocks = [list_of_reprs[0]]
    for i, rr in enumerate(list_of_reprs[1:], 1):
        if rr == repeated_blocks[-1]:
            start_end_indices[-1][1] += 1
            continue
        start_end_indices.append([i, i])
        repeated_blocks.append(rr)
    lines = []
    main_str = self._get_name() + "("
    for (start_id, end_id), b in zip(start_end_indices, repeated_blocks):
        local_repr = f"({start_id}): {b}"
        if start_id != end_id:
            n = end_id - start_id + 1
            local_repr = f"({start_id}-{end_id}): {n} x {b}"
        local_repr = _addindent(local_repr, 2)
        lines.append(local_repr)
    main_str += "\n  " + "\n  ".join(lines) + "\n"
    main_str += ")"
    return main_str


nn.ModuleList.__repr__ = _modulelist_repr_2x


def layer(cls, **kw):
    kw.setdefault("dim_feedforward", 16)
    return randomized(cls(8, 2, dtype=D, **kw)).eval()


causal5 = torch.triu(torch.full((5, 5), NEG, dtype=D), diagonal=1)
causal4 = torch.triu(torch.full((4, 4), NEG, dtype=D), diagonal=1)
enc = layer(nn.TransformerEncoderLayer)
kpm = bool_mask(2, 5, p=0.3)
kpm[:, 0] = False
module_case("enc_post_relu", enc, {"src": r(5, 2, 8), "mask": causal5, "kpm": kpm},
            lambda src, mask, kpm: enc(src, src_mask=mask, src_key_padding_mask=kpm))
enc = layer(nn.TransformerEncoderLayer, activation="gelu", norm_first=True, batch_first=True)
module_case("enc_pre_gelu_batchfirst", enc, {"src": r(2, 5, 8)}, lambda src: enc(src),
            opts=[("norm_first", True), ("activation", "gelu"), ("batch_first", True)])
enc = layer(nn.TransformerEncoderLayer, batch_first=True)
module_case("enc_causal_hint", enc, {"src": r(2, 5, 8), "mask": causal5}, lambda src, mask: enc(src, src_mask=mask),
            opts=[("batch_first", True), ("is_causal", True)])
enc = layer(nn.TransformerEncoderLayer)
with torch.no_grad():  # 2.1's bias=False stands as 1.13's layer with every bias zero
    for n, p in enc.named_parameters():
        if n.endswith("bias"):
            p.zero_()
head("enc_nobias_keys")
print("value " + " ".join(k for k in enc.state_dict().keys() if not k.endswith("bias")))
module_case("enc_nobias", enc, {"src": r(5, 2, 8)}, lambda src: enc(src), opts=[("bias", False)])

dec = layer(nn.TransformerDecoderLayer)
tkpm = bool_mask(2, 4, p=0.3)
tkpm[:, 0] = False
mkpm = bool_mask(2, 5, p=0.3)
mkpm[:, 1] = False
module_case("dec_post_relu", dec, {"tgt": r(4, 2, 8), "mem": r(5, 2, 8), "tmask": causal4, "tkpm": tkpm, "mkpm": mkpm},
            lambda tgt, mem, tmask, tkpm, mkpm: dec(tgt, mem, tgt_mask=tmask, tgt_key_padding_mask=tkpm,
                                                    memory_key_padding_mask=mkpm))
dec = layer(nn.TransformerDecoderLayer, activation="gelu", norm_first=True, batch_first=True)
mmask = bool_mask(4, 5, p=0.3)
mmask[:, 0] = False
module_case("dec_pre_gelu_batchfirst", dec, {"tgt": r(2, 4, 8), "mem": r(2, 5, 8), "mmask": mmask},
            lambda tgt, mem, mmask: dec(tgt, mem, memory_mask=mmask),
            opts=[("norm_first", True), ("activation", "gelu"), ("batch_first", True)])

stack = randomized(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dtype=D), 2,
                                         norm=nn.LayerNorm(8, dtype=D))).eval()
module_case("encoder_stack_causal", stack, {"src": r(5, 2, 8), "mask": causal5}, lambda src, mask: stack(src, mask=mask))
dstack = randomized(nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dtype=D), 2,
                                          norm=nn.LayerNorm(8, dtype=D))).eval()
module_case("decoder_stack", dstack, {"tgt": r(4, 2, 8), "mem": r(5, 2, 8), "tmask": causal4},
            lambda tgt, mem, tmask: dstack(tgt, mem, tgt_mask=tmask))
tr = randomized(nn.Transformer(8, 2, 1, 1, 16, batch_first=True, dtype=D)).eval()
module_case("transformer", tr, {"src": r(2, 5, 8), "tgt": r(2, 4, 8), "tmask": causal4},
            lambda src, tgt, tmask: tr(src, tgt, tgt_mask=tmask), opts=[("batch_first", True)])

head("enc_layer_print")
print("value " + repr(str(nn.TransformerEncoderLayer(8, 2, 16))))
head("enc_layer_gelu_module_print")
print("value " + repr(str(nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU()))))
head("dec_layer_print")
print("value " + repr(str(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.2))))
head("encoder_print")
print("value " + repr(str(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)))))
head("encoder_keys")
print("value " + " ".join(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8))
                          .state_dict().keys()))
head("decoder_keys")
print("value " + " ".join(nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2).state_dict().keys()))
head("transformer_keys")
print("value " + " ".join(nn.Transformer(8, 2, 1, 1, 16).state_dict().keys()))

err("enc_err_activation", lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh"))
err("transformer_err_batch", lambda: nn.Transformer(8, 2, 1, 1, 16)(torch.zeros(5, 2, 8), torch.zeros(4, 3, 8)))
err("transformer_err_features", lambda: nn.Transformer(8, 2, 1, 1, 16)(torch.zeros(5, 2, 8), torch.zeros(4, 2, 6)))
