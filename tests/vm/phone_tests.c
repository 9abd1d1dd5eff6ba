/* phone_tests.c — the phone as yogurt (PID 1) built it, and its lifecycle
 * driven through /bin/yogurt as a user would: up, down, up again, rollback. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>

#include "suite.h"
#include "bpf/bpf.h"
#include "format/format.h"
#include "netns/netns.h"

static int attached(const char *device, uint32_t attach_type)
{
	uint32_t ids[4], count = 0;
	unsigned int ifindex = if_nametoindex(device);

	if (ifindex == 0 || bpf_netkit_query(ifindex, attach_type, ids, 4, &count) < 0)
		return -1;
	return (int)count;
}

static void test_ping(struct suite *suite, int from, int family, const char *name)
{
	const struct phone *phone = &suite->topology.phones[0];
	const void *to = phone->ends[!from].addresses[phone_family_index(family)].bytes;
	int netns = netns_open(phone->ends[from].netns);
	int error = netns < 0 ? netns : probe_ping(netns, family, to, 56, 3000, NULL);

	check(suite, error == 0, name, "%s", strerror(-error));
	if (netns >= 0)
		close(netns);
}

void test_phone(struct suite *suite)
{
	const struct phone *phone = &suite->topology.phones[0];
	char output[4096], line[200];
	int status, all = 1;

	for (int side = 0; side < 2; side++) {
		char path[128];

		format_string(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, phone->ends[side].netns);
		all &= path_exists(path) && if_nametoindex(phone->ends[side].host_device) != 0;
		format_string(path, sizeof(path), "%s/%s/primary", PHONE_PIN_ROOT, phone->ends[side].host_device);
		all &= path_exists(path);
		format_string(path, sizeof(path), "%s/%s/peer", PHONE_PIN_ROOT, phone->ends[side].host_device);
		all &= path_exists(path);
	}
	check(suite, all, "boot: yogurt as PID 1 built namespaces, devices and pins",
	      "something is missing");
	all = 1;
	for (int side = 0; side < 2; side++)
		all &= attached(phone->ends[side].host_device, BPF_NETKIT_PRIMARY) == 1 &&
		       attached(phone->ends[side].host_device, BPF_NETKIT_PEER) == 1;
	check(suite, all, "boot: one primary and one peer program on each host-side device", NULL);
	status = run_yogurt("status -v", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "wire_primary") && strstr(output, "wire_peer") &&
		     strstr(output, "state: up") && strstr(output, "10.42.0.2/24") &&
		     strstr(output, "fd42::2/64"),
	      "status reads the phone back from the kernel", "exit %d: %s", status,
	      first_line(output, line, sizeof(line)));
	test_ping(suite, 0, AF_INET, "ping yogurt-1 -> yogurt-2");
	test_ping(suite, 1, AF_INET, "ping yogurt-2 -> yogurt-1");
	test_ping(suite, 0, AF_INET6, "ping6 yogurt-1 -> yogurt-2");
	test_ping(suite, 1, AF_INET6, "ping6 yogurt-2 -> yogurt-1");
	status = run_yogurt("call", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "7 of 7 steps passed"), "yogurt call passes",
	      "exit %d", status);
	if (status != 0)
		printf("%s", output);
	status = run_yogurt("watch 1", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "watch: second 1") && strstr(output, "yg1-host") &&
		     strstr(output, "yg2-host") && strstr(output, "not from the wire"),
	      "watch shows a second of each wire's counters", "exit %d: %s", status, output);
}

/* A namespace named like the second yogurt exists (not ours): up must fail
 * in one line (exit 1: yogurt's refusal, not the kernel's), remove
 * everything it made, and leave that namespace alone; status then says the
 * phone differs, since a piece of it (that name) is there. */
static void test_rollback(struct suite *suite)
{
	char output[4096];
	struct leftovers left;
	int status, error = netns_add("yogurt-2");

	status = run_yogurt("up", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, error == 0 && status == 1 && count_lines(output) == 1 &&
		     strstr(output, "yogurt-2") && strstr(output, "did not make it"),
	      "up with yogurt-2 taken by somebody else fails in one line naming it, exit 1",
	      "exit %d: %s", status, output);
	check(suite, left.namespaces == 1 && left.devices == 0 && left.pins == 0 &&
		     path_exists(NETNS_RUN_DIR "/yogurt-2"),
	      "the failed up rolled back and left the foreign yogurt-2 alone",
	      "left: %d namespaces, %d devices, pins %d", left.namespaces, left.devices, left.pins);
	status = run_yogurt("status -j", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "\"state\":\"differs\",\"matches_config\":false"),
	      "status -j with only a namespace of that name there: state differs", "exit %d: %s",
	      status, output);
	netns_delete("yogurt-2");
}

void test_lifecycle(struct suite *suite)
{
	char output[4096], line[300];
	struct leftovers left;
	int status;

	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "already up, nothing changed"),
	      "up on a phone that is up changes nothing and succeeds", "exit %d: %s", status, output);
	test_ping(suite, 0, AF_INET, "the phone still works after the second up");
	status = run_yogurt("down", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && left.namespaces == 0 && left.devices == 0 && left.pins == 0,
	      "down leaves no namespace, device or pin",
	      "exit %d, left: %d namespaces, %d devices, pins %d", status, left.namespaces,
	      left.devices, left.pins);
	status = run_yogurt("status", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "phone yogurt-1 <-> yogurt-2: down, none of it is there\n"),
	      "status after down: the phone is down, none of it is there", "exit %d: %s", status,
	      output);
	status = run_yogurt("status -j", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "{\"state\":\"down\",\"matches_config\":false,"),
	      "status -j after down: state down", "exit %d: %s", status, output);
	status = run_yogurt("down", output, sizeof(output));
	check(suite, status == 0, "down with nothing up succeeds", "exit %d: %s", status,
	      first_line(output, line, sizeof(line)));
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "ready in"), "up as a process exits 0",
	      "exit %d: %s", status, first_line(output, line, sizeof(line)));
	printf("# %s", output);
	test_ping(suite, 0, AF_INET, "after up exited: ping yogurt-1 -> yogurt-2");
	test_ping(suite, 1, AF_INET6, "after up exited: ping6 yogurt-2 -> yogurt-1");
	status = run_yogurt("call", output, sizeof(output));
	check(suite, status == 0, "after up exited: yogurt call passes", "exit %d", status);
	run_yogurt("down", output, sizeof(output));
	test_rollback(suite);
}

/* On a kernel without netkit (vmtest.no_netkit=1, Debian's 6.1): yogurt as
 * PID 1 could not build the phone but handed over all the same; up refuses
 * in one line naming what is missing and leaves nothing behind. */
void test_no_netkit(struct suite *suite)
{
	char output[4096];
	struct leftovers left = look_for_leftovers();
	int status;

	check(suite, left.namespaces == 0 && left.devices == 0,
	      "no netkit: PID 1 handed over to the real init with nothing half-built",
	      "%d namespaces, %d devices", left.namespaces, left.devices);
	status = run_yogurt("up", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 2 && count_lines(output) == 1 && strstr(output, "CONFIG_NETKIT") &&
		     strstr(output, "6.7") && left.namespaces == 0 && left.devices == 0,
	      "no netkit: up exits 2 with one line naming CONFIG_NETKIT and Linux >= 6.7, leaving nothing",
	      "exit %d: %s", status, output);
	printf("# %s", output);
	status = run_yogurt("down", output, sizeof(output));
	check(suite, status == 0, "no netkit: down with nothing up succeeds", "exit %d: %s", status,
	      output);
}
