package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.distributions.AffineTransform;
import dev.ember.distributions.ComposeTransform;
import dev.ember.distributions.ExpTransform;
import dev.ember.distributions.IndependentTransform;
import dev.ember.distributions.Normal;
import dev.ember.distributions.PowerTransform;
import dev.ember.distributions.SigmoidTransform;
import dev.ember.distributions.SoftmaxTransform;
import dev.ember.distributions.TanhTransform;
import dev.ember.distributions.Transform;
import dev.ember.distributions.TransformedDistribution;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;

/**
 * torch.distributions transforms and TransformedDistribution on CUDA against the CPU reference, forward and backward:
 * each transform's forward, inverse and log-det-Jacobian (compositions of existing ops, so no kernel of their own), a
 * tanh-squashed Normal's log_prob (SAC's policy), an affine-of-exp chain's log_prob, cdf and icdf, on odd sizes and
 * non-contiguous inputs.
 */
@ExtendWith(CudaGate.class)
class CudaDistributionTransformsTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    private static Tensor pos(Tensor t) {
        return t.abs().add(0.25);
    }

    private static Tensor ladj(Transform t, Tensor x) {
        return t.logAbsDetJacobian(x, t.forward(x));
    }

    @TestFactory
    List<DynamicTest> transforms() {
        List<DynamicTest> t = new ArrayList<>();
        Transform[] all = {new ExpTransform(), new AffineTransform(0.5, -1.5), new SigmoidTransform(), new TanhTransform(),
            new PowerTransform(2.5), new ComposeTransform(new AffineTransform(0.5, 2.0), new ExpTransform()),
            new IndependentTransform(new TanhTransform(), 1)};
        for (Transform tr : all) {
            String n = tr.toString().replace('\n', ' ');
            t.add(p(n + " forward", a -> tr.forward(pos(nc(a[0]))), r(7, 9)));
            t.add(p(n + " log_abs_det_jacobian", a -> ladj(tr, pos(nc(a[0]))), r(7, 9)));
        }
        t.add(p("tanh inverse", a -> new TanhTransform().inv().forward(a[0].mul(0.45)), r(5, 11)));
        t.add(p("sigmoid inverse", a -> new SigmoidTransform().inv().forward(a[0].mul(0.2).add(0.5)), r(5, 11)));
        t.add(p("softmax forward", a -> new SoftmaxTransform().forward(nc(a[0])), r(6, 13)));
        t.add(p("affine tensor event_dim=1 log_abs_det_jacobian",
                a -> ladj(new AffineTransform(a[1], pos(a[2]), 1), a[0]), r(4, 5), r(5), r(5)));
        return t;
    }

    @TestFactory
    List<DynamicTest> transformedDistributions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("tanh-squashed Normal log_prob", a -> new TransformedDistribution(new Normal(a[0], pos(a[1])),
                new TanhTransform(), new AffineTransform(0.0, 2.0)).logProb(a[2].mul(0.9)), r(3, 7), r(3, 7), r(5, 3, 7)));
        t.add(p("affine-of-exp log_prob", a -> new TransformedDistribution(new Normal(a[0], pos(a[1])), new ExpTransform(),
                new AffineTransform(1.0, -2.0)).logProb(pos(a[2]).neg().add(0.9)), r(9), r(9), r(4, 9)));
        t.add(p("affine-of-exp cdf", a -> new TransformedDistribution(new Normal(a[0], pos(a[1])), new ExpTransform(),
                new AffineTransform(1.0, 2.0)).cdf(pos(a[2]).add(1.0)), r(9), r(9), r(4, 9)));
        t.add(p("affine-of-exp icdf", a -> new TransformedDistribution(new Normal(a[0], pos(a[1])), new ExpTransform(),
                new AffineTransform(1.0, -2.0)).icdf(a[2].mul(0.2).add(0.5)), r(9), r(9), r(4, 9)));
        return t;
    }
}
