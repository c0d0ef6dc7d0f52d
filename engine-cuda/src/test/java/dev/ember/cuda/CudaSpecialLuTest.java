package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.LuResult;
import dev.ember.Special;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Session 19's torch.special Bessel functions and orthogonal polynomials (computed on the host: a CUDA tensor's result
 * must come back to the GPU, equal to the CPU's bit for bit, not requiring grad) and linalg.lu / lu_factor of
 * non-square matrices on CUDA against the CPU, forward and backward, wide, tall, batched and non-contiguous.
 */
@ExtendWith(CudaGate.class)
class CudaSpecialLuTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(DType dtype, int... shape) {
        return Tensor.rand(GEN, dtype, shape).mul(12.0).sub(4.0);
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    private static void sameOnGpu(String name, Function<Tensor[], Tensor> f, Tensor... cpu) {
        Tensor[] gpu = new Tensor[cpu.length];
        for (int i = 0; i < cpu.length; i++) {
            gpu[i] = cpu[i].to(GPU).requiresGrad_(cpu[i].dtype().isFloatingPoint());
        }
        Tensor want = f.apply(cpu);
        Tensor got = f.apply(gpu);
        assertEquals(GPU, got.device(), name);
        assertEquals(want.dtype(), got.dtype(), name);
        assertArrayEquals(want.shape(), got.shape(), name);
        assertArrayEquals(want.toDoubleArray(), got.cpu().toDoubleArray(), name);
        assertFalse(got.requiresGrad(), name);
    }

    @TestFactory
    List<DynamicTest> besselAndPolynomials() {
        List<DynamicTest> t = new ArrayList<>();
        List<Function<Tensor, Tensor>> unary = List.of(Special::airyAi, Special::besselJ0, Special::besselJ1,
                Special::besselY0, Special::besselY1, Special::modifiedBesselI0, Special::modifiedBesselI1,
                Special::modifiedBesselK0, Special::modifiedBesselK1, Special::scaledModifiedBesselK0,
                Special::scaledModifiedBesselK1, Special::sphericalBesselJ0);
        for (int i = 0; i < unary.size(); i++) {
            Function<Tensor, Tensor> f = unary.get(i);
            String name = "unary " + i;
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                t.add(DynamicTest.dynamicTest(name + " " + dtype, () -> {
                    sameOnGpu(name, a -> f.apply(nc(a[0])), r(dtype, 7, 5));
                    sameOnGpu(name + " empty", a -> f.apply(a[0]), r(dtype, 0, 3));
                }));
            }
        }
        t.add(DynamicTest.dynamicTest("integer input", () -> sameOnGpu("bessel_j0 int64", a -> Special.besselJ0(a[0]),
                Tensor.arange(-3, 9, 1, DType.INT64))));
        List<java.util.function.BiFunction<Tensor, Tensor, Tensor>> poly = List.of(Special::chebyshevPolynomialT,
                Special::chebyshevPolynomialU, Special::chebyshevPolynomialV, Special::chebyshevPolynomialW,
                Special::shiftedChebyshevPolynomialT, Special::shiftedChebyshevPolynomialU,
                Special::shiftedChebyshevPolynomialV, Special::shiftedChebyshevPolynomialW, Special::hermitePolynomialH,
                Special::hermitePolynomialHe, Special::laguerrePolynomialL, Special::legendrePolynomialP);
        for (int i = 0; i < poly.size(); i++) {
            java.util.function.BiFunction<Tensor, Tensor, Tensor> f = poly.get(i);
            String name = "polynomial " + i;
            t.add(DynamicTest.dynamicTest(name, () -> {
                Tensor n = Tensor.arange(-1, 11, 1, DType.FLOAT32);
                sameOnGpu(name, a -> f.apply(a[0].div(4.0), a[1]), r(DType.FLOAT32, 3, 1), n);
                sameOnGpu(name + " float64", a -> f.apply(a[0].div(4.0), a[1]), r(DType.FLOAT64, 3, 12),
                        n.to(DType.FLOAT64));
            }));
        }
        t.add(DynamicTest.dynamicTest("polynomial with a number n", () -> sameOnGpu("legendre n = 7",
                a -> Special.legendrePolynomialP(a[0].div(4.0), 7), r(DType.FLOAT32, 4, 3))));
        return t;
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
    }

    private static Tensor both(Tensor a) {
        LuResult r = a.linalgLu();
        return Tensor.cat(List.of(r.L().flatten(), r.U().flatten()), 0);
    }

    @TestFactory
    List<DynamicTest> rectangularLu() {
        List<DynamicTest> t = new ArrayList<>();
        for (int[] s : new int[][] {{3, 6}, {6, 3}, {2, 4, 5}, {2, 5, 4}, {1, 4}, {4, 1}}) {
            String at = java.util.Arrays.toString(s);
            t.add(p("lu L and U " + at, a -> both(a[0]), r(DType.FLOAT64, s)));
            t.add(p("lu P " + at, a -> a[0].linalgLu().P(), r(DType.FLOAT64, s)));
            t.add(p("lu U non-contiguous " + at, a -> nc(a[0]).linalgLu().U(), r(DType.FLOAT64, s)));
            t.add(p("lu_factor " + at, a -> a[0].linalgLuFactor().LU(), r(DType.FLOAT64, s)));
            t.add(p("lu_factor float32 " + at, a -> a[0].linalgLuFactor().LU(), r(DType.FLOAT32, s)));
        }
        return t;
    }

    @Test
    void pivotsMatchTheCpus() {
        Tensor a = r(DType.FLOAT64, 3, 7, 4);
        assertArrayEquals(a.linalgLuFactor().pivots().toLongArray(), a.to(GPU).linalgLuFactor().pivots().cpu().toLongArray());
        Tensor b = r(DType.FLOAT64, 3, 4, 7);
        assertArrayEquals(b.linalgLuFactor().pivots().toLongArray(), b.to(GPU).linalgLuFactor().pivots().cpu().toLongArray());
    }
}
