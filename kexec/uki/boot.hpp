// SPDX-License-Identifier: GPL-2.0-or-later
// Given a UKI, produce exactly the kernel, initrd and command line that
// systemd-stub would have booted: profile selection, addons, the initrd in
// the stub's order with its generated /.extra archives, all without copying
// payload (the result is made of slices of the input files).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "payload.hpp"
#include "pe/authenticode.hpp"
#include "sysroot.hpp"
#include "uki/uki.hpp"
#include "uki/verify.hpp"

namespace kx::uki {

struct BootRequest {
    std::optional<std::string> profile;       // --uki-profile=N|ID
    std::optional<std::string> user_cmdline;  // composed as kexec-tools does, when given
    std::string user_cmdline_origin;          // e.g. "--append"
    bool user_initrd = false;                 // --initrd replaces the assembled initrd
    std::vector<std::string> addon_files;     // --uki-addon, in order
    bool search_addons = true;                // false: --uki-no-addons
    bool strict = false;                      // --uki-strict
    bool secure_boot = false;                 // the running system booted with Secure Boot on
    AddonTrust addon_trust;
};

struct AddonUse {
    std::string path;
    std::string origin;  // "global", "per-UKI", "--uki-addon"
    std::string cmdline;
    bool initrd = false, ucode = false, dtb = false;
    std::string trusted_because;  // when verified: who signed it, trusted by what
};

struct SkippedAddon {
    std::string path;
    std::string origin;
    std::string reason;
};

struct UkiBoot {
    unsigned profile = 0;
    Payload kernel;       // the .linux payload
    Payload initrd;       // assembled; empty when there is nothing to pass
    std::string cmdline;
    std::string cmdline_source;
    std::vector<AddonUse> addons;
    std::vector<SkippedAddon> skipped_addons;  // found on disk, not applied (each also a note)
    std::vector<std::string> notes;
};

Result<UkiBoot> plan_uki_boot(const Uki& uki, const BootRequest& req, const SystemView& sys);

// The "@N " profile prefix systemd-stub accepts on a command line: strips
// exactly "@N" plus one space and returns N; nullopt when there is none.
std::optional<unsigned> take_profile_prefix(std::string& cmdline);

// The root of the vfat file system (ESP or XBOOTLDR) holding `path`, from
// /proc/self/mountinfo; nullopt when the file is not on one.
Result<std::optional<std::string>> esp_root_of(const std::string& path, const SystemView& sys);

}  // namespace kx::uki
