// C ABI of plug-ins: loading, op lookup, and op calls validated before they reach plug-in code.
#include <algorithm>
#include <vector>

#include "api.h"
#include "cuda_backend.h"
#include "plugin_host.h"

using namespace anvil;

namespace {

const PluginLibrary& require_plugin(const anvil_plugin* plugin) {
    ANVIL_REQUIRE(plugin != nullptr, "plug-in is NULL");
    return plugin->library;
}

// One validated call of an op: the caller's shape and parameters checked here, then by the op's
// check(), whose output shape is checked in turn since the sizes of y and dy are derived from it.
class OpCall {
public:
    // With a CUDA stream (see stream_of) the op's *_cuda entry points run on it, else the CPU ones.
    OpCall(const PluginLibrary& library, int32_t op_index, const int64_t* shape, int32_t rank, const float* params,
           int32_t num_params, void* stream = nullptr)
        : library_(library), op_(library.op(op_index)) {
        require_ptr(shape, "shape");
        ANVIL_REQUIRE(rank >= 1 && rank <= ANVIL_PLUGIN_MAX_RANK, "rank must be in [1, %d], got %d",
                      ANVIL_PLUGIN_MAX_RANK, rank);
        for (int32_t i = 0; i < rank; ++i) require_positive(shape[i], "every dimension of shape");
        ANVIL_REQUIRE(num_params == op_.num_params, "op %s expects num_params = %d, got %d", op_.name, op_.num_params,
                      num_params);
        if (num_params > 0) require_ptr(params, "params");

        // The op sees copies: the caller's arrays are read once, here (one of them could lie in y).
        std::copy(shape, shape + rank, in_shape_);
        float* own_params = params_inline_;
        if (num_params > kInlineParams) {
            params_more_.assign(params, params + num_params);
            own_params = params_more_.data();
        } else {
            std::copy(params, params + num_params, params_inline_);
        }
        args_.in_shape = in_shape_;
        args_.in_rank = rank;
        args_.in_numel = checked_numel(in_shape_, static_cast<size_t>(rank), "x");
        args_.params = num_params > 0 ? own_params : nullptr;
        args_.num_params = num_params;
        run_check();
        args_.stream = stream;
    }
    OpCall(const OpCall&) = delete;
    OpCall& operator=(const OpCall&) = delete;

    const anvil_op_args& args() const { return args_; }

    void forward(const float* x, float* y) {
        require_ptr(x, "x");
        require_ptr(y, "y");
        require_disjoint(x, args_.in_numel, "x", y, args_.out_numel, "y", false);
        anvil_op_forward_fn fn = entry(op_.forward, op_.forward_cuda, "forward_cuda");
        library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
            return fn(with_err(err, err_len), x, y);
        });
    }

    void backward(const float* x, const float* y, const float* dy, float* dx) {
        require_ptr(x, "x");
        require_ptr(y, "y");
        require_ptr(dy, "dy");
        require_ptr(dx, "dx");
        require_disjoint(x, args_.in_numel, "x", dx, args_.in_numel, "dx", false);
        require_disjoint(y, args_.out_numel, "y", dx, args_.in_numel, "dx", false);
        require_disjoint(dy, args_.out_numel, "dy", dx, args_.in_numel, "dx", false);
        anvil_op_backward_fn fn = entry(op_.backward, op_.backward_cuda, "backward_cuda");
        library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
            return fn(with_err(err, err_len), x, y, dy, dx);
        });
    }

private:
    // The CPU entry point, or on a CUDA context the CUDA one, which the plug-in may not have.
    template <typename Fn>
    Fn entry(Fn cpu, Fn cuda, const char* cuda_name) const {
        if (args_.stream == nullptr) return cpu;
        if (cuda == nullptr) {
            throw Error(ANVIL_ERR_UNSUPPORTED, format("op %s of plug-in %s has no CUDA code (%s is NULL); run it on the CPU",
                                                      op_.name, library_.name(), cuda_name));
        }
        return cuda;
    }

    // The op refusing the shape or parameters is a bad argument of the caller; an output shape
    // outside the contract is a fault of the plug-in.
    void run_check() {
        int32_t out_rank = 0;
        library_.invoke(op_, ANVIL_ERR_INVALID_ARGUMENT, [&](char* err, size_t err_len) {
            return op_.check(args_.in_shape, args_.in_rank, args_.params, out_shape_, &out_rank, err, err_len);
        });
        if (out_rank < 1 || out_rank > ANVIL_PLUGIN_MAX_RANK) {
            library_.fail(op_, ANVIL_ERR_PLUGIN, "check() gave output rank %d, outside [1, %d]", out_rank,
                          ANVIL_PLUGIN_MAX_RANK);
        }
        for (int32_t i = 0; i < out_rank; ++i) {
            if (out_shape_[i] < 1) {
                library_.fail(op_, ANVIL_ERR_PLUGIN, "check() gave output dimension %lld",
                              static_cast<long long>(out_shape_[i]));
            }
        }
        args_.out_shape = out_shape_;
        args_.out_rank = out_rank;
        args_.out_numel = checked_numel(out_shape_, static_cast<size_t>(out_rank), "y");
    }

    const anvil_op_args* with_err(char* err, size_t err_len) {
        args_.err = err;
        args_.err_len = err_len;
        return &args_;
    }

    static constexpr int32_t kInlineParams = 16;  // more hyper-parameters than this are rare: a vector then

    const PluginLibrary& library_;
    const anvil_op_v1& op_;
    int64_t in_shape_[ANVIL_PLUGIN_MAX_RANK] = {};
    float params_inline_[kInlineParams] = {};
    std::vector<float> params_more_;
    int64_t out_shape_[ANVIL_PLUGIN_MAX_RANK] = {};
    anvil_op_args args_ = {};
};

// The stream plug-in CUDA code runs on: the context's, or none on the CPU.
void* stream_of(anvil_context& c) { return is_cuda(c) ? cuda::stream(c) : nullptr; }

}  // namespace

extern "C" {

anvil_status anvil_plugin_load(const char* path, anvil_plugin** out) {
    return api_call("anvil_plugin_load", [&] {
        require_ptr(out, "out");
        *out = nullptr;
        require_ptr(path, "path");
        *out = new anvil_plugin(path);
    });
}

anvil_status anvil_plugin_unload(anvil_plugin* plugin) {
    return api_call("anvil_plugin_unload", [&] { delete plugin; });
}

anvil_status anvil_plugin_name(const anvil_plugin* plugin, const char** out) {
    return api_call("anvil_plugin_name", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.name();
    });
}

anvil_status anvil_plugin_op_count(const anvil_plugin* plugin, int32_t* out) {
    return api_call("anvil_plugin_op_count", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.op_count();
    });
}

anvil_status anvil_plugin_op_find(const anvil_plugin* plugin, const char* name, int32_t* out) {
    return api_call("anvil_plugin_op_find", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(name, "name");
        require_ptr(out, "out");
        *out = library.find(name);
    });
}

anvil_status anvil_plugin_op_name(const anvil_plugin* plugin, int32_t op, const char** out) {
    return api_call("anvil_plugin_op_name", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.op(op).name;
    });
}

anvil_status anvil_plugin_op_description(const anvil_plugin* plugin, int32_t op, const char** out) {
    return api_call("anvil_plugin_op_description", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        const char* description = library.op(op).description;
        *out = description != nullptr ? description : "";
    });
}

anvil_status anvil_plugin_op_num_params(const anvil_plugin* plugin, int32_t op, int32_t* out) {
    return api_call("anvil_plugin_op_num_params", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.op(op).num_params;
    });
}

anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank,
                                          const float* params, int32_t num_params, int64_t* out_shape,
                                          int32_t* out_rank) {
    return api_call("anvil_plugin_op_output_shape", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out_shape, "out_shape");
        require_ptr(out_rank, "out_rank");
        OpCall call(library, op, shape, rank, params, num_params);
        const anvil_op_args& args = call.args();
        for (int32_t i = 0; i < args.out_rank; ++i) out_shape[i] = args.out_shape[i];
        *out_rank = args.out_rank;
    });
}

anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape,
                                     int32_t rank, const float* params, int32_t num_params, const float* x, float* y) {
    return api_call("anvil_plugin_op_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(require_plugin(plugin), op, shape, rank, params, num_params, stream_of(c));
        call.forward(x, y);
    });
}

anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                      const int64_t* shape, int32_t rank, const float* params, int32_t num_params,
                                      const float* x, const float* y, const float* dy, float* dx) {
    return api_call("anvil_plugin_op_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(require_plugin(plugin), op, shape, rank, params, num_params, stream_of(c));
        call.backward(x, y, dy, dx);
    });
}

}  // extern "C"
