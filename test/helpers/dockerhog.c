/*
 * A static memory hog for containers built from a tarball (no libc in the image).
 * Usage: hog STEP_MIB PAUSE_MS [MAX_MIB]
 * Touches STEP_MIB MiB, sleeps PAUSE_MS ms, again, until MAX_MIB (then sleeps forever) or
 * until the kernel kills it. STEP_MIB 0 means "hold still": it only sleeps. Prints
 * "ready" once, then "<MiB>" after each step, on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: hog STEP_MIB PAUSE_MS [MAX_MIB]\n"); return 2; }
  long step = atol(argv[1]), pause_ms = atol(argv[2]), max = argc > 3 ? atol(argv[3]) : -1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready\n");
  long total = 0;
  struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
  for (;;) {
    if (step > 0 && (max < 0 || total < max)) {
      char *p = malloc((size_t)step << 20);
      if (!p) { fprintf(stderr, "malloc failed\n"); for (;;) pause(); }
      memset(p, 0x5a, (size_t)step << 20);
      total += step;
      printf("%ld\n", total);
    }
    if (pause_ms > 0) nanosleep(&ts, NULL);
    else if (step <= 0 || (max >= 0 && total >= max)) pause();
  }
}
