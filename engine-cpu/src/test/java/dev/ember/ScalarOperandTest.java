package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Java number in arithmetic reaches the kernel as an argument (no tensor is made for it); the results equal the
 * same op with the number as a 0-dim tensor of the operand's dtype, bit for bit: every dtype, each side of the
 * operator, comparisons, contiguous and strided operands, 0-dim, and a tensor large enough to be split over the pool.
 */
class ScalarOperandTest {
    private record Op(String name, BiFunction<Tensor, Double, Tensor> withNumber, BiFunction<Tensor, Tensor, Tensor> withTensor) {
    }

    private static final List<Op> FLOAT_OPS = List.of(
            new Op("add", Tensor::add, Tensor::add),
            new Op("sub", Tensor::sub, Tensor::sub),
            new Op("rsub", Tensor::rsub, (x, s) -> s.sub(x)),
            new Op("mul", Tensor::mul, Tensor::mul),
            new Op("div", Tensor::div, Tensor::div),
            new Op("rdiv", Tensor::rdiv, (x, s) -> s.div(x)),
            new Op("eq", Tensor::eq, Tensor::eq),
            new Op("ne", Tensor::ne, Tensor::ne),
            new Op("lt", Tensor::lt, Tensor::lt),
            new Op("le", Tensor::le, Tensor::le),
            new Op("gt", Tensor::gt, Tensor::gt),
            new Op("ge", Tensor::ge, Tensor::ge));

    private static List<Tensor> operands(DType dtype) {
        Generator g = new Generator(5);
        // rounded values so that comparisons meet equal numbers; zeros for the divisions
        Tensor small = Tensor.randn(g, DType.FLOAT64, 3, 5).mul(2).round().to(dtype);
        Tensor strided = Tensor.randn(g, DType.FLOAT64, 5, 3).mul(2).round().to(dtype).t();
        Tensor large = Tensor.randn(g, DType.FLOAT64, 300, 300).mul(2).round().to(dtype);
        Tensor scalar = Tensor.full(DType.FLOAT64, -1.0).to(dtype);
        return List.of(small, strided, large, scalar);
    }

    @TestFactory
    List<DynamicTest> floatingOperandsMatchA0DimTensor() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Op op : FLOAT_OPS) {
                tests.add(DynamicTest.dynamicTest(dtype + " " + op.name(), () -> {
                    for (Tensor x : operands(dtype)) {
                        for (double v : new double[] {1.0, -0.5, 0.0, 3.0}) {
                            Tensor got = op.withNumber().apply(x, v);
                            Tensor want = op.withTensor().apply(x, Tensor.full(dtype, v));
                            assertEquals(want.dtype(), got.dtype(), op.name());
                            assertArrayEquals(want.shape(), got.shape(), op.name());
                            assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(),
                                    op.name() + " " + v + " on " + java.util.Arrays.toString(x.shape()));
                        }
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> integerOperandsMatchA0DimTensor() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("int64 add, sub, mul with a long", () -> {
            for (Tensor x : operands(DType.INT64)) {
                for (long v : new long[] {2, -3, 0}) {
                    Tensor s = Tensor.full(DType.INT64, v);
                    assertArrayEquals(x.add(s).toLongArray(), x.add(v).toLongArray());
                    assertArrayEquals(x.sub(s).toLongArray(), x.sub(v).toLongArray());
                    assertArrayEquals(x.mul(s).toLongArray(), x.mul(v).toLongArray());
                    assertEquals(DType.INT64, x.mul(v).dtype());
                }
            }
        }));
        tests.add(DynamicTest.dynamicTest("int64 with a double promotes to float32", () -> {
            for (Tensor x : operands(DType.INT64)) {
                Tensor got = x.mul(0.5);
                assertEquals(DType.FLOAT32, got.dtype());
                assertArrayEquals(x.to(DType.FLOAT32).mul(Tensor.full(DType.FLOAT32, 0.5)).toDoubleArray(),
                        got.toDoubleArray());
                assertArrayEquals(x.to(DType.FLOAT32).gt(Tensor.full(DType.FLOAT32, 0.5)).toBooleanArray(),
                        x.gt(0.5).toBooleanArray());
            }
        }));
        return tests;
    }
}
