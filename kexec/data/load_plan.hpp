// SPDX-License-Identifier: GPL-2.0-or-later
// A load, planned as data: which syscall(s), with which fds or segments,
// flags and command line. --dry-run prints it; tests assert on it; the
// executor carries it out through one syscall interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/json.hpp"
#include "data/payload.hpp"
#include "base/result.hpp"

namespace kx {

// What a kexec_file_load call hands the kernel: the whole UKI (for a
// kernel with a UKI loader), the kernel split out of it, or a kernel file.
enum class FileCallKind { Kernel, WholeUki, SplitUki };

struct FileLoadCall {
    std::string label;                 // "whole UKI", "split UKI", "bzImage"
    FileCallKind kind = FileCallKind::Kernel;
    Payload kernel;
    std::optional<Payload> initrd;     // none: KEXEC_FILE_NO_INITRAMFS
    std::optional<std::string> cmdline;  // none: cmdline_len 0
    unsigned long flags = 0;
    std::vector<int> next_on;          // errnos after which the next call is tried
};

struct Segment {
    std::string label;
    Payload data;                      // bufsz is data.size()
    uint64_t mem = 0;
    uint64_t memsz = 0;
    // The purgatory checks its digest before starting the kernel; not for
    // what the kernel rewrites after the load (--hotplug's ELF core headers).
    bool checked = true;
};

// Digests a segment carries of other segments' bytes (the purgatory's
// table of what it checks), written into it when the call is about to be
// made or printed, not when it is planned: -a plans its kexec_load with the
// rest and seldom makes it, and hashing every segment is most of its cost.
struct PendingDigests {
    size_t segment = 0;  // the index, in segments, of the one that holds them
    struct Entry {
        uint64_t offset;  // where the SHA-256 goes, within that segment's data
        Payload bytes;    // what it is the digest of
    };
    std::vector<Entry> entries;
};

struct SegmentLoadCall {
    uint64_t entry = 0;
    std::vector<Segment> segments;
    unsigned long flags = 0;
    std::string cmdline;  // as placed in the boot parameters (crash: with elfcorehdr=)
    std::optional<PendingDigests> digests;  // none once written (or for a call without a purgatory)
};

// Writes the pending digests into their segment (on every core), once.
Status write_pending_digests(SegmentLoadCall& call);

// What the next kernel is, whichever syscall loads it: a bzImage (for a
// UKI, its .linux), the initrd and the command line.
enum class KernelFormat { BzImage, Elf };

struct BootInputs {
    KernelFormat format = KernelFormat::BzImage;  // Elf: an x86-64 vmlinux (-c only)
    Payload kernel;
    std::optional<Payload> initrd;
    std::string cmdline;
    // --reuseinitrd: the first boot's initrd, which retain_initrd kept in
    // RAM; kexec_load points at it where it is.
    bool reuse_retained_initrd = false;
};

struct LoadPlan {
    std::string image;                 // the kernel file as given
    std::string image_type;            // "bzImage64", "uki", ...
    bool crash = false;
    BootInputs boot;                   // what the file-type step found to boot
    bool initrd_from_uki = false;      // the UKI's own (full boot) initrd, not --initrd
    std::string cmdline_source;        // where that came from
    std::vector<FileLoadCall> file_calls;  // -s, -a: tried in order (next_on)
    // kexec_load: the one call of -c (and of -a when kexec_file_load cannot
    // take the image at all), or -a's fallback: made when a file call fails
    // with an errno in fallback_on. Planned with the rest either way.
    std::optional<SegmentLoadCall> segment_load;
    std::vector<int> fallback_on;      // -a with file calls: errnos that lead to segment_load
    std::optional<Error> no_fallback;  // -a: why kexec_load could not be planned (the error then)
    std::vector<std::string> notes;    // shown by -d and in the dry run

    bool falls_back() const { return !fallback_on.empty(); }
    // What /proc/cmdline will say: the first call's line (-c: with the
    // crash kernel's elfcorehdr= and memmap=).
    const std::string& final_cmdline() const {
        return file_calls.empty() && segment_load ? segment_load->cmdline : boot.cmdline;
    }
};

struct UnloadPlan {
    bool crash = false;
    bool file_syscall = true;          // kexec_file_load(KEXEC_FILE_UNLOAD)
    bool fallback_to_kexec_load = true;  // -a: on ENOSYS, kexec_load(0 segments)
};

// --load-jump-back-helper: one empty segment with KEXEC_PRESERVE_CONTEXT,
// entered at `entry`, to jump back from a kexec'd kernel to the original one.
struct JumpBackHelper {
    std::optional<uint64_t> entry;  // --entry (required)
};

// Everything one kexec invocation will do, in order.
struct Invocation {
    std::optional<UnloadPlan> unload;
    std::optional<LoadPlan> load;
    std::optional<JumpBackHelper> jump_back_helper;  // after exec, as kexec-tools orders it
    bool shutdown = false;  // exec `shutdown -r now` (no -l/-p/-e/-u given)
    bool sync = false;
    bool ifdown = false;
    bool exec = false;      // reboot(LINUX_REBOOT_CMD_KEXEC)
};

std::string format_plan_text(const Invocation& inv);
Json plan_json(const Invocation& inv);

}  // namespace kx
