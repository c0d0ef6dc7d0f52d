package dev.ember;

/** A function of three doubles to a double, for {@link Tensor#map2_(Tensor, Tensor, DoubleTernaryOperator)}. */
@FunctionalInterface
public interface DoubleTernaryOperator {
    /**
     * The value for one element.
     *
     * @param self the tensor's element
     * @param x the first operand's element at its place
     * @param y the second operand's element at its place
     * @return the value written
     */
    double applyAsDouble(double self, double x, double y);
}
