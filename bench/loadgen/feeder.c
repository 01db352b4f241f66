/*
 * mdg bench trade feeder: writes NDJSON trades (the ReplayFeed format) to stdout, which the
 * harness points at the FIFO the gateway replays from (`MDG_FEED=replay:<fifo>`,
 * `MDG_REPLAY_SPEED=0`: the gateway takes each trade as it arrives, so this program sets the pace).
 *
 * Every period it writes one trade for each *active* instrument, in one write(2), on an
 * absolute schedule (clock_nanosleep TIMER_ABSTIME: no drift). The harness runs the gateway
 * with a 1 ms coalescing interval and periods of 5 ms and more, so every trade becomes its own
 * update: the offered update rate is exactly (active streams) x 1000 / period. A gateway that
 * falls more than a period behind merges updates (coalescing): it then publishes less than
 * offered, which the harness counts as saturation.
 *
 * stdin commands: `active 0,3,4` (indices into the --inst list), `active -` (none),
 * `period <ms>` (a new pace, restarting the schedule), `quit`.
 * Build: gcc -O2 -o feeder feeder.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_INST 64

static char *ids[MAX_INST];
static double prices[MAX_INST];
static int integer_size[MAX_INST];
static int ninst = 0;
static int active[MAX_INST];
static int nactive = 0;

static void parse_active(char *list) {
  nactive = 0;
  if (list[0] == '-' || list[0] == '\0') return;
  for (char *tok = strtok(list, ","); tok && nactive < MAX_INST; tok = strtok(NULL, ",")) {
    int i = atoi(tok);
    if (i >= 0 && i < ninst) active[nactive++] = i;
  }
}

static long period_ns = 1000000;
static struct timespec next;
static char cmd[4096];
static size_t cmdlen = 0;

/* Returns -1 on quit or EOF. */
static int poll_stdin(void) {
  for (;;) {
    ssize_t r = read(0, cmd + cmdlen, sizeof cmd - 1 - cmdlen);
    if (r == 0) return -1;
    if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    cmdlen += (size_t)r;
    char *nl;
    while ((nl = memchr(cmd, '\n', cmdlen)) != NULL) {
      *nl = '\0';
      if (strncmp(cmd, "active ", 7) == 0) parse_active(cmd + 7);
      else if (strncmp(cmd, "period ", 7) == 0 && atof(cmd + 7) > 0) {
        period_ns = (long)(atof(cmd + 7) * 1e6);
        clock_gettime(CLOCK_MONOTONIC, &next);
      }
      else if (strcmp(cmd, "quit") == 0) return -1;
      size_t used = (size_t)(nl - cmd) + 1;
      memmove(cmd, nl + 1, cmdlen - used);
      cmdlen -= used;
    }
  }
}

int main(int argc, char **argv) {
  double period_ms = 1.0; /* initial pace; `period` commands change period_ns */
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--period-ms")) period_ms = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--inst") && ninst < MAX_INST) {
      /* id:price:int  (int = 1 for token sizes in smallest units) */
      char *spec = strdup(argv[i + 1]);
      char *a = strtok(spec, ":");
      char *b = strtok(NULL, ":");
      char *c = strtok(NULL, ":");
      if (!a || !b) {
        fprintf(stderr, "feeder: bad --inst %s\n", argv[i + 1]);
        return 2;
      }
      ids[ninst] = a;
      prices[ninst] = atof(b);
      integer_size[ninst] = c ? atoi(c) : 0;
      ninst++;
    } else {
      fprintf(stderr, "usage: feeder --period-ms 1 --inst ID:PRICE[:1]...\n");
      return 2;
    }
  }
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  static char buf[1 << 16];
  uint64_t trade_no = 0;
  uint64_t rng = 0x9E3779B97F4A7C15ULL;
  clock_gettime(CLOCK_MONOTONIC, &next);
  period_ns = (long)(period_ms * 1e6);
  for (;;) {
    if (poll_stdin() < 0) return 0;
    /* Wait for the next tick, but wake up for commands: a new period takes effect at once, not
       after the old period's sleep (up to a second), so a step's warm-up measures the new pace. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double wait_ms = (double)(next.tv_sec - now.tv_sec) * 1e3 + (double)(next.tv_nsec - now.tv_nsec) / 1e6;
    if (wait_ms > 0) {
      struct pollfd in = {.fd = 0, .events = POLLIN};
      struct timespec timeout = {.tv_sec = (time_t)(wait_ms / 1e3), .tv_nsec = (long)((wait_ms - (double)(long)(wait_ms / 1e3) * 1e3) * 1e6)};
      ppoll(&in, 1, &timeout, NULL);
      continue;
    }
    if (nactive > 0) {
      struct timespec wall;
      clock_gettime(CLOCK_REALTIME, &wall);
      long long t = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
      size_t len = 0;
      for (int k = 0; k < nactive; k++) {
        int i = active[k];
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        double step = ((double)(rng % 2001) - 1000.0) * 1e-7;
        prices[i] *= 1.0 + step;
        int buy = (rng >> 20) & 1;
        char size[32];
        if (integer_size[i]) snprintf(size, sizeof size, "%llu", 1000000ULL + (rng >> 40) % 9000000ULL);
        else snprintf(size, sizeof size, "%.4f", 0.001 + (double)((rng >> 40) % 1000) / 1000.0);
        len += (size_t)snprintf(buf + len, sizeof buf - len,
                                "{\"instrument\":\"%s\",\"price\":%.10g,\"size\":%s,\"side\":\"%s\",\"time\":%lld,\"tradeId\":\"b%llu\",\"source\":\"bench\"}\n", ids[i],
                                prices[i], size, buy ? "buy" : "sell", t, (unsigned long long)++trade_no);
      }
      size_t off = 0;
      while (off < len) {
        ssize_t w = write(1, buf + off, len - off);
        if (w < 0) {
          if (errno == EINTR) continue;
          return 1;
        }
        off += (size_t)w;
      }
    }
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      next.tv_sec++;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    /* Far behind (stopped, or the reader blocked us): resynchronise instead of bursting. */
    double behind = (double)(now.tv_sec - next.tv_sec) * 1e3 + (double)(now.tv_nsec - next.tv_nsec) / 1e6;
    if (behind > 20 * (double)period_ns / 1e6) next = now;
  }
}
