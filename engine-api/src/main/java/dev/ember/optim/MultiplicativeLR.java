package dev.ember.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * Multiplies each group's learning rate by a function of the epoch at every step, as
 * {@code torch.optim.lr_scheduler.MultiplicativeLR}: {@code lr = lr * lambda(epoch)} from epoch 1 on, one function for
 * every group or one per group. The functions are not part of the state dict (PyTorch saves {@code None} for a
 * function too).
 */
public final class MultiplicativeLR extends LRScheduler {
    private final List<LongToDoubleFunction> lambdas;

    /**
     * One function for every group.
     *
     * @throws IllegalArgumentException for a null optimizer or function
     */
    public MultiplicativeLR(Optimizer optimizer, LongToDoubleFunction lrLambda) {
        this(optimizer, lrLambda == null ? null : Collections.nCopies(groupsOf(optimizer), lrLambda), false, -1);
    }

    /**
     * One function per group, in order.
     *
     * @throws IllegalArgumentException for a null optimizer, list or function, or a list of another length than the
     *     groups ({@code Expected 2 lr_lambdas, but got 1})
     */
    public MultiplicativeLR(Optimizer optimizer, List<LongToDoubleFunction> lrLambdas) {
        this(optimizer, lrLambdas, true, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. The initial step of a resumed schedule keeps the
     * groups' rates, as PyTorch 2.x's (1.13 multiplied them once more).
     *
     * @throws IllegalArgumentException as {@link #MultiplicativeLR(Optimizer, LongToDoubleFunction)}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError)
     */
    public MultiplicativeLR(Optimizer optimizer, LongToDoubleFunction lrLambda, long lastEpoch) {
        this(optimizer, lrLambda == null ? null : Collections.nCopies(groupsOf(optimizer), lrLambda), false, lastEpoch);
    }

    /**
     * One function per group, resumed after epoch {@code lastEpoch} (see {@link #MultiplicativeLR(Optimizer, LongToDoubleFunction,
     * long)}).
     *
     * @throws IllegalArgumentException as {@link #MultiplicativeLR(Optimizer, List)}, or when resuming, for a group without
     *     {@code initial_lr} (PyTorch's KeyError)
     */
    public MultiplicativeLR(Optimizer optimizer, List<LongToDoubleFunction> lrLambdas, long lastEpoch) {
        this(optimizer, lrLambdas, true, lastEpoch);
    }

    private MultiplicativeLR(Optimizer optimizer, List<LongToDoubleFunction> lambdas, boolean given, long lastEpoch) {
        super(checkedLambdas(optimizer, lambdas, given), lastEpoch);
        this.lambdas = List.copyOf(lambdas);
        initialStep();
    }

    @Override
    protected double[] getLr() {
        double[] lrs = unchanged();
        // the initial step keeps the rates (epoch 0, and a resumed schedule: PyTorch 2.x's _is_initial)
        if (!isInitial && lastEpoch > 0) {
            for (int i = 0; i < Math.min(lrs.length, lambdas.size()); i++) {
                lrs[i] = lrs[i] * lambdas.get(i).applyAsDouble(lastEpoch);
            }
        }
        return lrs;
    }

    @Override
    void saveTrailingFields(Map<String, Object> m) {
        m.put("lr_lambdas", new ArrayList<>(Collections.nCopies(lambdas.size(), null)));
    }
}
