// SPDX-License-Identifier: GPL-2.0-or-later
// kexec-file-raw: one kexec_file_load call with exactly the file given, no
// parsing in user space, for guest scenarios that feed the kernel's loaders
// what our kexec would refuse first (tests/vm/scenarios/uki-loader-*). Test
// tool, not product: it runs only inside QEMU guests, and refuses to run
// where KEXEC_UKI_NO_REAL_SYSCALLS is set (every host-side test run).
//
//   kexec-file-raw [-p] [--initrd FILE] [--cmdline TEXT] FILE
//   kexec-file-raw -u [-p]
//
// Prints "KX-RAW: loaded", "KX-RAW: unloaded" or "KX-RAW: ERRNO_NAME";
// exits 0 only when the call succeeded.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // strerrorname_np
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int usage(void) {
    fprintf(stderr, "usage: kexec-file-raw [-p] [--initrd FILE] [--cmdline TEXT] FILE\n"
                    "       kexec-file-raw -u [-p]\n");
    return 2;
}

int main(int argc, char** argv) {
    const char *kernel = NULL, *initrd = NULL, *cmdline = NULL;
    unsigned long flags = 0;
    int unload = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p"))
            flags |= KEXEC_FILE_ON_CRASH;
        else if (!strcmp(argv[i], "-u"))
            unload = 1;
        else if (!strcmp(argv[i], "--initrd") && i + 1 < argc)
            initrd = argv[++i];
        else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc)
            cmdline = argv[++i];
        else if (argv[i][0] != '-' && !kernel)
            kernel = argv[i];
        else
            return usage();
    }
    if (unload == !!kernel)
        return usage();
    if (getenv("KEXEC_UKI_NO_REAL_SYSCALLS")) {
        fprintf(stderr, "kexec-file-raw: KEXEC_UKI_NO_REAL_SYSCALLS is set: not calling kexec_file_load\n");
        return 2;
    }

    int kernel_fd = -1, initrd_fd = -1;
    if (unload) {
        flags |= KEXEC_FILE_UNLOAD;
    } else {
        kernel_fd = open(kernel, O_RDONLY | O_CLOEXEC);
        if (kernel_fd < 0) {
            fprintf(stderr, "kexec-file-raw: %s: %s\n", kernel, strerror(errno));
            return 2;
        }
        if (initrd) {
            initrd_fd = open(initrd, O_RDONLY | O_CLOEXEC);
            if (initrd_fd < 0) {
                fprintf(stderr, "kexec-file-raw: %s: %s\n", initrd, strerror(errno));
                return 2;
            }
        } else {
            flags |= KEXEC_FILE_NO_INITRAMFS;
        }
    }
    // The command line's length counts its NUL, as the kernel requires.
    const unsigned long cmdline_len = cmdline ? strlen(cmdline) + 1 : 0;
    if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags) != 0) {
        const char* name = strerrorname_np(errno);
        printf("KX-RAW: %s\n", name ? name : "unknown errno");
        return 1;
    }
    printf("KX-RAW: %s\n", unload ? "unloaded" : "loaded");
    return 0;
}
