// SPDX-License-Identifier: GPL-2.0-or-later
// Distro scripts drive kexec in a handful of shapes. Each shape goes through
// `kexec --dry-run=json` here and is compared with what kexec-tools 2.0.32
// does for it (read from its kexec.c and kexec-bzImage64.c): the syscall, its
// flags, the command line the kernel gets, the initrd, and the exit status.
#include <criterion/criterion.h>

#include "helpers.hpp"
#include "data/json.hpp"
#include "sys/kexec_abi.hpp"

using namespace kx;
using namespace kxt;

namespace {

struct Machine {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    std::string kdump_initrd = write_file(dir + "/initramfs-kdump.img", std::string(3000, 'K'));
    std::string initrd = write_file(dir + "/initrd.img", std::string(5000, 'I'));
    std::string sysroot = make_sysroot({
        {"/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0 root=UUID=1234 ro  quiet\tcrashkernel=256M\n"},
        {"/proc/iomem", "00001000-0009fbff : System RAM\n00100000-3ffdffff : System RAM\n"
                        "  2b000000-3affffff : Crash kernel\n"},
        {"/sys/kernel/kexec_loaded", "0\n"},
        {"/sys/kernel/kexec_crash_loaded", "0\n"},
        {"/proc/sys/kernel/osrelease", "6.12.48+deb12-amd64\n"},
    });
};

struct Expected {
    int exit_status = 0;
    const char* syscall = "kexec_file_load";  // of the first load call; nullptr: no load
    unsigned long flags = 0;                   // of that call
    std::optional<std::string> cmdline;        // nullopt: cmdline_len 0
    const std::string* initrd = nullptr;       // the file behind the initrd fd; nullptr: none
    bool falls_back = false;                   // -a: kexec_load after ENOSYS/EINVAL/ENOEXEC/EOPNOTSUPP
};

// Run one shape; compare the dry run's first kexec_file_load call.
void check_shape(const Machine& m, const char* source, std::vector<std::string> args, const Expected& want) {
    args.insert(args.begin(), "--dry-run=json");
    args.insert(args.begin(), "--sysroot=" + m.sysroot);
    RunResult r = run_kexec(args, nullptr);
    cr_expect_eq(r.rc, want.exit_status, "%s: exit %d, kexec-tools %d: %s", source, r.rc, want.exit_status,
                 r.err.c_str());
    if (!want.syscall)
        return;
    const size_t calls = r.out.find("\"kexec_file_load\": [");
    cr_assert(calls != std::string::npos, "%s: no kexec_file_load planned: %s", source, r.out.c_str());
    const std::string first = r.out.substr(calls);
    cr_expect(contains(first, "\"flags\": " + std::to_string(want.flags | (want.initrd ? 0 : abi::KEXEC_FILE_NO_INITRAMFS))),
              "%s: flags: %s", source, first.c_str());
    const std::string cmdline = want.cmdline ? "\"cmdline\": " + Json(*want.cmdline).dump() : "\"cmdline\": null";
    cr_expect(contains(first, cmdline), "%s: want %s in %s", source, cmdline.c_str(), first.c_str());
    if (want.initrd)
        cr_expect(contains(first.substr(first.find("\"initrd\": ")), "\"source\": \"" + *want.initrd + "\""),
                  "%s: initrd %s: %s", source, want.initrd->c_str(), first.c_str());
    else
        cr_expect(contains(first, "\"initrd\": null"), "%s: no initrd expected", source);
    cr_expect_eq(contains(r.out, "\"fallback\": \"kexec_load\""), want.falls_back, "%s: fallback", source);
}

}  // namespace

Test(compat, distro_script_shapes) {
    Machine m;
    const std::string kdump_cmdline = "root=UUID=1234 ro irqpoll nr_cpus=1 reset_devices";
    // kdump-utils' kdumpctl (Fedora, RHEL, Arch): kexec_file_load by default.
    check_shape(m, "kdumpctl start", {"-s", "-p", "--command-line=" + kdump_cmdline, "--initrd=" + m.kdump_initrd, m.kernel},
                {0, "kexec_file_load", abi::KEXEC_FILE_ON_CRASH, kdump_cmdline, &m.kdump_initrd});
    check_shape(m, "kdumpctl start -d", {"-s", "-d", "-p", "--command-line=" + kdump_cmdline, "--initrd=" + m.kdump_initrd, m.kernel},
                {0, "kexec_file_load", abi::KEXEC_FILE_ON_CRASH | abi::KEXEC_FILE_DEBUG, kdump_cmdline, &m.kdump_initrd});
    check_shape(m, "kdumpctl stop", {"-s", "-p", "-u"}, {0, nullptr});
    // Debian's kdump-config (kdump-tools): the default mode, -a.
    check_shape(m, "kdump-config load", {"-p", "--command-line=" + kdump_cmdline, "--initrd=" + m.kdump_initrd, m.kernel},
                {0, "kexec_file_load", abi::KEXEC_FILE_ON_CRASH, kdump_cmdline, &m.kdump_initrd, true});
    check_shape(m, "kdump-config unload", {"-p", "-u"}, {0, nullptr});
    // Debian's /etc/init.d/kexec-load: load now, kexec -e at reboot.
    check_shape(m, "kexec-load start", {"-l", m.kernel, "--initrd=" + m.initrd, "--append=root=UUID=1234 ro quiet"},
                {0, "kexec_file_load", 0, "root=UUID=1234 ro quiet", &m.initrd, true});
    check_shape(m, "kexec-load stop (no kernel loaded)", {"-e"}, {1, nullptr});
    // openSUSE kdump's load.sh: -a explicitly; an eval'd /proc/cmdline can
    // leave a stray word, which kexec-tools ignores.
    check_shape(m, "openSUSE load.sh", {"-p", "-a", "--append=acpi_osi=\"!Windows", m.kernel, "2015\"", "--initrd=" + m.kdump_initrd},
                {0, "kexec_file_load", abi::KEXEC_FILE_ON_CRASH, "acpi_osi=\"!Windows", &m.kdump_initrd, true});
    check_shape(m, "openSUSE unload.sh", {"-p", "-u"}, {0, nullptr});
    // systemd 252's systemctl kexec (it reboots itself afterwards).
    check_shape(m, "systemctl kexec", {"--load", m.kernel, "--append=root=UUID=1234 ro", "--initrd=" + m.initrd},
                {0, "kexec_file_load", 0, "root=UUID=1234 ro", &m.initrd, true});
    // LTP's ima_kexec.sh: the measured command line must be /proc/cmdline
    // exactly, but for BOOT_IMAGE= (tabs and double spaces kept).
    check_shape(m, "LTP ima_kexec.sh --reuse-cmdline", {"-s", "-l", m.kernel, "--reuse-cmdline"},
                {0, "kexec_file_load", 0, "root=UUID=1234 ro  quiet\tcrashkernel=256M", nullptr});
    check_shape(m, "LTP ima_kexec.sh --append", {"-s", "-l", m.kernel, "--append=foo bar"},
                {0, "kexec_file_load", 0, "foo bar", nullptr});
    check_shape(m, "LTP ima_kexec.sh no command line", {"-s", "-l", m.kernel},
                {0, "kexec_file_load", 0, "", nullptr});  // kexec-tools passes "" (length 1)
    check_shape(m, "LTP ima_kexec.sh unload", {"-s", "-u"}, {0, nullptr});
    // Linux's tools/testing/selftests/liveupdate/do_kexec.sh.
    check_shape(m, "selftests do_kexec.sh", {"-l", "-s", "--reuse-cmdline", "--initrd=" + m.initrd, m.kernel},
                {0, "kexec_file_load", 0, "root=UUID=1234 ro  quiet\tcrashkernel=256M", &m.initrd});
    // kdump with --reuse-cmdline drops crashkernel= too.
    check_shape(m, "kdump --reuse-cmdline", {"-s", "-p", "--reuse-cmdline", "--append=irqpoll", "--initrd=" + m.kdump_initrd, m.kernel},
                {0, "kexec_file_load", abi::KEXEC_FILE_ON_CRASH, "root=UUID=1234 ro  quiet\t irqpoll", &m.kdump_initrd});
    // What a failed start looks like to these scripts.
    check_shape(m, "kdumpctl with the kernel missing", {"-s", "-p", "--initrd=" + m.kdump_initrd, "/boot/missing"},
                {255, nullptr});
    check_shape(m, "kdump-config with the initrd missing", {"-p", "--initrd=/missing", m.kernel}, {255, nullptr});
}
