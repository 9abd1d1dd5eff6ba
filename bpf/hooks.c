/* hooks.c — the two netkit hooks and where their links are pinned. */
#include "bpf.h"
#include "../format/format.h"

const struct netkit_hook netkit_hooks[NETKIT_HOOKS] = {
	/* The gate first, so that no packet ever finds a device unguarded. */
	{ "primary", "netkit/primary", BPF_NETKIT_PRIMARY },
	{ "peer", "netkit/peer", BPF_NETKIT_PEER },
};

size_t netkit_pin_directory(char *path, size_t size, const char *root, const char *device)
{
	return format_string(path, size, "%s/%s", root, device);
}

size_t netkit_pin_path(char *path, size_t size, const char *directory, size_t hook)
{
	return format_string(path, size, "%s/%s", directory, netkit_hooks[hook].name);
}
