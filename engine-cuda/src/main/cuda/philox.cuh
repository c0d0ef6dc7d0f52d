// Philox 4x32-10 (as dev.ember.backend.Philox): the random fills of ember_kernels.cu and the attention dropout of nn.cu
// and attn_tc_kernels.cu draw from it, so every backend draws the same numbers for one seed and counter. Included by both (and by the host
// emulation of nn.cu), once.
#ifndef EMBER_PHILOX_CUH
#define EMBER_PHILOX_CUH

__device__ __forceinline__ void philox(unsigned long long key, unsigned long long counter, unsigned int* out) {
    unsigned int c0 = (unsigned int) counter, c1 = (unsigned int) (counter >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int) key, k1 = (unsigned int) (key >> 32);
#pragma unroll
    for (int r = 0; r < 10; r++) {
        unsigned long long p0 = (unsigned long long) 0xD2511F53u * c0;
        unsigned long long p1 = (unsigned long long) 0xCD9E8D57u * c2;
        unsigned int n0 = (unsigned int) (p1 >> 32) ^ c1 ^ k0;
        unsigned int n1 = (unsigned int) p1;
        unsigned int n2 = (unsigned int) (p0 >> 32) ^ c3 ^ k1;
        unsigned int n3 = (unsigned int) p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

// The attention dropout's factor of weight number counter - offset (dev.ember.backend.AttentionDropout; nn.cu's and
// attn_tc_kernels.cu's kernels): dropScale when kept, 0 when dropped. kind: the weights' type, 1 float32
// (24 bits), 2 float64 (53 bits), 3 float16 (11 bits), 4 bfloat16 (8 bits), each uniform as random_* draws it.
__device__ __forceinline__ double attnDropFactor(int kind, double thr, double dropScale, unsigned long long seed,
                                                 unsigned long long counter) {
    unsigned int w[4];
    philox(seed, counter, w);
    double u;
    if (kind == 1) {
        u = (double) ((float) (w[0] >> 8) * 5.9604644775390625e-8f);
    } else if (kind == 2) {
        u = (double) ((((unsigned long long) w[0]) << 21) ^ (((unsigned long long) w[1]) >> 11)) * 1.1102230246251565e-16;
    } else if (kind == 3) {
        u = (double) (w[0] >> 21) * 4.8828125e-4;
    } else {
        u = (double) (w[0] >> 24) * 3.90625e-3;
    }
    return u >= thr ? dropScale : 0.0;
}

#endif
