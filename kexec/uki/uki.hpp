// SPDX-License-Identifier: GPL-2.0-or-later
// A UKI (or addon) read into plain values: its spec sections, assigned to the
// base profile or to the profile whose .profile separator precedes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sys/mapped_file.hpp"
#include "data/payload.hpp"
#include "pe/pe_file.hpp"
#include "uki/sections.hpp"
#include "uki/stub.hpp"

namespace kx::uki {

constexpr int kBaseProfile = -1;

struct UkiSection {
    const pe::Section* header = nullptr;
    const SectionInfo* info = nullptr;  // nullptr: not a UKI spec section
    int profile = kBaseProfile;         // -1 base, N: after the N-th .profile
    std::span<const uint8_t> data;      // the bytes in the file: min(VirtualSize, SizeOfRawData)

    const std::string& name() const { return header->name; }
    std::string text() const;  // payload up to the first NUL
    std::string cmdline() const;  // the payload as a command line, as the stub reads it (stub_text, mangle_cmdline)
};

struct Profile {
    unsigned index = 0;
    std::string id;     // ID= from .profile (may be empty)
    std::string title;  // TITLE=
    std::vector<std::string> sections;  // the sections this profile carries (overrides)
};

// The sections a given profile boots with: base, overridden by the profile's.
class Selection {
public:
    const UkiSection* get(SectionKind kind) const;
    unsigned profile = 0;
    std::vector<const UkiSection*> sections;
};

class Uki {
public:
    Uki(const Uki&) = delete;  // sections point into pe_'s section table
    Uki& operator=(const Uki&) = delete;
    Uki(Uki&&) = default;
    Uki& operator=(Uki&&) = default;

    // Parse any PE as UKI-shaped (UKIs and addons). Checks spec sections'
    // payload bounds and per-profile singletons: a second section of one
    // kind in a profile is refused, since which one counts is an accident of
    // table order that a signer may not have noticed (systemd-stub takes the
    // first). Purpose::Inspection keeps such a file, for --uki-info to
    // describe as the stub would read it, with the refusal in ambiguity().
    enum class Purpose { Load, Inspection };
    static Result<Uki> parse(const FileRef& file, Purpose purpose = Purpose::Load);
    // Why kexec refuses to load this file though it could be described.
    const std::optional<std::string>& ambiguity() const { return ambiguity_; }

    const FileRef& file() const { return file_; }
    const std::string& path() const { return file_->path(); }
    const pe::PeFile& pe() const { return pe_; }
    const std::vector<UkiSection>& sections() const { return sections_; }
    // The rules of the systemd-stub it carries (.sdmagic), and what that
    // stub leaves out of this UKI that a newer one would use (notes).
    const StubRules& stub() const { return stub_; }
    std::vector<std::string> stub_left_out() const;
    bool is_uki() const;    // has .linux
    bool is_addon() const;  // no .linux, at least one addon payload section

    // Profiles: one per .profile section, or the implied profile 0.
    const std::vector<Profile>& profiles() const { return profiles_; }
    bool has_profile_sections() const { return has_profiles_; }
    // "1" or an ID= value; error lists what exists.
    Result<unsigned> resolve_profile(const std::string& spec) const;
    Result<Selection> select(unsigned profile) const;

    // A section's payload as a Payload slice of the file (no copy).
    Result<Payload> payload(const UkiSection& s, const std::string& label_suffix = "") const;
    // The kernel in .linux exactly as it was put there (embedded_kernel_size).
    Result<Payload> kernel_payload(const UkiSection& linux_section) const;
    std::string describe_profiles() const;  // "@0 (ID=a, TITLE=...), @1 ..."

private:
    Uki() = default;
    std::string profiles_unknown() const;  // why a profile is not there, for an error
    FileRef file_;
    pe::PeFile pe_;
    std::vector<UkiSection> sections_;
    std::vector<Profile> profiles_;
    bool has_profiles_ = false;
    unsigned ignored_profiles_ = 0;  // .profile sections its stub predates
    std::optional<std::string> ambiguity_;
    StubRules stub_;
};

// A profile's ID= for a message or --uki-info: as it is when it is a plain
// word (os-release's ID= characters, starting with a letter or digit, at
// most kFieldLimit bytes: what completion/kexec offers), else quoted and
// cut (quoted_field), so that an ID such as "a, TITLE=b" cannot pass for
// something else on the line.
std::string shown_profile_id(const std::string& id);

// How many of .linux's bytes are the kernel. ukify pads .linux to the UKI's
// FileAlignment, and the kernel's signature covers exactly its own file:
// Linux's verify_pefile hashes everything before the certificate table
// counted from the end, so trailing zeros make a valid signature fail.
// An EFI-stub kernel ends where its PE image ends (PeFile::image_extent);
// a kernel that is no PE file keeps all the bytes.
uint64_t embedded_kernel_size(std::span<const uint8_t> linux_bytes);

// systemd-stub's treatment of a command line string: stop at the first NUL,
// drop leading and trailing whitespace and control characters, turn inner
// ones into spaces.
std::string mangle_cmdline(std::string_view raw);

// A section's text as the booted kernel gets it through systemd-stub: the
// stub reads it as UTF-8 into UCS-2, dropping bytes that do not decode,
// surrogates and characters above U+FFFF, and ending at a NUL (an overlong
// one too); the kernel's EFI stub writes the UCS-2 back as UTF-8. Valid UTF-8
// without such characters comes back unchanged.
std::string stub_text(std::string_view raw);

}  // namespace kx::uki
