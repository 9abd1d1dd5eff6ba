/* netkit_list.c — every netkit device in this namespace and what is
 * attached on each side of it, whoever attached it: yogurt's wire,
 * `yogurt attach`, or anyone else. Part of `yogurt status`. */
#include <string.h>

#include "attach.h"
#include "../bpf/bpf.h"
#include "../nl/nl.h"
#include "../format/format.h"

#define LISTED_PROGRAMS_MAX 8

static int print_device(const struct nl_link_info *link, void *context)
{
	static const uint32_t attach_types[2] = { BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER };
	int out = *(const int *)context;

	if (link->netkit_primary < 0)
		return 0;
	format_print(out, "  %s (ifindex %u, netkit %s)", link->name, link->ifindex, link->netkit_primary ? "primary" : "peer");
	/* Programs of both sides hang off the primary device. */
	for (size_t side = 0; side < 2 && link->netkit_primary; side++) {
		uint32_t ids[LISTED_PROGRAMS_MAX], count = 0;

		bpf_netkit_query(link->ifindex, attach_types[side], ids, LISTED_PROGRAMS_MAX, &count);
		format_print(out, "%s:%s", side ? "; peer" : ": primary", count ? "" : " none");
		for (uint32_t index = 0; index < count && index < LISTED_PROGRAMS_MAX; index++) {
			struct bpf_prog_info info;

			if (bpf_program_info(ids[index], &info, NULL, NULL) < 0)
				continue;
			format_print(out, " %s (id %u, tag ", info.name, info.id);
			for (size_t byte = 0; byte < sizeof(info.tag); byte++)
				format_print(out, "%02x", info.tag[byte]);
			format_print(out, ", %u insns)", info.xlated_prog_len / 8);
		}
	}
	format_write(out, "\n");
	return 0;
}

int phone_list_netkit(int out, struct report *report)
{
	struct nl_socket socket;
	int error = nl_open(&socket);

	if (error < 0)
		return report_error(report, error, "opening rtnetlink: %s", error_text(-error));
	format_print(out, "netkit devices:\n");
	error = nl_link_list(&socket, print_device, &out);
	nl_close(&socket);
	return error < 0 ? report_error(report, error, "listing devices: %s", error_text(-error)) : 0;
}
