// C ABI of max and average pooling: descriptor validation, then dispatch to the backend.
#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif
#include "shapes.h"

using namespace anvil;

namespace {

struct PoolSizes {
    int64_t x, y, out_h, out_w;
};

PoolSizes check_pool2d(const anvil_pool2d_desc& d) {
    require_positive(d.batch, "batch");
    require_positive(d.channels, "channels");
    check_window(d.in_h, d.in_w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.pad_h, d.pad_w, 1, 1);
    ANVIL_REQUIRE(d.in_h * d.in_w < (INT64_C(1) << 31), "input plane %lldx%lld is too large for int32 indices",
                  static_cast<long long>(d.in_h), static_cast<long long>(d.in_w));
    // As in PyTorch: padding at most half the window, so every window sees an input element.
    ANVIL_REQUIRE(2 * d.pad_h <= d.kernel_h && 2 * d.pad_w <= d.kernel_w,
                  "padding %lldx%lld must be at most half of the kernel %lldx%lld", static_cast<long long>(d.pad_h),
                  static_cast<long long>(d.pad_w), static_cast<long long>(d.kernel_h),
                  static_cast<long long>(d.kernel_w));
    ANVIL_REQUIRE(d.count_include_pad == 0 || d.count_include_pad == 1, "count_include_pad must be 0 or 1, got %d",
                  d.count_include_pad);
    ANVIL_REQUIRE(d.ceil_mode == 0 || d.ceil_mode == 1, "ceil_mode must be 0 or 1, got %d", d.ceil_mode);
    PoolSizes s;
    s.out_h = pool2d_out_h(d);
    s.out_w = pool2d_out_w(d);
    ANVIL_REQUIRE(s.out_h > 0 && s.out_w > 0, "kernel %lldx%lld is larger than the padded input %lldx%lld",
                  static_cast<long long>(d.kernel_h), static_cast<long long>(d.kernel_w),
                  static_cast<long long>(d.in_h + 2 * d.pad_h), static_cast<long long>(d.in_w + 2 * d.pad_w));
    s.x = checked_numel({d.batch, d.channels, d.in_h, d.in_w}, "input");
    s.y = checked_numel({d.batch, d.channels, s.out_h, s.out_w}, "output");
    return s;
}

}  // namespace

extern "C" {

anvil_status anvil_pool2d_output_size(const anvil_pool2d_desc* desc, int64_t* out_h, int64_t* out_w) {
    return api_call("anvil_pool2d_output_size", [&] {
        const anvil_pool2d_desc d = copy_desc(desc);
        require_ptr(out_h, "out_h");
        require_ptr(out_w, "out_w");
        PoolSizes s = check_pool2d(d);
        *out_h = s.out_h;
        *out_w = s.out_w;
    });
}

anvil_status anvil_maxpool2d_index_bytes(const anvil_pool2d_desc* desc, int64_t* out) {
    return api_call("anvil_maxpool2d_index_bytes", [&] {
        const anvil_pool2d_desc d = copy_desc(desc);
        require_ptr(out, "out");
        check_pool2d(d);
        *out = maxpool2d_index_bytes(d);
    });
}

anvil_status anvil_maxpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* desc, const float* x, float* y,
                                     void* argmax) {
    return api_call("anvil_maxpool2d_forward", [&] {
        const anvil_pool2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        PoolSizes s = check_pool2d(d);
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, s.x, "x", y, s.y, "y", false);
        if (argmax != nullptr) {
            const int64_t bytes = s.y * maxpool2d_index_bytes(d);
            require_disjoint_bytes(argmax, bytes, "argmax", y, s.y * 4, "y");
            require_disjoint_bytes(argmax, bytes, "argmax", x, s.x * 4, "x");
        }
        ANVIL_DISPATCH(c, maxpool2d_forward, d, x, y, argmax);
    });
}

anvil_status anvil_maxpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* desc, const float* dy,
                                      const void* argmax, float* dx) {
    return api_call("anvil_maxpool2d_backward", [&] {
        const anvil_pool2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        PoolSizes s = check_pool2d(d);
        require_data(c, dy, "dy");
        require_data(c, argmax, "argmax");
        require_data(c, dx, "dx");
        require_disjoint(dy, s.y, "dy", dx, s.x, "dx", false);
        require_disjoint_bytes(argmax, s.y * maxpool2d_index_bytes(d), "argmax", dx, s.x * 4, "dx");
        ANVIL_DISPATCH(c, maxpool2d_backward, d, dy, argmax, dx);
    });
}

anvil_status anvil_avgpool2d_forward(anvil_context* ctx, const anvil_pool2d_desc* desc, const float* x, float* y) {
    return api_call("anvil_avgpool2d_forward", [&] {
        const anvil_pool2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        PoolSizes s = check_pool2d(d);
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, s.x, "x", y, s.y, "y", false);
        ANVIL_DISPATCH(c, avgpool2d_forward, d, x, y);
    });
}

anvil_status anvil_avgpool2d_backward(anvil_context* ctx, const anvil_pool2d_desc* desc, const float* dy, float* dx) {
    return api_call("anvil_avgpool2d_backward", [&] {
        const anvil_pool2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        PoolSizes s = check_pool2d(d);
        require_data(c, dy, "dy");
        require_data(c, dx, "dx");
        require_disjoint(dy, s.y, "dy", dx, s.x, "dx", false);
        ANVIL_DISPATCH(c, avgpool2d_backward, d, dy, dx);
    });
}

}  // extern "C"
