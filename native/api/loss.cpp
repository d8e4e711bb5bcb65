// C ABI of the losses, softmax and argmax: validation, then dispatch to the backend.
#include <cmath>

#include "api.h"
#include "cpu/kernels.h"
#ifdef ANVIL_WITH_CUDA
#include "cuda/kernels.h"
#endif

using namespace anvil;

namespace {
void check_logits(const anvil_context& c, int64_t batch, int64_t classes, const float* logits) {
    require_positive(batch, "batch");
    require_positive(classes, "classes");
    ANVIL_REQUIRE(classes < (INT64_C(1) << 31), "classes %lld does not fit int32 labels",
                  static_cast<long long>(classes));
    checked_numel({batch, classes}, "logits");
    require_data(c, logits, "logits");
}

anvil_cross_entropy_desc check_cross_entropy(const anvil_context& c, const anvil_cross_entropy_desc* desc, const float* logits,
                                             const int32_t* labels, const float* weight) {
    require_ptr(desc, "descriptor");
    const anvil_cross_entropy_desc d = *desc;  // read once: the caller's copy may sit in an output
    check_logits(c, d.batch, d.classes, logits);
    ANVIL_REQUIRE(d.label_smoothing >= 0.0f && d.label_smoothing <= 1.0f, "label_smoothing must be in [0, 1], got %g",
                  static_cast<double>(d.label_smoothing));
    require_data(c, labels, "labels");
    if (weight != nullptr) require_data(c, weight, "weight");
    return d;
}
}  // namespace

extern "C" {

anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, const anvil_cross_entropy_desc* desc, const float* logits,
                                                 const int32_t* labels, const float* weight, float* loss) {
    return api_call("anvil_softmax_cross_entropy_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        const anvil_cross_entropy_desc d = check_cross_entropy(c, desc, logits, labels, weight);
        require_ptr(loss, "loss");
        *loss = ANVIL_DISPATCH(c, softmax_cross_entropy_forward, d, logits, labels, weight);
    });
}

anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, const anvil_cross_entropy_desc* desc, const float* logits,
                                                  const int32_t* labels, const float* weight, float scale, float* dlogits) {
    return api_call("anvil_softmax_cross_entropy_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        const anvil_cross_entropy_desc d = check_cross_entropy(c, desc, logits, labels, weight);
        ANVIL_REQUIRE(std::isfinite(scale), "scale must be finite, got %g", static_cast<double>(scale));
        require_data(c, dlogits, "dlogits");
        const int64_t n = d.batch * d.classes;
        require_disjoint(logits, n, "logits", dlogits, n, "dlogits", true);
        // The kernel reads labels and weights while it writes dlogits: inside dlogits they would change.
        require_disjoint_bytes(labels, d.batch * 4, "labels", dlogits, n * 4, "dlogits");
        if (weight != nullptr) require_disjoint(weight, d.classes, "weight", dlogits, n, "dlogits", false);
        ANVIL_DISPATCH(c, softmax_cross_entropy_backward, d, logits, labels, weight, scale, dlogits);
    });
}

anvil_status anvil_argmax(anvil_context* ctx, int64_t batch, int64_t classes, const float* logits,
                          int32_t* predictions) {
    return api_call("anvil_argmax", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_logits(c, batch, classes, logits);
        require_data(c, predictions, "predictions");
        require_disjoint_bytes(predictions, batch * 4, "predictions", logits, batch * classes * 4, "logits");
        ANVIL_DISPATCH(c, argmax, batch, classes, logits, predictions);
    });
}

anvil_status anvil_softmax_forward(anvil_context* ctx, int64_t rows, int64_t cols, int32_t log, const float* x, float* y) {
    return api_call("anvil_softmax_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_positive(rows, "rows");
        require_positive(cols, "cols");
        ANVIL_REQUIRE(rows < (INT64_C(1) << 31), "rows %lld is too large", static_cast<long long>(rows));
        ANVIL_REQUIRE(log == 0 || log == 1, "log must be 0 or 1, got %d", log);
        const int64_t n = checked_numel({rows, cols}, "x");
        require_data(c, x, "x");
        require_data(c, y, "y");
        require_disjoint(x, n, "x", y, n, "y", true);
        ANVIL_DISPATCH(c, softmax_forward, rows, cols, log != 0, x, y);
    });
}

anvil_status anvil_softmax_backward(anvil_context* ctx, int64_t rows, int64_t cols, int32_t log, const float* y, const float* dy,
                                    float* dx) {
    return api_call("anvil_softmax_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_positive(rows, "rows");
        require_positive(cols, "cols");
        ANVIL_REQUIRE(rows < (INT64_C(1) << 31), "rows %lld is too large", static_cast<long long>(rows));
        ANVIL_REQUIRE(log == 0 || log == 1, "log must be 0 or 1, got %d", log);
        const int64_t n = checked_numel({rows, cols}, "y");
        require_data(c, y, "y");
        require_data(c, dy, "dy");
        require_data(c, dx, "dx");
        require_disjoint(dy, n, "dy", dx, n, "dx", true);
        require_disjoint(y, n, "y", dx, n, "dx", false);
        ANVIL_DISPATCH(c, softmax_backward, rows, cols, log != 0, y, dy, dx);
    });
}

}  // extern "C"

namespace {
void check_loss(int32_t kind, float param, int64_t n) {
    ANVIL_REQUIRE(kind >= ANVIL_LOSS_MSE && kind <= ANVIL_LOSS_BCE_WITH_LOGITS, "kind must be an anvil_loss (0 to %d), got %d",
                  ANVIL_LOSS_BCE_WITH_LOGITS, kind);
    if (kind == ANVIL_LOSS_SMOOTH_L1 || kind == ANVIL_LOSS_HUBER) {
        ANVIL_REQUIRE(std::isfinite(param) && param > 0.0f, "%s must be finite and > 0, got %g",
                      kind == ANVIL_LOSS_HUBER ? "delta" : "beta", static_cast<double>(param));
    }
    require_positive(n, "n");
}
}  // namespace

extern "C" {

anvil_status anvil_loss_forward(anvil_context* ctx, int32_t kind, float param, int64_t n, const float* x, const float* target,
                                float* loss) {
    return api_call("anvil_loss_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_loss(kind, param, n);
        require_data(c, x, "x");
        require_data(c, target, "target");
        require_ptr(loss, "loss");
        *loss = ANVIL_DISPATCH(c, loss_forward, kind, param, n, x, target);
    });
}

anvil_status anvil_loss_backward(anvil_context* ctx, int32_t kind, float param, int64_t n, const float* x, const float* target,
                                 float scale, float* dx) {
    return api_call("anvil_loss_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_loss(kind, param, n);
        ANVIL_REQUIRE(std::isfinite(scale), "scale must be finite, got %g", static_cast<double>(scale));
        require_data(c, x, "x");
        require_data(c, target, "target");
        require_data(c, dx, "dx");
        require_disjoint(x, n, "x", dx, n, "dx", false);
        require_disjoint(target, n, "target", dx, n, "dx", false);
        ANVIL_DISPATCH(c, loss_backward, kind, param, n, x, target, scale, dx);
    });
}

}  // extern "C"
