package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The engine fixes round 11 of the differential fuzz ({@code differentialfuzzr11/make_cases.py}: the integer and bool
 * dtypes' corners) led to, each pinned on its own, with PyTorch 1.13's values (2.x's alike, see each test).
 */
class FuzzRound11FixesTest {
    private static Tensor uint8(long[] v, int... shape) {
        return Tensor.tensor(v, DType.INT64, Device.CPU).to(DType.UINT8).reshape(shape);
    }

    @Test
    void indexAddOfUint8TakesANegativeIntegerAlphaAsPyTorchsPythonInt() {
        // torch.index_add(u, 0, [0, 0, 1], s, alpha=-1): c10's checked conversion lets a negative Python int down to
        // -255 wrap for uint8 (a - b as a + 255 b); Ember refused it as a double
        Tensor u = uint8(new long[] {10, 1, 2, 254}, 2, 2);
        Tensor s = uint8(new long[] {3, 4, 5, 6, 255, 7}, 3, 2);
        Tensor index = Tensor.tensor(new long[] {0, 0, 1}, DType.INT64, Device.CPU);
        Tensor out = u.indexAdd(0, index, s, -1.0);
        assertEquals(DType.UINT8, out.dtype());
        assertArrayEquals(new long[] {2, 247, 3, 247}, out.toLongArray());
        // the one-dimensional kernel converts alpha itself: -255 is the lowest that fits
        Tensor v = uint8(new long[] {10, 1, 2}, 3);
        Tensor vs = uint8(new long[] {3, 200}, 2);
        Tensor vi = Tensor.tensor(new long[] {2, 0}, DType.INT64, Device.CPU);
        assertArrayEquals(new long[] {210, 1, 5}, v.indexAdd(0, vi, vs, -255.0).toLongArray());
        Tensor w = v.clone();
        w.indexAdd_(0, vi, vs, -1.0);
        assertArrayEquals(new long[] {66, 1, 255}, w.toLongArray());
        // beyond -255, and a fractional alpha (a Python float), do not fit; the inputs stay as they were
        for (double alpha : new double[] {-256.0, -1.5}) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> w.indexAdd_(0, vi, vs, alpha));
            assertEquals("value cannot be converted to type uint8_t without overflow", e.getMessage());
        }
        assertArrayEquals(new long[] {66, 1, 255}, w.toLongArray());
    }

    @Test
    void inPlaceIntegerDivisionChecksShapeAndTypeBeforeTheDivisorsZeros() {
        // PyTorch's iterator refuses the output's shape, then a promoted type it cannot cast into self's, before the
        // kernel's ZeroDivisionError (1.13 and 2.x: the checks are the iterator's, the division by zero the kernel's);
        // Ember divided first and answered "ZeroDivisionError"
        String cast = "result type Long can't be cast to the desired output type Bool";
        Tensor zero = Tensor.tensor(new long[] {0, 1}, DType.INT64, Device.CPU);
        List<Function<Tensor, Tensor>> bools = List.of(b -> b.div_(0L, "trunc"), b -> b.div_(0L, "floor"),
                b -> b.div_(zero, "floor"), b -> b.remainder_(0L), b -> b.remainder_(zero), b -> b.fmod_(0L),
                b -> b.fmod_(zero), b -> b.floorDivide_(0L), b -> b.floorDivide_(zero));
        for (Function<Tensor, Tensor> op : bools) {
            Tensor b = Tensor.tensor(new boolean[] {true, false}, DType.BOOL, Device.CPU);
            RuntimeException e = assertThrows(RuntimeException.class, () -> op.apply(b));
            assertEquals(cast, e.getMessage());
            assertArrayEquals(new long[] {1, 0}, b.toLongArray());
        }
        // the shape before the zeros: int8 [1] by int8 [2] zeros
        Tensor zeros = Tensor.zeros(2).to(DType.INT8);
        List<Function<Tensor, Tensor>> shapes = List.of(x -> x.floorDivide_(zeros), x -> x.remainder_(zeros),
                x -> x.fmod_(zeros), x -> x.div_(zeros, "trunc"));
        for (Function<Tensor, Tensor> op : shapes) {
            Tensor x = Tensor.tensor(new long[] {5}, DType.INT64, Device.CPU).to(DType.INT8);
            RuntimeException e = assertThrows(RuntimeException.class, () -> op.apply(x));
            assertEquals("output with shape [1] doesn't match the broadcast shape [2]", e.getMessage());
            assertArrayEquals(new long[] {5}, x.toLongArray());
        }
        // an int8 self with an int64 divisor casts (same category): the kernel's refusal
        Tensor x = Tensor.tensor(new long[] {5, 6}, DType.INT64, Device.CPU).to(DType.INT8);
        RuntimeException e = assertThrows(RuntimeException.class, () -> x.floorDivide_(zero));
        assertEquals("ZeroDivisionError", e.getMessage());
    }

    @Test
    void integerArangeAndLinspaceConvertTheirNumbersFirstAsPyTorch() {
        // arange of an integer type converts start, end and step to int64 first (2.x's RangeFactories.cpp, as 1.13):
        // step 2.5 is 2, 1.5 is 1; int64's length comes from the converted numbers, the narrower types' from the
        // numbers as given; Ember stepped in double and truncated each value
        assertArrayEquals(new long[] {-5, -3, -1, 1}, Tensor.arange(-5.0, 5.0, 2.5, DType.INT32).toLongArray());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, Tensor.arange(0.0, 5.0, 1.5, DType.INT64).toLongArray());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, Tensor.arange(0.0, 5.5, 1.0, DType.INT32).toLongArray());
        // Python ints stay exact beyond 2^53
        long big = 1L << 62;
        assertArrayEquals(new long[] {big, big + 3, big + 6, big + 9}, Tensor.arange(big, big + 10, 3).toLongArray());
        // linspace converts both ends to the type, then steps in double and truncates: from 0 and 9, and from
        // uint8 255 (a Python int -1) down to 3
        assertArrayEquals(new long[] {0, 2, 4, 6, 9}, Tensor.linspace(0.5, 9.5, 5, DType.INT64).toLongArray());
        assertArrayEquals(new long[] {255, 192, 129, 66, 3}, Tensor.linspace(-1, 3, 5, DType.UINT8).toLongArray());
        // refusals: a step truncated to zero, bool (no kernel), an end beyond the type
        RuntimeException e = assertThrows(RuntimeException.class, () -> Tensor.arange(0.0, 1.0, 0.3, DType.INT64));
        assertEquals("step must be nonzero", e.getMessage());
        e = assertThrows(RuntimeException.class, () -> Tensor.arange(5L, DType.BOOL));
        assertEquals("\"arange_cpu\" not implemented for 'Bool'", e.getMessage());
        e = assertThrows(RuntimeException.class, () -> Tensor.linspace(0, 1, 3, DType.BOOL));
        assertEquals("\"linspace_cpu\" not implemented for 'Bool'", e.getMessage());
        e = assertThrows(RuntimeException.class, () -> Tensor.linspace(0, 300, 3, DType.INT8));
        assertEquals("value cannot be converted to type int8_t without overflow", e.getMessage());
    }

    @Test
    void cumsumAndCumprodToBoolHaveNoKernelAsInPyTorch() {
        // torch.cumsum(x, 1, dtype=torch.bool): the scan kernel runs on x converted to bool and has no bool case
        // ("cumsum_out_cpu" not implemented for 'Bool', 1.13 and 2.x); Ember gave a running logical or
        Tensor x = Tensor.tensor(new long[] {0, 1, 2, 0}, DType.INT64, Device.CPU).to(DType.INT8).reshape(2, 2);
        RuntimeException e = assertThrows(RuntimeException.class, () -> x.cumsum(1, DType.BOOL));
        assertEquals("\"cumsum_out_cpu\" not implemented for 'Bool'", e.getMessage());
        e = assertThrows(RuntimeException.class, () -> x.cumprod(0, DType.BOOL));
        assertEquals("\"cumprod_out_cpu\" not implemented for 'Bool'", e.getMessage());
        // a 0-dim input is filled, an empty one zeroed, without the kernel: both answer
        Tensor scalar = Tensor.tensor(new long[] {3}, DType.INT64, Device.CPU).reshape();
        assertEquals(DType.BOOL, scalar.cumsum(0, DType.BOOL).dtype());
        assertArrayEquals(new long[] {1}, scalar.cumprod(0, DType.BOOL).toLongArray());
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).cumsum(1, DType.BOOL).shape());
    }
}
