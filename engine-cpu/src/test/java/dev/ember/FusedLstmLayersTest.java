package dev.ember;

import dev.ember.nn.LSTM;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recorded float32 LSTM on the CPU ({@link FusedLstmLayers}, PyTorch 2.x's oneDNN path: one
 * MkldnnRnnLayerBackward0 node per layer and direction). Its forward must give the composition's bits (the forward
 * that records no graph, where that one does not pack W_hh: more than eight rows or one step); its gradients and
 * second-order gradients must be the float64 composition's to float32 rounding (the same module in float64 takes the
 * composition, with PyTorch's formulas), for every layer count, direction, batch-first, bias, state and step count; its
 * graph must have 2.x's nodes (aten/src/ATen/native/mkldnn/RNN.cpp's {@code mkldnn_rnn}: 1.13, which the project's
 * generators run, has no such path, so the names here are read off that source), and saved outputs changed in place
 * must be refused at backward, as PyTorch's saved {@code output}.
 */
class FusedLstmLayersTest {
    private static final int IN = 5;
    private static final int HID = 6;

    private static LSTM module(int layers, boolean bias, boolean batchFirst, boolean bidir) {
        return module(IN, HID, layers, bias, batchFirst, bidir);
    }

    private static LSTM module(int in, int hid, int layers, boolean bias, boolean batchFirst, boolean bidir) {
        return new LSTM(in, hid, layers, bias, batchFirst, 0, bidir);
    }

    /** A float64 copy of {@code m32}'s module (same constructor arguments), which takes the composition. */
    private static LSTM float64Copy(LSTM m32, int layers, boolean bias, boolean batchFirst, boolean bidir) {
        return float64Copy(m32, IN, HID, layers, bias, batchFirst, bidir);
    }

    private static LSTM float64Copy(LSTM m32, int in, int hid, int layers, boolean bias, boolean batchFirst,
                                    boolean bidir) {
        LSTM m64 = module(in, hid, layers, bias, batchFirst, bidir);
        m64.to(DType.FLOAT64);
        Map<String, Tensor> p32 = m32.namedParameters();
        try (GradMode g = Ember.noGrad()) {
            m64.namedParameters().forEach((k, v) -> v.copy_(p32.get(k)));
        }
        return m64;
    }

    /** Float32 against float64 within float32's rounding over a few steps. */
    private static void close(Tensor expected64, Tensor actual32, String what) {
        assertArrayEquals(expected64.shape(), actual32.shape(), what + " shape");
        assertEquals(DType.FLOAT32, actual32.dtype(), what + " dtype");
        double[] e = expected64.toDoubleArray();
        double[] a = actual32.to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= 2e-5 + 2e-5 * Math.abs(e[i]),
                    what + " [" + i + "]: " + a[i] + " against " + e[i]);
        }
    }

    private static RnnOutput run(LSTM m, Tensor x, Tensor h0, Tensor c0) {
        return m.forward(x, h0 == null ? null : new LstmState(h0, c0));
    }

    /** sum(out * gOut) + sum(h_n * gH) + sum(c_n * gC), with fixed weights, so that every output gets a gradient. */
    private static Tensor loss(RnnOutput r, Tensor gOut, Tensor gH, Tensor gC) {
        return r.output().mul(gOut).sum().add(r.h().mul(gH).sum()).add(r.c().mul(gC).sum());
    }

    @Test
    void forwardBitsGradientsAndNodesOverEveryConfiguration() {
        Ember.manualSeed(40);
        int cases = 0;
        for (int layers : new int[] {1, 2}) {
            for (boolean bidir : new boolean[] {false, true}) {
                for (boolean batchFirst : new boolean[] {false, true}) {
                    for (boolean bias : new boolean[] {true, false}) {
                        for (int[] tb : new int[][] {{1, 1}, {3, 2}, {4, 9}}) {
                            for (boolean state : new boolean[] {false, true}) {
                                check(IN, HID, layers, bidir, batchFirst, bias, tb[0], tb[1], state);
                                cases++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(96, cases);
    }

    @Test
    void widthsPastTheVectorLengthTakeTheVectorRows() {
        Ember.manualSeed(45);
        check(20, 37, 2, true, true, true, 5, 3, true);
        check(16, 64, 1, false, false, true, 3, 10, false);
    }

    private static void check(int in, int hid, int layers, boolean bidir, boolean batchFirst, boolean bias, int steps,
                              int batch, boolean state) {
        String what = "in " + in + " hidden " + hid + " layers " + layers + " bidir " + bidir + " batchFirst "
                + batchFirst + " bias " + bias + " T " + steps + " B " + batch + " state " + state;
        int dirs = bidir ? 2 : 1;
        LSTM m32 = module(in, hid, layers, bias, batchFirst, bidir);
        LSTM m64 = float64Copy(m32, in, hid, layers, bias, batchFirst, bidir);
        int[] xShape = batchFirst ? new int[] {batch, steps, in} : new int[] {steps, batch, in};
        Tensor x = Tensor.randn(xShape);
        Tensor h0 = state ? Tensor.randn(layers * dirs, batch, hid) : null;
        Tensor c0 = state ? Tensor.randn(layers * dirs, batch, hid) : null;
        int[] outShape = batchFirst ? new int[] {batch, steps, dirs * hid} : new int[] {steps, batch, dirs * hid};
        Tensor gOut = Tensor.randn(outShape);
        Tensor gH = Tensor.randn(layers * dirs, batch, hid);
        Tensor gC = Tensor.randn(layers * dirs, batch, hid);

        Tensor x32 = x.clone().requiresGrad_(true);
        Tensor h32 = state ? h0.clone().requiresGrad_(true) : null;
        Tensor c32 = state ? c0.clone().requiresGrad_(true) : null;
        RnnOutput r32 = run(m32, x32, h32, c32);
        // the nodes of 2.x's mkldnn_rnn
        String outNode = batchFirst ? "TransposeBackward0" : bidir ? "CatBackward0" : "MkldnnRnnLayerBackward0";
        assertEquals(outNode, r32.output().gradFn().name(), what + " output node");
        assertEquals("StackBackward0", r32.h().gradFn().name(), what + " h_n node");
        assertEquals("StackBackward0", r32.c().gradFn().name(), what + " c_n node");
        Node layerNode = r32.h().gradFn().nextFunctions().get(0);
        assertEquals("MkldnnRnnLayerBackward0", layerNode.name(), what);
        assertEquals(7, layerNode.nextEdges().size(), what + ": input, w_ih, w_hh, b_ih, b_hh, hx, cx");
        assertEquals(3, layerNode.numOutputs(), what + ": output, h_n, c_n");

        // the forward: the composition's bits where the no-graph forward composes the same products
        if (batch > 8 || steps == 1) {
            RnnOutput plain;
            try (GradMode g = Ember.noGrad()) {
                plain = run(m32, x, h0, c0);
            }
            assertArrayEquals(plain.output().toFloatArray(), r32.output().toFloatArray(), what + " output bits");
            assertArrayEquals(plain.h().toFloatArray(), r32.h().toFloatArray(), what + " h_n bits");
            assertArrayEquals(plain.c().toFloatArray(), r32.c().toFloatArray(), what + " c_n bits");
        }

        Tensor x64 = x.to(DType.FLOAT64).requiresGrad_(true);
        Tensor h64 = state ? h0.to(DType.FLOAT64).requiresGrad_(true) : null;
        Tensor c64 = state ? c0.to(DType.FLOAT64).requiresGrad_(true) : null;
        RnnOutput r64 = run(m64, x64, h64, c64);
        assertEquals(batchFirst ? "TransposeBackward0" : bidir ? "CatBackward0" : "StackBackward0",
                r64.output().gradFn().name(), what + ": float64 composes");
        close(r64.output(), r32.output(), what + " output");
        close(r64.h(), r32.h(), what + " h_n");
        close(r64.c(), r32.c(), what + " c_n");

        loss(r32, gOut, gH, gC).backward();
        loss(r64, gOut.to(DType.FLOAT64), gH.to(DType.FLOAT64), gC.to(DType.FLOAT64)).backward();
        close(x64.grad(), x32.grad(), what + " grad x");
        if (state) {
            close(h64.grad(), h32.grad(), what + " grad h0");
            close(c64.grad(), c32.grad(), what + " grad c0");
        }
        Map<String, Tensor> p64 = m64.namedParameters();
        m32.namedParameters().forEach((k, v) -> close(p64.get(k).grad(), v.grad(), what + " grad " + k));
    }

    @Test
    void onlySomeOutputsAndOnlySomeInputsGetGradients() {
        Ember.manualSeed(41);
        LSTM m32 = module(2, true, true, true);
        LSTM m64 = float64Copy(m32, 2, true, true, true);
        Tensor x = Tensor.randn(3, 4, IN);
        // only h_n reaches the loss (a classifier on the final state); the parameters alone require grad
        RnnOutput r32 = m32.forward(x, null);
        RnnOutput r64 = m64.forward(x.to(DType.FLOAT64), null);
        r32.h().select(0, 3).sum().backward();
        r64.h().select(0, 3).sum().backward();
        Map<String, Tensor> p64 = m64.namedParameters();
        m32.namedParameters().forEach((k, v) -> close(p64.get(k).grad(), v.grad(), "grad " + k));
        // frozen parameters, the input alone requires grad; the output's last step alone is used
        m32.zeroGrad();
        m32.requiresGrad_(false);
        m64.requiresGrad_(false);
        Tensor x32 = x.clone().requiresGrad_(true);
        Tensor x64 = x.to(DType.FLOAT64).requiresGrad_(true);
        Tensor y32 = m32.forward(x32, null).output();
        assertEquals("TransposeBackward0", y32.gradFn().name());
        y32.select(1, 2).pow(2).sum().backward();
        m64.forward(x64, null).output().select(1, 2).pow(2).sum().backward();
        close(x64.grad(), x32.grad(), "grad x, frozen module");
        m32.namedParameters().values().forEach(p -> assertNull(p.grad(), "a frozen parameter gets no gradient"));
    }

    @Test
    void secondOrderGradientsAreTheCompositions() {
        Ember.manualSeed(42);
        for (boolean bidir : new boolean[] {false, true}) {
            LSTM m32 = module(2, true, false, bidir);
            LSTM m64 = float64Copy(m32, 2, true, false, bidir);
            Tensor x = Tensor.randn(3, 2, IN);
            List<Tensor> g32 = gradPenalty(m32, x);
            List<Tensor> g64 = gradPenalty(m64, x.to(DType.FLOAT64));
            for (int i = 0; i < g32.size(); i++) {
                close(g64.get(i), g32.get(i), "bidir " + bidir + " second order " + i);
            }
        }
    }

    /** The gradient of {@code |d loss / d x|^2 + sum of |d loss / d w|^2} with respect to the input and the weights. */
    private static List<Tensor> gradPenalty(LSTM m, Tensor x0) {
        Tensor x = x0.clone().requiresGrad_(true);
        RnnOutput r = m.forward(x, null);
        Tensor loss = r.output().tanh().sum().add(r.c().pow(2).sum());
        List<Tensor> wrt = new ArrayList<>();
        wrt.add(x);
        wrt.addAll(m.parameters());
        List<Tensor> first = Autograd.grad(List.of(loss), wrt, null, true);
        Tensor penalty = null;
        for (Tensor g : first) {
            assertNotNull(g.gradFn(), "create_graph: the gradient has history");
            penalty = penalty == null ? g.pow(2).sum() : penalty.add(g.pow(2).sum());
        }
        return Autograd.grad(List.of(penalty), wrt);
    }

    @Test
    void retainedGraphsRunTwiceAndSavedOutputsChangedInPlaceAreRefused() {
        Ember.manualSeed(43);
        LSTM m = module(1, true, false, false);
        Tensor x = Tensor.randn(4, 3, IN).requiresGrad_(true);
        RnnOutput r = m.forward(x, null);
        Tensor loss = r.output().sum().add(r.c().sum());
        loss.backward(null, true);
        float[] once = x.grad().toFloatArray();
        loss.backward();
        float[] twice = x.grad().toFloatArray();
        for (int i = 0; i < once.length; i++) {
            assertEquals(2 * once[i], twice[i], Math.ulp(twice[i]) * 2, "second backward of a retained graph " + i);
        }
        RnnOutput r2 = m.forward(x, null);
        Tensor y = r2.output();
        Tensor l2 = y.sum();
        try (GradMode g = Ember.noGrad()) {
            y.add_(1.0);
        }
        RuntimeException e = assertThrows(RuntimeException.class, l2::backward);
        assertTrue(e.getMessage().contains("modified by an inplace operation")
                && e.getMessage().contains("MkldnnRnnLayerBackward0"), e.getMessage());
    }

    @Test
    void stridedExpandedAndSharedOperandsThroughTensorLstm() {
        Ember.manualSeed(46);
        int h = 17;
        // w_ih a transposed view, w_hh shared by both directions, the input a permuted view, h0 expanded, c0 strided
        Tensor wIhT = Tensor.randn(IN, 4 * h).mul(0.3);
        Tensor wHh = Tensor.randn(4 * h, h).mul(0.3);
        Tensor bIh = Tensor.randn(4 * h);
        Tensor bHh = Tensor.randn(8 * h).narrow(0, 2 * h, 4 * h);
        Tensor x = Tensor.randn(3, 4, IN).permute(1, 0, 2);
        Tensor h0 = Tensor.randn(1, 3, h).expand(2, 3, h);
        Tensor c0 = Tensor.randn(2, 3, 2 * h).narrow(2, h, h);
        Tensor[] leaves32 = {wIhT.clone(), wHh.clone(), bIh.clone(), bHh.clone(), x.clone(), h0.clone(), c0.clone()};
        Tensor[] leaves64 = new Tensor[leaves32.length];
        for (int i = 0; i < leaves32.length; i++) {
            leaves64[i] = leaves32[i].to(DType.FLOAT64).requiresGrad_(true);
            leaves32[i].requiresGrad_(true);
        }
        RnnOutput r32 = lstmOf(leaves32, h);
        RnnOutput r64 = lstmOf(leaves64, h);
        assertEquals("CatBackward0", r32.output().gradFn().name());
        assertEquals("CatBackward0", r64.output().gradFn().name());
        assertEquals("MkldnnRnnLayerBackward0", r32.h().gradFn().nextFunctions().get(0).name(), "the fused layer");
        close(r64.output(), r32.output(), "output");
        close(r64.h(), r32.h(), "h_n");
        close(r64.c(), r32.c(), "c_n");
        r32.output().pow(2).sum().add(r32.c().sum()).backward();
        r64.output().pow(2).sum().add(r64.c().sum()).backward();
        for (int i = 0; i < leaves32.length; i++) {
            close(leaves64[i].grad(), leaves32[i].grad(), "grad of leaf " + i);
        }
    }

    /** A bidirectional one-layer LSTM through {@link Tensor#lstm} from the leaves' views (both directions share w_hh). */
    private static RnnOutput lstmOf(Tensor[] l, int h) {
        Tensor wIh = l[0].t();
        Tensor x = l[4];
        Tensor h0 = l[5].narrow(0, 0, 1).expand(2, 3, h);
        Tensor c0 = l[6];
        return Tensor.lstm(x, h0, c0, List.of(wIh, l[1], l[2], l[3], wIh, l[1], l[2], l[3]), true, 1, 0, true, true,
                false);
    }

    @Test
    void functionTransformsThroughTheFusedLayer() {
        Ember.manualSeed(47);
        LSTM m32 = module(1, true, true, true);
        LSTM m64 = float64Copy(m32, 1, true, true, true);
        Tensor x = Tensor.randn(2, 3, IN);
        Tensor t = Tensor.randn(2, 3, IN);
        // jvp by the double-backward trick and the Hessian of a scalar: both differentiate the layer's backward
        Func.JvpOut j32 = Func.jvp(a -> m32.forward(a[0], null).output().tanh().sum(), new Tensor[] {x}, new Tensor[] {t});
        Func.JvpOut j64 = Func.jvp(a -> m64.forward(a[0], null).output().tanh().sum(),
                new Tensor[] {x.to(DType.FLOAT64)}, new Tensor[] {t.to(DType.FLOAT64)});
        close(j64.output(), j32.output(), "jvp value");
        close(j64.jvp(), j32.jvp(), "jvp");
        Tensor x1 = Tensor.randn(2, 1, IN);
        Tensor h32 = Func.hessian(a -> m32.forward(a[0], null).c().pow(2).sum()).apply(x1);
        Tensor h64 = Func.hessian(a -> m64.forward(a[0], null).c().pow(2).sum()).apply(x1.to(DType.FLOAT64));
        close(h64, h32, "Hessian");
    }

    @Test
    void malformedCallsRaiseTheCompositionsErrorsAndChangeNothing() {
        Ember.manualSeed(48);
        int h = 4;
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            assertEquals(errorOf(t, h, 3, 2, 2, 3, 5), errorOf(DType.FLOAT64, h, 3, 2, 2, 3, 5), "a well-formed call");
        }
        // h0 of another batch, w_ih of another input width, a 2-D input, c0 of another batch
        int[][] bad = {{3, 2, 2, 4, 5}, {3, 2, 2, 3, 6}, {3, 0, 2, 3, 5}, {3, 2, 1, 3, 5}};
        for (int[] b : bad) {
            String f32 = errorOf(DType.FLOAT32, h, b[0], b[1], b[2], b[3], b[4]);
            assertTrue(!f32.equals("none"), java.util.Arrays.toString(b) + " is refused");
            assertEquals(errorOf(DType.FLOAT64, h, b[0], b[1], b[2], b[3], b[4]), f32, java.util.Arrays.toString(b));
        }
    }

    /**
     * The exception (class and message) of a one-layer Tensor.lstm call of {@code dtype} whose operands require grad:
     * input {@code [steps, batch, 5]} ({@code batch} 0: a 2-D {@code [steps, 5]} input), c0 of {@code cBatch}, h0 of
     * {@code hBatch}, w_ih {@code [4h, wIn]}; "none" when it computes. The operands are checked unchanged afterwards.
     */
    private static String errorOf(DType dtype, int h, int steps, int batch, int cBatch, int hBatch, int wIn) {
        Tensor x = (batch == 0 ? Tensor.randn(steps, 5) : Tensor.randn(steps, batch, 5)).to(dtype).requiresGrad_(true);
        Tensor h0 = Tensor.randn(1, hBatch, h).to(dtype).requiresGrad_(true);
        Tensor c0 = Tensor.randn(1, cBatch, h).to(dtype).requiresGrad_(true);
        Tensor wIh = Tensor.randn(4 * h, wIn).to(dtype).requiresGrad_(true);
        Tensor wHh = Tensor.randn(4 * h, h).to(dtype).requiresGrad_(true);
        Tensor[] all = {x, h0, c0, wIh, wHh};
        double[][] before = new double[all.length][];
        int[] versions = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            before[i] = all[i].toDoubleArray();
            versions[i] = all[i].version();
        }
        String result;
        try {
            Tensor.lstm(x, h0, c0, List.of(wIh, wHh), false, 1, 0, true, false, false);
            result = "none";
        } catch (RuntimeException e) {
            result = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        for (int i = 0; i < all.length; i++) {
            assertArrayEquals(before[i], all[i].toDoubleArray(), "operand " + i + " unchanged");
            assertEquals(versions[i], all[i].version(), "operand " + i + "'s version");
        }
        return result;
    }

    @Test
    void projectionsAndEmptyInputsKeepTheComposition() {
        Ember.manualSeed(44);
        LSTM proj = new LSTM(IN, HID, 1, true, false, 0, false, 3);
        assertEquals("StackBackward0", proj.forward(Tensor.randn(2, 1, IN), null).output().gradFn().name());
        LSTM m = module(1, true, false, false);
        Tensor empty = Tensor.randn(2, 0, IN).requiresGrad_(true);
        assertEquals("StackBackward0", m.forward(empty, null).output().gradFn().name(), "no elements: the composition");
    }

    /**
     * 2.x's lstm logs "LSTM with projections is not supported with oneDNN. Using default implementation." once per
     * process (TORCH_WARN_ONCE) for non-empty float32 CPU input with projections, in any grad mode; nothing for float64,
     * for no projection, or for an empty input. The flag is reset first (another test may have logged it already).
     */
    @Test
    void projectionsOnTheOneDnnPathWarnOncePerProcess() {
        boolean was = WarnOnce.LOGGED.remove(FusedLstmLayers.PROJECTIONS_WARNING);
        try (LoggedWarnings logged = LoggedWarnings.capture()) {
            Ember.manualSeed(45);
            LSTM proj64 = new LSTM(IN, HID, 1, true, false, 0, false, 3);
            proj64.to(DType.FLOAT64);
            proj64.forward(Tensor.randn(DType.FLOAT64, 2, 1, IN), null);
            LSTM plain = module(1, true, false, false);
            plain.forward(Tensor.randn(2, 1, IN), null);
            LSTM proj = new LSTM(IN, HID, 1, true, false, 0, false, 3);
            proj.forward(Tensor.randn(2, 0, IN), null);
            assertEquals(List.of(), logged.containing("projections"), "float64, no projection, empty input: no warning");
            try (GradMode off = Ember.noGrad()) {
                proj.forward(Tensor.randn(2, 1, IN), null);
            }
            proj.forward(Tensor.randn(2, 1, IN).requiresGrad_(true), null);
            assertEquals(List.of("LSTM with projections is not supported with oneDNN. Using default implementation."),
                logged.containing("projections"), "once, in no_grad as with a graph");
        } finally {
            if (was) {
                WarnOnce.LOGGED.add(FusedLstmLayers.PROJECTIONS_WARNING);
            }
        }
    }
}
