/* run.c — the list of checks, and running it: the namespace of the
 * selftest's own, the probe for netkit, one KTAP result per check, and the
 * summary. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "internal.h"
#include "../netns/netns.h"
#include "../syscalls/syscalls.h"

static const struct selftest_check checks[] = {
	{ "netkit_l3_forward", check_pair_shape, 0 },
	{ "netkit_l2_forward", check_pair_shape, 1 },
	{ "netkit_l3_blackhole", check_pair_shape, 2 },
	{ "netkit_l2_blackhole", check_pair_shape, 3 },
	{ "netkit_peer_netns", check_peer_elsewhere, 0 },
	{ "netkit_mtu", check_mtu, 0 },
	{ "netkit_delete_primary", check_delete_either_end, 0 },
	{ "netkit_delete_peer", check_delete_either_end, 1 },
	{ "netkit_scrub", check_scrub, 0 },
	{ "netkit_headroom", check_headroom, 0 },
	{ "bpf_load_primary", check_program_load, 0 },
	{ "bpf_load_peer", check_program_load, 1 },
	{ "bpf_link_primary", check_link_primary, 0 },
	{ "bpf_link_peer_eacces", check_link_refused, 0 },
	{ "bpf_link_lo_enxio", check_link_refused, 1 },
	{ "bpf_order_before_after", check_ordering, 0 },
	{ "bpf_link_update", check_link_update, 0 },
	{ "bpf_detach_on_close", check_detach_on_close, 0 },
	{ "codes_none_forward", check_return_code, CODE_NONE_FORWARD },
	{ "codes_none_blackhole", check_return_code, CODE_NONE_BLACKHOLE },
	{ "codes_next", check_return_code, CODE_NEXT },
	{ "codes_pass", check_return_code, CODE_PASS },
	{ "codes_drop", check_return_code, CODE_DROP },
	{ "codes_redirect", check_return_code, CODE_REDIRECT },
	{ "codes_unknown", check_return_code, CODE_UNKNOWN },
	{ "wire_ipv4", check_wire, WIRE_IPV4 },
	{ "wire_ipv6", check_wire, WIRE_IPV6 },
	{ "wire_full_mtu", check_wire, WIRE_FULL_MTU },
	{ "wire_tcp_gso", check_wire, WIRE_GSO },
	{ "wire_gate", check_wire, WIRE_GATE },
};
#define CHECK_COUNT (sizeof(checks) / sizeof(checks[0]))

static const char *const groups[] = { "netkit", "bpf", "codes", "wire" };
#define GROUP_COUNT (sizeof(groups) / sizeof(groups[0]))

/* Whether this kernel makes netkit devices: 0 no ("Unknown device type"),
 * 1 yes or cannot tell (then the checks say what goes wrong). */
static int has_netkit(struct selftest *selftest)
{
	struct netkit_pair request = { .primary_name = "yst-probe", .peer_name = "yst-probe-p",
				       .mode = NETKIT_L3, .peer_netns_fd = -1 };
	int error = nl_netkit_create(&selftest->host, &request);

	if (error == 0)
		nl_link_delete(&selftest->host, request.primary_name);
	return error != -EOPNOTSUPP;
}

/* Runs checks[index], or says why it cannot run: setup_error (the
 * selftest's namespace or rtnetlink failed), no netkit. */
static enum ktap_result run_check(struct selftest *selftest, size_t index, int setup_error,
				  int netkit)
{
	selftest->reason[0] = '\0';
	if (setup_error < 0)
		return KTAP_FAIL;	/* the caller has the words */
	if (!netkit)
		return skipping(selftest, "no netkit");
	return checks[index].run(selftest, checks[index].variant);
}

int selftest_run(int out)
{
	struct selftest selftest = { .host = { .fd = -1 } };
	unsigned ran[GROUP_COUNT] = { 0 }, total[GROUP_COUNT] = { 0 };
	char setup_words[FORMAT_ERROR_MAX] = "";
	uint64_t start = monotonic_us();
	struct utsname kernel;
	int setup_error, netkit = 0;

	ktap_start(&selftest.ktap, out, CHECK_COUNT);
	setup_error = netns_enter_new();
	if (setup_error < 0)
		format_string(setup_words, sizeof(setup_words), "entering a network namespace of "
			      "the selftest's own: %s%s", error_text(-setup_error),
			      setup_error == -EPERM ? " (it needs root: CAP_SYS_ADMIN)" : "");
	else if ((setup_error = nl_open(&selftest.host)) < 0)
		format_string(setup_words, sizeof(setup_words), "rtnetlink: %s",
			      error_text(-setup_error));
	else
		netkit = has_netkit(&selftest);
	for (size_t index = 0; index < CHECK_COUNT; index++) {
		enum ktap_result result;

		result = run_check(&selftest, index, setup_error, netkit);
		if (setup_error < 0)
			format_string(selftest.reason, sizeof(selftest.reason), "%s", setup_words);
		ktap_result(&selftest.ktap, result, checks[index].name, selftest.reason);
		for (size_t group = 0; group < GROUP_COUNT; group++) {
			size_t length = strlen(groups[group]);

			if (strncmp(groups[group], checks[index].name, length) != 0 ||
			    checks[index].name[length] != '_')
				continue;
			total[group]++;
			ran[group] += result != KTAP_SKIP;
		}
	}
	if (selftest.host.fd >= 0)
		nl_close(&selftest.host);
	if (uname(&kernel) < 0)
		memset(&kernel, 0, sizeof(kernel));
	ktap_diagnostic(&selftest.ktap, "yogurt selftest on Linux %s (%s): %u passed, %u failed, "
			"%u skipped in %llu ms; ran: netkit %u/%u, bpf %u/%u, codes %u/%u, "
			"wire %u/%u", kernel.release, kernel.machine, selftest.ktap.passed,
			selftest.ktap.failed, selftest.ktap.skipped,
			(unsigned long long)((monotonic_us() - start) / 1000), ran[0], total[0],
			ran[1], total[1], ran[2], total[2], ran[3], total[3]);
	ktap_diagnostic(&selftest.ktap, "Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0",
			selftest.ktap.passed, selftest.ktap.failed, selftest.ktap.skipped);
	return ktap_kselftest_status(&selftest.ktap);
}
