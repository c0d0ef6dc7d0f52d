# Writes shapes.txt: the output size, or the error, of conv2d, max_pool2d and avg_pool2d over a grid of input sizes,
# kernels, strides, paddings, dilations and ceil modes, for NNErrorsTest.java's sweep.
# Run: /usr/bin/python3 make_shapes.py > shapes.txt   (PyTorch 1.13; the one message 2.x words differently, the
# padding limit, is rewritten to 2.x's text from aten/src/ATen/native/Pool.h).
# Lines: op h k s p d ceil <TAB> "oh" or the error message.
import itertools
import re

import torch
import torch.nn.functional as F


def run(fn):
    try:
        return str(fn().shape[-2])
    except RuntimeError as e:
        msg = str(e).split("\n")[0]
        m = re.match(r"pad should be at most half of kernel size, but got pad=(\d+) and kernel_size=(\d+)", msg)
        if m:
            return None  # 2.x's limit depends on the dilation: computed below
        return msg


def pooling_output_shape(h, k, p, s, d, ceil):
    # aten/src/ATen/native/Pool.h pooling_output_shape_pad_lr (2.x), for the paddings 1.13 refused
    out = (h + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= h + p:
        out -= 1
    return out


def pool_pad_limit(p, k, d):
    # 2.x: pad <= ((kernel_size - 1) * dilation + 1) / 2
    return p > ((k - 1) * d + 1) // 2


for h, k, s, p, d, ceil in itertools.product(range(1, 8), range(1, 5), range(1, 4), range(0, 3), range(1, 3), (False, True)):
    x = torch.ones(1, 1, h, h)
    if pool_pad_limit(p, k, d):
        out = f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and dilation={d}"
    else:
        out = run(lambda: F.max_pool2d(x, k, s, p, d, ceil))
        if out is None:  # 1.13 refuses a padding 2.x allows with dilation: 2.x's rule gives the size
            o = pooling_output_shape(h, k, p, s, d, ceil)
            out = str(o) if o >= 1 else \
                f"Given input size: (1x{h}x{h}). Calculated output size: (1x{o}x{o}). Output size is too small"
    print("max_pool2d", h, k, s, p, d, int(ceil), out, sep=" ", end="\n")
    if d == 1:
        if pool_pad_limit(p, k, 1):
            out = f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and dilation=1"
        else:
            out = run(lambda: F.avg_pool2d(x, k, s, p, ceil))
        print("avg_pool2d", h, k, s, p, d, int(ceil), out, sep=" ")
for h, k, s, p, d in itertools.product(range(1, 7), range(1, 4), range(1, 4), range(0, 3), range(1, 4)):
    print("conv2d", h, k, s, p, d, 0, run(lambda: F.conv2d(torch.ones(1, 1, h, h), torch.ones(1, 1, k, k), None, s, p, d)),
          sep=" ")
