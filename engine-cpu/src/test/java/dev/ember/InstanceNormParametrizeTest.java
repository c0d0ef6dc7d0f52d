package dev.ember;

import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.InstanceNorm2d;
import dev.ember.nn.InstanceNorm3d;
import dev.ember.nn.Module;
import dev.ember.nn.utils.Parametrize;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InstanceNorm1d/2d/3d share one forward (InstanceNormBase, PyTorch's {@code _InstanceNorm}), which reads the affine
 * weight and bias through their parametrizations as PyTorch's {@code self.weight} does: doubling a tensor through a
 * registered parametrization gives the same output as doubling it by hand, and the original gets the gradient.
 */
class InstanceNormParametrizeTest {
    /** The parametrization x -> 2x. */
    static final class Scale2 extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.mul(2.0);
        }
    }

    @TestFactory
    List<DynamicTest> instanceNormsReadThroughParametrizations() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : new String[] {"weight", "bias"}) {
            tests.add(check(new InstanceNorm1d(3, 1e-5, 0.1, true, false), name, Tensor.randn(2, 3, 5)));
            tests.add(check(new InstanceNorm1d(3, 1e-5, 0.1, true, true), name, Tensor.randn(3, 5)));
            tests.add(check(new InstanceNorm2d(3, 1e-5, 0.1, true, false), name, Tensor.randn(2, 3, 4, 4)));
            tests.add(check(new InstanceNorm3d(3, 1e-5, 0.1, true, false), name, Tensor.randn(2, 3, 2, 3, 3)));
            tests.add(check(new InstanceNorm3d(3, 1e-5, 0.1, true, true), name, Tensor.randn(3, 2, 3, 3)));
        }
        return tests;
    }

    private static DynamicTest check(Module m, String name, Tensor x) {
        return DynamicTest.dynamicTest(m.getClass().getSimpleName() + "." + name + " " + java.util.Arrays.toString(x.shape()), () -> {
            Tensor param = m.namedParameters().get(name);
            Tensor plain;
            try (GradMode off = Ember.noGrad()) {
                param.copy_(Tensor.randn(3));
                param.mul_(2.0);
                plain = m.apply(x).detach();
                param.div_(2.0);
            }
            Parametrize.registerParametrization(m, name, new Scale2());
            Tensor out = m.apply(x);
            assertTrue(out.allclose(plain, 1e-5, 1e-6), m.getClass().getSimpleName() + "." + name);
            out.sum().backward();
            assertNotNull(m.namedParameters().get("parametrizations." + name + ".original").grad(), name);
        });
    }
}
