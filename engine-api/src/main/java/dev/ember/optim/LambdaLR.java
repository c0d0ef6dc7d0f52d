package dev.ember.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * Sets each group's learning rate to its initial rate times a function of the epoch, as
 * {@code torch.optim.lr_scheduler.LambdaLR}: {@code lr = base_lr * lambda(epoch)}, one function for every group or one
 * per group. The functions are not part of the state dict (PyTorch saves {@code None} for a function too).
 */
public final class LambdaLR extends LRScheduler {
    private final List<LongToDoubleFunction> lambdas;

    /**
     * One function for every group.
     *
     * @throws IllegalArgumentException for a null optimizer or function
     */
    public LambdaLR(Optimizer optimizer, LongToDoubleFunction lrLambda) {
        this(optimizer, lrLambda == null ? null : Collections.nCopies(groupsOf(optimizer), lrLambda), false, -1);
    }

    /**
     * One function per group, in order.
     *
     * @throws IllegalArgumentException for a null optimizer, list or function, or a list of another length than the
     *     groups ({@code Expected 2 lr_lambdas, but got 1})
     */
    public LambdaLR(Optimizer optimizer, List<LongToDoubleFunction> lrLambdas) {
        this(optimizer, lrLambdas, true, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one.
     *
     * @throws IllegalArgumentException as {@link #LambdaLR(Optimizer, LongToDoubleFunction)}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError)
     */
    public LambdaLR(Optimizer optimizer, LongToDoubleFunction lrLambda, long lastEpoch) {
        this(optimizer, lrLambda == null ? null : Collections.nCopies(groupsOf(optimizer), lrLambda), false, lastEpoch);
    }

    /**
     * One function per group, resumed after epoch {@code lastEpoch} (see {@link #LambdaLR(Optimizer, LongToDoubleFunction,
     * long)}).
     *
     * @throws IllegalArgumentException as {@link #LambdaLR(Optimizer, List)}, or when resuming, for a group without
     *     {@code initial_lr} (PyTorch's KeyError)
     */
    public LambdaLR(Optimizer optimizer, List<LongToDoubleFunction> lrLambdas, long lastEpoch) {
        this(optimizer, lrLambdas, true, lastEpoch);
    }

    private LambdaLR(Optimizer optimizer, List<LongToDoubleFunction> lambdas, boolean given, long lastEpoch) {
        super(checkedLambdas(optimizer, lambdas, given), lastEpoch);
        this.lambdas = List.copyOf(lambdas);
        initialStep();
    }

    @Override
    protected double[] getLr() {
        double[] out = new double[Math.min(lambdas.size(), baseLrs.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = baseLrs[i] * lambdas.get(i).applyAsDouble(lastEpoch);
        }
        return out;
    }

    @Override
    void saveTrailingFields(Map<String, Object> m) {
        m.put("lr_lambdas", new ArrayList<>(Collections.nCopies(lambdas.size(), null)));
    }
}
