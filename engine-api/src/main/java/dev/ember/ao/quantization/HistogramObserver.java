package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * {@code torch.ao.quantization.HistogramObserver} (PyTorch 2.x's algorithm): records a running histogram of
 * {@code bins} equal bins (default 2048) over the running minimum and maximum, and chooses the quantization range by
 * the L2 error search of Caffe2's {@code NormMinimization} over that histogram; per-tensor schemes. The activation
 * observer of {@link QConfig#getDefaultQconfig}. Buffers (state dict, in order): {@code eps}, {@code histogram}
 * ({@code bins} float32 counts), {@code min_val}, {@code max_val} (scalars starting at inf and -inf); prints as
 * PyTorch's {@code HistogramObserver(min_val=-1.0, max_val=2.0)}.
 *
 * <p>Forward, as PyTorch 2.x's: an empty input is passed through; infinities are dropped (with PyTorch's warning) and
 * an input of nothing else is passed through; the first input sets the range to its extremes and the histogram to its
 * {@code histc}; a later one is counted by {@code histc} over the union of the ranges, added to the histogram when the
 * range did not grow, else added to the old histogram carried into the new range ({@code _combine_histograms}: an old
 * histogram of one value put into that value's new bin, otherwise {@code _upscale_histogram}: each old bin split into
 * 16 sub-bins of a sixteenth of its count, each sub-bin's midpoint put into the new bin holding it, summed by
 * {@code bincount}). PyTorch 1.13's forward differed (it rebuilt the histogram whenever the old range was one value,
 * gave {@code histc} the range truncated to integers, and combined through an integral histogram over a widened
 * range); this follows 2.x.
 *
 * <p>{@code calculateQparams()}: PyTorch's {@code _non_linear_param_search}, then the scale and zero point of the chosen
 * range as {@link MinMaxObserver}'s. Every element operation is PyTorch's float32 arithmetic in its order; the
 * midpoints and bin edges of {@code _upscale_histogram} are PyTorch 2.x's CPU {@code linspace} kernel's values
 * ({@link Tensor#linspace}: float32, every value the scalar formula, fused where the build has FMA; a value one
 * rounding off puts a sub-bin midpoint into the neighbouring bin now and then). The sums (the histogram's total, each candidate range's error
 * {@code norm.sum()}) are accumulated in double where PyTorch adds float32 lanes: the same total while the counts and
 * their sixteenths are exact in float32, and an error that decides the search only at a tie within float32 rounding.
 */
public class HistogramObserver extends UniformQuantizationObserverBase {
    private final int bins;
    private final int upsampleRate = 16;
    private final double dstNbins;

    /** quint8, per-tensor affine, [0, 255], 2048 bins. */
    public HistogramObserver() {
        this(2048, new ObserverOptions());
    }

    /**
     * The given options (dtype, qscheme, reduceRange, quantRange, eps) and 2048 bins.
     *
     * @throws UnsupportedOperationException for a per-channel scheme (PyTorch's NotImplementedError)
     * @throws IllegalArgumentException for a bad custom range
     */
    public HistogramObserver(ObserverOptions o) {
        this(2048, o);
    }

    /**
     * {@code HistogramObserver(bins=bins, ...)}.
     *
     * @throws UnsupportedOperationException for a per-channel scheme (PyTorch's NotImplementedError)
     * @throws IllegalArgumentException for a negative bin count or a bad custom range
     */
    public HistogramObserver(int bins, ObserverOptions o) {
        super(requireScheme(o, false, "HistogramObserver's qscheme only support torch.per_tensor_symmetric "
                + "                    and torch.per_tensor_affine."), QScheme.PER_TENSOR_AFFINE);
        if (bins < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension " + bins + ": [" + bins
                    + "]");
        }
        this.bins = bins;
        registerBuffer("histogram", Tensor.zeros(DType.FLOAT32, bins));
        registerBuffer("min_val", Tensor.tensor(Float.POSITIVE_INFINITY, DType.FLOAT32, dev.ember.Device.CPU));
        registerBuffer("max_val", Tensor.tensor(Float.NEGATIVE_INFINITY, DType.FLOAT32, dev.ember.Device.CPU));
        // 2 ** torch.iinfo(dtype).bits: 8 bits for the 8-bit types and for quint4x2 (its storage's), 32 for qint32
        this.dstNbins = Math.pow(2, dtype == QuantDType.QINT32 ? 32 : 8);
    }

    /**
     * {@code torch.ao.quantization.default_histogram_observer}: {@code HistogramObserver(quant_min=0, quant_max=127)}.
     *
     * @return a new observer
     */
    public static HistogramObserver defaultHistogramObserver() {
        return new HistogramObserver(new ObserverOptions().quantRange(0, 127));
    }

    /** The number of bins. */
    public int bins() {
        return bins;
    }

    /** {@code upsample_rate}: the sub-bins of an old bin when a histogram is carried into a wider range (16). */
    public int upsampleRate() {
        return upsampleRate;
    }

    /** The running histogram (the {@code histogram} buffer). */
    public Tensor histogram() {
        return getBuffer("histogram");
    }

    /**
     * Counts the input into the running histogram (PyTorch 2.x's forward, described on the class); returns the input.
     * Everything is computed before a buffer changes, so an input that fails (an integer tensor, NaN) leaves the
     * observer as it was.
     *
     * @throws IllegalArgumentException from {@code torch.histc} with PyTorch's message (a range that is not finite)
     * @throws UnsupportedOperationException for an integer input (histc is not implemented for it)
     */
    @Override
    public Tensor forward(Tensor xOrig) {
        if (xOrig.numel() == 0) {
            return xOrig;
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor x = xOrig.detach();
            Tensor.MinMax mm = x.aminmax();
            if (mm.min().item() == Double.NEGATIVE_INFINITY || mm.max().item() == Double.POSITIVE_INFINITY) {
                PyWarnings.warn("torch.inf detected in input tensor, ignoring input");
                x = x.maskedSelect(x.abs().ne(Double.POSITIVE_INFINITY));
                if (x.numel() == 0) {
                    return xOrig;
                }
                mm = x.aminmax();
            }
            Tensor xMin = mm.min();
            Tensor xMax = mm.max();
            Tensor currentMin = minVal();
            Tensor currentMax = maxVal();
            Tensor histogram;
            Tensor newMin;
            Tensor newMax;
            if (currentMin.item() == Double.POSITIVE_INFINITY || currentMax.item() == Double.NEGATIVE_INFINITY) {
                // reset_histogram
                newMin = xMin;
                newMax = xMax;
                histogram = x.histc(bins, xMin.item(), xMax.item());
            } else {
                newMin = currentMin.minimum(xMin);
                newMax = currentMax.maximum(xMax);
                Tensor update = x.histc(bins, newMin.item(), newMax.item());
                if (newMin.item() == currentMin.item() && newMax.item() == currentMax.item()) {
                    histogram = histogram().add(update);
                } else {
                    histogram = combineHistograms(histogram(), currentMin, currentMax, update, newMin, newMax);
                }
            }
            assign("histogram", histogram);
            assign("min_val", newMin);
            assign("max_val", newMax);
        }
        return xOrig;
    }

    /** PyTorch's {@code _combine_histograms}: the old histogram carried into the new range, plus the new counts. */
    private Tensor combineHistograms(Tensor origHist, Tensor origMin, Tensor origMax, Tensor updateHist,
            Tensor updateMin, Tensor updateMax) {
        if (updateMin.item() == origMin.item() && updateMax.item() == origMax.item()) {
            return origHist.add(updateHist);
        }
        if (origMin.item() == origMax.item()) {
            // all the old counts were one value: they go to that value's bin in the new range
            Tensor binValue = origHist.sum();
            Tensor transformed = origMin.reshape(1).histc(bins, updateMin.item(), updateMax.item()).mul(binValue);
            return transformed.add(updateHist);
        }
        return updateHist.add(upscaleHistogram(origHist, origMin, origMax, updateMin, updateMax));
    }

    /**
     * PyTorch's {@code _upscale_histogram}: each old bin split into {@code upsample_rate} sub-bins of an equal share,
     * each share counted into the new bin that holds its sub-bin's midpoint.
     */
    private Tensor upscaleHistogram(Tensor histogram, Tensor origMin, Tensor origMax, Tensor updateMin,
            Tensor updateMax) {
        int fine = bins * upsampleRate;
        Tensor shares = histogram.repeatInterleave(upsampleRate, null).div((long) upsampleRate);
        float lo = (float) origMin.item();
        float hi = (float) origMax.item();
        float binSize = (hi - lo) / (float) fine;
        float half = 0.5f * binSize;
        float[] mid = linspace(lo, hi, fine + 1);
        float[] midPoints = new float[fine];
        for (int i = 0; i < fine; i++) {
            midPoints[i] = mid[i] + half;
        }
        Tensor boundaries = Tensor.tensor(linspace((float) updateMin.item(), (float) updateMax.item(), bins + 1));
        Tensor buckets = Tensor.tensor(midPoints).bucketize(boundaries, true).sub(1L).clamp(0L, (long) bins - 1);
        return buckets.bincount(shares, bins);
    }

    /**
     * {@code torch.linspace(start, end, steps)} in float32 as PyTorch 2.x's CPU kernel computes it: {@link
     * Tensor#linspace(double, double, int, DType)}'s values (every value the scalar formula, fused where the build has
     * FMA), independent of the thread count.
     */
    static float[] linspace(float start, float end, int steps) {
        return Tensor.linspace(start, end, steps, DType.FLOAT32).toFloatArray();
    }

    /**
     * {@code calculate_qparams()}: before any input, scale 1 and zero point 0 (with PyTorch's warning); otherwise the
     * range chosen by {@code _non_linear_param_search} and its scale and zero point as {@link MinMaxObserver}'s.
     *
     * @throws IllegalStateException when the histogram's length is not the bin count (a loaded state dict's)
     */
    @Override
    public QParams calculateQparams() {
        try (GradMode off = Ember.noGrad()) {
            if (minVal().item() == Double.POSITIVE_INFINITY && maxVal().item() == Double.NEGATIVE_INFINITY) {
                PyWarnings.warn("must run observer before calling calculate_qparams."
                        + "                                    Returning default scale and zero point ");
                return new QParams(Tensor.tensor(new float[] {1f}, DType.FLOAT32, minVal().device()),
                    Tensor.tensor(new long[] {0}, DType.INT64, minVal().device()));
            }
            if (histogram().dim() != 1 || histogram().shape()[0] != bins) {
                throw new IllegalStateException("The number of bins in histogram should be equal to the number of bins "
                        + "supplied while making this observer");
            }
            Tensor[] range = nonLinearParamSearch();
            return calculateQparams(range[0], range[1]);
        }
    }

    /**
     * PyTorch's {@code _non_linear_param_search}: from the whole histogram, repeatedly drops bins at the end whose
     * cumulative share is further from its quantile bound (steps of 1e-5), while the L2 quantization error does not
     * grow; the range of the bins kept.
     */
    private Tensor[] nonLinearParamSearch() {
        Tensor hist = histogram().to(DType.FLOAT32);
        float minV = (float) minVal().item();
        float maxV = (float) maxVal().item();
        float binWidth = (maxV - minV) / (float) bins;
        double total = hist.sum().item();
        float[] h = hist.toFloatArray();
        float[] cSum = hist.cumsum(0).toFloatArray();
        double stepsize = 1e-5;
        double alpha = 0.0;
        double beta = 1.0;
        int startBin = 0;
        int endBin = bins - 1;
        double normMin = Double.POSITIVE_INFINITY;
        while (alpha < beta) {
            double nextAlpha = alpha + stepsize;
            double nextBeta = beta - stepsize;
            int l = startBin;
            int r = endBin;
            // a float32 element against a Python float: compared in float32
            float lower = (float) (nextAlpha * total);
            float upper = (float) (nextBeta * total);
            while (l < endBin && cSum[l] < lower) {
                l++;
            }
            while (r > startBin && cSum[r] > upper) {
                r--;
            }
            int nextStartBin = startBin;
            int nextEndBin = endBin;
            if ((l - startBin) > (endBin - r)) {
                nextStartBin = l;
                alpha = nextAlpha;
            } else {
                nextEndBin = r;
                beta = nextBeta;
            }
            if (nextStartBin == startBin && nextEndBin == endBin) {
                continue;
            }
            double norm = quantizationError(h, minV, maxV, nextStartBin, nextEndBin);
            if (norm > normMin) {
                break;
            }
            normMin = norm;
            startBin = nextStartBin;
            endBin = nextEndBin;
        }
        float newMin = minV + binWidth * (float) startBin;
        float newMax = minV + binWidth * (float) (endBin + 1);
        return new Tensor[] {Tensor.tensor(newMin, DType.FLOAT32, minVal().device()),
            Tensor.tensor(newMax, DType.FLOAT32, minVal().device())};
    }

    /**
     * PyTorch's {@code _compute_quantization_error(next_start_bin, next_end_bin)}: the L2 error of quantizing the
     * histogram (a uniform density in each bin) onto {@code dst_nbins} levels over the bins from start to end, each
     * element's float32 operations in PyTorch's order (the widths computed in double, as Python floats, and rounded
     * to float32 where they meet a float32 tensor).
     */
    private double quantizationError(float[] h, float minV, float maxV, int nextStartBin, int nextEndBin) {
        double binWidthD = ((double) maxV - (double) minV) / bins;
        double dstBinWidthD = binWidthD * (nextEndBin - nextStartBin + 1) / dstNbins;
        if (dstBinWidthD == 0.0) {
            return 0.0;
        }
        float binWidth = (float) binWidthD;
        float dstBinWidth = (float) dstBinWidthD;
        float halfDst = (float) (dstBinWidthD / 2);
        float negHalfDst = (float) (-dstBinWidthD / 2);
        float lastDst = (float) (dstNbins - 1);
        // _get_norm(torch.tensor(-w / 2), torch.tensor(w / 2), density) before the density: a float32 scalar
        float whole = (halfDst * halfDst * halfDst - negHalfDst * negHalfDst * negHalfDst) / 3f;
        double sum = 0;
        for (int i = 0; i < bins; i++) {
            float srcBinBegin = (float) (i - nextStartBin) * binWidth;
            float srcBinEnd = srcBinBegin + binWidth;
            float dstBinOfBegin = clamp(divFloor(srcBinBegin, dstBinWidth), lastDst);
            float dstBinOfBeginCenter = (dstBinOfBegin + 0.5f) * dstBinWidth;
            float dstBinOfEnd = clamp(divFloor(srcBinEnd, dstBinWidth), lastDst);
            float density = h[i] / binWidth;
            float norm = 0f;
            float deltaBegin = srcBinBegin - dstBinOfBeginCenter;
            norm += getNorm(deltaBegin, halfDst, density);
            norm += (dstBinOfEnd - dstBinOfBegin - 1f) * (density * whole);
            float dstBinOfEndCenter = dstBinOfEnd * dstBinWidth + halfDst;
            float deltaEnd = srcBinEnd - dstBinOfEndCenter;
            norm += getNorm(negHalfDst, deltaEnd, density);
            sum += norm;
        }
        return (float) sum;
    }

    /** PyTorch's {@code _get_norm}: {@code density * (end^3 - begin^3) / 3} in float32. */
    private static float getNorm(float deltaBegin, float deltaEnd, float density) {
        float n = (deltaEnd * deltaEnd * deltaEnd - deltaBegin * deltaBegin * deltaBegin) / 3f;
        return density * n;
    }

    /** {@code torch.clamp(v, 0, dst_nbins - 1)} of a float32 value. */
    private static float clamp(float v, float max) {
        return Math.min(Math.max(v, 0f), max);
    }

    /** PyTorch's float {@code div(a, b, rounding_mode='floor')} ({@code div_floor_floating}). */
    private static float divFloor(float a, float b) {
        if (b == 0) {
            return a / b;
        }
        float mod = a % b;
        float div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            div -= 1f;
        }
        float floordiv;
        if (div != 0) {
            floordiv = (float) Math.floor(div);
            if (div - floordiv > 0.5f) {
                floordiv += 1f;
            }
        } else {
            floordiv = Math.copySign(0f, a / b);
        }
        return floordiv;
    }

    /** The running extremes take the loaded tensors' shapes, as PyTorch's {@code _load_from_state_dict} sets them. */
    @Override
    protected boolean resizesOnLoad(String buffer) {
        return buffer.equals("min_val") || buffer.equals("max_val");
    }
}
