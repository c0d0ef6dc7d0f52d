package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.logcumsumexp} of complex64 and complex128 tensors against PyTorch 2.x's CPU kernel and its complex
 * backward ({@code complexlogcumsumexp/make_expected.py} emulates 2.x's source, since 1.13 refuses complex inputs; its
 * header names the functions read): values along every dimension, non-contiguous and 0-dim and empty inputs, real parts
 * far apart, imaginary parts past pi (the scan's order fixes their branch), infinities, NaN in either part, zeros; the
 * gradient of a seeded upstream; and gradcheck / gradgradcheck through the real views.
 */
class ComplexLogcumsumexpTest {
    private record Case(String name, DType dtype, int[] shape, boolean transposed, int dim, double[] x, double[] y,
                        double[] g, double[] grad) {
    }

    private static List<Case> cases() throws IOException {
        String text;
        try (InputStream in = ComplexLogcumsumexpTest.class.getResourceAsStream("/complexlogcumsumexp/expected.txt")) {
            assertNotNull(in, "complexlogcumsumexp/expected.txt on the test class path");
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        List<Case> out = new ArrayList<>();
        Map<String, String> block = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.equals("end")) {
                out.add(new Case(block.get("case"), block.get("dtype").equals("complex64") ? DType.COMPLEX64
                        : DType.COMPLEX128, ints(block.get("shape")), block.get("view").equals("t01"),
                        Integer.parseInt(block.get("dim")), doubles(block.get("x")), doubles(block.get("y")),
                        doubles(block.get("g")), doubles(block.get("grad"))));
                block.clear();
                continue;
            }
            int space = line.indexOf(' ');
            block.put(space < 0 ? line : line.substring(0, space), space < 0 ? "" : line.substring(space + 1));
        }
        return out;
    }

    private static int[] ints(String s) {
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static double[] doubles(String s) {
        return s == null ? null : s.isEmpty() ? new double[0]
                : Arrays.stream(s.split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    /** A complex tensor of the logical shape with these pairs; transposed: a non-contiguous (0, 1) transpose. */
    private static Tensor complexOf(double[] pairs, int[] shape, DType dtype, boolean transposed) {
        int[] withParts = Arrays.copyOf(shape, shape.length + 1);
        withParts[shape.length] = 2;
        Tensor z = Tensor.fromArray(pairs).reshape(withParts).viewAsComplex().to(dtype);
        if (transposed) {
            z = z.transpose(0, 1).contiguous().transpose(0, 1);
            assertFalse(z.isContiguous());
        }
        return z;
    }

    private static void assertClose(String what, double[] expected, double[] actual, double rel, double abs) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(a)
                    : Double.isInfinite(e) ? e == a : Math.abs(a - e) <= rel * Math.abs(e) + abs;
            assertTrue(ok, what + ": element " + i + " (" + (i % 2 == 0 ? "real" : "imaginary") + " part) expected " + e
                    + " got " + a);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                boolean grad = c.g() != null;
                Tensor x = complexOf(c.x(), c.shape(), c.dtype(), c.transposed());
                if (grad) {
                    x = x.detach().requiresGrad_(true);
                }
                Tensor y = x.logcumsumexp(c.dim());
                assertEquals(c.dtype(), y.dtype());
                assertArrayEquals(c.shape(), y.shape());
                // complex64: the double scan rounded once per part, so within an ulp of float; complex128: the C
                // library's exp / log against Java's, a few ulps over a line
                boolean single = c.dtype() == DType.COMPLEX64;
                assertClose(c.name(), c.y(), y.detach().viewAsReal().toDoubleArray(), single ? 2.5e-7 : 1e-12,
                        single ? 1e-37 : 1e-14);
                if (grad) {
                    assertEquals("LogcumsumexpBackward0", y.gradFn().name());
                    y.backward(complexOf(c.g(), c.shape(), DType.COMPLEX128, false));
                    assertClose(c.name() + " gradient", c.grad(), x.grad().viewAsReal().toDoubleArray(), 1e-10, 1e-12);
                }
            }));
        }
        assertTrue(tests.size() >= 20, "cases read: " + tests.size());
        return tests;
    }

    @Test
    void gradcheckThroughRealViews() {
        // as a function of the real view of a complex float64 input: the Wirtinger derivatives PyTorch's gradcheck takes
        Tensor a = ComplexTest.seq(3, 3, 4, 2).mul(0.7).add(0.1).toDouble().requiresGrad_(true);
        Tensor wide = ComplexTest.seq(5, 2, 5, 2).mul(2.5).toDouble().requiresGrad_(true);
        for (int dim : new int[] {0, 1, -1}) {
            assertTrue(Autograd.gradcheck(t -> ComplexTest.cz(t[0]).logcumsumexp(dim).viewAsReal(), a), "dim " + dim);
            assertTrue(Autograd.gradgradcheck(t -> ComplexTest.cz(t[0]).logcumsumexp(dim).viewAsReal(), a),
                    "dim " + dim);
        }
        assertTrue(Autograd.gradcheck(t -> ComplexTest.cz(t[0]).logcumsumexp(1).viewAsReal(), wide));
    }

    @Test
    void badDimensionIsPyTorchsMessage() {
        Tensor z = complexOf(new double[] {1, 2, 3, 4}, new int[] {2}, DType.COMPLEX64, false);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> z.logcumsumexp(1));
        assertEquals("Dimension out of range (expected to be in range of [-1, 0], but got 1)", e.getMessage());
    }
}
