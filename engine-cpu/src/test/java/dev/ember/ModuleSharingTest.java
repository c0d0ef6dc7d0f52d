package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Sequential;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A module registered twice: its parameters and buffers are listed once, under their first names, as PyTorch's
 * {@code parameters()}/{@code named_parameters()}/{@code named_buffers()} ({@code remove_duplicate=True}), while the
 * state dict keeps every name. PyTorch 1.13: {@code a = nn.Linear(2, 2); s = nn.Sequential(a, a)} gives
 * {@code [n for n, _ in s.named_parameters()] == ['0.weight', '0.bias']} and
 * {@code list(s.state_dict()) == ['0.weight', '0.bias', '1.weight', '1.bias']}.
 */
class ModuleSharingTest {
    @Test
    void aModuleRegisteredTwiceListsItsParametersOnce() {
        Linear a = new Linear(2, 2);
        Sequential s = new Sequential(a, a);
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(s.namedParameters().keySet()));
        assertEquals(2, s.parameters().size());
        assertSame(a.weight, s.parameters().get(0));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias"), List.copyOf(s.stateDict().keySet()));
    }

    @Test
    void sharedBuffersAreListedOnce() {
        BatchNorm1d bn = new BatchNorm1d(3);
        Sequential s = new Sequential(bn, bn);
        assertEquals(List.of("0.running_mean", "0.running_var", "0.num_batches_tracked"),
                List.copyOf(s.namedBuffers().keySet()));
    }

    @Test
    void anOptimizerOverSharedParametersStepsEachOnce() {
        Linear a = new Linear(2, 1);
        Sequential s = new Sequential(a, a);
        double[] w0 = a.weight.toDoubleArray();
        Optimizer opt = new SGD(s.parameters(), 0.5);
        a.weight.setGrad(Tensor.ones(1, 2));
        a.bias.setGrad(Tensor.ones(1));
        opt.step();
        assertArrayEquals(new double[] {w0[0] - 0.5, w0[1] - 0.5}, a.weight.toDoubleArray(), 1e-7);
    }
}
