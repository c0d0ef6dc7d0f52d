package dev.ember.amp;

import dev.ember.AutocastMode;
import dev.ember.AutogradFunction;
import dev.ember.DType;
import dev.ember.DeviceType;
import dev.ember.Ember;
import dev.ember.Tensor;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * PyTorch 2.4's {@code torch.amp.custom_fwd(device_type=, cast_inputs=)} and {@code torch.amp.custom_bwd(device_type=)},
 * the decorators of a custom {@link AutogradFunction}'s forward and backward under autocast, as calls that wrap their
 * bodies:
 *
 * <pre>{@code
 * protected Tensor[] forward(Context ctx, Tensor... x) {
 *     return CustomAmp.customFwd(ctx, "cpu", DType.FLOAT32, x, in -> new Tensor[] {in[0].matmul(in[1])});
 * }
 * protected Tensor[] backward(Context ctx, Tensor... g) {
 *     return CustomAmp.customBwd(ctx, "cpu", () -> ...);
 * }
 * }</pre>
 *
 * <p>{@code customFwd} records in the context (as PyTorch's {@code ctx._dtype} and {@code ctx._fwd_used_autocast}) the
 * device type's autocast type and whether autocast was on. With {@code castInputs} null the forward runs as it is
 * (autocast, if on, applies to its ops); otherwise, when autocast is on for the device type, the forward runs with it
 * off and its floating inputs on that device type that are not float64 cast to {@code castInputs} (then it counts as
 * not having used autocast). {@code customBwd} runs the backward with autocast on or off as the forward used it, with
 * the forward's autocast type, so it matches the forward whatever state the backward pass runs in.
 */
public final class CustomAmp {
    private CustomAmp() {
    }

    /**
     * The forward body of a custom function under PyTorch's {@code @torch.amp.custom_fwd(device_type=deviceType,
     * cast_inputs=castInputs)} (see the class comment).
     *
     * @param ctx the function's context
     * @param deviceType "cpu" or "cuda"
     * @param castInputs the type to cast the inputs to, under autocast, with autocast off inside; null to run as is
     * @param inputs the forward's inputs (null entries kept)
     * @param forward the forward's body, given the (cast) inputs
     * @return what {@code forward} returns
     * @throws IllegalArgumentException for a null context, device type, input array or body, or an unknown device type
     */
    public static Tensor[] customFwd(AutogradFunction.Context ctx, String deviceType, DType castInputs, Tensor[] inputs,
                                     Function<Tensor[], Tensor[]> forward) {
        require(ctx, "ctx");
        require(inputs, "inputs");
        require(forward, "forward");
        DeviceType type = DeviceType.of(require(deviceType, "device_type"));
        ctx.put("_dtype", Ember.getAutocastDtype(type));
        boolean on = Ember.isAutocastEnabled(type);
        if (castInputs == null) {
            ctx.put("_fwd_used_autocast", on);
            return forward.apply(inputs);
        }
        ctx.put("_fwd_used_autocast", false);
        if (!on) {
            return forward.apply(inputs);
        }
        try (AutocastMode off = Ember.autocast(type, Ember.getAutocastDtype(type), false)) {
            return forward.apply(cast(inputs, type, castInputs));
        }
    }

    /**
     * The backward body of a custom function under PyTorch's {@code @torch.amp.custom_bwd(device_type=deviceType)}: run
     * with autocast for the device type on exactly when the forward ran under it, in the forward's autocast type.
     *
     * @param ctx the function's context, which {@link #customFwd} filled
     * @param deviceType "cpu" or "cuda"
     * @param backward the backward's body
     * @return what {@code backward} returns
     * @throws IllegalArgumentException for a null argument, an unknown device type, or a context whose forward did not
     *     run through {@link #customFwd} (PyTorch's missing attribute {@code _fwd_used_autocast})
     */
    public static Tensor[] customBwd(AutogradFunction.Context ctx, String deviceType, Supplier<Tensor[]> backward) {
        require(ctx, "ctx");
        require(backward, "backward");
        DeviceType type = DeviceType.of(require(deviceType, "device_type"));
        boolean used = (Boolean) ctx.get("_fwd_used_autocast");
        DType dtype = (DType) ctx.get("_dtype");
        try (AutocastMode mode = Ember.autocast(type, dtype, used)) {
            return backward.get();
        }
    }

    /** {@code torch.amp.autocast_mode._cast}: floating tensors on the device type, float64 excepted, to {@code dtype}. */
    private static Tensor[] cast(Tensor[] inputs, DeviceType type, DType dtype) {
        Tensor[] out = inputs.clone();
        for (int i = 0; i < out.length; i++) {
            Tensor t = out[i];
            if (t != null && t.isFloatingPoint() && DeviceType.of(t.device()) == type && t.dtype() != DType.FLOAT64) {
                out[i] = t.to(dtype);
            }
        }
        return out;
    }

    private static <T> T require(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("custom_fwd/custom_bwd: " + name + " must not be null");
        }
        return value;
    }
}
