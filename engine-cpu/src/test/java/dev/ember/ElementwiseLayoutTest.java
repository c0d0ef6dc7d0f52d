package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Elementwise results keep their operands' memory layout as PyTorch's TensorIterator allocates them (unary ops and
 * activations, casts, binary ops with broadcasting and Java numbers, comparisons, {@code where}; transposed,
 * channels-last 4-D/5-D, expanded, gapped, size-1 and empty inputs, mixed layouts where the first operand that
 * orders two dimensions decides; in-place ops keep self's layout), and gradients through a chain of elementwise ops
 * come back in PyTorch's layout: strides and values as {@code elementwiselayout/make_expected.py} (PyTorch) wrote them.
 */
class ElementwiseLayoutTest {
    private static Tensor seq(int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    private static Tensor base(String kind) {
        if (kind.startsWith("int_")) {
            return base(kind.substring(4)).mul(4L).to(DType.INT64);
        }
        if (kind.startsWith("pos_")) {
            return base(kind.substring(4)).gt(0L);
        }
        switch (kind) {
            case "t": return seq(3, 4).t();
            case "rowmajor": return seq(4, 3);
            case "gaps": return seq(4, 6).slice(1, 0, 6, 2);
            case "expanded": return seq(4, 1).expand(4, 3);
            case "vec3": return seq(3);
            case "col4": return seq(4, 1);
            case "cl4": return seq(2, 3, 4, 4).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            case "c4": return seq(2, 3, 4, 4);
            case "bias3": return seq(3, 1, 1);
            case "row4": return seq(4);
            case "cl5": return seq(1, 3, 2, 3, 3).permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);
            case "t4": return seq(1, 2, 3, 4).transpose(2, 3);
            case "t3": return seq(2, 4, 3).transpose(1, 2);
            case "c3": return seq(2, 3, 4);
            case "c3p": return seq(4, 2, 3);
            case "permuted3": return seq(2, 3, 4).permute(2, 0, 1);
            case "s1": return seq(4, 1, 3).permute(2, 1, 0);
            case "s1row": return seq(3, 1, 4);
            case "nc11": return seq(2, 1, 1, 3).permute(0, 3, 1, 2);
            case "emptyt": return seq(0, 3).t();
            case "scalar0": return Tensor.scalar(1.5);
            default: throw new IllegalArgumentException(kind);
        }
    }

    private static Tensor apply(String op, Tensor[] x) {
        switch (op) {
            case "relu": return x[0].relu();
            case "sigmoid": return x[0].sigmoid();
            case "gelu": return Functional.gelu(x[0]);
            case "neg": return x[0].neg();
            case "exp": return x[0].exp();
            case "sin": return x[0].sin();
            case "abs": return x[0].abs();
            case "to_f32": return x[0].to(DType.FLOAT32);
            case "to_i64": return x[0].to(DType.INT64);
            case "add": return x[0].add(x[1]);
            case "add_alpha": return x[0].add(x[1], 2);
            case "sub": return x[0].sub(x[1]);
            case "mul": return x[0].mul(x[1]);
            case "div": return x[0].div(x[1]);
            case "maximum": return x[0].maximum(x[1]);
            case "pow": return x[0].pow(x[1]);
            case "gt": return x[0].gt(x[1]);
            case "eq": return x[0].eq(x[1]);
            case "add_scalar": return x[0].add(1.5);
            case "rsub_scalar": return x[0].rsub(2L);
            case "mul_scalar": return x[0].mul(3L);
            case "pow2": return x[0].pow(2L);
            case "gt_scalar": return x[0].gt(0L);
            case "where": return Tensor.where(x[0], x[1], x[2]);
            case "where_scalar": return Tensor.where(x[0], x[1], 0.0);
            case "leaky_relu": return Functional.leakyRelu(x[0], 0.1);
            case "silu": return Functional.silu(x[0]);
            case "elu": return Functional.elu(x[0]);
            case "softplus": return Functional.softplus(x[0]);
            case "hardtanh": return Functional.hardtanh(x[0]);
            case "hardswish": return Functional.hardswish(x[0]);
            case "mish": return Functional.mish(x[0]);
            case "logsigmoid": return Functional.logsigmoid(x[0]);
            case "tanh": return x[0].tanh();
            case "sqrt": return x[0].sqrt();
            case "square": return x[0].square();
            case "sign": return x[0].sign();
            case "isnan": return x[0].isnan();
            case "isreal": return x[0].isreal();
            case "logical_not": return x[0].logicalNot();
            case "clamp": return x[0].clamp(-1L, 1L);
            case "pow0": return x[0].pow(0L);
            case "pow1": return x[0].pow(1L);
            case "nan_to_num": return x[0].nanToNum();
            case "atan2": return x[0].atan2(x[1]);
            case "fmod": return x[0].fmod(x[1]);
            case "floor_divide": return x[0].floorDivide(x[1]);
            case "bitwise_and": return x[0].bitwiseAnd(x[1]);
            case "xlogy": return x[0].xlogy(x[1]);
            case "lerp": return x[0].lerp(x[1], 0.3);
            case "lerp_tensor": return x[0].lerp(x[1], x[2]);
            case "addcmul": return x[0].addcmul(x[1], x[2], 0.5);
            case "add_": return x[0].clone().add_(x[1]);
            case "mul_": return x[0].clone().mul_(x[1]);
            case "relu_": return x[0].clone().relu_();
            case "chain": {
                Tensor in = x[0].clone().requiresGrad_(true);
                Tensor y = chain(in);
                return Autograd.grad(List.of(y), List.of(in), List.of(x[1]), false).get(0);
            }
            default: throw new IllegalArgumentException(op);
        }
    }

    /** make_expected.py's chain: sigmoid(x) * x + relu(x) * 0.5 - exp(x) / 4. */
    private static Tensor chain(Tensor x) {
        return x.sigmoid().mul(x).add(x.relu().mul(0.5)).sub(x.exp().div(4.0));
    }

    /** Python's float repr ({@code nan}, {@code inf}) as a double. */
    private static double parse(String v) {
        switch (v) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(v);
        }
    }

    private static double[] values(String text) {
        return text.isEmpty() ? new double[0] : Arrays.stream(text.split(",")).mapToDouble(ElementwiseLayoutTest::parse).toArray();
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ElementwiseLayoutTest.class.getResourceAsStream("/elementwiselayout/expected.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\\|", -1);
                tests.add(DynamicTest.dynamicTest(f[0], () -> {
                    String[] kinds = f[2].split(",");
                    Tensor[] in = new Tensor[kinds.length];
                    for (int i = 0; i < kinds.length; i++) {
                        in[i] = base(kinds[i]);
                    }
                    Tensor y = apply(f[1], in);
                    int[] strides = Arrays.stream(f[3].split(",")).mapToInt(Integer::parseInt).toArray();
                    assertArrayEquals(strides, y.stride(), "strides");
                    Tensor v = y.dtype() == DType.FLOAT64 ? y : y.to(DType.FLOAT64);
                    assertArrayEquals(values(f[4]), v.detach().contiguous().toDoubleArray(), 1e-12, "values");
                }));
            }
        }
        return tests;
    }

    @Test
    void channelsLastFlagsAndViews() {
        Tensor cl = base("cl4");
        Tensor y = cl.relu().mul(2L).sigmoid();
        // channels-last in, channels-last out: not row-major, so view(-1) over it is refused as in PyTorch
        assertFalse(y.isContiguous());
        assertArrayEquals(cl.stride(), y.stride());
        // a transposed product is "transposed contiguous": its transpose is row-major
        Tensor p = base("t").mul(base("t"));
        assertTrue(p.t().isContiguous());
        assertArrayEquals(p.t().contiguous().toDoubleArray(), p.t().view(-1).toDoubleArray(), 0);
    }
}
