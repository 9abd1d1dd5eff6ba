/* status.c — reads each phone back from the kernel (never from memory):
 * namespaces, devices, addresses, attached programs, pins, wire counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/stat.h>

#include "phone.h"
#include "../bpf/bpf.h"
#include "../nl/nl.h"
#include "../format/format.h"

struct link_search {
	const char *name;
	struct nl_link_info found;
	int present;
};

static int match_link(const struct nl_link_info *link, void *context)
{
	struct link_search *search = context;

	if (strcmp(link->name, search->name) != 0)
		return 0;
	search->found = *link;
	search->present = 1;
	return 1;
}

static int find_link(struct nl_socket *socket, const char *name, struct nl_link_info *info)
{
	struct link_search search = { .name = name };
	int error = nl_link_list(socket, match_link, &search);

	if (error < 0)
		return error;
	if (!search.present)
		return -ENODEV;
	*info = search.found;
	return 0;
}

static const char *policy_name(uint32_t policy)
{
	return policy == NETKIT_DROP ? "blackhole" : policy == NETKIT_PASS ? "forward" : "?";
}

static void print_link(FILE *out, const char *indent, const struct nl_link_info *link)
{
	format_print(out, "%s%s: ifindex %u, %s", indent, link->name, link->ifindex, (link->flags & IFF_UP) ? "up" : "down");
	if (link->netkit_primary >= 0)
		format_print(out, ", netkit %s, policy %s, peer policy %s, %s", link->netkit_primary ? "primary" : "peer",
			policy_name(link->netkit_policy), policy_name(link->netkit_peer_policy),
			link->netkit_mode == NETKIT_L2 ? "l2" : "l3");
	else
		format_print(out, ", %s", link->kind[0] ? link->kind : "not netkit");
	fputc('\n', out);
}

struct address_search {
	uint32_t ifindex;
	FILE *out;
};

static int print_address(const struct nlmsghdr *reply, void *context)
{
	struct address_search *search = context;
	const struct ifaddrmsg *header = NLMSG_DATA(reply);
	const struct nlattr *table[IFA_MAX + 1];
	char text[FORMAT_ADDRESS_MAX];
	const struct nlattr *address;

	if (reply->nlmsg_type != RTM_NEWADDR || reply->nlmsg_len < NLMSG_LENGTH(sizeof(*header)) ||
	    header->ifa_index != search->ifindex)
		return 0;
	if (nl_attr_parse((const char *)header + NLMSG_ALIGN(sizeof(*header)),
			  reply->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*header))), table, IFA_MAX) < 0)
		return 0;
	address = table[IFA_LOCAL] ? table[IFA_LOCAL] : table[IFA_ADDRESS];
	if (!address || nl_attr_len(address) < (header->ifa_family == AF_INET6 ? 16u : 4u))
		return 0;
	format_print(search->out, " %s/%u", format_address(text, header->ifa_family, nl_attr_data(address)),
		     header->ifa_prefixlen);
	return 0;
}

static void print_addresses(FILE *out, struct nl_socket *socket, uint32_t ifindex)
{
	char buffer[256];
	struct nl_message message;
	struct ifaddrmsg *header;
	struct address_search search = { .ifindex = ifindex, .out = out };

	nl_message_init(&message, buffer, sizeof(buffer), RTM_GETADDR, 0);
	header = nl_put_header(&message, sizeof(*header));
	if (!header)
		return;
	header->ifa_family = AF_UNSPEC;
	format_print(out, "      addresses:");
	nl_dump(socket, &message, print_address, &search);
	fputc('\n', out);
}

static void print_programs(FILE *out, uint32_t ifindex)
{
	static const struct { const char *name; uint32_t type; } hooks[] = {
		{ "primary", BPF_NETKIT_PRIMARY }, { "peer", BPF_NETKIT_PEER },
	};
	struct wire_count counters[WIRE_COUNTER_MAX];

	for (size_t hook = 0; hook < 2; hook++) {
		uint32_t ids[8], count = 0;
		int error = bpf_netkit_query(ifindex, hooks[hook].type, ids, 8, &count);

		format_print(out, "      %-7s programs:", hooks[hook].name);
		if (error < 0)
			format_print(out, " (query failed: %s)", strerror(-error));
		else if (count == 0)
			format_print(out, " none");
		for (uint32_t index = 0; index < count && index < 8; index++) {
			struct bpf_prog_info info;

			if (bpf_program_info(ids[index], &info, NULL, NULL) < 0) {
				format_print(out, " id %u", ids[index]);
				continue;
			}
			format_print(out, " %s (id %u, tag ", info.name, info.id);
			for (size_t byte = 0; byte < sizeof(info.tag); byte++)
				format_print(out, "%02x", info.tag[byte]);
			format_print(out, ", %u insns)", info.xlated_prog_len / 8);
		}
		fputc('\n', out);
	}
	if (wire_read_counters(ifindex, counters) == 0)
		format_print(out, "      wire: sent %llu pkts/%llu B, passed %llu pkts/%llu B, "
			"dropped %llu not from the wire, %llu with no pairing\n",
			(unsigned long long)counters[WIRE_SENT].packets, (unsigned long long)counters[WIRE_SENT].bytes,
			(unsigned long long)counters[WIRE_PASSED].packets, (unsigned long long)counters[WIRE_PASSED].bytes,
			(unsigned long long)counters[WIRE_DROPPED_NOT_WIRE].packets,
			(unsigned long long)counters[WIRE_DROPPED_NO_PAIR].packets);
}

static void print_pins(FILE *out, const struct phone_end *end)
{
	static const char *const pins[] = { "primary", "peer" };

	format_print(out, "      pins:");
	for (size_t index = 0; index < 2; index++) {
		char path[256];
		struct stat status;

		format_string(path, sizeof(path), "%s/%s/%s", PHONE_PIN_ROOT, end->host_device, pins[index]);
		format_print(out, " %s%s", path, stat(path, &status) == 0 ? "" : " (missing)");
	}
	fputc('\n', out);
}

/* Returns 1 when every piece of this end is there. */
static int print_end(FILE *out, struct nl_socket *host, const struct phone_end *end)
{
	struct nl_link_info link;
	struct nl_socket inside;
	int complete = 1, netns_fd;

	netns_fd = netns_open(end->netns);
	format_print(out, "  %s: namespace %s/%s %s\n", end->netns, NETNS_RUN_DIR, end->netns,
		netns_fd >= 0 ? "present" : "missing");
	if (find_link(host, end->host_device, &link) == 0) {
		print_link(out, "    ", &link);
		print_programs(out, link.ifindex);
		print_pins(out, end);
	} else {
		format_print(out, "    %s: missing\n", end->host_device);
		complete = 0;
	}
	if (netns_fd < 0)
		return 0;
	if (nl_open_in_netns(&inside, netns_fd) == 0) {
		if (find_link(&inside, end->device, &link) == 0) {
			print_link(out, "    ", &link);
			print_addresses(out, &inside, link.ifindex);
		} else {
			format_print(out, "    %s: missing in %s\n", end->device, end->netns);
			complete = 0;
		}
		nl_close(&inside);
	}
	close(netns_fd);
	return complete;
}

int phone_status(const struct topology *topology, FILE *out, struct report *report)
{
	struct nl_socket host;
	int error = nl_open(&host);

	if (error < 0)
		return report_error(report, error, "opening rtnetlink: %s", strerror(-error));
	for (size_t index = 0; index < topology->count; index++) {
		const struct phone *phone = &topology->phones[index];
		int complete;

		format_print(out, "phone %s <-> %s\n", phone->ends[0].netns, phone->ends[1].netns);
		complete = print_end(out, &host, &phone->ends[0]);
		complete &= print_end(out, &host, &phone->ends[1]);
		format_print(out, "  state: %s\n", complete ? "up" : "down or incomplete");
	}
	nl_close(&host);
	return 0;
}
