// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/crashdump.hpp"

#include <algorithm>
#include <cstring>

#include "base/byte_reader.hpp"
#include "base/strings.hpp"

namespace kx::x86 {
namespace {

constexpr uint64_t kBackupEnd = 0xa0000;  // 640 KiB
constexpr uint32_t PT_LOAD = 1, PT_NOTE = 4;
constexpr uint64_t kPudMask = ~((1ull << 30) - 1);
constexpr uint64_t kStartKernelMap = 0xffffffff80000000ull;
constexpr uint64_t kKernelTextSize = 1ull << 30;
constexpr uint64_t kKernelVaddrAlign = 0x200000;

// Remove [start, end] (inclusive) from RAM ranges.
void exclude(std::vector<MemoryRange>& ranges, uint64_t start, uint64_t end) {
    std::vector<MemoryRange> out;
    for (const MemoryRange& r : ranges) {
        if (r.type != E820Type::Ram || end < r.start || start > r.end) {
            out.push_back(r);
            continue;
        }
        if (r.start < start)
            out.push_back({r.start, start - 1, r.type});
        if (end < r.end)
            out.push_back({end + 1, r.end, r.type});
    }
    ranges = std::move(out);
}

Status read_kcore(const SystemView& sys, CrashDumpInfo& info) {
    const std::string kcore = sys.read_prefix("/proc/kcore", 65536).value_or("");
    if (kcore.size() < 64 || std::memcmp(kcore.data(), "\x7f" "ELF", 4) != 0) {
        info.notes.push_back("/proc/kcore unreadable: no kernel text segment in the ELF core headers, "
                             "direct map assumed at " + hex(info.page_offset));
        return Status::success();
    }
    const auto b = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kcore.data()), kcore.size());
    const uint64_t phoff = le64(b, 32), phentsize = le16(b, 54), phnum = le16(b, 56);
    std::optional<uint64_t> stext;
    KX_ASSIGN(auto syms, sys.read_text_if_exists("/proc/kallsyms"));
    if (syms)
        for (const std::string& line : split_lines(*syms))
            if (ends_with(line, " _stext"))
                stext = parse_hex(line.substr(0, line.find(' ')));
    uint64_t lowest = 0;
    std::optional<std::pair<uint64_t, uint64_t>> text, fallback_text;
    for (uint64_t i = 0; i < phnum && phentsize == 56 && fits(b, phoff + i * 56, 56); i++) {
        const uint64_t h = phoff + i * 56;
        if (le32(b, h) != PT_LOAD)
            continue;
        const uint64_t vaddr = le64(b, h + 16), memsz = le64(b, h + 40);
        if (!lowest || (vaddr & kPudMask) < lowest)
            lowest = vaddr & kPudMask;
        if (stext && vaddr <= *stext && vaddr + memsz > *stext)
            text = {vaddr, vaddr + memsz};
        if (vaddr >= kStartKernelMap && vaddr + memsz <= kStartKernelMap + kKernelTextSize && !fallback_text)
            fallback_text = {vaddr, vaddr + memsz};
    }
    if (lowest)
        info.page_offset = lowest;
    if (!text)
        text = fallback_text;
    if (text) {
        info.kernel_vaddr = text->first & ~(kKernelVaddrAlign - 1);
        info.kernel_size = page_align(text->second - *info.kernel_vaddr);
    }
    return Status::success();
}

std::vector<Interval> crash_regions_of(const std::vector<IomemResource>& iomem) {
    std::vector<Interval> out;
    for (const IomemResource& r : iomem)
        if (r.name == "Crash kernel")
            out.push_back({r.start, r.end + 1});
    std::sort(out.begin(), out.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
    return out;
}

}  // namespace

Error no_crash_region_error() {
    // kexec-tools die()s here: exit status 1.
    return usage_error("no memory is reserved for a crash kernel: boot with crashkernel=SIZE "
                       "(for example crashkernel=256M), then load it");
}

Result<std::vector<Interval>> find_crash_regions(const SystemView& sys) {
    KX_ASSIGN(auto iomem, sys.read_text_if_exists("/proc/iomem"));
    return iomem ? crash_regions_of(parse_iomem(*iomem)) : std::vector<Interval>{};
}

Result<uint64_t> crash_region_size(const SystemView& sys) {
    KX_ASSIGN(auto regions, find_crash_regions(sys));
    return regions.empty() ? uint64_t{0} : regions.back().end - regions.back().start;
}

Result<CrashDumpInfo> read_crash_dump_info(const SystemView& sys) {
    CrashDumpInfo info;
    KX_ASSIGN(auto iomem_text, sys.read_text_if_exists("/proc/iomem"));
    const std::vector<IomemResource> iomem = iomem_text ? parse_iomem(*iomem_text) : std::vector<IomemResource>{};
    info.crash_regions = crash_regions_of(iomem);
    if (info.crash_regions.empty())
        return no_crash_region_error();
    for (const IomemResource& r : iomem) {
        if (r.name == "Kernel code" && !info.kernel_paddr)
            info.kernel_paddr = r.start;
        // System RAM can also appear nested ("System RAM (kmem)" under
        // persistent memory, virtio-mem): all of it is dumped.
        if (r.name.find("System RAM") != std::string::npos) {
            info.ranges.push_back({r.start, r.end, E820Type::Ram});
            continue;
        }
        if (r.nested)
            continue;
        if (auto type = iomem_memory_type(r.name))
            info.ranges.push_back({r.start, r.end, *type});
    }
    std::sort(info.ranges.begin(), info.ranges.end(),
              [](const MemoryRange& a, const MemoryRange& b) { return a.start < b.start; });
    for (const Interval& c : info.crash_regions)
        exclude(info.ranges, c.start, c.end - 1);

    for (const std::string& cpu : sys.list_dir("/sys/devices/system/cpu")) {
        if (!starts_with(cpu, "cpu") || cpu.size() < 4 || !std::isdigit(static_cast<unsigned char>(cpu[3])))
            continue;
        const std::string dir = "/sys/devices/system/cpu/" + cpu;
        KX_ASSIGN(auto address, sys.read_hex(dir + "/crash_notes"));  // "%llx"
        if (!address)
            continue;
        KX_ASSIGN(auto size, sys.read_text_if_exists(dir + "/crash_notes_size"));  // "%zu"
        info.cpu_notes.push_back({*address, size ? parse_u64(trim(*size)).value_or(1024) : 1024});
    }
    std::sort(info.cpu_notes.begin(), info.cpu_notes.end(),
              [](const auto& x, const auto& y) { return x.address < y.address; });
    if (info.cpu_notes.empty())
        return make_error("no /sys/devices/system/cpu/cpu*/crash_notes: this kernel cannot take a crash dump "
                          "(CONFIG_CRASH_DUMP?)");
    KX_ASSIGN(auto vmci, sys.read_text_if_exists("/sys/kernel/vmcoreinfo"));
    if (vmci) {
        // "%pa %x": the address with 0x, the size in hex without.
        std::string v = trim(*vmci);
        size_t sp = v.find(' ');
        auto a = parse_hex(v.substr(0, sp));
        auto s = sp == std::string::npos ? std::nullopt : parse_hex(v.substr(sp + 1));
        if (a && s)
            info.vmcoreinfo = CrashDumpInfo::Note{*a, *s};
    }
    if (!info.vmcoreinfo)
        info.notes.push_back("no /sys/kernel/vmcoreinfo: the dump lacks the VMCOREINFO note tools need");
    KX_TRY(read_kcore(sys, info));
    return info;
}

Backup backup_source(const CrashDumpInfo& info) {
    for (const MemoryRange& r : info.ranges)
        if (r.type == E820Type::Ram && r.end < kBackupEnd)
            return {r.start, r.size(), 0};
    return {0, kBackupEnd, 0};
}

std::string build_elf_core_headers(const CrashDumpInfo& info, const Backup& backup) {
    std::vector<std::array<uint8_t, 56>> phdrs;
    auto phdr = [&](uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t paddr, uint64_t size) {
        std::array<uint8_t, 56> p{};
        put_le32(p.data(), type);
        put_le32(p.data() + 4, flags);
        put_le64(p.data() + 8, offset);
        put_le64(p.data() + 16, vaddr);
        put_le64(p.data() + 24, paddr);
        put_le64(p.data() + 32, size);  // filesz
        put_le64(p.data() + 40, size);  // memsz
        phdrs.push_back(p);
    };
    // Notes: p_offset is the note's physical address; the crash kernel
    // copies them into /proc/vmcore.
    for (const auto& n : info.cpu_notes)
        phdr(PT_NOTE, 0, n.address, 0, n.address, n.size);
    if (info.vmcoreinfo)
        phdr(PT_NOTE, 0, info.vmcoreinfo->address, 0, info.vmcoreinfo->address, info.vmcoreinfo->size);
    if (info.kernel_vaddr && info.kernel_paddr && info.kernel_size)
        phdr(PT_LOAD, 7, *info.kernel_paddr, *info.kernel_vaddr, *info.kernel_paddr, info.kernel_size);
    for (const MemoryRange& r : info.ranges) {
        if (r.type != E820Type::Ram)
            continue;
        // The first 640 KiB are read from where the purgatory saved them.
        const uint64_t offset = (r.start == backup.src && r.size() == backup.size && backup.dst) ? backup.dst : r.start;
        phdr(PT_LOAD, 7, offset, info.page_offset + r.start, r.start, r.size());
    }
    std::string out(64, '\0');
    uint8_t* e = reinterpret_cast<uint8_t*>(out.data());
    constexpr uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
    std::memcpy(e, kElfMagic, sizeof kElfMagic);
    e[4] = 2;  // ELFCLASS64
    e[5] = 1;  // little endian
    e[6] = 1;  // EV_CURRENT
    put_le16(e + 16, 4);   // ET_CORE
    put_le16(e + 18, 62);  // EM_X86_64
    put_le32(e + 20, 1);
    put_le64(e + 32, 64);  // e_phoff
    put_le16(e + 52, 64);  // e_ehsize
    put_le16(e + 54, 56);  // e_phentsize
    put_le16(e + 56, static_cast<uint16_t>(phdrs.size()));
    for (const auto& p : phdrs)
        out.append(reinterpret_cast<const char*>(p.data()), p.size());
    return out;
}

Result<std::vector<MemoryRange>> crash_kernel_e820(const CrashDumpInfo& info, const Backup& backup,
                                                   const std::vector<Interval>& taken) {
    std::vector<MemoryRange> map;
    map.push_back({backup.src, backup.src + backup.size - 1, E820Type::Ram});
    for (const Interval& c : info.crash_regions) {
        // kexec-tools' add_memmap() refuses a crash region that overlaps what
        // is already the crash kernel's RAM, and returns ENOCRASHKERNEL.
        for (const MemoryRange& m : map)
            if (c.start <= m.end && m.start < c.end)
                return with_exit_status(make_error("the crash kernel region " + hex(c.start) + "-" +
                                                   hex(c.end - 1) + " overlaps " + hex(m.start) + "-" + hex(m.end) +
                                                   ", already the crash kernel's memory: check crashkernel="),
                                        exit_status::kNoCrashKernel);
        map.push_back({c.start, c.end - 1, E820Type::Ram});
    }
    for (const Interval& t : taken)
        exclude(map, t.start, t.end - 1);
    for (const MemoryRange& r : info.ranges)
        if (r.type == E820Type::Acpi || r.type == E820Type::Nvs || r.type == E820Type::Reserved ||
            r.type == E820Type::Pmem || r.type == E820Type::Pram)
            map.push_back(r);
    std::sort(map.begin(), map.end(), [](const MemoryRange& a, const MemoryRange& b) { return a.start < b.start; });
    return map;
}

std::string memmap_cmdline(const std::vector<MemoryRange>& e820) {
    std::string out = " memmap=exactmap";
    for (const MemoryRange& r : e820) {
        const char* sep = r.type == E820Type::Ram                                ? "@"
                          : (r.type == E820Type::Acpi || r.type == E820Type::Nvs) ? "#"
                          : r.type == E820Type::Pram                              ? "!"
                                                                                  : nullptr;
        if (!sep)
            continue;  // reserved ranges stay in e820, not on the command line
        const uint64_t startk = r.start / 1024;
        const uint64_t endk = (r.type == E820Type::Ram ? (r.end + 1) : (r.end + 1024)) / 1024;
        if (r.type == E820Type::Ram && endk - startk < 100)
            continue;  // not worth the command line space
        out += " memmap=" + std::to_string(endk - startk) + "K" + sep + std::to_string(startk) + "K";
    }
    return out;
}

Result<uint64_t> hotplug_headers_size(const SystemView& sys) {
    KX_ASSIGN(auto size, sys.read_text_if_exists("/sys/kernel/crash_elfcorehdr_size"));
    auto v = size ? parse_u64(trim(*size)) : std::nullopt;
    if (!v || *v == 0)
        return usage_error("--hotplug: /sys/kernel/crash_elfcorehdr_size does not exist: the kernel needs "
                           "CONFIG_CRASH_HOTPLUG");
    return *v;
}

}  // namespace kx::x86
