// C ABI of batch normalisation: descriptor and buffer validation, then dispatch to the backend.
#include <cmath>

#include "api.h"
#include "shapes.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

namespace {

// Validates the descriptor; returns the element count of x.
int64_t check_batchnorm(const anvil_batchnorm_desc& d) {
    require_positive(d.batch, "batch");
    require_positive(d.channels, "channels");
    require_positive(d.spatial, "spatial");
    ANVIL_REQUIRE(d.channels < (INT64_C(1) << 31), "channels %lld is too large", static_cast<long long>(d.channels));
    ANVIL_REQUIRE(std::isfinite(d.eps) && d.eps >= 0.0f, "eps must be finite and >= 0, got %g", static_cast<double>(d.eps));
    ANVIL_REQUIRE(std::isfinite(d.momentum) && d.momentum >= 0.0f && d.momentum <= 1.0f, "momentum must be in [0, 1], got %g",
                  static_cast<double>(d.momentum));
    ANVIL_REQUIRE(d.training == 0 || d.training == 1, "training must be 0 or 1, got %d", d.training);
    ANVIL_REQUIRE(d.relu == 0 || d.relu == 1, "relu must be 0 or 1, got %d", d.relu);
    const int64_t n = checked_numel({d.batch, d.channels, d.spatial}, "x");
    // As in PyTorch: a channel of one value in training has no variance to normalise by.
    ANVIL_REQUIRE(!d.training || d.batch * d.spatial > 1,
                  "training needs more than one value per channel, got batch %lld x spatial %lld",
                  static_cast<long long>(d.batch), static_cast<long long>(d.spatial));
    return n;
}

void require_pair(const void* a, const char* name_a, const void* b, const char* name_b) {
    ANVIL_REQUIRE((a == nullptr) == (b == nullptr), "%s and %s must both be given or both be NULL", name_a, name_b);
}

// The add + ReLU calls apply the ReLU, and need their extra buffer (the residual, or its gradient).
void require_add_relu(const anvil_context& c, const anvil_batchnorm_desc& d, const float* extra, const char* name) {
    ANVIL_REQUIRE(d.relu == 1, "the add + ReLU call applies the ReLU: relu must be 1, got %d", d.relu);
    require_data(c, extra, name);
}

// Bytes of the fused ReLU's mask (the descriptor checked).
int64_t mask_bytes(const anvil_batchnorm_desc& d) {
    return 2 * checked_numel({d.batch, d.channels, relu_mask_words_per_run(d.spatial)}, "relu_mask");
}

// anvil_batchnorm_forward, and with `residual` anvil_batchnorm_add_relu_forward.
void forward(anvil_context* ctx, const anvil_batchnorm_desc* desc, const float* x, const float* residual,
             const float* gamma, const float* beta, float* running_mean, float* running_var, float* save_mean,
             float* save_invstd, float* y, void* relu_mask, bool add_relu) {
    const anvil_batchnorm_desc d = copy_desc(desc);
    ANVIL_LOCK_CONTEXT(c, ctx);
    const int64_t n = check_batchnorm(d);
    if (add_relu) require_add_relu(c, d, residual, "residual");
    require_data(c, x, "x");
    require_data(c, y, "y");
    require_data(c, save_mean, "save_mean");
    require_data(c, save_invstd, "save_invstd");
    ANVIL_REQUIRE(d.relu || relu_mask == nullptr, "relu_mask is the fused ReLU's: it must be NULL without relu");
    if (relu_mask != nullptr) require_data(c, relu_mask, "relu_mask");
    require_pair(gamma, "gamma", beta, "beta");
    require_pair(running_mean, "running_mean", running_var, "running_var");
    ANVIL_REQUIRE(d.training || running_mean != nullptr, "evaluation needs running_mean and running_var");
    if (gamma != nullptr) {
        require_data(c, gamma, "gamma");
        require_data(c, beta, "beta");
    }
    if (running_mean != nullptr) {
        require_data(c, running_mean, "running_mean");
        require_data(c, running_var, "running_var");
    }
    const int64_t cb = d.channels * 4;
    require_outputs_disjoint({{y, n * 4, "y"}, {running_mean, cb, "running_mean"}, {running_var, cb, "running_var"},
                              {save_mean, cb, "save_mean"}, {save_invstd, cb, "save_invstd"},
                              {relu_mask, relu_mask != nullptr ? mask_bytes(d) : 0, "relu_mask"}},
                             {{x, n * 4, "x"}, {residual, n * 4, "residual"}, {gamma, cb, "gamma"}, {beta, cb, "beta"}});
    ANVIL_DISPATCH(c, batchnorm_forward, d, x, residual, gamma, beta, running_mean, running_var, save_mean, save_invstd,
                   y, static_cast<uint16_t*>(relu_mask));
}

// anvil_batchnorm_backward, and with `dresidual` anvil_batchnorm_add_relu_backward.
void backward(anvil_context* ctx, const anvil_batchnorm_desc* desc, const float* x, const void* relu_mask, const float* dy,
              const float* gamma, const float* save_mean, const float* save_invstd, float* dx, float* dresidual,
              float* dgamma, float* dbeta, int32_t accumulate, bool add_relu) {
    const anvil_batchnorm_desc d = copy_desc(desc);
    ANVIL_LOCK_CONTEXT(c, ctx);
    const int64_t n = check_batchnorm(d);
    if (add_relu) require_add_relu(c, d, dresidual, "dresidual");
    ANVIL_REQUIRE(accumulate == 0 || accumulate == 1, "accumulate must be 0 or 1, got %d", accumulate);
    require_data(c, x, "x");
    require_data(c, dy, "dy");
    require_data(c, dx, "dx");
    require_data(c, save_mean, "save_mean");
    require_data(c, save_invstd, "save_invstd");
    if (d.relu) require_data(c, relu_mask, "relu_mask (the fused ReLU's, from the forward pass)");
    require_pair(dgamma, "dgamma", dbeta, "dbeta");
    ANVIL_REQUIRE((gamma == nullptr) == (dgamma == nullptr), "dgamma and dbeta come with gamma, and only with it");
    if (gamma != nullptr) {
        require_data(c, gamma, "gamma");
        require_data(c, dgamma, "dgamma");
        require_data(c, dbeta, "dbeta");
    }
    const int64_t cb = d.channels * 4;
    require_outputs_disjoint({{dx, n * 4, "dx"}, {dresidual, n * 4, "dresidual"}, {dgamma, cb, "dgamma"}, {dbeta, cb, "dbeta"}},
                             {{x, n * 4, "x"}, {d.relu ? relu_mask : nullptr, mask_bytes(d), "relu_mask"}, {dy, n * 4, "dy"},
                              {gamma, cb, "gamma"}, {save_mean, cb, "save_mean"}, {save_invstd, cb, "save_invstd"}});
    ANVIL_DISPATCH(c, batchnorm_backward, d, x, d.relu ? static_cast<const uint16_t*>(relu_mask) : nullptr, dy, gamma,
                   save_mean, save_invstd, dx, dresidual, dgamma, dbeta, accumulate != 0);
}

}  // namespace

extern "C" {

anvil_status anvil_batchnorm_relu_mask_bytes(const anvil_batchnorm_desc* desc, int64_t* out) {
    return api_call("anvil_batchnorm_relu_mask_bytes", [&] {
        const anvil_batchnorm_desc d = copy_desc(desc);
        require_ptr(out, "out");
        check_batchnorm(d);
        *out = mask_bytes(d);
    });
}

anvil_status anvil_batchnorm_forward(anvil_context* ctx, const anvil_batchnorm_desc* desc, const float* x,
                                     const float* gamma, const float* beta, float* running_mean, float* running_var,
                                     float* save_mean, float* save_invstd, float* y, void* relu_mask) {
    return api_call("anvil_batchnorm_forward", [&] {
        forward(ctx, desc, x, nullptr, gamma, beta, running_mean, running_var, save_mean, save_invstd, y, relu_mask, false);
    });
}

anvil_status anvil_batchnorm_backward(anvil_context* ctx, const anvil_batchnorm_desc* desc, const float* x,
                                      const void* relu_mask, const float* dy, const float* gamma, const float* save_mean,
                                      const float* save_invstd, float* dx, float* dgamma, float* dbeta, int32_t accumulate) {
    return api_call("anvil_batchnorm_backward", [&] {
        backward(ctx, desc, x, relu_mask, dy, gamma, save_mean, save_invstd, dx, nullptr, dgamma, dbeta, accumulate, false);
    });
}

anvil_status anvil_batchnorm_add_relu_forward(anvil_context* ctx, const anvil_batchnorm_desc* desc, const float* x,
                                              const float* residual, const float* gamma, const float* beta,
                                              float* running_mean, float* running_var, float* save_mean,
                                              float* save_invstd, float* y, void* relu_mask) {
    return api_call("anvil_batchnorm_add_relu_forward", [&] {
        forward(ctx, desc, x, residual, gamma, beta, running_mean, running_var, save_mean, save_invstd, y, relu_mask, true);
    });
}

anvil_status anvil_batchnorm_add_relu_backward(anvil_context* ctx, const anvil_batchnorm_desc* desc, const float* x,
                                               const void* relu_mask, const float* dy, const float* gamma,
                                               const float* save_mean, const float* save_invstd, float* dx,
                                               float* dresidual, float* dgamma, float* dbeta, int32_t accumulate) {
    return api_call("anvil_batchnorm_add_relu_backward", [&] {
        backward(ctx, desc, x, relu_mask, dy, gamma, save_mean, save_invstd, dx, dresidual, dgamma, dbeta, accumulate, true);
    });
}

}  // extern "C"
