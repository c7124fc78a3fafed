// SPDX-License-Identifier: GPL-2.0-or-later
#include "pe/pe_file.hpp"

#include <algorithm>
#include <cstring>

#include "base/byte_reader.hpp"
#include "pe/pe_layout.hpp"
#include "base/strings.hpp"

namespace kx::pe {
namespace {

namespace L = layout;
constexpr uint32_t kMaxDataDirectories = 16;

std::string range(uint64_t offset, uint64_t size) {
    return "offset " + hex(offset) + ", size " + hex(size);
}

}  // namespace

bool looks_like_pe(std::span<const uint8_t> b) {
    if (b.size() < L::dos::kSize || b[0] != 'M' || b[1] != 'Z')
        return false;
    uint64_t lfanew = le32(b, L::dos::kLfanew);
    return fits(b, lfanew, L::kSignatureSize) && std::memcmp(b.data() + lfanew, "PE\0\0", L::kSignatureSize) == 0;
}

std::optional<std::string> firmware_load_refusal(const PeFile& pe) {
    for (const Section& s : pe.sections()) {
        uint64_t loaded = s.virtual_size;  // what EDK2 copies: VirtualSize, or the raw size when that is smaller or 0
        if (loaded == 0 || loaded > s.size_of_raw_data)
            loaded = s.size_of_raw_data;
        const uint64_t last = uint64_t{s.virtual_address} + s.virtual_size - (s.virtual_size ? 1 : 0);
        if (loaded > 0 && (s.virtual_address >= pe.size_of_image() || last >= pe.size_of_image()))
            return "section " + field(s.name) + " (VirtualAddress " + hex(s.virtual_address) + ", VirtualSize " +
                   hex(s.virtual_size) + ") lies outside the image's SizeOfImage " + hex(pe.size_of_image()) +
                   ": UEFI firmware refuses to load it, so its systemd-stub never runs";
    }
    return std::nullopt;
}

Error PeFile::err(const std::string& what) const { return make_error(name_ + ": " + what); }

Result<PeFile> PeFile::parse(std::span<const uint8_t> bytes, std::string name) {
    PeFile pe;
    pe.name_ = std::move(name);
    pe.bytes_ = bytes;
    KX_TRY(pe.parse_headers());
    return pe;
}

Result<PeFile> PeFile::parse_embedded(std::span<const uint8_t> bytes, std::string name) {
    PeFile pe;
    pe.name_ = std::move(name);
    pe.bytes_ = bytes;
    pe.trailing_allowed_ = true;
    KX_TRY(pe.parse_headers());
    return pe;
}

Status PeFile::parse_headers() {
    const auto b = bytes_;
    if (b.size() < L::dos::kSize)
        return err("too small for a DOS header (" + std::to_string(b.size()) +
                   " bytes, need 64)");
    if (b[0] != 'M' || b[1] != 'Z')
        return err("not a PE file (no MZ signature)");
    const uint64_t pe_offset = le32(b, L::dos::kLfanew);
    if (!fits(b, pe_offset, L::kSignatureSize))
        return err("PE header offset " + hex(pe_offset) +
                   " (e_lfanew) is past the end of the file (size " + hex(b.size()) + ")");
    if (std::memcmp(b.data() + pe_offset, "PE\0\0", L::kSignatureSize) != 0)
        return err("bad PE signature at " + hex(pe_offset));

    const uint64_t coff = pe_offset + L::kSignatureSize;
    if (!fits(b, coff, L::coff::kSize))
        return err("COFF header at " + hex(coff) + " is truncated (file size " + hex(b.size()) + ")");
    machine_ = le16(b, coff + L::coff::kMachine);
    const uint32_t n_sections = le16(b, coff + L::coff::kNumberOfSections);
    const uint64_t opt_size = le16(b, coff + L::coff::kSizeOfOptionalHeader);
    if (n_sections == 0)
        return err("PE file has no sections");
    if (n_sections > kMaxSections)
        return err("too many sections (" + std::to_string(n_sections) + "; at most " +
                   std::to_string(kMaxSections) + ")");

    const uint64_t opt = coff + L::coff::kSize;
    if (opt_size < 2)
        return err("no optional header (SizeOfOptionalHeader " + std::to_string(opt_size) +
                   "): not an image");
    if (!fits(b, opt, opt_size))
        return err("optional header (" + range(opt, opt_size) + ") extends past end of file");
    magic_ = le16(b, opt + L::opt::kMagic);
    if (magic_ != kMagicPe32 && magic_ != kMagicPe32Plus)
        return err("unknown optional header magic " + hex(magic_));
    const bool plus = magic_ == kMagicPe32Plus;
    const uint64_t fixed = plus ? L::opt::kFixedSize64 : L::opt::kFixedSize32;
    if (opt_size < fixed)
        return err(std::string("optional header too small for ") + (plus ? "PE32+" : "PE32") +
                   " (" + std::to_string(opt_size) + " bytes, need " + std::to_string(fixed) + ")");
    image_base_ = plus ? le64(b, opt + L::opt::kImageBase64) : le32(b, opt + L::opt::kImageBase32);
    size_of_image_ = le32(b, opt + L::opt::kSizeOfImage);
    size_of_headers_ = le32(b, opt + L::opt::kSizeOfHeaders);
    checksum_offset_ = opt + L::opt::kCheckSum;
    subsystem_ = le16(b, opt + L::opt::kSubsystem);
    const uint32_t n_dirs = le32(b, opt + (plus ? L::opt::kNumberOfRvaAndSizes64 : L::opt::kNumberOfRvaAndSizes32));
    if (n_dirs > kMaxDataDirectories)
        return err("NumberOfRvaAndSizes " + std::to_string(n_dirs) + " exceeds " +
                   std::to_string(kMaxDataDirectories));
    KX_TRY(check_header_rules(opt, opt_size, fixed, n_dirs, n_sections));
    KX_TRY(parse_sections(opt + opt_size, n_sections));

    if (n_dirs > kDirCertificate) {
        const uint64_t entry = opt + fixed + uint64_t{kDirCertificate} * L::opt::kDataDirectorySize;
        cert_dir_entry_offset_ = entry;
        const uint64_t cert_offset = le32(b, entry + L::datadir::kVirtualAddress);
        const uint64_t cert_size = le32(b, entry + L::datadir::kSizeField);
        if (cert_size != 0)
            KX_TRY(parse_certificates(cert_offset, cert_size));
    }
    return {};
}

// Where the section table is, and that a signature covers it: the rules a
// verifier must agree on (doc/kernel-uki-loader.md), checked before any
// section is read.
Status PeFile::check_header_rules(uint64_t opt, uint64_t opt_size, uint64_t fixed, uint32_t n_dirs,
                                  uint32_t n_sections) const {
    const auto b = bytes_;
    // Rule 1: the data directories end exactly where the optional header
    // does. Linux reads the section table right after the data directories
    // (pefile_parse_binary), EDK2 and the firmware at the end of the
    // optional header (PeCoffLoaderGetPeHeader refuses a mismatch), and so
    // do we: were they different, two verifiers would hash different tables.
    if (fixed + uint64_t{n_dirs} * L::opt::kDataDirectorySize != opt_size)
        return err("SizeOfOptionalHeader " + std::to_string(opt_size) + " is not the " +
                   std::to_string(fixed + uint64_t{n_dirs} * L::opt::kDataDirectorySize) + " bytes its " + std::to_string(n_dirs) +
                   " data directories end at: the section table's place is ambiguous");
    // Rule 1b: the certificate table has its directory entry. Linux reads
    // (and leaves out of the hash) the fifth directory whatever
    // NumberOfRvaAndSizes says (pefile_parse_binary): with fewer, those
    // bytes are the section table's, which EDK2 hashes and Linux does not.
    if (n_dirs <= kDirCertificate)
        return err("NumberOfRvaAndSizes " + std::to_string(n_dirs) +
                   " has no entry for the certificate table: Linux would read one from the section table");
    // Rule 2: the section table lies inside SizeOfHeaders, the bytes
    // Authenticode hashes as the headers; a table past them is not signed,
    // so sections could be moved or resized after signing (Linux
    // pefile_parse_binary: n_sections > (header_size - cursor) / 40 is
    // ELIBBAD; EDK2 PeCoffLoaderGetPeHeader step 4).
    const uint64_t table_end = opt + opt_size + uint64_t{n_sections} * L::section::kSize;
    if (size_of_headers_ < table_end)
        return err("SizeOfHeaders " + hex(size_of_headers_) + " ends before the section table does (at " +
                   hex(table_end) + "): the section table would not be covered by a signature");
    // Rule 3: the headers are not the whole file (Linux: header_size >= datalen is ELIBBAD).
    if (size_of_headers_ >= b.size())
        return err("SizeOfHeaders " + hex(size_of_headers_) + " is not less than the file size " +
                   hex(b.size()));

    return {};
}

Status PeFile::parse_sections(uint64_t table, uint64_t count) {
    const auto b = bytes_;
    if (!fits(b, table, count * L::section::kSize))
        return err("section table (" + std::to_string(count) + " entries at " + hex(table) +
                   ") extends past end of file (size " + hex(b.size()) + ")");
    // parse_headers() put the table inside SizeOfHeaders (rule 2).

    sections_.reserve(count);
    for (unsigned i = 0; i < count; i++) {
        const uint64_t h = table + uint64_t{i} * L::section::kSize;
        Section s;
        s.index = i;
        s.name = c_string(b, h + L::section::kName, 8);
        s.virtual_size = le32(b, h + L::section::kVirtualSize);
        s.virtual_address = le32(b, h + L::section::kVirtualAddress);
        s.size_of_raw_data = le32(b, h + L::section::kSizeOfRawData);
        s.pointer_to_raw_data = le32(b, h + L::section::kPointerToRawData);
        s.characteristics = le32(b, h + L::section::kCharacteristics);
        const std::string label = "section " + (s.name.empty() ? "#" + std::to_string(i) : field(s.name));
        const uint64_t raw_end = uint64_t{s.pointer_to_raw_data} + s.size_of_raw_data;
        if (s.size_of_raw_data != 0 && raw_end > b.size())
            return err(label + " extends past end of file (" +
                       range(s.pointer_to_raw_data, s.size_of_raw_data) + ", file size " +
                       hex(b.size()) + ")");
        // Rule 4: raw data begins after the headers. Authenticode hashes
        // [0, SizeOfHeaders) and then each section's raw data: a section
        // starting inside SizeOfHeaders would be hashed twice and the
        // count of bytes hashed would no longer say where the rest begins
        // (PE/COFF Authenticode, steps 9-16; EDK2 HashPeImage).
        if (s.size_of_raw_data != 0 && s.pointer_to_raw_data < size_of_headers_)
            return err(label + " raw data at " + hex(s.pointer_to_raw_data) +
                       " overlaps the PE headers (SizeOfHeaders " + hex(size_of_headers_) + ")");
        if (uint64_t{s.virtual_address} + s.virtual_size > UINT32_MAX)
            return err(label + " virtual range " + hex(s.virtual_address) + "+" +
                       hex(s.virtual_size) + " overflows the 32-bit address space");
        sections_.push_back(std::move(s));
    }

    // Rule 5: no two sections share bytes of the file: two readers could
    // then disagree on what a section holds, and Authenticode would hash
    // the shared bytes twice. Overlap in memory is left alone, as
    // the firmware and systemd-stub leave it: ukify grows the stub's own
    // .sbat over the next section's address when it merges SBAT data.
    std::vector<const Section*> order;
    for (const Section& s : sections_)
        if (s.size_of_raw_data != 0)
            order.push_back(&s);
    std::sort(order.begin(), order.end(), [](const Section* x, const Section* y) {
        return x->pointer_to_raw_data < y->pointer_to_raw_data;
    });
    for (size_t i = 1; i < order.size(); i++) {
        const Section& prev = *order[i - 1];
        const Section& cur = *order[i];
        if (uint64_t{prev.pointer_to_raw_data} + prev.size_of_raw_data > cur.pointer_to_raw_data)
            return err("sections " + field(prev.name) + " and " + field(cur.name) + " overlap in the file (" +
                       range(prev.pointer_to_raw_data, prev.size_of_raw_data) + " and " +
                       range(cur.pointer_to_raw_data, cur.size_of_raw_data) + ")");
    }
    return {};
}

Status PeFile::parse_certificates(uint64_t offset, uint64_t size) {
    const auto b = bytes_;
    // Rule 6: inside the file (Linux chkaddr; EDK2 reads its last byte).
    if (!fits(b, offset, size))
        return err("certificate table (" + range(offset, size) + ") extends past end of file (size " +
                   hex(b.size()) + ")");
    // Rule 7: quadword aligned, as the PE/COFF specification requires of
    // the attribute certificate table (sbsign and pesign write it so).
    if (offset % 8 != 0)
        return err("certificate table offset " + hex(offset) + " is not 8-byte aligned");
    // Rule 8: after the headers (Linux: chkaddr(header_size, ...)) and
    // after every section's raw data: Authenticode hashes everything up to
    // the table, so the table must follow all that is hashed.
    uint64_t hashed_end = size_of_headers_;
    for (const Section& s : sections_)
        if (s.size_of_raw_data != 0)
            hashed_end = std::max<uint64_t>(hashed_end, uint64_t{s.pointer_to_raw_data} + s.size_of_raw_data);
    if (offset < hashed_end)
        return err("certificate table (" + range(offset, size) + ") begins before the end of the headers and "
                   "sections' raw data (" + hex(hashed_end) + ")");
    // Rule 9: the table ends the file. Linux (pefile_digest_pe_contents)
    // and EDK2 (HashPeImage step 17) hash up to the file size minus the
    // table's size, which is the table's start only when nothing follows
    // it; otherwise they hash part of the table and leave the bytes after
    // it out. An embedded kernel (parse_embedded) may be followed by a
    // UKI builder's padding: the image ends with the table there.
    if (!trailing_allowed_ && offset + size != b.size())
        return err("certificate table (" + range(offset, size) + ") does not end at the end of the file (size " +
                   hex(b.size()) + "): what a signature covers would not be what was signed");
    cert_table_offset_ = offset;
    cert_table_size_ = size;
    uint64_t at = offset;
    const uint64_t end = offset + size;
    while (at < end) {
        if (end - at < L::wincert::kSize)
            return err("certificate entry at " + hex(at) + " is truncated");
        Certificate c;
        c.offset = at;
        c.length = le32(b, at + L::wincert::kLength);
        c.revision = le16(b, at + L::wincert::kRevision);
        c.type = le16(b, at + L::wincert::kCertificateType);
        if (c.length < L::wincert::kSize)
            return err("certificate entry at " + hex(at) + " has invalid length " +
                       std::to_string(c.length));
        if (c.length > end - at)
            return err("certificate entry at " + hex(at) + " (length " + hex(c.length) +
                       ") extends past the certificate table");
        KX_ASSIGN(c.data, slice(b, at + L::wincert::kSize, c.length - L::wincert::kSize, name_ + ": certificate entry"));
        certificates_.push_back(c);
        at += (uint64_t{c.length} + 7) & ~uint64_t{7};
    }
    return {};
}

const Section* PeFile::find_section(std::string_view name) const {
    for (const Section& s : sections_)
        if (s.name == name)
            return &s;
    return nullptr;
}

Result<std::span<const uint8_t>> PeFile::section_bytes(const Section& s) const {
    // With no bytes in the file, PointerToRawData may point anywhere (even
    // past the end): parse_sections() only checks it when there are some.
    if (s.file_size() == 0)
        return std::span<const uint8_t>{};
    return slice(bytes_, s.pointer_to_raw_data, s.file_size(), name_ + ": section " + field(s.name));
}

uint64_t PeFile::image_extent() const {
    if (cert_table_size_ != 0)
        return cert_table_offset_ + cert_table_size_;  // checked against the file by parse_certificates()
    uint64_t end = size_of_headers_;
    for (const Section& s : sections_)
        if (s.size_of_raw_data != 0)
            end = std::max<uint64_t>(end, uint64_t{s.pointer_to_raw_data} + s.size_of_raw_data);
    return std::min<uint64_t>(end, bytes_.size());
}

}  // namespace kx::pe
