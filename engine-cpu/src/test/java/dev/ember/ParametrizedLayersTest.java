package dev.ember;

import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.ConvTranspose3d;
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
 * The layers added after the parametrizations (InstanceNorm1d/3d through their shared InstanceNormBase, BatchNorm3d,
 * Conv3d, ConvTranspose1d, ConvTranspose3d) read their weight and bias through them, as PyTorch's {@code self.weight}
 * does: doubling a tensor through a registered parametrization gives the same output as doubling it by hand, and the
 * original gets the gradient.
 */
class ParametrizedLayersTest {
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
            tests.add(check(new BatchNorm3d(3), name, Tensor.randn(2, 3, 2, 3, 3)));
            tests.add(check(new Conv3d(3, 2, 2), name, Tensor.randn(2, 3, 3, 3, 3)));
            tests.add(check(new ConvTranspose1d(3, 2, 2), name, Tensor.randn(2, 3, 5)));
            tests.add(check(new ConvTranspose3d(3, 2, 2), name, Tensor.randn(2, 3, 2, 2, 2)));
        }
        return tests;
    }

    private static DynamicTest check(Module m, String name, Tensor x) {
        return DynamicTest.dynamicTest(m.getClass().getSimpleName() + "." + name + " " + java.util.Arrays.toString(x.shape()), () -> {
            Tensor param = m.namedParameters().get(name);
            Tensor plain;
            try (GradMode off = Ember.noGrad()) {
                param.copy_(Tensor.randn(param.shape()));
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
