package dev.ember.nn;

import dev.ember.Index;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.AdaptiveLogSoftmaxWithLoss} (Grave et al., "Efficient softmax approximation for GPUs"): the classes
 * split by {@code cutoffs} into a frequent head, scored with the clusters by one {@link Linear} ({@code head}), and tail
 * clusters, each scored by a two-layer projection ({@code tail.i}: in_features to {@code in_features / div_value^(i+1)}
 * to the cluster's size, no biases). {@link #apply(Tensor, Tensor)} gives each target's log-probability and their mean
 * negative as the loss, computing only the clusters the batch's targets fall in; {@link #logProb} the full
 * distribution, {@link #predict} the most likely class. PyTorch's module, parameter names, initialization shapes and
 * order of operations (so its state dict loads and its values and gradients match).
 */
public class AdaptiveLogSoftmaxWithLoss extends Module2<AdaptiveLogSoftmaxWithLoss.Output> {
    /**
     * What the module returns, as PyTorch's {@code _ASMoutput}.
     *
     * @param output each target's log-probability ([N], or 0-dim for a 0-dim target)
     * @param loss the mean negative log-probability
     */
    public record Output(Tensor output, Tensor loss) {
        /** PyTorch's repr of the namedtuple: {@code _ASMoutput(output=tensor(...), loss=tensor(...))}. */
        @Override
        public String toString() {
            return "_ASMoutput(output=" + output + ", loss=" + loss + ")";
        }
    }

    /** The head: in_features to the shortlist plus one score per tail cluster. */
    public final Linear head;
    /** The tail clusters' projections, each a {@link Sequential} of two bias-free {@link Linear} layers. */
    public final ModuleList<Sequential> tail;
    private final int inFeatures;
    private final int nClasses;
    private final int[] cutoffs;
    private final double divValue;
    private final int shortlistSize;
    private final int nClusters;

    /** PyTorch's defaults: {@code div_value} 4, no head bias. */
    public AdaptiveLogSoftmaxWithLoss(int inFeatures, int nClasses, int... cutoffs) {
        this(inFeatures, nClasses, cutoffs, 4.0, false);
    }

    /**
     * The given settings, as PyTorch's constructor arguments.
     *
     * @throws IllegalArgumentException for cutoffs that are not unique positive integers in increasing order below
     *     {@code nClasses}, or a {@code divValue} whose powers divide by zero or give NaN, with PyTorch's (Python's)
     *     messages
     */
    public AdaptiveLogSoftmaxWithLoss(int inFeatures, int nClasses, int[] cutoffs, double divValue, boolean headBias) {
        Checks.notNull(cutoffs, "cutoffs");
        boolean ok = cutoffs.length > 0;
        for (int i = 0; ok && i < cutoffs.length; i++) {
            ok = cutoffs[i] > 0 && cutoffs[i] <= nClasses - 1 && (i == 0 || cutoffs[i] > cutoffs[i - 1]);
        }
        if (!ok) {
            throw new IllegalArgumentException("cutoffs should be a sequence of unique, positive integers sorted in an "
                    + "increasing order, where each value is between 1 and n_classes-1");
        }
        // Python's in_features // (div_value ** (i + 1)) and int() of it: a zero divisor and NaN are refused in its words
        for (int i = 0; i < cutoffs.length; i++) {
            double divisor = Math.pow(divValue, i + 1);
            if (divisor == 0) {
                throw new IllegalArgumentException("float floor division by zero");
            }
            if (Double.isNaN(Math.floor(inFeatures / divisor))) {
                throw new IllegalArgumentException("cannot convert float NaN to integer");
            }
        }
        this.inFeatures = inFeatures;
        this.nClasses = nClasses;
        this.cutoffs = Arrays.copyOf(cutoffs, cutoffs.length + 1);
        this.cutoffs[cutoffs.length] = nClasses;
        this.divValue = divValue;
        this.shortlistSize = this.cutoffs[0];
        this.nClusters = this.cutoffs.length - 1;
        this.head = registerModule("head", new Linear(inFeatures, shortlistSize + nClusters, headBias));
        this.tail = registerModule("tail", new ModuleList<>());
        for (int i = 0; i < nClusters; i++) {
            int hsz = (int) Math.floor(inFeatures / Math.pow(divValue, i + 1));
            int osz = this.cutoffs[i + 1] - this.cutoffs[i];
            tail.add(new Sequential(new Linear(inFeatures, hsz, false), new Linear(hsz, osz, false)));
        }
    }

    /**
     * {@code asm(input, target)} without hooks: input [N, in_features] with target [N], or input [in_features] with a
     * 0-dim target.
     *
     * @throws IllegalArgumentException for mismatched shapes or a target outside [0, n_classes - 1], with PyTorch's
     *     messages
     */
    @Override
    public Output forward(Tensor input, Tensor target) {
        Checks.notNull(input, "input_");
        Checks.notNull(target, "target_");
        int targetDim = target.dim();
        if (targetDim == 1) {
            if (input.size(0) != target.size(0)) {
                throw new IllegalArgumentException("Input and target should have the same size in the batch dimension.");
            }
            if (input.dim() != 2) {
                throw new IllegalArgumentException("('1D target tensor expects 2D input tensors, but found inputs with size', "
                        + "torch.Size(" + Arrays.toString(input.shape()) + "))");
            }
        } else if (targetDim == 0) {
            if (input.dim() != 1) {
                throw new IllegalArgumentException("('0D target tensor expects 1D input tensors, but found inputs with size', "
                        + "torch.Size(" + Arrays.toString(input.shape()) + "))");
            }
        } else {
            throw new IllegalArgumentException("0D or 1D target tensor expected, multi-target not supported");
        }
        boolean batched = targetDim > 0;
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor t = batched ? target : target.unsqueeze(0);
        int batchSize = t.size(0);
        Tensor output = x.newZeros(batchSize);
        Tensor gatherInds = t.newEmpty(batchSize);
        long usedRows = 0;
        int[] bounds = new int[cutoffs.length + 1];
        System.arraycopy(cutoffs, 0, bounds, 1, cutoffs.length);
        for (int i = 0; i < bounds.length - 1; i++) {
            Tensor mask = t.ge(bounds[i]).logicalAnd(t.lt(bounds[i + 1]));
            Tensor rows = mask.nonzero().reshape(-1);
            if (rows.numel() == 0) {
                continue;
            }
            if (i == 0) {
                gatherInds.indexCopy_(0, rows, t.maskedSelect(mask));
            } else {
                Tensor relative = t.maskedSelect(mask).sub(bounds[i]);
                Tensor clusterOutput = tail.get(i - 1).apply(x.indexSelect(0, rows));
                gatherInds.indexFill_(0, rows, shortlistSize + i - 1);
                Tensor local = Functional.logSoftmax(clusterOutput, 1).gather(1, relative.unsqueeze(1));
                output.indexCopy_(0, rows, local.squeeze(1));
            }
            usedRows += rows.numel();
        }
        if (usedRows != batchSize) {
            throw new IllegalArgumentException("Target values should be in [0, " + (nClasses - 1) + "], but values in range ["
                    + t.min().longItem() + ", " + t.max().longItem() + "] were found. ");
        }
        Tensor headLogprob = Functional.logSoftmax(head.apply(x), 1);
        output.add_(headLogprob.gather(1, gatherInds.unsqueeze(1)).squeeze());
        Tensor loss = output.neg().mean();
        return new Output(batched ? output : output.squeeze(0), loss);
    }

    /** The log-probabilities of all classes for a batch [N, in_features]: [N, n_classes], as PyTorch's {@code log_prob}. */
    public Tensor logProb(Tensor input) {
        Checks.notNull(input, "input");
        return fullLogProb(input, head.apply(input));
    }

    /**
     * The most likely class of each row of a batch [N, in_features], as PyTorch's {@code predict}: the head's answer
     * where it is a shortlist class, else the full distribution's.
     */
    public Tensor predict(Tensor input) {
        Checks.notNull(input, "input");
        Tensor headOutput = head.apply(input);
        Tensor output = headOutput.argmax(1);
        Tensor notInShortlist = output.ge(shortlistSize);
        if (!notInShortlist.any()) {
            return output;
        }
        if (notInShortlist.all()) {
            return fullLogProb(input, headOutput).argmax(1);
        }
        Index rows = Index.of(notInShortlist);
        Tensor logProb = fullLogProb(input.index(rows), headOutput.index(rows));
        return output.indexPut_(new Index[] {rows}, logProb.argmax(1), false);
    }

    /** PyTorch's {@code _get_full_log_prob}: the head's shortlist, then each cluster's, written into one [N, n_classes]. */
    private Tensor fullLogProb(Tensor input, Tensor headOutput) {
        Tensor out = input.newEmpty(headOutput.size(0), nClasses);
        Tensor headLogprob = Functional.logSoftmax(headOutput, 1);
        out.narrow(1, 0, shortlistSize).copy_(headLogprob.narrow(1, 0, shortlistSize));
        for (int i = 0; i < nClusters; i++) {
            Tensor clusterLogprob = Functional.logSoftmax(tail.get(i).apply(input), 1);
            Tensor logprob = clusterLogprob.add(headLogprob.select(1, shortlistSize + i).unsqueeze(1));
            out.narrow(1, cutoffs[i], cutoffs[i + 1] - cutoffs[i]).copy_(logprob);
        }
        return out;
    }

    /** The number of input features. */
    public int inFeatures() {
        return inFeatures;
    }

    /** The number of classes. */
    public int nClasses() {
        return nClasses;
    }

    /** The cutoffs with {@code n_classes} appended, as PyTorch's {@code cutoffs} attribute. */
    public int[] cutoffs() {
        return cutoffs.clone();
    }

    /** The divisor of each tail cluster's hidden size. */
    public double divValue() {
        return divValue;
    }
}
