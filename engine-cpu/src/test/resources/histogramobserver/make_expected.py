# Expected values for HistogramObserverTest: torch.ao.quantization.HistogramObserver as PyTorch 2.x computes it, and
# a small CNN prepared with get_default_qconfig('x86') (HistogramObserver(reduce_range=True) activations,
# default_per_channel_weight_observer weights), calibrated and converted.
#
# PyTorch 1.13's HistogramObserver.forward differs from 2.x's (1.13 rebuilt the histogram whenever the old range was a
# single value, passed the range truncated to integers to histc, and combined histograms through an integral
# histogram over a widened range, upsample_rate 128). So H2x below is 1.13's class with 2.x's methods transcribed
# from torch/ao/quantization/observer.py of PyTorch 2.x (forward, reset_histogram, _combine_histograms,
# _upscale_histogram, upsample_rate 16, extra_repr); _non_linear_param_search, _compute_quantization_error, _get_norm,
# calculate_qparams and _calculate_qparams are the same in both versions and are 1.13's own.
#
# _upscale_histogram's linspace is 2.x's CPU kernel, emulated by ../linspace2x.py (session 62): 2.x computes every
# value by the scalar formula, fused on the FMA builds (this machine's AVX2), where 1.13's vector passes (and, through
# its parallel loop's chunks, the thread count) gave other last bits from the 16th value on; Ember's
# HistogramObserver.linspace is Tensor.linspace, 2.x's. The generator still runs with 2 threads. Each case also checks that the search chooses the same range when each candidate's error is summed
# in double (as Ember sums it) instead of PyTorch's float32 lanes: the cases do not sit on a rounding tie.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
# Machine dependence: the end-to-end records (e2e.*, e2eq.*) go through oneDNN's convolutions, which pick their
# kernels for the CPU: the committed ones come from an AVX-512 machine; an AVX2-only machine (session 62's) writes
# other last bits in the activations (e2e.*.seen*, e2e.4's histogram, e2eq.torch.out), the generator before and after
# the linspace change alike. Session 62 regenerated the file on such a machine with 2.x's linspace and kept the
# committed e2e lines (2.x's linspace changes none of them: the old and the new generator write the same e2e lines
# there); of the rest, only the "edge" sequence changed (its new pair).
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.ao.quantization as tq
from torch.ao.quantization.observer import HistogramObserver

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402
from linspace2x import linspace2x  # noqa: E402

warnings.simplefilter("ignore")
torch.set_num_threads(2)
torch.backends.quantized.engine = "onednn"
lines = []
text, emit, _ = key_lines(lines)


class H2x(HistogramObserver):
    """1.13's HistogramObserver with PyTorch 2.x's forward and histogram combination (transcribed)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.upsample_rate = 16  # 2.x: used to reduce quantization errors when upscaling histogram

    def _upscale_histogram(self, histogram, orig_min, orig_max, update_min, update_max):
        histogram = histogram.repeat_interleave(self.upsample_rate) / self.upsample_rate
        bin_size = (orig_max - orig_min) / (self.bins * self.upsample_rate)
        # torch.linspace(orig_min, orig_max, ...) and torch.linspace(update_min, update_max, ...) of 2.x (float32)
        mid_points_histogram = (
            linspace2x(float(orig_min), float(orig_max), self.bins * self.upsample_rate + 1, torch.float32)[:-1]
            .to(histogram.device) + 0.5 * bin_size)
        boundaries_new_histogram = linspace2x(float(update_min), float(update_max), self.bins + 1,
                                              torch.float32).to(histogram.device)
        bucket_assignments = torch.bucketize(mid_points_histogram, boundaries_new_histogram, right=True) - 1
        bucket_assignments[bucket_assignments >= self.bins] = self.bins - 1
        bucket_assignments[bucket_assignments < 0] = 0
        return torch.bincount(bucket_assignments, weights=histogram, minlength=self.bins)

    def _combine_histograms(self, orig_hist, orig_min, orig_max, update_hist, update_min, update_max):
        if update_min == orig_min and update_max == orig_max:
            return orig_hist + update_hist
        if orig_min == orig_max:
            bin_value = torch.sum(orig_hist)
            transformed_orig_hist = torch.histc(orig_min, bins=self.bins, min=update_min, max=update_max) * bin_value
            return transformed_orig_hist + update_hist
        assert update_min <= orig_min
        assert update_max >= orig_max
        transformed_orig_hist = self._upscale_histogram(orig_hist, orig_min, orig_max, update_min, update_max)
        return update_hist + transformed_orig_hist

    def reset_histogram(self, x, min_val, max_val):
        self.min_val.resize_(min_val.shape)
        self.min_val.copy_(min_val)
        self.max_val.resize_(max_val.shape)
        self.max_val.copy_(max_val)
        assert min_val.numel() == 1 and max_val.numel() == 1, "histogram min/max values must be scalar."
        new_histogram = torch.histc(x, self.bins, min=min_val, max=max_val)
        self.histogram.detach_().resize_(new_histogram.shape)
        self.histogram.copy_(new_histogram)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()
        x_min, x_max = torch.aminmax(x)
        if x_min == -torch.inf or x_max == torch.inf:
            warnings.warn("torch.inf detected in input tensor, ignoring input")
            x = x[x.abs() != torch.inf]
            if x.numel() == 0:
                return x_orig
            x_min, x_max = torch.aminmax(x)
        current_min = self.min_val
        current_max = self.max_val
        is_uninitialized = self.min_val == float("inf") or self.max_val == float("-inf")
        if is_uninitialized:
            self.reset_histogram(x, x_min, x_max)
        else:
            update_min, update_max = x_min, x_max
            new_min = torch.min(current_min, update_min)
            new_max = torch.max(current_max, update_max)
            new_min, new_max = new_min.detach(), new_max.detach()
            update_histogram = torch.histc(x, self.bins, min=new_min, max=new_max).to(self.histogram.device)
            if new_min == current_min and new_max == current_max:
                combined_histogram = self.histogram + update_histogram
                self.histogram.detach_().resize_(combined_histogram.shape)
                self.histogram.copy_(combined_histogram)
            else:
                combined_histogram = self._combine_histograms(self.histogram, current_min, current_max,
                                                              update_histogram, new_min, new_max)
                self.histogram.detach_().resize_(combined_histogram.shape)
                self.histogram.copy_(combined_histogram)
                self.min_val.detach_().resize_(new_min.shape)
                self.min_val.copy_(new_min)
                self.max_val.detach_().resize_(new_max.shape)
                self.max_val.copy_(new_max)
        return x_orig

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


def qparams_checked(obs):
    """calculate_qparams, after checking that summing each candidate's error in double chooses the same range."""
    want = obs._non_linear_param_search()
    original = obs._compute_quantization_error

    def double_sum(next_start_bin, next_end_bin):
        # the same norm vector as 1.13's/2.x's, summed in double and rounded to float32 as Ember's
        saved_sum = torch.Tensor.sum
        try:
            torch.Tensor.sum = lambda t, *a, **k: torch.tensor(float(saved_sum(t.double())), dtype=torch.float32)
            return original(next_start_bin, next_end_bin)
        finally:
            torch.Tensor.sum = saved_sum

    obs._compute_quantization_error = double_sum
    try:
        got = obs._non_linear_param_search()
    finally:
        del obs._compute_quantization_error
    assert torch.equal(want[0], got[0]) and torch.equal(want[1], got[1]), (want, got)
    return obs.calculate_qparams()


def observe(key, obs, inputs, every_histogram=True):
    text(key + ".repr0", repr(obs))
    sc, zp = obs.calculate_qparams()
    emit(key + ".scale.init", sc)
    emit(key + ".zp.init", zp)
    lines.append("%s.range %d %d" % (key, obs.quant_min, obs.quant_max))
    lines.append("%s.steps %d" % (key, len(inputs)))
    for i, x in enumerate(inputs):
        emit("%s.in%d" % (key, i), x)
        obs(x)
        if every_histogram or i == len(inputs) - 1:
            emit("%s.hist%d" % (key, i), obs.histogram)
        emit("%s.min%d" % (key, i), obs.min_val)
        emit("%s.max%d" % (key, i), obs.max_val)
        if obs.min_val != float("inf"):
            sc, zp = qparams_checked(obs)
            emit("%s.scale%d" % (key, i), sc)
            emit("%s.zp%d" % (key, i), zp)
    text(key + ".repr", repr(obs))


g = torch.Generator().manual_seed(35)


def randn(*shape):
    return torch.randn(*shape, generator=g)


def rand(*shape):
    return torch.rand(*shape, generator=g)


inf = float("inf")
grow = [randn(200), randn(30, 10) * 2 + 0.5, randn(100) * 0.5, rand(150) * 6, randn(64) * 4 - 3]


def lin_rounded_once(a, b, n):
    """linspace computed in double and rounded once (not PyTorch's float32 kernel)."""
    a, b = float(a), float(b)
    step = (b - a) / (n - 1)
    return torch.tensor([a + step * i if i < n // 2 else b - step * (n - 1 - i) for i in range(n)],
                        dtype=torch.float64).float()


class HRoundedOnce(H2x):
    """H2x with linspace rounded once: a histogram it combines differently shows a case that tells the two apart."""

    def _upscale_histogram(self, histogram, orig_min, orig_max, update_min, update_max):
        histogram = histogram.repeat_interleave(self.upsample_rate) / self.upsample_rate
        bin_size = (orig_max - orig_min) / (self.bins * self.upsample_rate)
        mid = lin_rounded_once(orig_min, orig_max, self.bins * self.upsample_rate + 1)[:-1] + 0.5 * bin_size
        bucket = torch.bucketize(mid, lin_rounded_once(update_min, update_max, self.bins + 1), right=True) - 1
        bucket[bucket >= self.bins] = self.bins - 1
        bucket[bucket < 0] = 0
        return torch.bincount(bucket, weights=histogram, minlength=self.bins)


# a pair of inputs whose combination depends on linspace's float32 rounding: a sub-bin midpoint within rounding of a
# new bin edge (about one random pair in eight with 1.13's linspace, fewer with 2.x's fused scalar formula); the 29th
# pair of this stream is one (with 1.13's linspace the 16th was)
g7 = torch.Generator().manual_seed(7)
for _ in range(29):
    edge = [torch.randn(500, generator=g7) * float(torch.rand(1, generator=g7) * 3 + 0.1)]
    edge.append(torch.randn(500, generator=g7) * float(torch.rand(1, generator=g7) * 6 + 0.1)
                + float(torch.randn(1, generator=g7)))
exact, once = H2x(), HRoundedOnce()
for t in edge:
    exact(t)
    once(t)
assert not torch.equal(exact.histogram, once.histogram)

sequences = {
    "grow": grow,
    # a constant first input: one value, histc over [c - 1, c + 1]; the same value again (the plain sum); then a wider
    # input carried in through the single-value branch of _combine_histograms
    "const": [torch.full((10,), 0.75), torch.full((4, 5), 0.75), randn(50), torch.full((3,), 0.75)],
    # infinities dropped; an input of infinities only and an empty input change nothing
    "inf": [torch.tensor([1.5, -inf, 0.25, inf, -2.0, 0.5]), torch.tensor([inf, -inf]), torch.empty(0),
            randn(40) * 3, torch.tensor([inf, 7.0])],
    # a one-sided (ReLU-like) distribution that grows only upwards
    "relu": [rand(300) * 2, torch.relu(randn(500)) * 3, rand(100)],
    # outliers: single far values are kept (clipping one costs more than the finer grid saves); heavy tails (cubes of
    # normals) are clipped
    "outlier": [torch.cat([randn(2000), torch.tensor([25.0, -18.0, 40.0])]), randn(1000) * 1.2],
    "heavy": [randn(3000) ** 3, randn(40, 50) ** 3 * 2],
    "neg": [-rand(80) - 0.5, -rand(80) * 3],
    "edge": edge,
    # float64 inputs: histc in float64, the sums promoted to float64, everything stored into the float32 buffers
    "f64": [randn(100).double() * 1.7, randn(120).double() * 3 + 1, randn(50).double()],
}
for name, inputs in sequences.items():
    observe("default." + name, H2x(), inputs)

configs = {
    "reduce": dict(reduce_range=True),
    "sym8": dict(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric),
    "symu8": dict(qscheme=torch.per_tensor_symmetric),
    "qint8": dict(dtype=torch.qint8),
    "custom": dict(quant_min=0, quant_max=127),
    "bins100": dict(bins=100),
    "qint32": dict(dtype=torch.qint32),
}
for name, kwargs in configs.items():
    # the histograms are default.grow's but for bins100: each configuration's last one only
    observe(name + ".grow", H2x(**kwargs), grow if name != "qint32" else grow[:2], name == "bins100")

# state dict: keys in order, and the values after the grow sequence of the default observer
obs = H2x()
for x in grow[:3]:
    obs(x)
for k, v in obs.state_dict().items():
    emit("state." + k, v)
lines.append("state.keys " + ",".join(obs.state_dict().keys()))

# errors
try:
    H2x(qscheme=torch.per_channel_affine)
except NotImplementedError as e:
    text("error.perchannel", str(e))
try:
    H2x()(torch.tensor([float("nan"), 1.0]))
except RuntimeError as e:
    text("error.nan", str(e).split("\n")[0])
try:
    H2x()(torch.tensor([3, 1, 2]))
except RuntimeError as e:
    text("error.long", str(e).split("\n")[0])

# get_default_qconfig of each backend (1.13's table is 2.x's for these four backends; 2.x refuses any other backend,
# where 1.13 gave default_qconfig): the activation observer's range and the weight observer
for b in ("x86", "fbgemm", "qnnpack", "onednn"):
    qc = tq.get_default_qconfig(b)
    a, w = qc.activation(), qc.weight()
    lines.append("qconfig.%s %s %d %d %s %s %s" % (b, type(a).__name__, a.quant_min, a.quant_max, type(w).__name__,
                                                  w.dtype, w.qscheme))


# End to end: StaticQuantizationTest's CNN with 2.x's get_default_qconfig('x86') (HistogramObserver(reduce_range=True)
# activations and per-channel symmetric qint8 weights) and get_default_qconfig('qnnpack').
def model():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(3, 6, 3, groups=3), nn.ReLU(), nn.Flatten(), nn.Linear(24, 10), nn.ReLU(),
                         nn.Dropout(0.5), nn.Linear(10, 4), tq.DeQuantStub())


torch.manual_seed(0)
float_model = model().eval()
for k, v in float_model.state_dict().items():
    emit("float." + k, v)
calib = [torch.randn(16, 1, 8, 8) * 1.5, torch.randn(8, 1, 8, 8) * 2.5]
x = torch.randn(5, 1, 8, 8) * 1.5
for i, c in enumerate(calib):
    emit("calib%d" % i, c)
emit("x", x)
def e2e(key, qconfig, full):
    """Prepare, calibrate and convert the CNN with qconfig, emitting under key; full: also the activations each
    observer saw and its histogram (the histograms do not depend on the quantized range)."""
    m = model().eval()
    m.load_state_dict(float_model.state_dict())
    m.qconfig = qconfig
    tq.prepare(m, inplace=True)
    text(key + ".prepared", str(m).replace("H2x", "HistogramObserver"))
    observers = {name: mod for name, mod in m.named_modules() if isinstance(mod, H2x)}
    seen = {name: [] for name in observers}
    for name, o in observers.items():
        o.register_forward_pre_hook(lambda mod, args, name=name: seen[name].append(args[0].detach().clone()))
    with torch.no_grad():
        for c in calib:
            m(c)
    text(key + ".calibrated", str(m).replace("H2x", "HistogramObserver"))
    lines.append(key + ".observers " + ",".join(observers.keys()))
    for name, o in observers.items():
        if full:
            # what the observer saw (PyTorch's float activations), for the observers on their own
            for i, t in enumerate(seen[name]):
                emit("%s.%s.seen%d" % (key, name, i), t)
            emit(key + "." + name + ".histogram", o.histogram)
        emit(key + "." + name + ".min_val", o.min_val)
        emit(key + "." + name + ".max_val", o.max_val)
        sc, zp = qparams_checked(o)
        emit(key + "." + name + ".scale", sc)
        emit(key + "." + name + ".zp", zp)
    tq.convert(m, inplace=True)
    text(key + ".converted", str(m))
    for name, layer in (("conv1", m[1]), ("conv2", m[4]), ("fc1", m[7]), ("fc2", m[10])):
        w = layer.weight()
        emit(key + "." + name + ".weight.ints", w.int_repr())
        lines.append("%s.%s.out_qparams %r %d" % (key, name, layer.scale, layer.zero_point))
    emit(key + ".quant.ints", m[0](x).int_repr())
    emit(key + ".torch.out", m(x))


# get_default_qconfig('x86') and get_default_qconfig('qnnpack') (HistogramObserver over [0, 255], per-tensor
# symmetric weights by default_weight_observer)
e2e("e2e", tq.QConfig(activation=H2x.with_args(reduce_range=True), weight=tq.default_per_channel_weight_observer),
    True)
e2e("e2eq", tq.QConfig(activation=H2x.with_args(reduce_range=False), weight=tq.default_weight_observer), False)

print("\n".join(lines))
