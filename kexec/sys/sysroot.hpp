// SPDX-License-Identifier: GPL-2.0-or-later
// The one place that reads /proc, /sys and /sys/firmware. Tests point it at a
// captured fixture tree (--sysroot=DIR or KEXEC_UKI_SYSROOT) so the x86 code
// runs against real BIOS, UEFI and Secure Boot guests' views of the machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kx {

class SystemView {
public:
    explicit SystemView(std::string root = "/");

    // True when this view is the live machine (root "/"), the only case in
    // which side effects such as mounting securityfs are allowed.
    bool is_live() const { return root_ == "/"; }
    const std::string& root() const { return root_; }

    // `path` is absolute as on the machine, e.g. "/proc/iomem".
    std::string resolve(std::string_view path) const;
    Result<std::string> read_text(std::string_view path) const;
    // nullopt when the file does not exist (ENOENT, ENOTDIR); any other
    // failure (EACCES: not root) is an error, never "absent".
    Result<std::optional<std::string>> read_text_if_exists(std::string_view path) const;
    // A file holding one hex number (parse_hex); nullopt when missing or not one.
    Result<std::optional<uint64_t>> read_hex(std::string_view path) const;
    // For probes where unreadable honestly means "unknown" (lockdown as a
    // normal user, the loaded state): the text, or nullopt when absent or
    // unreadable. Everything else uses read_text_if_exists.
    std::optional<std::string> probe_text(std::string_view path) const;
    Result<std::string> read_bytes(std::string_view path) const;
    // At most `limit` bytes from the start (for files such as /proc/kcore).
    std::optional<std::string> read_prefix(std::string_view path, size_t limit) const;
    bool exists(std::string_view path) const;
    // Sorted entry names (no "." or ".."); empty when missing.
    std::vector<std::string> list_dir(std::string_view path) const;

    // State that is not a plain file read, captured once before planning
    // (kexec_main does it) so that planning itself never forks, mounts or
    // draws randomness, and the same inputs give the same plan.
    //  - set_file(): a file read some other way, e.g. lockdown read in a
    //    private mount namespace when securityfs is not mounted, or the
    //    framebuffer's screen info (ioctls) as "/dev/fb0.screeninfo".
    //    Reads of `path` return `contents` from then on, and list_dir()
    //    shows it (fuzz targets build whole /proc trees this way).
    //  - the RNG seed for the next kernel (kexec_load's SETUP_RNG_SEED).
    void set_file(std::string path, std::string contents);
    struct RngSeed {
        std::string bytes;  // 32 bytes, or empty: none
        std::string note;   // said in the plan when not empty (a dry run's placeholder)
    };
    void set_rng_seed(RngSeed seed) { rng_seed_ = std::move(seed); }
    const RngSeed& rng_seed() const { return rng_seed_; }

private:
    std::string root_;
    std::vector<std::pair<std::string, std::string>> captured_;  // set_file()
    RngSeed rng_seed_;
};

}  // namespace kx
