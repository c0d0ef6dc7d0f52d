package dev.ember.ao.nn.quantized;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A quantized module whose state PyTorch writes by hand ({@code _save_to_state_dict} and {@code _load_from_state_dict}):
 * quantized tensors, packed parameters, dtypes and output parameters that are not registered tensors. Such a module's
 * state is read and written by {@link dev.ember.ao.quantization.Quantization#stateDict} and
 * {@link dev.ember.ao.quantization.Quantization#loadStateDict}, under PyTorch's keys, so a quantized model saved by
 * PyTorch loads into Ember and back; {@link dev.ember.nn.Module#stateDict()} refuses it (its values are not all tensors).
 */
public interface QuantizedState {
    /**
     * The module's entries after its registered parameters and buffers, keys relative to the module, in PyTorch's
     * order (PyTorch's submodules that Ember folds into the module, such as a quantized Linear's
     * {@code _packed_params}, under their dotted keys).
     *
     * @param out where to put them
     */
    void saveQuantizedState(Map<String, Object> out);

    /**
     * PyTorch's {@code _version} of the module (key {@code ""}) and of the submodules Ember folds in (their relative
     * prefixes), in the order PyTorch's {@code _metadata} lists them.
     *
     * @return the versions
     */
    Map<String, Long> stateVersions();

    /**
     * The relative keys loading reads, for the versions a state dict gives (relative prefixes; empty when the state dict
     * carries none: the form is then told by the keys that are there).
     *
     * @param versions the versions
     * @param present the relative keys of the state dict under this module
     * @return the keys, each of which must be there
     */
    List<String> quantizedStateKeys(Map<String, Long> versions, Set<String> present);

    /**
     * Checks the entries ({@link #quantizedStateKeys}, all there) and returns the change that loads them, which cannot
     * fail; nothing changes before it runs.
     *
     * @param entries the values by relative key
     * @param versions the versions, as for {@link #quantizedStateKeys}
     * @return the change
     * @throws IllegalArgumentException for a value of the wrong kind, type or shape, the message naming it
     */
    Runnable loadQuantizedState(Map<String, Object> entries, Map<String, Long> versions);

    /**
     * The one-element real tensor a {@code float(state_dict[key])} or {@code int(...)} reads, or an error naming the key.
     *
     * @param entries the entries
     * @param key the relative key
     * @return its single value
     * @throws IllegalArgumentException when it is not a one-element tensor of a real type
     */
    static double scalar(Map<String, Object> entries, String key) {
        Object v = entries.get(key);
        if (!(v instanceof dev.ember.Tensor t) || t.numel() != 1 || t.dtype().isComplex()) {
            throw new IllegalArgumentException("the entry '" + key + "' must be a one-element real Tensor (PyTorch reads it "
                    + "with float() or int()), got " + describe(v));
        }
        return t.to(dev.ember.DType.FLOAT64).item();
    }

    /** Python's name for what a state dict value is. */
    static String describe(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof dev.ember.Tensor t) {
            return "a Tensor of " + t.dtype().torchName() + " and shape " + java.util.Arrays.toString(t.shape());
        }
        if (v instanceof dev.ember.ao.quantization.QuantizedTensor q) {
            return "a quantized Tensor of " + q.dtype() + " and shape " + java.util.Arrays.toString(q.shape());
        }
        if (v instanceof List<?> l) {
            return "a sequence of " + l.size();
        }
        return "a " + v.getClass().getSimpleName();
    }
}
