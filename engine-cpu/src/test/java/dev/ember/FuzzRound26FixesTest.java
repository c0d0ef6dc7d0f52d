package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.utils.Convert;
import dev.ember.nn.utils.Fusion;
import dev.ember.nn.utils.Parametrization;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Parametrize;
import dev.ember.nn.utils.WeightNorm;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the differential fuzz round 26 (torch.nn.utils driven together, DifferentialFuzzR26Test), with
 * PyTorch's values ({@code differentialfuzzr26/make_fixes.py}, {@code fixes.txt}): an AttributeError named the layer's
 * class where PyTorch names its injected {@code Parametrized<Class>}; assigning through a parametrization without a
 * right inverse threw UnsupportedOperationException where PyTorch raises RuntimeError; weight_norm refused a missing
 * name in 2.1's words (2.x's later weight_norm leaves it to register_parametrization) and its forward's refusals lacked
 * the class; spectral_norm and orthogonal read a parametrized value that fails to compute as a missing tensor;
 * orthogonal stacked on another parametrization (its base never set) failed with a NullPointerException;
 * remove_parametrizations(leave_parametrized=True) of an unsafe dtype change replaced the original where PyTorch's
 * set_ refuses; the householder right inverse's original was laid out row-major where LAPACK's geqrf gives
 * column-major (so parameters_to_vector's view(-1) failed where PyTorch's works, and the reverse); fusion gave a fresh
 * layer's parameter order where PyTorch's deep copy keeps the layer's, and a bias-less layer's fused bias required grad.
 */
class FuzzRound26FixesTest {
    private static final Map<String, String> WANT = LabelledLines.load("/differentialfuzzr26/fixes.txt");

    /** No right inverse (a plain module). */
    static final class Twice extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.mul(2.0);
        }
    }

    /** Two originals from its right inverse, a forward of one. */
    static final class TwoOrig extends Parametrization {
        @Override
        public Tensor forward(Tensor x) {
            return x;
        }

        @Override
        public List<Tensor> rightInverse(Tensor x) {
            return List.of(x, x);
        }

        @Override
        public boolean rightInverseIsTensor() {
            return false;
        }
    }

    /**
     * make_fixes.py's {@code lin}: float64, the k-th parameter's i-th value {@code (((3 i^2 + 5 i + 2 k) mod 13) - 6) / 8}
     * (exact; full-rank weights).
     */
    private static Linear lin(int in, int out, boolean bias) {
        Linear m = new Linear(in, out, bias);
        m.to(DType.FLOAT64);
        int k = 0;
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : m.parameters()) {
                double[] v = new double[(int) p.numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (((3 * i * i + 5 * i + 2 * k) % 13) - 6) * 0.125;
                }
                p.copy_(Tensor.tensor(v, DType.FLOAT64).reshape(p.shape()));
                k++;
            }
        }
        return m;
    }

    private static Linear lin(int in, int out) {
        return lin(in, out, true);
    }

    /** A refusal as make_fixes.py writes it: Python's class (mapped from Ember's exception) and the message. */
    private static String refusal(Runnable r) {
        try {
            r.run();
        } catch (IllegalStateException | IllegalArgumentException | IndexOutOfBoundsException e) {
            String msg = String.valueOf(e.getMessage()).replace("\n", "|");
            return e.getClass().getSimpleName() + ": " + msg;
        }
        return "no error";
    }

    /** PyTorch's refusal {@code label}, whose Python class must map to Ember's {@code kind}. */
    private static void refuses(String label, Class<? extends RuntimeException> kind, Runnable r) {
        String want = WANT.get(label);
        String got = refusal(r);
        assertTrue(got.startsWith(kind.getSimpleName() + ": "), label + ": " + got);
        assertEquals(want.substring(want.indexOf(": ") + 2), got.substring(got.indexOf(": ") + 2), label);
    }

    private static void close(String label, Tensor got) {
        String[] want = WANT.get(label).split(",");
        double[] g = got.detach().contiguous().reshape(-1).toDoubleArray();
        assertEquals(want.length, g.length, label);
        for (int i = 0; i < g.length; i++) {
            double e = Double.parseDouble(want[i]);
            assertTrue(Math.abs(e - g[i]) <= 1e-12 * Math.max(1, Math.abs(e)), label + "[" + i + "]: " + e + " vs " + g[i]);
        }
    }

    private static String names(Module m) {
        StringBuilder sb = new StringBuilder();
        m.namedParameters().forEach((k, p) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append(':')
                .append(p.requiresGrad() ? 1 : 0));
        return sb.toString();
    }

    @Test
    void attributeErrorsNameTheParametrizedClassUntilTheLastParametrizationGoes() {
        Linear m = lin(3, 3);
        Parametrize.registerParametrization(m, "weight", new FuzzR26Interpreter.Scale());
        refuses("attr_parametrized", IllegalArgumentException.class, () -> ModuleInternals.getAttr(m, "nope"));
        Parametrize.removeParametrizations(m, "weight");
        refuses("attr_removed", IllegalArgumentException.class, () -> ModuleInternals.getAttr(m, "nope"));
    }

    @Test
    void assigningWithoutARightInverseIsPyTorchsRuntimeError() {
        Linear m = lin(3, 3);
        Parametrize.registerParametrization(m, "weight", new Twice());
        refuses("assign_no_inverse", IllegalStateException.class,
                () -> Parametrize.rightInverse(m, "weight", Tensor.zeros(DType.FLOAT64, 3, 3)));
        Linear f = lin(3, 3);
        Parametrize.registerParametrization(f, "weight", new FuzzR26Interpreter.Flat(), true);
        refuses("assign_no_inverse_flat", IllegalStateException.class,
                () -> Parametrize.rightInverse(f, "weight", Tensor.zeros(DType.FLOAT64, 9)));
    }

    @Test
    void forwardArityRefusalsNameTheParametrizationsClass() {
        Linear m = lin(3, 3);
        Parametrize.registerParametrization(m, "weight", new TwoOrig(), true);
        refuses("two_originals_one_input", IllegalArgumentException.class, () -> m.parametrizedValue("weight"));
    }

    @Test
    void weightNormLeavesAMissingNameToRegistrationAndItsBrokenValueToGetattr() {
        refuses("wn_missing", IllegalArgumentException.class, () -> Parametrizations.weightNorm(lin(3, 3), "nope", 0));
        Linear m = lin(3, 3);
        Parametrize.registerParametrization(m, "weight", new FuzzR26Interpreter.Split());
        Parametrizations.weightNorm(m, "weight", 0);
        refuses("wn_stacked_read", IllegalArgumentException.class, () -> m.parametrizedValue("weight"));
        String before = names(m);
        refuses("sn_of_broken", IllegalArgumentException.class,
                () -> Parametrizations.spectralNorm(m, "weight", 1, 1e-12, null));
        refuses("orth_of_broken", IllegalArgumentException.class, () -> Parametrizations.orthogonal(m, "weight", null));
        assertEquals(before, names(m));
    }

    @Test
    void orthogonalStackedOnAnotherParametrizationHasNoBase() {
        Linear m = lin(3, 3);
        Parametrize.registerParametrization(m, "weight", new FuzzR26Interpreter.Neg());
        Parametrizations.orthogonal(m, "weight", null);
        assertEquals(WANT.get("orth_stacked_names"), names(m));
        refuses("orth_stacked_read", IllegalArgumentException.class, () -> m.parametrizedValue("weight"));
    }

    @Test
    void removingAnUnsafeDtypeChangeRefusesBeforeAnythingChanges() {
        Linear m = lin(3, 3);
        Parametrize.registerParametrization(m, "weight", new FuzzR26Interpreter.F32(), true);
        refuses("remove_f32_parameter", IllegalArgumentException.class,
                () -> Parametrize.removeParametrizations(m, "weight"));
        assertEquals(WANT.get("remove_f32_parameter_names"), names(m));
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.to(DType.FLOAT64);
        Parametrize.registerParametrization(bn, "running_mean", new FuzzR26Interpreter.F32(), true);
        refuses("remove_f32_buffer", IllegalArgumentException.class,
                () -> Parametrize.removeParametrizations(bn, "running_mean"));
        assertEquals(WANT.get("remove_f32_buffer_parametrized"), Parametrize.isParametrized(bn, "running_mean") ? "1" : "0");
    }

    @Test
    void householderOriginalsAreLaidOutAsLapacksGeqrf() {
        Linear wide = lin(4, 3);
        Parametrizations.orthogonal(wide, "weight", "householder", false);
        close("householder_wide_p2v", Convert.parametersToVector(wide.parameters()));
        Linear tall = lin(3, 4);
        Parametrizations.orthogonal(tall, "weight", "householder", false);
        refuses("householder_tall_p2v", IllegalArgumentException.class,
                () -> Convert.parametersToVector(tall.parameters()));
        close("householder_tall_value", tall.parametrizedValue("weight"));
    }

    @Test
    void fusionKeepsTheLayersParameterOrderAndABiaslessLayersBiasDoesNotRequireGrad() {
        Linear m = lin(3, 3, false);
        WeightNorm.weightNorm(m, "weight", 0);
        WeightNorm.removeWeightNorm(m, "weight");
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            ModuleInternals.getAttr(bn, "weight").copy_(Tensor.tensor(new double[] {0.5, -1.0, 2.0}, DType.FLOAT64));
            ModuleInternals.getAttr(bn, "bias").copy_(Tensor.tensor(new double[] {0.25, 0.0, -0.75}, DType.FLOAT64));
            ModuleInternals.getAttr(bn, "running_mean").copy_(Tensor.tensor(new double[] {0.1, -0.2, 0.3}, DType.FLOAT64));
            ModuleInternals.getAttr(bn, "running_var").copy_(Tensor.tensor(new double[] {1.5, 0.5, 2.0}, DType.FLOAT64));
        }
        bn.eval();
        m.eval();
        Module fused = Fusion.fuseLinearBnEval(m, bn);
        assertEquals(WANT.get("fuse_names"), names(fused));
        close("fuse_weight", ModuleInternals.getAttr(fused, "weight"));
        close("fuse_bias", ModuleInternals.getAttr(fused, "bias"));
        assertThrows(IllegalStateException.class, () -> Fusion.fuseLinearBnEval(m.train(), bn));
    }
}
