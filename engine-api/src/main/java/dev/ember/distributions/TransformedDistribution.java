package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A base distribution pushed through transforms, as {@code torch.distributions.TransformedDistribution}: with X from the
 * base and {@code Y = f(X)}, {@code log p(Y) = log p(X) - log |det dY/dX|}. Its shapes are PyTorch's (the base expanded
 * to the transforms' broadcast shape and wrapped in {@link Independent} where the transforms need more event dims);
 * {@code cdf} and {@code icdf} go through monotone transforms (flipped by their {@code sign}); values are validated
 * against the last transform's codomain. Its repr is PyTorch's {@code TransformedDistribution()}.
 */
public class TransformedDistribution extends Distribution {
    private final Distribution base;
    private final List<Transform> transforms;

    /** {@code TransformedDistribution(base_distribution, transforms)}. */
    public TransformedDistribution(Distribution baseDistribution, Transform... transforms) {
        this(baseDistribution, Arrays.asList(Dist.require(transforms, "TransformedDistribution", "transforms", "list of Transforms")), null);
    }

    /**
     * {@code TransformedDistribution(base_distribution, transforms, validate_args)}; {@code validateArgs} null for the
     * global default.
     *
     * @throws IllegalArgumentException PyTorch's message where the base has fewer dims than the transforms' domain needs
     */
    public TransformedDistribution(Distribution baseDistribution, List<Transform> transforms, Boolean validateArgs) {
        this(setup(baseDistribution, transforms), validateArgs);
    }

    private TransformedDistribution(Object[] s, Boolean validateArgs) {
        super((int[]) s[2], (int[]) s[3], validateArgs);
        this.base = (Distribution) s[0];
        @SuppressWarnings("unchecked")
        List<Transform> ts = (List<Transform>) s[1];
        this.transforms = ts;
    }

    /**
     * An already set-up transformed distribution (for subclasses' {@code expand}): {@code base} expanded as
     * {@link #expandedBase} gives it, the shapes as given.
     */
    protected TransformedDistribution(Distribution base, List<Transform> transforms, int[] batchShape, int[] eventShape,
            boolean validateArgs) {
        super(batchShape, eventShape, validateArgs);
        this.base = base;
        this.transforms = transforms;
    }

    private static Object[] setup(Distribution baseDistribution, List<Transform> transforms) {
        Dist.require(baseDistribution, "TransformedDistribution", "base_distribution");
        if (transforms == null) {
            throw new IllegalArgumentException("transforms must be a Transform or list, but was None");
        }
        for (Transform t : transforms) {
            if (t == null) {
                throw new IllegalArgumentException("transforms must be a Transform or a list of Transforms");
            }
        }
        List<Transform> ts = Collections.unmodifiableList(new ArrayList<>(transforms));
        int[] baseShape = Dist.concat(baseDistribution.batchShape(), baseDistribution.eventShape());
        int baseEventDim = baseDistribution.eventShape().length;
        ComposeTransform transform = new ComposeTransform(ts);
        int domainEventDim = transform.domain().eventDim();
        if (baseShape.length < domainEventDim) {
            throw new IllegalArgumentException("base_distribution needs to have shape with size at least " + domainEventDim
                    + ", but got " + dev.ember.Format.size(baseShape) + ".");
        }
        int[] shape = transform.forwardShape(baseShape);
        int[] expandedBaseShape = transform.inverseShape(shape);
        Distribution b = baseDistribution;
        if (!Arrays.equals(baseShape, expandedBaseShape)) {
            b = b.expand(Arrays.copyOf(expandedBaseShape, expandedBaseShape.length - baseEventDim));
        }
        int reinterpreted = domainEventDim - baseEventDim;
        if (reinterpreted > 0) {
            b = new Independent(b, reinterpreted);
        }
        int eventDim = transform.codomain().eventDim() + Math.max(baseEventDim - domainEventDim, 0);
        int cut = shape.length - eventDim;
        return new Object[] {b, ts, Arrays.copyOf(shape, cut), Arrays.copyOfRange(shape, cut, shape.length)};
    }

    /** The (expanded, possibly Independent-wrapped) base distribution, as {@code base_dist}. */
    public Distribution baseDist() {
        return base;
    }

    /** The transforms, first applied first, as {@code transforms}. */
    public List<Transform> transforms() {
        return transforms;
    }

    @Override
    public Constraint support() {
        if (transforms.isEmpty()) {
            return base.support();
        }
        Constraint support = transforms.get(transforms.size() - 1).codomain();
        int ev = eventShape().length;
        return ev > support.eventDim() ? Constraint.independent(support, ev - support.eventDim()) : support;
    }

    @Override
    public boolean hasRsample() {
        return base.hasRsample();
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        Dist.require(generator, "sample", "generator");
        Dist.require(sampleShape, "sample", "sample_shape");
        try (GradMode off = Ember.noGrad()) {
            Tensor x = base.sample(generator, sampleShape);
            for (Transform t : transforms) {
                x = t.forward(x);
            }
            return x;
        }
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        Dist.require(sampleShape, "rsample", "sample_shape");
        Tensor x = base.rsample(generator, sampleShape);
        for (Transform t : transforms) {
            x = t.forward(x);
        }
        return x;
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        int eventDim = eventShape().length;
        Tensor logProb = null;
        Tensor y = value;
        for (int i = transforms.size() - 1; i >= 0; i--) {
            Transform t = transforms.get(i);
            Tensor x = t.inverse(y);
            eventDim += t.domain().eventDim() - t.codomain().eventDim();
            Tensor term = Dist.sumRightmost(t.logAbsDetJacobian(x, y), eventDim - t.domain().eventDim());
            // PyTorch starts from the number 0.0: 0.0 - term
            logProb = logProb == null ? term.neg() : logProb.sub(term);
            y = x;
        }
        Tensor baseLp = Dist.sumRightmost(base.logProb(y), eventDim - base.eventShape().length);
        return logProb == null ? baseLp.add(0.0) : logProb.add(baseLp);
    }

    private Tensor monotonize(Tensor value) {
        int sign = 1;
        Tensor signT = null;
        for (Transform t : transforms) {
            Tensor st = t.signTensor();
            if (st != null) {
                signT = signT == null ? st : signT.mul(st);
            } else {
                sign *= t.sign();
            }
        }
        if (signT == null) {
            return sign == 1 ? value : value.sub(0.5).mul((double) sign).add(0.5);
        }
        return signT.mul((long) sign).mul(value.sub(0.5)).add(0.5);
    }

    @Override
    public Tensor cdf(Tensor value) {
        Dist.require(value, "cdf", "value");
        for (int i = transforms.size() - 1; i >= 0; i--) {
            value = transforms.get(i).inverse(value);
        }
        if (validateArgs) {
            // PyTorch's "if self._validate_args: self.base_dist._validate_sample(value)": this one's flag
            base.checkSample(value);
        }
        return monotonize(base.cdf(value));
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        value = base.icdf(monotonize(value));
        for (Transform t : transforms) {
            value = t.forward(value);
        }
        return value;
    }

    @Override
    public TransformedDistribution expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new TransformedDistribution(expandedBase(batchShape), transforms, batchShape, eventShape(), validateArgs);
    }

    /** The base distribution expanded for {@code batchShape}, as {@code TransformedDistribution.expand} makes it. */
    protected Distribution expandedBase(int[] batchShape) {
        int[] shape = Dist.concat(batchShape, eventShape());
        for (int i = transforms.size() - 1; i >= 0; i--) {
            shape = transforms.get(i).inverseShape(shape);
        }
        return base.expand(Arrays.copyOf(shape, shape.length - base.eventShape().length));
    }
}
