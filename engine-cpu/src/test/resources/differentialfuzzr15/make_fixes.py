# The regressions of round 15 (FuzzRound15FixesTest): each a case in cases.txt's format (make_cases.py's header), named,
# written by PyTorch 1.13's functorch with make_cases.py's layers. Run from the repository root:
#   /usr/bin/python3 engine-cpu/src/test/resources/differentialfuzzr15/make_fixes.py \
#       > engine-cpu/src/test/resources/differentialfuzzr15/fixes.txt
import os
import sys

import torch

sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_cases as mc  # noqa: E402


def case(key, inputs, ops, layers, rg=()):
    inputs = [t.clone().requires_grad_(i in rg) for i, t in enumerate(inputs)]
    prog = mc.Program()
    for var, name, args in ops:
        prog.ops.append((var, name, args))
    nargs = len(inputs) - sum(1 for L in layers if L[0] in ('vjpfn', 'vjp'))
    g = prog.fn(nargs)
    n = nargs
    for layer in layers:
        g = mc.apply_layer(g, layer, n)
        n = n + 1 if layer[0] in ('vjpfn', 'vjp') else n
    try:
        res = mc.flat(g(*inputs))
        msg = None
    except Exception as e:  # noqa: BLE001
        msg = str(e).split('\n')[0]
    print('=== %s %s %s' % (key, 'val' if msg is None else 'err', '/'.join(L[0] for L in layers)))
    for i, t in enumerate(inputs):
        print('in a%d %s' % (i, mc.fmt(t)))
    for i in rg:
        print('rg a%d' % i)
    for var, name, args in ops:
        print('op %s %s %s' % (var, name, ' '.join(args)))
    for layer in layers:
        print('layer ' + mc.layer_text(layer))
    if msg is not None:
        print('err ' + msg)
        return
    for i, t in enumerate(res):
        print('out %d %s rg %d' % (i, mc.fmt(t), int(t.requires_grad)))
    diff = [t for t in res if t.requires_grad]
    if diff:
        sum((t * mc.W(t)).sum() for t in diff).backward()
    for i in rg:
        print('grad a%d %s' % (i, 'none' if inputs[i].grad is None else mc.fmt(inputs[i].grad)))


D = torch.float64
x = torch.tensor([0.5, -1.25, 2.0], dtype=D)
y = torch.tensor([1.5, -0.75], dtype=D)

# vjp of a primal the output does not use: zeros that do not require grad (functorch's _autograd_grad fills
# torch.zeros_like of the level's input; Ember gave materialize_grads' leaf that requires grad)
case('vjp_unused_primal', [x, y, torch.tensor([0.25, 1.0, -2.0], dtype=D)], [('v0', 'sin', ['a0'])], [('vjp',)])
# the same through grad_and_value with both argnums and through linearize
case('gav_unused_argnum', [x, y], [('v0', 'sin', ['a0']), ('v1', 'sumall', ['v0'])], [('gav', (0, 1))])

# a Jacobian with respect to an input the output does not reach, while the output depends on an enclosing
# transform's input: zeros of shape out + input (Ember's batched gradient lacked the batch dimension and failed to
# reshape: "shape '[3, 2]' is invalid for input of size 2")
case('jacrev_unreached_input_inside_jacrev', [x, y], [('v0', 'sin', ['a0'])], [('jacrev', 1), ('jacrev', 0)])
case('jacfwd_unreached_input_inside_grad', [x, y], [('v0', 'sin', ['a0'])], [('jacfwd', 1), ('sqsum',), ('grad', 0)])

# an enclosing transform differentiating vjp_fn's result with respect to the cotangent: the result is a plain tensor
# (Ember kept a graph: the leaves vjp made for its primals counted as tensors from outside the enclosing transform)
case('jacrev_of_vjp_fn_wrt_cotangent', [x, torch.tensor([1.0, -0.5, 0.25], dtype=D)],
     [('v0', 'sin', ['a0']), ('v1', 'mul', ['v0', 'a0'])], [('vjpfn', 0), ('jacrev', 1)])
case('grad_of_vjp_fn_wrt_cotangent', [x, torch.tensor(0.5, dtype=D)],
     [('v0', 'exp', ['a0']), ('v1', 'sumall', ['v0'])], [('vjpfn', 0), ('sqsum',), ('grad', 1)])
case('jacrev_of_hessian_wrt_another_input', [torch.tensor([0.5, -1.0], dtype=D), torch.tensor([1.5, 0.25], dtype=D)],
     [('v0', 'add', ['a0', 'a1']), ('v1', 'mul', ['a0', 'v0'])], [('sqsum',), ('hessian', 0), ('jacrev', 1)])

# repeated argnums, one of them negative: the message shows them wrapped, as 2.x's _slice_argnums checks them after
# _validate_and_wrap_argnums ("got (0, 0)"; Ember wrote the argnums as given, "got (0, -2)")
case('grad_repeated_negative_argnums', [x, y], [('v0', 'sin', ['a0']), ('v1', 'sumall', ['v0'])], [('grad', (0, -2))])

# jacrev of grad of a squared sum, the input requiring grad outside: the Hessian requires grad (PyTorch's pow_backward
# is grad * (2 * self.pow(1)), whose derivative goes through self.pow(1); Ember's shortcut grad * (self * 2) left the
# Hessian of this quadratic, a constant, a plain tensor) and the backward through it gives zeros
case('jacrev_of_grad_of_square_keeps_graph', [x], [('v0', 'muls', ['a0', 'd:-1.5']), ('v1', 'adds', ['v0', 'd:0.5'])],
     [('sqsum',), ('grad', 0), ('jacrev', 0)], rg=(0,))

# complex inputs: grad, vjp and jacrev take them (torch.func differentiates complex128 with the conjugate Wirtinger
# convention); Ember refused them ("only Tensors of floating point dtype can require gradients")
z = torch.complex(torch.tensor([0.5, -1.0], dtype=D), torch.tensor([1.0, 0.25], dtype=D))
case('grad_of_complex_input', [z], [('v0', 'mul', ['a0', 'a0']), ('v1', 'sin', ['v0'])], [('sqsum',), ('grad', 0)])
case('vjp_of_complex_input', [z, torch.complex(torch.tensor([1.0, 0.5], dtype=D), torch.tensor([0.0, -1.0], dtype=D))],
     [('v0', 'mul', ['a0', 'a0']), ('v1', 'exp', ['v0'])], [('vjp',)])
case('jacrev_of_complex_input', [z], [('v0', 'mul', ['a0', 'a0']), ('v1', 'sin', ['v0'])], [('jacrev', 0)])

# a complex product of a tensor with itself (z @ z, recomputed from its inputs in its backward) differentiated twice:
# under create_graph both inputs were the same tensor, so each got the whole derivative (twice the gradient); the
# values come from the Jacobian, not from z @ z's value (this 1.13 build's complex dot returns 0)
case('grad_of_jacrev_of_complex_self_product', [z3 := torch.complex(torch.tensor([0.594, -0.138, 0.99], dtype=D),
                                                                      torch.tensor([1.296, 1.447, 1.659], dtype=D))],
     [('v0', 'matmul', ['a0', 'a0']), ('v1', 'add', ['v0', 'a0'])], [('jacrev', 0), ('sqsum',), ('grad', 0)])

# prod over a dimension of one inside a transform: functorch's wrapped input takes prod_safe_zeros_backward, which
# returns grad itself, so the Jacobian (the identity) is constant and vjp_fn's result for a cotangent that requires grad
# is plain zeros; Ember used plain autograd's grad * (result / input), whose graph reaches the cotangent
case('vjp_of_jacrev_of_prod_over_a_dim_of_one', [torch.tensor([[-1.143], [-0.449], [0.399], [-1.252]], dtype=D),
                                                torch.linspace(-1.0, 1.0, 16, dtype=D).reshape(4, 1, 4, 1)],
     [('v0', 'prod', ['a0', 'i:-1', 'b:1'])], [('jacrev', 0), ('vjp',)], rg=(1,))
