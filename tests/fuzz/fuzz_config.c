/* fuzz_config.c — libFuzzer target for yogurt's config parser.
 *
 * 1. config_parse over the input, from a heap copy of exactly its length
 *    (no NUL after it), so AddressSanitizer sees any read past the text.
 * 2. config_from_command_line over the input as a NUL-terminated command
 *    line, unless it names a yogurt.conf= file: the fuzzer must not read
 *    (or block on) files of the machine.
 * Every refusal must be one non-empty line; every accepted phone must be
 * one yogurt can build (terminated names, prefixes in range, a mode).
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -idirafter build/uapi \
 *     -o build/tests/fuzz_config tests/fuzz/fuzz_config.c phone/config.c phone/config_check.c \
 *     phone/topology.c format/format.c
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone/phone.h"
#include "syscalls/uapi_compat.h"

static void check_topology(const struct topology *topology)
{
	for (size_t index = 0; index < topology->count * 2; index++) {
		const struct phone_end *end = &topology->phones[index / 2].ends[index % 2];

		if (!end->netns[0] || !memchr(end->netns, 0, sizeof(end->netns)) || !end->host_device[0] ||
		    !memchr(end->host_device, 0, sizeof(end->host_device)) || !end->device[0] ||
		    !memchr(end->device, 0, sizeof(end->device)) || end->prefix_length > 32 ||
		    end->prefix6_length > 128 || (!end->prefix_length && !end->prefix6_length) ||
		    (end->mode != NETKIT_L3 && end->mode != NETKIT_L2))
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
