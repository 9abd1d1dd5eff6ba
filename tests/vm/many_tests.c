/* many_tests.c — a hundred phones from one generated configuration: up,
 * pings across the first, the middle and the last, up again changing
 * nothing, the first half alone removing exactly the other half, status
 * counting them, a failure at the last phone rolling all of them back, two
 * ups at once, and down leaving nothing. Runs after config_tests.c, on a
 * machine with no phone up, and leaves it so. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "suite.h"
#include "format/format.h"
#include "nl/nl.h"

#define MANY 100
#define CONFIG_A "/tmp/many-a.conf"
#define CONFIG_B "/tmp/many-b.conf"
#define OUTPUT_SIZE (MANY * 640)	/* up -c B: a line per phone, 6 per removed one */

/* Phone number's two ends, as config words and as the tests read them. */
static void many_end_words(char *words, size_t size, int number, int side)
{
	format_string(words, size, "netns=yogurt-m%03d%c host=ygm%03d%c-h device=ygm%03d%c-c "
		      "address=10.60.%d.%d/24 address=fd60:%x::%d/64", number, 'a' + side, number,
		      'a' + side, number, 'a' + side, number, side + 1, number, side + 1);
}

static struct phone many_phone(int number)
{
	char words[2][160];
	struct phone phone = { 0 };

	for (int side = 0; side < 2; side++)
		many_end_words(words[side], sizeof(words[side]), number, side);
	phone_from_words(&phone, words[0], words[1], " ");
	return phone;
}

/* A config of phones first to first + count - 1. */
static int write_many(const char *path, int first, int count)
{
	static char text[MANY * 320];	/* a phone's three lines take about 260 bytes */
	size_t length = 0;

	for (int number = first; number < first + count && length < sizeof(text); number++) {
		char words[2][160];

		for (int side = 0; side < 2; side++)
			many_end_words(words[side], sizeof(words[side]), number, side);
		length += format_string(text + length, sizeof(text) - length,
					"phone many-%d\nend %s\nend %s\n", number, words[0], words[1]);
	}
	return write_text_file(path, text);
}

/* Phones first, the middle one and the last of [first, first + count):
 * present and pinging (present 1), or gone (present 0). */
static int sample(int first, int count, int present, char *why, size_t size)
{
	const int numbers[] = { first, first + count / 2, first + count - 1 };

	for (size_t index = 0; index < sizeof(numbers) / sizeof(numbers[0]); index++) {
		struct phone phone = many_phone(numbers[index]);
		int ok = present ? configured_phone_present(&phone, why, size) &&
					   ping_across(&phone, why, size)
				 : configured_phone_gone(&phone, why, size);

		if (!ok)
			return 0;
	}
	return 1;
}

/* Two yogurt up -c CONFIG_A at once: both exit 0. */
static int two_at_once(char *why, size_t size)
{
	char output[2][OUTPUT_SIZE];
	int status[2] = { -1, -1 };
	pid_t children[2];

	for (int index = 0; index < 2; index++) {
		children[index] = fork();
		if (children[index] == 0)
			_exit(run_yogurt("up -c " CONFIG_A, output[index], sizeof(output[index])));
	}
	for (int index = 0; index < 2; index++) {
		int raw;

		if (children[index] > 0 && waitpid(children[index], &raw, 0) == children[index] &&
		    WIFEXITED(raw))
			status[index] = WEXITSTATUS(raw);
	}
	format_string(why, size, "exit %d and %d", status[0], status[1]);
	return status[0] == 0 && status[1] == 0;
}

void test_many(struct suite *suite)
{
	static char output[OUTPUT_SIZE];
	char why[256], before[SNAPSHOT_SIZE], after[SNAPSHOT_SIZE], words[64];
	struct leftovers left;
	struct nl_socket host;
	int status;

	write_many(CONFIG_A, 0, MANY);
	write_many(CONFIG_B, 0, MANY / 2);
	status = run_yogurt("up -c " CONFIG_A, output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && occurrences(output, " ready in ") == MANY &&
		     left.namespaces == 2 * MANY && left.devices == 2 * MANY,
	      "many: up of 100 phones from one configuration", "exit %d, %d namespaces, %d devices: %.300s",
	      status, left.namespaces, left.devices, output);
	check(suite, sample(0, MANY, 1, why, sizeof(why)),
	      "many: the first, the middle and the last phone are as configured and carry pings", "%s", why);

	status = run_yogurt("up -c " CONFIG_A, output, sizeof(output));
	check(suite, status == 0 && occurrences(output, "already up, nothing changed") == MANY,
	      "many: up again changes nothing, phone by phone", "exit %d: %.300s", status, output);
	status = run_yogurt("status -c " CONFIG_A, output, sizeof(output));
	format_string(words, sizeof(words), "\nstatus: %d up, 0 differ, 0 down\n", MANY);
	check(suite, status == 0 && count_lines(output) == MANY + 1 && strstr(output, words),
	      "many: status is a line per phone and the count", "exit %d: %.300s", status, output);
	check(suite, two_at_once(why, sizeof(why)) && sample(0, MANY, 1, why, sizeof(why)),
	      "many: two ups at once both succeed and the phones work", "%s", why);

	status = run_yogurt("up -c " CONFIG_B, output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && occurrences(output, "already up, nothing changed") == MANY / 2 &&
		     occurrences(output, "removed namespace") == MANY && left.namespaces == MANY &&
		     left.devices == MANY && sample(0, MANY / 2, 1, why, sizeof(why)) &&
		     sample(MANY / 2, MANY / 2, 0, why, sizeof(why)),
	      "many: the first half alone after all: the other half removed, exactly, the first untouched",
	      "exit %d, %d namespaces, %d devices: %s", status, left.namespaces, left.devices, why);

	status = run_yogurt("down", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && left.namespaces == 0 && left.devices == 0 && left.pins == 0,
	      "many: down leaves nothing", "exit %d, left: %d namespaces, %d devices, pins %d", status,
	      left.namespaces, left.devices, left.pins);

	/* The last phone's host device name is taken: all 99 before it are
	 * made, then rolled back. */
	snapshot(before);
	if (nl_open(&host) == 0) {
		struct netkit_pair squatter = {
			.primary_name = "ygm099a-h", .peer_name = "squatter", .policy = NETKIT_PASS,
			.peer_policy = NETKIT_PASS, .mode = NETKIT_L3, .peer_netns_fd = -1,
		};

		nl_netkit_create(&host, &squatter);
		snapshot(before);
		status = run_yogurt("up -c " CONFIG_A, output, sizeof(output));
		snapshot(after);
		nl_link_delete(&host, "ygm099a-h");
		nl_close(&host);
	}
	check(suite, status != 0 && strstr(output, "ygm099a-h") && strcmp(before, after) == 0,
	      "many: a failure at the 100th phone rolls back the 99 made before it",
	      "exit %d: %.300s\n# before:\n%s# after:\n%s", status, output, before, after);
	unlink(CONFIG_A);
	unlink(CONFIG_B);
}
