// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/boot.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "sys/trusted_dir.hpp"
#include "uki/cpio.hpp"
#include "uki/verify.hpp"

namespace kx::uki {
namespace {

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
    if (s.size() < suffix.size())
        return false;
    for (size_t i = 0; i < suffix.size(); i++)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) !=
            std::tolower(static_cast<unsigned char>(suffix[i])))
            return false;
    return true;
}

// A directory systemd-stub would read beside the UKI, opened once (only if
// trusted: see trusted_dir.hpp), with its entries.
struct SidecarDir {
    std::optional<TrustedDir> dir;
    std::vector<TrustedDir::Entry> entries;
};

// One that is not trusted is ignored with a note, as the stub would never
// have found it; one that cannot be read is an error, never an empty one.
Result<SidecarDir> open_sidecar_dir(const std::optional<std::string>& path, std::vector<std::string>& notes) {
    SidecarDir sidecars;
    if (!path)
        return sidecars;
    auto opened = TrustedDir::open(*path);
    if (!opened.ok()) {
        if (!TrustedDir::is_refusal(opened.error()))
            return opened.take_error();
        notes.push_back("ignored " + *path + ": " + opened.error().message);
        return sidecars;
    }
    if (*opened) {
        sidecars.dir.emplace(std::move(**opened));
        KX_ASSIGN(sidecars.entries, sidecars.dir->list());
    }
    return sidecars;
}

// Names in `where` ending in `suffix` (not `exclude`), sorted, skipping what
// systemd-stub skips (hidden, non-ASCII, over-long names) and, with a note,
// what is not a trusted regular file.
std::vector<std::string> sidecar_files(const SidecarDir& where, std::string_view suffix, std::string_view exclude,
                                       std::vector<std::string>& notes) {
    std::vector<std::string> names;
    for (const TrustedDir::Entry& e : where.entries) {
        const std::string& name = e.name;
        if (name.empty() || name[0] == '.' || name.size() > 255)
            continue;
        if (std::any_of(name.begin(), name.end(), [](char c) { return c & 0x80; }))
            continue;
        if (!ends_with_nocase(name, suffix) || (!exclude.empty() && ends_with_nocase(name, exclude)))
            continue;
        if (!e.refusal.empty()) {
            notes.push_back("skipped " + where.dir->path() + "/" + field(name) + ": " + e.refusal);
            continue;
        }
        names.push_back(name);
    }
    return names;
}

std::string unescape_mountinfo(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (size_t k = 1; k <= 3; k++) {
                if (i + k >= s.size() || s[i + k] < '0' || s[i + k] > '7') {
                    ok = false;
                    break;
                }
                v = v * 8 + (s[i + k] - '0');
            }
            if (ok) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

struct GeneratedArchive {
    const char* dir;       // inside the initramfs
    uint32_t dir_mode;
    uint32_t file_mode;
};

// systemd-stub's cpio targets (src/boot/cpio.c).
constexpr GeneratedArchive kCredentials{".extra/credentials", 0500, 0400};
constexpr GeneratedArchive kGlobalCredentials{".extra/global_credentials", 0500, 0400};
constexpr GeneratedArchive kSysext{".extra/sysext", 0555, 0444};
constexpr GeneratedArchive kGlobalSysext{".extra/global_sysext", 0555, 0444};
constexpr GeneratedArchive kConfext{".extra/confext", 0555, 0444};
constexpr GeneratedArchive kGlobalConfext{".extra/global_confext", 0555, 0444};
constexpr GeneratedArchive kMeta{".extra", 0555, 0444};

// The UKI's own sections that end up in the initrd it assembles.
constexpr std::array kInitrdSections{SectionKind::Ucode,  SectionKind::Initrd, SectionKind::Pcrsig,
                                     SectionKind::Pcrpkey, SectionKind::Osrel,  SectionKind::Profile};

class InitrdAssembler {
public:
    void add(const Payload& piece, std::string what) {
        if (piece.empty())
            return;
        initrd_.begin_archive();
        initrd_.append(piece);
        initrd_.pad_to(4);  // the kernel expects each archive 4-byte aligned
        parts_.push_back(std::move(what));
    }

    Status add_sidecars(const SidecarDir& where, std::string_view suffix, std::string_view exclude,
                        const GeneratedArchive& target, const std::string& what, std::vector<std::string>& notes) {
        CpioWriter cpio;
        size_t count = 0;
        const std::string parent = target.dir;
        for (const std::string& name : sidecar_files(where, suffix, exclude, notes)) {
            // A file that cannot be read is an error, never a quiet gap:
            // the next system would boot without a credential the
            // directory holds. One no longer trusted is skipped, as at listing.
            KX_ASSIGN(TrustedDir::Opened opened, where.dir->open_file(name));
            if (!opened.file) {
                notes.push_back("skipped " + where.dir->path() + "/" + field(name) + ": " + opened.refusal);
                continue;
            }
            if (count++ == 0)
                cpio.add_directory(parent, target.dir_mode);
            KX_TRY(cpio.add_file(parent + "/" + name, target.file_mode, Payload::whole_file(opened.file, name)));
        }
        if (count > 0)
            add(cpio.finish(), what + " (" + std::to_string(count) + " from " + where.dir->path() + ")");
        return {};
    }

    Status add_literal(const Uki& uki, const UkiSection* s, const char* file_name) {
        if (!s)
            return {};
        KX_ASSIGN(Payload contents, uki.payload(*s));
        CpioWriter cpio;
        cpio.add_directory(kMeta.dir, kMeta.dir_mode);
        KX_TRY(cpio.add_file(std::string(kMeta.dir) + "/" + file_name, kMeta.file_mode, contents));
        add(cpio.finish(), std::string("/.extra/") + file_name);
        return {};
    }

    Status add_section(const Uki& uki, const UkiSection& s, const std::string& what) {
        KX_ASSIGN(Payload contents, uki.payload(s));
        add(contents, what);
        return {};
    }

    Payload finish() {
        if (!parts_.empty()) {
            std::string summary;
            for (const auto& p : parts_)
                summary += (summary.empty() ? "" : " + ") + p;
            initrd_.set_summary(summary);
        }
        return std::move(initrd_);
    }

private:
    Payload initrd_;
    std::vector<std::string> parts_;
};

constexpr const char* kAddonOptionOrigin = "--uki-addon";

struct LoadedAddon {
    Uki addon;
    Selection sections;  // an addon has one profile; its pointers stay valid when `addon` moves
    AddonUse use;
};

// systemd-stub's .uname check (load_addons() in src/boot/stub.c):
// strneq8(UKI's uname, addon's .uname, the section's VirtualSize), so an addon
// whose .uname is "6.1" applies to a UKI of "6.1.0-57-amd64". Past the
// file's bytes the section reads as zeros in memory, which ends the compare.
bool addon_uname_matches(const std::string& uki_uname, const UkiSection& addon_uname) {
    for (uint64_t i = 0; i < addon_uname.header->virtual_size; i++) {
        const char uki = i < uki_uname.size() ? uki_uname[i] : '\0';
        const char addon = i < addon_uname.data.size() ? static_cast<char>(addon_uname.data[i]) : '\0';
        if (uki != addon)
            return false;
        if (uki == '\0')
            break;
    }
    return true;
}

// An addon as systemd-stub takes it: not a UKI, for x86-64, and with a
// .uname (if any) that the UKI's starts with (addon_uname_matches). The
// error says why it does not apply. The UKI's stub decides which of its
// sections count: before 257, only .cmdline.
Result<LoadedAddon> load_addon(const FileRef& f, const std::string& origin, const std::string& uki_uname,
                               const StubRules& stub, std::vector<std::string>& notes) {
    const std::string& path = f->path();
    KX_ASSIGN(Uki addon, Uki::parse(f));
    if (addon.pe().machine() != pe::kMachineAmd64)
        return make_error(path + ": addon is for PE machine " + hex(addon.pe().machine()) +
                          ", not x86-64");
    if (addon.is_uki())
        return make_error(path + ": is a UKI (it has a .linux section), not an addon");
    KX_ASSIGN(Selection sel, addon.select(0));
    if (!stub.has(StubFeature::AddonInitrdUcode)) {
        auto initrd_or_ucode = [](const UkiSection* s) {
            return s->info->kind == SectionKind::Initrd || s->info->kind == SectionKind::Ucode;
        };
        if (std::any_of(sel.sections.begin(), sel.sections.end(), initrd_or_ucode)) {
            std::erase_if(sel.sections, initrd_or_ucode);
            notes.push_back("addon " + path + ": its .initrd and .ucode are left out: " +
                            stub.lacks(StubFeature::AddonInitrdUcode));
        }
    }
    if (const UkiSection* u = sel.get(SectionKind::Uname); u && !uki_uname.empty() &&
                                                             !addon_uname_matches(uki_uname, *u))
        return make_error(path + ": addon .uname " + quote(u->text()) + " does not match the UKI's " +
                          quote(uki_uname));
    AddonUse use{path, origin};
    if (const UkiSection* c = sel.get(SectionKind::Cmdline))
        use.cmdline = c->cmdline();
    use.initrd = sel.get(SectionKind::Initrd) != nullptr;
    use.ucode = sel.get(SectionKind::Ucode) != nullptr;
    use.dtb = sel.get(SectionKind::Dtb) || sel.get(SectionKind::Dtbauto);
    return LoadedAddon{std::move(addon), std::move(sel), std::move(use)};
}

}  // namespace

std::optional<unsigned> take_profile_prefix(std::string& cmdline) {
    if (cmdline.size() < 2 || cmdline[0] != '@')
        return std::nullopt;
    size_t end = 1;
    while (end < cmdline.size() && cmdline[end] >= '0' && cmdline[end] <= '9')
        end++;
    if (end == 1 || end - 1 > 9)
        return std::nullopt;
    if (end < cmdline.size() && cmdline[end] != ' ')
        return std::nullopt;
    unsigned n = static_cast<unsigned>(std::stoul(cmdline.substr(1, end - 1)));
    cmdline.erase(0, end < cmdline.size() ? end + 1 : end);
    return n;
}

std::string remove_boot_count(std::string path) {
    const size_t plus = path.find('+');
    if (plus == std::string::npos)
        return path;
    auto digits_from = [&](size_t at) {
        size_t end = at;
        while (end < path.size() && path[end] >= '0' && path[end] <= '9')
            end++;
        return end;
    };
    size_t end = digits_from(plus + 1);
    if (end == plus + 1)
        return path;
    if (end < path.size() && path[end] == '-') {
        const size_t done = digits_from(end + 1);
        if (done == end + 1)
            return path;
        end = done;
    }
    if (end < path.size() && path[end] != '.')
        return path;
    return path.erase(plus, end - plus);
}

Result<std::optional<std::string>> esp_root_of(const std::string& path, const SystemView& sys) {
    using Root = std::optional<std::string>;
    const std::string& file = path;
    KX_ASSIGN(auto mountinfo, sys.read_text_if_exists("/proc/self/mountinfo"));
    if (!mountinfo)
        return Root();
    std::string best, best_type;
    for (const std::string& line : split_lines(*mountinfo)) {
        // id parent major:minor root mount-point options [optional...] - type source super
        const std::vector<std::string_view> f = split_words(line);
        auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 5 || dash == f.end() || dash + 1 == f.end())
            continue;
        std::string mount_point = unescape_mountinfo(f[4]);
        bool covers = mount_point == "/" ||
                      (starts_with(file, mount_point) &&
                       (file.size() == mount_point.size() || file[mount_point.size()] == '/'));
        if (covers && mount_point.size() >= best.size()) {
            best = mount_point;
            best_type = *(dash + 1);
        }
    }
    if (best_type == "vfat" || best_type == "msdos")
        return Root(best);
    return Root();
}

Result<SidecarPlaces> sidecar_places(const MappedFile& opened, const SystemView& sys) {
    if (opened.fd() < 0)
        return SidecarPlaces{};  // bytes in memory (a test's, a fuzzer's): nothing beside them
    // The name the open file has now, from its descriptor: the directory
    // the stub would read is the one beside this file, whatever link or
    // relative path led here.
    char link[PATH_MAX + 1];
    const std::string fd_path = "/proc/self/fd/" + std::to_string(opened.fd());
    const ssize_t n = ::readlink(fd_path.c_str(), link, PATH_MAX);
    if (n <= 0)
        return make_error(opened.path() + ": cannot tell where the open file lies (" + fd_path + ": " +
                              std::strerror(errno) + ")",
                          errno);
    const std::string canonical(link, static_cast<size_t>(n));
    // ... and that name must still lead to this very file: if it was renamed,
    // removed or replaced since it was opened, the directory beside that
    // name is not this UKI's.
    struct stat now {}, open_file {};
    if (canonical.empty() || canonical[0] != '/' || ::stat(canonical.c_str(), &now) != 0 ||
        ::fstat(opened.fd(), &open_file) != 0 || now.st_dev != open_file.st_dev || now.st_ino != open_file.st_ino)
        return make_error(opened.path() + ": was moved, removed or replaced while kexec read it: load it again");
    SidecarPlaces places;
    KX_ASSIGN(places.esp_root, esp_root_of(canonical, sys));
    // The stub sees the path below the ESP; off an ESP, the file's own name.
    const size_t below = places.esp_root ? places.esp_root->size() : canonical.rfind('/') + 1;
    places.extra_dir = canonical.substr(0, below) + remove_boot_count(canonical.substr(below)) + ".extra.d";
    return places;
}

namespace {

// Where the stub looks for what it adds to a UKI: the <uki>.extra.d
// directory beside it and, when the UKI is on a vfat mount (an ESP), the
// ESP's loader/ directories. Each is opened once; absent ones are empty.
struct Sidecars {
    SidecarDir extra;
    SidecarDir esp_addons, esp_credentials, esp_extensions;
};

// --uki-profile, or the stub's "@N " prefix, which comes off the command line.
Result<unsigned> choose_profile(const Uki& uki, const BootRequest& req, std::optional<std::string>& user_cmdline) {
    std::optional<unsigned> prefix_profile;
    if (user_cmdline && uki.stub().has(StubFeature::Profiles))
        prefix_profile = take_profile_prefix(*user_cmdline);
    if (!req.profile)
        return prefix_profile.value_or(0);
    KX_ASSIGN(unsigned profile, uki.resolve_profile(*req.profile));
    if (prefix_profile.value_or(profile) != profile)
        return make_error(uki.path() + ": the command line selects profile @" +
                          std::to_string(prefix_profile.value_or(0)) + " but --uki-profile selects @" +
                          std::to_string(profile));
    return profile;
}

// An addon as it will be used: when it must verify (--uki-verify, Secure
// Boot), the sealed copy that was verified, so that what is parsed, hashed
// and loaded is one version of it; else the file as mapped.
Result<FileRef> addon_to_use(FileRef file, const BootRequest& req, uint64_t& copy_budget,
                             std::string& trusted_because) {
    const AddonTrust& trust = req.addon_trust;
    if (!trust.required())
        return file;
    if (!trust.store)
        return make_error(file->path() + ": cannot be verified, as " + trust.required_by + " requires: " +
                          trust.unavailable);
    KX_ASSIGN(VerifiedFile verified, verify_sealed_copy(file, *trust.store, copy_budget));
    trusted_because = std::move(verified.vouched);
    return std::move(verified.copy);
}

struct AddonCandidate {
    FileRef file;
    const char* origin;
};

// Global (ESP/loader/addons), then per-UKI (<uki>.extra.d), each sorted by
// name, then --uki-addon in order. A found file that cannot be opened at
// all is an error (booting without it is not what the directory says); one
// that is no longer trusted is skipped with a note.
Result<std::vector<AddonCandidate>> find_addons(const Uki& uki, const BootRequest& req, bool search,
                                                const Sidecars& where, UkiBoot& boot) {
    std::vector<AddonCandidate> candidates;
    for (const SidecarDir* dir : {&where.esp_addons, &where.extra}) {
        if (!search)
            break;
        const char* origin = dir == &where.extra ? "per-UKI" : "global";
        for (const auto& name : sidecar_files(*dir, ".addon.efi", {}, boot.notes)) {
            KX_ASSIGN(TrustedDir::Opened opened, dir->dir->open_file(name));
            if (opened.file) {
                candidates.push_back({std::move(opened.file), origin});
                continue;
            }
            const std::string path = dir->dir->path() + "/" + field(name);
            boot.notes.push_back(std::string("skipped ") + origin + " addon " + path + ": " + opened.refusal);
            boot.skipped_addons.push_back({path, origin, opened.refusal});
        }
    }
    for (const auto& f : req.addon_files) {
        KX_ASSIGN(FileRef file, MappedFile::open(f));
        candidates.push_back({std::move(file), kAddonOptionOrigin});
    }
    if (uki.stub().has(StubFeature::Addons))
        return candidates;
    // What the UKI's own stub would never load: an error when named, else
    // skipped, with the reason.
    for (const AddonCandidate& c : candidates) {
        const std::string reason = c.file->path() + ": " + uki.stub().lacks(StubFeature::Addons);
        if (c.origin == std::string_view(kAddonOptionOrigin))
            return make_error("--uki-addon " + reason);
        boot.notes.push_back(std::string("skipped ") + c.origin + " addon " + reason);
        boot.skipped_addons.push_back({c.file->path(), c.origin, reason});
    }
    return std::vector<AddonCandidate>();
}

Result<std::vector<LoadedAddon>> load_addons(const Uki& uki, const BootRequest& req, bool search,
                                             const Sidecars& where, const std::string& uname, UkiBoot& boot) {
    KX_ASSIGN(std::vector<AddonCandidate> candidates, find_addons(uki, req, search, where, boot));
    std::vector<LoadedAddon> addons;
    uint64_t copy_budget = req.copy_limit;
    for (AddonCandidate& c : candidates) {
        const bool named = c.origin == std::string_view(kAddonOptionOrigin);
        std::string trusted_because;
        auto used = addon_to_use(c.file, req, copy_budget, trusted_because);
        // No memory or descriptors for its copy: not an addon that does not
        // apply, but one the load would go without. An error.
        if (!used.ok() && used.error().sys_errno != 0)
            return used.take_error();
        auto loaded = used.ok() ? load_addon(*used, c.origin, uname, uki.stub(), boot.notes)
                                : Result<LoadedAddon>(used.take_error());
        if (!loaded.ok()) {
            // Like systemd-stub, an addon found on disk that does not apply
            // is skipped and the boot goes on: one stale file must not stop
            // every load (kdump included). One the user named is an error.
            if (named)
                return loaded.take_error();
            boot.notes.push_back(std::string("skipped ") + c.origin + " addon " + loaded.error().message);
            boot.skipped_addons.push_back({c.file->path(), c.origin, loaded.error().message});
            continue;
        }
        LoadedAddon& a = *loaded;
        a.use.trusted_because = std::move(trusted_because);
        const std::string& path = a.use.path;
        if (a.use.cmdline.empty() && !a.use.initrd && !a.use.ucode && !a.use.dtb) {
            // systemd-stub: "No applicable .cmdline/.dtb/.dtbauto/.initrd/.ucode
            // sections found", ignored. A skip like any other, so --uki-info
            // lists it with the reason.
            const std::string reason = path + ": has no .cmdline, .initrd, .ucode or .dtb: nothing to apply";
            boot.notes.push_back(std::string("skipped ") + c.origin + " addon " + reason);
            boot.skipped_addons.push_back({path, c.origin, reason});
            continue;
        }
        if (a.use.dtb)
            boot.notes.push_back("addon " + path + ": devicetree sections are not used on x86-64");
        boot.addons.push_back(a.use);
        addons.push_back(std::move(a));
    }
    return addons;
}

// The words of `wanted` that `line` lacks, in order.
std::string missing_words(std::string_view line, std::string_view wanted) {
    const auto have = split_words(line);
    std::string missing;
    for (std::string_view w : split_words(wanted))
        if (std::find(have.begin(), have.end(), w) == have.end())
            missing += (missing.empty() ? "" : " ") + std::string(w);
    return missing;
}

// Where systemd-stub takes its command line from, then the addons': its
// run() (src/boot/stub.c) settles the line first (a boot loader's, else the
// UKI's .cmdline) and then appends every addon's with
// cmdline_append_and_measure_addons(), whichever line it settled on. kexec
// does the same with a line given by hand (systemd's own `systemctl kexec`
// fallback passes the entry's options with --append), except a line that is
// the running kernel's (--reuse-cmdline) or built from it (-p: kdump tools
// start from /proc/cmdline): the running system booted with the addons, so
// their parameters are normally there already, and a second copy would
// repeat them. --uki-strict takes no caller line beside a signed addon's: a
// line in front of it can undo it (a "--" hands the rest to init, an open
// quote swallows it).
Status compose_cmdline(const Uki& uki, const Selection& sel, const BootRequest& req,
                       const std::optional<std::string>& user_cmdline, UkiBoot& boot) {
    std::string addon_cmdline;
    for (const auto& a : boot.addons)
        if (!a.cmdline.empty())
            addon_cmdline += (addon_cmdline.empty() ? "" : " ") + a.cmdline;
    const UkiSection* cmdline_section = sel.get(SectionKind::Cmdline);
    if (cmdline_section) {
        const std::string_view raw(reinterpret_cast<const char*>(cmdline_section->data.data()),
                                   cmdline_section->data.size());
        const std::string decoded = stub_text(raw);
        if (decoded != raw.substr(0, raw.find('\0')))
            boot.notes.push_back("the UKI's .cmdline is not all UTF-8 that systemd-stub can read: it drops what "
                                 "does not decode (and characters above U+FFFF, and ends at an encoded NUL), "
                                 "so the kernel gets " + quote(mangle_cmdline(decoded)));
    }
    if (user_cmdline && !user_cmdline->empty()) {
        if (req.strict && cmdline_section)
            return make_error(uki.path() + ": --uki-strict: refusing to override the UKI's .cmdline with " +
                              req.user_cmdline_origin);
        if (req.strict && !addon_cmdline.empty())
            return make_error(uki.path() + ": --uki-strict: refusing " + req.user_cmdline_origin +
                              " beside its addons' command lines: a line in front of theirs can undo them");
        boot.cmdline = *user_cmdline;
        boot.cmdline_source = req.user_cmdline_origin;
        if (cmdline_section)
            boot.notes.push_back("the UKI's .cmdline " + quote(cmdline_section->cmdline()) +
                                 " is overridden by " + req.user_cmdline_origin);
        // systemd-stub ignores a boot loader's command line under Secure Boot
        // when the UKI has its own; kdump tools rely on theirs, so kexec takes
        // it as asked and says so (--uki-strict refuses it instead).
        if (cmdline_section && req.secure_boot)
            boot.notes.push_back("Secure Boot is on: systemd-stub would boot this UKI with its own .cmdline and "
                                 "ignore a boot loader's; kexec uses " + req.user_cmdline_origin +
                                 " as asked (--uki-strict refuses that)");
        if (!addon_cmdline.empty() && !req.user_cmdline_from_running_kernel.empty()) {
            const std::string missing = missing_words(boot.cmdline, addon_cmdline);
            boot.notes.push_back("addon command lines " + quote(addon_cmdline) + " are not appended to " +
                                 req.user_cmdline_origin + ": " + req.user_cmdline_from_running_kernel +
                                 (missing.empty() ? ", which has them already"
                                                  : ", which lacks " + quote(missing) +
                                                        ": add them with --append if the new kernel needs them"));
            return {};
        }
    } else if (cmdline_section) {
        boot.cmdline = cmdline_section->cmdline();
        boot.cmdline_source = ".cmdline of " + uki.path() +
                              (uki.has_profile_sections() ? " (profile @" + std::to_string(boot.profile) + ")" : "");
    } else {
        boot.cmdline_source = "none (the UKI has no .cmdline)";
    }
    if (!addon_cmdline.empty()) {
        boot.cmdline += (boot.cmdline.empty() ? "" : " ") + addon_cmdline;
        boot.cmdline_source += " + addon command lines";
    }
    return {};
}

// The initrd in systemd-stub's order: microcode first (the kernel looks
// for it in the first archive only), the UKI's own, the generated /.extra
// archives, then the addons' initrds.
Result<Payload> assemble_initrd(const Uki& uki, const Selection& sel, const std::vector<LoadedAddon>& addons,
                                const Sidecars& where, UkiBoot& boot) {
    InitrdAssembler initrd;
    for (auto it = addons.rbegin(); it != addons.rend(); ++it)  // reverse: the kernel takes the first
        if (const UkiSection* u = it->sections.get(SectionKind::Ucode))
            KX_TRY(initrd.add_section(it->addon, *u, ".ucode of " + it->use.path));
    const StubRules& stub = uki.stub();
    if (const UkiSection* u = sel.get(SectionKind::Ucode); u && stub.has(StubFeature::Ucode))
        KX_TRY(initrd.add_section(uki, *u, ".ucode"));
    if (const UkiSection* i = sel.get(SectionKind::Initrd))
        KX_TRY(initrd.add_section(uki, *i, ".initrd"));
    std::vector<std::string>& notes = boot.notes;
    KX_TRY(initrd.add_sidecars(where.extra, ".cred", {}, kCredentials, "/.extra/credentials", notes));
    KX_TRY(initrd.add_sidecars(where.esp_credentials, ".cred", {}, kGlobalCredentials, "/.extra/global_credentials",
                               notes));
    // Before confexts, the stub's "*.raw" took *.confext.raw for a sysext.
    const bool confext = stub.has(StubFeature::Confext);
    KX_TRY(initrd.add_sidecars(where.extra, ".raw", confext ? ".confext.raw" : "", kSysext, "/.extra/sysext", notes));
    KX_TRY(initrd.add_sidecars(where.esp_extensions, ".raw", ".confext.raw", kGlobalSysext, "/.extra/global_sysext",
                               notes));
    if (confext)
        KX_TRY(initrd.add_sidecars(where.extra, ".confext.raw", {}, kConfext, "/.extra/confext", notes));
    KX_TRY(initrd.add_sidecars(where.esp_extensions, ".confext.raw", {}, kGlobalConfext, "/.extra/global_confext",
                               notes));
    KX_TRY(initrd.add_literal(uki, sel.get(SectionKind::Pcrsig), "tpm2-pcr-signature.json"));
    KX_TRY(initrd.add_literal(uki, sel.get(SectionKind::Pcrpkey), "tpm2-pcr-public-key.pem"));
    if (stub.has(StubFeature::ExtraOsRelease))
        KX_TRY(initrd.add_literal(uki, sel.get(SectionKind::Osrel), "os-release"));
    if (stub.has(StubFeature::Profiles))
        KX_TRY(initrd.add_literal(uki, sel.get(SectionKind::Profile), "profile"));
    for (const auto& a : addons)
        if (const UkiSection* i = a.sections.get(SectionKind::Initrd))
            KX_TRY(initrd.add_section(a.addon, *i, ".initrd of " + a.use.path));
    return initrd.finish();
}

}  // namespace

Result<UkiBoot> plan_uki_boot(const Uki& uki, const BootRequest& req) {
    UkiBoot boot;
    std::optional<std::string> user_cmdline = req.user_cmdline;
    KX_ASSIGN(boot.profile, choose_profile(uki, req, user_cmdline));
    // The stub mangles a boot loader's command line as it does its own
    // (process_arguments(), src/boot/stub.c), after taking "@N " off.
    if (user_cmdline) {
        std::string mangled = mangle_cmdline(*user_cmdline);
        if (mangled != *user_cmdline)
            boot.notes.push_back(req.user_cmdline_origin + " " + quote(*user_cmdline) + " is read as systemd-stub "
                                 "reads a boot loader's: " + quote(mangled));
        *user_cmdline = std::move(mangled);
    }
    KX_ASSIGN(Selection sel, uki.select(boot.profile));
    if (uki.has_profile_sections())
        boot.notes.push_back("profile @" + std::to_string(boot.profile) + " of " + uki.describe_profiles());
    // Booted as the stub it carries would boot it; say what a newer one adds.
    for (std::string& left_out : uki.stub_left_out())
        boot.notes.push_back(std::move(left_out));

    const UkiSection* linux_section = sel.get(SectionKind::Linux);
    if (!linux_section)
        return make_error(uki.path() + ": no .linux section (or it is empty): not a UKI");
    KX_ASSIGN(boot.kernel, uki.kernel_payload(*linux_section));
    if (boot.kernel.size() != linux_section->data.size())
        boot.notes.push_back(".linux holds " + std::to_string(linux_section->data.size()) +
                             " bytes; the kernel's PE image is the first " + std::to_string(boot.kernel.size()) +
                             " (the rest is the UKI builder's padding, left out so its signature still matches)");

    const std::optional<std::string>& esp = req.places.esp_root;
    auto on_esp = [&](const char* dir) { return esp ? std::optional<std::string>(*esp + dir) : std::nullopt; };
    Sidecars where;
    KX_ASSIGN(where.extra, open_sidecar_dir(req.places.extra_dir, boot.notes));
    // --uki-strict looks for addons even with --uki-no-addons: leaving out
    // a signed one is replacing a signed part too (refused below).
    const bool search_addons = req.search_addons || req.strict;
    if (search_addons) {
        KX_ASSIGN(where.esp_addons, open_sidecar_dir(on_esp("/loader/addons"), boot.notes));
    }
    if (req.user_initrd.empty()) {
        KX_ASSIGN(where.esp_credentials, open_sidecar_dir(on_esp("/loader/credentials"), boot.notes));
        if (uki.stub().has(StubFeature::GlobalExtensions)) {
            KX_ASSIGN(where.esp_extensions, open_sidecar_dir(on_esp("/loader/extensions"), boot.notes));
        }
    }
    const UkiSection* uname = sel.get(SectionKind::Uname);
    KX_ASSIGN(std::vector<LoadedAddon> addons,
              load_addons(uki, req, search_addons, where, uname ? uname->text() : "", boot));
    if (req.strict && !req.search_addons)
        for (const LoadedAddon& a : addons)
            if (a.use.origin != kAddonOptionOrigin)
                return make_error(uki.path() + ": --uki-strict: refusing --uki-no-addons, which would leave out the "
                                               "signed addon " + a.use.path);
    KX_TRY(compose_cmdline(uki, sel, req, user_cmdline, boot));

    if (!req.user_initrd.empty()) {
        // Every signed part that would go into the initrd: the UKI's .ucode
        // and .initrd, those packed as /.extra files, and its addons'.
        const bool signed_initrd_parts =
            std::any_of(kInitrdSections.begin(), kInitrdSections.end(),
                        [&](SectionKind k) { return sel.get(k) != nullptr; }) ||
            std::any_of(addons.begin(), addons.end(), [](const LoadedAddon& a) { return a.use.initrd || a.use.ucode; });
        if (req.strict && signed_initrd_parts)
            return make_error(uki.path() + ": --uki-strict: refusing to replace the UKI's initrd with " +
                              req.user_initrd);
        boot.notes.push_back(req.user_initrd + " replaces the initrd the UKI would assemble (its .ucode, "
                             ".initrd, /.extra files and addon initrds are not passed)");
        return boot;
    }
    KX_ASSIGN(boot.initrd, assemble_initrd(uki, sel, addons, where, boot));
    return boot;
}

}  // namespace kx::uki
