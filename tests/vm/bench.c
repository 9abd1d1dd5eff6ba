/* bench.c — figures, not assertions (vmtest.bench=N): the time `yogurt up`
 * takes, the translated instruction count of each wire hook, and TCP
 * throughput over the wire against a plain veth pair between two
 * namespaces in the same VM. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "suite.h"
#include "bpf/bpf.h"
#include "netns/netns.h"
#include "nl/nl.h"
#include "syscalls/syscalls.h"
#include "format/format.h"

#define BENCH_BYTES (64u << 20)

static void bench_up(int rounds)
{
	char output[4096], line[200];

	for (int round = 1; round <= rounds; round++) {
		run_yogurt("down", output, sizeof(output));
		run_yogurt("up", output, sizeof(output));
		printf("bench: round %d: %s\n", round, first_line(output, line, sizeof(line)));
	}
}

static void bench_instructions(const char *device)
{
	static const struct { const char *hook; uint32_t type; } hooks[] = {
		{ "primary", BPF_NETKIT_PRIMARY }, { "peer", BPF_NETKIT_PEER },
	};

	for (size_t index = 0; index < 2; index++) {
		struct bpf_prog_info info;
		uint32_t id, count = 0;

		if (bpf_netkit_query(if_nametoindex(device), hooks[index].type, &id, 1, &count) < 0 || count == 0 ||
		    bpf_program_info(id, &info, NULL, NULL) < 0)
			continue;
		printf("bench: netkit/%s (%s) translated instructions %u, JITed %u bytes\n", hooks[index].hook,
		       info.name, info.xlated_prog_len / 8, info.jited_prog_len);
	}
}

/* veth-a in bench-a (10.44.0.1/24) <-> veth-b in bench-b (10.44.0.2/24). */
static int veth_pair(int netns[2])
{
	static const char *const names[2] = { "veth-a", "veth-b" }, *const spaces[2] = { "bench-a", "bench-b" };
	struct nl_socket host;
	int error = nl_open(&host);

	if (error == 0)
		error = veth_pair_create(&host, names[0], names[1]);
	for (int side = 0; side < 2 && error == 0; side++) {
		struct in_addr address = { htonl(0x0a2c0001u + (uint32_t)side) };	/* 10.44.0.1, .2 */
		struct nl_socket inside;
		uint32_t ifindex, lo;

		error = netns_add(spaces[side]);
		if (error == 0)
			error = netns[side] = netns_open(spaces[side]);
		if (error >= 0)
			error = nl_link_index(&host, names[side], &ifindex);
		if (error >= 0)
			error = nl_link_set_netns(&host, ifindex, netns[side]);
		if (error >= 0 && (error = nl_open_in_netns(&inside, netns[side])) == 0) {
			error = nl_link_index(&inside, "lo", &lo);
			if (error == 0)
				error = nl_link_set_up(&inside, lo);
			if (error == 0)
				error = nl_link_index(&inside, names[side], &ifindex);
			if (error == 0)
				error = nl_address_add(&inside, ifindex, AF_INET, &address, 24);
			if (error == 0)
				error = nl_link_set_up(&inside, ifindex);
			nl_close(&inside);
		}
	}
	if (error < 0)
		printf("bench: veth pair: %s %s\n", strerror(-error), host.error);
	nl_close(&host);
	return error < 0 ? error : 0;
}

/* Best of three 64 MiB transfers, in MB/s (0 if none went through). */
static uint64_t throughput(int netns_from, int netns_to, const union probe_address *endpoint)
{
	uint64_t best = 0;

	for (int run = 0; run < 3; run++) {
		uint64_t elapsed_us = 0;

		if (tcp_transfer(netns_from, netns_to, endpoint, BENCH_BYTES, &elapsed_us) == 0 && elapsed_us > 0 &&
		    BENCH_BYTES / elapsed_us > best)
			best = BENCH_BYTES / elapsed_us;	/* bytes per microsecond = MB/s */
	}
	return best;
}

static void bench_throughput(struct suite *suite)
{
	const struct phone *phone = &suite->topology.phones[0];
	struct in_addr veth_b = { htonl(0x0a2c0002u) };
	int phone_netns[2] = { netns_open(phone->ends[0].netns), netns_open(phone->ends[1].netns) };
	int veth_netns[2] = { -1, -1 };
	union probe_address endpoint;
	uint64_t wire, veth;

	/* veth is a module on Debian's kernel: PID 1 loaded it from the image. */
	if (veth_pair(veth_netns) < 0)
		return;
	probe_endpoint(&endpoint, AF_INET, phone->ends[1].addresses[PHONE_IPV4].bytes, 4800);
	wire = throughput(phone_netns[0], phone_netns[1], &endpoint);
	probe_endpoint(&endpoint, AF_INET, &veth_b, 4801);
	veth = throughput(veth_netns[0], veth_netns[1], &endpoint);
	printf("bench: TCP throughput, best of 3 x 64 MiB: wire %llu MB/s, veth %llu MB/s, ratio %llu%%\n",
	       (unsigned long long)wire, (unsigned long long)veth, veth ? (unsigned long long)(wire * 100 / veth) : 0ull);
}

/* Kernel calls (the injection points of crash_tests.c) of up and down, for
 * the default phone and for ten phones. */
static void bench_calls(void)
{
	char text[4096], output[4096];
	size_t length = 0;
	struct injection up = { .at = 0 }, down = { .at = 0 };

	for (int index = 0; index < 10; index++)
		length += format_string(text + length, sizeof(text) - length,
					"phone\nend netns=yogurt-b%d1 host=ygb%d1-host device=ygb%d1-cont "
					"address=10.70.%d.1/24\nend netns=yogurt-b%d2 host=ygb%d2-host "
					"device=ygb%d2-cont address=10.70.%d.2/24\n", index, index, index,
					index, index, index, index, index);
	write_text_file("/tmp/bench-ten.conf", text);
	run_yogurt("down", output, sizeof(output));
	run_yogurt_injected("up", &up, output, sizeof(output));
	run_yogurt_injected("down", &down, output, sizeof(output));
	printf("bench: kernel calls, default phone: up %d, down %d\n", up.calls, down.calls);
	run_yogurt_injected("up -c /tmp/bench-ten.conf", &up, output, sizeof(output));
	run_yogurt_injected("down", &down, output, sizeof(output));
	printf("bench: kernel calls, 10 phones: up %d (%d per phone), down %d\n", up.calls,
	       up.calls / 10, down.calls);
}

/* What the records cost: the appends up makes for a phone (a namespace
 * and a device line per end: write + fdatasync each), and reading them
 * back, timed over 1,000 phones with yogurt's own functions. */
static void bench_records(void)
{
	enum { PHONES = 1000 };
	struct report report = { .message = "" };
	struct owned owned = { .fd = -1 };
	uint64_t start, appended, loaded;
	char output[4096];
	int error = 0;

	run_yogurt("down", output, sizeof(output));
	start = monotonic_us();
	for (int index = 0; index < PHONES * PHONE_ENDS && error == 0; index++) {
		struct owned_end end = { .mount_point_inode = 1000u + (unsigned)index,
					 .netns_inode = 4026540000u + (unsigned)index,
					 .host_ifindex = 100u + (unsigned)index };

		format_string(end.netns, sizeof(end.netns), "bench-%d", index);
		format_string(end.host_device, sizeof(end.host_device), "ygr%d", index);
		error = owned_record_netns(&owned, &end, &report);
		if (error == 0)
			error = owned_record_device(&owned, &end, &report);
	}
	appended = monotonic_us() - start;
	close(owned.fd);
	memset(&owned, 0, sizeof(owned));
	start = monotonic_us();
	error = error ? error : owned_load(&owned, &report);
	loaded = monotonic_us() - start;
	if (error == 0 && owned.count != PHONES * PHONE_ENDS)
		error = -EBADMSG;
	if (owned.fd >= 0)
		close(owned.fd);
	memory_arena_free(&owned.arena);
	unlink(PHONE_STATE_DIR "/owned");
	if (error < 0)
		printf("bench: records: %s %s\n", strerror(-error), report.message);
	else
		printf("bench: records, per phone (of 1,000): appending %llu us (4 lines, each write + "
		       "fdatasync), reading back %llu us\n", (unsigned long long)(appended / PHONES),
		       (unsigned long long)(loaded / PHONES));
}

void bench(struct suite *suite, int rounds)
{
	bench_calls();
	bench_records();
	bench_up(rounds);
	bench_instructions(suite->topology.phones[0].ends[0].host_device);
	bench_throughput(suite);
}
