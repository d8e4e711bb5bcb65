// Max and average pooling against double-precision reference loops, thread-count independence,
// PyTorch's NaN and tie rules, and finite-difference checks of both backward passes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

struct Shape {
    int64_t n, c, h, w, kh, kw, sh, sw, ph, pw;
    int32_t ceil = 0;  // ceil_mode
};

anvil_pool2d_desc desc(const Shape& s, int32_t count_include_pad) {
    anvil_pool2d_desc d{};
    d.batch = s.n;
    d.channels = s.c;
    d.in_h = s.h;
    d.in_w = s.w;
    d.kernel_h = s.kh;
    d.kernel_w = s.kw;
    d.stride_h = s.sh;
    d.stride_w = s.sw;
    d.pad_h = s.ph;
    d.pad_w = s.pw;
    d.count_include_pad = count_include_pad;
    d.ceil_mode = s.ceil;
    return d;
}

struct Sizes {
    int64_t oh, ow, x, y;
};

Sizes sizes(const anvil_pool2d_desc& d) {
    Sizes s{};
    EXPECT_OK(anvil_pool2d_output_size(&d, &s.oh, &s.ow));
    s.x = d.batch * d.channels * d.in_h * d.in_w;
    s.y = d.batch * d.channels * s.oh * s.ow;
    return s;
}

// Visits every output of every plane with its window written out directly from the definition.
template <class Body>
void for_each_window(const anvil_pool2d_desc& d, const Sizes& s, Body&& body) {
    for (int64_t p = 0; p < d.batch * d.channels; ++p) {
        for (int64_t oh = 0; oh < s.oh; ++oh) {
            for (int64_t ow = 0; ow < s.ow; ++ow) {
                int64_t hs = oh * d.stride_h - d.pad_h, ws = ow * d.stride_w - d.pad_w;
                body(p, p * s.oh * s.ow + oh * s.ow + ow, hs, ws);
            }
        }
    }
}

// The maxima, their positions in their windows (the argmax) and the input elements they are.
struct MaxRef {
    std::vector<double> y;
    std::vector<int32_t> argmax;
    std::vector<int64_t> input;
};

MaxRef max_reference(const anvil_pool2d_desc& d, const Sizes& s, const std::vector<float>& x) {
    MaxRef r{std::vector<double>(s.y), std::vector<int32_t>(s.y), std::vector<int64_t>(s.y)};
    for_each_window(d, s, [&](int64_t p, int64_t j, int64_t hs, int64_t ws) {
        double best = -INFINITY;
        int32_t at = -1;
        for (int64_t h = hs; h < hs + d.kernel_h; ++h) {
            for (int64_t w = ws; w < ws + d.kernel_w; ++w) {
                if (h < 0 || h >= d.in_h || w < 0 || w >= d.in_w) continue;
                double v = x[p * d.in_h * d.in_w + h * d.in_w + w];
                if (at < 0 || v > best || std::isnan(v)) {
                    best = v;
                    at = static_cast<int32_t>((h - hs) * d.kernel_w + (w - ws));
                    r.input[j] = p * d.in_h * d.in_w + h * d.in_w + w;
                }
            }
        }
        r.y[j] = best;
        r.argmax[j] = at;
    });
    return r;
}

// dx of max pooling: each output's gradient added to the input element that is its maximum.
std::vector<double> max_backward_reference(const MaxRef& ref, int64_t inputs, const std::vector<float>& dy) {
    std::vector<double> dx(inputs, 0.0);
    for (size_t j = 0; j < dy.size(); ++j) dx[ref.input[j]] += dy[j];
    return dx;
}

// An argmax buffer of anvil_maxpool2d_index_bytes per output: uint8_t or int32_t elements.
struct Argmax {
    int64_t bytes;
    std::vector<uint8_t> data;

    Argmax(const anvil_pool2d_desc& d, int64_t outputs, uint8_t fill = 0xEE) {
        bytes = 0;
        EXPECT_OK(anvil_maxpool2d_index_bytes(&d, &bytes));
        data.assign(static_cast<size_t>(outputs * bytes), fill);
    }
    void* ptr() { return data.data(); }
    int64_t size() const { return static_cast<int64_t>(data.size()) / bytes; }
    int32_t get(int64_t j) const {
        if (bytes == 1) return data[j];
        int32_t v;
        std::memcpy(&v, data.data() + 4 * j, 4);
        return v;
    }
    void set(int64_t j, int32_t v) {
        if (bytes == 1) {
            data[j] = static_cast<uint8_t>(v);
        } else {
            std::memcpy(data.data() + 4 * j, &v, 4);
        }
    }
    std::vector<int32_t> values() const {
        std::vector<int32_t> v(size());
        for (int64_t j = 0; j < size(); ++j) v[j] = get(j);
        return v;
    }
};

// PyTorch's divisor: the window clipped to the padded input, or to the input itself.
double avg_divisor(const anvil_pool2d_desc& d, int64_t hs, int64_t ws) {
    int64_t count = 0;
    for (int64_t h = hs; h < hs + d.kernel_h; ++h) {
        for (int64_t w = ws; w < ws + d.kernel_w; ++w) {
            bool in_padded = h >= -d.pad_h && h < d.in_h + d.pad_h && w >= -d.pad_w && w < d.in_w + d.pad_w;
            bool in_input = h >= 0 && h < d.in_h && w >= 0 && w < d.in_w;
            count += d.count_include_pad ? in_padded : in_input;
        }
    }
    return static_cast<double>(count);
}

std::vector<double> avg_reference(const anvil_pool2d_desc& d, const Sizes& s, const std::vector<float>& x) {
    std::vector<double> y(s.y);
    for_each_window(d, s, [&](int64_t p, int64_t j, int64_t hs, int64_t ws) {
        double sum = 0.0;
        for (int64_t h = std::max<int64_t>(hs, 0); h < std::min(hs + d.kernel_h, d.in_h); ++h) {
            for (int64_t w = std::max<int64_t>(ws, 0); w < std::min(ws + d.kernel_w, d.in_w); ++w) {
                sum += x[p * d.in_h * d.in_w + h * d.in_w + w];
            }
        }
        y[j] = sum / avg_divisor(d, hs, ws);
    });
    return y;
}

std::vector<double> avg_backward_reference(const anvil_pool2d_desc& d, const Sizes& s, const std::vector<float>& dy) {
    std::vector<double> dx(s.x, 0.0);
    for_each_window(d, s, [&](int64_t p, int64_t j, int64_t hs, int64_t ws) {
        double share = dy[j] / avg_divisor(d, hs, ws);
        for (int64_t h = std::max<int64_t>(hs, 0); h < std::min(hs + d.kernel_h, d.in_h); ++h) {
            for (int64_t w = std::max<int64_t>(ws, 0); w < std::min(ws + d.kernel_w, d.in_w); ++w) {
                dx[p * d.in_h * d.in_w + h * d.in_w + w] += share;
            }
        }
    });
    return dx;
}

const std::vector<Shape> kShapes = {
    {1, 1, 4, 4, 2, 2, 2, 2, 0, 0},     // the 2x2 fast path
    {3, 5, 7, 9, 2, 2, 2, 2, 0, 0},     // fast path, odd sizes: last row and column dropped
    {4, 6, 28, 28, 2, 2, 2, 2, 0, 0},   // the training shape, fewer planes
    {2, 3, 7, 6, 3, 3, 1, 1, 1, 1},     // overlapping windows with padding
    {2, 13, 9, 11, 3, 3, 2, 2, 1, 1},   // overlapping, stride 2, padding
    {1, 7, 10, 8, 3, 2, 2, 1, 1, 0},    // rectangular kernel and stride
    {3, 2, 5, 5, 5, 5, 1, 1, 2, 2},     // window as large as the input, maximal padding
    {2, 9, 12, 13, 4, 4, 3, 3, 2, 1},   // stride < kernel, uneven padding
    {1, 3, 6, 6, 1, 1, 1, 1, 0, 0},     // 1x1 identity
    {2, 4, 8, 8, 2, 2, 1, 1, 1, 1},     // 2x2 with padding: not the fast path
    {5, 3, 11, 7, 3, 3, 3, 3, 0, 0},    // non-overlapping 3x3
    // Enough planes that two threads really split the work:
    {64, 32, 28, 28, 2, 2, 2, 2, 0, 0},  // the training hot path
    {4, 33, 12, 13, 3, 3, 1, 1, 1, 1},   // overlapping, padded
    // The 2x2/2 row-pair steps: two row pairs per step up to 8 outputs a row, one beyond, and 16
    // outputs of a wide row at a time; odd sizes drop a column or a row that dx must still zero.
    {64, 64, 14, 14, 2, 2, 2, 2, 0, 0},  // the second pool of the network: 7 outputs a row
    {33, 65, 15, 17, 2, 2, 2, 2, 0, 0},  // an odd number of row pairs split over 2 threads
    {3, 4, 6, 16, 2, 2, 2, 2, 0, 0},     // 8 outputs a row, the most that pair up
    {2, 5, 5, 19, 2, 2, 2, 2, 0, 0},     // 9 outputs a row
    {2, 3, 6, 70, 2, 2, 2, 2, 0, 0},     // 35 outputs a row: 16 + 16 + 3
    {2, 3, 3, 2, 2, 2, 2, 2, 0, 0},      // one output a row
    // The backward stream over even sizes: G row pairs of 2 G W floats, a whole number of vectors,
    // per step (W = 16: G 1; 12: G 2; 6, 14: G 4; 64: 8 vectors, the most), steps across planes,
    // and row pairs after the last whole step; W = 30 needs 15 vectors: the row kernel.
    {5, 7, 10, 16, 2, 2, 2, 2, 0, 0},
    {3, 5, 8, 12, 2, 2, 2, 2, 0, 0},
    {7, 3, 6, 6, 2, 2, 2, 2, 0, 0},      // 63 row pairs: 15 steps of 4 and 3 left over
    {1, 1, 6, 14, 2, 2, 2, 2, 0, 0},     // 3 row pairs: no whole step
    {2, 3, 4, 64, 2, 2, 2, 2, 0, 0},
    {3, 3, 4, 2, 2, 2, 2, 2, 0, 0},      // one output a row, 2 row pairs a plane, 4 a step
    {2, 5, 8, 30, 2, 2, 2, 2, 0, 0},
    // ceil_mode: windows that run past the input (2x2/2 on odd sizes leaves the fast paths), the
    // last window in the left padding's reach kept or dropped by PyTorch's rule.
    {3, 5, 7, 9, 2, 2, 2, 2, 0, 0, 1},
    {33, 65, 15, 17, 2, 2, 2, 2, 0, 0, 1},
    {2, 3, 8, 6, 3, 3, 2, 2, 1, 1, 1},
    {1, 2, 5, 5, 3, 3, 3, 3, 0, 0, 1},
    {1, 2, 5, 5, 2, 2, 2, 2, 1, 1, 1},
    {2, 4, 14, 14, 3, 3, 2, 2, 1, 1, 1},
    // Windows of more than 256 elements keep int32 positions.
    {2, 3, 20, 20, 17, 17, 1, 1, 0, 0},
    {1, 2, 20, 18, 17, 16, 3, 2, 8, 8},  // with padding: positions count it
};

void test_max_forward_backward(const Contexts& ctxs) {
    Rng rng(1);
    for (const Shape& shape : kShapes) {
        anvil_pool2d_desc d = desc(shape, 0);
        Sizes s = sizes(d);
        std::vector<float> x = rng.vector(s.x), dy = rng.vector(s.y);
        MaxRef ref = max_reference(d, s, x);
        const std::vector<double> dx_ref = max_backward_reference(ref, s.x, dy);
        std::vector<float> y1, dx1;
        for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
            std::vector<float> y(s.y, -7.0f), y_noidx(s.y), dx(s.x, 123.0f);  // dx must be overwritten
            Argmax argmax(d, s.y);
            EXPECT_OK(anvil_maxpool2d_forward(ctx, &d, x.data(), y.data(), argmax.ptr()));
            EXPECT_OK(anvil_maxpool2d_forward(ctx, &d, x.data(), y_noidx.data(), nullptr));
            EXPECT(test::all_close(y, ref.y, 0, 0, "maxpool y"));
            EXPECT(y_noidx == y);
            EXPECT(argmax.values() == ref.argmax);
            EXPECT_OK(anvil_maxpool2d_backward(ctx, &d, dy.data(), argmax.ptr(), dx.data()));
            EXPECT(test::all_close(dx, dx_ref, 1e-6, 1e-6, "maxpool dx"));
            if (ctx == ctxs.one) {
                y1 = y;
                dx1 = dx;
            } else {
                EXPECT(y == y1);
                EXPECT(dx == dx1);
            }
        }
    }
}

void test_avg_forward_backward(const Contexts& ctxs) {
    Rng rng(2);
    for (const Shape& shape : kShapes) {
        for (int32_t include_pad : {0, 1}) {
            anvil_pool2d_desc d = desc(shape, include_pad);
            Sizes s = sizes(d);
            std::vector<float> x = rng.vector(s.x), dy = rng.vector(s.y);
            std::vector<double> y_ref = avg_reference(d, s, x), dx_ref = avg_backward_reference(d, s, dy);
            std::vector<float> y1, dx1;
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                std::vector<float> y(s.y), dx(s.x, 123.0f);
                EXPECT_OK(anvil_avgpool2d_forward(ctx, &d, x.data(), y.data()));
                EXPECT(test::all_close(y, y_ref, 1e-5, 1e-6, "avgpool y"));
                EXPECT_OK(anvil_avgpool2d_backward(ctx, &d, dy.data(), dx.data()));
                EXPECT(test::all_close(dx, dx_ref, 1e-5, 1e-6, "avgpool dx"));
                if (ctx == ctxs.one) {
                    y1 = y;
                    dx1 = dx;
                } else {
                    EXPECT(y == y1);
                    EXPECT(dx == dx1);
                }
            }
        }
    }
}

// count_include_pad makes a difference exactly at the border: a 3x3 window at the corner of a
// padded input covers 4 inputs, divided by 9 (include) or 4 (exclude).
void test_avg_divisor_corner(const Contexts& ctxs) {
    anvil_pool2d_desc d = desc({1, 1, 4, 4, 3, 3, 1, 1, 1, 1}, 1);
    std::vector<float> x(16, 1.0f), y(16);
    EXPECT_OK(anvil_avgpool2d_forward(ctxs.one, &d, x.data(), y.data()));
    EXPECT(std::fabs(y[0] - 4.0f / 9.0f) < 1e-6f);
    EXPECT(std::fabs(y[5] - 1.0f) < 1e-6f);
    d.count_include_pad = 0;
    EXPECT_OK(anvil_avgpool2d_forward(ctxs.one, &d, x.data(), y.data()));
    EXPECT(std::fabs(y[0] - 1.0f) < 1e-6f);
}

// Output sizes with and without ceil_mode as PyTorch 1.13 gives them (F.max_pool2d of zeros
// [1, 1, h, w] with kernel, stride, padding): rounding up, and the rule that drops a last window
// starting beyond the input and its left padding (5x5, 2/2 padding 1: 3, not 4).
void test_ceil_mode_sizes() {
    struct Want {
        Shape shape;
        int64_t floor_h, floor_w, ceil_h, ceil_w;
    };
    for (const Want& c : {Want{{1, 1, 7, 9, 2, 2, 2, 2, 0, 0}, 3, 4, 4, 5}, Want{{1, 1, 8, 6, 3, 3, 2, 2, 1, 1}, 4, 3, 5, 4},
                          Want{{1, 1, 5, 5, 3, 3, 3, 3, 0, 0}, 1, 1, 2, 2}, Want{{1, 1, 5, 5, 2, 2, 2, 2, 1, 1}, 3, 3, 3, 3},
                          Want{{1, 1, 14, 14, 3, 3, 2, 2, 1, 1}, 7, 7, 8, 8}, Want{{1, 1, 6, 6, 3, 3, 2, 2, 0, 0}, 2, 2, 3, 3}}) {
        anvil_pool2d_desc d = desc(c.shape, 0);
        int64_t h = 0, w = 0;
        EXPECT_OK(anvil_pool2d_output_size(&d, &h, &w));
        EXPECT(h == c.floor_h && w == c.floor_w);
        d.ceil_mode = 1;
        EXPECT_OK(anvil_pool2d_output_size(&d, &h, &w));
        EXPECT(h == c.ceil_h && w == c.ceil_w);
    }
    anvil_pool2d_desc d = desc({1, 1, 4, 4, 2, 2, 2, 2, 0, 0}, 0);
    d.ceil_mode = 2;
    int64_t h = 0, w = 0;
    EXPECT_ERROR(anvil_pool2d_output_size(&d, &h, &w), ANVIL_ERR_INVALID_ARGUMENT, "ceil_mode must be 0 or 1");
}

// One byte per argmax up to 256 window elements, int32 beyond; the descriptor is validated.
void test_index_bytes() {
    int64_t bytes = 0;
    anvil_pool2d_desc d = desc({1, 1, 40, 40, 16, 16, 1, 1, 0, 0}, 0);
    EXPECT_OK(anvil_maxpool2d_index_bytes(&d, &bytes));
    EXPECT(bytes == 1);
    d = desc({1, 1, 40, 40, 16, 17, 1, 1, 0, 0}, 0);
    EXPECT_OK(anvil_maxpool2d_index_bytes(&d, &bytes));
    EXPECT(bytes == 4);
    EXPECT(anvil_maxpool2d_index_bytes(&d, nullptr) == ANVIL_ERR_INVALID_ARGUMENT);
    EXPECT(anvil_maxpool2d_index_bytes(nullptr, &bytes) == ANVIL_ERR_INVALID_ARGUMENT);
    d.kernel_w = 0;
    EXPECT(anvil_maxpool2d_index_bytes(&d, &bytes) == ANVIL_ERR_INVALID_ARGUMENT);
}

// A corrupted argmax (a position outside the window) sends nothing anywhere: every kernel skips
// it instead of writing out of bounds, and the windows with valid positions are unaffected.
void test_max_corrupted_argmax(const Contexts& ctxs) {
    Rng rng(6);
    for (const Shape& shape : {Shape{4, 8, 28, 28, 2, 2, 2, 2, 0, 0}, Shape{2, 3, 7, 9, 2, 2, 2, 2, 0, 0},
                               Shape{2, 3, 6, 70, 2, 2, 2, 2, 0, 0}, Shape{2, 3, 9, 8, 3, 3, 2, 2, 1, 1},
                               Shape{1, 2, 20, 20, 17, 17, 3, 3, 8, 8}}) {
        anvil_pool2d_desc d = desc(shape, 0);
        Sizes s = sizes(d);
        std::vector<float> x = rng.vector(s.x), y(s.y), dy = rng.vector(s.y), dx(s.x, 9.0f);
        Argmax argmax(d, s.y);
        EXPECT_OK(anvil_maxpool2d_forward(ctxs.two, &d, x.data(), y.data(), argmax.ptr()));
        MaxRef ref = max_reference(d, s, x);
        const int32_t window = static_cast<int32_t>(d.kernel_h * d.kernel_w);
        for (int64_t j = 0; j < s.y; j += 3) {
            const int32_t bad = argmax.bytes == 1 ? static_cast<int32_t>(window + j % (256 - window))
                                                  : (j % 2 ? -1 - static_cast<int32_t>(j) : window + static_cast<int32_t>(j));
            argmax.set(j, bad);
            dy[j] = 0.0f;  // the reference: this output sends nothing
        }
        std::vector<float> dy_sent = dy;
        for (int64_t j = 0; j < s.y; j += 3) dy[j] = 1e30f;  // would show wherever it landed
        EXPECT_OK(anvil_maxpool2d_backward(ctxs.two, &d, dy.data(), argmax.ptr(), dx.data()));
        EXPECT(test::all_close(dx, max_backward_reference(ref, s.x, dy_sent), 1e-6, 1e-6, "maxpool dx, bad argmax"));
    }
}

// PyTorch: a NaN in a window is its maximum; equal values keep the first in row-major order.
void test_max_nan_and_ties(const Contexts& ctxs) {
    for (const Shape& shape : {Shape{1, 1, 4, 4, 2, 2, 2, 2, 0, 0}, Shape{1, 1, 4, 4, 2, 2, 2, 2, 1, 1}}) {
        anvil_pool2d_desc d = desc(shape, 0);
        Sizes s = sizes(d);
        std::vector<float> x(16, 0.5f), y(s.y);
        Argmax argmax(d, s.y);
        x[5] = NAN;  // row 1, column 1
        x[6] = 9.0f;
        EXPECT_OK(anvil_maxpool2d_forward(ctxs.one, &d, x.data(), y.data(), argmax.ptr()));
        MaxRef ref = max_reference(d, s, x);
        EXPECT(argmax.values() == ref.argmax);
        for (int64_t j = 0; j < s.y; ++j) {
            EXPECT(std::isnan(y[j]) == std::isnan(ref.y[j]));
            if (!std::isnan(ref.y[j])) EXPECT(y[j] == ref.y[j]);
        }
        EXPECT(std::isnan(y[0]) || std::isnan(y[s.ow + 1]));  // the window holding x[5]
    }
    anvil_pool2d_desc d = desc({1, 1, 2, 2, 2, 2, 2, 2, 0, 0}, 0);
    std::vector<float> x(4, 1.0f), y(1);
    Argmax argmax(d, 1);
    EXPECT_OK(anvil_maxpool2d_forward(ctxs.one, &d, x.data(), y.data(), argmax.ptr()));
    EXPECT(argmax.get(0) == 0);
    x = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    EXPECT_OK(anvil_maxpool2d_forward(ctxs.one, &d, x.data(), y.data(), argmax.ptr()));
    EXPECT(argmax.get(0) == 0 && y[0] == -INFINITY);
}

// The same rules through the 2x2/2 row-pair steps, on many windows at once: values from
// {0, 1, NaN}, so that most windows hold ties and many a NaN or two.
void test_max_nan_and_ties_2x2(const Contexts& ctxs) {
    Rng rng(5);
    for (const Shape& shape : {Shape{3, 5, 14, 14, 2, 2, 2, 2, 0, 0}, Shape{2, 4, 28, 28, 2, 2, 2, 2, 0, 0},
                               Shape{2, 3, 7, 41, 2, 2, 2, 2, 0, 0}}) {
        anvil_pool2d_desc d = desc(shape, 0);
        Sizes s = sizes(d);
        std::vector<float> x(s.x), y(s.y), dy = rng.vector(s.y), dx(s.x, 5.0f);
        for (float& v : x) {
            const uint32_t r = rng.next() % 8;
            v = r == 0 ? NAN : r < 4 ? 1.0f : 0.0f;
        }
        Argmax argmax(d, s.y);
        EXPECT_OK(anvil_maxpool2d_forward(ctxs.two, &d, x.data(), y.data(), argmax.ptr()));
        MaxRef ref = max_reference(d, s, x);
        EXPECT(argmax.values() == ref.argmax);
        for (int64_t j = 0; j < s.y; ++j) {
            EXPECT(std::isnan(y[j]) == std::isnan(ref.y[j]));
            if (!std::isnan(ref.y[j])) EXPECT(y[j] == ref.y[j]);
        }
        EXPECT_OK(anvil_maxpool2d_backward(ctxs.two, &d, dy.data(), argmax.ptr(), dx.data()));
        EXPECT(test::all_close(dx, max_backward_reference(ref, s.x, dy), 0, 0, "maxpool dx with ties"));
    }
}

// L(x) = sum(pool(x) * r): its gradient is the backward pass applied to r. Central differences in
// double of the float forward pass. Max-pool inputs are distinct multiples of 0.05 so that a
// perturbation of 0.01 never changes which element is the maximum.
template <class Forward, class Backward>
void gradient_check(const anvil_pool2d_desc& d, std::vector<float> x, Forward&& forward, Backward&& backward,
                    const char* what) {
    Sizes s = sizes(d);
    Rng rng(3);
    std::vector<float> r = rng.vector(s.y), y(s.y), dx(s.x);
    auto loss = [&] {
        forward(x, y);
        return test::weighted_sum(y, r);
    };
    forward(x, y);  // leaves the argmax of x for the backward pass
    backward(r, dx);
    EXPECT(test::all_close(dx, test::numeric_gradient(x, loss), 1e-2, 1e-3, what));
}

void test_gradients(const Contexts& ctxs) {
    for (const Shape& shape : {Shape{2, 3, 7, 6, 3, 3, 1, 1, 1, 1}, Shape{1, 2, 6, 7, 2, 2, 2, 2, 0, 0},
                               Shape{2, 2, 9, 8, 3, 3, 2, 2, 1, 1}}) {
        for (int32_t include_pad : {0, 1}) {
            anvil_pool2d_desc d = desc(shape, include_pad);
            Sizes s = sizes(d);
            anvil_context* ctx = ctxs.two;
            Rng rng(4);
            std::vector<float> x(s.x);
            for (int64_t i = 0; i < s.x; ++i) x[i] = 0.05f * static_cast<float>(i);
            for (int64_t i = s.x - 1; i > 0; --i) std::swap(x[i], x[rng.next() % (i + 1)]);
            Argmax argmax(d, s.y);
            gradient_check(
                d, x,
                [&](const std::vector<float>& in, std::vector<float>& out) {
                    EXPECT_OK(anvil_maxpool2d_forward(ctx, &d, in.data(), out.data(), argmax.ptr()));
                },
                [&](const std::vector<float>& dy, std::vector<float>& dx) {
                    EXPECT_OK(anvil_maxpool2d_backward(ctx, &d, dy.data(), argmax.ptr(), dx.data()));
                },
                "maxpool gradient");
            gradient_check(
                d, rng.vector(s.x),
                [&](const std::vector<float>& in, std::vector<float>& out) {
                    EXPECT_OK(anvil_avgpool2d_forward(ctx, &d, in.data(), out.data()));
                },
                [&](const std::vector<float>& dy, std::vector<float>& dx) {
                    EXPECT_OK(anvil_avgpool2d_backward(ctx, &d, dy.data(), dx.data()));
                },
                "avgpool gradient");
        }
    }
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_max_forward_backward(ctxs);
        test_index_bytes();
        test_ceil_mode_sizes();
        test_avg_forward_backward(ctxs);
        test_avg_divisor_corner(ctxs);
        test_max_nan_and_ties(ctxs);
        test_max_nan_and_ties_2x2(ctxs);
        test_max_corrupted_argmax(ctxs);
        test_gradients(ctxs);
    }
    return test::finish();
}
