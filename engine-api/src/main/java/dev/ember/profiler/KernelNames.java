package dev.ember.profiler;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.RandomKind;
import dev.ember.backend.RankOp;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.ScanOp;
import dev.ember.backend.ScatterReduce;
import dev.ember.backend.UnaryOp;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The names the profiler records for Backend SPI calls: PyTorch's aten operator where one maps clearly, else the SPI
 * method's own name (the table is in this package's documentation, package-info.java).
 */
final class KernelNames {
    private static final Map<UnaryOp, String> UNARY = new EnumMap<>(UnaryOp.class);
    private static final Map<BinaryOp, String> BINARY = new EnumMap<>(BinaryOp.class);

    static {
        for (UnaryOp op : UnaryOp.values()) {
            UNARY.put(op, "aten::" + op.name().toLowerCase(Locale.ROOT));
        }
        UNARY.put(UnaryOp.LOG_SIGMOID, "aten::log_sigmoid_forward");
        for (BinaryOp op : BinaryOp.values()) {
            BINARY.put(op, "aten::" + op.name().toLowerCase(Locale.ROOT));
        }
        BINARY.put(BinaryOp.DIV_TRUNC, "aten::div");
        BINARY.put(BinaryOp.DIV_FLOOR, "aten::div");
    }

    private KernelNames() {
    }

    static String unary(UnaryOp op) {
        return op == null ? "unary" : UNARY.get(op);
    }

    static String binary(BinaryOp op) {
        return op == null ? "binary" : BINARY.get(op);
    }

    static String reduce(ReduceOp op) {
        if (op == null) {
            return "reduce";
        }
        switch (op) {
            case MAX:
                return "aten::amax";
            case MIN:
                return "aten::amin";
            default:
                return "aten::" + op.name().toLowerCase(Locale.ROOT);
        }
    }

    static String matmul(Layout dst) {
        return dst != null && dst.rank() == 3 && dst.size(0) == 1 ? "aten::mm" : "aten::bmm";
    }

    static String scatter(ScatterReduce reduce) {
        return reduce == ScatterReduce.NONE ? "aten::scatter" : "aten::scatter_reduce";
    }

    static String random(RandomKind kind) {
        if (kind == null) {
            return "random";
        }
        switch (kind) {
            case UNIFORM:
                return "aten::uniform_";
            case NORMAL:
                return "aten::normal_";
            case INTEGERS:
                return "aten::random_";
            case BERNOULLI:
                return "aten::bernoulli_";
            default:
                return "aten::exponential_";
        }
    }

    static String rank(RankOp op) {
        return op == null ? "rankSelect" : "aten::" + op.name().toLowerCase(Locale.ROOT);
    }

    static String scan(ScanOp op) {
        return op == null ? "scan" : "aten::" + op.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A fused optimizer update under PyTorch's name for its fused kernel where it has one ({@code _fused_sgd_},
     * {@code _fused_adam_} / {@code _fused_adamw_}, {@code _fused_adagrad_}); else the SPI method's name.
     */
    static String optimizer(dev.ember.backend.OptimizerKind kind, double[] hyper) {
        if (kind == null) {
            return "optimizerUpdate";
        }
        switch (kind) {
            case SGD:
                return "aten::_fused_sgd_";
            case ADAM:
                boolean decoupled = hyper != null && hyper.length > 1 && hyper[1] != 0;
                return decoupled ? "aten::_fused_adamw_" : "aten::_fused_adam_";
            case ADAGRAD:
                return "aten::_fused_adagrad_";
            default:
                return "optimizerUpdate";
        }
    }

    /** The engine's name for a backward node's range, as PyTorch's ({@code AccumulateGrad} is spelled in full). */
    static String node(String nodeName) {
        return "AccumulateGrad".equals(nodeName) ? "torch::autograd::AccumulateGrad" : nodeName;
    }
}
