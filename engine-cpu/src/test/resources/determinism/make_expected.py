# Expected values for DeterminismTest (run with /usr/bin/python3, torch 1.13 CPU):
#   /usr/bin/python3 make_expected.py > expected.txt
# PyTorch's switches and their messages. 2.x keeps these words (aten/src/ATen/Context.cpp: alertNotDeterministic,
# setFloat32MatmulPrecision); Ember names its own API in them and drops the sentence that links PyTorch's issue tracker.
import torch


def case(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name + " " + repr(value))


defaults = [("deterministic", torch.are_deterministic_algorithms_enabled()),
            ("warn_only", torch.is_deterministic_algorithms_warn_only_enabled()),
            ("matmul_precision", torch.get_float32_matmul_precision()),
            ("cudnn_allow_tf32", torch.backends.cudnn.allow_tf32)]
case("defaults", defaults)

torch.use_deterministic_algorithms(True, warn_only=True)
both = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
torch.use_deterministic_algorithms(True)
plain = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
torch.use_deterministic_algorithms(False, warn_only=True)
off_warn = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
case("modes", [("true_warn", list(both)), ("true", list(plain)), ("false_warn", list(off_warn))])

# put_ with accumulate=False is on PyTorch's list of ops that raise on every device (its writes of duplicate indices
# land in any order); its message is the template every alert uses.
torch.use_deterministic_algorithms(True)
try:
    torch.zeros(3).put_(torch.tensor([0, 0]), torch.tensor([1.0, 2.0]))
    msg = None
except RuntimeError as e:
    msg = str(e)
torch.use_deterministic_algorithms(False)
case("alert", [("op", "put_"), ("message", msg)])

# set_float32_matmul_precision: an unknown value warns (glog, on stderr, so written here by hand from Context.cpp:
# "<s> is not one of 'highest', 'high', or 'medium'; the current" "setFloat32MatmulPrecision call has no effect.",
# two literals joined without a space) and leaves the setting unchanged; "HIGH" too (1.13 and 2.x).
seen = []
for s in ["high", "medium", "foo", "HIGH", "highest", ""]:
    torch.set_float32_matmul_precision(s)
    seen.append(torch.get_float32_matmul_precision())
case("precision", [("set", ["high", "medium", "foo", "HIGH", "highest", ""]), ("get", seen)])
torch.set_float32_matmul_precision("highest")
