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
    /** PyTorch's {@code _size}: the entries are "0" .. "count - 1", read by name ({@code getattr}). */
    private int count;

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
        registerParameter(Integer.toString(count), parameter);
        count++;
        return this;
    }

    /**
     * Puts {@code parameter} at {@code index} (negative counts from the end), as PyTorch's {@code list[i] = t}: it is
     * made a parameter and registered under that position's name ({@code setattr}, which first drops a buffer or
     * submodule of that name).
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     * @throws IllegalArgumentException for null, a non-leaf or a tensor that is not floating point (nothing changes)
     */
    public void set(int index, Tensor parameter) {
        Checks.notNull(parameter, "parameter");
        String name = Integer.toString(ModuleList.absoluteIndex(index, count));
        if (parameter.gradFn() != null || !parameter.dtype().isFloatingPoint() && !parameter.dtype().isComplex()) {
            setParameter(name, parameter); // refuses with PyTorch's message before anything changes
        }
        if (registeredAsParameter(name) == Boolean.FALSE || registeredModules().containsKey(name)) {
            delattr(name); // Module.__setattr__'s remove_from(_buffers, _modules) for a Parameter
        }
        setParameter(name, parameter);
    }

    /** The parameter at {@code index} (negative counts from the end). */
    public Tensor get(int index) {
        return tensorAttribute(Integer.toString(ModuleList.absoluteIndex(index, count)));
    }

    /**
     * {@code list[start:stop:step]}: a new ParameterList of the same tensors (not copies) in the slice's order, renamed
     * from "0", as PyTorch 2.x's {@code out.append(self[i]) for i in range(*idx.indices(len(self)))}. A null bound or
     * step is Python's None ({@code slice(null, null, -1)} reverses, {@code slice(1, 4, null)} is {@code [1:4]}).
     *
     * @throws IllegalArgumentException for a step of 0 ({@code slice step cannot be zero})
     */
    public ParameterList slice(Integer start, Integer stop, Integer step) {
        ParameterList out = new ParameterList();
        for (int i : PySlice.positions(start, stop, step, count)) {
            out.add(get(i));
        }
        return out;
    }

    /** The number of parameters. */
    public int size() {
        return count;
    }

    @Override
    public Iterator<Tensor> iterator() {
        List<Tensor> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            items.add(get(i));
        }
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
        for (int k = 0; k < count; k++) {
            Tensor p = get(k);
            if (p == null) { // a parameter registered as None: 2.x's "Object of type" line
                lines.add("  (" + k + "): Object of type: NoneType");
                continue;
            }
            StringBuilder size = new StringBuilder();
            for (int i = 0; i < p.dim(); i++) {
                size.append(i > 0 ? "x" : "").append(p.size(i));
            }
            // 2.x's extra_repr names the device of a CUDA (or privateuse1) tensor only: not the CPU's, not meta's
            String device = p.device().type().equals("cuda") ? " (" + p.device() + ")" : "";
            lines.add("  (" + k + "): " + (p.isParameter() ? "Parameter" : "Tensor") + " containing: [" + p.dtype().torchName() + " of size " + size + device + "]");
        }
        return String.join("\n", lines);
    }
}
