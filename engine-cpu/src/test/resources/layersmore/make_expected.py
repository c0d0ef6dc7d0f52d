# Writes expected.txt for LayersMoreTest.java (read through PyTorchCases): one_hot, unfold / fold (im2col / col2im),
# bilinear, max_unpool2d, MaxPool2d(return_indices=True), channel-wise and alpha dropout, convolution padding modes and
# string padding, and the new modules' printouts and state-dict keys.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value": "inputs <names>", each input "x float64 [2, 3] : v v v", results
# "out ...", "out1 ...", "node ...", "gout ..." and "grad_<input> ..." (gradients of sum(out * gout)), or
# "error <Type> <message>", or "value <text>". Floats are printed with repr, so they read back exactly.
#
# Versions: Ember follows PyTorch 2.x; where 2.x differs from 1.13, the 2.x fact is written here from its source:
# - F.bilinear's reshape of its contiguous rows records ViewBackward0 in 2.x (reshape is a view there; 1.13 names the
#   node ReshapeAliasBackward0): node_2x below.
# - one_hot's dtype check (aten/src/ATen/native/Onehot.cpp, 2.x): "one_hot is only applicable to index tensor of type
#   LongTensor." (1.13: "one_hot is only applicable to index tensor.").
# - bilinear (aten/src/ATen/native/Linear.cpp, 2.x) first checks "All tensors must have the same dtype, got input1: ",
#   input1.dtype(), ", input2: ", ..., ", weight: ", ... (and ", bias: ", ... when there is a bias), the TypeMeta names
#   (float, double); 1.13 reached _trilinear's "expected scalar type ..." and promoted a bias of another type.
# - max_unpool2d's invalid index (aten/src/ATen/native/cpu/MaxUnpoolKernel.cpp, 2.x) closes the parenthesis:
#   "Found an invalid max index: 30 (output volumes are of size 2x4)" (1.13 left it open): added below.
# - nn.Conv*d's error messages print a Python set, whose order depends on string hashing; they are written here in the
#   order of the set literal in torch/nn/modules/conv.py ({'same', 'valid'} and
#   {'zeros', 'reflect', 'replicate', 'circular'}).
import re
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
D = torch.float64

ERR_2X = {
    "bil_err_type1": ("RuntimeError", "All tensors must have the same dtype, got input1: double, input2: float, weight: float"),
    "bil_err_typew": ("RuntimeError", "All tensors must have the same dtype, got input1: float, input2: float, weight: double"),
    "bil_err_type_bias": ("RuntimeError",
                          "All tensors must have the same dtype, got input1: float, input2: float, weight: float, bias: double"),
    "oh_err_int": ("RuntimeError", "one_hot is only applicable to index tensor of type LongTensor."),
    "oh_err_float": ("RuntimeError", "one_hot is only applicable to index tensor of type LongTensor."),
}


def node_2x(name):
    return "ViewBackward0" if name == "ReshapeAliasBackward0" else name


def canon_sets(msg):
    msg = re.sub(r"\{'(same|valid)', '(same|valid)'\}", "{'same', 'valid'}", msg)
    return re.sub(r"\{('(zeros|reflect|replicate|circular)'(, )?){4}\}", "{'zeros', 'reflect', 'replicate', 'circular'}",
                  msg)


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
        msg = canon_sets(str(e))
        if msg.startswith("Found an invalid max index") and not msg.endswith(")"):
            msg += ")"  # 2.x
        print("error " + type(e).__name__ + " " + msg.replace("\n", "\\n"))
        return
    print("value ok")


def value(key, text):
    head(key)
    print("value " + text)


def r(*shape, dtype=D):
    return (torch.rand(tuple(shape), dtype=torch.float64) * 4 - 2).to(dtype)


def case(key, fn, inputs, grad=True):
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
        if o.grad_fn is not None or k == 0:
            line("node" if k == 0 else "node" + str(k), node_2x(type(o.grad_fn).__name__) if o.grad_fn is not None else "None")
    if not grad:
        return
    total = 0
    for k, o in enumerate(outs):
        if o.requires_grad:
            g = r(*o.shape, dtype=o.dtype)
            line("gout" if k == 0 else "gout" + str(k), fmt(g))
            total = total + (o * g).sum()
    if isinstance(total, torch.Tensor):
        total.backward()
    for k, v in leaves.items():
        if v.grad is not None:
            line("grad_" + k, fmt(v.grad))


# ---------------------------------------------------------------- one_hot
case("oh", lambda t: F.one_hot(t), {"t": torch.tensor([0, 3, 1, 1])})
case("oh_classes", lambda t: F.one_hot(t, 6), {"t": torch.tensor([[0, 3], [5, 1]])})
case("oh_0dim", lambda t: F.one_hot(t, 4), {"t": torch.tensor(2)})
case("oh_empty", lambda t: F.one_hot(t, 3), {"t": torch.zeros(2, 0, dtype=torch.long)})
err("oh_err_int", lambda: F.one_hot(torch.tensor([0, 1]).int()))
err("oh_err_float", lambda: F.one_hot(torch.tensor([0., 1.])))
err("oh_err_neg", lambda: F.one_hot(torch.tensor([-1, 2])))
err("oh_err_big", lambda: F.one_hot(torch.tensor([0, 3, 1]), 3))
err("oh_err_zero_classes", lambda: F.one_hot(torch.tensor([0, 3, 1]), 0))
err("oh_err_empty_infer", lambda: F.one_hot(torch.zeros(0, dtype=torch.long)))
err("oh_err_empty_zero", lambda: F.one_hot(torch.zeros(0, dtype=torch.long), 0))

# ---------------------------------------------------------------- unfold / fold (2.x's F.unfold / F.fold call im2col / col2im)
im2col = lambda x, k, d=1, p=0, s=1: F.unfold(x, k, d, p, s)
case("unfold", lambda x: F.unfold(x, (2, 3)), {"x": r(2, 3, 4, 5)})
case("unfold_options", lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3)), {"x": r(2, 2, 5, 6)})
case("unfold_unbatched", lambda x: F.unfold(x, 2, padding=1, stride=2), {"x": r(3, 4, 4)})
case("unfold_empty_batch", lambda x: F.unfold(x, 2), {"x": r(0, 3, 4, 4)})
case("unfold_float32", lambda x: F.unfold(x, 3, padding=1), {"x": r(2, 3, 5, 4, dtype=torch.float32)})
case("unfold_1x1", lambda x: F.unfold(x, 1), {"x": r(1, 2, 3, 3)})
case("fold", lambda x: F.fold(x, (4, 5), (2, 3)), {"x": r(2, 18, 9)})
case("fold_options", lambda x: F.fold(x, (5, 6), (2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3)),
     {"x": r(2, 12, 9)})
case("fold_unbatched", lambda x: F.fold(x, (4, 4), 2, padding=1, stride=2), {"x": r(12, 9)})
case("fold_overlap", lambda x: F.fold(x, (4, 4), 3, padding=1), {"x": r(1, 9, 16)})
case("fold_empty_batch", lambda x: F.fold(x, (3, 3), 2), {"x": r(0, 8, 4)})
case("fold_float32", lambda x: F.fold(x, (5, 4), 3, padding=1), {"x": r(2, 27, 20, dtype=torch.float32)})
x4 = torch.randn(2, 3, 5, 6)
err("unf_err_kernel0", lambda: im2col(x4, (0, 2)))
err("unf_err_dil0", lambda: im2col(x4, 2, (0, 1)))
err("unf_err_pad_neg", lambda: im2col(x4, 2, 1, (-1, 0)))
err("unf_err_stride0", lambda: im2col(x4, 2, 1, 0, (1, 0)))
err("unf_err_order", lambda: im2col(x4, 2, 0, -1, 0))
err("unf_err_order2", lambda: im2col(x4, 2, 1, -1, 0))
err("unf_err_2d", lambda: im2col(torch.randn(3, 5), 2))
err("unf_err_5d", lambda: im2col(torch.randn(1, 2, 3, 5, 5), 2))
err("unf_err_zero_channels", lambda: im2col(torch.randn(2, 0, 5, 6), 2))
err("unf_err_zero_unbatched", lambda: im2col(torch.randn(0, 5, 6), 2))
err("unf_err_big_kernel", lambda: im2col(x4, (7, 2)))
err("unf_err_big_kernel_strided", lambda: im2col(x4, (7, 2), 1, 0, 2))
err("unf_err_long", lambda: im2col(x4.long(), 2))
err("unf_err_len", lambda: im2col(x4, (2, 2, 2)))
c3 = torch.randn(2, 12, 20)
col2im = lambda x, o, k, d=1, p=0, s=1: F.fold(x, o, k, d, p, s)
err("fold_err_kernel0", lambda: col2im(c3, (5, 6), (0, 2)))
err("fold_err_dil0", lambda: col2im(c3, (5, 6), 2, (1, 0)))
err("fold_err_pad_neg", lambda: col2im(c3, (5, 6), 2, 1, (0, -1)))
err("fold_err_stride0", lambda: col2im(c3, (5, 6), 2, 1, 0, (0, 1)))
err("fold_err_order", lambda: col2im(c3, (5, 6), 2, 0, -1, 0))
err("fold_err_order2", lambda: col2im(c3, (5, 6), 2, 0, -1, 1))
err("fold_err_divisible", lambda: col2im(c3, (5, 6), (2, 5)))
err("fold_err_blocks", lambda: col2im(c3, (5, 6), (2, 3)))
err("fold_err_1d", lambda: col2im(torch.randn(12), (5, 6), 2))
err("fold_err_4d", lambda: col2im(torch.randn(1, 2, 12, 20), (5, 6), 2))
err("fold_err_small_output", lambda: col2im(c3, (1, 6), 2))
err("fold_err_zero_channels", lambda: col2im(torch.randn(2, 0, 20), (5, 6), 2))
err("fold_err_long", lambda: col2im(c3.long(), (5, 6), 2))
err("fold_err_len", lambda: col2im(c3, (5, 6, 1), 2))
err("fold_err_negative_blocks", lambda: col2im(torch.randn(1, 9, 1), (1, 1), 3))
err("fold_err_output_zero", lambda: col2im(torch.randn(1, 4, 6), (0, 5), 2, 1, 1))
err("fold_err_invalid_blocks", lambda: col2im(torch.randn(1, 4, 0), (1, 1), 2))

# ---------------------------------------------------------------- bilinear
case("bilinear", lambda a, b, w, bias: F.bilinear(a, b, w, bias), {"a": r(4, 3), "b": r(4, 5), "w": r(2, 3, 5), "bias": r(2)})
case("bilinear_nobias", lambda a, b, w: F.bilinear(a, b, w), {"a": r(4, 3), "b": r(4, 2), "w": r(3, 3, 2)})
case("bilinear_3d", lambda a, b, w, bias: F.bilinear(a, b, w, bias),
     {"a": r(2, 3, 3), "b": r(2, 3, 4), "w": r(2, 3, 4), "bias": r(2)})
case("bilinear_1d", lambda a, b, w, bias: F.bilinear(a, b, w, bias), {"a": r(3), "b": r(4), "w": r(2, 3, 4), "bias": r(2)})
case("bilinear_empty", lambda a, b, w, bias: F.bilinear(a, b, w, bias),
     {"a": r(0, 3), "b": r(0, 4), "w": r(2, 3, 4), "bias": r(2)})
case("bilinear_float32", lambda a, b, w, bias: F.bilinear(a, b, w, bias),
     {"a": r(5, 3, dtype=torch.float32), "b": r(5, 4, dtype=torch.float32), "w": r(6, 3, 4, dtype=torch.float32),
      "bias": r(6, dtype=torch.float32)})
W = torch.randn(2, 3, 4)
err("bil_err_dims", lambda: F.bilinear(torch.randn(5, 3), torch.randn(5, 4, 1), W))
err("bil_err_batch", lambda: F.bilinear(torch.randn(5, 3), torch.randn(6, 4), W))
err("bil_err_in1", lambda: F.bilinear(torch.randn(5, 2), torch.randn(5, 4), W))
err("bil_err_in2", lambda: F.bilinear(torch.randn(5, 3), torch.randn(5, 5), W))
err("bil_err_bias", lambda: F.bilinear(torch.randn(5, 3), torch.randn(5, 4), W, torch.randn(3)))
err("bil_err_type1", lambda: F.bilinear(torch.randn(5, 3).double(), torch.randn(5, 4), W))
err("bil_err_typew", lambda: F.bilinear(torch.randn(5, 3), torch.randn(5, 4), W.double()))
err("bil_err_type_bias", lambda: F.bilinear(torch.randn(5, 3), torch.randn(5, 4), W, torch.randn(2).double()))
case("bilinear_int64", lambda a, b, w: F.bilinear(a, b, w), {"a": torch.randint(-3, 4, (2, 3)), "b": torch.randint(-3, 4, (2, 4)),
                                                             "w": torch.randint(-3, 4, (2, 3, 4))}, grad=False)
err("bil_err_w2d", lambda: F.bilinear(torch.randn(5, 3), torch.randn(5, 4), torch.randn(2, 3)))
err("bil_err_0dim", lambda: F.bilinear(torch.tensor(1.), torch.tensor(2.), W))
torch.manual_seed(1)
bil = nn.Bilinear(3, 4, 2)
value("bil_repr", repr(bil))
value("bil_repr_nobias", repr(nn.Bilinear(2, 3, 4, bias=False)))
value("bil_keys", " ".join(bil.state_dict().keys()))
value("bil_shapes", " ".join(str(list(v.shape)) for v in bil.state_dict().values()))

# ---------------------------------------------------------------- max pooling with indices and max_unpool2d
case("mp_indices", lambda x: F.max_pool2d(x, 2, return_indices=True), {"x": r(2, 3, 4, 6)})
case("mp_indices_options", lambda x: F.max_pool2d(x, (3, 2), stride=(2, 1), padding=1, return_indices=True),
     {"x": r(1, 2, 5, 4)})
value("mp_repr", repr(nn.MaxPool2d(2, return_indices=True)))
xu = r(2, 3, 4, 6)
vu, iu = F.max_pool2d(xu, 2, return_indices=True)
case("unpool", lambda v, i: F.max_unpool2d(v, i, 2), {"v": vu, "i": iu})
case("unpool_size", lambda v, i: F.max_unpool2d(v, i, 2, output_size=(5, 7)), {"v": vu, "i": iu})
case("unpool_size4", lambda v, i: F.max_unpool2d(v, i, 2, output_size=[2, 3, 5, 6]), {"v": vu, "i": iu})
xo = r(1, 2, 5, 4)
vo, io = F.max_pool2d(xo, (3, 2), stride=(2, 1), padding=1, return_indices=True)
case("unpool_options", lambda v, i: F.max_unpool2d(v, i, (3, 2), stride=(2, 1), padding=1, output_size=(5, 4)),
     {"v": vo, "i": io})
case("unpool_unbatched", lambda v, i: F.max_unpool2d(v, i, 2), {"v": vu[0], "i": iu[0]})
case("unpool_empty_batch", lambda v, i: F.max_unpool2d(v, i, 2),
     {"v": r(0, 2, 2, 2), "i": torch.zeros(0, 2, 2, 2, dtype=torch.long)})
case("unpool_float32", lambda v, i: F.max_unpool2d(v, i, 2), {"v": vu.float(), "i": iu})
vs, is_ = vu[:1, :1, :1, :2], iu[:1, :1, :1, :2]
bad = is_.clone()
bad[0, 0, 0, 1] = 30
err("unp_err_int", lambda: F.max_unpool2d(vu, iu.int(), 2))
err("unp_err_size_len", lambda: F.max_unpool2d(vu, iu, 2, output_size=(5, 5, 5)))
err("unp_err_size_range", lambda: F.max_unpool2d(vu, iu, 2, output_size=(7, 6)))
err("unp_err_size_range1", lambda: F.max_unpool2d(vu, iu, 2, output_size=(4, 10)))
err("unp_err_1d", lambda: F.max_unpool2d(vu.reshape(-1), iu.reshape(-1), 2))
err("unp_err_5d", lambda: F.max_unpool2d(vu.reshape(1, 2, 3, 2, 3), iu.reshape(1, 2, 3, 2, 3), 2))
err("unp_err_shape", lambda: F.max_unpool2d(vu, iu[:, :, :1], 2))
err("unp_err_index_big", lambda: F.max_unpool2d(vs, bad, 2))
err("unp_err_index_neg", lambda: F.max_unpool2d(vs, bad - 40, 2))
err("unp_err_empty_channels", lambda: F.max_unpool2d(torch.randn(1, 0, 2, 2), torch.zeros(1, 0, 2, 2, dtype=torch.long), 2))
err("unp_err_long", lambda: F.max_unpool2d(vu.long(), iu, 2))
err("unp_err_kernel_len", lambda: F.max_unpool2d(vu, iu, (2, 2, 2)))
value("unp_repr", repr(nn.MaxUnpool2d((2, 3), stride=1, padding=(1, 0))))
value("unp_repr_default", repr(nn.MaxUnpool2d(2)))

# ---------------------------------------------------------------- channel-wise and alpha dropout: errors, printouts, eval
err("d1_err_1d", lambda: F.dropout1d(torch.randn(4), 0.5))
err("d1_err_4d", lambda: F.dropout1d(torch.randn(2, 3, 4, 5), 0.5))
err("d1_err_p", lambda: F.dropout1d(torch.randn(2, 3), 1.5))
err("d2_err_p", lambda: F.dropout2d(torch.randn(2, 3, 4, 5), -0.5))
err("d2_err_1d", lambda: F.dropout2d(torch.randn(3), 0.5))
err("d3_err_p", lambda: F.dropout3d(torch.randn(2, 3, 4, 5), 2.0))
err("d_err_module_p", lambda: nn.Dropout2d(-0.1))
err("ad_err_p", lambda: F.alpha_dropout(torch.randn(3), 1.5, True))
err("fad_err_1d", lambda: F.feature_alpha_dropout(torch.randn(3), 0.5, True))
err("d2_err_long", lambda: F.dropout2d(torch.ones(2, 3, 4, 5, dtype=torch.long), 0.5))
value("d_repr", " | ".join(repr(m) for m in (nn.Dropout1d(), nn.Dropout2d(0.3), nn.Dropout3d(0.25), nn.AlphaDropout(0.2),
                                              nn.FeatureAlphaDropout(0.1))))
for name, f in (("d2", lambda x: F.dropout2d(x, 1.0)), ("d1", lambda x: F.dropout1d(x, 1.0)),
                ("ad", lambda x: F.alpha_dropout(x, 1.0, True)), ("fad", lambda x: F.feature_alpha_dropout(x, 1.0, True))):
    case(name + "_p1", f, {"x": r(2, 3, 2, 2) if name != "d1" else r(2, 3, 4)})
x = torch.randn(2, 3, 4, 5, requires_grad=True)
value("node_d2", type(F.dropout2d(x, 0.5).grad_fn).__name__)
value("node_d1_unbatched", type(F.dropout1d(torch.randn(3, 4, requires_grad=True), 0.5).grad_fn).__name__)
value("node_ad", type(F.alpha_dropout(x, 0.5, True).grad_fn).__name__)
value("node_fad", type(F.feature_alpha_dropout(x, 0.5, True).grad_fn).__name__)

import warnings


def warned(key, fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    value(key, " || ".join(str(x.message) for x in w) or "(none)")


warned("warn_d2_2d", lambda: F.dropout2d(torch.randn(3, 4), 0.5, False))
warned("warn_d2_3d", lambda: F.dropout2d(torch.randn(2, 3, 4), 0.5, False))
warned("warn_d2_4d", lambda: F.dropout2d(torch.randn(2, 3, 4, 5), 0.5, False))
warned("warn_d3_3d", lambda: F.dropout3d(torch.randn(2, 3, 4), 0.5, False))
warned("warn_d3_5d", lambda: F.dropout3d(torch.randn(1, 2, 3, 4, 5), 0.5, False))

# ---------------------------------------------------------------- unflatten
case("unflatten", lambda x: nn.Unflatten(1, (2, 3))(x), {"x": r(4, 6)})
case("unflatten_infer", lambda x: nn.Unflatten(-1, (2, -1))(x), {"x": r(2, 3, 8)})
err("unflatten_err", lambda: nn.Unflatten(1, (2, 3))(torch.randn(4, 5)))
value("unflatten_repr", repr(nn.Unflatten(1, (2, 3))) + " | " + repr(nn.Unflatten(0, (4,))))
value("unfold_repr", repr(nn.Unfold(2, dilation=(1, 2), padding=1, stride=2)) + " | " + repr(nn.Unfold((2, 3))))
value("fold_repr", repr(nn.Fold(4, (2, 3))) + " | " + repr(nn.Fold((4, 5), 2, padding=(1, 0), stride=2)))
case("unfold_module", lambda x: nn.Unfold(2, dilation=(1, 2), padding=1, stride=2)(x), {"x": r(1, 2, 5, 5)})
case("fold_module", lambda x: nn.Fold((4, 5), 2, padding=(1, 0), stride=2)(x), {"x": r(1, 8, 6)})

# ---------------------------------------------------------------- convolution padding modes and string padding
for mode in ("zeros", "reflect", "replicate", "circular"):
    for pad in ((1, 2), "same", "valid"):
        pname = "same" if pad == "same" else "valid" if pad == "valid" else "num"
        torch.manual_seed(7)
        m = nn.Conv2d(2, 3, (3, 4), padding=pad, padding_mode=mode, dilation=(1, 2) if pad == "same" else 1).double()
        case(f"c2_{mode}_{pname}", lambda x, w, b: F.conv2d(
            F.pad(x, m._reversed_padding_repeated_twice, mode=mode) if mode != "zeros" else x, w, b, m.stride,
            0 if mode != "zeros" else m.padding, m.dilation, m.groups), {"x": r(2, 2, 5, 6), "w": m.weight.detach(),
                                                                         "b": m.bias.detach()})
        value(f"c2_{mode}_{pname}_module", repr(m))
        torch.manual_seed(8)
        m1 = nn.Conv1d(2, 3, 4, padding=pad if pad != (1, 2) else 2, padding_mode=mode).double()
        case(f"c1_{mode}_{pname}", lambda x, w, b: m1._conv_forward(x, w, b), {"x": r(2, 2, 7), "w": m1.weight.detach(),
                                                                               "b": m1.bias.detach()})
        value(f"c1_{mode}_{pname}_module", repr(m1))
case("c2_reflect_float32", lambda x, w: F.conv2d(F.pad(x, [2, 2, 1, 1], mode="reflect"), w),
     {"x": r(1, 2, 4, 5, dtype=torch.float32), "w": r(3, 2, 3, 3, dtype=torch.float32)})
value("c2_keys", " ".join(nn.Conv2d(2, 3, 3, padding="same", padding_mode="reflect").state_dict().keys()))
torch.manual_seed(9)
mv = nn.Conv2d(2, 3, 3, padding="valid", stride=(2, 1)).double()
case("c2_valid_strided", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding="valid"),
     {"x": r(1, 2, 7, 6), "w": mv.weight.detach(), "b": mv.bias.detach()})
value("c2_valid_strided_module", repr(mv))
err("f_c2_err_same_stride", lambda: F.conv2d(torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3), padding="same", stride=2))
err("f_c2_err_same_stride_len", lambda: F.conv2d(torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3), padding="same",
                                                 stride=(1, 1, 1)))
case("f_c2_same_stride1", lambda x, w: F.conv2d(x, w, padding="same", stride=(1, 1)), {"x": r(1, 2, 4, 5), "w": r(3, 2, 2, 3)})
err("c2_err_same_stride", lambda: nn.Conv2d(2, 3, 3, padding="same", stride=2))
err("c2_err_pad_string", lambda: nn.Conv2d(2, 3, 3, padding="foo"))
err("c2_err_mode", lambda: nn.Conv2d(2, 3, 3, padding_mode="foo"))
err("c1_err_same_stride", lambda: nn.Conv1d(2, 3, 3, padding="same", stride=2))
err("c1_err_mode", lambda: nn.Conv1d(2, 3, 3, padding_mode="zero"))
err("c2_err_reflect_small", lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")(torch.randn(1, 2, 1, 5)))
