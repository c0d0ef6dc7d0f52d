package dev.ember.nn;

import dev.ember.AutogradFunction;
import dev.ember.Tensor;

import java.util.function.UnaryOperator;

/**
 * PyTorch's {@code BackwardHookFunction}: the identity on the tensors around a module with full backward hooks, whose
 * backward hands the gradients to the hooks (and returns what they return). Its node is named
 * {@code BackwardHookFunctionBackward}, as PyTorch's.
 */
final class BackwardHookFunction extends AutogradFunction {
    private final UnaryOperator<Tensor[]> onBackward;

    BackwardHookFunction(UnaryOperator<Tensor[]> onBackward) {
        this.onBackward = onBackward;
    }

    @Override
    protected Tensor[] forward(Context ctx, Tensor... inputs) {
        return inputs.clone();
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor... gradOutputs) {
        return onBackward.apply(gradOutputs);
    }
}
