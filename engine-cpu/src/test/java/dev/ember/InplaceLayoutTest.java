package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * In-place kernels that write a transposed, permuted or channels-last tensor see every operand in that tensor's dense
 * order (so they write rows); the values must be what the same op gives on row-major copies, and the tensor keeps
 * its strides and storage. Gapped and expanded targets (not dense) keep the general path and are swept too.
 * The out-of-place ops the expectations come from are checked against PyTorch in their own tests.
 */
class InplaceLayoutTest {
    private static Tensor seq(DType dtype, int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    /** A target of the given kind, made fresh for each use. */
    private static Tensor target(String kind, DType dtype) {
        switch (kind) {
            case "transposed": return seq(dtype, 5, 7).t();
            case "permuted3": return seq(dtype, 3, 4, 5).permute(2, 0, 1);
            case "channelsLast": return seq(dtype, 2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            case "gapped": return seq(dtype, 5, 14).slice(1, 0, 14, 2);
            default: return seq(dtype, 7, 5);
        }
    }

    /** The other operand: row-major, or in the target's own layout, or broadcast. */
    private static Tensor other(String kind, int[] shape, DType dtype, String targetKind) {
        switch (kind) {
            case "sameLayout": return target(targetKind, dtype).mul(0.5).add(0.25);
            case "broadcast": {
                int[] s = new int[shape.length];
                java.util.Arrays.fill(s, 1);
                s[shape.length - 1] = shape[shape.length - 1];
                return seq(dtype, s).add(1.5);
            }
            default: return seq(dtype, shape).flip(0).add(0.75);
        }
    }

    private static void check(Tensor self, Tensor expected, java.util.function.UnaryOperator<Tensor> op) {
        int[] strides = self.stride();
        Tensor alias = self.detach(); // shares the storage: sees what the op writes there
        Tensor r = op.apply(self);
        assertSame(self, r);
        assertArrayEquals(strides, self.stride(), "strides kept");
        assertArrayEquals(expected.contiguous().toDoubleArray(), self.contiguous().toDoubleArray(), 0.0);
        assertArrayEquals(expected.contiguous().toDoubleArray(), alias.contiguous().toDoubleArray(), 0.0, "written in place");
    }

    @TestFactory
    List<DynamicTest> inPlaceOpsMatchRowMajorResults() {
        List<DynamicTest> tests = new ArrayList<>();
        String[] targets = {"transposed", "permuted3", "channelsLast", "gapped", "rowMajor"};
        String[] others = {"rowMajor", "sameLayout", "broadcast"};
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (String tk : targets) {
                for (String ok : others) {
                    String name = tk + " " + ok + " " + dtype.torchName();
                    tests.add(DynamicTest.dynamicTest("add_ " + name, () -> {
                        Tensor self = target(tk, dtype);
                        Tensor o = other(ok, self.shape(), dtype, tk);
                        check(self, self.contiguous().add(o), s -> s.add_(o));
                    }));
                    tests.add(DynamicTest.dynamicTest("sub_ alpha " + name, () -> {
                        Tensor self = target(tk, dtype);
                        Tensor o = other(ok, self.shape(), dtype, tk);
                        check(self, self.contiguous().sub(o, 3.0), s -> s.sub_(o, 3.0));
                    }));
                    tests.add(DynamicTest.dynamicTest("mul_ " + name, () -> {
                        Tensor self = target(tk, dtype);
                        Tensor o = other(ok, self.shape(), dtype, tk);
                        check(self, self.contiguous().mul(o), s -> s.mul_(o));
                    }));
                    tests.add(DynamicTest.dynamicTest("copy_ " + name, () -> {
                        Tensor self = target(tk, dtype);
                        Tensor o = other(ok, self.shape(), dtype, tk);
                        check(self, o.expand(self.shape()).contiguous(), s -> s.copy_(o));
                    }));
                    tests.add(DynamicTest.dynamicTest("atan2_ (computed, written back) " + name, () -> {
                        Tensor self = target(tk, dtype);
                        Tensor o = other(ok, self.shape(), dtype, tk);
                        check(self, self.contiguous().atan2(o), s -> s.atan2_(o));
                    }));
                }
                String name = tk + " " + dtype.torchName();
                tests.add(DynamicTest.dynamicTest("mul_ number " + name, () -> {
                    Tensor self = target(tk, dtype);
                    check(self, self.contiguous().mul(-2.5), s -> s.mul_(-2.5));
                }));
                tests.add(DynamicTest.dynamicTest("fill_ " + name, () -> {
                    Tensor self = target(tk, dtype);
                    check(self, self.contiguous().fullLike(4.5), s -> s.fill_(4.5));
                }));
                tests.add(DynamicTest.dynamicTest("fill_ tensor " + name, () -> {
                    Tensor self = target(tk, dtype);
                    Tensor v = Tensor.tensor(new double[] {-1.25}, dtype, Device.CPU).reshape();
                    check(self, self.contiguous().fullLike(-1.25), s -> s.fill_(v));
                }));
                tests.add(DynamicTest.dynamicTest("zero_ " + name, () -> {
                    Tensor self = target(tk, dtype);
                    check(self, self.contiguous().zerosLike(), Tensor::zero_);
                }));
                tests.add(DynamicTest.dynamicTest("exp_ (computed, written back) " + name, () -> {
                    Tensor self = target(tk, dtype);
                    check(self, self.contiguous().exp(), Tensor::exp_);
                }));
            }
        }
        return tests;
    }
}
