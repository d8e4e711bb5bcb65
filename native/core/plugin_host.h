// The object behind the opaque anvil_plugin handle: a dlopen'ed plug-in whose op table has been
// validated, and the one place where Anvil calls into plug-in code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>

#include "anvil_plugin.h"
#include "error.h"

namespace anvil {

class PluginLibrary {
public:
    // Loads and validates; throws Error (ANVIL_ERR_PLUGIN or ANVIL_ERR_UNSUPPORTED) on failure.
    explicit PluginLibrary(const char* path);
    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    const char* name() const { return table_->name; }
    int32_t op_count() const { return table_->num_ops; }
    // Throws ANVIL_ERR_INVALID_ARGUMENT for an index out of range.
    const anvil_op_v1& op(int32_t index) const;
    // Throws ANVIL_ERR_INVALID_ARGUMENT, listing the available ops, for an unknown name.
    int32_t find(const char* op_name) const;

    // Runs fn(err, err_len), a call of one of op's functions. A non-zero result becomes an Error
    // with `status` and the plug-in's message; an escaping C++ exception becomes ANVIL_ERR_PLUGIN.
    template <class Fn>
    void invoke(const anvil_op_v1& op, anvil_status status, Fn&& fn) const {
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
    [[noreturn]] void fail(const anvil_op_v1& op, anvil_status status, const char* fmt, ...) const
        __attribute__((format(printf, 4, 5)));

private:
    void validate_table(const char* path) const;

    void* handle_ = nullptr;
    const anvil_plugin_v1* table_ = nullptr;
};

}  // namespace anvil

struct anvil_plugin {
    explicit anvil_plugin(const char* path) : library(path) {}
    anvil::PluginLibrary library;
};
