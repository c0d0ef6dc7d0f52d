package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;

/**
 * A mixture of distributions of one family, as {@code torch.distributions.MixtureSameFamily}: a {@link Categorical} over
 * the components picks, per batch element, one of the component distribution's rightmost batch entries.
 * {@code log_prob} is the logsumexp of the components' log-probabilities plus the log mixture weights; {@code mean},
 * {@code variance} (by the law of total variance) and {@code cdf} are the weighted sums. Its repr is PyTorch's
 * two-line {@code MixtureSameFamily(\n  Categorical(...),\n  Normal(...))}.
 */
public class MixtureSameFamily extends Distribution {
    private final Categorical mixture;
    private final Distribution component;
    private final int numComponent;
    private final int eventNdims;

    /** MixtureSameFamily(mixture_distribution, component_distribution). */
    public MixtureSameFamily(Distribution mixtureDistribution, Distribution componentDistribution) {
        this(mixtureDistribution, componentDistribution, null);
    }

    /**
     * MixtureSameFamily(mixture_distribution, component_distribution, validate_args); {@code validateArgs} null for the
     * global default.
     *
     * @throws IllegalArgumentException PyTorch's messages where the mixture is not a Categorical, or its batch shape or
     *     number of categories does not fit the components' batch shape
     */
    public MixtureSameFamily(Distribution mixtureDistribution, Distribution componentDistribution, Boolean validateArgs) {
        this(check(mixtureDistribution, componentDistribution), componentDistribution, validateArgs, true);
    }

    private MixtureSameFamily(Categorical mixture, Distribution component, Boolean validateArgs, boolean unused) {
        super(componentBatch(component), component.eventShape(), validateArgs);
        this.mixture = mixture;
        this.component = component;
        this.numComponent = mixture.numEvents();
        this.eventNdims = component.eventShape().length;
    }

    private static int[] componentBatch(Distribution component) {
        int[] cb = component.batchShape();
        return Arrays.copyOf(cb, cb.length - 1);
    }

    private static Categorical check(Distribution mixture, Distribution component) {
        if (!(mixture instanceof Categorical)) {
            throw new IllegalArgumentException(" The Mixture distribution needs to be an "
                    + " instance of torch.distributions.Categorical");
        }
        if (component == null) {
            throw new IllegalArgumentException("The Component distribution need to be an "
                    + "instance of torch.distributions.Distribution");
        }
        int[] cbs = component.batchShape();
        if (cbs.length == 0) {
            // PyTorch fails indexing batch_shape[-1]
            throw new IllegalArgumentException("tuple index out of range");
        }
        int[] mdbs = mixture.batchShape();
        int[] cdbs = Arrays.copyOf(cbs, cbs.length - 1);
        for (int i = 1; i <= Math.min(mdbs.length, cdbs.length); i++) {
            int s1 = mdbs[mdbs.length - i];
            int s2 = cdbs[cdbs.length - i];
            if (s1 != 1 && s2 != 1 && s1 != s2) {
                throw new IllegalArgumentException("`mixture_distribution.batch_shape` (" + Format.size(mdbs)
                        + ") is not compatible with `component_distribution.batch_shape`(" + Format.size(cdbs) + ")");
            }
        }
        Categorical c = (Categorical) mixture;
        int km = c.logits().size(-1);
        int kc = cbs[cbs.length - 1];
        if (km != kc) {
            throw new IllegalArgumentException("`mixture_distribution component` (" + km
                    + ") does not equal `component_distribution.batch_shape[-1]` (" + kc + ")");
        }
        return c;
    }

    /** The Categorical over the components, as {@code mixture_distribution}. */
    public Categorical mixtureDistribution() {
        return mixture;
    }

    /** The components (their rightmost batch dim indexes the component), as {@code component_distribution}. */
    public Distribution componentDistribution() {
        return component;
    }

    /** The components' support, as PyTorch's (a dependent property). */
    @Override
    public Constraint support() {
        return component.support();
    }

    @Override
    public Tensor mean() {
        Tensor probs = padMixtureDimensions(mixture.probs());
        return probs.mul(component.mean()).sum(-1 - eventNdims);
    }

    @Override
    public Tensor variance() {
        Tensor probs = padMixtureDimensions(mixture.probs());
        Tensor meanCondVar = probs.mul(component.variance()).sum(-1 - eventNdims);
        Tensor varCondMean = probs.mul(component.mean().sub(pad(mean())).pow(2.0)).sum(-1 - eventNdims);
        return meanCondVar.add(varCondMean);
    }

    @Override
    public Tensor cdf(Tensor value) {
        Dist.require(value, "cdf", "value");
        Tensor cdfX = component.cdf(pad(value));
        return cdfX.mul(mixture.probs()).sum(-1);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor logProbX = component.logProb(pad(value));
        Tensor logMixProb = mixture.logits().logSoftmax(-1);
        return logProbX.add(logMixProb).logsumexp(-1);
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        try (GradMode off = Ember.noGrad()) {
            int gatherDim = sampleShape.length + batchShape().length;
            int[] es = eventShape();
            Tensor mixSample = mixture.sample(generator, sampleShape);
            int[] mixShape = mixSample.shape();
            Tensor compSamples = component.sample(generator, sampleShape);
            int[] ones = new int[es.length + 1];
            Arrays.fill(ones, 1);
            Tensor mixSampleR = mixSample.reshape(Dist.concat(mixShape, ones));
            int[] rep = new int[mixShape.length + 1];
            Arrays.fill(rep, 1);
            mixSampleR = mixSampleR.repeat(Dist.concat(rep, es));
            return compSamples.gather(gatherDim, mixSampleR).squeeze(gatherDim);
        }
    }

    private Tensor pad(Tensor x) {
        return x.unsqueeze(-1 - eventNdims);
    }

    /**
     * {@code _pad_mixture_dimensions}: the mixture weights reshaped to broadcast against the components, padded by the
     * difference in batch rank (later PyTorch 2.x releases count ranks; 1.13 counted elements, the same wherever the mixture's batch
     * shape is scalar or equals the components').
     */
    private Tensor padMixtureDimensions(Tensor x) {
        int distBatchNdims = batchShape().length;
        int catBatchNdims = mixture.batchShape().length;
        int padNdims = catBatchNdims == 1 ? 0 : distBatchNdims - catBatchNdims;
        int[] xs = x.shape();
        int[] p = new int[Math.max(padNdims, 0)];
        Arrays.fill(p, 1);
        int[] e = new int[eventNdims];
        Arrays.fill(e, 1);
        return x.reshape(Dist.concat(Arrays.copyOf(xs, xs.length - 1), p, new int[] {xs[xs.length - 1]}, e));
    }

    @Override
    public MixtureSameFamily expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        Distribution c = component.expand(Dist.concat(batchShape, new int[] {numComponent}));
        Categorical m = mixture.expand(batchShape);
        return new MixtureSameFamily(m, c, validateArgs, true);
    }

    @Override
    public String toString() {
        return "MixtureSameFamily(\n  " + mixture + ",\n  " + component + ")";
    }
}
