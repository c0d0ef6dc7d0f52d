package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation that changes several tensors checks everything first: after it fails, every parameter, buffer,
 * gradient and piece of optimizer state is bit-identical to before (loadStateDict, Module.to, optimizer steps, batch
 * norm's running statistics, schedules); and optimizers count steps per parameter as PyTorch (optim/make_expected.py).
 */
class StateSafetyTest {

    /** Everything a module holds, bit for bit: values (as raw bits), type, device, version, and gradient. */
    private record Snapshot(Map<String, Object[]> entries) {
        static Snapshot of(Module m) {
            Map<String, Object[]> e = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> s : m.stateDict().entrySet()) {
                e.put(s.getKey(), describe(s.getValue()));
            }
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                Tensor g = p.getValue().grad();
                e.put(p.getKey() + ".grad", g == null ? new Object[] {"none"} : describe(g));
                e.put(p.getKey() + ".identity", new Object[] {System.identityHashCode(p.getValue())});
            }
            return new Snapshot(e);
        }

        static Object[] describe(Tensor t) {
            double[] v = t.toDoubleArray();
            long[] bits = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                bits[i] = Double.doubleToRawLongBits(v[i]);
            }
            return new Object[] {java.util.Arrays.toString(bits), t.dtype(), t.device(), t.version(),
                java.util.Arrays.toString(t.shape())};
        }

        void assertSameAs(Snapshot other) {
            assertEquals(entries.keySet(), other.entries.keySet());
            for (String k : entries.keySet()) {
                assertArrayEquals(entries.get(k), other.entries.get(k), k);
            }
        }
    }

    private static Module model() {
        Ember.manualSeed(7);
        return new Sequential(new Linear(3, 4), new ReLU(), new BatchNorm2dFlat(4), new Linear(4, 2));
    }

    /** BatchNorm2d over [N, C] features viewed as [N, C, 1, 1], to have buffers in a small model. */
    private static final class BatchNorm2dFlat extends Module {
        private final BatchNorm2d bn;

        BatchNorm2dFlat(int c) {
            bn = registerModule("bn", new BatchNorm2d(c));
        }

        @Override
        public Tensor forward(Tensor x) {
            return bn.forward(x.reshape(x.size(0), x.size(1), 1, 1)).reshape(x.size(0), x.size(1));
        }
    }

    private static void failsLeavingModule(Class<? extends Throwable> type, String message, Module m, Executable call) {
        Snapshot before = Snapshot.of(m);
        Throwable e = assertThrows(type, call);
        if (message != null) {
            assertEquals(message, e.getMessage());
        }
        before.assertSameAs(Snapshot.of(m));
    }

    private static Map<String, Tensor> freshState(Module m) {
        Map<String, Tensor> s = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> s.put(k, v.clone().add(1.0).to(v.dtype())));
        return s;
    }

    @Test
    void loadStateDictChecksEveryEntryBeforeCopyingAny() {
        Module m = model();
        m.forward(Tensor.randn(5, 3)).sum().backward(); // gradients and running statistics too
        // the last entry is null: PyTorch copies the earlier ones first; here nothing is copied
        Map<String, Tensor> s = freshState(m);
        s.put("3.bias", null);
        failsLeavingModule(IllegalArgumentException.class, "Error(s) in loading state_dict for Sequential:\n\tWhile copying the "
                + "parameter named \"3.bias\", expected torch.Tensor or Tensor-like object from checkpoint but received null", m,
                () -> m.loadStateDict(s));
        // a closed value
        Map<String, Tensor> closed = freshState(m);
        closed.get("3.weight").close();
        failsLeavingModule(IllegalArgumentException.class, "Error(s) in loading state_dict for Sequential:\n\tWhile copying the "
                + "parameter named \"3.weight\", the tensor from checkpoint has been closed", m, () -> m.loadStateDict(closed));
        // a late shape mismatch, every problem listed at once, in PyTorch's order
        Map<String, Tensor> bad = freshState(m);
        bad.put("3.weight", Tensor.zeros(2, 5));
        bad.remove("0.bias");
        bad.put("extra", Tensor.zeros(1));
        bad.put("2.bn.running_var", null);
        failsLeavingModule(IllegalArgumentException.class, "Error(s) in loading state_dict for Sequential:\n\t"
                + "Missing key(s) in state_dict: \"0.bias\". \n\tUnexpected key(s) in state_dict: \"extra\". \n\t"
                + "While copying the parameter named \"2.bn.running_var\", expected torch.Tensor or Tensor-like object from "
                + "checkpoint but received null\n\tsize mismatch for 3.weight: copying a param with shape torch.Size([2, 5]) from "
                + "checkpoint, the shape in current model is torch.Size([2, 4]).", m, () -> m.loadStateDict(bad));
        failsLeavingModule(IllegalArgumentException.class, "Expected state_dict to be dict-like, got null.", m,
                () -> m.loadStateDict(null));
        // and a good one still loads, converting types (PyTorch's copy_), a one-element vector into a scalar buffer
        Map<String, Tensor> good = freshState(m);
        good.replaceAll((k, v) -> v.dtype() == DType.FLOAT32 ? v.toDouble() : v);
        good.put("2.bn.num_batches_tracked", Tensor.tensor(new long[] {41}));
        m.loadStateDict(good);
        assertEquals(DType.FLOAT32, m.stateDict().get("0.weight").dtype());
        assertTrue(m.stateDict().get("0.weight").equal(good.get("0.weight").toFloat()));
        assertEquals("tensor(41)", m.stateDict().get("2.bn.num_batches_tracked").toString());
    }

    @Test
    void nonStrictLoadingReportsTheKeysItSkipped() {
        Module m = model();
        Map<String, Tensor> s = freshState(m);
        s.remove("3.bias");
        s.put("unused", Tensor.zeros(1));
        Module.IncompatibleKeys keys = m.loadStateDict(s, false);
        assertEquals(List.of("3.bias"), keys.missingKeys());
        assertEquals(List.of("unused"), keys.unexpectedKeys());
        assertTrue(m.stateDict().get("3.weight").equal(s.get("3.weight")));
        // a shape mismatch is an error even when not strict, and changes nothing
        s.put("0.weight", Tensor.zeros(1));
        failsLeavingModule(IllegalArgumentException.class, null, m, () -> m.loadStateDict(s, false));
    }

    @Test
    void aModelsOwnClosedTensorIsReportedBeforeAnyCopy() {
        Module m = model();
        Map<String, Tensor> s = freshState(m);
        Linear last = (Linear) m.namedChildren().get("3");
        last.bias.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(s));
        assertEquals("Error(s) in loading state_dict for Sequential:\n\tWhile copying the parameter named \"3.bias\", the tensor "
                + "in the current model has been closed", e.getMessage());
        Linear first = (Linear) m.namedChildren().get("0");
        assertTrue(!first.weight.equal(s.get("0.weight")), "nothing was copied");
    }

    @Test
    void moduleToConvertsEverythingFirstAndSwapsAfter() {
        Backends2.registerFakeCuda();
        Module m = model();
        m.forward(Tensor.randn(5, 3)).sum().backward();
        // a device that is not there: nothing moves
        failsLeavingModule(IllegalArgumentException.class, "Invalid device ordinal cuda:1: 1 cuda device(s) present", m,
                () -> m.to(Device.cuda(1)));
        // a closed tensor late in the module: the earlier ones are not moved either
        Linear last = (Linear) m.namedChildren().get("3");
        last.bias.close();
        List<Tensor> params = m.parameters();
        Linear first = (Linear) m.namedChildren().get("0");
        double[] firstWeight = first.weight.toDoubleArray();
        assertThrows(IllegalStateException.class, () -> m.to(Device.cuda(0)));
        for (Tensor p : params) {
            assertEquals(Device.CPU, p.device());
        }
        assertArrayEquals(firstWeight, first.weight.toDoubleArray());
        assertEquals(Device.CPU, first.weight.grad().device());

        // a good move keeps identities and moves gradients and buffers; a conversion keeps integer buffers
        Module ok = model();
        ok.forward(Tensor.randn(5, 3)).sum().backward();
        List<Tensor> before = ok.parameters();
        Snapshot values = Snapshot.of(ok);
        ok.to(Device.cuda(0));
        for (int i = 0; i < before.size(); i++) {
            assertSame(before.get(i), ok.parameters().get(i));
            assertEquals(Device.cuda(0), before.get(i).device());
            assertEquals(Device.cuda(0), before.get(i).grad().device());
        }
        ok.stateDict().values().forEach(t -> assertEquals(Device.cuda(0), t.device()));
        ok.to(Device.CPU).to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, first(ok).dtype());
        assertEquals(DType.FLOAT64, first(ok).grad().dtype());
        assertEquals(DType.INT64, ok.stateDict().get("2.bn.num_batches_tracked").dtype());
        ok.to(DType.FLOAT32);
        Map<String, Object[]> now = Snapshot.of(ok).entries();
        for (Map.Entry<String, Object[]> e : values.entries().entrySet()) {
            // float32 -> float64 -> float32 is exact: the values are those before the moves
            assertEquals(e.getValue()[0], now.get(e.getKey())[0], e.getKey());
        }
        failsLeavingModule(IllegalArgumentException.class,
                "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int64", ok,
                () -> ok.to(DType.INT64));
    }

    private static Tensor first(Module m) {
        return m.parameters().get(0);
    }

    @Test
    void zeroGradClearsSharedParametersOnce() {
        Linear shared = new Linear(2, 2);
        Module m = new Sequential(shared, new ReLU(), shared);
        m.forward(Tensor.randn(3, 2)).sum().backward();
        assertNotNull(shared.weight.grad());
        m.zeroGrad();
        assertNull(shared.weight.grad());
        assertNull(shared.bias.grad());
    }

    // ------------------------------------------------------------------ optimizers

    private static List<Tensor> params() {
        Ember.manualSeed(3);
        return List.of(Tensor.randn(DType.FLOAT64, 2, 3).requiresGrad_(true), Tensor.randn(DType.FLOAT64, 3).requiresGrad_(true),
                Tensor.randn(DType.FLOAT64, 4).requiresGrad_(true));
    }

    private static void grads(List<Tensor> ps, int step) {
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            p.releaseGrad();
            p.mul(p).mul(1.0 + 0.1 * step + i).sum().backward();
        }
    }

    private static List<double[]> values(List<Tensor> ps) {
        List<double[]> v = new ArrayList<>();
        ps.forEach(p -> v.add(p.toDoubleArray()));
        return v;
    }

    /**
     * A step that fails on the last parameter must leave every parameter and the optimizer's state as they were: after
     * the problem is repaired, the optimizer continues exactly as a twin that never saw the failed step.
     */
    private static void failedStepChangesNothing(Function<List<Tensor>, Optimizer> make) {
        List<Tensor> ps = params();
        List<Tensor> twin = params();
        Optimizer opt = make.apply(ps);
        Optimizer twinOpt = make.apply(twin);
        for (int s = 0; s < 2; s++) {
            grads(ps, s);
            opt.step();
            grads(twin, s);
            twinOpt.step();
        }
        grads(ps, 2);
        grads(twin, 2);
        Tensor last = ps.get(2);
        Tensor saved = last.grad();
        // a gradient of the wrong shape (the parameter's data replaced under the optimizer)
        Tensor data = last.detach().clone();
        last.setData(Tensor.zeros(DType.FLOAT64, 5));
        List<double[]> before = values(ps.subList(0, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertEquals(opt.getClass().getSimpleName() + ".step: the gradient of parameter 2 has shape [4] but the parameter has "
                + "shape [5]", e.getMessage());
        assertArrayEquals(before.get(0), ps.get(0).toDoubleArray());
        assertArrayEquals(before.get(1), ps.get(1).toDoubleArray());
        last.setData(data);
        // a closed gradient
        saved.close();
        assertEquals(opt.getClass().getSimpleName() + ".step: the gradient of parameter 2 has been closed",
                assertThrows(IllegalStateException.class, opt::step).getMessage());
        assertArrayEquals(before.get(0), ps.get(0).toDoubleArray());
        // repaired, the optimizer goes on exactly as its twin
        grads(ps, 2);
        opt.step();
        twinOpt.step();
        for (int s = 3; s < 5; s++) {
            grads(ps, s);
            opt.step();
            grads(twin, s);
            twinOpt.step();
        }
        for (int i = 0; i < ps.size(); i++) {
            assertArrayEquals(twin.get(i).toDoubleArray(), ps.get(i).toDoubleArray(), "parameter " + i);
        }
    }

    @Test
    void failedStepsChangeNothing() {
        failedStepChangesNothing(ps -> new SGD(ps, 0.1, 0.9, 0.1, 0.01, false));
        failedStepChangesNothing(ps -> new SGD(ps, 0.1, 0.9, 0, 0.01, true));
        failedStepChangesNothing(ps -> Adam.adam(ps, 0.05, 0.8, 0.99, 1e-8, 0.1));
        failedStepChangesNothing(ps -> Adam.adamW(ps, 0.05, 0.8, 0.99, 1e-8, 0.1));
    }

    @Test
    void stateOfAnotherTypeOrDeviceIsReportedBeforeAnyUpdate() {
        Backends2.registerFakeCuda();
        List<Tensor> ps = params();
        Adam adam = Adam.adam(ps, 0.1);
        grads(ps, 0);
        adam.step();
        // the second parameter moved after its moments were made: refused, the first not updated
        Tensor moved = ps.get(1);
        moved.setData(moved.detach().to(Device.cuda(0)));
        moved.setGrad(moved.grad() == null ? null : moved.grad().to(Device.cuda(0)));
        grads(List.of(ps.get(0)), 1);
        double[] first = ps.get(0).toDoubleArray();
        assertEquals("Adam.step: the optimizer state of parameter 1 (exp_avg) is on cpu but the parameter is on cuda:0",
                assertThrows(IllegalStateException.class, adam::step).getMessage());
        assertArrayEquals(first, ps.get(0).toDoubleArray());
    }

    private static Map<String, double[]> expectedSteps() throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (InputStream in = StateSafetyTest.class.getResourceAsStream("/optim/expected.txt")) {
            assertNotNull(in);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] f = line.split("\t");
                    out.put(f[0], java.util.Arrays.stream(f[1].split(" ")).mapToDouble(Double::parseDouble).toArray());
                }
            }
        }
        return out;
    }

    @Test
    void eachParameterCountsItsOwnSteps() throws IOException {
        Map<String, Function<List<Tensor>, Optimizer>> make = new LinkedHashMap<>();
        make.put("adam", ps -> Adam.adam(ps, 0.1));
        make.put("adamw", ps -> Adam.adamW(ps, 0.1, 0.9, 0.999, 1e-8, 0.1));
        make.put("adam_weight_decay", ps -> Adam.adam(ps, 0.05, 0.8, 0.99, 1e-6, 0.2));
        make.put("sgd_nesterov", ps -> new SGD(ps, 0.05, 0.9, 0, 0.01, true));
        make.put("sgd_dampening", ps -> new SGD(ps, 0.05, 0.5, 0.3, 0, false));
        Map<String, double[]> expected = expectedSteps();
        assertEquals(make.keySet(), expected.keySet());
        for (Map.Entry<String, Function<List<Tensor>, Optimizer>> e : make.entrySet()) {
            Tensor w1 = Tensor.tensor(new double[] {1.0, -2.0}, DType.FLOAT64).requiresGrad_(true);
            Tensor w2 = Tensor.tensor(new double[] {0.5, 3.0}, DType.FLOAT64).requiresGrad_(true);
            Optimizer opt = e.getValue().apply(List.of(w1, w2));
            for (int step = 0; step < 5; step++) {
                opt.zeroGrad();
                Tensor loss = w1.mul(w1).sum();
                if (step >= 2) {
                    loss = loss.add(w2.mul(w2).mul(w2).sum()); // w2's first gradient comes at the third step
                }
                loss.backward();
                opt.step();
            }
            double[] got = {w1.toDoubleArray()[0], w1.toDoubleArray()[1], w2.toDoubleArray()[0], w2.toDoubleArray()[1]};
            double[] want = expected.get(e.getKey());
            for (int i = 0; i < 4; i++) {
                assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void invalidSettingsLeaveOptimizersAndSchedulesAsTheyWere() {
        SGD opt = new SGD(params(), 0.1);
        assertEquals("Invalid learning rate: -0.5", assertThrows(IllegalArgumentException.class, () -> opt.setLr(-0.5)).getMessage());
        assertEquals(0.1, opt.lr(), 0);
        // a setter that refuses the second rate: the schedule does not count the epoch
        double[] lr = {0.1};
        int[] calls = {0};
        StepLR sched = new StepLR(() -> lr[0], v -> {
            if (++calls[0] == 2) {
                throw new IllegalArgumentException("refused");
            }
            lr[0] = v;
        }, 1, 0.5);
        sched.step();
        assertEquals(0.05, sched.lastLr(), 1e-15);
        assertThrows(IllegalArgumentException.class, sched::step);
        assertEquals(0.05, sched.lastLr(), 1e-15);
        sched.step();
        assertEquals(0.025, lr[0], 1e-15);
    }

    // ------------------------------------------------------------------ batch norm and data

    @Test
    void batchNormChangesItsStatisticsOnlyAfterSucceeding() {
        BatchNorm2d bn = new BatchNorm2d(3);
        failsLeavingModule(IllegalArgumentException.class, "Expected more than 1 value per channel when training, got input size "
                + "torch.Size([1, 3, 1, 1])", bn, () -> bn.forward(Tensor.randn(1, 3, 1, 1)));
        Tensor x = Tensor.randn(2, 3, 2, 2);
        Map<String, Tensor> state = bn.stateDict(); // handles sharing the buffers' storage
        Tensor mean = state.get("running_mean").clone();
        Tensor count = state.get("num_batches_tracked").clone();
        bn.weight.close();
        assertThrows(IllegalStateException.class, () -> bn.forward(x));
        assertTrue(state.get("running_mean").equal(mean));
        assertTrue(state.get("num_batches_tracked").equal(count));
        // Functional: a closed running variance fails before the mean is written
        Tensor rm = Tensor.zeros(3);
        Tensor rv = Tensor.ones(3);
        rv.close();
        assertThrows(IllegalStateException.class, () -> Functional.batchNorm(x, rm, rv, null, null, true, 0.1, 1e-5));
        assertEquals("tensor([0., 0., 0.])", rm.toString());
        assertEquals(0, rm.version());
    }

    @Test
    void dataLoaderChecksItsArguments() {
        Tensor x = Tensor.randn(5, 2);
        Tensor y = Tensor.tensor(new long[] {0, 1, 0, 1, 1});
        Device cpu = Device.CPU;
        // targets of any type and shape come back as they went in (issue 16: float targets were read as int64)
        DataLoader.Batch first = DataLoader.of(x, y.reshape(5, 1).toFloat(), 2, false, 0, cpu).iterator().next();
        assertEquals(DType.FLOAT32, first.targets().dtype());
        assertArrayEquals(new int[] {2, 1}, first.targets().shape());
        assertArrayEquals(new float[] {0, 1}, first.targets().toFloatArray());
        assertEquals("inputs and targets differ in length: 4 and 5", assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(x.narrow(0, 0, 4), y, 2, false, 0, cpu)).getMessage());
        assertEquals("batch_size should be a positive integer value, but got batch_size=0", assertThrows(
                IllegalArgumentException.class, () -> new DataLoader(x, y, 0, false, 0, cpu)).getMessage());
        assertEquals("inputs must have a batch dimension [N, ...], got a 0-d tensor", assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(Tensor.scalar(1), y, 1, false, 0, cpu)).getMessage());
        assertEquals("DataLoader needs inputs and targets, got a tensor and null", assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(x, null, 1, false, 0, cpu)).getMessage());
        assertEquals("DataLoader needs a device, got null", assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(x, y, 1, false, 0, null)).getMessage());
        // a batch size near the int limit counts one batch, not a negative number of them
        assertEquals(1, new DataLoader(x, y, Integer.MAX_VALUE, false, 0, cpu).size());
        assertEquals(3, new DataLoader(x, y, 2, false, 0, cpu).size());
    }

    /**
     * Regression (session 43, found porting MoCo's {@code param_k.data = ...}): {@code tensor.data = other} on a tensor
     * that requires grad (a parameter, or a non-leaf) takes only floating-point or complex data, as PyTorch's
     * {@code set_data}; integer data is refused with its message and the tensor keeps its data, type and shape. Without
     * requires_grad any data is taken (PyTorch 1.13 checked: the shape and type change).
     */
    @Test
    void setDataOfIntegersRefusedOnATensorThatRequiresGrad() {
        String msg = "data set to a tensor that requires gradients must be floating point or complex dtype";
        Tensor p = new Linear(2, 2).weight();
        double[] before = p.toDoubleArray();
        assertEquals(msg, assertThrows(IllegalArgumentException.class,
                () -> p.setData(Tensor.zeros(DType.INT64, 3))).getMessage());
        assertEquals(DType.FLOAT32, p.dtype());
        assertArrayEquals(new int[] {2, 2}, p.shape());
        assertArrayEquals(before, p.toDoubleArray());
        assertTrue(p.requiresGrad());
        Tensor x = Tensor.ones(DType.FLOAT64, 2).requiresGrad_(true);
        Tensor y = x.mul(2.0);
        assertEquals(msg, assertThrows(IllegalArgumentException.class,
                () -> y.setData(Tensor.zeros(DType.BOOL, 2))).getMessage());
        assertArrayEquals(new double[] {2, 2}, y.toDoubleArray());
        // floating-point and complex data are taken, and anything by a tensor that does not require grad
        p.setData(Tensor.zeros(DType.COMPLEX64, 3));
        assertEquals(DType.COMPLEX64, p.dtype());
        Tensor z = Tensor.ones(2);
        z.setData(Tensor.zeros(DType.INT64, 3));
        assertEquals(DType.INT64, z.dtype());
        assertArrayEquals(new int[] {3}, z.shape());
    }
}
