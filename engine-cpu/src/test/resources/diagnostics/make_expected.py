# Writes expected.txt for DiagnosticsTest.java: anomaly detection and inference mode in PyTorch.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and "value <python repr>" or "error <ExceptionType> <message>".
# Versions: the messages and behaviours below are the same in 2.x: "Function '...' returned nan values in its ...th
# output." (torch/csrc/autograd/engine.cpp, call_function) and "Error detected in ... Traceback of forward call that
# caused the error:" (torch/csrc/autograd/python_anomaly_mode.cpp, print_stack); inference mode's guard
# (c10/core/InferenceMode.h) sets grad mode to !enabled.
import warnings

import torch

warnings.simplefilter("ignore")


def case(key, fn):
    print("=== " + key)
    try:
        print("value " + repr(fn()))
    except Exception as e:
        print("error " + type(e).__name__ + " " + str(e).split("\n")[0])


def backward_error(make):
    def run():
        with torch.autograd.detect_anomaly():
            leaves, out = make()
            out.sum().backward()
            return [l.grad.tolist() for l in leaves]
    return run


def div_self():
    a = torch.zeros(3, requires_grad=True)
    return [a], a / a


def pow_half_times_zero():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    return [x], x.pow(0.5) * 0


def sqrt_at_zero():
    # inf, not nan: no error
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    return [x], x.sqrt()


def log_of_negative_times_zero():
    # the NaN is made in forward (log(-1)); its backward gradient 0 / -1 is finite: no error
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    return [x], x.log() * 0


case("anomaly_div_self", backward_error(div_self))
case("anomaly_pow", backward_error(pow_half_times_zero))
case("anomaly_sqrt_inf", backward_error(sqrt_at_zero))
case("anomaly_forward_nan", backward_error(log_of_negative_times_zero))


def no_check():
    a = torch.zeros(3, requires_grad=True)
    with torch.autograd.detect_anomaly(check_nan=False):
        (a / a).sum().backward()
    return a.grad.tolist()


case("anomaly_no_check_nan", no_check)


def off():
    a = torch.zeros(3, requires_grad=True)
    (a / a).sum().backward()
    return a.grad.tolist()


case("anomaly_off", off)


def flags():
    out = [torch.is_anomaly_enabled()]
    with torch.autograd.detect_anomaly():
        out += [torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()]
        with torch.autograd.set_detect_anomaly(False):
            out += [torch.is_anomaly_enabled()]
        out += [torch.is_anomaly_enabled()]
        with torch.autograd.detect_anomaly(check_nan=False):
            out += [torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()]
        out += [torch.is_anomaly_check_nan_enabled()]
    out += [torch.is_anomaly_enabled()]
    return out


case("anomaly_flags", flags)


def inference_flags():
    out = [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
    with torch.inference_mode():
        out += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
        w = torch.ones(2, requires_grad=True)
        out += [(w * 2).requires_grad]
        with torch.enable_grad():
            out += [torch.is_grad_enabled(), (w * 2).requires_grad]
        with torch.inference_mode():
            out += [torch.is_inference_mode_enabled()]
        out += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
    out += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
    with torch.no_grad():
        with torch.inference_mode():
            pass
        out += [torch.is_grad_enabled()]
    return out


case("inference_flags", inference_flags)


def inference_inplace_on_normal():
    # an in-place change of a normal tensor inside inference mode still bumps its version counter
    x = torch.ones(2)
    with torch.inference_mode():
        x.add_(1)
    return [x._version, x.tolist()]


case("inference_inplace_normal", inference_inplace_on_normal)


def linear_in_inference():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    with torch.inference_mode():
        out = lin(torch.ones(1, 3))
    return [out.requires_grad, out.grad_fn is None]


case("inference_linear", linear_in_inference)


# inference tensors (made inside inference mode): what they are, and PyTorch's errors when autograd meets them outside
with torch.inference_mode():
    base = torch.ones(2, 3)
    inf = base * 2
normal = torch.ones(2, 3)
with torch.inference_mode():
    normal_view = normal.view(6)
case("inference_is_inference", lambda: [inf.is_inference(), (inf + 1).is_inference(), inf.view(6).is_inference(),
                                        inf.detach().is_inference(), inf.clone().is_inference(),
                                        normal_view.is_inference(), normal.is_inference()])


def save_outside():
    a = torch.ones(2, 3, requires_grad=True)
    return (a * inf).sum().item()


case("inference_save", save_outside)
# PyTorch raises these two after the kernel has written (the check sits in the version bump), so each runs on a tensor
# of its own here; Ember checks before writing, as it does for every error, and DiagnosticsTest checks that.
def fresh_inference():
    with torch.inference_mode():
        return torch.ones(2, 3) * 2


case("inference_inplace", lambda: fresh_inference().add_(1))
case("inference_fill", lambda: fresh_inference().fill_(0))
case("inference_requires_grad", lambda: inf.requires_grad_())
case("inference_version", lambda: inf._version)


def add_outside():
    a = torch.ones(2, 3, requires_grad=True)
    (a + inf).sum().backward()
    return a.grad.reshape(-1).tolist()


case("inference_add_backward", add_outside)


def clone_outside():
    a = torch.ones(2, 3, requires_grad=True)
    (a * inf.clone()).sum().backward()
    return a.grad.reshape(-1).tolist()


case("inference_clone_backward", clone_outside)


def inplace_inside():
    with torch.inference_mode():
        t = torch.zeros(3)
        t.add_(2)
        t.requires_grad_()
        return [t.tolist(), t.requires_grad]


case("inference_inside_ok", inplace_inside)
