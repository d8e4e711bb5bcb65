#include "plugin_host.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

namespace anvil {

namespace {

[[noreturn]] void fail_load(const char* path, const std::string& message) {
    throw Error(ANVIL_ERR_PLUGIN, format("plug-in %s: %s", path, message.c_str()));
}

// Reads `bytes` at `offset` of fd, or fails naming what was read.
void read_at(int fd, const char* path, uint64_t offset, void* out, size_t bytes, const char* what) {
    if (pread(fd, out, bytes, static_cast<off_t>(offset)) != static_cast<ssize_t>(bytes)) {
        fail_load(path, format("cannot read its %s", what));
    }
}

// What dlopen would map must lie inside the file: the loader maps segments without checking their
// extent, and touching a page beyond the end of a truncated file raises SIGBUS in the process. So
// the ELF header, the program headers and every segment they describe are checked against the
// file's size first (a file replaced between this check and dlopen is not caught).
void check_elf(const char* path) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_load(path, format("cannot open it: %s", std::strerror(errno)));
    struct Closer {
        int fd;
        ~Closer() { close(fd); }
    } closer{fd};
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) fail_load(path, "is not a regular file");
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    Elf64_Ehdr eh;
    if (size < sizeof eh) fail_load(path, format("is %llu bytes, too short for an ELF header: truncated or not a library",
                                                 static_cast<unsigned long long>(size)));
    read_at(fd, path, 0, &eh, sizeof eh, "ELF header");
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) fail_load(path, "is not an ELF file");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        fail_load(path, "is not a 64-bit little-endian ELF library");
    }
    if (eh.e_type != ET_DYN) fail_load(path, "is not a shared library (ELF type is not ET_DYN)");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0) fail_load(path, "has no valid program headers");
    const uint64_t ph_end = eh.e_phoff + static_cast<uint64_t>(eh.e_phnum) * sizeof(Elf64_Phdr);
    if (eh.e_phoff > size || ph_end > size) fail_load(path, "is truncated: its program headers lie beyond its end");
    // The loader needs no section headers, but a file cut short loses them first: say so.
    const uint64_t sh_end = eh.e_shoff + static_cast<uint64_t>(eh.e_shnum) * eh.e_shentsize;
    if (eh.e_shoff != 0 && (eh.e_shoff > size || sh_end > size)) {
        fail_load(path, "is truncated: its section headers lie beyond its end");
    }
    for (uint16_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        read_at(fd, path, eh.e_phoff + static_cast<uint64_t>(i) * sizeof ph, &ph, sizeof ph, "program headers");
        if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
            fail_load(path, format("is truncated: segment %u needs bytes %llu to %llu of a %llu-byte file", i,
                                   static_cast<unsigned long long>(ph.p_offset),
                                   static_cast<unsigned long long>(ph.p_offset + ph.p_filesz),
                                   static_cast<unsigned long long>(size)));
        }
        if (ph.p_type == PT_LOAD && ph.p_filesz > ph.p_memsz) fail_load(path, format("has a malformed segment %u", i));
    }
}

}  // namespace

PluginLibrary::PluginLibrary(const char* path) {
    // A name without a slash is looked up by the dynamic linker among installed libraries.
    if (std::strchr(path, '/') != nullptr) check_elf(path);
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
        // A plug-in exports the entry point of the one table version it was written for.
        void* entries[3] = {dlsym(handle_, "anvil_plugin_entry"), dlsym(handle_, "anvil_plugin_entry_v2"),
                            dlsym(handle_, "anvil_plugin_entry_v3")};
        const int exported = (entries[0] != nullptr) + (entries[1] != nullptr) + (entries[2] != nullptr);
        if (exported > 1) {
            fail_load(path, "exports more than one of anvil_plugin_entry, anvil_plugin_entry_v2 and anvil_plugin_entry_v3; "
                            "export the one of its version");
        }
        if (entries[2] != nullptr) {
            read_v3(path, reinterpret_cast<const anvil_plugin_v3* (*)()>(entries[2])());
        } else if (entries[1] != nullptr) {
            read_v2(path, reinterpret_cast<const anvil_plugin_v2* (*)()>(entries[1])());
        } else if (entries[0] != nullptr) {
            read_v1(path, reinterpret_cast<const anvil_plugin_v1* (*)()>(entries[0])());
        } else {
            fail_load(path, "does not export anvil_plugin_entry, anvil_plugin_entry_v2 or anvil_plugin_entry_v3");
        }
        check_unique_names(path);
    } catch (...) {
        dlclose(handle_);
        throw;
    }
}

PluginLibrary::~PluginLibrary() { dlclose(handle_); }

namespace {

const char* entry_of(int32_t version) {
    return version == ANVIL_PLUGIN_ABI_VERSION ? "anvil_plugin_entry"
           : version == ANVIL_PLUGIN_ABI_VERSION_2 ? "anvil_plugin_entry_v2"
                                                   : "anvil_plugin_entry_v3";
}

// The version comes first: the rest of the layout depends on it.
void check_version(const char* path, int32_t version, int32_t expected, const char* entry) {
    if (version == expected) return;
    if (version == ANVIL_PLUGIN_ABI_VERSION || version == ANVIL_PLUGIN_ABI_VERSION_2 || version == ANVIL_PLUGIN_ABI_VERSION_3) {
        throw Error(ANVIL_ERR_UNSUPPORTED,
                    format("plug-in %s: %s returned a table of plug-in ABI version %d, but that entry point is for "
                           "version %d tables (version %d comes from %s)",
                           path, entry, version, expected, version, entry_of(version)));
    }
    throw Error(ANVIL_ERR_UNSUPPORTED,
                format("plug-in %s was built against plug-in ABI version %d; this Anvil supports versions %d, %d and %d",
                       path, version, ANVIL_PLUGIN_ABI_VERSION, ANVIL_PLUGIN_ABI_VERSION_2, ANVIL_PLUGIN_ABI_VERSION_3));
}

// The table as far as the versions agree: present, of the entry point's version, named, with ops.
template <class Table>
void check_table(const char* path, const Table* table, int32_t version, const char* entry) {
    if (table == nullptr) fail_load(path, format("%s returned NULL", entry));
    check_version(path, table->abi_version, version, entry);
    if (table->name == nullptr || table->name[0] == '\0') fail_load(path, "the plug-in has no name");
    if (table->num_ops < 1 || table->ops == nullptr) fail_load(path, "the plug-in declares no ops");
}

// What ops of every version have: a name, hyper-parameters, and the three CPU functions.
template <class Op>
void check_op(const char* path, const Op& op, int32_t index) {
    if (op.name == nullptr || op.name[0] == '\0') fail_load(path, format("op %d has no name", index));
    if (op.num_params < 0) fail_load(path, format("op %s has a negative num_params", op.name));
    if (op.check == nullptr || op.forward == nullptr || op.backward == nullptr) {
        fail_load(path, format("op %s lacks check, forward or backward", op.name));
    }
}

bool is_identifier(const char* s) {
    if (s == nullptr || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9')) return false;
    for (; *s != '\0'; ++s) {
        const char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

}  // namespace

// Everything the host relies on later is checked once here, so that a call never dereferences a
// null name or function.
void PluginLibrary::read_v1(const char* path, const anvil_plugin_v1* table) {
    check_table(path, table, ANVIL_PLUGIN_ABI_VERSION, "anvil_plugin_entry");
    name_ = table->name;
    for (int32_t i = 0; i < table->num_ops; ++i) {
        const anvil_op_v1& op = table->ops[i];
        check_op(path, op, i);
        ops_.push_back({op.name, op.description != nullptr ? op.description : "", 1, op.num_params, 0, 0, nullptr,
                        nullptr, nullptr, nullptr, &op, nullptr, nullptr});
    }
}

namespace {

// A weight's or buffer's name is a key of the layer's state dict.
void check_identifier(const char* path, const char* op, const char* kind, int32_t index, const char* name) {
    if (is_identifier(name)) return;
    fail_load(path, format("op %s: %s %d has the name '%s'; a %s's name is letters, digits and '_', not starting with "
                           "a digit", op, kind, index, name != nullptr ? name : "(null)", kind));
}

// A declared count of weights or buffers (plural "weights", shapes_fn "weight_shapes") within
// [0, most], with its table and shape function exactly when there are some.
void check_declared(const char* path, const char* op, const char* plural, const char* shapes_fn,
                    int32_t count, int32_t most, const void* table, const void* shapes) {
    if (count < 0 || count > most) fail_load(path, format("op %s declares %d %s; an op has 0 to %d", op, count, plural, most));
    if (count > 0 && (table == nullptr || shapes == nullptr)) {
        fail_load(path, format("op %s declares %d %s but no %s table or %s function", op, count, plural, plural, shapes_fn));
    }
    if (count == 0 && (table != nullptr || shapes != nullptr)) {
        fail_load(path, format("op %s declares no %s but has a %s table or %s function", op, plural, plural, shapes_fn));
    }
}

// The inputs and weights of an op of version 2 or 3, whose structs name these fields alike.
template <class Op>
void check_inputs_and_weights(const char* path, const Op& op) {
    if (op.num_inputs < 1 || op.num_inputs > ANVIL_PLUGIN_MAX_INPUTS) {
        fail_load(path, format("op %s declares %d inputs; an op takes 1 to %d", op.name, op.num_inputs,
                               ANVIL_PLUGIN_MAX_INPUTS));
    }
    check_declared(path, op.name, "weights", "weight_shapes", op.num_weights, ANVIL_PLUGIN_MAX_WEIGHTS,
                   op.weights, reinterpret_cast<const void*>(op.weight_shapes));
    for (int32_t w = 0; w < op.num_weights; ++w) {
        const anvil_weight_def& def = op.weights[w];
        check_identifier(path, op.name, "weight", w, def.name);
        for (int32_t v = 0; v < w; ++v) {
            if (std::strcmp(op.weights[v].name, def.name) == 0) {
                fail_load(path, format("op %s has two weights called %s", op.name, def.name));
            }
        }
        const bool known = def.init == ANVIL_PLUGIN_INIT_CONSTANT || def.init == ANVIL_PLUGIN_INIT_UNIFORM ||
                           def.init == ANVIL_PLUGIN_INIT_UNIFORM_FAN_IN;
        if (!known) fail_load(path, format("op %s: weight %s has the unknown initialiser %d", op.name, def.name, def.init));
        if (!std::isfinite(def.init_arg) || (def.init == ANVIL_PLUGIN_INIT_UNIFORM && !(def.init_arg > 0.0f))) {
            fail_load(path, format("op %s: weight %s has the initialiser argument %g (finite, and > 0 for a uniform "
                                   "bound)", op.name, def.name, static_cast<double>(def.init_arg)));
        }
    }
}

void check_buffers(const char* path, const anvil_op_v3& op) {
    check_declared(path, op.name, "buffers", "buffer_shapes", op.num_buffers, ANVIL_PLUGIN_MAX_BUFFERS,
                   op.buffers, reinterpret_cast<const void*>(op.buffer_shapes));
    for (int32_t b = 0; b < op.num_buffers; ++b) {
        const anvil_buffer_def& def = op.buffers[b];
        check_identifier(path, op.name, "buffer", b, def.name);
        // Weights and buffers share the layer's state dict: one name, one tensor.
        for (int32_t v = 0; v < b; ++v) {
            if (std::strcmp(op.buffers[v].name, def.name) == 0) {
                fail_load(path, format("op %s has two buffers called %s", op.name, def.name));
            }
        }
        for (int32_t w = 0; w < op.num_weights; ++w) {
            if (std::strcmp(op.weights[w].name, def.name) == 0) {
                fail_load(path, format("op %s has a weight and a buffer called %s", op.name, def.name));
            }
        }
        if (!std::isfinite(def.init)) {
            fail_load(path, format("op %s: buffer %s starts at %g; it must be finite", op.name, def.name,
                                   static_cast<double>(def.init)));
        }
    }
}

}  // namespace

void PluginLibrary::read_v2(const char* path, const anvil_plugin_v2* table) {
    check_table(path, table, ANVIL_PLUGIN_ABI_VERSION_2, "anvil_plugin_entry_v2");
    name_ = table->name;
    for (int32_t i = 0; i < table->num_ops; ++i) {
        const anvil_op_v2& op = table->ops[i];
        check_op(path, op, i);
        check_inputs_and_weights(path, op);
        ops_.push_back({op.name, op.description != nullptr ? op.description : "", op.num_inputs, op.num_params,
                        op.num_weights, 0, op.weights, op.weight_shapes, nullptr, nullptr, nullptr, &op, nullptr});
    }
}

void PluginLibrary::read_v3(const char* path, const anvil_plugin_v3* table) {
    check_table(path, table, ANVIL_PLUGIN_ABI_VERSION_3, "anvil_plugin_entry_v3");
    name_ = table->name;
    for (int32_t i = 0; i < table->num_ops; ++i) {
        const anvil_op_v3& op = table->ops[i];
        check_op(path, op, i);
        check_inputs_and_weights(path, op);
        check_buffers(path, op);
        ops_.push_back({op.name, op.description != nullptr ? op.description : "", op.num_inputs, op.num_params,
                        op.num_weights, op.num_buffers, op.weights, op.weight_shapes, op.buffers, op.buffer_shapes,
                        nullptr, nullptr, &op});
    }
}

void PluginLibrary::check_unique_names(const char* path) const {
    for (size_t i = 0; i < ops_.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (std::strcmp(ops_[j].name, ops_[i].name) == 0) fail_load(path, format("two ops are called %s", ops_[i].name));
        }
    }
}

const PluginOp& PluginLibrary::op(int32_t index) const {
    ANVIL_REQUIRE(index >= 0 && index < op_count(), "op index %d is out of range: plug-in %s has %d ops", index, name_,
                  op_count());
    return ops_[static_cast<size_t>(index)];
}

int32_t PluginLibrary::find(const char* op_name) const {
    std::string available;
    for (int32_t i = 0; i < op_count(); ++i) {
        if (std::strcmp(ops_[i].name, op_name) == 0) return i;
        available += (i == 0 ? "" : ", ") + std::string(ops_[i].name);
    }
    throw Error(ANVIL_ERR_INVALID_ARGUMENT, format("plug-in %s has no op %s; its ops: %s", name_, op_name, available.c_str()));
}

void PluginLibrary::fail(const PluginOp& op, anvil_status status, const char* fmt, ...) const {
    va_list args;
    va_start(args, fmt);
    char message[1024];
    std::vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    throw Error(status, format("plug-in %s op %s: %s", name_, op.name, message));
}

}  // namespace anvil
