/* config_boot_tests.c — what yogurt as PID 1 made of a configuration on the
 * kernel command line (tests/vm/run.sh boots these):
 *
 * - vmtest.config=two: the phones of yogurt.conf=/etc/yogurt-two.conf (a file
 *   in the image, tests/vm/yogurt-two.conf) and of a yogurt.phone= word are
 *   up as configured, carry ping and ping6, and no other phone is there;
 * - vmtest.config=broken: PID 1 refused a broken yogurt.phone=, built
 *   nothing and still handed over to this program (run.sh checks the one
 *   line it printed on the console).
 *
 * The phones to expect are read from the same command line and file, with
 * the tests' own reader (phones.c), not with yogurt's parser. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "format/format.h"

/* Two phones in yogurt-two.conf, one yogurt.phone= in run.sh. */
#define EXPECTED_PHONES 3
#define EXPECTED_MAX 16		/* what the tests' reader holds */

struct expected {
	struct phone phones[EXPECTED_MAX];
	size_t count;
	int unreadable;		/* a line or word the tests' reader did not understand */
};

/* One line of a config file: "phone [NAME]", "end WORDS", a comment, or blank. */
static void read_config_line(struct expected *expected, char *line, unsigned *ends)
{
	char *comment = line;

	/* '#' at the start of a line or after a space starts a comment. */
	while ((comment = strchr(comment, '#')) && comment != line && comment[-1] != ' ' && comment[-1] != '\t')
		comment++;
	if (comment)
		*comment = '\0';
	line += strspn(line, " \t");
	if (strncmp(line, "phone", 5) == 0 && (line[5] == '\0' || line[5] == ' ' || line[5] == '\t')) {
		expected->count++;
		*ends = 0;
	} else if (strncmp(line, "end ", 4) == 0 || strncmp(line, "end\t", 4) == 0) {
		if (expected->count == 0 || expected->count > EXPECTED_MAX || *ends == 2 ||
		    end_from_words(&expected->phones[expected->count - 1].ends[(*ends)++], line + 4, " \t") < 0)
			expected->unreadable = 1;
	} else if (*line != '\0') {
		expected->unreadable = 1;
	}
}

static void read_config_file(struct expected *expected, const char *path)
{
	char text[4096], *save = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t length = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	unsigned ends = 0;

	if (fd >= 0)
		close(fd);
	if (length <= 0) {
		expected->unreadable = 1;
		return;
	}
	text[length] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		read_config_line(expected, line, &ends);
}

/* yogurt.phone=END+END, an END being key=value words separated by ','. */
static void read_inline_phone(struct expected *expected, const char *value)
{
	char first[512];
	const char *plus = strchr(value, '+');

	if (!plus || (size_t)(plus - value) >= sizeof(first) || expected->count == EXPECTED_MAX) {
		expected->unreadable = 1;
		return;
	}
	memcpy(first, value, (size_t)(plus - value));
	first[plus - value] = '\0';
	if (phone_from_words(&expected->phones[expected->count++], first, plus + 1, ",") < 0)
		expected->unreadable = 1;
}

static void read_expected(struct expected *expected)
{
	char words[2048], *save = NULL;

	memset(expected, 0, sizeof(*expected));
	format_string(words, sizeof(words), "%s", command_line());
	for (char *word = strtok_r(words, " \n", &save); word; word = strtok_r(NULL, " \n", &save)) {
		if (strncmp(word, "yogurt.conf=", 12) == 0)
			read_config_file(expected, word + 12);
		else if (strncmp(word, "yogurt.phone=", 13) == 0)
			read_inline_phone(expected, word + 13);
	}
}

static void test_two(struct suite *suite)
{
	struct expected expected;
	struct leftovers left = look_for_leftovers();
	char why[256];

	read_expected(&expected);
	check(suite, !expected.unreadable && expected.count == EXPECTED_PHONES && left.namespaces == 2 * EXPECTED_PHONES &&
		     left.devices == 2 * EXPECTED_PHONES && left.pins,
	      "config boot: PID 1 built the phones of yogurt.conf= and yogurt.phone=, and no other",
	      "expected %zu phones (reader %s), found %d namespaces, %d devices, pins %d", expected.count,
	      expected.unreadable ? "failed" : "fine", left.namespaces, left.devices, left.pins);
	for (size_t index = 0; index < expected.count && index < EXPECTED_MAX; index++) {
		const struct phone *phone = &expected.phones[index];
		char name[160];

		format_string(name, sizeof(name), "config boot: phone %s <-> %s is up as configured", phone->ends[0].netns,
			      phone->ends[1].netns);
		check(suite, configured_phone_present(phone, why, sizeof(why)), name, "%s", why);
		format_string(name, sizeof(name), "config boot: phone %s <-> %s carries ping and ping6 both ways",
			      phone->ends[0].netns, phone->ends[1].netns);
		check(suite, ping_across(phone, why, sizeof(why)), name, "%s", why);
	}
}

static void test_broken(struct suite *suite)
{
	struct leftovers left = look_for_leftovers();

	check(suite, getpid() == 1 && strstr(command_line(), "yogurt.phone=") && left.namespaces == 0 &&
		     left.devices == 0 && !left.pins && !path_exists(PHONE_STATE_DIR "/owned"),
	      "config boot: PID 1 refused the broken yogurt.phone=, built nothing (no namespace, device, pin or record) "
	      "and handed over", "PID %d; %d namespaces, %d devices, pins %d, records %d", (int)getpid(), left.namespaces,
	      left.devices, left.pins, path_exists(PHONE_STATE_DIR "/owned"));
}

void test_config_boot(struct suite *suite, const char *mode)
{
	if (strcmp(mode, "two") == 0)
		test_two(suite);
	else if (strcmp(mode, "broken") == 0)
		test_broken(suite);
	else
		check(suite, 0, "config boot: a known vmtest.config= mode", "\"%s\" is neither two nor broken", mode);
}
