# uki-default-mode-bios (no -s/-c) with a ukify-laid-out UKI.
UKI_STYLE=ukify-252
. "$KX_VM_DIR/scenarios/uki-default-mode-bios.sh"
