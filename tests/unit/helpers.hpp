// SPDX-License-Identifier: GPL-2.0-or-later
// Shared test helpers: run kexec in-process against a RecordingBackend,
// build bzImages, PE files and UKIs, and manage scratch directories.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sys/backend.hpp"
#include "plan/options.hpp"
#include "pe/pe_layout.hpp"

namespace kxt {

struct RunResult {
    int rc = -1;
    std::string out, err;
};

// Run `kexec ARGS...` in-process; `backend` null means the program picks
// (tests always pass one or use --dry-run).
RunResult run_kexec(std::vector<std::string> args, kx::Backend* backend);

// A fresh scratch directory under $TMPDIR, removed at exit.
std::string scratch_dir();
std::string write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);
std::string sha256_hex(const std::string& bytes);
bool contains(const std::string& haystack, const std::string& needle);
bool starts_with(const std::string& s, const std::string& prefix);
int run_shell(const std::string& cmd);  // system() with the exit status decoded
std::string shell_output(const std::string& cmd);

// A minimal but valid relocatable 64-bit bzImage (boot protocol 2.15).
struct BzImageSpec {
    size_t size = 64 * 1024;
    uint16_t protocol = 0x020f;
    uint16_t xloadflags = 0x1f;
    uint32_t cmdline_size = 2047;
    uint32_t init_size = 0x400000;
    std::string version = "6.1.0-test (kexec-uki unit test)";
    char fill = 'K';
};
std::string make_bzimage(const BzImageSpec& spec = {});
// The same, also a PE file as EFI-stub kernels are (PE header at 0x40, the
// section table ending before the setup header at 0x1f1), so it can be signed.
std::string make_efi_bzimage(const BzImageSpec& spec = {});

// An in-test PE32+ writer for shapes objcopy cannot make (multi-profile,
// addons, hostile headers). Layout is fixed and exposed for corruption.
struct PeSection {
    std::string name;
    std::string data;
    std::optional<uint32_t> virtual_size;     // default: data size
    std::optional<uint32_t> size_of_raw_data;  // default: data size rounded to 0x200
    std::optional<uint32_t> pointer_to_raw_data;
    std::optional<uint32_t> virtual_address;
};
struct PeSpec {
    uint16_t machine = 0x8664;
    std::vector<PeSection> sections;
    std::string certificate;  // raw WIN_CERTIFICATE table contents, appended when non-empty
};
struct PeLayout {
    uint32_t pe_offset = 0x80;                                          // e_lfanew
    uint32_t coff_offset = pe_offset + kx::pe::layout::kSignatureSize;  // 0x84
    uint32_t opt_offset = coff_offset + kx::pe::layout::coff::kSize;    // 0x98
    uint32_t opt_size = kx::pe::layout::opt::kFixedSize64 + 16 * kx::pe::layout::opt::kDataDirectorySize;  // 240
    uint32_t section_table = opt_offset + opt_size;                     // 0x188
    std::vector<uint32_t> raw_offsets;
    uint32_t cert_offset = 0;
};
std::string make_pe(const PeSpec& spec, PeLayout* layout = nullptr);

// Helpers over make_pe(). make_stub_pe: a small stub .text, then `sections`
// (a UKI when they include .linux, an addon when they do not).
PeSection section(std::string name, std::string data);
std::string make_stub_pe(std::vector<PeSection> sections);

// Parse `kexec ARGS...` into Options (the parser, not the whole program).
kx::Result<kx::Options> parse_args(std::vector<std::string> args);

// Patch little-endian integers inside a byte string.
void poke16(std::string& s, size_t at, uint16_t v);
void poke32(std::string& s, size_t at, uint32_t v);
uint32_t peek32(const std::string& s, size_t at);

// A sysroot fixture directory with the given files (path -> contents).
std::string make_sysroot(std::initializer_list<std::pair<std::string, std::string>> files);

// A /proc and /sys tree captured from a real guest: "bios", "uefi",
// "secureboot" (tests/fixtures/sysroot-*).
std::string fixture_sysroot(const std::string& mode);
// DER: tag, definite length, contents (hand-made ASN.1 for signatures).
std::string der(uint8_t tag, const std::string& contents);
// `image` (PE32+) with `pkcs7` as its only WIN_CERTIFICATE (revision 2.0,
// PKCS#7 signed data), as sbattach would put it, without judging what it holds.
std::string with_signature(std::string image, const std::string& pkcs7);

// A byte string as the span the parsers take.
std::span<const uint8_t> span_of(const std::string& s);

// Paths to tools and data the tests use when present.
bool have_tool(const std::string& name);

}  // namespace kxt

// Compare strings held by value: Criterion's cr_assert_str_eq keeps only the
// char pointers, which dangle when an argument is a temporary std::string.
#define kx_assert_str(actual, expected)                                                    \
    do {                                                                                   \
        const std::string kx_actual_ = (actual);                                           \
        const std::string kx_expected_ = (expected);                                       \
        cr_assert(kx_actual_ == kx_expected_, "expected \"%s\"\n      got \"%s\"",          \
                  kx_expected_.c_str(), kx_actual_.c_str());                               \
    } while (0)
