// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/kernel_file.hpp"

#include <algorithm>
#include <cstring>
#include <zlib.h>

#include "arch/x86_64/bzimage.hpp"
#include "pe/pe_file.hpp"
#include "base/strings.hpp"
#include "uki/sections.hpp"

namespace kx {
namespace {

constexpr uint64_t kMaxDecompressedKernel = 1ull << 30;

bool is_elf64_x86(std::span<const uint8_t> b) {
    return b.size() >= 64 && std::memcmp(b.data(), "\x7f" "ELF", 4) == 0 && b[4] == 2 /*64-bit*/ &&
           b[5] == 1 /*LE*/ && b[18] == 62 /*EM_X86_64*/ && b[19] == 0;
}

struct TypeName {
    const char* name;
    std::optional<ImageKind> kind;  // nullopt: a kexec-tools type we do not load
};

const TypeName kTypeNames[] = {
    {"bzImage64", ImageKind::BzImage64}, {"bzImage", ImageKind::BzImage64},
    {"uki", ImageKind::Uki},             {"elf-x86_64", ImageKind::ElfX86_64},
    {"multiboot2-x86", std::nullopt},    {"multiboot-x86", std::nullopt},
    {"elf-x86", std::nullopt},           {"beoboot-x86", std::nullopt},
    {"nbi-x86", std::nullopt},
};

}  // namespace

const char* image_kind_name(ImageKind kind) {
    switch (kind) {
    case ImageKind::BzImage64: return "bzImage64";
    case ImageKind::Uki: return "uki";
    case ImageKind::Addon: return "uki-addon";
    case ImageKind::ElfX86_64: return "elf-x86_64";
    }
    return "?";
}

bool is_gzip(std::span<const uint8_t> d) { return d.size() >= 3 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 8; }

namespace {

// The start of every image we load: a bzImage's setup header, an ELF
// header, a PE's MZ. Enough to tell a kernel from a gzip bomb early.
constexpr size_t kSniffBytes = size_t{64} * 1024;
bool starts_like_a_kernel(std::span<const uint8_t> b) {
    return x86::has_setup_header(b) || is_elf64_x86(b) || (b.size() >= 2 && b[0] == 'M' && b[1] == 'Z');
}

// zlib's stream, ended however we leave.
struct Inflater {
    z_stream zs{};
    bool ready = inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK;
    ~Inflater() {
        if (ready)
            inflateEnd(&zs);
    }
};

}  // namespace

Result<std::string> gunzip(std::span<const uint8_t> data, const std::string& name, uint64_t max_size) {
    Inflater z;
    if (!z.ready)
        return make_error(name + ": cannot initialise zlib");
    z.zs.next_in = const_cast<Bytef*>(data.data());
    z.zs.avail_in = static_cast<uInt>(std::min<uint64_t>(data.size(), UINT32_MAX));
    std::string out;
    bool sniffed = false;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (out.size() >= max_size)
            return usage_error(name + ": decompresses to more than " + format_size(max_size) +
                               ", more than a kernel can be (or than the memory available): refusing");
        if (!sniffed && out.size() >= kSniffBytes) {
            if (!starts_like_a_kernel(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size())))
                return usage_error(name + ": the gzip data does not decompress to a kernel (no bzImage, ELF or PE "
                                          "header at its start)");
            sniffed = true;
        }
        const size_t old = out.size();
        // The first step is only the sniff; then 1 MiB at a time.
        const uint64_t step = sniffed ? (1u << 20) : kSniffBytes - old;
        try {
            out.resize(std::min<uint64_t>(old + step, max_size + 1));
        } catch (const std::bad_alloc&) {
            return usage_error(name + ": not enough memory to decompress it (" + format_size(old) + " so far)");
        }
        z.zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
        z.zs.avail_out = static_cast<uInt>(out.size() - old);
        rc = inflate(&z.zs, Z_NO_FLUSH);
        out.resize(out.size() - z.zs.avail_out);
        if (rc == Z_BUF_ERROR && z.zs.avail_in == 0)
            return usage_error(name + ": gzip data is truncated");
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return usage_error(name + ": gzip decompression failed: " + (z.zs.msg ? z.zs.msg : "corrupt data"));
    }
    return out;
}

uint64_t memory_copy_limit(const SystemView& sys) {
    if (auto meminfo = sys.probe_text("/proc/meminfo"))
        for (const std::string& line : split_lines(*meminfo))
            if (starts_with(line, "MemAvailable:"))
                if (auto kib = parse_u64(trim(line.substr(13, line.find(" kB") - 13))))
                    return *kib * 1024 / 2;
    return UINT64_MAX;
}

uint64_t decompression_limit(const SystemView& sys) { return std::min(kMaxDecompressedKernel, memory_copy_limit(sys)); }

Result<std::optional<ImageKind>> probe_image(std::span<const uint8_t> bytes, const std::string& name) {
    using Kind = std::optional<ImageKind>;
    const bool bzimage = x86::has_setup_header(bytes);
    if (pe::looks_like_pe(bytes)) {
        auto pe = pe::PeFile::parse(bytes, name);
        if (pe.ok()) {
            if (pe->find_section(".linux"))
                return Kind(ImageKind::Uki);
            if (uki::has_addon_payload(*pe) && !bzimage)
                return Kind(ImageKind::Addon);
        } else if (!bzimage) {
            // A PE we cannot read (and not an EFI-stub kernel, whose PE
            // header kexec does not need): say what is wrong with it.
            return pe.take_error();
        }
    }
    if (bzimage)
        return Kind(ImageKind::BzImage64);
    if (is_elf64_x86(bytes))
        return Kind(ImageKind::ElfX86_64);
    return Kind();
}

Result<KernelFile> open_kernel_file(const std::string& path, const std::optional<std::string>& forced_type,
                                    uint64_t max_decompressed) {
    std::optional<ImageKind> forced;
    if (forced_type) {
        const TypeName* t = nullptr;
        for (const TypeName& n : kTypeNames)
            if (*forced_type == n.name)
                t = &n;
        if (!t)
            return make_error("unsupported kernel type " + quote(*forced_type) +
                              " (known: bzImage64, uki, elf-x86_64)");
        if (!t->kind)
            return make_error("kernel type " + quote(*forced_type) +
                              " is not supported by kexec-uki (supported: bzImage64, uki, "
                              "elf-x86_64)");
        forced = t->kind;
    }

    KX_ASSIGN(FileRef original, MappedFile::open(path));
    KernelFile k{ImageKind::BzImage64, original, original, false};
    if (is_gzip(original->bytes())) {
        KX_ASSIGN(std::string raw, gunzip(original->bytes(), path, max_decompressed));
        k.contents = MappedFile::from_bytes(path + " (decompressed)", std::move(raw));
        k.decompressed = true;
    }
    KX_ASSIGN(std::optional<ImageKind> probed, probe_image(k.contents->bytes(), path));
    if (forced) {
        // -t uki forces the UKI reader on a PE file whatever it probes as.
        if (probed && *probed != *forced && !(*forced == ImageKind::Uki &&
                                               pe::looks_like_pe(k.contents->bytes())))
            return make_error(path + ": wrong file type " + quote(*forced_type) +
                              ", file matches type " + image_kind_name(*probed));
        if (!probed && !(*forced == ImageKind::Uki && pe::looks_like_pe(k.contents->bytes())))
            return make_error(path + ": not a " + image_kind_name(*forced) + " image");
        k.kind = *forced;
    } else {
        if (!probed) {
            if (original->size() == 0)
                return make_error(path + ": file is empty");
            if (original->size() >= 6 && std::memcmp(original->bytes().data(), "\xfd" "7zXZ", 6) == 0)
                return make_error(path + ": xz-compressed kernels are not supported; "
                                  "decompress it first (xz -d)");
            return make_error(path + ": cannot determine the file type (not a bzImage, UKI or "
                              "x86-64 ELF kernel)");
        }
        k.kind = *probed;
    }
    if (k.kind == ImageKind::Addon)
        return make_error(path + ": is a UKI addon, not a kernel; pass it with --uki-addon=" +
                          path + " next to the UKI it extends");
    return k;
}

}  // namespace kx
