// SPDX-License-Identifier: GPL-2.0-or-later
// Given a UKI, produce exactly the kernel, initrd and command line that
// systemd-stub would have booted: profile selection, addons, the initrd in
// the stub's order with its generated /.extra archives, all without copying
// payload (the result is made of slices of the input files).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/payload.hpp"
#include "pe/authenticode.hpp"
#include "sys/sysroot.hpp"
#include "uki/uki.hpp"
#include "uki/verify.hpp"

namespace kx::uki {

// Where systemd-stub would look for what it adds to a UKI: <uki>.extra.d
// beside it and, when it lies on a vfat mount (an ESP), that mount's loader/
// directories. Found once, from the file kexec has open (its descriptor),
// never from the name it was given again: a symbolic link swapped in
// between cannot pair one UKI with another's addons and credentials.
struct SidecarPlaces {
    std::optional<std::string> extra_dir;  // "/efi/EFI/Linux/x.efi.extra.d"
    std::optional<std::string> esp_root;   // "/efi"
};
Result<SidecarPlaces> sidecar_places(const MappedFile& opened, const SystemView& sys);

struct BootRequest {
    std::optional<std::string> profile;       // --uki-profile=N|ID
    std::optional<std::string> user_cmdline;  // composed as kexec-tools does, when given
    std::string user_cmdline_origin;          // e.g. "--append"
    // Where the caller's line comes from when it is (built from) the running
    // kernel's, which has the addons' parameters it booted with: then they
    // are not appended to it. Empty: a line given by hand; they follow it.
    std::string user_cmdline_from_running_kernel;
    std::string user_initrd;                  // the option whose initrd replaces the assembled one, if any
    std::vector<std::string> addon_files;     // --uki-addon, in order
    bool search_addons = true;                // false: --uki-no-addons
    bool strict = false;                      // --uki-strict
    bool secure_boot = false;                 // the running system booted with Secure Boot on
    AddonTrust addon_trust;
    SidecarPlaces places;                     // none: no addons, credentials or extensions are found
    uint64_t copy_limit = UINT64_MAX;         // the most all addons that must verify may take in sealed memory
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

Result<UkiBoot> plan_uki_boot(const Uki& uki, const BootRequest& req);

// The "@N " profile prefix systemd-stub accepts on a command line: strips
// exactly "@N" plus one space and returns N; nullopt when there is none.
std::optional<unsigned> take_profile_prefix(std::string& cmdline);

// The name systemd-stub derives <uki>.extra.d from, for a UKI at `path_on_esp`
// (its path below the ESP root, as the firmware's device path names it):
// systemd-boot's boot counting renames NAME.efi to NAME+LEFT-DONE.efi, and
// the stub removes that suffix again (remove_boot_count() in systemd's
// src/boot/util.c): the first '+' of the path, a decimal number, optionally
// '-' and another, then the end of the name or a '.'. Anything else is left
// as it is.
std::string remove_boot_count(std::string path_on_esp);

// The root of the vfat file system (ESP or XBOOTLDR) holding the file at
// canonical path `path`, from /proc/self/mountinfo; nullopt when it is not
// on one.
Result<std::optional<std::string>> esp_root_of(const std::string& path, const SystemView& sys);

}  // namespace kx::uki
