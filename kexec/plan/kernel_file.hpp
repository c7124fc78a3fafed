// SPDX-License-Identifier: GPL-2.0-or-later
// Opening the kernel file given on the command line and deciding what it is:
// a bzImage, a UKI, a UKI addon (not loadable), an ELF vmlinux, possibly
// gzip-compressed (as kexec-tools accepts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sys/mapped_file.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx {

enum class ImageKind { BzImage64, Uki, Addon, ElfX86_64 };

struct KernelFile {
    ImageKind kind;
    FileRef original;    // the file as given
    FileRef contents;    // what is parsed and loaded: `original`, or its gzip-decompressed form
    bool decompressed = false;
};

const char* image_kind_name(ImageKind kind);  // the -t names: "bzImage64", "uki", ...

// Open `path`, decompress gzip (to at most `max_decompressed` bytes), probe
// its type. `forced_type` is -t.
Result<KernelFile> open_kernel_file(const std::string& path, const std::optional<std::string>& forced_type,
                                    uint64_t max_decompressed);

// How much kexec may copy an input into memory (a decompressed kernel, a
// sealed copy to verify): half the memory available now, since loading it
// needs the same again; no limit when /proc/meminfo does not say.
uint64_t memory_copy_limit(const SystemView& sys);

// How far a gzip kernel may decompress: 1 GiB (far beyond any x86 kernel,
// even a vmlinux with debug info) or memory_copy_limit().
uint64_t decompression_limit(const SystemView& sys);

// Probe in-memory bytes: nullopt when the type is unknown, an error when
// the file is a PE that cannot be parsed (and not a bzImage either).
Result<std::optional<ImageKind>> probe_image(std::span<const uint8_t> bytes, const std::string& name);

// gzip: decompress with a size cap (a hostile file cannot exhaust memory),
// stopping after the first 64 KiB when they do not start like a kernel.
Result<std::string> gunzip(std::span<const uint8_t> data, const std::string& name,
                           uint64_t max_size);
bool is_gzip(std::span<const uint8_t> data);

}  // namespace kx
