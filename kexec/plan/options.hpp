// SPDX-License-Identifier: GPL-2.0-or-later
// The command line, parsed once into a plain value. Semantics follow
// kexec-tools 2.0.32 (kexec/kexec.c main()), so distro scripts keep working.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/x86_64/kexec_load_options.hpp"
#include "base/result.hpp"

namespace kx {

enum class SyscallMode { Auto, FileLoad, Load };  // -a (default), -s, -c
// Options kexec-tools acts on inside its option loop, ending the run there:
// later arguments are not even looked at.
enum class Immediate { None, Help, HelpAndFail, Version, PrintCkrSize, ExecLiveUpdate };
enum class DryRunFormat { None, Text, Json };

struct Options {
    // What to do: the same switches kexec-tools' main() derives from -l/-p/-u/-e/-f.
    bool do_load = true;
    bool do_exec = false;
    bool do_shutdown = true;  // no -l/-p/-e/-u/-S: load, then `shutdown -r now`
    bool do_sync = true;
    bool do_ifdown = false;
    bool do_unload = false;
    bool do_status = false;
    bool has_opt_load = false;
    bool load_jump_back_helper = false;
    bool live_update = false;
    bool crash = false;         // -p: KEXEC_ON_CRASH / KEXEC_FILE_ON_CRASH
    bool debug = false;         // -d
    Immediate immediate = Immediate::None;
    bool no_cma = false;
    bool force_dtb = false;
    bool reuse_initrd = false;
    SyscallMode syscall_mode = SyscallMode::Auto;
    std::optional<std::string> type;  // -t

    // Image options (bzImage64 / ELF / UKI).
    std::optional<std::string> append;  // last of --append / --command-line
    std::string append_option = "--append";  // which of the two gave it
    bool reuse_cmdline = false;
    std::optional<std::string> initrd;  // --initrd / --ramdisk

    // kexec_load's own (x86_64): the arch code reads these and nothing else.
    x86::KexecLoadOptions kexec_load;

    // Our own (long options only).
    DryRunFormat dry_run = DryRunFormat::None;
    std::optional<std::string> sysroot;
    std::optional<std::string> uki_info;
    bool json = false;
    std::optional<std::string> uki_profile;
    std::vector<std::string> uki_addons;
    bool uki_no_addons = false;
    bool uki_strict = false;
    std::optional<std::string> uki_verify;  // "db" or a PEM bundle
    std::string uki_verify_option;          // who asked: "--uki-verify", or "--uki-strict" (implies it)
    bool uki_allow_sha1 = false;            // accept Authenticode signatures made with SHA-1 (never MD5)

    std::optional<std::string> kernel;  // first non-option argument
    std::vector<std::string> ignored_arguments;  // the ones after it: kexec-tools ignores them too
    // Kernel-image options given (--command-line, --initrd, ...): without a
    // load kexec-tools refuses them with its usage (exit 1).
    std::vector<std::string> image_options;
    std::vector<std::string> ignored_options;  // accepted for compatibility, no effect here (--module, --dtb)

    bool user_gave_cmdline() const { return append.has_value() || reuse_cmdline; }
};

// Parse argv. On a bad option the error is one line, printed as "kexec: ...".
Result<Options> parse_options(int argc, char** argv);

// Every long option name (for the test that keeps --help and the man page
// in step with the parser).
std::vector<std::string> long_option_names();

}  // namespace kx
