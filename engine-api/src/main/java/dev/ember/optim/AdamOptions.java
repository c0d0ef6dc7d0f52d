package dev.ember.optim;

import java.util.List;

/**
 * The options the Adam family (Adam, AdamW, NAdam, RAdam, Adamax, SparseAdam) reads from a group at each step, as
 * PyTorch's {@code group['lr']}, {@code group['betas']} and {@code group['eps']}, read in that order.
 *
 * @param lr the learning rate
 * @param beta1 the first moment's coefficient
 * @param beta2 the second moment's (Adamax: the infinity norm's) coefficient
 * @param eps the term added to the denominator
 */
record AdamOptions(double lr, double beta1, double beta2, double eps) {
    /** The group's options (its betas a two-element list of doubles, as the optimizers store them). */
    static AdamOptions of(ParamGroup group) {
        double lr = group.lr();
        List<?> betas = (List<?>) group.get("betas");
        return new AdamOptions(lr, (Double) betas.get(0), (Double) betas.get(1), group.getDouble("eps"));
    }
}
