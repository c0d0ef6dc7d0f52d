/** The CUDA backend: JCuda's driver API, kernels compiled by nvcc into a shipped fatbinary, cuBLAS where it loads. */
package dev.ember.cuda;
