// SPDX-License-Identifier: GPL-2.0-or-later
// A small PE/COFF reader over a read-only mapping. Every offset, size, count
// and sum is checked against the file size (and for overflow) when parsing,
// so a hostile file yields an error naming what is wrong, never a read
// outside the mapping or an unbounded allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kx::pe {

constexpr uint16_t kMachineAmd64 = 0x8664;
constexpr uint16_t kMachineI386 = 0x014c;
constexpr uint16_t kMagicPe32 = 0x10b;
constexpr uint16_t kMagicPe32Plus = 0x20b;
constexpr uint32_t kMaxSections = 96;   // the PE loader limit (systemd and Windows agree)
constexpr unsigned kDirCertificate = 4;  // IMAGE_DIRECTORY_ENTRY_SECURITY
constexpr uint16_t kWinCertTypePkcsSignedData = 0x0002;
constexpr uint16_t kWinCertRevision2 = 0x0200;  // WIN_CERT_REVISION_2_0, the only one Linux and sbverify take

struct Section {
    unsigned index = 0;
    std::string name;  // up to 8 bytes, NUL padding removed
    uint32_t virtual_size = 0;
    uint32_t virtual_address = 0;
    uint32_t size_of_raw_data = 0;
    uint32_t pointer_to_raw_data = 0;
    uint32_t characteristics = 0;

    // How many bytes of the section the file holds: systemd-stub and the
    // firmware read min(VirtualSize, SizeOfRawData) from PointerToRawData.
    // VirtualSize is smaller when raw data is padded to FileAlignment
    // (objcopy); larger when the loader zero-fills the rest in memory (ukify
    // sets .linux's VirtualSize to the kernel's SizeOfImage).
    uint32_t file_size() const { return virtual_size < size_of_raw_data ? virtual_size : size_of_raw_data; }
};

struct Certificate {
    uint64_t offset = 0;  // of the WIN_CERTIFICATE header in the file
    uint32_t length = 0;  // dwLength, header included
    uint16_t revision = 0;
    uint16_t type = 0;
    std::span<const uint8_t> data;  // bCertificate
};

// MZ at 0 and "PE\0\0" where e_lfanew points; cheap, used for probing.
bool looks_like_pe(std::span<const uint8_t> bytes);

class PeFile;
// Why UEFI firmware would not load this image, or nothing. EDK2's PE loader
// (PeCoffLoaderLoadImage() in BasePeCoffLib) refuses a section with bytes to
// load whose first or last byte in memory lies at or past SizeOfImage
// (IMAGE_ERROR_SECTION_NOT_LOADED): what objcopy writes when a UKI builder
// asks for addresses below the stub's image base, as dracut 059 does with
// systemd 254's stub. kexec reads sections from the file, so it can still
// load such a UKI; but no firmware would ever have started its stub.
std::optional<std::string> firmware_load_refusal(const PeFile& pe);

class PeFile {
public:
    // `name` (the file name) prefixes every error message. The header
    // rules (pe_file.cpp, rules 1-9) are Linux's verify_pefile's and EDK2's:
    // everything Authenticode hashes is where both verifiers look for it.
    static Result<PeFile> parse(std::span<const uint8_t> bytes, std::string name);
    // The same for a PE image that `bytes` may continue past: a kernel
    // inside a UKI's .linux, padded by the UKI builder. Bytes after its
    // certificate table are not part of it (image_extent() ends there);
    // parse the image itself (those bytes cut off) to judge its signature.
    static Result<PeFile> parse_embedded(std::span<const uint8_t> bytes, std::string name);

    const std::string& name() const { return name_; }
    std::span<const uint8_t> bytes() const { return bytes_; }
    uint16_t machine() const { return machine_; }
    bool is_pe32_plus() const { return magic_ == kMagicPe32Plus; }
    uint64_t image_base() const { return image_base_; }
    uint32_t size_of_image() const { return size_of_image_; }
    uint32_t size_of_headers() const { return size_of_headers_; }
    uint16_t subsystem() const { return subsystem_; }

    const std::vector<Section>& sections() const { return sections_; }
    const Section* find_section(std::string_view name) const;  // first match

    // A section's bytes in the file (Section::file_size() of them), as
    // systemd-stub reads them. parse() checked them against the file.
    Result<std::span<const uint8_t>> section_bytes(const Section& s) const;

    // How much of the file is the image: up to the end of the certificate
    // table when there is one (a signature covers everything before it),
    // else up to the end of the last section's raw data; never past the
    // file. What follows (zeros a UKI builder padded an embedded kernel
    // with) is not part of the image, and would change its Authenticode
    // digest as Linux's verify_pefile computes it.
    uint64_t image_extent() const;

    // The certificate table (Authenticode), already bounds-checked.
    const std::vector<Certificate>& certificates() const { return certificates_; }
    uint64_t certificate_table_offset() const { return cert_table_offset_; }
    uint64_t certificate_table_size() const { return cert_table_size_; }
    // Where the CheckSum field and the certificate-table directory entry
    // sit: Authenticode hashing skips both.
    uint64_t checksum_field_offset() const { return checksum_offset_; }
    std::optional<uint64_t> certificate_dir_entry_offset() const { return cert_dir_entry_offset_; }

private:
    Status parse_headers();
    Status check_header_rules(uint64_t opt, uint64_t opt_size, uint64_t fixed, uint32_t n_dirs,
                              uint32_t n_sections) const;
    Status parse_sections(uint64_t table_offset, uint64_t count);
    Status parse_certificates(uint64_t offset, uint64_t size);
    Error err(const std::string& what) const;

    std::string name_;
    std::span<const uint8_t> bytes_;
    uint16_t machine_ = 0;
    uint16_t magic_ = 0;
    uint64_t image_base_ = 0;
    uint32_t size_of_image_ = 0;
    uint32_t size_of_headers_ = 0;
    uint16_t subsystem_ = 0;
    bool trailing_allowed_ = false;
    uint64_t checksum_offset_ = 0;
    std::optional<uint64_t> cert_dir_entry_offset_;
    uint64_t cert_table_offset_ = 0;
    uint64_t cert_table_size_ = 0;
    std::vector<Section> sections_;
    std::vector<Certificate> certificates_;
};

}  // namespace kx::pe
