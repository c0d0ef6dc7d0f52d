# Writes expected.txt for HooksWithoutGradientTest.java: tensor hooks (register_hook) on outputs that the backward pass
# reaches without a gradient. Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13).
#
# Facts followed (PyTorch 2.x, torch/csrc/autograd/engine.cpp, python_hook.cpp, functions/accumulate_grad.h,
# variable.cpp):
# - The engine runs every node the pass reaches once its dependencies are done, with an undefined gradient for an
#   output none reached (InputBuffer keeps it undefined); call_function calls the node's tensor pre-hooks first.
#   PyFunctionTensorPreHook wraps the undefined gradient as None, so a Python hook is called with None: on an output of
#   a multi-output node whose sibling got a gradient (var_mean, svd below), on the outputs of a node none of whose
#   outputs got one, and on the output of a single-output node reached only through an edge that carried none (a custom
#   Function's backward returning None). Same in 1.13 (checked below).
# - A hook returning a tensor for a None gradient raises RuntimeError "can't replace a None gradient with a non-None
#   value" (check_single_result; 1.13 and 2.x). Ember: IllegalStateException (autograd misuse), same words.
# - Each tensor registers ONE tensor pre-hook on its node, when its first hook is registered (_register_hook_dict), and
#   the node runs them in that order, each tensor's hooks in their order: hooks of m, then v, then m again run as m, m,
#   v (checked below).
# - retain_grad's hook skips an undefined gradient in 2.x (its .grad stays None; VariableHooks::retain_grad checks
#   grad.defined()); 1.13 fails there (MultiOutputNodeTest covers it with 2.x's None).
# - A leaf's hooks: in 2.x they are the tensor pre-hooks of its AccumulateGrad node (AccumulateGrad::tensor_pre_hooks
#   returns impl::hooks(variable)), run by call_function like any node's, so a leaf the pass reaches without a gradient
#   has its hooks called with None too. 1.13 differs: it ran a leaf's hooks inside AccumulateGrad::apply after its
#   "undefined gradient: return" check, so they were not called ("leaf_calls" below is 1.13's; the test checks 2.x's).
# A case is "=== key" then lines "calls <the hooks called, in order, " | "-separated: name=None or name=<values>>",
# "grad <x.grad>".
import torch

torch.manual_seed(15)
D = torch.float64


def rep(t):
    return "None" if t is None else repr(t.detach().reshape(-1).tolist())


class Drop(torch.autograd.Function):
    """a + b whose backward gives b no gradient"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, None


def recorder(calls, name):
    def hook(g):
        calls.append(name + "=" + rep(g))
    return hook


def emit(key, x, calls, extra=()):
    print("=== " + key)
    print("x", rep(x))
    print("calls", " | ".join(calls))
    print("grad", rep(x.grad))
    for name, value in extra:
        print(name, value)


x0 = torch.randn(5, dtype=D)

# var_mean: only the mean gets a gradient
x = x0.clone().requires_grad_()
calls = []
v, m = torch.var_mean(x)
v.register_hook(recorder(calls, "var"))
m.register_hook(recorder(calls, "mean"))
(m * 3).backward()
emit("sibling", x, calls, [("node", v.grad_fn.name())])

# registration order: mean's hook, var's, mean's second
x = x0.clone().requires_grad_()
calls = []
v, m = torch.var_mean(x)
m.register_hook(recorder(calls, "mean"))
v.register_hook(recorder(calls, "var"))
m.register_hook(recorder(calls, "mean2"))
(m + v).backward()
emit("order", x, calls)

# svd: only S gets a gradient (hooks on U, S, Vh); S's values are checked, U's and Vh's are None
a0 = torch.randn(3, 3, dtype=D)
a = a0.clone().requires_grad_()
calls = []
U, S, Vh = torch.linalg.svd(a)
U.register_hook(recorder(calls, "U"))
S.register_hook(recorder(calls, "S"))
Vh.register_hook(recorder(calls, "Vh"))
S.sum().backward()
emit("svd", a, calls)

# a single-output node reached without a gradient
x = x0.clone().requires_grad_()
calls = []
b = x.exp()
b.register_hook(recorder(calls, "exp"))
c = x.sin()
c.register_hook(recorder(calls, "sin"))
Drop.apply(c, b).sum().backward()
emit("single", x, calls)

# a multi-output node none of whose outputs gets a gradient
x = x0.clone().requires_grad_()
calls = []
v, m = torch.var_mean(x)
v.register_hook(recorder(calls, "var"))
m.register_hook(recorder(calls, "mean"))
Drop.apply(x.sum(), m + v).backward()
emit("none_reached", x, calls)

# a hook that returns a tensor for a None gradient
x = x0.clone().requires_grad_()
v, m = torch.var_mean(x)
v.register_hook(lambda g: torch.zeros(()))
try:
    m.backward()
    print("=== replace_none\nvalue no error")
except RuntimeError as e:
    print("=== replace_none\nerror RuntimeError " + str(e))

# 1.13's leaf hook on a leaf the pass reaches without a gradient (2.x: called with None, see above)
x = x0.clone().requires_grad_()
y = torch.randn(3, dtype=D, requires_grad=True)
calls = []
y.register_hook(recorder(calls, "leaf"))
Drop.apply(x.sum(), y.sum()).backward()
emit("leaf_1_13", x, calls, [("ygrad", rep(y.grad))])
