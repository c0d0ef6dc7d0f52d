# Writes expected.txt for MultiOutputViewInplaceTest.java: in-place changes of the views that split, split_with_sizes,
# chunk and unbind return (and of views of them), which PyTorch refuses when autograd is involved.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, the 2.x fact is written here).
#
# A case is "=== key" then "value <python repr>" (the op succeeded; the tensor's values after it) or
# "error <ExceptionType> <message>".
#
# Facts followed (PyTorch 2.x: torch/csrc/autograd/VariableTypeUtils.h check_inplace / as_view /
# propagate_creation_meta, torch/csrc/autograd/variable.cpp handle_view_on_rebase and VariableHooks::grad_fn, the
# generated VariableType code of split/split_with_sizes/unbind):
# - the views of an op returning several views get CreationMeta::MULTI_OUTPUT_NODE in grad mode, NO_GRAD_MODE in no_grad
#   mode and INFERENCE_MODE in inference mode, whether or not the input requires grad; a plain view of such a view keeps
#   its base's meta (propagate_creation_meta); chunk is split (CompositeImplicitAutograd); tensor_split is slices, plain
#   views (DEFAULT), which may be modified.
# - check_inplace runs handle_view_on_rebase only when autograd is involved (grad mode on and the view, which requires
#   grad when its base does, or another operand requires grad), before anything is written, and before the
#   view-of-a-leaf rule. Its message: "Output <output_nr> of <grad_fn name> is a view and is being modified inplace."
#   when the view has a grad_fn, "A view was created in no_grad mode and is being modified inplace with grad mode
#   enabled." when it has none, then " This view is the output of a function that returns multiple views. ..." for
#   MULTI_OUTPUT_NODE; the no_grad and inference variants end with "Given that this use case is ambiguous ...". Same
#   text in 1.13 and 2.x (checked by running the cases below on 1.13).
# - reading the grad_fn of such a view after its base or another view of its base changed in place (in any mode; also
#   through a detached alias, which shares the version counter) raises the same message with "its base or another view
#   of its base has been modified inplace" (handle_view_on_rebase(indirect=true) in VariableHooks::grad_fn), when the
#   view has a grad_fn or its base requires grad.
# - 2.x difference, not run here: a view taken in grad mode of a no_grad-mode piece of a tensor that requires grad
#   (q = p[0][1:] after `with no_grad: p = y.unbind(0)`) fails an internal assert in 1.13 ("!grad_fn INTERNAL ASSERT
#   FAILED"); 2.x says "Output 0 of SliceBackward0 is a view of a view which was created in no_grad mode and is being
#   modified inplace with grad mode enabled. ..." (its views of a base that requires grad require grad and record a node).
#   Ember's such view records no node (a view requires grad only through its own history), so Ember refuses it with the
#   grad_fn-less form "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given
#   that ...", which the test checks.
import torch

torch.manual_seed(14)
D = torch.float64


def case(key, f):
    print("=== " + key)
    try:
        r = f()
        print("value " + repr(r))
    except Exception as e:
        print("error " + type(e).__name__ + " " + str(e))


def vals(t):
    return t.detach().reshape(-1).tolist()


x = torch.tensor([[0.5, -1.0, 2.0, 3.0], [1.5, 0.25, -2.0, 4.0], [-0.5, 1.0, 2.5, -3.0]], dtype=D, requires_grad=True)
z = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]], dtype=D)
w = torch.tensor([2.0, 3.0, 4.0, 5.0], dtype=D, requires_grad=True)
w2 = torch.tensor([2.0, 3.0], dtype=D, requires_grad=True)


def y():
    return x.mul(2)


def direct(key, make, op):
    def f():
        p = make()
        op(p)
        return vals(p)
    case(key, f)


direct("unbind_mul", lambda: y().unbind(0)[1], lambda p: p.mul_(2))
direct("unbind_leaf", lambda: x.unbind(0)[1], lambda p: p.mul_(2))
direct("unbind_dim1_zero", lambda: y().unbind(1)[3], lambda p: p.zero_())
direct("unbind_dim1_copy", lambda: y().unbind(1)[3], lambda p: p.copy_(torch.zeros(3, dtype=D)))
direct("split_add", lambda: y().split(2)[1], lambda p: p.add_(1))
direct("split_one_piece", lambda: y().split(3)[0], lambda p: p.mul_(2))
direct("split_sizes_fill", lambda: y().split([1, 2])[1], lambda p: p.fill_(1))
direct("chunk_zero", lambda: y().chunk(2, 1)[1], lambda p: p.zero_())
direct("select_of_piece", lambda: y().split(2)[0].select(0, 0), lambda p: p.add_(1))
direct("t_of_piece", lambda: y().split(2)[0].t(), lambda p: p.add_(1))
direct("narrow_of_unbind", lambda: y().unbind(0)[2].narrow(0, 1, 2), lambda p: p.sub_(1))
direct("tensor_split_slice", lambda: y().tensor_split(3)[1], lambda p: p.mul_(2))
# no autograd involved: allowed, the storage changes
direct("plain_piece", lambda: z.clone().unbind(0)[1], lambda p: p.mul_(2))
direct("plain_piece_other_grad", lambda: z.clone().unbind(0)[1], lambda p: p.mul_(w))
direct("plain_piece_view_other_grad", lambda: z.clone().unbind(0)[0].narrow(0, 1, 2), lambda p: p.mul_(w2))


def made_in_no_grad():
    yy = y()
    with torch.no_grad():
        p = yy.unbind(0)
    p[0].mul_(2)


case("made_in_no_grad", made_in_no_grad)


def no_grad_view_of_piece():
    yy = y()
    with torch.no_grad():
        p = yy.unbind(0)[0]
    return p.narrow(0, 1, 2).requires_grad, p.narrow(0, 1, 2).grad_fn is not None  # 2.x: True, True


case("no_grad_view_of_piece_requires_grad", no_grad_view_of_piece)


def inplace_in_no_grad():
    yy = y()
    p = yy.unbind(0)
    with torch.no_grad():
        p[0].mul_(2)
    return vals(yy)


case("inplace_in_no_grad", inplace_in_no_grad)


def inplace_in_no_grad_then_grad_fn():
    yy = y()
    p = yy.unbind(0)
    with torch.no_grad():
        p[0].mul_(2)
    return p[0].grad_fn


case("inplace_in_no_grad_then_grad_fn", inplace_in_no_grad_then_grad_fn)


def base_changed_then_use():
    yy = y()
    p = yy.unbind(0)
    yy.mul_(2)
    return p[0].sum()


case("base_changed_then_use", base_changed_then_use)


def sibling_changed_then_use():
    yy = y()
    p = yy.split(1)
    yy.select(0, 1).mul_(2)
    return p[2].sum()


case("sibling_changed_then_use", sibling_changed_then_use)


def detached_alias_changed():
    yy = y()
    p = yy.unbind(0)
    p[2].detach().mul_(2)
    return p[1].grad_fn


case("detached_alias_changed", detached_alias_changed)


def plain_piece_base_changed():
    zz = z.clone()
    p = zz.unbind(0)
    zz.mul_(2)
    return vals(p[0]), p[0].grad_fn is None


case("plain_piece_base_changed", plain_piece_base_changed)


def inference_piece():
    yy = y()
    with torch.inference_mode():
        p = yy.unbind(0)
    p[0].mul_(2)


case("inference_piece", inference_piece)


def inference_view():
    yy = y()
    with torch.inference_mode():
        v = yy.select(0, 0)
    v.mul_(w)


case("inference_view", inference_view)


def inference_piece_detached_base():
    yy = y().detach()
    with torch.inference_mode():
        p = yy.unbind(0)
    p[0].mul_(2)
    return vals(yy)


case("inference_piece_detached_base", inference_piece_detached_base)


def inference_base_changed():
    yy = y()
    with torch.inference_mode():
        v = yy.unbind(0)[1]
    yy.add_(1)
    return v.grad_fn


case("inference_base_changed", inference_base_changed)


def backward_after_refused():
    # the refused op leaves the graph as it was: the gradient is the out-of-place one
    xx = x.detach().clone().requires_grad_(True)
    yy = xx.mul(2)
    p = yy.unbind(0)
    try:
        p[0].mul_(3)
    except RuntimeError:
        pass
    (p[0] * w).sum().backward()
    return vals(xx.grad)


case("backward_after_refused", backward_after_refused)


def view_of_detached_alias():
    # a view of a detached alias follows that alias: the alias (not the tensor it was detached from) is rebased
    yy = x.mul(2)
    yd = yy.detach()
    v = yd.select(0, 0)
    ww = w.detach().clone().requires_grad_(True)
    v.mul_(ww)
    (yd * 1.0).sum().backward()
    # PyTorch names the node torch::autograd::CopySlices (Ember: CopySlices)
    return yd.grad_fn.name(), yy.grad_fn.name(), vals(ww.grad), vals(yd)


case("view_of_detached_alias", view_of_detached_alias)
