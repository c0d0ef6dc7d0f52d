package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * In-place changes of the views an op returning several views makes (split, split_with_sizes, chunk, unbind), and of
 * views of them, refused as PyTorch's {@code handle_view_on_rebase} refuses them when autograd is involved, before
 * anything is written; with the no_grad-mode and inference-mode variants. Expected messages and values from
 * {@code src/test/resources/multiviews/make_expected.py} (PyTorch).
 */
class MultiOutputViewInplaceTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/multiviews/expected.txt");
    private static final DType D = DType.FLOAT64;

    private static Tensor x() {
        return Tensor.tensor(new double[] {0.5, -1.0, 2.0, 3.0, 1.5, 0.25, -2.0, 4.0, -0.5, 1.0, 2.5, -3.0}, D)
                .reshape(3, 4).requiresGrad_(true);
    }

    private static Tensor z() {
        return Tensor.arange(1, 13, 1, D).reshape(3, 4);
    }

    private static Tensor w() {
        return Tensor.tensor(new double[] {2, 3, 4, 5}, D).requiresGrad_(true);
    }

    /** Runs {@code op} on the view and checks PyTorch's message, and that neither the view nor its base changed. */
    private static void refused(String key, Tensor view, Consumer<Tensor> op) {
        Tensor base = view.viewBase;
        double[] before = base.detach().toDoubleArray();
        int version = base.version();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> op.accept(view), key);
        assertEquals(TORCH.error(key), e.getMessage(), key);
        assertArrayEquals(before, base.detach().toDoubleArray(), key + ": nothing written");
        assertEquals(version, base.version(), key + ": version unchanged");
    }

    private static void allowed(String key, Tensor view, Consumer<Tensor> op) {
        op.accept(view);
        assertArrayEquals(TORCH.values(key), view.detach().toDoubleArray(), key);
    }

    @Test
    void piecesThatRequireGradAreRefused() {
        refused("unbind_mul", x().mul(2).unbind(0).get(1), p -> p.mul_(2));
        refused("unbind_leaf", x().unbind(0).get(1), p -> p.mul_(2));
        refused("unbind_dim1_zero", x().mul(2).unbind(1).get(3), Tensor::zero_);
        refused("unbind_dim1_copy", x().mul(2).unbind(1).get(3), p -> p.copy_(Tensor.zeros(D, 3)));
        refused("split_add", x().mul(2).split(2).get(1), p -> p.add_(1));
        refused("split_one_piece", x().mul(2).split(3).get(0), p -> p.mul_(2));
        refused("split_sizes_fill", x().mul(2).split(new int[] {1, 2}, 0).get(1), p -> p.fill_(1));
        refused("chunk_zero", x().mul(2).chunk(2, 1).get(1), Tensor::zero_);
    }

    @Test
    void viewsOfPiecesKeepTheRule() {
        refused("select_of_piece", x().mul(2).split(2).get(0).select(0, 0), p -> p.add_(1));
        refused("t_of_piece", x().mul(2).split(2).get(0).t(), p -> p.add_(1));
        refused("narrow_of_unbind", x().mul(2).unbind(0).get(2).narrow(0, 1, 2), p -> p.sub_(1));
    }

    @Test
    void tensorSplitSlicesAndPiecesWithoutAutogradMayChange() {
        allowed("tensor_split_slice", x().mul(2).tensorSplit(3).get(1), p -> p.mul_(2));
        Tensor z = z();
        allowed("plain_piece", z.unbind(0).get(1), p -> p.mul_(2));
        assertEquals(1, z.version());
        // another operand requires grad: autograd is involved, and the piece (no history) gets the no_grad-form header
        refused("plain_piece_other_grad", z().unbind(0).get(1), p -> p.mul_(w()));
        Tensor w2 = Tensor.tensor(new double[] {2, 3}, D).requiresGrad_(true);
        refused("plain_piece_view_other_grad", z().unbind(0).get(0).narrow(0, 1, 2), p -> p.mul_(w2));
    }

    @Test
    void noGradVariants() {
        Tensor y = x().mul(2);
        List<Tensor> p;
        try (GradMode off = Ember.noGrad()) {
            p = y.unbind(0);
        }
        refused("made_in_no_grad", p.get(0), t -> t.mul_(2));
        // a view of it taken in grad mode keeps the no_grad record; the piece requires grad through its base (PyTorch's
        // DifferentiableViewMeta::requires_grad), so the view records SliceBackward0, as 2.x names it
        Tensor q = p.get(0).narrow(0, 1, 2);
        assertEquals("SliceBackward0", q.gradFn().name());
        // 2.x's handle_view_on_rebase names a view with a grad_fn ("Output 0 of SliceBackward0 is a view of a view which
        // was created in ..."); 1.13 fails an internal assert here, so the message is the direct piece's with that head
        String expected = TORCH.error("made_in_no_grad").replace("A view was created in",
                "Output 0 of SliceBackward0 is a view of a view which was created in");
        Tensor qBase = q.viewBase;
        double[] before = qBase.detach().toDoubleArray();
        IllegalStateException refusal = assertThrows(IllegalStateException.class, () -> q.mul_(2));
        assertEquals(expected, refusal.getMessage());
        assertArrayEquals(before, qBase.detach().toDoubleArray(), "nothing written");

        // changed in no_grad mode: allowed, but its history cannot be regenerated afterwards
        y = x().mul(2);
        p = y.unbind(0);
        try (GradMode off = Ember.noGrad()) {
            p.get(0).mul_(2);
        }
        assertArrayEquals(TORCH.values("inplace_in_no_grad"), y.detach().toDoubleArray());
        Tensor first = p.get(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, first::gradFn);
        assertEquals(TORCH.error("inplace_in_no_grad_then_grad_fn"), e.getMessage());
    }

    @Test
    void aChangeOfTheBaseOrAnotherViewIsRefusedWhenThePieceIsUsed() {
        Tensor y = x().mul(2);
        List<Tensor> p = y.unbind(0);
        y.mul_(2);
        Tensor p0 = p.get(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, p0::sum);
        assertEquals(TORCH.error("base_changed_then_use"), e.getMessage());

        Tensor y2 = x().mul(2);
        List<Tensor> s = y2.split(1);
        y2.select(0, 1).mul_(2);
        Tensor s2 = s.get(2);
        e = assertThrows(IllegalStateException.class, s2::sum);
        assertEquals(TORCH.error("sibling_changed_then_use"), e.getMessage());

        Tensor y3 = x().mul(2);
        List<Tensor> u = y3.unbind(0);
        u.get(2).detach().mul_(2);
        Tensor u1 = u.get(1);
        e = assertThrows(IllegalStateException.class, u1::gradFn);
        assertEquals(TORCH.error("detached_alias_changed"), e.getMessage());

        // no autograd: the pieces follow their base's values and have no history
        Tensor z = z();
        List<Tensor> zp = z.unbind(0);
        z.mul_(2);
        assertEquals("([2.0, 4.0, 6.0, 8.0], True)", TORCH.value("plain_piece_base_changed"));
        assertArrayEquals(new double[] {2, 4, 6, 8}, zp.get(0).toDoubleArray());
        assertNull(zp.get(0).gradFn());
    }

    @Test
    void inferenceModeVariants() {
        Tensor y = x().mul(2);
        List<Tensor> p;
        Tensor v;
        try (InferenceMode im = Ember.inferenceMode()) {
            p = y.unbind(0);
            v = y.select(0, 0);
        }
        refused("inference_piece", p.get(0), t -> t.mul_(2));
        Tensor w = w();
        refused("inference_view", v, t -> t.mul_(w));

        Tensor yd = x().mul(2).detach();
        List<Tensor> pd;
        try (InferenceMode im = Ember.inferenceMode()) {
            pd = yd.unbind(0);
        }
        pd.get(0).mul_(2);
        assertArrayEquals(TORCH.values("inference_piece_detached_base"), yd.toDoubleArray());

        Tensor y2 = x().mul(2);
        Tensor v1;
        try (InferenceMode im = Ember.inferenceMode()) {
            v1 = y2.unbind(0).get(1);
        }
        y2.add_(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, v1::gradFn);
        assertEquals(TORCH.error("inference_base_changed"), e.getMessage());
    }

    @Test
    void aViewOfADetachedAliasFollowsThatAlias() {
        Tensor y = x().mul(2);
        Tensor yd = y.detach();
        Tensor v = yd.select(0, 0);
        Tensor w = w();
        v.mul_(w);
        yd.mul(1.0).sum().backward();
        String expected = TORCH.value("view_of_detached_alias");
        assertEquals(expected.substring(0, expected.indexOf('[')),
                "('torch::autograd::" + yd.gradFn().name() + "', '" + y.gradFn().name() + "', ");
        double[] all = PyTorchCases.numbers(expected.substring(expected.indexOf('['), expected.lastIndexOf(')')));
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 0, 4), w.grad().toDoubleArray());
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 4, all.length), yd.toDoubleArray());
    }

    @Test
    void aRefusedOpLeavesTheGraphAsItWas() {
        Tensor x = x();
        List<Tensor> p = x.mul(2).unbind(0);
        Supplier<Tensor> piece = () -> p.get(0);
        assertThrows(IllegalStateException.class, () -> piece.get().mul_(3));
        assertFalse(p.get(0).isLeaf());
        p.get(0).mul(w()).sum().backward();
        assertArrayEquals(TORCH.values("backward_after_refused"), x.grad().toDoubleArray());
    }
}
