/*
 * fsmeta: metadata operations per second on one directory, for bench/cfs-fio.sh.
 *
 *   fsmeta DIR COUNT SECONDS
 *
 * Four phases, one process, one thread, one system call per file and phase, so that
 * the figure is the filesystem's and not a shell's fork per file:
 *   create     open(DIR/m<i>, O_CREAT | O_EXCL | O_WRONLY, 0644) then close: an empty file
 *   stat       stat(DIR/m<i>) of every file created, right after: what the kernel keeps
 *              of a file just made (dentry, attributes) may answer
 *   stat-cold  the same, after sync and the kernel's dentry, inode and page caches are
 *              dropped (as root; untimed): each lookup goes to the filesystem
 *   unlink     unlink(DIR/m<i>) of every file created
 * A phase stops early once it has run SECONDS (checked after each file); the later
 * phases then work on the files the create phase made. Prints one line per phase,
 * "create <files> <seconds>", and exits 1 on the first failed call (naming it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { COUNT_MAX = 1000000, PATH_BYTES_MAX = 4096 };
enum phase { CREATE, STAT, STAT_COLD, UNLINK };
static const char *const PHASE_NAMES[] = {"create", "stat", "stat-cold", "unlink"};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void fail(const char *operation, const char *path) {
  fprintf(stderr, "fsmeta: %s %s: %s\n", operation, path, strerror(errno));
  exit(1);
}

/* Writes back dirty data, then asks the kernel to drop its clean caches. */
static void drop_caches(void) {
  sync();
  FILE *control = fopen("/proc/sys/vm/drop_caches", "w");
  if (control == NULL || fputs("3\n", control) == EOF || fclose(control) != 0) {
    fail("write", "/proc/sys/vm/drop_caches");
  }
}

/* Runs one phase over files 0..count-1; returns how many it did before the limit. */
static long run_phase(enum phase phase, const char *dir, long count, double limit_seconds) {
  char path[PATH_BYTES_MAX];
  struct stat attributes;
  double start = now_seconds();
  double elapsed = 0;
  long done = 0;
  while (done < count && elapsed < limit_seconds) {
    snprintf(path, sizeof path, "%s/m%ld", dir, done);
    if (phase == CREATE) {
      int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
      if (fd < 0) fail("open", path);
      if (close(fd) != 0) fail("close", path);
    } else if (phase == STAT || phase == STAT_COLD) {
      if (stat(path, &attributes) != 0) fail("stat", path);
    } else {
      if (unlink(path) != 0) fail("unlink", path);
    }
    done++;
    elapsed = now_seconds() - start;
  }
  printf("%s %ld %.6f\n", PHASE_NAMES[phase], done, elapsed);
  fflush(stdout);
  return done;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fsmeta DIR COUNT SECONDS\n");
    return 2;
  }
  const char *dir = argv[1];
  long count = strtol(argv[2], NULL, 10);
  double limit_seconds = strtod(argv[3], NULL);
  if (count < 1 || count > COUNT_MAX || !(limit_seconds > 0) ||
      strlen(dir) > PATH_BYTES_MAX - 32) {
    fprintf(stderr, "fsmeta: COUNT %s not in 1..%d, SECONDS %s not above 0, or DIR too long\n",
            argv[2], COUNT_MAX, argv[3]);
    return 2;
  }
  long created = run_phase(CREATE, dir, count, limit_seconds);
  run_phase(STAT, dir, created, limit_seconds);
  drop_caches();
  run_phase(STAT_COLD, dir, created, limit_seconds);
  run_phase(UNLINK, dir, created, limit_seconds);
  return 0;
}
