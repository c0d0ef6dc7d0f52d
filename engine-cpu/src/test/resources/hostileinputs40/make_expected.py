# Expected messages and values for HostileInputs40Test (session 40, helper 3): the hostile-input audit of the API added
# in sessions 37-39 (quantized and QAT embeddings, quantized tensors with float zero points, dynamically quantized
# Linear, prepack of static and dynamic linear layers). Each "err.<case>" line is the first line of the error PyTorch
# raises for the call ("Type: message", or "! no error"); the "value." lines are results compared exactly.
# The engine is onednn, as the other generators here: this Debian build of PyTorch 1.13 has no FBGEMM (its qnnpack
# engine aborts the process on a Linear of out_features=0, so it is not used).
# PyTorch 1.13 and 2.x agree on every message written here (the checks are in quantizer.cpp/affine_quantizer.cpp,
# qembeddingbag.cpp/qembeddingbag_prepack.cpp and the onednn/FBGEMM prepack, unchanged between them).
# Deviations Ember keeps on purpose, not written here: a QAT embedding checks its input before the fake quantizer runs
# (PyTorch's updates the observer's statistics, scale and zero point first, then F.embedding refuses); nnq.Embedding's
# out-of-range index message is the reference kernel's ("Index i is out of bounds: v, range 0 to N"; this build says
# "Invalid indices data"); a bag count times embedding_dim beyond one Ember tensor is refused with Ember's storage
# message (PyTorch would allocate it).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.backends.quantized.engine = "onednn"
torch.manual_seed(40)
lines = []
text, emit, err = key_lines(lines)
L = torch.long
x = torch.arange(12, dtype=torch.float32).reshape(3, 4)

# ---- quantize_per_channel / _make_per_channel_quantized_tensor: the parameters' ranks and types, in PyTorch's order
err("err.qpc.scales_2d", lambda: torch.quantize_per_channel(x, torch.ones(3, 1), torch.zeros(3, dtype=L), 0,
                                                            torch.quint8))
err("err.qpc.scales_0d", lambda: torch.quantize_per_channel(torch.zeros(1, 4), torch.tensor(1.0), torch.tensor(0), 0,
                                                            torch.quint8))
err("err.qpc.zero_points_2d", lambda: torch.quantize_per_channel(x, torch.ones(3), torch.zeros(3, 1, dtype=L), 0,
                                                                 torch.quint8))
err("err.qpc.float_zero_points_2d", lambda: torch.quantize_per_channel(x, torch.ones(3), torch.zeros(3, 1), 0,
                                                                       torch.quint8))
err("err.qpc.int_scales", lambda: torch.quantize_per_channel(x, torch.ones(3, dtype=L), torch.zeros(3, dtype=L), 0,
                                                             torch.quint8))
err("err.qpc.int_scales_float_zero_points", lambda: torch.quantize_per_channel(x, torch.ones(3, dtype=L),
                                                                               torch.zeros(3), 0, torch.quint8))
err("err.qpc.int_scales_other_length", lambda: torch.quantize_per_channel(x, torch.ones(2, dtype=L),
                                                                          torch.zeros(3, dtype=L), 0, torch.quint8))
err("err.qpc.double_input_2d_scales", lambda: torch.quantize_per_channel(x.double(), torch.ones(3, 1),
                                                                         torch.zeros(3, dtype=L), 0, torch.quint8))
err("err.qpc.double_input_int_scales", lambda: torch.quantize_per_channel(x.double(), torch.ones(3, dtype=L),
                                                                          torch.zeros(3, dtype=L), 0, torch.quint8))
err("err.qpc.bad_axis_2d_scales", lambda: torch.quantize_per_channel(x, torch.ones(3, 1), torch.zeros(3, dtype=L), 5,
                                                                     torch.quint8))
err("err.make.zero_points_2d", lambda: torch._make_per_channel_quantized_tensor(
    torch.zeros(3, 4, dtype=torch.uint8), torch.ones(3, dtype=torch.float64), torch.zeros(3, 1, dtype=L), 0))
err("err.make.int_scales", lambda: torch._make_per_channel_quantized_tensor(
    torch.zeros(3, 4, dtype=torch.uint8), torch.ones(3, dtype=L), torch.zeros(3, dtype=L), 0))
err("err.make.bad_axis_2d_scales", lambda: torch._make_per_channel_quantized_tensor(
    torch.zeros(3, 4, dtype=torch.uint8), torch.ones(3, 1), torch.zeros(3, dtype=L), 7))

# ---- nnq.Embedding / EmbeddingBag: constructors, set_weight, lookups
err("err.emb.negative_rows", lambda: nnq.Embedding(-3, 4))
err("err.emb.negative_cols", lambda: nnq.Embedding(3, -4))
err("err.emb.negative_both", lambda: nnq.Embedding(-3, -4))
err("err.emb.negative_rows_qint8", lambda: nnq.Embedding(-3, 4, dtype=torch.qint8))
err("err.emb.qint8", lambda: nnq.Embedding(3, 4, dtype=torch.qint8))
err("err.bag.negative_cols", lambda: nnq.EmbeddingBag(3, -4))
e = nnq.Embedding(3, 4)
b = nnq.EmbeddingBag(3, 4)
err("err.emb.float_indices", lambda: e(torch.zeros(2)))
err("err.emb.indices_3d", lambda: e(torch.zeros(2, 2, 2, dtype=L)))
err("err.bag.indices_0d", lambda: b(torch.tensor(1)))
err("err.bag.float_indices", lambda: b(torch.zeros(2), torch.tensor([0])))
err("err.bag.rows_of_length_0", lambda: b(torch.zeros(2, 0, dtype=L)))
err("err.bag.double_weights", lambda: b(torch.zeros(2, dtype=L), torch.tensor([0]), torch.ones(2, dtype=torch.float64)))
err("err.bag.float_offsets", lambda: b(torch.zeros(2, dtype=L), torch.tensor([0.])))
err("err.bag.offsets_2d", lambda: b(torch.zeros(2, dtype=L), torch.tensor([[0]])))
err("err.bag.2d_with_offsets", lambda: b(torch.zeros(2, 2, dtype=L), torch.tensor([0])))
err("err.bag.1d_without_offsets", lambda: b(torch.zeros(2, dtype=L)))
err("err.emb.set_weight_per_tensor", lambda: e.set_weight(torch.quantize_per_tensor(torch.zeros(3, 4), 1.0, 0,
                                                                                     torch.quint8)))
err("err.emb.set_weight_1d", lambda: e.set_weight(torch.quantize_per_channel(torch.zeros(3), torch.ones(3),
                                                                             torch.zeros(3), 0, torch.quint8)))
err("err.emb.set_weight_qint8", lambda: e.set_weight(torch.quantize_per_channel(torch.zeros(3, 4), torch.ones(3),
                                                                                torch.zeros(3), 0, torch.qint8)))

# ---- linear prepack of a weight with float zero points (static and dynamic layers), and the dynamic layer's corners
fq_weight = torch.quantize_per_channel(torch.randn(3, 4), torch.ones(3), torch.zeros(3), 0, torch.qint8)
err("err.dynamic_linear.float_qparams_weight", lambda: nnqd.Linear(4, 3).set_weight_bias(fq_weight, None))
err("err.static_linear.float_qparams_weight", lambda: nnq.Linear(4, 3).set_weight_bias(fq_weight, None))
err("err.dynamic_linear.nan_input", lambda: nnqd.Linear(4, 3)(torch.full((2, 4), float("nan"))))
emit("value.dynamic_linear.in0", nnqd.Linear(0, 3)(torch.ones(2, 0)))
emit("value.dynamic_linear.out0", nnqd.Linear(3, 0)(torch.ones(2, 3)))

# ---- QAT embeddings: the messages of F.embedding / F.embedding_bag that the refused calls give
import torch.ao.nn.qat as nnqat  # noqa: E402
import torch.ao.quantization as tq  # noqa: E402
qe = nnqat.Embedding(5, 4, qconfig=tq.default_embedding_qat_qconfig)
qb = nnqat.EmbeddingBag(5, 4, mode="sum", qconfig=tq.default_embedding_qat_qconfig)
err("err.qat_emb.out_of_range", lambda: qe(torch.tensor([7])))
err("err.qat_emb.float_indices", lambda: qe(torch.tensor([1.0])))
# 1.13 without FBGEMM refuses an index out of range in caffe2's kernel ("[enforce fail at embedding_lookup_idx.cc:214]
# ... Index 0 is out of bounds: 9, range 0 to 5"); 2.x in fbgemm's words (the fast path: float32, sum, no padding
# row), "Index 0 of input takes value 9 which is not in the valid range [0, 5)", Ember's: the test checks the type and
# the index only
err("err.qat_bag.out_of_range", lambda: qb(torch.tensor([9]), torch.tensor([0])))
err("err.qat_bag.first_offset", lambda: qb(torch.tensor([1]), torch.tensor([3])))
# PyTorch's refused call has run the fake quantizer: its scale is no longer the initial 1.0
text("qat_emb.scale_changed_by_refused_call", str(bool((qe.weight_fake_quant.scale != 1.0).any())))

# ---- fuse_modules with groups that name a module an earlier group fused: PyTorch fuses group after group, so the
# later group sees the fused module (its first name) or an Identity (the others); it refuses what it cannot fuse (after
# the earlier groups have changed the model; Ember refuses before changing anything, in its own words, which name the
# same classes)
import torch.nn as nn  # noqa: E402


def cbr():
    m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU())
    m.eval()
    return m


for key, groups in (("same_group_twice", [["0", "1"], ["0", "1"]]), ("overlapping", [["0", "1", "2"], ["1", "2"]]),
                    ("missing_name", [["0", "1"], ["2", "7"]])):
    err("err.fuse." + key, lambda: tq.fuse_modules(cbr(), groups, inplace=True))
m = cbr()
tq.fuse_modules(m, [["0", "1"], ["0", "2"]], inplace=True)
text("fuse.conv_bn_then_relu", repr(m))

# ---- sparse_coo_tensor(indices, values) with its size inferred from the indices: a negative index is refused per dim
# before the size is taken; an index of 2^31 - 1 or more gives a dim larger than Ember's int dimensions (PyTorch's sizes
# are int64: written here; Ember refuses them by its stated limit), 2^63 - 1 overflows PyTorch's numel too
Lg = torch.long
err("err.coo.negative_first_dim", lambda: torch.sparse_coo_tensor(torch.tensor([[-1, 2**63 - 1], [0, 1]], dtype=Lg),
                                                                  torch.ones(2)))
err("err.coo.negative_second_dim", lambda: torch.sparse_coo_tensor(torch.tensor([[0, 1], [-3, 1]], dtype=Lg),
                                                                   torch.ones(2)))
err("err.coo.index_2p63m1", lambda: torch.sparse_coo_tensor(torch.tensor([[0, 2**63 - 1], [0, 1]], dtype=Lg),
                                                            torch.ones(2)))
text("coo.size_index_2p31m1", str(list(torch.sparse_coo_tensor(torch.tensor([[0, 2**31 - 1], [0, 1]], dtype=Lg),
                                                              torch.ones(2)).shape)))
text("coo.size_index_2p31m2", str(list(torch.sparse_coo_tensor(torch.tensor([[0, 2**31 - 2], [0, 1]], dtype=Lg),
                                                              torch.ones(2)).shape)))

# ---- F.adaptive_avg_pool2d of a quantized activation: the output size checked first (negative sizes in PyTorch's
# words), and the windows' bounds as PyTorch's start_index/end_index compute them, in int64 (an output of 100000 rows
# over an input of 30000: y * ih passes 2^31); the integers sampled every 9973rd
import torch.nn.functional as F  # noqa: E402
qa = torch.quantize_per_tensor(torch.ones(1, 1, 2, 2), 0.1, 0, torch.quint8)
err("err.qadaptive.negative", lambda: F.adaptive_avg_pool2d(qa, (-3, 2)))
err("err.qadaptive.negative_second", lambda: F.adaptive_avg_pool2d(qa, (2, -1)))
text("qadaptive.empty_shape", str(list(F.adaptive_avg_pool2d(qa, (0, 2)).shape)))
qtall = torch.quantize_per_tensor(torch.arange(30000, dtype=torch.float32).div(1000.0).reshape(1, 1, 30000, 1), 0.1, 0,
                                  torch.quint8)
emit("value.qadaptive.tall_ints", F.adaptive_avg_pool2d(qtall, (100000, 1)).int_repr().reshape(-1)[::9973].to(torch.int64))

# ---- distribution transforms' shape functions on sizes whose products and sums pass 2^31 or 2^63 (Python's ints do
# not overflow): ReshapeTransform compares the exact products; a computed size past 2^31 - 1 is PyTorch's number here
# and refused by Ember's dimension limit
from torch.distributions.transforms import (CorrCholeskyTransform, ReshapeTransform,  # noqa: E402
                                            StickBreakingTransform)
M = 2**31 - 1
text("dist.reshape_huge_equal", str(list(ReshapeTransform((M, M, M), (M, M, M)).forward_shape((5, M, M, M)))))
err("err.dist.reshape_huge_differ", lambda: ReshapeTransform((M, M, M), (M, M, M - 1)))
text("dist.stick_forward_shape", str(list(StickBreakingTransform().forward_shape((3, M)))))
text("dist.corr_inverse_shape", str(list(CorrCholeskyTransform().inverse_shape((70000, 70000)))))

# ---- nn.AdaptiveLogSoftmaxWithLoss with a div_value whose powers divide by zero or give NaN: Python's own errors
# (Python 3.11's wording), where the float division is in_features // (div_value ** (i + 1)) then int()
for key, d in (("zero", 0.0), ("nan", float("nan"))):
    err("err.asm.div_" + key, lambda: nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 6], div_value=d))
text("asm.div_inf_tail", str([layer[0].out_features for layer in
                               nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 6], div_value=float("inf")).tail]))

print("\n".join(lines))
