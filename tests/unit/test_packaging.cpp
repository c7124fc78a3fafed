// SPDX-License-Identifier: GPL-2.0-or-later
// debian/scripts/kexec-load, the package's stand-in for kexec-tools'
// kexec-load: what it asks kexec to do for each /etc/default/kexec. kexec
// itself is a stub here that records its arguments (only --uki-info reaches
// this build's kexec): nothing is ever loaded or started.
#include <criterion/criterion.h>

#include "helpers.hpp"
#include "base/strings.hpp"

using namespace kx;
using namespace kxt;

namespace {

struct KexecLoad {
    std::string dir = scratch_dir();
    std::string calls = dir + "/calls";
    std::string defaults = dir + "/kexec";
    KexecLoad() {
        if (trim(read_file("/sys/kernel/kexec_loaded")) == "1")
            cr_skip_test("a kexec kernel is loaded here: kexec-load would keep it");
        write_file(dir + "/kexec-stub",
                   "#!/bin/sh\n"
                   "if [ \"$1\" = --uki-info ]; then exec '" KX_BUILDDIR "/sbin/kexec' \"$@\"; fi\n"
                   "printf '%s\\n' \"$*\" >>'" + calls + "'\n");
        cr_assert_eq(run_shell("chmod +x '" + dir + "/kexec-stub'"), 0);
    }
    // The kexec command lines the script ran with this /etc/default/kexec.
    // path_prefix: a directory put first in PATH (stand-ins for systemctl, runlevel).
    std::string run(const std::string& config, const std::string& args = "", const std::string& path_prefix = "") {
        write_file(defaults, config);
        run_shell("rm -f '" + calls + "'");
        cr_assert_eq(run_shell((path_prefix.empty() ? "" : "PATH='" + path_prefix + "':$PATH ") + "KEXEC_DEFAULTS='" +
                               defaults + "' KEXEC='" + dir + "/kexec-stub' sh '" KX_SRCDIR
                               "/debian/scripts/kexec-load' " + args + " >/dev/null 2>&1"),
                     0);
        return read_file(calls);
    }
};

}  // namespace

Test(kexec_load_script, follows_etc_default_kexec) {
    KexecLoad k;
    // Debian's vmlinuz has an EFI stub: a PE file, but not a UKI.
    const std::string kernel = write_file(k.dir + "/vmlinuz", make_efi_bzimage());
    const std::string initrd = write_file(k.dir + "/initrd.img", "INITRD");
    const std::string bz = "KERNEL_IMAGE=" + kernel + "\nINITRD=" + initrd + "\n";
    kx_assert_str(k.run("LOAD_KEXEC=false\n" + bz), "");
    const std::string running = trim(read_file("/proc/cmdline"));
    kx_assert_str(k.run("LOAD_KEXEC=true\n" + bz),
                  "-l " + kernel + " --initrd=" + initrd + " --append=" + running + "\n");
    kx_assert_str(k.run("LOAD_KEXEC=true\n" + bz + "APPEND='root=/dev/vda quiet'\n"),
                  "-l " + kernel + " --initrd=" + initrd + " --append=root=/dev/vda quiet\n");
}

// A UKI carries its initrd and command line: none is added unless APPEND
// asks for one.
Test(kexec_load_script, a_uki_brings_its_own_initrd_and_command_line) {
    KexecLoad k;
    const std::string uki = write_file(k.dir + "/linux.efi", make_stub_pe({section(".linux", make_bzimage()),
                                                                          section(".cmdline", "root=/dev/vda")}));
    const std::string initrd = write_file(k.dir + "/initrd.img", "INITRD");
    kx_assert_str(k.run("LOAD_KEXEC=true\nKERNEL_IMAGE=" + uki + "\nINITRD=" + initrd + "\n"), "-l " + uki + "\n");
    kx_assert_str(k.run("LOAD_KEXEC=true\nKERNEL_IMAGE=" + uki + "\nAPPEND=debug\n"),
                  "-l " + uki + " --append=debug\n");
}

// /etc/default/kexec.d/ is read after the file, with run-parts' names only.
Test(kexec_load_script, snippets_in_kexec_d_come_after) {
    KexecLoad k;
    const std::string kernel = write_file(k.dir + "/vmlinuz", make_bzimage());
    cr_assert_eq(run_shell("mkdir '" + k.defaults + ".d'"), 0);
    write_file(k.defaults + ".d/10-on", "LOAD_KEXEC=true\nAPPEND=from-snippet\n");
    write_file(k.defaults + ".d/20-old.dpkg-old", "APPEND=ignored\n");
    kx_assert_str(k.run("LOAD_KEXEC=false\nKERNEL_IMAGE=" + kernel + "\nINITRD=/nonexistent\n"),
                  "-l " + kernel + " --append=from-snippet\n");
}

// The init scripts' "stop" also runs when the package is removed: outside a
// reboot it must neither load nor, above all, start a kernel.
Test(kexec_load_script, does_nothing_unless_rebooting) {
    KexecLoad k;
    if (run_shell("systemctl list-jobs reboot.target 2>/dev/null | grep -q reboot.target") == 0)
        cr_skip_test("this machine is rebooting");
    const std::string kernel = write_file(k.dir + "/vmlinuz", make_bzimage());
    const std::string on = "LOAD_KEXEC=true\nKERNEL_IMAGE=" + kernel + "\n";
    kx_assert_str(k.run(on, "--if-rebooting"), "");
    kx_assert_str(k.run(on, "--exec-if-rebooting"), "");
    cr_assert(contains(k.run(on), "-l " + kernel), "without the option it loads");
    // A reboot as systemd and sysvinit show one: now it loads, and still
    // starts nothing, as nothing is loaded.
    const std::string fake = k.dir + "/rebooting";
    cr_assert_eq(run_shell("mkdir '" + fake + "' && printf '#!/bin/sh\\necho \\\"1 reboot.target start waiting\\\"\\n' >'" +
                           fake + "/systemctl' && printf '#!/bin/sh\\necho N 6\\n' >'" + fake +
                           "/runlevel' && chmod +x '" + fake + "/systemctl' '" + fake + "/runlevel'"),
                 0);
    kx_assert_str(k.run(on, "--if-rebooting", fake), "-l " + kernel + " --append=" + trim(read_file("/proc/cmdline")) + "\n");
    kx_assert_str(k.run(on, "--exec-if-rebooting", fake), "");
}
