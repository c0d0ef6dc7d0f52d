package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ops on tensors with zero-size dimensions (and on 0-dim tensors) against PyTorch: output shapes, dtypes and values,
 * the gradients of the differentiable ones, and the errors PyTorch raises. Expected results come from
 * emptysweep/make_expected.py (PyTorch 1.13, CPU), which documents the input specs and the file's format.
 *
 * <p>Values: integers and bools exactly, floats within a relative 1e-6 (NaN as NaN, infinities exactly). An error
 * PyTorch raises must be thrown as an exception other than the Java runtime's own failures (NullPointerException,
 * ArrayIndexOutOfBoundsException, ArithmeticException, NegativeArraySizeException, ClassCastException, ...), whose
 * message's first line equals PyTorch's. A gradient PyTorch leaves None matches a gradient with no elements.
 */
class EmptySweepTest {

    /** Exceptions that show a Java failure, not an error the engine meant to raise. */
    private static final Set<Class<?>> JAVA_FAILURES = Set.of(NullPointerException.class,
            ArrayIndexOutOfBoundsException.class, StringIndexOutOfBoundsException.class, ArithmeticException.class,
            NegativeArraySizeException.class, ClassCastException.class, IllegalStateException.class,
            ArrayStoreException.class, StackOverflowError.class, OutOfMemoryError.class, AssertionError.class);

    // ------------------------------------------------------------------ inputs

    static Tensor make(String spec) {
        String[] p = spec.split(":", -1);
        String kind = p[0];
        int[] shape = p[1].isEmpty() ? new int[0] : Arrays.stream(p[1].split("x")).mapToInt(Integer::parseInt).toArray();
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        Tensor t;
        switch (kind) {
            case "f":
            case "d": {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = ((i % 7) - 3) / 2.0;
                }
                t = Tensor.tensor(v, DType.FLOAT64).to(kind.equals("f") ? DType.FLOAT32 : DType.FLOAT64);
                break;
            }
            case "p": {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i + 1;
                }
                t = Tensor.tensor(v, DType.FLOAT64).to(DType.FLOAT32);
                break;
            }
            case "l":
            case "x": {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = kind.equals("l") ? (i % 7) - 3 : i % 2;
                }
                t = Tensor.tensor(v);
                break;
            }
            case "b": {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i % 3 == 0;
                }
                t = Tensor.tensor(v);
                break;
            }
            default:
                throw new IllegalArgumentException(spec);
        }
        return t.reshape(shape).contiguous().detach();
    }

    static Tensor upstream(Tensor out) {
        int n = (int) out.numel();
        double[] v = new double[n];
        for (int j = 0; j < n; j++) {
            v[j] = ((j % 5) + 1) / 4.0;
        }
        return Tensor.tensor(v, DType.FLOAT64).to(out.dtype()).reshape(out.shape());
    }

    static List<Tensor> outputs(Object r) {
        List<Tensor> out = new ArrayList<>();
        if (r instanceof Tensor t) {
            out.add(t);
        } else if (r instanceof List<?> l) {
            for (Object o : l) {
                out.add((Tensor) o);
            }
        } else if (r instanceof Tensor.ValuesIndices vi) {
            out.add(vi.values());
            out.add(vi.indices());
        } else if (r instanceof UniqueResult u) {
            out.add(u.values());
            if (u.inverse() != null) out.add(u.inverse());
            if (u.counts() != null) out.add(u.counts());
        } else if (r instanceof Tensor.VarMean vm) {
            out.add(vm.var());
            out.add(vm.mean());
        } else if (r instanceof Boolean b) {
            out.add(Tensor.tensor(new boolean[] {b}).reshape());
        } else {
            throw new IllegalArgumentException("unknown result " + r);
        }
        return out;
    }

    // ------------------------------------------------------------------ the ops, by the script's names

    static final Map<String, Function<Tensor[], Object>> OPS = new LinkedHashMap<>();

    static void op(String name, Function<Tensor[], Object> f) {
        OPS.put(name, f);
    }

    static void op1(String name, Function<Tensor, Object> f) {
        OPS.put(name, t -> f.apply(t[0]));
    }

    static void op2(String name, java.util.function.BiFunction<Tensor, Tensor, Object> f) {
        OPS.put(name, t -> f.apply(t[0], t[1]));
    }

    static int[] ints(int... v) {
        return v;
    }

    static int last(Tensor x) {
        return x.size(x.dim() - 1);
    }

    static {
        // unary
        op1("neg", Tensor::neg);
        op1("abs", Tensor::abs);
        op1("exp", Tensor::exp);
        op1("log", Tensor::log);
        op1("sqrt", Tensor::sqrt);
        op1("sigmoid", Tensor::sigmoid);
        op1("tanh", Tensor::tanh);
        op1("relu", Tensor::relu);
        op1("sin", Tensor::sin);
        op1("square", Tensor::square);
        op1("reciprocal", Tensor::reciprocal);
        op1("erf", Tensor::erf);
        op1("gelu", Functional::gelu);
        op1("silu", Functional::silu);
        op1("softplus", Functional::softplus);
        op1("leakyRelu", Functional::leakyRelu);
        op1("clamp", x -> x.clamp(-1.0, 1.0));
        op1("pow2", x -> x.pow(2.0));
        op1("toDouble", x -> x.to(DType.FLOAT64));
        op1("floor", Tensor::floor);
        op1("round", Tensor::round);
        op1("sign", Tensor::sign);
        op1("logicalNot", Tensor::logicalNot);
        op1("isfinite", Tensor::isfinite);
        op1("isnan", Tensor::isnan);
        op1("nanToNum", Tensor::nanToNum);
        op1("bitwiseNot", Tensor::bitwiseNot);
        op1("toLong", x -> x.to(DType.INT64));
        // binary
        op2("add", Tensor::add);
        op2("sub", Tensor::sub);
        op2("mul", Tensor::mul);
        op2("div", Tensor::div);
        op2("pow", Tensor::pow);
        op2("maximum", Tensor::maximum);
        op2("minimum", Tensor::minimum);
        op2("atan2", Tensor::atan2);
        op2("add_alpha2", (a, b) -> a.add(b, 2));
        op2("eq", Tensor::eq);
        op2("lt", Tensor::lt);
        op2("ge", Tensor::ge);
        op2("logicalAnd", Tensor::logicalAnd);
        op2("fmod", Tensor::fmod);
        op2("remainder", Tensor::remainder);
        op2("floorDivide", Tensor::floorDivide);
        op2("bitwiseAnd", Tensor::bitwiseAnd);
        op1("addScalar", a -> a.add(2.5));
        op1("mulScalarLong", a -> a.mul(3L));
        op("where", t -> Tensor.where(t[0], t[1], t[2]));
        op2("whereScalar", (c, a) -> Tensor.where(c, a, 1.5));
        op2("lerp", (a, b) -> a.lerp(b, 0.25));
        op2("isclose", Tensor::isclose);
        // reductions
        op1("sum", Tensor::sum);
        op1("sum_d0", x -> x.sum(0));
        op1("sum_d1", x -> x.sum(1));
        op1("sum_d0_keep", x -> x.sum(ints(0), true));
        op1("sum_d01", x -> x.sum(ints(0, 1), false));
        op1("mean", Tensor::mean);
        op1("mean_d0", x -> x.mean(0));
        op1("mean_d1", x -> x.mean(1));
        op1("prod", Tensor::prod);
        op1("prod_d0_keep", x -> x.prod(0, true));
        op1("prod_d1", x -> x.prod(1, false));
        op1("amax", Tensor::amax);
        op1("amax_d0", x -> x.amax(ints(0), false));
        op1("amax_d1", x -> x.amax(ints(1), false));
        op1("amin_d1_keep", x -> x.amin(ints(1), true));
        op1("amin", Tensor::amin);
        op1("max", Tensor::max);
        op1("max_d0", x -> x.max(0, false));
        op1("max_d1_keep", x -> x.max(1, true));
        op1("min", Tensor::min);
        op1("min_d1", x -> x.min(1, false));
        op1("argmax", Tensor::argmax);
        op1("argmax_d0", x -> x.argmax(0, false));
        op1("argmax_d1", x -> x.argmax(1, false));
        op1("argmin", Tensor::argmin);
        op1("argmin_d1_keep", x -> x.argmin(1, true));
        op1("var", Tensor::var);
        op1("var_d0", x -> x.var(ints(0), 1, false));
        op1("var_d1_c0", x -> x.var(ints(1), 0, false));
        op1("std", Tensor::std);
        op1("std_d1_keep", x -> x.std(ints(1), 1, true));
        op1("varMean", Tensor::varMean);
        op1("logsumexp_d0", x -> x.logsumexp(0));
        op1("logsumexp_d1", x -> x.logsumexp(1));
        op1("norm", Tensor::norm);
        op1("norm_d0", x -> x.norm(2.0, ints(0), false));
        op1("norm_inf", x -> x.vectorNorm(Double.POSITIVE_INFINITY, null, false));
        op1("norm_inf_d1", x -> x.vectorNorm(Double.POSITIVE_INFINITY, ints(1), false));
        op1("norm_1_d1", x -> x.vectorNorm(1.0, ints(1), false));
        op1("any", x -> x.any());
        op1("all", x -> x.all());
        op1("any_d0", x -> x.any(0));
        op1("all_d1", x -> x.all(1));
        op1("countNonzero", x -> x.countNonzero());
        op1("countNonzero_d0", x -> x.countNonzero(0));
        op1("nansum", Tensor::nansum);
        op1("nanmean", Tensor::nanmean);
        op1("median", Tensor::median);
        op1("median_d1", x -> x.median(1, false));
        op1("kthvalue1_d1", x -> x.kthvalue(1, 1, false));
        op1("mode_d1", x -> x.mode(1, false));
        // scans, sorting
        op1("cumsum_d0", x -> x.cumsum(0));
        op1("cumsum_d1", x -> x.cumsum(1));
        op1("cumprod_d0", x -> x.cumprod(0));
        op1("cumprod_d1", x -> x.cumprod(1));
        op1("cummax_d0", x -> x.cummax(0));
        op1("cummin_d1", x -> x.cummin(1));
        op1("logcumsumexp_d0", x -> x.logcumsumexp(0));
        op1("sort", x -> x.sort());
        op1("sort_d0_desc", x -> x.sort(0, true));
        op1("argsort", x -> x.argsort());
        op1("argsort_d0", x -> x.argsort(0, false));
        op1("topk0", x -> x.topk(0));
        op1("topk1", x -> x.topk(1));
        op1("topk0_d0", x -> x.topk(0, 0, true, true));
        op1("unique", x -> x.unique());
        op1("uniqueAll", x -> x.unique(true, true, true));
        op1("unique_d0", x -> x.unique(true, true, true, 0));
        op1("uniqueConsecutive", x -> x.uniqueConsecutive());
        op2("searchsorted", Tensor::searchsorted);
        op2("bucketize", Tensor::bucketize);
        op1("histc4", x -> x.histc(4));
        op1("histc4_range", x -> x.histc(4, 0.0, 1.0));
        op1("bincount", x -> x.bincount());
        op1("bincount_min3", x -> x.bincount(3));
        // linear algebra
        op2("matmul", Tensor::matmul);
        op2("mm", Tensor::mm);
        op2("bmm", Tensor::bmm);
        op2("mv", Tensor::mv);
        op2("dot", Tensor::dot);
        op2("outer", Tensor::outer);
        op2("kron", Tensor::kron);
        op("addmm", t -> t[0].addmm(t[1], t[2]));
        op("baddbmm", t -> t[0].baddbmm(t[1], t[2]));
        op("linear", t -> Functional.linear(t[0], t[1], t[2]));
        op("linearNoBias", t -> Functional.linear(t[0], t[1], null));
        op2("einsum_ij_jk", (a, b) -> Tensor.einsum("ij,jk->ik", a, b));
        op2("einsum_i_i", (a, b) -> Tensor.einsum("i,i->", a, b));
        op1("einsum_ii", a -> Tensor.einsum("ii->i", a));
        op1("einsum_bij_sum", a -> Tensor.einsum("bij->j", a));
        op2("tensordot1", (a, b) -> Tensor.tensordot(a, b, 1));
        op1("trace", Tensor::trace);
        op1("det", Tensor::linalgDet);
        op1("inv", Tensor::linalgInv);
        op2("cross", Tensor::linalgCross);
        // nn
        op("conv2d", t -> Functional.conv2d(t[0], t[1], t[2]));
        op("conv2d_pad1", t -> Functional.conv2d(t[0], t[1], null, ints(1), ints(1), ints(1), 1));
        op("conv1d", t -> Functional.conv1d(t[0], t[1], null));
        op("convTranspose2d", t -> Functional.convTranspose2d(t[0], t[1], null));
        op1("maxPool2d", x -> Functional.maxPool2d(x, 2));
        op1("avgPool2d", x -> Functional.avgPool2d(x, 2));
        op1("adaptiveAvgPool2d", x -> Functional.adaptiveAvgPool2d(x, 1));
        op1("adaptiveMaxPool2d", x -> Functional.adaptiveMaxPool2d(x, 1));
        op1("interpolateNearest2", x -> Functional.interpolate(x, 2.0, "nearest"));
        op1("pixelShuffle2", x -> Functional.pixelShuffle(x, 2));
        op("layerNorm", t -> Functional.layerNorm(t[0], ints(last(t[0])), t[1], t[2], 1e-5));
        op1("layerNormNoAffine", x -> Functional.layerNorm(x, ints(last(x))));
        op("batchNormEval", t -> Functional.batchNorm(t[0], t[1], t[2], null, null, false, 0.1, 1e-5));
        op1("batchNormTrain", x -> Functional.batchNorm(x, null, null, null, null, true, 0.1, 1e-5));
        op1("groupNorm2", x -> Functional.groupNorm(x, 2));
        op1("instanceNorm", x -> Functional.instanceNorm(x, null, null, null, null, true, 0.1, 1e-5));
        op1("rmsNorm", x -> Functional.rmsNorm(x, ints(last(x)), null, null));
        op1("softmax_d0", x -> Functional.softmax(x, 0));
        op1("softmax_d1", x -> Functional.softmax(x, 1));
        op1("logSoftmax_d0", x -> Functional.logSoftmax(x, 0));
        op1("logSoftmax_d1", x -> Functional.logSoftmax(x, 1));
        op1("dropoutEval", x -> Functional.dropout(x, 0.5, false));
        op2("crossEntropy", Functional::crossEntropy);
        op2("crossEntropySum", (x, y) -> Functional.crossEntropy(x, y, "sum", 0.0));
        op2("crossEntropyNone", (x, y) -> Functional.crossEntropy(x, y, "none", 0.0));
        op2("crossEntropySmooth", (x, y) -> Functional.crossEntropy(x, y, "mean", 0.1));
        op2("crossEntropyProbs", Functional::crossEntropy);
        op2("nllLoss", (x, y) -> Functional.nllLoss(x, y, "mean"));
        op2("nllLossSum", (x, y) -> Functional.nllLoss(x, y, "sum"));
        op2("nllLossNone", (x, y) -> Functional.nllLoss(x, y, "none"));
        op2("mseLoss", Functional::mseLoss);
        op2("mseLossSum", (a, b) -> Functional.mseLoss(a, b, "sum"));
        op2("l1Loss", Functional::l1Loss);
        op2("smoothL1Loss", Functional::smoothL1Loss);
        op2("huberLoss", Functional::huberLoss);
        op2("bceLogits", (a, b) -> Functional.binaryCrossEntropyWithLogits(a, b, "mean"));
        op2("klDiv", (a, b) -> Functional.kLDivLoss(a, b, "mean", false));
        op2("klDivBatchmean", (a, b) -> Functional.kLDivLoss(a, b, "batchmean", false));
        op2("embedding", Functional::embedding);
        op("embeddingBagSum", t -> Functional.embeddingBag(t[0], t[1], t[2], "sum"));
        op("embeddingBagMean", t -> Functional.embeddingBag(t[0], t[1], t[2], "mean"));
        op("sdpa", t -> Functional.scaledDotProductAttention(t[0], t[1], t[2]));
        // indexing
        op2("indexSelect_d0", (x, i) -> x.indexSelect(0, i));
        op2("indexSelect_d1", (x, i) -> x.indexSelect(1, i));
        op2("gather_d0", (x, i) -> x.gather(0, i));
        op2("gather_d1", (x, i) -> x.gather(1, i));
        op("scatter_d0", t -> t[0].scatter(0, t[1], t[2]));
        op2("scatterValue_d1", (x, i) -> x.scatter(1, i, 9.0));
        op("scatterAdd_d0", t -> t[0].scatterAdd(0, t[1], t[2]));
        op("scatterReduceAmax_d0", t -> t[0].scatterReduce(0, t[1], t[2], "amax"));
        op("indexAdd_d0", t -> t[0].indexAdd(0, t[1], t[2]));
        op("indexCopy_d0", t -> t[0].indexCopy(0, t[1], t[2]));
        op2("indexFill_d1", (x, i) -> x.indexFill(1, i, 7.0));
        op2("take", Tensor::take);
        op2("takeAlongDim_d1", (x, i) -> x.takeAlongDim(i, 1));
        op2("indexTensor", (x, i) -> x.index(Index.of(i)));
        op2("indexBool", (x, m) -> x.index(Index.of(m)));
        op("indexPutAcc", t -> t[0].indexPut(new Index[] {Index.of(t[1])}, t[2], true));
        op2("maskedFill", (x, m) -> x.maskedFill(m, 1.5));
        op2("maskedSelect", Tensor::maskedSelect);
        op("maskedScatter", t -> t[0].maskedScatter(t[1], t[2]));
        op1("nonzero", Tensor::nonzero);
        op1("nonzeroTuple", Tensor::nonzeroAsTuple);
        op1("argwhere", Tensor::argwhere);
        op2("repeatInterleaveT", Tensor::repeatInterleave);
        op1("repeatInterleave2", x -> x.repeatInterleave(2, 0));
        // joining, splitting
        op("cat_d0", t -> Tensor.cat(List.of(t), 0));
        op("cat_d1", t -> Tensor.cat(List.of(t), 1));
        op("stack_d0", t -> Tensor.stack(List.of(t), 0));
        op("stack_d1", t -> Tensor.stack(List.of(t), 1));
        op1("split2_d0", x -> x.split(2, 0));
        op1("split2_d1", x -> x.split(2, 1));
        op1("splitSizes0_2_d1", x -> x.split(ints(0, 2), 1));
        op1("chunk2_d0", x -> x.chunk(2, 0));
        op1("chunk2_d1", x -> x.chunk(2, 1));
        op1("tensorSplit2_d0", x -> x.tensorSplit(2, 0));
        op1("unbind_d0", x -> x.unbind(0));
        op1("unbind_d1", x -> x.unbind(1));
        op2("meshgrid", (a, b) -> Tensor.meshgrid(List.of(a, b), "ij"));
        op2("broadcastTensors", (a, b) -> Tensor.broadcastTensors(List.of(a, b)));
        // shapes
        op1("reshape_3_0", x -> x.reshape(3, 0));
        op1("reshape_m1", x -> x.reshape(-1));
        op1("reshape_m1_3", x -> x.reshape(-1, 3));
        op1("reshape_0_m1", x -> x.reshape(0, -1));
        op1("reshape_m1_0", x -> x.reshape(-1, 0));
        op1("view_0_5_2", x -> x.view(0, 5, 2));
        op1("view_1", x -> x.view(1));
        op1("flatten", Tensor::flatten);
        op1("flatten_0_1", x -> x.flatten(0, 1));
        op1("unflatten_0_2_0", x -> x.unflatten(0, 2, 0));
        op1("permute_1_0", x -> x.permute(1, 0));
        op1("transpose_0_1", x -> x.transpose(0, 1));
        op1("t", Tensor::t);
        op1("squeeze", x -> x.squeeze());
        op1("squeeze_d0", x -> x.squeeze(0));
        op1("unsqueeze_d0", x -> x.unsqueeze(0));
        op1("expand_0_3", x -> x.expand(0, 3));
        op1("expand_0", x -> x.expand(0));
        op1("expand_2_m1", x -> x.expand(2, -1));
        op1("repeat_2_2", x -> x.repeat(2, 2));
        op1("repeat_0", x -> x.repeat(0));
        op1("repeat_0_2", x -> x.repeat(0, 2));
        op1("tile_2", x -> x.tile(2));
        op1("flip_d0", x -> x.flip(0));
        op1("flip_d01", x -> x.flip(0, 1));
        op1("roll1", x -> x.roll(1));
        op1("roll1_d0", x -> x.roll(1, 0));
        op1("narrow_0_1_0", x -> x.narrow(0, 1, 0));
        op1("narrow_0_0_0", x -> x.narrow(0, 0, 0));
        op1("slice_d0_2_1", x -> x.slice(0, 2, 1, 1));
        op1("select_0_0", x -> x.select(0, 0));
        op1("movedim_0_1", x -> x.movedim(0, 1));
        op1("contiguousT", x -> x.t().contiguous());
        op1("clone", Tensor::clone);
        op1("pad_1_1", x -> Functional.pad(x, ints(1, 1)));
        op1("pad_0_0_1_1", x -> Functional.pad(x, ints(0, 0, 1, 1)));
        op1("padReflect", x -> Functional.pad(x, ints(1, 1), "reflect"));
        op1("padReplicate", x -> Functional.pad(x, ints(1, 1), "replicate"));
        op1("tril", x -> x.tril());
        op1("triu1", x -> x.triu(1));
        op1("diag", x -> x.diag());
        op1("diag1", x -> x.diag(1));
        op1("diagonal", x -> x.diagonal());
        op1("diagEmbed", x -> x.diagEmbed());
        op1("zerosLike", Tensor::zerosLike);
        op1("fullLike", x -> x.fullLike(2.5));
        // in place, and further ops
        op2("add_", Tensor::add_);
        op1("mul_scalar_", x -> x.mul_(2.0));
        op1("fill_", x -> x.fill_(3.0));
        op1("zero_", Tensor::zero_);
        op2("copy_", Tensor::copy_);
        op2("maskedFill_", (x, m) -> x.maskedFill_(m, 2.0));
        op("scatter_", t -> t[0].scatter_(0, t[1], t[2]));
        op("indexAdd_", t -> t[0].indexAdd_(0, t[1], t[2]));
        op1("clamp_", x -> x.clamp_(-1.0, 1.0));
        op1("item", x -> Tensor.scalar(x.item()).to(x.dtype()));
        op("addmv", t -> t[0].addmv(t[1], t[2]));
        op("addbmm", t -> t[0].addbmm(t[1], t[2]));
        op1("matrixNorm", Tensor::matrixNorm);
        op1("nanmedian", Tensor::nanmedian);
        op1("kthvalue1_d0", x -> x.kthvalue(1, 0, false));
        op1("topk0_d1", x -> x.topk(0, 1, true, true));
        op1("clampMin", x -> x.clampMin(0.0));
        op1("sum_f64", x -> x.sum(DType.FLOAT64));
        op1("mean_b", Tensor::mean);
        op1("logsumexp_d01", x -> x.logsumexp(ints(0, 1), false));
        op1("indexSlice", x -> x.index(Index.slice(1, 1, null), Index.all()));
        op1("indexNewAxis", x -> x.index(Index.newAxis()));
        op1("stdMean_d1", x -> {
            Tensor.StdMean r = x.stdMean(ints(1), 1, false);
            return List.of(r.std(), r.mean());
        });
    }

    // ------------------------------------------------------------------ checking

    static String enc(Tensor t) {
        if (t == null) {
            return "none";
        }
        String dt = t.dtype().torchName().replace("torch.", "");
        StringBuilder sb = new StringBuilder();
        sb.append(dt).append('|');
        int[] s = t.shape();
        for (int i = 0; i < s.length; i++) {
            sb.append(i == 0 ? "" : ",").append(s[i]);
        }
        sb.append('|');
        return sb.toString();
    }

    /** Compares one output with its expected "dtype|shape|values"; returns null if it matches, else the difference. */
    static String compare(String want, Tensor got) {
        // PyTorch leaves some gradients of inputs with no elements None (det of 0x0); a gradient of the input's shape
        // with no elements carries the same (lack of) information
        if (want.equals("none") && got != null && got.numel() == 0) {
            return null;
        }
        if (want.equals("none") || got == null) {
            return want.equals("none") && got == null ? null : "expected " + want + " but got " + describe(got);
        }
        String[] w = want.split("\\|", -1);
        String head = enc(got);
        if (!head.equals(w[0] + "|" + w[1] + "|")) {
            return "expected " + w[0] + "[" + w[1] + "] but got " + head + " (" + describe(got) + ")";
        }
        String[] vals = w[2].isEmpty() ? new String[0] : w[2].split(" ");
        DType dt = got.dtype();
        if (dt == DType.FLOAT32 || dt == DType.FLOAT64 || dt == DType.FLOAT16 || dt == DType.BFLOAT16) {
            double[] g = got.toDoubleArray();
            for (int i = 0; i < vals.length; i++) {
                double e = parse(vals[i]);
                boolean ok = Double.isNaN(e) ? Double.isNaN(g[i])
                        : Double.isInfinite(e) ? e == g[i]
                        : Math.abs(e - g[i]) <= 1e-6 * Math.max(Math.abs(e), Math.abs(g[i])) + 1e-7;
                if (!ok) {
                    return "value " + i + ": expected " + vals[i] + " but got " + g[i] + " (all: " + w[2] + " vs "
                            + Arrays.toString(g) + ")";
                }
            }
        } else if (dt == DType.BOOL) {
            boolean[] g = got.toBooleanArray();
            for (int i = 0; i < vals.length; i++) {
                if (g[i] != vals[i].equals("1")) {
                    return "value " + i + ": expected " + w[2] + " but got " + Arrays.toString(g);
                }
            }
        } else {
            long[] g = got.toLongArray();
            for (int i = 0; i < vals.length; i++) {
                if (g[i] != Long.parseLong(vals[i])) {
                    return "value " + i + ": expected " + w[2] + " but got " + Arrays.toString(g);
                }
            }
        }
        return null;
    }

    static String describe(Tensor t) {
        if (t == null) {
            return "none";
        }
        try {
            return enc(t) + (t.numel() <= 20 ? Arrays.toString(t.toDoubleArray()) : "...");
        } catch (RuntimeException e) {
            return enc(t) + "<unreadable: " + e + ">";
        }
    }

    static double parse(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Checks one expected line (forward, or gradients when the key ends in #grad). */
    static void check(String key, String[] fields) {
        boolean grad = key.endsWith("#grad");
        String base = grad ? key.substring(0, key.length() - 5) : key;
        int at = base.indexOf('@');
        String name = base.substring(0, at);
        String[] specs = base.substring(at + 1).split(",");
        Function<Tensor[], Object> f = OPS.get(name);
        if (f == null) {
            fail("no op " + name + " in EmptySweepTest");
        }
        Tensor[] in = new Tensor[specs.length];
        for (int i = 0; i < specs.length; i++) {
            in[i] = make(specs[i]);
            if (grad && "fdp".indexOf(specs[i].charAt(0)) >= 0) {
                in[i].requiresGrad_(true);
            }
        }
        List<Tensor> got;
        try {
            Object r = f.apply(in);
            got = outputs(r);
            if (grad) {
                Tensor out = got.get(0);
                out.backward(upstream(out));
                got = new ArrayList<>();
                for (int i = 0; i < specs.length; i++) {
                    if (in[i].requiresGrad()) {
                        got.add(in[i].grad());
                    }
                }
            }
        } catch (Throwable e) {
            if (!fields[1].equals("!")) {
                fail("PyTorch gives " + String.join("  ", Arrays.copyOfRange(fields, 2, fields.length))
                        + " but Ember threw " + e, e);
            }
            if (JAVA_FAILURES.contains(e.getClass())) {
                fail("PyTorch raises '" + fields[2] + "' but Ember threw a Java failure " + e, e);
            }
            assertEquals(fields[2], firstLine(e), "the error message (" + e.getClass().getSimpleName() + ")");
            return;
        }
        if (fields[1].equals("!")) {
            StringBuilder sb = new StringBuilder();
            for (Tensor t : got) {
                sb.append(' ').append(describe(t));
            }
            fail("PyTorch raises '" + fields[2] + "' but Ember returned" + sb);
        }
        int n = Integer.parseInt(fields[1]);
        if (got.size() != n) {
            StringBuilder sb = new StringBuilder();
            for (Tensor t : got) {
                sb.append(' ').append(describe(t));
            }
            fail("expected " + n + " outputs " + String.join("  ", Arrays.copyOfRange(fields, 2, fields.length))
                    + " but got " + got.size() + ":" + sb);
        }
        for (int i = 0; i < n; i++) {
            String diff = compare(fields[2 + i], got.get(i));
            if (diff != null) {
                fail((grad ? "gradient " : "output ") + i + ": " + diff);
            }
        }
    }

    @TestFactory
    List<DynamicTest> matchesPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (InputStream in = EmptySweepTest.class.getResourceAsStream("/emptysweep/expected.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] fields = line.split("\t", -1);
                tests.add(DynamicTest.dynamicTest(fields[0], () -> {
                    try {
                        check(fields[0], fields);
                    } catch (AssertionError e) {
                        throw new AssertionError("[" + fields[0] + "] " + e.getMessage(), e.getCause());
                    }
                }));
            }
        }
        return tests;
    }
}
