# Channels-last strides of the pooling, group norm, pixel shuffle and convolution ops, as PyTorch's CPU kernels give
# them for a channels-last float64 input x = seq(2, 4, 6, 6) laid out channels-last (and a row-major control; the _5d
# case: seq(2, 4, 3, 4, 3) laid out channels-last-3d, "channels-last" below meaning channels-last-3d for it):
#  - max_pool2d (values and indices), avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d: output (and indices) in
#    input.suggest_memory_format(), the input gradient too, whatever grad_output's layout;
#  - adaptive_avg_pool2d to 1x1: the mean over H, W with its output restrided in place to (C, 1, C, C)
#    (AsStridedBackward1), the input gradient row-major (mean's backward, an expand);
#  - group_norm: output channels-last; its input gradient channels-last as PyTorch 2.x's native_group_norm_backward
#    (dX = empty_like(X.contiguous(X.suggest_memory_format()))); 1.13 gave it row-major, written here as 2.x's; its
#    create_graph gradient (a composite in both) is not checked (empty field);
#  - pixel_shuffle / pixel_unshuffle: output in the input's suggested format, the input gradient (the other shuffle of
#    grad_output) in grad_output's;
#  - conv_transpose2d: 1.13's CPU slow_conv_transpose2d gives a row-major output for a channels-last input (its input
#    gradient channels-last already); 2.x's determine_backend_memory_format puts SlowTranspose2d (and MkldnnTranspose)
#    under thnn_conv_use_channels_last like conv2d, and its slow_conv_transpose2d_out_cpu_template resizes the output
#    in that format: the output (and the input gradient, with create_graph too) channels-last, written here as 2.x's;
#  - conv2d: the input gradient channels-last with create_graph as without.
# Each line: case|output strides|grad_fn|output values|indices strides|indices|input-grad strides for a
# channels-last g|for a row-major g|with create_graph (channels-last g)|input-grad values (channels-last g), where
# g = seq(out.shape) (+0.5). Run with /usr/bin/python3 (PyTorch 1.13): writes expected.txt beside this script.
import os
import torch
import torch.nn.functional as F


def seq(shape):
    n = 1
    for s in shape:
        n *= s
    v = torch.tensor([((7 * k) % 19 - 9) * 0.25 + 0.01 * (k % 5) for k in range(n)], dtype=torch.float64)
    return v.reshape(shape)


def cl(t):
    if t.dim() == 5:
        return t.contiguous(memory_format=torch.channels_last_3d)
    return t.contiguous(memory_format=torch.channels_last)


W = seq((4,)) + 1.5
B = seq((4,)) * 0.5
WC = seq((3, 4, 3, 3))
WT = seq((4, 3, 3, 3))
CASES = [
    ("max_pool2d", lambda x: F.max_pool2d(x, 2)),
    ("max_pool2d_indices", lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True)),
    ("max_pool2d_ceil_dilated", lambda x: F.max_pool2d(x, 2, 2, 0, 2, ceil_mode=True, return_indices=True)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2)),
    ("avg_pool2d_pad_ceil", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d_divisor", lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=2)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 4))),
    ("adaptive_avg_pool2d_1x1", lambda x: F.adaptive_avg_pool2d(x, 1)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (4, 3), return_indices=True)),
    ("adaptive_max_pool2d_1x1", lambda x: F.adaptive_max_pool2d(x, 1, return_indices=True)),
    ("group_norm", lambda x: F.group_norm(x, 2, W, B)),
    ("group_norm_plain", lambda x: F.group_norm(x, 4)),
    ("group_norm_5d", lambda x: F.group_norm(x, 2, W, B)),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2)),
    ("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2)),
    ("conv2d", lambda x: F.conv2d(x, WC, padding=1)),
    ("conv_transpose2d", lambda x: F.conv_transpose2d(x, WT, stride=2, padding=1, output_padding=1)),
]

fmt = lambda t: " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())
st = lambda t: ",".join(map(str, t.stride()))
out = []
for layout in ("cl", "rowmajor"):
    for case, f in CASES:
        x = seq((2, 4, 3, 4, 3) if case.endswith("_5d") else (2, 4, 6, 6))
        x = (cl(x) if layout == "cl" else x).requires_grad_()
        r = f(x)
        y, idx = (r if isinstance(r, tuple) else (r, None))
        g = seq(tuple(y.shape)) + 0.5
        gx_cl, = torch.autograd.grad(y, x, cl(g), retain_graph=True)
        gx_row, = torch.autograd.grad(y, x, g.contiguous(), retain_graph=True)
        gx_cg, = torch.autograd.grad(y, x, cl(g), create_graph=True)
        if case.startswith("group_norm") and layout == "cl":
            assert gx_cl.is_contiguous()  # 1.13's; 2.x's native_group_norm_backward: channels-last
            gx_cl = cl(gx_cl)
            gx_row = cl(gx_row)
        node = y.grad_fn.name()
        if case == "conv_transpose2d" and layout == "cl":
            assert y.is_contiguous()  # 1.13's; 2.x's: channels-last
            y = cl(y)
            gx_cl, gx_row, gx_cg = cl(gx_cl), cl(gx_row), cl(gx_cg)
        out.append("%s %s|%s|%s|%s|%s|%s|%s|%s|%s|%s" % (
            layout, case, st(y), node, fmt(y), "" if idx is None else st(idx),
            "" if idx is None else " ".join(map(str, idx.reshape(-1).tolist())),
            st(gx_cl), st(gx_row), "" if case.startswith("group_norm") else st(gx_cg), fmt(gx_cl)))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as fh:
    fh.write("\n".join(out) + "\n")
