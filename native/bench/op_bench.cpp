// Operator benchmark: median time and GFLOP/s of the GEMM and of the conv2d and linear kernels
// on the shapes of a small convolutional network (batch 64), with the CPU time they took; then
// the memory-bound layers of that network (max-pool, ReLU, dropout), whose GFLOP/s column is 0;
// then the GEMMs of a DQN update (times per 200 calls).
//   op_bench [threads] [runs] [filter]   defaults: 2 threads, 21 runs after 3 warm-up runs, every
//                                        operation (filter: only those whose name contains it)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <new>
#include <random>
#include <utility>
#include <vector>

#include "anvil.h"
#include "context.h"
#include "cpu/gemm.h"

namespace {

int g_runs = 21;
const char* g_filter = "";

// CPU time of the whole process (all threads) in milliseconds.
double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Median wall time and median CPU time (all threads) of body() in milliseconds, after a few
// untimed warm-up calls. On a shared, busy machine the CPU time is the steadier of the two.
std::pair<double, double> median_ms(const std::function<void()>& body) {
    for (int i = 0; i < 3; ++i) body();
    std::vector<double> wall, cpu;
    for (int i = 0; i < g_runs; ++i) {
        const double c0 = cpu_ms();
        const auto t0 = std::chrono::steady_clock::now();
        body();
        const auto t1 = std::chrono::steady_clock::now();
        cpu.push_back(cpu_ms() - c0);
        wall.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return {median(wall), median(cpu)};
}

void report(const char* name, double flops, const std::function<void()>& body) {
    if (std::strstr(name, g_filter) == nullptr) return;
    const auto [wall, cpu] = median_ms(body);
    std::printf("%-38s %8.3f ms %7.1f GFLOP/s   cpu %8.3f ms\n", name, wall, flops / (wall * 1e6), cpu);
}

// Tensors of the Java API start on 64-byte boundaries (anvil_malloc); so do the buffers here, so
// that whole-vector stores line up with cache lines as they do there.
template <class T>
struct Aligned64 {
    using value_type = T;
    Aligned64() = default;
    template <class U>
    Aligned64(const Aligned64<U>&) {}
    T* allocate(size_t n) {
        void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
        if (p == nullptr) throw std::bad_alloc();
        return static_cast<T*>(p);
    }
    void deallocate(T* p, size_t) { std::free(p); }
    bool operator==(const Aligned64&) const { return true; }
};

template <class T>
using Buffer = std::vector<T, Aligned64<T>>;

Buffer<float> random_floats(size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    Buffer<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

void check(anvil_status s) {
    if (s != ANVIL_OK) {
        std::fprintf(stderr, "op_bench: %s\n", anvil_last_error());
        std::exit(1);
    }
}

void bench_gemm(anvil_context* ctx) {
    const int64_t n = 1024;
    Buffer<float> a = random_floats(n * n, 1), b = random_floats(n * n, 2), c(n * n);
    const double flops = 2.0 * n * n * n;
    for (int ta = 0; ta < 2; ++ta) {
        for (int tb = 0; tb < 2; ++tb) {
            char name[64];
            std::snprintf(name, sizeof name, "sgemm 1024^3 %c%c", ta ? 'T' : 'N', tb ? 'T' : 'N');
            report(name, flops, [&] {
                anvil::cpu::gemm(*ctx, ta != 0, tb != 0, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
            });
        }
    }
}

void bench_conv(anvil_context* ctx, const char* label, const anvil_conv2d_desc& d) {
    int64_t oh = 0, ow = 0;
    check(anvil_conv2d_output_size(&d, &oh, &ow));
    const int64_t cg = d.in_channels / d.groups;
    Buffer<float> x = random_floats(d.batch * d.in_channels * d.in_h * d.in_w, 3);
    Buffer<float> w = random_floats(d.out_channels * cg * d.kernel_h * d.kernel_w, 4);
    Buffer<float> bias = random_floats(d.out_channels, 5);
    Buffer<float> y(d.batch * d.out_channels * oh * ow), dy = random_floats(y.size(), 6);
    Buffer<float> dx(x.size()), dw(w.size()), db(bias.size());
    const double flops = 2.0 * d.batch * d.out_channels * oh * ow * cg * d.kernel_h * d.kernel_w;
    char name[64];
    std::snprintf(name, sizeof name, "%s forward", label);
    report(name, flops, [&] { check(anvil_conv2d_forward(ctx, &d, x.data(), w.data(), bias.data(), y.data())); });
    std::snprintf(name, sizeof name, "%s backward-data", label);
    report(name, flops, [&] { check(anvil_conv2d_backward_data(ctx, &d, dy.data(), w.data(), dx.data())); });
    std::snprintf(name, sizeof name, "%s backward-weight (+bias)", label);
    report(name, flops, [&] {
        check(anvil_conv2d_backward_weight(ctx, &d, x.data(), dy.data(), dw.data(), db.data(), 0));
    });
}

anvil_conv2d_desc conv_desc(int64_t batch, int64_t c, int64_t hw, int64_t o, int64_t k, int64_t pad) {
    return {batch, c, hw, hw, o, k, k, 1, 1, pad, pad, 1, 1, 1};
}

void bench_linear(anvil_context* ctx, const anvil_linear_desc& d) {
    Buffer<float> x = random_floats(d.batch * d.in_features, 7);
    Buffer<float> w = random_floats(d.out_features * d.in_features, 8);
    Buffer<float> bias = random_floats(d.out_features, 9);
    Buffer<float> y(d.batch * d.out_features), dy = random_floats(y.size(), 10);
    Buffer<float> dx(x.size()), dw(w.size()), db(bias.size());
    const double flops = 2.0 * d.batch * d.in_features * d.out_features;
    report("fc1 forward", flops, [&] { check(anvil_linear_forward(ctx, &d, x.data(), w.data(), bias.data(), y.data())); });
    report("fc1 backward-data", flops, [&] { check(anvil_linear_backward_data(ctx, &d, dy.data(), w.data(), dx.data())); });
    report("fc1 backward-weight (+bias)", flops, [&] {
        check(anvil_linear_backward_weight(ctx, &d, x.data(), dy.data(), dw.data(), db.data(), 0));
    });
}

// Max-pool 2x2/2 on planes of hw x hw: forward with argmax, then backward.
void bench_pool(anvil_context* ctx, const char* label, int64_t channels, int64_t hw) {
    anvil_pool2d_desc d{};
    d.batch = 64;
    d.channels = channels;
    d.in_h = d.in_w = hw;
    d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 2;
    const int64_t in = d.batch * channels * hw * hw, out = in / 4;
    Buffer<float> x = random_floats(in, 11), y(out), dy = random_floats(out, 12), dx(in);
    Buffer<int32_t> argmax(out);
    char name[64];
    std::snprintf(name, sizeof name, "%s forward", label);
    report(name, 0, [&] { check(anvil_maxpool2d_forward(ctx, &d, x.data(), y.data(), argmax.data())); });
    std::snprintf(name, sizeof name, "%s backward", label);
    report(name, 0, [&] { check(anvil_maxpool2d_backward(ctx, &d, dy.data(), argmax.data(), dx.data())); });
}

void bench_elementwise(anvil_context* ctx) {
    const int64_t pooled = 64 * 32 * 14 * 14, fc = 64 * 1024;
    Buffer<float> x = random_floats(pooled, 13), y(pooled), dy = random_floats(pooled, 14), dx(pooled);
    report("relu1 forward", 0, [&] { check(anvil_relu_forward(ctx, pooled, x.data(), y.data())); });
    report("relu1 backward", 0, [&] { check(anvil_relu_backward(ctx, pooled, y.data(), dy.data(), dx.data())); });
    report("dropout 64x1024 forward", 0, [&] { check(anvil_dropout_forward(ctx, fc, 0.4f, 42, x.data(), y.data())); });
    report("dropout 64x1024 backward", 0,
           [&] { check(anvil_dropout_backward(ctx, fc, 0.4f, 42, dy.data(), dx.data())); });
}

// The GEMMs of one DQN update (4-120-84-2 MLP, batch 128: the forward pass of the target and the
// online network, then the backward pass of the online one, as core's Linear layers call them),
// each timed over 200 calls per run because each takes microseconds; then all of them in a row.
void bench_dqn(anvil_context* ctx) {
    struct Shape {
        const char* name;
        bool ta, tb;
        int64_t m, n, k;
        float beta;
    };
    const Shape shapes[] = {
        {"dqn fc1 forward 128x120x4 NT", false, true, 128, 120, 4, 1.0f},
        {"dqn fc2 forward 128x84x120 NT", false, true, 128, 84, 120, 1.0f},
        {"dqn fc3 forward 128x2x84 NT", false, true, 128, 2, 84, 1.0f},
        {"dqn fc3 weight 2x84x128 TN", true, false, 2, 84, 128, 0.0f},
        {"dqn fc3 data 128x84x2 NN", false, false, 128, 84, 2, 0.0f},
        {"dqn fc2 weight 84x120x128 TN", true, false, 84, 120, 128, 0.0f},
        {"dqn fc2 data 128x120x84 NN", false, false, 128, 120, 84, 0.0f},
        {"dqn fc1 weight 120x4x128 TN", true, false, 120, 4, 128, 0.0f},
    };
    constexpr int kReps = 200;
    std::vector<std::function<void()>> calls;
    std::vector<Buffer<float>> store;
    double total_flops = 0;
    for (const Shape& s : shapes) {
        store.push_back(random_floats(static_cast<size_t>(s.m * s.k), 15));
        store.push_back(random_floats(static_cast<size_t>(s.k * s.n), 16));
        store.push_back(random_floats(static_cast<size_t>(s.m * s.n), 17));
    }
    for (size_t i = 0; i < std::size(shapes); ++i) {
        const Shape s = shapes[i];
        const float *a = store[3 * i].data(), *b = store[3 * i + 1].data();
        float* c = store[3 * i + 2].data();
        const int64_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
        calls.push_back([=] { anvil::cpu::gemm(*ctx, s.ta, s.tb, s.m, s.n, s.k, 1.0f, a, lda, b, ldb, s.beta, c, s.n); });
        const double flops = 2.0 * s.m * s.n * s.k;
        // The forward passes run twice per update (target and online network).
        total_flops += (i < 3 ? 2 : 1) * flops;
        report(s.name, kReps * flops, [&, i] {
            for (int r = 0; r < kReps; ++r) calls[i]();
        });
    }
    report("dqn all GEMMs of an update", kReps * total_flops, [&] {
        for (int r = 0; r < kReps; ++r) {
            for (size_t i = 0; i < calls.size(); ++i) {
                calls[i]();
                if (i < 3) calls[i]();
            }
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    if (argc > 2) g_runs = std::max(1, std::atoi(argv[2]));
    if (argc > 3) g_filter = argv[3];
    anvil_context* ctx = nullptr;
    check(anvil_context_create(threads, &ctx));
    std::printf("threads %d, micro-kernel %s, median of %d runs\n", threads, anvil_gemm_kernel(), g_runs);
    bench_gemm(ctx);
    bench_conv(ctx, "conv2", conv_desc(64, 32, 14, 64, 5, 2));
    bench_conv(ctx, "conv1", conv_desc(64, 1, 28, 32, 5, 2));
    bench_linear(ctx, {64, 3136, 1024});
    bench_pool(ctx, "maxpool1 64x32x28x28", 32, 28);
    bench_pool(ctx, "maxpool2 64x64x14x14", 64, 14);
    bench_elementwise(ctx);
    bench_dqn(ctx);
    check(anvil_context_destroy(ctx));
    return 0;
}
