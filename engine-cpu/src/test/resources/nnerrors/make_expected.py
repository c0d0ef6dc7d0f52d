# Writes expected.txt: PyTorch's exception and message for each bad call NNErrorsTest.java makes the same way.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13).
# Ember targets PyTorch 2.x: where 2.x words a message differently from 1.13, the 2.x text is given in OVERRIDE_2X
# with the 2.x source it comes from, and used instead. Lines: id <TAB> exception type <TAB> message as a JSON string.
import json
import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")
o = torch.ones
CASES = {}


def case(name, fn):
    CASES[name] = fn


# ---- linear algebra
case("mm_0d", lambda: torch.mm(torch.tensor(1.), o(2, 3)))
case("mm_mat2_1d", lambda: torch.mm(o(2, 3), o(3)))
case("mm_shape", lambda: torch.mm(o(2, 3), o(4, 2)))
case("mm_shape_before_dtype", lambda: torch.mm(o(2, 3), o(4, 2, dtype=torch.float64)))
case("mm_dtype", lambda: torch.mm(o(2, 3), o(3, 2, dtype=torch.float64)))
case("mm_bool", lambda: torch.mm(o(2, 3).bool(), o(3, 2).bool()))
case("bmm_2d", lambda: torch.bmm(o(2, 3), o(1, 3, 2)))
case("bmm_mat2_2d", lambda: torch.bmm(o(1, 2, 3), o(3, 2)))
case("bmm_batch", lambda: torch.bmm(o(2, 2, 3), o(3, 3, 2)))
case("bmm_inner", lambda: torch.bmm(o(2, 2, 3), o(2, 4, 2)))
case("bmm_dtype", lambda: torch.bmm(o(1, 2, 3), o(1, 3, 2, dtype=torch.float64)))
case("bmm_bool", lambda: torch.bmm(o(1, 2, 2).bool(), o(1, 2, 2).bool()))
case("dot_2d", lambda: torch.dot(o(2, 3), o(3)))
case("dot_0d", lambda: torch.dot(torch.tensor(1.), o(3)))
case("dot_dtype_before_size", lambda: torch.dot(o(3), o(4, dtype=torch.float64)))
case("dot_size", lambda: torch.dot(o(3), o(4)))
case("dot_bool", lambda: torch.dot(o(3).bool(), o(3).bool()))
case("matmul_0d_1d", lambda: torch.matmul(torch.tensor(1.), o(3)))
case("matmul_1d_0d", lambda: torch.matmul(o(3), torch.tensor(1.)))
case("matmul_0d_0d", lambda: torch.matmul(torch.tensor(1.), torch.tensor(1.)))
case("matmul_1d1d", lambda: torch.matmul(o(3), o(4)))
case("matmul_2d1d", lambda: torch.matmul(o(2, 3), o(4)))
case("matmul_1d2d", lambda: torch.matmul(o(3), o(4, 2)))
case("matmul_3d1d", lambda: torch.matmul(o(5, 2, 3), o(4)))
case("matmul_1d3d", lambda: torch.matmul(o(3), o(5, 4, 2)))
case("matmul_3d2d", lambda: torch.matmul(o(5, 2, 3), o(4, 2)))
case("matmul_2d3d", lambda: torch.matmul(o(2, 3), o(5, 4, 2)))
case("matmul_3d3d", lambda: torch.matmul(o(5, 2, 3), o(5, 4, 2)))
case("matmul_broadcast_first", lambda: torch.matmul(o(2, 5, 2, 3), o(4, 4, 2)))
case("matmul_2d2d_dtype", lambda: torch.matmul(o(2, 3), o(3, 2, dtype=torch.float64)))
case("matmul_2d1d_dtype", lambda: torch.matmul(o(2, 3), o(3, dtype=torch.float64)))
case("matmul_1d1d_dtype", lambda: torch.matmul(o(3), o(3, dtype=torch.float64)))
case("matmul_3d3d_dtype", lambda: torch.matmul(o(5, 2, 3), o(5, 3, 2, dtype=torch.float64)))
case("matmul_3d2d_dtype", lambda: torch.matmul(o(5, 2, 3), o(3, 2, dtype=torch.float64)))
case("matmul_bool", lambda: torch.matmul(o(2, 3).bool(), o(3, 2).bool()))
case("linear_0d", lambda: F.linear(torch.tensor(1.), o(2, 3)))
case("linear_w0d", lambda: F.linear(o(2, 3), torch.tensor(1.)))
case("linear_w3d", lambda: F.linear(o(2, 3), o(1, 2, 3)))
case("linear_mismatch", lambda: F.linear(o(2, 3), o(4, 2)))
case("linear_mismatch_1d", lambda: F.linear(o(3), o(4, 2)))
case("linear_mismatch_3d", lambda: F.linear(o(5, 2, 3), o(4, 2)))
case("linear_bias", lambda: F.linear(o(2, 3), o(4, 3), o(5)))
case("linear_bias_3d", lambda: F.linear(o(5, 2, 3), o(4, 3), o(5)))
case("linear_bias_rows", lambda: F.linear(o(2, 3), o(4, 3), o(3, 4)))
case("linear_dtype", lambda: F.linear(o(2, 3), o(4, 3, dtype=torch.float64)))
case("linear_bias_dtype", lambda: F.linear(o(2, 3), o(4, 3), o(4, dtype=torch.float64)))
case("linear_input_dtype", lambda: F.linear(o(2, 3, dtype=torch.float64), o(4, 3), o(4)))
# ---- convolution
x = o(2, 3, 5, 5)
w = o(4, 3, 3, 3)
b = o(4)
case("conv_input_2d", lambda: F.conv2d(o(5, 5), w))
case("conv_input_5d", lambda: F.conv2d(o(1, 1, 3, 5, 5), w))
case("conv_input_0d", lambda: F.conv2d(torch.tensor(1.), w))
case("conv_weight_2d", lambda: F.conv2d(x, o(4, 3)))
case("conv_weight_3d", lambda: F.conv2d(x, o(4, 3, 3)))
case("conv_weight_5d", lambda: F.conv2d(x, o(4, 3, 3, 3, 1)))
case("conv_stride_0", lambda: F.conv2d(x, w, b, 0))
case("conv_stride_neg", lambda: F.conv2d(x, w, b, (1, -1)))
case("conv_padding_neg", lambda: F.conv2d(x, w, b, 1, -1))
case("conv_dilation_0", lambda: F.conv2d(x, w, b, 1, 0, 0))
case("conv_dilation_neg", lambda: F.conv2d(x, w, b, 1, 0, (1, -1)))
case("conv_groups_0", lambda: F.conv2d(x, w, b, 1, 0, 1, 0))
case("conv_groups_neg", lambda: F.conv2d(x, w, b, 1, 0, 1, -1))
case("conv_groups_weight", lambda: F.conv2d(o(2, 6, 5, 5), o(3, 3, 3, 3), None, 1, 0, 1, 2))
case("conv_groups_channels", lambda: F.conv2d(o(2, 4, 5, 5), o(3, 1, 3, 3), None, 1, 0, 1, 3))
case("conv_out_channels_0", lambda: F.conv2d(x, o(0, 3, 3, 3)))
case("conv_channels", lambda: F.conv2d(o(2, 4, 5, 5), w))
case("conv_channels_unbatched", lambda: F.conv2d(o(4, 5, 5), w))
case("conv_bias_size", lambda: F.conv2d(x, w, o(5)))
case("conv_bias_2d", lambda: F.conv2d(x, w, o(4, 1)))
case("conv_bias_0d", lambda: F.conv2d(x, w, torch.tensor(1.)))
case("conv_kernel_big", lambda: F.conv2d(x, o(4, 3, 6, 6)))
case("conv_kernel_big_dilated", lambda: F.conv2d(x, w, None, 1, 0, 3))
case("conv_kernel_0", lambda: F.conv2d(x, o(4, 3, 0, 3)))
case("conv_height_0", lambda: F.conv2d(o(2, 3, 0, 5), w))
case("conv_height_0_padded", lambda: F.conv2d(o(2, 3, 0, 5), w, None, 1, 2))
case("conv_dtype", lambda: F.conv2d(x, w.double()))
case("conv_bias_dtype", lambda: F.conv2d(x, w, b.double()))
case("conv_bool", lambda: F.conv2d(x.bool(), w.bool()))
case("conv_stride_3", lambda: F.conv2d(x, w, b, (1, 1, 1)))
case("conv_padding_3", lambda: F.conv2d(x, w, b, 1, (1, 1, 1)))
case("conv_dilation_3", lambda: F.conv2d(x, w, b, 1, 0, (1, 1, 1)))
case("conv_stride_empty", lambda: torch.conv2d(x, w, b, []))
case("conv_padding_string", lambda: F.conv2d(x, w, b, 1, "foo"))
case("conv_same_weight_3d", lambda: F.conv2d(o(1, 3, 5, 5), o(2, 3, 3), None, 1, "same"))
case("conv_same_input_2d", lambda: F.conv2d(o(5, 5), w, None, 1, "same"))
case("conv_same_groups_0", lambda: F.conv2d(o(1, 3, 5, 5), w, None, 1, "same", 1, 0))
case("conv_same_dilation_3", lambda: F.conv2d(o(1, 3, 5, 5), w, None, 1, "same", (1, 1, 1)))
# ---- pooling
p = o(1, 3, 4, 4)
case("maxpool_kernel_0", lambda: F.max_pool2d(p, 0))
case("maxpool_kernel_0_stride_1", lambda: F.max_pool2d(p, 0, 1))
case("maxpool_kernel_neg", lambda: F.max_pool2d(p, -1))
case("maxpool_stride_0", lambda: F.max_pool2d(p, 2, 0))
case("maxpool_stride_0_second", lambda: F.max_pool2d(p, 2, (1, 0)))
case("maxpool_stride_neg", lambda: F.max_pool2d(p, 2, -1))
case("maxpool_padding_neg", lambda: F.max_pool2d(p, 2, 2, -1))
case("maxpool_padding_half", lambda: F.max_pool2d(p, 3, 1, 2))
case("maxpool_padding_half_w", lambda: F.max_pool2d(p, 3, 1, (0, 2)))
case("maxpool_dilation_0", lambda: F.max_pool2d(p, 2, 2, 0, 0))
case("maxpool_dilation_neg", lambda: F.max_pool2d(p, 2, 2, 0, -1))
case("maxpool_too_small", lambda: F.max_pool2d(p, 5))
case("maxpool_too_small_3d", lambda: F.max_pool2d(p[0], 5))
case("maxpool_huge_dilation", lambda: F.max_pool2d(p, 2, 1, 0, 2 ** 30))
case("maxpool_input_2d", lambda: F.max_pool2d(o(4, 4), 2))
case("maxpool_input_5d", lambda: F.max_pool2d(o(1, 1, 1, 4, 4), 2))
case("maxpool_channels_0", lambda: F.max_pool2d(o(1, 0, 4, 4), 2))
case("maxpool_height_0", lambda: F.max_pool2d(o(1, 3, 0, 4), 2))
case("maxpool_width_0", lambda: F.max_pool2d(o(1, 3, 4, 0), 2))
case("maxpool_unbatched_channels_0", lambda: F.max_pool2d(o(0, 4, 4), 2))
case("maxpool_long", lambda: F.max_pool2d(o(1, 1, 4, 4).long(), 2))
case("maxpool_kernel_len_3", lambda: torch.max_pool2d(p, [2, 2, 2]))
case("maxpool_kernel_len_0", lambda: torch.max_pool2d(p, []))
case("maxpool_stride_len_3", lambda: torch.max_pool2d(p, [2], [1, 1, 1]))
case("maxpool_padding_len_3", lambda: torch.max_pool2d(p, [2], [2], [0, 0, 0]))
case("maxpool_dilation_len_3", lambda: torch.max_pool2d(p, [2], [2], [0], [1, 1, 1]))
case("maxpool_grad_stride_neg", lambda: F.max_pool2d(o(1, 3, 4, 4, requires_grad=True), 2, -1))
case("avgpool_kernel_0", lambda: F.avg_pool2d(p, 0))
case("avgpool_stride_0", lambda: F.avg_pool2d(p, 2, 0))
case("avgpool_stride_neg", lambda: F.avg_pool2d(p, 2, -1))
case("avgpool_padding_neg", lambda: F.avg_pool2d(p, 2, 2, -1))
case("avgpool_padding_half", lambda: F.avg_pool2d(p, 3, 1, 2))
case("avgpool_too_small", lambda: F.avg_pool2d(p, 5))
case("avgpool_input_0d", lambda: F.avg_pool2d(torch.tensor(1.), 2))
case("avgpool_input_1d", lambda: F.avg_pool2d(o(4), 2))
case("avgpool_input_2d", lambda: F.avg_pool2d(o(4, 4), 2))
case("avgpool_input_5d", lambda: F.avg_pool2d(o(1, 1, 1, 4, 4), 2))
case("avgpool_channels_0", lambda: F.avg_pool2d(o(1, 0, 4, 4), 2))
case("avgpool_bool", lambda: F.avg_pool2d(o(1, 1, 4, 4).bool(), 2))
case("avgpool_kernel_len_3", lambda: torch._C._nn.avg_pool2d(p, [2, 2, 2]))
case("avgpool_stride_len_3", lambda: torch._C._nn.avg_pool2d(p, [2], [1, 1, 1]))
case("avgpool_padding_len_3", lambda: torch._C._nn.avg_pool2d(p, [2], [2], [0, 0, 0]))
# ---- losses
l = torch.randn(3, 5)
y = torch.tensor([1, 0, 4])
case("ce_1d_input_1d_target", lambda: F.cross_entropy(torch.randn(5), torch.tensor([2])))
case("ce_0d_input", lambda: F.cross_entropy(torch.tensor(1.), torch.tensor(0)))
case("ce_target_2d", lambda: F.cross_entropy(l, y.view(3, 1)))
case("ce_batch", lambda: F.cross_entropy(l, torch.tensor([1, 2])))
case("ce_float_target", lambda: F.cross_entropy(l, torch.rand(3)))
case("ce_bool_target", lambda: F.cross_entropy(l, y.bool()))
case("ce_weight_size", lambda: F.cross_entropy(l, y, weight=o(4)))
case("ce_weight_2d", lambda: F.cross_entropy(l, y, weight=o(1, 5)))
case("ce_weight_dtype", lambda: F.cross_entropy(l, y, weight=o(5, dtype=torch.float64)))
case("ce_weight_requires_grad", lambda: F.cross_entropy(l, y, weight=o(5, requires_grad=True)))
case("ce_smoothing_above_1", lambda: F.cross_entropy(l, y, label_smoothing=1.1))
case("ce_reduction", lambda: F.cross_entropy(l, y, reduction="avg"))
case("ce_4d_target_size", lambda: F.cross_entropy(torch.randn(2, 5, 3, 4), torch.randint(0, 5, (2, 3, 5))))
case("ce_4d_target_rank", lambda: F.cross_entropy(torch.randn(2, 5, 3, 4), torch.randint(0, 5, (2, 12))))
case("ce_3d_target_rank", lambda: F.cross_entropy(torch.randn(2, 5, 3), torch.randint(0, 5, (2,))))
case("ce_4d_weight", lambda: F.cross_entropy(torch.randn(2, 5, 3, 4), torch.randint(0, 5, (2, 3, 4)), weight=o(4)))
case("ce_prob_long_target", lambda: F.cross_entropy(l, o(3, 5).long()))
case("ce_prob_ignore_index", lambda: F.cross_entropy(l, torch.rand(3, 5), ignore_index=1))
case("ce_prob_weight", lambda: F.cross_entropy(l, torch.rand(3, 5), weight=o(4)))
case("ce_prob_smoothing_above_1", lambda: F.cross_entropy(l, torch.rand(3, 5), label_smoothing=1.5))
case("ce_prob_wrong_shape", lambda: F.cross_entropy(l, torch.rand(3, 4)))
case("ce_out_of_bounds", lambda: F.cross_entropy(l, torch.tensor([1, 2, 7])))
case("ce_negative", lambda: F.cross_entropy(l, torch.tensor([1, 2, -1])))
case("ce_zero_classes", lambda: F.cross_entropy(torch.randn(3, 0), torch.zeros(3, dtype=torch.long)))
case("nll_0d", lambda: F.nll_loss(torch.tensor(1.), torch.tensor(0)))
case("nll_0d_target", lambda: F.nll_loss(l, torch.tensor(1)))
case("nll_target_2d", lambda: F.nll_loss(l, torch.randint(0, 5, (3, 1))))
case("nll_long_input", lambda: F.nll_loss(l.long(), y))
case("nll_4d_long_input", lambda: F.nll_loss(torch.randn(2, 5, 3, 4).long(), torch.randint(0, 5, (2, 3, 4))))
case("nll_float_target", lambda: F.nll_loss(l, torch.rand(3)))
case("nll_zero_classes", lambda: F.nll_loss(torch.randn(3, 0), torch.zeros(3, dtype=torch.long)))
case("nll_4d_float_target", lambda: F.nll_loss(torch.randn(2, 5, 3, 4), torch.rand(2, 3, 4)))
case("nll_4d_weight_dtype", lambda: F.nll_loss(torch.randn(2, 5, 3, 4), torch.randint(0, 5, (2, 3, 4)),
                                              weight=o(5, dtype=torch.float64)))
case("nll_4d_weight_requires_grad", lambda: F.nll_loss(torch.randn(3, 5, 2, 2), torch.zeros(3, 2, 2).long(),
                                                      weight=o(5, requires_grad=True)))
case("nll_3d_target", lambda: F.nll_loss(torch.randn(2, 5, 3), torch.randint(0, 5, (2, 4))))
case("nll_4d_out_of_bounds", lambda: F.nll_loss(torch.randn(2, 5, 3, 4), torch.full((2, 3, 4), 7)))
pr = torch.rand(4)
case("bce_above_1", lambda: F.binary_cross_entropy(torch.tensor([0.5, 1.5]), torch.tensor([0., 1.])))
case("bce_below_0", lambda: F.binary_cross_entropy(torch.tensor([0.5, -0.5]), torch.tensor([0., 1.])))
case("bce_nan", lambda: F.binary_cross_entropy(torch.tensor([0.5, math.nan]), torch.tensor([0., 1.])))
case("bce_shape", lambda: F.binary_cross_entropy(pr, torch.rand(2, 2)))
case("bce_weight_size", lambda: F.binary_cross_entropy(pr, pr, weight=torch.rand(3)))
case("bce_weight_grows", lambda: F.binary_cross_entropy(torch.rand(3), torch.rand(3), weight=torch.rand(2, 3)))
case("bce_long", lambda: F.binary_cross_entropy(pr.long(), pr.long()))
case("bce_target_long", lambda: F.binary_cross_entropy(pr, torch.tensor([0, 1, 0, 1])))
case("bce_target_double", lambda: F.binary_cross_entropy(pr, pr.double()))
case("bce_weight_requires_grad", lambda: F.binary_cross_entropy(pr, pr, weight=torch.rand(4, requires_grad=True)))
case("bce_reduction", lambda: F.binary_cross_entropy(pr, pr, reduction="foo"))
case("bcel_shape", lambda: F.binary_cross_entropy_with_logits(pr, torch.rand(2, 2)))
case("bcel_weight_size", lambda: F.binary_cross_entropy_with_logits(pr, pr, weight=torch.rand(3)))
case("bcel_weight_grows", lambda: F.binary_cross_entropy_with_logits(torch.rand(3), torch.rand(3), weight=torch.rand(2, 3)))
case("bcel_pos_weight_size", lambda: F.binary_cross_entropy_with_logits(pr, pr, pos_weight=torch.rand(3)))
case("bcel_target_long", lambda: F.binary_cross_entropy_with_logits(pr, torch.tensor([0, 1, 0, 1])))
case("bcel_long", lambda: F.binary_cross_entropy_with_logits(pr.long(), pr.long()))
case("bcel_weight_requires_grad", lambda: F.binary_cross_entropy_with_logits(pr, pr, weight=torch.rand(4, requires_grad=True)))
case("bcel_pos_weight_requires_grad",
     lambda: F.binary_cross_entropy_with_logits(pr, pr, pos_weight=torch.rand(4, requires_grad=True)))
case("mse_shape", lambda: F.mse_loss(pr, torch.rand(2, 2)))
case("mse_long", lambda: F.mse_loss(pr.long(), pr.long()))
case("mse_reduction", lambda: F.mse_loss(pr, pr, reduction="foo"))
# ---- dropout and batch norm
case("dropout_above_1", lambda: F.dropout(o(3), 1.5))
case("dropout_below_0", lambda: F.dropout(o(3), -0.5))
case("dropout_nan", lambda: F.dropout(o(3), math.nan))
case("dropout_long", lambda: F.dropout(o(3).long(), 0.5))
case("Dropout_above_1", lambda: nn.Dropout(2.0))
case("bn_running_mean", lambda: F.batch_norm(o(2, 3, 4, 4), o(4), o(3), training=True))
case("bn_running_var", lambda: F.batch_norm(o(2, 3, 4, 4), o(3), o(4), training=True))
case("bn_weight", lambda: F.batch_norm(o(2, 3, 4, 4), o(3), o(3), o(4), training=True))
case("bn_bias", lambda: F.batch_norm(o(2, 3, 4, 4), o(3), o(3), None, o(4), training=True))
case("bn_eval_no_mean", lambda: F.batch_norm(o(2, 3, 4, 4), None, None, training=False))
case("bn_eval_no_var", lambda: F.batch_norm(o(2, 3, 4, 4), o(3), None, training=False))
case("bn_one_value", lambda: F.batch_norm(o(1, 3, 1, 1), o(3), o(3), training=True))
case("bn_1d", lambda: F.batch_norm(o(3), o(3), o(3), training=False))
case("bn_long", lambda: F.batch_norm(o(2, 3, 4, 4).long(), o(3), o(3), training=True))
# ---- layers, init, modules
case("Conv2d_groups_0", lambda: nn.Conv2d(4, 2, 3, groups=0))
case("Conv2d_in_groups", lambda: nn.Conv2d(3, 4, 3, groups=2))
case("Conv2d_out_groups", lambda: nn.Conv2d(4, 3, 3, groups=2))
case("Conv2d_kernel_neg", lambda: nn.Conv2d(1, 2, -3))
case("Conv2d_in_neg", lambda: nn.Conv2d(-1, 2, 3))
case("Linear_in_neg", lambda: nn.Linear(-1, 2))
case("Linear_out_neg", lambda: nn.Linear(2, -1))
case("BatchNorm2d_neg", lambda: nn.BatchNorm2d(-1))
case("init_fan_1d", lambda: nn.init.kaiming_uniform_(o(3)))
case("init_uniform_range", lambda: nn.init.uniform_(o(3), 1, -1))
case("init_uniform_long", lambda: nn.init.uniform_(o(3).long(), -1, 1))
case("init_uniform_inf", lambda: nn.init.uniform_(o(3), -math.inf, math.inf))
m = nn.Module()
m.register_buffer("buf", o(1))
m.register_parameter("w", nn.Parameter(o(1)))
case("register_parameter_dot", lambda: m.register_parameter("a.b", None))
case("register_parameter_empty", lambda: m.register_parameter("", None))
case("register_parameter_taken", lambda: m.register_parameter("buf", None))
case("register_buffer_dot", lambda: m.register_buffer("a.b", None))
case("register_buffer_empty", lambda: m.register_buffer("", None))
case("register_buffer_taken", lambda: m.register_buffer("w", o(1)))
case("register_module_dot", lambda: m.add_module("a.b", None))
case("register_module_empty", lambda: m.add_module("", None))
case("register_module_taken", lambda: m.add_module("buf", nn.ReLU()))
case("module_to_long", lambda: nn.Linear(2, 2).to(torch.long))
# ---- optimizers
q = [nn.Parameter(o(2))]
case("sgd_lr", lambda: torch.optim.SGD(q, lr=-0.1))
case("sgd_momentum", lambda: torch.optim.SGD(q, lr=0.1, momentum=-1.0))
case("sgd_weight_decay", lambda: torch.optim.SGD(q, lr=0.1, weight_decay=-1.0))
case("sgd_nesterov", lambda: torch.optim.SGD(q, lr=0.1, nesterov=True))
case("sgd_nesterov_dampening", lambda: torch.optim.SGD(q, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True))
case("sgd_empty", lambda: torch.optim.SGD([], lr=0.1))
case("sgd_non_leaf", lambda: torch.optim.SGD([o(2, requires_grad=True) * 2], lr=0.1))
case("sgd_lr_checked_before_params", lambda: torch.optim.SGD([], lr=-0.1))
case("adam_lr", lambda: torch.optim.Adam(q, lr=-0.1))
case("adam_lr_nan", lambda: torch.optim.Adam(q, lr=math.nan))
case("adam_eps", lambda: torch.optim.Adam(q, lr=0.1, eps=-1e-08))
case("adam_beta0", lambda: torch.optim.Adam(q, lr=0.1, betas=(1.0, 0.999)))
case("adam_beta0_nan", lambda: torch.optim.Adam(q, lr=0.1, betas=(math.nan, 0.999)))
case("adam_beta1", lambda: torch.optim.Adam(q, lr=0.1, betas=(0.9, 1.0)))
case("adam_beta1_neg", lambda: torch.optim.Adam(q, lr=0.1, betas=(0.9, -0.5)))
case("adam_weight_decay", lambda: torch.optim.Adam(q, lr=0.1, weight_decay=-1.0))
case("adamw_weight_decay", lambda: torch.optim.AdamW(q, lr=0.1, weight_decay=-1.0))

# PyTorch 2.x's wording where it differs from 1.13's (source in the comment)
OVERRIDE_2X = {
    # aten/src/ATen/native/LinearAlgebra.cpp addmm_impl_cpu_ (mm's dtype check moved there)
    "mm_dtype": "expected m1 and m2 to have the same dtype, but got: float != double",
    "matmul_2d2d_dtype": "expected m1 and m2 to have the same dtype, but got: float != double",
    # _matmul_impl folds a 3-D operand times a matrix into mm
    "matmul_3d2d_dtype": "expected m1 and m2 to have the same dtype, but got: float != double",
    "linear_dtype": "expected m1 and m2 to have the same dtype, but got: float != double",
    # ADDMM_META: "self and mat2 must have the same dtype, but got ", self.scalar_type(), " and ", mat2.scalar_type()
    "linear_bias_dtype": "self and mat2 must have the same dtype, but got Double and Float",
    "linear_input_dtype": "mat1 and mat2 must have the same dtype, but got Double and Float",
    # addmv's meta: "size mismatch, got input (", ..., "), mat (", ..., "), vec (", ..., ")"
    "matmul_2d1d": "size mismatch, got input (2), mat (2x3), vec (4)",
    "matmul_3d1d": "size mismatch, got input (10), mat (10x3), vec (4)",
    "matmul_1d3d": "size mismatch, got input (10), mat (10x4), vec (3)",
    # Linear.cpp linear(): "both arguments to linear need to be at least 1D, but they are ..."
    "linear_0d": "both arguments to linear need to be at least 1D, but they are 0D and 2D",
    "linear_w0d": "both arguments to linear need to be at least 1D, but they are 2D and 0D",
    # Convolution.cpp check_shape_forward: "dilation should be greater than zero" (2.x rejects a zero dilation in its
    # kernels, with the same words in slow_conv_dilated_shape_check; Ember rejects it here)
    "conv_dilation_0": "dilation should be greater than zero",
    "conv_dilation_neg": "dilation should be greater than zero",
    # check_input_same_type_as_parameters, outside the mkldnn path
    "conv_dtype": "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same",
    # slow_conv2d_shape_check (1.13 reached mkldnn, which failed to make a descriptor)
    "conv_kernel_0": "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 3",
    # Pool.h pooling_output_shape
    "maxpool_padding_half": "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1",
    "maxpool_padding_half_w": "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1",
    "avgpool_padding_half": "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1",
}

for name, fn in CASES.items():
    try:
        fn()
        kind, msg = "none", ""
    except Exception as e:
        kind, msg = type(e).__name__, str(e).split("\nException raised from")[0]
        if isinstance(e, KeyError):
            msg = e.args[0]
    if name in OVERRIDE_2X:
        msg = OVERRIDE_2X[name]
    print(name, kind, json.dumps(msg), sep="\t")
