#include "plugin_host.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

namespace anvil {

namespace {

[[noreturn]] void fail_load(const char* path, const std::string& message) {
    throw Error(ANVIL_ERR_PLUGIN, format("plug-in %s: %s", path, message.c_str()));
}

}  // namespace

PluginLibrary::PluginLibrary(const char* path) {
    // RTLD_NOW: an unresolved symbol fails here, not in the middle of a training step.
    // RTLD_LOCAL: two plug-ins may define the same helper symbols without clashing.
    handle_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        // The loader's message names the file and the reason (missing, wrong architecture, an
        // unresolved symbol).
        const char* message = dlerror();
        throw Error(ANVIL_ERR_PLUGIN, format("cannot load plug-in: %s", message != nullptr ? message : path));
    }
    try {
        using Entry = const anvil_plugin_v1* (*)();
        auto entry = reinterpret_cast<Entry>(dlsym(handle_, "anvil_plugin_entry"));
        if (entry == nullptr) fail_load(path, "does not export anvil_plugin_entry");
        table_ = entry();
        if (table_ == nullptr) fail_load(path, "anvil_plugin_entry returned NULL");
        validate_table(path);
    } catch (...) {
        dlclose(handle_);
        throw;
    }
}

PluginLibrary::~PluginLibrary() { dlclose(handle_); }

// Everything the host relies on later is checked once here, so that a call never dereferences a
// null name or function. The version comes first: the rest of the layout depends on it.
void PluginLibrary::validate_table(const char* path) const {
    if (table_->abi_version != ANVIL_PLUGIN_ABI_VERSION) {
        throw Error(ANVIL_ERR_UNSUPPORTED,
                    format("plug-in %s was built against plug-in ABI version %d; this Anvil supports version %d",
                           path, table_->abi_version, ANVIL_PLUGIN_ABI_VERSION));
    }
    if (table_->name == nullptr || table_->name[0] == '\0') fail_load(path, "the plug-in has no name");
    if (table_->num_ops < 1 || table_->ops == nullptr) fail_load(path, "the plug-in declares no ops");
    for (int32_t i = 0; i < table_->num_ops; ++i) {
        const anvil_op_v1& op = table_->ops[i];
        if (op.name == nullptr || op.name[0] == '\0') fail_load(path, format("op %d has no name", i));
        if (op.num_params < 0) fail_load(path, format("op %s has a negative num_params", op.name));
        if (op.check == nullptr || op.forward == nullptr || op.backward == nullptr) {
            fail_load(path, format("op %s lacks check, forward or backward", op.name));
        }
        for (int32_t j = 0; j < i; ++j) {
            if (std::strcmp(table_->ops[j].name, op.name) == 0) fail_load(path, format("two ops are called %s", op.name));
        }
    }
}

const anvil_op_v1& PluginLibrary::op(int32_t index) const {
    ANVIL_REQUIRE(index >= 0 && index < table_->num_ops, "op index %d is out of range: plug-in %s has %d ops", index,
                  table_->name, table_->num_ops);
    return table_->ops[index];
}

int32_t PluginLibrary::find(const char* op_name) const {
    std::string available;
    for (int32_t i = 0; i < table_->num_ops; ++i) {
        if (std::strcmp(table_->ops[i].name, op_name) == 0) return i;
        available += (i == 0 ? "" : ", ") + std::string(table_->ops[i].name);
    }
    throw Error(ANVIL_ERR_INVALID_ARGUMENT,
                format("plug-in %s has no op %s; its ops: %s", table_->name, op_name, available.c_str()));
}

void PluginLibrary::fail(const anvil_op_v1& op, anvil_status status, const char* fmt, ...) const {
    va_list args;
    va_start(args, fmt);
    char message[1024];
    std::vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    throw Error(status, format("plug-in %s op %s: %s", table_->name, op.name, message));
}

}  // namespace anvil
