package dev.ember;

/**
 * The keyword options of {@code torch.autograd.gradcheck} and {@code torch.autograd.gradgradcheck} (PyTorch 2.x),
 * immutable, with PyTorch's defaults; each {@code withX} returns a copy with one option changed. Used by
 * {@link Autograd#gradcheck(java.util.function.Function, Tensor[], GradcheckOptions)} and its siblings.
 *
 * <p>Defaults: eps 1e-6, atol 1e-5, rtol 1e-3, raise_exception true, nondet_tol 0, check_undefined_grad true,
 * check_grad_dtypes false, check_backward_ad true, fast_mode false, gen_non_contig_grad_outputs false (gradgradcheck
 * only). Forward-mode AD is not implemented by the engine, so {@code check_backward_ad=False} (which PyTorch allows
 * only together with {@code check_forward_ad=True}) is refused with PyTorch's assertion message.
 */
public final class GradcheckOptions {
    private static final GradcheckOptions DEFAULTS = new GradcheckOptions(1e-6, 1e-5, 1e-3, true, 0.0, true, false, true,
            false, false);

    private final double eps;
    private final double atol;
    private final double rtol;
    private final boolean raiseException;
    private final double nondetTol;
    private final boolean checkUndefinedGrad;
    private final boolean checkGradDtypes;
    private final boolean checkBackwardAd;
    private final boolean fastMode;
    private final boolean genNonContigGradOutputs;

    private GradcheckOptions(double eps, double atol, double rtol, boolean raiseException, double nondetTol,
                             boolean checkUndefinedGrad, boolean checkGradDtypes, boolean checkBackwardAd,
                             boolean fastMode, boolean genNonContigGradOutputs) {
        this.eps = eps;
        this.atol = atol;
        this.rtol = rtol;
        this.raiseException = raiseException;
        this.nondetTol = nondetTol;
        this.checkUndefinedGrad = checkUndefinedGrad;
        this.checkGradDtypes = checkGradDtypes;
        this.checkBackwardAd = checkBackwardAd;
        this.fastMode = fastMode;
        this.genNonContigGradOutputs = genNonContigGradOutputs;
    }

    /** @return the options with PyTorch's defaults */
    public static GradcheckOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param value the finite-difference step ({@code eps})
     * @return a copy with it set
     */
    public GradcheckOptions withEps(double value) {
        return new GradcheckOptions(value, atol, rtol, raiseException, nondetTol, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value the absolute tolerance ({@code atol})
     * @return a copy with it set
     */
    public GradcheckOptions withAtol(double value) {
        return new GradcheckOptions(eps, value, rtol, raiseException, nondetTol, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value the relative tolerance ({@code rtol})
     * @return a copy with it set
     */
    public GradcheckOptions withRtol(double value) {
        return new GradcheckOptions(eps, atol, value, raiseException, nondetTol, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value {@code raise_exception}: true to throw {@link Autograd.GradcheckError} on a failed check, false to
     *     return false instead (argument errors are thrown either way)
     * @return a copy with it set
     */
    public GradcheckOptions withRaiseException(boolean value) {
        return new GradcheckOptions(eps, atol, rtol, value, nondetTol, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value {@code nondet_tol}: how far two backward passes with the same input and output gradient may differ
     * @return a copy with it set
     */
    public GradcheckOptions withNondetTol(double value) {
        return new GradcheckOptions(eps, atol, rtol, raiseException, value, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value {@code check_undefined_grad}: whether backward must treat absent (undefined) output gradients as
     *     zeros
     * @return a copy with it set
     */
    public GradcheckOptions withCheckUndefinedGrad(boolean value) {
        return new GradcheckOptions(eps, atol, rtol, raiseException, nondetTol, value, checkGradDtypes,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value {@code check_grad_dtypes}: whether each gradient must have its input's dtype
     * @return a copy with it set
     */
    public GradcheckOptions withCheckGradDtypes(boolean value) {
        return new GradcheckOptions(eps, atol, rtol, raiseException, nondetTol, checkUndefinedGrad, value,
                checkBackwardAd, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value {@code check_backward_ad} ({@code check_rev_over_rev} of gradgradcheck); false is refused, as
     *     forward-mode AD is not implemented
     * @return a copy with it set
     */
    public GradcheckOptions withCheckBackwardAd(boolean value) {
        return new GradcheckOptions(eps, atol, rtol, raiseException, nondetTol, checkUndefinedGrad, checkGradDtypes,
                value, fastMode, genNonContigGradOutputs);
    }

    /**
     * @param value {@code fast_mode}: compare {@code v^T J u} for random unit vectors instead of whole Jacobians
     * @return a copy with it set
     */
    public GradcheckOptions withFastMode(boolean value) {
        return new GradcheckOptions(eps, atol, rtol, raiseException, nondetTol, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, value, genNonContigGradOutputs);
    }

    /**
     * @param value {@code gen_non_contig_grad_outputs} of gradgradcheck (ignored by gradcheck)
     * @return a copy with it set
     */
    public GradcheckOptions withGenNonContigGradOutputs(boolean value) {
        return new GradcheckOptions(eps, atol, rtol, raiseException, nondetTol, checkUndefinedGrad, checkGradDtypes,
                checkBackwardAd, fastMode, value);
    }

    /** @return {@code eps} */
    public double eps() {
        return eps;
    }

    /** @return {@code atol} */
    public double atol() {
        return atol;
    }

    /** @return {@code rtol} */
    public double rtol() {
        return rtol;
    }

    /** @return {@code raise_exception} */
    public boolean raiseException() {
        return raiseException;
    }

    /** @return {@code nondet_tol} */
    public double nondetTol() {
        return nondetTol;
    }

    /** @return {@code check_undefined_grad} */
    public boolean checkUndefinedGrad() {
        return checkUndefinedGrad;
    }

    /** @return {@code check_grad_dtypes} */
    public boolean checkGradDtypes() {
        return checkGradDtypes;
    }

    /** @return {@code check_backward_ad} */
    public boolean checkBackwardAd() {
        return checkBackwardAd;
    }

    /** @return {@code fast_mode} */
    public boolean fastMode() {
        return fastMode;
    }

    /** @return {@code gen_non_contig_grad_outputs} */
    public boolean genNonContigGradOutputs() {
        return genNonContigGradOutputs;
    }

    @Override
    public String toString() {
        return "GradcheckOptions(eps=" + eps + ", atol=" + atol + ", rtol=" + rtol + ", raise_exception="
                + (raiseException ? "True" : "False") + ", nondet_tol=" + nondetTol + ", check_undefined_grad="
                + (checkUndefinedGrad ? "True" : "False") + ", check_grad_dtypes=" + (checkGradDtypes ? "True" : "False")
                + ", check_backward_ad=" + (checkBackwardAd ? "True" : "False") + ", fast_mode="
                + (fastMode ? "True" : "False") + ", gen_non_contig_grad_outputs="
                + (genNonContigGradOutputs ? "True" : "False") + ")";
    }
}
