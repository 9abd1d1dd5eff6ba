/* netkit_list.c — every netkit device in this namespace and what is
 * attached on each side of it, whoever attached it: yogurt's wire,
 * `yogurt attach`, or anyone else. Part of `yogurt status`. */
#include "internal.h"
#include "../bpf/bpf.h"

static int print_device(const struct nl_link_info *link, void *context)
{
	int out = *(const int *)context;

	if (link->netkit_primary < 0)
		return 0;
	format_print(out, "  %s (ifindex %u, netkit %s)", link->name, link->ifindex,
		     link->netkit_primary ? "primary" : "peer");
	/* Programs of both sides hang off the primary device. */
	for (size_t hook = 0; hook < NETKIT_HOOKS && link->netkit_primary; hook++) {
		struct hook_program programs[HOOK_PROGRAMS_MAX];
		uint32_t count = phone_hook_programs(link->ifindex, hook, programs,
						     HOOK_PROGRAMS_MAX);

		format_print(out, "%s%s:%s", hook ? "; " : ": ", netkit_hooks[hook].name,
			     count ? "" : " none");
		for (uint32_t index = 0; index < count; index++)
			if (programs[index].tag[0])
				format_print(out, " %s (id %u, tag %s, %u insns)",
					     programs[index].name, programs[index].id,
					     programs[index].tag, programs[index].instructions);
	}
	format_write(out, "\n");
	return 0;
}

int phone_list_netkit(int out, struct report *report)
{
	struct nl_socket socket;
	int error = phone_open_rtnetlink(&socket, report);

	if (error < 0)
		return error;
	format_print(out, "netkit devices:\n");
	error = nl_link_list(&socket, print_device, &out);
	nl_close(&socket);
	return error < 0 ? report_kernel(report, error, NULL, "listing devices: %s",
					 error_text(-error)) : 0;
}
