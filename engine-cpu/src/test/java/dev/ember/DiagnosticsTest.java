package dev.ember;

import dev.ember.nn.Linear;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anomaly detection ({@link Autograd#detectAnomaly()}) and inference mode ({@link Ember#inferenceMode()}) against
 * PyTorch ({@code diagnostics/make_expected.py}).
 */
class DiagnosticsTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/diagnostics/expected.txt");

    @AfterEach
    void modesAreOffAgain() {
        assertFalse(Autograd.isAnomalyEnabled());
        assertFalse(Ember.isInferenceModeEnabled());
        assertTrue(Ember.isGradEnabled());
    }

    private static String py(List<?> values) {
        List<String> parts = new ArrayList<>();
        for (Object v : values) {
            parts.add(v instanceof Boolean ? ((Boolean) v ? "True" : "False") : String.valueOf(v));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    /** Runs {@code make} and a backward pass under anomaly detection; the error it raises, or null. */
    private static IllegalStateException backwardError(Supplier<Tensor[]> make) {
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            Tensor[] leafAndOut = make.get();
            try {
                leafAndOut[1].sum().backward();
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        }
    }

    @Test
    void aNanGradientNamesTheNodeAndTheOutputAndGivesTheForwardStack() {
        IllegalStateException e = backwardError(() -> {
            Tensor a = Tensor.zeros(3).requiresGrad_(true);
            return new Tensor[] {a, a.div(a)}; // the forward call the trace points at
        });
        assertNotNull(e);
        assertEquals(TORCH.error("anomaly_div_self"), e.getMessage());
        Autograd.ForwardTrace trace = assertInstanceOf(Autograd.ForwardTrace.class, e.getCause());
        assertEquals("DivBackward0", trace.nodeName());
        assertEquals("Error detected in DivBackward0. Traceback of forward call that caused the error:", trace.getMessage());
        StackTraceElement[] stack = trace.getStackTrace();
        // it starts at the op that recorded the node (not in Node's constructors) and reaches this test's lambda
        assertFalse(stack[0].getClassName().startsWith(Node.class.getName()), Arrays.toString(stack));
        assertTrue(Arrays.stream(stack).anyMatch(f -> f.getClassName().equals(Tensor.class.getName())
                && f.getMethodName().equals("div")), Arrays.toString(stack));
        assertTrue(Arrays.stream(stack).anyMatch(f -> f.getClassName().startsWith(DiagnosticsTest.class.getName())
                && f.getMethodName().contains("aNanGradientNamesTheNode")), Arrays.toString(stack));

        IllegalStateException pow = backwardError(() -> {
            Tensor x = Tensor.tensor(new double[] {0, 1}, DType.FLOAT32).requiresGrad_(true);
            return new Tensor[] {x, x.pow(0.5).mul(0)};
        });
        assertNotNull(pow);
        assertEquals(TORCH.error("anomaly_pow"), pow.getMessage());
        assertEquals("PowBackward0", ((Autograd.ForwardTrace) pow.getCause()).nodeName());
    }

    @Test
    void infinitiesAndNansMadeInForwardAreNotErrors() {
        Tensor[] leaf = new Tensor[1];
        assertNull(backwardError(() -> {
            leaf[0] = Tensor.tensor(new double[] {0, 4}, DType.FLOAT32).requiresGrad_(true);
            return new Tensor[] {leaf[0], leaf[0].sqrt()};
        }));
        assertArrayEquals(TORCH.values("anomaly_sqrt_inf"), leaf[0].grad().toDoubleArray());
        assertNull(backwardError(() -> {
            leaf[0] = Tensor.tensor(new double[] {-1, 2}, DType.FLOAT32).requiresGrad_(true);
            return new Tensor[] {leaf[0], leaf[0].log().mul(0)};
        }));
        assertArrayEquals(TORCH.values("anomaly_forward_nan"), leaf[0].grad().toDoubleArray());
    }

    @Test
    void withoutTheNanCheckOrOutsideTheModeNansReachTheLeaves() {
        Tensor a = Tensor.zeros(3).requiresGrad_(true);
        try (AnomalyMode on = Autograd.detectAnomaly(false)) {
            a.div(a).sum().backward();
        }
        assertArrayEquals(TORCH.values("anomaly_no_check_nan"), a.grad().toDoubleArray());
        Tensor b = Tensor.zeros(3).requiresGrad_(true);
        b.div(b).sum().backward();
        assertArrayEquals(TORCH.values("anomaly_off"), b.grad().toDoubleArray());
    }

    @Test
    void aGraphRecordedBeforeTheModeHasNoStackButIsStillChecked() {
        Tensor a = Tensor.zeros(3).requiresGrad_(true);
        Tensor out = a.div(a).sum();
        IllegalStateException e;
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            e = assertThrows(IllegalStateException.class, out::backward);
        }
        assertEquals(TORCH.error("anomaly_div_self"), e.getMessage());
        assertNull(e.getCause());
    }

    @Test
    void anotherErrorInBackwardCarriesTheForwardStackAsSuppressed() {
        Tensor x = Tensor.ones(3).requiresGrad_(true);
        IllegalStateException e;
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            Tensor y = x.exp();
            Tensor z = y.mul(2).sum();
            y.add_(1); // ExpBackward0 saved its output
            e = assertThrows(IllegalStateException.class, z::backward);
        }
        assertTrue(e.getMessage().startsWith("one of the variables needed for gradient computation has been modified by "
                + "an inplace operation"), e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals("ExpBackward0", ((Autograd.ForwardTrace) e.getSuppressed()[0]).nodeName());
    }

    @Test
    void gradientsAreTheSameWithTheModeOn() {
        Generator g = new Generator(7);
        Tensor w = Tensor.rand(g, DType.FLOAT64, 4, 3).requiresGrad_(true);
        Tensor x = Tensor.rand(g, DType.FLOAT64, 5, 4);
        x.matmul(w).tanh().pow(2).mean().backward();
        double[] plain = w.grad().toDoubleArray();
        w.setGrad(null);
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            x.matmul(w).tanh().pow(2).mean().backward();
        }
        assertArrayEquals(plain, w.grad().toDoubleArray());
    }

    @Test
    void anomalyScopesNestAndBelongToTheirThread() throws InterruptedException {
        List<Boolean> seen = new ArrayList<>();
        seen.add(Autograd.isAnomalyEnabled());
        try (AnomalyMode on = Autograd.detectAnomaly()) {
            seen.add(Autograd.isAnomalyEnabled());
            seen.add(Autograd.isAnomalyCheckNanEnabled());
            try (AnomalyMode off = Autograd.setDetectAnomaly(false, true)) {
                seen.add(Autograd.isAnomalyEnabled());
            }
            seen.add(Autograd.isAnomalyEnabled());
            try (AnomalyMode noNan = Autograd.detectAnomaly(false)) {
                seen.add(Autograd.isAnomalyEnabled());
                seen.add(Autograd.isAnomalyCheckNanEnabled());
            }
            seen.add(Autograd.isAnomalyCheckNanEnabled());
            AtomicReference<Boolean> other = new AtomicReference<>();
            Thread t = new Thread(() -> other.set(Autograd.isAnomalyEnabled()));
            t.start();
            t.join();
            assertFalse(other.get());
            on.close();
            on.close(); // closing twice restores once
            seen.add(Autograd.isAnomalyEnabled());
        }
        assertEquals(TORCH.value("anomaly_flags"), py(seen));
    }

    @Test
    void inferenceModeRecordsNoGraphEvenWithGradEnabled() {
        List<Boolean> seen = new ArrayList<>();
        seen.add(Ember.isInferenceModeEnabled());
        seen.add(Ember.isGradEnabled());
        Tensor w = Tensor.ones(2).requiresGrad_(true);
        try (InferenceMode im = Ember.inferenceMode()) {
            seen.add(Ember.isInferenceModeEnabled());
            seen.add(Ember.isGradEnabled());
            seen.add(w.mul(2).requiresGrad());
            try (GradMode on = Ember.enableGrad()) {
                seen.add(Ember.isGradEnabled());
                seen.add(w.mul(2).requiresGrad());
                assertNull(w.mul(2).gradFn());
            }
            try (InferenceMode inner = Ember.inferenceMode()) {
                seen.add(Ember.isInferenceModeEnabled());
            }
            seen.add(Ember.isInferenceModeEnabled());
            seen.add(Ember.isGradEnabled());
        }
        seen.add(Ember.isInferenceModeEnabled());
        seen.add(Ember.isGradEnabled());
        try (GradMode off = Ember.noGrad()) {
            try (InferenceMode im = Ember.inferenceMode()) {
                assertTrue(Ember.isInferenceModeEnabled());
            }
            seen.add(Ember.isGradEnabled());
        }
        assertEquals(TORCH.value("inference_flags"), py(seen));
        assertTrue(w.mul(2).requiresGrad()); // recording is back
    }

    @Test
    void inferenceModeAroundAModelAndBackwardOutside() {
        Linear lin = new Linear(3, 2);
        Tensor out;
        try (InferenceMode im = Ember.inferenceMode()) {
            out = lin.forward(Tensor.ones(1, 3));
        }
        assertEquals(TORCH.value("inference_linear"), py(List.of(out.requiresGrad(), out.gradFn() == null)));
        // the model still trains outside
        lin.forward(Tensor.ones(1, 3)).sum().backward();
        assertNotNull(lin.parameters().get(0).grad());
    }

    @Test
    void inPlaceChangesOfNormalTensorsInsideInferenceModeStillCount() {
        Tensor x = Tensor.ones(2);
        try (InferenceMode im = Ember.inferenceMode()) {
            x.add_(1);
        }
        double[] expected = TORCH.values("inference_inplace_normal");
        assertEquals((int) expected[0], x.version());
        assertArrayEquals(Arrays.copyOfRange(expected, 1, 3), x.toDoubleArray());
    }

    // ---------------------------------------------------------------- inference tensors

    private static Tensor inferenceTensor() {
        try (InferenceMode im = Ember.inferenceMode()) {
            return Tensor.ones(2, 3).mul(2);
        }
    }

    /** Fails with PyTorch's message as an IllegalStateException, leaving the tensor's values as they were. */
    private static void failsUnchanged(String key, Tensor t, Runnable call) {
        double[] before = t.toDoubleArray();
        IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
        assertEquals(TORCH.error(key), e.getMessage());
        assertArrayEquals(before, t.toDoubleArray());
    }

    @Test
    void tensorsMadeInsideAreInferenceTensorsAndTheirViewsToo() {
        Tensor inf = inferenceTensor();
        Tensor normal = Tensor.ones(2, 3);
        Tensor normalView;
        try (InferenceMode im = Ember.inferenceMode()) {
            normalView = normal.view(6);
        }
        assertEquals(TORCH.value("inference_is_inference"), py(List.of(inf.isInference(), inf.add(1).isInference(),
                inf.view(6).isInference(), inf.detach().isInference(), inf.clone().isInference(),
                normalView.isInference(), normal.isInference())));
    }

    @Test
    void autogradRefusesInferenceTensorsOutside() {
        Tensor inf = inferenceTensor();
        Tensor a = Tensor.ones(2, 3).requiresGrad_(true);
        IllegalStateException save = assertThrows(IllegalStateException.class, () -> a.mul(inf));
        assertEquals(TORCH.error("inference_save"), save.getMessage());
        failsUnchanged("inference_inplace", inf, () -> inf.add_(1));
        failsUnchanged("inference_fill", inf, () -> inf.fill_(0));
        failsUnchanged("inference_inplace", inf, () -> inf.zero_());
        failsUnchanged("inference_inplace", inf.view(6), () -> inf.view(6).copy_(Tensor.zeros(6)));
        failsUnchanged("inference_requires_grad", inf, () -> inf.requiresGrad_(true));
        assertFalse(inf.requiresGrad());
        IllegalStateException version = assertThrows(IllegalStateException.class, inf::version);
        assertEquals(TORCH.error("inference_version"), version.getMessage());
    }

    @Test
    void inferenceTensorsAreReadByOpsThatSaveNothingAndCloneToNormal() {
        Tensor inf = inferenceTensor();
        Tensor a = Tensor.ones(2, 3).requiresGrad_(true);
        a.add(inf).sum().backward();
        assertArrayEquals(TORCH.values("inference_add_backward"), a.grad().toDoubleArray());
        Tensor b = Tensor.ones(2, 3).requiresGrad_(true);
        b.mul(inf.clone()).sum().backward();
        assertArrayEquals(TORCH.values("inference_clone_backward"), b.grad().toDoubleArray());
    }

    @Test
    void insideInferenceModeInferenceTensorsChangeInPlaceWithoutAVersionCounter() {
        List<Object> seen = new ArrayList<>();
        try (InferenceMode im = Ember.inferenceMode()) {
            Tensor t = Tensor.zeros(3);
            t.add_(2);
            t.requiresGrad_(true);
            seen.add(Arrays.toString(t.toDoubleArray()));
            seen.add(t.requiresGrad());
            assertThrows(IllegalStateException.class, t::version);
        }
        assertEquals(TORCH.value("inference_inside_ok"), py(seen));
    }
}
