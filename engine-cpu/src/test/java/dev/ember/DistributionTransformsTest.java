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
                    case "forwardnc":
                        return a -> t.forward(a[0].mT());
                    case "ladjnc":
                        return a -> ladj(t, a[0].mT());
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

    // ------------------------------------------------------------------ shapes, reprs, constraints (PyTorch's, checked with 1.13)

    private static Normal normal(int... shape) {
        return new Normal(Tensor.zeros(DType.FLOAT32, shape), Tensor.ones(DType.FLOAT32, shape));
    }

    @Test
    void shapesAsPyTorch() {
        TransformedDistribution d = new TransformedDistribution(normal(3), new TanhTransform());
        assertArrayEquals(new int[] {3}, d.batchShape());
        assertArrayEquals(new int[0], d.eventShape());
        assertEquals("Interval(lower_bound=-1.0, upper_bound=1.0)", d.support().toString());
        assertArrayEquals(new int[] {4, 3}, d.sample(4).shape());
        assertArrayEquals(new int[] {4, 3}, d.rsample(4).shape());
        assertTrue(d.hasRsample());
        assertEquals("TransformedDistribution()", d.toString());

        TransformedDistribution e = new TransformedDistribution(normal(3),
                new AffineTransform(Tensor.zeros(DType.FLOAT32, 2, 1), Tensor.ones(DType.FLOAT32, 3), 1));
        assertArrayEquals(new int[] {2}, e.batchShape());
        assertArrayEquals(new int[] {3}, e.eventShape());
        assertEquals("Independent(Normal(loc: torch.Size([2, 3]), scale: torch.Size([2, 3])), 1)", e.baseDist().toString());
        assertTrue(e.baseDist() instanceof Independent);
        assertEquals("IndependentConstraint(Real(), 1)", e.support().toString());
        assertArrayEquals(new int[] {5, 2, 3}, e.sample(5).shape());
        assertArrayEquals(new int[] {5, 2}, e.logProb(e.sample(5)).shape());
        TransformedDistribution ex = e.expand(4, 2);
        assertArrayEquals(new int[] {4, 2}, ex.batchShape());
        assertArrayEquals(new int[] {4, 2}, ex.baseDist().batchShape());
        assertArrayEquals(new int[] {3}, ex.eventShape());

        TransformedDistribution f = new TransformedDistribution(normal(2, 3), new SoftmaxTransform());
        assertArrayEquals(new int[] {2}, f.batchShape());
        assertArrayEquals(new int[] {3}, f.eventShape());
        assertEquals("Simplex()", f.support().toString());
        assertEquals("Independent(Normal(loc: torch.Size([2, 3]), scale: torch.Size([2, 3])), 1)", f.baseDist().toString());

        TransformedDistribution g = new TransformedDistribution(normal(3), new ExpTransform(),
                new PowerTransform(Tensor.ones(DType.FLOAT32, 4, 1)));
        assertArrayEquals(new int[] {4, 3}, g.batchShape());
        assertArrayEquals(new int[0], g.eventShape());
        assertArrayEquals(new int[] {4, 3}, g.baseDist().batchShape());
    }

    @Test
    void reprsAndConstraintsAsPyTorch() {
        ComposeTransform c = new ComposeTransform(new ExpTransform(), new AffineTransform(1.0, 2.0));
        assertEquals("ComposeTransform(\n    ExpTransform(),\n    AffineTransform()\n)", c.toString());
        assertEquals("ComposeTransform(\n    _InverseTransform(AffineTransform()),\n    _InverseTransform(ExpTransform())\n)",
                c.inv().toString());
        assertSame(c, c.inv().inv());
        Transform exp = new ExpTransform();
        assertEquals("_InverseTransform(ExpTransform())", exp.inv().toString());
        assertSame(exp, exp.inv().inv());
        assertEquals("IndependentTransform(TanhTransform(), 2)", new IndependentTransform(new TanhTransform(), 2).toString());
        assertEquals("PowerTransform()", new PowerTransform(2.0).toString());
        assertEquals("SoftmaxTransform()", new SoftmaxTransform().toString());
        assertEquals("Interval(lower_bound=-1.0, upper_bound=1.0)", new TanhTransform().codomain().toString());
        assertEquals("Interval(lower_bound=0.0, upper_bound=1.0)", new SigmoidTransform().codomain().toString());
        assertEquals("IndependentConstraint(Real(), 1)", new SoftmaxTransform().domain().toString());
        assertEquals("Simplex()", new SoftmaxTransform().codomain().toString());
        ComposeTransform sm = new ComposeTransform(new SoftmaxTransform(), new ExpTransform());
        assertEquals("IndependentConstraint(GreaterThan(lower_bound=0.0), 1)", sm.codomain().toString());
        assertEquals(1, sm.eventDim());
        assertEquals("IndependentConstraint(Real(), 2)", new AffineTransform(0.0, 1.0, 2).domain().toString());
        assertTrue(c.bijective());
        assertFalse(new AbsTransform().bijective());
        assertFalse(new SoftmaxTransform().bijective());
        assertEquals(-1, new ComposeTransform(new ExpTransform(), new AffineTransform(1.0, -2.0)).sign());
        assertEquals(-1, new AffineTransform(1.0, -2.0).inv().sign());
        // __eq__ as PyTorch's (checked with 1.13): by type, by value for Affine/Power, by identity for IndependentTransform
        assertEquals(new ExpTransform(), new ExpTransform());
        assertEquals(new ExpTransform().inv(), new ExpTransform().inv());
        assertEquals(new AffineTransform(1.0, 2.0), new AffineTransform(1.0, 2.0));
        assertEquals(new AffineTransform(1.0, 2.0), new AffineTransform(Tensor.ones(DType.FLOAT32, 2), Tensor.full(DType.FLOAT32, 2.0)));
        assertFalse(new PowerTransform(2.0).equals(new PowerTransform(3.0)));
        assertEquals(new ComposeTransform(new ExpTransform()), new ComposeTransform(new ExpTransform()));
        assertFalse(new IndependentTransform(new ExpTransform(), 1).equals(new IndependentTransform(new ExpTransform(), 1)));
        assertFalse(new ExpTransform().equals(new SigmoidTransform()));
    }

    @Test
    void errorsAsPyTorch() {
        TransformedDistribution d = new TransformedDistribution(normal(3), new TanhTransform());
        Tensor bad = Tensor.tensor(new double[] {0.5, 1.5, 0.0}, DType.FLOAT32, Device.CPU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.logProb(bad));
        assertTrue(e.getMessage().startsWith("Expected value argument (Tensor of shape (3,)) to be within the support "
                + "(Interval(lower_bound=-1.0, upper_bound=1.0)) of the distribution TransformedDistribution(), but found "
                + "invalid values:\n"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TransformedDistribution(new Normal(0.0, 1.0), new SoftmaxTransform()));
        assertEquals("base_distribution needs to have shape with size at least 1, but got torch.Size([]).", e.getMessage());
        TransformedDistribution logn = new TransformedDistribution(new Normal(0.0, 1.0), new ExpTransform());
        e = assertThrows(IllegalArgumentException.class, () -> logn.logProb(Tensor.full(DType.FLOAT32, -1.0)));
        assertEquals("Expected value argument (Tensor of shape ()) to be within the support (GreaterThan(lower_bound=0.0)) "
                + "of the distribution TransformedDistribution(), but found invalid values:\n-1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> logn.cdf(Tensor.full(DType.FLOAT32, -1.0)));
        assertEquals("Expected value argument (Tensor of shape ()) to be within the support (Real()) of the distribution "
                + "Normal(loc: 0.0, scale: 1.0), but found invalid values:\nnan", e.getMessage());
        // PyTorch's NotImplementedError
        assertThrows(UnsupportedOperationException.class, () -> new SoftmaxTransform().sign());
        assertThrows(UnsupportedOperationException.class,
                () -> new AbsTransform().logAbsDetJacobian(Tensor.ones(DType.FLOAT32, 1), Tensor.ones(DType.FLOAT32, 1)));
        assertThrows(RuntimeException.class, () -> new TransformedDistribution(normal(3),
                new AffineTransform(Tensor.zeros(DType.FLOAT32, 2), Tensor.ones(DType.FLOAT32))));
        assertFalse(new TransformedDistribution(dev.ember.distributions.Bernoulli.ofProbs(Tensor.full(DType.FLOAT32, 0.5)),
                new ExpTransform()).hasRsample());
    }

    // ------------------------------------------------------------------ gradchecks (float64)

    @Test
    void gradchecks() {
        Tensor loc = Tensor.tensor(new double[] {0.3, -0.8, 1.1}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor scale = Tensor.tensor(new double[] {0.5, 1.3, 0.9}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor squashed = Tensor.tensor(new double[] {-0.9, 0.2, 0.75}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> new TransformedDistribution(new Normal(a[0], a[1]), new TanhTransform())
                .logProb(a[2]), loc, scale, squashed));
        assertTrue(Autograd.gradgradcheck(a -> new TransformedDistribution(new Normal(a[0], a[1]), new TanhTransform())
                .logProb(a[2]), loc, scale, squashed));
        Tensor v = Tensor.tensor(new double[] {1.5, 2.0, 4.0}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> new TransformedDistribution(new Normal(a[0], a[1]), new ExpTransform(),
                new AffineTransform(1.0, 2.0)).logProb(a[2]), loc, scale, v));
        Tensor ts = Tensor.tensor(new double[] {2.0, -0.5, 1.5}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> new TransformedDistribution(new Normal(a[0], a[1]),
                new AffineTransform(Tensor.ones(DType.FLOAT64, 3), a[2], 1)).logProb(a[3]), loc, scale, ts, v));
        Tensor p = Tensor.tensor(new double[] {0.1, 0.5, 0.9}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> new TransformedDistribution(new Normal(a[0], a[1]), new ExpTransform(),
                new AffineTransform(1.0, -2.0)).icdf(a[2]), loc, scale, p));
        // rsample: the same generator state each call, so the noise is fixed and the sample a function of loc, scale
        assertTrue(Autograd.gradcheck(a -> new TransformedDistribution(new Normal(a[0], a[1]), new TanhTransform(),
                new AffineTransform(0.5, 2.0)).rsample(new Generator(7), 4), loc, scale));
    }
}
