# kdump-c-uki-bios (kexec -c -p) with a ukify-laid-out UKI as the crash kernel.
UKI_STYLE=ukify-252
. "$KX_VM_DIR/scenarios/kdump-c-uki-bios.sh"
