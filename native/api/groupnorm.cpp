// C ABI of group normalisation: descriptor and buffer validation, then dispatch to the backend.
#include <cmath>

#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

namespace {

// Validates the descriptor; returns the element count of x.
int64_t check_groupnorm(const anvil_groupnorm_desc& d) {
    require_positive(d.batch, "batch");
    require_positive(d.channels, "channels");
    require_positive(d.spatial, "spatial");
    require_positive(d.groups, "groups");
    ANVIL_REQUIRE(d.channels % d.groups == 0, "channels %lld must be divisible by groups %lld", static_cast<long long>(d.channels),
                  static_cast<long long>(d.groups));
    ANVIL_REQUIRE(d.channels < (INT64_C(1) << 31) && d.batch * d.groups < (INT64_C(1) << 31), "batch x groups or channels is too large");
    ANVIL_REQUIRE(std::isfinite(d.eps) && d.eps >= 0.0f, "eps must be finite and >= 0, got %g", static_cast<double>(d.eps));
    return checked_numel({d.batch, d.channels, d.spatial}, "x");
}

}  // namespace

extern "C" {

anvil_status anvil_groupnorm_forward(anvil_context* ctx, const anvil_groupnorm_desc* desc, const float* x, const float* gamma,
                                     const float* beta, float* save_mean, float* save_invstd, float* y) {
    return api_call("anvil_groupnorm_forward", [&] {
        const anvil_groupnorm_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        const int64_t n = check_groupnorm(d);
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_data(c, save_mean, "save_mean");
        require_data(c, save_invstd, "save_invstd");
        ANVIL_REQUIRE((gamma == nullptr) == (beta == nullptr), "gamma and beta must both be given or both be NULL");
        if (gamma != nullptr) {
            require_data(c, gamma, "gamma");
            require_data(c, beta, "beta");
        }
        const int64_t cb = d.channels * 4, sb = d.batch * d.groups * 4;
        require_outputs_disjoint({{y, n * 4, "y"}, {save_mean, sb, "save_mean"}, {save_invstd, sb, "save_invstd"}},
                                 {{x, n * 4, "x"}, {gamma, cb, "gamma"}, {beta, cb, "beta"}});
        ANVIL_DISPATCH(c, groupnorm_forward, d, x, gamma, beta, save_mean, save_invstd, y);
    });
}

anvil_status anvil_groupnorm_backward(anvil_context* ctx, const anvil_groupnorm_desc* desc, const float* x, const float* dy,
                                      const float* gamma, const float* save_mean, const float* save_invstd, float* dx,
                                      float* dgamma, float* dbeta, int32_t accumulate) {
    return api_call("anvil_groupnorm_backward", [&] {
        const anvil_groupnorm_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        const int64_t n = check_groupnorm(d);
        ANVIL_REQUIRE(accumulate == 0 || accumulate == 1, "accumulate must be 0 or 1, got %d", accumulate);
        require_data(c, x, "x");
        require_data(c, dy, "dy");
        require_data(c, dx, "dx");
        require_data(c, save_mean, "save_mean");
        require_data(c, save_invstd, "save_invstd");
        ANVIL_REQUIRE((dgamma == nullptr) == (dbeta == nullptr), "dgamma and dbeta must both be given or both be NULL");
        ANVIL_REQUIRE((gamma == nullptr) == (dgamma == nullptr), "dgamma and dbeta come with gamma, and only with it");
        if (gamma != nullptr) {
            require_data(c, gamma, "gamma");
            require_data(c, dgamma, "dgamma");
            require_data(c, dbeta, "dbeta");
        }
        const int64_t cb = d.channels * 4, sb = d.batch * d.groups * 4;
        require_outputs_disjoint({{dx, n * 4, "dx"}, {dgamma, cb, "dgamma"}, {dbeta, cb, "dbeta"}},
                                 {{x, n * 4, "x"}, {dy, n * 4, "dy"}, {gamma, cb, "gamma"}, {save_mean, sb, "save_mean"},
                                  {save_invstd, sb, "save_invstd"}});
        ANVIL_DISPATCH(c, groupnorm_backward, d, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, accumulate != 0);
    });
}

anvil_status anvil_groupnorm_per_sample_sq_norms(anvil_context* ctx, const anvil_groupnorm_desc* desc, const float* x,
                                                 const float* dy, float* sq) {
    return api_call("anvil_groupnorm_per_sample_sq_norms", [&] {
        const anvil_groupnorm_desc d = copy_desc(desc);
        ANVIL_LOCK_CONTEXT(c, ctx);
        const int64_t n = check_groupnorm(d);
        check_per_sample_norms(c, x, n, dy, n, sq, d.batch);
        ANVIL_DISPATCH(c, groupnorm_per_sample_sq_norms, d, x, dy, sq);
    });
}

}  // extern "C"
