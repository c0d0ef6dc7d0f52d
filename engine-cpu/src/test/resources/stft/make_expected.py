# Writes expected.txt for StftTest.java: torch.stft and torch.istft on real and complex, float32 and float64, 1-D and
# batched signals, every pad mode, center on and off, onesided on and off, normalized, windows (hann, hamming, none,
# shorter than n_fft, complex), strided inputs, istft with length (shorter and longer than the signal), the round trip
# istft(stft(x)), their values, nodes and gradients (of the signal, the spectrum and the window), and the errors with
# PyTorch's messages.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# expected.txt, one case each (ReferenceCases' format, see refcases.py): "=== name", the inputs (in0 the signal or
# spectrum, in1 the window when there is one), then the output, its node and the gradients of sum(view_as_real(out) * w)
# (sum(out * w) for a real output), or "error <Type> <message>". A case's name is its call: "<op> key=value ... # note",
# op stft, istft or roundtrip (istft(stft(x)) with the same arguments), keys as torch's keyword arguments, plus
# view=step (the signal seen as x[..., ::2]); StftTest parses it back.
# 2.x notes: (1) stft without return_complex for a real input and window is an error in 2.x (a warning in 1.13):
# MESSAGES_2X; (2) istft refuses a real input in 2.x (1.13 warns and reads it as view_as_complex): MESSAGES_2X; (3) 2.x's
# istft message says "onesided=True/False" where 1.13's says "onsided": MESSAGES_2X; (4) stft's squeeze_(0) of a 1-D
# signal is SqueezeBackward4 in 2.x (squeeze_.dim; 1.13 numbers it SqueezeBackward3): node_2x; (5) 2.x's istft
# overlap-adds with unfold_backward and squeezes only a 2-D input's channel dim (y.squeeze(0)), where 1.13's col2im
# path ends in squeeze(1) for every input: a batched istft's node is DivBackward0 in 2.x (BATCHED_2X). The values,
# the other nodes and the other messages are the same in both (SpectralOps.cpp's stft / istft and functional.py's
# centering pad). Where 2.x raises and 1.13 only warns, the case raises 2.x's error itself (ERRORS_2X).
import os
import sys
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, seq, write_cases  # noqa: E402

warnings.filterwarnings("ignore")
CASES = []
MESSAGES_2X = {}
ERRORS_2X = {}
BATCHED_2X = set()
NODE_2X = {"SqueezeBackward3": "SqueezeBackward4"}


def cplx(shape, dtype=torch.complex128, shift=0):
    return torch.complex(seq(shape, shift=shift), seq(shape, shift=shift + 5, scale=0.5)).to(dtype)


def real(shape, dtype=D, shift=0):
    return seq(shape, dtype, shift)


def hann(n, dtype=D):
    return torch.hann_window(n, dtype=dtype)


def hamming(n, dtype=D):
    return torch.hamming_window(n, dtype=dtype)


def fmt_value(v):
    return str(v)


def name_of(op, kw, view, note):
    name = op + "".join(" %s=%s" % (k, fmt_value(v)) for k, v in kw.items())
    if view:
        name += " view=" + view
    return name + (" # " + note if note else "")


def case(op, x, window=None, note="", view=None, **kw):
    """One case: torch.<op>(x, window=window, **kw); roundtrip is istft(stft(x, **kw, return_complex=True), **kw)."""
    name = name_of(op, kw, view, note)
    inputs = [x] if window is None else [x, window]

    def run(a):
        if name in ERRORS_2X:
            raise RuntimeError(ERRORS_2X[name])
        t = a[0]
        if view == "step":
            t = t[..., ::2]
        w = a[1] if len(a) > 1 else None
        if op == "stft":
            return torch.stft(t, window=w, **kw)
        if op == "istft":
            return torch.istft(t, window=w, **kw)
        skw = {k: v for k, v in kw.items() if k not in ("length",)}
        spec = torch.stft(t, window=w, return_complex=True, **{k: v for k, v in skw.items() if k != "return_complex"})
        return torch.istft(spec, window=w, **kw)
    CASES.append((name, inputs, run))
    return name


def spectrum(x, n_fft, window=None, **kw):
    return torch.stft(x, n_fft, window=window, return_complex=True, **kw).detach()


def desc(t):
    return "%s %s" % (str(t.dtype).replace("torch.", ""), list(t.shape))


# ---- stft of real signals
x = real((16,))
for mode in ("reflect", "constant", "replicate", "circular"):
    case("stft", x, hann(8), desc(x), n_fft=8, pad_mode=mode, return_complex=True)
case("stft", x, hann(8), "no center", n_fft=8, center=False, return_complex=True)
case("stft", x, hann(8), "two-sided", n_fft=8, onesided=False, return_complex=True)
case("stft", x, hann(8), "normalized", n_fft=8, normalized=True, return_complex=True)
case("stft", x, hamming(8), "hamming", n_fft=8, hop_length=3, return_complex=True)
case("stft", x, None, "no window", n_fft=8, return_complex=True)
case("stft", x, None, "no window, shorter", n_fft=8, win_length=5, return_complex=True)
case("stft", x, hann(5), "hann shorter (odd)", n_fft=8, win_length=5, hop_length=2, return_complex=True)
case("stft", x, hann(6), "hann shorter (even)", n_fft=8, win_length=6, center=False, return_complex=True)
case("stft", x, hann(7), "odd n_fft", n_fft=7, hop_length=3, return_complex=True)
case("stft", x, hann(16), "n_fft = length", n_fft=16, center=False, return_complex=True)
case("stft", x, hann(8), "hop 1", n_fft=8, hop_length=1, center=False, return_complex=True)
case("stft", x, hann(8), "real output (deprecated)", n_fft=8, return_complex=False)
case("stft", x, hann(8), "real output, two-sided", n_fft=8, onesided=False, center=False, return_complex=False)
case("stft", x, hann(4), "strided", n_fft=4, hop_length=2, view="step", return_complex=True)
xf = real((16,), torch.float32, 3)
case("stft", xf, hann(8, torch.float32), desc(xf), n_fft=8, return_complex=True)
case("stft", xf, hann(8), "float32 signal, float64 window", n_fft=8, center=False, return_complex=True)
case("stft", xf, None, desc(xf) + " no window", n_fft=6, hop_length=2, normalized=True, return_complex=True)
xb = real((2, 13), shift=2)
for mode in ("reflect", "constant"):
    case("stft", xb, hann(6), desc(xb), n_fft=6, pad_mode=mode, return_complex=True)
case("stft", xb, hann(4), desc(xb) + " win shorter", n_fft=6, win_length=4, center=False, onesided=False, return_complex=True)
case("stft", real((3, 10), torch.float32), hamming(4, torch.float32), "float32 batched", n_fft=4, hop_length=2, return_complex=True)
case("stft", xb, cplx((6,), shift=4), "complex window", n_fft=6, hop_length=2)
case("stft", xb, cplx((6,), shift=4), "complex window, real output", n_fft=6, hop_length=2, center=False, return_complex=False)

# ---- stft of complex signals (two-sided by default)
z = cplx((12,), shift=1)
for mode in ("reflect", "constant", "replicate", "circular"):
    case("stft", z, hann(6), desc(z), n_fft=6, hop_length=2, pad_mode=mode)
case("stft", z, hann(6), "no center", n_fft=6, hop_length=3, center=False, return_complex=True)
case("stft", z, None, "no window, normalized", n_fft=4, normalized=True)
case("stft", z, hann(3), "window shorter", n_fft=6, win_length=3, onesided=False)
case("stft", z, hann(6), "real output", n_fft=6, return_complex=False)
case("stft", cplx((2, 9), torch.complex64, 2), hann(4, torch.float32), "complex64 batched", n_fft=4, hop_length=1)
case("stft", cplx((2, 10), shift=3), cplx((4,), shift=7), "complex batched, complex window", n_fft=4, center=False)
case("stft", z, hann(4), "strided", n_fft=4, view="step")

# ---- stft errors
n = case("stft", x, hann(8), "return_complex not given", n_fft=8)
ERRORS_2X[n] = ("stft requires the return_complex parameter be given for real inputs, and will "
                  "further require that return_complex=True in a future PyTorch release.")
case("stft", x, None, "n_fft too large", n_fft=17, center=False, return_complex=True)
case("stft", x, None, "n_fft too large, win_length shown", n_fft=20, win_length=5, center=False, return_complex=True)
case("stft", x, None, "n_fft 0", n_fft=0, return_complex=True)
case("stft", x, None, "hop 0", n_fft=8, hop_length=0, return_complex=True)
case("stft", x, None, "hop < 0", n_fft=8, hop_length=-2, center=False, return_complex=True)
case("stft", x, None, "win_length > n_fft", n_fft=8, win_length=9, return_complex=True)
case("stft", x, None, "win_length 0", n_fft=8, win_length=0, return_complex=True)
case("stft", x, hann(8), "window size", n_fft=8, win_length=4, return_complex=True)
case("stft", x, hann(4).reshape(2, 2), "2-d window", n_fft=8, win_length=4, return_complex=True)
case("stft", real((2, 2, 6)), None, "3-d input", n_fft=2, return_complex=True)
case("stft", real((2, 2, 6)), None, "3-d input", n_fft=2, center=False, return_complex=True)
case("stft", real(()), None, "0-dim", n_fft=4, center=False, return_complex=True)
case("stft", real(()), None, "0-dim", n_fft=4, return_complex=True)
case("stft", real((1, 1, 2, 8)), None, "4-d input", n_fft=4, return_complex=True)
case("stft", torch.arange(16), None, "int64", n_fft=4, center=False, return_complex=True)
case("stft", real((3,)), None, "reflect pad too large", n_fft=8, return_complex=True)
case("stft", x, None, "bad pad mode", n_fft=8, pad_mode="mirror", return_complex=True)
case("stft", z, None, "onesided complex", n_fft=4, onesided=True)
case("stft", x, cplx((8,)), "onesided complex window", n_fft=8, onesided=True, return_complex=True)

# ---- istft
s = spectrum(x, 8, hann(8))
case("istft", s, hann(8), desc(s), n_fft=8)
case("istft", s, hann(8), "length shorter", n_fft=8, length=11)
case("istft", s, hann(8), "length longer", n_fft=8, length=30)
case("istft", s, hann(8), "normalized input", n_fft=8, normalized=True)
case("istft", s, hann(8), "two-sided read as onesided", n_fft=8, onesided=True)
s_nc = spectrum(x, 8, hamming(8), center=False, hop_length=2)
case("istft", s_nc, hamming(8), "no center", n_fft=8, hop_length=2, center=False)
case("istft", s_nc, hamming(8), "no center, length", n_fft=8, hop_length=2, center=False, length=12)
s2 = spectrum(x, 8, hann(8), onesided=False)
case("istft", s2, hann(8), "two-sided", n_fft=8)
case("istft", s2, hann(8), "two-sided, complex output", n_fft=8, return_complex=True)
s_w = spectrum(x, 8, hann(6), win_length=6, hop_length=2)
case("istft", s_w, hann(6), "window shorter", n_fft=8, win_length=6, hop_length=2)
s_none = spectrum(x, 6, None, hop_length=3)
case("istft", s_none, None, "no window", n_fft=6, hop_length=3)
case("istft", s_none, None, "no window, shorter", n_fft=6, hop_length=2, win_length=4)
sb = spectrum(xb, 6, hann(6), hop_length=2)
BATCHED_2X.add(case("istft", sb, hann(6), desc(sb) + " batched", n_fft=6, hop_length=2))
BATCHED_2X.add(case("istft", sb.to(torch.complex64), hann(6, torch.float32), "complex64 batched", n_fft=6, hop_length=2,
                    length=13))
sz = spectrum(z, 6, hann(6), hop_length=2)
case("istft", sz, hann(6), "complex signal", n_fft=6, hop_length=2, return_complex=True, length=12)
case("istft", sz, cplx((6,), shift=2), "complex window", n_fft=6, hop_length=2, return_complex=True)
case("istft", cplx((5, 7), shift=3), hann(8), "any spectrum", n_fft=8, hop_length=3)
case("istft", cplx((8, 4), shift=5), hann(8), "any two-sided spectrum, real output", n_fft=8, hop_length=2, onesided=False)
# istft errors
n = case("istft", torch.view_as_real(s), hann(8), "real input", n_fft=8)
ERRORS_2X[n] = ("istft requires a complex-valued input tensor matching the output from stft with "
                  "return_complex=True.")
case("istft", s[0], hann(8), "1-d input", n_fft=8)
case("istft", s[0, 0], hann(8), "0-dim input", n_fft=8)
case("istft", s[:, :0], hann(8), "empty", n_fft=8)
case("istft", s.reshape(1, 1, 5, 9), hann(8), "4-d input", n_fft=8)
n = case("istft", s, hann(8), "frequencies for onesided", n_fft=6)
MESSAGES_2X[n] = ("error RuntimeError istft(CPUComplexDoubleType[5, 9], n_fft=6, hop_length=1, win_length=6, "
                  "window=torch.DoubleTensor{[8]}, center=1, normalized=0, onesided=None, length=None, return_complex=0) "
                  ": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 when "
                  "onesided=True, but got 5")
n = case("istft", s, hann(8), "frequencies for two-sided", n_fft=8, onesided=False)
MESSAGES_2X[n] = ("error RuntimeError istft(CPUComplexDoubleType[5, 9], n_fft=8, hop_length=2, win_length=8, "
                  "window=torch.DoubleTensor{[8]}, center=1, normalized=0, onesided=0, length=None, return_complex=0) "
                  ": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
                  "onesided=False, but got 5")
case("istft", s, hann(8), "hop > win", n_fft=8, hop_length=9)
case("istft", s, hann(2), "hop > win", n_fft=8, hop_length=4, win_length=2)
case("istft", s, hann(8), "win > n_fft", n_fft=8, win_length=9)
case("istft", s, hann(4), "window shape", n_fft=8)
case("istft", s, hann(8), "complex output of a onesided input", n_fft=8, return_complex=True)
case("istft", s2, cplx((8,)), "complex window, real output", n_fft=8)
case("istft", s, hann(8), "NOLA", n_fft=8, center=False)
case("istft", s, hann(8), "length 0", n_fft=8, length=0)

# ---- round trips: istft(stft(x)) is x, and so is its gradient's path
case("roundtrip", x, hann(8), desc(x), n_fft=8)
case("roundtrip", x, hann(8), "normalized", n_fft=8, hop_length=2, normalized=True)
case("roundtrip", x, hamming(8), "no center", n_fft=8, hop_length=2, center=False)
case("roundtrip", x, hann(5), "window shorter", n_fft=8, hop_length=2, win_length=5, length=16)
BATCHED_2X.add(case("roundtrip", xb, hann(6), "batched, length", n_fft=6, hop_length=2, length=13))
case("roundtrip", xf, hann(6, torch.float32), "float32", n_fft=6, hop_length=3)
case("roundtrip", z, hann(6), "complex", n_fft=6, hop_length=2, return_complex=True, length=12)


def batched_2x(name, lines):
    """2.x's node for a batched istft: DivBackward0 (1.13 squeezes every output)."""
    if name not in BATCHED_2X:
        return lines
    assert "fn SqueezeBackward1" in lines, name
    return ["fn DivBackward0" if line == "fn SqueezeBackward1" else line for line in lines]


def main():
    n = write_cases(os.path.join(HERE, "expected.txt"), CASES, MESSAGES_2X, NODE_2X, batched_2x)
    print(n, "cases")


if __name__ == "__main__":
    main()
