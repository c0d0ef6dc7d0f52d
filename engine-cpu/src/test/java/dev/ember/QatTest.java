package dev.ember;

import dev.ember.ao.nn.qat.Conv2d;
import dev.ember.ao.nn.qat.Linear;
import dev.ember.ao.quantization.FakeQuantize;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Quantization-aware training with {@link Conv2d} and {@link Linear} of dev.ember.ao.nn.qat under
 * {@code get_default_qat_qconfig("x86")}, against PyTorch (resources/qat/make_expected.py): three SGD steps (outputs,
 * losses, parameters, the fake quantizers' scales and zero points), printouts, state dict keys, and the default
 * QConfigs of every backend and version.
 */
class QatTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/qat/expected.txt");

    private static Tensor in(String key) {
        return EXPECTED.tensor(key);
    }

    private static String text(String key) {
        return EXPECTED.text(key);
    }

    private static void close(String key, Tensor got) {
        // float32 convolutions and products in another order than PyTorch's: a few ulps
        ReferenceCases.assertClose(key, in(key), got, 2e-6);
    }

    @Test
    void threeTrainingStepsMatchPyTorch() {
        dev.ember.nn.Conv2d conv = new dev.ember.nn.Conv2d(2, 4, 3, 1, 1);
        dev.ember.nn.Linear fc = new dev.ember.nn.Linear(100, 3);
        try (GradMode off = Ember.noGrad()) {
            conv.getParameter("weight").copy_(in("conv.weight"));
            conv.getParameter("bias").copy_(in("conv.bias"));
            fc.weight.copy_(in("fc.weight"));
            fc.bias.copy_(in("fc.bias"));
        }
        QConfig qconfig = QConfig.getDefaultQatQconfig("x86");
        Conv2d qconv = Conv2d.fromFloat(conv, qconfig);
        Linear qfc = Linear.fromFloat(fc, qconfig);
        FakeQuantizeBase act = (FakeQuantizeBase) qconfig.activation().get();
        List<Tensor> params = new ArrayList<>(qconv.parameters());
        params.addAll(qfc.parameters());
        SGD opt = new SGD(params, 0.05);
        Tensor x = in("x");
        Tensor target = in("target");
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor h = act.apply(qconv.apply(x).relu());
            Tensor out = qfc.apply(h.flatten(1));
            Tensor loss = Functional.mseLoss(out, target);
            loss.backward();
            opt.step();
            close("out" + step, out);
            close("loss" + step, loss);
            close("conv.weight" + step, qconv.getParameter("weight"));
            close("conv.bias" + step, qconv.getParameter("bias"));
            close("fc.weight" + step, qfc.weight);
            close("fc.bias" + step, qfc.bias);
            close("conv.wscale" + step, ((FakeQuantize) qconv.weightFakeQuant()).scale());
            close("conv.wzp" + step, ((FakeQuantize) qconv.weightFakeQuant()).zeroPoint());
            close("fc.wscale" + step, ((FakeQuantize) qfc.weightFakeQuant()).scale());
            close("act.scale" + step, ((FakeQuantize) act).scale());
            close("act.zp" + step, ((FakeQuantize) act).zeroPoint());
        }
        assertEquals(text("conv.repr"), qconv.toString());
        assertEquals(text("fc.repr"), qfc.toString());
        assertEquals(EXPECTED.get("fc.keys"), String.join(",", qfc.stateDict().keySet()));
    }

    @Test
    void modelLevelSwitchesReachEveryFakeQuantizer() {
        QConfig qconfig = QConfig.getDefaultQatQconfig("x86");
        dev.ember.nn.Sequential model = new dev.ember.nn.Sequential(new Conv2d(2, 4, 3, qconfig),
            new dev.ember.nn.Flatten(), new Linear(36, 3, true, qconfig));
        Tensor x = EXPECTED.tensor("x");
        model.apply(x);
        Linear fc = (Linear) model.get(2);
        Tensor before = ((FakeQuantize) fc.weightFakeQuant()).scale().clone();
        model.apply(dev.ember.ao.quantization.Quantization::disableObserver);
        try (GradMode off = Ember.noGrad()) {
            fc.weight.mul_(3.0);
        }
        model.apply(x);
        assertEquals(before.toString(), ((FakeQuantize) fc.weightFakeQuant()).scale().toString(),
            "no observer updates the scale");
        model.apply(dev.ember.ao.quantization.Quantization::disableFakeQuant);
        assertEquals(false, fc.weightFakeQuant().fakeQuantEnabled());
        assertEquals(false, ((Conv2d) model.get(0)).weightFakeQuant().observerEnabled());
        model.apply(dev.ember.ao.quantization.Quantization::enableObserver);
        model.apply(dev.ember.ao.quantization.Quantization::enableFakeQuant);
        assertEquals(true, fc.weightFakeQuant().fakeQuantEnabled() && fc.weightFakeQuant().observerEnabled());
    }

    @Test
    void defaultQatQconfigsOfEveryBackend() {
        for (String backend : new String[] {"x86", "fbgemm", "qnnpack", "onednn"}) {
            for (int version = 0; version <= 1; version++) {
                QConfig q = QConfig.getDefaultQatQconfig(backend, version);
                String k = "qconfig." + backend + "." + version;
                assertEquals(text(k + ".act"), q.activation().get().toString(), k);
                assertEquals(text(k + ".weight"), q.weight().get().toString(), k);
            }
        }
        // PyTorch 2.x refuses another backend (1.13, the generator's, gave "other" a default qconfig)
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
            () -> QConfig.getDefaultQatQconfig("other", 1));
        assertEquals("backend: other not supported. backend must be one of ['fbgemm', 'x86', 'qnnpack', 'onednn']",
            other.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> QConfig.getDefaultQatQconfig("x86", 2));
        assertEquals("Version number: 2in get_default_qat_qconfig is not supported. Version number must be 0 or 1",
            e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Linear(2, 3, true, null));
    }
}
