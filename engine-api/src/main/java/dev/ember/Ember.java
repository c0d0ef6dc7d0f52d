package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;

/**
 * Process-wide settings: the default device, the default random generator, and gradient mode scopes.
 *
 * <p>The default device starts from the system property {@code ember.device}: {@code cpu} (the default),
 * {@code cuda} / {@code cuda:N}, or {@code auto} (CUDA when usable, else the CPU, with the reason logged).
 */
public final class Ember {
    private static final System.Logger LOG = System.getLogger("dev.ember");
    private static volatile Device defaultDevice;

    private Ember() {
    }

    /**
     * The device new tensors are created on: the innermost {@link #deviceScope} open on this thread, else the one
     * {@link #setDefaultDevice} set.
     */
    public static Device defaultDevice() {
        Device scoped = DeviceScope.current();
        if (scoped != null) {
            return scoped;
        }
        Device d = defaultDevice;
        if (d == null) {
            synchronized (Ember.class) {
                if (defaultDevice == null) {
                    defaultDevice = resolve(System.getProperty("ember.device", "cpu"));
                }
                d = defaultDevice;
            }
        }
        return d;
    }

    /**
     * Opens a scope in which new tensors are created on {@code device}, as PyTorch 2.x's {@code with
     * torch.device(device):}: {@code try (DeviceScope s = Ember.deviceScope(Device.META)) { model = new Big(); }}
     * builds a model whose parameters have shapes and no data.
     *
     * @param device the device
     * @return the scope, to close
     * @throws IllegalArgumentException for null
     * @throws IllegalStateException when the device's backend cannot run here
     */
    public static DeviceScope deviceScope(Device device) {
        return new DeviceScope(device);
    }

    /** Sets the device new tensors are created on. */
    public static void setDefaultDevice(Device device) {
        Args.require(device, "set_default_device", "device", 1, "torch.device");
        Backends.forDevice(device); // fails now if it cannot run
        defaultDevice = device;
    }

    /**
     * Resolves a device specification: {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto}
     * (CUDA when usable, otherwise the CPU; the choice and its reason are logged).
     */
    public static Device resolve(String spec) {
        Args.require(spec, "resolve", "spec", 1, "str");
        if (!spec.trim().equals("auto")) {
            return Device.of(spec);
        }
        String why = cudaUnavailableReason();
        if (why.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "ember: device auto -> cuda:0");
            return Device.cuda(0);
        }
        LOG.log(System.Logger.Level.INFO, "ember: device auto -> cpu (CUDA not usable: " + why + ")");
        return Device.CPU;
    }

    /** Whether the CUDA backend is installed and can run here. */
    public static boolean cudaAvailable() {
        return cudaUnavailableReason().isEmpty();
    }

    /** Why CUDA cannot be used here, or an empty string when it can. */
    public static String cudaUnavailableReason() {
        Backend b = Backends.find("cuda");
        if (b == null) {
            return "the engine-cuda module is not on the class path";
        }
        return b.isAvailable() ? "" : b.unavailableReason();
    }

    /** The default floating type, float32 unless {@link #setDefaultDtype} changed it. */
    private static volatile DType defaultDtype = DType.FLOAT32;

    /**
     * Sets the default floating type, as {@code torch.set_default_dtype}: the type of the factories called without one
     * ({@code zeros}, {@code ones}, {@code empty}, {@code full}, {@code rand}, {@code randn}, {@code normal}, floating
     * {@code arange}, {@code linspace}, {@code logspace}, {@code eye}), of {@code Tensor.tensor} of Java doubles, of
     * layers' new parameters, of a floating Java number meeting an integer tensor ({@code intTensor.mul(1.5)}), and of
     * floating functions of integer tensors ({@code sqrt}, true division, {@code isclose}, {@code logsumexp}, ...). One
     * setting for the whole process, as PyTorch's.
     *
     * @throws IllegalArgumentException for a type that is not floating, in PyTorch's words ("only floating-point types
     *     are supported as the default type"), or null
     */
    public static void setDefaultDtype(DType d) {
        Args.require(d, "set_default_dtype", "d", 1, "torch.dtype");
        if (!d.isFloatingPoint()) {
            throw new IllegalArgumentException("only floating-point types are supported as the default type");
        }
        defaultDtype = d;
    }

    /** The default floating type, as {@code torch.get_default_dtype()}: float32 unless {@link #setDefaultDtype} set it. */
    public static DType getDefaultDtype() {
        return defaultDtype;
    }

    /**
     * Sets how many threads the CPU backend's kernels use, the calling thread included, as
     * {@code torch.set_num_threads} (it starts at {@code -Dember.cpu.threads}, default the number of cores; more threads
     * than cores is allowed, as in PyTorch). The CUDA backend is unaffected. The few results a kernel sums from parallel
     * parts may change in their last bits with the count, as PyTorch's do; for one count they repeat bit for bit (see
     * {@link Determinism}).
     *
     * @throws IllegalArgumentException when {@code n < 1}: "set_num_threads expects a positive integer"
     * @throws IllegalStateException when engine-cpu is not on the class path
     */
    public static void setNumThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("set_num_threads expects a positive integer");
        }
        Backends.forDevice(Device.CPU).setNumThreads(n);
    }

    /**
     * How many threads the CPU backend's kernels use, the calling thread included, as {@code torch.get_num_threads}.
     *
     * @throws IllegalStateException when engine-cpu is not on the class path
     */
    public static int getNumThreads() {
        return Backends.forDevice(Device.CPU).numThreads();
    }

    /**
     * Chooses how the default generator draws, and reseeds it with its current initial seed.
     * {@link Generator.Algorithm#MT19937}, the default, makes CPU tensors draw PyTorch's CPU numbers: after
     * {@code Ember.manualSeed(s)}, {@code Tensor.rand}, {@code Tensor.randn}, {@code randint}, {@code randperm}, dropout
     * masks, data loaders' shuffles and the initial weights of modules built from them are the values
     * {@code torch.manual_seed(s)} gives on the CPU, following the kernels PyTorch runs for the machine's CPU capability
     * ({@link dev.ember.backend.CpuCapability}); where a draw goes through the C library's log, sine, cosine, exp or erf
     * (float64 normal values, log-normal, exponential, Cauchy, trunc_normal_, and a DEFAULT build's float32 normal fill)
     * Java's functions round the last bit differently for about 0.2% of values. {@link #getRngState} is
     * {@code torch.get_rng_state()}; tensors on
     * other devices draw from the generator's Philox half, as PyTorch's CUDA generator is seeded by the same
     * {@code manual_seed}. {@link Generator.Algorithm#PHILOX} (also {@code -Dember.generator=philox}) draws every device
     * from one Philox stream, the same numbers on every backend (Ember's default before session 45).
     */
    public static void setDefaultGeneratorAlgorithm(Generator.Algorithm algorithm) {
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm must not be null");
        }
        Generator.DEFAULT.setAlgorithm(algorithm);
    }

    /** The default generator's algorithm (see {@link #setDefaultGeneratorAlgorithm}). */
    public static Generator.Algorithm defaultGeneratorAlgorithm() {
        return Generator.DEFAULT.algorithm();
    }

    /** Seeds the default generator, as {@code torch.manual_seed}. */
    public static void manualSeed(long seed) {
        Generator.DEFAULT.manualSeed(seed);
    }

    /**
     * Seeds the default generator with a non-deterministic number and returns it, as {@code torch.seed()}.
     */
    public static long seed() {
        return Generator.DEFAULT.seed();
    }

    /** The default generator's seed, as {@code torch.initial_seed()}. */
    public static long initialSeed() {
        return Generator.DEFAULT.initialSeed();
    }

    /**
     * The default generator's state, as {@code torch.get_rng_state()}: a uint8 CPU tensor, PyTorch's CPU state of 5056
     * bytes (16 bytes, Philox's seed and offset, with {@link Generator.Algorithm#PHILOX}); see {@link Generator#getState}.
     */
    public static Tensor getRngState() {
        return Generator.DEFAULT.getState();
    }

    /**
     * Restores the default generator's state from {@link #getRngState}, as {@code torch.set_rng_state(new_state)}.
     *
     * @throws IllegalArgumentException with PyTorch's messages for anything but a uint8 CPU tensor of the right size,
     *     leaving the state as it was
     */
    public static void setRngState(Tensor newState) {
        Generator.DEFAULT.setState(Args.require(newState, "set_rng_state", "new_state", 1, "Tensor"));
    }

    /** The default random generator. */
    public static Generator defaultGenerator() {
        return Generator.DEFAULT;
    }

    /**
     * Disables gradient recording on this thread until the returned scope closes, as {@code torch.no_grad()}:
     * {@code try (var g = Ember.noGrad()) { ... }}.
     */
    public static GradMode noGrad() {
        return new GradMode(false);
    }

    /**
     * Opens a {@link TensorScope} on this thread: every tensor made until it closes is closed with it, freeing its
     * memory at once (a training step's activations, saved tensors and temporaries), except what it is told to
     * {@link TensorScope#keep keep} and the state that belongs to longer-lived objects (parameters' gradients,
     * optimizer state, module buffers). {@code try (TensorScope step = Ember.scope()) { ... }}
     */
    public static TensorScope scope() {
        return new TensorScope();
    }

    /** Enables gradient recording on this thread until the returned scope closes. */
    public static GradMode enableGrad() {
        return new GradMode(true);
    }

    /**
     * Sets gradient recording on this thread to {@code mode}, as {@code torch.set_grad_enabled(mode)}: used as a scope,
     * {@code try (var g = Ember.setGradEnabled(phase.equals("train"))) { ... }} restores the mode it found when it
     * closes (PyTorch's {@code with torch.set_grad_enabled(...)}); a call whose result is not closed leaves the mode set,
     * as PyTorch's function form does.
     *
     * @param mode true to record the autograd graph, false as {@link #noGrad()}
     * @return the scope; closing it restores the previous gradient mode
     */
    public static GradMode setGradEnabled(boolean mode) {
        return new GradMode(mode);
    }

    /**
     * Whether gradient mode is on for this thread, as {@code torch.is_grad_enabled()} (off inside {@link #noGrad()} and on
     * entering {@link #inferenceMode()}; ops record the graph only when it is on and inference mode is off).
     *
     * @return the gradient mode
     */
    public static boolean isGradEnabled() {
        return GradMode.gradMode();
    }

    /**
     * Enters inference mode on this thread until the returned scope closes, as {@code torch.inference_mode()}: no op
     * records the autograd graph inside, whatever the gradient mode, and gradient mode is off on entry.
     * {@code try (InferenceMode im = Ember.inferenceMode()) { ... }}
     *
     * @return the scope; closing it restores the inference and gradient modes it found
     */
    public static InferenceMode inferenceMode() {
        return new InferenceMode();
    }

    /**
     * Whether inference mode is on for this thread, as {@code torch.is_inference_mode_enabled()}.
     *
     * @return true inside an open {@link #inferenceMode()} scope
     */
    public static boolean isInferenceModeEnabled() {
        return InferenceMode.isEnabled();
    }

    // ---- determinism and TF32 switches (issues 16 and 18)

    /**
     * Requires deterministic algorithms (or not), for all threads, as {@code torch.use_deterministic_algorithms(mode)}:
     * {@code useDeterministicAlgorithms(mode, false)}.
     *
     * @param mode whether ops must be deterministic; see {@link Determinism} for what holds on each backend
     */
    public static void useDeterministicAlgorithms(boolean mode) {
        useDeterministicAlgorithms(mode, false);
    }

    /**
     * Requires deterministic algorithms (or not), for all threads, as
     * {@code torch.use_deterministic_algorithms(mode, warn_only=warnOnly)}: with {@code mode} on, an op that has only a
     * nondeterministic implementation throws {@link IllegalStateException} naming it (PyTorch's RuntimeError), or with
     * {@code warnOnly} logs a warning once per op and runs. Every Ember kernel is deterministic today (see
     * {@link Determinism}), so no op raises yet; the switch is kept and reported as PyTorch's.
     *
     * @param mode whether ops must be deterministic
     * @param warnOnly whether an op without a deterministic implementation only warns
     */
    public static void useDeterministicAlgorithms(boolean mode, boolean warnOnly) {
        Determinism.set(mode, warnOnly);
    }

    /**
     * Whether deterministic algorithms are required, as {@code torch.are_deterministic_algorithms_enabled()}.
     *
     * @return the mode last set by {@link #useDeterministicAlgorithms(boolean, boolean)}; false at start
     */
    public static boolean areDeterministicAlgorithmsEnabled() {
        return Determinism.isEnabled();
    }

    /**
     * Whether an op without a deterministic implementation only warns, as
     * {@code torch.is_deterministic_algorithms_warn_only_enabled()}.
     *
     * @return the warn-only option last set by {@link #useDeterministicAlgorithms(boolean, boolean)}; false at start
     */
    public static boolean isDeterministicAlgorithmsWarnOnlyEnabled() {
        return Determinism.isWarnOnly();
    }

    /**
     * Sets the internal precision of float32 matrix products, for all threads, as
     * {@code torch.set_float32_matmul_precision}: {@code "highest"} (the default: true float32), {@code "high"} (TF32,
     * or bfloat16x3, allowed) or {@code "medium"} (bfloat16 allowed). Any other string leaves the setting unchanged and
     * logs PyTorch's warning ("... is not one of 'highest', 'high', or 'medium'; the current setFloat32MatmulPrecision
     * call has no effect."), as PyTorch does, which does not raise. Ember's CUDA kernels compute in float32 whatever is
     * requested until its tensor-core kernels land (the CUDA backend's {@code describe()} says so); the CPU always
     * computes in float32.
     *
     * @param precision "highest", "high" or "medium"
     * @throws IllegalArgumentException for null
     */
    public static void setFloat32MatmulPrecision(String precision) {
        Args.require(precision, "set_float32_matmul_precision", "precision", 1, "str");
        Precision.setMatmul(precision);
    }

    /**
     * The requested internal precision of float32 matrix products, as {@code torch.get_float32_matmul_precision()}.
     *
     * @return "highest" (the default), "high" or "medium"
     */
    public static String getFloat32MatmulPrecision() {
        return Precision.matmul();
    }

    /**
     * Allows (or forbids) TF32 in float32 convolutions, for all threads, as {@code torch.backends.cudnn.allow_tf32 =
     * allow} (PyTorch's default: allowed). Stored and reported; Ember's convolutions compute in float32 until its
     * tensor-core kernels land.
     *
     * @param allow whether float32 convolutions may run in TF32
     */
    public static void setAllowTf32Convolution(boolean allow) {
        Precision.setTf32Convolution(allow);
    }

    /**
     * Whether float32 convolutions may run in TF32, as {@code torch.backends.cudnn.allow_tf32}.
     *
     * @return true unless {@link #setAllowTf32Convolution(boolean)} turned it off (PyTorch's default: true)
     */
    public static boolean allowTf32Convolution() {
        return Precision.tf32Convolution();
    }

    // ------------------------------------------------------------------ print options (session 18)

    /**
     * Sets how tensors print, for the whole process, as {@code torch.set_printoptions(precision, threshold, edgeitems,
     * linewidth, profile, sci_mode)}: {@code Ember.setPrintOptions(PrintOptions.builder().precision(2).sciMode(true))}.
     * Only the options named change, except sci mode, which is reset to "per tensor" unless named (as PyTorch's);
     * a profile ({@code "default"}, {@code "short"}, {@code "full"}) applies first. {@code
     * Ember.setPrintOptions(PrintOptions.builder().profile("default"))} restores the defaults.
     *
     * @param options the options to change
     * @throws IllegalArgumentException for null
     */
    public static void setPrintOptions(PrintOptions.Builder options) {
        Args.require(options, "set_printoptions", "options", 1, "PrintOptions.Builder");
        PrintOptions.set(options);
    }

    /**
     * The print options in force, as {@code torch._tensor_str.PRINT_OPTS}.
     *
     * @return the current options ({@link PrintOptions#DEFAULT} until changed)
     */
    public static PrintOptions getPrintOptions() {
        return PrintOptions.current();
    }

    // ------------------------------------------------------------------ profiler (issue 16)

    /**
     * Opens a profiler on this thread with PyTorch's default options (times only), as {@code torch.profiler.profile()}:
     * {@code try (Profiler prof = Ember.profile()) { ... }}, then {@code prof.keyAverages().table("self_cpu_time_total",
     * 10)} or {@code prof.exportChromeTrace(path)}. See {@link dev.ember.profiler.Profiler} for what it records.
     *
     * @return the open profiler; close it to stop recording
     * @throws IllegalStateException when this thread has a profiler open already
     */
    public static dev.ember.profiler.Profiler profile() {
        return dev.ember.profiler.Profiler.open(dev.ember.profiler.ProfilerOptions.defaults());
    }

    /**
     * Opens a profiler on this thread recording what {@code options} asks besides names and times (operand shapes,
     * allocated memory, call sites): {@code Ember.profile(ProfilerOptions.defaults().withProfileMemory(true))}.
     *
     * @param options what to record
     * @return the open profiler; close it to stop recording
     * @throws IllegalArgumentException when {@code options} is null
     * @throws IllegalStateException when this thread has a profiler open already
     */
    public static dev.ember.profiler.Profiler profile(dev.ember.profiler.ProfilerOptions options) {
        Args.require(options, "profile", "options", 1, "ProfilerOptions");
        return dev.ember.profiler.Profiler.open(options);
    }

    // ------------------------------------------------------------------ autocast (issue 18)

    /**
     * Opens an autocast scope on this thread for a device type with its default dtype (CUDA float16, CPU bfloat16, as
     * PyTorch's, or the dtype of an enclosing scope), as {@code torch.autocast(device_type)}: {@code try (AutocastMode ac
     * = Ember.autocast(DeviceType.CPU)) { ... }}. See {@link AutocastMode}.
     *
     * @param deviceType cpu or cuda
     * @return the open scope; closing it restores the state it found
     * @throws IllegalArgumentException for null
     */
    public static AutocastMode autocast(DeviceType deviceType) {
        return autocast(deviceType, null, true);
    }

    /**
     * {@link #autocast(DeviceType)} with the device type as PyTorch's string, {@code "cpu"} or {@code "cuda"}.
     *
     * @param deviceType "cpu" or "cuda"
     * @return the open scope
     * @throws IllegalArgumentException for null or another string
     */
    public static AutocastMode autocast(String deviceType) {
        return autocast(DeviceType.of(deviceType), null, true);
    }

    /**
     * Opens an autocast scope with a dtype, as {@code torch.autocast(device_type, dtype)}: {@code
     * Ember.autocast(DeviceType.CUDA, DType.BFLOAT16)}. A dtype the device type's autocast does not support (the CPU
     * supports bfloat16 and float16) logs PyTorch's warning ("In CPU autocast, but the target dtype is not supported.
     * Disabling autocast. ...") and opens the scope disabled, as PyTorch 2.x.
     *
     * @param deviceType cpu or cuda
     * @param dtype the lower-precision type; null means the default ({@link #getAutocastDtype(DeviceType)})
     * @return the open scope
     * @throws IllegalArgumentException when {@code deviceType} is null
     */
    public static AutocastMode autocast(DeviceType deviceType, DType dtype) {
        return autocast(deviceType, dtype, true);
    }

    /**
     * {@link #autocast(DeviceType, DType)} with the device type as a string.
     *
     * @param deviceType "cpu" or "cuda"
     * @param dtype the lower-precision type; null means the default
     * @return the open scope
     * @throws IllegalArgumentException for a null or unknown device type
     */
    public static AutocastMode autocast(String deviceType, DType dtype) {
        return autocast(DeviceType.of(deviceType), dtype, true);
    }

    /**
     * Opens an autocast scope, enabled or not, as {@code torch.autocast(device_type, dtype, enabled)}: a disabled scope
     * inside an enabled one runs its ops in their own types. The weight cast cache is on (PyTorch's default).
     *
     * @param deviceType cpu or cuda
     * @param dtype the lower-precision type; null means the default
     * @param enabled whether ops are autocast inside
     * @return the open scope
     * @throws IllegalArgumentException when {@code deviceType} is null
     */
    public static AutocastMode autocast(DeviceType deviceType, DType dtype, boolean enabled) {
        return autocast(deviceType, dtype, enabled, true);
    }

    /**
     * {@link #autocast(DeviceType, DType, boolean)} with the device type as a string.
     *
     * @param deviceType "cpu" or "cuda"
     * @param dtype the lower-precision type; null means the default
     * @param enabled whether ops are autocast inside
     * @return the open scope
     * @throws IllegalArgumentException for a null or unknown device type
     */
    public static AutocastMode autocast(String deviceType, DType dtype, boolean enabled) {
        return autocast(DeviceType.of(deviceType), dtype, enabled, true);
    }

    /**
     * Opens an autocast scope, as {@code torch.autocast(device_type, dtype, enabled, cache_enabled)}.
     *
     * @param deviceType cpu or cuda
     * @param dtype the lower-precision type; null means the default
     * @param enabled whether ops are autocast inside
     * @param cacheEnabled whether lower-precision casts of float32 weights (leaves requiring grad) are cast once and
     *     kept until the outermost scope closes
     * @return the open scope
     * @throws IllegalArgumentException when {@code deviceType} is null
     */
    public static AutocastMode autocast(DeviceType deviceType, DType dtype, boolean enabled, boolean cacheEnabled) {
        Args.require(deviceType, "autocast", "device_type", 1, "str");
        return new AutocastMode(deviceType, dtype, enabled, cacheEnabled);
    }

    /**
     * Whether autocast is on for a device type on this thread, as {@code torch.is_autocast_enabled(device_type)}.
     *
     * @param deviceType cpu or cuda
     * @return true inside an enabled {@link #autocast} scope for it
     * @throws IllegalArgumentException for null
     */
    public static boolean isAutocastEnabled(DeviceType deviceType) {
        Args.require(deviceType, "is_autocast_enabled", "device_type", 1, "str");
        return Autocast.state().enabled[deviceType.ordinal()];
    }

    /**
     * {@link #isAutocastEnabled(DeviceType)} with the device type as a string.
     *
     * @param deviceType "cpu" or "cuda"
     * @return whether autocast is on for it on this thread
     * @throws IllegalArgumentException for a null or unknown device type
     */
    public static boolean isAutocastEnabled(String deviceType) {
        return isAutocastEnabled(DeviceType.of(deviceType));
    }

    /**
     * The autocast dtype of a device type on this thread, as {@code torch.get_autocast_dtype(device_type)}: the innermost
     * scope's, else PyTorch's default (CUDA float16, CPU bfloat16).
     *
     * @param deviceType cpu or cuda
     * @return the lower-precision type
     * @throws IllegalArgumentException for null
     */
    public static DType getAutocastDtype(DeviceType deviceType) {
        Args.require(deviceType, "get_autocast_dtype", "device_type", 1, "str");
        return Autocast.state().dtype[deviceType.ordinal()];
    }

    /**
     * {@link #getAutocastDtype(DeviceType)} with the device type as a string.
     *
     * @param deviceType "cpu" or "cuda"
     * @return the lower-precision type
     * @throws IllegalArgumentException for a null or unknown device type
     */
    public static DType getAutocastDtype(String deviceType) {
        return getAutocastDtype(DeviceType.of(deviceType));
    }
}
