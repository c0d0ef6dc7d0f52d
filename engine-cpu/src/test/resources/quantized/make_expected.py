# Expected values for QuantizedTensorTest: torch.quantize_per_tensor / quantize_per_channel /
# quantize_per_tensor_dynamic over quint8, qint8 and qint32: int_repr (exact), dequantize (exact), q_scale,
# q_zero_point, the per-channel parameters, printouts, and the error messages. Inputs: seeded normal draws with grid
# ties, values far outside the range, NaN and infinities, written out.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

lines = []
text, emit, _ = key_lines(lines)


def err(key, f):
    try:
        f()
        lines.append(key + " ! no error")
    except RuntimeError as e:
        lines.append(key + " " + str(e).split("\n")[0])


g = torch.Generator().manual_seed(11)
x = torch.cat([torch.randn(3, 8, generator=g).reshape(-1) * 6,
               torch.tensor([0.05, -0.15, 0.25, 1e10, -1e10, 3e20, float("nan"), float("inf"), float("-inf")])])
emit("x", x)
types = {"quint8": torch.quint8, "qint8": torch.qint8, "qint32": torch.qint32}
for name, (scale, zp, dt) in {"a": (0.1, 10, "quint8"), "b": (0.0371, -3, "qint8"), "c": (0.013, 5, "qint32"),
                              "d": (1e-3, 127, "qint8")}.items():
    q = torch.quantize_per_tensor(x, scale, zp, types[dt])
    emit("pt.%s.int" % name, q.int_repr())
    emit("pt.%s.deq" % name, q.dequantize())
text("pt.repr", repr(torch.quantize_per_tensor(x[:6], 0.1, 10, torch.quint8)))
text("pt.repr2d", repr(torch.quantize_per_tensor(x[:24].reshape(2, 3, 4), 0.1, 10, torch.qint32)))
text("pt.repr0", repr(torch.quantize_per_tensor(torch.tensor(2.5), 0.1, 1, torch.qint8)))
text("pt.reprempty", repr(torch.quantize_per_tensor(torch.zeros(2, 0), 0.1, 10, torch.qint32)))

w = torch.randn(3, 4, 5, generator=g) * 3
w[1, 2, 3] = float("nan")
emit("w", w)
for name, (axis, s, z, dt) in {"ax0": (0, [0.1, 0.037, 0.0123], [3, -5, 0], "qint8"),
                               "ax1": (1, [0.2, 0.125, 0.3, 0.02], [10, 0, 255, 128], "quint8"),
                               "ax2": (2, [0.1, 0.25, 0.05, 0.5, 0.3], [0, 1, -2, 3, 100000], "qint32")}.items():
    q = torch.quantize_per_channel(w, torch.tensor(s, dtype=torch.float64), torch.tensor(z), axis, types[dt])
    emit("pc.%s.int" % name, q.int_repr())
    emit("pc.%s.deq" % name, q.dequantize())
    emit("pc.%s.scales" % name, q.q_per_channel_scales())
    emit("pc.%s.zps" % name, q.q_per_channel_zero_points())
text("pc.repr", repr(torch.quantize_per_channel(w[0, :2, :3], torch.tensor([0.1, 0.2], dtype=torch.float64),
                                                torch.tensor([0, 1]), 0, torch.qint8)))

for name, (dt, reduce) in {"u8": ("quint8", False), "i8r": ("qint8", True), "u8r": ("quint8", True)}.items():
    q = torch.quantize_per_tensor_dynamic(x[:24], types[dt], reduce)
    emit("dyn.%s.int" % name, q.int_repr())
    lines.append("dyn.%s.scale %r" % (name, q.q_scale()))
    lines.append("dyn.%s.zp %d" % (name, q.q_zero_point()))
    text("dyn.%s.repr" % name, repr(q))

ones = torch.ones(2, 3)
err("err.double", lambda: torch.quantize_per_tensor(ones.double(), 0.1, 10, torch.quint8))
err("err.zphigh", lambda: torch.quantize_per_tensor(ones, 0.1, 300, torch.quint8))
err("err.zplow", lambda: torch.quantize_per_tensor(ones, 0.1, -300, torch.qint8))
err("err.pc.len", lambda: torch.quantize_per_channel(ones, torch.tensor([0.1, 0.2]), torch.tensor([0, 1, 2]), 0,
                                                     torch.qint8))
err("err.pc.zp", lambda: torch.quantize_per_channel(ones, torch.tensor([0.1, 0.2]), torch.tensor([0, 300]), 0,
                                                    torch.qint8))
err("err.pc.axis", lambda: torch.quantize_per_channel(ones, torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 2,
                                                      torch.qint8))
err("err.pc.channels", lambda: torch.quantize_per_channel(ones, torch.tensor([0.1, 0.2, 0.3]), torch.tensor([0, 1, 2]),
                                                          0, torch.qint8))
err("err.pc.double", lambda: torch.quantize_per_channel(ones.double(), torch.tensor([0.1, 0.2]), torch.tensor([0, 1]),
                                                        0, torch.qint8))
err("err.qscale", lambda: torch.quantize_per_channel(ones, torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 0,
                                                     torch.qint8).q_scale())
err("err.qscales", lambda: torch.quantize_per_tensor(ones, 0.1, 1, torch.qint8).q_per_channel_scales())
err("err.dyn32", lambda: torch.quantize_per_tensor_dynamic(ones, torch.qint32, False))
print("\n".join(lines))
