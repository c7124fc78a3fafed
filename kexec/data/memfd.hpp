// SPDX-License-Identifier: GPL-2.0-or-later
// Turning a Payload into what a syscall takes: an fd for kexec_file_load, a
// contiguous buffer for a kexec_load segment. A payload that is one whole
// file is passed as that file; anything else goes into a memfd (never a temp
// file), filled by in-kernel copies where possible, then sealed.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "data/payload.hpp"
#include "base/result.hpp"

namespace kx {

class PayloadFd {
public:
    PayloadFd() = default;
    PayloadFd(int fd, bool owned) : fd_(fd), owned_(owned) {}
    PayloadFd(PayloadFd&& o) noexcept : fd_(o.fd_), owned_(o.owned_) { o.fd_ = -1; }
    PayloadFd& operator=(PayloadFd&& o) noexcept;
    ~PayloadFd();
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    bool owned_ = false;
};

// `name` shows up in /proc/PID/fd as "/memfd:NAME".
Result<PayloadFd> payload_fd(const Payload& payload, const std::string& name);

// A private, sealed copy of `file` (a memfd), mapped in its place: what is
// verified is then exactly what is split and loaded, even if the file is
// rewritten in place meanwhile.
Result<FileRef> sealed_copy(const FileRef& file);

// A read-only view of the payload's bytes, valid while the view lives.
class PayloadView {
public:
    PayloadView() = default;
    PayloadView(PayloadView&&) noexcept;
    PayloadView& operator=(PayloadView&&) noexcept;
    ~PayloadView();
    std::span<const uint8_t> bytes() const { return bytes_; }
    static Result<PayloadView> of(const Payload& payload, const std::string& name);

private:
    std::span<const uint8_t> bytes_;
    void* map_ = nullptr;
    size_t map_size_ = 0;
};

}  // namespace kx
