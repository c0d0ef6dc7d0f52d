package dev.ember;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.distributions.GeneralizedPareto;
import dev.ember.distributions.InverseGamma;
import org.junit.jupiter.api.Test;

/**
 * float64 gradchecks (finite differences against the analytic gradient) of this session's differentiable additions,
 * whose values and first gradients {@code Census2xTest} and {@code FuzzRound15FixesTest} hold to PyTorch: the log
 * densities of InverseGamma (concentration, rate, value) and GeneralizedPareto (loc, scale, concentration of both signs,
 * value), and pow with a scalar exponent, whose backward is now pow_backward for every exponent (gradgradcheck too).
 */
class Session43GradcheckTest {
    private static Tensor leaf(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    @Test
    void inverseGammaLogProb() {
        assertTrue(Autograd.gradcheck(a -> new InverseGamma(a[0], a[1]).logProb(a[2]),
                leaf(0.7, 2.0, 3.5), leaf(1.5, 0.5, 2.0), leaf(0.3, 1.2, 4.0)));
    }

    @Test
    void generalizedParetoLogProb() {
        assertTrue(Autograd.gradcheck(a -> new GeneralizedPareto(a[0], a[1], a[2]).logProb(a[3]),
                leaf(0.0, -0.5, 0.2), leaf(1.0, 2.0, 0.5), leaf(0.2, -0.1, 0.3), leaf(0.4, 1.0, 0.9)));
    }

    @Test
    void powWithAScalarExponent() {
        for (double exponent : new double[] {2.0, 3.0, 0.5, -1.5}) {
            Tensor x = leaf(0.7, 1.3, 2.1);
            assertTrue(Autograd.gradcheck(a -> a[0].pow(exponent), x), "pow " + exponent);
            assertTrue(Autograd.gradgradcheck(a -> a[0].pow(exponent), x), "pow " + exponent + " second order");
        }
    }
}
