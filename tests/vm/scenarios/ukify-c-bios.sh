# uki-c-bios (our kexec_load image builder) with a ukify-laid-out UKI.
UKI_STYLE=ukify-252
. "$KX_VM_DIR/scenarios/uki-c-bios.sh"
