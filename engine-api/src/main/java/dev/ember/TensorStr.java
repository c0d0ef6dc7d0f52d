package dev.ember;

import java.util.List;

/**
 * The pieces of PyTorch's {@code torch._tensor_str} that printouts of tensor types outside this package are built from
 * (the sparse COO tensors of {@code dev.ember.sparse} print as PyTorch's {@code layout=torch.sparse_coo} tensors do),
 * under the print options in force ({@link PrintOptions}).
 */
public final class TensorStr {
    private TensorStr() {
    }

    /**
     * PyTorch's {@code _tensor_str(t, indent)}: the elements of {@code t} in brackets, continuation lines indented by
     * {@code indent} columns, without the {@code tensor(} prefix or any suffix; {@code []} for a tensor with no elements.
     *
     * @param t the tensor whose elements to print
     * @param indent the column the first bracket stands at
     * @return the bracketed elements
     */
    public static String body(Tensor t, int indent) {
        return TensorFormatter.body(t, indent);
    }

    /**
     * PyTorch's {@code _add_suffixes}: {@code str} followed by {@code ", suffix"} for each suffix, a suffix that would
     * pass the line width going to a new line indented by {@code indent}, and the closing parenthesis.
     *
     * @param str the printout so far
     * @param suffixes for example {@code size=(2, 3)}, {@code grad_fn=<ToDenseBackward0>}
     * @param indent the indentation of a suffix put on a new line
     * @param forceNewline whether the first suffix goes on a new line whatever its length (PyTorch does so for sparse
     *     tensors)
     * @return the printout with its suffixes and closing parenthesis
     */
    public static String addSuffixes(String str, List<String> suffixes, int indent, boolean forceNewline) {
        return TensorFormatter.addSuffixes(str, suffixes, indent, PrintOptions.current().linewidth(), forceNewline);
    }
}
