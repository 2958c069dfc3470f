/*
 * A memory hog with a hostile name, for real OOM kills in a small memory cgroup.
 * Usage: namedhog CGROUP_PROCS_FILE HEXNAME
 * Joins the cgroup (writes its pid to CGROUP_PROCS_FILE), renames itself with
 * prctl(PR_SET_NAME) to the bytes of HEXNAME (so names with newlines, ")" and escape
 * sequences pass through argv untouched), then touches memory until the kernel kills it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: namedhog CGROUP_PROCS HEXNAME\n"); return 2; }
  FILE *f = fopen(argv[1], "w");
  if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) { perror(argv[1]); return 1; }
  char name[16] = {0};
  size_t n = strlen(argv[2]) / 2;
  if (n > 15) n = 15;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(argv[2] + 2 * i, "%2x", &v) != 1) return 2;
    name[i] = (char)v;
  }
  if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0) { perror("prctl"); return 1; }
  /* Tell the parent we are ready (renamed and charged to the cgroup). */
  if (write(1, "ready\n", 6) != 6) return 1;
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) { pause(); }
    memset(p, 0x5a, 1 << 20);
  }
}
