package dev.ember;

/**
 * Where a tensor's storage lives: {@code cpu} or {@code cuda:N}, as {@code torch.device}.
 */
public final class Device {
    /** The host. */
    public static final Device CPU = new Device("cpu", -1);

    private final String type;
    private final int index;

    private Device(String type, int index) {
        this.type = type;
        this.index = index;
    }

    /**
     * Parses {@code "cpu"}, {@code "cuda"} (device 0) or {@code "cuda:N"}.
     *
     * @throws IllegalArgumentException for any other string
     */
    public static Device of(String spec) {
        Args.require(spec, "device", "type", 1, "str");
        String s = spec.trim();
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda")) {
            return cuda(0);
        }
        if (s.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(s.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("Expected one of cpu, cuda device type at start of device string: " + spec);
    }

    /** The CUDA device with the given ordinal. */
    public static Device cuda(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("Device index must not be negative, got " + index);
        }
        return new Device("cuda", index);
    }

    /** {@code "cpu"} or {@code "cuda"}. */
    public String type() {
        return type;
    }

    /** The device ordinal; -1 for the CPU. */
    public int index() {
        return index;
    }

    /** Whether this is the host. */
    public boolean isCpu() {
        return index < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device && ((Device) o).type.equals(type) && ((Device) o).index == index;
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + index;
    }

    @Override
    public String toString() {
        return index < 0 ? type : type + ":" + index;
    }
}
