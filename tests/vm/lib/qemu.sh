# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Booting a guest: SeaBIOS, OVMF UEFI, or OVMF UEFI Secure Boot (snakeoil
# db), with the first kernel given directly (-kernel/-initrd/-append).

# kx_firmware_args MODE: QEMU's machine and firmware arguments for MODE
# (bios, uefi, secureboot), in KX_FIRMWARE_ARGS; OVMF's variable store is
# a fresh copy in $RUN. Both kinds of guest boot through it.
kx_firmware_args() {
    case $1 in
    bios)
        KX_FIRMWARE_ARGS=(-machine q35)
        ;;
    uefi)
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$RUN/vars.fd"
        KX_FIRMWARE_ARGS=(-machine q35
               -drive "if=pflash,format=raw,unit=0,file=/usr/share/OVMF/OVMF_CODE_4M.fd,readonly=on"
               -drive "if=pflash,format=raw,unit=1,file=$RUN/vars.fd")
        ;;
    secureboot)
        cp /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd "$RUN/vars.fd"
        # shellcheck disable=SC2054  # commas inside QEMU option values
        KX_FIRMWARE_ARGS=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
               -drive "if=pflash,format=raw,unit=0,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd,readonly=on"
               -drive "if=pflash,format=raw,unit=1,file=$RUN/vars.fd")
        ;;
    *) kx_die "unknown firmware mode $1" ;;
    esac
}

# kx_boot MODE KERNEL INITRD CMDLINE LOG TIMEOUT MEM_MB
kx_boot() {
    local mode=$1 kernel=$2 initrd=$3 cmdline=$4 log=$5 timeout=$6 mem=${7:-1024}
    local args=(-cpu max -m "$mem" -smp "${QEMU_SMP:-1}" -display none -serial stdio -monitor none -no-reboot -net none)
    kx_firmware_args "$mode"
    args+=("${KX_FIRMWARE_ARGS[@]}")
    args+=(-kernel "$kernel" -initrd "$initrd" -append "$cmdline")
    if [ "${STAMP_SERIAL:-0}" = 1 ]; then
        # Benchmarks (bench/scenarios): each line of the serial console
        # prefixed with the host's clock as it arrives from QEMU.
        (set -o pipefail
         timeout --kill-after=10 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null 2>&1 |
             while IFS= read -r line || [ -n "$line" ]; do printf '@%s %s\n' "$EPOCHREALTIME" "$line"; done
        ) >"$log.raw" &
    else
        timeout --kill-after=10 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null >"$log.raw" 2>&1 &
    fi
    local pid=$!
    # STOP_ON: a line after which nothing more can happen (a halted machine):
    # end the run there instead of waiting for the timeout.
    if [ -n "${STOP_ON:-}" ]; then
        while kill -0 $pid 2>/dev/null; do
            if grep -aq "$STOP_ON" "$log.raw" 2>/dev/null; then
                sleep 1
                kill $pid 2>/dev/null
                break
            fi
            sleep 1
        done
    fi
    wait $pid
    local rc=$?
    # Drop the firmware's terminal escapes and CRs so the log greps cleanly.
    tr -d '\r' <"$log.raw" | sed 's/\x1b\[[0-9;=?]*[a-zA-Z]//g' >"$log"
    rm -f "$log.raw"
    return $rc
}
