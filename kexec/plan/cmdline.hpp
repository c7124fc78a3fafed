// SPDX-License-Identifier: GPL-2.0-or-later
// Command lines as kexec-tools builds them: --reuse-cmdline takes the
// running kernel's /proc/cmdline verbatim but for BOOT_IMAGE= (and
// crashkernel= for a crash kernel), and --append/--command-line is added
// after it with one space.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plan/options.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx {

struct UserCmdline {
    std::string text;
    std::string origin;  // "--append", "--reuse-cmdline", "--reuse-cmdline + --append"
};

// nullopt when the user gave none of --command-line, --append, --reuse-cmdline.
Result<std::optional<UserCmdline>> compose_user_cmdline(const Options& opts, const SystemView& sys);

// kexec-tools' remove_parameter(): the first occurrence of `name` goes, with
// everything up to and including the next space, if it starts the line or
// follows whitespace; a first occurrence inside a word ("nocrashkernel")
// removes nothing, and later occurrences stay (it strstr()s once). Nothing
// else is touched: IMA measurements compare the exact string.
std::string remove_parameter(std::string line, std::string_view name);

}  // namespace kx
