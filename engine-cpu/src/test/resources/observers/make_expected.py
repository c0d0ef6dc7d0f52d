# Expected values for ObserverTest: torch.ao.quantization's MinMaxObserver, MovingAverageMinMaxObserver,
# PerChannelMinMaxObserver, MovingAveragePerChannelMinMaxObserver (running min/max over three inputs, calculate_qparams
# for every scheme and type, custom ranges, reduce_range, printouts) and FakeQuantize (three training steps: outputs,
# input gradients of a weighted sum, scale/zero_point buffers, printouts, state dict, load into a fresh module), and
# the constructors' error messages. Inputs: seeded normal draws, written out.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; its observers are 2.x's but for the
# MovingAverageMinMaxObserver scheme message, which ObserverTest checks by hand)
import os
import sys
import warnings

import torch
from torch.ao.quantization import (FakeQuantize, MinMaxObserver, MovingAverageMinMaxObserver,
                                   MovingAveragePerChannelMinMaxObserver, PerChannelMinMaxObserver)
from torch.ao.quantization.fake_quantize import default_fake_quant, default_per_channel_weight_fake_quant, \
    default_weight_fake_quant, default_fused_act_fake_quant, default_fused_wt_fake_quant, \
    default_fused_per_channel_wt_fake_quant, FusedMovingAvgObsFakeQuantize, \
    default_fixed_qparams_range_0to1_fake_quant, default_fixed_qparams_range_neg1to1_fake_quant

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines, weights  # noqa: E402

warnings.simplefilter("ignore")
lines = []
text, emit, _ = key_lines(lines)


g = torch.Generator().manual_seed(7)
xs = [torch.randn(3, 4, 5, generator=g) * (1 + k) + 0.5 * k for k in range(3)]
for k, x in enumerate(xs):
    emit("x%d" % k, x)

observers = {
    "minmax": lambda: MinMaxObserver(),
    "minmax.sym8": lambda: MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric),
    "minmax.symu8": lambda: MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_symmetric),
    "minmax.symu8c": lambda: MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_symmetric, quant_min=0,
                                            quant_max=100),
    "minmax.reduce": lambda: MinMaxObserver(reduce_range=True),
    "minmax.custom": lambda: MinMaxObserver(dtype=torch.qint8, quant_min=-8, quant_max=7, reduce_range=True),
    "minmax.q4": lambda: MinMaxObserver(dtype=torch.quint4x2),
    "minmax.q32": lambda: MinMaxObserver(dtype=torch.qint32),
    "mavg": lambda: MovingAverageMinMaxObserver(averaging_constant=0.1),
    "mavg.sym8": lambda: MovingAverageMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric),
    "pc0": lambda: PerChannelMinMaxObserver(),
    "pc1.sym8": lambda: PerChannelMinMaxObserver(ch_axis=1, dtype=torch.qint8, qscheme=torch.per_channel_symmetric),
    "pcm1.float": lambda: PerChannelMinMaxObserver(ch_axis=-1, qscheme=torch.per_channel_affine_float_qparams),
    "mapc2": lambda: MovingAveragePerChannelMinMaxObserver(ch_axis=2, averaging_constant=0.25),
}
for name, make in observers.items():
    o = make()
    lines.append("%s.range %d %d" % (name, o.quant_min, o.quant_max))
    text(name + ".repr0", repr(o))
    s, z = o.calculate_qparams()
    emit(name + ".scale.init", s)
    emit(name + ".zp.init", z)
    for k, x in enumerate(xs):
        o(x)
        emit("%s.min%d" % (name, k), o.min_val)
        emit("%s.max%d" % (name, k), o.max_val)
        s, z = o.calculate_qparams()
        emit("%s.scale%d" % (name, k), s)
        emit("%s.zp%d" % (name, k), z)
    text(name + ".repr", repr(o))
    lines.append(name + ".keys " + ",".join(o.state_dict().keys()))

fakes = {"default": lambda: FakeQuantize(), "act": default_fake_quant, "wt": default_weight_fake_quant,
         "pcwt": default_per_channel_weight_fake_quant, "fused": lambda: FusedMovingAvgObsFakeQuantize(),
         "fusedact": default_fused_act_fake_quant, "fusedwt": default_fused_wt_fake_quant,
         "fusedpcwt": default_fused_per_channel_wt_fake_quant, "fixed01": default_fixed_qparams_range_0to1_fake_quant,
         "fixedpm1": default_fixed_qparams_range_neg1to1_fake_quant}
for name, make in fakes.items():
    fq = make()
    text(name + ".repr0", repr(fq))
    for k, x in enumerate(xs):
        if k == 2:
            fq.disable_observer()
        xi = x.clone().requires_grad_(True)
        y = fq(xi)
        emit("%s.out%d" % (name, k), y)
        lines.append("%s.node%d %s" % (name, k, y.grad_fn.name()))
        (y * weights(y.shape).float()).sum().backward()
        emit("%s.grad%d" % (name, k), xi.grad)
        emit("%s.scale%d" % (name, k), fq.scale)
        emit("%s.zp%d" % (name, k), fq.zero_point)
    text(name + ".repr", repr(fq))
    sd = fq.state_dict()
    lines.append(name + ".keys " + ",".join(sd.keys()))
    fresh = make()
    fresh.load_state_dict(sd)
    fresh.disable_observer()
    emit(name + ".loaded", fresh(xs[0]))
    fq.disable_fake_quant()
    fq.enable_observer()
    emit(name + ".passthrough", fq(xs[1]))
    emit(name + ".scale.after", fq.scale)

# FBGEMM's small-scale cut-off (scales below 6.1e-5 raised to it, the range widened to match), affine and symmetric
for name, make in {"tiny": lambda: FusedMovingAvgObsFakeQuantize(),
                   "tinysym": default_fused_wt_fake_quant, "tinypos": lambda: FusedMovingAvgObsFakeQuantize()}.items():
    fq = make()
    x = xs[0] * 1e-6 if name != "tinypos" else xs[0].abs() * 1e-6
    emit(name + ".x", x)
    emit(name + ".out", fq(x))
    emit(name + ".scale", fq.scale)
    emit(name + ".zp", fq.zero_point)

# a NaN input: the error (PyTorch keeps the NaN statistics; Ember leaves the module as it was)
for name, make in fakes.items():
    if name.startswith("fixed"):
        continue  # fixed parameters: nothing to fail
    fq = make()
    fq(xs[0])
    bad = xs[1].clone()
    bad.view(-1)[3] = float("nan")
    try:
        fq(bad)
        lines.append("nan.%s ! no error" % name)
    except (RuntimeError, AssertionError) as e:
        lines.append("nan.%s %s" % (name, str(e)))


def err(key, f):
    try:
        f()
        lines.append(key + " ! no error")
    except (RuntimeError, AssertionError, NotImplementedError) as e:
        lines.append(key + " ! " + type(e).__name__ + ": " + str(e))


err("err.minmax.pc", lambda: MinMaxObserver(qscheme=torch.per_channel_affine))
err("err.pc.pt", lambda: PerChannelMinMaxObserver(qscheme=torch.per_tensor_affine))
err("err.mapc.pt", lambda: MovingAveragePerChannelMinMaxObserver(qscheme=torch.per_tensor_affine))
err("err.reduce.sym", lambda: MinMaxObserver(qscheme=torch.per_tensor_symmetric, reduce_range=True))
err("err.reduce.pcsym", lambda: PerChannelMinMaxObserver(qscheme=torch.per_channel_symmetric, reduce_range=True))
err("err.zero", lambda: MinMaxObserver(quant_min=1, quant_max=10))
err("err.order", lambda: MinMaxObserver(quant_min=0, quant_max=0))
err("err.bits", lambda: MinMaxObserver(dtype=torch.qint8, quant_min=-200, quant_max=100))
bad = MinMaxObserver()
bad.min_val.fill_(2.0)
bad.max_val.fill_(1.0)
err("err.minmax.order", lambda: bad.calculate_qparams())
print("\n".join(lines))
