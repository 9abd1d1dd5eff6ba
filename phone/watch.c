/* watch.c — the wire as it runs, without bpf_printk: once a second, what
 * each wire instance counted since the second before, read from its
 * counters map (the same numbers `yogurt status` shows in total). */
#include <errno.h>
#include <string.h>
#include <poll.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"

/* The counters of one end's wire; all of them, per end number. */
typedef struct wire_count end_counters[WIRE_COUNTER_MAX];

static unsigned long long delta(const struct wire_count *now, const struct wire_count *before,
				enum wire_counter counter, int bytes)
{
	return bytes ? now[counter].bytes - before[counter].bytes
		     : now[counter].packets - before[counter].packets;
}

static void print_delta(int out, const char *device, const struct wire_count *now,
			const struct wire_count *before)
{
	format_print(out, "  %-15s sent %6llu pkts %9llu B | passed %6llu pkts %9llu B | "
		     "dropped %5llu not from the wire, %llu no pairing\n", device,
		     delta(now, before, WIRE_SENT, 0), delta(now, before, WIRE_SENT, 1),
		     delta(now, before, WIRE_PASSED, 0), delta(now, before, WIRE_PASSED, 1),
		     delta(now, before, WIRE_DROPPED_NOT_WIRE, 0),
		     delta(now, before, WIRE_DROPPED_NO_PAIR, 0));
}

#define NO_WIRE "no wire to watch on %s: %s (is the phone up?)"

/* Reads the counters of every wire into now; 0 or an error in report. */
static int read_all(const struct topology *topology, end_counters *now, struct report *report)
{
	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < PHONE_ENDS; side++) {
			const char *device = topology->phones[index].ends[side].host_device;
			int ifindex = nl_device_index(device);
			end_counters *counters = &now[index * PHONE_ENDS + side];
			int error = ifindex < 0 ? ifindex
				  : wire_read_counters((uint32_t)ifindex, *counters);

			/* No device or no wire: the phone is not up; the rest, the kernel's. */
			if (error == -ENODEV || error == -ENOENT)
				return report_error(report, error, NO_WIRE, device,
						    error == -ENOENT ? "no program attached"
								     : error_text(-error));
			if (error < 0)
				return report_kernel(report, error, NULL, NO_WIRE, device,
						     error_text(-error));
		}
	return 0;
}

int phone_watch(const struct topology *topology, unsigned seconds, int out,
		struct report *report)
{
	size_t ends = topology->count * PHONE_ENDS;
	end_counters *before = memory_allocate(2 * ends * sizeof(*before)), *now = before + ends;
	int error;

	if (!before)
		return report_error(report, -ENOMEM, "out of memory for %zu phones",
				    topology->count);
	error = read_all(topology, before, report);

	for (unsigned tick = 1; error == 0 && (seconds == 0 || tick <= seconds); tick++) {
		poll(NULL, 0, 1000);
		error = read_all(topology, now, report);
		if (error)
			break;
		format_print(out, "watch: second %u\n", tick);
		for (size_t index = 0; index < topology->count; index++)
			for (int side = 0; side < PHONE_ENDS; side++)
				print_delta(out, topology->phones[index].ends[side].host_device,
					    now[index * PHONE_ENDS + side],
					    before[index * PHONE_ENDS + side]);
		memcpy(before, now, ends * sizeof(*now));
	}
	memory_free(before);
	return error;
}
