package dev.ember;

import dev.ember.profiler.KeyAverage;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerEvent;
import dev.ember.profiler.ProfilerOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-output autograd nodes, as PyTorch's: the pieces of split, chunk and unbind, linalg.qr's Q and R, svd's U, S, Vh,
 * eigh's eigenvalues and eigenvectors and a custom function's outputs are outputs 0, 1, ... of one node, which runs once
 * with every output's gradient (none for an output nothing used). Expected values from
 * {@code src/test/resources/multiout/make_expected.py} (PyTorch).
 */
class MultiOutputNodeTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/multiout/expected.txt");
    private static final DType D = DType.FLOAT64;

    private static Tensor of(String key, String name, int... shape) {
        return Tensor.tensor(PyTorchCases.numbers(TORCH.field(key, name)), D).reshape(shape);
    }

    private static void close(String what, String key, String name, Tensor actual) {
        LinalgTest.assertClose(what, PyTorchCases.numbers(TORCH.field(key, name)), actual, false);
    }

    private static String nrs(List<Tensor> outs) {
        List<Integer> nrs = new ArrayList<>();
        for (Tensor t : outs) {
            nrs.add(t.outputNr());
        }
        return nrs.toString();
    }

    private static void assertOneNode(List<Tensor> outs, String name) {
        for (Tensor t : outs) {
            assertSame(outs.get(0).gradFn(), t.gradFn(), "one node for every output");
        }
        assertEquals(name, outs.get(0).gradFn().name());
        assertEquals(outs.size(), outs.get(0).gradFn().numOutputs());
    }

    @Test
    void unbindPiecesShareOneNodeAndUnusedRowsGetZeros() {
        String key = "unbind_partial";
        Tensor x = of(key, "x", 3, 4).requiresGrad_(true);
        Tensor w = of(key, "w", 3, 4);
        List<Tensor> p = x.unbind(0);
        assertOneNode(p, TORCH.field(key, "node"));
        assertEquals(Boolean.parseBoolean(TORCH.field(key, "same").toLowerCase()), p.get(0).gradFn() == p.get(2).gradFn());
        assertEquals(TORCH.field(key, "nrs"), nrs(p));
        // next_functions: ((AccumulateGrad, 0),)
        Node.Edge edge = p.get(0).gradFn().nextEdges().get(0);
        assertEquals("AccumulateGrad", edge.function().name());
        assertEquals(0, edge.inputNr());
        // as print(next_functions[0]): (<AccumulateGrad object at 0x7f...>, 0) (Ember printed (<AccumulateGrad>, 0))
        assertTrue(edge.toString().matches("\\(<AccumulateGrad object at 0x[0-9a-f]+>, 0\\)"), edge.toString());
        assertTrue(p.get(0).gradFn().toString().matches("<" + TORCH.field(key, "node") + " object at 0x[0-9a-f]+>"),
                p.get(0).gradFn().toString());
        // an edge into output 2 of the node
        Node.Edge into = p.get(2).mul(2).gradFn().nextEdges().get(0);
        assertSame(p.get(0).gradFn(), into.function());
        assertEquals(2, into.inputNr());
        assertEquals(1, p.get(0).gradFn().nextFunctions().size());
        p.get(0).mul(w.select(0, 0)).sum().add(p.get(2).mul(w.select(0, 2)).sum()).backward();
        close(key, key, "grad", x.grad());
        // by hand: the rows used get their weights, row 1 exact zeros
        double[] g = x.grad().toDoubleArray();
        double[] ws = w.toDoubleArray();
        for (int j = 0; j < 4; j++) {
            assertEquals(ws[j], g[j]);
            assertEquals(0.0, g[4 + j]);
            assertEquals(ws[8 + j], g[8 + j]);
        }
    }

    @Test
    void unbindAlongANonContiguousDimension() {
        String key = "unbind_dim1";
        Tensor leaf = of(key, "x", 3, 4).t().contiguous().t().requiresGrad_(true); // [3, 4] with strides (1, 3)
        assertArrayEquals(new int[] {1, 3}, leaf.stride());
        Tensor w = of(key, "w", 3);
        List<Tensor> p = leaf.unbind(1);
        assertEquals(Integer.parseInt(TORCH.field(key, "count")), p.size());
        assertOneNode(p, TORCH.field(key, "node"));
        p.get(3).mul(w).sum().backward();
        close(key, key, "grad", leaf.grad());
    }

    @Test
    void splitChunkAndSplitWithSizesAreOneNode() {
        String key = "split_middle";
        Tensor x = of(key, "x", 7, 2).requiresGrad_(true);
        List<Tensor> p = x.split(3);
        assertOneNode(p, TORCH.field(key, "node"));
        assertEquals(TORCH.field(key, "nrs"), nrs(p));
        p.get(1).mul(of(key, "w", 3, 2)).sum().backward();
        close(key, key, "grad", x.grad());

        key = "split_sizes";
        x = of(key, "x", 3, 7).requiresGrad_(true);
        p = x.split(new int[] {2, 4, 1}, 1);
        assertOneNode(p, TORCH.field(key, "node"));
        p.get(0).mul(of(key, "w0", 3, 2)).sum().add(p.get(2).mul(of(key, "w2", 3, 1)).sum()).backward();
        close(key, key, "grad", x.grad());

        key = "chunk_last";
        x = of(key, "x", 2, 5).requiresGrad_(true);
        p = x.chunk(3, 1);
        assertEquals(Integer.parseInt(TORCH.field(key, "count")), p.size());
        assertOneNode(p, TORCH.field(key, "node"));
        p.get(2).mul(of(key, "w", 2, 1)).sum().backward();
        close(key, key, "grad", x.grad());
    }

    @Test
    void tensorSplitIsPyTorchsCompositionOfSlices() {
        String key = "tensor_split";
        Tensor x = Tensor.randn(D, 7).requiresGrad_(true);
        List<Tensor> p = x.tensorSplit(3);
        assertEquals(TORCH.field(key, "node"), p.get(0).gradFn().name());
        assertNotSame(p.get(0).gradFn(), p.get(1).gradFn());
        assertEquals(TORCH.field(key, "nrs"), nrs(p));
        p.get(1).mul(2).sum().backward();
        close(key, key, "grad", x.grad());
    }

    @Test
    void hooksAndRetainGradArePerOutput() {
        String key = "hooks";
        Tensor x = of(key, "x", 3, 2).requiresGrad_(true);
        Tensor w = of(key, "w", 3, 2);
        List<Tensor> p = x.mul(2).unbind(0);
        List<Tensor> seen = new ArrayList<>();
        p.get(0).registerHook(g -> g.mul(3));
        p.get(2).registerHook(g -> {
            seen.add(g);
            return null;
        });
        p.get(1).retainGrad();
        p.get(2).retainGrad();
        p.get(0).mul(w.select(0, 0)).sum().add(p.get(1).mul(w.select(0, 1)).sum()).backward();
        close(key, key, "grad", x.grad());
        close(key, key, "p1grad", p.get(1).grad());
        assertEquals("None", TORCH.field(key, "p2grad"));
        assertNull(p.get(2).grad(), "no gradient reached output 2: retain_grad leaves it None (PyTorch 2.x)");
        // no gradient reached output 2: its hook is called with null, as PyTorch calls it with None (HooksWithoutGradientTest)
        assertEquals(1, seen.size());
        assertNull(seen.get(0));
        assertNull(p.get(0).grad());
    }

    @Test
    void autogradGradWithRespectToOneOutputOfANode() {
        String key = "grad_intermediate";
        Tensor x = of(key, "x", 4, 3).requiresGrad_(true);
        List<Tensor> p = x.exp().split(new int[] {1, 3}, 0);
        Tensor loss = p.get(1).pow(2).sum().add(p.get(0).sum());
        Tensor g1 = Autograd.grad(List.of(loss), List.of(p.get(1)), null, true, false, false).get(0);
        close("grad wrt output 1", key, "g1", g1);
        List<Tensor> g0x = Autograd.grad(List.of(loss), List.of(p.get(0), x), null, true, false, false);
        close("grad wrt output 0", key, "g0", g0x.get(0));
        close("grad wrt x", key, "gx", g0x.get(1));
        assertNull(x.grad(), "autograd.grad accumulates nothing");
        Tensor unused = Autograd.grad(List.of(p.get(0).sum()), List.of(p.get(1)), null, true, false, true).get(0);
        assertEquals("None", TORCH.field(key, "unused"));
        assertNull(unused, "output 1 got no gradient although its node ran");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Autograd.grad(List.of(p.get(0).sum()), List.of(p.get(1)), null, true, false, false));
        assertEquals(TORCH.field(key, "error"), e.getMessage());
        // create_graph through a captured output: the gradient is differentiable
        Tensor g = Autograd.grad(List.of(loss), List.of(x), null, true, true, false).get(0);
        assertTrue(g.requiresGrad());
    }

    @Test
    void qrWithOneOutputUnused() {
        String key = "qr_only_r";
        Tensor a = of(key, "a", 4, 3);
        Tensor x = a.clone().requiresGrad_(true);
        QrResult qr = x.linalgQr();
        assertOneNode(List.of(qr.Q(), qr.R()), TORCH.field(key, "node"));
        assertEquals(TORCH.field(key, "nrs"), nrs(List.of(qr.Q(), qr.R())));
        qr.R().pow(2).mul(of(key, "w", 3, 3)).sum().backward();
        close("qr, only R", key, "grad", x.grad());
        x = a.clone().requiresGrad_(true);
        qr = x.linalgQr();
        qr.Q().pow(2).mul(of("qr_only_q", "wq", 4, 3)).sum().backward();
        close("qr, only Q", "qr_only_q", "grad", x.grad());
    }

    @Test
    void wideQrWithOneOutputUnused() {
        String key = "qr_wide";
        Tensor a = of(key, "a", 3, 5);
        Tensor x = a.clone().requiresGrad_(true);
        x.linalgQr().Q().pow(2).mul(of(key, "wq", 3, 3)).sum().backward();
        close("wide qr, only Q", key, "grad_q", x.grad());
        x = a.clone().requiresGrad_(true);
        x.linalgQr().R().pow(2).mul(of(key, "wr", 3, 5)).sum().backward();
        close("wide qr, only R", key, "grad_r", x.grad());
    }

    @Test
    void svdWithOnlySUsedIsSvdvalsGradient() {
        String key = "svd_only_s";
        Tensor a = of(key, "a", 3, 5);
        Tensor ws = of(key, "ws", 3);
        Tensor x = a.clone().requiresGrad_(true);
        SvdResult r = x.linalgSvd(false);
        assertOneNode(List.of(r.U(), r.S(), r.Vh()), TORCH.field(key, "node"));
        assertEquals(TORCH.field(key, "nrs"), nrs(List.of(r.U(), r.S(), r.Vh())));
        r.S().mul(ws).sum().backward();
        close("svd, only S", key, "grad", x.grad());
        Tensor x2 = a.clone().requiresGrad_(true);
        x2.linalgSvdvals().mul(ws).sum().backward();
        close("svdvals", key, "svdvals_grad", x2.grad());
        LinalgTest.assertClose("svd's S gradient equals svdvals'", x2.grad().toDoubleArray(), x.grad(), false);
        // a zero gradient given for U is a gradient, not "none": the general formula, whose result here is the same
        Tensor x3 = a.clone().requiresGrad_(true);
        SvdResult r3 = x3.linalgSvd(false);
        r3.S().mul(ws).sum().add(r3.U().mul(0.0).sum()).backward();
        LinalgTest.assertClose("svd with a zero U gradient", x2.grad().toDoubleArray(), x3.grad(), false);
    }

    @Test
    void eighWithOneOutputUnused() {
        String key = "eigh_partial";
        Tensor a = of(key, "a", 4, 4);
        Tensor x = a.clone().requiresGrad_(true);
        EighResult e = x.linalgEigh();
        assertOneNode(List.of(e.eigenvalues(), e.eigenvectors()), TORCH.field(key, "node"));
        assertEquals(TORCH.field(key, "nrs"), nrs(List.of(e.eigenvalues(), e.eigenvectors())));
        e.eigenvalues().mul(of(key, "wl", 4)).sum().backward();
        close("eigh, only L", key, "grad_l", x.grad());
        x = a.clone().requiresGrad_(true);
        e = x.linalgEigh();
        e.eigenvectors().pow(2).mul(of(key, "wv", 4, 4)).sum().backward();
        close("eigh, only V", key, "grad_v", x.grad());
    }

    /** Two outputs (2x, 3x) of one custom function; records which gradients backward saw as null. */
    static final class Two extends AutogradFunction {
        final boolean materialize;
        final List<boolean[]> seen = new ArrayList<>();

        Two(boolean materialize) {
            this.materialize = materialize;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            ctx.setMaterializeGrads(materialize);
            return new Tensor[] {x[0].mul(2), x[0].mul(3)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            seen.add(new boolean[] {g[0] == null, g[1] == null});
            Tensor out = null;
            if (g[0] != null) {
                out = g[0].mul(2);
            }
            if (g[1] != null) {
                out = out == null ? g[1].mul(3) : out.add(g[1].mul(3));
            }
            return new Tensor[] {out};
        }
    }

    @Test
    void customFunctionMaterializesGradsUnlessAskedNotTo() {
        for (boolean materialize : new boolean[] {true, false}) {
            String m = materialize ? "True" : "False";
            Two f = new Two(materialize);
            Tensor x = Tensor.randn(D, 3).requiresGrad_(true);
            Tensor[] out = f.applyAll(x);
            assertEquals(Boolean.parseBoolean(TORCH.field("custom", "same_" + m).toLowerCase()),
                    out[0].gradFn() == out[1].gradFn());
            assertEquals(1, out[1].outputNr());
            out[1].sum().backward();
            assertEquals(TORCH.field("custom", "seen_" + m),
                    "(" + py(f.seen.get(0)[0]) + ", " + py(f.seen.get(0)[1]) + ")");
            close("custom function, materialize " + m, "custom", "grad_" + m, x.grad());
        }
    }

    /** forward returns (argmax, 2x): an integer output, not differentiable, then a differentiable one. */
    static final class ArgAndDouble extends AutogradFunction {
        final List<boolean[]> seen = new ArrayList<>();

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            return new Tensor[] {x[0].argmax(), x[0].mul(2)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            seen.add(new boolean[] {g[0] == null, g[1] == null});
            return new Tensor[] {g[1].mul(2)};
        }
    }

    @Test
    void customFunctionCountsNonDifferentiableOutputs() {
        String key = "custom_nondiff_first";
        ArgAndDouble f = new ArgAndDouble();
        Tensor x = Tensor.randn(D, 3).requiresGrad_(true);
        Tensor[] out = f.applyAll(x);
        assertEquals(Integer.parseInt(TORCH.field(key, "nr")), out[1].outputNr());
        assertEquals(Boolean.parseBoolean(TORCH.field(key, "index_grad_fn").toLowerCase()), out[0].gradFn() == null);
        assertEquals(2, out[1].gradFn().numOutputs());
        out[1].sum().backward();
        assertEquals(TORCH.field(key, "seen"), "(" + py(f.seen.get(0)[0]) + ", " + py(f.seen.get(0)[1]) + ")");
        close(key, key, "grad", x.grad());
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    // ------------------------------------------------------------------ gradcheck with some outputs unused

    private static void check(Function<Tensor[], Tensor> fn, Tensor in) {
        assertTrue(Autograd.gradcheck(fn, in.requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(fn, in));
    }

    @Test
    void gradcheckSplittingOpsWithSomeOutputsUnused() {
        Generator gen = new Generator(14);
        Tensor w = Tensor.randn(gen, D, 2, 3);
        check(t -> t[0].split(2, 0).get(1).pow(2).mul(w).sum(), Tensor.randn(gen, D, 5, 3));
        check(t -> t[0].split(new int[] {1, 3, 1}, 1).get(0).add(t[0].split(new int[] {1, 3, 1}, 1).get(2)).pow(2),
                Tensor.randn(gen, D, 2, 5));
        check(t -> {
            List<Tensor> p = t[0].unbind(1);
            return p.get(0).mul(p.get(3)).add(p.get(3).pow(3));
        }, Tensor.randn(gen, D, 3, 4));
        check(t -> t[0].chunk(3, 0).get(2).exp(), Tensor.randn(gen, D, 7));
        check(t -> t[0].tensorSplit(new int[] {1, 4}, 0).get(1).sin(), Tensor.randn(gen, D, 6, 2));
        // one piece only: a single-output node
        check(t -> t[0].split(5, 0).get(0).pow(2), Tensor.randn(gen, D, 3));
        // the non-contiguous input of a transpose
        check(t -> t[0].t().unbind(0).get(1).pow(2), Tensor.randn(gen, D, 3, 2));
    }

    @Test
    void gradcheckDecompositionsWithSomeOutputsUnused() {
        Generator gen = new Generator(15);
        Tensor wR = Tensor.randn(gen, D, 3, 3);
        Tensor wQ = Tensor.randn(gen, D, 4, 3);
        check(t -> t[0].linalgQr().R().pow(2).mul(wR).sum(), Tensor.randn(gen, D, 4, 3));
        check(t -> t[0].linalgQr().Q().pow(2).mul(wQ).sum(), Tensor.randn(gen, D, 4, 3));
        Tensor wQwide = Tensor.randn(gen, D, 3, 3);
        Tensor wRwide = Tensor.randn(gen, D, 3, 5);
        check(t -> t[0].linalgQr().Q().pow(2).mul(wQwide).sum(), Tensor.randn(gen, D, 3, 5));
        check(t -> t[0].linalgQr().R().pow(2).mul(wRwide).sum(), Tensor.randn(gen, D, 3, 5));
        Tensor ws = Tensor.randn(gen, D, 3);
        check(t -> t[0].linalgSvd(false).S().mul(ws).sum(), Tensor.randn(gen, D, 3, 4));
        // U used (sign-invariant: its square), S and Vh not
        Tensor wU = Tensor.randn(gen, D, 4, 3);
        check(t -> t[0].linalgSvd(false).U().pow(2).mul(wU).sum(), Tensor.randn(gen, D, 4, 3));
        Tensor wl = Tensor.randn(gen, D, 3);
        Function<Tensor, Tensor> sym = t -> t.add(t.t());
        check(t -> sym.apply(t[0]).linalgEigh().eigenvalues().mul(wl).sum(), Tensor.randn(gen, D, 3, 3));
        Tensor wv = Tensor.randn(gen, D, 3, 3);
        check(t -> sym.apply(t[0]).linalgEigh().eigenvectors().pow(2).mul(wv).sum(), Tensor.randn(gen, D, 3, 3));
    }

    // ------------------------------------------------------------------ cost of unbind's backward

    /**
     * An unbind of 2000 rows, half of them used: one UnbindBackward0 call whose gradient is one stack, so the backward
     * allocates about the input's size (PyTorch's unbind_backward), not a full-size gradient per row (2000 times as much).
     * Counted with the profiler's bytes allocated, not timed.
     */
    @Test
    void unbindOf2000RowsBackwardIsLinear() {
        int rows = 2000;
        int cols = 3;
        Tensor x = Tensor.randn(D, rows, cols).requiresGrad_(true);
        List<Tensor> p = x.unbind(0);
        assertOneNode(p, "UnbindBackward0");
        Tensor loss = p.get(0).sum();
        for (int i = 2; i < rows; i += 2) {
            loss = loss.add(p.get(i).sum());
        }
        Tensor l = loss;
        Profiler prof;
        try (Profiler on = Ember.profile(ProfilerOptions.defaults().withProfileMemory(true))) {
            prof = on;
            l.backward();
        }
        KeyAverage unbind = prof.keyAverages().stream().filter(k -> k.key().equals("UnbindBackward0")).findFirst()
                .orElseThrow();
        assertEquals(1, unbind.count(), "the node runs once for all 2000 outputs");
        long inputBytes = (long) rows * cols * 8;
        long allocated = prof.events().stream().mapToLong(ProfilerEvent::selfCpuMemory).sum();
        assertTrue(allocated >= inputBytes, "at least the stacked gradient is counted: " + allocated);
        assertTrue(allocated <= 2 * inputBytes, "backward allocated " + allocated + " bytes for a " + inputBytes
                + "-byte input");
        double[] g = x.grad().toDoubleArray();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(i % 2 == 0 ? 1.0 : 0.0, g[i * cols + j]);
            }
        }
    }

    // ------------------------------------------------------------------ engine details

    @Test
    void gradientsOfTwoUsesOfOneOutputAreSummedBeforeTheNodeRuns() {
        Tensor x = Tensor.randn(D, 3, 2).requiresGrad_(true);
        List<Tensor> p = x.unbind(0);
        int[] calls = {0};
        // a hook on output 1 sees the sum of both uses' gradients, once
        p.get(1).registerHook(g -> {
            calls[0]++;
            return null;
        });
        p.get(1).mul(2).sum().add(p.get(1).mul(5).sum()).add(p.get(0).sum()).backward();
        assertEquals(1, calls[0]);
        assertArrayEquals(new double[] {1, 1, 7, 7, 0, 0}, x.grad().toDoubleArray());
    }

    @Test
    void backwardFromSeveralOutputsOfOneNode() {
        Tensor x = Tensor.randn(D, 2, 2).requiresGrad_(true);
        List<Tensor> p = x.unbind(1);
        Autograd.backward(List.of(p.get(0), p.get(1)), List.of(Tensor.tensor(new double[] {1, 2}, D),
                Tensor.tensor(new double[] {3, 4}, D)), false, false);
        assertArrayEquals(new double[] {1, 3, 2, 4}, x.grad().toDoubleArray());
    }

    @Test
    void createGraphThroughAMultiOutputNode() {
        Tensor x = Tensor.randn(D, 4).requiresGrad_(true);
        List<Tensor> p = x.pow(3).split(2);
        Tensor g = Autograd.grad(List.of(p.get(1).sum()), List.of(x), null, true).get(0);
        // d/dx of 3x^2 on the second half
        g.sum().backward();
        double[] xs = x.detach().toDoubleArray();
        double[] gg = x.grad().toDoubleArray();
        for (int i = 0; i < 4; i++) {
            assertEquals(i < 2 ? 0.0 : 6 * xs[i], gg[i], 1e-12);
        }
    }

    @Test
    void savedOutputModifiedInPlaceNamesItsOutputNumber() {
        Tensor x = Tensor.randn(D, 4, 3).requiresGrad_(true);
        QrResult qr = x.linalgQr();
        Tensor r = qr.R();
        try (GradMode off = Ember.noGrad()) {
            r.mul_(2);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.sum().backward());
        assertTrue(e.getMessage().contains("which is output 1 of LinalgQrBackward0,"), e.getMessage());
    }

    /** Two outputs; its backward fails. */
    static final class Fails extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            return new Tensor[] {x[0].mul(2), x[0].mul(3)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            throw new IllegalStateException("backward failed");
        }
    }

    @Test
    void anomalyModeGivesTheForwardTraceOfAMultiOutputNode() {
        Tensor x = Tensor.randn(D, 4).requiresGrad_(true);
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            Tensor[] out = new Fails().applyAll(x);
            assertEquals(2, out[0].gradFn().numOutputs());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> out[1].sum().backward());
            assertEquals("backward failed", e.getMessage());
            assertEquals(1, e.getSuppressed().length);
            Autograd.ForwardTrace trace = (Autograd.ForwardTrace) e.getSuppressed()[0];
            assertEquals("FailsBackward", trace.nodeName());
        }
        // and the NaN check names the node that returned NaN below a multi-output node
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            List<Tensor> p = x.mul(1.0).split(2);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> p.get(0).mul(Double.NaN).sum().backward());
            assertTrue(e.getMessage().startsWith("Function 'MulBackward0' returned nan values in its 0th output."),
                    e.getMessage());
        }
    }
}
