package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.function.Function;

/**
 * The complex gaps session 29 left: the losses on complex inputs (computed, or refused with PyTorch 2.x's message, naming
 * the loss where PyTorch's comes from an op inside it); values, nodes and gradients from {@code complexgaps/make_expected.py}
 * (PyTorch 1.13, with 2.x's behaviour computed there where it differs).
 */
class ComplexGapsTest {

    private static final Tensor IDX = Tensor.tensor(new long[] {0, 2});

    private static Function<Tensor[], Tensor> op(String name) {
        switch (name) {
            case "l1_loss complex complex": return a -> Functional.l1Loss(a[0], a[1]);
            case "l1_loss complex real sum": return a -> Functional.l1Loss(a[0], a[1], "sum");
            case "l1_loss complex64 none": return a -> Functional.l1Loss(a[0], a[1], "none");
            case "mse_loss complex":
            case "mse_loss real complex target":
                return a -> Functional.mseLoss(a[0], a[1]);
            case "smooth_l1_loss complex": return a -> Functional.smoothL1Loss(a[0], a[1]);
            case "huber_loss complex":
            case "huber_loss real complex target":
                return a -> Functional.huberLoss(a[0], a[1]);
            case "soft_margin_loss complex values":
            case "soft_margin_loss complex real target values":
            case "soft_margin_loss real complex target":
                return a -> Functional.softMarginLoss(a[0].detach(), a[1].detach());
            case "soft_margin_loss complex64 values":
                return a -> Functional.softMarginLoss(a[0].detach(), Tensor.ones(5));
            case "soft_margin_loss complex requires grad": return a -> Functional.softMarginLoss(a[0], a[1].detach());
            case "binary_cross_entropy complex": return a -> Functional.binaryCrossEntropy(a[0], a[1]);
            case "binary_cross_entropy_with_logits complex": return a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1]);
            case "binary_cross_entropy_with_logits complex target values":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(), a[1].detach());
            case "binary_cross_entropy_with_logits complex target weight values":
            case "binary_cross_entropy_with_logits complex weight":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(), a[1].detach(), a[2].detach(), null, "mean");
            case "binary_cross_entropy_with_logits complex target requires grad":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1].detach());
            case "binary_cross_entropy_with_logits complex target pos_weight":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(), a[1].detach(), null, a[2].detach(), "mean");
            case "cross_entropy complex": return a -> Functional.crossEntropy(a[0], IDX);
            case "cross_entropy complex 3-d": return a -> Functional.crossEntropy(a[0], Tensor.zeros(DType.INT64, 2, 4));
            case "cross_entropy real complex probabilities": return a -> Functional.crossEntropy(a[0], a[1]);
            case "nll_loss complex": return a -> Functional.nllLoss(a[0], IDX);
            case "kl_div complex":
            case "kl_div real complex target":
                return a -> Functional.kLDivLoss(a[0], a[1], "batchmean", false);
            case "poisson_nll_loss complex": return a -> Functional.poissonNllLoss(a[0], a[1]);
            case "poisson_nll_loss complex not log_input":
                return a -> Functional.poissonNllLoss(a[0], a[1], false, false, 1e-8, "mean");
            case "gaussian_nll_loss complex": return a -> Functional.gaussianNllLoss(a[0], a[1], a[2]);
            case "hinge_embedding_loss complex":
            case "hinge_embedding_loss real complex target":
                return a -> Functional.hingeEmbeddingLoss(a[0], a[1]);
            case "margin_ranking_loss complex": return a -> Functional.marginRankingLoss(a[0], a[1], a[2]);
            case "cosine_embedding_loss complex": return a -> Functional.cosineEmbeddingLoss(a[0], a[1], a[2]);
            case "triplet_margin_loss complex": return a -> Functional.tripletMarginLoss(a[0], a[1], a[2]);
            case "multi_margin_loss complex": return a -> Functional.multiMarginLoss(a[0], IDX);
            case "multilabel_margin_loss complex":
                return a -> Functional.multilabelMarginLoss(a[0], Tensor.tensor(new long[] {0, 2, -1, 1, -1, 0}).reshape(2, 3));
            case "multilabel_soft_margin_loss complex":
            case "multilabel_soft_margin_loss real complex target":
                return a -> Functional.multilabelSoftMarginLoss(a[0], a[1]);
            case "ctc_loss complex":
                return a -> Functional.ctcLoss(a[0], Tensor.tensor(new long[] {1, 2, 1, 1}).reshape(2, 2),
                        Tensor.tensor(new long[] {5, 5}), Tensor.tensor(new long[] {2, 2}));
            default:
                throw new IllegalArgumentException("no Ember call for case " + name);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/complexgaps/expected.txt", ComplexGapsTest::op, 2e-6);
    }
}
