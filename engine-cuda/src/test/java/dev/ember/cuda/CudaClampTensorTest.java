package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * clamp with tensor bounds ({@code clamp(Tensor, Tensor)}, {@code clampMin(Tensor)}, {@code clampMax(Tensor)}) on CUDA
 * against the CPU reference, forward and the gradients of all three operands (maximum/minimum kernels and
 * comparisons; no kernel of its own): broadcast bounds, bounds crossing (min > max), float64, mixed types.
 */
@ExtendWith(CudaGate.class)
class CudaClampTensorTest {
    private static final Generator GEN = new Generator(2513);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }


    @TestFactory
    List<DynamicTest> clampWithTensorBounds() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("clamp broadcast bounds", a -> a[0].clamp(a[1], a[2]), r(4, 5), r(5), r(1, 5)));
        t.add(p("clamp bounds crossing", a -> a[0].clamp(a[1].add(1.0), a[2].sub(1.0)), r(3, 6), r(3, 6), r(6)));
        t.add(p("clamp min only", a -> a[0].clampMin(a[1]), r(2, 3, 4), r(3, 1)));
        t.add(p("clamp max only", a -> a[0].clampMax(a[1]), r(2, 3, 4), r(4)));
        t.add(p("clamp float64", a -> a[0].to(DType.FLOAT64).clamp(a[1].to(DType.FLOAT64), a[2].to(DType.FLOAT64)),
                r(4, 5), r(5), r(5)));
        t.add(p("clamp float32 input, float64 bounds", a -> a[0].clamp(a[1].to(DType.FLOAT64), a[2]), r(4, 5), r(5), r(5)));
        return t;
    }
}
