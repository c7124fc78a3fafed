// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the newc writer behind /.extra (credentials, sysexts,
// confexts, os-release). Whatever names and contents go in, what comes out
// must read back, entry by entry, as the kernel's unpacker reads it.
#include <vector>

#include "fuzz_common.hpp"
#include "uki/cpio.hpp"

namespace {

struct Entry {
    std::string name, data;
    uint32_t mode = 0;
};

uint32_t hex8(const std::string& a, size_t at) { return static_cast<uint32_t>(std::stoul(a.substr(at, 8), nullptr, 16)); }

// The kernel's init/initramfs.c, reduced: header, name, pad to 4, data, pad.
std::vector<Entry> read_back(const std::string& a) {
    std::vector<Entry> out;
    size_t at = 0;
    for (;;) {
        KXF_CHECK(at + 110 <= a.size() && a.compare(at, 6, "070701") == 0);
        const uint32_t mode = hex8(a, at + 14), filesize = hex8(a, at + 54), namesize = hex8(a, at + 94);
        KXF_CHECK(namesize >= 1 && at + 110 + namesize <= a.size() && a[at + 110 + namesize - 1] == '\0');
        Entry e{a.substr(at + 110, namesize - 1), "", mode};
        at = (at + 110 + namesize + 3) & ~size_t{3};
        KXF_CHECK(at + filesize <= a.size());
        e.data = a.substr(at, filesize);
        at = (at + filesize + 3) & ~size_t{3};
        if (e.name == "TRAILER!!!")
            break;
        out.push_back(std::move(e));
    }
    KXF_CHECK(at == a.size());
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    kx::uki::CpioWriter w;
    std::vector<Entry> written;
    while (in.remaining_bytes() > 0 && written.size() < 64) {
        const std::string name = in.ConsumeRandomLengthString(300);
        const uint32_t mode = in.ConsumeIntegral<uint32_t>();
        if (in.ConsumeBool()) {
            // Directory names are kexec's own constants (".extra/sysext/"),
            // never a file's: only their shape is fuzzed.
            if (name.find('\0') == std::string::npos && name.find("TRAILER!!!") == std::string::npos)
                w.add_directory(name, mode);
            continue;
        }
        const std::string contents = in.ConsumeRandomLengthString(2048);
        if (w.add_file(name, mode, kx::Payload::generated("fuzz", contents)).ok())
            written.push_back({name, contents, 0100000u | (mode & 07777)});
        else
            KXF_CHECK(name.empty() || name.find('\0') != std::string::npos || name == "TRAILER!!!");
    }
    const std::vector<Entry> back = read_back(w.finish().bytes_copy());
    size_t i = 0;
    for (const Entry& e : back) {
        if ((e.mode & 0170000) == 0040000)
            continue;  // a directory from add_directory
        KXF_CHECK(i < written.size());
        KXF_CHECK(e.name == written[i].name && e.data == written[i].data && e.mode == written[i].mode);
        i++;
    }
    KXF_CHECK(i == written.size());
    return 0;
}
