package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Higher-level autograd, as PyTorch's {@code torch.autograd.functional}: {@code jacobian}, {@code hessian},
 * {@code vjp}, {@code jvp}, {@code hvp} and {@code vhp} of a function of one tensor or of several, built on
 * {@link Autograd#grad} the way PyTorch's Python module builds them on {@code torch.autograd.grad} (the forward-mode
 * products by the double-backward trick). The function runs on fresh tensors that share the inputs' data: a detached
 * copy that requires grad, or, with {@code createGraph} and an input that requires grad, a differentiable
 * {@code view_as} of it, so the results may be differentiated again. Results are detached from the graph unless
 * {@code createGraph}. With {@code strict}, an input the outputs do not depend on is an error in PyTorch's words;
 * without it its derivative is zeros. PyTorch's {@code RuntimeError}s are {@link IllegalArgumentException}s.
 */
public final class AutogradFunctional {
    private AutogradFunctional() {
    }

    /**
     * What {@code vjp}, {@code jvp}, {@code vhp} and {@code hvp} return: the function's output and the product, one
     * tensor per input (vjp, vhp, hvp) or per output (jvp).
     *
     * @param output the function's output at the inputs
     * @param products the products, in the order of the inputs (or of the outputs for jvp)
     */
    public record Products(Tensor output, Tensor[] products) {
        /** The single product, for a function of one tensor. */
        public Tensor product() {
            return products[0];
        }

        /**
         * PyTorch's repr of the tuple {@code torch.autograd.functional.vjp} (jvp, vhp, hvp) returns: {@code (output,
         * product)} for one input's product, {@code (output, (product, ...))} for several (a one-element array of inputs
         * prints as one input).
         */
        @Override
        public String toString() {
            return Tensor.pyTuple(output, products.length == 1 ? products[0] : Tensor.pyTuple((Object[]) products));
        }
    }

    // ---------------------------------------------------------------- jacobian

    /** {@code torch.autograd.functional.jacobian(fn, input)}: shaped as the output's shape then the input's. */
    public static Tensor jacobian(Function<Tensor, Tensor> fn, Tensor input) {
        return jacobian(fn, input, false, false, false);
    }

    /**
     * {@code jacobian(fn, input, create_graph, strict, vectorize)} of a function of one tensor returning one tensor:
     * the derivative of every output element with respect to every input element, shaped {@code [out..., in...]}.
     * {@code vectorize} only changes how PyTorch computes it (a batched gradient); here it gives the same values and
     * PyTorch's refusal of {@code strict} with it.
     */
    public static Tensor jacobian(Function<Tensor, Tensor> fn, Tensor input, boolean createGraph, boolean strict,
                                  boolean vectorize) {
        Function<Tensor, Tensor> f = Args.require(fn, "jacobian", "func", 1, "Callable");
        return jacobianCore(xs -> new Tensor[] {f.apply(xs[0])}, new Tensor[] {input}, "jacobian", createGraph, strict,
                vectorize)[0][0];
    }

    /** {@code jacobian(fn, inputs)} of a function of several tensors: one Jacobian per input. */
    public static Tensor[] jacobian(Function<Tensor[], Tensor> fn, Tensor[] inputs) {
        return jacobian(fn, inputs, false, false, false);
    }

    /** {@code jacobian(fn, inputs, create_graph, strict, vectorize)} of a function of several tensors: one per input. */
    public static Tensor[] jacobian(Function<Tensor[], Tensor> fn, Tensor[] inputs, boolean createGraph, boolean strict,
                                    boolean vectorize) {
        Function<Tensor[], Tensor> f = Args.require(fn, "jacobian", "func", 1, "Callable");
        return jacobianCore(xs -> new Tensor[] {f.apply(xs)}, inputs, "jacobian", createGraph, strict, vectorize)[0];
    }

    /**
     * {@code jacobian} of a function returning several tensors: {@code result[i][j]} is the Jacobian of output
     * {@code i} with respect to input {@code j}, shaped {@code [out_i..., in_j...]}.
     */
    public static Tensor[][] jacobians(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, boolean createGraph,
                                       boolean strict, boolean vectorize) {
        Args.require(fn, "jacobian", "func", 1, "Callable");
        return jacobianCore(fn, inputs, "jacobian", createGraph, strict, vectorize);
    }

    private static Tensor[][] jacobianCore(Function<Tensor[], Tensor[]> fn, Tensor[] given, String name,
                                           boolean createGraph, boolean strict, boolean vectorize) {
        Tensor[][] jacobian;
        try (GradMode g = new GradMode(true)) {
            Tensor[] inputs = preprocess(checkInputs(given, "inputs", name), createGraph, true);
            Tensor[] outputs = checkOutputs(fn.apply(inputs.clone()), name);
            checkRequiresGrad(outputs, "outputs", strict);
            if (vectorize && strict) {
                throw new IllegalArgumentException("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` "
                        + "are not supported together. Please either set `strict=False` or `vectorize=False`.");
            }
            jacobian = new Tensor[outputs.length][inputs.length];
            for (int i = 0; i < outputs.length; i++) {
                Tensor out = outputs[i];
                List<List<Tensor>> rows = new ArrayList<>();
                for (int k = 0; k < inputs.length; k++) {
                    rows.add(new ArrayList<>());
                }
                Tensor flat = out.reshape(-1);
                long n = out.numel();
                for (long j = 0; j < n; j++) {
                    Tensor[] vj = autogradGrad(new Tensor[] {flat.select(0, (int) j)}, inputs, null, createGraph, true);
                    for (int k = 0; k < inputs.length; k++) {
                        if (vj[k] != null) {
                            if (!vectorize && strict && createGraph && !vj[k].requiresGrad()) {
                                // PyTorch's message names the output's index here
                                throw new IllegalArgumentException("The jacobian of the user-provided function is independent "
                                        + "of input " + i + ". This is not allowed in strict mode when create_graph=True.");
                            }
                            rows.get(k).add(vj[k]);
                        } else {
                            if (strict) {
                                throw new IllegalArgumentException("Output " + i + " of the user-provided function is "
                                        + "independent of input " + k + ". This is not allowed in strict mode.");
                            }
                            rows.get(k).add(inputs[k].zerosLike());
                        }
                    }
                }
                for (int k = 0; k < inputs.length; k++) {
                    jacobian[i][k] = Tensor.stack(rows.get(k), 0).view(concat(out.shapeRef(), inputs[k].shapeRef()));
                }
            }
        }
        if (!createGraph) {
            for (Tensor[] row : jacobian) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = row[k].detach();
                }
            }
        }
        return jacobian;
    }

    // ---------------------------------------------------------------- hessian

    /** {@code torch.autograd.functional.hessian(fn, input)} of a function returning one element: {@code [in..., in...]}. */
    public static Tensor hessian(Function<Tensor, Tensor> fn, Tensor input) {
        return hessian(fn, input, false, false, false);
    }

    /** {@code hessian(fn, input, create_graph, strict, vectorize)}: the Jacobian of the gradient, as PyTorch. */
    public static Tensor hessian(Function<Tensor, Tensor> fn, Tensor input, boolean createGraph, boolean strict,
                                 boolean vectorize) {
        Function<Tensor, Tensor> f = Args.require(fn, "hessian", "func", 1, "Callable");
        return hessianCore(xs -> f.apply(xs[0]), new Tensor[] {input}, createGraph, strict, vectorize)[0][0];
    }

    /** {@code hessian(fn, inputs)} of a function of several tensors: {@code result[i][j]} is {@code d2f/dx_i dx_j}. */
    public static Tensor[][] hessian(Function<Tensor[], Tensor> fn, Tensor[] inputs) {
        return hessian(fn, inputs, false, false, false);
    }

    /** {@code hessian(fn, inputs, create_graph, strict, vectorize)}: {@code result[i][j]} shaped {@code [in_i..., in_j...]}. */
    public static Tensor[][] hessian(Function<Tensor[], Tensor> fn, Tensor[] inputs, boolean createGraph, boolean strict,
                                     boolean vectorize) {
        Args.require(fn, "hessian", "func", 1, "Callable");
        return hessianCore(fn, inputs, createGraph, strict, vectorize);
    }

    private static Tensor[][] hessianCore(Function<Tensor[], Tensor> fn, Tensor[] inputs, boolean createGraph,
                                          boolean strict, boolean vectorize) {
        checkInputs(inputs, "inputs", "hessian");
        Function<Tensor[], Tensor[]> single = xs -> {
            Tensor out = fn.apply(xs);
            Tensor[] outs = checkOutputs(new Tensor[] {out}, "hessian");
            checkRequiresGrad(outs, "outputs", strict);
            if (out.numel() != 1) {
                throw new IllegalArgumentException("The Tensor returned by the function given to hessian should contain a "
                        + "single element");
            }
            return new Tensor[] {out.squeeze()};
        };
        Function<Tensor[], Tensor[]> jacFunc = xs -> {
            Tensor[] jac = jacobianCore(single, xs, "jacobian", true, false, false)[0];
            checkRequiresGrad(jac, "jacobian", strict);
            return jac;
        };
        return jacobianCore(jacFunc, inputs, "jacobian", createGraph, strict, vectorize);
    }

    // ---------------------------------------------------------------- vjp / jvp

    /** {@code vjp(fn, input, v)}: {@code v} (shaped as the output; null for a one-element output) times the Jacobian. */
    public static Products vjp(Function<Tensor, Tensor> fn, Tensor input, Tensor v) {
        return vjp(fn, input, v, false, false);
    }

    /** {@code vjp(fn, input, v, create_graph, strict)} of a function of one tensor. */
    public static Products vjp(Function<Tensor, Tensor> fn, Tensor input, Tensor v, boolean createGraph, boolean strict) {
        Function<Tensor, Tensor> f = Args.require(fn, "vjp", "func", 1, "Callable");
        return vjpCore(xs -> f.apply(xs[0]), new Tensor[] {input}, v, createGraph, strict);
    }

    /** {@code vjp(fn, inputs, v, create_graph, strict)} of a function of several tensors: one product per input. */
    public static Products vjp(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor v, boolean createGraph, boolean strict) {
        Args.require(fn, "vjp", "func", 1, "Callable");
        return vjpCore(fn, inputs, v, createGraph, strict);
    }

    private static Products vjpCore(Function<Tensor[], Tensor> fn, Tensor[] given, Tensor v, boolean createGraph,
                                    boolean strict) {
        Tensor[] inputs;
        Tensor[] outputs;
        Tensor[] vs = null;
        boolean wasEnabled = GradMode.gradMode();
        try (GradMode g = new GradMode(true)) {
            inputs = preprocess(checkInputs(given, "inputs", "vjp"), createGraph, true);
            outputs = checkOutputs(new Tensor[] {fn.apply(inputs.clone())}, "vjp");
            checkRequiresGrad(outputs, "outputs", strict);
            if (v != null) {
                vs = preprocess(new Tensor[] {v}, createGraph, false);
                validateV(vs, outputs, false);
            } else if (outputs[0].numel() != 1) {
                throw new IllegalArgumentException("The vector v can only be None if the user-provided function returns a "
                        + "single Tensor with a single element.");
            }
        }
        Tensor[] vjp;
        try (GradMode g = new GradMode(createGraph || wasEnabled)) {
            vjp = fillInZeros(autogradGrad(outputs, inputs, vs, createGraph, createGraph), inputs, strict, createGraph, "back");
        }
        return new Products(post(outputs, createGraph)[0], post(vjp, createGraph));
    }

    /** {@code jvp(fn, input, v)}: the Jacobian times {@code v} (shaped as the input; null for a one-element input). */
    public static Products jvp(Function<Tensor, Tensor> fn, Tensor input, Tensor v) {
        return jvp(fn, input, v, false, false);
    }

    /** {@code jvp(fn, input, v, create_graph, strict)} of a function of one tensor, by the double-backward trick. */
    public static Products jvp(Function<Tensor, Tensor> fn, Tensor input, Tensor v, boolean createGraph, boolean strict) {
        Function<Tensor, Tensor> f = Args.require(fn, "jvp", "func", 1, "Callable");
        return jvpCore(xs -> f.apply(xs[0]), new Tensor[] {input}, v == null ? null : new Tensor[] {v}, false, createGraph,
                strict);
    }

    /**
     * {@code jvp(fn, inputs, v, create_graph, strict)} of a function of several tensors: {@code v} one tensor per input
     * (null only for one one-element input); one product, shaped as the output.
     */
    public static Products jvp(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor[] v, boolean createGraph,
                               boolean strict) {
        Args.require(fn, "jvp", "func", 1, "Callable");
        return jvpCore(fn, inputs, v, true, createGraph, strict);
    }

    private static Products jvpCore(Function<Tensor[], Tensor> fn, Tensor[] given, Tensor[] v, boolean tuple,
                                    boolean createGraph, boolean strict) {
        Tensor[] outputs;
        Tensor[] gradOutputs;
        Tensor[] gradInputs;
        Tensor[] vs = null;
        try (GradMode g = new GradMode(true)) {
            Tensor[] inputs = preprocess(checkInputs(given, "inputs", "jvp"), createGraph, true);
            if (v != null) {
                vs = preprocess(checkInputs(v, "v", "jvp"), createGraph, false);
                validateV(vs, inputs, tuple);
            } else if (inputs.length != 1 || inputs[0].numel() != 1) {
                throw new IllegalArgumentException("The vector v can only be None if the input to the user-provided function "
                        + "is a single Tensor with a single element.");
            }
            outputs = checkOutputs(new Tensor[] {fn.apply(inputs.clone())}, "jvp");
            checkRequiresGrad(outputs, "outputs", strict);
            // the backward is linear in its output gradient, whose value never shows in the double backward
            gradOutputs = new Tensor[outputs.length];
            for (int i = 0; i < outputs.length; i++) {
                gradOutputs[i] = outputs[i].zerosLike().requiresGrad_(true);
            }
            gradInputs = autogradGrad(outputs, inputs, gradOutputs, true, true);
            checkRequiresGrad(gradInputs, "grad_inputs", strict);
        }
        Tensor[] jvp;
        if (createGraph) {
            try (GradMode g = new GradMode(true)) {
                jvp = fillInZeros(autogradGrad(gradInputs, gradOutputs, vs, true, true), outputs, strict, true, "back_trick");
            }
        } else {
            jvp = fillInZeros(autogradGrad(gradInputs, gradOutputs, vs, false, false), outputs, strict, false, "back_trick");
        }
        return new Products(post(outputs, createGraph)[0], post(jvp, createGraph));
    }

    // ---------------------------------------------------------------- vhp / hvp

    /** {@code vhp(fn, input, v)}: {@code v} times the Hessian of a function returning one element. */
    public static Products vhp(Function<Tensor, Tensor> fn, Tensor input, Tensor v) {
        return vhp(fn, input, v, false, false);
    }

    /** {@code vhp(fn, input, v, create_graph, strict)} of a function of one tensor. */
    public static Products vhp(Function<Tensor, Tensor> fn, Tensor input, Tensor v, boolean createGraph, boolean strict) {
        Function<Tensor, Tensor> f = Args.require(fn, "vhp", "func", 1, "Callable");
        return hessianProduct(xs -> f.apply(xs[0]), new Tensor[] {input}, v == null ? null : new Tensor[] {v}, false,
                createGraph, strict, "vhp");
    }

    /** {@code vhp(fn, inputs, v, create_graph, strict)} of a function of several tensors: one product per input. */
    public static Products vhp(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor[] v, boolean createGraph,
                               boolean strict) {
        Args.require(fn, "vhp", "func", 1, "Callable");
        return hessianProduct(fn, inputs, v, true, createGraph, strict, "vhp");
    }

    /** {@code hvp(fn, input, v)}: the Hessian times {@code v}, by the double-backward trick. */
    public static Products hvp(Function<Tensor, Tensor> fn, Tensor input, Tensor v) {
        return hvp(fn, input, v, false, false);
    }

    /** {@code hvp(fn, input, v, create_graph, strict)} of a function of one tensor. */
    public static Products hvp(Function<Tensor, Tensor> fn, Tensor input, Tensor v, boolean createGraph, boolean strict) {
        Function<Tensor, Tensor> f = Args.require(fn, "hvp", "func", 1, "Callable");
        return hessianProduct(xs -> f.apply(xs[0]), new Tensor[] {input}, v == null ? null : new Tensor[] {v}, false,
                createGraph, strict, "hvp");
    }

    /** {@code hvp(fn, inputs, v, create_graph, strict)} of a function of several tensors: one product per input. */
    public static Products hvp(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor[] v, boolean createGraph,
                               boolean strict) {
        Args.require(fn, "hvp", "func", 1, "Callable");
        return hessianProduct(fn, inputs, v, true, createGraph, strict, "hvp");
    }

    private static Products hessianProduct(Function<Tensor[], Tensor> fn, Tensor[] given, Tensor[] v, boolean tuple,
                                           boolean createGraph, boolean strict, String name) {
        boolean hvp = name.equals("hvp");
        Tensor[] inputs;
        Tensor[] outputs;
        Tensor[] jac;
        Tensor[] vs = null;
        Tensor[] gradJac = null;
        Tensor[] doubleBack = null;
        boolean wasEnabled = GradMode.gradMode();
        try (GradMode g = new GradMode(true)) {
            inputs = preprocess(checkInputs(given, "inputs", name), createGraph, true);
            if (v != null) {
                vs = preprocess(checkInputs(v, "v", name), createGraph, false);
                validateV(vs, inputs, tuple);
            } else if (inputs.length != 1 || inputs[0].numel() != 1) {
                throw new IllegalArgumentException("The vector v can only be None if the input to the user-provided function "
                        + "is a single Tensor with a single element.");
            }
            outputs = checkOutputs(new Tensor[] {fn.apply(inputs.clone())}, name);
            checkRequiresGrad(outputs, "outputs", strict);
            if (outputs[0].numel() != 1) {
                throw new IllegalArgumentException("The Tensor returned by the function given to " + name
                        + " should contain a single element");
            }
            jac = autogradGrad(outputs, inputs, null, true, true);
            checkRequiresGrad(jac, "jacobian", strict);
            if (hvp) {
                gradJac = new Tensor[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    gradJac[i] = inputs[i].zerosLike().requiresGrad_(true);
                }
                doubleBack = autogradGrad(jac, inputs, gradJac, true, true);
                checkRequiresGrad(jac, "hessian", strict);
            }
        }
        Tensor[] product;
        try (GradMode g = new GradMode(createGraph || wasEnabled)) {
            if (hvp) {
                product = fillInZeros(autogradGrad(doubleBack, gradJac, vs, createGraph, createGraph), inputs, strict,
                        createGraph, "double_back_trick");
            } else {
                product = fillInZeros(autogradGrad(jac, inputs, vs, createGraph, createGraph), inputs, strict, createGraph,
                        "double_back");
            }
        }
        return new Products(post(outputs, createGraph)[0], post(product, createGraph));
    }

    // ---------------------------------------------------------------- PyTorch's helpers

    private static Tensor[] checkInputs(Tensor[] inputs, String arg, String fn) {
        if (inputs == null) {
            throw new IllegalArgumentException("The " + arg + " given to " + fn + " must be either a Tensor or a tuple of "
                    + "Tensors but the given " + arg + " has type <class 'NoneType'>.");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                String where = inputs.length == 1 ? "the given " + arg : "the value at index " + i;
                throw new IllegalArgumentException("The " + arg + " given to " + fn + " must be either a Tensor or a tuple "
                        + "of Tensors but " + where + " has type <class 'NoneType'>.");
            }
        }
        return inputs;
    }

    private static Tensor[] checkOutputs(Tensor[] outputs, String fn) {
        return checkInputs(outputs, "outputs of the user-provided function", fn);
    }

    /** {@code _grad_preprocess}: always a new tensor, so the inputs are told apart from tensors the function captured. */
    private static Tensor[] preprocess(Tensor[] inputs, boolean createGraph, boolean needGraph) {
        Tensor[] res = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor inp = inputs[i];
            res[i] = createGraph && inp.requiresGrad() ? inp.viewAs(inp) : inp.detach().requiresGrad_(needGraph);
        }
        return res;
    }

    private static Tensor[] post(Tensor[] ts, boolean createGraph) {
        Tensor[] res = ts.clone();
        if (!createGraph) {
            for (int i = 0; i < res.length; i++) {
                res[i] = res[i].detach();
            }
        }
        return res;
    }

    private static void validateV(Tensor[] v, Tensor[] other, boolean tuple) {
        if (v.length != other.length) {
            if (tuple) {
                throw new IllegalArgumentException("v is a tuple of invalid length: should be " + other.length + " but got "
                        + v.length + ".");
            }
            throw new IllegalArgumentException("The given v should contain a single Tensor.");
        }
        for (int i = 0; i < v.length; i++) {
            if (!Arrays.equals(v[i].shapeRef(), other[i].shapeRef())) {
                throw new IllegalArgumentException((tuple ? "Entry " + i + " in " : "") + "v has invalid size: should be "
                        + Format.size(other[i].shapeRef()) + " but got " + Format.size(v[i].shapeRef()) + ".");
            }
        }
    }

    private static void checkRequiresGrad(Tensor[] inputs, String type, boolean strict) {
        if (!strict) {
            return;
        }
        for (int i = 0; i < inputs.length; i++) {
            Tensor inp = inputs[i];
            if (inp == null) {
                throw new IllegalArgumentException("The output of the user-provided function is independent of input " + i
                        + ". This is not allowed in strict mode.");
            }
            if (!inp.requiresGrad()) {
                switch (type) {
                    case "hessian":
                        throw new IllegalArgumentException("The hessian of the user-provided function with respect to input "
                                + i + " is independent of the input. This is not allowed in strict mode. You should ensure "
                                + "that your function is thrice differentiable and that the hessian depends on the inputs.");
                    case "jacobian":
                        throw new IllegalArgumentException("While computing the hessian, found that the jacobian of the "
                                + "user-provided function with respect to input " + i + " is independent of the input. This "
                                + "is not allowed in strict mode. You should ensure that your function is twice "
                                + "differentiable and that the jacobian depends on the inputs (this would be violated by a "
                                + "linear function for example).");
                    case "grad_inputs":
                        throw new IllegalArgumentException("The gradient with respect to input " + i + " is independent of "
                                + "the inputs of the user-provided function. This is not allowed in strict mode.");
                    default:
                        throw new IllegalArgumentException("Output " + i + " of the user-provided function does not require "
                                + "gradients. The outputs must be computed in a differentiable manner from the input when "
                                + "running in strict mode.");
                }
            }
        }
    }

    /** {@code _autograd_grad}: outputs that are null or do not require grad are left out; unused inputs get null. */
    private static Tensor[] autogradGrad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean createGraph,
                                         boolean retainGraph) {
        List<Tensor> outs = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i] != null && outputs[i].requiresGrad()) {
                outs.add(outputs[i]);
                grads.add(gradOutputs == null ? null : gradOutputs[i]);
            }
        }
        if (outs.isEmpty()) {
            return new Tensor[inputs.length];
        }
        return Autograd.grad(outs, Arrays.asList(inputs), grads, retainGraph, createGraph, true).toArray(new Tensor[0]);
    }

    private static Tensor[] fillInZeros(Tensor[] grads, Tensor[] refs, boolean strict, boolean createGraph, String stage) {
        Tensor[] res = new Tensor[grads.length];
        for (int i = 0; i < grads.length; i++) {
            Tensor g = grads[i];
            if (g == null) {
                if (strict) {
                    switch (stage) {
                        case "back":
                            throw new IllegalArgumentException("The output of the user-provided function is independent of "
                                    + "input " + i + ". This is not allowed in strict mode.");
                        case "back_trick":
                            throw new IllegalArgumentException("The gradient with respect to the input is independent of entry "
                                    + i + " in the grad_outputs when using the double backward trick to compute forward mode "
                                    + "gradients. This is not allowed in strict mode.");
                        case "double_back":
                            throw new IllegalArgumentException("The jacobian of the user-provided function is independent of "
                                    + "input " + i + ". This is not allowed in strict mode.");
                        default:
                            throw new IllegalArgumentException("The hessian of the user-provided function is independent of "
                                    + "entry " + i + " in the grad_jacobian. This is not allowed in strict mode as it "
                                    + "prevents from using the double backward trick to replace forward mode AD.");
                    }
                }
                g = refs[i].zerosLike();
            } else if (strict && createGraph && !g.requiresGrad()) {
                throw new IllegalArgumentException((stage.contains("double") ? "The hessian" : "The jacobian")
                        + " of the user-provided function is independent of input " + i
                        + ". This is not allowed in strict mode when create_graph=True.");
            }
            res[i] = g;
        }
        return res;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
