package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep of tensors of every dtype and rank, special values, summarization, line wrapping and autograd suffixes:
 * {@code toString()} must print exactly what PyTorch's {@code repr} prints (expected output and the exact element
 * bits from printingsweep/make_expected.py).
 */
class PrintingSweepTest {

    private record Case(String name, DType dtype, int[] shape, String op, String[] data, String expected) {
    }

    private static List<Case> cases() throws IOException {
        String text;
        try (InputStream in = PrintingSweepTest.class.getResourceAsStream("/printingsweep/expected.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            if (!lines[i].startsWith("=== ")) {
                i++;
                continue;
            }
            String name = lines[i].substring(4);
            String[] spec = lines[i + 1].split(" ", -1); // spec dtype shape op
            assertEquals("spec", spec[0], name);
            DType dtype = DType.valueOf(spec[1].toUpperCase());
            int[] shape = spec[2].isEmpty() ? new int[0]
                    : java.util.Arrays.stream(spec[2].split(",")).mapToInt(Integer::parseInt).toArray();
            String op = spec[3];
            String dataLine = lines[i + 2];
            assertTrue(dataLine.startsWith("data"), name);
            String[] data = dataLine.length() <= 5 ? new String[0] : dataLine.substring(5).split(" ");
            StringBuilder body = new StringBuilder();
            i += 3;
            while (i < lines.length && !lines[i].startsWith("=== ")) {
                body.append(lines[i]).append('\n');
                i++;
            }
            out.add(new Case(name, dtype, shape, op, data, body.toString().stripTrailing()));
        }
        return out;
    }

    static Tensor build(DType dtype, int[] shape, String[] data) {
        int n = data.length;
        Tensor flat;
        switch (dtype) {
            case BOOL: {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = data[i].equals("1");
                }
                flat = Tensor.tensor(a);
                break;
            }
            case UINT8: case INT8: case INT16: case INT32: case INT64: {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Long.parseLong(data[i]);
                }
                flat = Tensor.tensor(a, dtype);
                break;
            }
            case FLOAT16: case BFLOAT16: {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) Integer.parseInt(data[i], 16);
                }
                return Tensor.fromHalfBits(a, dtype, shape);
            }
            case FLOAT32: {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(data[i], 16));
                }
                flat = Tensor.tensor(a, dtype);
                break;
            }
            case FLOAT64: {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Double.longBitsToDouble(Long.parseUnsignedLong(data[i], 16));
                }
                flat = Tensor.tensor(a, dtype);
                break;
            }
            default:
                throw new IllegalArgumentException(dtype.toString());
        }
        assertEquals(dtype, flat.dtype());
        return flat.reshape(shape).contiguous();
    }

    static Tensor apply(String op, Tensor t) {
        switch (op) {
            case "none": return t;
            case "tplain": return t.t();
            case "permplain": {
                int[] dims = new int[t.dim()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = dims.length - 1 - i;
                }
                return t.permute(dims);
            }
            case "narrowplain": return t.narrow(0, 1, t.shape()[0] - 2);
            case "selectplain": return t.select(0, 1);
            case "expandplain": {
                int[] s = new int[t.dim() + 1];
                s[0] = 3;
                System.arraycopy(t.shape(), 0, s, 1, t.dim());
                return t.unsqueeze(0).expand(s);
            }
            case "param": return t.asParameter();
            default: break;
        }
        Tensor x = t.requiresGrad_(true);
        switch (op) {
            case "rg": return x;
            case "add": return x.add(x);
            case "sub": return x.sub(x);
            case "mul2": return x.mul(2L);
            case "div2": return x.div(2L);
            case "neg": return x.neg();
            case "sum": return x.sum();
            case "view": return x.view(-1);
            case "t": return x.t();
            case "relu": return x.relu();
            case "abs": return x.abs();
            case "clone": return x.clone();
            case "unsqueeze0": return x.unsqueeze(0);
            case "select0": return x.select(0, 0);
            case "add1": return x.add(1.0);
            case "pow2": return x.pow(2L);
            case "expand": {
                int[] s = new int[x.dim() + 1];
                s[0] = 2;
                System.arraycopy(x.shape(), 0, s, 1, x.dim());
                return x.unsqueeze(0).expand(s);
            }
            default: throw new IllegalArgumentException("unknown op " + op);
        }
    }

    @TestFactory
    List<DynamicTest> printsLikePyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                Tensor t = apply(c.op(), build(c.dtype(), c.shape(), c.data()));
                assertEquals(c.expected(), t.toString(), c.name());
            }));
        }
        return tests;
    }
}
