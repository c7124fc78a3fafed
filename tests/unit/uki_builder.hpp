// SPDX-License-Identifier: GPL-2.0-or-later
// UKIs as the real producers lay them out, for tests and guest scenarios.
//
// One UkiSpec (named like ukify's options) is built in any of these styles:
//  - ukify 257 and 262: the real ukify (Debian's systemd-ukify package of
//    trixie and sid) on its own release's stub, run as a program.
//  - ukify's layout on the 252 and 254 stubs: ukify was not packaged before
//    257, so src/ukify/ukify.py's make_uki() and pe_add_sections() are
//    reproduced here rule for rule on a real systemd stub (Debian 12's 252,
//    bookworm-backports' 254): sections appended after the stub's,
//    VirtualAddress = round_up(previous VA + VirtualSize, SectionAlignment),
//    raw data padded to FileAlignment, .linux's VirtualSize = the kernel's
//    SizeOfImage, the merged .sbat swapped into the stub's own .sbat
//    (VirtualSize grown), the base .profile after it, joined profiles last,
//    SizeOfHeaders only rounded up to FileAlignment (so the header room is
//    the stub's).
//  - objcopy: what dracut --uefi and hand-made UKIs are: GNU objcopy
//    --add-section onto the 252 stub at fixed addresses, VirtualSize =
//    the exact length. objcopy cannot write several sections of one name, so
//    there are no multi-profile UKIs in this style.
// Every stub and ukify comes from $KX_TEST_INPUTS (scripts/install-deps
// extracts them there), never from the host's own packages, so the tests see
// the same inputs on Debian 12 and Debian 13.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "helpers.hpp"

namespace kxt {

// The contents of each section, as ukify's @PATH form takes them (verbatim;
// its TEXT form would first squeeze the command line's whitespace).
struct UkiSpec {
    std::optional<std::string> linux_image;  // .linux (none: an addon or a profile PE)
    std::optional<std::string> osrel, cmdline, dtb, uname, splash, pcrpkey, ucode;
    std::vector<std::string> initrds;        // joined into .initrd, each padded to 4 bytes
    std::optional<std::string> profile;      // .profile: the base's, or a profile PE's own
    std::vector<PeSection> extra;            // ukify --section NAME:DATA
    std::vector<std::string> join_profiles;  // profile PE files (ukify --join-profile)
    std::optional<std::string> sbat;         // ukify --sbat; default: ukify's own line
    // ukify --sign-kernel --signtool=sbsign with this key and certificate
    // (paths): the embedded kernel and then the UKI are signed. The real
    // ukify only; the other styles refuse it.
    std::optional<std::pair<std::string, std::string>> sign_kernel_and_uki;
};

enum class UkiStyle { Objcopy, Ukify252, Ukify254, Ukify257, Ukify262 };
const char* style_name(UkiStyle style);
std::string style_version(UkiStyle style);  // the systemd release of its stub: "252" ...
// The same as a number. A UKI boots as its own stub would, so what a test
// expects can depend on it; tests state the release each feature needs
// themselves, from systemd's NEWS, not from kexec's table.
unsigned stub_release(UkiStyle style);
bool is_real_ukify(UkiStyle style);         // 257 and 262: the real program
constexpr UkiStyle kAllStyles[] = {UkiStyle::Objcopy, UkiStyle::Ukify252, UkiStyle::Ukify254, UkiStyle::Ukify257,
                                   UkiStyle::Ukify262};

// Where the stubs are: systemd-boot-efi of 252, 254, 257 and 262, extracted
// by scripts/install-deps under test_inputs_dir(). Addons and profile PEs
// (no --linux) are built on the addon stub, which systemd ships since 254.
std::string test_inputs_dir();  // $KX_TEST_INPUTS or /var/cache/kexec-uki-test
std::string systemd_boot_efi(const std::string& version, const std::string& file);  // a file of that release
std::string stub_path(UkiStyle style);
std::string addon_stub_path(UkiStyle style);

// Called when a build cannot be made (the producer would refuse: no header
// room, objcopy and profiles; a missing stub). Defined by the program: the
// unit tests fail the test, mkuki exits with the message.
[[noreturn]] void builder_failure(const std::string& message);

// Build `spec` in `style`; builder_failure() when the producer would refuse.
std::string build_uki(UkiStyle style, const UkiSpec& spec);
// ukify's layout on an explicit stub (bytes), for tools and odd cases.
// Returns an empty string and sets `error` when ukify would refuse.
std::string ukify_build(const std::string& stub, const UkiSpec& spec, std::string& error);
// ukify's profile PE (--profile without --linux, to be joined), and an
// addon (no --linux, no --profile) in the given style, both on the addon stub.
std::string build_profile_pe(const UkiSpec& spec, UkiStyle style = UkiStyle::Ukify254);
std::string build_addon(UkiStyle style, const UkiSpec& spec);

// A signed EFI-stub kernel as distributions ship it, from make_efi_bzimage:
// signed with a fresh test key (sbsign), so its certificate table ends the file.
std::string signed_efi_bzimage(const BzImageSpec& spec = {});

}  // namespace kxt
