/*
 * mdg bench load generator: N WebSocket clients in one epoll loop, one thread.
 *
 * Speaks just enough of each protocol to be a faithful subscriber and nothing more:
 *   raw  RFC 6455 client handshake to /ws/chart-live (x-api-key header), masked client
 *        frames, answers pings; waits for {"type":"connected"}, sends its subscription
 *        messages, is "ready" once every {"type":"subscriptionConfirmed"} came back.
 *   sio  Engine.IO v4 / Socket.IO v4 over WebSocket only (/socket.io/?EIO=4&transport=websocket):
 *        on the Engine.IO open packet `0{...}` it sends CONNECT to the namespace with the auth
 *        payload `40/api-ws,{"apiKey":"..."}`, is "ready" on the CONNECT ack `40/api-ws,{...}`
 *        (optionally then emits `42/api-ws,["subscribe",{...}]`), answers Engine.IO pings `2`
 *        with `3`, treats `44/api-ws,` (CONNECT_ERROR) as a refused connection.
 *
 * Per data message (a chart event / a price-update) it only counts the frame, reads the
 * stream identity and `"seq":` (gap and duplicate detection, per client and stream), and for
 * one message in SAMPLE per client it reads `"t":` (tick accepted by the engine) and `"tp":`
 * (published) and records now - t, now - tp in log histograms (1 % buckets).
 *
 * Completeness is exact at any rate: at `start` each stream's newest seq (over all clients)
 * is s0, at `stop` it is s1; every client that was ready at `start` should receive every seq in
 * (s0, s1]. After `stop` the clients get --drain-ms to receive what was in flight, then the
 * window reports got/expected over those ranges. The published rate of a stream is
 * (s1 - s0) / (arrival time of s1 - arrival time of s0): exact even at one update per second.
 *
 * Control on stdin (one command per line), reports on stdout (one JSON object per line):
 *   start            open a measurement window (counters, seq snapshot, own CPU time)
 *   stop             close it; after the drain: {"event":"window",...}
 *   storm            drop every connection at once (close(2)) and reconnect all of them:
 *                    {"event":"storm","msReady":..,"msReceiving":..}
 *   status           {"event":"status",...}
 *   quit             exit
 * and unprompted: {"event":"ready","ms":..} once all N clients are ready the first time.
 *
 * Build: gcc -O2 -o loadgen loadgen.c -lm   (the harness does this at run time)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 64
#define MAX_SUBS 16
#define HIST_BUCKETS 2400 /* 1 % steps: e^(2400/100) us is far beyond any latency */
#define READ_CHUNK (256 * 1024)

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { ST_IDLE, ST_CONNECTING, ST_HTTP, ST_WAIT_OPEN, ST_SUBSCRIBING, ST_READY, ST_RETRY };
enum { MODE_RAW, MODE_SIO };

typedef struct {
  int fd;
  uint8_t state;
  uint8_t receiving; /* got a data message since (re)connecting */
  uint16_t confirms;
  uint32_t key_index;
  uint32_t count;
  uint8_t *left;
  uint32_t left_len, left_cap;
  uint8_t *out;
  uint32_t out_len, out_cap;
  double retry_at;
  uint8_t in_window; /* ready at `start`: counts towards expected */
  int32_t last_seq[MAX_STREAMS];
  int32_t win_got[MAX_STREAMS];
} conn_t;

typedef struct {
  uint64_t hash;
  char name[80];
  int64_t max_seq;
  double max_seq_at; /* arrival (monotonic ms) of max_seq */
  int64_t s0, s1;    /* window range; s0 < 0: not known at start, not counted */
  double t0, t1;
} stream_t;

/* ---------------------------------------------------------------- options */
static const char *opt_host = "127.0.0.1";
static int opt_port = 8080;
static const char *opt_src = NULL;
static int opt_n = 100;
static int opt_mode = MODE_RAW;
static const char *opt_path = NULL;
static const char *opt_ns = "/api-ws";
static char **keys = NULL;
static int nkeys = 0;
static int opt_per_key = 500;
static int opt_first = 0;
static const char *subs[MAX_SUBS];
static int nsubs = 0;
static const char *opt_sio_sub = NULL;
static int opt_inflight = 256;
static int opt_sample = 64;
static int opt_reconnect_ms = 500;
static int opt_drain_ms = 1000;
static const char *opt_id = "lg";

/* ---------------------------------------------------------------- state */
static conn_t *conns;
static int epfd;
static stream_t streams[MAX_STREAMS];
static int nstreams = 0;
static int inflight = 0;
static int nready = 0;
static int ready_reported = 0;
static double t_begin;
static uint64_t total_msgs = 0, total_ctrl = 0, total_gaps = 0, total_dups = 0;
static uint64_t total_closes = 0, total_fail = 0, total_retries = 0, total_errors = 0;

/* window: 0 closed, 1 open, 2 draining (counting in-range seqs only) */
static int win_phase = 0;
static double drain_until;
static int win_open = 0;
static double win_t0;
static uint64_t win_msgs, win_bytes, win_ctrl, win_gaps, win_dups, win_closes, win_fail, win_errors, win_samples;
static uint32_t hist_t[HIST_BUCKETS], hist_tp[HIST_BUCKETS];
static struct rusage win_ru0;

/* storm */
static int retry_pending = 0;
static int storm_active = 0;
static double storm_t0, storm_ready_ms;
static int storm_receiving = 0;
static uint64_t storm_fail0;

static char err_sample[256] = "";


static double mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "loadgen: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

/* ---------------------------------------------------------------- output buffer */
static void out_append(conn_t *c, const uint8_t *data, size_t n) {
  if (c->out_len + n > c->out_cap) {
    uint32_t cap = c->out_cap ? c->out_cap : 1024;
    while (cap < c->out_len + n) cap *= 2;
    c->out = realloc(c->out, cap);
    c->out_cap = cap;
  }
  memcpy(c->out + c->out_len, data, n);
  c->out_len += (uint32_t)n;
}

static void set_events(conn_t *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - conns)};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static int flush_out(conn_t *c) {
  while (c->out_len > 0) {
    ssize_t w = write(c->fd, c->out, c->out_len);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        set_events(c, EPOLLIN | EPOLLOUT);
        return 0;
      }
      return -1;
    }
    memmove(c->out, c->out + w, c->out_len - (uint32_t)w);
    c->out_len -= (uint32_t)w;
  }
  return 0;
}

/* A masked client frame (RFC 6455 5.3). The mask is fixed: servers must accept any key. */
static void send_frame(conn_t *c, int opcode, const char *payload, size_t n) {
  uint8_t hdr[14];
  size_t h = 0;
  static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  hdr[h++] = (uint8_t)(0x80 | opcode);
  if (n < 126) {
    hdr[h++] = (uint8_t)(0x80 | n);
  } else if (n < 65536) {
    hdr[h++] = 0x80 | 126;
    hdr[h++] = (uint8_t)(n >> 8);
    hdr[h++] = (uint8_t)n;
  } else {
    hdr[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) hdr[h++] = (uint8_t)((uint64_t)n >> (8 * i));
  }
  memcpy(hdr + h, mask, 4);
  h += 4;
  out_append(c, hdr, h);
  uint8_t buf[4096];
  size_t done = 0;
  while (done < n) {
    size_t k = n - done < sizeof buf ? n - done : sizeof buf;
    for (size_t i = 0; i < k; i++) buf[i] = (uint8_t)payload[done + i] ^ mask[(done + i) & 3];
    out_append(c, buf, k);
    done += k;
  }
}

static void send_text(conn_t *c, const char *text) { send_frame(c, 1, text, strlen(text)); }

/* ---------------------------------------------------------------- connection lifecycle */
static void release(conn_t *c) {
  if (c->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
  }
  if (c->state >= ST_CONNECTING && c->state <= ST_SUBSCRIBING) inflight--;
  if (c->state == ST_READY) nready--;
  c->left_len = 0;
  c->out_len = 0;
  c->confirms = 0;
  c->receiving = 0;
}

static void schedule_retry(conn_t *c, double delay) {
  release(c);
  c->state = ST_RETRY;
  c->retry_at = mono_ms() + delay;
  total_retries++;
  retry_pending++;
}

static void fail(conn_t *c, const char *why) {
  total_fail++;
  if (win_open) win_fail++;
  if (err_sample[0] == '\0') snprintf(err_sample, sizeof err_sample, "%s", why);
  schedule_retry(c, opt_reconnect_ms);
}

static void start_connect(conn_t *c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket: %s (raise the open files limit or use more processes)", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (opt_src) {
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0};
    inet_pton(AF_INET, opt_src, &src.sin_addr);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) die("bind %s: %s", opt_src, strerror(errno));
  }
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port)};
  inet_pton(AF_INET, opt_host, &dst.sin_addr);
  c->fd = fd;
  c->state = ST_CONNECTING;
  inflight++;
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)(c - conns)};
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
    fail(c, "connect failed");
  }
}

static void send_upgrade(conn_t *c) {
  char req[1024];
  const char *key = keys[c->key_index];
  int n;
  if (opt_mode == MODE_RAW) {
    n = snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nx-api-key: %s\r\n\r\n",
                 opt_path, opt_host, opt_port, key);
  } else {
    n = snprintf(req, sizeof req,
                 "GET %s?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                 opt_path, opt_host, opt_port);
  }
  out_append(c, (const uint8_t *)req, (size_t)n);
  c->state = ST_HTTP;
  set_events(c, EPOLLIN);
  if (flush_out(c) < 0) fail(c, "write upgrade");
}

static void became_ready(conn_t *c) {
  c->state = ST_READY;
  inflight--;
  nready++;
  if (!ready_reported && nready == opt_n) {
    ready_reported = 1;
    printf("{\"event\":\"ready\",\"id\":\"%s\",\"n\":%d,\"ms\":%.1f,\"failed\":%llu,\"retries\":%llu}\n", opt_id, opt_n, mono_ms() - t_begin,
           (unsigned long long)total_fail, (unsigned long long)total_retries);
    fflush(stdout);
  }
  if (storm_active && storm_ready_ms < 0 && nready == opt_n) storm_ready_ms = mono_ms() - storm_t0;
}

/* ---------------------------------------------------------------- message handling */
static const uint8_t *find(const uint8_t *p, size_t n, const char *needle) {
  return memmem(p, n, needle, strlen(needle));
}

/*
 * The value after the last `"<key>":` within the final `window` bytes (keys: seq, t, tp), found
 * by scanning backwards for the closing `":` of the key: the hot path reads these on every
 * message, so no memmem/memcmp per position.
 */
static const uint8_t *rfind_value(const uint8_t *p, size_t n, const char *key, size_t window) {
  size_t k = strlen(key);
  size_t stop = n > window ? n - window : 0;
  if (stop < k + 1) stop = k + 1;
  for (size_t i = n; i-- > stop;) {
    if (p[i] != ':' || p[i - 1] != '"') continue;
    if (p[i - k - 2] == '"' && memcmp(p + i - k - 1, key, k) == 0) return p + i + 1;
  }
  return NULL;
}

static int64_t parse_int(const uint8_t *q, const uint8_t *end) {
  int64_t v = 0;
  while (q < end && *q >= '0' && *q <= '9') v = v * 10 + (*q++ - '0');
  return v;
}

static int stream_index(const uint8_t *p, size_t n) {
  const uint8_t *name = NULL;
  size_t len = 0;
  int tf = 0;
  if (opt_mode == MODE_RAW) {
    /* {"event":"chart","tokenAddress":"<addr>","quoteToken":"<mint>","timeframe":N — fixed offset first. */
    static const char key[] = "\"tokenAddress\":\"";
    const uint8_t *a = n > 33 + 16 && memcmp(p + 17, key, 16) == 0 ? p + 17 : find(p, n < 200 ? n : 200, key);
    if (!a) return -1;
    name = a + 16;
    const uint8_t *e = memchr(name, '"', (size_t)(p + n - name));
    if (!e) return -1;
    len = (size_t)(e - name);
    size_t rest = (size_t)(p + n - e);
    /* The quote mint has a fixed length: "timeframe": is normally 61 bytes after the address. */
    const uint8_t *t = rest > 80 && memcmp(e + 61, "\"timeframe\":", 12) == 0 ? e + 61 : find(e, rest < 120 ? rest : 120, "\"timeframe\":");
    if (t) tf = (int)parse_int(t + 12, p + n);
  } else {
    /* 42/api-ws,["price-update",{"symbol":"BTC", */
    static const char key[] = "\"symbol\":\"";
    size_t at = 2 + strlen(opt_ns) + 18;
    const uint8_t *a = n > at + 10 && memcmp(p + at, key, 10) == 0 ? p + at : find(p, n < 200 ? n : 200, key);
    if (!a) return -1;
    name = a + 10;
    const uint8_t *e = memchr(name, '"', (size_t)(p + n - name));
    if (!e) return -1;
    len = (size_t)(e - name);
  }
  uint64_t h = fnv(name, len) ^ ((uint64_t)tf * 0x9E3779B97F4A7C15ULL);
  static int last = 0;
  if (last < nstreams && streams[last].hash == h) return last;
  for (int i = 0; i < nstreams; i++)
    if (streams[i].hash == h) return last = i;
  if (nstreams == MAX_STREAMS) return -1;
  stream_t *s = &streams[nstreams];
  s->hash = h;
  snprintf(s->name, sizeof s->name, "%.*s:%d", (int)(len < 60 ? len : 60), name, tf);
  s->max_seq = 0;
  s->max_seq_at = 0;
  s->s0 = -1;
  s->s1 = -1;
  return nstreams++;
}

static void hist_add(uint32_t *hist, double ms) {
  double us = ms * 1000.0;
  int idx = us <= 1.0 ? 0 : (int)(log(us) * 100.0);
  if (idx >= HIST_BUCKETS) idx = HIST_BUCKETS - 1;
  if (idx < 0) idx = 0;
  hist[idx]++;
}

static void on_data(conn_t *c, const uint8_t *p, size_t n) {
  total_msgs++;
  if (win_open) {
    win_msgs++;
    win_bytes += n;
  }
  if (!c->receiving) {
    c->receiving = 1;
    if (storm_active) storm_receiving++;
  }
  int s = stream_index(p, n);
  const uint8_t *q = rfind_value(p, n, "seq", 96);
  if (s >= 0 && q) {
    int32_t seq = (int32_t)parse_int(q, p + n);
    int32_t last = c->last_seq[s];
    if (last > 0) {
      if (seq > last + 1) {
        total_gaps += (uint64_t)(seq - last - 1);
        if (win_open) win_gaps += (uint64_t)(seq - last - 1);
      } else if (seq <= last) {
        total_dups++;
        if (win_open) win_dups++;
      }
    }
    c->last_seq[s] = seq;
    if (seq > streams[s].max_seq) {
      streams[s].max_seq = seq;
      streams[s].max_seq_at = mono_ms();
    }
    if (win_phase && c->in_window && streams[s].s0 >= 0 && seq > streams[s].s0 && (win_phase == 1 || seq <= streams[s].s1)) c->win_got[s]++;
  }
  c->count++;
  if (win_open && opt_sample > 0 && c->count % (uint32_t)opt_sample == 0) {
    /* The servers stamp t/tp on CLOCK_MONOTONIC too (same machine). */
    double now = mono_ms();
    const uint8_t *t = rfind_value(p, n, "t", 80);
    const uint8_t *tp = rfind_value(p, n, "tp", 80);
    if (t) hist_add(hist_t, now - strtod((const char *)t, NULL));
    if (tp) hist_add(hist_tp, now - strtod((const char *)tp, NULL));
    if (t || tp) win_samples++;
  }
}

static void on_control(conn_t *c) {
  total_ctrl++;
  if (win_open) win_ctrl++;
  (void)c;
}

static void on_error_message(const uint8_t *p, size_t n) {
  total_errors++;
  if (win_open) win_errors++;
  if (err_sample[0] == '\0') snprintf(err_sample, sizeof err_sample, "%.*s", (int)(n < 200 ? n : 200), p);
}

static void on_text(conn_t *c, const uint8_t *p, size_t n) {
  if (opt_mode == MODE_RAW) {
    if (n > 16 && memcmp(p, "{\"event\":\"chart\"", 16) == 0) {
      on_data(c, p, n);
      return;
    }
    on_control(c);
    if (find(p, n < 64 ? n : 64, "\"type\":\"connected\"")) {
      if (c->state != ST_WAIT_OPEN) return;
      for (int i = 0; i < nsubs; i++) send_text(c, subs[i]);
      if (nsubs == 0) {
        became_ready(c);
      } else {
        c->state = ST_SUBSCRIBING;
      }
    } else if (find(p, n < 64 ? n : 64, "\"type\":\"subscriptionConfirmed\"")) {
      c->confirms++;
      if (c->state == ST_SUBSCRIBING && c->confirms >= nsubs) became_ready(c);
    } else if (find(p, n < 64 ? n : 64, "\"type\":\"error\"")) {
      on_error_message(p, n);
    }
    return;
  }
  /* Engine.IO packet types: 0 open, 1 close, 2 ping, 3 pong, 4 message (Socket.IO packet follows). */
  if (n == 0) return;
  size_t nslen = strlen(opt_ns);
  switch (p[0]) {
    case '0': {
      on_control(c);
      if (c->state != ST_WAIT_OPEN) return;
      char msg[512];
      snprintf(msg, sizeof msg, "40%s,{\"apiKey\":\"%s\"}", opt_ns, keys[c->key_index]);
      send_text(c, msg);
      c->state = ST_SUBSCRIBING;
      return;
    }
    case '2':
      send_text(c, "3");
      on_control(c);
      return;
    case '1':
      on_control(c);
      return;
    case '4':
      break;
    default:
      on_control(c);
      return;
  }
  if (n < 3 + nslen || memcmp(p + 2, opt_ns, nslen) != 0) {
    on_control(c);
    return;
  }
  const uint8_t *rest = p + 2 + nslen;
  size_t rn = n - 2 - nslen;
  char kind = (char)p[1];
  if (kind == '2') {
    if (rn > 16 && memcmp(rest, ",[\"price-update\"", 16) == 0) {
      on_data(c, p, n);
    } else {
      on_control(c);
    }
    return;
  }
  on_control(c);
  if (kind == '0' && c->state == ST_SUBSCRIBING) {
    if (opt_sio_sub) {
      char msg[2048];
      snprintf(msg, sizeof msg, "42%s,[\"subscribe\",%s]", opt_ns, opt_sio_sub);
      send_text(c, msg);
    }
    became_ready(c);
  } else if (kind == '4') {
    on_error_message(p, n);
    fail(c, "CONNECT_ERROR");
  }
}

static int on_frames(conn_t *c, uint8_t *p, size_t avail, size_t *consumed) {
  size_t off = 0;
  while (avail - off >= 2) {
    uint8_t *f = p + off;
    int op = f[0] & 0x0f;
    int masked = f[1] & 0x80;
    uint64_t len = f[1] & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      if (avail - off < 4) break;
      len = ((uint64_t)f[2] << 8) | f[3];
      hdr = 4;
    } else if (len == 127) {
      if (avail - off < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | f[2 + i];
      hdr = 10;
    }
    if (masked) hdr += 4;
    if (avail - off < hdr + len) break;
    uint8_t *payload = f + hdr;
    if (masked) {
      uint8_t *m = f + hdr - 4;
      for (uint64_t i = 0; i < len; i++) payload[i] ^= m[i & 3];
    }
    off += hdr + (size_t)len;
    switch (op) {
      case 0x1:
      case 0x2:
      case 0x0:
        on_text(c, payload, (size_t)len);
        if (c->fd < 0) {
          *consumed = off;
          return -1;
        }
        break;
      case 0x8: {
        int code = len >= 2 ? (payload[0] << 8) | payload[1] : 1005;
        char why[64];
        snprintf(why, sizeof why, "server closed with %d", code);
        total_closes++;
        if (win_open) win_closes++;
        if (c->state == ST_READY) {
          if (err_sample[0] == '\0') snprintf(err_sample, sizeof err_sample, "%s", why);
          schedule_retry(c, opt_reconnect_ms);
        } else {
          fail(c, why);
        }
        *consumed = off;
        return -1;
      }
      case 0x9:
        send_frame(c, 0xA, (const char *)payload, (size_t)len);
        break;
      default:
        break;
    }
  }
  *consumed = off;
  return 0;
}

static uint8_t *scratch;

static void on_readable(conn_t *c) {
  /* Leftover partial frame first, then fresh bytes after it, parsed in one pass. */
  size_t have = c->left_len;
  if (have) memcpy(scratch, c->left, have);
  ssize_t r = read(c->fd, scratch + have, READ_CHUNK);
  if (r <= 0) {
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    total_closes++;
    if (win_open) win_closes++;
    if (c->state == ST_READY) {
      schedule_retry(c, opt_reconnect_ms);
    } else {
      fail(c, r == 0 ? "closed by server during handshake" : "read error during handshake");
    }
    return;
  }
  size_t avail = have + (size_t)r;
  uint8_t *p = scratch;
  if (c->state == ST_HTTP) {
    uint8_t *end = memmem(p, avail, "\r\n\r\n", 4);
    if (!end) {
      if (avail > 8192) {
        fail(c, "oversized HTTP response");
        return;
      }
      goto keep;
    }
    if (avail < 12 || memcmp(p + 9, "101", 3) != 0) {
      char why[128];
      snprintf(why, sizeof why, "upgrade refused: %.*s", (int)(memchr(p, '\r', avail) ? (uint8_t *)memchr(p, '\r', avail) - p : 40), p);
      fail(c, why);
      return;
    }
    c->state = ST_WAIT_OPEN;
    size_t skip = (size_t)(end + 4 - p);
    p += skip;
    avail -= skip;
  }
  {
    size_t consumed = 0;
    if (on_frames(c, p, avail, &consumed) < 0) return;
    p += consumed;
    avail -= consumed;
  }
  if (c->out_len > 0 && flush_out(c) < 0) {
    fail(c, "write failed");
    return;
  }
keep:
  if (avail > c->left_cap) {
    c->left = realloc(c->left, avail);
    c->left_cap = (uint32_t)avail;
  }
  memmove(c->left, p, avail);
  c->left_len = (uint32_t)avail;
}

/* ---------------------------------------------------------------- reports */
static void print_hist(const char *name, uint32_t *hist) {
  printf(",\"%s\":[", name);
  int first = 1;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    if (!hist[i]) continue;
    printf("%s[%d,%u]", first ? "" : ",", i, hist[i]);
    first = 0;
  }
  printf("]");
}

static double ru_us(const struct rusage *a, const struct rusage *b) {
  double ua = a->ru_utime.tv_sec * 1e6 + a->ru_utime.tv_usec + a->ru_stime.tv_sec * 1e6 + a->ru_stime.tv_usec;
  double ub = b->ru_utime.tv_sec * 1e6 + b->ru_utime.tv_usec + b->ru_stime.tv_sec * 1e6 + b->ru_stime.tv_usec;
  return ub - ua;
}

static void window_start(void) {
  win_open = 1;
  win_phase = 1;
  win_t0 = mono_ms();
  for (int i = 0; i < opt_n; i++) {
    conn_t *c = &conns[i];
    c->in_window = c->state == ST_READY;
    memset(c->win_got, 0, sizeof c->win_got);
  }
  win_msgs = win_bytes = win_ctrl = win_gaps = win_dups = win_closes = win_fail = win_errors = win_samples = 0;
  memset(hist_t, 0, sizeof hist_t);
  memset(hist_tp, 0, sizeof hist_tp);
  for (int i = 0; i < MAX_STREAMS; i++) {
    streams[i].s0 = i < nstreams ? streams[i].max_seq : -1;
    streams[i].t0 = i < nstreams ? streams[i].max_seq_at : 0;
  }
  getrusage(RUSAGE_SELF, &win_ru0);
  err_sample[0] = '\0';
}

static struct rusage win_ru1;
static double win_ms;
static int win_ready_at_stop;

static void window_stop(void) {
  getrusage(RUSAGE_SELF, &win_ru1);
  win_ms = mono_ms() - win_t0;
  win_open = 0;
  win_ready_at_stop = nready;
  for (int i = 0; i < nstreams; i++) {
    streams[i].s1 = streams[i].max_seq;
    streams[i].t1 = streams[i].max_seq_at;
  }
  win_phase = 2;
  drain_until = mono_ms() + opt_drain_ms;
}

static void window_report(void) {
  win_phase = 0;
  uint64_t expected = 0, got = 0, members = 0;
  int64_t range = 0;
  double pub_rate = 0;
  for (int i = 0; i < nstreams; i++) {
    stream_t *st = &streams[i];
    if (st->s0 < 0 || st->s1 <= st->s0) continue;
    range += st->s1 - st->s0;
    if (st->t1 > st->t0) pub_rate += (double)(st->s1 - st->s0) * 1000.0 / (st->t1 - st->t0);
  }
  for (int i = 0; i < opt_n; i++) {
    conn_t *c = &conns[i];
    if (!c->in_window) continue;
    members++;
    expected += (uint64_t)range;
    for (int k = 0; k < nstreams; k++) got += (uint64_t)c->win_got[k];
  }
  double ms = win_ms;
  struct rusage ru = win_ru1;
  printf("{\"event\":\"window\",\"id\":\"%s\",\"ms\":%.1f,\"ready\":%d,\"members\":%llu,\"expected\":%llu,\"got\":%llu,\"published\":%lld,\"pubRate\":%.2f,\"msgs\":%llu,\"bytes\":%llu,\"ctrl\":%llu,\"gaps\":%llu,\"dups\":%llu,"
         "\"closes\":%llu,\"failed\":%llu,\"errors\":%llu,\"samples\":%llu,\"cpuUs\":%.0f,\"streams\":[",
         opt_id, ms, win_ready_at_stop, (unsigned long long)members, (unsigned long long)expected, (unsigned long long)got, (long long)range, pub_rate, (unsigned long long)win_msgs, (unsigned long long)win_bytes, (unsigned long long)win_ctrl, (unsigned long long)win_gaps,
         (unsigned long long)win_dups, (unsigned long long)win_closes, (unsigned long long)win_fail, (unsigned long long)win_errors,
         (unsigned long long)win_samples, ru_us(&win_ru0, &ru));
  for (int i = 0; i < nstreams; i++) {
    printf("%s{\"k\":\"%s\",\"s0\":%lld,\"s1\":%lld,\"t0\":%.3f,\"t1\":%.3f}", i ? "," : "", streams[i].name, (long long)streams[i].s0, (long long)streams[i].s1, streams[i].t0, streams[i].t1);
  }
  printf("]");
  print_hist("lat", hist_t);
  print_hist("latPub", hist_tp);
  printf(",\"err\":\"");
  for (const char *e = err_sample; *e; e++) {
    if (*e == '"' || *e == '\\') putchar('\\');
    putchar((unsigned char)*e >= 0x20 ? *e : ' ');
  }
  printf("\"}\n");
  fflush(stdout);
}

static void storm_start(void) {
  storm_active = 1;
  storm_t0 = mono_ms();
  storm_ready_ms = -1;
  storm_receiving = 0;
  storm_fail0 = total_fail;
  retry_pending = 0;
  for (int i = 0; i < opt_n; i++) {
    conn_t *c = &conns[i];
    release(c);
    c->state = ST_IDLE;
    memset(c->last_seq, 0, sizeof c->last_seq);
  }
}

static void storm_check(void) {
  if (!storm_active || storm_ready_ms < 0 || storm_receiving < opt_n) return;
  storm_active = 0;
  printf("{\"event\":\"storm\",\"id\":\"%s\",\"n\":%d,\"msReady\":%.1f,\"msReceiving\":%.1f,\"failed\":%llu}\n", opt_id, opt_n, storm_ready_ms,
         mono_ms() - storm_t0, (unsigned long long)(total_fail - storm_fail0));
  fflush(stdout);
}

static void status(void) {
  printf("{\"event\":\"status\",\"id\":\"%s\",\"ready\":%d,\"inflight\":%d,\"msgs\":%llu,\"gaps\":%llu,\"closes\":%llu,\"failed\":%llu,\"retries\":%llu,"
         "\"storm\":%d,\"stormReceiving\":%d,\"err\":\"",
         opt_id, nready, inflight, (unsigned long long)total_msgs, (unsigned long long)total_gaps, (unsigned long long)total_closes,
         (unsigned long long)total_fail, (unsigned long long)total_retries, storm_active, storm_receiving);
  for (const char *e = err_sample; *e; e++) {
    if (*e == '"' || *e == '\\') putchar('\\');
    putchar((unsigned char)*e >= 0x20 ? *e : ' ');
  }
  printf("\"}\n");
  fflush(stdout);
}

static char cmdbuf[4096];
static size_t cmdlen = 0;

static int on_stdin(void) {
  ssize_t r = read(0, cmdbuf + cmdlen, sizeof cmdbuf - 1 - cmdlen);
  if (r <= 0) return -1; /* harness gone: exit */
  cmdlen += (size_t)r;
  char *nl;
  while ((nl = memchr(cmdbuf, '\n', cmdlen)) != NULL) {
    *nl = '\0';
    if (strcmp(cmdbuf, "start") == 0) window_start();
    else if (strcmp(cmdbuf, "stop") == 0 && win_phase == 1) window_stop();
    else if (strcmp(cmdbuf, "storm") == 0) storm_start();
    else if (strcmp(cmdbuf, "status") == 0) status();
    else if (strcmp(cmdbuf, "quit") == 0) return -1;
    size_t used = (size_t)(nl - cmdbuf) + 1;
    memmove(cmdbuf, nl + 1, cmdlen - used);
    cmdlen -= used;
  }
  return 0;
}

/* ---------------------------------------------------------------- main */
static void load_keys(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) die("cannot open keys file %s", file);
  char line[256];
  int cap = 64;
  keys = malloc(sizeof(char *) * (size_t)cap);
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0]) continue;
    if (nkeys == cap) keys = realloc(keys, sizeof(char *) * (size_t)(cap *= 2));
    keys[nkeys++] = strdup(line);
  }
  fclose(f);
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --port P [--host H] [--src 127.0.0.2] --n N --mode raw|sio [--path P] [--ns /api-ws]\n"
          "               [--keys file --per-key 500 --first 0] [--sub JSON]... [--sio-sub JSON] [--inflight 256]\n"
          "               [--sample 64] [--reconnect-ms 500] [--id name]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *keyfile = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    if (!strcmp(a, "--host")) opt_host = v;
    else if (!strcmp(a, "--port")) opt_port = atoi(v);
    else if (!strcmp(a, "--src")) opt_src = v;
    else if (!strcmp(a, "--n")) opt_n = atoi(v);
    else if (!strcmp(a, "--mode")) opt_mode = !strcmp(v, "sio") ? MODE_SIO : MODE_RAW;
    else if (!strcmp(a, "--path")) opt_path = v;
    else if (!strcmp(a, "--ns")) opt_ns = v;
    else if (!strcmp(a, "--keys")) keyfile = v;
    else if (!strcmp(a, "--per-key")) opt_per_key = atoi(v);
    else if (!strcmp(a, "--first")) opt_first = atoi(v);
    else if (!strcmp(a, "--sub")) {
      if (nsubs == MAX_SUBS) die("at most %d --sub", MAX_SUBS);
      subs[nsubs++] = v;
    } else if (!strcmp(a, "--sio-sub")) opt_sio_sub = v;
    else if (!strcmp(a, "--inflight")) opt_inflight = atoi(v);
    else if (!strcmp(a, "--sample")) opt_sample = atoi(v);
    else if (!strcmp(a, "--reconnect-ms")) opt_reconnect_ms = atoi(v);
    else if (!strcmp(a, "--drain-ms")) opt_drain_ms = atoi(v);
    else if (!strcmp(a, "--id")) opt_id = v;
    else usage();
    i++;
  }
  if (!opt_path) opt_path = opt_mode == MODE_RAW ? "/ws/chart-live" : "/socket.io/";
  if (keyfile) load_keys(keyfile);
  if (nkeys == 0) {
    keys = malloc(sizeof(char *));
    keys[0] = "none";
    nkeys = 1;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if ((rlim_t)opt_n + 16 > rl.rlim_cur) die("%d clients need more than the %lu open files allowed: use more processes", opt_n, (unsigned long)rl.rlim_cur);

  conns = calloc((size_t)opt_n, sizeof(conn_t));
  scratch = malloc(READ_CHUNK + 1024 * 1024);
  for (int i = 0; i < opt_n; i++) {
    conns[i].fd = -1;
    conns[i].state = ST_IDLE;
    int k = (opt_first + i) / opt_per_key;
    conns[i].key_index = (uint32_t)(k % nkeys);
  }
  epfd = epoll_create1(0);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct epoll_event sev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &sev);

  t_begin = mono_ms();
  struct epoll_event events[1024];
  int next_idle = 0;
  for (;;) {
    /* Start connections while under the in-flight limit: idle ones first, then due retries. */
    double now = mono_ms();
    while (inflight < opt_inflight && next_idle < opt_n) {
      conn_t *c = &conns[next_idle];
      if (c->state == ST_IDLE) start_connect(c);
      next_idle++;
    }
    static double last_scan = 0;
    if (retry_pending > 0 && inflight < opt_inflight && now - last_scan >= 10) {
      last_scan = now;
      for (int i = 0; i < opt_n && inflight < opt_inflight; i++) {
        conn_t *c = &conns[i];
        if (c->state == ST_RETRY && c->retry_at <= now) {
          retry_pending--;
          start_connect(c);
        }
      }
    }
    int timeout = retry_pending > 0 || (inflight < opt_inflight && next_idle < opt_n) ? 5 : 50;
    int ne = epoll_wait(epfd, events, 1024, timeout);
    for (int e = 0; e < ne; e++) {
      uint32_t id = events[e].data.u32;
      if (id == UINT32_MAX) {
        if (on_stdin() < 0) return 0;
        if (storm_active) next_idle = 0;
        continue;
      }
      conn_t *c = &conns[id];
      if (c->fd < 0) continue;
      uint32_t ev = events[e].events;
      if (c->state == ST_CONNECTING) {
        if (ev & (EPOLLERR | EPOLLHUP)) {
          fail(c, "connect refused");
          continue;
        }
        if (ev & EPOLLOUT) send_upgrade(c);
        continue;
      }
      if ((ev & EPOLLOUT) && c->out_len > 0) {
        if (flush_out(c) < 0) {
          fail(c, "write failed");
          continue;
        }
        if (c->out_len == 0) set_events(c, EPOLLIN);
      }
      if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
    }
    storm_check();
    if (win_phase == 2 && mono_ms() >= drain_until) window_report();
  }
}
