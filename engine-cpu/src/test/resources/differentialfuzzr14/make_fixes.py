# Expected values of FuzzRound14FixesTest (the engine fixes fuzz round 14 led to), from PyTorch 1.13, whose code on
# these paths is 2.x's (aten slice's storage offset; SavedVariable::unpack's weak grad_fn of an in-place op on a view and
# CopySlices::release_variables; the view_fn replay of view_as_real/view_as_complex in VariableHooks::grad_fn; index_put_
# of a Python number into a complex tensor).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr14 && /usr/bin/python3 make_fixes.py > fixes.txt
# One fact a line: "<key> <value>".
import torch


def geometry(t):
    return '%s %s %d' % (list(t.shape), list(t.stride()), t.storage_offset())


def W(n):
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64)


# 1. an empty slice's storage offset moves to the clamped start, as a non-empty one's
a = torch.arange(12.0, dtype=torch.float64).reshape(3, 4)
print('slice_rows_end', geometry(a[3:]))
print('slice_cols_past', geometry(a[:, 5:]))
print('slice_empty_inside', geometry(a.narrow(0, 1, 2)[1:1]))
print('slice_then_select', geometry(a.reshape(3, 4, 1).permute(2, 0, 1)[1::2, -1]))


# 2. the saved-output error of an in-place op on a view, after another write into the view
def saved_error(second, retain):
    x = torch.tensor([1.25, 0.75, -1.0], dtype=torch.float64, requires_grad=True)
    b = x * 1.5
    v = b.narrow(0, 2, 1)
    v.sigmoid_()
    second(v, b)
    try:
        b.sum().backward(retain_graph=retain)
    except RuntimeError as e:
        return str(e).split(' instead.')[0] + ' instead.'
    return 'runs'


print('saved_write_then_backward', saved_error(lambda v, b: v.mul_(2.0), False))
print('saved_write_then_retained_backward', saved_error(lambda v, b: v.mul_(2.0), True))
print('saved_base_write_then_backward', saved_error(lambda v, b: b.add_(1.0), False))

# 3. view_as_real / view_as_complex after their base changed in place: their history is replayed with the view op
c = torch.tensor([1 + 2j, -0.5 + 0.25j, 2 - 1j], dtype=torch.complex128, requires_grad=True)
b = c * 1
r = torch.view_as_real(b)
r0 = torch.view_as_real(b)[1]
b.add_(1)
print('replay_real', type(r.grad_fn).__name__, type(r0.grad_fn).__name__)
(r * W(6).reshape(3, 2)).sum().backward()
print('replay_real_grad', torch.view_as_real(c.grad).reshape(-1).tolist())
x = torch.tensor([0.5, -1.0, 2.0, 1.5], dtype=torch.float64, requires_grad=True)
y = x * 1
z = torch.view_as_complex(y.view(2, 2))
y.mul_(2)
print('replay_complex', type(z.grad_fn).__name__)
(torch.view_as_real(z) * W(4).reshape(2, 2)).sum().backward()
print('replay_complex_grad', x.grad.tolist())

# 4. x[mask] = number on a complex tensor
c = torch.tensor([1 + 2j, -0.5 + 0.25j, 2 - 1j], dtype=torch.complex128, requires_grad=True)
b = c * 1
b[torch.tensor([True, False, True])] = -1.0
print('complex_maskput', torch.view_as_real(b).reshape(-1).tolist(), type(b.grad_fn).__name__)
(torch.view_as_real(b) * W(6).reshape(3, 2)).sum().backward()
print('complex_maskput_grad', torch.view_as_real(c.grad).reshape(-1).tolist())

# 5. CopySlices' backward refuses a view whose elements share memory only where a stride is 0 (and the view has
# elements): a non-overlapping as_strided view and an empty expanded one are differentiated
x = torch.tensor([[-0.5, -0.5, -0.25, 1.25], [2.0, 0.75, 1.25, 0.5], [1.25, -1.25, 1.5, 1.75]], dtype=torch.float64,
                 requires_grad=True)
w = torch.tensor([[1.75, 0.5, -0.75], [1.0, -1.25, 1.5]], dtype=torch.float64, requires_grad=True)
b = x * 1.5
b.as_strided((2, 3), (3, 2), 0).add_(w)
(b * W(12).reshape(3, 4)).sum().backward()
print('strided_write_grad', x.grad.reshape(-1).tolist(), w.grad.reshape(-1).tolist())
x.grad = None
b = x * 1.5
b[:, :0].unsqueeze(0).expand(2, 3, 0).copy_(torch.zeros(2, 3, 0, dtype=torch.float64))
(b * W(12).reshape(3, 4)).sum().backward()
print('empty_expanded_write_grad', x.grad.reshape(-1).tolist())
b = x * 1.5
b[0].unsqueeze(0).expand(2, 4).fill_(1.0)
try:
    (b * W(12).reshape(3, 4)).sum().backward()
    print('expanded_fill_backward runs')
except RuntimeError as e:
    print('expanded_fill_backward', str(e).split('\n')[0])

# 6. an in-place op on a leaf view given requires_grad_(True) itself (its base a leaf that does not require grad):
# PyTorch's check_inplace runs the view rules first
def leaf_view_error(no_grad_view):
    t = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64)
    if no_grad_view:
        with torch.no_grad():
            v = t.t()
    else:
        v = t.t()
    v.requires_grad_(True)
    try:
        v.add_(1.0)
        return 'runs'
    except RuntimeError as e:
        return str(e).split('\n')[0]


print('leaf_view_inplace', leaf_view_error(False))
print('leaf_nograd_view_inplace', leaf_view_error(True))

# 7. an empty tensor viewed as its own shape keeps its strides
e = torch.zeros(3, 2, dtype=torch.float64)[1:0:3]
print('empty_view_strides', list(e.stride()), list(e.reshape(0, 2).stride()), list(e.view(0, 2).stride()),
      list(e.view(2, 0).stride()))

# 8. the saved-output error names the shape the output had when saved (PyTorch saves an output's tensor_data(), a copy
# of its metadata), after an in-place view op changed it
x = torch.tensor([[1.75, 1.5], [-0.25, 0.5]], dtype=torch.float64, requires_grad=True)
y = x.exp()
y.unsqueeze_(1)
try:
    y.sum().backward()
except RuntimeError as e:
    print('saved_output_shape', str(e).split(' instead.')[0] + ' instead.')

# 9. a view_as_complex of a leaf that no longer requires grad, regenerated after a write into the leaf: view_as_complex
# replayed on a base without grad records no node
x = torch.tensor([[1.0, 2.0], [-0.5, 0.25]], dtype=torch.float64, requires_grad=True)
z = torch.view_as_complex(x)
x.requires_grad_(False)
x.mul_(2.0)
# the first read fails an internal assert (update_tensor_hooks_on_new_gradfn asserts the new node, in 2.x too) after
# setting the node PyTorch's view_fn made, none; the state it leaves is read here
try:
    z.grad_fn
except RuntimeError:
    pass
print('replay_without_grad', z.requires_grad, z.is_leaf, z.grad_fn)

# 10. an in-place op whose operand is an inference-mode view of the written tensor, changed since: PyTorch's autograd
# layer reads the operand's history (and refuses) before the kernel checks the overlap
x = torch.tensor([[-1.0, 0.0], [0.0, 1.0]], dtype=torch.float64, requires_grad=True)
b = x.clone()
with torch.inference_mode():
    v = b.as_strided((1,), (0,), 0)
b.relu_()
try:
    b.add_(v)
    print('operand_history_first runs')
except RuntimeError as e:
    print('operand_history_first', str(e).split('\n')[0])

# 11. an in-place op into an expanded inference tensor outside inference mode: PyTorch's kernel refuses the overlap
# before the inference tensor's version counter refuses the write
with torch.inference_mode():
    t = torch.tensor([1.0, 2.0], dtype=torch.float64)
e = t.expand(3, 2)
try:
    e.add_(1.0)
    print('inference_overlap_first runs')
except RuntimeError as err:
    print('inference_overlap_first', str(err).split('\n')[0])
print('inference_overlap_values', t.tolist())

# 12. a saved output detached in place since: PyTorch unpacks it with the node that saved it as its history, so a
# create_graph gradient through the formula is differentiable
x = torch.tensor([0.5, -1.0, 0.25], dtype=torch.float64, requires_grad=True)
y = x.exp()
v = y.narrow(0, 0, 2)
y.detach_()
g, = torch.autograd.grad((v * W(2)).sum(), x, create_graph=True)
print('detached_output_grad', g.requires_grad, g.tolist())
(g * g * W(3)).sum().backward()
print('detached_output_double', x.grad.tolist())
