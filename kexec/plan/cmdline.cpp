// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/cmdline.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace kx {

std::string remove_parameter(std::string line, std::string_view name) {
    if (name.empty())
        return line;  // nothing to remove (and find("") would match forever)
    const size_t start = line.find(name);
    if (start == std::string::npos || (start != 0 && !std::isspace(static_cast<unsigned char>(line[start - 1]))))
        return line;
    const size_t space = line.find(' ', start);
    line.erase(start, space == std::string::npos ? std::string::npos : space + 1 - start);
    return line;
}

Result<std::optional<UserCmdline>> compose_user_cmdline(const Options& opts, const SystemView& sys) {
    if (!opts.user_gave_cmdline())
        return std::optional<UserCmdline>{};
    UserCmdline c;
    if (opts.reuse_cmdline) {
        // As kexec-tools' get_command_line(): the last byte (the newline)
        // goes, then everything from the first CR or LF; die() if unreadable.
        auto proc = sys.read_text("/proc/cmdline");
        if (!proc.ok() || proc->empty())
            return usage_error("--reuse-cmdline: cannot read /proc/cmdline" +
                               (proc.ok() ? std::string(" (empty)") : ": " + proc.error().message));
        std::string line = proc->substr(0, proc->size() - 1);
        line.resize(std::min(line.size(), line.find_first_of("\r\n")));
        line = remove_parameter(std::move(line), "BOOT_IMAGE");
        if (opts.crash)
            line = remove_parameter(std::move(line), "crashkernel");
        c.text = line;
        c.origin = "--reuse-cmdline";
    }
    if (opts.append) {
        c.text = opts.reuse_cmdline ? c.text + " " + *opts.append : *opts.append;
        c.origin = opts.reuse_cmdline ? "--reuse-cmdline + " + opts.append_option : opts.append_option;
    }
    return std::optional<UserCmdline>(std::move(c));
}

}  // namespace kx
