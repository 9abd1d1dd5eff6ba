/* config_tests.c — yogurt driven by configuration files: check -c on a good
 * file and on broken ones, up -c refusing a broken file without touching
 * anything, up -c converging from one set of phones to another, L2 netkit
 * phones, and /etc/yogurt.conf read when no -c is given. Runs last in the
 * main suite, on a machine with no phone up, and leaves it so. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>

#include "suite.h"
#include "format/format.h"
#include "nl/nl.h"

#define OUTPUT_SIZE 8192

/* A phone of a config file: its name and its ends' words. The file's lines
 * are made from these words, and the tests' own reading of them (phones.c)
 * says what must be on the machine. */
struct phone_words {
	const char *name;
	const char *ends[2];
};

/* Dual-stack, one end with its own MTU. */
static const struct phone_words alpha = { "alpha", {
	"netns=yogurt-a1 host=yga1-host device=yga1-cont address=10.43.0.1/24 address=fd43::1/64",
	"netns=yogurt-a2 host=yga2-host device=yga2-cont address=10.43.0.2/24 address=fd43::2/64 mtu=1400",
} };
/* IPv6 only; a device name of 15 bytes, the most IFNAMSIZ allows. */
static const struct phone_words beta = { "beta", {
	"netns=yogurt-b1 host=ygb1-host device=ygb1-container0 address=fd44::1/64",
	"netns=yogurt-b2 host=ygb2-host device=ygb2-cont address=fd44::2/64",
} };
static const struct phone_words gamma_ = { "gamma", {
	"netns=yogurt-c1 host=ygc1-host device=ygc1-cont address=10.45.0.1/24 address=fd45::1/64",
	"netns=yogurt-c2 host=ygc2-host device=ygc2-cont address=10.45.0.2/24 address=fd45::2/64",
} };
static const struct phone_words l2 = { "ethernet", {
	"netns=yogurt-l1 host=ygl1-host device=ygl1-cont address=10.46.0.1/24 address=fd46::1/64 mode=l2",
	"netns=yogurt-l2 host=ygl2-host device=ygl2-cont address=10.46.0.2/24 address=fd46::2/64 mode=l2",
} };
static const struct phone_words etc = { "etc", {
	"netns=yogurt-e1 host=yge1-host device=yge1-cont address=10.47.0.1/24",
	"netns=yogurt-e2 host=yge2-host device=yge2-cont address=10.47.0.2/24",
} };

/* A broken file, the line yogurt must name and the token it must quote. */
struct broken_file {
	const char *what, *text;
	unsigned line;
	const char *token;
};

static const struct broken_file broken_files[] = {
	{ "an IPv4 address 10.42.0.300/24",
	  "# an octet too large\n"
	  "phone office\n"
	  "end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\n"
	  "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.300/24\n",
	  4, "10.42.0.300/24" },
	{ "a device name of 16 bytes",
	  "phone office\n"
	  "end netns=yogurt-1 host=yg1-host device=yg1-container-16 address=10.42.0.1/24\n"
	  "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24\n",
	  2, "yg1-container-16" },
	{ "a namespace used twice",
	  "phone one\n"
	  "end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\n"
	  "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24\n"
	  "\n"
	  "phone two\n"
	  "end netns=yogurt-3 host=yg3-host device=yg3-cont address=10.42.1.1/24\n"
	  "end netns=yogurt-1 host=yg4-host device=yg4-cont address=10.42.1.2/24\n",
	  7, "yogurt-1" },
	{ "prefixes of the two ends of a phone overlapping",
	  "phone office\n"
	  "end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\n"
	  "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/16\n",
	  3, "10.42.0.2/16" },
	{ "an unknown key",
	  "phone office\n"
	  "end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24 colour=blue\n"
	  "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24\n",
	  2, "colour" },
};

#define BROKEN_COUNT (sizeof(broken_files) / sizeof(broken_files[0]))

static int write_config(const char *path, const struct phone_words *const *phones, size_t count)
{
	char text[4096];
	size_t length = 0;

	for (size_t index = 0; index < count; index++)
		length += format_string(text + length, sizeof(text) - length, "phone %s\nend %s\nend %s\n",
					phones[index]->name, phones[index]->ends[0], phones[index]->ends[1]);
	return length < sizeof(text) ? write_text_file(path, text) : -ENOSPC;
}

static struct phone as_phone(const struct phone_words *words)
{
	struct phone phone;

	if (phone_from_words(&phone, words->ends[0], words->ends[1], " ") < 0)
		memset(&phone, 0, sizeof(phone));	/* then nothing matches: the test fails */
	return phone;
}

/* yogurt's one line for a broken file: "yogurt: FILE:LINE: ..." quoting the token. */
static int names_the_error(const char *output, const char *path, const struct broken_file *broken)
{
	char prefix[128];

	format_string(prefix, sizeof(prefix), "yogurt: %s:%u: ", path, broken->line);
	return count_lines(output) == 1 && strncmp(output, prefix, strlen(prefix)) == 0 &&
	       strstr(output + strlen(prefix), broken->token) != NULL;
}

static void broken_path(char path[64], size_t index)
{
	format_string(path, 64, "/tmp/broken-%zu.conf", index + 1);
}

/* With the default phone up, so that "nothing changed" is about something. */
static void test_check(struct suite *suite)
{
	const struct phone_words *two[] = { &alpha, &beta };
	char output[OUTPUT_SIZE], before[SNAPSHOT_SIZE], after[SNAPSHOT_SIZE], path[64];
	int status;

	write_config("/tmp/good.conf", two, 2);
	snapshot(before);
	status = run_yogurt("check -c /tmp/good.conf", output, sizeof(output));
	snapshot(after);
	check(suite, status == 0 && strstr(output, "check: 2 phones, nothing wrong") && strcmp(before, after) == 0,
	      "config: check -c on a good file of two phones exits 0 and changes nothing", "exit %d: %s", status, output);
	for (size_t index = 0; index < BROKEN_COUNT; index++) {
		char name[256], command[96];

		broken_path(path, index);
		write_text_file(path, broken_files[index].text);
		/* -c goes anywhere on the command line: after the command, and before it. */
		format_string(command, sizeof(command), index % 2 ? "-c %s check" : "check -c %s", path);
		status = run_yogurt(command, output, sizeof(output));
		snapshot(after);
		format_string(name, sizeof(name), "config: check -c, %s: exit 1, one line naming %s:%u and \"%s\", "
			      "nothing changed", broken_files[index].what, path, broken_files[index].line,
			      broken_files[index].token);
		check(suite, status == 1 && names_the_error(output, path, &broken_files[index]) && strcmp(before, after) == 0,
		      name, "exit %d: %s", status, output);
	}
}

static void test_up_broken(struct suite *suite)
{
	char output[OUTPUT_SIZE] = "", before[SNAPSHOT_SIZE], after[SNAPSHOT_SIZE], path[64], command[96] = "";
	int all = 1, status = 0;

	snapshot(before);
	for (size_t index = 0; index < BROKEN_COUNT && all; index++) {
		broken_path(path, index);
		format_string(command, sizeof(command), "up -c %s", path);
		status = run_yogurt(command, output, sizeof(output));
		snapshot(after);
		all = status == 1 && names_the_error(output, path, &broken_files[index]) && strcmp(before, after) == 0;
	}
	check(suite, all && phone_works(suite) == 0,
	      "config: up -c on each broken file while the default phone is up: exit 1, one line naming file and line, "
	      "nothing changed, the phone still works", "%s: exit %d: %s", command, status, output);
}

static void test_mtu(struct suite *suite)
{
	uint32_t mtus[4] = {
		device_mtu(NULL, "yga1-host"), device_mtu("yogurt-a1", "yga1-cont"),
		device_mtu(NULL, "yga2-host"), device_mtu("yogurt-a2", "yga2-cont"),
	};

	check(suite, mtus[0] == 1500 && mtus[1] == 1500 && mtus[2] == 1400 && mtus[3] == 1400,
	      "config: mtu=1400 on one end: 1400 on both of its devices, 1500 on the other end's",
	      "yga1-host %u, yga1-cont %u, yga2-host %u, yga2-cont %u", mtus[0], mtus[1], mtus[2], mtus[3]);
}

/* With B up: status says both phones match; after gamma's host device is
 * deleted by hand, it names the end that differs (text and JSON). */
static void test_status_against_config(struct suite *suite)
{
	char output[OUTPUT_SIZE], json[OUTPUT_SIZE];
	struct nl_socket socket;
	int status, json_status;

	status = run_yogurt("status -c /tmp/b.conf", output, sizeof(output));
	json_status = run_yogurt("-c /tmp/b.conf status -j", json, sizeof(json));
	check(suite, status == 0 && occurrences(output, ": up, as configured\n") == 2 &&
		     strstr(output, "phone alpha (yogurt-a1 <-> yogurt-a2): up, as configured\n") &&
		     strstr(output, "\nstatus: 2 up, 0 differ, 0 down\n") && count_lines(output) == 3 &&
		     json_status == 0 && occurrences(json, "\"matches_config\":true") == 2,
	      "config: status -c B: a line per phone, both up, as configured, and the count (text and JSON)",
	      "exit %d, %d: %s\n%s", status, json_status, output, json);
	status = run_yogurt("-c /tmp/b.conf status -v", output, sizeof(output));
	check(suite, status == 0 && occurrences(output, "  state: up, as configured\n") == 2 &&
		     strstr(output, "ygc1-host (ifindex"),
	      "config: status -v: both phones in detail, then the netkit devices", "exit %d: %s", status,
	      output);
	status = run_yogurt("-c /tmp/b.conf status yogurt-c2", output, sizeof(output));
	check(suite, status == 0 && occurrences(output, "  state: up, as configured\n") == 1 &&
		     strstr(output, "phone yogurt-c1 <-> yogurt-c2\n") && !strstr(output, "yogurt-a1"),
	      "config: status NAMESPACE: that phone alone, in detail", "exit %d: %s", status, output);
	status = run_yogurt("-c /tmp/b.conf status nowhere", output, sizeof(output));
	check(suite, status == 1 && count_lines(output) == 1 && strstr(output, "no phone \"nowhere\""),
	      "config: status of a phone not in the configuration: exit 1, one line", "exit %d: %s", status,
	      output);
	if (nl_open(&socket) == 0) {
		nl_link_delete(&socket, "ygc1-host");
		nl_close(&socket);
	}
	status = run_yogurt("status -c /tmp/b.conf", output, sizeof(output));
	json_status = run_yogurt("status -j -c /tmp/b.conf", json, sizeof(json));
	check(suite, status == 0 && occurrences(output, ": up, as configured\n") == 1 &&
		     strstr(output, ": differs from the config: yogurt-c1: ygc1-host is missing\n") &&
		     strstr(output, "\nstatus: 1 up, 1 differs, 0 down\n") &&
		     strstr(json, "\"matches_config\":false,\"difference\":\"yogurt-c1: ygc1-host is missing\"") &&
		     occurrences(json, "\"matches_config\":true") == 1,
	      "config: status -c B after gamma's host device was deleted by hand: gamma differs, alpha matches",
	      "exit %d: %s\n%s", status, output, json);
	status = run_yogurt("up -c /tmp/b.conf", output, sizeof(output));
	json_status = run_yogurt("status -c /tmp/b.conf", json, sizeof(json));
	check(suite, status == 0 && occurrences(json, ": up, as configured\n") == 2,
	      "config: up -c B repairs gamma; status matches again", "exit %d: %s\n%s", status, output, json);
}

/* A: alpha and beta. B: alpha kept, beta dropped, gamma added. */
static void test_converge(struct suite *suite)
{
	const struct phone_words *a[] = { &alpha, &beta }, *b[] = { &alpha, &gamma_ };
	struct phone phone_alpha = as_phone(&alpha), phone_beta = as_phone(&beta), phone_gamma = as_phone(&gamma_);
	char output[OUTPUT_SIZE], why[256], before[SNAPSHOT_SIZE], after[SNAPSHOT_SIZE];
	unsigned alpha_ifindex[2];
	struct leftovers left;
	int status;

	write_config("/tmp/a.conf", a, 2);
	write_config("/tmp/b.conf", b, 2);
	status = run_yogurt("up -c /tmp/a.conf", output, sizeof(output));
	check(suite, status == 0 && occurrences(output, " ready in ") == 2 &&
		     configured_phone_present(&phone_alpha, why, sizeof(why)) &&
		     configured_phone_present(&phone_beta, why, sizeof(why)) &&
		     configured_phone_gone(&suite->topology.phones[0], why, sizeof(why)),
	      "config: up -c A (two phones) while the default phone is up builds both as configured and removes the "
	      "default phone", "exit %d: %s\n%s", status, why, output);
	check(suite, ping_across(&phone_alpha, why, sizeof(why)), "config: phone alpha carries ping and ping6 both ways",
	      "%s", why);
	check(suite, ping_across(&phone_beta, why, sizeof(why)),
	      "config: IPv6-only phone beta carries ping6 both ways", "%s", why);
	write_config("/tmp/beta.conf", a + 1, 1);
	status = run_yogurt("call -c /tmp/beta.conf", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "ICMPv6 echo yogurt-b1 -> yogurt-b2") && !strstr(output, "ICMP echo") &&
		     strstr(output, "TCP yogurt-b2 -> yogurt-b1") && strstr(output, "the gate dropped it"),
	      "config: call across the IPv6-only phone: ICMPv6, TCP and the host injection over IPv6", "exit %d: %s",
	      status, output);
	test_mtu(suite);

	alpha_ifindex[0] = if_nametoindex("yga1-host");
	alpha_ifindex[1] = if_nametoindex("yga2-host");
	status = run_yogurt("up -c /tmp/b.conf", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "up: phone yogurt-a1 <-> yogurt-a2 already up, nothing changed") &&
		     strstr(output, "up: phone yogurt-c1 <-> yogurt-c2 ready in") &&
		     strstr(output, "removed namespace yogurt-b1") && strstr(output, "removed namespace yogurt-b2"),
	      "config: up -c B (alpha kept, beta dropped, gamma added) leaves alpha alone, makes gamma, removes beta",
	      "exit %d: %s", status, output);
	check(suite, configured_phone_gone(&phone_beta, why, sizeof(why)) &&
		     configured_phone_present(&phone_alpha, why, sizeof(why)) &&
		     configured_phone_present(&phone_gamma, why, sizeof(why)) &&
		     if_nametoindex("yga1-host") == alpha_ifindex[0] && if_nametoindex("yga2-host") == alpha_ifindex[1],
	      "config: after up -c B beta's namespaces, devices and pins are gone; alpha (the same devices) and gamma "
	      "are there", "%s (alpha's host devices: ifindex %u %u, before %u %u)", why, if_nametoindex("yga1-host"),
	      if_nametoindex("yga2-host"), alpha_ifindex[0], alpha_ifindex[1]);
	check(suite, ping_across(&phone_gamma, why, sizeof(why)) && ping_across(&phone_alpha, why, sizeof(why)),
	      "config: after up -c B gamma and alpha carry ping and ping6 both ways", "%s", why);

	snapshot(before);
	status = run_yogurt("up -c /tmp/b.conf", output, sizeof(output));
	snapshot(after);
	check(suite, status == 0 && count_lines(output) == 2 && occurrences(output, "already up, nothing changed") == 2 &&
		     strcmp(before, after) == 0,
	      "config: up -c B again: both phones already up, nothing changed", "exit %d: %s", status, output);

	test_status_against_config(suite);

	status = run_yogurt("down", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && left.namespaces == 0 && left.devices == 0 && left.pins == 0,
	      "config: down removes the phones up -c made: no yogurt namespace, device or pin left",
	      "exit %d, left: %d namespaces, %d devices, pins %d\n%s", status, left.namespaces, left.devices, left.pins,
	      output);
}

/* netkit in L2 mode: Ethernet headers with real MAC addresses, ARP and
 * neighbour discovery, all of it over the wire. */
static void test_l2(struct suite *suite)
{
	const struct phone_words *one[] = { &l2 };
	struct phone phone = as_phone(&l2);
	char output[OUTPUT_SIZE], why[256];
	uint64_t passed[2];
	int status;

	write_config("/tmp/l2.conf", one, 1);
	status = run_yogurt("up -c /tmp/l2.conf", output, sizeof(output));
	check(suite, status == 0 && configured_phone_present(&phone, why, sizeof(why)),
	      "config: up -c of a phone with mode=l2 on both ends builds L2 netkit pairs", "exit %d: %s\n%s", status, why,
	      output);
	passed[0] = wire_passed("ygl1-host");
	passed[1] = wire_passed("ygl2-host");
	/* The gates passed what the pings (and ARP, neighbour discovery) sent:
	 * the frames went over the wire, the only way across. */
	check(suite, ping_across(&phone, why, sizeof(why)) && wire_passed("ygl1-host") > passed[0] &&
		     wire_passed("ygl2-host") > passed[1],
	      "config: the L2 phone carries ping and ping6 both ways, over the wire", "%s (wire passed %llu -> %llu, "
	      "%llu -> %llu)", why, (unsigned long long)passed[0], (unsigned long long)wire_passed("ygl1-host"),
	      (unsigned long long)passed[1], (unsigned long long)wire_passed("ygl2-host"));
	run_yogurt("down", output, sizeof(output));
}

static void test_etc(struct suite *suite)
{
	const struct phone_words *one[] = { &etc };
	struct phone phone = as_phone(&etc);
	char output[OUTPUT_SIZE], status_output[OUTPUT_SIZE], why[256];
	struct leftovers left;
	int status, status_status;

	if (mkdir("/etc", 0755) < 0 && errno != EEXIST)
		printf("# mkdir /etc: %s\n", strerror(errno));
	write_config(CONFIG_DEFAULT_PATH, one, 1);
	status = run_yogurt("up", output, sizeof(output));
	status_status = run_yogurt("status -v", status_output, sizeof(status_output));
	check(suite, status == 0 && configured_phone_present(&phone, why, sizeof(why)) &&
		     configured_phone_gone(&suite->topology.phones[0], why, sizeof(why)) && status_status == 0 &&
		     strstr(status_output, "phone yogurt-e1 <-> yogurt-e2") && ping_across(&phone, why, sizeof(why)),
	      "config: up and status without -c use the phone of /etc/yogurt.conf, not the default one",
	      "up exit %d, status exit %d: %s\n%s", status, status_status, why, output);
	unlink(CONFIG_DEFAULT_PATH);
	status = run_yogurt("down", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && left.namespaces == 0 && left.devices == 0 && left.pins == 0,
	      "config: with /etc/yogurt.conf gone, down removes that phone from yogurt's records: nothing left",
	      "exit %d, left: %d namespaces, %d devices, pins %d\n%s", status, left.namespaces, left.devices, left.pins,
	      output);
}

void test_config(struct suite *suite)
{
	char output[OUTPUT_SIZE];
	int status;

	run_yogurt("down", output, sizeof(output));
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && phone_works(suite) == 0,
	      "config: without /etc/yogurt.conf up builds the default phone", "exit %d: %s", status, output);
	test_check(suite);
	test_up_broken(suite);
	test_converge(suite);
	test_l2(suite);
	test_etc(suite);
}
