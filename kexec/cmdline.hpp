// Command lines as kexec-tools builds them: --reuse-cmdline takes the
// running kernel's /proc/cmdline minus BOOT_IMAGE= (and crashkernel= for a
// crash kernel), and --append/--command-line is added after it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"
#include "result.hpp"
#include "sysroot.hpp"

namespace kx {

struct UserCmdline {
    std::string text;
    std::string origin;  // "--append", "--reuse-cmdline", "--reuse-cmdline + --append"
};

// nullopt when the user gave none of --command-line, --append, --reuse-cmdline.
Result<std::optional<UserCmdline>> compose_user_cmdline(const Options& opts, const SystemView& sys);

// Split a kernel command line into parameters, keeping quoted values whole.
std::vector<std::string> split_cmdline(std::string_view cmdline);
// Drop every parameter named `name` (as `name` or `name=...`).
std::string remove_parameter(std::string_view cmdline, std::string_view name);

}  // namespace kx
