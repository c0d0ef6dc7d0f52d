# Expected values for GradScalerTest (run with /usr/bin/python3, torch 1.13 CPU):
#   /usr/bin/python3 make_expected.py > expected.txt
#
# torch 1.13's GradScaler (torch/cuda/amp/grad_scaler.py) is CUDA-only, and its two kernels
# (_amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_, aten/src/ATen/native/cuda/AmpKernels.cu) have no
# CPU implementation in 1.13. PyTorch 2.x's torch.amp.GradScaler(device) (torch/amp/grad_scaler.py) runs the same
# algorithm on any device (2.3+ adds CPU versions of both kernels, aten/src/ATen/native/cpu/AmpGradScalerKernels.cpp).
# RefScaler below is that algorithm written with torch CPU tensors:
#   scale(out)  = out * self._scale              (_scale: a float32 tensor of shape [1], so a 0-dim loss becomes [1])
#   unscale_    : inv_scale = self._scale.double().reciprocal().float(); for each grad, found_inf = 1.0 if any
#                 element is not finite (checked before unscaling), and grad *= inv_scale (in float32, always)
#   step        : unscale_ unless done; optimizer.step() only if sum(found_inf) == 0
#   update      : _amp_update_scale_: if found_inf: scale = float(scale * backoff_factor) (double product, stored
#                 in the float32 scale), tracker = 0; else successful = tracker + 1; if successful == growth_interval:
#                 new_scale = float(scale * growth_factor), kept only if finite, tracker = 0; else tracker = successful
import math
import torch

torch.set_printoptions(precision=10)


class RefScaler:
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        self.scale_t = torch.full((1,), init_scale, dtype=torch.float32)
        self.tracker = 0
        self.growth_factor = growth_factor
        self.backoff_factor = backoff_factor
        self.growth_interval = growth_interval
        self.found = None

    def scale(self, out):
        return out * self.scale_t

    def step(self, opt):
        inv_scale = self.scale_t.double().reciprocal().float()
        found_inf = torch.zeros(1)
        with torch.no_grad():
            for group in opt.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if not bool(torch.isfinite(p.grad).all()):
                        found_inf.fill_(1.0)
                    p.grad.mul_(inv_scale)
        self.found = float(found_inf.item())
        if self.found == 0:
            opt.step()
            return True
        return False

    def update(self):
        s = float(self.scale_t.item())
        if self.found:
            self.scale_t.fill_(s * self.backoff_factor)  # fill_ of a float32 tensor rounds the double product
            self.tracker = 0
        else:
            successful = self.tracker + 1
            if successful == self.growth_interval:
                new_scale = float(torch.tensor(s * self.growth_factor, dtype=torch.float32))
                if math.isfinite(new_scale):
                    self.scale_t.fill_(new_scale)
                self.tracker = 0
            else:
                self.tracker = successful
        self.found = None

    def get_scale(self):
        return float(self.scale_t.item())


def data(step):
    g = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(8, 4, generator=g)
    y = torch.randn(8, 3, generator=g)
    return x, y


# steps whose loss gets c * (w * onehot).sum() with a non-finite c: the gradient of w overflows (inf) or is nan
INJECT = {4: float("inf"), 11: float("nan"), 12: float("inf"), 21: float("-inf"), 22: float("nan")}


def run(steps, init_scale, growth_interval, use_scaler, inject):
    torch.manual_seed(0)
    w = (torch.arange(12, dtype=torch.float32).reshape(4, 3) / 10 - 0.5).requires_grad_()
    b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
    m = torch.zeros(4, 3)
    m[0, 0] = 1
    opt = torch.optim.SGD([w, b], lr=0.05, momentum=0.9)
    scaler = RefScaler(init_scale=init_scale, growth_interval=growth_interval) if use_scaler else None
    scales, stepped, losses = [], [], []
    for t in range(steps):
        x, y = data(t)
        opt.zero_grad()
        c = inject.get(t, 0.0)
        loss = ((x @ w + b - y) ** 2).mean() + (w * m).sum() * c
        if scaler is None:
            loss.backward()
            opt.step()
            stepped.append(True)
        else:
            scaled = scaler.scale(loss)
            assert scaled.shape == (1,)
            scaled.backward()
            stepped.append(scaler.step(opt))
            scaler.update()
            scales.append(scaler.get_scale())
        losses.append(float(loss))
    return w.detach(), b.detach(), scales, stepped, losses, scaler


def tensor_list(t):
    return [float(v) for v in t.flatten()]


def case(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name + " " + repr(value))


for t in range(30):
    x, y = data(t)
    case("data%d" % t, [("x", tensor_list(x)), ("y", tensor_list(y))])

# A: 30 steps, init scale 2^16, growth every 3 clean steps, non-finite gradients injected at INJECT's steps
w, b, scales, stepped, losses, sc = run(30, 2.0 ** 16, 3, True, INJECT)
case("runA", [("scales", scales), ("stepped", [1 if s else 0 for s in stepped]), ("w", tensor_list(w)),
              ("b", tensor_list(b)), ("tracker", sc.tracker)])
# B: no injection, growth every 4 steps; and the same loop without a scaler (same parameters)
w, b, scales, stepped, losses, sc = run(30, 2.0 ** 16, 4, True, {})
case("runB", [("scales", scales), ("stepped", [1 if s else 0 for s in stepped]), ("w", tensor_list(w)),
              ("b", tensor_list(b))])
w0, b0, _, _, _, _ = run(30, 2.0 ** 16, 4, False, {})
assert torch.equal(w0, w) and torch.equal(b0, b), "scaling by powers of two changes nothing without overflow"
case("plain", [("w", tensor_list(w0)), ("b", tensor_list(b0))])
# C: growth that would overflow float32 is not kept (init 3e38 rounded to float32, growth every step)
w, b, scales, stepped, losses, sc = run(3, 3e38, 1, True, {})
case("runC", [("scales", scales), ("stepped", [1 if s else 0 for s in stepped])])
# D: non-power-of-two factors round through float32 (init 1000, growth 3.3 every 2 steps, backoff 0.3 via injection)
ref = RefScaler(init_scale=1000.0, growth_factor=3.3, backoff_factor=0.3, growth_interval=2)
seq = []
for found in [0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0]:
    ref.found = float(found)
    ref.update()
    seq.append(ref.get_scale())
case("runD", [("found", [0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0]), ("scales", seq)])

# messages (torch/cuda/amp/grad_scaler.py in 1.13, torch/amp/grad_scaler.py in 2.x: the same words)
case("msg", [("unscale_twice", "unscale_() has already been called on this optimizer since the last update()."),
             ("unscale_after_step", "unscale_() is being called after step()."),
             ("step_twice", "step() has already been called since the last update()."),
             ("no_inf_checks", "No inf checks were recorded for this optimizer."),
             ("no_inf_checks_update", "No inf checks were recorded prior to update."),
             ("empty_state", "The source state dict is empty, possibly because it was saved from a disabled instance "
                             "of GradScaler."),
             ("growth", "The growth factor must be > 1.0."),
             ("backoff", "The backoff factor must be < 1.0.")])
