package dev.ember.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the CUDA 13 vendor libraries ({@code libcublas.so.13}, {@code libcudart.so.13}, ...) may be, for JavaCPP's
 * loader, and the one-line reason when they do not load. In this order: the directories of
 * {@code -Dember.cuda.libraryPath} (separated by the path separator), the system's library path
 * ({@code LD_LIBRARY_PATH}), the CUDA toolkits ({@code $CUDA_HOME}, {@code $CUDA_PATH}, {@code /usr/local/cuda*}),
 * then the {@code nvidia-*} pip wheels PyTorch installs ({@code site-packages/nvidia/*}{@code /lib}, which includes
 * CUDA 13's {@code nvidia/cu13/lib}) under {@code /usr/lib/python3*}, {@code /usr/local/lib/python3*}, the prefixes of
 * {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX}, every {@code python3} on the {@code PATH} (a virtual environment's
 * {@code sys.prefix} is its {@code bin}'s parent) and {@code ~/.local}. Only existing directories are listed; nothing
 * here loads anything or runs a process. No JavaCPP class is referenced, so this works with JavaCPP absent.
 */
final class CudaLibraries {
    /** The property naming extra library directories, searched first. */
    static final String PROPERTY = "ember.cuda.libraryPath";
    /** The start of the JavaCPP path's reason line. */
    static final String JAVACPP_PREFIX = "cuBLAS 13 (JavaCPP) unavailable: ";
    /** The library whose presence the reason line reports. */
    static final String CUBLAS = "libcublas.so.13";

    private CudaLibraries() {
    }

    /** The directories for this process: the property, the environment, the file system from {@code /}. */
    static List<Path> directories() {
        return directories(System.getProperty(PROPERTY, ""), System.getenv(), Paths.get("/"));
    }

    /**
     * The directories in search order, each once. {@code root} stands for {@code /} in the fixed places
     * ({@code usr/local/cuda*}, {@code usr/lib/python3*}, ...); paths from the property and the environment are
     * taken as they are.
     */
    static List<Path> directories(String property, Map<String, String> env, Path root) {
        Set<Path> out = new LinkedHashSet<>();
        addPathList(out, property);
        addPathList(out, env.get("LD_LIBRARY_PATH"));
        for (String home : new String[] {env.get("CUDA_HOME"), env.get("CUDA_PATH")}) {
            if (home != null && !home.isBlank()) {
                Path h = Paths.get(home.trim());
                out.add(h.resolve("lib64"));
                out.add(h.resolve("lib"));
            }
        }
        for (Path cuda : children(root.resolve("usr/local"), "cuda")) {
            out.add(cuda.resolve("lib64"));
            out.add(cuda.resolve("targets/x86_64-linux/lib"));
        }
        List<Path> prefixes = new ArrayList<>();
        prefixes.add(root.resolve("usr"));
        prefixes.add(root.resolve("usr/local"));
        for (String var : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                prefixes.add(Paths.get(v.trim()));
            }
        }
        String path = env.get("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path bin = dir.isBlank() ? null : Paths.get(dir.trim());
                if (bin != null && bin.getParent() != null && Files.isRegularFile(bin.resolve("python3"))) {
                    prefixes.add(bin.getParent());
                }
            }
        }
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            prefixes.add(Paths.get(home.trim(), ".local"));
        }
        for (Path prefix : prefixes) {
            for (Path python : children(prefix.resolve("lib"), "python3")) {
                for (String packages : new String[] {"site-packages", "dist-packages"}) {
                    for (Path wheel : children(python.resolve(packages).resolve("nvidia"), "")) {
                        out.add(wheel.resolve("lib"));
                    }
                }
            }
        }
        return out.stream().map(Path::normalize).filter(Files::isDirectory).distinct().collect(Collectors.toList());
    }

    /** The existing directories a value of {@link #PROPERTY} names, in its order, each once. */
    static List<Path> propertyDirectories(String property) {
        Set<Path> out = new LinkedHashSet<>();
        addPathList(out, property);
        return out.stream().map(Path::normalize).filter(Files::isDirectory).distinct().collect(Collectors.toList());
    }

    /** The first directory holding {@code name}, or null. */
    static Path find(List<Path> dirs, String name) {
        for (Path d : dirs) {
            if (Files.exists(d.resolve(name))) {
                return d;
            }
        }
        return null;
    }

    private static void addPathList(Set<Path> out, String list) {
        if (list == null) {
            return;
        }
        for (String p : list.split(File.pathSeparator)) {
            if (!p.isBlank()) {
                out.add(Paths.get(p.trim()));
            }
        }
    }

    /** The subdirectories of dir whose names start with prefix, newest-looking first (reverse name order). */
    private static List<Path> children(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .collect(Collectors.toList());
        } catch (IOException | RuntimeException e) {
            return List.of(); // an unreadable directory is one place fewer to look, not a failure
        }
    }

    /**
     * One line saying why loading failed: the shared object that did not open (out of the whole cause chain; JavaCPP
     * wraps the dynamic linker's message), a missing JavaCPP jar, or the deepest cause's first line; then, with
     * {@code dirs}, where {@link #CUBLAS} was found or how many directories were searched.
     */
    static String reason(Throwable t, List<Path> dirs) {
        return reason(t, dirs, CUBLAS);
    }

    /** {@link #reason(Throwable, List)} for another library than {@link #CUBLAS}. */
    static String reason(Throwable t, List<Path> dirs, String library) {
        String why = cause(t);
        if (dirs != null) {
            Path at = find(dirs, library);
            why += at != null ? " (" + library + " is in " + at + ")"
                    : " (no " + library + " in the " + dirs.size() + " directories searched: -D" + PROPERTY
                    + ", LD_LIBRARY_PATH, /usr/local/cuda*, python's nvidia/*/lib)";
        }
        return why.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    private static String cause(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable c = t; c != null && seen.put(c, true) == null && chain.size() < 16; c = c.getCause()) {
            chain.add(c);
        }
        for (Throwable c : chain) {
            String m = String.valueOf(c.getMessage());
            if ((c instanceof NoClassDefFoundError || c instanceof ClassNotFoundException)
                    && m.replace('/', '.').startsWith("org.bytedeco")) {
                return "JavaCPP's CUDA presets are not on the class path (" + m + " is missing)";
            }
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            String m = String.valueOf(chain.get(i).getMessage());
            if (m.contains("cannot open shared object file")) {
                return CudaBackend.nativeCause(chain.get(i));
            }
        }
        Throwable deepest = chain.get(chain.size() - 1);
        String m = String.valueOf(deepest.getMessage());
        int nl = m.indexOf('\n');
        return deepest.getClass().getSimpleName() + ": " + (nl > 0 ? m.substring(0, nl) : m);
    }
}
