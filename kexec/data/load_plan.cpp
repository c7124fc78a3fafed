// SPDX-License-Identifier: GPL-2.0-or-later
#include "data/load_plan.hpp"

#include <algorithm>

#include "sys/kexec_abi.hpp"
#include "base/strings.hpp"

namespace kx {
namespace {

std::string errno_list(const std::vector<int>& errs) {
    std::string out;
    for (int e : errs) {
        if (!out.empty())
            out += ", ";
        out += errno_name(e);
    }
    return out;
}

// A payload's source names files and sections: one line, escaped
// (terminal_line; the plan as a whole goes through terminal_text too).
std::string payload_line(const Payload& p) {
    return terminal_line(p.describe()) + ", " + format_size(p.size()) + ", sha256 " + to_hex(p.sha256());
}

Json errno_json(const std::vector<int>& errs) {
    Json a = Json::array();
    for (int e : errs)
        a.push(errno_name(e));
    return a;
}

Json payload_json(const Payload& p) {
    Json pieces = Json::array();
    for (const Piece& piece : p.pieces())
        pieces.push(Json::object()
                        .set("label", piece.label)
                        .set("offset", piece.offset)
                        .set("size", piece.size));
    return Json::object()
        .set("source", p.describe())
        .set("size", p.size())
        .set("sha256", to_hex(p.sha256()))
        .set("pieces", std::move(pieces));
}

std::vector<std::string> then_steps(const Invocation& inv) {
    std::vector<std::string> steps;
    if (inv.shutdown)
        steps.emplace_back("shutdown -r now");
    if (inv.sync)
        steps.emplace_back("sync");
    if (inv.ifdown)
        steps.emplace_back("ifdown");
    if (inv.exec)
        steps.emplace_back("reboot(LINUX_REBOOT_CMD_KEXEC)");
    return steps;
}

const char* target_name(bool crash) { return crash ? "crash" : "normal"; }

void format_load_text(std::string& out, const LoadPlan& load) {
    out += "load: " + terminal_line(load.image) + " (" + load.image_type + ") as the " +
           (load.crash ? "crash kernel (kexec -p)" : "next kernel (kexec -l)") + "\n";
    out += "  command line (" + std::to_string(load.final_cmdline().size()) + " bytes, from " +
           terminal_line(load.cmdline_source) + "): " + quote(load.final_cmdline()) + "\n";
    out += "  kernel: " + payload_line(load.boot.kernel) + "\n";
    out += "  initrd: " + (load.boot.initrd ? payload_line(*load.boot.initrd) : std::string("none")) + "\n";
    int n = 0;
    for (const FileLoadCall& call : load.file_calls) {
        out += "  kexec_file_load #" + std::to_string(++n) + ": " + terminal_line(call.label) + "\n";
        out += "    kernel: " + payload_line(call.kernel) + "\n";
        out += "    initrd: " + (call.initrd ? payload_line(*call.initrd) : std::string("none")) + "\n";
        out += "    cmdline: " + (call.cmdline ? quote(*call.cmdline) : std::string("none")) + "\n";
        out += "    flags: " + hex(call.flags) + " (" + abi::file_flag_names(call.flags) + ")\n";
        if (!call.next_on.empty() && &call != &load.file_calls.back())
            out += "    on " + errno_list(call.next_on) + ": try #" + std::to_string(n + 1) + "\n";
    }
    if (load.falls_back())
        out += "  on " + errno_list(load.fallback_on) + ": fall back to kexec_load\n";
    if (load.segment_load) {
        const SegmentLoadCall& s = *load.segment_load;
        out += std::string("  kexec_load") + (load.falls_back() ? " (fallback)" : "") + ": entry " + hex(s.entry) +
               ", flags " + hex(s.flags) + " (" + abi::load_flag_names(s.flags) + "), " +
               std::to_string(s.segments.size()) + " segments\n";
        if (s.cmdline != load.final_cmdline())
            out += "    command line given: " + quote(s.cmdline) + "\n";
        for (const Segment& seg : s.segments)
            out += "    " + hex(seg.mem) + "+" + hex(seg.memsz) + " " + terminal_line(seg.label) + ": " +
                   payload_line(seg.data) + "\n";
    } else if (load.no_fallback) {
        out += "  kexec_load (fallback): not possible: " + terminal_line(load.no_fallback->message) + "\n";
    }
    for (const std::string& note : load.notes)
        out += "  note: " + terminal_line(note) + "\n";
}

}  // namespace

Status write_pending_digests(SegmentLoadCall& call) {
    if (!call.digests)
        return {};
    const PendingDigests& pending = *call.digests;
    if (pending.segment >= call.segments.size())
        return make_error("the digest table names segment " + std::to_string(pending.segment) + " of " +
                          std::to_string(call.segments.size()));
    Segment& holder = call.segments[pending.segment];
    std::vector<Payload> sources;
    sources.reserve(pending.entries.size());
    for (const auto& e : pending.entries)
        sources.push_back(e.bytes);
    const std::vector<Sha256Digest> digests = sha256_each(sources);
    std::string bytes = holder.data.bytes_copy();
    for (size_t i = 0; i < digests.size(); i++) {
        const uint64_t at = pending.entries[i].offset;
        if (at > bytes.size() || bytes.size() - at < digests[i].size())
            return make_error(holder.label + ": no room for a digest at " + hex(at));
        std::copy(digests[i].begin(), digests[i].end(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
    }
    holder.data = Payload::generated(holder.data.describe(), std::move(bytes));
    call.digests.reset();
    return {};
}

// Text from files (notes, labels) reaches the terminal escaped, each field
// on its own line (terminal_line above), and the whole through
// terminal_text, so nothing forgotten gets through raw (strings.hpp).
std::string format_plan_text(const Invocation& inv) {
    std::string out = "kexec plan (dry run: no kexec syscall is made)\n";
    if (inv.unload)
        out += std::string("unload: the ") + target_name(inv.unload->crash) + " kernel with " +
               (inv.unload->file_syscall ? "kexec_file_load(KEXEC_FILE_UNLOAD)" : "kexec_load") +
               (inv.unload->file_syscall && inv.unload->fallback_to_kexec_load
                    ? ", falling back to kexec_load on ENOSYS"
                    : "") +
               "\n";
    if (inv.load)
        format_load_text(out, *inv.load);
    if (inv.jump_back_helper)
        out += "jump back helper: kexec_load of one empty segment, entry " +
               (inv.jump_back_helper->entry ? hex(*inv.jump_back_helper->entry) : std::string("none given")) +
               ", flags PRESERVE_CONTEXT\n";
    auto steps = then_steps(inv);
    if (!steps.empty()) {
        out += "then:";
        for (const auto& s : steps)
            out += " " + s + (&s != &steps.back() ? "," : "");
        out += "\n";
    }
    return terminal_text(out);
}

Json plan_json(const Invocation& inv) {
    Json root = Json::object().set("format", "kexec-uki-plan/1");
    if (inv.unload) {
        root.set("unload", Json::object()
                               .set("target", target_name(inv.unload->crash))
                               .set("syscall", inv.unload->file_syscall ? "kexec_file_load"
                                                                        : "kexec_load")
                               .set("fallback", inv.unload->file_syscall &&
                                                        inv.unload->fallback_to_kexec_load
                                                    ? Json("kexec_load")
                                                    : Json()));
    } else {
        root.set("unload", Json());
    }
    if (inv.load) {
        const LoadPlan& load = *inv.load;
        Json calls = Json::array();
        for (const FileLoadCall& c : load.file_calls) {
            calls.push(Json::object()
                           .set("label", c.label)
                           .set("kernel", payload_json(c.kernel))
                           .set("initrd", c.initrd ? payload_json(*c.initrd) : Json())
                           .set("cmdline", c.cmdline ? Json(*c.cmdline) : Json())
                           .set("flags", static_cast<uint64_t>(c.flags))
                           .set("flag_names", abi::file_flag_names(c.flags))
                           .set("next_on", errno_json(c.next_on)));
        }
        Json segload;
        if (load.segment_load) {
            Json segs = Json::array();
            for (const Segment& s : load.segment_load->segments)
                segs.push(payload_json(s.data)
                              .set("label", s.label)
                              .set("mem", s.mem)
                              .set("memsz", s.memsz)
                              .set("bufsz", s.data.size()));
            segload = Json::object()
                          .set("entry", load.segment_load->entry)
                          .set("flags", static_cast<uint64_t>(load.segment_load->flags))
                          .set("flag_names", abi::load_flag_names(load.segment_load->flags))
                          .set("cmdline", load.segment_load->cmdline)
                          .set("segments", std::move(segs));
        }
        Json notes = Json::array();
        for (const auto& n : load.notes)
            notes.push(n);
        root.set("load", Json::object()
                             .set("image", load.image)
                             .set("image_type", load.image_type)
                             .set("target", target_name(load.crash))
                             .set("cmdline", load.final_cmdline())
                             .set("cmdline_source", load.cmdline_source)
                             .set("kernel", payload_json(load.boot.kernel))
                             .set("initrd", load.boot.initrd ? payload_json(*load.boot.initrd) : Json())
                             // cppcheck-suppress accessMoved  ; each is moved once, in this chain
                             .set("kexec_file_load", std::move(calls))
                             .set("fallback", load.falls_back() ? Json("kexec_load") : Json())
                             .set("fallback_on", errno_json(load.fallback_on))
                             .set("no_fallback", load.no_fallback ? Json(load.no_fallback->message) : Json())
                             // cppcheck-suppress accessMoved
                             .set("kexec_load", std::move(segload))
                             .set("notes", std::move(notes)));
    } else {
        root.set("load", Json());
    }
    if (inv.jump_back_helper)
        root.set("jump_back_helper", Json::object().set("entry", inv.jump_back_helper->entry
                                                                      ? Json(*inv.jump_back_helper->entry)
                                                                      : Json()));
    else
        root.set("jump_back_helper", Json());
    Json then = Json::array();
    for (auto& s : then_steps(inv))
        then.push(s);
    root.set("then", std::move(then));
    return root;
}

}  // namespace kx
