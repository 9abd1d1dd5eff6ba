/* test_config.c — the config parser and the topology checks (phone/config.c,
 * phone/config_check.c): good configs read to the right structures, every
 * error is the expected one line, nothing odd makes the parser read out of
 * bounds. KTAP lines (tests/ktap.h); exits 1 on a failure. tests/host/run.sh
 * builds it with the Makefile's HOST_CFLAGS and the parser's sources.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phone/phone.h"
#include "phone/internal.h"
#include "syscalls/uapi_compat.h"
#include "tests/ktap.h"

static const char default_config[] =
	"phone\n"
	"end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24 address=fd42::1/64\n"
	"end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24 address=fd42::2/64\n";

/* Reads text into topology (zeroed, or holding phones it frees first). */
static int parse(struct topology *topology, const char *text, struct report *report)
{
	topology_free(topology);
	memset(report, 0, sizeof(*report));
	return config_parse(topology, text, strlen(text), "yogurt.conf", report);
}

/* text must be refused with exactly `expected`, leaving no phone. */
static void expect_error(struct ktap *ktap, const char *name, const char *text,
			 const char *expected)
{
	struct topology topology = { 0 };
	struct report report;
	int error = parse(&topology, text, &report);
	int ok = error == -EINVAL && strcmp(report.message, expected) == 0 && topology.count == 0;

	ktap_check(ktap, ok, name, "expected: %s\n     got: %s (%d)", expected, report.message, error);
	topology_free(&topology);
}

static void expect_good(struct ktap *ktap, const char *name, const char *text)
{
	struct topology topology = { 0 };
	struct report report;
	int error = parse(&topology, text, &report);

	ktap_check(ktap, error == 0, name, "%s", report.message);
	topology_free(&topology);
}

/* The same phones, in the same order. */
static int same_phones(const struct topology *a, const struct topology *b)
{
	return a->count == b->count &&
	       memcmp(a->phones, b->phones, a->count * sizeof(*a->phones)) == 0;
}

/* The end's two addresses are exactly these (NULL and 0: none). */
static int address_is(const struct phone_end *end, const char *ipv4, unsigned prefix,
		      const char *ipv6, unsigned prefix6)
{
	struct phone_address expected[PHONE_FAMILIES] = {
		[PHONE_IPV4] = { .prefix_length = (uint8_t)prefix },
		[PHONE_IPV6] = { .prefix_length = (uint8_t)prefix6 },
	};

	if (ipv4)
		inet_pton(AF_INET, ipv4, expected[PHONE_IPV4].bytes);
	if (ipv6)
		inet_pton(AF_INET6, ipv6, expected[PHONE_IPV6].bytes);
	return memcmp(end->addresses, expected, sizeof(expected)) == 0;
}

static void test_default_phone(struct ktap *ktap)
{
	struct topology expected = { 0 }, topology = { 0 };
	struct report report = { 0 };

	topology_default(&expected);
	ktap_check(ktap, parse(&topology, default_config, &report) == 0 &&
		   same_phones(&topology, &expected),
		   "the default phone written as a config reads to topology_default()", "%s", report.message);
}

static void test_two_phones(struct ktap *ktap)
{
	static const char text[] =
		"phone office\n"
		"end netns=a host=a-host device=a-cont address=fd42:1::1/64 mtu=9000\n"
		"end netns=b host=b-host device=b-cont address=fd42:1:0:0:0:0:0:2/64 mtu=9000\n"
		"phone lab-2.x_y\n"
		"end netns=c host=c-host device=c-cont address=fd42:2::a/120 address=192.168.7.1/30 mode=l2\n"
		"end netns=d host=d-host device=d-cont address=192.168.7.2/30 address=FD42:2::B/120 mode=l2\n";
	struct topology topology = { 0 };
	struct report report;
	int error = parse(&topology, text, &report);
	const struct phone *first = &topology.phones[0], *second = &topology.phones[1];

	ktap_check(ktap, error == 0 && topology.count == 2, "two phones with IPv6 read", "%s",
		   report.message);
	ktap_check(ktap, strcmp(first->name, "office") == 0 && strcmp(second->name, "lab-2.x_y") == 0,
		   "phone names", NULL);
	ktap_check(ktap, address_is(&first->ends[0], NULL, 0, "fd42:1::1", 64) &&
		   address_is(&first->ends[1], NULL, 0, "fd42:1::2", 64) &&
		   address_is(&second->ends[0], "192.168.7.1", 30, "fd42:2::a", 120) &&
		   address_is(&second->ends[1], "192.168.7.2", 30, "fd42:2::b", 120),
		   "addresses and prefixes, IPv6 only and both, upper-case hex", NULL);
	ktap_check(ktap, first->ends[0].mtu == 9000 && first->ends[1].mtu == 9000 &&
		   second->ends[0].mtu == 0 && first->ends[0].mode == NETKIT_L3 &&
		   second->ends[0].mode == NETKIT_L2 && second->ends[1].mode == NETKIT_L2, "mtu and mode",
		   NULL);
	ktap_check(ktap, strcmp(second->ends[1].netns, "d") == 0 &&
		   strcmp(second->ends[1].host_device, "d-host") == 0 &&
		   strcmp(second->ends[1].device, "d-cont") == 0, "names", NULL);
}

static void test_ipv6_forms(struct ktap *ktap)
{
	static const char *const forms[][2] = {
		{ "::2/64", "::2" },
		{ "fd42::/64", NULL },		/* the network address: refused, see below */
		{ "1:2:3:4:5:6:7:8/64", "1:2:3:4:5:6:7:8" },
		{ "1::8/64", "1::8" },
		{ "1:2:3:4:5:6::8/64", "1:2:3:4:5:6:0:8" },	/* RFC 5952: one zero group stays */
		{ "0:0:0:0:0:0:0:2/127", "::2" },
	};
	for (size_t index = 0; index < sizeof(forms) / sizeof(forms[0]); index++) {
		char text[512], name[128];
		struct topology topology = { 0 };
		struct report report;
		int error;

		snprintf(text, sizeof(text), "phone\nend netns=a host=h1 device=d1 address=%s\n"
			 "end netns=b host=h2 device=d2 address=%s\n", forms[index][0], forms[index][0]);
		error = parse(&topology, text, &report);
		/* Both ends the same address: a refusal, but one that comes after
		 * parsing the address, naming it as it was read. */
		snprintf(name, sizeof(name), "IPv6 form %s", forms[index][0]);
		if (forms[index][1]) {
			char expected[256];

			snprintf(expected, sizeof(expected), "yogurt.conf:3: address %s is already used at "
				 "yogurt.conf:2", forms[index][1]);
			ktap_check(ktap, error == -EINVAL && strcmp(report.message, expected) == 0, name,
				   "got: %s", report.message);
		} else {
			ktap_check(ktap, error == -EINVAL && strstr(report.message, "network address"), name,
				   "got: %s", report.message);
		}
	}
}

static void test_layout(struct ktap *ktap)
{
	expect_good(ktap, "comments, blank lines, indentation, tabs",
		    "# a comment\n"
		    "\n"
		    "   \t\n"
		    "\t phone   office   # the office\n"
		    "  end\tnetns=yogurt-1  host=yg1-host device=yg1-cont\taddress=10.42.0.1/24 # one\n"
		    "\t\tend netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24 #\n"
		    "#end netns=x\n");
	expect_good(ktap, "CRLF line endings", "phone office\r\n"
		    "end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\r\n"
		    "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24\r\n");
	expect_good(ktap, "no newline at the end", "phone\n"
		    "end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\n"
		    "end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24");
	expect_good(ktap, "/31 and /32, mtu bounds", "phone\n"
		    "end netns=a host=h1 device=d1 address=10.0.0.0/31 address=fd00::/127 mtu=68\n"
		    "end netns=b host=h2 device=d2 address=10.0.0.1/31 address=fd00::1/127 mtu=65535\n");
}

static const char end_one[] =
	"end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\n";
static const char end_two[] =
	"end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24\n";

/* A phone with its first end's key=value words replaced by `words`. */
static void expect_end_error(struct ktap *ktap, const char *name, const char *words,
			     const char *expected)
{
	char text[2048];

	snprintf(text, sizeof(text), "# line 1\nphone\nend %s\n%s", words, end_two);
	expect_error(ktap, name, text, expected);
}

static void test_token_errors(struct ktap *ktap)
{
	expect_end_error(ktap, "bad IPv4 address", "netns=a host=h device=d address=10.42.0.300/24",
			 "yogurt.conf:3: \"10.42.0.300/24\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "address without prefix", "netns=a host=h device=d address=10.42.0.1",
			 "yogurt.conf:3: \"10.42.0.1\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "bad IPv6 address", "netns=a host=h device=d address=fd42:::1/64",
			 "yogurt.conf:3: \"fd42:::1/64\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "two ::", "netns=a host=h device=d address=fd42::1::2/64",
			 "yogurt.conf:3: \"fd42::1::2/64\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "nine IPv6 groups", "netns=a host=h device=d address=1:2:3:4:5:6:7:8:9/64",
			 "yogurt.conf:3: \"1:2:3:4:5:6:7:8:9/64\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "five hex digits", "netns=a host=h device=d address=fd420::1/64",
			 "yogurt.conf:3: \"fd420::1/64\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "IPv4 prefix too long", "netns=a host=h device=d address=10.42.0.1/33",
			 "yogurt.conf:3: \"10.42.0.1/33\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "IPv6 prefix 0", "netns=a host=h device=d address=fd42::1/0",
			 "yogurt.conf:3: \"fd42::1/0\" is not an IPv4 or IPv6 address with a prefix (like "
			 "10.42.0.1/24 or fd42::1/64)");
	expect_end_error(ktap, "two IPv4 addresses",
			 "netns=a host=h device=d address=10.42.0.1/24 address=10.42.0.3/24",
			 "yogurt.conf:3: \"10.42.0.3/24\": this end already has an IPv4 address");
	expect_end_error(ktap, "unknown key", "netns=a host=h device=d adress=10.42.0.1/24",
			 "yogurt.conf:3: \"adress=10.42.0.1/24\": expected netns=, host=, device=, "
			 "address=, mtu= or mode=");
	expect_end_error(ktap, "not key=value", "netns=a host=h device=d 10.42.0.1/24",
			 "yogurt.conf:3: \"10.42.0.1/24\": expected netns=, host=, device=, address=, mtu= "
			 "or mode=");
	expect_end_error(ktap, "key twice", "netns=a netns=b host=h device=d address=10.42.0.1/24",
			 "yogurt.conf:3: \"netns=b\": this end already has a netns");
	expect_end_error(ktap, "missing netns", "host=h device=d address=10.42.0.1/24",
			 "yogurt.conf:3: this end has no netns= (an end needs netns=, host=, device= and "
			 "address=)");
	expect_end_error(ktap, "missing address", "netns=a host=h device=d mtu=1500",
			 "yogurt.conf:3: this end has no address= (an end needs netns=, host=, device= "
			 "and address=)");
	expect_end_error(ktap, "namespace with '/'", "netns=a/b host=h device=d address=10.42.0.1/24",
			 "yogurt.conf:3: \"a/b\" is not a namespace name (1 to 63 of A-Z a-z 0-9 - _ .)");
	expect_end_error(ktap, "namespace \"..\"", "netns=.. host=h device=d address=10.42.0.1/24",
			 "yogurt.conf:3: \"..\" is not a namespace name (1 to 63 of A-Z a-z 0-9 - _ .)");
	expect_end_error(ktap, "empty namespace", "netns= host=h device=d address=10.42.0.1/24",
			 "yogurt.conf:3: \"\" is not a namespace name (1 to 63 of A-Z a-z 0-9 - _ .)");
	expect_end_error(ktap, "namespace of 64 bytes",
			 "netns=a123456789b123456789c123456789d123456789e123456789f123456789g123 host=h device=d "
			 "address=10.42.0.1/24",
			 "yogurt.conf:3: \"a123456789b123456789c123456789d123456789e123456789f123456789g123\" is not a "
			 "namespace name (1 to 63 of A-Z a-z 0-9 - _ .)");
	expect_end_error(ktap, "device name too long for IFNAMSIZ",
			 "netns=a host=yg1-host-too-long device=d address=10.42.0.1/24",
			 "yogurt.conf:3: \"yg1-host-too-long\" is not a device name (1 to 15 bytes, no '/', "
			 "':' or spaces)");
	expect_end_error(ktap, "device name with ':'", "netns=a host=h device=eth0:1 address=10.42.0.1/24",
			 "yogurt.conf:3: \"eth0:1\" is not a device name (1 to 15 bytes, no '/', ':' or "
			 "spaces)");
	expect_end_error(ktap, "mtu too small", "netns=a host=h device=d address=10.42.0.1/24 mtu=67",
			 "yogurt.conf:3: \"mtu=67\": the MTU is 68 to 65535");
	expect_end_error(ktap, "mtu not a number",
			 "netns=a host=h device=d address=10.42.0.1/24 mtu=1500b",
			 "yogurt.conf:3: \"mtu=1500b\": the MTU is 68 to 65535");
	expect_end_error(ktap, "mtu huge",
			 "netns=a host=h device=d address=10.42.0.1/24 mtu=99999999999999999999",
			 "yogurt.conf:3: \"mtu=99999999999999999999\": the MTU is 68 to 65535");
	expect_end_error(ktap, "bad mode", "netns=a host=h device=d address=10.42.0.1/24 mode=l4",
			 "yogurt.conf:3: \"mode=l4\": the mode is l3 or l2");
	expect_end_error(ktap, "control bytes quoted as '?'",
			 "netns=a\x01\x1b[2J host=h device=d address=10.42.0.1/24",
			 "yogurt.conf:3: \"a??[2J\" is not a namespace name (1 to 63 of A-Z a-z 0-9 - _ .)");
}

static void test_line_errors(struct ktap *ktap)
{
	char text[4096];

	snprintf(text, sizeof(text), "phone office\n%s\n\nphone\n%s%s", end_one, end_two, end_one);
	expect_error(ktap, "a phone with 1 end", text,
		     "yogurt.conf:1: this phone has 1 end line, not 2");
	snprintf(text, sizeof(text), "phone office\n%s%s# the end\nphone\n", end_one, end_two);
	expect_error(ktap, "an unnamed phone with no end at the end of the file", text,
		     "yogurt.conf:5: this phone has 0 end lines, not 2");
	snprintf(text, sizeof(text), "phone office\n%s%s%s", end_one, end_two, end_one);
	expect_error(ktap, "a third end", text,
		     "yogurt.conf:4: a third end line for the phone of line 1");
	snprintf(text, sizeof(text), "\n%s%s", end_one, end_two);
	expect_error(ktap, "an end before any phone", text,
		     "yogurt.conf:2: an end line before any phone line");
	expect_error(ktap, "unknown word", "phone\nedn netns=a\n",
		     "yogurt.conf:2: unknown word \"edn\" (a line is \"phone [NAME]\" or \"end KEY=VALUE...\")");
	expect_error(ktap, "a '#' inside a word is not a comment", "phone#1\n",
		     "yogurt.conf:1: unknown word \"phone#1\" (a line is \"phone [NAME]\" or "
		     "\"end KEY=VALUE...\")");
	expect_error(ktap, "bad phone name", "phone my/phone\n",
		     "yogurt.conf:1: \"my/phone\" is not a phone name (1 to 63 of A-Z a-z 0-9 - _ .)");
	expect_error(ktap, "two phone names", "\n\nphone my phone\n",
		     "yogurt.conf:3: unexpected \"phone\" after the phone's name");
	expect_error(ktap, "no phone", "# nothing here\n\n",
		     "yogurt.conf: no phone here (see yogurt help config)");
	expect_error(ktap, "empty text", "",
		     "yogurt.conf: no phone here (see yogurt help config)");
}

static void test_limits(struct ktap *ktap)
{
	static char text[200000];
	struct topology topology = { 0 };
	struct report report = { 0 };
	size_t length = 0;
	int error;

	/* No limit but memory: 1,000 phones read, the last one too. */
	for (int phone = 0; phone < 1000; phone++)
		length += (size_t)snprintf(text + length, sizeof(text) - length,
					   "phone p%d\nend netns=n%da host=h%da device=d%da address=10.%d.%d.1/24\n"
					   "end netns=n%db host=h%db device=d%db address=10.%d.%d.2/24\n",
					   phone, phone, phone, phone, phone / 256, phone % 256, phone, phone,
					   phone, phone / 256, phone % 256);
	error = parse(&topology, text, &report);
	ktap_check(ktap, error == 0 && topology.count == 1000 &&
		   strcmp(topology.phones[999].ends[1].device, "d999b") == 0,
		   "1,000 phones", "%s", report.message);
	/* A clash between the first and the last phone is found, at the last. */
	memcpy(strstr(text, "netns=n999b"), "netns=n0a  ", 11);
	expect_error(ktap, "1,000 phones: the last one's namespace is the first one's", text,
		     "yogurt.conf:3000: namespace \"n0a\" is already used at yogurt.conf:2");
	memcpy(strstr(text, "netns=n0a  "), "netns=n999b", 11);
	memcpy(strstr(text + length - 200, "10.3.231.1/24"), "10.0.0.9/16  ", 13);
	memcpy(strstr(text + length - 200, "10.3.231.2/24"), "10.0.0.8/16  ", 13);
	expect_error(ktap, "1,000 phones: the last one's network holds the first one's", text,
		     "yogurt.conf:2999: 10.0.0.9/16 overlaps 10.0.0.1/24 of another phone "
		     "(yogurt.conf:2)");
	length = 0;

	memset(text, 'x', 1025);
	memcpy(text, "# ", 2);
	memcpy(text + 1025, "\n", 2);
	expect_error(ktap, "a line over 1024 bytes", text,
		     "yogurt.conf:1: the line is longer than 1024 bytes");
	memcpy(text + 1024, "\n", 2);
	expect_error(ktap, "a line of 1024 bytes is fine (then: no phone)", text,
		     "yogurt.conf: no phone here (see yogurt help config)");

	memcpy(text, "phone\n# x\0y\n", 12);
	memset(&topology, 0, sizeof(topology));
	error = config_parse(&topology, text, 12, "yogurt.conf", &report);
	ktap_check(ktap, error == -EINVAL &&
		   strcmp(report.message, "yogurt.conf:2: a NUL byte: this is not a text file") == 0,
		   "a NUL byte", "got: %s", report.message);

	/* The length, not a NUL, ends the text: a phone cut off after its first end. */
	snprintf(text, sizeof(text), "phone\n%s%s", end_one, end_two);
	error = config_parse(&topology, text, strlen(text) - strlen(end_two), "yogurt.conf", &report);
	ktap_check(ktap, error == -EINVAL &&
		   strcmp(report.message, "yogurt.conf:1: this phone has 1 end line, not 2") == 0,
		   "the text ends at length", "got: %s", report.message);
}

static void test_topology_errors(struct ktap *ktap)
{
	char text[4096];

	expect_error(ktap, "duplicate namespace across phones",
		     "phone a\n"
		     "end netns=x host=h1 device=d1 address=10.1.0.1/24\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.2/24\n"
		     "phone b\n"
		     "end netns=z host=h3 device=d3 address=10.2.0.1/24\n"
		     "end netns=x host=h4 device=d4 address=10.2.0.2/24\n",
		     "yogurt.conf:6: namespace \"x\" is already used at yogurt.conf:2");
	expect_error(ktap, "both ends in one namespace",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24\n"
		     "end netns=x host=h2 device=d2 address=10.1.0.2/24\n",
		     "yogurt.conf:3: namespace \"x\" is already used at yogurt.conf:2");
	expect_error(ktap, "duplicate host device",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24\n"
		     "end netns=y host=h1 device=d2 address=10.1.0.2/24\n",
		     "yogurt.conf:3: device \"h1\" is already used at yogurt.conf:2");
	expect_error(ktap, "a namespace device named like a host device",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24\n"
		     "end netns=y host=h2 device=h1 address=10.1.0.2/24\n",
		     "yogurt.conf:3: device \"h1\" is already used at yogurt.conf:2");
	expect_error(ktap, "host and device the same",
		     "phone\nend netns=x host=h1 device=h1 address=10.1.0.1/24\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.2/24\n",
		     "yogurt.conf:2: host= and device= are both \"h1\"");
	expect_error(ktap, "duplicate address",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24 address=fd00::1/64\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.2/24 address=fd00:0::1/64\n",
		     "yogurt.conf:3: address fd00::1 is already used at yogurt.conf:2");
	expect_error(ktap, "ends overlapping without being the same network",
		     "phone\nend netns=x host=h1 device=d1 address=10.42.0.1/24\n"
		     "end netns=y host=h2 device=d2 address=10.42.0.2/16\n",
		     "yogurt.conf:3: 10.42.0.2/16 is not in the network of the other end, "
		     "10.42.0.1/24 (yogurt.conf:2)");
	expect_error(ktap, "ends in different networks",
		     "phone\nend netns=x host=h1 device=d1 address=10.42.0.1/24\n"
		     "end netns=y host=h2 device=d2 address=10.43.0.2/24\n",
		     "yogurt.conf:3: 10.43.0.2/24 is not in the network of the other end, "
		     "10.42.0.1/24 (yogurt.conf:2)");
	expect_error(ktap, "IPv6 ends in different networks",
		     "phone\nend netns=x host=h1 device=d1 address=fd42::1/64\n"
		     "end netns=y host=h2 device=d2 address=fd43::2/64\n",
		     "yogurt.conf:3: fd43::2/64 is not in the network of the other end, fd42::1/64 "
		     "(yogurt.conf:2)");
	expect_error(ktap, "IPv6 on one end only",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24 address=fd00::1/64\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.2/24\n",
		     "yogurt.conf:3: this end has no IPv6 address, the other end (yogurt.conf:2) has "
		     "one");
	expect_error(ktap, "the network address",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.0/24\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.2/24\n",
		     "yogurt.conf:2: 10.1.0.0/24 is the network address of its network, not one for a device");
	expect_error(ktap, "the broadcast address",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.255/24\n",
		     "yogurt.conf:3: 10.1.0.255/24 is the broadcast address of its network, not one for a "
		     "device");
	expect_error(ktap, "the IPv6 network address",
		     "phone\nend netns=x host=h1 device=d1 address=fd00::/64\n"
		     "end netns=y host=h2 device=d2 address=fd00::2/64\n",
		     "yogurt.conf:2: fd00::/64 is the network address of its network, not one for a device");
	expect_error(ktap, "different modes",
		     "phone\nend netns=x host=h1 device=d1 address=10.1.0.1/24 mode=l2\n"
		     "end netns=y host=h2 device=d2 address=10.1.0.2/24\n",
		     "yogurt.conf:3: mode=l3 differs from the other end's (yogurt.conf:2)");
	snprintf(text, sizeof(text), "phone a\n%s%s"
		 "phone b\nend netns=x host=h1 device=d1 address=10.42.1.1/24\n"
		 "end netns=y host=h2 device=d2 address=10.42.1.2/24\n", end_one, end_two);
	expect_good(ktap, "neighbouring networks of two phones", text);
	snprintf(text, sizeof(text), "phone a\n%s%s"
		 "phone b\nend netns=x host=h1 device=d1 address=10.42.1.1/16\n"
		 "end netns=y host=h2 device=d2 address=10.42.1.2/16\n", end_one, end_two);
	expect_error(ktap, "networks of two phones overlapping", text,
		     "yogurt.conf:5: 10.42.1.1/16 overlaps 10.42.0.1/24 of another phone "
		     "(yogurt.conf:2)");
}

static int write_file(const char *path, const char *text, size_t length)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, text, length) == (ssize_t)length;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void test_command_line(struct ktap *ktap)
{
	static const char inline_phone[] =
		"BOOT_IMAGE=/vmlinuz root=/dev/vda quiet yogurt.phone=netns=yogurt-1,host=yg1-host,"
		"device=yg1-cont,address=10.42.0.1/24,address=fd42::1/64+netns=yogurt-2,host=yg2-host,"
		"device=yg2-cont,address=10.42.0.2/24,address=fd42::2/64 yogurt.init=/sbin/init\n";
	struct topology topology = { 0 }, expected = { 0 };
	struct report report = { 0 };
	char path[] = "/tmp/yogurt-test-config-XXXXXX", line[512];
	int found = -1, error, fd;

	topology_default(&expected);
	error = config_from_command_line(&topology, inline_phone, &found, &report);
	ktap_check(ktap, error == 0 && found == 1 && same_phones(&topology, &expected),
		   "command line: the default phone inline reads to topology_default()", "%s",
		   report.message);

	error = config_from_command_line(&topology, "root=/dev/vda yogurt.phonex=1 yogurt.init=/bin/sh\n",
					 &found, &report);
	ktap_check(ktap, error == 0 && found == 0,
		   "command line without yogurt.conf= or yogurt.phone=: not found", NULL);

	error = config_from_command_line(&topology, "yogurt.phone=netns=a,host=h1,device=d1,"
					 "address=10.1.0.1/24", &found, &report);
	ktap_check(ktap, error == -EINVAL && found == 1 &&
		   strcmp(report.message, "kernel command line: yogurt.phone: "
			  "\"netns=a,host=h1,device=d1,address=10.1.0.1/24\" is not 2 ends joined by '+' "
			  "(see yogurt help config)") == 0 && topology.count == 0,
		   "command line: a phone with one end", "got: %s", report.message);
	error = config_from_command_line(&topology, "yogurt.phone=netns=a,host=h1,device=d1,"
					 "address=10.1.0.1/24+netns=b,host=h2,device=d2,address=10.1.0.2/24+"
					 "netns=c", &found, &report);
	ktap_check(ktap, error == -EINVAL && strstr(report.message, "is not 2 ends joined by '+'"),
		   "command line: a phone with three ends", "got: %s", report.message);
	error = config_from_command_line(&topology, "yogurt.phone=netns=a,host=h1,device=d1,"
					 "adress=10.1.0.1/24+x", &found, &report);
	ktap_check(ktap, error == -EINVAL &&
		   strcmp(report.message, "kernel command line: yogurt.phone: \"adress=10.1.0.1/24\": "
			  "expected netns=, host=, device=, address=, mtu= or mode=") == 0,
		   "command line: an unknown key", "got: %s", report.message);

	fd = mkstemp(path);
	close(fd);
	snprintf(line, sizeof(line), "# from yogurt.conf=\nphone\n%s%s", end_one, end_two);
	write_file(path, line, strlen(line));
	snprintf(line, sizeof(line), "quiet yogurt.conf=%s yogurt.phone=netns=a,host=h1,device=d1,"
		 "address=10.1.0.1/24+netns=b,host=h2,device=d2,address=10.1.0.2/24", path);
	error = config_from_command_line(&topology, line, &found, &report);
	ktap_check(ktap, error == 0 && found == 1 && topology.count == 2 &&
		   strcmp(topology.phones[0].ends[1].netns, "yogurt-2") == 0 &&
		   strcmp(topology.phones[1].ends[0].netns, "a") == 0,
		   "command line: yogurt.conf= and yogurt.phone=", "%s", report.message);

	snprintf(line, sizeof(line), "yogurt.conf=%s yogurt.phone=netns=a,host=h1,device=d1,"
		 "address=10.1.0.1/24+netns=yogurt-2,host=h2,device=d2,address=10.1.0.2/24", path);
	error = config_from_command_line(&topology, line, &found, &report);
	{
		char expected_message[512];

		snprintf(expected_message, sizeof(expected_message), "kernel command line: yogurt.phone: "
			 "namespace \"yogurt-2\" is already used at %s:4", path);
		ktap_check(ktap, error == -EINVAL && strcmp(report.message, expected_message) == 0,
			   "command line: a namespace in the file and inline", "got: %s", report.message);
	}

	error = config_read_file(&topology, path, &report);
	ktap_check(ktap, error == 0 && topology.count == 1, "config_read_file", "%s", report.message);
	unlink(path);
	error = config_read_file(&topology, path, &report);
	snprintf(line, sizeof(line), "cannot open %s: No such file or directory", path);
	ktap_check(ktap, error == -ENOENT && strcmp(report.message, line) == 0,
		   "config_read_file: a missing file", "got: %s", report.message);
	snprintf(line, sizeof(line), "yogurt.conf=%s", path);
	error = config_from_command_line(&topology, line, &found, &report);
	ktap_check(ktap, error == -ENOENT && found == 1, "command line: a missing yogurt.conf= file",
		   "got: %s (%d)", report.message, error);
}

static void test_big_file(struct ktap *ktap)
{
	static char text[65536 + 2];
	char path[] = "/tmp/yogurt-test-config-XXXXXX";
	struct topology topology = { 0 };
	struct report report = { 0 };
	int fd = mkstemp(path), error;
	size_t length;

	close(fd);
	/* Exactly 64 KiB: comment lines, then a phone at the very end. */
	length = (size_t)snprintf(text, sizeof(text), "phone\n%s%s", end_one, end_two);
	memmove(text + sizeof(text) - 2 - length, text, length);
	for (size_t index = 0; index < sizeof(text) - 2 - length; index++)
		text[index] = index % 100 == 99 || index + 1 == sizeof(text) - 2 - length ? '\n' : '#';
	write_file(path, text, 65536);
	error = config_read_file(&topology, path, &report);
	ktap_check(ktap, error == 0 && topology.count == 1, "a file of exactly 64 KiB", "%s",
		   report.message);
	memmove(text + 1, text, 65536);
	text[0] = '\n';
	write_file(path, text, 65537);
	error = config_read_file(&topology, path, &report);
	ktap_check(ktap, error == 0 && topology.count == 1, "a file of 64 KiB and 1 byte", "%s",
		   report.message);
	unlink(path);
	error = config_read_file(&topology, "/", &report);
	ktap_check(ktap, error == -EISDIR && strcmp(report.message, "reading /: Is a directory") == 0,
		   "a directory", "got: %s", report.message);
}

/* Random bytes and random mixes of the config's own words: no crash, no
 * overread (ASan), every error one line. */
static void test_garbage(struct ktap *ktap)
{
	static const char *const pieces[] = {
		"phone", "end", " ", "\t", "\n", "\r\n", "#", "=", "netns=", "host=", "device=",
		"address=", "mtu=", "mode=", "l2", "10.42.0.1/24", "fd42::1/64", "::", ":", "/", ".",
		"..", "x", "\xff", "\0", "+", ",",
	};
	char text[512];
	struct topology topology = { 0 };
	struct report report;
	unsigned seed = 1;
	int one_line = 1, good = 0;

	for (int round = 0; round < 20000; round++) {
		size_t length = (size_t)(rand_r(&seed) % 200);
		char *copy;

		if (round % 2) {
			for (size_t index = 0; index < length; index++)
				text[index] = (char)rand_r(&seed);
		} else {
			size_t filled = 0;

			while (filled < length) {
				const char *piece = pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t piece_length = piece[0] ? strlen(piece) : 1;

				if (filled + piece_length > length)
					break;
				memcpy(text + filled, piece, piece_length);
				filled += piece_length;
			}
			length = filled;
		}
		/* A heap copy of exactly length bytes: ASan sees any overread. */
		copy = malloc(length ? length : 1);
		memcpy(copy, text, length);
		report.message[0] = '\0';
		if (config_parse(&topology, copy, length, "garbage", &report) == 0)
			good++;
		else if (strchr(report.message, '\n') || report.message[0] == '\0')
			one_line = 0;
		free(copy);
	}
	ktap_comment("%d of 20000 garbage texts happened to be good configs", good);
	ktap_check(ktap, one_line, "garbage: 20000 random texts, every error one line", NULL);
}

/* The index of a thousand phones: every end found by each of its names and
 * addresses, nothing found that is not there, a taken name refused. */
static void test_end_index(struct ktap *ktap)
{
	static char text[200000];
	struct topology topology = { 0 };
	struct end_index index = { 0 };
	struct end_clash clash = { 0, END_NETNS };
	struct report report;
	size_t length = 0;
	int error, found = 1;

	for (int phone = 0; phone < 1000; phone++)
		length += (size_t)snprintf(text + length, sizeof(text) - length,
					   "phone\nend netns=n%da host=h%da device=d%da address=10.%d.%d.1/24 "
					   "address=fd00:%x::1/64\nend netns=n%db host=h%db device=d%db "
					   "address=fd00:%x::2/64 address=10.%d.%d.2/24\n", phone, phone, phone,
					   phone / 256, phone % 256, phone, phone, phone, phone, phone, phone / 256,
					   phone % 256);
	error = parse(&topology, text, &report);
	for (size_t end = 0; error == 0 && end < 2 * topology.count; end++) {
		error = end_index_add(&index, &topology, end, &clash);
		found = found && error == 0;
	}
	for (size_t end = 0; found && end < 2 * topology.count; end++) {
		const struct phone_end *phone_end = topology_end(&topology, end);

		found = end_index_find(&index, &topology, END_NETNS, phone_end->netns) == (long)end &&
			end_index_find(&index, &topology, END_HOST_DEVICE, phone_end->host_device) ==
				(long)end &&
			end_index_find(&index, &topology, END_DEVICE, phone_end->device) == (long)end &&
			end_index_find(&index, &topology, END_IPV4, phone_end->addresses[0].bytes) ==
				(long)end &&
			end_index_find(&index, &topology, END_IPV6, phone_end->addresses[1].bytes) ==
				(long)end;
	}
	ktap_check(ktap, error == 0 && topology.count == 1000 && found,
		   "end index: 2,000 ends found by each name and address", "%d: %s", error,
		   report.message);
	ktap_check(ktap, end_index_find(&index, &topology, END_NETNS, "n1000a") == -1 &&
		   end_index_find(&index, &topology, END_DEVICE, "h5a") == -1 &&
		   end_index_find(&index, &topology, END_HOST_DEVICE, "d5a") == -1,
		   "end index: nothing else, and a host device is not an inside one", NULL);
	error = topology.count ? end_index_add(&index, &topology, 7, &clash) : 0;
	ktap_check(ktap, error == -EEXIST && clash.end == 7 && clash.field == END_NETNS,
		   "end index: an end's names are taken once it is in", "%d %zu %d", error,
		   clash.end, (int)clash.field);
	end_index_free(&index);
	topology_free(&topology);
}

/* Large generated configurations with bytes changed at random: no crash,
 * no overread (ASan), every refusal one line. */
static void test_large_garbage(struct ktap *ktap)
{
	static char text[600000];
	struct topology topology = { 0 };
	struct report report;
	unsigned seed = 7;
	size_t length = 0;
	int one_line = 1;

	for (int phone = 0; phone < 2000; phone++)
		length += (size_t)snprintf(text + length, sizeof(text) - length,
					   "phone p%d\nend netns=n%da host=h%da device=d%da address=10.%d.%d.1/24\n"
					   "end netns=n%db host=h%db device=d%db address=10.%d.%d.2/24\n",
					   phone, phone, phone, phone, phone / 256, phone % 256, phone, phone,
					   phone, phone / 256, phone % 256);
	for (int round = 0; round < 40; round++) {
		char *copy = malloc(length);

		memcpy(copy, text, length);
		for (int change = 0; change < 1 + round % 4; change++)
			copy[(size_t)rand_r(&seed) % length] = (char)rand_r(&seed);
		report.message[0] = '\0';
		if (config_parse(&topology, copy, length, "large", &report) != 0 &&
		    (strchr(report.message, '\n') || report.message[0] == '\0'))
			one_line = 0;
		free(copy);
	}
	ktap_check(ktap, one_line, "large garbage: 2,000 phones with bytes changed, 40 times", NULL);
	topology_free(&topology);
}

int main(void)
{
	struct ktap ktap = { 0 };

	printf("KTAP version 1\n");
	test_default_phone(&ktap);
	test_two_phones(&ktap);
	test_ipv6_forms(&ktap);
	test_layout(&ktap);
	test_token_errors(&ktap);
	test_line_errors(&ktap);
	test_limits(&ktap);
	test_topology_errors(&ktap);
	test_command_line(&ktap);
	test_big_file(&ktap);
	test_garbage(&ktap);
	test_end_index(&ktap);
	test_large_garbage(&ktap);
	ktap_check(&ktap, strlen(config_help) > 0 && strchr(config_help, '\t') == NULL, "config_help",
		   NULL);
	ktap_comment("%d tests, %d failed", ktap.number, ktap.failed);
	return ktap_exit_status(&ktap);
}
