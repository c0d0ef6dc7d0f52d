# Expected outcomes for InferenceDetachInplaceTest: an in-place op, outside inference mode, on detach() of an inference
# tensor (which has a version counter of its own and may be written in place) with an operand that requires grad.
# PyTorch's node saves a clone of the original self, not the inference tensor, so the op runs and the backward gives
# the operand's gradient from the old values; Ember's node saved self itself and refused ("Inference tensors cannot be
# saved for backward", found by fuzz round 14's hunt, seed 6514). One line per case:
# "<name>|<grad_fn>|<self's values after>|<the inference base's values after>|<the operand's grad after
# (self * w).sum().backward(), w[k] = 1 + k / 4>" (values as Python reprs, comma separated); "<name>|err|<message>" where
# PyTorch refuses: an op whose node saves its result (pow_ and float_power_ by a tensor, hypot_, copysign_), which would
# be the inference tensor itself. PyTorch refuses it after its kernel wrote self (its SavedVariable check follows the
# kernel); Ember refuses before writing, leaving self as it was (its rule for every refusal; the test checks it). xlogy_
# (whose node saves the old self, not its result) runs.
#   run: cd engine-cpu/src/test/resources/inferencedetachinplace && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (the same saved original self in 2.x's generated in-place nodes).
import torch

torch.set_default_dtype(torch.float64)
BASE = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]]
OTHER = [[1.25, -0.5, 0.75], [2.0, -1.5, 0.25]]


def run(name, view, op):
    with torch.inference_mode():
        base = torch.tensor(BASE)
    v = (base.t() if view else base).detach()
    o = torch.tensor(OTHER).t().contiguous() if view else torch.tensor(OTHER)
    o.requires_grad_(True)
    try:
        op(v, o)
    except RuntimeError as e:
        # an op whose node saves its result (the inference tensor itself) is refused, as PyTorch's SavedVariable
        print("|".join([name, "err", str(e)]))
        return
    w = 1 + torch.arange(v.numel(), dtype=torch.float64).reshape(v.shape) / 4
    (v * w).sum().backward()
    f = lambda t: ",".join(repr(x) for x in t.detach().flatten().tolist())
    print("|".join([name, type(v.grad_fn).__name__, f(v), f(base), f(o.grad)]))


for view in (False, True):
    s = "_t" if view else ""
    run("mul" + s, view, lambda v, o: v.mul_(o))
    run("div" + s, view, lambda v, o: v.div_(o))
    run("atan2" + s, view, lambda v, o: v.atan2_(o))
    run("xlogy" + s, view, lambda v, o: v.xlogy_(o))
    run("pow" + s, view, lambda v, o: v.pow_(o))
    run("floatPower" + s, view, lambda v, o: v.float_power_(o))
    run("hypot" + s, view, lambda v, o: v.hypot_(o))
    run("copysign" + s, view, lambda v, o: v.copysign_(o))
