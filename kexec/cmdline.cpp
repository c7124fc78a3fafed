#include "cmdline.hpp"

#include "strings.hpp"

namespace kx {

std::vector<std::string> split_cmdline(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    bool in_quotes = false, have = false;
    for (char c : s) {
        if (c == '"')
            in_quotes = !in_quotes;
        if (!in_quotes && (c == ' ' || c == '\t' || c == '\n')) {
            if (have)
                out.push_back(std::move(cur));
            cur.clear();
            have = false;
            continue;
        }
        cur.push_back(c);
        have = true;
    }
    if (have)
        out.push_back(std::move(cur));
    return out;
}

std::string remove_parameter(std::string_view cmdline, std::string_view name) {
    std::string out;
    for (const std::string& p : split_cmdline(cmdline)) {
        // Like kexec-tools, a prefix match at the start of a parameter counts
        // ("crashkernel" drops "crashkernel=256M" and "crashkernel=1G,high");
        // unlike it, every occurrence goes, not just the first.
        if (starts_with(p, name))
            continue;
        if (!out.empty())
            out += ' ';
        out += p;
    }
    return out;
}

Result<std::optional<UserCmdline>> compose_user_cmdline(const Options& opts, const SystemView& sys) {
    if (!opts.user_gave_cmdline())
        return std::optional<UserCmdline>{};
    UserCmdline c;
    if (opts.reuse_cmdline) {
        KX_ASSIGN(std::string proc, sys.read_text("/proc/cmdline"));
        std::string line = proc.substr(0, proc.find_first_of("\r\n"));
        line = remove_parameter(line, "BOOT_IMAGE");
        if (opts.crash)
            line = remove_parameter(line, "crashkernel");
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
