/* Measures the fp32 FMA peak of this machine: every thread runs independent chains of vector
 * fused multiply-adds (enough of them to cover the FMA latency), and the best of several runs is
 * reported in GFLOP/s (an FMA counts as 2 FLOPs). Used by bench/profile.sh to put the measured
 * peak beside the benchmarks' GFLOP/s.
 *
 *   cc -O2 -pthread fma_peak.c -o fma_peak && ./fma_peak [threads]
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CHAINS 12
#define ITERS 20000000L

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Returns FLOPs done; the sum is kept so the compiler cannot drop the loop. */
__attribute__((target("avx512f"))) static double run_avx512(float* sink) {
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_set1_ps((float)c);
    for (long i = 0; i < ITERS; i++) {
#pragma GCC unroll 16
        for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    }
    __m512 s = acc[0];
    for (int c = 1; c < CHAINS; c++) s = _mm512_add_ps(s, acc[c]);
    *sink = _mm512_reduce_add_ps(s);
    return 2.0 * 16 * CHAINS * ITERS;
}

__attribute__((target("avx2,fma"))) static double run_avx2(float* sink) {
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_set1_ps((float)c);
    for (long i = 0; i < ITERS; i++) {
#pragma GCC unroll 16
        for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
    }
    __m256 s = acc[0];
    for (int c = 1; c < CHAINS; c++) s = _mm256_add_ps(s, acc[c]);
    float out[8];
    _mm256_storeu_ps(out, s);
    *sink = out[0];
    return 2.0 * 8 * CHAINS * ITERS;
}

static void* worker(void* arg) {
    double* flops = arg;
    float sink;
    __builtin_cpu_init();
    *flops = __builtin_cpu_supports("avx512f") ? run_avx512(&sink) : run_avx2(&sink);
    if (sink == 12345.0f) puts("");
    return NULL;
}

int main(int argc, char** argv) {
    int threads = argc > 1 ? atoi(argv[1]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || threads > 1024) {
        fprintf(stderr, "usage: fma_peak [threads]\n");
        return 2;
    }
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "fma_peak: this CPU has no AVX2/FMA\n");
        return 1;
    }
    pthread_t* tid = malloc(sizeof(pthread_t) * threads);
    double* flops = calloc(threads, sizeof(double));
    double best = 0;
    for (int run = 0; run < 3; run++) {
        double t0 = now();
        for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, &flops[t]);
        double total = 0;
        for (int t = 0; t < threads; t++) {
            pthread_join(tid[t], NULL);
            total += flops[t];
        }
        double gflops = total / (now() - t0) / 1e9;
        if (gflops > best) best = gflops;
    }
    printf("%.1f\n", best);
    free(tid);
    free(flops);
    return 0;
}
