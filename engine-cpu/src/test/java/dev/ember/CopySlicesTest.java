package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In-place ops on views of tensors that autograd records: the base's history goes through {@code CopySlices}, views
 * regenerate theirs ({@code AsStridedBackward0}), and values, node names and gradients equal PyTorch's
 * ({@code copyslices/make_expected.py}).
 */
class CopySlicesTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/copyslices/expected.txt");

    private static Tensor x4() {
        return Tensor.tensor(new double[] {1, 2, 3, 4}).requiresGrad_(true);
    }

    private static void same(String key, String field, Tensor actual) {
        assertArrayEquals(PyTorchCases.numbers(TORCH.field(key, field)), actual.toDoubleArray(), 1e-6, key + " " + field);
    }

    private static void names(String key, Tensor... ts) {
        List<String> got = new ArrayList<>();
        for (Tensor t : ts) {
            got.add("'" + t.gradFn().name() + "'");
        }
        assertEquals(TORCH.field(key, "names"), got.toString());
    }

    @Test
    void mulOfAViewRebasesTheBaseAndEveryView() {
        Tensor x = x4();
        Tensor y = x.mul(2.0);
        Tensor v = y.slice(0, 0, 2, 1);
        Tensor w = y.slice(0, 1, 3, 1);
        v.mul_(3.0);
        names("mul_view", y, v, w);
        same("mul_view", "y", y);
        w.sum().backward(null, true);
        same("mul_view", "via_w", x.grad());
        x.releaseGrad();
        y.sum().backward();
        same("mul_view", "via_y", x.grad());
    }

    @Test
    void theIssuesExamples() {
        Tensor x = x4();
        Tensor y = x.mul(2.0);
        Tensor s = y.select(0, 0);
        s.fill_(0);
        names("select_fill", y, s);
        same("select_fill", "y", y);
        y.mul(y).sum().backward();
        same("select_fill", "grad", x.grad());

        Tensor x2 = x4();
        Tensor y2 = x2.mul(1.0);
        Tensor w = Tensor.tensor(new double[] {2, 3}).requiresGrad_(true);
        y2.narrow(0, 2, 2).mul_(w);
        same("narrow_mul_other", "y", y2);
        y2.mul(y2).sum().backward();
        same("narrow_mul_other", "grad", x2.grad());
        same("narrow_mul_other", "grad_w", w.grad());
    }

    @Test
    void aLeafBaseWithoutGradBecomesPartOfTheGraph() {
        Tensor b = Tensor.zeros(3);
        Tensor t = Tensor.tensor(new double[] {5, 6}).requiresGrad_(true);
        b.slice(0, 0, 2, 1).copy_(t);
        names("leaf_base_copy", b);
        same("leaf_base_copy", "b", b);
        assertEquals(TORCH.field("leaf_base_copy", "requires_grad"), "[" + (b.requiresGrad() ? "True" : "False") + ", "
                + (b.isLeaf() ? "True" : "False") + "]");
        b.mul(Tensor.tensor(new double[] {1, 2, 3})).sum().backward();
        same("leaf_base_copy", "grad", t.grad());
    }

    @Test
    void viewsOfViewsAndTransposes() {
        Tensor x = x4();
        Tensor y = x.mul(1.0);
        Tensor t = Tensor.tensor(new double[] {10, 20}).requiresGrad_(true);
        Tensor z = y.view(2, 2).select(0, 1);
        z.add_(t);
        names("view_of_view_add", y, z);
        same("view_of_view_add", "y", y);
        y.mul(y).sum().backward();
        same("view_of_view_add", "grad", x.grad());
        same("view_of_view_add", "grad_t", t.grad());

        Tensor x2 = x4();
        Tensor y2 = x2.mul(1.0);
        Tensor a = y2.slice(0, 0, 3, 1);
        Tensor a2 = a.slice(0, 1, 3, 1);
        a2.mul_(2.0);
        names("nested_views", a, a2, y2);
        a.mul(a).sum().backward();
        same("nested_views", "grad", x2.grad());

        Tensor m = Tensor.arange(0, 6, 1, DType.FLOAT32).reshape(2, 3).requiresGrad_(true);
        Tensor n = m.mul(1.0);
        n.t().select(0, 1).mul_(5.0);
        same("transposed_view", "n", n);
        n.mul(n).sum().backward();
        same("transposed_view", "grad", m.grad());

        Tensor x3 = x4();
        Tensor y3 = x3.mul(1.0);
        y3.view(2, 2).t().select(0, 0).zero_();
        same("transposed_zero", "y", y3);
        y3.sum().backward();
        same("transposed_zero", "grad", x3.grad());
    }

    @Test
    void severalOpsOnOneViewAndOnTheBase() {
        Tensor x = x4();
        Tensor y = x.mul(1.0);
        Tensor v = y.slice(0, 1, 3, 1);
        v.mul_(2.0);
        v.add_(1.0);
        v.mul_(Tensor.tensor(new double[] {3, 0.5}));
        same("chain_on_view", "y", y);
        y.mul(Tensor.tensor(new double[] {1, 2, 3, 4})).sum().backward();
        same("chain_on_view", "grad", x.grad());

        Tensor x2 = x4();
        Tensor y2 = x2.mul(1.0);
        Tensor old = y2.slice(0, 1, 3, 1);
        y2.mul_(Tensor.tensor(new double[] {1, 2, 3, 4}));
        names("base_then_old_view", old);
        same("base_then_old_view", "v", old);
        old.sum().backward();
        same("base_then_old_view", "grad", x2.grad());

        Tensor b = Tensor.zeros(4);
        Tensor v1 = b.slice(0, 0, 2, 1);
        Tensor v2 = b.slice(0, 1, 3, 1);
        Tensor t = Tensor.tensor(new double[] {5, 6}).requiresGrad_(true);
        v1.copy_(t);
        names("sibling_view", v2);
        v2.mul(Tensor.tensor(new double[] {2, 3})).sum().backward();
        same("sibling_view", "grad", t.grad());
    }

    @Test
    void doubleBackwardThroughCopySlices() {
        Tensor x = x4();
        Tensor y = x.mul(x);
        y.slice(0, 1, 3, 1).mul_(2.0);
        Tensor g = Autograd.grad(List.of(y.sum()), List.of(x), null, false, true, false).get(0);
        same("double_backward", "g", g);
        g.sum().backward();
        same("double_backward", "gg", x.grad());
    }

    @Test
    void pyTorchsErrorsAndNonDifferentiableViews() {
        Tensor x = x4();
        Tensor y = x.mul(1.0);
        Tensor v;
        try (GradMode off = Ember.noGrad()) {
            v = y.slice(0, 0, 2, 1);
        }
        Tensor frozen = v;
        Throwable e = assertThrows(IllegalStateException.class, () -> frozen.mul_(2.0));
        assertEquals(TORCH.field("nograd_view", "error"), e.getMessage());
        assertEquals("tensor([1., 2., 3., 4.], grad_fn=<MulBackward0>)", y.toString(), "nothing written");

        Tensor y2 = x.mul(1.0);
        y2.slice(0, 0, 2, 1).mul_(y2.slice(0, 2, 4, 1));
        e = assertThrows(IllegalStateException.class, () -> y2.sum().backward());
        assertTrue(TORCH.field("self_alias", "error").startsWith(e.getMessage().substring(0, 80)), e.getMessage());

        // a detached handle is not a differentiable view: it neither follows nor changes the base's history
        Tensor y3 = x.mul(1.0);
        Tensor d = y3.detach();
        y3.mul_(2.0);
        assertNull(d.gradFn());
        assertFalse(d.requiresGrad());
        // a view of a leaf that requires grad still may not change
        e = assertThrows(IllegalStateException.class, () -> x.slice(0, 0, 2, 1).mul_(2.0));
        assertEquals("a view of a leaf Variable that requires grad is being used in an in-place operation.", e.getMessage());
        // in no-grad mode the write is not recorded, and views created with grad regenerate their history on the base
        Tensor y4 = x.mul(1.0);
        Tensor w = y4.slice(0, 0, 2, 1);
        try (GradMode off = Ember.noGrad()) {
            w.mul_(10.0);
        }
        assertEquals("MulBackward0", y4.gradFn().name());
        assertEquals("AsStridedBackward0", w.gradFn().name());
        w.sum().backward();
        assertEquals("tensor([1., 1., 0., 0.])", x.grad().toString());
    }
}
