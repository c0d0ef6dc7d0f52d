package dev.ember.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The data caches of the machine the CPU backend runs on, as Linux reports them for CPU 0
 * ({@code /sys/devices/system/cpu/cpu0/cache/index*}: level, type and size), so kernels size their blocks from the
 * machine rather than from constants. Where the files are absent or unreadable (another OS, a container hiding them)
 * each size falls back to a common value: 32 KiB of first-level data cache, 1 MiB of second level.
 */
final class CacheSizes {
    private static final int L1D = read(1, 32 * 1024);
    private static final int L2 = read(2, 1024 * 1024);

    private CacheSizes() {
    }

    /** Bytes of first-level data cache per core. */
    static int l1Data() {
        return L1D;
    }

    /** Bytes of second-level cache per core (as reported for CPU 0; shared by its hardware threads). */
    static int l2() {
        return L2;
    }

    private static int read(int level, int fallback) {
        Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache");
        try (var entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (!p.getFileName().toString().startsWith("index")) {
                    continue;
                }
                String type = Files.readString(p.resolve("type")).trim();
                int lvl = Integer.parseInt(Files.readString(p.resolve("level")).trim());
                if (lvl == level && !type.equals("Instruction")) {
                    int bytes = parseSize(Files.readString(p.resolve("size")).trim());
                    return bytes > 0 ? bytes : fallback;
                }
            }
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
        return fallback;
    }

    /** "48K", "2048K", "1M" or a plain count of bytes; -1 when it is none of these. */
    static int parseSize(String s) {
        try {
            long mult = 1;
            String digits = s;
            if (s.endsWith("K")) {
                mult = 1024;
                digits = s.substring(0, s.length() - 1);
            } else if (s.endsWith("M")) {
                mult = 1024 * 1024;
                digits = s.substring(0, s.length() - 1);
            }
            long v = Long.parseLong(digits) * mult;
            return v > 0 && v <= Integer.MAX_VALUE ? (int) v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
