# Writes expected.txt for Pool1dModulesTest.java: the session-19 modules (MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
# AdaptiveMaxPool1d, MaxUnpool1d, LPPool1d, LPPool2d, LocalResponseNorm, ConvTranspose1d and the padding modules)
# against PyTorch: print(model) ("repr"), the state dict ("state name|shape ; ..."), and a forward ("in0", "out") with
# every parameter filled by fill(k) in the state dict's order (float64). ConvTranspose1d also gives its default
# initialization's bound ("bound", 1 / sqrt(fan_in), PyTorch's kaiming_uniform_(a=sqrt(5)) and bias rule).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
# 2.x notes: ZeroPad1d, ZeroPad3d and CircularPad1d/2d/3d are 2.x modules, absent from 1.13: their printout is built
# from 2.x's extra_repr (f"{self.padding}", torch/nn/modules/padding.py) and their forward is F.pad in 'constant' and
# 'circular' mode, as 2.x's forward.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

D = torch.float64


def seq(shape, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape)


def fmt(t):
    t = t.detach()
    return "%s [%s] : %s" % (str(t.dtype).replace("torch.", ""), ", ".join(str(s) for s in t.shape), repr(t.reshape(-1).tolist()))


class Emulated(nn.Module):
    """A 2.x padding module 1.13 lacks: its printout and forward."""

    def __init__(self, name, padding, mode):
        super().__init__()
        self.name, self.padding, self.mode = name, padding, mode

    def forward(self, x):
        return F.pad(x, self.padding, self.mode)

    def __repr__(self):
        return "%s(%s)" % (self.name, self.padding)


CASES = [
    ("maxpool1d_3", nn.MaxPool1d(3), (2, 3, 9)),
    ("maxpool1d_all", nn.MaxPool1d(3, 2, 1, 2, False, True), (2, 3, 9)),
    ("maxpool1d_unbatched", nn.MaxPool1d(2), (3, 8)),
    ("avgpool1d_3", nn.AvgPool1d(3), (2, 3, 9)),
    ("avgpool1d_all", nn.AvgPool1d(3, 2, 1, True, False), (2, 3, 9)),
    ("adaptiveavgpool1d_4", nn.AdaptiveAvgPool1d(4), (2, 3, 9)),
    ("adaptivemaxpool1d_4", nn.AdaptiveMaxPool1d(4), (3, 9)),
    ("maxunpool1d_2", nn.MaxUnpool1d(2), None),
    ("maxunpool1d_all", nn.MaxUnpool1d(3, 2, 1), None),
    ("lppool1d_int", nn.LPPool1d(2, 3), (2, 3, 9)),
    ("lppool1d_float", nn.LPPool1d(1.5, 3, 2, True), (2, 3, 9)),
    ("lppool2d_int", nn.LPPool2d(2, 3), (1, 2, 6, 7)),
    ("lppool2d_rect", nn.LPPool2d(3.0, (2, 3), (1, 2)), (1, 2, 6, 7)),
    ("lrn_default", nn.LocalResponseNorm(3), (2, 5, 4)),
    ("lrn_all", nn.LocalResponseNorm(2, 0.1, 0.5, 2.0), (1, 4, 2, 3)),
    ("convt1d_basic", nn.ConvTranspose1d(4, 6, 3), (2, 4, 5)),
    ("convt1d_all", nn.ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, False, 2), (2, 4, 5)),
    ("convt1d_unbatched", nn.ConvTranspose1d(2, 3, 2, 3), (2, 4)),
    ("zeropad1d", Emulated("ZeroPad1d", (2, 2), "constant"), (2, 3, 4)),
    ("zeropad1d_tuple", Emulated("ZeroPad1d", (3, 1), "constant"), (3, 4)),
    ("zeropad2d", nn.ZeroPad2d(2), (1, 2, 3, 3)),
    ("zeropad2d_tuple", nn.ZeroPad2d((1, 2, 3, 0)), (2, 3, 3)),
    ("zeropad3d", Emulated("ZeroPad3d", (1, 1, 1, 1, 1, 1), "constant"), (1, 1, 2, 2, 2)),
    ("constantpad1d", nn.ConstantPad1d(2, 3.5), (2, 3, 4)),
    ("constantpad2d_tuple", nn.ConstantPad2d((1, 0, 2, 1), -1.25), (1, 2, 3, 3)),
    ("constantpad3d", nn.ConstantPad3d(1, 0.5), (1, 1, 2, 2, 2)),
    ("reflectionpad1d", nn.ReflectionPad1d(2), (2, 3, 4)),
    ("reflectionpad2d_tuple", nn.ReflectionPad2d((1, 1, 2, 0)), (1, 2, 3, 3)),
    ("reflectionpad3d", nn.ReflectionPad3d(1), (1, 1, 2, 3, 3)),
    ("replicationpad1d_tuple", nn.ReplicationPad1d((3, 1)), (2, 3, 4)),
    ("replicationpad2d", nn.ReplicationPad2d(2), (1, 2, 3, 3)),
    ("replicationpad3d", nn.ReplicationPad3d(1), (1, 1, 2, 2, 2)),
    ("circularpad1d", Emulated("CircularPad1d", (2, 2), "circular"), (2, 3, 4)),
    ("circularpad2d_tuple", Emulated("CircularPad2d", (1, 1, 2, 0), "circular"), (1, 2, 3, 3)),
    ("circularpad3d", Emulated("CircularPad3d", (1, 1, 1, 1, 1, 1), "circular"), (1, 1, 2, 3, 3)),
]

if __name__ == "__main__":
    for name, m, shape in CASES:
        print("=== " + name)
        print("repr " + repr(m))
        sd = m.state_dict()
        print("state " + " ; ".join("%s|[%s]" % (k, ", ".join(str(s) for s in v.shape)) for k, v in sd.items()))
        if name.startswith("convt1d"):
            w = m.weight
            print("bound " + repr(1.0 / math.sqrt(w.shape[1] * w.shape[2])))
        m = m.double()
        with torch.no_grad():
            for i, (k, v) in enumerate(sd.items()):
                getattr(m, k).copy_(seq(v.shape, shift=3 + i, scale=0.125))
        if shape is None:  # unpooling: the maxima and indices of a max pooling
            base = seq((2, 3, 8))
            kw = 2 if name == "maxunpool1d_2" else 3
            v, idx = F.max_pool1d(base, kw, 2, 0 if kw == 2 else 1, return_indices=True)
            print("in0 " + fmt(v))
            print("in1 " + fmt(idx))
            print("out " + fmt(m(v, idx)))
        else:
            x = seq(shape)
            print("in0 " + fmt(x))
            print("out " + fmt(m(x)))
