package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.SGD;
import dev.ember.optim.SWALR;
import dev.ember.optim.SwaUtils;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.optim.swa_utils} against PyTorch 2.x's rules ({@code optimextra/make_expected.py}, which writes out
 * 2.x's {@code update_parameters} where 1.13 differs): AveragedModel's state (every parameter, buffer and
 * {@code n_averaged}) after each of five updates of a Linear-BatchNorm1d-Linear model trained by SGD, with the default
 * SWA average, averaged buffers, the EMA multi_avg_fn and an EMA avg_fn, its state dict keys and its eval-mode output
 * (float64, 1e-12); SWALR's rates per group (cosine, linear with one rate per group, no annealing epochs, the defaults);
 * update_bn's statistics (tensor batches and (input, target) lists), momentum and training mode restored; errors.
 */
class SwaUtilsTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/optimextra/expected.txt");
    private static final Tensor X = Tensor.tensor(new double[][] {{0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}, {-0.2, 0.8, 1.1},
        {2.0, -1.5, 0.4}, {0.9, 1.2, -1.3}, {-1.1, 0.1, 0.6}}, DType.FLOAT64);
    private static final Tensor Y = Tensor.tensor(new double[][] {{1.0, -0.5}, {0.2, 0.7}, {-1.3, 0.4}, {0.8, 1.9},
        {-0.6, -1.1}, {1.4, 0.3}}, DType.FLOAT64);

    /** The script's model: its parameters set by the same formula. */
    static Module model() {
        Module m = new Sequential(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2)).to(DType.FLOAT64);
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                Tensor p = e.getValue();
                double[] v = new double[(int) p.numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (i * 0.37 + e.getKey().length() * 0.11) % 1.3 - 0.6;
                }
                p.copy_(Tensor.tensor(v, DType.FLOAT64).reshape(p.shape()));
            }
        }
        return m;
    }

    private static Module fresh() {
        return new Sequential(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2));
    }

    private static void trainStep(Module m, SGD opt) {
        opt.zeroGrad();
        m.apply(X).sub(Y).pow(2).mean().backward();
        opt.step();
    }

    private static double[] flat(Iterable<Tensor> ts) {
        List<Double> out = new ArrayList<>();
        for (Tensor t : ts) {
            for (double v : t.to(DType.FLOAT64).reshape(-1).toDoubleArray()) {
                out.add(v);
            }
        }
        double[] a = new double[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    private static void close(double[] expected, double[] got, String what) {
        assertEquals(expected.length, got.length, what + ": length");
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-12 * Math.abs(expected[i]) + 1e-14, what + " element " + i);
        }
    }

    private static AveragedModel averaging(String key, AveragedModel.AvgFn avgFn, AveragedModel.MultiAvgFn multi,
                                           boolean useBuffers) {
        averaging(key, avgFn, multi, useBuffers, false);
        return averaging(key, avgFn, multi, useBuffers, true);
    }

    /** With {@code deepCopy}, PyTorch's form: the average over a deep copy of the model; else over a fresh module. */
    private static AveragedModel averaging(String key, AveragedModel.AvgFn avgFn, AveragedModel.MultiAvgFn multi,
                                           boolean useBuffers, boolean deepCopy) {
        Module m = model();
        AveragedModel swa = deepCopy ? new AveragedModel(m, null, avgFn, multi, useBuffers)
            : new AveragedModel(m, SwaUtilsTest::fresh, null, avgFn, multi, useBuffers);
        SGD opt = new SGD(m.parameters(), 0.1);
        for (int k = 0; k < 5; k++) {
            trainStep(m, opt);
            swa.updateParameters(m);
            close(PyTorchCases.numbers(TORCH.field(key, "avg" + k)), flat(swa.stateDict().values()), key + " update " + k);
        }
        assertEquals(TORCH.field(key, "keys"), String.join(" ", swa.stateDict().keySet()));
        assertEquals(5, swa.nAveraged());
        swa.eval();
        try (GradMode off = Ember.noGrad()) {
            close(PyTorchCases.numbers(TORCH.field(key, "out")), swa.apply(X).reshape(-1).toDoubleArray(), key + " output");
        }
        return swa;
    }

    @Test
    void swaAverageKeepsTheBuffersInSync() {
        averaging("swa_default", null, null, false);
    }

    @Test
    void swaAverageOfParametersAndBuffers() {
        averaging("swa_buffers", null, null, true);
    }

    @Test
    void emaMultiAvgFn() {
        averaging("swa_ema_multi", null, SwaUtils.getEmaMultiAvgFn(0.9), true);
    }

    @Test
    void emaAvgFn() {
        averaging("swa_ema_avg", SwaUtils.getEmaAvgFn(0.8), null, false);
    }

    @Test
    void swaMultiAvgFnIsTheDefaultAverage() {
        AveragedModel a = averaging("swa_buffers", null, SwaUtils.getSwaMultiAvgFn(), true);
        assertTrue(a.useBuffers());
    }

    @Test
    void averagedModelCopiesPrintsAndRoundTrips() {
        Module m = model();
        AveragedModel swa = new AveragedModel(m, SwaUtilsTest::fresh);
        // the copy has the model's values, type and training mode, in tensors of its own
        assertArrayEquals(flat(m.stateDict().values()), flat(swa.module().stateDict().values()));
        assertTrue(swa.module().parameters().get(0) != m.parameters().get(0));
        assertEquals(DType.FLOAT64, swa.module().parameters().get(0).dtype());
        assertEquals("AveragedModel(\n  (module): Linear(in_features=3, out_features=2, bias=True)\n)",
            new AveragedModel(new Linear(3, 2), () -> new Linear(3, 2)).toString());
        swa.updateParameters(m);
        swa.updateParameters(model());
        AveragedModel other = new AveragedModel(model(), SwaUtilsTest::fresh);
        other.loadStateDict(swa.stateDict());
        assertEquals(2, other.nAveraged());
        assertArrayEquals(flat(swa.stateDict().values()), flat(other.stateDict().values()));
    }

    @Test
    void averagedModelErrors() {
        Module m = model();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AveragedModel(m,
            SwaUtilsTest::fresh, null, SwaUtils.getEmaAvgFn(), SwaUtils.getEmaMultiAvgFn(), false));
        assertEquals("Only one of avg_fn and multi_avg_fn should be provided", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AveragedModel(m, () -> m));
        assertThrows(IllegalArgumentException.class, () -> new AveragedModel(m, () -> null));
        e = assertThrows(IllegalArgumentException.class, () -> new AveragedModel(m, () -> new Linear(3, 4)));
        assertTrue(e.getMessage().startsWith("Error(s) in loading state_dict"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AveragedModel(m, SwaUtilsTest::fresh).updateParameters(null));
    }

    // ------------------------------------------------------------------ SWALR

    private static void swalr(String key, int steps, java.util.function.Function<SGD, SWALR> make) {
        Tensor a = Tensor.tensor(new double[] {1.0}, DType.FLOAT64).requiresGrad_(true);
        Tensor b = Tensor.tensor(new double[] {2.0}, DType.FLOAT64).requiresGrad_(true);
        SGD opt = new SGD(List.of(a), 0.5);
        opt.addParamGroup(List.of(b), Map.of("lr", 0.1));
        SWALR s = make.apply(opt);
        for (int k = 0; k <= steps; k++) {
            if (k > 0) {
                opt.step();
                s.step();
            }
            double[] got = {opt.paramGroups().get(0).lr(), opt.paramGroups().get(1).lr()};
            close(PyTorchCases.numbers(TORCH.field(key, "lr" + k)), got, key + " step " + k);
        }
        close(PyTorchCases.numbers(TORCH.field(key, "last")), s.getLastLr(), key + " get_last_lr");
    }

    @Test
    void swalrCosine() {
        swalr("swalr_cos", 6, o -> new SWALR(o, 0.05, 3, "cos"));
    }

    @Test
    void swalrLinearPerGroup() {
        swalr("swalr_linear_list", 6, o -> new SWALR(o, List.of(0.05, 0.2), 4, "linear"));
    }

    @Test
    void swalrWithoutAnnealing() {
        swalr("swalr_zero_epochs", 3, o -> new SWALR(o, 0.01, 0, "cos"));
    }

    @Test
    void swalrDefaults() {
        swalr("swalr_default", 12, o -> new SWALR(o, 0.05));
    }

    @Test
    void swalrErrorsChangeNothingAndStateRoundTrips() {
        SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1);
        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new SWALR(opt, List.of(0.1), 10, "cos"));
        assertEquals("swa_lr must have the same length as optimizer.param_groups: swa_lr has 1, optimizer.param_groups has 2",
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SWALR(opt, 0.1, 10, "exp"));
        assertEquals("anneal_strategy must by one of 'cos' or 'linear', instead got exp", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SWALR(opt, 0.1, -1, "cos"));
        assertEquals("anneal_epochs must be equal or greater than 0, got -1", e.getMessage());
        assertFalse(opt.paramGroups().get(0).has("swa_lr"), "a refused SWALR leaves the groups alone");
        assertFalse(opt.paramGroups().get(0).has("initial_lr"));
        SWALR s = new SWALR(opt, 0.05, 3, "linear");
        s.step();
        Map<String, Object> sd = s.stateDict();
        assertEquals(3L, sd.get("anneal_epochs"));
        // PyTorch 2.x's key is _anneal_strategy (SWALR._set_anneal_func; session 34: it was anneal_strategy here)
        assertEquals("linear", sd.get("_anneal_strategy"));
        SGD opt2 = new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1);
        opt2.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of());
        SWALR s2 = new SWALR(opt2, 0.05, 10, "cos");
        opt2.loadStateDict(opt.stateDict());
        s2.loadStateDict(sd);
        s.step();
        s2.step();
        assertArrayEquals(s.getLastLr(), s2.getLastLr());
        // a state Ember saved before session 34, under anneal_strategy, still loads
        Map<String, Object> legacy = new java.util.LinkedHashMap<>(s.stateDict());
        legacy.put("anneal_strategy", legacy.remove("_anneal_strategy"));
        SWALR s3 = new SWALR(opt2, 0.05, 10, "cos");
        s3.loadStateDict(legacy);
        assertEquals(s.stateDict().toString(), s3.stateDict().toString());
    }

    // ------------------------------------------------------------------ update_bn

    private static void updateBn(String key, List<?> loader, boolean train) {
        Module m = model();
        BatchNorm1d bn = (BatchNorm1d) m.children().get(1);
        bn.setMomentum(0.3);
        SGD opt = new SGD(m.parameters(), 0.1);
        for (int k = 0; k < 3; k++) {
            trainStep(m, opt);
        }
        m.train(train);
        SwaUtils.updateBn(loader, m);
        Map<String, Tensor> st = bn.stateDict();
        close(PyTorchCases.numbers(TORCH.field(key, "running_mean")), st.get("running_mean").toDoubleArray(), "mean");
        close(PyTorchCases.numbers(TORCH.field(key, "running_var")), st.get("running_var").toDoubleArray(), "var");
        assertEquals(PyTorchCases.numbers(TORCH.field(key, "num_batches_tracked"))[0], st.get("num_batches_tracked").item());
        assertEquals(PyTorchCases.numbers(TORCH.field(key, "momentum"))[0], bn.momentum());
        double[] training = PyTorchCases.numbers(TORCH.field(key, "training"));
        assertEquals(training[0] == 1, m.isTraining());
        assertEquals(training[1] == 1, bn.isTraining());
    }

    @Test
    void updateBnOverTensorBatches() {
        updateBn("update_bn_tensors", List.of(X.narrow(0, 0, 2), X.narrow(0, 2, 2), X.narrow(0, 3, 3).mul(3.0)), false);
    }

    @Test
    void updateBnOverInputTargetLists() {
        updateBn("update_bn_lists", List.of(List.of(X.narrow(0, 0, 3), Y.narrow(0, 0, 3)),
            new Tensor[] {X.narrow(0, 3, 3).sub(1.0), Y.narrow(0, 3, 3)}), true);
    }

    @Test
    void updateBnEdges() {
        Module noBn = new Linear(3, 2);
        SwaUtils.updateBn(List.of("not even a tensor"), noBn); // no batch norm: the loader is not read, as in PyTorch
        Module m = model();
        BatchNorm1d bn = (BatchNorm1d) m.children().get(1);
        m.eval();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SwaUtils.updateBn(List.of(X, "bad"), m));
        assertTrue(e.getMessage().startsWith("update_bn: each batch must be"), e.getMessage());
        assertEquals(0.1, bn.momentum(), "the momentum is restored after a failure");
        assertFalse(m.isTraining());
        bn.setMomentum(null);
        assertNull(bn.momentum());
        // null arguments: IllegalArgumentException naming the null (device may be null: the batches stay where they are)
        for (Runnable r : List.<Runnable>of(() -> SwaUtils.updateBn(null, m), () -> SwaUtils.updateBn(List.of(X), null),
            () -> new AveragedModel(null, SwaUtilsTest::fresh), () -> new AveragedModel(m, null),
            () -> new SWALR(null, 0.1), () -> new SWALR(new SGD(m.parameters(), 0.1), null, 10, "cos"),
            () -> new SWALR(new SGD(m.parameters(), 0.1), 0.1, 10, null))) {
            e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("null") || e.getMessage().contains("None"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new dev.ember.nn.InstanceNorm1d(3).setMomentum(null));
    }
}
