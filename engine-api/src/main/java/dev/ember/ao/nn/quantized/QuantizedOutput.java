package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QParams;
import dev.ember.Tensor;
import dev.ember.nn.Module;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A statically quantized module whose output is quint8 with a scale and zero point of its own (PyTorch's
 * {@code self.scale} and {@code self.zero_point}), set at {@code convert} from the float module's observer. Its state
 * dict entries are PyTorch's ({@link QuantizedState}): {@code scale} (a float32 scalar tensor) and {@code zero_point}
 * (int64) after the module's own, as {@code torch.tensor(self.scale)} and {@code torch.tensor(self.zero_point)}.
 */
public abstract class QuantizedOutput extends Module implements QuantizedState {
    private double scale = 1.0;
    private long zeroPoint;

    /** Output scale 1, zero point 0. */
    protected QuantizedOutput() {
    }

    /** The output's scale. */
    public double scale() {
        return scale;
    }

    /** The output's zero point. */
    public long zeroPoint() {
        return zeroPoint;
    }

    /**
     * Sets the output's scale and zero point ({@code self.scale = ...; self.zero_point = ...}).
     *
     * @param scale the scale
     * @param zeroPoint the zero point, in [0, 255]
     * @throws IllegalArgumentException for a zero point outside quint8's range
     */
    public void setOutputQParams(double scale, long zeroPoint) {
        if (zeroPoint < 0 || zeroPoint > 255) {
            throw new IllegalArgumentException("zero_point " + zeroPoint + " is outside torch.quint8's range");
        }
        this.scale = scale;
        this.zeroPoint = zeroPoint;
    }

    /**
     * The output's scale and zero point from an observer's {@code calculate_qparams()}, as {@code from_float}'s
     * {@code float(scale)} and {@code int(zero_point)}.
     *
     * @param observer the float module's {@code activation_post_process}
     */
    protected final void setOutputQParams(ObserverOrFakeQuantize observer) {
        try (GradMode off = Ember.noGrad()) {
            QParams p = observer.calculateQparams();
            setOutputQParams(p.scale().to(DType.FLOAT32).item(), (long) p.zeroPoint().to(DType.INT64).item());
        }
    }

    /** PyTorch's {@code _version} of the module: 1 unless a subclass says otherwise. */
    protected long stateVersion() {
        return 1;
    }

    @Override
    public Map<String, Long> stateVersions() {
        Map<String, Long> v = new LinkedHashMap<>();
        v.put("", stateVersion());
        return v;
    }

    /** The module's own entries before {@code scale} and {@code zero_point}: none here. */
    protected void saveOwnState(Map<String, Object> out) {
    }

    /** The module's entries after {@code scale} and {@code zero_point} (its PyTorch submodules'): none here. */
    protected void saveTrailingState(Map<String, Object> out) {
    }

    /** The keys for loading of {@link #saveOwnState} and {@link #saveTrailingState} for loading, for the given versions; none here. */
    protected List<String> ownStateKeys(Map<String, Long> versions, Set<String> present) {
        return List.of();
    }

    /** Checks {@link #ownStateKeys}' entries and returns the change that loads them; nothing here. */
    protected Runnable loadOwnState(Map<String, Object> entries, Map<String, Long> versions) {
        return () -> { };
    }

    /**
     * The shape of the {@code scale} and {@code zero_point} entries PyTorch's state dict has for this module: 0-dim
     * ({@code torch.tensor(self.scale)}) here; a module whose PyTorch form holds them as registered buffers set from an
     * observer's one-element tensors says {@code [1]}; null where PyTorch keeps them as plain attributes, outside the
     * state dict (its quantized Hardswish and ELU: loading leaves the module's own).
     */
    protected int[] outputQParamsShape() {
        return new int[0];
    }

    /**
     * The dtype of the {@code zero_point} entry: int64 ({@code torch.tensor(self.zero_point)}) here; int32 for a module
     * whose buffer {@code from_float} sets to an observer's zero point, which observers compute as int32.
     */
    protected DType zeroPointDtype() {
        return DType.INT64;
    }

    @Override
    public final void saveQuantizedState(Map<String, Object> out) {
        saveOwnState(out);
        int[] shape = outputQParamsShape();
        if (shape != null) {
            out.put("scale", Tensor.tensor(scale, DType.FLOAT32).reshape(shape));
            out.put("zero_point", Tensor.tensor(zeroPoint).to(zeroPointDtype()).reshape(shape));
        }
        saveTrailingState(out);
    }

    @Override
    public final List<String> quantizedStateKeys(Map<String, Long> versions, Set<String> present) {
        List<String> keys = new java.util.ArrayList<>(ownStateKeys(versions, present)); // order does not matter
        if (outputQParamsShape() != null) {
            keys.add(0, "zero_point");
            keys.add(0, "scale");
        }
        return keys;
    }

    @Override
    public final Runnable loadQuantizedState(Map<String, Object> entries, Map<String, Long> versions) {
        if (outputQParamsShape() == null) {
            return loadOwnState(entries, versions);
        }
        double s = QuantizedState.scalar(entries, "scale");
        double z = QuantizedState.scalar(entries, "zero_point");
        if (z != Math.rint(z) || z < 0 || z > 255) {
            throw new IllegalArgumentException("the entry 'zero_point' must be an integer in torch.quint8's range [0, 255], "
                    + "got " + z);
        }
        Runnable own = loadOwnState(entries, versions);
        return () -> {
            own.run();
            setOutputQParams(s, (long) z);
        };
    }

    @Override
    protected String unsavableReason() {
        return "its state holds quantized tensors and output parameters that are not registered tensors: save it with "
                + "Quantization.stateDict(model) and load it with Quantization.loadStateDict (PyTorch's keys; "
                + "TorchSerialization.save writes it as torch.save(model.state_dict()) does)";
    }
}
