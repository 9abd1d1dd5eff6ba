/* attack_tests.c — the attack suite: every way the threat model says a host
 * process may try to reach a yogurt. Each vector is one assertion: nothing
 * delivered, the gate on the device counted it, and the phone still works
 * afterwards. Positive controls show the same packets do cross when the
 * wire sends them. See wire/GATE.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "suite.h"
#include "netns/netns.h"
#include "nl/nl.h"
#include "format/format.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103		/* include/uapi/linux/udp.h, Linux 4.18 */
#endif

#define ATTACK_PORT 4500

struct attack {
	struct suite *suite;
	const struct phone_end *ends;	/* the default phone's two ends */
	int netns[2];
	struct nl_socket host;
};

static const void *address_of(const struct phone_end *end, int family)
{
	return end->addresses[phone_family_index(family)].bytes;
}

/* A UDP listener on the end's address, inside its namespace. */
static int listen_at(struct attack *attack, int side, int family, uint16_t port)
{
	union probe_address endpoint;

	probe_endpoint(&endpoint, family, address_of(&attack->ends[side], family), port);
	return probe_udp_bind(attack->netns[side], &endpoint);
}

static int delivered(int listener)
{
	char buffer[2048];

	return listener >= 0 && probe_receive_datagram(listener, buffer, sizeof(buffer), 300) >= 0;
}

/* The assertion every vector makes. A send that fails with ENOBUFS was sent:
 * that is the stack passing on the device's NET_XMIT_DROP. */
static void verdict(struct attack *attack, const char *name, const char *device, uint64_t drops_before,
		    int was_delivered, int error)
{
	uint64_t drops_after = gate_drops(device);

	if (error == -ENOBUFS)
		error = 0;
	int works = phone_works(attack->suite);

	check(attack->suite, !was_delivered && drops_after > drops_before && works == 0 && error == 0, name,
	      "delivered %d, gate drops on %s %llu -> %llu, phone works %d, setup error %d", was_delivered, device,
	      (unsigned long long)drops_before, (unsigned long long)drops_after, works == 0, error);
}

/* The host routes ICMP, TCP and UDP to yogurt-2 over an address and a
 * route it put on yg2-host. */
static void routed(struct attack *attack, int family)
{
	const struct phone_end *target = &attack->ends[1];
	const char *version = family == AF_INET6 ? "IPv6" : "IPv4";
	union probe_address endpoint;
	char name[128];
	uint64_t before;
	int listener, connection, accepted, sender, error = 0;

	before = gate_drops(target->host_device);
	error = probe_ping(-1, family, address_of(target, family), 56, 1000, NULL);
	format_string(name, sizeof(name), "host routes an %s echo request to yogurt-2", version);
	verdict(attack, name, target->host_device, before, error == 0, error == -ETIMEDOUT ? 0 : error);
	error = 0;

	before = gate_drops(target->host_device);
	probe_endpoint(&endpoint, family, address_of(target, family), ATTACK_PORT);
	listener = probe_tcp_listen(attack->netns[1], &endpoint);
	connection = probe_tcp_connect(-1, &endpoint, 1000);
	accepted = listener < 0 ? listener : probe_tcp_accept(listener, 100);
	format_string(name, sizeof(name), "host routes a TCP connection (%s) to yogurt-2", version);
	verdict(attack, name, target->host_device, before, connection >= 0 || accepted >= 0, listener < 0 ? listener : 0);
	for (int *fd = (int[]){ listener, connection, accepted, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);

	before = gate_drops(target->host_device);
	listener = listen_at(attack, 1, family, ATTACK_PORT + 1);
	probe_endpoint(&endpoint, family, address_of(target, family), ATTACK_PORT + 1);
	sender = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sendto(sender, "host", 4, 0, &endpoint.any, probe_endpoint_size(&endpoint)) < 0)
		error = -errno;
	format_string(name, sizeof(name), "host routes a UDP datagram (%s) to yogurt-2", version);
	verdict(attack, name, target->host_device, before, delivered(listener), error);
	close(sender);
	if (listener >= 0)
		close(listener);
}

/* A raw IP socket on the host, source address spoofed as yogurt-1. */
static void spoofed(struct attack *attack, int family)
{
	const struct phone_end *target = &attack->ends[1];
	union probe_address from, to;
	uint64_t before = gate_drops(target->host_device);
	int listener = listen_at(attack, 1, family, ATTACK_PORT + 2), error;
	char name[128];

	probe_endpoint(&from, family, address_of(&attack->ends[0], family), ATTACK_PORT + 2);
	probe_endpoint(&to, family, address_of(target, family), ATTACK_PORT + 2);
	error = probe_send_raw_udp(-1, &from, &to, "spoofed", 7);
	format_string(name, sizeof(name), "raw IP socket on the host, source spoofed as yogurt-1 (%s)",
		      family == AF_INET6 ? "IPv6" : "IPv4");
	verdict(attack, name, target->host_device, before, delivered(listener), error);
	if (listener >= 0)
		close(listener);
}

/* AF_PACKET straight onto a host-side device, towards the yogurt behind it;
 * the same frame sent inside the other yogurt (the control) must cross. */
static void injected(struct attack *attack, int target_side, int family)
{
	const struct phone_end *target = &attack->ends[target_side], *source = &attack->ends[!target_side];
	const char *version = family == AF_INET6 ? "IPv6" : "IPv4";
	union probe_address from, to;
	uint64_t before = gate_drops(target->host_device), passed = wire_passed(target->host_device);
	int listener = listen_at(attack, target_side, family, ATTACK_PORT + 3), error;
	char name[160];

	probe_endpoint(&from, family, address_of(source, family), ATTACK_PORT + 3);
	probe_endpoint(&to, family, address_of(target, family), ATTACK_PORT + 3);
	error = probe_inject_udp(-1, target->host_device, &from, &to, "injected", 8);
	format_string(name, sizeof(name), "AF_PACKET %s frame injected on %s towards %s", version, target->host_device,
		      target->netns);
	verdict(attack, name, target->host_device, before, delivered(listener), error);

	error = probe_inject_udp(attack->netns[!target_side], source->device, &from, &to, "injected", 8);
	format_string(name, sizeof(name), "control: the same frame injected inside %s on %s crosses the wire",
		      source->netns, source->device);
	check(attack->suite, error == 0 && delivered(listener) && wire_passed(target->host_device) > passed, name,
	      "error %d", error);
	if (listener >= 0)
		close(listener);
}

/* One large UDP write that the stack carries as a GSO packet. */
static void segmented(struct attack *attack)
{
	const struct phone_end *target = &attack->ends[1];
	static char payload[60000];
	union probe_address to;
	uint64_t before = gate_drops(target->host_device);
	int listener = listen_at(attack, 1, AF_INET, ATTACK_PORT + 4), segment = 1400, error = 0;
	int sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	probe_endpoint(&to, AF_INET, target->addresses[PHONE_IPV4].bytes, ATTACK_PORT + 4);
	if (setsockopt(sender, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof(segment)) < 0 ||
	    sendto(sender, payload, sizeof(payload), 0, &to.any, probe_endpoint_size(&to)) < 0)
		error = -errno;
	verdict(attack, "host sends a 60000-byte UDP GSO write (1400-byte segments) to yogurt-2", target->host_device,
		before, delivered(listener), error);
	close(sender);
	if (listener >= 0)
		close(listener);
}

/* Everything arriving on a yogurt's device from source, counted by a
 * capture socket inside its namespace: the witness for TCP, where no
 * listener would see a segment that belongs to no connection. */
static int capture_open(struct attack *attack, int side)
{
	struct sockaddr_ll link = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct ifreq request;
	int fd = netns_socket(attack->netns[side], AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (fd < 0)
		return fd;
	memset(&request, 0, sizeof(request));
	format_string(request.ifr_name, sizeof(request.ifr_name), "%s", attack->ends[side].device);
	if (ioctl(fd, SIOCGIFINDEX, &request) < 0) {
		close(fd);
		return -errno;
	}
	link.sll_ifindex = request.ifr_ifindex;
	bind(fd, (struct sockaddr *)&link, sizeof(link));
	return fd;
}

static int capture_count_from(int fd, struct in_addr source)
{
	unsigned char packet[2048];
	int count = 0;
	ssize_t got;

	while ((got = recv(fd, packet, sizeof(packet), 0)) >= (ssize_t)sizeof(struct ip)) {
		struct ip header;

		memcpy(&header, packet, sizeof(header));
		count += header.ip_v == 4 && header.ip_src.s_addr == source.s_addr;
	}
	return count;
}

/* A host TCP flow with large writes, which leave as GSO segments: a process
 * with CAP_NET_ADMIN can skip the handshake the gate would stop (TCP_REPAIR
 * puts the socket straight into ESTABLISHED). */
static void tcp_segmented(struct attack *attack)
{
	const struct phone_end *target = &attack->ends[1];
	struct in_addr host = { htonl(0x0a2a0064u) };	/* 10.42.0.100, on yg2-host */
	union probe_address local, remote;
	static char payload[256 << 10];
	uint64_t before = gate_drops(target->host_device);
	int capture = capture_open(attack, 1), repair = 1, error = 0, arrived;
	int sender = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timespec settle = { .tv_nsec = 300 * 1000 * 1000 };

	probe_endpoint(&local, AF_INET, &host, 4600);
	probe_endpoint(&remote, AF_INET, target->addresses[PHONE_IPV4].bytes, 4601);
	if (setsockopt(sender, IPPROTO_TCP, TCP_REPAIR, &repair, sizeof(repair)) < 0 ||
	    bind(sender, &local.any, sizeof(local.v4)) < 0 || connect(sender, &remote.any, sizeof(remote.v4)) < 0)
		error = -errno;
	repair = 0;
	if (error == 0 && setsockopt(sender, IPPROTO_TCP, TCP_REPAIR, &repair, sizeof(repair)) < 0)
		error = -errno;
	if (error == 0 && send(sender, payload, sizeof(payload), MSG_DONTWAIT) < 0 && errno != EAGAIN)
		error = -errno;
	nanosleep(&settle, NULL);
	arrived = capture < 0 ? 1 : capture_count_from(capture, host);
	verdict(attack, "host TCP flow with large (GSO) writes, handshake skipped with TCP_REPAIR, to yogurt-2",
		target->host_device, before, arrived > 0, error);
	close(sender);
	if (capture >= 0)
		close(capture);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), error = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		error = -errno;
	close(fd);
	return error;
}

/* A third namespace with its own netkit pair in forward policy, its
 * traffic routed through the host (forwarding on) towards yogurt-2. */
static void intruder(struct attack *attack)
{
	const struct phone_end *target = &attack->ends[1];
	struct in_addr host_side = { htonl(0x0a2b0001u) }, inside = { htonl(0x0a2b0002u) };	/* 10.43.0.1, .2 */
	struct in_addr phone_network = { htonl(0x0a2a0000u) };					/* 10.42.0.0/24 */
	struct netkit_pair pair = {
		.primary_name = "int-host", .peer_name = "int-cont", .policy = NETKIT_PASS,
		.peer_policy = NETKIT_PASS, .mode = NETKIT_L3, .peer_netns_fd = -1,
	};
	uint64_t before = gate_drops(target->host_device);
	struct nl_socket in_intruder;
	uint32_t ifindex = 0, lo = 0;
	union probe_address from, to;
	int netns = -1, listener, error, sender;

	error = netns_add("intruder");
	if (error == 0)
		error = netns = netns_open("intruder");
	if (error >= 0) {
		pair.peer_netns_fd = netns;
		error = nl_netkit_create(&attack->host, &pair);
	}
	if (error >= 0)
		error = nl_link_index(&attack->host, "int-host", &ifindex);
	if (error >= 0)
		error = nl_address_add(&attack->host, ifindex, AF_INET, &host_side, 24);
	if (error >= 0)
		error = nl_link_set_up(&attack->host, ifindex);
	if (error >= 0)
		error = write_file("/proc/sys/net/ipv4/ip_forward", "1");
	if (error >= 0 && (error = nl_open_in_netns(&in_intruder, netns)) == 0) {
		error = nl_link_index(&in_intruder, "lo", &lo);
		if (error == 0)
			error = nl_link_set_up(&in_intruder, lo);
		if (error == 0)
			error = nl_link_index(&in_intruder, "int-cont", &ifindex);
		if (error == 0)
			error = nl_address_add(&in_intruder, ifindex, AF_INET, &inside, 24);
		if (error == 0)
			error = nl_link_set_up(&in_intruder, ifindex);
		if (error == 0)
			error = nl_route_add(&in_intruder, AF_INET, &phone_network, 24, ifindex);
		nl_close(&in_intruder);
	}
	listener = listen_at(attack, 1, AF_INET, ATTACK_PORT + 5);
	probe_endpoint(&from, AF_INET, &inside, ATTACK_PORT + 5);
	probe_endpoint(&to, AF_INET, target->addresses[PHONE_IPV4].bytes, ATTACK_PORT + 5);
	sender = netns_socket(netns, AF_INET, SOCK_DGRAM, 0);
	if (error >= 0 && sendto(sender, "intruder", 8, 0, &to.any, probe_endpoint_size(&to)) < 0)
		error = -errno;
	verdict(attack, "a third namespace with a forward-policy netkit pair, routed through the host, sends to yogurt-2",
		target->host_device, before, delivered(listener), error < 0 ? error : 0);
	for (int *fd = (int[]){ listener, sender, netns, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	write_file("/proc/sys/net/ipv4/ip_forward", "0");
	nl_link_delete(&attack->host, "int-host");
	netns_delete("intruder");
}

/* A second phone next to the first: both work, and a frame sent inside one
 * phone towards the other phone's address never arrives there. */
static void two_phones(struct attack *attack)
{
	struct topology both = attack->suite->topology;
	struct phone phones[2] = { attack->suite->topology.phones[0] };
	struct report report;
	const struct phone_end *a = attack->ends, *b;
	union probe_address from, to;
	int error, netns_b[2] = { -1, -1 }, listener, got_in_b, got_in_a;
	int quiet = -1;		/* no words: the checks speak */

	both.phones = phones;	/* the suite's phone stays as it is */
	both.count = 2;
	for (int side = 0; side < 2; side++) {
		struct phone_end *end = &both.phones[1].ends[side];

		*end = both.phones[0].ends[side];
		format_string(end->netns, sizeof(end->netns), "yogurt-%d", 3 + side);
		format_string(end->host_device, sizeof(end->host_device), "yg%d-host", 3 + side);
		format_string(end->device, sizeof(end->device), "yg%d-cont", 3 + side);
		end->addresses[PHONE_IPV4].bytes[2] = 1;	/* 10.42.1.1, .2 */
		end->addresses[PHONE_IPV6].bytes[3] = 1;	/* fd42:1::1, ::2 */
	}
	b = both.phones[1].ends;
	error = phone_up(&both, quiet, &report, NULL);
	check(attack->suite, error == 0, "a second phone (yogurt-3 <-> yogurt-4) comes up next to the first",
	      "%s", report.message);
	if (error < 0)
		return;
	both.phones[0] = both.phones[1];
	both.count = 1;
	error = phone_call(&both, quiet, &report);
	check(attack->suite, error == 0 && phone_works(attack->suite) == 0, "both phones work at once", "%s", report.message);
	netns_b[0] = netns_open(b[0].netns);
	netns_b[1] = netns_open(b[1].netns);
	/* yogurt-1 writes a frame for yogurt-4 onto its own device. */
	probe_endpoint(&from, AF_INET, a[0].addresses[PHONE_IPV4].bytes, ATTACK_PORT + 6);
	probe_endpoint(&to, AF_INET, b[1].addresses[PHONE_IPV4].bytes, ATTACK_PORT + 6);
	listener = probe_udp_bind(netns_b[1], &to);
	probe_inject_udp(attack->netns[0], a[0].device, &from, &to, "cross", 5);
	got_in_b = delivered(listener);
	close(listener);
	/* And yogurt-3 one for yogurt-2. */
	probe_endpoint(&from, AF_INET, b[0].addresses[PHONE_IPV4].bytes, ATTACK_PORT + 7);
	probe_endpoint(&to, AF_INET, a[1].addresses[PHONE_IPV4].bytes, ATTACK_PORT + 7);
	listener = probe_udp_bind(attack->netns[1], &to);
	probe_inject_udp(netns_b[0], b[0].device, &from, &to, "cross", 5);
	got_in_a = delivered(listener);
	close(listener);
	check(attack->suite, !got_in_a && !got_in_b && phone_works(attack->suite) == 0,
	      "neither phone reaches the other phone's ends", "yogurt-4 got %d, yogurt-2 got %d", got_in_b, got_in_a);
	close(netns_b[0]);
	close(netns_b[1]);
	/* Back to the first phone alone: up converges and removes the second. */
	error = phone_up(&attack->suite->topology, quiet, &report, NULL);
	check(attack->suite, error == 0 && netns_inode("yogurt-3") == 0 && if_nametoindex("yg4-host") == 0 &&
		     phone_works(attack->suite) == 0,
	      "up with only the first phone removes the second and keeps the first working", "%s", report.message);
}

/* What the gate dropped is what `yogurt status -j` reports. */
static void counted_in_status(struct attack *attack)
{
	static char output[16384];
	char expected[96];
	int status = run_yogurt("status -j", output, sizeof(output)), depth = 0, balanced = 1;

	for (const char *c = output; *c; c++) {
		depth += (*c == '{' || *c == '[') - (*c == '}' || *c == ']');
		balanced &= depth >= 0;
	}
	format_string(expected, sizeof(expected), "\"dropped_not_from_wire\":{\"packets\":%llu,",
		      (unsigned long long)gate_drops(attack->ends[1].host_device));
	check(attack->suite, status == 0 && balanced && depth == 0 && strstr(output, "\"state\":\"up\"") &&
		     strstr(output, expected),
	      "status -j reports the gate's drops on yg2-host as JSON", "exit %d, looked for %s in %s", status, expected,
	      output);
}

void test_attacks(struct suite *suite)
{
	struct attack attack = { .suite = suite, .ends = suite->topology.phones[0].ends };
	struct in_addr host_v4 = { htonl(0x0a2a0064u) };		/* 10.42.0.100 */
	struct in6_addr host_v6 = { .s6_addr = { 0xfd, 0x42, [15] = 0x64 } };	/* fd42::64 */
	unsigned int yg2_host = if_nametoindex(attack.ends[1].host_device);
	int error;

	attack.netns[0] = netns_open(attack.ends[0].netns);
	attack.netns[1] = netns_open(attack.ends[1].netns);
	error = nl_open(&attack.host);
	if (error == 0)
		error = nl_address_add(&attack.host, yg2_host, AF_INET, &host_v4, 24);
	if (error == 0)
		error = nl_address_add(&attack.host, yg2_host, AF_INET6, &host_v6, 64);
	check(suite, error == 0, "host: addresses 10.42.0.100/24 and fd42::64/64, and their routes, on yg2-host",
	      "%s %s", strerror(-error), attack.host.error);
	routed(&attack, AF_INET);
	routed(&attack, AF_INET6);
	spoofed(&attack, AF_INET);
	spoofed(&attack, AF_INET6);
	injected(&attack, 1, AF_INET);
	injected(&attack, 1, AF_INET6);
	injected(&attack, 0, AF_INET);
	injected(&attack, 0, AF_INET6);
	segmented(&attack);
	tcp_segmented(&attack);
	intruder(&attack);
	two_phones(&attack);
	counted_in_status(&attack);
	nl_close(&attack.host);
	close(attack.netns[0]);
	close(attack.netns[1]);
}
