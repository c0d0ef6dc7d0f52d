package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * float16 and bfloat16 rules of PyTorch 2.x that the differential fuzz rounds 10-12 left unpinned (and float32 logspace,
 * met on the way), against {@code resources/halfrules/make_expected.py}: values from PyTorch 1.13 where its CPU kernel
 * is 2.x's, else from the 2.x source rule the generator states and emulates (checked against 1.13 wherever 1.13 has
 * the same kernel).
 *
 * <ul>
 *   <li>add/sub with alpha (ufunc/add.h): alpha converted checked to the type, then the vector loop's
 *       {@code fmadd(other, alpha, self)}, in float for Half and BFloat16 and rounded once to the type, over whole
 *       passes of 32 elements of a contiguous row (AVX2 builds; AVX512 passes are 64), and the scalar path's
 *       {@code self + alpha * other} in c10::Half arithmetic (two roundings) for the rest of the row and for strided
 *       rows.</li>
 *   <li>nextafter: c10's template for the reduced floating types on the 16 bits, float16 as bfloat16 (2.3+; 1.13 refused
 *       float16).</li>
 *   <li>logspace: ends converted checked to the type, {@code end - start} in the type's arithmetic, the step and the
 *       powers in double, each power rounded once (through float for the half types); one step is a checked fill.</li>
 *   <li>softmax / log_softmax backward of the half types: the saved output and the gradient in float, the sum in float,
 *       {@code (g - s) * y} or {@code g - exp(y) * s} in float, rounded once (1.13 rounded the sum to bfloat16 first).</li>
 *   <li>tanh / sigmoid backward of the half types: the gradient and the saved output (rounded to the type) in float,
 *       {@code a * (1 - b * b)} and {@code a * (1 - b) * b} in float32 operations, rounded once.</li>
 * </ul>
 */
class HalfRulesTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/halfrules/expected.txt");

    private static DType type(String name) {
        return "float16".equals(name) ? DType.FLOAT16 : "bfloat16".equals(name) ? DType.BFLOAT16 : DType.FLOAT32;
    }

    /** PyTorch's error line ("RuntimeError: message") against Ember's exception message. */
    private static void assertError(String key, Runnable body) {
        RuntimeException e = assertThrows(RuntimeException.class, body::run, key);
        assertEquals(EXPECTED.get(key), "RuntimeError: " + e.getMessage(), key);
    }

    @Test
    void addAndSubWithAlphaRoundAlphaThenFuseInFloat() {
        for (String dt : List.of("bfloat16", "float16")) {
            for (int n : new int[] {64, 128}) {
                for (double alpha : new double[] {0.3, -1.0 / 3, 2.75}) {
                    String key = "add." + dt + "." + n + "." + (alpha == -1.0 / 3 ? "-0.3333333333333333" : alpha);
                    Tensor a = EXPECTED.tensor(key + ".a").to(type(dt));
                    Tensor b = EXPECTED.tensor(key + ".b").to(type(dt));
                    String aBefore = a.toString();
                    EXPECTED.assertExact(key + ".out", a.add(b, alpha));
                    EXPECTED.assertExact(key + ".sub", a.sub(b, alpha));
                    EXPECTED.assertExact(key + ".out", a.clone().add_(b, alpha));
                    EXPECTED.assertExact(key + ".sub", a.clone().sub_(b, alpha));
                    assertEquals(aBefore, a.toString(), "the out-of-place forms leave self as it was");
                }
            }
            Tensor a = EXPECTED.tensor("add." + dt + ".bcast.a").to(type(dt));
            Tensor b = EXPECTED.tensor("add." + dt + ".bcast.b").to(type(dt));
            EXPECTED.assertExact("add." + dt + ".bcast.out", a.add(b, 0.3));
        }
    }

    /** 2.x's float16 result is not 1.13's (which rounded twice everywhere, having no Vectorized&lt;Half&gt;). */
    @Test
    void float16AddWithAlphaIsNotOnePointThirteens() {
        String key = "add.float16.64.0.3";
        Tensor got = EXPECTED.tensor(key + ".a").to(DType.FLOAT16).add(EXPECTED.tensor(key + ".b").to(DType.FLOAT16), 0.3);
        double[] old = EXPECTED.tensor(key + ".113").toDoubleArray();
        double[] now = got.toDoubleArray();
        int differ = 0;
        for (int i = 0; i < old.length; i++) {
            differ += old[i] == now[i] ? 0 : 1;
        }
        assertTrue(differ > 0, "the case separates the two rules");
    }

    @Test
    void alphaPastTheTypesRangeIsRefused() {
        Tensor h = Tensor.ones(3).to(DType.FLOAT16);
        assertError("add.float16.alpha_overflow", () -> h.add(h, 1e6));
        Tensor bf = Tensor.ones(3).to(DType.BFLOAT16);
        assertError("add.bfloat16.alpha_overflow", () -> bf.add(bf, 1e39));
        Tensor before = h.clone();
        assertError("add.float16.alpha_overflow", () -> h.add_(h, 1e6));
        assertEquals(before.toString(), h.toString(), "a refused add_ leaves self unchanged");
    }

    /** Regression (session 42): float16 nextafter was refused as 1.13 and 2.1-2.2 refuse it; 2.3+ has it. */
    @Test
    void nextafterStepsTheSixteenBitsOfBothHalfTypes() {
        for (String dt : List.of("bfloat16", "float16")) {
            Tensor x = EXPECTED.tensor("nextafter." + dt + ".x").to(type(dt));
            Tensor y = EXPECTED.tensor("nextafter." + dt + ".y").to(type(dt));
            EXPECTED.assertExact("nextafter." + dt + ".out", x.nextafter(y));
        }
        assertTrue(EXPECTED.get("nextafter.float16.113").contains("not implemented for 'Half'"),
                "1.13 had no float16 kernel: the float16 values come from 2.x's template");
    }

    /** The fixed and the seeded logspace cases of one type. */
    private static void logspaceCases(String dt) {
        double[][] fixed = {{0.1, 2.3, 7, 3.7}, {-3.0, 3.0, 13, 10.0}, {1.5, -2.5, 9, 3.0}, {0.0, 1.0, 11, 2.0},
            {-0.7, 0.45, 6, Math.E}, {2.0, 4.75, 12, 2.0}, {0.5, 2.0, 1, 10.0}, {3.25, 3.25, 4, 10.0}};
        for (int k = 0; k < fixed.length; k++) {
            double[] c = fixed[k];
            EXPECTED.assertExact("logspace." + dt + "." + k, Tensor.logspace(c[0], c[1], (int) c[2], c[3], type(dt)));
        }
        for (int k = 0; k < 6; k++) {
            String[] args = EXPECTED.get("logspace." + dt + ".r" + k + ".args").split(" ");
            EXPECTED.assertExact("logspace." + dt + ".r" + k, Tensor.logspace(Double.parseDouble(args[0]),
                    Double.parseDouble(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]), type(dt)));
        }
    }

    /**
     * Regression (session 42): float32 logspace stepped in float ({@code (float) pow(float base, s + step * i)}) where
     * PyTorch (1.13 and 2.x alike) takes a double step and a double power: logspace(0.1, 2.3, 7, 3.7)[2] was
     * 2.9750993251800537, PyTorch's is 2.9750990867614746.
     */
    @Test
    void logspaceOfFloat32StepsInDouble() {
        logspaceCases("float32");
    }

    /**
     * Regression (session 42): bfloat16 and float16 logspace went through double from the unrounded ends; PyTorch
     * converts the ends to the type and computes {@code end - start} in it (float16 logspace(0.1, 1000.3, 5, 1.001)
     * rounds the difference to 1000.0).
     */
    @Test
    void logspaceOfHalfTypesRoundsTheEndsAndTheirDifference() {
        logspaceCases("bfloat16");
        logspaceCases("float16");
        EXPECTED.assertExact("logspace.float16.rounded_diff", Tensor.logspace(0.1, 1000.3, 5, 1.001, DType.FLOAT16));
        EXPECTED.assertExact("logspace.bfloat16.inf", Tensor.logspace(2, 400, 3, 10.0, DType.BFLOAT16));
    }

    /**
     * Regression (session 42): logspace converted neither its ends nor a one-step fill checked; PyTorch refuses a start
     * past the type's range ({@code start.to<scalar_t>()}) and a single power past it ({@code fill_}'s conversion).
     */
    @Test
    void logspaceChecksItsEndsAndItsOneStepFill() {
        assertError("logspace.bfloat16.start_overflow", () -> Tensor.logspace(1e39, 2, 3, 10.0, DType.BFLOAT16));
        assertError("logspace.float32.start_overflow", () -> Tensor.logspace(1e39, 2, 3, 10.0, DType.FLOAT32));
        assertError("logspace.float16.start_overflow", () -> Tensor.logspace(1e5, 2, 3, 10.0, DType.FLOAT16));
        assertError("logspace.bfloat16.one_step_overflow", () -> Tensor.logspace(39, 40, 1, 10.0, DType.BFLOAT16));
        assertError("logspace.float32.one_step_overflow", () -> Tensor.logspace(39, 40, 1, 10.0, DType.FLOAT32));
    }

    @Test
    void softmaxBackwardOfHalfTypesSumsAndComputesInFloat() {
        for (String fn : List.of("softmax", "log_softmax")) {
            for (String dt : List.of("bfloat16", "float16")) {
                for (String shapeDim : List.of("3x8.1", "5x4.0", "2x3x6.2", "4x3x2.1")) {
                    String key = fn + "." + dt + "." + shapeDim;
                    int dim = Integer.parseInt(shapeDim.substring(shapeDim.indexOf('.') + 1));
                    Tensor x = EXPECTED.tensor(key + ".x").to(type(dt)).requiresGrad_(true);
                    Tensor g = EXPECTED.tensor(key + ".g").to(type(dt));
                    Tensor y = "softmax".equals(fn) ? x.softmax(dim) : x.logSoftmax(dim);
                    EXPECTED.assertExact(key + ".y", y);
                    y.backward(g);
                    EXPECTED.assertExact(key + ".grad", x.grad());
                }
            }
        }
    }

    @Test
    void tanhAndSigmoidBackwardOfHalfTypesReadTheRoundedOutputInFloat() {
        for (String fn : List.of("tanh", "sigmoid")) {
            for (String dt : List.of("bfloat16", "float16")) {
                String key = fn + "." + dt;
                Tensor x = EXPECTED.tensor(key + ".x").to(type(dt)).requiresGrad_(true);
                Tensor y = "tanh".equals(fn) ? x.tanh() : x.sigmoid();
                EXPECTED.assertExact(key + ".y", y);
                y.backward(EXPECTED.tensor(key + ".g").to(type(dt)));
                EXPECTED.assertExact(key + ".grad", x.grad());
            }
        }
    }

    /**
     * linspace of the half types with 16 to 31 values: every x86 build (the vector loop needs 32 values on AVX2, 64 on
     * AVX512) steps in the scalar lambda, in the type's arithmetic (1.13's values, its kernel is 2.x's).
     */
    @Test
    void linspaceOfHalfTypesUpToThirtyOneValuesStepsInTheType() {
        for (String dt : List.of("bfloat16", "float16")) {
            for (int k = 0; k < 3; k++) {
                String[] args = EXPECTED.get("linspace." + dt + "." + k + ".args").split(" ");
                EXPECTED.assertExact("linspace." + dt + "." + k, Tensor.linspace(Double.parseDouble(args[0]),
                        Double.parseDouble(args[1]), Integer.parseInt(args[2]), type(dt)));
            }
        }
    }

    /**
     * linspace of the half types with 32 to 100 values as 2.x computes it: 2.x's kernel has no vector path (1.13's
     * Vectorized::arange passes from 32 values on round apart in 5 to 35 of these values), every value the scalar
     * lambda in the type's arithmetic; the expected values from the generator's emulation of 2.x (linspace2x.py).
     */
    @Test
    void linspaceOfHalfTypesFromThirtyTwoValuesAs2x() {
        for (String dt : List.of("bfloat16", "float16")) {
            for (int k = 0; k < 4; k++) {
                String[] args = EXPECTED.get("linspace2x." + dt + "." + k + ".args").split(" ");
                EXPECTED.assertExact("linspace2x." + dt + "." + k, Tensor.linspace(Double.parseDouble(args[0]),
                        Double.parseDouble(args[1]), Integer.parseInt(args[2]), type(dt)));
            }
        }
    }

    /**
     * Regression (session 42): Ember fused every element of a float16/bfloat16 add with alpha; PyTorch's scalar path
     * (rows under 32 values on every build, the tail after whole vector passes, strided rows) rounds the product to the
     * type first. 40 and 100 values are AVX2's split (32 + 8, 96 + 4), this machine's PyTorch 1.13 bfloat16 values,
     * or on an AVX-512 machine (session 45: Ember follows the capability 2.x dispatches to) AVX512's (0 + 40, 64 + 36).
     */
    @Test
    void addWithAlphaTakesTheScalarPathOutsideWholeVectorPasses() {
        boolean avx512 = dev.ember.cpu.CpuBackend.cpuCapability().equals("AVX512");
        for (String dt : List.of("bfloat16", "float16")) {
            for (int n : new int[] {5, 17, 31, 40, 100}) {
                String key = "add." + dt + ".short." + n;
                String split = avx512 && (n == 40 || n == 100) ? key + ".avx512" : key;
                Tensor a = EXPECTED.tensor(key + ".a").to(type(dt));
                Tensor b = EXPECTED.tensor(key + ".b").to(type(dt));
                EXPECTED.assertExact(split + ".out", a.add(b, 0.3));
                EXPECTED.assertExact(split + ".sub", a.sub(b, 0.3));
                EXPECTED.assertExact(split + ".out", a.clone().add_(b, 0.3));
                EXPECTED.assertExact(split + ".sub", a.clone().sub_(b, 0.3));
            }
            Tensor a = EXPECTED.tensor("add." + dt + ".strided.a").to(type(dt));
            Tensor b = EXPECTED.tensor("add." + dt + ".strided.b").to(type(dt));
            Tensor as = a.slice(0, 0, 128, 2);
            Tensor bs = b.slice(0, 0, 128, 2);
            EXPECTED.assertExact("add." + dt + ".strided.out", as.add(bs, 0.3));
            EXPECTED.assertExact("add." + dt + ".strided.out", as.clone().add_(bs, 0.3));
        }
    }
}
