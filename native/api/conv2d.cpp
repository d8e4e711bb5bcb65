// C ABI of conv2d: descriptor validation, then dispatch to the backend.
#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif
#include "shapes.h"

using namespace anvil;

namespace {

struct ConvSizes {
    int64_t x, w, y, out_h, out_w;
};

ConvSizes check_conv2d(const anvil_conv2d_desc& d) {
    require_positive(d.batch, "batch");
    require_positive(d.in_channels, "in_channels");
    require_positive(d.out_channels, "out_channels");
    require_positive(d.groups, "groups");
    check_window(d.in_h, d.in_w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.pad_h, d.pad_w, d.dilation_h,
                 d.dilation_w);
    ANVIL_REQUIRE(d.in_channels % d.groups == 0 && d.out_channels % d.groups == 0,
                  "in_channels %lld and out_channels %lld must both be divisible by groups %lld",
                  static_cast<long long>(d.in_channels), static_cast<long long>(d.out_channels),
                  static_cast<long long>(d.groups));
    ConvSizes s;
    s.out_h = conv2d_out_h(d);
    s.out_w = conv2d_out_w(d);
    ANVIL_REQUIRE(s.out_h > 0 && s.out_w > 0,
                  "kernel %lldx%lld (dilation %lldx%lld) is larger than the padded input %lldx%lld (padding %lldx%lld)",
                  static_cast<long long>(d.kernel_h), static_cast<long long>(d.kernel_w),
                  static_cast<long long>(d.dilation_h), static_cast<long long>(d.dilation_w),
                  static_cast<long long>(d.in_h + 2 * d.pad_h), static_cast<long long>(d.in_w + 2 * d.pad_w),
                  static_cast<long long>(d.pad_h), static_cast<long long>(d.pad_w));
    s.x = checked_numel({d.batch, d.in_channels, d.in_h, d.in_w}, "input");
    s.w = checked_numel({d.out_channels, d.in_channels / d.groups, d.kernel_h, d.kernel_w}, "weight");
    s.y = checked_numel({d.batch, d.out_channels, s.out_h, s.out_w}, "output");
    return s;
}

}  // namespace

extern "C" {

anvil_status anvil_conv2d_output_size(const anvil_conv2d_desc* desc, int64_t* out_h, int64_t* out_w) {
    return api_call("anvil_conv2d_output_size", [&] {
        const anvil_conv2d_desc d = copy_desc(desc);
        require_ptr(out_h, "out_h");
        require_ptr(out_w, "out_w");
        ConvSizes s = check_conv2d(d);
        *out_h = s.out_h;
        *out_w = s.out_w;
    });
}

anvil_status anvil_conv2d_forward(anvil_context* ctx, const anvil_conv2d_desc* desc, const float* x, const float* w,
                                  const float* bias, float* y) {
    return api_call("anvil_conv2d_forward", [&] {
        const anvil_conv2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        ConvSizes s = check_conv2d(d);
        check_weighted_forward(c, x, s.x, w, s.w, bias, d.out_channels, y, s.y);
        ANVIL_DISPATCH(c, conv2d_forward, d, x, w, bias, y);
    });
}

anvil_status anvil_conv2d_backward_data(anvil_context* ctx, const anvil_conv2d_desc* desc, const float* dy,
                                        const float* w, float* dx) {
    return api_call("anvil_conv2d_backward_data", [&] {
        const anvil_conv2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        ConvSizes s = check_conv2d(d);
        check_weighted_backward_data(c, dy, s.y, w, s.w, dx, s.x);
        ANVIL_DISPATCH(c, conv2d_backward_data, d, dy, w, dx);
    });
}

anvil_status anvil_conv2d_backward_weight(anvil_context* ctx, const anvil_conv2d_desc* desc, const float* x,
                                          const float* dy, float* dw, float* db, int32_t accumulate) {
    return api_call("anvil_conv2d_backward_weight", [&] {
        const anvil_conv2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        ConvSizes s = check_conv2d(d);
        check_weighted_backward_weight(c, x, s.x, dy, s.y, dw, s.w, db, d.out_channels, accumulate);
        ANVIL_DISPATCH(c, conv2d_backward_weight, d, x, dy, dw, db, accumulate != 0);
    });
}

anvil_status anvil_conv2d_per_sample_sq_norms(anvil_context* ctx, const anvil_conv2d_desc* desc, const float* x,
                                              const float* dy, int32_t bias, int32_t method, float* sq) {
    return api_call("anvil_conv2d_per_sample_sq_norms", [&] {
        const anvil_conv2d_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        ConvSizes s = check_conv2d(d);
        ANVIL_REQUIRE(bias == 0 || bias == 1, "bias must be 0 or 1, got %d", bias);
        ANVIL_REQUIRE(method == 0 || method == 1, "method must be 0 (per-sample gradients) or 1 (ghost norm), got %d", method);
        ANVIL_REQUIRE(d.batch < (INT64_C(1) << 31), "batch %lld is too large", static_cast<long long>(d.batch));
        ANVIL_REQUIRE(method == 0 || s.out_h * s.out_w <= (INT64_C(1) << 14),
                      "the ghost norm needs two P x P matrices per sample; P = %lld output positions is too many (at most 16384)",
                      static_cast<long long>(s.out_h * s.out_w));
        check_per_sample_norms(c, x, s.x, dy, s.y, sq, d.batch);
        ANVIL_DISPATCH(c, conv2d_per_sample_sq_norms, d, x, dy, bias != 0, method, sq);
    });
}

}  // extern "C"
