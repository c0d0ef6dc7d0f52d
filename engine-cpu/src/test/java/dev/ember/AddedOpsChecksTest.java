package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad arguments of what session 17 added (bicubic interpolation, {@code fill_(Tensor)}, the optimizers' PyTorch 2.x
 * flags) and a gradcheck of {@code fill_(Tensor)}; their values against PyTorch are in ModuleSweepTest, IndexingSweepTest
 * and OptimSweepTest, bicubic's gradchecks in Layers2GradcheckTest. Messages as PyTorch 1.13 printed them
 * ({@code F.interpolate(torch.zeros(1,1,2,2,dtype=torch.long), scale_factor=2, mode='bicubic')},
 * {@code torch.zeros(3).fill_(torch.ones(2))}).
 */
class AddedOpsChecksTest {
    @Test
    void bicubicRefusesIntegers() {
        Tensor x = Tensor.zeros(DType.INT64, 1, 1, 2, 2);
        Throwable e = assertThrows(IllegalArgumentException.class, () -> Functional.interpolate(x, 2.0, "bicubic"));
        assertEquals("\"compute_indices_weights_cubic\" not implemented for 'Long'", e.getMessage());
    }

    @Test
    void fillWithATensorTakesOnlyA0DimValue() {
        Tensor x = Tensor.zeros(3);
        int version = x.version();
        Throwable e = assertThrows(IllegalArgumentException.class, () -> x.fill_(Tensor.ones(2)));
        assertEquals("fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.", e.getMessage());
        assertArrayEquals(new double[] {0, 0, 0}, x.toDoubleArray());
        assertEquals(version, x.version());
    }

    @Test
    void fillWithATensorGradchecks() {
        Tensor x = Tensor.rand(new Generator(3), DType.FLOAT64, 2, 3).requiresGrad_(true);
        Tensor v = Tensor.tensor(0.7, DType.FLOAT64).requiresGrad_(true);
        // the filled tensor times x: its gradient reaches v summed, and x only through the second factor
        assertTrue(Autograd.gradcheck(a -> a[0].mul(1.0).fill_(a[1]).mul(a[0]), x, v));
        assertEquals("FillBackward3", x.mul(1.0).fill_(v).gradFn().name());
    }

    @Test
    void differentiableTrueIsRefusedAndChangesNothing() {
        Tensor w = Tensor.zeros(2).requiresGrad_(true);
        Optimizer o = new SGD(List.of(w), 0.1);
        Throwable e = assertThrows(IllegalArgumentException.class, () -> o.paramGroups().get(0).set("differentiable", true));
        assertEquals("differentiable=True is not supported: Ember's optimizer steps are not recorded by autograd",
                e.getMessage());
        assertEquals(false, o.paramGroups().get(0).get("differentiable"));
        assertThrows(IllegalArgumentException.class, () -> o.paramGroups().get(0).set("foreach", 1.0));
        assertEquals(null, o.paramGroups().get(0).get("foreach"));
    }
}
