# Writes expected.txt: scaled_dot_product_attention of float16 and bfloat16 inputs (values and gradients), as PyTorch
# 2.x's fused CPU kernel computes them, read by AttentionHalfTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value": tensors as "x float64 [2, 3] : v v v" (row-major; half values are
# exact in float64), "opt <name> <value>" the call's other arguments, "out" the output, "gout" the output gradient and
# "grad_<name>" the gradients of sum(out * gout), each of the input type; "out32"/"grad32_<name>" the same in float32
# before the one rounding.
#
# Versions: Ember follows PyTorch 2.x; F.scaled_dot_product_attention is absent from 1.13, so the values are composed
# here from 1.13's ops (as ../attention/make_expected.py does, sources there):
# - 2.x's CPU dispatch (aten/src/ATen/native/transformers/sdp_utils_cpp.cpp, use_flash_attention_cpp; check_tensor_dtype
#   with "cpp_supported_flash_dtypes = array_of<at::ScalarType>(at::kFloat, at::kDouble, at::kBFloat16, at::kHalf)")
#   takes _scaled_dot_product_flash_attention_for_cpu for float16 and bfloat16 too (node
#   ScaledDotProductFlashAttentionForCpuBackward0). Its kernel (aten/src/ATen/native/cpu/FlashAttentionKernel.cpp)
#   computes in "using accum_t = at::opmath_type<scalar_t>;" (float for the half types): scores, the online softmax
#   statistics and the output accumulator are float, the logsumexp is float ("accumulate_dtype"), and out and the
#   gradients are converted to the input type once at the end. The reference here is that computation: the math path
#   in float32 on the (exactly widened) half inputs, each result rounded once to the input type (round to nearest
#   even, torch's .to()). The kernel also rounds the unnormalized probabilities to the input type before its P V GEMM
#   ("qk_reduced_data"), which this float32 reference does not: the test's tolerances (PyTorch's default rtol for
#   each type, torch.testing: float16 1e-3, bfloat16 1.6e-2) cover that difference.
# - A boolean mask becomes an additive mask of the query's type (convert_boolean_attn_mask), so here of the half type
#   (0 / -inf, exact); a float32 mask on half inputs is allowed ("Expected attn_mask dtype to be bool or float or to
#   match query dtype") and added in float32 by the kernel.
import math
import torch


torch.manual_seed(18)
NEG = float("-inf")
TYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.bool: "bool",
             torch.float16: "float16", torch.bfloat16: "bfloat16"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v))
                    for v in t.to(torch.float64 if t.dtype.is_floating_point else t.dtype).flatten().tolist())
    return f"{dtype} {shape} : {vals}"


def r(*shape, dtype):
    return (torch.rand(tuple(shape), dtype=torch.float64) * 4.0 - 2.0).to(dtype)


class SafeSoftmax(torch.autograd.Function):
    """2.x's _safe_softmax (see ../attention/make_expected.py)."""

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


def sdpa32(q, k, v, mask, causal, scale, gqa):
    """The fused kernel's arithmetic: float32 scores q k^T * scale (+ mask), softmax, P v."""
    sc = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    if gqa and q.size(-3) != k.size(-3):
        k = k.repeat_interleave(q.size(-3) // k.size(-3), -3)
        v = v.repeat_interleave(q.size(-3) // v.size(-3), -3)
    attn = torch.matmul(q, k.transpose(-2, -1)) * sc
    if causal:
        attn = attn.masked_fill(torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril().logical_not(), NEG)
    if mask is not None:
        if mask.dtype == torch.bool:
            mask = torch.zeros(mask.shape, dtype=torch.float32).masked_fill_(mask.logical_not(), NEG)
        attn = attn + mask.to(torch.float32)
    return torch.matmul(SafeSoftmax.apply(attn, -1), v)


def case(key, t, shape_q, shape_k, ev=None, mask=None, causal=False, scale=None, gqa=False):
    dt = TYPES[t]
    b, h, l, e = shape_q
    hk, s = shape_k
    ev = e if ev is None else ev
    q, k, v = r(b, h, l, e, dtype=dt), r(b, hk, s, e, dtype=dt), r(b, hk, s, ev, dtype=dt)
    print("=== " + key)
    print("opt dtype " + t)
    for n, x in (("q", q), ("k", k), ("v", v)):
        print(n + " " + fmt(x))
    if mask is not None:
        if mask.dtype == torch.float64:  # an additive mask of the input type
            mask = mask.to(dt)
        print("m " + fmt(mask))
    print("opt causal " + str(causal))
    print("opt scale " + ("None" if scale is None else repr(float(scale))))
    print("opt gqa " + str(gqa))
    leaves = [x.to(torch.float32).requires_grad_(True) for x in (q, k, v)]
    out = sdpa32(*leaves, mask, causal, scale, gqa)
    print("out " + fmt(out.to(dt)))
    print("out32 " + fmt(out))
    gout = r(*out.shape, dtype=dt)
    print("gout " + fmt(gout))
    (out * gout.to(torch.float32)).sum().backward()
    for n, x in zip("qkv", leaves):
        print("grad_" + n + " " + fmt(x.grad.to(dt)))
        print("grad32_" + n + " " + fmt(x.grad))


for t in ("float16", "bfloat16"):
    case("plain " + t, t, (2, 3, 5, 8), (3, 7))
    case("one row " + t, t, (1, 1, 1, 4), (1, 9))
    case("causal " + t, t, (1, 2, 9, 16), (2, 9), causal=True)
    case("causal L < S " + t, t, (1, 2, 5, 8), (2, 11), causal=True)
    case("scale " + t, t, (1, 2, 6, 8), (2, 6), scale=0.3)
    m = torch.rand(6, 10) >= 0.3
    m[2, :] = False
    case("bool mask " + t, t, (2, 2, 6, 8), (2, 10), mask=m)
    case("key padding mask " + t, t, (2, 2, 6, 8), (2, 10), mask=torch.rand(2, 1, 1, 10) >= 0.3)
    case("additive mask " + t, t, (1, 2, 6, 8), (2, 10), mask=torch.rand(1, 2, 6, 10, dtype=torch.float64) * 2 - 1)
    case("float32 mask " + t, t, (1, 2, 6, 8), (2, 10), mask=(torch.rand(6, 10) * 2 - 1).to(torch.float32))
    case("gqa " + t, t, (1, 6, 7, 8), (2, 9), gqa=True)
    case("gqa causal " + t, t, (2, 4, 9, 8), (1, 9), causal=True, gqa=True)
    case("long " + t, t, (1, 1, 40, 8), (1, 130))
