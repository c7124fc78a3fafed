// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/kexec_abi.hpp"

#include <iterator>
#include <utility>

#include "base/strings.hpp"

namespace kx::abi {
namespace {

std::string names(unsigned long flags, const std::pair<unsigned long, const char*>* table, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; i++) {
        if (!(flags & table[i].first))
            continue;
        if (!out.empty())
            out += '|';
        out += table[i].second;
        flags &= ~table[i].first;
    }
    if (flags) {
        if (!out.empty())
            out += '|';
        out += hex(flags);
    }
    return out.empty() ? "0" : out;
}

}  // namespace

std::string file_flag_names(unsigned long flags) {
    static const std::pair<unsigned long, const char*> table[] = {
        {KEXEC_FILE_UNLOAD, "UNLOAD"},     {KEXEC_FILE_ON_CRASH, "ON_CRASH"},
        {KEXEC_FILE_NO_INITRAMFS, "NO_INITRAMFS"}, {KEXEC_FILE_DEBUG, "DEBUG"},
        {KEXEC_FILE_NO_CMA, "NO_CMA"},     {KEXEC_FILE_FORCE_DTB, "FORCE_DTB"},
    };
    return names(flags, table, std::size(table));
}

std::string load_flag_names(unsigned long flags) {
    static const std::pair<unsigned long, const char*> table[] = {
        {KEXEC_ARCH_X86_64, "ARCH_X86_64"},
        {KEXEC_ON_CRASH, "ON_CRASH"},
        {KEXEC_PRESERVE_CONTEXT, "PRESERVE_CONTEXT"},
        {KEXEC_UPDATE_ELFCOREHDR, "UPDATE_ELFCOREHDR"},
    };
    return names(flags, table, std::size(table));
}

}  // namespace kx::abi
