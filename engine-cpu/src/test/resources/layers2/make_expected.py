# Writes expected.txt: values, gradients, node names, error messages, module printouts and state-dict keys of issue 15's
# convolution, resampling and recurrent layers, read by Layers2Test.java and Layers2ModulesTest.java through
# PyTorchCases.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value": "inputs <names>" lists the inputs, each a line
# "x float64 [2, 3] : v v v" (logical values, row-major; the Java test also runs them through non-contiguous layouts,
# which PyTorch's values do not depend on), results the same way ("out ...", "grad_x ..."), "node <grad_fn name>", or
# "error <Type> <message>". Every gradient is of sum(out * gout) (for several outputs, the sum over each output o of
# sum(o * gout_o)) for the printed gouts. Floats are printed with repr, so they read back exactly.
#
# Versions: Ember follows PyTorch 2.x; 1.13's facts are used except where 2.x differs (each written below from 2.x's
# source):
# - Upsampling's nodes: 2.x records the op the .vec overload decomposes into (tools/autograd/derivatives.yaml has
#   "- name: upsample_nearest2d(Tensor self, SymInt[2] output_size, float? scales_h=None, float? scales_w=None)" and no
#   .vec entries), so F.interpolate's nodes are UpsampleNearest2DBackward0, UpsampleNearestExact2DBackward0 (from
#   "_upsample_nearest_exact2d"), UpsampleBilinear2DBackward0 (1D and 3D alike); 1.13 records the .vec overloads,
#   "...Backward1". The names below are 1.13's with "Backward1" read as "Backward0" (function node_2x).
# - nn.Upsample's extra_repr in 2.x (torch/nn/modules/upsampling.py): 'info += ", mode=" + repr(self.mode)', so the
#   mode prints quoted ("Upsample(scale_factor=2.0, mode='nearest')"); installed below before printing.
# - nn.LSTM/nn.GRU (torch/nn/modules/rnn.py, 2.x): forward begins "if input.dim() not in (2, 3): raise ValueError(
#   f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")" (GRU: "GRU: ..."); check_input's dtype check
#   is "raise ValueError(f'input must have the type {self._flat_weights[0].dtype}, got type {input.dtype}')";
#   RNNBase.__init__ checks "hidden_size must be greater than zero" and "num_layers must be greater than zero"
#   (ValueError) after the dropout check.
# - nn.LSTMCell/nn.GRUCell (2.x): "LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead",
#   "LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead", "GRUCell: Expected input to be 1D or 2D,
#   got ...D instead", "GRUCell: Expected hidden to be 1D or 2D, got ...D instead" (ValueError; 1.13 asserts).
# - lstm_cell checks cx with label 1 (aten/src/ATen/native/RNN.cpp: "check_rnn_cell_forward_hidden(input, hx[1],
#   std::move(hidden_size), 1)"): "... hidden1 ..."; 1.13 says hidden0.
# - A dtype mismatch in a cell reaches addmm, whose 2.x message is ADDMM_META's "mat1 and mat2 must have the same
#   dtype, but got Double and Float" (1.13: "mat1 and mat2 must have the same dtype").
# - Convolution: Convolution.cpp's check_shape_forward rejects a negative dilation with "dilation should be greater
#   than zero" and 2.x's CPU kernels a zero one in the same words (as nnerrors/make_expected.py records for conv2d);
#   check_input_same_type_as_parameters words a type mismatch "Input type (torch.FloatTensor) and weight type
#   (torch.DoubleTensor) should be the same" (and "... bias type ...") for conv1d and conv_transpose2d (1.13: "...
#   should be the same or input should be a MKLDNN tensor ..." and, transposed, "expected scalar type Float but found
#   Double"); conv1d's top-level bias check prints dtype names ("Input type (float) and bias type (double) should be
#   the same", at::conv1d); a zero kernel is slow_conv2d_shape_check's "kernel size should be greater than zero, but
#   got kernel_height: 1 kernel_width: 0" (1.13 reached mkldnn). conv1d of int64: 2.x's slow_conv2d_cpu dispatches
#   floating types only ('"slow_conv2d_cpu" not implemented for 'Long''; 1.13 computed it).
# - A transposed dilation of -1 fails check_shape_forward in 2.x ("dilation should be greater than zero"); 1.13 reached
#   the kernel's message with the sizes.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
D = torch.float64


def upsample_repr_2x(self):
    if self.scale_factor is not None:
        info = "scale_factor=" + repr(self.scale_factor)
    else:
        info = "size=" + repr(self.size)
    info += ", mode=" + repr(self.mode)
    return info


nn.Upsample.extra_repr = upsample_repr_2x


def node_2x(name):
    if name.startswith("Upsample") and name.endswith("Backward1"):
        return name[:-1] + "0"
    return name


ERR_2X = {
    "c1_err_dil0": ("RuntimeError", "dilation should be greater than zero"),
    "c1_err_bias_type": ("RuntimeError", "Input type (float) and bias type (double) should be the same"),
    "c1_err_type": ("RuntimeError", "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same"),
    "c1_err_long": ("RuntimeError", "\"slow_conv2d_cpu\" not implemented for 'Long'"),
    "c1_err_k0": ("RuntimeError", "kernel size should be greater than zero, but got kernel_height: 1 kernel_width: 0"),
    "ct_err_bias_type": ("RuntimeError", "Input type (torch.FloatTensor) and bias type (torch.DoubleTensor) should be the same"),
    "ct_err_type": ("RuntimeError", "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same"),
    "ct_err_dilneg": ("RuntimeError", "dilation should be greater than zero"),
    "lstm_err_1d": ("ValueError", "LSTM: Expected input to be 2D or 3D, got 1D instead"),
    "lstm_err_4d": ("ValueError", "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    "lstm_err_dtype": ("ValueError", "input must have the type torch.float32, got type torch.float64"),
    "gru_err_1d": ("ValueError", "GRU: Expected input to be 2D or 3D, got 1D instead"),
    "gru_err_dtype": ("ValueError", "input must have the type torch.float32, got type torch.float64"),
    "rnn_err_hidden0": ("ValueError", "hidden_size must be greater than zero"),
    "rnn_err_layers0": ("ValueError", "num_layers must be greater than zero"),
    "cell_err_3d": ("ValueError", "LSTMCell: Expected input to be 1D or 2D, got 3D instead"),
    "cell_err_hx3d": ("ValueError", "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead"),
    "cell_err_c_batch": ("RuntimeError", "Input batch size 2 doesn't match hidden1 batch size 3"),
    "cell_err_c_hidden": ("RuntimeError", "hidden1 has inconsistent hidden_size: got 5, expected 4"),
    "cell_err_dtype": ("RuntimeError", "mat1 and mat2 must have the same dtype, but got Double and Float"),
    "gcell_err_3d": ("ValueError", "GRUCell: Expected input to be 1D or 2D, got 3D instead"),
    "gcell_err_hx3d": ("ValueError", "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
    "gcell_err_dtype": ("RuntimeError", "mat1 and mat2 must have the same dtype, but got Double and Float"),
}


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool",
             torch.uint8: "uint8"}[t.dtype]
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


def backward(outs, leaves):
    """Prints a gout per output (gout, gout1, ...) and backpropagates sum(o * gout)."""
    total = 0
    for k, o in enumerate(outs):
        if o is None or not o.requires_grad:
            continue
        g = r(*o.shape, dtype=o.dtype)
        line("gout" if k == 0 else "gout" + str(k), fmt(g))
        total = total + (o * g).sum()
    if isinstance(total, torch.Tensor):
        total.backward()
    for k, v in leaves.items():
        if v.grad is not None:
            line("grad_" + k, fmt(v.grad))


def case(key, fn, inputs, node=None, grad=True):
    """inputs: name -> tensor; floating ones take gradients. fn(**leaves) returns the output (or a tuple: out, out1..;
    a ValuesIndices-like tuple prints its second entry as "idx" without a gradient)."""
    head(key)
    line("inputs", " ".join(inputs))
    leaves = {}
    for k, v in inputs.items():
        line(k, fmt(v))
        leaves[k] = v.clone().requires_grad_(v.dtype.is_floating_point)
    res = fn(**leaves)
    outs = list(res) if isinstance(res, tuple) else [res]
    for k, o in enumerate(outs):
        line("out" if k == 0 else "out" + str(k), fmt(o))
    grad_outs = [o if o.dtype.is_floating_point else None for o in outs]
    line("node", node or node_2x(type(outs[0].grad_fn).__name__ if outs[0].grad_fn is not None else "None"))
    for k, o in enumerate(outs[1:], 1):
        if o.grad_fn is not None:
            line("node" + str(k), node_2x(type(o.grad_fn).__name__))
    if grad:
        backward(grad_outs, leaves)


# ---------------------------------------------------------------- conv1d
case("conv1d", lambda x, w, b: F.conv1d(x, w, b), {"x": r(2, 3, 7), "w": r(4, 3, 3), "b": r(4)})
case("conv1d_options", lambda x, w: F.conv1d(x, w, None, stride=2, padding=2, dilation=2, groups=2),
     {"x": r(2, 4, 9), "w": r(6, 2, 3)})
case("conv1d_unbatched", lambda x, w, b: F.conv1d(x, w, b, padding=1), {"x": r(3, 6), "w": r(2, 3, 3), "b": r(2)})
case("conv1d_empty_batch", lambda x, w, b: F.conv1d(x, w, b), {"x": r(0, 3, 7), "w": r(4, 3, 3), "b": r(4)})
case("conv1d_same", lambda x, w: F.conv1d(x, w, None, padding="same"), {"x": r(2, 3, 7), "w": r(4, 3, 4)})
case("conv1d_same_dilated", lambda x, w: F.conv1d(x, w, None, padding="same", dilation=2), {"x": r(2, 3, 7),
                                                                                           "w": r(4, 3, 3)})
case("conv1d_valid", lambda x, w: F.conv1d(x, w, None, padding="valid"), {"x": r(1, 2, 5), "w": r(3, 2, 2)})
case("conv1d_float32", lambda x, w, b: F.conv1d(x, w, b, stride=3, padding=1),
     {"x": r(3, 5, 11, dtype=torch.float32), "w": r(7, 5, 4, dtype=torch.float32), "b": r(7, dtype=torch.float32)})

x1 = torch.randn(2, 3, 7)
w1 = torch.randn(4, 3, 3)
err("c1_err_1d", lambda: F.conv1d(torch.randn(7), w1))
err("c1_err_4d", lambda: F.conv1d(torch.randn(1, 2, 3, 7), w1))
err("c1_err_w2d", lambda: F.conv1d(x1, torch.randn(4, 3)))
err("c1_err_w4d", lambda: F.conv1d(x1, torch.randn(4, 3, 1, 1)))
err("c1_err_groups", lambda: F.conv1d(x1, w1, groups=2))
err("c1_err_channels", lambda: F.conv1d(x1, torch.randn(4, 2, 3)))
err("c1_err_bias", lambda: F.conv1d(x1, w1, torch.randn(3)))
err("c1_err_bias_type", lambda: F.conv1d(x1, w1, torch.randn(4).double()))
err("c1_err_type", lambda: F.conv1d(x1, w1.double()))
err("c1_err_long", lambda: F.conv1d(x1.long(), w1.long()))
err("c1_err_big_kernel", lambda: F.conv1d(x1, torch.randn(4, 3, 9)))
err("c1_err_stride0", lambda: F.conv1d(x1, w1, stride=0))
err("c1_err_pad_neg", lambda: F.conv1d(x1, w1, padding=-1))
err("c1_err_dil0", lambda: F.conv1d(x1, w1, dilation=0))
err("c1_err_stride_len", lambda: F.conv1d(x1, w1, stride=(1, 2)))
err("c1_err_empty_length", lambda: F.conv1d(torch.randn(2, 3, 0), w1, padding=2))
err("c1_err_k0", lambda: F.conv1d(x1, torch.randn(4, 3, 0)))
err("c1_err_groups0", lambda: F.conv1d(x1, w1, groups=0))
err("c1_err_same_stride", lambda: F.conv1d(x1, w1, padding="same", stride=2))
err("c1_err_bad_padding", lambda: F.conv1d(x1, w1, padding="foo"))

# ---------------------------------------------------------------- conv_transpose2d
case("convt", lambda x, w, b: F.conv_transpose2d(x, w, b), {"x": r(2, 4, 5, 5), "w": r(4, 3, 3, 3), "b": r(3)})
case("convt_options", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                                          groups=2, dilation=(1, 2)),
     {"x": r(2, 4, 5, 6), "w": r(4, 3, 3, 2), "b": r(6)})
case("convt_outpad_dilation", lambda x, w: F.conv_transpose2d(x, w, None, dilation=2, output_padding=1),
     {"x": r(1, 2, 4, 3), "w": r(2, 3, 2, 3)})
case("convt_stride3", lambda x, w: F.conv_transpose2d(x, w, None, stride=3, padding=1, output_padding=2),
     {"x": r(2, 3, 3, 4), "w": r(3, 2, 3, 2)})
case("convt_unbatched", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2), {"x": r(4, 3, 3), "w": r(4, 2, 2, 2),
                                                                                "b": r(2)})
case("convt_empty_batch", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2), {"x": r(0, 4, 3, 3), "w": r(4, 2, 3, 3),
                                                                                  "b": r(2)})
case("convt_float32", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     {"x": r(2, 3, 6, 5, dtype=torch.float32), "w": r(3, 4, 3, 3, dtype=torch.float32), "b": r(4, dtype=torch.float32)})

xt = torch.randn(2, 4, 5, 5)
wt = torch.randn(4, 3, 3, 3)
err("ct_err_2d", lambda: F.conv_transpose2d(torch.randn(5, 5), wt))
err("ct_err_5d", lambda: F.conv_transpose2d(torch.randn(1, 2, 4, 5, 5), wt))
err("ct_err_channels", lambda: F.conv_transpose2d(torch.randn(2, 3, 5, 5), wt))
err("ct_err_groups", lambda: F.conv_transpose2d(xt, wt, groups=3))
err("ct_err_groups_big", lambda: F.conv_transpose2d(xt, wt, groups=8))
err("ct_err_groups0", lambda: F.conv_transpose2d(xt, wt, groups=0))
err("ct_err_bias", lambda: F.conv_transpose2d(xt, wt, torch.randn(4)))
err("ct_err_bias_type", lambda: F.conv_transpose2d(xt, wt, torch.randn(3).double()))
err("ct_err_type", lambda: F.conv_transpose2d(xt, wt.double()))
err("ct_err_outpad", lambda: F.conv_transpose2d(xt, wt, output_padding=1))
err("ct_err_outpad_neg", lambda: F.conv_transpose2d(xt, wt, output_padding=-1))
err("ct_err_stride0", lambda: F.conv_transpose2d(xt, wt, stride=0))
err("ct_err_pad_neg", lambda: F.conv_transpose2d(xt, wt, padding=-1))
err("ct_err_dil0", lambda: F.conv_transpose2d(xt, wt, dilation=0))
err("ct_err_dilneg", lambda: F.conv_transpose2d(xt, wt, dilation=-1))
err("ct_err_too_small", lambda: F.conv_transpose2d(xt, wt, padding=4))
err("ct_err_empty_h", lambda: F.conv_transpose2d(torch.randn(2, 4, 0, 5), wt))
err("ct_err_k0", lambda: F.conv_transpose2d(xt, torch.randn(4, 3, 0, 3)))
err("ct_err_w3d", lambda: F.conv_transpose2d(xt, torch.randn(4, 3, 3)))
err("ct_err_stride_len", lambda: F.conv_transpose2d(xt, wt, stride=(1, 2, 3)))
err("ct_err_outpad_len", lambda: F.conv_transpose2d(xt, wt, output_padding=(1, 2, 3)))

# nn.ConvTranspose2d's output_size
ctm = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1).double()
with torch.no_grad():
    for p in ctm.parameters():
        p.copy_(r(*p.shape))
xo = r(2, 4, 5, 5)
head("convt_module_output_size")
line("inputs", "x w b")
line("x", fmt(xo))
line("w", fmt(ctm.weight))
line("b", fmt(ctm.bias))
line("out", fmt(ctm(xo, output_size=[10, 10])))
err("ct_err_output_size", lambda: ctm(xo, output_size=[12, 12]))
err("ct_err_output_size_len", lambda: ctm(xo, output_size=[10, 10, 10]))

# ---------------------------------------------------------------- adaptive pooling
case("aap", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), {"x": r(2, 3, 7, 9)})
case("aap_3d", lambda x: F.adaptive_avg_pool2d(x, (4, 2)), {"x": r(3, 5, 6)})
case("aap_upsample", lambda x: F.adaptive_avg_pool2d(x, (5, 7)), {"x": r(1, 2, 3, 3)})
case("aap_1x1", lambda x: F.adaptive_avg_pool2d(x, 1), {"x": r(2, 3, 4, 5)})
case("aap_1x1_2d", lambda x: F.adaptive_avg_pool2d(x, 1), {"x": r(3, 4)})
# (PyTorch's backward refuses an empty output plane, "adaptive_avg_pool2d_backward(): Expected grad_output to have
# non-zero size for non-batch dimensions"; Ember's gives zeros: the forward only)
case("aap_zero", lambda x: F.adaptive_avg_pool2d(x, (0, 2)), {"x": r(2, 3, 4, 4)}, grad=False)
case("aap_empty_batch", lambda x: F.adaptive_avg_pool2d(x, (2, 2)), {"x": r(0, 3, 4, 4)})
case("aap_float32", lambda x: F.adaptive_avg_pool2d(x, (5, 3)), {"x": r(2, 4, 11, 13, dtype=torch.float32)})
x4 = torch.randn(2, 3, 5, 5)
err("aap_err_2d", lambda: F.adaptive_avg_pool2d(torch.randn(3, 4), (2, 2)))
err("aap_err_5d", lambda: F.adaptive_avg_pool2d(torch.randn(1, 2, 3, 4, 5), (2, 2)))
err("aap_err_empty_h", lambda: F.adaptive_avg_pool2d(torch.randn(2, 3, 0, 4), (2, 2)))
err("aap_err_neg", lambda: F.adaptive_avg_pool2d(x4, (-1, 2)))
err("aap_err_long", lambda: F.adaptive_avg_pool2d(x4.long(), (2, 2)))
err("aap_err_sizes", lambda: F.adaptive_avg_pool2d(x4, (2, 2, 2)))

case("amp", lambda x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True), {"x": r(2, 3, 7, 9)})
case("amp_3d", lambda x: F.adaptive_max_pool2d(x, (4, 2), return_indices=True), {"x": r(3, 5, 6)})
case("amp_upsample", lambda x: F.adaptive_max_pool2d(x, (5, 7), return_indices=True), {"x": r(1, 2, 3, 3)})
ties = torch.tensor([[1., 3., 3., 0.], [3., 2., 1., 3.], [0., 0., 0., 0.], [-1., -1., -2., -1.]], dtype=D).reshape(1, 1, 4, 4)
case("amp_ties", lambda x: F.adaptive_max_pool2d(x, (2, 2), return_indices=True), {"x": ties})
nans = torch.tensor([[1., math.nan, 3., 0.], [math.nan, 2., math.inf, 3.], [0., -math.inf, 0., 0.],
                     [-1., -1., -2., math.nan]], dtype=D).reshape(1, 1, 4, 4)
case("amp_nan", lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True), {"x": nans})
case("amp_empty_batch", lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True), {"x": r(0, 3, 4, 4)})
case("amp_3d_no_channels", lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True), {"x": r(0, 4, 4)})
case("amp_1x1", lambda x: F.adaptive_max_pool2d(x, 1, return_indices=True), {"x": r(2, 3, 4, 5)})
case("amp_float32", lambda x: F.adaptive_max_pool2d(x, (5, 3), return_indices=True),
     {"x": r(2, 4, 11, 13, dtype=torch.float32)})
err("amp_err_2d", lambda: F.adaptive_max_pool2d(torch.randn(3, 4), (2, 2)))
err("amp_err_2d_int", lambda: F.adaptive_max_pool2d(torch.randn(3, 4), 2))
err("amp_err_empty_h", lambda: F.adaptive_max_pool2d(torch.randn(2, 3, 0, 4), (2, 2)))
err("amp_err_empty_c", lambda: F.adaptive_max_pool2d(torch.randn(2, 0, 4, 4), (2, 2)))
err("amp_err_neg", lambda: F.adaptive_max_pool2d(x4, (-1, 2)))
err("amp_err_long", lambda: F.adaptive_max_pool2d(x4.long(), (2, 2)))
err("amp_err_sizes", lambda: F.adaptive_max_pool2d(x4, (2, 2, 2)))

# ---------------------------------------------------------------- interpolate
case("up_nearest_scale2", lambda x: F.interpolate(x, scale_factor=2), {"x": r(2, 3, 3, 4)})
case("up_nearest_size", lambda x: F.interpolate(x, size=(7, 5)), {"x": r(2, 2, 4, 3)})
case("up_nearest_down", lambda x: F.interpolate(x, size=(2, 3)), {"x": r(1, 2, 5, 7)})
case("up_nearest_scale_frac", lambda x: F.interpolate(x, scale_factor=(1.7, 0.6)), {"x": r(1, 2, 5, 7)})
case("up_nearest_recompute", lambda x: F.interpolate(x, scale_factor=(1.7, 0.6), recompute_scale_factor=True),
     {"x": r(1, 2, 5, 7)})
case("up_nearest_1d", lambda x: F.interpolate(x, size=7), {"x": r(2, 3, 4)})
case("up_nearest_3d", lambda x: F.interpolate(x, scale_factor=(2, 1, 1.5)), {"x": r(1, 2, 2, 3, 2)})
case("up_nearest_exact", lambda x: F.interpolate(x, size=(7, 5), mode="nearest-exact"), {"x": r(2, 2, 4, 3)})
case("up_nearest_exact_scale", lambda x: F.interpolate(x, scale_factor=1.7, mode="nearest-exact"), {"x": r(1, 2, 5, 4)})
case("up_nearest_exact_1d", lambda x: F.interpolate(x, size=13, mode="nearest-exact"), {"x": r(1, 1, 10)})
case("up_nearest_same", lambda x: F.interpolate(x, size=(3, 4)), {"x": r(1, 2, 3, 4)})
case("up_nearest_empty_batch", lambda x: F.interpolate(x, size=3), {"x": r(0, 3, 4, 4)})
case("up_nearest_float32", lambda x: F.interpolate(x, size=(9, 11)), {"x": r(2, 3, 5, 6, dtype=torch.float32)})
case("up_nearest_uint8", lambda x: F.interpolate(x, scale_factor=(2, 1.5)),
     {"x": torch.randint(0, 255, (1, 2, 3, 4), dtype=torch.uint8)})
case("up_bilinear", lambda x: F.interpolate(x, size=(7, 8), mode="bilinear"), {"x": r(2, 3, 4, 5)})
case("up_bilinear_align", lambda x: F.interpolate(x, size=(7, 8), mode="bilinear", align_corners=True),
     {"x": r(2, 3, 4, 5)})
case("up_bilinear_scale", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), {"x": r(1, 2, 3, 4)})
case("up_bilinear_scale_frac", lambda x: F.interpolate(x, scale_factor=(1.5, 2.3), mode="bilinear"),
     {"x": r(1, 2, 3, 4)})
case("up_bilinear_down", lambda x: F.interpolate(x, scale_factor=0.6, mode="bilinear"), {"x": r(1, 2, 7, 9)})
case("up_bilinear_down_align", lambda x: F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=True),
     {"x": r(1, 2, 7, 9)})
case("up_bilinear_same", lambda x: F.interpolate(x, size=(3, 4), mode="bilinear"), {"x": r(1, 2, 3, 4)})
case("up_bilinear_one", lambda x: F.interpolate(x, size=(1, 3), mode="bilinear", align_corners=True),
     {"x": r(1, 1, 4, 4)})
case("up_bilinear_empty_batch", lambda x: F.interpolate(x, size=3, mode="bilinear"), {"x": r(0, 3, 4, 4)})
case("up_bilinear_float32", lambda x: F.interpolate(x, size=(9, 13), mode="bilinear"),
     {"x": r(2, 3, 5, 6, dtype=torch.float32)})
case("up_bilinear_float32_align", lambda x: F.interpolate(x, scale_factor=(2.5, 1.5), mode="bilinear",
                                                          align_corners=True),
     {"x": r(2, 3, 5, 6, dtype=torch.float32)})
case("up_area", lambda x: F.interpolate(x, size=(3, 4), mode="area"), {"x": r(1, 2, 7, 9)})
case("up_area_scale", lambda x: F.interpolate(x, scale_factor=0.5, mode="area"), {"x": r(1, 2, 7, 9)})

err("up_err_both", lambda: F.interpolate(x4, size=3, scale_factor=2))
err("up_err_none", lambda: F.interpolate(x4))
err("up_err_size_len", lambda: F.interpolate(x4, size=[3, 3, 3]))
err("up_err_scale_len", lambda: F.interpolate(x4, scale_factor=[3., 3., 3.]))
err("up_err_recompute_size", lambda: F.interpolate(x4, size=3, recompute_scale_factor=True))
err("up_err_align_nearest", lambda: F.interpolate(x4, size=3, align_corners=True))
err("up_err_bilinear_3d", lambda: F.interpolate(torch.randn(2, 3, 4), size=3, mode="bilinear"))
err("up_err_bilinear_5d", lambda: F.interpolate(torch.randn(2, 3, 4, 4, 4), size=3, mode="bilinear"))
err("up_err_nearest_2d", lambda: F.interpolate(torch.randn(2, 3), size=3))
err("up_err_nearest_6d", lambda: F.interpolate(torch.randn(1, 1, 1, 2, 3, 4), size=3))
err("up_err_bad_mode", lambda: F.interpolate(x4, size=3, mode="foo"))
err("up_err_zero_size", lambda: F.interpolate(x4, size=0))
err("up_err_zero_scale", lambda: F.interpolate(x4, scale_factor=0.1))
err("up_err_zero_scale_bilinear", lambda: F.interpolate(x4, scale_factor=0.1, mode="bilinear"))
err("up_err_neg_scale", lambda: F.interpolate(x4, scale_factor=-2.))
err("up_err_empty_h", lambda: F.interpolate(torch.randn(2, 3, 0, 4), size=3))
err("up_err_empty_c", lambda: F.interpolate(torch.randn(2, 0, 4, 4), size=3))
err("up_err_empty_c_1d", lambda: F.interpolate(torch.randn(2, 0, 4), size=3))
err("up_err_zero_1d", lambda: F.interpolate(torch.randn(2, 3, 4), size=0))
err("up_err_zero_3d", lambda: F.interpolate(torch.randn(1, 2, 2, 3, 2), size=(2, 0, 1)))
err("up_err_long_nearest", lambda: F.interpolate(x4.long(), size=3))
err("up_err_bool_nearest", lambda: F.interpolate(x4 > 0, size=3))
err("up_err_long_exact", lambda: F.interpolate(x4.long(), size=3, mode="nearest-exact"))
err("up_err_long_bilinear", lambda: F.interpolate(x4.long(), size=3, mode="bilinear"))

# ---------------------------------------------------------------- pixel shuffle
case("ps", lambda x: F.pixel_shuffle(x, 2), {"x": r(2, 8, 3, 3)})
case("ps_5d", lambda x: F.pixel_shuffle(x, 2), {"x": r(2, 2, 8, 2, 3)})
case("ps_3", lambda x: F.pixel_shuffle(x, 3), {"x": r(18, 2, 1)})
case("ps_1", lambda x: F.pixel_shuffle(x, 1), {"x": r(1, 3, 2, 2)})
# (1.13's PixelShuffleBackward0 fails on an empty batch, "returned an invalid gradient at index 0 - got [0, 2, 6, 6]":
# the forward only; Ember's gradient is the empty [0, 8, 3, 3])
case("ps_empty", lambda x: F.pixel_shuffle(x, 2), {"x": r(0, 8, 3, 3)}, grad=False)
case("ps_long", lambda x: F.pixel_shuffle(x, 2), {"x": torch.arange(32).reshape(8, 2, 2)})
case("pu", lambda x: F.pixel_unshuffle(x, 2), {"x": r(2, 2, 6, 4)})
case("pu_5d", lambda x: F.pixel_unshuffle(x, 3), {"x": r(2, 1, 2, 3, 6)})
case("pu_float32", lambda x: F.pixel_unshuffle(x, 2), {"x": r(3, 5, 4, 8, dtype=torch.float32)})
err("ps_err_2d", lambda: F.pixel_shuffle(torch.randn(4, 4), 2))
err("ps_err_factor", lambda: F.pixel_shuffle(torch.randn(4, 4, 4), 0))
err("ps_err_channels", lambda: F.pixel_shuffle(torch.randn(6, 4, 4), 2))
err("pu_err_2d", lambda: F.pixel_unshuffle(torch.randn(4, 4), 2))
err("pu_err_factor", lambda: F.pixel_unshuffle(torch.randn(4, 4, 4), -1))
err("pu_err_h", lambda: F.pixel_unshuffle(torch.randn(4, 3, 4), 2))
err("pu_err_w", lambda: F.pixel_unshuffle(torch.randn(4, 4, 3), 2))


# ---------------------------------------------------------------- recurrent layers
def params_of(m, dtype=D):
    """Fills a module's parameters from U(-1, 1) in dtype; returns them by name."""
    m.to(dtype)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(r(*p.shape, lo=-1.0, hi=1.0, dtype=dtype))
    return dict(m.named_parameters())


def rnn_case(key, module, x, hx=None, dtype=D):
    """A recurrent module's case: its parameters (by state-dict name), the input and states, every output with its
    node, and the gradients of all of them."""
    head(key)
    ps = params_of(module, dtype)
    names = ["x"] + (["h0"] if hx is not None else []) + (["c0"] if isinstance(hx, tuple) else [])
    line("inputs", " ".join(names))
    line("params", " ".join(ps))
    line("x", fmt(x))
    xs = x.clone().requires_grad_(True)
    leaves = {"x": xs}
    h = None
    if isinstance(hx, tuple):
        line("h0", fmt(hx[0]))
        line("c0", fmt(hx[1]))
        h = (hx[0].clone().requires_grad_(True), hx[1].clone().requires_grad_(True))
        leaves["h0"], leaves["c0"] = h
    elif hx is not None:
        line("h0", fmt(hx))
        h = hx.clone().requires_grad_(True)
        leaves["h0"] = h
    for k, p in ps.items():
        line(k, fmt(p))
        leaves[k] = p
    res = module(xs, h) if h is not None else module(xs)
    if isinstance(module, nn.LSTM):
        outs = [res[0], res[1][0], res[1][1]]
    elif isinstance(module, nn.GRU):
        outs = [res[0], res[1]]
    elif isinstance(module, nn.LSTMCell):
        outs = [res[0], res[1]]
    else:
        outs = [res]
    for k, o in enumerate(outs):
        line("out" if k == 0 else "out" + str(k), fmt(o))
        line("node" if k == 0 else "node" + str(k), node_2x(module, x, k, type(o.grad_fn).__name__))
    backward(outs, leaves)


def node_2x(module, x, k, node):
    """The output's node in PyTorch 2.x, where 1.13's differs: a float32 nn.LSTM without projection on the CPU takes
    2.x's oneDNN path (aten/src/ATen/native/RNN.cpp's use_mkldnn, then mkldnn/RNN.cpp's mkldnn_rnn), whose output
    is the last layer's mkldnn_rnn_layer result (MkldnnRnnLayerBackward0), its concatenation when bidirectional
    (CatBackward0) and its transpose when batch first (TransposeBackward0); h_n and c_n stay StackBackward0. 1.13
    composes the cells (the output's node StackBackward0). An empty input stays on the composition (use_mkldnn asks
    for numel() != 0)."""
    if (k == 0 and isinstance(module, nn.LSTM) and x.dtype == torch.float32 and module.proj_size == 0
            and x.numel() != 0):
        if module.batch_first:
            return "TransposeBackward0"
        return "CatBackward0" if module.bidirectional else "MkldnnRnnLayerBackward0"
    return node


T, N = 5, 2
rnn_case("lstm", nn.LSTM(3, 4), r(T, N, 3), (r(1, N, 4), r(1, N, 4)))
rnn_case("lstm_zero_state", nn.LSTM(3, 4), r(T, N, 3))
rnn_case("lstm_2layer_bidir_batch_first", nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
         r(N, T, 3), (r(4, N, 4), r(4, N, 4)))
rnn_case("lstm_nobias_proj", nn.LSTM(3, 5, bias=False, proj_size=2), r(T, N, 3))
rnn_case("lstm_proj_bidir", nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True), r(4, 3, 3),
         (r(4, 3, 2), r(4, 3, 5)))
rnn_case("lstm_unbatched", nn.LSTM(3, 4), r(T, 3), (r(1, 4), r(1, 4)))
rnn_case("lstm_unbatched_batch_first", nn.LSTM(3, 4, batch_first=True), r(T, 3))
rnn_case("lstm_empty_batch", nn.LSTM(3, 4), r(T, 0, 3))
rnn_case("lstm_float32", nn.LSTM(6, 7, num_layers=2), r(9, 3, 6, dtype=torch.float32),
         (r(2, 3, 7, dtype=torch.float32), r(2, 3, 7, dtype=torch.float32)), dtype=torch.float32)
lstm_drop = nn.LSTM(3, 4, num_layers=2, dropout=1.0)
rnn_case("lstm_dropout_all", lstm_drop, r(T, N, 3))
rnn_case("gru", nn.GRU(3, 4), r(T, N, 3), r(1, N, 4))
rnn_case("gru_zero_state", nn.GRU(3, 4), r(T, N, 3))
rnn_case("gru_2layer_bidir_batch_first", nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True), r(N, T, 3),
         r(4, N, 4))
rnn_case("gru_nobias", nn.GRU(3, 4, bias=False), r(T, N, 3))
rnn_case("gru_unbatched", nn.GRU(3, 4, num_layers=2), r(T, 3), r(2, 4))
rnn_case("gru_float32", nn.GRU(6, 7, num_layers=2, bidirectional=True), r(9, 3, 6, dtype=torch.float32),
         dtype=torch.float32)
rnn_case("gru_dropout_all", nn.GRU(3, 4, num_layers=3, dropout=1.0), r(T, N, 3))
rnn_case("lstm_cell", nn.LSTMCell(3, 4), r(N, 3), (r(N, 4), r(N, 4)))
rnn_case("lstm_cell_nobias_zero_state", nn.LSTMCell(3, 4, bias=False), r(N, 3))
rnn_case("lstm_cell_unbatched", nn.LSTMCell(3, 4), r(3), (r(4), r(4)))
rnn_case("lstm_cell_float32", nn.LSTMCell(5, 6), r(4, 5, dtype=torch.float32),
         (r(4, 6, dtype=torch.float32), r(4, 6, dtype=torch.float32)), dtype=torch.float32)
rnn_case("gru_cell", nn.GRUCell(3, 4), r(N, 3), r(N, 4))
rnn_case("gru_cell_nobias_zero_state", nn.GRUCell(3, 4, bias=False), r(N, 3))
rnn_case("gru_cell_unbatched", nn.GRUCell(3, 4), r(3), r(4))
rnn_case("gru_cell_empty", nn.GRUCell(3, 4), r(0, 3))

lstm = nn.LSTM(3, 4)
gru = nn.GRU(3, 4)
err("lstm_err_1d", lambda: lstm(torch.randn(3)))
err("lstm_err_4d", lambda: lstm(torch.randn(1, 2, 3, 3)))
err("lstm_err_input_size", lambda: lstm(torch.randn(5, 2, 2)))
err("lstm_err_dtype", lambda: lstm(torch.randn(5, 2, 3).double()))
err("lstm_err_h_shape", lambda: lstm(torch.randn(5, 2, 3), (torch.randn(1, 3, 4), torch.randn(1, 2, 4))))
err("lstm_err_c_shape", lambda: lstm(torch.randn(5, 2, 3), (torch.randn(1, 2, 4), torch.randn(1, 2, 5))))
err("lstm_err_h_dim", lambda: lstm(torch.randn(5, 2, 3), (torch.randn(2, 4), torch.randn(1, 2, 4))))
err("lstm_err_unbatched_h_dim", lambda: lstm(torch.randn(5, 3), (torch.randn(1, 2, 4), torch.randn(1, 2, 4))))
err("lstm_err_empty_seq", lambda: lstm(torch.randn(0, 2, 3)))
err("gru_err_1d", lambda: gru(torch.randn(3)))
err("gru_err_h_dim", lambda: gru(torch.randn(5, 2, 3), torch.randn(2, 4)))
err("gru_err_unbatched_h_dim", lambda: gru(torch.randn(5, 3), torch.randn(1, 2, 4)))
err("gru_err_h_shape", lambda: gru(torch.randn(5, 2, 3), torch.randn(1, 3, 4)))
err("gru_err_input_size", lambda: gru(torch.randn(5, 2, 2)))
err("gru_err_dtype", lambda: gru(torch.randn(5, 2, 3).double()))
err("gru_err_empty_seq", lambda: gru(torch.randn(0, 2, 3)))
err("rnn_err_dropout", lambda: nn.LSTM(3, 4, dropout=1.5))
err("rnn_err_hidden0", lambda: nn.LSTM(3, 0))
err("rnn_err_layers0", lambda: nn.LSTM(3, 4, num_layers=0))
err("rnn_err_proj", lambda: nn.LSTM(3, 4, proj_size=4))
err("rnn_err_proj_neg", lambda: nn.LSTM(3, 4, proj_size=-1))
cell = nn.LSTMCell(3, 4)
gcell = nn.GRUCell(3, 4)
err("cell_err_3d", lambda: cell(torch.randn(1, 2, 3)))
err("cell_err_hx3d", lambda: cell(torch.randn(2, 3), (torch.randn(1, 2, 4), torch.randn(2, 4))))
err("cell_err_input_size", lambda: cell(torch.randn(2, 2)))
err("cell_err_batch", lambda: cell(torch.randn(2, 3), (torch.randn(3, 4), torch.randn(2, 4))))
err("cell_err_hidden", lambda: cell(torch.randn(2, 3), (torch.randn(2, 5), torch.randn(2, 4))))
err("cell_err_c_batch", lambda: cell(torch.randn(2, 3), (torch.randn(2, 4), torch.randn(3, 4))))
err("cell_err_c_hidden", lambda: cell(torch.randn(2, 3), (torch.randn(2, 4), torch.randn(2, 5))))
err("cell_err_dtype", lambda: cell(torch.randn(2, 3).double()))
err("gcell_err_3d", lambda: gcell(torch.randn(1, 2, 3)))
err("gcell_err_hx3d", lambda: gcell(torch.randn(2, 3), torch.randn(1, 2, 4)))
err("gcell_err_input_size", lambda: gcell(torch.randn(2, 2)))
err("gcell_err_batch", lambda: gcell(torch.randn(2, 3), torch.randn(3, 4)))
err("gcell_err_hidden", lambda: gcell(torch.randn(2, 3), torch.randn(2, 5)))
err("gcell_err_dtype", lambda: gcell(torch.randn(2, 3).double()))

# ---------------------------------------------------------------- printouts and state dicts
MODULES = {
    "conv1d": nn.Conv1d(3, 4, 3),
    "conv1d_options": nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
    "convt": nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2),
    "convt_rect": nn.ConvTranspose2d(4, 6, (2, 3)),
    "aap": nn.AdaptiveAvgPool2d(5),
    "aap_none": nn.AdaptiveAvgPool2d((5, None)),
    "amp": nn.AdaptiveMaxPool2d((2, 3), return_indices=True),
    "up_scale": nn.Upsample(scale_factor=2),
    "up_size_bilinear": nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    "up_size": nn.Upsample(size=3),
    "up_scales": nn.Upsample(scale_factor=(2, 3)),
    "up_nearest2d": nn.UpsamplingNearest2d(scale_factor=2),
    "up_bilinear2d": nn.UpsamplingBilinear2d(size=5),
    "ps": nn.PixelShuffle(2),
    "pu": nn.PixelUnshuffle(3),
    "lstm": nn.LSTM(3, 4),
    "lstm_all": nn.LSTM(3, 4, 2, bias=False, batch_first=True, dropout=0.5, bidirectional=True, proj_size=2),
    "lstm_proj": nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2),
    "gru": nn.GRU(3, 4, num_layers=2, dropout=0.25),
    "gru_bidir": nn.GRU(3, 4, bidirectional=True, bias=False),
    "lstm_cell": nn.LSTMCell(3, 4),
    "gru_cell": nn.GRUCell(3, 4, bias=False),
}
for k, m in MODULES.items():
    head("module_" + k)
    line("repr", repr(m).replace("\n", "\\n"))
    line("keys", " ".join(f"{n}:{'x'.join(str(s) for s in t.shape)}" for n, t in m.state_dict().items()))
