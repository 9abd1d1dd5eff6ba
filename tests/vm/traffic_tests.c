/* traffic_tests.c — the call beyond ping: bulk TCP checksummed end to end,
 * UDP both ways, full-MTU packets, and packets larger than the MTU. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "suite.h"
#include "netns/netns.h"

static uint64_t fnv1a(uint64_t hash, const unsigned char *data, size_t length)
{
	for (size_t index = 0; index < length; index++)
		hash = (hash ^ data[index]) * 0x100000001b3ull;
	return hash;
}

/* Child side of a bulk transfer: reads total bytes, answers with their hash. */
static void bulk_receiver(int listener, size_t total)
{
	static unsigned char buffer[1 << 16];
	uint64_t hash = 0xcbf29ce484222325ull;
	int connection = probe_tcp_accept(listener, 10000);
	size_t received = 0;

	if (connection < 0)
		_exit(2);
	while (received < total) {
		struct pollfd entry = { .fd = connection, .events = POLLIN };
		ssize_t got;

		if (poll(&entry, 1, 10000) <= 0)
			_exit(3);
		got = recv(connection, buffer, sizeof(buffer), 0);
		if (got == 0 || (got < 0 && errno != EAGAIN))
			_exit(4);
		if (got > 0) {
			hash = fnv1a(hash, buffer, (size_t)got);
			received += (size_t)got;
		}
	}
	_exit(probe_send_all(connection, &hash, sizeof(hash), 10000) == 0 ? 0 : 5);
}

int tcp_transfer(int netns_from, int netns_to, const union probe_address *endpoint, size_t total, uint64_t *elapsed_us)
{
	uint64_t hash = 0xcbf29ce484222325ull, answer = 0, state = 0x9e3779b97f4a7c15ull;
	static unsigned char chunk[1 << 16];
	int listener, connection = -1, status = -1, error;
	struct timespec start, end;
	pid_t child = -1;

	error = listener = probe_tcp_listen(netns_to, endpoint);
	if (error >= 0 && (child = fork()) == 0)
		bulk_receiver(listener, total);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (error >= 0)
		error = connection = probe_tcp_connect(netns_from, endpoint, 5000);
	for (size_t sent = 0; error >= 0 && sent < total; sent += sizeof(chunk)) {
		for (size_t index = 0; index < sizeof(chunk); index += 8) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			memcpy(chunk + index, &state, 8);
		}
		hash = fnv1a(hash, chunk, sizeof(chunk));
		error = probe_send_all(connection, chunk, sizeof(chunk), 10000);
	}
	if (error >= 0)
		error = probe_receive_all(connection, &answer, sizeof(answer), 20000);
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (child > 0)
		waitpid(child, &status, 0);
	if (elapsed_us)
		*elapsed_us = (uint64_t)((end.tv_sec - start.tv_sec) * 1000000 + (end.tv_nsec - start.tv_nsec) / 1000);
	for (int *fd = (int[]){ listener, connection, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	if (error >= 0 && (status != 0 || answer != hash))
		error = -EBADMSG;
	return error < 0 ? error : 0;
}

/* Sends total bytes from one end of the phone to the other. */
static void test_bulk(struct suite *suite, int from, size_t total, uint16_t port, const char *name)
{
	const struct phone *phone = &suite->topology.phones[0];
	int netns_from = netns_open(phone->ends[from].netns), netns_to = netns_open(phone->ends[!from].netns);
	union probe_address endpoint;
	int error;

	probe_endpoint(&endpoint, AF_INET, phone->ends[!from].addresses[PHONE_IPV4].bytes, port);
	error = tcp_transfer(netns_from, netns_to, &endpoint, total, NULL);
	check(suite, error == 0, name, "%s", strerror(-error));
	close(netns_from);
	close(netns_to);
}

/* A datagram of size bytes from one end to the other; with dont_fragment,
 * the sender asks for path MTU discovery (IP_PMTUDISC_DO). Returns the
 * length received, or a negative errno (from send or receive). */
static int udp_across(struct suite *suite, int from, int family, size_t size, int dont_fragment, uint16_t port)
{
	const struct phone *phone = &suite->topology.phones[0];
	const void *to = phone->ends[!from].addresses[phone_family_index(family)].bytes;
	int netns_from = netns_open(phone->ends[from].netns), netns_to = netns_open(phone->ends[!from].netns);
	static unsigned char sent[9000], received[9000];
	union probe_address endpoint;
	int listener, sender, result;

	for (size_t index = 0; index < size; index++)
		sent[index] = (unsigned char)(index * 7 + 1);
	probe_endpoint(&endpoint, family, to, port);
	listener = probe_udp_bind(netns_to, &endpoint);
	sender = netns_socket(netns_from, family, SOCK_DGRAM, 0);
	result = listener < 0 ? listener : sender;
	if (result >= 0 && dont_fragment) {
		int value = family == AF_INET6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;

		setsockopt(sender, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   family == AF_INET6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &value, sizeof(value));
	}
	if (result >= 0 && sendto(sender, sent, size, 0, &endpoint.any, probe_endpoint_size(&endpoint)) < 0)
		result = -errno;
	if (result >= 0)
		result = probe_receive_datagram(listener, received, sizeof(received), 2000);
	if (result >= 0 && ((size_t)result != size || memcmp(sent, received, size) != 0))
		result = -EBADMSG;
	for (int *fd = (int[]){ netns_from, netns_to, listener, sender, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	return result;
}

static void test_full_mtu_ping(struct suite *suite, int family, size_t payload, const char *name)
{
	const struct phone *phone = &suite->topology.phones[0];
	const void *to = phone->ends[1].addresses[phone_family_index(family)].bytes;
	int netns = netns_open(phone->ends[0].netns);
	int error = netns < 0 ? netns : probe_ping(netns, family, to, payload, 3000, NULL);

	check(suite, error == 0, name, "%s", strerror(-error));
	if (netns >= 0)
		close(netns);
}

void test_traffic(struct suite *suite)
{
	int result;

	test_bulk(suite, 0, 64u << 20, 4300, "TCP 64 MiB yogurt-1 -> yogurt-2, checksum matches end to end");
	test_bulk(suite, 1, 8u << 20, 4301, "TCP 8 MiB yogurt-2 -> yogurt-1, checksum matches end to end");
	result = udp_across(suite, 0, AF_INET, 512, 0, 4400);
	check(suite, result == 512, "UDP yogurt-1 -> yogurt-2 arrives intact", "result %d", result);
	result = udp_across(suite, 1, AF_INET6, 512, 0, 4401);
	check(suite, result == 512, "UDP over IPv6 yogurt-2 -> yogurt-1 arrives intact", "result %d", result);
	/* 1472 + 8 (ICMP) + 20 (IPv4) = 1452 + 8 + 40 (IPv6) = the 1500 MTU. */
	test_full_mtu_ping(suite, AF_INET, 1472, "full-MTU ICMP echo (1500-byte packets)");
	test_full_mtu_ping(suite, AF_INET6, 1452, "full-MTU ICMPv6 echo (1500-byte packets)");
	result = udp_across(suite, 0, AF_INET, 4000, 0, 4402);
	check(suite, result == 4000, "a 4000-byte UDP datagram is fragmented and reassembled across the wire",
	      "result %d", result);
	result = udp_across(suite, 0, AF_INET, 4000, 1, 4403);
	check(suite, result == -EMSGSIZE, "the same with don't-fragment is refused with EMSGSIZE, as on any 1500-MTU device",
	      "result %d", result);
	result = udp_across(suite, 1, AF_INET6, 4000, 0, 4404);
	check(suite, result == 4000, "a 4000-byte UDP datagram over IPv6 is fragmented and reassembled", "result %d",
	      result);
}
