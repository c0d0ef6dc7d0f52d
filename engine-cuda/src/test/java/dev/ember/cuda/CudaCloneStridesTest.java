package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * clone() on CUDA keeps the layout as on the CPU (PyTorch's preserve_format, which CloneStridesTest checks against
 * PyTorch): transposed, permuted, channels-last, sliced with gaps, expanded, 0-dim and empty views give the CPU clone's
 * strides and values, and clone's values and gradients (through a product, so the layout reaches a kernel) match the
 * CPU's; contiguous() stays row-major, and a kept layout reshapes (through a contiguous copy) as on the CPU.
 */
@ExtendWith(CudaGate.class)
class CudaCloneStridesTest {
    private static final Generator GEN = new Generator(2032);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    private static Tensor channelsLast(Tensor t) {
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    private static final List<Object[]> LAYOUTS = List.of(
            new Object[] {"transposed", (UnaryOperator<Tensor>) Tensor::t, new int[] {5, 7}},
            new Object[] {"permuted", (UnaryOperator<Tensor>) t -> t.permute(2, 0, 3, 1), new int[] {2, 3, 4, 5}},
            new Object[] {"channels-last", (UnaryOperator<Tensor>) CudaCloneStridesTest::channelsLast, new int[] {2, 3, 4, 5}},
            new Object[] {"channels-last sliced", (UnaryOperator<Tensor>) t -> channelsLast(t).slice(1, 0, 3, 2),
                new int[] {2, 3, 4, 5}},
            new Object[] {"transposed, sliced with gaps", (UnaryOperator<Tensor>) t -> t.t().slice(1, 0, 6, 2), new int[] {6, 5}},
            new Object[] {"expanded, permuted", (UnaryOperator<Tensor>) t -> t.expand(4, 3, 5).permute(2, 1, 0), new int[] {4, 1, 5}},
            new Object[] {"0-dim", (UnaryOperator<Tensor>) t -> t.select(0, 1), new int[] {3}},
            new Object[] {"empty transposed", (UnaryOperator<Tensor>) Tensor::t, new int[] {0, 3}});

    @Test
    void theDeviceCloneKeepsTheCpuClonesLayout() {
        for (Object[] c : LAYOUTS) {
            String name = (String) c[0];
            @SuppressWarnings("unchecked")
            UnaryOperator<Tensor> view = (UnaryOperator<Tensor>) c[1];
            Tensor x = r((int[]) c[2]);
            Tensor cpu = view.apply(x).clone();
            Tensor gpu = view.apply(x.to(GPU)).clone();
            assertEquals(GPU, gpu.device(), name);
            assertArrayEquals(cpu.stride(), gpu.stride(), name + ": strides");
            assertArrayEquals(cpu.toDoubleArray(), gpu.cpu().toDoubleArray(), 0.0, name + ": values");
            assertArrayEquals(view.apply(x).contiguous().stride(), view.apply(x.to(GPU)).contiguous().stride(),
                    name + ": contiguous()");
        }
    }

    @TestFactory
    List<DynamicTest> cloneParity() {
        List<DynamicTest> t = new ArrayList<>();
        for (Object[] c : LAYOUTS) {
            @SuppressWarnings("unchecked")
            UnaryOperator<Tensor> view = (UnaryOperator<Tensor>) c[1];
            t.add(p("clone " + c[0], a -> view.apply(a[0]).clone().mul(view.apply(a[1])), r((int[]) c[2]), r((int[]) c[2])));
            t.add(p("clone then reshape " + c[0], a -> view.apply(a[0]).clone().reshape(-1).sin(), r((int[]) c[2])));
        }
        return t;
    }
}
