package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tensor's printout names its type as PyTorch's {@code _tensor_str} does under each default type
 * ({@code resources/defaultdtypeprint/make_expected.py}, PyTorch 1.13): every type but the default float type, its
 * complex type (complex128 under a float64 default, complex64 under any other), int64 and bool; an empty tensor every
 * type but the default float type. Ember named float64 even under a float64 default ({@code tensor([1.5000],
 * dtype=torch.float64)} where PyTorch prints {@code tensor([1.5000])}) and left complex64 unnamed there: the check was
 * against float32 and complex64, not the default (found by OutsiderPrograms7Test's programs, which run under a float64
 * default as their generator does).
 */
class DefaultDtypePrintTest {
    @Test
    void printoutsNameTheTypeAsPyTorchUnderEachDefault() throws IOException {
        Map<String, DType> types = new HashMap<>();
        for (DType d : DType.values()) {
            types.put(d.torchName(), d);
        }
        DType before = Ember.getDefaultDtype();
        int cases = 0;
        try (InputStream in = DefaultDtypePrintTest.class.getResourceAsStream("/defaultdtypeprint/expected.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split("\\|", 4);
                DType dflt = types.get(f[0]);
                DType dtype = types.get(f[1]);
                int[] shape = f[2].isEmpty() ? new int[0] : Arrays.stream(f[2].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                try {
                    Ember.setDefaultDtype(dflt);
                    Tensor t = Tensor.ones(dtype, shape);
                    if (dtype.isFloatingPoint() && t.numel() > 0) {
                        t = t.mul(1.5);
                    }
                    assertEquals(f[3].replace("\\n", "\n"), t.toString(), "default " + f[0] + ", " + f[1] + " of shape "
                            + Arrays.toString(shape));
                } finally {
                    Ember.setDefaultDtype(before);
                }
                cases++;
            }
        }
        assertTrue(cases == 144, "the file's cases: " + cases);
    }
}
