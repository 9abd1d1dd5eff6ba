/* status.c — reads each phone back from the kernel (never from memory):
 * namespaces, devices, addresses, attached programs, pins, wire counters;
 * then prints it as text or as JSON. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"

#define STATUS_ADDRESSES 8
#define STATUS_PROGRAMS 4

/* One end of a phone as the kernel has it. */
struct end_state {
	int netns_present, host_present, device_present;
	struct nl_link_info host, device;
	char addresses[STATUS_ADDRESSES][FORMAT_ADDRESS_MAX + 4];
	size_t address_count;
	/* Per hook, in the order of netkit_hooks. */
	struct hook_program programs[NETKIT_HOOKS][STATUS_PROGRAMS];
	uint32_t program_count[NETKIT_HOOKS];
	char pin_directory[NETKIT_PIN_PATH_MAX];
	int pinned[NETKIT_HOOKS];
	int has_counters;
	struct wire_count counters[WIRE_COUNTER_MAX];
};

/* The device's global addresses as "address/prefix" texts; link-local
 * ones are the kernel's own. */
static int collect_address(const struct nl_address *address, void *context)
{
	struct end_state *state = context;
	char text[FORMAT_ADDRESS_MAX];

	if (address->scope != RT_SCOPE_UNIVERSE || state->address_count == STATUS_ADDRESSES)
		return 0;
	format_string(state->addresses[state->address_count++], sizeof(state->addresses[0]),
		      "%s/%u", format_address(text, address->family, address->address),
		      address->prefix_length);
	return 0;
}

static void collect_programs(struct end_state *state, uint32_t ifindex)
{
	for (size_t hook = 0; hook < NETKIT_HOOKS; hook++)
		state->program_count[hook] = phone_hook_programs(ifindex, hook,
								 state->programs[hook],
								 STATUS_PROGRAMS);
	/* The first primary program is the wire's, if any: its counters. */
	state->has_counters = state->program_count[NETKIT_HOOK_PRIMARY] &&
			      wire_read_program_counters(state->programs[NETKIT_HOOK_PRIMARY][0].id,
							 state->counters) == 0;
}

static void collect_end(struct end_state *state, struct nl_socket *host,
			const struct phone_end *end)
{
	struct nl_socket inside;
	int netns_fd = netns_open(end->netns);

	memset(state, 0, sizeof(*state));
	state->netns_present = netns_fd >= 0;
	state->host_present = nl_link_get(host, end->host_device, &state->host) == 0;
	if (state->host_present)
		collect_programs(state, state->host.ifindex);
	netkit_pin_directory(state->pin_directory, sizeof(state->pin_directory), PHONE_PIN_ROOT,
			     end->host_device);
	for (int hook = 0; hook < NETKIT_HOOKS; hook++) {
		char path[NETKIT_PIN_PATH_MAX];

		netkit_pin_path(path, sizeof(path), state->pin_directory, (size_t)hook);
		state->pinned[hook] = access(path, F_OK) == 0;
	}
	if (netns_fd < 0)
		return;
	state->device_present = phone_inside_device(netns_fd, end->device, &inside,
						    &state->device) == 0;
	if (state->device_present)
		nl_address_list(&inside, state->device.ifindex, collect_address, state);
	nl_close(&inside);
	close(netns_fd);
}

/* Whether an address of the end, formatted as status shows it, is on the
 * device; an end without that family's address matches trivially. */
static int has_address(const struct end_state *state, int family,
		       const struct phone_address *address)
{
	char text[FORMAT_ADDRESS_MAX], expected[FORMAT_ADDRESS_MAX + 4];
	unsigned prefix = address->prefix_length;

	format_string(expected, sizeof(expected), "%s/%u",
		      format_address(text, phone_families[family].family, address->bytes), prefix);
	for (size_t index = 0; prefix && index < state->address_count; index++)
		if (strcmp(state->addresses[index], expected) == 0)
			return 1;
	return !prefix;
}

/* NULL when the live end is what the configuration asks for; else the
 * first difference, in words about *what (the namespace or a device). */
static const char *what_differs(const struct phone_end *end, const struct end_state *state,
				const char **what)
{
	const struct nl_link_info *host = &state->host, *device = &state->device;

	*what = "the namespace";
	if (!state->netns_present)
		return "is missing";
	*what = end->host_device;
	if (!state->host_present)
		return "is missing";
	if (host->netkit_primary != 1 || host->netkit_mode != end->mode ||
	    host->netkit_policy != NETKIT_DROP || host->netkit_peer_policy != NETKIT_DROP)
		return "is not the configured netkit device";
	if (!(host->flags & IFF_UP))
		return "is down";
	if (end->mtu && host->mtu != end->mtu)
		return "has another MTU";
	for (int hook = 0; hook < NETKIT_HOOKS; hook++)
		if (!state->program_count[hook] || !state->pinned[hook])
			return "has no wire attached and pinned";
	*what = end->device;
	if (!state->device_present)
		return "is missing";
	if (device->netkit_primary != 0 || !(device->flags & IFF_UP))
		return "is not the configured netkit peer, up";
	if (end->mtu && device->mtu != end->mtu)
		return "has another MTU";
	if (state->address_count != (size_t)(end->addresses[PHONE_IPV4].prefix_length != 0) +
				    (end->addresses[PHONE_IPV6].prefix_length != 0) ||
	    !has_address(state, PHONE_IPV4, &end->addresses[PHONE_IPV4]) ||
	    !has_address(state, PHONE_IPV6, &end->addresses[PHONE_IPV6]))
		return "has other addresses";
	return NULL;
}

/* 0 when both ends are as configured; else 1 and the first difference,
 * "NAMESPACE: WHAT DIFFERS". */
static int phone_difference(const struct phone *phone, const struct end_state states[PHONE_ENDS],
			    char text[128])
{
	for (int side = 0; side < PHONE_ENDS; side++) {
		const char *what;
		const char *difference = what_differs(&phone->ends[side], &states[side], &what);

		if (difference) {
			format_string(text, 128, "%s: %s %s", phone->ends[side].netns, what,
				      difference);
			return 1;
		}
	}
	text[0] = '\0';
	return 0;
}

/* Whether any of a phone is there: a namespace, a host device or a pin of
 * either end (the other pieces live in those). */
static int phone_present(const struct end_state states[PHONE_ENDS])
{
	int present = 0;

	for (int side = 0; side < PHONE_ENDS; side++)
		present |= states[side].netns_present | states[side].host_present |
			   states[side].pinned[NETKIT_HOOK_PRIMARY] |
			   states[side].pinned[NETKIT_HOOK_PEER];
	return present;
}

/* What status says of a phone: as configured, different (and where), or
 * not there at all. */
enum phone_state { PHONE_UP, PHONE_DIFFERS, PHONE_DOWN };

static const char *policy_name(uint32_t policy)
{
	return policy == NETKIT_DROP ? "blackhole" : policy == NETKIT_PASS ? "forward" : "?";
}

static const char *mode_name(uint32_t mode)
{
	return mode == NETKIT_L2 ? "l2" : "l3";
}

/* ---- text ---------------------------------------------------------------- */

static void print_link_text(int out, const struct nl_link_info *link)
{
	format_print(out, "    %s: ifindex %u, %s", link->name, link->ifindex,
		     (link->flags & IFF_UP) ? "up" : "down");
	if (link->netkit_primary >= 0)
		format_print(out, ", netkit %s, policy %s, peer policy %s, %s",
			     link->netkit_primary ? "primary" : "peer",
			     policy_name(link->netkit_policy),
			     policy_name(link->netkit_peer_policy), mode_name(link->netkit_mode));
	else
		format_print(out, ", %s", link->kind[0] ? link->kind : "not netkit");
	format_write(out, "\n");
}

static void print_hook_text(int out, const struct end_state *state, int hook)
{
	const char *name = netkit_hooks[hook].name;
	char path[NETKIT_PIN_PATH_MAX];

	format_print(out, "      %-7s: %s", name, state->program_count[hook] ? "" : "no program");
	for (uint32_t index = 0; index < state->program_count[hook]; index++) {
		const struct hook_program *program = &state->programs[hook][index];

		format_print(out, "%s%s (id %u, tag %s, %u insns)", index ? ", " : "",
			     program->name, program->id, program->tag, program->instructions);
	}
	netkit_pin_path(path, sizeof(path), state->pin_directory, (size_t)hook);
	format_print(out, ", pin %s%s\n", path, state->pinned[hook] ? "" : " (missing)");
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
		for (int hook = 0; hook < NETKIT_HOOKS; hook++)
			print_hook_text(out, state, hook);
		if (state->has_counters)
			format_print(out, "      wire: sent %llu pkts/%llu B, "
				     "passed %llu pkts/%llu B, "
				     "dropped %llu not from the wire, %llu with no pairing\n",
				     (unsigned long long)counters[WIRE_SENT].packets,
				     (unsigned long long)counters[WIRE_SENT].bytes,
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
		unsigned char c = (unsigned char)*text;

		if (c == '"' || c == '\\')
			length += format_string(escaped + length, sizeof(escaped) - length,
						"\\%c", c);
		else if (c < 0x20)
			length += format_string(escaped + length, sizeof(escaped) - length,
						"\\u00%02x", c);
		else
			escaped[length++] = *text;
	}
	escaped[length++] = '"';
	escaped[length] = '\0';
	format_write(out, escaped);
}

static const char *json_boolean(int value)
{
	return value ? "true" : "false";
}

static void print_link_json(int out, const char *name, int present,
			    const struct nl_link_info *link)
{
	format_write(out, "\"name\":");
	print_json_string(out, name);
	format_print(out, ",\"present\":%s", json_boolean(present));
	if (!present)
		return;
	format_print(out, ",\"ifindex\":%u,\"up\":%s,\"kind\":", link->ifindex,
		     json_boolean(link->flags & IFF_UP));
	print_json_string(out, link->kind);
	if (link->netkit_primary >= 0)
		format_print(out, ",\"netkit\":{\"primary\":%s,\"policy\":\"%s\","
			     "\"peer_policy\":\"%s\",\"mode\":\"%s\"}",
			     json_boolean(link->netkit_primary), policy_name(link->netkit_policy),
			     policy_name(link->netkit_peer_policy), mode_name(link->netkit_mode));
}

static void print_counter_json(int out, const char *name, const struct wire_count *count,
			       int last)
{
	format_print(out, "\"%s\":{\"packets\":%llu,\"bytes\":%llu}%s", name,
		     (unsigned long long)count->packets, (unsigned long long)count->bytes,
		     last ? "" : ",");
}

static void print_hook_json(int out, const struct end_state *state, int hook)
{
	format_print(out, ",\"%s\":{\"pinned\":%s,\"programs\":[", netkit_hooks[hook].name,
		     json_boolean(state->pinned[hook]));
	for (uint32_t index = 0; index < state->program_count[hook]; index++) {
		const struct hook_program *program = &state->programs[hook][index];

		format_print(out, "%s{\"name\":", index ? "," : "");
		print_json_string(out, program->name);
		format_print(out, ",\"id\":%u,\"tag\":\"%s\",\"instructions\":%u}", program->id,
			     program->tag, program->instructions);
	}
	format_print(out, "]}");
}

static void print_end_json(int out, const struct phone_end *end, const struct end_state *state)
{
	const struct wire_count *counters = state->counters;

	format_write(out, "{\"namespace\":");
	print_json_string(out, end->netns);
	format_print(out, ",\"namespace_present\":%s,\"host_device\":{",
		     json_boolean(state->netns_present));
	print_link_json(out, end->host_device, state->host_present, &state->host);
	for (int hook = 0; hook < NETKIT_HOOKS; hook++)
		print_hook_json(out, state, hook);
	if (state->has_counters) {
		format_print(out, ",\"wire\":{");
		print_counter_json(out, "sent", &counters[WIRE_SENT], 0);
		print_counter_json(out, "passed", &counters[WIRE_PASSED], 0);
		print_counter_json(out, "dropped_not_from_wire", &counters[WIRE_DROPPED_NOT_WIRE],
				   0);
		print_counter_json(out, "dropped_no_pairing", &counters[WIRE_DROPPED_NO_PAIR], 1);
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

/* ---- both ---------------------------------------------------------------- */

/* The phone's name and ends as its summary line shows them. */
static void print_phone_name(int out, const struct phone *phone)
{
	const char *first = phone->ends[0].netns, *second = phone->ends[1].netns;

	if (phone->name[0])
		format_print(out, "phone %s (%s <-> %s)", phone->name, first, second);
	else
		format_print(out, "phone %s <-> %s", first, second);
}

static enum phone_state print_phone(int out, const struct status_request *request,
				    const struct phone *phone,
				    const struct end_state states[PHONE_ENDS])
{
	static const char json_states[][8] = { "up", "differs", "down" };
	static const char text_states[][26] = {
		"up, as configured", "differs from the config: ", "down, none of it is there"
	};
	char difference[128];
	enum phone_state state = !phone_difference(phone, states, difference) ? PHONE_UP :
				 phone_present(states) ? PHONE_DIFFERS : PHONE_DOWN;
	const char *state_words = state == PHONE_DIFFERS ? difference : "";

	if (request->json) {
		format_print(out, "{\"state\":\"%s\",\"matches_config\":%s,\"difference\":",
			     json_states[state], json_boolean(state == PHONE_UP));
		print_json_string(out, difference);
		format_write(out, ",\"ends\":[");
		for (int side = 0; side < PHONE_ENDS; side++) {
			format_write(out, side ? "," : "");
			print_end_json(out, &phone->ends[side], &states[side]);
		}
		format_print(out, "]}");
		return state;
	}
	if (!request->detail) {
		print_phone_name(out, phone);
		format_print(out, ": %s%s\n", text_states[state], state_words);
		return state;
	}
	format_print(out, "phone %s <-> %s\n", phone->ends[0].netns, phone->ends[1].netns);
	for (int side = 0; side < PHONE_ENDS; side++)
		print_end_text(out, &phone->ends[side], &states[side]);
	format_print(out, "  state: %s%s\n", text_states[state], state_words);
	return state;
}

/* Whether the request asks for this phone: all do when it names none. */
static int requested(const struct status_request *request, const struct phone *phone)
{
	for (int index = 0; index < request->name_count; index++) {
		const char *name = request->names[index];

		if (strcmp(name, phone->name) == 0 || strcmp(name, phone->ends[0].netns) == 0 ||
		    strcmp(name, phone->ends[1].netns) == 0)
			return 1;
	}
	return request->name_count == 0;
}

/* Every name of the request names a phone of the topology. */
static int check_names(const struct topology *topology, const struct status_request *request,
		       struct report *report)
{
	for (int index = 0; index < request->name_count; index++) {
		struct status_request one = { .names = &request->names[index], .name_count = 1 };
		size_t phone = 0;

		while (phone < topology->count && !requested(&one, &topology->phones[phone]))
			phone++;
		if (phone == topology->count)
			return report_error(report, -ENOENT, "no phone \"%s\" in the configuration "
					    "(a phone's name or the namespace of one of its ends)",
					    request->names[index]);
	}
	return 0;
}

int phone_status(const struct topology *topology, const struct status_request *request, int out,
		 struct report *report)
{
	struct nl_socket host;
	struct end_state states[PHONE_ENDS];
	size_t counts[3] = { 0 }, shown = 0;
	int error = check_names(topology, request, report);

	if (error == 0)
		error = phone_open_rtnetlink(&host, report);
	if (error < 0)
		return error;
	format_write(out, request->json ? "{\"phones\":[" : "");
	for (size_t index = 0; index < topology->count; index++) {
		const struct phone *phone = &topology->phones[index];

		if (!requested(request, phone))
			continue;
		for (int side = 0; side < PHONE_ENDS; side++)
			collect_end(&states[side], &host, &phone->ends[side]);
		format_write(out, request->json && shown++ ? "," : "");
		counts[print_phone(out, request, phone, states)]++;
	}
	nl_close(&host);
	if (request->json) {
		format_write(out, "]}\n");
		return 0;
	}
	if (!request->detail)
		format_print(out, "status: %zu up, %zu differ%s, %zu down\n", counts[PHONE_UP],
			     counts[PHONE_DIFFERS], counts[PHONE_DIFFERS] == 1 ? "s" : "",
			     counts[PHONE_DOWN]);
	return request->detail && !request->name_count ? phone_list_netkit(out, report) : 0;
}
