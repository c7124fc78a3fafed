// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/uki.hpp"

#include <algorithm>
#include <cctype>

#include "base/strings.hpp"

namespace kx::uki {

std::string UkiSection::text() const {
    auto end = std::find(data.begin(), data.end(), uint8_t{0});
    return std::string(data.begin(), end);
}

std::string UkiSection::cmdline() const {
    return mangle_cmdline(stub_text({reinterpret_cast<const char*>(data.data()), data.size()}));
}

namespace {

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    }
}

}  // namespace

std::string stub_text(std::string_view raw) {
    // xstrn8_to_16() and utf8_to_unichar() (systemd's src/boot/efi-string.c),
    // then Linux's EFI stub (efi_convert_cmdline()) encoding UCS-2 as UTF-8.
    constexpr char32_t kInvalid = UINT32_MAX;
    std::string out;
    for (size_t at = 0; at < raw.size() && raw[at] != '\0';) {
        const unsigned char lead = static_cast<unsigned char>(raw[at]);
        size_t length = 1;
        char32_t c = kInvalid;
        if (lead < 0x80)
            c = lead;
        else if ((lead & 0xe0) == 0xc0)
            length = 2, c = lead & 0x1f;
        else if ((lead & 0xf0) == 0xe0)
            length = 3, c = lead & 0x0f;
        else if ((lead & 0xf8) == 0xf0)
            length = 4, c = lead & 0x07;
        else if ((lead & 0xfc) == 0xf8)
            length = 5, c = lead & 0x03;
        else if ((lead & 0xfe) == 0xfc)
            length = 6, c = lead & 0x01;
        // A short or broken sequence is skipped whole (its length as the lead
        // byte says), even a NUL inside it. No check for overlong forms.
        if (length > raw.size() - at)
            c = kInvalid;
        for (size_t i = 1; c != kInvalid && i < length; i++) {
            const unsigned char b = static_cast<unsigned char>(raw[at + i]);
            c = (b & 0xc0) == 0x80 ? (c << 6) | (b & 0x3f) : kInvalid;
        }
        at += std::min(length, raw.size() - at);
        if (c == 0)
            break;  // an overlong NUL ends the UCS-2 string
        if (c <= 0xd7ff || (c >= 0xe000 && c <= 0xffff))
            append_utf8(out, c);  // surrogates and what UCS-2 cannot hold are dropped
    }
    return out;
}

std::string mangle_cmdline(std::string_view raw) {
    // systemd-stub's mangle_stub_cmdline() (src/boot/util.c): every control
    // character, space and DEL counts as whitespace; leading and trailing
    // whitespace goes, each inner one becomes one space (runs are kept).
    auto whitespace = [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; };
    std::string_view text = raw.substr(0, raw.find('\0'));
    size_t begin = 0, end = text.size();
    while (begin < end && whitespace(text[begin]))
        begin++;
    while (end > begin && whitespace(text[end - 1]))
        end--;
    std::string s(text.substr(begin, end - begin));
    for (char& c : s)
        if (whitespace(c))
            c = ' ';
    return s;
}

const UkiSection* Selection::get(SectionKind kind) const {
    for (const UkiSection* s : sections)
        if (s->info && s->info->kind == kind)
            return s;
    return nullptr;
}

Result<Uki> Uki::parse(const FileRef& file, Purpose purpose) {
    Uki u;
    u.file_ = file;
    KX_ASSIGN(u.pe_, pe::PeFile::parse(file->bytes(), file->path()));
    const std::string& name = file->path();

    // A stub older than profiles reads .profile as a section it does not
    // know: every section is then the base profile's (and a second
    // .cmdline, say, a duplicate).
    u.stub_ = StubRules::of(u.pe_);
    const bool profiles_known = u.stub_.has(StubFeature::Profiles);
    int profile = kBaseProfile;
    for (const pe::Section& s : u.pe_.sections()) {
        UkiSection us;
        us.header = &s;
        us.info = find_section_info(s.name);
        if (us.info && us.info->kind == SectionKind::Profile) {
            if (profiles_known) {
                profile++;
                u.has_profiles_ = true;
            } else {
                u.ignored_profiles_++;
            }
        }
        us.profile = profile;
        if (us.info) {
            KX_ASSIGN(us.data, u.pe_.section_bytes(s));
        }
        u.sections_.push_back(us);
    }

    // A singleton appearing twice in one profile is ambiguous: two readers
    // (or the stub and us) could pick different ones. Refuse it (the first
    // such pair is named); describing it is still possible.
    for (size_t i = 0; i < u.sections_.size() && !u.ambiguity_; i++) {
        const UkiSection& a = u.sections_[i];
        if (!a.info || !a.info->singleton || a.info->kind == SectionKind::Profile)
            continue;
        for (size_t j = i + 1; j < u.sections_.size() && !u.ambiguity_; j++) {
            const UkiSection& b = u.sections_[j];
            if (b.profile == a.profile && b.info == a.info)
                u.ambiguity_ = "section " + field(a.name()) + " appears twice in " +
                               (a.profile == kBaseProfile ? std::string("the base profile")
                                                          : "profile @" + std::to_string(a.profile)) +
                               " (sections #" + std::to_string(a.header->index) + " and #" +
                               std::to_string(b.header->index) + ")";
        }
    }
    if (u.ambiguity_)
        *u.ambiguity_ += u.profiles_unknown();
    if (u.ambiguity_ && purpose == Purpose::Load)
        return make_error(name + ": " + *u.ambiguity_);

    if (u.has_profiles_) {
        for (const UkiSection& s : u.sections_) {
            if (s.profile == kBaseProfile)
                continue;
            if (s.info && s.info->kind == SectionKind::Profile) {
                Profile p;
                p.index = static_cast<unsigned>(s.profile);
                std::string text = s.text();
                p.id = env_file_value(text, "ID").value_or("");
                p.title = env_file_value(text, "TITLE").value_or("");
                u.profiles_.push_back(std::move(p));
            } else {
                u.profiles_.back().sections.push_back(s.name());
            }
        }
    } else {
        u.profiles_.push_back(Profile{});
    }
    return u;
}

std::vector<std::string> Uki::stub_left_out() const {
    std::vector<std::string> left_out;
    auto has_section = [&](SectionKind kind) {
        return std::any_of(sections_.begin(), sections_.end(),
                           [&](const UkiSection& s) { return s.info && s.info->kind == kind && !s.data.empty(); });
    };
    if (has_section(SectionKind::Ucode) && !stub_.has(StubFeature::Ucode))
        left_out.push_back(".ucode is left out: " + stub_.lacks(StubFeature::Ucode));
    if (ignored_profiles_ > 0)
        left_out.push_back("its " + std::to_string(ignored_profiles_) + " .profile section(s) are read as unknown "
                           "sections, all in one profile: " + stub_.lacks(StubFeature::Profiles));
    if (has_section(SectionKind::Osrel) && !stub_.has(StubFeature::ExtraOsRelease))
        left_out.push_back("no /.extra/os-release: " + stub_.lacks(StubFeature::ExtraOsRelease));
    return left_out;
}

bool Uki::is_uki() const {
    for (const UkiSection& s : sections_)
        if (s.info && s.info->kind == SectionKind::Linux)
            return true;
    return false;
}

bool Uki::is_addon() const { return !is_uki() && has_addon_payload(pe_); }

// ID= and TITLE= are text from the file, of any length: each is shown
// escaped and cut to kFieldLimit bytes (shown_profile_id(), quoted_field()).
std::string shown_profile_id(const std::string& id) {
    const bool plain = !id.empty() && id.size() <= kFieldLimit && std::isalnum(static_cast<unsigned char>(id[0])) &&
                       id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                           std::string::npos;
    return plain ? id : quoted_field(id);
}

std::string Uki::describe_profiles() const {
    std::string out;
    for (const Profile& p : profiles_) {
        if (!out.empty())
            out += ", ";
        out += "@" + std::to_string(p.index);
        std::string attrs;
        if (!p.id.empty())
            attrs += "ID=" + shown_profile_id(p.id);
        if (!p.title.empty())
            attrs += (attrs.empty() ? "" : ", ") + std::string("TITLE=") + quoted_field(p.title);
        if (!attrs.empty())
            out += " (" + attrs + ")";
    }
    return out;
}

std::string Uki::profiles_unknown() const {
    return ignored_profiles_ > 0 ? " (" + stub_.lacks(StubFeature::Profiles) + ")" : "";
}

Result<unsigned> Uki::resolve_profile(const std::string& spec) const {
    std::string_view s = spec;
    if (!s.empty() && s.front() == '@')
        s.remove_prefix(1);
    if (auto n = parse_u64(s); n && !s.empty() && s.find_first_not_of("0123456789") == s.npos) {
        if (*n < profiles_.size())
            return static_cast<unsigned>(*n);
        return make_error(path() + ": no profile @" + std::string(s) + "; available: " +
                          describe_profiles() + profiles_unknown());
    }
    for (const Profile& p : profiles_)
        if (!p.id.empty() && p.id == spec)
            return p.index;
    return make_error(path() + ": no profile with ID " + quoted_field(spec) + "; available: " +
                      describe_profiles() + profiles_unknown());
}

Result<Selection> Uki::select(unsigned profile) const {
    if (profile >= profiles_.size())
        return make_error(path() + ": no profile @" + std::to_string(profile) + "; available: " +
                          describe_profiles());
    Selection sel;
    sel.profile = profile;
    // First the profile's own sections, then base sections it does not
    // override (same name). Empty sections (VirtualSize 0) count as absent,
    // as in systemd-stub.
    auto usable = [](const UkiSection& s) { return s.info && !s.data.empty(); };
    std::vector<const UkiSection*> own;
    if (has_profiles_)
        for (const UkiSection& s : sections_)
            if (s.profile == static_cast<int>(profile) && usable(s))
                own.push_back(&s);
    for (const UkiSection& s : sections_) {
        if (s.profile != kBaseProfile || !usable(s))
            continue;
        bool overridden = std::any_of(own.begin(), own.end(), [&](const UkiSection* o) {
            return o->info == s.info;
        });
        if (!overridden)
            sel.sections.push_back(&s);
    }
    sel.sections.insert(sel.sections.end(), own.begin(), own.end());
    return sel;
}

uint64_t embedded_kernel_size(std::span<const uint8_t> linux_bytes) {
    if (!pe::looks_like_pe(linux_bytes))
        return linux_bytes.size();
    auto kernel = pe::PeFile::parse_embedded(linux_bytes, ".linux");
    return kernel.ok() ? kernel->image_extent() : linux_bytes.size();
}

Result<Payload> Uki::kernel_payload(const UkiSection& linux_section) const {
    return Payload::slice(file_, linux_section.header->pointer_to_raw_data,
                          embedded_kernel_size(linux_section.data), linux_section.name() + " of " + path());
}

Result<Payload> Uki::payload(const UkiSection& s, const std::string& label_suffix) const {
    return Payload::slice(file_, s.header->pointer_to_raw_data, s.data.size(),
                          s.name() + " of " + path() + label_suffix);
}

}  // namespace kx::uki
