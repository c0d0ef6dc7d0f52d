package dev.ember;

import dev.ember.distributions.Dirichlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the bugs round 20 of the differential fuzz (DifferentialFuzzR20Test: programs on the distributions
 * after one {@code manual_seed}) found in Ember's distributions, each a short program of PyTorch's values
 * ({@code differentialfuzzr20/make_fixes.py}) replayed by {@link FuzzR20Interpreter} with its tolerances: the "right-most
 * size of value must match event_shape" message printed the value's right-most dims instead of its whole size; a
 * Categorical sample of sample shape (0,) returned an empty tensor where PyTorch's multinomial refuses; Wishart drew a
 * normal for every element of a p x p matrix where PyTorch draws the strict lower triangle only (the generator moved
 * too far, every later draw differed); the standard Gamma's reparameterized gradient used a short digamma series (last
 * ten bits off) and doubles where ATen compares with float constants; Dirichlet's and Beta's reparameterized gradient
 * went through the normalized Gammas where PyTorch's {@code _Dirichlet} function uses {@code _dirichlet_grad} (values
 * 10% and more apart), and its samples were not {@code _sample_dirichlet}'s (float64 Gammas, clamped); Wishart's df
 * message printed a 0-dim df as a tensor where PyTorch's f-string prints its number; Wishart's entropy did not leave
 * the lazy covariance_matrix behind, which PyTorch's repr (in validation messages) lists; expand of a probs-or-logits
 * distribution (Bernoulli, Geometric, Binomial, NegativeBinomial, ContinuousBernoulli, the relaxed ones, Categorical)
 * kept only the given parameter, where PyTorch's copies the other too once computed (the expanded repr lists both), and
 * Wishart's expand likewise dropped the covariance, precision or scale_tril computed so far; the
 * float32 standard Gamma sampler computed {@code 1 / alpha}, {@code alpha + 1} and {@code alpha - 1/3} in double where
 * ATen's {@code sample_gamma<float, double>} does them in float (samples an ulp apart, now bit for bit).
 */
@ExtendWith(Mt19937Default.class)
class FuzzRound20FixesTest {
    private static final Map<String, List<String>> CASES = FuzzFixes.load("/differentialfuzzr20/fixes.txt");

    /** The named program matches PyTorch throughout (its statements, errors and generator states). */
    private static void replays(String name) {
        List<String> lines = CASES.get(name);
        assertTrue(lines != null && lines.size() > 3, "no program " + name);
        assertNull(FuzzR20Interpreter.run(lines), name);
    }

    @Test
    void eventShapeMessagePrintsTheWholeSize() {
        replays("event_shape_message");
    }

    @Test
    void categoricalSampleOfZeroIsRefused() {
        replays("categorical_sample_zero");
    }

    @Test
    void wishartDrawsTheStrictLowerTriangleOnly() {
        replays("wishart_draws");
    }

    @Test
    void gammaReparameterizedGradientIsAtens() {
        replays("gamma_grad_f64");
        replays("gamma_grad_f32");
    }

    @Test
    void dirichletSampleAndGradientAreAtens() {
        replays("dirichlet_grad_f64");
        replays("dirichlet_grad_f32");
    }

    @Test
    void betaSampleAndGradientAreAtens() {
        replays("beta_grad_f64");
        replays("beta_grad_f32");
    }

    @Test
    void wishartDfMessagePrintsTheNumber() {
        replays("wishart_df_message");
    }

    @Test
    void wishartEntropyLeavesTheCovarianceInTheRepr() {
        replays("wishart_entropy_repr");
    }

    @Test
    void wishartExpandKeepsTheComputedMatrices() {
        replays("wishart_expand_keeps_computed");
    }

    @Test
    void expandKeepsTheComputedProbsOrLogits() {
        replays("expand_keeps_computed_geometric");
        replays("expand_keeps_computed_categorical");
    }

    @Test
    void float32GammaSamplerTakesAtensFloatSteps() {
        List<String> lines = CASES.get("gamma_samples_f32");
        assertTrue(lines != null, "no program gamma_samples_f32");
        assertNull(FuzzR20Interpreter.run(lines, 0.0), "float32 Gamma samples bit for bit");
    }

    @Test
    void dirichletRsampleNodeIsPyTorchs() {
        List<String> c = CASES.get("dirichlet_node");
        Tensor conc = Tensor.tensor(new double[] {1.0, 2.0}, DType.FLOAT32, Device.CPU).requiresGrad_(true);
        assertEquals(c.get(0), "node " + new Dirichlet(conc).rsample().gradFn().name());
    }
}
