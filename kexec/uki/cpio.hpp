// SPDX-License-Identifier: GPL-2.0-or-later
// A newc ("070701") cpio writer whose output is a Payload: headers are
// generated, file contents are slices of the files themselves (a sysext
// image is never copied into our memory). The kernel unpacks concatenated
// newc archives, compressed or not, into one rootfs.
#pragma once

#include <cstdint>
#include <string>

#include "data/payload.hpp"

namespace kx::uki {

class CpioWriter {
public:
    // Paths are relative, without a leading '/', e.g. ".extra/os-release".
    // The directory `path` with `mode`, each leading directory first with
    // 0555, as systemd-stub's pack_cpio_prefix() (src/boot/cpio.c) writes
    // them: ".extra/credentials" with 0500 is ".extra" 0555, then
    // ".extra/credentials" 0500. A directory already added is not repeated.
    void add_directory(const std::string& path, uint32_t mode);
    // An error for what newc cannot hold: 4 GiB or more, a NUL in the name,
    // the name that marks the end of an archive.
    Status add_file(const std::string& path, uint32_t mode, const Payload& contents);
    // Append the trailer and return the archive (a multiple of 4 bytes).
    Payload finish();

private:
    void add_entry(const std::string& path, uint32_t mode, const Payload& contents);
    void add_one_directory(const std::string& path, uint32_t mode);
    void pad();
    void flush();
    Payload out_;
    uint64_t emitted_ = 0;  // bytes in out_
    std::string pending_;   // header bytes not yet flushed into out_
    std::vector<std::string> dirs_;
    uint32_t next_inode_ = 1;
};

}  // namespace kx::uki
