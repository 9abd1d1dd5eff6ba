/* call.c — a call across the first phone: ICMP and ICMPv6 echo both ways, a
 * TCP message each way with its content checked, and a host-side injection
 * towards a yogurt that must not get through. Prints a KTAP-style
 * transcript. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"

#define CALL_TCP_PORT 4242
#define CALL_UDP_PORT 4243
#define CALL_TIMEOUT_MS 3000

struct call {
	struct ktap_writer ktap;	/* the transcript: one result per step */
	const struct phone *phone;
	int netns[2];
	int family;		/* of TCP and the injection: IPv4 if the phone has it */
};

static void step(struct call *call, int ok, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void step(struct call *call, int ok, const char *format, ...)
{
	char text[FORMAT_ERROR_MAX];
	va_list arguments;

	va_start(arguments, format);
	format_string_list(text, sizeof(text), format, arguments);
	va_end(arguments);
	ktap_result(&call->ktap, ok ? KTAP_PASS : KTAP_FAIL, text, NULL);
}

static const void *end_address(const struct phone_end *end, int family)
{
	return end->addresses[phone_family_index(family)].bytes;
}

static void ping(struct call *call, int from, int family)
{
	const struct phone_end *source = &call->phone->ends[from];
	const struct phone_end *target = &call->phone->ends[!from];
	const char *protocol = family == AF_INET6 ? "ICMPv6" : "ICMP";
	char address[FORMAT_ADDRESS_MAX];
	uint64_t rtt = 0;
	int error = probe_ping(call->netns[from], family, end_address(target, family), 56,
			       CALL_TIMEOUT_MS, &rtt);

	format_address(address, family, end_address(target, family));
	if (error == 0)
		step(call, 1, "%s echo %s -> %s (%s): reply in %llu.%03llu ms", protocol,
		     source->netns, target->netns, address, (unsigned long long)(rtt / 1000),
		     (unsigned long long)(rtt % 1000));
	else
		step(call, 0, "%s echo %s -> %s (%s): %s", protocol, source->netns, target->netns,
		     address, error_text(-error));
}

/* One message from end `from` to the other over a fresh TCP connection. */
static void talk(struct call *call, int from)
{
	const struct phone_end *source = &call->phone->ends[from];
	const struct phone_end *target = &call->phone->ends[!from];
	char message[96], received[96];
	int listener, client = -1, server = -1, error;
	union probe_address endpoint;
	size_t length;

	length = format_string(message, sizeof(message), "hello %s, this is %s on the yogurt phone",
			       target->netns, source->netns);
	probe_endpoint(&endpoint, call->family, end_address(target, call->family), CALL_TCP_PORT);
	error = listener = probe_tcp_listen(call->netns[!from], &endpoint);
	if (error >= 0)
		error = client = probe_tcp_connect(call->netns[from], &endpoint, CALL_TIMEOUT_MS);
	if (error >= 0)
		error = server = probe_tcp_accept(listener, CALL_TIMEOUT_MS);
	if (error >= 0)
		error = probe_send_all(client, message, length, CALL_TIMEOUT_MS);
	if (error >= 0)
		error = probe_receive_all(server, received, length, CALL_TIMEOUT_MS);
	if (error >= 0 && memcmp(message, received, length) != 0)
		error = -EBADMSG;
	if (error >= 0)
		step(call, 1, "TCP %s -> %s: \"%s\" (%zu bytes) arrived intact", source->netns,
		     target->netns, message, length);
	else
		step(call, 0, "TCP %s -> %s: %s", source->netns, target->netns, error_text(-error));
	for (int *fd = (int[]){ listener, client, server, -1 }; *fd != -1; fd++)
		if (*fd >= 0)
			close(*fd);
}

static uint64_t dropped_at(const char *device)
{
	struct wire_count counters[WIRE_COUNTER_MAX];
	int ifindex = nl_device_index(device);

	if (ifindex < 0 || wire_read_counters((uint32_t)ifindex, counters) < 0)
		return 0;
	return counters[WIRE_DROPPED_NOT_WIRE].packets;
}

/* The host writes a packet spoofed as yogurt-1 straight onto yogurt-2's
 * host-side device: it must reach the gate and die there. */
static void barge_in(struct call *call)
{
	const struct phone_end *spoofed = &call->phone->ends[0], *target = &call->phone->ends[1];
	static const char payload[] = "barging in from the host";
	uint64_t before = dropped_at(target->host_device), after;
	union probe_address from, to;
	int listener, error, got = -ETIMEDOUT;
	char received[64];

	probe_endpoint(&from, call->family, end_address(spoofed, call->family), CALL_UDP_PORT);
	probe_endpoint(&to, call->family, end_address(target, call->family), CALL_UDP_PORT);
	error = listener = probe_udp_bind(call->netns[1], &to);
	if (error >= 0)
		error = probe_inject_udp(-1, target->host_device, &from, &to, payload,
					 sizeof(payload));
	/* ENOBUFS is AF_PACKET passing on the device's NET_XMIT_DROP: the
	 * frame was sent and dropped on the way. The counters tell by whom. */
	if (error == -ENOBUFS)
		error = 0;
	if (error >= 0)
		got = probe_receive_datagram(listener, received, sizeof(received), 500);
	after = dropped_at(target->host_device);
	if (listener >= 0)
		close(listener);
	step(call, error >= 0 && got < 0 && after > before,
	     "host injection towards %s on %s: %s%s (drops: %llu -> %llu)", target->netns,
	     target->host_device, error < 0 ? "could not try: " : got >= 0 ?
	     "DELIVERED, the gate is open" : after <= before ?
	     "not delivered, but the gate did not count it" : "not delivered, the gate dropped it",
	     error < 0 ? error_text(-error) : "", (unsigned long long)before,
	     (unsigned long long)after);
}

int phone_call(const struct topology *topology, int out, struct report *report)
{
	struct call call = { .ktap = { .out = out }, .phone = &topology->phones[0] };

	for (int side = 0; side < 2; side++) {
		call.netns[side] = netns_open(call.phone->ends[side].netns);
		if (call.netns[side] < 0) {
			if (side == 1)
				close(call.netns[0]);
			return report_error(report, call.netns[side], "namespace %s is not there: "
					    "run 'yogurt up' first", call.phone->ends[side].netns);
		}
	}
	format_print(out, "call: %s <-> %s\n", call.phone->ends[0].netns,
		     call.phone->ends[1].netns);
	/* Both ends have the same families: the configuration says so. */
	call.family = call.phone->ends[0].addresses[PHONE_IPV4].prefix_length ? AF_INET : AF_INET6;
	for (int family = 0; family < PHONE_FAMILIES; family++)
		if (call.phone->ends[0].addresses[family].prefix_length) {
			ping(&call, 0, phone_families[family].family);
			ping(&call, 1, phone_families[family].family);
		}
	talk(&call, 0);
	talk(&call, 1);
	barge_in(&call);
	format_print(out, "call: %u of %u steps passed\n", call.ktap.passed, call.ktap.number);
	close(call.netns[0]);
	close(call.netns[1]);
	if (call.ktap.failed)
		return report_error(report, -EPROTO, "the call failed: %u of %u steps did not pass",
				    call.ktap.failed, call.ktap.number);
	return 0;
}
