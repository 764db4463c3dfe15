/*
 * A checkpoint scanner in C: reads scanned codes from standard input one line at a time, the
 * way a keyboard-wedge scan engine types them (each code followed by Enter, "\r\n" or "\n"),
 * verifies each against the trust files given on the command line, and prints one verdict
 * line per scan:
 *
 *   ADMIT green 张*明 ****1234
 *   DENY yellow colour
 *   REJECT expired The code has expired.
 *
 * Usage:
 *   c-scanner ISSUER.pub...                  trust these issuer public keys (PEM)
 *   c-scanner --root ROOT.pub TRUST_LIST [REVOCATIONS...]
 *                                            pin a root key, load its trust list and the
 *                                            revocation lists (full, then deltas in order)
 * The clock is the system's; QRSEAL_NOW=<unix seconds> overrides it (for demonstrations).
 *
 * Collection mode (a mass-testing site): put these options first,
 *   c-scanner --journal FILE --site ID --device ID [--tube-size N] ISSUER.pub...
 * and every valid scan is also recorded in the collection journal FILE (created if missing).
 * A line "TUBE:<barcode>" opens a tube, a line "SEAL" seals it by hand; an admitted holder
 * goes into the open tube, which is sealed when it holds N samples (default 10). Extra
 * answer lines: "TUBE <barcode> <sequence>", "TUBED <tube> <scan index>" after an admitted
 * scan went into a tube, "SEALED <tube>". At the end of input it prints each sealed tube waiting for
 * upload as "POST /v1/samples <batch key>" and the JSON body on the next line: the host
 * POSTs it with its own HTTP stack and, on 200/201, passes the answer's body to
 * qrseal_journal_acknowledge.
 *
 * Build against an installed prefix:
 *   cc -std=c99 -o c-scanner scanner.c $(pkg-config --cflags --libs qrseal)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qrseal.h>

/* Reads a whole file (at most 16 MiB) into a new buffer. */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return NULL;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap || cap >= ((size_t)16 << 20)) break;
    uint8_t *bigger = realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  fclose(f);
  *len = n;
  return buf;
}

static int fail(const char *what, qrseal_code rc) {
  fprintf(stderr, "c-scanner: %s: %s (%s)\n", what, qrseal_code_name(rc),
          qrseal_code_message(rc, QRSEAL_LANGUAGE_ENGLISH));
  return 1;
}

static const char *colour_name(qrseal_colour c) {
  switch (c) {
    case QRSEAL_COLOUR_GREEN: return "green";
    case QRSEAL_COLOUR_YELLOW: return "yellow";
    case QRSEAL_COLOUR_RED: return "red";
    default: return "dark_red";
  }
}

/* Builds the scanner from the command line. */
static int open_scanner(int argc, char **argv, uint64_t now, qrseal_scanner **out) {
  qrseal_code rc;
  size_t len = 0;
  uint8_t *data;
  if (argc >= 4 && strcmp(argv[1], "--root") == 0) {
    uint8_t root[QRSEAL_PUBLIC_KEY_LEN];
    if (!(data = read_file(argv[2], &len))) return 1;
    rc = qrseal_public_key_from_pem(data, len, root, sizeof root);
    free(data);
    if (rc != QRSEAL_OK) return fail(argv[2], rc);
    if ((rc = qrseal_scanner_new_root(root, sizeof root, out)) != QRSEAL_OK) return fail("root", rc);
    for (int i = 3; i < argc; i++) {
      if (!(data = read_file(argv[i], &len))) return 1;
      rc = i == 3 ? qrseal_scanner_load_trust_list(*out, data, len, now, NULL)
                  : qrseal_scanner_load_revocations(*out, data, len, now, NULL);
      free(data);
      if (rc != QRSEAL_OK) return fail(argv[i], rc);
    }
    return 0;
  }
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: c-scanner ISSUER.pub... | c-scanner --root ROOT.pub TRUST_LIST [REVOCATIONS...]\n");
    return 2;
  }
  size_t n = (size_t)(argc - 1);
  uint8_t *keys = malloc(n * QRSEAL_PUBLIC_KEY_LEN);
  if (!keys) return 1;
  for (size_t i = 0; i < n; i++) {
    if (!(data = read_file(argv[i + 1], &len))) {
      free(keys);
      return 1;
    }
    rc = qrseal_public_key_from_pem(data, len, keys + i * QRSEAL_PUBLIC_KEY_LEN, QRSEAL_PUBLIC_KEY_LEN);
    free(data);
    if (rc != QRSEAL_OK) {
      free(keys);
      return fail(argv[i + 1], rc);
    }
  }
  rc = qrseal_scanner_new_keys(keys, n * QRSEAL_PUBLIC_KEY_LEN, out);
  free(keys);
  return rc == QRSEAL_OK ? 0 : fail("keys", rc);
}

/* Prints every sealed tube waiting for upload: the request line and the JSON body. */
static int print_pending(const qrseal_journal *journal) {
  size_t count = 0;
  qrseal_code rc = qrseal_journal_pending_count(journal, &count);
  if (rc != QRSEAL_OK) return fail("journal", rc);
  static uint8_t json[QRSEAL_BATCH_JSON_CAP];
  for (size_t i = 0; i < count; i++) {
    qrseal_batch batch;
    rc = qrseal_journal_pending_batch(journal, i, &batch, json, sizeof json);
    if (rc != QRSEAL_OK) return fail("journal", rc);
    printf("POST /v1/samples %s\n%.*s\n", (const char *)batch.key, (int)batch.json_len, (const char *)json);
  }
  return 0;
}

/* Collection mode: records a line in the journal. Returns nonzero if the journal failed. */
static int collect_line(qrseal_journal *journal, const char *line, size_t len, uint64_t now,
                        const qrseal_verdict *v, qrseal_scan_outcome *o) {
  qrseal_code rc;
  uint32_t tube = 0;
  if (!v && strncmp(line, "TUBE:", 5) == 0) {
    rc = qrseal_journal_open_tube(journal, (const uint8_t *)line + 5, len - 5, now, &tube);
    if (rc == QRSEAL_OK) printf("TUBE %s %u\n", line + 5, (unsigned)tube);
    else printf("ERROR %s %s\n", qrseal_code_name(rc), qrseal_code_message(rc, QRSEAL_LANGUAGE_ENGLISH));
    return rc == QRSEAL_JOURNAL_IO;
  }
  if (!v && strcmp(line, "SEAL") == 0) {
    rc = qrseal_journal_seal_tube(journal, now, &tube);
    if (rc == QRSEAL_OK) printf("SEALED %u\n", (unsigned)tube);
    else printf("ERROR %s %s\n", qrseal_code_name(rc), qrseal_code_message(rc, QRSEAL_LANGUAGE_ENGLISH));
    return rc == QRSEAL_JOURNAL_IO;
  }
  if (!v) return 0;
  rc = qrseal_journal_record_scan(journal, v, (const uint8_t *)line, len, now, o);
  return rc == QRSEAL_OK ? 0 : fail("journal", rc);
}

int main(int argc, char **argv) {
  const char *fixed = getenv("QRSEAL_NOW");
  uint64_t now = fixed ? strtoull(fixed, NULL, 10) : (uint64_t)time(NULL);
  const char *journal_path = NULL, *site = "", *device = "";
  uint32_t tube_size = 0;
  while (argc >= 3 && strncmp(argv[1], "--", 2) == 0 && strcmp(argv[1], "--root") != 0) {
    if (strcmp(argv[1], "--journal") == 0) journal_path = argv[2];
    else if (strcmp(argv[1], "--site") == 0) site = argv[2];
    else if (strcmp(argv[1], "--device") == 0) device = argv[2];
    else if (strcmp(argv[1], "--tube-size") == 0) tube_size = (uint32_t)strtoul(argv[2], NULL, 10);
    else break;
    argc -= 2;
    argv += 2;
  }
  qrseal_scanner *scanner = NULL;
  qrseal_policy *policy = NULL;
  qrseal_journal *journal = NULL;
  int status = open_scanner(argc, argv, now, &scanner);
  if (status != 0) {
    qrseal_scanner_free(scanner);
    return status;
  }
  if (qrseal_policy_new(&policy) != QRSEAL_OK) return 1;
  if (journal_path) {
    uint64_t dropped = 0;
    qrseal_code rc = qrseal_journal_open((const uint8_t *)journal_path, strlen(journal_path),
                                         (const uint8_t *)site, strlen(site), (const uint8_t *)device,
                                         strlen(device), tube_size, now, &journal, &dropped);
    if (rc != QRSEAL_OK) {
      qrseal_policy_free(policy);
      qrseal_scanner_free(scanner);
      return fail(journal_path, rc);
    }
    if (dropped) fprintf(stderr, "c-scanner: journal: cut a torn tail of %llu bytes\n", (unsigned long long)dropped);
  }

  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strlen(line);
    /* The scan engine's Enter is not part of the code (docs/SPEC.md §6). */
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (!fixed) now = (uint64_t)time(NULL);
    if (journal && (strncmp(line, "TUBE:", 5) == 0 || strcmp(line, "SEAL") == 0)) {
      if (collect_line(journal, line, len, now, NULL, NULL)) status = 1;
      fflush(stdout);
      if (status) break;
      continue;
    }
    qrseal_verdict v;
    qrseal_code rc = qrseal_scanner_verify_text(scanner, policy, (const uint8_t *)line, len, now, &v);
    /* Record before answering: the answer means the journal holds the scan. */
    qrseal_scan_outcome o = {0, false, 0, false};
    if (journal && rc == QRSEAL_OK && collect_line(journal, line, len, now, &v, &o)) {
      status = 1;
      break;
    }
    if (rc != QRSEAL_OK) {
      printf("REJECT %s %s\n", qrseal_code_name(rc), qrseal_code_message(rc, QRSEAL_LANGUAGE_ENGLISH));
    } else if (v.admitted) {
      printf("ADMIT %s %s\n", colour_name(v.claims.colour), (const char *)v.claims.display_hint);
    } else {
      printf("DENY %s", colour_name(v.claims.colour));
      for (size_t i = 0; i < v.denial_count; i++) printf(" %s", qrseal_code_name(v.denials[i]));
      printf("\n");
    }
    if (o.assigned) printf("TUBED %u %u\n", (unsigned)o.tube, (unsigned)o.index);
    if (o.sealed) printf("SEALED %u\n", (unsigned)o.tube);
    fflush(stdout);
  }
  if (journal && status == 0) status = print_pending(journal);
  qrseal_journal_close(journal);
  qrseal_policy_free(policy);
  qrseal_scanner_free(scanner);
  return status;
}
