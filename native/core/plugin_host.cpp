#include "plugin_host.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cerrno>
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
