// The object behind the opaque anvil_plugin handle: a dlopen'ed plug-in whose op table (of any
// plug-in ABI version) has been validated, and the one place where Anvil calls into plug-in code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <vector>

#include "anvil_plugin.h"
#include "error.h"

namespace anvil {

// One op of any table version: what the host needs to know about it, and its entry points
// (exactly one of v1, v2 and v3 is set). A version-1 op has one input and no weights, ops before
// version 3 have no buffers. The tables and shape functions of weights and buffers are copied out
// of the version's struct, NULL when the op has none.
struct PluginOp {
    const char* name;
    const char* description;  // never NULL ("" when the plug-in gives none)
    int32_t num_inputs;
    int32_t num_params;
    int32_t num_weights;
    int32_t num_buffers;
    const anvil_weight_def* weights;
    anvil_op_weight_shapes_fn weight_shapes;
    const anvil_buffer_def* buffers;
    anvil_op_weight_shapes_fn buffer_shapes;
    const anvil_op_v1* v1;
    const anvil_op_v2* v2;
    const anvil_op_v3* v3;
};

class PluginLibrary {
public:
    // Loads and validates; throws Error (ANVIL_ERR_PLUGIN or ANVIL_ERR_UNSUPPORTED) on failure.
    explicit PluginLibrary(const char* path);
    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    const char* name() const { return name_; }
    int32_t op_count() const { return static_cast<int32_t>(ops_.size()); }
    // Throws ANVIL_ERR_INVALID_ARGUMENT for an index out of range.
    const PluginOp& op(int32_t index) const;
    // Throws ANVIL_ERR_INVALID_ARGUMENT, listing the available ops, for an unknown name.
    int32_t find(const char* op_name) const;

    // Runs fn(err, err_len), a call of one of op's functions. A non-zero result becomes an Error
    // with `status` and the plug-in's message; an escaping C++ exception becomes ANVIL_ERR_PLUGIN.
    template <class Fn>
    void invoke(const PluginOp& op, anvil_status status, Fn&& fn) const {
        char err[512] = {};
        int32_t rc = 0;
        try {
            rc = fn(err, sizeof err);
        } catch (const std::exception& e) {
            fail(op, ANVIL_ERR_PLUGIN, "threw a C++ exception: %s", e.what());
        } catch (...) {
            fail(op, ANVIL_ERR_PLUGIN, "threw an unknown C++ exception");
        }
        if (rc != 0) {
            err[sizeof err - 1] = '\0';  // the plug-in may have filled the buffer without a terminator
            if (err[0] != '\0') fail(op, status, "%s", err);
            fail(op, status, "failed with code %d and no message", rc);
        }
    }

    // Throws an Error with `status` and "plug-in <name> op <op>: <message>".
    [[noreturn]] void fail(const PluginOp& op, anvil_status status, const char* fmt, ...) const
        __attribute__((format(printf, 4, 5)));

private:
    // Reads and validates the table of its version into name_ and ops_.
    void read_v1(const char* path, const anvil_plugin_v1* table);
    void read_v2(const char* path, const anvil_plugin_v2* table);
    void read_v3(const char* path, const anvil_plugin_v3* table);
    void check_unique_names(const char* path) const;

    void* handle_ = nullptr;
    const char* name_ = nullptr;
    std::vector<PluginOp> ops_;
};

}  // namespace anvil

struct anvil_plugin {
    explicit anvil_plugin(const char* path) : library(path) {}
    anvil::PluginLibrary library;
};
