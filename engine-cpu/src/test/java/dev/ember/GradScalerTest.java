package dev.ember;

import dev.ember.amp.GradScaler;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.cpu.CpuBackend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GradScaler} against PyTorch's algorithm (amp/make_expected.py: torch.amp.GradScaler's steps written with torch
 * CPU tensors, since 1.13's GradScaler is CUDA-only): the sequence of scales, skipped steps and parameters of 30-step
 * SGD runs with injected inf/NaN gradients, float32 rounding of the scale's updates, the state dict and the errors.
 */
class GradScalerTest {
    private static final PyTorchCases CASES = new PyTorchCases("/amp/expected.txt");
    /** Steps whose loss gets {@code c * (w * onehot).sum()} with a non-finite c (as INJECT in the script). */
    private static final Map<Integer, Double> INJECT = Map.of(4, Double.POSITIVE_INFINITY, 11, Double.NaN,
            12, Double.POSITIVE_INFINITY, 21, Double.NEGATIVE_INFINITY, 22, Double.NaN);

    private static double[] field(String key, String name) {
        return PyTorchCases.numbers(CASES.field(key, name));
    }

    private static String msg(String name) {
        String v = CASES.field("msg", name);
        return v.substring(1, v.length() - 1);
    }

    private static Tensor floats(double[] v, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensor.tensor(f).reshape(shape);
    }

    private static final class Run {
        Tensor w;
        Tensor b;
        final List<Double> scales = new ArrayList<>();
        final List<Double> stepped = new ArrayList<>();
        GradScaler scaler;
    }

    /** The script's run(): SGD with momentum on a linear least-squares loss, optionally scaled. */
    private static Run run(int steps, double initScale, int interval, boolean useScaler, Map<Integer, Double> inject,
                           Device device) {
        float[] w0 = new float[12];
        for (int i = 0; i < 12; i++) {
            w0[i] = (float) i / 10f - 0.5f;
        }
        Run r = new Run();
        r.w = Tensor.tensor(w0).reshape(4, 3).to(device).requiresGrad_(true);
        r.b = Tensor.tensor(new float[] {0.1f, -0.2f, 0.3f}).to(device).requiresGrad_(true);
        Tensor m = Tensor.zeros(4, 3);
        m.get(0, 0).fill_(1);
        m = m.to(device);
        Optimizer opt = new SGD(List.of(r.w, r.b), 0.05, 0.9, 0, 0, false);
        r.scaler = useScaler ? new GradScaler(device.type(), initScale, 2.0, 0.5, interval, true) : null;
        for (int t = 0; t < steps; t++) {
            Tensor x = floats(field("data" + t, "x"), 8, 4).to(device);
            Tensor y = floats(field("data" + t, "y"), 8, 3).to(device);
            opt.zeroGrad();
            double c = inject.getOrDefault(t, 0.0);
            Tensor loss = x.matmul(r.w).add(r.b).sub(y).pow(2).mean().add(r.w.mul(m).sum().mul(c));
            if (r.scaler == null) {
                loss.backward();
                opt.step();
                r.stepped.add(1.0);
            } else {
                Tensor scaled = r.scaler.scale(loss);
                assertArrayEquals(new int[] {1}, scaled.shape());
                scaled.backward();
                r.stepped.add(r.scaler.step(opt) ? 1.0 : 0.0);
                r.scaler.update();
                r.scales.add(r.scaler.getScale());
            }
        }
        return r;
    }

    private static double[] array(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void assertParams(String key, Run r) {
        assertArrayEquals(field(key, "w"), r.w.detach().cpu().toDoubleArray(), 2e-6, key + " w");
        assertArrayEquals(field(key, "b"), r.b.detach().cpu().toDoubleArray(), 2e-6, key + " b");
    }

    @Test
    void thirtyStepsWithInjectedInfsMatchTorch() {
        Run r = run(30, 65536, 3, true, INJECT, Device.CPU);
        assertArrayEquals(field("runA", "scales"), array(r.scales));
        assertArrayEquals(field("runA", "stepped"), array(r.stepped));
        assertEquals((int) field("runA", "tracker")[0], r.scaler.getGrowthTracker());
        assertParams("runA", r);
    }

    @Test
    void withoutOverflowScalingChangesNoParameter() {
        Run scaled = run(30, 65536, 4, true, Map.of(), Device.CPU);
        Run plain = run(30, 65536, 4, false, Map.of(), Device.CPU);
        assertArrayEquals(field("runB", "scales"), array(scaled.scales));
        assertArrayEquals(field("runB", "stepped"), array(scaled.stepped));
        // powers of two scale and unscale exactly: the same bits as the loop without a scaler
        assertArrayEquals(plain.w.toFloatArray(), scaled.w.toFloatArray());
        assertArrayEquals(plain.b.toFloatArray(), scaled.b.toFloatArray());
        assertParams("runB", scaled);
        assertParams("plain", plain);
    }

    @Test
    void growthThatOverflowsIsNotKept() {
        Run r = run(3, 3e38, 1, true, Map.of(), Device.CPU);
        assertArrayEquals(field("runC", "scales"), array(r.scales));
        assertArrayEquals(field("runC", "stepped"), array(r.stepped));
    }

    @Test
    void factorsRoundThroughFloat32() {
        Tensor p = Tensor.ones(2).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 0.0);
        GradScaler s = new GradScaler("cpu", 1000.0, 3.3, 0.3, 2, true);
        double[] found = field("runD", "found");
        double[] scales = new double[found.length];
        for (int i = 0; i < found.length; i++) {
            opt.zeroGrad();
            s.scale(p.mul(found[i] == 1 ? Double.POSITIVE_INFINITY : 1.0).sum()).backward();
            assertEquals(found[i] == 0, s.step(opt));
            s.update();
            scales[i] = s.getScale();
        }
        assertArrayEquals(field("runD", "scales"), scales);
    }

    @Test
    void fakeCudaAndMixedDevicesKeepOneFlagPerDevice() {
        Backends2.registerFakeCuda();
        Run r = run(30, 65536, 3, true, INJECT, Device.cuda(0));
        assertTrue(r.scaler.isEnabled());
        assertEquals(Device.cuda(0), r.w.device());
        assertArrayEquals(field("runA", "scales"), array(r.scales));
        assertArrayEquals(field("runA", "stepped"), array(r.stepped));
        assertParams("runA", r);
        // a parameter on each device: an overflow on either one skips the step
        Tensor a = Tensor.ones(3).requiresGrad_(true);
        Tensor b = Tensor.ones(3).to(Device.cuda(0)).requiresGrad_(true);
        SGD opt = new SGD(List.of(a, b), 0.5);
        GradScaler s = new GradScaler("cuda", 4.0, 2.0, 0.5, 100, true);
        s.scale(a.sum()).backward();
        s.scale(b.mul(Double.NaN).sum()).backward();
        assertFalse(s.step(opt));
        s.update();
        assertEquals(2.0, s.getScale());
        assertArrayEquals(new float[] {1, 1, 1}, a.toFloatArray());
        opt.zeroGrad();
        s.scale(a.sum()).backward();
        s.scale(b.sum().mul(3)).backward();
        assertTrue(s.step(opt));
        s.update();
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, a.toFloatArray());
        assertArrayEquals(new float[] {-0.5f, -0.5f, -0.5f}, b.cpu().toFloatArray());
    }

    /**
     * PyTorch's property: no host read per gradient. A fake "cuda" device that counts its reads to the host
     * (Backend.toArray): unscale_ reads nothing, and step reads the device's one flag once, whatever the number of
     * gradients.
     */
    @Test
    void theInfCheckReadsTheHostOncePerDevicePerStep() {
        AtomicInteger reads = new AtomicInteger();
        CpuBackend cpu = new CpuBackend();
        Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("deviceType")) {
                        return "cuda";
                    }
                    if (method.getName().equals("toArray")) {
                        reads.incrementAndGet();
                    }
                    try {
                        return method.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Backends.register(counting);
        try {
            List<Tensor> params = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                params.add(Tensor.ones(5).to(Device.cuda(0)).requiresGrad_(true));
            }
            SGD opt = new SGD(params, 0.1);
            GradScaler s = new GradScaler("cuda", 1024.0, 2.0, 0.5, 100, true);
            for (double c : new double[] {1.0, Double.NaN, 2.0}) {
                opt.zeroGrad();
                Tensor loss = params.get(0).sum().mul(c);
                for (Tensor p : params.subList(1, params.size())) {
                    loss = loss.add(p.sum());
                }
                s.scale(loss).backward();
                reads.set(0);
                s.unscale_(opt);
                assertEquals(0, reads.get(), "host reads in unscale_ of 20 gradients");
                boolean stepped = s.step(opt);
                assertEquals(!Double.isNaN(c), stepped);
                assertEquals(1, reads.get(), "host reads in step");
                s.update();
                assertEquals(1, reads.get(), "host reads in step and update");
            }
            assertEquals(512.0, s.getScale());
        } finally {
            Backends2.registerFakeCuda();
        }
    }

    @Test
    void scaleIsAOneElementFloat32TensorAsTorchs() {
        GradScaler s = new GradScaler("cpu", 8.0, 2.0, 0.5, 10, true);
        Tensor loss64 = Tensor.tensor(new double[] {1.5}).reshape().requiresGrad_(true);
        Tensor out = s.scale(loss64);
        // torch: a 0-dim float64 times a [1] float32 tensor is a [1] float32 tensor (dimensioned operands win)
        assertEquals(DType.FLOAT32, out.dtype());
        assertArrayEquals(new int[] {1}, out.shape());
        assertEquals("MulBackward0", out.gradFn().name());
        assertEquals(12.0, out.item());
        List<Tensor> many = s.scale(List.of(Tensor.ones(2), Tensor.ones(3).mul(2)));
        assertArrayEquals(new float[] {8, 8}, many.get(0).toFloatArray());
        assertArrayEquals(new float[] {16, 16, 16}, many.get(1).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> s.scale((Tensor) null));
        assertThrows(IllegalArgumentException.class, () -> s.scale(java.util.Arrays.asList(Tensor.ones(1), null)));
    }

    @Test
    void unscaleDividesOnceAndStepReusesIt() {
        Tensor p = Tensor.tensor(new float[] {1, 2}).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler("cpu", 1024.0, 2.0, 0.5, 10, true);
        s.scale(p.mul(Tensor.tensor(new float[] {3, 5})).sum()).backward();
        assertArrayEquals(new float[] {3072, 5120}, p.grad().toFloatArray());
        s.unscale_(opt);
        assertArrayEquals(new float[] {3, 5}, p.grad().toFloatArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.unscale_(opt));
        assertEquals(msg("unscale_twice"), e.getMessage());
        assertTrue(s.step(opt)); // no second unscale
        assertArrayEquals(new float[] {-2, -3}, p.toFloatArray());
        e = assertThrows(IllegalStateException.class, () -> s.unscale_(opt));
        assertEquals(msg("unscale_after_step"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> s.step(opt));
        assertEquals(msg("step_twice"), e.getMessage());
        s.update();
        assertEquals(1024.0, s.getScale());
        assertEquals(1, s.getGrowthTracker());
    }

    @Test
    void stateErrorsHaveTorchsMessages() {
        Tensor p = Tensor.ones(2).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler("cpu");
        assertEquals(65536.0, s.getScale());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.step(opt));
        assertEquals("Attempted step but _scale is None.  This may indicate your script did not use scaler.scale(loss or "
                + "outputs) earlier in the iteration.", e.getMessage());
        assertThrows(IllegalStateException.class, () -> s.unscale_(opt));
        assertThrows(IllegalStateException.class, s::update);
        s.scale(Tensor.ones(1));
        e = assertThrows(IllegalStateException.class, s::update);
        assertEquals(msg("no_inf_checks_update"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> s.step(opt)); // p has no gradient
        assertEquals(msg("no_inf_checks"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.step(null));
        assertThrows(IllegalArgumentException.class, () -> s.unscale_(null));
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> new GradScaler("cpu", 1, 1.0, 0.5, 1, true));
        assertEquals(msg("growth"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class, () -> new GradScaler("cpu", 1, 2.0, 1.0, 1, true));
        assertEquals(msg("backoff"), a.getMessage());
        // a disabled scaler checks nothing
        new GradScaler("cpu", 1, 1.0, 1.0, 1, false);
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(null));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler("tpu"));
    }

    @Test
    void updateWithANewScale() {
        Tensor p = Tensor.ones(1).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler("cpu", 4.0, 2.0, 0.5, 1, true);
        s.scale(p.sum()).backward();
        s.step(opt);
        s.update(0.1);
        assertEquals((double) 0.1f, s.getScale());
        assertEquals(0, s.getGrowthTracker());
        s.update(Tensor.tensor(new float[] {3}));
        assertEquals(3.0, s.getScale());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.update(Tensor.ones(2)));
        assertEquals("new_scale should be a float or a 1-element torch.FloatTensor or torch.cuda.FloatTensor with "
                + "requires_grad=False.", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.update(Tensor.ones(1).requiresGrad_(true)));
        assertThrows(IllegalArgumentException.class, () -> s.update((Tensor) null));
        assertEquals(3.0, s.getScale());
        // the next scale() multiplies by the new value
        assertEquals(6.0, s.scale(Tensor.scalar(2)).item());
    }

    @Test
    void stateDictRoundTripsAndContinuesTheSequence() {
        Run first = run(10, 65536, 3, true, INJECT, Device.CPU);
        Map<String, Object> sd = first.scaler.stateDict();
        assertEquals(List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"),
                new ArrayList<>(sd.keySet()));
        assertEquals(field("runA", "scales")[9], sd.get("scale"));
        GradScaler loaded = new GradScaler("cpu", 1.0, 4.0, 0.25, 7, true);
        Map<String, Object> json = new HashMap<>(sd);
        json.put("growth_interval", 3L); // numbers of any type, as from JSON
        loaded.loadStateDict(json);
        assertEquals(first.scaler.getScale(), loaded.getScale());
        assertEquals(first.scaler.getGrowthTracker(), loaded.getGrowthTracker());
        assertEquals(2.0, loaded.getGrowthFactor());
        assertEquals(0.5, loaded.getBackoffFactor());
        assertEquals(3, loaded.getGrowthInterval());
        // continuing from the loaded state gives the rest of the reference run's scales
        Tensor p = Tensor.ones(1).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 0.0);
        double[] expected = field("runA", "scales");
        double[] stepped = field("runA", "stepped");
        for (int t = 10; t < 30; t++) {
            opt.zeroGrad();
            loaded.scale(p.mul(stepped[t] == 1 ? 1.0 : Double.NaN).sum()).backward();
            loaded.step(opt);
            loaded.update();
            assertEquals(expected[t], loaded.getScale(), "step " + t);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loaded.loadStateDict(Map.of()));
        assertEquals(msg("empty_state"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> loaded.loadStateDict(Map.of("scale", 1.0)));
        assertThrows(IllegalArgumentException.class, () -> loaded.loadStateDict(null));
        assertEquals(expected[29], loaded.getScale()); // unchanged by the failed loads
    }

    @Test
    void disabledScalerOnlySteps() {
        Tensor p = Tensor.ones(1).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler("cpu", 65536, 2.0, 0.5, 2000, false);
        assertFalse(s.isEnabled());
        Tensor loss = p.mul(2).sum();
        assertSame(loss, s.scale(loss));
        loss.backward();
        s.unscale_(opt);
        assertTrue(s.step(opt));
        s.update();
        assertArrayEquals(new float[] {-1}, p.toFloatArray());
        assertEquals(1.0, s.getScale());
        assertEquals(0, s.getGrowthTracker());
        assertTrue(s.stateDict().isEmpty());
        s.loadStateDict(Map.of());
        assertNull(p.grad().gradFn());
    }
}
