package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code einsum} against PyTorch over a table of equations ({@code einsum/make_expected.py}): implicit and explicit
 * outputs, repeated labels (diagonals, traces), ellipses with broadcasting, one to four operands, size-1 and empty
 * dimensions. Values (float64, within 1e-10 relative), the gradient of every operand, the grad_fn name, on the inputs as
 * given and on non-contiguous copies; gradcheck and gradgradcheck of a selection; PyTorch's error messages.
 */
class EinsumTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/einsum/expected.txt");

    private static String fieldOrNull(String key, String name) {
        try {
            return TORCH.field(key, name);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private static int[] shapeOf(String repr) {
        return Arrays.stream(PyTorchCases.numbers(repr)).mapToInt(d -> (int) d).toArray();
    }

    private static Tensor[] inputs(String key, boolean strided) {
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; fieldOrNull(key, "in" + i) != null; i++) {
            Tensor x = Tensor.tensor(PyTorchCases.numbers(TORCH.field(key, "in" + i)), DType.FLOAT64)
                    .reshape(shapeOf(TORCH.field(key, "shape" + i)));
            x = strided ? LinalgTest.nonContiguous(x) : x;
            xs.add(x.detach().requiresGrad_(true));
        }
        return xs.toArray(new Tensor[0]);
    }

    private static void check(String key) {
        String eq = TORCH.field(key, "equation");
        for (boolean strided : new boolean[] {false, true}) {
            String how = key + " " + eq + (strided ? " (non-contiguous)" : "");
            Tensor[] xs = inputs(key, strided);
            Tensor out = Tensor.einsum(eq, xs);
            assertArrayEquals(shapeOf(TORCH.field(key, "oshape")), out.shape(), how + " shape");
            LinalgTest.assertClose(how, PyTorchCases.numbers(TORCH.field(key, "out")), out, false);
            assertEquals(TORCH.field(key, "node"), out.gradFn().name(), how + " node");
            Tensor w = Tensor.tensor(PyTorchCases.numbers(TORCH.field(key, "w")), DType.FLOAT64).reshape(out.shape());
            List<Tensor> gs = Autograd.grad(List.of(out), Arrays.asList(xs), List.of(w), false, false, true);
            for (int i = 0; i < xs.length; i++) {
                String expected = TORCH.field(key, "grad" + i);
                if (expected.equals("None")) {
                    assertNull(gs.get(i), how + " gradient " + i);
                } else {
                    LinalgTest.assertClose(how + " gradient " + i, PyTorchCases.numbers(expected), gs.get(i), false);
                }
            }
        }
    }

    @TestFactory
    List<DynamicTest> equationsMatchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String key : TORCH.field("cases", "keys").split(" ")) {
            t.add(DynamicTest.dynamicTest(key + " " + TORCH.field(key, "equation"), () -> check(key)));
        }
        assertTrue(t.size() >= 40);
        return t;
    }

    /** Equations whose backward is checked against finite differences, to first and second order. */
    private static final Set<String> DIFFERENTIATED = Set.of("ij,jk->ik", "ii->i", "ii", "iij->ij", "i,j->ij",
            "bij,bjk->bik", "...ij,...jk", "abc,cd,de->abe", "bn,anm,bm->ba", "ijj,j->i", "ij,ik->jk");

    /** The linear ones (one operand): a constant first derivative, nothing for gradgradcheck to differentiate. */
    private static final Set<String> LINEAR = Set.of("ii->i", "ii", "iij->ij");

    @TestFactory
    List<DynamicTest> gradcheckAndGradgradcheck() {
        List<DynamicTest> t = new ArrayList<>();
        for (String key : TORCH.field("cases", "keys").split(" ")) {
            String eq = TORCH.field(key, "equation");
            if (!DIFFERENTIATED.contains(eq)
                    || Arrays.stream(inputs(key, false)).anyMatch(x -> x.numel() == 0)) {
                continue;
            }
            t.add(DynamicTest.dynamicTest(eq, () -> {
                Tensor[] xs = inputs(key, false);
                assertTrue(Autograd.gradcheck(x -> Tensor.einsum(eq, x), xs));
                if (!LINEAR.contains(eq)) {
                    assertTrue(Autograd.gradgradcheck(x -> Tensor.einsum(eq, x), inputs(key, false)));
                }
            }));
        }
        assertTrue(t.size() >= 10);
        return t;
    }

    @Test
    void integerOperandsAndAllocationFreeViews() {
        Tensor a = Tensor.arange(6).reshape(2, 3);
        Tensor b = Tensor.arange(12).reshape(3, 4);
        assertTrue(Tensor.einsum("ij,jk->ik", a, b).equal(a.mm(b)));
        assertEquals(DType.INT64, Tensor.einsum("ij,jk->ik", a, b).dtype());
        // a transpose is a view: no copy, PermuteBackward0 (as PyTorch)
        Tensor x = Tensor.ones(2, 3);
        Tensor t = Tensor.einsum("ij->ji", x);
        assertTrue(t.storage() == x.storage());
    }

    /**
     * Regression (session 43, MoCo's {@code torch.einsum('nc,nc->n', [q, k])}): the equation followed by one list of
     * operands is PyTorch's old interface, the same as the operands one by one (values, gradients); an empty list is
     * PyTorch's "must specify" ValueError, a list beside further operands its "expected Tensor" refusal.
     */
    @Test
    void operandsAsOneList() {
        Tensor q = Tensor.rand(DType.FLOAT64, 3, 4).requiresGrad_(true);
        Tensor k = Tensor.rand(DType.FLOAT64, 3, 4).requiresGrad_(true);
        Tensor listed = Tensor.einsum("nc,nc->n", List.of(q, k));
        Tensor spread = Tensor.einsum("nc,nc->n", q, k);
        assertTrue(listed.equal(spread));
        listed.sum().backward();
        assertTrue(q.grad().equal(k.detach()));
        assertTrue(k.grad().equal(q.detach()));
        assertTrue(Tensor.einsum("ij->ji", List.of(q)).equal(q.t()));
        assertEquals("einsum(): must specify the equation string and at least one operand, or at least one operand and "
                + "its subscripts list", org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Tensor.einsum("ij", List.of())).getMessage());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.einsum("ij,jk->ik", List.of(q), k)).getMessage().startsWith("einsum(): expected a Tensor"));
    }

    private static void fails(String key, String eq, int[]... shapes) {
        Tensor[] xs = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            xs[i] = Tensor.ones(shapes[i]);
        }
        TorchErrors.failsLike(TORCH, key, () -> Tensor.einsum(eq, xs), xs);
    }

    private static int[] s(int... v) {
        return v;
    }

    @Test
    void errors() {
        fails("fewer_operands", "ij,jk->ik", s(2, 3));
        fails("more_operands", "ij->ij", s(2, 3), s(3, 2));
        fails("bad_subscript", "i1,jk->ik", s(2, 3), s(3, 2));
        fails("bad_output_subscript", "ij->i1", s(2, 3));
        fails("subscripts_mismatch", "ijk->ij", s(2, 3));
        fails("ellipsis_too_many", "...ijk->ij", s(2, 3));
        fails("two_ellipses", "......->", s(2, 3));
        fails("dot_not_ellipsis", "i.j->ij", s(2, 3));
        fails("output_twice", "ij->ii", s(2, 3));
        fails("output_unknown", "ij->k", s(2, 3));
        fails("output_two_ellipses", "...i->......", s(2, 3));
        fails("output_dot", "...i->.i", s(2, 3));
        fails("size_mismatch", "ij,jk->ik", s(2, 3), s(4, 2));
        fails("repeated_mismatch", "ii->i", s(2, 3));
        fails("ellipsis_broadcast", "...i,...i->...", s(2, 3), s(4, 3));
        assertEquals("einsum(): must provide at least one operand",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("i->i"))
                        .getMessage());
    }
}
