// C ABI of plug-ins: loading, op lookup, and op calls validated before they reach plug-in code.
#include <algorithm>
#include <string>
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

std::string shape_text(const anvil_plugin_shape& s) {
    std::string text = "[";
    for (int32_t i = 0; i < s.rank; ++i) text += (i == 0 ? "" : ", ") + std::to_string(s.dims[i]);
    return text + "]";
}

// Reads `count` shapes given as rows of ANVIL_PLUGIN_MAX_RANK dimensions (row i at
// dims + 8 * i, its first ranks[i] entries used) into out, validating each.
void read_shapes(const int64_t* dims, const int32_t* ranks, int32_t count, const char* what, anvil_plugin_shape* out) {
    if (count == 0) return;
    require_ptr(dims, what);
    require_ptr(ranks, "ranks");
    for (int32_t i = 0; i < count; ++i) {
        const int32_t rank = ranks[i];
        ANVIL_REQUIRE(rank >= 1 && rank <= ANVIL_PLUGIN_MAX_RANK, "%s %d: rank must be in [1, %d], got %d", what, i,
                      ANVIL_PLUGIN_MAX_RANK, rank);
        out[i] = {};
        out[i].rank = rank;
        for (int32_t d = 0; d < rank; ++d) {
            const int64_t v = dims[static_cast<size_t>(i) * ANVIL_PLUGIN_MAX_RANK + d];
            ANVIL_REQUIRE(v > 0, "%s %d: every dimension must be positive, got %lld", what, i, static_cast<long long>(v));
            out[i].dims[d] = v;
        }
        checked_numel(out[i].dims, static_cast<size_t>(rank), what);
    }
}

void write_shapes(const anvil_plugin_shape* shapes, int32_t count, int64_t* dims, int32_t* ranks) {
    for (int32_t i = 0; i < count; ++i) {
        for (int32_t d = 0; d < ANVIL_PLUGIN_MAX_RANK; ++d) {
            dims[static_cast<size_t>(i) * ANVIL_PLUGIN_MAX_RANK + d] = d < shapes[i].rank ? shapes[i].dims[d] : 0;
        }
        ranks[i] = shapes[i].rank;
    }
}

// A shape a plug-in produced must be within the contract: a fault of the plug-in otherwise.
void check_produced(const PluginLibrary& library, const PluginOp& op, const anvil_plugin_shape& s, const char* fn,
                    const char* what) {
    if (s.rank < 1 || s.rank > ANVIL_PLUGIN_MAX_RANK) {
        library.fail(op, ANVIL_ERR_PLUGIN, "%s gave %s rank %d, outside [1, %d]", fn, what, s.rank, ANVIL_PLUGIN_MAX_RANK);
    }
    for (int32_t i = 0; i < s.rank; ++i) {
        if (s.dims[i] < 1) {
            library.fail(op, ANVIL_ERR_PLUGIN, "%s gave %s dimension %lld", fn, what, static_cast<long long>(s.dims[i]));
        }
    }
    try {
        checked_numel(s.dims, static_cast<size_t>(s.rank), what);
    } catch (const Error& e) {
        library.fail(op, ANVIL_ERR_PLUGIN, "%s gave %s %s: %s", fn, what, shape_text(s).c_str(), e.what());
    }
}

// The shapes of op's weights (or, with `buffers`, of its buffers) for the hyper-parameters and,
// when in_shapes is not NULL, the inputs.
void state_shapes_of(const PluginLibrary& library, const PluginOp& op, bool buffers, const float* params,
                     const anvil_plugin_shape* in_shapes, anvil_plugin_shape* out) {
    const int32_t count = buffers ? op.num_buffers : op.num_weights;
    if (count == 0) return;
    const anvil_op_weight_shapes_fn fn = buffers ? op.buffer_shapes : op.weight_shapes;
    for (int32_t i = 0; i < count; ++i) out[i] = {};
    library.invoke(op, ANVIL_ERR_INVALID_ARGUMENT, [&](char* err, size_t err_len) { return fn(params, in_shapes, out, err, err_len); });
    for (int32_t i = 0; i < count; ++i) {
        check_produced(library, op, out[i], buffers ? "buffer_shapes()" : "weight_shapes()",
                       buffers ? op.buffers[i].name : op.weights[i].name);
    }
}

// The caller's hyper-parameters, checked against the op and copied (the op sees copies: the
// caller's arrays are read once, here, and one of them could lie in an output buffer).
class Params {
public:
    Params(const PluginOp& op, const float* params, int32_t num_params) {
        ANVIL_REQUIRE(num_params == op.num_params, "op %s expects num_params = %d, got %d", op.name, op.num_params,
                      num_params);
        if (num_params > 0) require_ptr(params, "params");
        float* own = inline_;
        if (num_params > kInline) {
            more_.assign(params, params + num_params);
            own = more_.data();
        } else {
            std::copy(params, params + num_params, inline_);
        }
        data_ = num_params > 0 ? own : nullptr;
    }
    Params(const Params&) = delete;
    Params& operator=(const Params&) = delete;

    const float* data() const { return data_; }

private:
    static constexpr int32_t kInline = 16;  // more hyper-parameters than this are rare: a vector then
    float inline_[kInline] = {};
    std::vector<float> more_;
    const float* data_ = nullptr;
};

// The tensors of one kind (inputs, weights or buffers) the caller passes to an op call: their
// count, shapes, element counts and data.
struct Operands {
    int32_t count = 0;
    anvil_plugin_shape shapes[ANVIL_PLUGIN_MAX_INPUTS] = {};
    int64_t numel[ANVIL_PLUGIN_MAX_INPUTS] = {};
    const float* data[ANVIL_PLUGIN_MAX_INPUTS] = {};

    static_assert(ANVIL_PLUGIN_MAX_WEIGHTS <= ANVIL_PLUGIN_MAX_INPUTS && ANVIL_PLUGIN_MAX_BUFFERS <= ANVIL_PLUGIN_MAX_INPUTS,
                  "one array size serves inputs, weights and buffers");

    void read(int32_t n, const int64_t* dims, const int32_t* ranks, const char* what) {
        count = n;
        read_shapes(dims, ranks, n, what, shapes);
        for (int32_t i = 0; i < n; ++i) numel[i] = checked_numel(shapes[i].dims, static_cast<size_t>(shapes[i].rank), what);
    }
};

// The caller's description of one call: shapes of the inputs, weights and buffers, and the mode.
struct CallShapes {
    int32_t num_inputs;
    const int64_t* in_shapes;
    const int32_t* in_ranks;
    int32_t num_weights;
    const int64_t* weight_shapes;
    const int32_t* weight_ranks;
    int32_t num_buffers;
    const int64_t* buffer_shapes;
    const int32_t* buffer_ranks;
    int32_t training;
    // Whether the call passes buffers (the _state functions). The others have none: a forward or
    // backward call then refuses an op with buffers, naming `state_call`, the function to call
    // instead; shape queries (state_call NULL) leave the buffers out.
    bool buffers_given;
    const char* state_call;
};

// One validated call of an op of any version: the caller's shapes and hyper-parameters checked
// here, then by the op's check(), whose output shape is checked in turn since the sizes of y and dy
// are derived from it; for an op with weights or buffers, the caller's shapes of those against the
// ones weight_shapes() and buffer_shapes() give for these inputs.
class OpCall {
public:
    // With a CUDA stream (see stream_of) the op's *_cuda entry points run on it, else the CPU ones.
    OpCall(const PluginLibrary& library, int32_t op_index, const float* params, int32_t num_params,
           const CallShapes& call, void* stream = nullptr)
        : library_(library), op_(library.op(op_index)), params_(op_, params, num_params) {
        ANVIL_REQUIRE(call.num_inputs == op_.num_inputs, "op %s takes %d input(s), got num_inputs = %d", op_.name,
                      op_.num_inputs, call.num_inputs);
        ANVIL_REQUIRE(call.num_weights == op_.num_weights, "op %s has %d weight(s), got num_weights = %d", op_.name,
                      op_.num_weights, call.num_weights);
        if (call.buffers_given) {
            ANVIL_REQUIRE(call.num_buffers == op_.num_buffers, "op %s has %d buffer(s), got num_buffers = %d", op_.name,
                          op_.num_buffers, call.num_buffers);
        } else {
            ANVIL_REQUIRE(op_.num_buffers == 0 || call.state_call == nullptr,
                          "op %s has %d buffer(s), which this call has no place for: call %s", op_.name, op_.num_buffers,
                          call.state_call);
        }
        ANVIL_REQUIRE(call.training == 0 || call.training == 1, "training must be 0 or 1, got %d", call.training);
        in_.read(call.num_inputs, call.in_shapes, call.in_ranks, "input shape");
        weights_.read(call.num_weights, call.weight_shapes, call.weight_ranks, "weight shape");
        buffers_.read(call.num_buffers, call.buffer_shapes, call.buffer_ranks, "buffer shape");
        training_ = call.training;
        run_check();
        check_state(false, weights_);
        check_state(true, buffers_);
        stream_ = stream;
    }
    OpCall(const OpCall&) = delete;
    OpCall& operator=(const OpCall&) = delete;

    const anvil_plugin_shape& out_shape() const { return out_shape_; }

    void forward(const anvil_context& c, const float* const* inputs, const float* const* weights, float* const* buffers,
                 float* y) {
        copy_pointers(c, inputs, weights, buffers);
        for (int32_t i = 0; i < op_.num_buffers; ++i) mutable_buffers_[i] = buffers[i];
        require_data(c, y, "y");
        // Written: y and the buffers; each disjoint from everything else of the call.
        Span written[1 + ANVIL_PLUGIN_MAX_BUFFERS], read[ANVIL_PLUGIN_MAX_INPUTS + ANVIL_PLUGIN_MAX_WEIGHTS];
        size_t num_written = 0, num_read = 0;
        written[num_written++] = Span{y, 4 * out_numel_, "y"};
        for (int32_t i = 0; i < op_.num_buffers; ++i) written[num_written++] = Span{buffers_.data[i], 4 * buffers_.numel[i], op_.buffers[i].name};
        for (int32_t i = 0; i < op_.num_inputs; ++i) read[num_read++] = Span{in_.data[i], 4 * in_.numel[i], input_name(i)};
        for (int32_t i = 0; i < op_.num_weights; ++i) read[num_read++] = Span{weights_.data[i], 4 * weights_.numel[i], op_.weights[i].name};
        require_all_disjoint(written, num_written, read, num_read);
        if (op_.v1 != nullptr) {
            anvil_op_forward_fn fn = entry(op_.v1->forward, op_.v1->forward_cuda, "forward_cuda");
            library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
                return fn(v1_args(err, err_len), in_.data[0], y);
            });
        } else if (op_.v2 != nullptr) {
            anvil_op_forward_v2_fn fn = entry(op_.v2->forward, op_.v2->forward_cuda, "forward_cuda");
            library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
                return fn(v2_args(err, err_len), in_.data, weights_.data, y);
            });
        } else {
            anvil_op_forward_v3_fn fn = entry(op_.v3->forward, op_.v3->forward_cuda, "forward_cuda");
            library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
                return fn(v3_args(err, err_len), in_.data, weights_.data, mutable_buffers_, y);
            });
        }
    }

    void backward(const anvil_context& c, const float* const* inputs, const float* const* weights,
                  const float* const* buffers, const float* y, const float* dy, float* const* input_grads,
                  float* const* weight_grads) {
        copy_pointers(c, inputs, weights, buffers);
        require_data(c, y, "y");
        require_data(c, dy, "dy");
        if (op_.num_inputs > 0) require_ptr(input_grads, "input_grads");
        if (op_.num_weights > 0) require_ptr(weight_grads, "weight_grads");
        // Every buffer written (the gradients) is disjoint from every other buffer of the call.
        Span written[ANVIL_PLUGIN_MAX_INPUTS + ANVIL_PLUGIN_MAX_WEIGHTS];
        Span read[ANVIL_PLUGIN_MAX_INPUTS + ANVIL_PLUGIN_MAX_WEIGHTS + ANVIL_PLUGIN_MAX_BUFFERS + 2];
        size_t num_written = 0, num_read = 0;
        for (int32_t i = 0; i < op_.num_inputs; ++i) {
            input_grads_[i] = input_grads[i];
            require_data(c, input_grads_[i], input_grad_name(i));
            written[num_written++] = Span{input_grads_[i], 4 * in_.numel[i], input_grad_name(i)};
            read[num_read++] = Span{in_.data[i], 4 * in_.numel[i], input_name(i)};
        }
        for (int32_t i = 0; i < op_.num_weights; ++i) {
            weight_grads_[i] = weight_grads[i];
            require_data(c, weight_grads_[i], op_.weights[i].name);
            written[num_written++] = Span{weight_grads_[i], 4 * weights_.numel[i], op_.weights[i].name};
            read[num_read++] = Span{weights_.data[i], 4 * weights_.numel[i], op_.weights[i].name};
        }
        for (int32_t i = 0; i < op_.num_buffers; ++i) read[num_read++] = Span{buffers_.data[i], 4 * buffers_.numel[i], op_.buffers[i].name};
        read[num_read++] = Span{y, 4 * out_numel_, "y"};
        read[num_read++] = Span{dy, 4 * out_numel_, "dy"};
        require_all_disjoint(written, num_written, read, num_read);
        if (op_.v1 != nullptr) {
            anvil_op_backward_fn fn = entry(op_.v1->backward, op_.v1->backward_cuda, "backward_cuda");
            library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
                return fn(v1_args(err, err_len), in_.data[0], y, dy, input_grads_[0]);
            });
        } else if (op_.v2 != nullptr) {
            anvil_op_backward_v2_fn fn = entry(op_.v2->backward, op_.v2->backward_cuda, "backward_cuda");
            library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
                return fn(v2_args(err, err_len), in_.data, weights_.data, y, dy, input_grads_, weight_grads_);
            });
        } else {
            anvil_op_backward_v3_fn fn = entry(op_.v3->backward, op_.v3->backward_cuda, "backward_cuda");
            library_.invoke(op_, ANVIL_ERR_PLUGIN, [&](char* err, size_t err_len) {
                return fn(v3_args(err, err_len), in_.data, weights_.data, buffers_.data, y, dy, input_grads_, weight_grads_);
            });
        }
    }

private:
    // Each written span against the written ones after it and every read one.
    static void require_all_disjoint(const Span* written, size_t num_written, const Span* read, size_t num_read) {
        for (size_t i = 0; i < num_written; ++i) {
            for (size_t j = i + 1; j < num_written; ++j) {
                require_disjoint_bytes(written[i].p, written[i].bytes, written[i].name, written[j].p, written[j].bytes,
                                       written[j].name);
            }
            for (size_t j = 0; j < num_read; ++j) {
                require_disjoint_bytes(written[i].p, written[i].bytes, written[i].name, read[j].p, read[j].bytes, read[j].name);
            }
        }
    }

    // The CPU entry point, or on a CUDA context the CUDA one, which the plug-in may not have.
    template <typename Fn>
    Fn entry(Fn cpu, Fn cuda, const char* cuda_name) const {
        if (stream_ == nullptr) return cpu;
        if (cuda == nullptr) {
            throw Error(ANVIL_ERR_UNSUPPORTED, format("op %s of plug-in %s has no CUDA code (%s is NULL); run it on the CPU",
                                                      op_.name, library_.name(), cuda_name));
        }
        return cuda;
    }

    // The op refusing the shapes or hyper-parameters is a bad argument of the caller; an output
    // shape outside the contract is a fault of the plug-in.
    void run_check() {
        if (op_.v1 != nullptr) {
            int32_t out_rank = 0;
            library_.invoke(op_, ANVIL_ERR_INVALID_ARGUMENT, [&](char* err, size_t err_len) {
                return op_.v1->check(in_.shapes[0].dims, in_.shapes[0].rank, params_.data(), out_shape_.dims, &out_rank,
                                     err, err_len);
            });
            out_shape_.rank = out_rank;
        } else {
            const anvil_op_check_v2_fn check = op_.v2 != nullptr ? op_.v2->check : op_.v3->check;
            library_.invoke(op_, ANVIL_ERR_INVALID_ARGUMENT, [&](char* err, size_t err_len) {
                return check(in_.shapes, params_.data(), &out_shape_, err, err_len);
            });
        }
        check_produced(library_, op_, out_shape_, "check()", "output");
        out_numel_ = checked_numel(out_shape_.dims, static_cast<size_t>(out_shape_.rank), "y");
    }

    // The caller's weights (or buffers) have the shapes the op gives for these inputs.
    void check_state(bool buffers, const Operands& given) const {
        if (given.count == 0) return;
        anvil_plugin_shape expected[ANVIL_PLUGIN_MAX_INPUTS];
        state_shapes_of(library_, op_, buffers, params_.data(), in_.shapes, expected);
        for (int32_t i = 0; i < given.count; ++i) {
            const bool same = expected[i].rank == given.shapes[i].rank &&
                              std::equal(expected[i].dims, expected[i].dims + expected[i].rank, given.shapes[i].dims);
            if (!same) {
                library_.fail(op_, ANVIL_ERR_INVALID_ARGUMENT, "%s %s has shape %s, but these inputs need %s",
                              buffers ? "buffer" : "weight", buffers ? op_.buffers[i].name : op_.weights[i].name,
                              shape_text(given.shapes[i]).c_str(), shape_text(expected[i]).c_str());
            }
        }
    }

    void copy_pointers(const anvil_context& c, const float* const* inputs, const float* const* weights,
                       const float* const* buffers) {
        require_ptr(inputs, "inputs");
        for (int32_t i = 0; i < op_.num_inputs; ++i) {
            in_.data[i] = inputs[i];
            require_data(c, in_.data[i], input_name(i));
        }
        if (op_.num_weights > 0) require_ptr(weights, "weights");
        for (int32_t i = 0; i < op_.num_weights; ++i) {
            weights_.data[i] = weights[i];
            require_data(c, weights_.data[i], op_.weights[i].name);
        }
        if (op_.num_buffers > 0) require_ptr(buffers, "buffers");
        for (int32_t i = 0; i < op_.num_buffers; ++i) {
            buffers_.data[i] = buffers[i];
            require_data(c, buffers_.data[i], op_.buffers[i].name);
        }
    }

    const char* input_name(int32_t i) const {
        static const char* const kNames[ANVIL_PLUGIN_MAX_INPUTS] = {"inputs[0]", "inputs[1]", "inputs[2]", "inputs[3]",
                                                                    "inputs[4]", "inputs[5]", "inputs[6]", "inputs[7]"};
        return op_.v1 != nullptr ? "x" : kNames[i];
    }

    const char* input_grad_name(int32_t i) const {
        static const char* const kNames[ANVIL_PLUGIN_MAX_INPUTS] = {
            "input_grads[0]", "input_grads[1]", "input_grads[2]", "input_grads[3]",
            "input_grads[4]", "input_grads[5]", "input_grads[6]", "input_grads[7]"};
        return op_.v1 != nullptr ? "dx" : kNames[i];
    }

    const anvil_op_args* v1_args(char* err, size_t err_len) {
        v1_ = {};
        v1_.in_shape = in_.shapes[0].dims;
        v1_.out_shape = out_shape_.dims;
        v1_.in_numel = in_.numel[0];
        v1_.out_numel = out_numel_;
        v1_.params = params_.data();
        v1_.stream = stream_;
        v1_.err = err;
        v1_.err_len = err_len;
        v1_.in_rank = in_.shapes[0].rank;
        v1_.out_rank = out_shape_.rank;
        v1_.num_params = op_.num_params;
        return &v1_;
    }

    const anvil_op_args_v2* v2_args(char* err, size_t err_len) {
        anvil_op_args_v2& a = v3_.base;
        a = {};
        a.in_shapes = in_.shapes;
        a.in_numel = in_.numel;
        a.out_shape = &out_shape_;
        a.out_numel = out_numel_;
        a.weight_shapes = op_.num_weights > 0 ? weights_.shapes : nullptr;
        a.weight_numel = op_.num_weights > 0 ? weights_.numel : nullptr;
        a.params = params_.data();
        a.stream = stream_;
        a.err = err;
        a.err_len = err_len;
        a.num_inputs = op_.num_inputs;
        a.num_weights = op_.num_weights;
        a.num_params = op_.num_params;
        return &a;
    }

    const anvil_op_args_v3* v3_args(char* err, size_t err_len) {
        v2_args(err, err_len);
        v3_.buffer_shapes = op_.num_buffers > 0 ? buffers_.shapes : nullptr;
        v3_.buffer_numel = op_.num_buffers > 0 ? buffers_.numel : nullptr;
        v3_.num_buffers = op_.num_buffers;
        v3_.training = training_;
        return &v3_;
    }

    const PluginLibrary& library_;
    const PluginOp& op_;
    Params params_;
    Operands in_, weights_, buffers_;
    float* mutable_buffers_[ANVIL_PLUGIN_MAX_BUFFERS] = {};  // the buffers, as forward may write them
    anvil_plugin_shape out_shape_ = {};
    int64_t out_numel_ = 0;
    int32_t training_ = 1;
    float* input_grads_[ANVIL_PLUGIN_MAX_INPUTS] = {};
    float* weight_grads_[ANVIL_PLUGIN_MAX_WEIGHTS] = {};
    void* stream_ = nullptr;
    anvil_op_args v1_ = {};
    anvil_op_args_v3 v3_ = {};
};

// The stream plug-in CUDA code runs on: the context's, or none on the CPU.
void* stream_of(anvil_context& c) { return is_cuda(c) ? cuda::stream(c) : nullptr; }

// The one-input calls of the first plug-in ABI, for ops of any version with one input, no weights
// and no buffers.
const PluginLibrary& single_input(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank) {
    const PluginLibrary& library = require_plugin(plugin);
    const PluginOp& o = library.op(op);
    ANVIL_REQUIRE(o.num_inputs == 1 && o.num_weights == 0 && o.num_buffers == 0,
                  "op %s takes %d inputs and has %d weights and %d buffers: call it with the anvil_plugin_op_*_n or "
                  "_state functions", o.name, o.num_inputs, o.num_weights, o.num_buffers);
    require_ptr(shape, "shape");
    ANVIL_REQUIRE(rank >= 1 && rank <= ANVIL_PLUGIN_MAX_RANK, "rank must be in [1, %d], got %d", ANVIL_PLUGIN_MAX_RANK, rank);
    for (int32_t i = 0; i < rank; ++i) require_positive(shape[i], "every dimension of shape");
    return library;
}

// anvil_plugin_op_weight_shapes and anvil_plugin_op_buffer_shapes: the shapes of op's weights or
// buffers for the hyper-parameters and the inputs' shapes, or none yet (num_inputs = 0).
void state_shapes(const anvil_plugin* plugin, int32_t op, bool buffers, const float* params, int32_t num_params,
                  int32_t num_inputs, const int64_t* in_shapes, const int32_t* in_ranks, int64_t* shapes, int32_t* ranks) {
    const PluginLibrary& library = require_plugin(plugin);
    const PluginOp& o = library.op(op);
    Params own(o, params, num_params);
    ANVIL_REQUIRE(num_inputs == 0 || num_inputs == o.num_inputs,
                  "op %s takes %d input(s): num_inputs must be that, or 0 for shapes not known yet, got %d", o.name,
                  o.num_inputs, num_inputs);
    anvil_plugin_shape in[ANVIL_PLUGIN_MAX_INPUTS];
    read_shapes(in_shapes, in_ranks, num_inputs, "input shape", in);
    const int32_t count = buffers ? o.num_buffers : o.num_weights;
    if (count == 0) return;
    require_ptr(shapes, buffers ? "buffer_shapes" : "weight_shapes");
    require_ptr(ranks, buffers ? "buffer_ranks" : "weight_ranks");
    anvil_plugin_shape out[ANVIL_PLUGIN_MAX_INPUTS];
    state_shapes_of(library, o, buffers, own.data(), num_inputs == 0 ? nullptr : in, out);
    write_shapes(out, count, shapes, ranks);
}

CallShapes one_input(const int64_t* shape, const int32_t* rank) {
    return {1, shape, rank, 0, nullptr, nullptr, 0, nullptr, nullptr, 1, true, nullptr};
}

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

anvil_status anvil_plugin_op_num_inputs(const anvil_plugin* plugin, int32_t op, int32_t* out) {
    return api_call("anvil_plugin_op_num_inputs", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.op(op).num_inputs;
    });
}

anvil_status anvil_plugin_op_num_weights(const anvil_plugin* plugin, int32_t op, int32_t* out) {
    return api_call("anvil_plugin_op_num_weights", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.op(op).num_weights;
    });
}

anvil_status anvil_plugin_op_weight(const anvil_plugin* plugin, int32_t op, int32_t index, const char** name,
                                    int32_t* init, float* init_arg) {
    return api_call("anvil_plugin_op_weight", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        const PluginOp& o = library.op(op);
        require_ptr(name, "name");
        require_ptr(init, "init");
        require_ptr(init_arg, "init_arg");
        ANVIL_REQUIRE(index >= 0 && index < o.num_weights, "weight index %d is out of range: op %s has %d weight(s)",
                      index, o.name, o.num_weights);
        const anvil_weight_def& def = o.weights[index];
        *name = def.name;
        *init = def.init;
        *init_arg = def.init_arg;
    });
}

anvil_status anvil_plugin_op_weight_shapes(const anvil_plugin* plugin, int32_t op, const float* params,
                                           int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                           const int32_t* in_ranks, int64_t* weight_shapes, int32_t* weight_ranks) {
    return api_call("anvil_plugin_op_weight_shapes", [&] {
        state_shapes(plugin, op, false, params, num_params, num_inputs, in_shapes, in_ranks, weight_shapes, weight_ranks);
    });
}

anvil_status anvil_plugin_op_output_shape_n(const anvil_plugin* plugin, int32_t op, const float* params,
                                            int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                            const int32_t* in_ranks, int32_t num_weights, const int64_t* weight_shapes,
                                            const int32_t* weight_ranks, int64_t* out_shape, int32_t* out_rank) {
    return api_call("anvil_plugin_op_output_shape_n", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out_shape, "out_shape");
        require_ptr(out_rank, "out_rank");
        OpCall call(library, op, params, num_params,
                    {num_inputs, in_shapes, in_ranks, num_weights, weight_shapes, weight_ranks, 0, nullptr, nullptr, 1,
                     false, nullptr});
        write_shapes(&call.out_shape(), 1, out_shape, out_rank);
    });
}

anvil_status anvil_plugin_op_forward_n(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const float* params,
                                       int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                       const int32_t* in_ranks, const float* const* inputs, int32_t num_weights,
                                       const int64_t* weight_shapes, const int32_t* weight_ranks,
                                       const float* const* weights, float* y) {
    return api_call("anvil_plugin_op_forward_n", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(require_plugin(plugin), op, params, num_params,
                    {num_inputs, in_shapes, in_ranks, num_weights, weight_shapes, weight_ranks, 0, nullptr, nullptr, 1,
                     false, "anvil_plugin_op_forward_state"},
                    stream_of(c));
        call.forward(c, inputs, weights, nullptr, y);
    });
}

anvil_status anvil_plugin_op_backward_n(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const float* params,
                                        int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                        const int32_t* in_ranks, const float* const* inputs, int32_t num_weights,
                                        const int64_t* weight_shapes, const int32_t* weight_ranks,
                                        const float* const* weights, const float* y, const float* dy,
                                        float* const* input_grads, float* const* weight_grads) {
    return api_call("anvil_plugin_op_backward_n", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(require_plugin(plugin), op, params, num_params,
                    {num_inputs, in_shapes, in_ranks, num_weights, weight_shapes, weight_ranks, 0, nullptr, nullptr, 1,
                     false, "anvil_plugin_op_backward_state"},
                    stream_of(c));
        call.backward(c, inputs, weights, nullptr, y, dy, input_grads, weight_grads);
    });
}

anvil_status anvil_plugin_op_output_shape(const anvil_plugin* plugin, int32_t op, const int64_t* shape, int32_t rank,
                                          const float* params, int32_t num_params, int64_t* out_shape,
                                          int32_t* out_rank) {
    return api_call("anvil_plugin_op_output_shape", [&] {
        const PluginLibrary& library = single_input(plugin, op, shape, rank);
        require_ptr(out_shape, "out_shape");
        require_ptr(out_rank, "out_rank");
        OpCall call(library, op, params, num_params, one_input(shape, &rank));
        const anvil_plugin_shape& s = call.out_shape();
        std::copy(s.dims, s.dims + s.rank, out_shape);
        *out_rank = s.rank;
    });
}

anvil_status anvil_plugin_op_forward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op, const int64_t* shape,
                                     int32_t rank, const float* params, int32_t num_params, const float* x, float* y) {
    return api_call("anvil_plugin_op_forward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(single_input(plugin, op, shape, rank), op, params, num_params, one_input(shape, &rank), stream_of(c));
        call.forward(c, &x, nullptr, nullptr, y);
    });
}

anvil_status anvil_plugin_op_backward(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                      const int64_t* shape, int32_t rank, const float* params, int32_t num_params,
                                      const float* x, const float* y, const float* dy, float* dx) {
    return api_call("anvil_plugin_op_backward", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(single_input(plugin, op, shape, rank), op, params, num_params, one_input(shape, &rank), stream_of(c));
        call.backward(c, &x, nullptr, nullptr, y, dy, &dx, nullptr);
    });
}

anvil_status anvil_plugin_op_num_buffers(const anvil_plugin* plugin, int32_t op, int32_t* out) {
    return api_call("anvil_plugin_op_num_buffers", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        require_ptr(out, "out");
        *out = library.op(op).num_buffers;
    });
}

anvil_status anvil_plugin_op_buffer(const anvil_plugin* plugin, int32_t op, int32_t index, const char** name, float* init) {
    return api_call("anvil_plugin_op_buffer", [&] {
        const PluginLibrary& library = require_plugin(plugin);
        const PluginOp& o = library.op(op);
        require_ptr(name, "name");
        require_ptr(init, "init");
        ANVIL_REQUIRE(index >= 0 && index < o.num_buffers, "buffer index %d is out of range: op %s has %d buffer(s)",
                      index, o.name, o.num_buffers);
        *name = o.buffers[index].name;
        *init = o.buffers[index].init;
    });
}

anvil_status anvil_plugin_op_buffer_shapes(const anvil_plugin* plugin, int32_t op, const float* params,
                                           int32_t num_params, int32_t num_inputs, const int64_t* in_shapes,
                                           const int32_t* in_ranks, int64_t* buffer_shapes, int32_t* buffer_ranks) {
    return api_call("anvil_plugin_op_buffer_shapes", [&] {
        state_shapes(plugin, op, true, params, num_params, num_inputs, in_shapes, in_ranks, buffer_shapes, buffer_ranks);
    });
}

anvil_status anvil_plugin_op_forward_state(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                           const float* params, int32_t num_params, int32_t num_inputs,
                                           const int64_t* in_shapes, const int32_t* in_ranks, const float* const* inputs,
                                           int32_t num_weights, const int64_t* weight_shapes,
                                           const int32_t* weight_ranks, const float* const* weights,
                                           int32_t num_buffers, const int64_t* buffer_shapes,
                                           const int32_t* buffer_ranks, float* const* buffers, int32_t training,
                                           float* y) {
    return api_call("anvil_plugin_op_forward_state", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(require_plugin(plugin), op, params, num_params,
                    {num_inputs, in_shapes, in_ranks, num_weights, weight_shapes, weight_ranks, num_buffers,
                     buffer_shapes, buffer_ranks, training, true, nullptr},
                    stream_of(c));
        call.forward(c, inputs, weights, buffers, y);
    });
}

anvil_status anvil_plugin_op_backward_state(anvil_context* ctx, const anvil_plugin* plugin, int32_t op,
                                            const float* params, int32_t num_params, int32_t num_inputs,
                                            const int64_t* in_shapes, const int32_t* in_ranks,
                                            const float* const* inputs, int32_t num_weights,
                                            const int64_t* weight_shapes, const int32_t* weight_ranks,
                                            const float* const* weights, int32_t num_buffers,
                                            const int64_t* buffer_shapes, const int32_t* buffer_ranks,
                                            const float* const* buffers, int32_t training, const float* y,
                                            const float* dy, float* const* input_grads, float* const* weight_grads) {
    return api_call("anvil_plugin_op_backward_state", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        OpCall call(require_plugin(plugin), op, params, num_params,
                    {num_inputs, in_shapes, in_ranks, num_weights, weight_shapes, weight_ranks, num_buffers,
                     buffer_shapes, buffer_ranks, training, true, nullptr},
                    stream_of(c));
        call.backward(c, inputs, weights, buffers, y, dy, input_grads, weight_grads);
    });
}

}  // extern "C"
