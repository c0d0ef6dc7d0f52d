# Writes expected.txt: values, gradients, statistics, node names, error messages, module printouts and state-dict keys
# of issue 15's layers, read by LayersTest.java (and LayerModulesTest.java) through PyTorchCases.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value": inputs as "x float64 [2, 3] : v v v" (logical values, row-major;
# the Java test also runs them through non-contiguous and broadcast layouts, which PyTorch's values do not depend on),
# results the same way ("out ...", "grad_x ..."), "node <grad_fn name>", or "error <Type> <message>".
# Every gradient is of sum(out * gout) for the printed gout. Floats are printed with repr, so they read back exactly.
#
# Versions: Ember follows PyTorch 2.x; 1.13's facts are used except where 2.x differs (each written below from 2.x):
# - torch.nn.RMSNorm / F.rms_norm are new in 2.4 (absent from 1.13): values and gradients here come from 2.x's
#   rms_norm_composite formula (aten/src/ATen/native/layer_norm.cpp: "rsqrt(at::pow(upcasted_input, 2).mean(dims,
#   keepdim=True).add_(eps_val))", eps_val = eps.value_or(std::numeric_limits<opmath>::epsilon())) computed by 1.13's
#   autograd; the node is FusedRmsNormBackward0 (2.x's rms_norm_symint ends in at::_fused_rms_norm on the CPU and CUDA;
#   tools/autograd/derivatives.yaml: "- name: _fused_rms_norm(Tensor input, int[] normalized_shape, Tensor? weight,
#   float? eps) -> (Tensor, Tensor)"); its print is 2.x's extra_repr "{normalized_shape}, eps={eps},
#   elementwise_affine={elementwise_affine}".
# - F.dropout: 2.x's CUDA path is native_dropout (NativeDropoutBackward0, aten/src/ATen/native/Dropout.cpp,
#   is_fused_kernel_acceptable); its CPU path composes input * noise (MulBackward0). Ember records native_dropout's node on
#   every device; the node is taken from torch.native_dropout.
# - nn.ModuleList prints repeated modules once in 2.x ("(0-2): 3 x Linear(...)", torch/nn/modules/container.py,
#   ModuleList.__repr__ "compresses repeated module representations"); 1.13 prints each: 2.x's __repr__ is installed
#   below before printing.
# - nn.Softplus's defaults are the floats 1.0 and 20.0 in 2.x ("def __init__(self, beta: float = 1.0, threshold: float =
#   20.0)"), printed "Softplus(beta=1.0, threshold=20.0)"; 1.13's ints print "beta=1, threshold=20": the module is built
#   with float arguments here.
# - embedding_bag's message for a first offset that is not 0 prints the offset tensor with 2.x's C++ type name
#   ("[ CPULongType{} ]", libtorch's printing of a 0-d CPU long tensor; 1.13 prints "[ torch.LongTensor{} ]").
# - hardswish_backward at the corners: 2.x's kernels (aten/src/ATen/native/cuda/ActivationHardswishKernel.cu,
#   HardswishBackwardFunctor: "if (self_val <= neg_three) return zero; else if (self_val < three) return grad_val *
#   ((self_val / three) + one_half); else return grad_val;") give 0 at -3 and grad at 3; 1.13's CPU kernel gives
#   -grad/2 at -3 (its vectorized path tests self < -3). The gradients below are 2.x's (patched at x == -3).
# - F.group_norm of an input of fewer than 2 dimensions: 2.x raises "Expected at least 2 dimensions for input tensor
#   but received 1" (torch/nn/functional.py, group_norm); 1.13 fails later with an IndexError.
# - cosine_embedding_loss checks both inputs' ranks in 2.x ("input1.dim() == 2 && input2.dim() == 2",
#   aten/src/ATen/native/Loss.cpp); 1.13 checks input1 only and fails later with an IndexError.
# - embedding_bag's scale_grad_by_freq: PyTorch's CPU backward (aten/src/ATen/native/EmbeddingBag.cpp,
#   _embedding_bag_dense_backward_cpu_sum_mean: "scale /= counts[indices_data[i]];", still so in 2.x) divides by the
#   count of the i-th index of the sorted indices, i the unique-index counter, not by the index's own count: a known
#   defect that its CUDA backward (embedding_backward_cuda_kernel) and F.embedding do not have. Ember divides each index's
#   gradient by its own count, as those do; the expected gradient below is that (patched).
#
# Messages that 2.x words differently from 1.13, as 2.x words them (sources above):
ERR_2X = {
    "bag_err_offset0": ("RuntimeError", "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                        "from position 0. However, got 1\\n[ CPULongType{} ]"),
    "gn_err_1d": ("RuntimeError", "Expected at least 2 dimensions for input tensor but received 1"),
    "cos_err_dims": ("RuntimeError", "1D target tensor expects 2D input tensors, but found inputs with sizes [2, 3] and "
                     "[3]."),
}
# 2.x's messages where the 1.13 call still runs first (its random inputs keep the draw of the cases after it):
ERR_2X_CALLED = {
    # 2.x's layer_norm_cpu takes a float16/bfloat16 input with float32 parameters (mixed type) and words any other
    # parameter type so (check_mixed_data_type); 1.13: "expected scalar type Float but found Double"
    "ln_err_weight_type": ("RuntimeError", "mixed dtype (CPU): expect parameter to have scalar type of Float"),
}
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.module import _addindent

torch.manual_seed(0)
D = torch.float64


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
        if key in ERR_2X_CALLED:
            print("error " + ERR_2X_CALLED[key][0] + " " + ERR_2X_CALLED[key][1])
            return
        print("error " + type(e).__name__ + " " + str(e).replace("\n", "\\n"))
        return
    print("value ok")


def r(*shape, lo=-2.0, hi=2.0, dtype=D):
    return (torch.rand(tuple(shape), dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def case(key, fn, inputs, extra=None, node=None, fix=None):
    """inputs: name -> tensor; floating ones take gradients. fn(**leaves) returns the output. node overrides the node
    name (2.x's where 1.13 has none), fix(leaves) patches the gradients (2.x's where they differ)."""
    head(key)
    leaves = {}
    for k, v in inputs.items():
        line(k, fmt(v))
        leaves[k] = v.clone().requires_grad_(v.dtype.is_floating_point)
    out = fn(**leaves)
    line("out", fmt(out))
    if out.requires_grad:
        gout = r(*out.shape, dtype=out.dtype)
        line("gout", fmt(gout))
        (out * gout).sum().backward()
        if fix:
            fix(leaves, gout)
        for k, v in leaves.items():
            if v.grad is not None:
                line("grad_" + k, fmt(v.grad))
    line("node", node or (type(out.grad_fn).__name__ if out.grad_fn is not None else "None"))
    if extra:
        for k, v in extra(leaves).items():
            line(k, v if isinstance(v, str) else fmt(v))


# ---------------------------------------------------------------- activations
special = torch.tensor([-25.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 25.0, 2.5, -2.5, 0.1], dtype=D)
xa = torch.cat([special, r(18)]).reshape(5, 6)
ACT = {
    "gelu": lambda x: F.gelu(x), "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "leaky_relu": lambda x: F.leaky_relu(x), "leaky_relu_02": lambda x: F.leaky_relu(x, 0.2),
    "elu": lambda x: F.elu(x), "elu_05": lambda x: F.elu(x, 0.5), "selu": lambda x: F.selu(x),
    "celu": lambda x: F.celu(x, 0.7), "silu": lambda x: F.silu(x), "mish": lambda x: F.mish(x),
    "softplus": lambda x: F.softplus(x), "softplus_b2_t5": lambda x: F.softplus(x, 2.0, 5.0),
    "hardtanh": lambda x: F.hardtanh(x), "hardtanh_m05_2": lambda x: F.hardtanh(x, -0.5, 2.0),
    "relu6": lambda x: F.relu6(x), "hardswish": lambda x: F.hardswish(x),
}
def hardswish_2x(leaves, gout):
    """2.x's hardswish_backward gives 0 at -3 (see the header)."""
    x = leaves["x"]
    x.grad[x.detach() == -3] = 0


for k, f in ACT.items():
    case("act_" + k, f, {"x": xa}, fix=hardswish_2x if k == "hardswish" else None)
for k in ["gelu", "gelu_tanh", "silu", "mish", "softplus", "elu", "hardswish"]:
    case("act32_" + k, ACT[k], {"x": xa.float()}, fix=hardswish_2x if k == "hardswish" else None)
for k, f in ACT.items():
    if k not in ("hardtanh", "hardtanh_m05_2", "relu6"):
        err("act_err_long_" + k, lambda f=f: f(torch.tensor([1, 2])))
err("act_err_gelu_approximate", lambda: F.gelu(torch.randn(2), approximate="exact"))
err("act_err_hardtanh_bool", lambda: F.hardtanh(torch.tensor([True])))
err("act_err_celu_zero", lambda: F.celu(torch.randn(2), 0.0))
case("act_hardtanh_long", lambda x: F.hardtanh(x, -1.5, 2.5), {"x": torch.tensor([-3, 0, 5, 2])})
head("node_native_dropout")
line("node", type(torch.native_dropout(xa.clone().requires_grad_(), 0.5, True)[0].grad_fn).__name__)

# ---------------------------------------------------------------- layer norm
def ln_stats(shape):
    def extra(leaves):
        o, m, s = torch.native_layer_norm(leaves["x"].detach(), shape,
                                          leaves["w"].detach() if "w" in leaves else None,
                                          leaves["b"].detach() if "b" in leaves else None, 1e-5)
        return {"mean": m, "rstd": s}
    return extra


case("ln_affine", lambda x, w, b: F.layer_norm(x, [4], w, b, 1e-5), {"x": r(2, 3, 4), "w": r(4), "b": r(4)},
     ln_stats([4]))
case("ln_2d_weight", lambda x, w: F.layer_norm(x, [3, 4], w, None, 1e-3), {"x": r(2, 3, 4), "w": r(3, 4)})
case("ln_plain", lambda x: F.layer_norm(x, [5], None, None, 1e-5), {"x": r(7, 5) * 10}, ln_stats([5]))
case("ln_f32", lambda x, w, b: F.layer_norm(x, [6], w, b, 1e-5), {"x": r(4, 6, dtype=torch.float32),
     "w": r(6, dtype=torch.float32), "b": r(6, dtype=torch.float32)})
case("ln_odd", lambda x, w, b: F.layer_norm(x, [13], w, b, 1e-5), {"x": r(3, 1, 13) + 100, "w": r(13), "b": r(13)})
case("ln_empty_rows", lambda x, w, b: F.layer_norm(x, [4], w, b, 1e-5), {"x": r(0, 4), "w": r(4), "b": r(4)})
err("ln_err_empty_shape", lambda: F.layer_norm(torch.randn(2, 3), []))
err("ln_err_weight", lambda: F.layer_norm(torch.randn(2, 3), [3], torch.ones(4)))
err("ln_err_bias", lambda: F.layer_norm(torch.randn(2, 3), [3], None, torch.ones(2, 3)))
err("ln_err_input", lambda: F.layer_norm(torch.randn(2, 3), [2, 3, 4]))
err("ln_err_input2", lambda: F.layer_norm(torch.randn(2, 3, 5), [4, 5]))
err("ln_err_long", lambda: F.layer_norm(torch.tensor([[1, 2]]), [2]))
err("ln_err_weight_type", lambda: F.layer_norm(torch.randn(2, 3), [3], torch.ones(3, dtype=torch.float64)))

# ---------------------------------------------------------------- rms norm (2.x's composite formula, see above)
RMS_NODE = "FusedRmsNormBackward0"  # 2.x's node (see the header)


def rms(x, shape, w=None, eps=None):
    dims = tuple(range(x.dim() - len(shape), x.dim()))
    e = torch.finfo(x.dtype).eps if eps is None else eps
    y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + e)
    return y * w if w is not None else y


case("rms_weight", lambda x, w: rms(x, [4], w), {"x": r(2, 3, 4), "w": r(4)}, node=RMS_NODE)
case("rms_eps", lambda x, w: rms(x, [3, 4], w, 1e-2), {"x": r(2, 3, 4), "w": r(3, 4)}, node=RMS_NODE)
case("rms_plain", lambda x: rms(x, [5]), {"x": r(6, 5)}, node=RMS_NODE)
case("rms_f32", lambda x, w: rms(x, [7], w), {"x": r(3, 7, dtype=torch.float32), "w": r(7, dtype=torch.float32)}, node=RMS_NODE)
head("rms_eps_default")
line("float32", repr(torch.finfo(torch.float32).eps))
line("float64", repr(torch.finfo(torch.float64).eps))

# ---------------------------------------------------------------- group norm
def gn_stats(groups):
    def extra(leaves):
        x = leaves["x"].detach()
        n, c = x.shape[0], x.shape[1]
        o, m, s = torch.native_group_norm(x, leaves["w"].detach() if "w" in leaves else None,
                                          leaves["b"].detach() if "b" in leaves else None, n, c,
                                          x.numel() // (n * c) if n * c else 0, groups, 1e-5)
        return {"mean": m, "rstd": s}
    return extra


case("gn_affine", lambda x, w, b: F.group_norm(x, 3, w, b, 1e-5), {"x": r(2, 6, 5), "w": r(6), "b": r(6)},
     gn_stats(3))
case("gn_4d", lambda x: F.group_norm(x, 2, None, None, 1e-5), {"x": r(3, 4, 2, 3)}, gn_stats(2))
case("gn_2d", lambda x, w, b: F.group_norm(x, 1, w, b, 1e-5), {"x": r(4, 5), "w": r(5), "b": r(5)})
case("gn_f32", lambda x, w, b: F.group_norm(x, 4, w, b, 1e-5), {"x": r(2, 8, 3, dtype=torch.float32),
     "w": r(8, dtype=torch.float32), "b": r(8, dtype=torch.float32)})
err("gn_err_divisible", lambda: F.group_norm(torch.randn(2, 6, 3), 4))
err("gn_err_weight", lambda: F.group_norm(torch.randn(2, 6, 3), 3, torch.ones(5)))
err("gn_err_1d", lambda: F.group_norm(torch.randn(6), 3))
err("gn_err_one_value", lambda: F.group_norm(torch.randn(1, 2), 2))
err("gn_err_long", lambda: F.group_norm(torch.ones(2, 4, 3, dtype=torch.long), 2))
err("gn_err_module", lambda: nn.GroupNorm(4, 6))

# ---------------------------------------------------------------- batch norm
def bn_case(key, x, training, momentum=0.1, eps=1e-5, affine=True):
    c = x.shape[1]
    rm0, rv0 = r(c, dtype=x.dtype), r(c, lo=0.5, hi=2.0, dtype=x.dtype)
    inputs = {"x": x, "rm": rm0, "rv": rv0}
    if affine:
        inputs["w"] = r(c, dtype=x.dtype)
        inputs["b"] = r(c, dtype=x.dtype)
    holder = {}

    def fn(x, rm, rv, w=None, b=None):
        rmc, rvc = rm.detach().clone(), rv.detach().clone()
        holder["rm"], holder["rv"] = rmc, rvc
        return F.batch_norm(x, rmc, rvc, w, b, training, momentum, eps)

    def extra(leaves):
        out = {"rm_after": holder["rm"], "rv_after": holder["rv"]}
        o, m, s = torch.native_batch_norm(leaves["x"].detach(), None, None, rm0.clone(), rv0.clone(), training,
                                          momentum, eps)
        out["mean"], out["invstd"] = m, s
        return out
    case(key, fn, inputs, extra)


bn_case("bn_2d", r(6, 3), True)
bn_case("bn_3d", r(4, 3, 5), True, momentum=0.3)
bn_case("bn_4d", r(2, 3, 4, 5), True)
bn_case("bn_eval", r(4, 3, 5), False)
bn_case("bn_noaffine", r(5, 4, 2), True, affine=False)
bn_case("bn_f32", r(6, 3, 4, dtype=torch.float32), True)
err("bn_err_one_value", lambda: F.batch_norm(torch.randn(1, 3), None, None, training=True))
err("bn_err_eval_no_stats", lambda: F.batch_norm(torch.randn(2, 3), None, None, training=False))
err("bn_err_running_mean", lambda: F.batch_norm(torch.randn(2, 3), torch.zeros(4), torch.ones(3), training=True))
err("bn1d_err_4d", lambda: nn.BatchNorm1d(3)(torch.randn(2, 3, 4, 5)))

# ---------------------------------------------------------------- instance norm
def in_case(key, x, use_input_stats, affine=True):
    c = x.shape[1]
    rm0, rv0 = r(c), r(c, lo=0.5, hi=2.0)
    inputs = {"x": x, "rm": rm0, "rv": rv0}
    if affine:
        inputs["w"] = r(c)
        inputs["b"] = r(c)
    holder = {}

    def fn(x, rm, rv, w=None, b=None):
        rmc, rvc = rm.detach().clone(), rv.detach().clone()
        holder["rm"], holder["rv"] = rmc, rvc
        return F.instance_norm(x, rmc, rvc, w, b, use_input_stats, 0.1, 1e-5)
    case(key, fn, inputs, lambda leaves: {"rm_after": holder["rm"], "rv_after": holder["rv"]})


in_case("in_train", r(2, 3, 4, 5), True)
in_case("in_eval", r(2, 3, 4, 5), False)
in_case("in_plain", r(3, 2, 6), True, affine=False)
err("in_err_spatial", lambda: F.instance_norm(torch.randn(2, 3, 1, 1)))
err("in_err_module_3d", lambda: nn.InstanceNorm2d(3)(torch.randn(2, 3)))

# ---------------------------------------------------------------- embeddings
idx = torch.tensor([[1, 2, 5, 1], [0, 1, 1, 3]])
case("emb_plain", lambda w, i: F.embedding(i, w), {"w": r(6, 4), "i": idx})
case("emb_padding", lambda w, i: F.embedding(i, w, padding_idx=1), {"w": r(6, 4), "i": idx})
case("emb_padding_neg", lambda w, i: F.embedding(i, w, padding_idx=-1), {"w": r(6, 4), "i": torch.tensor([5, 0, 5])})
case("emb_freq", lambda w, i: F.embedding(i, w, scale_grad_by_freq=True), {"w": r(6, 4), "i": idx})
case("emb_1d", lambda w, i: F.embedding(i, w), {"w": r(5, 3), "i": torch.tensor([4, 0, 4])})
case("emb_empty", lambda w, i: F.embedding(i, w), {"w": r(5, 3), "i": torch.zeros(0, dtype=torch.long)})
wmax = r(6, 4) * 2
head("emb_max_norm")
w = wmax.clone().requires_grad_()
line("w", fmt(wmax))
line("i", fmt(idx))
o = F.embedding(idx, w, max_norm=1.5)
line("out", fmt(o))
line("w_after", fmt(w))
w3 = wmax.clone()
F.embedding(torch.tensor([0, 2]), w3, max_norm=1.0, norm_type=1.0)
line("w_after_l1", fmt(w3))
err("emb_err_float_idx", lambda: F.embedding(torch.tensor([1.0]), torch.randn(5, 3)))
err("emb_err_range", lambda: F.embedding(torch.tensor([5]), torch.randn(5, 3)))
err("emb_err_negative", lambda: F.embedding(torch.tensor([-1]), torch.randn(5, 3)))
err("emb_err_padding", lambda: F.embedding(torch.tensor([1]), torch.randn(5, 3), padding_idx=5))
err("emb_err_padding_neg", lambda: F.embedding(torch.tensor([1]), torch.randn(5, 3), padding_idx=-6))
# with max_norm, embedding_renorm_ runs first and select() rejects the index (PyTorch has renormed row 0 by then; Ember
# checks first and writes nothing); a negative index it accepts fails the lookup after it
err("emb_err_range_max_norm", lambda: F.embedding(torch.tensor([0, 5]), torch.ones(5, 3), max_norm=0.1))
err("emb_err_negative_max_norm", lambda: F.embedding(torch.tensor([-1, 2]), torch.ones(5, 3), max_norm=0.1))
err("emb_err_weight_1d", lambda: torch.embedding(torch.randn(5), torch.tensor([1])))

bag_in = torch.tensor([2, 0, 4, 4, 1, 6, 3, 2])
bag_off = torch.tensor([0, 3, 3, 5])
for mode in ["sum", "mean", "max"]:
    case("bag_" + mode, lambda w, i, o, mode=mode: F.embedding_bag(i, w, o, mode=mode),
         {"w": r(7, 3), "i": bag_in, "o": bag_off})
case("bag_psw", lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
     {"w": r(7, 3), "i": bag_in, "o": bag_off, "p": r(8)})
case("bag_padding_mean", lambda w, i, o: F.embedding_bag(i, w, o, mode="mean", padding_idx=4),
     {"w": r(7, 3), "i": bag_in, "o": bag_off})
case("bag_padding_max", lambda w, i, o: F.embedding_bag(i, w, o, mode="max", padding_idx=2),
     {"w": r(7, 3), "i": bag_in, "o": bag_off})
case("bag_last_offset", lambda w, i, o: F.embedding_bag(i, w, o, mode="sum", include_last_offset=True),
     {"w": r(7, 3), "i": bag_in, "o": torch.tensor([0, 3, 3, 8])})
case("bag_2d", lambda w, i: F.embedding_bag(i, w, mode="mean"), {"w": r(7, 3), "i": bag_in.reshape(2, 4)})
def bag_freq_own_count(leaves, gout):
    """Each index's gradient divided by its own count (see the header)."""
    w2 = leaves["w"].detach().clone().requires_grad_()
    (F.embedding_bag(leaves["i"], w2, leaves["o"], mode="sum") * gout).sum().backward()
    counts = torch.bincount(leaves["i"], minlength=w2.shape[0]).clamp(min=1).to(w2.dtype)
    leaves["w"].grad = w2.grad / counts[:, None]


case("bag_freq", lambda w, i, o: F.embedding_bag(i, w, o, mode="sum", scale_grad_by_freq=True),
     {"w": r(7, 3), "i": bag_in, "o": bag_off}, fix=bag_freq_own_count)
err("bag_err_offset0", lambda: F.embedding_bag(torch.tensor([1, 2]), torch.randn(5, 3), torch.tensor([1])))
err("bag_err_offset_last", lambda: F.embedding_bag(torch.tensor([1, 2]), torch.randn(5, 3), torch.tensor([0, 3])))
err("bag_err_psw_max", lambda: F.embedding_bag(torch.tensor([1, 2]), torch.randn(5, 3), torch.tensor([0]), mode="max",
                                                per_sample_weights=torch.ones(2)))
err("bag_err_2d_offsets", lambda: F.embedding_bag(torch.tensor([[1, 2]]), torch.randn(5, 3), torch.tensor([0])))
err("bag_err_3d", lambda: F.embedding_bag(torch.tensor([[[1]]]), torch.randn(5, 3)))
err("bag_err_no_offsets", lambda: F.embedding_bag(torch.tensor([1]), torch.randn(5, 3)))
err("bag_err_mode", lambda: F.embedding_bag(torch.tensor([1]), torch.randn(5, 3), torch.tensor([0]), mode="min"))
err("bag_err_float_idx", lambda: F.embedding_bag(torch.tensor([1.0]), torch.randn(5, 3), torch.tensor([0])))

# ---------------------------------------------------------------- losses PyTorch composes
p_log = torch.log_softmax(r(3, 4), 1)
q = torch.softmax(r(3, 4), 1)
q[0, 1] = 0.0
for red in ["mean", "batchmean", "sum", "none"]:
    case("kl_" + red, lambda x, t, red=red: F.kl_div(x, t, reduction=red), {"x": p_log, "t": q})
case("kl_log_target", lambda x, t: F.kl_div(x, t, reduction="batchmean", log_target=True),
     {"x": p_log, "t": torch.log_softmax(r(3, 4), 1)})
case("kl_log_target_none", lambda x, t: F.kl_div(x, t, reduction="none", log_target=True),
     {"x": p_log, "t": torch.log_softmax(r(3, 4), 1)})
err("kl_err_reduction", lambda: F.kl_div(p_log, q, reduction="avg"))
tgt = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0])
for red in ["mean", "sum", "none"]:
    case("cos_" + red, lambda a, b, t, red=red: F.cosine_embedding_loss(a, b, t, margin=0.2, reduction=red),
         {"a": r(5, 4), "b": r(5, 4), "t": tgt})
case("cos_0d", lambda a, b, t: F.cosine_embedding_loss(a, b, t, margin=-0.5), {"a": r(4), "b": r(4),
     "t": torch.tensor(-1.0)})
err("cos_err_target", lambda: F.cosine_embedding_loss(torch.randn(2, 3), torch.randn(2, 3), torch.ones(2, 1)))
err("cos_err_dims", lambda: F.cosine_embedding_loss(torch.randn(2, 3), torch.randn(3), torch.ones(2)))
err("cos_err_dims0", lambda: F.cosine_embedding_loss(torch.randn(2, 3), torch.randn(2, 3), torch.tensor(1.0)))
for red in ["mean", "sum", "none"]:
    case("mr_" + red, lambda a, b, t, red=red: F.margin_ranking_loss(a, b, t, margin=0.3, reduction=red),
         {"a": r(6), "b": r(6), "t": torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])})
case("mr_target_grad", lambda a, b, t: F.margin_ranking_loss(a, b, t), {"a": r(4), "b": r(4), "t": r(4)})
err("mr_err_dims", lambda: F.margin_ranking_loss(torch.randn(3), torch.randn(3), torch.ones(1, 3)))

# ---------------------------------------------------------------- init
head("init_gain")
for n in ["linear", "conv1d", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu", "conv_transpose2d"]:
    line(n, repr(float(nn.init.calculate_gain(n))))
line("leaky_relu_02", repr(float(nn.init.calculate_gain("leaky_relu", 0.2))))
err("init_err_gain", lambda: nn.init.calculate_gain("gelu"))
err("init_err_fan", lambda: nn.init.xavier_uniform_(torch.empty(3)))
err("init_err_mode", lambda: nn.init.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg"))
err("init_err_orthogonal", lambda: nn.init.orthogonal_(torch.empty(3)))

# ---------------------------------------------------------------- modules: printouts and state dict keys
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


class RMSNorm2x(nn.Module):
    """Stands for 2.x's nn.RMSNorm in printouts and state dicts (1.13 has none)."""

    def __init__(self, shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = tuple(shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(shape))
        else:
            self.register_parameter("weight", None)

    def _get_name(self):
        return "RMSNorm"

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(8)
        self.mlp = nn.Sequential(nn.Linear(8, 32), nn.GELU(approximate="tanh"), nn.Linear(32, 8), nn.Dropout(0.1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 8, padding_idx=0)
        self.blocks = nn.ModuleList([Block() for _ in range(3)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 2), "reg": nn.Linear(8, 1, bias=False)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(3, 4)), nn.Parameter(torch.zeros(5))])
        self.norm = RMSNorm2x([8])
        self.missing = None


MODULES = {
    "leaky_relu": nn.LeakyReLU(), "leaky_relu_02": nn.LeakyReLU(0.2), "elu": nn.ELU(), "elu_05": nn.ELU(0.5),
    "selu": nn.SELU(), "celu": nn.CELU(0.7), "silu": nn.SiLU(), "mish": nn.Mish(),
    "softplus": nn.Softplus(beta=1.0, threshold=20.0), "softplus_b2": nn.Softplus(2.0, 5.0), "hardtanh": nn.Hardtanh(),
    "hardtanh_02": nn.Hardtanh(-0.5, 2.0), "relu6": nn.ReLU6(), "hardswish": nn.Hardswish(), "gelu": nn.GELU(),
    "gelu_tanh": nn.GELU(approximate="tanh"), "softmax": nn.Softmax(dim=1), "log_softmax": nn.LogSoftmax(dim=-1),
    "identity": nn.Identity(),
    "layer_norm": nn.LayerNorm(8), "layer_norm_2d": nn.LayerNorm([3, 4], eps=1e-6, elementwise_affine=False),
    "rms_norm": RMSNorm2x([8]), "rms_norm_eps": RMSNorm2x([3, 4], eps=1e-05, elementwise_affine=False),
    "group_norm": nn.GroupNorm(2, 6), "group_norm_noaffine": nn.GroupNorm(3, 6, eps=1e-3, affine=False),
    "batch_norm1d": nn.BatchNorm1d(5), "batch_norm1d_opts": nn.BatchNorm1d(5, eps=1e-3, momentum=None, affine=False),
    "batch_norm1d_untracked": nn.BatchNorm1d(4, track_running_stats=False),
    "instance_norm2d": nn.InstanceNorm2d(3), "instance_norm2d_affine": nn.InstanceNorm2d(3, affine=True,
                                                                                          track_running_stats=True),
    "embedding": nn.Embedding(10, 4), "embedding_opts": nn.Embedding(10, 4, padding_idx=2, max_norm=1.0, norm_type=1.0,
                                                                        scale_grad_by_freq=True),
    "embedding_bag": nn.EmbeddingBag(10, 4), "embedding_bag_opts": nn.EmbeddingBag(10, 4, max_norm=2.0, mode="max",
                                                                                    padding_idx=3),
    "conv2d_opts": nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
    "max_pool": nn.MaxPool2d(2), "avg_pool": nn.AvgPool2d(3, 2, 1),
    "module_list_empty": nn.ModuleList(), "module_list": nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(),
                                                                        nn.Linear(2, 2)]),
    "module_dict": nn.ModuleDict({"a": nn.ReLU(), "b": nn.Sequential(nn.Linear(1, 2), nn.Tanh())}),
    "parameter_list": nn.ParameterList([nn.Parameter(torch.ones(3, 4)), nn.Parameter(torch.zeros(5, dtype=D))]),
    "sequential": nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Dropout(0.5), nn.Sequential(nn.Linear(3, 3), nn.Sigmoid())),
    "linear": nn.Linear(4, 3), "linear_nobias": nn.Linear(4, 3, bias=False), "batch_norm2d": nn.BatchNorm2d(3),
    "flatten": nn.Flatten(), "dropout": nn.Dropout(1e-5), "relu": nn.ReLU(), "conv2d": nn.Conv2d(1, 6, 5),
    "conv2d_groups": nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2, bias=False),
    "net": Net(),
}
for k, m in MODULES.items():
    head("print_" + k)
    line("keys", ",".join(m.state_dict().keys()))
    line("repr", repr(m).replace("\n", "\\n"))
head("named_modules_net")
line("names", ",".join(name for name, _ in MODULES["net"].named_modules()))

# ---------------------------------------------------------------- module hooks
head("hook_linear")
lin = nn.Linear(3, 2).double()
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=D))
    lin.bias.copy_(torch.tensor([0.1, -0.2], dtype=D))
seen = {}


def bw_hook(module, grad_input, grad_output):
    seen["grad_input"] = grad_input[0]
    seen["grad_output"] = grad_output[0]
    return (grad_input[0] * 2,)


lin.register_full_backward_hook(bw_hook)
xin = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=D, requires_grad=True)
yout = lin(xin)
line("node", type(yout.grad_fn).__name__)
(yout * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=D)).sum().backward()
line("grad_input", fmt(seen["grad_input"]))
line("grad_output", fmt(seen["grad_output"]))
line("x_grad", fmt(xin.grad))
line("weight_grad", fmt(lin.weight.grad))
