package dev.ember.cuda;

import dev.ember.backend.Layout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ember_kernels.cu's grid-stride loop ({@code GRID_STRIDE}, which most elementwise, copy, fill, index and sort kernels
 * iterate with) run on the host, where g++ is installed, through index_emulation's shim: for grids up to the 65535
 * blocks of 256 threads that {@code CudaBackend.launch} makes and element counts up to
 * {@link Layout#MAX_STORAGE_ELEMENTS} and {@code Integer.MAX_VALUE}, the first, second and last threads of the first,
 * second and last blocks each visit exactly their indices (start, start + stride, ... below n, counted in 64 bits) and
 * stop. Adding the stride unchecked overflowed int for n within one stride of 2^31 (a negative index next, read and
 * written out of bounds on a GPU).
 */
class GridStrideLoopTest {

    @Test
    void everyThreadVisitsItsIndicesAndStopsBelowTheIntLimit() throws Exception {
        Path shim = HostToolchain.SHIM;
        Assumptions.assumeTrue(Files.isDirectory(shim), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the loop on the host here");
        String program = "#include \"cuda_shim.h\"\n#include <cstdio>\n" + HostToolchain.prelude(false) + """
                // 1 unless thread t of block b of a grid of `grid` blocks of `block` threads visits exactly its indices
                static int check(int grid, int block, int b, int t, int n) {
                    gridDim = {(unsigned) grid, 1, 1};
                    blockDim = {(unsigned) block, 1, 1};
                    blockIdx = {(unsigned) b, 0, 0};
                    threadIdx = {(unsigned) t, 0, 0};
                    long long start = (long long) b * block + t, stride = (long long) grid * block;
                    long long expected = start < n ? (n - 1 - start) / stride + 1 : 0, visits = 0;
                    GRID_STRIDE(i, n) {
                        if (i != start + visits * stride || i >= n || ++visits > expected) {
                            printf("grid %d x %d, block %d thread %d, n %d: index %d\\n", grid, block, b, t, n, i);
                            return 1;
                        }
                    }
                    if (visits != expected) printf("grid %d x %d, block %d thread %d, n %d: %lld visits, not %lld\\n",
                                                   grid, block, b, t, n, visits, expected);
                    return visits == expected ? 0 : 1;
                }
                int main() {
                    const int ns[] = {0, 1, 31, 32, 33, 255, 256, 257, 16776960, 16776961, 2130706432, 2147483000,
                                      MAX_STORAGE_ELEMENTS, 2147483647};
                    const int grids[][2] = {{65535, 256}, {1, 256}, {3, 32}, {8192, 256}, {65535, 32}};
                    int failures = 0, checks = 0;
                    for (int n : ns) {
                        for (auto& g : grids) {
                            for (int b : {0, 1, g[0] - 1}) {
                                for (int t : {0, 1, g[1] - 1}) {
                                    failures += check(g[0], g[1], b, t, n);
                                    checks++;
                                }
                            }
                        }
                    }
                    printf("%d checks, %d failures\\n", checks, failures);
                }
                """.replace("MAX_STORAGE_ELEMENTS", Integer.toString(Layout.MAX_STORAGE_ELEMENTS));
        Path tmp = Files.createTempDirectory("ember_grid_stride");
        try {
            Path src = tmp.resolve("grid_stride_test.cpp");
            Files.writeString(src, program);
            Path exe = tmp.resolve("grid_stride_test");
            String built = HostToolchain.run(List.of(gxx, "-std=c++20", "-O2", "-pthread", "-w", "-I", shim.toString(),
                    "-o", exe.toString(), src.toString()));
            String out = HostToolchain.run(List.of(exe.toString()));
            assertTrue(out.contains(" 0 failures"), out + built);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }
}
