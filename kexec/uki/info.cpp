// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/info.hpp"

#include "arch/x86_64/bzimage.hpp"
#include "base/byte_reader.hpp"
#include "pe/authenticode.hpp"
#include "sys/security.hpp"
#include "base/sha256.hpp"
#include "base/strings.hpp"
#include "uki/boot.hpp"
#include "uki/uki.hpp"
#include "uki/verify.hpp"

namespace kx::uki {
namespace {

struct SectionRow {
    std::string name, role;
    int profile;
    uint64_t offset, virtual_size, raw_size, vaddr;
    uint64_t bytes;  // in the file: min(VirtualSize, SizeOfRawData)
    std::string sha256;  // of those bytes
};

struct KernelFacts {
    bool present = false;
    uint64_t section_bytes = 0;  // .linux's bytes in the file
    uint64_t image_size = 0;     // the embedded kernel itself (embedded_kernel_size)
    std::string error;           // why it is not a loadable 64-bit bzImage
    x86::SetupHeader header;
    std::vector<pe::Signature> signatures;
    std::optional<pe::Verdict> verdict;  // with a trust source, when it is a PE
};

struct AddonRow {
    std::string path, origin;
    bool applied = false;
    std::string detail;  // applied: who vouched, if verified; skipped: why
};

struct Report {
    std::string path;
    std::string kind;  // "uki", "addon", "pe"
    uint16_t machine = 0;
    bool pe32_plus = false;
    std::vector<SectionRow> sections;
    std::vector<Profile> profiles;
    bool multi_profile = false;
    std::vector<std::string> cmdlines;  // per profile, effective (no addons)
    std::string pretty_name, version_id, uname, sbat;
    bool pcrsig = false, pcrpkey = false;
    KernelFacts kernel;
    std::vector<pe::Signature> signatures;
    std::vector<std::string> boot_problems;  // why it cannot boot; empty: it can (UKIs only)
    std::optional<std::string> firmware_refusal;  // why UEFI firmware would not load the file at all
    std::string stub;                        // the systemd-stub release it carries (.sdmagic), if it names one
    std::optional<unsigned> stub_release;
    std::vector<std::string> stub_left_out;  // what that stub leaves out that a newer one would use
    std::string trust_source;                // set: verdicts below are against it
    std::optional<pe::Verdict> verdict;
    std::optional<std::vector<AddonRow>> addons;  // set when looked for (a UKI, with a system to look in)
    std::string addons_error;                     // why they could not be determined
};

// What the report adds when it is about a file on this system: verdicts
// against a trust source, and the addons a load would apply.
struct Context {
    const SystemView* sys = nullptr;
    std::shared_ptr<const pe::TrustStore> trust;
    std::string verify_option;
    pe::SignaturePolicy policy;
};

std::string role_of(const UkiSection& s) {
    if (s.info)
        return s.info->purpose;
    return "other (stub code or unknown)";
}

// A signature list "does not match" when none of its digests match.
bool signed_but_mismatched(const std::vector<pe::Signature>& sigs) {
    bool any_checked = false;
    for (const auto& s : sigs) {
        if (s.digest_matches && *s.digest_matches)
            return false;
        any_checked |= s.digest_matches.has_value();
    }
    return any_checked;
}

KernelFacts kernel_facts(const UkiSection& linux_section, const std::string& name, const pe::TrustStore* trust,
                         const pe::SignaturePolicy& policy) {
    KernelFacts k;
    k.present = true;
    k.section_bytes = linux_section.data.size();
    k.image_size = embedded_kernel_size(linux_section.data);
    auto kernel_bytes = slice(linux_section.data, 0, k.image_size, name);
    if (!kernel_bytes.ok()) {
        k.error = kernel_bytes.error().message;
        return k;
    }
    const auto kernel = *kernel_bytes;
    if (auto loadable = x86::parse_bzimage64(kernel, name); loadable.ok()) {
        k.header = *loadable;
    } else {
        k.error = loadable.error().message;
        if (auto header = x86::parse_setup_header(kernel, name); header.ok())
            k.header = *header;  // still worth showing
    }
    if (pe::looks_like_pe(kernel))
        if (auto inner = pe::PeFile::parse(kernel, name); inner.ok()) {
            k.signatures = pe::read_signatures(*inner, policy);
            if (trust)
                k.verdict = pe::verify_authenticode(*inner, *trust);
        }
    return k;
}

// What would stop this UKI from booting, in words a user can act on.
std::vector<std::string> boot_problems(const Uki& uki, const Report& r) {
    std::vector<std::string> problems;
    if (uki.ambiguity())
        problems.push_back(*uki.ambiguity() + ": kexec refuses to load it, as which one counts is an accident of "
                           "the section table's order (systemd-stub would take the first; the rest of this report "
                           "shows what that would boot)");
    if (r.machine != pe::kMachineAmd64)
        problems.push_back("it is built for PE machine " + hex(r.machine) + ", not x86-64");
    for (const Profile& p : uki.profiles()) {
        auto sel = uki.select(p.index);
        const UkiSection* l = sel.ok() ? sel->get(SectionKind::Linux) : nullptr;
        const std::string where = uki.has_profile_sections() ? "profile @" + std::to_string(p.index) + ": " : "";
        if (!l) {
            problems.push_back(where + (uki.is_uki() ? ".linux is empty" : "there is no .linux section"));
            continue;
        }
        KernelFacts k = kernel_facts(*l, ".linux", nullptr, {});
        if (!k.error.empty())
            problems.push_back(where + k.error);
        // The same check every load of it makes (planner.cpp), on the
        // profile's own command line (addons only make it longer).
        const UkiSection* c = sel->get(SectionKind::Cmdline);
        if (Status fits = x86::check_cmdline_fits(k.header, c ? c->cmdline() : "", ".linux"); k.error.empty() && !fits.ok())
            problems.push_back(where + fits.error().message);
        if (signed_but_mismatched(k.signatures))
            problems.push_back(where + "the embedded kernel's signature does not match its bytes: refused "
                               "wherever kernel signatures are enforced (Secure Boot, lockdown)");
    }
    if (signed_but_mismatched(r.signatures))
        problems.push_back("the UKI's own signature does not match the file (changed after signing): "
                           "firmware with Secure Boot refuses it");
    return problems;
}

// The addons `kexec -l UKI` would apply, found and judged as the load
// does (uki/boot.cpp).
void find_addons(const Uki& uki, const Context& ctx, Report& r) {
    BootRequest req;
    req.secure_boot = read_security_state(*ctx.sys).secure_boot.value_or(false);
    req.addon_trust = addon_trust_for(ctx.trust, ctx.verify_option, req.secure_boot, *ctx.sys, ctx.policy);
    auto places = sidecar_places(*uki.file(), *ctx.sys);
    if (!places.ok()) {
        r.addons_error = places.error().message;
        return;
    }
    req.places = std::move(places).value();
    auto boot = plan_uki_boot(uki, req);
    if (!boot.ok()) {
        r.addons_error = boot.error().message;
        return;
    }
    r.addons.emplace();
    for (const AddonUse& a : boot->addons)
        r.addons->push_back({a.path, a.origin, true, a.trusted_because});
    for (const SkippedAddon& a : boot->skipped_addons)
        r.addons->push_back({a.path, a.origin, false, a.reason});
}

Result<Report> build(const Uki& uki, const Context& ctx = {}) {
    Report r;
    r.path = uki.path();
    r.kind = uki.is_uki() ? "uki" : uki.is_addon() ? "addon" : "pe";
    r.machine = uki.pe().machine();
    r.pe32_plus = uki.pe().is_pe32_plus();
    for (const UkiSection& s : uki.sections()) {
        const pe::Section& h = *s.header;
        KX_ASSIGN(auto bytes, uki.pe().section_bytes(h));
        r.sections.push_back(SectionRow{s.name(), role_of(s), s.profile, h.pointer_to_raw_data, h.virtual_size,
                                        h.size_of_raw_data, h.virtual_address, h.file_size(),
                                        to_hex(sha256(bytes))});
    }
    r.profiles = uki.profiles();
    r.multi_profile = uki.has_profile_sections();
    for (const Profile& p : r.profiles) {
        auto sel = uki.select(p.index);
        const UkiSection* c = sel.ok() ? sel->get(SectionKind::Cmdline) : nullptr;
        r.cmdlines.push_back(c ? c->cmdline() : std::string());
    }
    auto base = uki.select(0);
    if (base.ok()) {
        if (const UkiSection* os = base->get(SectionKind::Osrel)) {
            r.pretty_name = env_file_value(os->text(), "PRETTY_NAME").value_or("");
            r.version_id = env_file_value(os->text(), "VERSION_ID").value_or("");
        }
        if (const UkiSection* u = base->get(SectionKind::Uname))
            r.uname = trim(u->text());
        if (const UkiSection* s = base->get(SectionKind::Sbat))
            r.sbat = trim(s->text());
        r.pcrsig = base->get(SectionKind::Pcrsig) != nullptr;
        r.pcrpkey = base->get(SectionKind::Pcrpkey) != nullptr;
        if (const UkiSection* l = base->get(SectionKind::Linux))
            r.kernel = kernel_facts(*l, ".linux of " + uki.path(), ctx.trust.get(), ctx.policy);
    }
    r.signatures = pe::read_signatures(uki.pe(), ctx.policy);
    r.firmware_refusal = pe::firmware_load_refusal(uki.pe());
    r.stub = uki.stub().identity();
    r.stub_release = uki.stub().release();
    r.stub_left_out = uki.stub_left_out();
    if (r.kind != "addon")
        r.boot_problems = boot_problems(uki, r);
    if (ctx.trust) {
        r.trust_source = ctx.trust->source;
        r.verdict = pe::verify_authenticode(uki.pe(), *ctx.trust);
    }
    if (ctx.sys && r.kind == "uki")
        find_addons(uki, ctx, r);
    return r;
}

Json signatures_json(const std::vector<pe::Signature>& sigs) {
    Json a = Json::array();
    for (const auto& s : sigs) {
        Json signers = Json::array();
        for (const auto& g : s.signers)
            signers.push(Json::object().set("subject", g.subject).set("issuer", g.issuer).set("serial", g.serial));
        a.push(Json::object()
                   .set("offset", s.offset)
                   .set("error", s.error.empty() ? Json() : Json(s.error))
                   // cppcheck-suppress accessMoved  ; moved once, in this chain
                   .set("signers", std::move(signers))
                   .set("digest_algorithm", s.digest_algorithm.empty() ? Json() : Json(s.digest_algorithm))
                   .set("digest_matches", s.digest_matches ? Json(*s.digest_matches) : Json())
                   .set("refused", s.refused.empty() ? Json() : Json(s.refused)));
    }
    return a;
}

Json verdict_json(const std::optional<pe::Verdict>& v, const std::string& source) {
    if (!v)
        return Json();
    return Json::object().set("source", source).set("trusted", v->trusted).set("reason", v->reason);
}

Json profiles_json(const Report& r) {
    Json profiles = Json::array();
    for (size_t i = 0; i < r.profiles.size(); i++) {
        const Profile& p = r.profiles[i];
        Json overrides = Json::array();
        for (const auto& s : p.sections)
            overrides.push(s);
        profiles.push(Json::object()
                          .set("index", p.index)
                          .set("id", p.id.empty() ? Json() : Json(p.id))
                          .set("title", p.title.empty() ? Json() : Json(p.title))
                          // cppcheck-suppress accessMoved  ; moved once, in this chain
                          .set("sections", std::move(overrides))
                          .set("cmdline", r.cmdlines[i]));
    }
    return profiles;
}

// The UKI's .linux as a bzImage: what kexec reads of its setup header.
Json kernel_json(const Report& r) {
    Json kernel;
    if (r.kernel.present) {
        const auto& h = r.kernel.header;
        kernel = Json::object()
                     .set("error", r.kernel.error.empty() ? Json() : Json(r.kernel.error))
                     .set("section_bytes", r.kernel.section_bytes)
                     .set("image_size", r.kernel.image_size)
                     .set("protocol", x86::protocol_string(h.protocol))
                     .set("kernel_version", h.kernel_version)
                     .set("cmdline_size", h.cmdline_size)
                     .set("init_size", h.init_size)
                     .set("pref_address", h.pref_address)
                     .set("kernel_alignment", h.kernel_alignment)
                     .set("xloadflags", h.xloadflags)
                     .set("xloadflags_names", x86::xloadflags_string(h.xloadflags))
                     .set("signatures", signatures_json(r.kernel.signatures))
                     .set("verdict", verdict_json(r.kernel.verdict, r.trust_source));
    }
    return kernel;
}

Json to_json(const Report& r) {
    Json sections = Json::array();
    for (const auto& s : r.sections)
        sections.push(Json::object()
                          .set("name", s.name)
                          .set("role", s.role)
                          .set("profile", s.profile < 0 ? Json() : Json(s.profile))
                          .set("offset", s.offset)
                          .set("size", s.virtual_size)
                          .set("raw_size", s.raw_size)
                          .set("bytes", s.bytes)
                          .set("virtual_address", s.vaddr)
                          .set("sha256", s.sha256));
    Json profiles = profiles_json(r);
    Json kernel = kernel_json(r);
    Json addons;
    if (r.addons) {
        addons = Json::array();
        for (const AddonRow& a : *r.addons)
            addons.push(Json::object()
                            .set("path", a.path)
                            .set("origin", a.origin)
                            .set("applied", a.applied)
                            .set(a.applied ? "verified" : "skipped_because", a.detail.empty() ? Json() : Json(a.detail)));
    }
    Json left_out = Json::array();
    for (const auto& l : r.stub_left_out)
        left_out.push(l);
    Json problems = Json::array();
    for (const auto& p : r.boot_problems)
        problems.push(p);
    auto opt = [](const std::string& s) { return s.empty() ? Json() : Json(s); };
    return Json::object()
        .set("format", "kexec-uki-info/1")
        .set("path", r.path)
        .set("kind", r.kind)
        .set("machine", r.machine)
        .set("pe32_plus", r.pe32_plus)
        .set("bootable", r.kind == "addon" ? Json() : Json(r.boot_problems.empty()))
        .set("boot_problems", std::move(problems))
        .set("firmware_refusal", r.firmware_refusal ? Json(*r.firmware_refusal) : Json())
        .set("stub", Json::object()
                         .set("identity", opt(r.stub))
                         .set("release", r.stub_release ? Json(*r.stub_release) : Json())
                         // cppcheck-suppress accessMoved  ; moved once, in this chain
                         .set("left_out", std::move(left_out)))
        .set("sections", std::move(sections))
        .set("multi_profile", r.multi_profile)
        .set("profiles", std::move(profiles))
        .set("os_release", Json::object().set("PRETTY_NAME", opt(r.pretty_name)).set("VERSION_ID", opt(r.version_id)))
        .set("uname", opt(r.uname))
        .set("sbat", opt(r.sbat))
        .set("pcrsig", r.pcrsig)
        .set("pcrpkey", r.pcrpkey)
        .set("kernel", std::move(kernel))
        .set("signatures", signatures_json(r.signatures))
        .set("verdict", verdict_json(r.verdict, r.trust_source))
        .set("addons", std::move(addons))
        .set("addons_error", r.addons_error.empty() ? Json() : Json(r.addons_error));
}

// Text printed here comes from the file. Its contents (names, IDs, .sbat,
// signers) go through printable()/field()/quote(); messages (errors,
// reasons, which carry already-escaped fields) through terminal_line(), so
// nothing is escaped twice; and the whole report through terminal_text()
// (strings.hpp).
void signatures_text(std::string& out, const std::vector<pe::Signature>& sigs, const std::string& indent) {
    if (sigs.empty()) {
        out += indent + "unsigned\n";
        return;
    }
    int n = 0;
    for (const auto& s : sigs) {
        out += indent + "signature #" + std::to_string(++n) + ":";
        if (!s.error.empty())
            out += " " + terminal_line(s.error);
        out += "\n";
        for (const auto& g : s.signers)
            out += indent + "  signer: " + field(g.subject, kLineLimit) + "\n" + indent + "  issuer: " +
                   field(g.issuer, kLineLimit) + "\n";
        if (s.digest_matches)
            out += indent + "  " + printable(s.digest_algorithm) + " digest: " +
                   (*s.digest_matches ? "matches this file" : "DOES NOT match this file (modified after signing?)") + "\n";
        if (!s.refused.empty())
            out += indent + "  refused whatever the trust source: " + printable(s.refused) + "\n";
    }
}

void verdict_text(std::string& out, const std::optional<pe::Verdict>& v, const std::string& source,
                  const std::string& indent) {
    if (v)
        out += indent + (v->trusted ? "verdict: valid, " + terminal_line(v->reason)
                                    : "verdict: INVALID against " + terminal_line(source) + ": " +
                                          terminal_line(v->reason)) +
               "\n";
}

// The section table, one row each (names escaped by field()).
void sections_text(std::string& out, const Report& r) {
    out += "sections (bytes = min(vsize, raw): what the file holds):\n";
    char line[512];
    std::snprintf(line, sizeof line, "  %-12s %-8s %10s %10s %10s %10s  %-64s  %s\n", "name", "profile", "offset",
                  "vsize", "raw", "bytes", "sha256", "role");
    out += line;
    for (const auto& s : r.sections) {
        std::snprintf(line, sizeof line, "  %-12s %-8s %10s %10s %10s %10s  %-64s  %s\n", field(s.name).c_str(),
                      s.profile < 0 ? "base" : ("@" + std::to_string(s.profile)).c_str(), hex(s.offset).c_str(),
                      hex(s.virtual_size).c_str(), hex(s.raw_size).c_str(), hex(s.bytes).c_str(), s.sha256.c_str(),
                      s.role.c_str());
        out += line;
    }
}

// The UKI's .linux as a bzImage: what kexec reads of its setup header.
void kernel_text(std::string& out, const Report& r) {
    if (r.kernel.present) {
        const auto& h = r.kernel.header;
        out += "kernel (.linux): " + std::to_string(r.kernel.image_size) + " bytes";
        if (r.kernel.image_size != r.kernel.section_bytes)
            out += " (the section holds " + std::to_string(r.kernel.section_bytes) + ": " +
                   std::to_string(r.kernel.section_bytes - r.kernel.image_size) + " bytes of padding after the kernel's PE image)";
        out += "\n";
        if (!r.kernel.error.empty())
            out += "  " + terminal_line(r.kernel.error) + "\n";
        if (h.protocol != 0) {
            out += "  boot protocol " + x86::protocol_string(h.protocol) + ", version " + quote(h.kernel_version) + "\n";
            out += "  cmdline_size " + std::to_string(h.cmdline_size) + ", init_size " + hex(h.init_size) +
                   ", pref_address " + hex(h.pref_address) + ", alignment " + hex(h.kernel_alignment) + "\n";
            out += "  xloadflags " + hex(h.xloadflags) + " (" + x86::xloadflags_string(h.xloadflags) + ")\n";
        }
        out += "  kernel signature:\n";
        signatures_text(out, r.kernel.signatures, "    ");
        verdict_text(out, r.kernel.verdict, r.trust_source, "    ");
    }
}

std::string to_text(const Report& r) {
    std::string out;
    const char* kind = r.kind == "uki" ? "Unified Kernel Image" : r.kind == "addon" ? "UKI addon" : "PE file (not a UKI)";
    out += terminal_line(r.path) + ": " + kind + " (" + (r.pe32_plus ? "PE32+" : "PE32") + ", machine " + hex(r.machine) +
           (r.machine == pe::kMachineAmd64 ? " x86-64" : "") + ", " + std::to_string(r.sections.size()) +
           " sections)\n";
    if (r.kind != "addon") {
        if (r.boot_problems.empty())
            out += "boot: can boot\n";
        else
            out += "boot: CANNOT BOOT\n";
        for (const auto& p : r.boot_problems)
            out += "  - " + terminal_line(p) + "\n";
    }
    if (r.firmware_refusal)
        out += "firmware: would not start it: " + terminal_line(*r.firmware_refusal) +
               " (kexec loads it all the same, as the stub would have booted it)\n";
    if (r.kind != "addon") {
        out += r.stub.empty() ? "stub: names no systemd-stub release (.sdmagic): booted as the newest stub would\n"
                              : "stub: " + r.stub + ": booted as that release would\n";
        for (const auto& l : r.stub_left_out)
            out += "  - " + terminal_line(l) + "\n";
    }
    sections_text(out, r);
    if (r.kind == "uki" || r.multi_profile) {
        out += r.multi_profile ? "profiles:\n" : "profiles: one (no .profile sections)\n";
        for (size_t i = 0; i < r.profiles.size(); i++) {
            const Profile& p = r.profiles[i];
            if (r.multi_profile) {
                out += "  @" + std::to_string(p.index) + (p.id.empty() ? "" : " ID=" + shown_profile_id(p.id)) +
                       (p.title.empty() ? "" : " TITLE=" + quoted_field(p.title)) + "\n";
                std::string ov;
                for (const auto& s : p.sections)
                    ov += " " + field(s);
                out += "    overrides:" + (ov.empty() ? std::string(" nothing") : ov) + "\n";
            }
        }
    }
    out += "command line:\n";
    for (size_t i = 0; i < r.profiles.size(); i++)
        out += "  @" + std::to_string(r.profiles[i].index) + ": " + quote(r.cmdlines[i]) + "\n";
    out += "os-release: PRETTY_NAME=" + quoted_field(r.pretty_name, kLineLimit) +
           " VERSION_ID=" + quoted_field(r.version_id) + "\n";
    out += "uname: " + (r.uname.empty() ? std::string("(none)") : field(r.uname, kLineLimit)) + "\n";
    out += "sbat: " + (r.sbat.empty() ? std::string("(none)\n") : "\n");
    for (const auto& l : split_lines(r.sbat))
        out += "  " + field(l, kLineLimit) + "\n";
    out += std::string(".pcrsig: ") + (r.pcrsig ? "present" : "absent") + ", .pcrpkey: " +
           (r.pcrpkey ? "present" : "absent") + "\n";
    kernel_text(out, r);
    out += "signature:\n";
    signatures_text(out, r.signatures, "  ");
    verdict_text(out, r.verdict, r.trust_source, "  ");
    if (r.addons) {
        out += r.addons->empty() ? "addons: none found\n" : "addons (as kexec -l would find them):\n";
        for (const AddonRow& a : *r.addons)
            out += "  " + terminal_line(a.path) + " (" + a.origin + "): " +
                   (a.applied ? "applied" + (a.detail.empty() ? "" : ", verified: " + terminal_line(a.detail))
                              : "skipped: " + terminal_line(a.detail)) + "\n";
    } else if (!r.addons_error.empty()) {
        out += "addons: not determined: " + terminal_line(r.addons_error) + "\n";
    }
    return terminal_text(out);
}

}  // namespace

Result<Json> uki_info_json(const Uki& uki) {
    KX_ASSIGN(Report r, build(uki));
    return to_json(r);
}

Result<std::string> uki_info_text(const Uki& uki) {
    KX_ASSIGN(Report r, build(uki));
    return to_text(r);
}

Status print_uki_info(const InfoRequest& req, const SystemView& sys, FILE* out) {
    const std::string& path = req.path;
    KX_ASSIGN(FileRef file, MappedFile::open(path));
    if (!pe::looks_like_pe(file->bytes()))
        return make_error(path + ": not a PE file, so not a UKI or addon");
    KX_ASSIGN(Uki uki, Uki::parse(file, Uki::Purpose::Inspection));
    Context ctx{&sys, nullptr, req.verify_option, {req.allow_sha1}};
    if (req.verify) {
        KX_ASSIGN(ctx.trust, trust_store_for(req.verify_option, *req.verify, sys, ctx.policy));
    }
    KX_ASSIGN(const Report info, build(uki, ctx));
    KX_TRY(check_inputs_unchanged());  // never report on a file that shrank while we read it
    if (req.json)
        std::fprintf(out, "%s\n", to_json(info).dump().c_str());
    else
        std::fputs(to_text(info).c_str(), out);
    return {};
}

}  // namespace kx::uki
