package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * torch.fft's results are contiguous in the input's dim order whichever dims are transformed and whatever the input's
 * strides, as PyTorch's CPU results (resources/fftstrides/make_expected.py, PyTorch 1.13); their values are FftTest's.
 */
class FftStridesTest {

    @Test
    void resultsAreContiguousAsPyTorchs() throws IOException {
        Tensor z = Tensor.randn(DType.COMPLEX128, 4, 5, 6);
        Tensor x = Tensor.randn(DType.FLOAT64, 4, 5, 6);
        Tensor s = Fft.rfft2(x);
        Tensor zt = z.transpose(0, 2);
        Map<String, Tensor> got = new LinkedHashMap<>();
        got.put("fft_dim0", Fft.fft(z, null, 0, null));
        got.put("fft_dim1", Fft.fft(z, null, 1, null));
        got.put("fft2_dims01", Fft.fft2(z, null, new int[] {0, 1}, null));
        got.put("fftn", Fft.fftn(z));
        got.put("rfft_dim0", Fft.rfft(x, null, 0, null));
        got.put("rfft2_dims01", Fft.rfft2(x, null, new int[] {0, 1}, null));
        got.put("irfft_dim1", Fft.irfft(s, null, 1, null));
        got.put("irfft2", Fft.irfft2(s));
        got.put("fft_transposed_dim1", Fft.fft(zt, null, 1, null));
        got.put("ifft_transposed_dim0", Fft.ifft(zt, null, 0, null));
        Map<String, int[]> expected = expected();
        assertEquals(expected.keySet(), got.keySet());
        for (Map.Entry<String, Tensor> e : got.entrySet()) {
            assertArrayEquals(expected.get(e.getKey()), e.getValue().stride(), e.getKey());
        }
    }

    private static Map<String, int[]> expected() throws IOException {
        Map<String, int[]> out = new LinkedHashMap<>();
        try (InputStream in = FftStridesTest.class.getResourceAsStream("/fftstrides/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.trim().split(" ");
                int[] st = new int[f.length - 1];
                for (int i = 1; i < f.length; i++) {
                    st[i - 1] = Integer.parseInt(f[i]);
                }
                out.put(f[0], st);
            }
        }
        return out;
    }
}
