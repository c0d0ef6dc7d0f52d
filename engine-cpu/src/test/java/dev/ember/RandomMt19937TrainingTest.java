package dev.ember;

import dev.ember.nn.Dropout;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One seed, PyTorch's trajectory: a training program whose every random number comes from the default generator (the
 * layers' default init, the data, each batch's randperm, the dropout masks), run with
 * {@link Generator.Algorithm#MT19937} in float64, follows PyTorch's losses step by step
 * ({@code mt19937training/make_expected.py}), with SGD (momentum) and with Adam. With Ember's Philox generator the same
 * program trains as well but along another path; this is what makes a port checkable against PyTorch without copying
 * weights over.
 */
class RandomMt19937TrainingTest {
    private final Generator.Algorithm before = Ember.defaultGeneratorAlgorithm();

    @AfterEach
    void restore() {
        Ember.setDefaultGeneratorAlgorithm(before);
    }

    private static List<String> expected(String name) {
        return List.of(NamedBlocks.load("/mt19937training/expected.txt").get(name));
    }

    private static void program(String name) throws Exception {
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
        Ember.manualSeed(2024);
        Module model = new Sequential(new Linear(8, 16), new Tanh(), new Dropout(0.25), new Linear(16, 3)).to(DType.FLOAT64);
        Tensor x = Tensor.randn(DType.FLOAT64, 64, 8);
        Tensor y = Tensor.randint(0, 3, 64);
        Optimizer opt = name.equals("sgd") ? new SGD(model.parameters(), 0.1, 0.9, 0, 0, false)
                : new Adam(model.parameters(), 0.01);
        List<String> want = expected(name);
        assertEquals(26, want.size(), name);
        for (int step = 0; step < 25; step++) {
            Tensor idx = Tensor.randperm(64).narrow(0, 0, 16);
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x.indexSelect(0, idx)), y.indexSelect(0, idx));
            loss.backward();
            opt.step();
            double torch = Double.parseDouble(want.get(step));
            assertEquals(torch, loss.item(), 1e-12 * Math.abs(torch), name + " step " + step);
        }
        model.eval();
        double fin;
        try (GradMode off = Ember.noGrad()) {
            fin = Functional.crossEntropy(model.forward(x), y).item();
        }
        double torch = Double.parseDouble(want.get(25).substring("final ".length()));
        assertEquals(torch, fin, 1e-12 * Math.abs(torch), name + " final loss");
    }

    @Test
    void sgdFollowsPyTorchsLosses() throws Exception {
        program("sgd");
    }

    @Test
    void adamFollowsPyTorchsLosses() throws Exception {
        program("adam");
    }
}
