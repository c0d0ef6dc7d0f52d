package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The differences differential fuzz round 34 ({@link DifferentialFuzzR34Test}: embeddings, padded and packed sequences,
 * the recurrent layers) found, each on small cases that {@code differentialfuzzr34/make_cases.py} writes with PyTorch
 * ({@code FUZZ_FIXES=1}, {@code fixes.txt}), replayed by the round's own interpreter (values, gradients, the weight
 * after the call, or the message with every input unchanged).
 */
class FuzzRound34FixesTest {
    private static String check(String id) {
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr34/fixes.txt")) {
            if (c.id().equals("fix_" + id)) {
                return FuzzR34Interpreter.run(c.lines());
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * F.embedding_bag with max_norm renormalised the weight's looked-up rows in place before the bag refused its offsets
     * (the first not 0, the last past the input): a refused call changed the weight. The bag's checks now come first.
     */
    @Test
    void maxNormBagRefusesItsOffsetsBeforeRenormalising() {
        assertNull(check("bagMaxNormBadFirstOffset"));
        assertNull(check("bagMaxNormBadLastOffset"));
    }

    /**
     * F.embedding_bag with max_norm and a negative index (which the renorm wraps) was refused in F.embedding's words
     * ("index out of range in self"); now in the bag kernel's, still before anything is renormalised.
     */
    @Test
    void maxNormBagNegativeIndexInTheBagsWords() {
        assertNull(check("bagMaxNormNegativeIndex"));
        assertNull(check("bagSlowPathIndexMessage"));
    }

    /**
     * F.embedding_bag with max_norm and per-sample weights of another mode: PyTorch renorms first, so an index the
     * renorm refuses is refused in its words (Ember said the weights' words); an index it accepts is refused in the
     * weights' words, here before anything is renormalised (a local hunt's, seed 35).
     */
    @Test
    void maxNormBagRenormRefusalBeforeTheWeightsMode() {
        assertNull(check("bagMaxNormRenormRefusesBeforeWeightsMode"));
        assertNull(check("bagMaxNormWeightsModeRefusedBeforeRenorm"));
    }

    /**
     * An index out of range on 2.x's fast path (sum / mean over a float32 weight, no padding row) is worded by fbgemm's
     * report ("Index 3 of input takes value 4 which is not in the valid range [0, 4)"), not the other kernels' words.
     */
    @Test
    void fastPathNamesTheIndexsPosition() {
        assertNull(check("bagFastPathIndexMessage"));
        assertNull(check("bagFastPathIndexMessageMaxNorm"));
    }

    /**
     * A 2-D input without columns gave zeros; F.embedding_bag builds its offsets with torch.arange(0, numel, size(1)),
     * which refuses a zero step ("step must be nonzero").
     */
    @Test
    void twoDimInputWithoutColumnsRefused() {
        assertNull(check("bagTwoDimInputWithoutColumns"));
    }

    /**
     * scale_grad_by_freq divides each row's gradient by its own index's number of occurrences (2.x's fixed CPU kernel,
     * pytorch/pytorch #190063; 1.13 divided an index seen once after a repeated one by the other's count): Ember did
     * so already; held here against the emulated 2.x values.
     */
    @Test
    void scaleGradByFreqUsesEachIndexsOwnCount() {
        assertNull(check("bagScaleGradByFreqOwnCount"));
        assertNull(check("bagScaleGradByFreqOwnCountMean"));
    }
}
