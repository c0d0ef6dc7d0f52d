package dev.ember.ao.quantization;

import java.util.function.Supplier;

/**
 * {@code torch.ao.quantization.QConfig}: how to make the fake quantizers of a quantization-aware module, one for its
 * activations and one for its weight (each call a new module, as PyTorch's {@code with_args} partials).
 *
 * @param activation makes an activation fake quantizer
 * @param weight makes a weight fake quantizer
 */
public record QConfig(Supplier<? extends FakeQuantizeBase> activation, Supplier<? extends FakeQuantizeBase> weight) {
    /**
     * Both factories are required.
     *
     * @throws IllegalArgumentException for a null factory
     */
    public QConfig {
        if (activation == null || weight == null) {
            throw new IllegalArgumentException("QConfig needs an activation and a weight factory");
        }
    }

    /** {@code get_default_qat_qconfig(backend)}: {@link #getDefaultQatQconfig(String, int)} of version 1. */
    public static QConfig getDefaultQatQconfig(String backend) {
        return getDefaultQatQconfig(backend, 1);
    }

    /**
     * {@code get_default_qat_qconfig(backend, version)}: for {@code "fbgemm"} and {@code "x86"} activations over
     * [0, 127] (quint8 with {@code reduce_range}) and per-channel symmetric qint8 weights, for {@code "qnnpack"}
     * activations over [0, 255] and per-tensor symmetric weights, for {@code "onednn"} [0, 255] and per-channel weights;
     * version 1 with {@link FusedMovingAvgObsFakeQuantize}, version 0 with {@link FakeQuantize}; another backend gets
     * {@code default_qat_qconfig_v2} (version 1) or {@code default_qat_qconfig} (version 0).
     *
     * @throws IllegalArgumentException for a version other than 0 or 1 (PyTorch's message)
     */
    public static QConfig getDefaultQatQconfig(String backend, int version) {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("Version number: " + version + "in get_default_qat_qconfig is not "
                    + "supported. Version number must be 0 or 1");
        }
        String b = backend == null ? "" : backend;
        boolean fused = version == 1;
        switch (b) {
            case "fbgemm", "x86", "qnnpack", "onednn" -> {
                Boolean reduce = b.equals("onednn") ? null : !b.equals("qnnpack");
                Supplier<FakeQuantizeBase> act = () -> {
                    ObserverOptions o = new ObserverOptions().quantRange(0, 255);
                    if (reduce != null) {
                        o.reduceRange(reduce);
                    }
                    MovingAverageMinMaxObserver obs = new MovingAverageMinMaxObserver(o);
                    return fused ? new FusedMovingAvgObsFakeQuantize(obs) : new FakeQuantize(obs);
                };
                Supplier<FakeQuantizeBase> weight;
                if (b.equals("qnnpack")) {
                    weight = fused ? FusedMovingAvgObsFakeQuantize::defaultFusedWtFakeQuant
                            : FakeQuantize::defaultWeightFakeQuant;
                } else {
                    weight = fused ? FusedMovingAvgObsFakeQuantize::defaultFusedPerChannelWtFakeQuant
                            : FakeQuantize::defaultPerChannelWeightFakeQuant;
                }
                return new QConfig(act, weight);
            }
            default -> {
                return fused ? new QConfig(FusedMovingAvgObsFakeQuantize::defaultFusedActFakeQuant,
                    FusedMovingAvgObsFakeQuantize::defaultFusedWtFakeQuant)
                        : new QConfig(FakeQuantize::defaultFakeQuant, FakeQuantize::defaultWeightFakeQuant);
            }
        }
    }
}
