package dev.ember.cuda;

import jcuda.driver.CUdeviceptr;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the tests that run the CUDA sources on the host share: finding a tool on the PATH, running a command, the head
 * of ember_kernels.cu as a prelude for an included kernel file, the kernels' signatures as g++ sees them, and removing
 * a temporary directory. Paths are relative to the engine-cuda module directory, where Maven runs the tests.
 */
final class HostToolchain {
    /** The kernel sources. */
    static final Path CUDA = Path.of("src/main/cuda");
    /** The CUDA shim the emulation tests compile the kernels through. */
    static final Path SHIM = Path.of("src/test/cuda/index_emulation");

    private HostToolchain() {
    }

    /**
     * A caching allocator over made-up device addresses (from 1 MiB up, each block 256 bytes past the one before; nothing
     * is allocated or freed), for the tests that record launches without a GPU.
     */
    static CachingAllocator fakeAllocator() {
        return new CachingAllocator(() -> { }, 1L << 40, new CachingAllocator.DeviceMemory() {
            private long nextAddress = 1 << 20;

            @Override
            public CUdeviceptr alloc(long bytes) {
                CUdeviceptr p = new CUdeviceptr().withByteOffset(nextAddress);
                nextAddress += bytes + 256;
                return p;
            }

            @Override
            public void free(CUdeviceptr p) {
            }
        }, () -> { });
    }

    /** The path of {@code tool} on the PATH, or null. */
    static String find(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, tool).canExecute()) {
                return new File(d, tool).getPath();
            }
        }
        return null;
    }

    /** Runs a command, which must exit with status 0 within five minutes; returns its output. */
    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), command.get(0) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + log);
        return log;
    }

    /**
     * The head of ember_kernels.cu up to its {@code GRID_STRIDE} macro (i64, Geo, locate and the rest an included
     * kernel file uses) without its includes, and with {@code typeTags} also its {@code struct Tag} lines.
     */
    static String prelude(boolean typeTags) throws IOException {
        StringBuilder prelude = new StringBuilder();
        boolean head = true;
        for (String line : Files.readAllLines(CUDA.resolve("ember_kernels.cu"))) {
            if (head) {
                if (!line.startsWith("#include")) {
                    prelude.append(line).append('\n');
                }
                head = !line.startsWith("#define GRID_STRIDE");
                if (!head && !typeTags) {
                    break;
                }
            } else if (line.startsWith("struct Tag")) {
                prelude.append(line).append('\n');
            }
        }
        return prelude.toString();
    }

    /**
     * Each kernel of a .cu file and its parameters' kinds (ptr, Geo, int[17], int, i64, double; "?decl" for another),
     * macros expanded by g++ -E; null without g++. There must be more than {@code atLeast} kernels.
     */
    static Map<String, List<String>> kernelSignatures(Path src, int atLeast) throws Exception {
        String gxx = find("g++");
        if (gxx == null) {
            return null;
        }
        Process p = new ProcessBuilder(gxx, "-E", "-P", "-x", "c++", "-D__global__=", src.toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), text);
        Map<String, List<String>> out = new TreeMap<>();
        Matcher m = Pattern.compile("extern \"C\"\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)").matcher(text);
        while (m.find()) {
            List<String> kinds = new ArrayList<>();
            for (String param : m.group(2).split(",")) {
                String decl = param.trim();
                String kind = decl.contains("*") ? "ptr" : decl.startsWith("Geo ") ? "Geo"
                        : decl.startsWith("NzShape ") ? "int[17]"
                        : decl.startsWith("unsigned long long ") ? "i64"
                        : decl.startsWith("int ") || decl.startsWith("unsigned ") ? "int"
                        : decl.startsWith("i64 ") || decl.startsWith("u64 ") || decl.startsWith("long long ") ? "i64"
                        : decl.startsWith("double ") ? "double" : "?" + decl;
                kinds.add(kind);
            }
            out.put(m.group(1), kinds);
        }
        assertTrue(out.size() > atLeast, "kernels found in " + src + ": " + out.keySet());
        return out;
    }

    /** Removes a directory and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
