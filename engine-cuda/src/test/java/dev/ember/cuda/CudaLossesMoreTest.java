package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
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
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The margin and likelihood losses and the distances on CUDA against the CPU reference, forward and backward: soft
 * margin, multilabel soft margin, multi margin (p 1 and 2, weighted), multilabel margin, hinge embedding, triplet margin
 * (swap), Poisson and Gaussian NLL, pairwise distance, cosine similarity, normalize and cdist (every p, broadcast
 * batches), on non-contiguous inputs and empty batches; and the out-of-range target errors, raised on the GPU too.
 */
@ExtendWith(CudaGate.class)
class CudaLossesMoreTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    /** A constant (target, weight) on the device of {@code like}. */
    private static Tensor on(Tensor c, Tensor like) {
        return c.to(like.device());
    }

    @TestFactory
    List<DynamicTest> losses() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor pm = r(4, 5).sign();
        Tensor y01 = r(4, 5).gt(0.0).to(DType.FLOAT32);
        Tensor w = Tensor.rand(GEN, DType.FLOAT32, 5).add(0.5);
        Tensor cls = Tensor.tensor(new long[] {0, 3, 4, 1});
        Tensor labels = Tensor.tensor(new long[] {3, 0, -1, 1, 2, 1, 1, 4, -1, -1, -1, 0, 1, 2, 3, 4, 3, 2, 1, 0}).reshape(4, 5);
        Tensor counts = Tensor.rand(GEN, DType.FLOAT32, 4, 5).mul(5.0).floor();
        for (String red : new String[] {"none", "mean", "sum"}) {
            t.add(p("soft_margin " + red, a -> Functional.softMarginLoss(nc(a[0]), on(pm, a[0]), red), r(4, 5)));
            t.add(p("multilabel_soft_margin " + red, a -> Functional.multilabelSoftMarginLoss(a[0], on(y01, a[0]), on(w, a[0]),
                    red), r(4, 5)));
            t.add(p("multi_margin p1 " + red, a -> Functional.multiMarginLoss(a[0], on(cls, a[0]), 1, 1.0, null, red), r(4, 5)));
            t.add(p("multi_margin p2 weighted " + red, a -> Functional.multiMarginLoss(nc(a[0]), on(cls, a[0]), 2, 0.5,
                    on(w, a[0]), red), r(4, 5)));
            t.add(p("multilabel_margin " + red, a -> Functional.multilabelMarginLoss(a[0], on(labels, a[0]), red), r(4, 5)));
            t.add(p("hinge_embedding " + red, a -> Functional.hingeEmbeddingLoss(a[0], on(pm, a[0]), 0.5, red), r(4, 5)));
            t.add(p("triplet swap " + red, a -> Functional.tripletMarginLoss(a[0], a[1], a[2], 1.5, 2.0, 1e-6, true, red),
                    r(4, 5), r(4, 5), r(4, 5)));
            t.add(p("poisson full " + red, a -> Functional.poissonNllLoss(a[0], on(counts, a[0]), true, true, 1e-8, red),
                    r(4, 5)));
            t.add(p("poisson rate " + red, a -> Functional.poissonNllLoss(a[0].abs(), on(counts, a[0]), false, false, 1e-8, red),
                    r(4, 5)));
            t.add(p("gaussian " + red, a -> Functional.gaussianNllLoss(a[0], a[1], a[2].abs(), true, 1e-3, red),
                    r(4, 5), r(4, 5), r(4)));
        }
        t.add(p("multi_margin empty batch", a -> Functional.multiMarginLoss(a[0], on(Tensor.zeros(DType.INT64, 0), a[0]), 1,
                1.0, null, "none"), r(0, 5)));
        t.add(p("soft_margin empty", a -> Functional.softMarginLoss(a[0], on(Tensor.zeros(0), a[0]), "sum"), r(0)));
        return t;
    }

    @TestFactory
    List<DynamicTest> distances() {
        List<DynamicTest> t = new ArrayList<>();
        for (double pn : new double[] {2.0, 1.0, 3.0, 0.5, Double.POSITIVE_INFINITY, 0.0}) {
            t.add(p("pairwise_distance p" + pn, a -> Functional.pairwiseDistance(nc(a[0]), a[1], pn, 1e-6, false),
                    r(6, 3), r(6, 3)));
            t.add(p("cdist p" + pn, a -> Functional.cdist(a[0], nc(a[1]), pn), r(2, 3, 4), r(5, 4)));
        }
        t.add(p("cdist broadcast batch", a -> Functional.cdist(a[0], a[1], 1.5), r(2, 1, 3, 2), r(4, 2, 2)));
        t.add(p("cdist empty", a -> Functional.cdist(a[0], a[1]), r(0, 3), r(2, 3)));
        t.add(p("cosine_similarity", a -> Functional.cosineSimilarity(a[0], a[1], -1, 1e-8), r(4, 5), r(5)));
        t.add(p("cosine_similarity dim 0", a -> Functional.cosineSimilarity(nc(a[0]), a[1], 0, 1e-8), r(4, 5), r(4, 5)));
        t.add(p("normalize", a -> Functional.normalize(a[0], 2.0, 1, 1e-12), r(3, 4, 2)));
        t.add(p("normalize p1 dim 0", a -> Functional.normalize(nc(a[0]), 1.0, 0, 1e-12), r(4, 3)));
        return t;
    }

    @Test
    void targetsOutOfRange() {
        Tensor x = r(2, 3).to(GPU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.multiMarginLoss(x, Tensor.tensor(new long[] {0, 3}).to(GPU)));
        assertEquals("target out of range", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.multilabelMarginLoss(x,
                Tensor.tensor(new long[] {0, -2, 1, 0, 1, 2}).reshape(2, 3).to(GPU)));
        assertEquals("argument #2 'target' is out of range", e.getMessage());
    }
}
