package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The regressions of round 15's differential fuzz (torch.func transforms composed over random programs,
 * {@link DifferentialFuzzR15Test}), each a named case of {@code differentialfuzzr15/fixes.txt} written by functorch
 * ({@code make_fixes.py}) and replayed by {@link FuzzR15Interpreter}: every result's dtype, shape, values and
 * requires_grad, and the inputs unchanged.
 */
class FuzzRound15FixesTest {
    private static final List<DifferentialFuzzR6Test.Case> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr15/fixes.txt");

    private static void check(String id) {
        DifferentialFuzzR6Test.Case c = CASES.stream().filter(k -> k.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no case " + id));
        assertNull(FuzzR15Interpreter.run(c.lines()), id);
    }

    /**
     * vjp's gradient for a primal the output does not use is zeros that do not require grad (functorch fills
     * {@code torch.zeros_like} of the level's input in {@code _autograd_grad}); Ember gave autograd's
     * {@code materialize_grads} zeros, a leaf that requires grad.
     */
    @Test
    void vjpOfAnUnusedPrimalGivesPlainZeros() {
        check("vjp_unused_primal");
    }

    /** The same for grad_and_value with an argnum the value does not use. */
    @Test
    void gradAndValueOfAnUnusedArgnumGivesPlainZeros() {
        check("gav_unused_argnum");
    }

    /**
     * jacrev with respect to an input its output does not reach, while the output depends on an enclosing transform's
     * input, is zeros of shape {@code out + input}; Ember's batched gradient for it lacked the batch dimension and
     * failed to reshape ("shape '[3, 2]' is invalid for input of size 2").
     */
    @Test
    void jacrevOfAnUnreachedInputInsideJacrevIsZeros() {
        check("jacrev_unreached_input_inside_jacrev");
    }

    /** The same for jacfwd inside grad. */
    @Test
    void jacfwdOfAnUnreachedInputInsideGradIsZeros() {
        check("jacfwd_unreached_input_inside_grad");
    }

    /**
     * An enclosing transform differentiating vjp_fn's result with respect to the cotangent gives a plain tensor;
     * Ember kept a graph, because the leaves vjp made for its primals counted as tensors from outside the enclosing
     * transform (an inner level's leaves now join the enclosing level's when the inner call ends).
     */
    @Test
    void jacrevOfVjpFnWithRespectToTheCotangentIsPlain() {
        check("jacrev_of_vjp_fn_wrt_cotangent");
    }

    /** The same for grad of a squared sum of vjp_fn's result. */
    @Test
    void gradOfVjpFnWithRespectToTheCotangentIsPlain() {
        check("grad_of_vjp_fn_wrt_cotangent");
    }

    /**
     * jacrev with respect to one input of hessian with respect to another: a plain tensor (the leaves hessian's inner
     * jacrev made counted as jacrev's outer tensors).
     */
    @Test
    void jacrevOfHessianWithRespectToAnotherInputIsPlain() {
        check("jacrev_of_hessian_wrt_another_input");
    }

    /**
     * Repeated argnums are reported wrapped, as 2.x's {@code _slice_argnums} checks them after
     * {@code _validate_and_wrap_argnums}: "argnums elements must be unique, got (0, 0)" for (0, -2) of two inputs; Ember
     * wrote them as given.
     */
    @Test
    void repeatedArgnumsAreReportedWrapped() {
        check("grad_repeated_negative_argnums");
    }

    /**
     * jacrev of grad of a squared sum, its input requiring grad outside the transforms: the Hessian requires grad and a
     * backward through it reaches the input, because PyTorch's pow_backward is {@code grad * (2 * self.pow(1))}, whose
     * derivative goes through {@code self.pow(1)}; Ember's shortcut {@code grad * (self * 2)} for exponent 2 gave a
     * plain Hessian.
     */
    @Test
    void jacrevOfGradOfASquareKeepsTheGraph() {
        check("jacrev_of_grad_of_square_keeps_graph");
    }

    /**
     * The same in plain autograd: the second derivative of {@code (x ** 2).sum()} is 2 with a graph (MulBackward0) and
     * the third is zeros, as PyTorch 2.x gives (pow_backward: {@code grad * (exponent * self.pow(exponent - 1))}, and
     * {@code self.pow(0)}'s derivative is zeros); Ember's second derivative did not require grad, so the third refused.
     */
    @Test
    void thirdDerivativeOfASquareIsZeros() {
        Tensor x = Tensor.tensor(new double[] {0.5, -1.5, 2.0}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        GradOptions keep = GradOptions.defaults().withCreateGraph(true);
        Tensor g = Autograd.grad(List.of(x.pow(2.0).sum()), List.of(x), null, keep).get(0);
        Tensor h = Autograd.grad(List.of(g.sum()), List.of(x), null, keep).get(0);
        org.junit.jupiter.api.Assertions.assertTrue(h.requiresGrad(), "the second derivative requires grad");
        org.junit.jupiter.api.Assertions.assertEquals("MulBackward0", h.gradFn().name());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {2, 2, 2}, h.detach().toDoubleArray());
        Tensor t = Autograd.grad(List.of(h.sum()), List.of(x), null, GradOptions.defaults()).get(0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 0, 0}, t.toDoubleArray());
    }

    /**
     * grad takes a complex input (here of {@code |sin(z^2)|^2} summed), with the conjugate Wirtinger convention; Ember
     * refused it ("only Tensors of floating point dtype can require gradients", which PyTorch says of integer inputs
     * only).
     */
    @Test
    void gradTakesAComplexInput() {
        check("grad_of_complex_input");
    }

    /** vjp takes a complex primal and cotangent; Ember refused the primal. */
    @Test
    void vjpTakesAComplexPrimal() {
        check("vjp_of_complex_input");
    }

    /** jacrev of a holomorphic function of a complex input: functorch's conjugated derivative; Ember refused it. */
    @Test
    void jacrevTakesAComplexInput() {
        check("jacrev_of_complex_input");
    }

    /**
     * A complex product of a tensor with itself ({@code z @ z}, whose backward is recomputed from its inputs)
     * differentiated twice: under create_graph both inputs were the same tensor, so each got the whole derivative and
     * the gradient doubled (LinalgCompat.recomputedVjp now gives each input its own alias).
     */
    @Test
    void gradOfJacrevOfAComplexSelfProductCountsEachFactorOnce() {
        check("grad_of_jacrev_of_complex_self_product");
    }

    /**
     * prod over a dimension of one inside a transform: functorch's wrapped input takes PyTorch's
     * prod_safe_zeros_backward, which returns grad itself, so vjp of jacrev of it gives plain zeros for a cotangent
     * that requires grad; Ember took plain autograd's {@code grad * (result / input)}, whose graph reached the
     * cotangent (the result required grad).
     */
    @Test
    void prodOverADimOfOneInsideATransformTakesTheSafeZerosBackward() {
        check("vjp_of_jacrev_of_prod_over_a_dim_of_one");
    }
}
