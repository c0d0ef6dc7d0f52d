package dev.ember;

import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Float32 LSTM training on the CPU held directly to PyTorch ({@code lstmtrainingtwin/make_expected.py}): 30 seeded
 * random configurations of {@code nn.LSTM} (input 1-40, hidden 1-70 with sizes on both sides of the vector widths, 1-3
 * layers, bidirectional or not, batch first or not, bias or not, with and without {@code (h0, c0)}, 1-12 steps, batch
 * 1-40, one case with dropout 0.3 in eval mode), each with a linear head and the loss
 * {@code (mse_loss(head(output), target, sum) + 0.5 sum(h_n^2) + sum(c_n gc)) / batch}. Compared: the first forward's output, h_n,
 * c_n and loss, the gradients of every parameter, of the input and of the states after the first backward, each of
 * three steps' losses and the parameters after 3 steps of Adam (lr 1e-2) and after 3 of SGD with momentum 0.9 (lr
 * 0.05), every step on fresh data. Every recorded LSTM here is float32 and takes {@link FusedLstmLayers} (2.x's oneDNN
 * structure: the output, h_n and c_n must each reach a MkldnnRnnLayerBackward0 node); PyTorch 1.13, which wrote the
 * values, runs the composition, so the two meet within float32's rounding. For contrast an LSTMCell driven over a
 * sequence and an LSTM over a PackedSequence (both the composition: no such node) are held to the same rule.
 *
 * <p>The rule, one for every value of every case: {@code |actual - expected| <= ATOL s + RTOL |expected|} with ATOL
 * {@value #ATOL}, RTOL {@value #RTOL} and s the largest magnitude among the tensor's stored values (a loss: its own
 * magnitude). The absolute part is relative to the tensor because the gradients span four decades between tensors
 * (a deep layer's weight_hh gradient is ~1e-4 where the head's is ~1): a fixed 1e-5 would pass anything in the small
 * ones; a product's rounding is relative to its terms, which the tensor's scale stands for. Measured worst: 0.41 of
 * the bound (lstm23's head.weight after Adam, which divides small gradients by their own scale), most cases under 0.1;
 * the same with 1 and 5 threads; the rule started at 1e-5 and 1e-4 and was tightened to leave a margin of two. A
 * gradient that is exactly zero (no state and one step: every weight_hh gradient) must be exactly zero. Initial parameters, inputs, states and targets are not stored: both sides draw
 * them from the same splitmix64 streams ({@link #gen}), so the file holds only PyTorch's results; a tensor of more than
 * {@value #CAP} elements is stored as the elements at flat index {@code (i * numel) / CAP}, and every tensor's plain
 * and weighted sums over all its elements are held to the bound the rule implies for them (see {@link #check}), so an
 * error in elements the sample skips fails too (a 10% error in one row of one weight gradient did, in a trial).
 */
class LstmTrainingTwinTest {
    private static final PyTorchCases C = new PyTorchCases("/lstmtrainingtwin/expected.txt");
    private static final double ATOL = 5e-6;
    private static final double RTOL = 5e-5;
    private static final int CAP = 32;
    private static final int OUT = 3;
    private static final String FUSED = "MkldnnRnnLayerBackward0";

    /** The worst |a - e| / bound of the case running, printed after it (the rule's margin). */
    private static double worst;
    private static String worstWhere = "";

    // ------------------------------------------------------------------ the shared random streams

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The script's {@code gen}: element i is {@code ((m - 2^23) / 2^23) * scale} rounded to float32. */
    static Tensor gen(long stream, int[] shape, double scale) {
        long n = 1;
        for (int s : shape) {
            n = Math.multiplyExact(n, s);
        }
        float[] v = new float[Math.toIntExact(n)];
        long base = stream * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < v.length; i++) {
            long m = mix(base + i) >>> 40;
            v[i] = (float) ((m - 8388608) / 8388608.0 * scale);
        }
        return Tensor.tensor(v, DType.FLOAT32, Device.CPU).reshape(shape);
    }

    // ------------------------------------------------------------------ comparison

    private static void close(String what, double expected, double actual, double scale) {
        closeSum(what, expected, actual, ATOL * scale + RTOL * Math.abs(expected));
    }

    /**
     * A tensor against the stored line {@code name [shape] : values} (all values, or the CAP sampled ones), each to the
     * rule with s the largest magnitude over the whole tensor; then every element through the line {@code name.sums}
     * (over all elements: max |e|, sum e, sum |e|, sum w e, sum |w e| with {@code w_i = i % 7 - 3}), each sum to the
     * bound the rule implies for it, {@code n ATOL s max|w| + RTOL sum |w e|} (plus 1e-8 sum |w e| for the 9 printed
     * digits), so that an error in elements the sample skips still fails.
     */
    private static void check(String key, String name, Tensor actual) {
        String f = C.field(key, name);
        int close = f.indexOf(']');
        String shapeText = f.substring(f.indexOf('[') + 1, close);
        int[] shape = shapeText.isBlank() ? new int[0]
                : Arrays.stream(shapeText.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        String what = key + " " + name;
        assertArrayEquals(shape, actual.shape(), what + ": shape");
        assertEquals(DType.FLOAT32, actual.dtype(), what + ": dtype");
        double[] e = PyTorchCases.numbers(f.substring(f.indexOf(':', close) + 1));
        double[] a = actual.detach().contiguous().to(DType.FLOAT64).toDoubleArray();
        double[] sums = PyTorchCases.numbers(C.field(key, name + ".sums"));
        assertEquals(5, sums.length, what + ": sums");
        double scale = sums[0];
        int n = a.length;
        assertEquals(Math.min(n, CAP), e.length, what + ": stored values");
        for (int i = 0; i < e.length; i++) {
            int index = n > CAP ? (int) ((long) i * n / CAP) : i;
            close(what + "[" + index + "]", e[i], a[index], scale);
        }
        double sum = 0;
        double wsum = 0;
        for (int i = 0; i < n; i++) {
            sum += a[i];
            wsum += (i % 7 - 3) * a[i];
        }
        closeSum(what + " sum", sums[1], sum, n * ATOL * scale + (RTOL + 1e-8) * sums[2]);
        closeSum(what + " weighted sum", sums[3], wsum, 3.0 * n * ATOL * scale + (RTOL + 1e-8) * sums[4]);
    }

    /** {@code actual} within {@code bound} of {@code expected}; the worst fraction of its bound is kept for the report. */
    private static void closeSum(String what, double expected, double actual, double bound) {
        double err = Math.abs(actual - expected);
        if (!(err <= bound)) {
            fail(what + ": expected " + expected + " but was " + actual + " (diff " + (actual - expected) + ", bound "
                    + bound + ")");
        }
        if (err / bound > worst) {
            worst = err / bound;
            worstWhere = what;
        }
    }

    private static double num(String key, String name) {
        return Double.parseDouble(C.field(key, name));
    }

    /** Whether {@code t}'s graph reaches a node named {@code name}. */
    private static boolean reaches(Tensor t, String name) {
        Deque<Node> todo = new ArrayDeque<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        if (t.gradFn() != null) {
            todo.add(t.gradFn());
        }
        while (!todo.isEmpty()) {
            Node n = todo.poll();
            if (!seen.add(n)) {
                continue;
            }
            if (n.name().equals(name)) {
                return true;
            }
            for (Node next : n.nextFunctions()) {
                if (next != null) {
                    todo.add(next);
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ one case

    /** A case's module, head and settings, read off its lines. */
    private static final class Case {
        final String key;
        final String kind;
        final int in;
        final int hidden;
        final int layers;
        final boolean bidir;
        final boolean batchFirst;
        final boolean bias;
        final boolean state;
        final int steps;
        final int batch;
        final double dropout;
        final long[] lengths;
        final long stream;
        final Module rnn;
        final Linear head;
        final Map<String, Tensor> params = new LinkedHashMap<>();

        Case(String key, long stream) {
            this.key = key;
            this.stream = stream;
            kind = C.field(key, "kind");
            String[] c = C.field(key, "config").split(" ");
            in = Integer.parseInt(c[0]);
            hidden = Integer.parseInt(c[1]);
            layers = Integer.parseInt(c[2]);
            bidir = c[3].equals("1");
            batchFirst = c[4].equals("1");
            bias = c[5].equals("1");
            state = c[6].equals("1");
            steps = Integer.parseInt(c[7]);
            batch = Integer.parseInt(c[8]);
            dropout = Double.parseDouble(c[9]);
            lengths = kind.equals("packed")
                    ? Arrays.stream(C.field(key, "lengths").split(" ")).mapToLong(Long::parseLong).toArray() : null;
            rnn = kind.equals("cell") ? new LSTMCell(in, hidden, bias)
                    : new LSTM(in, hidden, layers, bias, batchFirst, dropout, bidir);
            head = new Linear(dirs() * hidden, OUT);
            if (dropout > 0) {
                rnn.eval();
            }
            rnn.namedParameters().forEach((n, p) -> params.put("rnn." + n, p));
            head.namedParameters().forEach((n, p) -> params.put("head." + n, p));
            assertEquals(C.field(key, "names"), String.join(" ", params.keySet()), key + ": parameter names");
        }

        int dirs() {
            return bidir ? 2 : 1;
        }

        /** The script's initial parameters (stream 1000 c + k, k in named_parameters order). */
        List<Tensor> initial() {
            List<Tensor> out = new ArrayList<>();
            int k = 0;
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                double fan = e.getKey().startsWith("head.") ? dirs() * hidden : hidden;
                out.add(gen(1000 * stream + k++, e.getValue().shape(), 1.0 / Math.sqrt(fan)));
            }
            return out;
        }

        void reset() {
            List<Tensor> init = initial();
            int k = 0;
            try (GradMode g = Ember.noGrad()) {
                for (Tensor p : params.values()) {
                    p.copy_(init.get(k++));
                    p.setGrad(null);
                }
            }
        }

        /** Step s's input, h0, c0, target and gc. */
        Tensor[] data(int s) {
            long b = 1000 * stream + 100 + 10L * s;
            boolean cell = kind.equals("cell");
            int[] x = batchFirst ? new int[] {batch, steps, in} : new int[] {steps, batch, in};
            int[] st = cell ? new int[] {batch, hidden} : new int[] {layers * dirs(), batch, hidden};
            int[] out = batchFirst ? new int[] {batch, steps, OUT} : new int[] {steps, batch, OUT};
            int[] gc = cell ? new int[] {1, batch, hidden} : new int[] {layers * dirs(), batch, hidden};
            return new Tensor[] {gen(b, x, 1.0), state ? gen(b + 1, st, 0.5) : null, state ? gen(b + 2, st, 0.5) : null,
                    gen(b + 3, out, 1.0), gen(b + 4, gc, 1.0)};
        }

        /** [output, h_n, c_n] as the script's forward. */
        Tensor[] forward(Tensor x, Tensor h0, Tensor c0) {
            LstmState hx = state ? new LstmState(h0, c0) : null;
            if (kind.equals("cell")) {
                LSTMCell cell = (LSTMCell) rnn;
                List<Tensor> outs = new ArrayList<>();
                for (int t = 0; t < steps; t++) {
                    hx = cell.forward(x.select(0, t), hx);
                    outs.add(hx.h());
                }
                return new Tensor[] {Tensor.stack(outs, 0), hx.h().unsqueeze(0), hx.c().unsqueeze(0)};
            }
            LSTM lstm = (LSTM) rnn;
            if (kind.equals("packed")) {
                PackedRnnOutput r = lstm.forward(Rnn.packPaddedSequence(x, lengths, batchFirst, false), hx);
                Tensor out = Rnn.padPackedSequence(r.output(), batchFirst, 0.0, steps).output();
                return new Tensor[] {out, r.h(), r.c()};
            }
            RnnOutput r = lstm.forward(x, hx);
            return new Tensor[] {r.output(), r.h(), r.c()};
        }

        Tensor loss(Tensor[] r, Tensor target, Tensor gc) {
            return Functional.mseLoss(head.forward(r[0]), target, "sum").add(r[1].pow(2L).sum().mul(0.5))
                    .add(r[2].mul(gc).sum()).div(batch);
        }
    }

    private static void runCase(String key, long stream) {
        worst = 0;
        Case k = new Case(key, stream);
        k.reset();
        Tensor[] d = k.data(0);
        Tensor x = d[0].requiresGrad_(true);
        Tensor h0 = k.state ? d[1].requiresGrad_(true) : null;
        Tensor c0 = k.state ? d[2].requiresGrad_(true) : null;
        Tensor[] r = k.forward(x, h0, c0);
        // the new path ran for every plain LSTM (each of output, h_n and c_n reaches its node); the contrast cases
        // take the composition
        String[] names = {"output", "h_n", "c_n"};
        for (int i = 0; i < 3; i++) {
            if (k.kind.equals("lstm")) {
                assertTrue(reaches(r[i], FUSED), key + " " + names[i] + ": no " + FUSED + " in its graph");
            } else {
                assertFalse(reaches(r[i], FUSED), key + " " + names[i] + ": the composition expected");
            }
        }
        Tensor loss = k.loss(r, d[3], d[4]);
        loss.backward();
        for (int i = 0; i < 3; i++) {
            check(key, names[i], r[i]);
        }
        double eLoss = num(key, "loss");
        close(key + " loss", eLoss, loss.item(), Math.abs(eLoss));
        k.params.forEach((n, p) -> check(key, "grad." + n, p.grad()));
        check(key, "grad.input", x.grad());
        if (k.state) {
            check(key, "grad.h0", h0.grad());
            check(key, "grad.c0", c0.grad());
        }

        for (String opt : new String[] {"adam", "sgd"}) {
            k.reset();
            List<Tensor> ps = new ArrayList<>(k.params.values());
            Optimizer o = opt.equals("adam") ? new Adam(ps, 1e-2) : new SGD(ps, 0.05, 0.9, 0, 0, false);
            for (int s = 0; s < 3; s++) {
                Tensor[] ds = k.data(s);
                o.zeroGrad();
                Tensor[] rs = k.forward(ds[0], ds[1], ds[2]);
                if (k.kind.equals("lstm")) {
                    assertTrue(reaches(rs[0], FUSED), key + " " + opt + " step " + s + ": no " + FUSED);
                }
                Tensor l = k.loss(rs, ds[3], ds[4]);
                l.backward();
                o.step();
                double e = num(key, opt + ".loss" + s);
                close(key + " " + opt + ".loss" + s, e, l.item(), Math.abs(e));
            }
            k.params.forEach((n, p) -> check(key, opt + "." + n, p));
        }
        System.out.println("LstmTrainingTwinTest " + key + ": worst error / bound " + worst + " at " + worstWhere);
    }

    @Test
    void thirtyRandomLstmConfigurationsTrainAsPyTorchsFloat32() {
        int ran = 0;
        for (int c = 0; c < 30; c++) {
            runCase("lstm" + c, c);
            ran++;
        }
        assertEquals(30, ran);
    }

    @Test
    void anLstmCellDrivenSequenceTrainsAsPyTorchsFloat32() {
        runCase("cell", 30);
    }

    @Test
    void aPackedSequenceLstmTrainsAsPyTorchsFloat32() {
        runCase("packed", 31);
    }
}
