// The one place that reads /proc, /sys and /sys/firmware. Tests point it at a
// captured fixture tree (--sysroot=DIR or KEXEC_UKI_SYSROOT) so the x86 code
// runs against real BIOS, UEFI and Secure Boot guests' views of the machine.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

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

private:
    std::string root_;
};

}  // namespace kx
