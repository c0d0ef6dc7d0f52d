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
 * method's own name. The table (the SPI method, then the name):
 * <ul>
 *   <li>{@code allocate} {@code aten::empty}, {@code allocateZeroed} {@code aten::zeros}, {@code copy}
 *       {@code aten::copy_}, {@code fill} {@code aten::fill_}, {@code axpy} {@code aten::add_}, {@code where}
 *       {@code aten::where};</li>
 *   <li>{@code unary}/{@code binary}/{@code binaryScalar}: {@code aten::} and the op in lower case ({@code aten::exp},
 *       {@code aten::add}, {@code aten::mul}, {@code aten::threshold_backward}), except the divisions with a rounding
 *       mode ({@code aten::div}) and {@code LOG_SIGMOID} ({@code aten::log_sigmoid_forward});</li>
 *   <li>{@code reduce}: {@code aten::sum}, {@code aten::prod}, {@code aten::amax}, {@code aten::amin},
 *       {@code aten::argmax}, {@code aten::argmin};</li>
 *   <li>{@code matmul} (always batched): {@code aten::mm} for a batch of one, else {@code aten::bmm};</li>
 *   <li>{@code gather} {@code aten::gather}, {@code scatter} {@code aten::scatter} (no reduction) or
 *       {@code aten::scatter_reduce}, {@code nonzeroCount} {@code aten::count_nonzero}, {@code nonzero}
 *       {@code aten::nonzero}, {@code linearIndex} {@code aten::index};</li>
 *   <li>{@code random}: {@code aten::uniform_}, {@code aten::normal_}, {@code aten::random_}, {@code aten::bernoulli_},
 *       {@code aten::exponential_};</li>
 *   <li>{@code luFactor} {@code aten::linalg_lu_factor_ex}, {@code luSolve} {@code aten::linalg_lu_solve},
 *       {@code cholesky} {@code aten::linalg_cholesky_ex}, {@code qr} {@code aten::linalg_qr},
 *       {@code triangularSolve} {@code aten::linalg_solve_triangular};</li>
 *   <li>{@code conv2d} {@code aten::convolution}, {@code conv2dBackwardInput} and {@code conv2dBackwardWeight}
 *       {@code aten::convolution_backward} (one call each), {@code maxPool2d}
 *       {@code aten::max_pool2d_with_indices} (and {@code _backward}), {@code avgPool2d} {@code aten::avg_pool2d} (and
 *       {@code _backward}), {@code adaptiveAvgPool2d} {@code aten::_adaptive_avg_pool2d} (and {@code _backward}),
 *       {@code adaptiveMaxPool2d} {@code aten::adaptive_max_pool2d}, {@code upsampleBilinear2d}
 *       {@code aten::upsample_bilinear2d} (and {@code _backward});</li>
 *   <li>{@code sort} {@code aten::sort}, {@code rankSelect} {@code aten::kthvalue}/{@code aten::median}/
 *       {@code aten::nanmedian}/{@code aten::mode}, {@code scan} {@code aten::cumsum}/{@code aten::cumprod}/
 *       {@code aten::cummax}/{@code aten::cummin}/{@code aten::logcumsumexp}, {@code searchsorted}
 *       {@code aten::searchsorted}, {@code histc} {@code aten::histc}, {@code bincount} {@code aten::bincount},
 *       {@code unique} {@code aten::_unique2};</li>
 *   <li>{@code layerNorm}/{@code groupNorm}/{@code batchNorm} {@code aten::native_layer_norm},
 *       {@code aten::native_group_norm}, {@code aten::native_batch_norm} (and their {@code _backward});</li>
 *   <li>the SPI method's own name for the rest, which have no single aten counterpart: {@code fromArray},
 *       {@code toArray}, {@code checkIndices}, {@code attention}, {@code attentionBackward}, {@code rmsNorm},
 *       {@code rmsNormBackward}, {@code toHost}, {@code fromHost}.</li>
 * </ul>
 * The autograd engine's ranges are {@code autograd::engine::evaluate_function: NAME} with the node's own range
 * {@code NAME} inside ({@code AddmmBackward0}; {@code torch::autograd::AccumulateGrad} for a leaf's accumulation),
 * and {@link Profiler#recordFunction} ranges carry the user's name.
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

    /** The engine's name for a backward node's range, as PyTorch's ({@code AccumulateGrad} is spelled in full). */
    static String node(String nodeName) {
        return "AccumulateGrad".equals(nodeName) ? "torch::autograd::AccumulateGrad" : nodeName;
    }
}
