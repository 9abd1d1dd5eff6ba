/* status.c — reads each phone back from the kernel (never from memory):
 * namespaces, devices, addresses, attached programs, pins, wire counters;
 * then prints it as text or as JSON. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "phone.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"
#include "../format/format.h"
#include "../nl/nl.h"

#define STATUS_ADDRESSES 8
#define STATUS_PROGRAMS 4

struct program_state {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t id, instructions;
	char tag[2 * BPF_TAG_SIZE + 1];
};

/* One end of a phone as the kernel has it. */
struct end_state {
	int netns_present, host_present, device_present;
	struct nl_link_info host, device;
	char addresses[STATUS_ADDRESSES][FORMAT_ADDRESS_MAX + 4];
	size_t address_count;
	struct program_state programs[2][STATUS_PROGRAMS];	/* [primary, peer] */
	uint32_t program_count[2];
	int pinned[2];
	int has_counters;
	struct wire_count counters[WIRE_COUNTER_MAX];
};

static const char *const hook_names[2] = { "primary", "peer" };
static const uint32_t hook_types[2] = { BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER };

/* The device's global addresses as "address/prefix" texts; link-local
 * ones are the kernel's own. */
static int collect_address(const struct nl_address *address, void *context)
{
	struct end_state *state = context;
	char text[FORMAT_ADDRESS_MAX];

	if (address->scope != RT_SCOPE_UNIVERSE || state->address_count == STATUS_ADDRESSES)
		return 0;
	format_string(state->addresses[state->address_count++], sizeof(state->addresses[0]), "%s/%u",
		      format_address(text, address->family, address->address), address->prefix_length);
	return 0;
}

static void collect_programs(struct end_state *state, uint32_t ifindex)
{
	for (int hook = 0; hook < 2; hook++) {
		uint32_t ids[STATUS_PROGRAMS], count = 0;

		if (bpf_netkit_query(ifindex, hook_types[hook], ids, STATUS_PROGRAMS, &count) < 0)
			continue;
		state->program_count[hook] = count < STATUS_PROGRAMS ? count : STATUS_PROGRAMS;
		for (uint32_t index = 0; index < state->program_count[hook]; index++) {
			struct program_state *program = &state->programs[hook][index];
			struct bpf_prog_info info;

			program->id = ids[index];
			if (bpf_program_info(ids[index], &info, NULL, NULL) < 0)
				continue;
			memcpy(program->name, info.name, sizeof(program->name));
			program->instructions = info.xlated_prog_len / 8;
			for (size_t byte = 0; byte < BPF_TAG_SIZE; byte++)
				format_string(program->tag + 2 * byte, 3, "%02x", info.tag[byte]);
		}
	}
	/* The first primary program is the wire's, if any: its counters. */
	state->has_counters = state->program_count[0] &&
			      wire_read_program_counters(state->programs[0][0].id, state->counters) == 0;
}

static void collect_end(struct end_state *state, struct nl_socket *host, const struct phone_end *end)
{
	struct nl_socket inside;
	int netns_fd = netns_open(end->netns);

	memset(state, 0, sizeof(*state));
	state->netns_present = netns_fd >= 0;
	state->host_present = nl_link_get(host, end->host_device, &state->host) == 0;
	if (state->host_present)
		collect_programs(state, state->host.ifindex);
	for (int hook = 0; hook < 2; hook++) {
		char path[256];

		format_string(path, sizeof(path), "%s/%s/%s", PHONE_PIN_ROOT, end->host_device, hook_names[hook]);
		state->pinned[hook] = access(path, F_OK) == 0;
	}
	if (netns_fd < 0)
		return;
	if (nl_open_in_netns(&inside, netns_fd) == 0) {
		state->device_present = nl_link_get(&inside, end->device, &state->device) == 0;
		if (state->device_present)
			nl_address_list(&inside, state->device.ifindex, collect_address, state);
		nl_close(&inside);
	}
	close(netns_fd);
}

/* Whether an address of the end, formatted as status shows it, is on the
 * device; an end without that family's address matches trivially. */
static int has_address(const struct end_state *state, int family, const void *address, unsigned prefix)
{
	char text[FORMAT_ADDRESS_MAX], expected[FORMAT_ADDRESS_MAX + 4];

	format_string(expected, sizeof(expected), "%s/%u", format_address(text, family, address), prefix);
	for (size_t index = 0; prefix && index < state->address_count; index++)
		if (strcmp(state->addresses[index], expected) == 0)
			return 1;
	return !prefix;
}

/* NULL when the live end is what the configuration asks for; else the
 * first difference, in words about *what (the namespace or a device). */
static const char *what_differs(const struct phone_end *end, const struct end_state *state, const char **what)
{
	const struct nl_link_info *host = &state->host, *device = &state->device;

	*what = "the namespace";
	if (!state->netns_present)
		return "is missing";
	*what = end->host_device;
	if (!state->host_present)
		return "is missing";
	if (host->netkit_primary != 1 || host->netkit_mode != end->mode || host->netkit_policy != NETKIT_DROP ||
	    host->netkit_peer_policy != NETKIT_DROP)
		return "is not the configured netkit device";
	if (!(host->flags & IFF_UP))
		return "is down";
	if (end->mtu && host->mtu != end->mtu)
		return "has another MTU";
	if (!state->program_count[0] || !state->program_count[1] || !state->pinned[0] || !state->pinned[1])
		return "has no wire attached and pinned";
	*what = end->device;
	if (!state->device_present)
		return "is missing";
	if (device->netkit_primary != 0 || !(device->flags & IFF_UP))
		return "is not the configured netkit peer, up";
	if (end->mtu && device->mtu != end->mtu)
		return "has another MTU";
	if (state->address_count != (size_t)(end->prefix_length != 0) + (end->prefix6_length != 0) ||
	    !has_address(state, AF_INET, &end->address, end->prefix_length) ||
	    !has_address(state, AF_INET6, &end->address6, end->prefix6_length))
		return "has other addresses";
	return NULL;
}

/* 0 when both ends are as configured; else 1 and "NAMESPACE: WHAT differs". */
static int phone_difference(const struct phone *phone, const struct end_state states[2], char text[128])
{
	for (int side = 0; side < 2; side++) {
		const char *what, *difference = what_differs(&phone->ends[side], &states[side], &what);

		if (difference) {
			format_string(text, 128, "%s: %s %s", phone->ends[side].netns, what, difference);
			return 1;
		}
	}
	text[0] = '\0';
	return 0;
}

static const char *policy_name(uint32_t policy)
{
	return policy == NETKIT_DROP ? "blackhole" : policy == NETKIT_PASS ? "forward" : "?";
}

/* ---- text ---------------------------------------------------------------- */

static void print_link_text(int out, const struct nl_link_info *link)
{
	format_print(out, "    %s: ifindex %u, %s", link->name, link->ifindex, (link->flags & IFF_UP) ? "up" : "down");
	if (link->netkit_primary >= 0)
		format_print(out, ", netkit %s, policy %s, peer policy %s, %s", link->netkit_primary ? "primary" : "peer",
			     policy_name(link->netkit_policy), policy_name(link->netkit_peer_policy),
			     link->netkit_mode == NETKIT_L2 ? "l2" : "l3");
	else
		format_print(out, ", %s", link->kind[0] ? link->kind : "not netkit");
	format_write(out, "\n");
}

static void print_end_text(int out, const struct phone_end *end, const struct end_state *state)
{
	const struct wire_count *counters = state->counters;

	format_print(out, "  %s: namespace %s/%s %s\n", end->netns, NETNS_RUN_DIR, end->netns,
		     state->netns_present ? "present" : "missing");
	if (!state->host_present) {
		format_print(out, "    %s: missing\n", end->host_device);
	} else {
		print_link_text(out, &state->host);
		for (int hook = 0; hook < 2; hook++) {
			format_print(out, "      %-7s: %s", hook_names[hook], state->program_count[hook] ? "" : "no program");
			for (uint32_t index = 0; index < state->program_count[hook]; index++) {
				const struct program_state *program = &state->programs[hook][index];

				format_print(out, "%s%s (id %u, tag %s, %u insns)", index ? ", " : "", program->name,
					     program->id, program->tag, program->instructions);
			}
			format_print(out, ", pin %s/%s/%s%s\n", PHONE_PIN_ROOT, end->host_device, hook_names[hook],
				     state->pinned[hook] ? "" : " (missing)");
		}
		if (state->has_counters)
			format_print(out, "      wire: sent %llu pkts/%llu B, passed %llu pkts/%llu B, dropped %llu "
				     "not from the wire, %llu with no pairing\n",
				     (unsigned long long)counters[WIRE_SENT].packets, (unsigned long long)counters[WIRE_SENT].bytes,
				     (unsigned long long)counters[WIRE_PASSED].packets,
				     (unsigned long long)counters[WIRE_PASSED].bytes,
				     (unsigned long long)counters[WIRE_DROPPED_NOT_WIRE].packets,
				     (unsigned long long)counters[WIRE_DROPPED_NO_PAIR].packets);
	}
	if (!state->device_present) {
		format_print(out, "    %s: missing in %s\n", end->device, end->netns);
		return;
	}
	print_link_text(out, &state->device);
	format_print(out, "      addresses:");
	for (size_t index = 0; index < state->address_count; index++)
		format_print(out, " %s", state->addresses[index]);
	format_write(out, "\n");
}

/* ---- JSON ---------------------------------------------------------------- */

static void print_json_string(int out, const char *text)
{
	char escaped[6 * 64 + 3];
	size_t length = 0;

	escaped[length++] = '"';
	/* Names here are short (IFNAMSIZ, 64); a longer one is cut, not overrun. */
	for (; *text && length < sizeof(escaped) - 8; text++) {
		if (*text == '"' || *text == '\\')
			length += format_string(escaped + length, sizeof(escaped) - length, "\\%c", *text);
		else if ((unsigned char)*text < 0x20)
			length += format_string(escaped + length, sizeof(escaped) - length, "\\u00%02x", (unsigned char)*text);
		else
			escaped[length++] = *text;
	}
	escaped[length++] = '"';
	escaped[length] = '\0';
	format_write(out, escaped);
}

static void print_key(int out, const char *key)
{
	print_json_string(out, key);
	format_write(out, ":");
}

static void print_link_json(int out, const char *name, int present, const struct nl_link_info *link)
{
	print_key(out, "name");
	print_json_string(out, name);
	format_print(out, ",\"present\":%s", present ? "true" : "false");
	if (!present)
		return;
	format_print(out, ",\"ifindex\":%u,\"up\":%s,\"kind\":", link->ifindex, (link->flags & IFF_UP) ? "true" : "false");
	print_json_string(out, link->kind);
	if (link->netkit_primary >= 0)
		format_print(out, ",\"netkit\":{\"primary\":%s,\"policy\":\"%s\",\"peer_policy\":\"%s\",\"mode\":\"%s\"}",
			     link->netkit_primary ? "true" : "false", policy_name(link->netkit_policy),
			     policy_name(link->netkit_peer_policy), link->netkit_mode == NETKIT_L2 ? "l2" : "l3");
}

static void print_counter_json(int out, const char *name, const struct wire_count *count, int last)
{
	print_key(out, name);
	format_print(out, "{\"packets\":%llu,\"bytes\":%llu}%s", (unsigned long long)count->packets,
		     (unsigned long long)count->bytes, last ? "" : ",");
}

static void print_end_json(int out, const struct phone_end *end, const struct end_state *state)
{
	format_write(out, "{");
	print_key(out, "namespace");
	print_json_string(out, end->netns);
	format_print(out, ",\"namespace_present\":%s,\"host_device\":{", state->netns_present ? "true" : "false");
	print_link_json(out, end->host_device, state->host_present, &state->host);
	for (int hook = 0; hook < 2; hook++) {
		format_print(out, ",\"%s\":{\"pinned\":%s,\"programs\":[", hook_names[hook], state->pinned[hook] ? "true" : "false");
		for (uint32_t index = 0; index < state->program_count[hook]; index++) {
			const struct program_state *program = &state->programs[hook][index];

			format_print(out, "%s{\"name\":", index ? "," : "");
			print_json_string(out, program->name);
			format_print(out, ",\"id\":%u,\"tag\":\"%s\",\"instructions\":%u}", program->id, program->tag,
				     program->instructions);
		}
		format_print(out, "]}");
	}
	if (state->has_counters) {
		format_print(out, ",\"wire\":{");
		print_counter_json(out, "sent", &state->counters[WIRE_SENT], 0);
		print_counter_json(out, "passed", &state->counters[WIRE_PASSED], 0);
		print_counter_json(out, "dropped_not_from_wire", &state->counters[WIRE_DROPPED_NOT_WIRE], 0);
		print_counter_json(out, "dropped_no_pairing", &state->counters[WIRE_DROPPED_NO_PAIR], 1);
		format_write(out, "}");
	}
	format_print(out, "},\"device\":{");
	print_link_json(out, end->device, state->device_present, &state->device);
	format_print(out, ",\"addresses\":[");
	for (size_t index = 0; index < state->address_count; index++) {
		if (index)
			format_write(out, ",");
		print_json_string(out, state->addresses[index]);
	}
	format_print(out, "]}}");
}

int phone_status(const struct topology *topology, int json, int out, struct report *report)
{
	struct nl_socket host;
	struct end_state states[2];
	int error = nl_open(&host);

	if (error < 0)
		return report_error(report, error, "opening rtnetlink: %s", error_text(-error));
	if (json)
		format_print(out, "{\"phones\":[");
	for (size_t index = 0; index < topology->count; index++) {
		const struct phone *phone = &topology->phones[index];
		char difference[128];
		int differs;

		collect_end(&states[0], &host, &phone->ends[0]);
		collect_end(&states[1], &host, &phone->ends[1]);
		differs = phone_difference(phone, states, difference);
		if (json) {
			format_print(out, "%s{\"state\":\"%s\",\"matches_config\":%s,\"difference\":",
				     index ? "," : "", differs ? "down" : "up", differs ? "false" : "true");
			print_json_string(out, difference);
			format_write(out, ",\"ends\":[");
			print_end_json(out, &phone->ends[0], &states[0]);
			format_write(out, ",");
			print_end_json(out, &phone->ends[1], &states[1]);
			format_print(out, "]}");
			continue;
		}
		format_print(out, "phone %s <-> %s\n", phone->ends[0].netns, phone->ends[1].netns);
		print_end_text(out, &phone->ends[0], &states[0]);
		print_end_text(out, &phone->ends[1], &states[1]);
		format_print(out, "  state: %s%s\n", differs ? "differs from the config: " : "up, as configured",
			     difference);
	}
	if (json)
		format_print(out, "]}\n");
	nl_close(&host);
	return 0;
}
