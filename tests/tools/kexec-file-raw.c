// SPDX-License-Identifier: GPL-2.0-or-later
// kexec-file-raw: one kexec_file_load call with exactly the file given, no
// parsing in user space, for guest scenarios that feed the kernel's loaders
// what our kexec would refuse first (tests/vm/scenarios/uki-loader-*). Test
// tool, not product: it runs only inside QEMU guests, and refuses to run
// where KEXEC_UKI_NO_REAL_SYSCALLS is set (every host-side test run).
//
//   kexec-file-raw [-p] [--cost] [--initrd FILE] [--cmdline TEXT] FILE
//   kexec-file-raw -u [-p]
//
// Prints "KX-RAW: loaded", "KX-RAW: unloaded" or "KX-RAW: ERRNO_NAME";
// exits 0 only when the call succeeded. --cost (bench/scenarios): also
// "KX-RAW-COST: bytes=N ms=T vmalloc_peak_kib=V memavail_drop_kib=M", the
// call's duration and how far the kernel's vmalloc use rose and
// MemAvailable fell while it ran (/proc/meminfo sampled every 200 us by a
// second thread: run on 2 CPUs).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // strerrorname_np
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long meminfo_kib(const char* key) {
    char buf[4096];
    int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    const char* at = strstr(buf, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static atomic_int sampling;
static long vmalloc_max, memavail_min;

static void* sample(void* unused) {
    (void)unused;
    while (atomic_load(&sampling)) {
        long v = meminfo_kib("VmallocUsed:"), a = meminfo_kib("MemAvailable:");
        if (v > vmalloc_max)
            vmalloc_max = v;
        if (a >= 0 && a < memavail_min)
            memavail_min = a;
        usleep(200);
    }
    return NULL;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int usage(void) {
    fprintf(stderr, "usage: kexec-file-raw [-p] [--cost] [--initrd FILE] [--cmdline TEXT] FILE\n"
                    "       kexec-file-raw -u [-p]\n");
    return 2;
}

int main(int argc, char** argv) {
    const char *kernel = NULL, *initrd = NULL, *cmdline = NULL;
    unsigned long flags = 0;
    int unload = 0, cost = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p"))
            flags |= KEXEC_FILE_ON_CRASH;
        else if (!strcmp(argv[i], "-u"))
            unload = 1;
        else if (!strcmp(argv[i], "--cost"))
            cost = 1;
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
    const long vmalloc_before = meminfo_kib("VmallocUsed:"), memavail_before = meminfo_kib("MemAvailable:");
    pthread_t sampler;
    if (cost) {
        vmalloc_max = vmalloc_before;
        memavail_min = memavail_before;
        atomic_store(&sampling, 1);
        if (pthread_create(&sampler, NULL, sample, NULL) != 0)
            cost = 0;
        usleep(2000);  // let the sampler start before the call does
    }
    const double start = now_ms();
    const long rc = syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
    const int err = errno;
    const double ms = now_ms() - start;
    if (cost) {
        atomic_store(&sampling, 0);
        pthread_join(sampler, NULL);
        struct stat st;
        fstat(kernel_fd, &st);
        printf("KX-RAW-COST: bytes=%lld ms=%.1f vmalloc_peak_kib=%ld memavail_drop_kib=%ld\n", (long long)st.st_size,
               ms, vmalloc_max - vmalloc_before, memavail_before - memavail_min);
    }
    errno = err;
    if (rc != 0) {
        const char* name = strerrorname_np(errno);
        printf("KX-RAW: %s\n", name ? name : "unknown errno");
        return 1;
    }
    printf("KX-RAW: %s\n", unload ? "unloaded" : "loaded");
    return 0;
}
