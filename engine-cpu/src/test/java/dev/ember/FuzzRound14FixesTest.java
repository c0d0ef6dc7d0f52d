package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The engine fixes round 14 of the differential fuzz ({@code differentialfuzzr14/make_cases.py}: random compositions of
 * views and in-place writes under autograd) led to, each pinned on its own with PyTorch's values from
 * {@code differentialfuzzr14/make_fixes.py} (its output {@code fixes.txt}).
 */
class FuzzRound14FixesTest {
    private static final Map<String, String> FACTS = facts();

    private static Map<String, String> facts() {
        return LabelledLines.load("/differentialfuzzr14/fixes.txt");
    }

    private static Tensor f64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU);
    }

    /** W(n): w[k] = 1 + 0.5 ((3k) mod 11), the generator's weights. */
    private static Tensor weights(int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return f64(w).reshape(shape);
    }

    private static String geometry(Tensor t) {
        return Arrays.toString(t.shape()) + " " + Arrays.toString(t.stride()) + " " + t.storageOffset();
    }

    private static double[] numbers(String key) {
        String s = FACTS.get(key);
        s = s.substring(s.indexOf('[') + 1, s.indexOf(']'));
        return Arrays.stream(s.split(",")).mapToDouble(x -> Double.parseDouble(x.trim())).toArray();
    }

    @Test
    void anEmptySliceMovesItsStorageOffsetToTheClampedStart() {
        // Ember left an empty slice at its input's offset; PyTorch's slice adds start * stride whatever the length
        Tensor a = Tensor.arange(12, DType.FLOAT64).reshape(3, 4);
        assertEquals(FACTS.get("slice_rows_end"), geometry(a.slice(0, 3, Integer.MAX_VALUE, 1)));
        assertEquals(FACTS.get("slice_cols_past"), geometry(a.slice(1, 5, Integer.MAX_VALUE, 1)));
        assertEquals(FACTS.get("slice_empty_inside"), geometry(a.narrow(0, 1, 2).slice(0, 1, 1, 1)));
        assertEquals(FACTS.get("slice_then_select"), geometry(a.reshape(3, 4, 1).permute(2, 0, 1)
                .index(Index.slice(1, null, 2), Index.of(-1))));
    }

    private static String savedError(BiConsumer<Tensor, Tensor> second, boolean retain) {
        Tensor x = f64(1.25, 0.75, -1.0).requiresGrad_(true);
        Tensor b = x.mul(1.5);
        Tensor v = b.narrow(0, 2, 1);
        v.sigmoid_();
        second.accept(v, b);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Autograd.backward(java.util.List.of(b.sum()), null, retain, false));
        String m = e.getMessage();
        return m.substring(0, m.indexOf(" instead.") + " instead.".length());
    }

    @Test
    void theSavedOutputErrorNamesTheOpOnceTheBackwardDroppedTheLaterWrite() {
        // sigmoid_ on a view saves the view with its history of that moment held weakly; a later write into the view
        // takes that history as an edge, but its node lives in the write's CopySlices, which a backward that does not
        // retain the graph releases before reaching sigmoid's node: PyTorch then names SigmoidBackward0 (Ember named
        // AsStridedBackward0 in every case)
        assertEquals(FACTS.get("saved_write_then_backward"), savedError((v, b) -> v.mul_(2.0), false));
        assertEquals(FACTS.get("saved_write_then_retained_backward"), savedError((v, b) -> v.mul_(2.0), true));
        assertEquals(FACTS.get("saved_base_write_then_backward"), savedError((v, b) -> b.add_(1.0), false));
    }

    @Test
    void viewAsRealAndViewAsComplexReplayTheirOwnNodeAfterTheirBaseChanged() {
        // 2.x keeps a view_fn for the dtype-changing views, so their regenerated history is the view op's own node on
        // the base's new history (a view of them still gets AsStridedBackward0); Ember named both AsStridedBackward0
        Tensor c = f64(1, 2, -0.5, 0.25, 2, -1).reshape(3, 2).viewAsComplex().clone().requiresGrad_(true);
        Tensor b = c.mul(1.0);
        Tensor r = b.viewAsReal();
        Tensor r0 = b.viewAsReal().select(0, 1);
        b.add_(1.0);
        assertEquals(FACTS.get("replay_real"), r.gradFn().name() + " " + r0.gradFn().name());
        r.mul(weights(3, 2)).sum().backward();
        assertArrayEquals(numbers("replay_real_grad"), c.grad().viewAsReal().toDoubleArray(), 0.0);

        Tensor x = f64(0.5, -1.0, 2.0, 1.5).requiresGrad_(true);
        Tensor y = x.mul(1.0);
        Tensor z = y.view(2, 2).viewAsComplex();
        y.mul_(2.0);
        assertEquals(FACTS.get("replay_complex"), z.gradFn().name());
        z.viewAsReal().mul(weights(2, 2)).sum().backward();
        assertArrayEquals(numbers("replay_complex_grad"), x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void aNumberIsWrittenIntoAComplexTensorThroughABooleanMask() {
        // x[mask] = -1.0 on a complex tensor refused ("a boolean[] cannot hold torch.complex128"): the number was made
        // a backend scalar array, which has no complex form
        Tensor c = f64(1, 2, -0.5, 0.25, 2, -1).reshape(3, 2).viewAsComplex().clone().requiresGrad_(true);
        Tensor b = c.mul(1.0);
        Tensor mask = Tensor.tensor(new boolean[] {true, false, true}, DType.BOOL, Device.CPU);
        b.indexPut_(new Index[] {Index.of(mask)}, -1.0, false);
        String[] want = FACTS.get("complex_maskput").split("] ");
        assertArrayEquals(numbers("complex_maskput"), b.detach().viewAsReal().toDoubleArray(), 0.0);
        assertEquals(want[1], b.gradFn().name());
        b.viewAsReal().mul(weights(3, 2)).sum().backward();
        assertArrayEquals(numbers("complex_maskput_grad"), c.grad().viewAsReal().toDoubleArray(), 0.0);
    }

    @Test
    void copySlicesRefusesOnlyAViewWithAZeroStride() {
        // Ember's CopySlices refused in its backward any view whose elements might share memory (an as_strided view
        // whose strides only looked overlapping, an empty expanded view); PyTorch's refuses where has_internal_overlap
        // is certain: a stride 0 over more than one element of a non-empty view
        double[] xs = {-0.5, -0.5, -0.25, 1.25, 2.0, 0.75, 1.25, 0.5, 1.25, -1.25, 1.5, 1.75};
        Tensor x = f64(xs).reshape(3, 4).requiresGrad_(true);
        Tensor w = f64(1.75, 0.5, -0.75, 1.0, -1.25, 1.5).reshape(2, 3).requiresGrad_(true);
        Tensor b = x.mul(1.5);
        b.asStrided(new int[] {2, 3}, new int[] {3, 2}, 0).add_(w);
        b.mul(weights(3, 4)).sum().backward();
        String[] want = FACTS.get("strided_write_grad").split("] ");
        assertArrayEquals(numbers("strided_write_grad"), x.grad().reshape(-1).toDoubleArray(), 0.0);
        assertEquals(want[1], Arrays.toString(w.grad().reshape(-1).toDoubleArray()));

        x.setGrad(null);
        Tensor e = x.mul(1.5);
        e.slice(1, 0, 0, 1).unsqueeze(0).expand(2, 3, 0).copy_(Tensor.zeros(DType.FLOAT64, 2, 3, 0));
        e.mul(weights(3, 4)).sum().backward();
        assertArrayEquals(numbers("empty_expanded_write_grad"), x.grad().reshape(-1).toDoubleArray(), 0.0);

        Tensor f = x.mul(1.5);
        f.select(0, 0).unsqueeze(0).expand(2, 4).fill_(1.0);
        Tensor loss = f.mul(weights(3, 4)).sum();
        RuntimeException r = assertThrows(RuntimeException.class, loss::backward);
        assertEquals(FACTS.get("expanded_fill_backward"), r.getMessage());
    }

    private static String leafViewError(boolean noGradView) {
        Tensor t = f64(1.0, -2.0, 0.5, 3.0).reshape(2, 2);
        Tensor v;
        if (noGradView) {
            try (GradMode off = Ember.noGrad()) {
                v = t.t();
            }
        } else {
            v = t.t();
        }
        v.requiresGrad_(true);
        Tensor before = t.clone();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> v.add_(1.0));
        assertArrayEquals(before.toDoubleArray(), t.toDoubleArray(), 0.0);
        return e.getMessage();
    }

    @Test
    void aLeafViewThatRequiresGradMeetsTheViewRulesFirst() {
        // Ember checked the plain leaf rule first ("a leaf Variable that requires grad ..."); PyTorch's check_inplace
        // runs handle_view_on_rebase and the view-of-a-leaf rule before it
        assertEquals(FACTS.get("leaf_view_inplace"), leafViewError(false));
        assertEquals(FACTS.get("leaf_nograd_view_inplace"), leafViewError(true));
    }

    @Test
    void anEmptyTensorViewedAsItsOwnShapeKeepsItsStrides() {
        // PyTorch's computeStride copies an empty tensor's strides when the shape does not change (Ember made them
        // contiguous); another shape gets contiguous strides
        Tensor e = Tensor.zeros(DType.FLOAT64, 3, 2).slice(0, 1, 0, 3);
        String got = Arrays.toString(e.stride()) + " " + Arrays.toString(e.reshape(0, 2).stride()) + " "
                + Arrays.toString(e.view(0, 2).stride()) + " " + Arrays.toString(e.view(2, 0).stride());
        assertEquals(FACTS.get("empty_view_strides"), got);
    }

    @Test
    void theSavedOutputErrorNamesTheShapeTheOutputWasSavedWith() {
        // Ember named the output's current shape; PyTorch saves an output's metadata with it (tensor_data())
        Tensor x = f64(1.75, 1.5, -0.25, 0.5).reshape(2, 2).clone().requiresGrad_(true);
        Tensor y = x.exp();
        y.unsqueeze_(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        String m = e.getMessage();
        assertEquals(FACTS.get("saved_output_shape"), m.substring(0, m.indexOf(" instead.") + " instead.".length()));
    }

    @Test
    void aReplayedViewOfABaseThatNoLongerRequiresGradHasNoHistory() {
        // view_as_complex replayed on its base after requires_grad_(false) and a write makes no node (PyTorch's
        // view_fn on a base without grad); Ember gave it a node
        Tensor x = f64(1.0, 2.0, -0.5, 0.25).reshape(2, 2).clone().requiresGrad_(true);
        Tensor z = x.viewAsComplex();
        x.requiresGrad_(false);
        x.mul_(2.0);
        Node fn = z.gradFn();
        assertEquals(FACTS.get("replay_without_grad"), (z.requiresGrad() ? "True" : "False") + " "
                + (z.isLeaf() ? "True" : "False") + " " + (fn == null ? "None" : fn.name()));
    }

    @Test
    void anOperandsHistoryIsReadBeforeTheOverlapCheck() {
        // Ember refused the overlap of b and its inference-mode view first; PyTorch collects the operands' histories
        // before its kernel runs, and reading that view's refuses (its base changed in place since)
        Tensor x = f64(-1.0, 0.0, 0.0, 1.0).reshape(2, 2).clone().requiresGrad_(true);
        Tensor b = x.clone();
        Tensor v;
        try (InferenceMode mode = Ember.inferenceMode()) {
            v = b.asStrided(new int[] {1}, new int[] {0}, 0);
        }
        b.relu_();
        double[] before = b.detach().toDoubleArray();
        int version = b.version();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.add_(v));
        assertEquals(FACTS.get("operand_history_first"), e.getMessage());
        assertArrayEquals(before, b.detach().toDoubleArray(), 0.0);
        assertEquals(version, b.version());
    }

    @Test
    void anExpandedInferenceTensorIsRefusedForTheOverlapFirst() {
        // Ember refused the inference tensor first; PyTorch's kernel finds the overlap before the version counter
        // refuses (an inference tensor has no autograd layer)
        Tensor t;
        try (InferenceMode mode = Ember.inferenceMode()) {
            t = f64(1.0, 2.0).clone();
        }
        Tensor e = t.expand(3, 2);
        RuntimeException err = assertThrows(RuntimeException.class, () -> e.add_(1.0));
        assertEquals(FACTS.get("inference_overlap_first"), err.getMessage());
        assertEquals(FACTS.get("inference_overlap_values"), Arrays.toString(t.toDoubleArray()));
    }

    @Test
    void aSavedOutputDetachedInPlaceIsUnpackedWithTheNodeThatSavedIt() {
        // Ember's exp backward read the detached tensor (no history), so the create_graph gradient did not require
        // grad; PyTorch unpacks a saved output with its saving node as history, and the double backward runs through it
        Tensor x = f64(0.5, -1.0, 0.25).requiresGrad_(true);
        Tensor y = x.exp();
        Tensor v = y.narrow(0, 0, 2);
        y.detach_();
        Tensor g = Autograd.grad(java.util.List.of(v.mul(weights(2)).sum()), java.util.List.of(x), null, true, true,
                false).get(0);
        String want = FACTS.get("detached_output_grad");
        assertEquals(want.substring(0, want.indexOf(' ')), g.requiresGrad() ? "True" : "False");
        assertArrayEquals(numbers("detached_output_grad"), g.detach().toDoubleArray(), 1e-15);
        g.mul(g).mul(weights(3)).sum().backward();
        assertArrayEquals(numbers("detached_output_double"), x.grad().toDoubleArray(), 1e-14);
    }
}
