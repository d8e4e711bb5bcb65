// C ABI of softmax cross-entropy and argmax: validation, then dispatch to the backend.
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
}  // namespace

extern "C" {

anvil_status anvil_softmax_cross_entropy_forward(anvil_context* ctx, int64_t batch, int64_t classes,
                                                 const float* logits, const int32_t* labels, float* loss) {
    return api_call("anvil_softmax_cross_entropy_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_logits(c, batch, classes, logits);
        require_data(c, labels, "labels");
        require_ptr(loss, "loss");
        *loss = ANVIL_DISPATCH(c, softmax_cross_entropy_forward, batch, classes, logits, labels);
    });
}

anvil_status anvil_softmax_cross_entropy_backward(anvil_context* ctx, int64_t batch, int64_t classes,
                                                  const float* logits, const int32_t* labels, float scale,
                                                  float* dlogits) {
    return api_call("anvil_softmax_cross_entropy_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        check_logits(c, batch, classes, logits);
        require_data(c, labels, "labels");
        require_data(c, dlogits, "dlogits");
        require_disjoint(logits, batch * classes, "logits", dlogits, batch * classes, "dlogits", true);
        // The kernel reads each label while it writes dlogits: labels inside dlogits would change.
        require_disjoint_bytes(labels, batch * 4, "labels", dlogits, batch * classes * 4, "dlogits");
        ANVIL_DISPATCH(c, softmax_cross_entropy_backward, batch, classes, logits, labels, scale, dlogits);
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

}  // extern "C"
