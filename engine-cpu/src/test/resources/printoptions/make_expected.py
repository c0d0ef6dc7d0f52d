# Writes expected.txt for PrintOptionsTest.java (read through PyTorchCases): tensors printed by PyTorch under
# torch.set_printoptions(...) calls.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key", then one line "call k=v k=v ..." per set_printoptions call, made in order after
# set_printoptions(profile="default") (an empty "call" is set_printoptions() with no argument: it resets sci_mode
# only), a line "x <dtype> [shape] : values" (exact values; "grad" after the shape for requires_grad=True), and the
# printout, "repr <repr with newlines as \n>".
#
# Versions: Ember follows PyTorch 2.x, whose handling of edgeitems=0 (1.13 fails on it) tensor_str_2x.py installs
# (its header says how).
import math
import torch
import tensor_str_2x

torch.manual_seed(0)
tensor_str_2x.install()


def fmt(t):
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v)) for v in t.detach().flatten().tolist())
    return f"{dtype} {shape}{' grad' if t.requires_grad else ''} : {vals}"


def value(k, v):
    return repr(v) if not isinstance(v, bool) else str(v)


def case(key, calls, t):
    torch.set_printoptions(profile="default")
    for kw in calls:
        torch.set_printoptions(**kw)
    print("=== " + key)
    for kw in calls:
        print("call" + "".join(f" {k}={value(k, v)}" for k, v in kw.items()))
    print("x " + fmt(t))
    print("repr " + repr(t).replace("\n", "\\n"))
    torch.set_printoptions(profile="default")


def r(*shape, lo=-2.0, hi=2.0, dtype=torch.float32):
    return (torch.rand(tuple(shape), dtype=torch.float64) * (hi - lo) + lo).to(dtype)


TENSORS = {
    "vec": r(7),
    "mat": r(4, 6, dtype=torch.float64) * 10,
    "wide": r(3, 40),
    "long": r(1010),
    "big3d": r(11, 10, 10, dtype=torch.float64),
    "ints": torch.arange(-15, 30).reshape(5, 9),
    "intfloats": torch.tensor([1.0, -25.0, 300.0, 7.0, 0.0]),
    "range": torch.tensor([1.5e-5, 2.25, 3.0e3, -7.125], dtype=torch.float64),
    "hugeint": torch.tensor([1.0, 2.0e9, -3.0]),
    "special": torch.tensor([float("nan"), float("inf"), -float("inf"), 0.5, -0.0]),
    # no finite nonzero value: _Formatter returns before sci_mode's override (fuzz round 25's r25_007/273/344)
    "nofinite": torch.tensor([float("nan"), 0.0, -0.0, float("inf")]),
    "scalar": torch.tensor(3.14159265, dtype=torch.float64),
    "bool": torch.rand(30, 5) > 0.5,
    "grad": r(6, 5).requires_grad_(True),
}
OPTIONS = {
    "precision2": [dict(precision=2)],
    "precision0": [dict(precision=0)],
    "precision8": [dict(precision=8)],
    "sci_true": [dict(sci_mode=True)],
    "sci_false": [dict(sci_mode=False)],
    "sci_true_precision1": [dict(precision=1, sci_mode=True)],
    "threshold5": [dict(threshold=5)],
    "threshold5_edge1": [dict(threshold=5, edgeitems=1)],
    "edge0": [dict(threshold=10, edgeitems=0)],
    "linewidth40": [dict(linewidth=40)],
    "linewidth200": [dict(linewidth=200)],
    "short": [dict(profile="short")],
    "full": [dict(profile="full")],
    "full_precision6": [dict(profile="full", precision=6)],
    "unknown_profile": [dict(profile="fancy", precision=3)],
    "two_calls": [dict(precision=6, sci_mode=True), dict(linewidth=30)],
    "sci_reset": [dict(sci_mode=True), dict()],
}
BIG_FOR = ("precision2", "sci_true", "threshold5_edge1", "edge0", "linewidth40", "short", "full", "two_calls")
for okey, calls in OPTIONS.items():
    for tkey, t in TENSORS.items():
        if tkey in ("long", "big3d") and okey not in BIG_FOR:
            continue
        case(f"{okey}/{tkey}", calls, t)
