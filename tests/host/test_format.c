/* test_format.c — format/ on the host: each conversion, truncation, and
 * format_string and format_address against the C library's snprintf and
 * inet_ntop on random values; the number parser against strtoull. Prints KTAP-style lines; exits 1 if anything
 * failed. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format/format.h"
#include "tests/ktap.h"

/* xorshift64: the same sequence on every run. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void expect_text(struct ktap *ktap, const char *got, size_t got_length,
			const char *expected, const char *what)
{
	char description[256];

	snprintf(description, sizeof(description), "format %s -> \"%s\"", what, expected);
	ktap_check(ktap, strcmp(got, expected) == 0 && got_length == strlen(expected), description,
		   "got \"%s\" (length %zu)", got, got_length);
}

#define EXPECT_FORMAT(expected, ...)                                                          \
	do {                                                                                  \
		char text_[128];                                                              \
		size_t length_ = format_string(text_, sizeof(text_), __VA_ARGS__);            \
		expect_text(ktap, text_, length_, expected, #__VA_ARGS__);                    \
	} while (0)

static void test_format_conversions(struct ktap *ktap)
{
	const char *volatile nothing = NULL;

	EXPECT_FORMAT("abc", "%s", "abc");
	EXPECT_FORMAT("[   ab]", "[%5s]", "ab");
	EXPECT_FORMAT("[ab   ]", "[%-5s]", "ab");
	EXPECT_FORMAT("[toolong]", "[%3s]", "toolong");
	EXPECT_FORMAT("(null)", "%s", nothing);
	EXPECT_FORMAT("[  x]", "[%3c]", 'x');
	EXPECT_FORMAT("100%", "%d%%", 100);
	EXPECT_FORMAT("-42", "%d", -42);
	EXPECT_FORMAT("[  -42]", "[%5d]", -42);
	EXPECT_FORMAT("[-0042]", "[%05d]", -42);
	EXPECT_FORMAT("[-42  ]", "[%-5d]", -42);
	EXPECT_FORMAT("[00042]", "[%05d]", 42);
	EXPECT_FORMAT("0", "%i", 0);
	EXPECT_FORMAT("-2147483648", "%d", INT_MIN);
	EXPECT_FORMAT("2147483647", "%d", INT_MAX);
	EXPECT_FORMAT("4294967295", "%u", UINT_MAX);
	EXPECT_FORMAT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT_FORMAT("0000beef", "%08x", 0xbeefu);
	EXPECT_FORMAT("[ff  ]", "[%-4x]", 0xffu);
	EXPECT_FORMAT("18446744073709551615", "%zu", SIZE_MAX);
	EXPECT_FORMAT("[   12]", "[%5zu]", (size_t)12);
	EXPECT_FORMAT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT_FORMAT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT_FORMAT("9223372036854775807", "%lld", (long long)INT64_MAX);
	EXPECT_FORMAT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT_FORMAT("ffffffffffffffff", "%llx", ULLONG_MAX);
	EXPECT_FORMAT("[-000000000000000000001]", "[%022lld]", -1LL);
	EXPECT_FORMAT("a1b-2c", "a%ub%dc", 1u, -2);
}

static void test_format_truncation(struct ktap *ktap)
{
	char text[16];
	size_t length;

	memset(text, '#', sizeof(text));
	length = format_string(text, 5, "%s", "hello world");
	ktap_check(ktap, length == 11 && strcmp(text, "hell") == 0 && text[5] == '#',
		   "format truncated to 5 bytes: \"hell\", returns 11, writes nothing past",
		   "\"%s\", %zu", text, length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 4, "%d", -12345);
	ktap_check(ktap, length == 6 && strcmp(text, "-12") == 0,
		   "format cuts a number: \"-12\", returns 6", "\"%s\", %zu", text, length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 4, "%10d", 1);
	ktap_check(ktap, length == 10 && strcmp(text, "   ") == 0, "format cuts padding: returns 10",
		   "\"%s\", %zu", text, length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 1, "%s", "abc");
	ktap_check(ktap, length == 3 && text[0] == '\0' && text[1] == '#',
		   "format into 1 byte: \"\", returns 3", "%zu", length);
	memset(text, '#', sizeof(text));
	length = format_string(text, 0, "%s", "abc");
	ktap_check(ktap, length == 3 && text[0] == '#', "format into 0 bytes writes nothing, returns 3",
		   "%zu", length);
	length = format_string(NULL, 0, "%d-%s", 12, "ab");
	ktap_check(ktap, length == 5, "format_string(NULL, 0) measures: 5", "%zu", length);
	length = format_string(text, sizeof(text), "%s", "");
	ktap_check(ktap, length == 0 && text[0] == '\0', "format of an empty string", "%zu", length);
}

/* format_string against the C library's snprintf on random values. */
static void test_format_against_snprintf(struct ktap *ktap, uint64_t *random)
{
	static const char *const signed_formats[] = {
		"%lld", "%5lld", "%-7lld|", "%012lld", "%-012lld|", "%1lld"
	};
	static const char *const unsigned_formats[] = {
		"%llu", "%20llu", "%-21llu|", "%llx", "%016llx", "%-9llx|"
	};
	char mine[64], theirs[64], problem[160] = "";

	for (int round = 0; round < 20000 && !problem[0]; round++) {
		uint64_t value = next_random(random) >> (next_random(random) % 64);
		const char *format = round % 2 ? signed_formats[round / 2 % 6]
					       : unsigned_formats[round / 2 % 6];
		long long as_signed = round % 4 == 1 ? -(long long)(value >> 1) - 1 : (long long)value;
		size_t mine_length;
		int theirs_length;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		mine_length = round % 2 ? format_string(mine, sizeof(mine), format, as_signed)
					: format_string(mine, sizeof(mine), format, (unsigned long long)value);
		theirs_length = round % 2 ? snprintf(theirs, sizeof(theirs), format, as_signed)
					  : snprintf(theirs, sizeof(theirs), format, (unsigned long long)value);
#pragma GCC diagnostic pop
		if (strcmp(mine, theirs) != 0 || mine_length != (size_t)theirs_length)
			snprintf(problem, sizeof(problem), "\"%s\": \"%s\" vs snprintf \"%s\"", format,
				 mine, theirs);
	}
	ktap_check(ktap, !problem[0],
		   "format_string agrees with snprintf on 20000 random 64-bit values", "%s", problem);
}

static void expect_address(struct ktap *ktap, int family, const char *written,
			   const char *expected)
{
	unsigned char bytes[16];
	char text[FORMAT_ADDRESS_MAX], description[128];

	snprintf(description, sizeof(description), "format_address %s -> %s", written, expected);
	if (inet_pton(family, written, bytes) != 1) {
		ktap_check(ktap, 0, description, "inet_pton refused it");
		return;
	}
	format_address(text, family, bytes);
	ktap_check(ktap, strcmp(text, expected) == 0, description, "got %s", text);
}

/* Random addresses with many zero groups against glibc's inet_ntop, which
 * follows RFC 5952 too except for its dotted IPv4 tails (skipped). */
static void test_addresses_against_inet_ntop(struct ktap *ktap, uint64_t *random)
{
	char mine[FORMAT_ADDRESS_MAX], theirs[INET6_ADDRSTRLEN], problem[160] = "";
	int compared = 0;

	for (int round = 0; round < 20000 && !problem[0]; round++) {
		unsigned char bytes[16];

		for (int group = 0; group < 8; group++) {
			uint16_t value = 0;

			if (next_random(random) % 3 == 0)
				value = (uint16_t)(next_random(random) >> (next_random(random) % 16));

			bytes[2 * group] = (unsigned char)(value >> 8);
			bytes[2 * group + 1] = (unsigned char)value;
		}
		format_address(mine, AF_INET6, bytes);
		inet_ntop(AF_INET6, bytes, theirs, sizeof(theirs));
		if (strchr(theirs, '.'))
			continue;
		compared++;
		if (strcmp(mine, theirs) != 0)
			snprintf(problem, sizeof(problem), "%s vs inet_ntop %s", mine, theirs);
	}
	ktap_check(ktap, !problem[0], "format_address agrees with inet_ntop on random IPv6 addresses",
		   "%s", problem);
	ktap_comment("%d random IPv6 addresses compared", compared);
}

/* format_parse_unsigned: the edges by hand, then random digit strings
 * against strtoull, with random maxima. */
static void test_parse_unsigned(struct ktap *ktap, uint64_t *random)
{
	static const struct {
		const char *text;
		unsigned base;
		uint64_t maximum, value;	/* value UINT64_MAX: refused */
	} cases[] = {
		{ "0", 10, 0, 0 }, { "1", 10, 0, UINT64_MAX }, { "9", 10, 5, UINT64_MAX },
		{ "5", 10, 5, 5 }, { "65535", 10, 65535, 65535 }, { "65536", 10, 65535, UINT64_MAX },
		{ "", 10, 100, UINT64_MAX }, { "12a", 10, 1000, UINT64_MAX }, { "-1", 10, 9, UINT64_MAX },
		{ "ff", 16, 255, 255 }, { "FF", 16, 255, 255 }, { "100", 16, 255, UINT64_MAX },
		{ "f", 16, 9, UINT64_MAX }, { "g", 16, 100, UINT64_MAX },
		{ "18446744073709551614", 10, UINT64_MAX - 1, UINT64_MAX - 1 },
		{ "18446744073709551615", 10, UINT64_MAX - 1, UINT64_MAX },
		{ "99999999999999999999", 10, UINT64_MAX - 1, UINT64_MAX },
	};
	char problem[200] = "";

	for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
		uint64_t value = 12345;
		int error = format_parse_unsigned(cases[index].text, strlen(cases[index].text),
						  cases[index].base, cases[index].maximum, &value);
		int refused = cases[index].value == UINT64_MAX;

		if (refused ? error != -EINVAL || value != 12345
			    : error != 0 || value != cases[index].value)
			snprintf(problem, sizeof(problem), "\"%s\" base %u maximum %llu: %d, %llu",
				 cases[index].text, cases[index].base,
				 (unsigned long long)cases[index].maximum, error,
				 (unsigned long long)value);
	}
	ktap_check(ktap, !problem[0], "format_parse_unsigned: the edges (empty, other bytes, "
		   "at and past the maximum, hex, overflow)", "%s", problem);
	for (int round = 0; round < 20000 && !problem[0]; round++) {
		char text[24];
		unsigned base = next_random(random) & 1 ? 16 : 10;
		uint64_t maximum = next_random(random) >> (next_random(random) % 64);
		uint64_t value = 0, expected;
		size_t length = 1 + next_random(random) % 21;
		int error;

		for (size_t at = 0; at < length; at++)
			text[at] = "0123456789abcdefABCDEF"[next_random(random) % (base == 16 ? 22 : 10)];
		text[length] = '\0';
		errno = 0;
		expected = strtoull(text, NULL, (int)base);
		error = format_parse_unsigned(text, length, base, maximum, &value);
		if (errno == ERANGE || expected > maximum ? error != -EINVAL
							  : error != 0 || value != expected)
			snprintf(problem, sizeof(problem), "\"%s\" base %u maximum %llu: %d, %llu",
				 text, base, (unsigned long long)maximum, error,
				 (unsigned long long)value);
	}
	ktap_check(ktap, !problem[0], "format_parse_unsigned agrees with strtoull on random digits",
		   "%s", problem);
}

int main(void)
{
	struct ktap state = { 0 }, *ktap = &state;
	uint64_t random = 0x9e3779b97f4a7c15u;

	ktap_comment("format_string and format_address");
	test_format_conversions(ktap);
	test_format_truncation(ktap);
	test_format_against_snprintf(ktap, &random);
	expect_address(ktap, AF_INET, "10.42.0.1", "10.42.0.1");
	expect_address(ktap, AF_INET, "255.255.255.255", "255.255.255.255");
	expect_address(ktap, AF_INET, "0.0.0.0", "0.0.0.0");
	expect_address(ktap, AF_INET6, "::", "::");
	expect_address(ktap, AF_INET6, "::1", "::1");
	expect_address(ktap, AF_INET6, "1::", "1::");
	expect_address(ktap, AF_INET6, "fd42::1", "fd42::1");
	expect_address(ktap, AF_INET6, "fd42:0:0:0:0:0:0:1", "fd42::1");
	expect_address(ktap, AF_INET6, "1:0:0:1:0:0:0:1", "1:0:0:1::1");
	expect_address(ktap, AF_INET6, "1:0:0:2:0:0:3:4", "1::2:0:0:3:4");
	expect_address(ktap, AF_INET6, "2001:db8::", "2001:db8::");
	expect_address(ktap, AF_INET6, "2001:0db8:0000:0000:0000:0000:0000:0000", "2001:db8::");
	expect_address(ktap, AF_INET6, "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7");
	expect_address(ktap, AF_INET6, "0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7");
	expect_address(ktap, AF_INET6, "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0");
	expect_address(ktap, AF_INET6, "fe80::", "fe80::");
	expect_address(ktap, AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	test_addresses_against_inet_ntop(ktap, &random);
	test_parse_unsigned(ktap, &random);
	ktap_comment("%d tests, %d failed", ktap->number, ktap->failed);
	return ktap_exit_status(ktap);
}

