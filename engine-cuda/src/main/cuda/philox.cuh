// Philox 4x32-10 (as dev.ember.backend.Philox): the random fills of ember_kernels.cu and the attention dropout of nn.cu
// draw from it, so every backend draws the same numbers for one seed and counter. Included by both (and by the host
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

#endif
