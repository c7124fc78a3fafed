// SPDX-License-Identifier: GPL-2.0-or-later
// The PE reader: good files parse; each kind of malformed file is rejected
// with its own one-line message naming the file, without crashing (the
// suite runs under ASan+UBSan).
#include <criterion/criterion.h>

#include <random>

#include "helpers.hpp"
#include "base/byte_reader.hpp"
#include "pe/pe_file.hpp"
#include "uki/uki.hpp"
#include "base/strings.hpp"

using namespace kx;
using namespace kxt;

namespace {

namespace P = pe::layout;

// Where sample_uki()'s headers are: make_pe() puts them at PeLayout's offsets.
const PeLayout kLayout;
size_t coff_field(uint64_t field) { return kLayout.coff_offset + field; }
size_t opt_field(uint64_t field) { return kLayout.opt_offset + field; }
size_t data_directory_field(uint64_t index, uint64_t field) {
    return opt_field(P::opt::kFixedSize64 + index * P::opt::kDataDirectorySize + field);
}
size_t section_field(const PeLayout& L, uint32_t index, uint64_t field) {
    return L.section_table + index * P::section::kSize + field;
}

std::string sample_uki(PeLayout* layout = nullptr) {
    PeSpec spec;
    spec.sections = {section(".text", std::string(0x100, '\xc3')), section(".osrel", "ID=test\n"),
                     section(".cmdline", "console=ttyS0"), section(".linux", make_bzimage()),
                     section(".initrd", std::string(3000, 'R'))};
    return make_pe(spec, layout);
}

std::string parse_error(const std::string& bytes, const std::string& name = "bad.efi") {
    auto file = MappedFile::from_bytes(name, bytes);
    auto pe = pe::PeFile::parse(file->bytes(), name);
    if (!pe.ok())
        return pe.error().message;
    auto uki = uki::Uki::parse(file);
    if (!uki.ok())
        return uki.error().message;
    return "";
}

void expect_rejected(const std::string& bytes, const std::string& fragment) {
    std::string msg = parse_error(bytes);
    cr_expect(!msg.empty(), "accepted, expected an error containing: %s", fragment.c_str());
    cr_expect(contains(msg, fragment), "message \"%s\" lacks \"%s\"", msg.c_str(), fragment.c_str());
    cr_expect(starts_with(msg, "bad.efi: "), "message does not name the file: %s", msg.c_str());
    cr_expect(msg.find('\n') == std::string::npos, "message is not one line: %s", msg.c_str());
}

const uint32_t kSections = 5;

}  // namespace

Test(pe, parses_sections_and_bytes_are_min_of_virtual_and_raw_size) {
    PeLayout L;
    std::string bytes = sample_uki(&L);
    auto file = MappedFile::from_bytes("good.efi", bytes);
    auto pe = pe::PeFile::parse(file->bytes(), "good.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    cr_assert_eq(pe->machine(), 0x8664);
    cr_assert(pe->is_pe32_plus());
    cr_assert_eq(pe->sections().size(), kSections);
    const pe::Section* cmdline = pe->find_section(".cmdline");
    cr_assert(cmdline);
    cr_assert_eq(cmdline->size_of_raw_data, 0x200u, "writer pads raw data");
    auto payload = pe->section_bytes(*cmdline).value();
    cr_assert_eq(payload.size(), 13u, "VirtualSize < SizeOfRawData: VirtualSize bytes, not the padding");
    cr_assert_eq(std::string(payload.begin(), payload.end()), "console=ttyS0");
    cr_assert_null(pe->find_section(".nothere"));
}

// ukify's .linux: VirtualSize (the kernel's SizeOfImage) beyond the raw data
// is valid PE (the loader zero-fills memory); the file holds SizeOfRawData.
Test(pe, virtual_size_larger_than_raw_data_reads_the_raw_data) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 4, P::section::kVirtualSize), 0x10000);  // .initrd; SizeOfRawData is 0xc00
    auto pe = pe::PeFile::parse({reinterpret_cast<const uint8_t*>(b.data()), b.size()}, "v.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    auto initrd = pe->section_bytes(*pe->find_section(".initrd")).value();
    cr_assert_eq(initrd.size(), 0xc00u);
    cr_assert_eq(std::string(initrd.begin(), initrd.begin() + 3000), std::string(3000, 'R'));
    cr_assert(parse_error(b).empty(), "the UKI reader takes it too: %s", parse_error(b).c_str());
}

// The firmware does not check overlap in memory, and ukify makes it (the
// merged .sbat grows over .sdmagic in Debian 12's stub).
Test(pe, overlap_in_memory_is_accepted) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 2, P::section::kVirtualAddress), 0x2000);  // .cmdline VA = .osrel VA
    cr_assert(parse_error(b).empty(), "%s", parse_error(b).c_str());
}

// SizeOfRawData 0 with PointerToRawData far past the end: no bytes, no read.
Test(pe, empty_section_pointing_past_the_end_has_no_bytes) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 1, P::section::kSizeOfRawData), 0);  // .osrel
    poke32(b, section_field(L, 1, P::section::kPointerToRawData), 0x7ffffff0);
    auto pe = pe::PeFile::parse({reinterpret_cast<const uint8_t*>(b.data()), b.size()}, "e.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    cr_assert(pe->section_bytes(*pe->find_section(".osrel")).value().empty());
}

// Every piece of file data is taken through slice(): in range or an error,
// never an out-of-range subspan, whatever the offsets add up to.
Test(pe, slice_checks_every_bound) {
    const std::string b(16, 'x');
    const auto s = span_of(b);
    cr_assert_eq(slice(s, 0, 16, "f")->size(), 16u);
    cr_assert_eq(slice(s, 16, 0, "f")->size(), 0u, "empty at the very end");
    cr_assert(!slice(s, 17, 0, "f").ok(), "empty past the end");
    cr_assert(!slice(s, 8, 9, "f").ok());
    cr_assert(!slice(s, 8, UINT64_MAX - 4, "f").ok(), "offset + length wraps");
    cr_assert(!slice(s, UINT64_MAX, 1, "f").ok());
    auto e = slice(s, 10, 10, "f.efi: section .x");
    kx_assert_str(e.error().message, "f.efi: section .x: 10 bytes at offset 10 lie outside the 16 there are");
}

Test(pe, looks_like_pe) {
    std::string bytes = sample_uki();
    cr_assert(pe::looks_like_pe({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
    std::string bz = make_bzimage();
    cr_assert(!pe::looks_like_pe({reinterpret_cast<const uint8_t*>(bz.data()), bz.size()}));
}

// --- malformed headers -----------------------------------------------------

Test(pe_malformed, empty_file) { expect_rejected("", "too small for a DOS header (0 bytes, need 64)"); }
Test(pe_malformed, shorter_than_dos_header) { expect_rejected(sample_uki().substr(0, 63), "too small for a DOS header (63 bytes"); }
Test(pe_malformed, no_mz) {
    std::string b = sample_uki();
    b[0] = 'Z';
    expect_rejected(b, "not a PE file (no MZ signature)");
}
Test(pe_malformed, lfanew_past_eof) {
    std::string b = sample_uki();
    poke32(b, P::dos::kLfanew, static_cast<uint32_t>(b.size()));
    expect_rejected(b, "(e_lfanew) is past the end of the file");
}
Test(pe_malformed, lfanew_overflow) {
    std::string b = sample_uki();
    poke32(b, P::dos::kLfanew, 0xfffffffe);
    expect_rejected(b, "PE header offset 0xfffffffe (e_lfanew) is past the end");
}
Test(pe_malformed, bad_pe_signature) {
    std::string b = sample_uki();
    b[kLayout.pe_offset + 1] = 'X';
    expect_rejected(b, "bad PE signature at 0x80");
}
Test(pe_malformed, truncated_coff_header) { expect_rejected(sample_uki().substr(0, 0x90), "COFF header at 0x84 is truncated"); }
Test(pe_malformed, no_sections) {
    std::string b = sample_uki();
    poke16(b, coff_field(P::coff::kNumberOfSections), 0);
    expect_rejected(b, "PE file has no sections");
}
Test(pe_malformed, too_many_sections) {
    std::string b = sample_uki();
    poke16(b, coff_field(P::coff::kNumberOfSections), 97);
    expect_rejected(b, "too many sections (97; at most 96)");
}
Test(pe_malformed, huge_section_count) {
    std::string b = sample_uki();
    poke16(b, coff_field(P::coff::kNumberOfSections), 0xffff);
    expect_rejected(b, "too many sections (65535");
}
Test(pe_malformed, no_optional_header) {
    std::string b = sample_uki();
    poke16(b, coff_field(P::coff::kSizeOfOptionalHeader), 0);
    expect_rejected(b, "no optional header (SizeOfOptionalHeader 0)");
}
Test(pe_malformed, optional_header_past_eof) {
    std::string b = sample_uki().substr(0, kLayout.opt_offset + 100);
    expect_rejected(b, "optional header (offset 0x98, size 0xf0) extends past end of file");
}
Test(pe_malformed, unknown_optional_magic) {
    std::string b = sample_uki();
    poke16(b, opt_field(P::opt::kMagic), 0x30b);
    expect_rejected(b, "unknown optional header magic 0x30b");
}
Test(pe_malformed, optional_header_too_small) {
    std::string b = sample_uki();
    poke16(b, coff_field(P::coff::kSizeOfOptionalHeader), 100);
    expect_rejected(b, "optional header too small for PE32+ (100 bytes, need 112)");
}
Test(pe_malformed, too_many_data_directories) {
    std::string b = sample_uki();
    poke32(b, opt_field(P::opt::kNumberOfRvaAndSizes64), 17);
    expect_rejected(b, "NumberOfRvaAndSizes 17 exceeds 16");
}
Test(pe_malformed, data_directories_do_not_fit) {
    std::string b = sample_uki();
    poke16(b, coff_field(P::coff::kSizeOfOptionalHeader), 120);  // room for one directory, 16 claimed
    expect_rejected(b, "SizeOfOptionalHeader 120 is not the 240 bytes its 16 data directories end at");
}
Test(pe_malformed, size_of_headers_past_eof) {
    std::string b = sample_uki();
    poke32(b, opt_field(P::opt::kSizeOfHeaders), 0x7fffffff);
    expect_rejected(b, "SizeOfHeaders 0x7fffffff is not less than the file size");
}
Test(pe_malformed, section_table_past_eof) {
    PeLayout L;
    std::string b = sample_uki(&L);
    b.resize(L.section_table + 3 * P::section::kSize + 5);
    poke32(b, opt_field(P::opt::kSizeOfHeaders), 0x200);  // keep SizeOfHeaders inside the cut file
    // SizeOfHeaders must hold the table and be less than the file, so a
    // table cut off by the end of the file is always outside SizeOfHeaders.
    expect_rejected(b, "SizeOfHeaders 0x200 ends before the section table does (at 0x250)");
}
Test(pe_malformed, section_count_larger_than_table) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke16(b, coff_field(P::coff::kNumberOfSections), 96);  // the "extra" entries are read from section data
    std::string msg = parse_error(b);
    cr_assert(!msg.empty(), "a table running into section data must be rejected");
}

// --- malformed sections ----------------------------------------------------

Test(pe_malformed, section_past_eof) {
    PeLayout L;
    std::string b = sample_uki(&L);
    b.resize(L.raw_offsets[4] + 100);  // cut inside .initrd
    char want[96];
    std::snprintf(want, sizeof want, "section .initrd extends past end of file (offset 0x%x, size 0xc00", L.raw_offsets[4]);
    expect_rejected(b, want);
}
Test(pe_malformed, section_offset_overflow) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 4, P::section::kPointerToRawData), 0xfffff000);
    expect_rejected(b, "section .initrd extends past end of file (offset 0xfffff000");
}
Test(pe_malformed, section_size_overflow) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 4, P::section::kSizeOfRawData), 0xffffffff);
    expect_rejected(b, "section .initrd extends past end of file");
}
Test(pe_malformed, section_overlaps_headers) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 1, P::section::kPointerToRawData), 0x100);
    expect_rejected(b, "section .osrel raw data at 0x100 overlaps the PE headers");
}
Test(pe_malformed, sections_overlap_in_file) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 2, P::section::kPointerToRawData), L.raw_offsets[1]);  // .cmdline onto .osrel
    expect_rejected(b, "overlap in the file");
}
Test(pe_malformed, virtual_range_overflow) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 4, P::section::kVirtualAddress), 0xfffff800);
    expect_rejected(b, "section .initrd virtual range 0xfffff800+0xbb8 overflows the 32-bit address space");
}
// --- malformed certificate tables -----------------------------------------

namespace {
std::string with_cert_dir(uint32_t offset, uint32_t size, std::string tail = {}) {
    std::string b = sample_uki();
    while (b.size() % 8)
        b.push_back('\0');
    b += tail;
    poke32(b, data_directory_field(pe::kDirCertificate, P::datadir::kVirtualAddress), offset);
    poke32(b, data_directory_field(pe::kDirCertificate, P::datadir::kSizeField), size);
    return b;
}
std::string cert_entry(uint32_t length, size_t pad_to) {
    std::string e(P::wincert::kSize, '\0');
    poke32(e, P::wincert::kLength, length);
    poke16(e, P::wincert::kRevision, 0x200);
    poke16(e, P::wincert::kCertificateType, 2);
    e.resize(pad_to, '\0');
    return e;
}
}  // namespace

Test(pe_malformed, certificate_table_past_eof) {
    std::string b = with_cert_dir(0, 0);
    poke32(b, data_directory_field(pe::kDirCertificate, P::datadir::kVirtualAddress), static_cast<uint32_t>(b.size() - 8));
    poke32(b, data_directory_field(pe::kDirCertificate, P::datadir::kSizeField), 64);
    expect_rejected(b, "certificate table (offset");
    expect_rejected(b, "extends past end of file");
}
Test(pe_malformed, certificate_table_misaligned) {
    std::string base = sample_uki();
    while (base.size() % 8)
        base.push_back('\0');
    std::string b = with_cert_dir(static_cast<uint32_t>(base.size() + 4), 16, std::string(4, '\0') + cert_entry(16, 16));
    expect_rejected(b, "is not 8-byte aligned");
}
Test(pe_malformed, certificate_table_overlaps_section) {
    PeLayout L;
    sample_uki(&L);
    std::string b = with_cert_dir(L.raw_offsets[3], 64);
    expect_rejected(b, "begins before the end of the headers and sections' raw data");
}
Test(pe_malformed, certificate_entry_bad_length) {
    std::string base = sample_uki();
    while (base.size() % 8)
        base.push_back('\0');
    std::string b = with_cert_dir(static_cast<uint32_t>(base.size()), 16, cert_entry(4, 16));
    expect_rejected(b, "has invalid length 4");
}
Test(pe_malformed, certificate_entry_too_long) {
    std::string base = sample_uki();
    while (base.size() % 8)
        base.push_back('\0');
    std::string b = with_cert_dir(static_cast<uint32_t>(base.size()), 16, cert_entry(4096, 16));
    expect_rejected(b, "(length 0x1000) extends past the certificate table");
}
Test(pe_malformed, certificate_entry_truncated) {
    std::string base = sample_uki();
    while (base.size() % 8)
        base.push_back('\0');
    std::string b = with_cert_dir(static_cast<uint32_t>(base.size()), 4, std::string(4, '\0'));
    expect_rejected(b, "is truncated");
}

// --- UKI-level -------------------------------------------------------------

Test(pe_malformed, duplicate_linux_in_base) {
    std::string b = make_stub_pe({section(".linux", make_bzimage()), section(".linux", make_bzimage())});
    expect_rejected(b, "section .linux appears twice in the base profile (sections #1 and #2)");
}
Test(pe_malformed, duplicate_cmdline_in_a_profile) {
    std::string b = make_stub_pe({section(".linux", make_bzimage()), section(".profile", "ID=a\n"),
                              section(".cmdline", "x"), section(".cmdline", "y")});
    expect_rejected(b, "section .cmdline appears twice in profile @0");
}

// Cutting a file at any header boundary (and inside every section) must be
// refused, never crash.
Test(pe_malformed, truncated_at_every_boundary) {
    PeLayout L;
    std::string b = sample_uki(&L);
    std::vector<size_t> cuts = {0, 1, 2, 0x3b, 0x3c, 0x3f, 0x40, 0x7f, 0x80, 0x83, 0x84, 0x85, 0x97, 0x98, 0x99,
                                0x98 + 111, 0x98 + 112, 0x98 + 239, L.section_table, L.section_table + 1,
                                L.section_table + 39, L.section_table + 40, L.section_table + 5 * 40 - 1};
    for (uint32_t off : L.raw_offsets) {
        cuts.push_back(off);
        cuts.push_back(off + 1);
    }
    cuts.push_back(b.size() - 1);
    for (size_t cut : cuts) {
        std::string msg = parse_error(b.substr(0, cut));
        cr_expect(!msg.empty(), "file cut at %zu bytes was accepted", cut);
        cr_expect(starts_with(msg, "bad.efi: "), "cut %zu: %s", cut, msg.c_str());
    }
}

// Random corruption: whatever happens, no crash and no out-of-bounds read.
Test(pe_malformed, random_corruption_never_crashes) {
    const std::string good = sample_uki();
    std::mt19937 rng(12345);
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
        std::string b = good;
        int flips = 1 + static_cast<int>(rng() % 8);
        for (int f = 0; f < flips; f++) {
            size_t at = rng() % 0x300;  // headers and section table
            b[at] = static_cast<char>(rng());
        }
        if (!parse_error(b).empty())
            rejected++;
    }
    cr_assert_gt(rejected, 100, "corruption should usually be noticed (%d/3000)", rejected);
}

// Through the command line: one line on stderr naming the file, exit 1, no syscall.
Test(pe_malformed, kexec_refuses_without_a_syscall) {
    std::string dir = scratch_dir();
    std::string b = sample_uki();
    b.resize(0xa00 + 100);  // inside .linux
    std::string path = write_file(dir + "/cut.efi", b);
    RecordingBackend rec;
    RunResult r = run_kexec({"-s", "-l", path}, &rec);
    cr_assert_eq(r.rc, 255, "kexec-tools: \"Cannot determine the file type\", EFAILED");
    cr_assert(rec.calls.empty());
    cr_assert(contains(r.err, path + ": section .linux extends past end of file"), "%s", r.err.c_str());
    cr_assert_eq(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

// --- headers whose hashed area is not what verifiers agree on (issue 24) ---
// Each shape below was accepted before; each is refused by Linux's
// verify_pefile or EDK2, because Authenticode would leave part of what the
// loader uses unsigned, or two verifiers would hash different bytes.

// The section table beyond SizeOfHeaders is never hashed: the sections of
// a signed file could be resized after signing and it would still verify.
Test(pe_hashed_area, section_table_beyond_size_of_headers_is_refused) {
    PeLayout L;
    std::string b = sample_uki(&L);  // table 0x188..0x250, SizeOfHeaders 0x400
    poke32(b, opt_field(P::opt::kSizeOfHeaders), 0x200);
    expect_rejected(b, "SizeOfHeaders 0x200 ends before the section table does (at 0x250): the section table "
                       "would not be covered by a signature");
    poke32(b, opt_field(P::opt::kSizeOfHeaders), 0x240);  // ends inside the last entry
    expect_rejected(b, "SizeOfHeaders 0x240 ends before the section table does");
    poke32(b, opt_field(P::opt::kSizeOfHeaders), 0x250);  // exactly the table's end: covered
    cr_assert(parse_error(b).empty(), "%s", parse_error(b).c_str());
}

// Linux finds the section table after the data directories, EDK2 after
// SizeOfOptionalHeader: they must be the same place.
Test(pe_hashed_area, optional_header_size_must_end_with_the_data_directories) {
    std::string b = sample_uki();
    poke32(b, opt_field(P::opt::kNumberOfRvaAndSizes64), 15);  // 15 directories end 8 bytes before the optional header does
    expect_rejected(b, "SizeOfOptionalHeader 240 is not the 232 bytes its 15 data directories end at");
}

// Four directories: Linux reads the certificate table's entry from the
// first eight bytes of the section table and leaves them unhashed.
Test(pe_hashed_area, fewer_than_five_data_directories_are_refused) {
    PeLayout L;
    std::string b = sample_uki(&L);  // 16 directories, table at 0x188
    const std::string table = b.substr(L.section_table, 5 * P::section::kSize);
    b.replace(opt_field(P::opt::kFixedSize64 + 4 * P::opt::kDataDirectorySize), table.size(), table);  // after four directories
    poke32(b, opt_field(P::opt::kNumberOfRvaAndSizes64), 4);
    poke16(b, coff_field(P::coff::kSizeOfOptionalHeader),
           static_cast<uint16_t>(P::opt::kFixedSize64 + 4 * P::opt::kDataDirectorySize));  // agrees
    expect_rejected(b, "NumberOfRvaAndSizes 4 has no entry for the certificate table");
    b = sample_uki();
    b.replace(opt_field(P::opt::kFixedSize64 + 5 * P::opt::kDataDirectorySize), table.size(), table);
    poke32(b, opt_field(P::opt::kNumberOfRvaAndSizes64), 5);
    poke16(b, coff_field(P::coff::kSizeOfOptionalHeader),
           static_cast<uint16_t>(P::opt::kFixedSize64 + 5 * P::opt::kDataDirectorySize));
    cr_assert(parse_error(b).empty(), "%s", parse_error(b).c_str());
}

// Raw data inside SizeOfHeaders (after the table) would be hashed twice.
Test(pe_hashed_area, raw_data_inside_size_of_headers_is_refused) {
    PeLayout L;
    std::string b = sample_uki(&L);
    poke32(b, section_field(L, 1, P::section::kPointerToRawData), 0x300);  // .osrel at 0x300 of the 0x400 header bytes
    poke32(b, section_field(L, 1, P::section::kSizeOfRawData), 0x100);
    expect_rejected(b, "section .osrel raw data at 0x300 overlaps the PE headers (SizeOfHeaders 0x400)");
}

// The certificate table must follow everything hashed and end the file:
// Linux and EDK2 hash up to the file size minus the table's size.
Test(pe_hashed_area, certificate_table_inside_the_headers_is_refused) {
    std::string b = with_cert_dir(0x300, 16);
    const std::string entry = cert_entry(16, 16);
    b.replace(0x300, entry.size(), entry);
    expect_rejected(b, "certificate table (offset 0x300, size 0x10) begins before the end of the headers and "
                       "sections' raw data");
}
Test(pe_hashed_area, bytes_after_the_certificate_table_are_refused) {
    std::string base = sample_uki();
    while (base.size() % 8)
        base.push_back('\0');
    std::string b = with_cert_dir(static_cast<uint32_t>(base.size()), 16, cert_entry(16, 16) + "APPENDED");
    expect_rejected(b, "does not end at the end of the file (size " + hex(b.size()) + ")");
    // An embedded kernel (a UKI's .linux, padded by the UKI builder) ends
    // where its table does: what follows is padding, not part of it.
    cr_assert_eq(uki::embedded_kernel_size(span_of(b)), base.size() + 16);
}
