package dev.ember;

import dev.ember.distributions.AbsTransform;
import dev.ember.distributions.AffineTransform;
import dev.ember.distributions.ComposeTransform;
import dev.ember.distributions.Constraint;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.ExpTransform;
import dev.ember.distributions.Independent;
import dev.ember.distributions.IndependentTransform;
import dev.ember.distributions.Normal;
import dev.ember.distributions.PowerTransform;
import dev.ember.distributions.SigmoidTransform;
import dev.ember.distributions.SoftmaxTransform;
import dev.ember.distributions.TanhTransform;
import dev.ember.distributions.Transform;
import dev.ember.distributions.TransformedDistribution;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dev.ember.distributions} transforms and {@link TransformedDistribution} against
 * {@code torch.distributions.transforms} ({@code distributiontransforms/make_expected.py}): each transform's forward,
 * inverse and log-det-Jacobian on float64 and float32, TransformedDistribution's log_prob / cdf / icdf (a tanh-squashed
 * Normal, an affine-of-exp chain with positive, negative and tensor scales, an event_dim=1 affine), each with PyTorch's
 * grad_fn name and gradients; gradchecks of log_prob and rsample on float64; shapes, reprs and PyTorch's messages.
 */
class DistributionTransformsTest {
    private static final String RESOURCE = "/distributiontransforms/expected.txt";

    private static Transform transform(String key, DType dt) {
        switch (key) {
            case "exp":
                return new ExpTransform();
            case "affine":
                return new AffineTransform(2.0, -3.0);
            case "affine2":
                return new AffineTransform(0.5, 0.25, 1);
            case "sigmoid":
                return new SigmoidTransform();
            case "tanh":
                return new TanhTransform();
            case "power":
                return new PowerTransform(2.5);
            case "compose":
                return new ComposeTransform(new AffineTransform(0.5, 2.0), new ExpTransform());
            case "inverseexp":
                return new ExpTransform().inv();
            case "independentexp":
                return new IndependentTransform(new ExpTransform(), 1);
            case "abs":
                return new AbsTransform();
            case "softmax":
                return new SoftmaxTransform();
            default:
                throw new IllegalArgumentException(key);
        }
    }

    private static Tensor zeros3(DType dt) {
        return Tensor.zeros(dt, 3);
    }

    private static Tensor ones3(DType dt) {
        return Tensor.ones(dt, 3);
    }

    private static Function<Tensor[], Tensor> op(String name) {
        String[] w = name.split(" ");
        String key = w[0];
        String kind = w[1];
        DType dt = w[2].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        switch (key) {
            case "affinetensor":
                return kind.equals("forward") ? a -> new AffineTransform(a[1], a[2]).forward(a[0])
                        : a -> ladj(new AffineTransform(a[1], a[2]), a[0]);
            case "affinetensorevent":
                return a -> ladj(new AffineTransform(a[1], a[2], 1), a[0]);
            case "powertensor":
                return kind.equals("forward") ? a -> new PowerTransform(a[1]).forward(a[0])
                        : a -> ladj(new PowerTransform(a[1]), a[0]);
            case "tanhnormal":
                return a -> new TransformedDistribution(new Normal(a[0], a[1]), new TanhTransform()).logProb(a[2]);
            case "tanhaffinenormal":
                return a -> new TransformedDistribution(new Normal(a[0], a[1]), new TanhTransform(),
                        new AffineTransform(0.0, 2.0)).logProb(a[2]);
            case "sigmoidnormal":
                return a -> new TransformedDistribution(new Normal(a[0], a[1]), new SigmoidTransform()).logProb(a[2]);
            case "affineexp":
            case "negaffineexp": {
                double s = key.equals("affineexp") ? 2.0 : -2.0;
                Function<Tensor[], TransformedDistribution> d = a -> new TransformedDistribution(new Normal(a[0], a[1]),
                        new ExpTransform(), new AffineTransform(1.0, s));
                return dist(d, kind, 2);
            }
            case "tensoraffine":
                return dist(a -> new TransformedDistribution(new Normal(a[0], a[1]), new AffineTransform(zeros3(dt), a[2])),
                        kind, 3);
            case "eventaffine":
                return dist(a -> new TransformedDistribution(new Normal(a[0], a[1]), new AffineTransform(ones3(dt), a[2], 1)),
                        kind, 3);
            default: {
                Transform t = transform(key, dt);
                switch (kind) {
                    case "forward":
                        return a -> t.forward(a[0]);
                    case "inverse":
                        return a -> t.inv().forward(a[0]);
                    default:
                        return a -> ladj(t, a[0]);
                }
            }
        }
    }

    private static Function<Tensor[], Tensor> dist(Function<Tensor[], TransformedDistribution> d, String kind, int value) {
        switch (kind) {
            case "logprob":
                return a -> d.apply(a).logProb(a[value]);
            case "cdf":
                return a -> d.apply(a).cdf(a[value]);
            default:
                return a -> d.apply(a).icdf(a[value]);
        }
    }

    private static Tensor ladj(Transform t, Tensor x) {
        return t.logAbsDetJacobian(x, t.forward(x));
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests(RESOURCE, DistributionTransformsTest::op, 3e-6);
    }
}
