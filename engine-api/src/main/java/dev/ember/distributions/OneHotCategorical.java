package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.Arrays;
import java.util.Map;

/**
 * The categorical distribution with one-hot vectors as values (event shape {@code (K,)}), as
 * {@code torch.distributions.OneHotCategorical}; its repr is PyTorch's {@code OneHotCategorical()}.
 */
public class OneHotCategorical extends Distribution {
    private final Categorical categorical;

    /**
     * From exactly one of {@code probs} and {@code logits} (the other null); {@code validateArgs} null for the default.
     * As PyTorch's, the inner {@code Categorical} is built with the default validation whatever {@code validateArgs}
     * says, so invalid parameters raise its error even with {@code validateArgs} false while validation is on by
     * default.
     */
    public OneHotCategorical(Tensor probs, Tensor logits, Boolean validateArgs) {
        this(new Categorical(probs, logits, null), validateArgs);
    }

    OneHotCategorical(Categorical c, Boolean validateArgs) {
        super(c.batchShape(), new int[] {c.numEvents()}, validateArgs);
        this.categorical = c;
    }

    /** OneHotCategorical(probs=p). */
    public static OneHotCategorical ofProbs(Tensor probs) {
        return new OneHotCategorical(Dist.require(probs, "OneHotCategorical", "probs"), null, null);
    }

    /** OneHotCategorical(logits=l). */
    public static OneHotCategorical ofLogits(Tensor logits) {
        return new OneHotCategorical(null, Dist.require(logits, "OneHotCategorical", "logits"), null);
    }

    /** The Categorical over the indices. */
    public Categorical categorical() {
        return categorical;
    }

    /** The normalized probabilities. */
    public Tensor probs() {
        return categorical.probs();
    }

    /** The normalized logits. */
    public Tensor logits() {
        return categorical.logits();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return ProbsOrLogits.categoricalConstraints();
    }

    @Override
    public Constraint support() {
        return Constraint.ONE_HOT;
    }

    @Override
    public boolean hasEnumerateSupport() {
        return true;
    }

    @Override
    public Tensor mean() {
        return probs();
    }

    @Override
    public Tensor mode() {
        Tensor p = probs();
        return Functional.oneHot(p.argmax(-1, false), p.size(-1)).to(p.dtype());
    }

    @Override
    public Tensor variance() {
        Tensor p = probs();
        return p.mul(p.rsub(1.0));
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Tensor indices = categorical.sample(generator, sampleShape);
        return Functional.oneHot(indices, categorical.numEvents()).to(categorical.param().dtype());
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor indices = value.max(-1, false).indices();
        return categorical.logProb(indices);
    }

    @Override
    public Tensor entropy() {
        return categorical.entropy();
    }

    @Override
    public Tensor enumerateSupport(boolean expand) {
        int n = categorical.numEvents();
        int[] batch = batchShape();
        Tensor values = Tensor.eye(n, n, categorical.param().dtype()).to(categorical.param().device());
        int[] view = new int[2 + batch.length];
        Arrays.fill(view, 1);
        view[0] = n;
        view[view.length - 1] = n;
        values = values.reshape(view);
        if (expand) {
            values = values.expand(Dist.concat(new int[] {n}, batch, new int[] {n}));
        }
        return values;
    }

    @Override
    public OneHotCategorical expand(int... batchShape) {
        return new OneHotCategorical(categorical.expand(batchShape), validateArgs);
    }
}
