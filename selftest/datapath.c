/* datapath.c — the yogurt wire between two netkit pairs, as `yogurt up`
 * builds it: each peer program stamps a packet and bpf_redirect()s it to
 * the other pair's primary, whose program (the gate) passes only stamped
 * packets. IPv4 and IPv6, a full-MTU ping, a GSO-sized TCP transfer whose
 * every byte is checked, and a packet injected on the primary that the gate
 * must drop and count. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../phone/internal.h"
#include "../wire/wire.h"

#define WIRE_SUBNET 20
#define WIRE_PORT 4213
#define REPLY_TIMEOUT_MS 3000
#define TRANSFER_BYTES (4u << 20)
#define TRANSFER_CHUNK (64u << 10)	/* a write as large as one GSO packet */
#define TRANSFER_TIMEOUT_MS 20000
#define GATE_TIMEOUT_MS 300

/* Two pairs, each peer in a namespace of its own, and the wire on each
 * primary: ends[0] reaches ends[1] only through it. */
struct wire_fixture {
	struct test_pair ends[2];
	int links[2][NETKIT_HOOKS];
};

/* The selftest proves the mechanism, not a secret: a fixed, non-zero one
 * spares a wait for the entropy pool at early boot. */
static const uint32_t test_secret[WIRE_SECRET_WORDS] = { 0x79677274, 0x73656c66, 1, 2 };

static enum ktap_result wire_up(struct selftest *selftest, struct wire_fixture *wire,
				unsigned variant)
{
	static const char *const names[2] = { "wa%u", "wb%u" };
	enum ktap_result result = KTAP_PASS;

	memset(wire->links, 0xff, sizeof(wire->links));
	wire->ends[0].primary[0] = wire->ends[1].primary[0] = '\0';
	wire->ends[0].netns = wire->ends[1].netns = -1;
	for (unsigned end = 0; end < 2 && result == KTAP_PASS; end++) {
		struct netkit_pair request = { .mode = NETKIT_L3, .policy = NETKIT_DROP,
					       .peer_policy = NETKIT_DROP };
		char name[8];

		format_string(name, sizeof(name), names[end], variant);
		result = pair_create(selftest, &wire->ends[end], name, &request, 1);
		if (result == KTAP_PASS)
			result = pair_connect(selftest, &wire->ends[end], WIRE_SUBNET + variant,
					      end + 1, 0);
	}
	for (unsigned end = 0; end < 2 && result == KTAP_PASS; end++) {
		struct bpf_object object;
		size_t size;
		const void *image = wire_object_image(&size);
		int error = bpf_object_parse(&object, "wire", image, size);

		if (error == 0)
			error = wire_load(&object, wire->ends[!end].primary_ifindex, test_secret);
		for (size_t hook = 0; hook < NETKIT_HOOKS && error == 0; hook++) {
			struct bpf_object_program *program =
				bpf_object_find_program(&object, netkit_hooks[hook].section);

			error = program ? bpf_netkit_link_create(program->fd,
								 wire->ends[end].primary_ifindex,
								 netkit_hooks[hook].attach_type)
					: -ENOENT;
			wire->links[end][hook] = error;
			if (error < 0)
				format_string(object.error, sizeof(object.error), "linking %s: %s",
					      netkit_hooks[hook].section, error_text(-error));
			error = error < 0 ? error : 0;
		}
		if (error < 0)
			result = failing(selftest, "the wire on %s: %s", wire->ends[end].primary,
					 object.error);
		bpf_object_free(&object);	/* the links hold the programs */
	}
	return result;
}

static void wire_down(struct selftest *selftest, struct wire_fixture *wire)
{
	for (unsigned end = 0; end < 2; end++) {
		for (size_t hook = 0; hook < NETKIT_HOOKS; hook++)
			if (wire->links[end][hook] >= 0)
				close(wire->links[end][hook]);
		pair_remove(selftest, &wire->ends[end]);
	}
}

/* The byte at offset of the transfer: a pattern no lost or repeated
 * segment keeps. */
static uint8_t transfer_byte(uint32_t offset)
{
	uint32_t mixed = offset * 2654435761u;

	return (uint8_t)(mixed >> 24 ^ offset);
}

static uint32_t checksum_add(uint32_t sum, const uint8_t *bytes, size_t length)
{
	for (size_t index = 0; index < length; index++)
		sum = (sum ^ bytes[index]) * 16777619u;	/* FNV-1a */
	return sum;
}

/* Sends what the connection takes of the pattern from *sent, one window
 * of it (refilled as the sending passes its end) at a time. */
static int send_some(int connection, uint8_t *window, uint32_t *window_start, uint32_t *sent)
{
	ssize_t length;

	if (*sent == *window_start + TRANSFER_CHUNK) {
		*window_start = *sent;
		for (uint32_t index = 0; index < TRANSFER_CHUNK; index++)
			window[index] = transfer_byte(*window_start + index);
	}
	length = send(connection, window + (*sent - *window_start),
		      *window_start + TRANSFER_CHUNK - *sent, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (length > 0)
		*sent += (uint32_t)length;
	return length < 0 && errno != EAGAIN ? -errno : 0;
}

/* Both ends in this one process, without a second one: whatever the
 * sender can write, whatever the receiver can read, until all came. */
static int stream(int connection, int accepted, uint32_t *sent_sum, uint32_t *received_sum)
{
	static uint8_t window[TRANSFER_CHUNK], received[TRANSFER_CHUNK];
	uint32_t sent = 0, window_start = 0, count = 0;
	int error = 0;

	for (uint32_t index = 0; index < TRANSFER_CHUNK; index++)
		window[index] = transfer_byte(index);
	*sent_sum = checksum_add(*sent_sum, window, TRANSFER_CHUNK);
	while (count < TRANSFER_BYTES && error == 0) {
		struct pollfd ends[2] = { { .fd = accepted, .events = POLLIN },
					  { .fd = connection, .events = POLLOUT } };
		ssize_t length;
		uint32_t before = window_start;

		if (sent < TRANSFER_BYTES)
			error = send_some(connection, window, &window_start, &sent);
		if (window_start != before)
			*sent_sum = checksum_add(*sent_sum, window, TRANSFER_CHUNK);
		length = recv(accepted, received, sizeof(received), MSG_DONTWAIT);
		if (length > 0) {
			*received_sum = checksum_add(*received_sum, received, (size_t)length);
			count += (uint32_t)length;
			continue;
		}
		if (length == 0 || errno != EAGAIN)
			return length == 0 ? -ECONNRESET : -errno;
		if (error == 0 &&
		    poll(ends, sent < TRANSFER_BYTES ? 2 : 1, TRANSFER_TIMEOUT_MS) == 0)
			error = -ETIMEDOUT;
	}
	return error;
}

static enum ktap_result transfer(struct selftest *selftest, struct wire_fixture *wire,
				 const uint8_t *to)
{
	uint32_t sent_sum = 2166136261u, received_sum = 2166136261u;
	union probe_address endpoint;
	int listener, connection, accepted, error;
	struct wire_count counters[WIRE_COUNTER_MAX];

	probe_endpoint(&endpoint, AF_INET, to, WIRE_PORT);
	error = listener = probe_tcp_listen(wire->ends[1].netns, &endpoint);
	connection = error < 0 ? error : probe_tcp_connect(wire->ends[0].netns, &endpoint,
							    REPLY_TIMEOUT_MS);
	error = accepted = connection < 0 ? connection
				: probe_tcp_accept(listener, REPLY_TIMEOUT_MS);
	if (error >= 0)
		error = stream(connection, accepted, &sent_sum, &received_sum);
	for (int *fd = (int[]){ listener, connection, accepted, -1 }; *fd != -1; fd++)
		if (*fd >= 0)
			close(*fd);
	if (error < 0)
		return failing(selftest, "TCP, %u bytes from %s's peer to %s's: %s",
			       TRANSFER_BYTES, wire->ends[0].primary, wire->ends[1].primary,
			       error_text(-error));
	if (received_sum != sent_sum)
		return failing(selftest, "TCP: FNV-1a of what came %08x, of what was sent %08x",
			       received_sum, sent_sum);
	if (wire_read_counters(wire->ends[1].primary_ifindex, counters) == 0 &&
	    counters[WIRE_PASSED].packets)
		ktap_diagnostic(&selftest->ktap, "the gate passed %llu packets of %llu bytes "
				"on average (MTU 1500: larger ones are GSO)",
				(unsigned long long)counters[WIRE_PASSED].packets,
				(unsigned long long)(counters[WIRE_PASSED].bytes /
						     counters[WIRE_PASSED].packets));
	return KTAP_PASS;
}

/* An injected UDP packet on the second primary, which only the gate stands
 * in front of: not delivered and counted; then the same from the first
 * peer, over the wire: delivered. */
static enum ktap_result gate(struct selftest *selftest, struct wire_fixture *wire,
			     const uint8_t *from, const uint8_t *to)
{
	static const char payload[] = "yogurt selftest";
	struct wire_count before[WIRE_COUNTER_MAX], after[WIRE_COUNTER_MAX];
	union probe_address source, target;
	char received[32];
	int listener, sender = -1, error;
	enum ktap_result result = KTAP_PASS;

	probe_endpoint(&source, AF_INET, from, WIRE_PORT);
	probe_endpoint(&target, AF_INET, to, WIRE_PORT);
	listener = probe_udp_bind(wire->ends[1].netns, &target);
	error = listener < 0 ? listener
		: wire_read_counters(wire->ends[1].primary_ifindex, before);
	if (error == 0)
		error = probe_inject_udp(-1, wire->ends[1].primary, &source, &target, payload,
					 sizeof(payload));
	if (error < 0 && error != -ENOBUFS) {
		result = kernel_failing(selftest, error, NULL, "injecting on the primary");
	} else if (probe_receive_datagram(listener, received, sizeof(received),
					  GATE_TIMEOUT_MS) >= 0) {
		result = failing(selftest, "a packet injected on %s reached its peer",
				 wire->ends[1].primary);
	} else if (wire_read_counters(wire->ends[1].primary_ifindex, after) < 0 ||
		   after[WIRE_DROPPED_NOT_WIRE].packets !=
		   before[WIRE_DROPPED_NOT_WIRE].packets + 1) {
		result = failing(selftest, "the gate did not count the injected packet as dropped");
	} else {
		sender = netns_socket(wire->ends[0].netns, AF_INET, SOCK_DGRAM, 0);
		error = sender < 0 ? sender : (int)sendto(sender, payload, sizeof(payload), 0,
							  &target.any,
							  probe_endpoint_size(&target));
		if (error >= 0)
			error = probe_receive_datagram(listener, received, sizeof(received),
						       REPLY_TIMEOUT_MS);
		if (error < 0)
			result = failing(selftest, "the same packet sent over the wire did not "
					 "come: %s", error_text(-error));
	}
	if (sender >= 0)
		close(sender);
	if (listener >= 0)
		close(listener);
	return result;
}

enum ktap_result check_wire(struct selftest *selftest, unsigned variant)
{
	int family = variant == WIRE_IPV6 ? AF_INET6 : AF_INET;
	uint8_t from[16], to[16];
	struct wire_fixture wire;
	enum ktap_result result = wire_up(selftest, &wire, variant);
	int error;

	test_address(family, WIRE_SUBNET + variant, 1, from);
	test_address(family, WIRE_SUBNET + variant, 2, to);
	if (result == KTAP_PASS && variant == WIRE_GSO)
		result = transfer(selftest, &wire, to);
	else if (result == KTAP_PASS && variant == WIRE_GATE)
		result = gate(selftest, &wire, from, to);
	else if (result == KTAP_PASS) {
		/* 1472 bytes of ICMP payload: a 1500-byte IPv4 packet. */
		error = probe_ping(wire.ends[0].netns, family, to,
				   variant == WIRE_FULL_MTU ? 1472 : 56, REPLY_TIMEOUT_MS, NULL);
		if (error < 0)
			result = failing(selftest, "ping from %s's peer to %s's: %s",
					 wire.ends[0].primary, wire.ends[1].primary,
					 error_text(-error));
	}
	wire_down(selftest, &wire);
	return result;
}
