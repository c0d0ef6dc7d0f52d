package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParityTest.p;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Complex tensors through the data-movement, indexing and predicate ops on CUDA against the CPU (session 29): each op
 * runs the real op on the real and imaginary parts through the real kernels, so CUDA needs no kernel of its own; each
 * case takes and returns real views (float pairs) or real results, compared with their gradients as real tensors.
 */
@ExtendWith(CudaGate.class)
class CudaComplexIndexingTest {
    private static final Generator GEN = new Generator(2913);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** Random pairs of shape {@code [..., 2]}: a complex tensor's real view. */
    private static Tensor pairs(int... shape) {
        return CudaComplexTest.pairs(shape);
    }

    private static Tensor z(Tensor pairs) {
        return CudaComplexTest.z(pairs);
    }

    /** Int64 indices on the device of {@code like}. */
    private static Tensor idx(Tensor like, long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU).to(like.device());
    }

    @Test
    void refusalsNameTheCudaKernels() {
        // PyTorch's dispatch messages name the kernel of the tensor's device ("topk_cpu" on the CPU)
        Tensor c = z(pairs(3, 4));
        Tensor g = c.to(GPU);
        assertRefused("\"topk_cpu\" not implemented for 'ComplexFloat'", () -> c.topk(2));
        assertRefused("\"topk_out_cuda\" not implemented for 'ComplexFloat'", () -> g.topk(2));
        assertRefused("\"compare_cuda\" not implemented for 'ComplexFloat'", () -> g.lt(g));
        assertRefused("\"argmax_cuda\" not implemented for 'ComplexFloat'", g::argmax);
        assertRefused("\"max_all_cuda\" not implemented for 'ComplexFloat'", g::max);
        assertRefused("\"cummax_cuda\" not implemented for 'ComplexFloat'", () -> g.cummax(1));
        assertRefused("\"median_out_impl\" not implemented for 'ComplexFloat'", () -> g.median(1, false));
        assertRefused("\"round_cuda\" not implemented for 'ComplexFloat'", g::round);
        assertRefused("\"div_floor_cuda\" not implemented for 'ComplexFloat'", () -> g.floorDivide(2.0));
        // words of PyTorch's own are the same on both devices
        assertRefused("clamp is not supported for complex types", () -> g.clamp(0.0, 1.0));
    }

    private static void assertRefused(String message, org.junit.jupiter.api.function.Executable call) {
        Throwable e = assertThrows(UnsupportedOperationException.class, call);
        assertEquals(message, e.getMessage());
    }

    @TestFactory
    List<DynamicTest> complexIndexing() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("index_select gather", a -> z(a[0]).indexSelect(0, idx(a[0], 3, 0, 3)).gather(1,
                idx(a[0], 1, 0, 2, 2, 1, 0).reshape(3, 2)).viewAsReal(), pairs(4, 3)));
        t.add(p("scatter scatter_add", a -> z(a[0]).scatter(0, idx(a[0], 2, 0, 1).reshape(1, 3), z(a[1]))
                .scatterAdd(0, idx(a[0], 1, 1, 1).reshape(1, 3), z(a[1])).viewAsReal(), pairs(3, 3), pairs(1, 3)));
        t.add(p("index_add index_copy index_fill", a -> z(a[0]).indexAdd(0, idx(a[0], 1, 1), z(a[1]), 0.5)
                .indexCopy(1, idx(a[0], 2), z(a[1]).narrow(1, 0, 1).expand(3, 1).contiguous()).indexFill(0,
                idx(a[0], 0), dev.ember.Complex.of(1, -2)).viewAsReal(), pairs(3, 4), pairs(2, 4)));
        t.add(p("take put", a -> z(a[0]).put(idx(a[0], 5, 0), z(a[1]), true).take(idx(a[0], 0, 3, 5)).viewAsReal(),
                pairs(2, 3), pairs(2)));
        t.add(p("advanced indexing and index_put", a -> z(a[0]).index(Index.of(idx(a[0], 2, 0)), Index.of(idx(a[0], 1, 1)))
                .add(z(a[0]).indexPut(new Index[] {Index.of(idx(a[0], 1))}, z(a[1]), true).sum(0)).viewAsReal(),
                pairs(3, 2), pairs(1, 2)));
        t.add(p("masks", a -> z(a[0]).maskedFill(a[1].gt(0.5), 2.0).maskedScatter(a[1].lt(0.3), z(a[0]).flip(1))
                .maskedSelect(a[1].gt(0.2)).viewAsReal(), pairs(4, 5), Tensor.rand(GEN, DType.FLOAT32, 4, 5)));
        t.add(p("views and copies", a -> z(a[0]).unfold(1, 2, 1).diagonal(0, 0, 1).repeat(2, 1).tril()
                .viewAsReal(), pairs(3, 4)));
        t.add(p("pad cumsum diag_embed trace", a -> Functional.pad(z(a[0]), new int[] {1, 2}).cumsum(1).diagEmbed()
                .select(0, 1).trace().viewAsReal(), pairs(2, 3)));
        t.add(p("cumprod", a -> z(a[0]).cumprod(1).viewAsReal(), pairs(3, 4)));
        t.add(p("predicates", a -> z(a[0]).isclose(z(a[0]).add(a[1].select(-1, 0).mul(1e-4))).toFloat()
                .add(z(a[0]).isfinite().toFloat()).add(z(a[0]).isnan().toFloat()), pairs(7), pairs(7)));
        t.add(p("nonzero", a -> z(a[0]).mul(a[0].select(-1, 0).gt(0.0).toFloat()).nonzero().toFloat(), pairs(4, 3)));
        return t;
    }
}
