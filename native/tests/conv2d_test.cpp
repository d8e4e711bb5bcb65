// Tests of conv2d through the C API against a direct double-precision loop: strides, padding,
// dilation, groups, 1x1 kernels, batch 1, channel counts that are not multiples of 8, bias or
// none, accumulate 0 and 1, 1 and 2 threads (repeatable for a given thread count), and no memory
// left behind once the contexts are destroyed.
#include <cstring>

#include "anvil.h"
#include "test_support.h"

namespace {

void expect_ok(anvil_status s, const char* what) {
    test::expect(s == ANVIL_OK, "%s failed: %s", what, anvil_last_error());
}

struct Tensors {
    std::vector<float> x, w, bias, dy, dw0, db0;
};

struct Result {
    std::vector<float> y, dx, dw, db;
};

struct Reference {
    std::vector<double> y, dx, dw, db;
};

// All three passes at once: every (output position, window tap) pair contributes to y, dx and dw.
Reference reference(const anvil_conv2d_desc& d, int64_t oh_n, int64_t ow_n, const Tensors& t, bool use_bias,
                    bool accumulate) {
    Reference r;
    r.y.assign(d.batch * d.out_channels * oh_n * ow_n, 0.0);
    r.dx.assign(t.x.size(), 0.0);
    r.dw.assign(t.w.size(), 0.0);
    r.db.assign(d.out_channels, 0.0);
    for (size_t i = 0; accumulate && i < t.w.size(); ++i) r.dw[i] = t.dw0[i];
    for (int64_t o = 0; accumulate && o < d.out_channels; ++o) r.db[o] = t.db0[o];
    for (size_t yi = 0; yi < r.y.size(); ++yi) {
        const int64_t o = static_cast<int64_t>(yi) / (oh_n * ow_n) % d.out_channels;
        r.y[yi] = use_bias ? t.bias[o] : 0.0;
        r.db[o] += t.dy[yi];
    }
    test::conv2d_taps(d, oh_n, ow_n, [&](int64_t xi, int64_t wi, int64_t yi) {
        r.y[yi] += static_cast<double>(t.x[xi]) * t.w[wi];
        r.dx[xi] += static_cast<double>(t.dy[yi]) * t.w[wi];
        r.dw[wi] += static_cast<double>(t.dy[yi]) * t.x[xi];
    });
    return r;
}

Result run(anvil_context* ctx, const anvil_conv2d_desc& d, const Tensors& t, bool use_bias, int accumulate) {
    Result r;
    r.y.assign(t.dy.size(), 0.0f);
    r.dx.assign(t.x.size(), 7.0f);  // must be overwritten, not added to
    r.dw = t.dw0;
    r.db = t.db0;
    expect_ok(anvil_conv2d_forward(ctx, &d, t.x.data(), t.w.data(), use_bias ? t.bias.data() : nullptr, r.y.data()),
              "conv2d_forward");
    expect_ok(anvil_conv2d_backward_data(ctx, &d, t.dy.data(), t.w.data(), r.dx.data()), "conv2d_backward_data");
    expect_ok(anvil_conv2d_backward_weight(ctx, &d, t.x.data(), t.dy.data(), r.dw.data(),
                                           use_bias ? r.db.data() : nullptr, accumulate),
              "conv2d_backward_weight");
    return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check(anvil_context* one, anvil_context* two, const anvil_conv2d_desc& d, bool use_bias, int accumulate) {
    int64_t oh = 0, ow = 0;
    expect_ok(anvil_conv2d_output_size(&d, &oh, &ow), "conv2d_output_size");
    const int64_t cg = d.in_channels / d.groups, og = d.out_channels / d.groups;
    const uint32_t seed = static_cast<uint32_t>(d.batch * 7919 + d.in_channels * 131 + d.out_channels * 17 + d.in_h);
    Tensors t;
    t.x = test::random_floats(d.batch * d.in_channels * d.in_h * d.in_w, seed);
    t.w = test::random_floats(d.out_channels * cg * d.kernel_h * d.kernel_w, seed + 1);
    t.bias = test::random_floats(d.out_channels, seed + 2);
    t.dy = test::random_floats(d.batch * d.out_channels * oh * ow, seed + 3);
    t.dw0 = test::random_floats(t.w.size(), seed + 4);
    t.db0 = test::random_floats(d.out_channels, seed + 5);

    const Reference want = reference(d, oh, ow, t, use_bias, accumulate != 0);
    const Result r1 = run(one, d, t, use_bias, accumulate);
    const Result r2 = run(two, d, t, use_bias, accumulate);

    char name[200];
    std::snprintf(name, sizeof name,
                  "conv2d N=%lld C=%lld %lldx%lld O=%lld k=%lldx%lld s=%lldx%lld p=%lldx%lld dil=%lldx%lld g=%lld "
                  "bias=%d accumulate=%d",
                  (long long)d.batch, (long long)d.in_channels, (long long)d.in_h, (long long)d.in_w,
                  (long long)d.out_channels, (long long)d.kernel_h, (long long)d.kernel_w, (long long)d.stride_h,
                  (long long)d.stride_w, (long long)d.pad_h, (long long)d.pad_w, (long long)d.dilation_h,
                  (long long)d.dilation_w, (long long)d.groups, use_bias ? 1 : 0, accumulate);
    const int64_t taps = d.kernel_h * d.kernel_w;
    double e = test::error_ratio(r1.y.data(), want.y, cg * taps);
    test::expect(e <= 1.0, "%s forward: error ratio %g", name, e);
    e = test::error_ratio(r1.dx.data(), want.dx, og * taps);
    test::expect(e <= 1.0, "%s backward-data: error ratio %g", name, e);
    e = test::error_ratio(r1.dw.data(), want.dw, d.batch * oh * ow);
    test::expect(e <= 1.0, "%s backward-weight: error ratio %g", name, e);
    if (use_bias) {
        e = test::error_ratio(r1.db.data(), want.db, d.batch * oh * ow);
        test::expect(e <= 1.0, "%s bias gradient: error ratio %g", name, e);
    } else {
        test::expect(same_bits(r1.db, t.db0), "%s: db touched although NULL was passed", name);
    }
    // The 2-thread results must be right too, and repeatable: the weight gradient is summed in
    // per-thread partials, so it may differ from the 1-thread sum in the last bits, but never
    // between two runs with the same thread count. Everything else matches bit for bit.
    e = test::error_ratio(r2.dw.data(), want.dw, d.batch * oh * ow);
    test::expect(e <= 1.0, "%s backward-weight, 2 threads: error ratio %g", name, e);
    test::expect(same_bits(r1.y, r2.y) && same_bits(r1.dx, r2.dx) && same_bits(r1.db, r2.db),
                 "%s: 1 and 2 threads differ", name);
    const Result again = run(two, d, t, use_bias, accumulate);
    test::expect(same_bits(r2.dw, again.dw), "%s: two runs with 2 threads differ", name);
}

}  // namespace

int main() {
    anvil_context* one = nullptr;
    anvil_context* two = nullptr;
    expect_ok(anvil_context_create(1, &one), "context_create(1)");
    expect_ok(anvil_context_create(2, &two), "context_create(2)");
    // batch, C, H, W, O, KH, KW, stride h/w, pad h/w, dilation h/w, groups
    const anvil_conv2d_desc cases[] = {
        {2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},       // plain 3x3, same padding
        {1, 5, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1},       // batch 1, stride 2, odd sizes
        {3, 4, 10, 11, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2},     // dilation 2, groups 2
        {2, 6, 7, 7, 9, 1, 1, 1, 1, 0, 0, 1, 1, 3},       // 1x1, groups 3 (no column matrix)
        {4, 7, 5, 6, 5, 1, 1, 2, 1, 0, 0, 1, 1, 1},       // 1x1 with stride 2
        {1, 10, 6, 6, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2},      // 1x1, batch 1, groups 2
        {3, 32, 14, 14, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},   // conv2-like, K = 800
        {2, 1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 1, 1, 1},     // conv1-like, one input channel
        {5, 3, 6, 9, 2, 2, 3, 3, 2, 0, 1, 1, 2, 1},       // asymmetric kernel, stride and dilation
        {2, 3, 5, 70, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1},      // stride 2, rows of 35 outputs
        {2, 4, 4, 41, 3, 1, 1, 2, 2, 0, 0, 1, 1, 1},      // 1x1 with stride 2, rows of 21
        {2, 3, 9, 23, 4, 5, 5, 2, 2, 2, 2, 1, 1, 1},      // stride 2, 5 taps a row, two either side
        {2, 3, 5, 32, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1},      // stride 2, the widest rows split in registers
        {2, 2, 4, 32, 3, 5, 5, 2, 2, 2, 2, 1, 1, 1},      // the same with 16 outputs a row and 5 taps
        {2, 2, 5, 12, 3, 4, 4, 2, 2, 0, 3, 1, 1, 1},      // stride 2, even kernel, pad 3 on the left
        {1, 2, 3, 300, 2, 3, 3, 1, 2, 1, 1, 1, 1, 1},     // stride 2, rows too wide to split
        {1, 4, 4, 4, 4, 4, 4, 1, 1, 0, 0, 1, 1, 4},       // depthwise, kernel as large as the input
        {3, 10, 12, 12, 12, 3, 3, 1, 1, 1, 1, 1, 1, 2},   // odd batch split over 2 threads
        {2, 2, 3, 3, 3, 3, 3, 1, 1, 3, 3, 1, 1, 1},       // padding as large as the kernel
        {2, 9, 13, 5, 11, 3, 2, 2, 3, 1, 2, 2, 1, 1},     // channels not a multiple of 8, mixed strides
        {2, 8, 9, 30, 64, 3, 7, 1, 1, 1, 3, 1, 1, 1},     // wide rows, 64 channels, kernel 7 wide
        {3, 6, 7, 7, 40, 3, 3, 1, 1, 1, 1, 1, 1, 2},      // 20 channels per group
        {2, 4, 9, 9, 8, 3, 3, 1, 1, 2, 1, 2, 1, 1},       // dilation in height only
        {4, 32, 14, 14, 64, 5, 5, 1, 1, 2, 2, 1, 1, 1},   // conv2 of the benchmark, small batch
        // Planes shorter than the window: the window rows that fall on padding are skipped,
        // down to output rows that see no data at all.
        {2, 16, 1, 6, 16, 3, 3, 1, 1, 3, 1, 1, 1, 1},     // channel tiles, outer rows all padding
        {2, 1, 3, 28, 8, 5, 5, 1, 1, 2, 2, 1, 1, 1},      // row tiles, 3 rows under a 5-row window
        {2, 12, 4, 9, 24, 3, 3, 1, 1, 3, 1, 2, 1, 1},     // dilated rows over padding
        // Window columns over padding are skipped per tile position, also where a row is cut
        // into several tiles.
        {2, 16, 7, 17, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},    // odd width, two tiles per row
        {2, 12, 6, 15, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // padding 1, 20 channels
        {2, 8, 9, 11, 16, 7, 7, 1, 1, 3, 3, 1, 1, 1},     // padding 3
        {2, 16, 5, 3, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},     // rows narrower than the window
        {2, 16, 6, 7, 16, 3, 3, 1, 1, 1, 2, 1, 2, 1},     // dilated columns over padding
        {2, 16, 4, 4, 16, 3, 3, 1, 1, 1, 3, 1, 1, 1},     // column padding wider than the window
        {2, 8, 5, 4, 40, 5, 5, 1, 1, 2, 2, 1, 1, 1},      // rows as wide as both edges, 40 channels
        {2, 8, 6, 9, 24, 7, 7, 1, 1, 3, 3, 1, 1, 1},      // padding 3, 24 channels
        {2, 16, 6, 9, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1},     // whole-row window kernels, padding 1
        {2, 16, 4, 5, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},     // rows exactly as wide as the window
        // Winograd F(2x2, 5x5) ("same" 5x5 with 16k input and output channels): odd sizes with blocks over the edge, one block, rows of 14 blocks (the most), images split
        // between the threads mid-image, more channel vectors.
        {3, 32, 9, 13, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {2, 16, 1, 1, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {2, 16, 5, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {2, 48, 6, 10, 96, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {2, 64, 8, 8, 64, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {2, 32, 3, 29, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},    // rows of 29: too wide, the direct kernels
        {1, 32, 10, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},   // weight gradient on one worker, units of 4 + 1 rows
        // Winograd F(4x4, 3x3) ("same" 3x3, 16k channels both ways): the ResNet's three stages
        // (7, 3.5 and 2 blocks a row), 16 output channels a product (48: not pairs), rows of 3
        // blocks, 14 (the most) and 57 (too wide, the direct kernels), units of 4 + 1 block rows
        // on one worker.
        {3, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 5, 9, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 48, 6, 11, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 1, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 32, 3, 56, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 6, 57, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 16, 19, 10, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        // Units of at most 14 blocks: tall narrow planes (15 rows of one block: units of 8 and 7
        // rows; 30 rows of two blocks: 5 units of 6 rows each); small planes, whose units are
        // whole images, as many as fit: 7 images of 7x7 in units of 3, 3 and 1 (split between the
        // threads, and for the weight gradient 3 + 1 and 3 images per worker);
        // 4x4, one block an image, in units of 14 and 3; 5x6 with blocks over both edges; one
        // column of blocks (7 images a unit); F(2x2, 5x5) on 3x4 planes, 3 images a unit.
        {2, 16, 60, 4, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 32, 120, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {7, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {17, 16, 4, 4, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {5, 32, 5, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {9, 16, 8, 3, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {15, 16, 3, 4, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},
    };
    for (const anvil_conv2d_desc& d : cases) {
        for (int bias = 0; bias < 2; ++bias) {
            for (int acc = 0; acc < 2; ++acc) check(one, two, d, bias != 0, acc);
        }
    }
    expect_ok(anvil_context_destroy(one), "context_destroy(1)");
    expect_ok(anvil_context_destroy(two), "context_destroy(2)");
    test::expect(anvil_live_bytes() == 0, "live bytes %lld after destroying the contexts",
                 static_cast<long long>(anvil_live_bytes()));
    return test::finish();
}
