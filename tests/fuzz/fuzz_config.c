/* fuzz_config.c — libFuzzer target for yogurt's config parser.
 *
 * 1. config_parse over the input, from a heap copy of exactly its length
 *    (no NUL after it), so AddressSanitizer sees any read past the text.
 * 2. config_from_command_line over the input as a NUL-terminated command
 *    line, unless it names a yogurt.conf= file: the fuzzer must not read
 *    (or block on) files of the machine.
 * Every refusal must be one non-empty line; every accepted phone must be
 * one yogurt can build (terminated names, prefixes in range, an address, a
 * mode). tests/host/run.sh builds it with the Makefile's FUZZ_CFLAGS.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone/phone.h"
#include "syscalls/uapi_compat.h"

static void check_topology(const struct topology *topology)
{
	static const unsigned prefix_max[PHONE_FAMILIES] = { [PHONE_IPV4] = 32, [PHONE_IPV6] = 128 };

	for (size_t phone = 0; phone < topology->count; phone++)
		for (int side = 0; side < 2; side++) {
			const struct phone_end *end = &topology->phones[phone].ends[side];
			int addresses = 0;

			for (int family = 0; family < PHONE_FAMILIES; family++) {
				if (end->addresses[family].prefix_length > prefix_max[family])
					abort();
				addresses += end->addresses[family].prefix_length != 0;
			}
			if (!end->netns[0] || !memchr(end->netns, 0, sizeof(end->netns)) ||
			    !end->host_device[0] || !memchr(end->host_device, 0, sizeof(end->host_device)) ||
			    !end->device[0] || !memchr(end->device, 0, sizeof(end->device)) ||
			    addresses == 0 || (end->mode != NETKIT_L3 && end->mode != NETKIT_L2))
				abort();
		}
}

static void check_message(int error, const struct report *report)
{
	if (error && (report->message[0] == '\0' || strchr(report->message, '\n')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology topology;
	struct report report = { 0 };
	char *copy = malloc(size ? size : 1);
	int found, error;

	memcpy(copy, data, size);
	error = config_parse(&topology, copy, size, "fuzz.conf", &report);
	check_message(error, &report);
	if (error == 0)
		check_topology(&topology);
	free(copy);

	if (memmem(data, size, "yogurt.conf", 11))
		return 0;
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	report.message[0] = '\0';
	error = config_from_command_line(&topology, copy, &found, &report);
	check_message(error, &report);
	if (error == 0)
		check_topology(&topology);
	free(copy);
	return 0;
}
