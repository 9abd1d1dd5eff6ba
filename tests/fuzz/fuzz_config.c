/* fuzz_config.c — libFuzzer target for yogurt's config parser.
 *
 * 1. config_parse over the input, from a heap copy of exactly its length
 *    (no NUL after it), so AddressSanitizer sees any read past the text.
 * 2. config_from_command_line over the input as a NUL-terminated command
 *    line, unless it names a yogurt.conf= file: the fuzzer must not read
 *    (or block on) files of the machine.
 * Every refusal must be one non-empty line.
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
	if (error == 0 && topology_check(&topology, &report) != 0)
		abort();
	free(copy);

	if (memmem(data, size, "yogurt.conf", 11))
		return 0;
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	report.message[0] = '\0';
	error = config_from_command_line(&topology, copy, &found, &report);
	check_message(error, &report);
	free(copy);
	return 0;
}
