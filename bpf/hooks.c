/* hooks.c — the two netkit hooks, where their links are pinned, and
 * linking and pinning a program there. */
#include <unistd.h>

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

int netkit_link_and_pin(int program_fd, uint32_t ifindex, size_t hook, const char *directory,
			char path[NETKIT_PIN_PATH_MAX], int *pin_failed)
{
	int link = bpf_netkit_link_create(program_fd, ifindex, netkit_hooks[hook].attach_type);
	int error;

	*pin_failed = 0;
	if (link < 0)
		return link;
	netkit_pin_path(path, NETKIT_PIN_PATH_MAX, directory, hook);
	error = bpf_pin(link, path);
	close(link);	/* the pin holds the link now */
	*pin_failed = error < 0;
	return error;
}
