package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * {@code torch.nn.ParameterList}: parameters in a list, registered as {@code "0"}, {@code "1"}, ... (each made a
 * parameter: a floating-point leaf that requires grad). It has no forward of its own.
 */
public class ParameterList extends Module implements Iterable<Tensor> {
    private final List<Tensor> items = new ArrayList<>();

    /** An empty list. */
    public ParameterList() {
    }

    /** A list of the given tensors, each registered as a parameter. */
    public ParameterList(Tensor... parameters) {
        Checks.notNull(parameters, "parameters");
        for (Tensor p : parameters) {
            add(p);
        }
    }

    /**
     * Appends a tensor as a parameter; returns this list.
     *
     * @throws IllegalArgumentException for null, a non-leaf or a tensor that is not floating point
     */
    public ParameterList add(Tensor parameter) {
        Checks.notNull(parameter, "parameter");
        items.add(registerParameter(Integer.toString(items.size()), parameter));
        return this;
    }

    /** The parameter at {@code index} (negative counts from the end). */
    public Tensor get(int index) {
        return items.get(ModuleList.absoluteIndex(index, items.size()));
    }

    /** The number of parameters. */
    public int size() {
        return items.size();
    }

    @Override
    public Iterator<Tensor> iterator() {
        return Collections.unmodifiableList(items).iterator();
    }

    /** PyTorch's error: a ParameterList has no forward. */
    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("Module [ParameterList] is missing the required \"forward\" function");
    }

    /** PyTorch's lines: {@code (0): Parameter containing: [torch.float32 of size 3x4]} (with the device when not the CPU). */
    @Override
    public String extraRepr() {
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < items.size(); k++) {
            Tensor p = items.get(k);
            StringBuilder size = new StringBuilder();
            for (int i = 0; i < p.dim(); i++) {
                size.append(i > 0 ? "x" : "").append(p.size(i));
            }
            // 2.x's extra_repr names the device of a CUDA (or privateuse1) tensor only: not the CPU's, not meta's
            String device = p.device().type().equals("cuda") ? " (" + p.device() + ")" : "";
            lines.add("  (" + k + "): Parameter containing: [" + p.dtype().torchName() + " of size " + size + device + "]");
        }
        return String.join("\n", lines);
    }
}
