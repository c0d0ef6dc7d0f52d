# Expected values for QuantizedConvTranspose3dTest: eager-mode static quantization of nn.ConvTranspose3d into
# torch.ao.nn.quantized.ConvTranspose3d (a per-tensor qint8 weight [in, out / groups, kD, kH, kW], as PyTorch 1.13's
# from_float and FBGEMM's prepack require), PyTorch 1.13's converted modules as the reference: the printouts (1.13
# prints "QuantizedConvTranpose3d", a typo 2.x fixed: written as 2.x's), observers, quantized weights, output
# parameters, state dict, and the layers' integers as FBGEMM computes them (resources/fbgemmref.py: the exact integer
# sums of the transposed convolution, then FBGEMM's requantization). Two layers: a grouped one with stride 2, padding,
# output_padding and a dilation; one with a non-cubic kernel, unequal strides, no bias and a padding larger than
# dilation * (kernel - 1) along the width (the input cropped there).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; also writes ct3.pt here)
import collections
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.ao.quantization as tq

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
from refcases import key_lines  # noqa: E402
from fbgemmref import qconvt_ints, scales_of  # noqa: E402

torch.backends.quantized.engine = "onednn"
lines = []
text, emit, err = key_lines(lines)


def model():
    return nn.Sequential(tq.QuantStub(),
                         nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2, 1)),
                         nn.ConvTranspose3d(6, 3, (2, 3, 2), stride=(1, 2, 1), padding=(0, 2, 2), bias=False),
                         tq.DeQuantStub())


torch.manual_seed(3)
m = model().eval()
for k, v in m.state_dict().items():
    emit("float." + k, v)
calib = torch.randn(6, 4, 3, 4, 3) * 1.5
x = torch.randn(2, 4, 3, 4, 3) * 1.5
emit("calib", calib)
emit("x", x)
m.qconfig = tq.default_qconfig
tq.prepare(m, inplace=True)
text("prepared", str(m))
with torch.no_grad():
    m(calib)
for idx in ("0", "1", "2"):
    o = m.get_submodule(idx).activation_post_process
    lines.append("obs.%s %r %r" % (idx, o.min_val.item(), o.max_val.item()))
# this PyTorch's onednn engine prepacks no output_padding (qnnpack unpacks no 3-d weight, and FBGEMM is missing): the
# float layer converts with it set to 0, and the quantized layer gets it back (its weight, bias and output parameters do
# not depend on it; its printout shows it; its packed parameters, which this PyTorch's forward would use, do not have
# it, so the integers are the transcription's alone)
m[1].output_padding = (0, 0, 0)
tq.convert(m, inplace=True)
m[1].output_padding = (1, 1, 1)
text("converted", str(m).replace("QuantizedConvTranpose", "QuantizedConvTranspose"))
for idx in ("1", "2"):
    layer = m.get_submodule(idx)
    w = layer.weight()
    emit(idx + ".weight.ints", w.int_repr())
    sc, zp = scales_of(w)
    lines.append("%s.weight.qparams %r %d" % (idx, float(sc[0]), int(zp[0])))
    lines.append("%s.out_qparams %r %d" % (idx, layer.scale, layer.zero_point))
    if layer.bias() is not None:
        emit(idx + ".bias", layer.bias().detach())
qx = torch.quantize_per_tensor(x, float(m[0].scale), int(m[0].zero_point), torch.quint8)
q = qx.int_repr().numpy().astype(np.int64)
s, z = qx.q_scale(), qx.q_zero_point()
emit("ints.0", torch.tensor(q))
for idx in ("1", "2"):
    layer = m.get_submodule(idx)
    tin = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z)
    q = qconvt_ints(q, z, s, layer, 3)
    emit("ints." + idx, torch.tensor(q))
    if idx == "2":
        d = np.abs(layer(tin).int_repr().numpy().astype(np.int64) - q)
        print("%s: onednn's integers differ from FBGEMM's transcription at %d of %d (at most %d)"
              % (idx, int((d != 0).sum()), d.size, d.max()), file=sys.stderr)
    s, z = layer.scale, layer.zero_point
emit("out", torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z).dequantize())
sd = m.state_dict()
out = collections.OrderedDict()
for k, v in sd.items():
    out[k] = v.detach().clone() if isinstance(v, torch.Tensor) and not v.is_quantized else v
out._metadata = sd._metadata
torch.save(out, os.path.join(here, "ct3.pt"))
lines.append("state.keys " + " ".join(sd.keys()))

# a per-channel weight observer is refused by prepare (propagate_qconfig_'s _assert_valid_qconfig)
pm = model().eval()
pm.qconfig = tq.default_per_channel_qconfig
err("per_channel.error", lambda: tq.prepare(pm, inplace=True))
print("\n".join(lines))
