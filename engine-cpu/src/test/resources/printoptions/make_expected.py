# Writes expected.txt for PrintOptionsTest.java (read through PyTorchCases): tensors printed by PyTorch under
# torch.set_printoptions(...) calls.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key", then one line "call k=v k=v ..." per set_printoptions call, made in order after
# set_printoptions(profile="default") (an empty "call" is set_printoptions() with no argument: it resets sci_mode
# only), a line "x <dtype> [shape] : values" (exact values; "grad" after the shape for requires_grad=True), and the
# printout, "repr <repr with newlines as \n>".
#
# Versions: Ember follows PyTorch 2.x. 2.x's torch/_tensor_str.py handles edgeitems=0 (1.13 fails on it): its
# get_summarized_data returns "self.new_empty([0] * self.dim())" for a tensor of two dimensions or more when
# "not PRINT_OPTS.edgeitems", and _vector_str prints data = ["..."] when "summarize and not PRINT_OPTS.edgeitems"; the
# two are installed below (the rest of both functions is 1.13's, which 2.x keeps).
import math
import torch
import torch._tensor_str as ts

torch.manual_seed(0)
PRINT_OPTS = ts.PRINT_OPTS
_get_summarized_data_113 = ts.get_summarized_data
_vector_str_113 = ts._vector_str


def get_summarized_data_2x(self):
    if self.dim() >= 2 and not PRINT_OPTS.edgeitems:
        return self.new_empty([0] * self.dim())
    return _get_summarized_data_113(self)


def vector_str_2x(self, indent, summarize, formatter1, formatter2=None):
    if summarize and not PRINT_OPTS.edgeitems:
        return "[" + "..." + "]"
    return _vector_str_113(self, indent, summarize, formatter1, formatter2)


def tensor_str_with_formatter_2x(self, indent, summarize, formatter1, formatter2=None):
    # 1.13's, whose slices for edgeitems=0 are [] + ["..."] + []
    dim = self.dim()
    if dim == 0:
        return ts._scalar_str(self, formatter1, formatter2)
    if dim == 1:
        return vector_str_2x(self, indent, summarize, formatter1, formatter2)
    if summarize and self.size(0) > 2 * PRINT_OPTS.edgeitems:
        slices = ([tensor_str_with_formatter_2x(self[i], indent + 1, summarize, formatter1, formatter2)
                   for i in range(0, PRINT_OPTS.edgeitems)]
                  + ["..."]
                  + [tensor_str_with_formatter_2x(self[i], indent + 1, summarize, formatter1, formatter2)
                     for i in range(len(self) - PRINT_OPTS.edgeitems, len(self))])
    else:
        slices = [tensor_str_with_formatter_2x(self[i], indent + 1, summarize, formatter1, formatter2)
                  for i in range(0, self.size(0))]
    tensor_str = ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices)
    return "[" + tensor_str + "]"


ts.get_summarized_data = get_summarized_data_2x
ts._vector_str = vector_str_2x
ts._tensor_str_with_formatter = tensor_str_with_formatter_2x


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
