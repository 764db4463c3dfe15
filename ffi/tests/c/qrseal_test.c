/*
 * The C tests of libqrseal: every case of testvectors/ (read from the flat copy
 * testvectors/c/vectors.txt) through the C API, then the API's edges (NULL pointers, zero
 * lengths, oversized inputs, buffers too small, outputs untouched on failure, free(NULL))
 * and one scanner used from several threads.
 *
 *   qrseal_test VECTORS_FILE
 *
 * Prints one verdict line per verify to stdout (scripts/ffi.sh compares them across
 * targets) and every failure to stderr; exits 1 if anything failed.
 * Built with -std=c99 -Wall -Wextra -Werror -pedantic by scripts/ffi.sh.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrseal.h>

static int failures = 0;
static char context[256] = "";

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, context, #cond); \
      failures++;                                                                   \
    }                                                                               \
  } while (0)

#define CHECK_RC(call, want)                                                            \
  do {                                                                                  \
    qrseal_code rc_ = (call);                                                           \
    if (rc_ != (qrseal_code)(want)) {                                                   \
      fprintf(stderr, "FAIL %s:%d [%s]: %s = %s, want %s\n", __FILE__, __LINE__, context, \
              #call, name_of(rc_), name_of(want));                                      \
      failures++;                                                                       \
    }                                                                                   \
  } while (0)

static const char *name_of(uint32_t code) {
  const char *n = qrseal_code_name(code);
  return n ? n : "(unknown)";
}

/* ---- hex and fields ---- */

#define MAX_BYTES 4096

typedef struct {
  uint8_t bytes[MAX_BYTES];
  size_t len;
} buf_t;

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Decodes hex ("-" is empty) into b; returns 0 on success. */
static int unhex(const char *s, buf_t *b) {
  b->len = 0;
  if (strcmp(s, "-") == 0) return 0;
  size_t n = strlen(s);
  if (n % 2 || n / 2 > MAX_BYTES) return -1;
  for (size_t i = 0; i < n; i += 2) {
    int hi = hexval(s[i]), lo = hexval(s[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    b->bytes[b->len++] = (uint8_t)(hi * 16 + lo);
  }
  return 0;
}

static int is_absent(const char *s) { return strcmp(s, "-") == 0; }

static uint64_t num(const char *s) { return is_absent(s) ? 0 : strtoull(s, NULL, 10); }

#define MAX_FIELDS 12

/* Splits a line at tabs in place; returns the number of fields. */
static int split(char *line, char **f) {
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, "\t\r\n", &save); t && n < MAX_FIELDS; t = strtok_r(NULL, "\t\r\n", &save))
    f[n++] = t;
  return n;
}

/* ---- policy and decision lines ---- */

typedef struct {
  int present;
  char p[MAX_FIELDS][64];
  int decision_present;
  int admit;
  char reasons[256];
} policy_spec_t;

static qrseal_policy *make_policy(const policy_spec_t *ps) {
  qrseal_policy *p = NULL;
  CHECK_RC(qrseal_policy_new(&p), QRSEAL_OK);
  if (!p || !ps->present) return p;
  if (!is_absent(ps->p[1])) CHECK_RC(qrseal_policy_set_accepted_colours(p, (uint32_t)num(ps->p[1])), QRSEAL_OK);
  if (!is_absent(ps->p[2])) CHECK_RC(qrseal_policy_set_max_test_age(p, true, num(ps->p[2])), QRSEAL_OK);
  if (!is_absent(ps->p[3])) CHECK_RC(qrseal_policy_set_min_doses(p, (uint8_t)num(ps->p[3])), QRSEAL_OK);
  if (!is_absent(ps->p[4])) CHECK_RC(qrseal_policy_set_max_stale(p, true, num(ps->p[4])), QRSEAL_OK);
  if (!is_absent(ps->p[5])) CHECK_RC(qrseal_policy_set_require_revocations(p, num(ps->p[5]) != 0), QRSEAL_OK);
  return p;
}

/* The decision as "admit" or "deny r1,r2". */
static void decision_text(const qrseal_verdict *v, char *out, size_t cap) {
  snprintf(out, cap, "%s", v->admitted ? "admit" : "deny");
  for (size_t i = 0; i < v->denial_count && i < QRSEAL_MAX_DENIALS; i++) {
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s", i ? "," : " ", name_of(v->denials[i]));
  }
}

static void check_decision(const policy_spec_t *ps, const qrseal_verdict *v) {
  if (!ps->decision_present) return;
  char want[300], got[300];
  snprintf(want, sizeof want, "%s%s%s", ps->admit ? "admit" : "deny", ps->admit ? "" : " ",
           ps->admit ? "" : ps->reasons);
  decision_text(v, got, sizeof got);
  if (strcmp(want, got) != 0) {
    fprintf(stderr, "FAIL [%s]: decision %s, want %s\n", context, got, want);
    failures++;
  }
}

/* ---- token cases ---- */

typedef struct {
  char name[128];
  uint64_t now, skew;
  buf_t keys;
  int n_inputs;
  int is_text[4];
  buf_t inputs[4];
  char expect[MAX_FIELDS][128];
  int n_expect;
  policy_spec_t policy;
} token_case_t;

/* Kept from the vectors for the thread test: a valid text and its keys and clock. */
static buf_t thread_keys, thread_text;
static uint64_t thread_now;

static const char *test_name(qrseal_test_result r) {
  switch (r) {
    case QRSEAL_TEST_NEGATIVE: return "negative";
    case QRSEAL_TEST_POSITIVE: return "positive";
    default: return "pending";
  }
}

static void check_claims(char expect[][128], const qrseal_claims *c) {
  CHECK((uint32_t)c->colour == num(expect[2]));
  CHECK(c->issued_at == num(expect[3]));
  CHECK(c->expires_at == num(expect[4]));
  if (is_absent(expect[5])) {
    CHECK(!c->has_test);
  } else {
    CHECK(c->has_test && strcmp(test_name(c->test_result), expect[5]) == 0);
    CHECK(c->test_collected_at == num(expect[6]));
  }
  CHECK(c->doses == num(expect[7]));
  CHECK(c->last_dose_days == num(expect[8]));
  buf_t hint;
  CHECK(unhex(expect[9], &hint) == 0);
  CHECK(c->display_hint_len == hint.len && memcmp(c->display_hint, hint.bytes, hint.len) == 0);
  CHECK(c->display_hint[c->display_hint_len] == 0);
}

static void run_token_case(token_case_t *tc) {
  qrseal_scanner *s = NULL;
  snprintf(context, sizeof context, "%s", tc->name);
  CHECK_RC(qrseal_scanner_new_keys(tc->keys.len ? tc->keys.bytes : NULL, tc->keys.len, &s), QRSEAL_OK);
  if (!s) return;
  CHECK_RC(qrseal_scanner_set_clock_skew(s, tc->skew), QRSEAL_OK);
  qrseal_policy *p = make_policy(&tc->policy);
  for (int i = 0; i < tc->n_inputs; i++) {
    snprintf(context, sizeof context, "%s input %d", tc->name, i);
    qrseal_verdict v;
    const buf_t *in = &tc->inputs[i];
    qrseal_code rc = tc->is_text[i]
                         ? qrseal_scanner_verify_text(s, p, in->bytes, in->len, tc->now, &v)
                         : qrseal_scanner_verify_bytes(s, p, in->bytes, in->len, tc->now, &v);
    const char *want = tc->expect[1];
    char got[300];
    if (rc == QRSEAL_OK) decision_text(&v, got, sizeof got);
    printf("token %s %d %s%s%s\n", tc->name, i, name_of(rc), rc == QRSEAL_OK ? " " : "",
           rc == QRSEAL_OK ? got : "");
    if (strcmp(name_of(rc), want) != 0) {
      fprintf(stderr, "FAIL [%s]: %s, want %s\n", context, name_of(rc), want);
      failures++;
      continue;
    }
    if (rc != QRSEAL_OK) continue;
    check_claims(tc->expect, &v.claims);
    check_decision(&tc->policy, &v);
    if (tc->is_text[i] && thread_text.len == 0) {
      thread_text = *in;
      thread_keys = tc->keys;
      thread_now = tc->now;
    }
  }
  qrseal_policy_free(p);
  qrseal_scanner_free(s);
}

/* ---- trust scenarios ---- */

typedef struct {
  char name[128];
  buf_t root;
  uint64_t skew, grace;
  qrseal_scanner *s;
  /* A verify waiting for its P and D lines. */
  int pending;
  char v[MAX_FIELDS][200];
  buf_t text;
  policy_spec_t policy;
} scenario_t;

static buf_t store_root, store_list, store_text;
static uint64_t store_now, store_skew;

static void scenario_open(scenario_t *sc) {
  CHECK_RC(qrseal_scanner_new_root(sc->root.bytes, sc->root.len, &sc->s), QRSEAL_OK);
  if (!sc->s) return;
  CHECK_RC(qrseal_scanner_set_clock_skew(sc->s, sc->skew), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_set_grace(sc->s, sc->grace), QRSEAL_OK);
}

static void run_pending_verify(scenario_t *sc) {
  if (!sc->pending) return;
  sc->pending = 0;
  if (!sc->s) return;
  qrseal_policy *p = make_policy(&sc->policy);
  qrseal_verdict v;
  uint64_t now = num(sc->v[2]);
  qrseal_code rc = qrseal_scanner_verify_text(sc->s, p, sc->text.bytes, sc->text.len, now, &v);
  char got[300] = "";
  if (rc == QRSEAL_OK) decision_text(&v, got, sizeof got);
  printf("trust %s verify %s%s%s\n", sc->name, name_of(rc), rc == QRSEAL_OK ? " " : "", got);
  if (strcmp(name_of(rc), sc->v[3]) != 0) {
    fprintf(stderr, "FAIL [%s]: verify %s, want %s\n", context, name_of(rc), sc->v[3]);
    failures++;
  } else if (rc == QRSEAL_OK) {
    const char *stale = v.stale == QRSEAL_STALE_TRUST_LIST   ? "trust_list"
                        : v.stale == QRSEAL_STALE_REVOCATIONS ? "revocations"
                                                              : "-";
    CHECK(strcmp(stale, sc->v[4]) == 0);
    CHECK(v.stale_age_secs == num(sc->v[5]));
    CHECK(v.stale_overdue_secs == num(sc->v[6]));
    check_decision(&sc->policy, &v);
    if (store_text.len == 0 && store_list.len != 0) {
      store_text = sc->text;
      store_now = now;
    }
  }
  qrseal_policy_free(p);
  memset(&sc->policy, 0, sizeof sc->policy);
}

static void run_trust_line(scenario_t *sc, char **f, int n) {
  char kind = f[0][0];
  if (kind != 'P' && kind != 'D') run_pending_verify(sc);
  snprintf(context, sizeof context, "%s %c", sc->name, kind);
  switch (kind) {
    case 'L': {
      buf_t list;
      CHECK(n == 6 && unhex(f[2], &list) == 0);
      if (!sc->s) return;
      qrseal_list_info info;
      memset(&info, 0, sizeof info);
      qrseal_code rc = strcmp(f[1], "trust") == 0
                           ? qrseal_scanner_load_trust_list(sc->s, list.bytes, list.len, num(f[3]), &info)
                           : qrseal_scanner_load_revocations(sc->s, list.bytes, list.len, num(f[3]), &info);
      printf("trust %s load %s %s\n", sc->name, f[1], name_of(rc));
      if (strcmp(name_of(rc), f[4]) != 0) {
        fprintf(stderr, "FAIL [%s]: load %s, want %s\n", context, name_of(rc), f[4]);
        failures++;
      } else if (rc == QRSEAL_OK && !is_absent(f[5])) {
        CHECK(info.sequence == num(f[5]));
      }
      if (rc == QRSEAL_OK && strcmp(f[1], "trust") == 0 && store_root.len == 0) {
        store_root = sc->root;
        store_list = list;
        store_skew = sc->skew;
      }
      break;
    }
    case 'V':
      CHECK(n == 7);
      for (int i = 0; i < n && i < MAX_FIELDS; i++) snprintf(sc->v[i], sizeof sc->v[i], "%s", f[i]);
      CHECK(unhex(f[1], &sc->text) == 0);
      sc->pending = 1;
      break;
    case 'P':
      sc->policy.present = 1;
      for (int i = 0; i < n && i < MAX_FIELDS; i++) snprintf(sc->policy.p[i], 64, "%s", f[i]);
      break;
    case 'D':
      sc->policy.decision_present = 1;
      sc->policy.admit = strcmp(f[1], "admit") == 0;
      snprintf(sc->policy.reasons, sizeof sc->policy.reasons, "%s", n > 2 ? f[2] : "-");
      run_pending_verify(sc);
      break;
    case 'K': {
      buf_t want;
      CHECK(unhex(f[1], &want) == 0);
      uint8_t cp[QRSEAL_CHECKPOINT_LEN];
      size_t len = 0;
      if (!sc->s) return;
      CHECK_RC(qrseal_scanner_checkpoint(sc->s, cp, sizeof cp, &len), QRSEAL_OK);
      CHECK(len == want.len && memcmp(cp, want.bytes, len) == 0);
      break;
    }
    case 'R': {
      buf_t cp;
      CHECK(unhex(f[1], &cp) == 0);
      if (!sc->s) return;
      qrseal_code rc = qrseal_scanner_restore(sc->s, cp.bytes, cp.len);
      CHECK(strcmp(name_of(rc), f[2]) == 0);
      break;
    }
    case 'N':
      qrseal_scanner_free(sc->s);
      sc->s = NULL;
      scenario_open(sc);
      break;
    case 'Q': {
      qrseal_scanner_state st;
      if (!sc->s) return;
      CHECK_RC(qrseal_scanner_get_state(sc->s, &st), QRSEAL_OK);
      CHECK(is_absent(f[1]) ? !st.has_trust_list : (st.has_trust_list && st.trust_list.sequence == num(f[1])));
      CHECK(is_absent(f[2]) ? !st.has_revocations : (st.has_revocations && st.revocations.sequence == num(f[2])));
      CHECK(st.revoked_count == num(f[3]));
      break;
    }
    default:
      fprintf(stderr, "FAIL [%s]: unknown record %s\n", context, f[0]);
      failures++;
  }
}

static int run_vectors(const char *path) {
  FILE *file = fopen(path, "r");
  if (!file) {
    perror(path);
    return -1;
  }
  static char line[16384];
  static token_case_t tc;
  static scenario_t sc;
  int in_scenario = 0, cases = 0, scenarios = 0;
  char *f[MAX_FIELDS];
  while (fgets(line, sizeof line, file)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    int n = split(line, f);
    if (n == 0) continue;
    char kind = f[0][0];
    if (kind == 'S') {
      memset(&sc, 0, sizeof sc);
      in_scenario = 1;
      snprintf(sc.name, sizeof sc.name, "%s", f[1]);
      CHECK(unhex(f[2], &sc.root) == 0);
      sc.skew = num(f[3]);
      sc.grace = num(f[4]);
      scenario_open(&sc);
      scenarios++;
    } else if (kind == 'C') {
      memset(&tc, 0, sizeof tc);
      in_scenario = 0;
      snprintf(tc.name, sizeof tc.name, "%s", f[1]);
      tc.now = num(f[2]);
      tc.skew = num(f[3]);
      CHECK(unhex(f[4], &tc.keys) == 0);
      cases++;
    } else if (kind == 'Z') {
      if (in_scenario) {
        run_pending_verify(&sc);
        qrseal_scanner_free(sc.s);
        sc.s = NULL;
      } else {
        run_token_case(&tc);
      }
      in_scenario = 0;
    } else if (in_scenario) {
      run_trust_line(&sc, f, n);
    } else if (kind == 'I' && tc.n_inputs < 4) {
      tc.is_text[tc.n_inputs] = strcmp(f[1], "text") == 0;
      CHECK(unhex(f[2], &tc.inputs[tc.n_inputs]) == 0);
      tc.n_inputs++;
    } else if (kind == 'E') {
      tc.n_expect = n;
      for (int i = 0; i < n; i++) snprintf(tc.expect[i], sizeof tc.expect[i], "%s", f[i]);
    } else if (kind == 'P') {
      tc.policy.present = 1;
      for (int i = 0; i < n; i++) snprintf(tc.policy.p[i], 64, "%s", f[i]);
    } else if (kind == 'D') {
      tc.policy.decision_present = 1;
      tc.policy.admit = strcmp(f[1], "admit") == 0;
      snprintf(tc.policy.reasons, sizeof tc.policy.reasons, "%s", n > 2 ? f[2] : "-");
    } else {
      fprintf(stderr, "FAIL: unknown record %s\n", f[0]);
      failures++;
    }
  }
  fclose(file);
  fprintf(stderr, "vectors: %d token cases, %d trust scenarios\n", cases, scenarios);
  CHECK(cases > 0 && scenarios > 0);
  return 0;
}

/* ---- the API's edges ---- */

static void api_edges(void) {
  snprintf(context, sizeof context, "api edges");
  CHECK(qrseal_abi_version() == QRSEAL_ABI_VERSION);
  CHECK(qrseal_version() && strlen(qrseal_version()) > 0);
  CHECK(qrseal_checkpoint_len() == QRSEAL_CHECKPOINT_LEN);
  CHECK(strcmp(qrseal_code_name(QRSEAL_OK), "ok") == 0);
  CHECK(strcmp(qrseal_code_name(QRSEAL_EXPIRED), "expired") == 0);
  CHECK(strcmp(qrseal_code_category(QRSEAL_EXPIRED), "invalid") == 0);
  CHECK(strcmp(qrseal_code_category(QRSEAL_COLOUR), "denied") == 0);
  CHECK(strcmp(qrseal_code_message(QRSEAL_EXPIRED, QRSEAL_LANGUAGE_CHINESE), "二维码已过期。") == 0);
  CHECK(qrseal_code_name(1) == NULL);
  CHECK(qrseal_code_name(0xffffffffu) == NULL);
  CHECK(qrseal_code_message(QRSEAL_EXPIRED, 7) == NULL);

  /* free accepts NULL: a caller that sets its pointer to NULL after freeing can never free twice. */
  qrseal_scanner_free(NULL);
  qrseal_policy_free(NULL);

  qrseal_scanner *s = NULL;
  qrseal_policy *p = NULL;
  CHECK_RC(qrseal_policy_new(NULL), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_policy_new(&p), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_new_keys(thread_keys.bytes, 32, NULL), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_new_keys(NULL, 32, &s), QRSEAL_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_RC(qrseal_scanner_new_keys(thread_keys.bytes, 31, &s), QRSEAL_INVALID_ARGUMENT);
  CHECK(s == NULL);
  uint8_t small_order[32] = {1};
  CHECK_RC(qrseal_scanner_new_keys(small_order, 32, &s), QRSEAL_INVALID_KEY);
  CHECK(s == NULL);
  CHECK_RC(qrseal_scanner_new_root(thread_keys.bytes, 33, &s), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_new_root(NULL, 0, &s), QRSEAL_INVALID_ARGUMENT);
  CHECK(s == NULL);

  /* Zero keys: a scanner that trusts nobody. */
  CHECK_RC(qrseal_scanner_new_keys(NULL, 0, &s), QRSEAL_OK);
  qrseal_verdict v;
  CHECK_RC(qrseal_scanner_verify_text(s, p, thread_text.bytes, thread_text.len, thread_now, &v), QRSEAL_UNKNOWN_KEY);
  qrseal_scanner_free(s);
  s = NULL;

  CHECK_RC(qrseal_scanner_new_keys(thread_keys.bytes, thread_keys.len, &s), QRSEAL_OK);
  const uint8_t *t = thread_text.bytes;
  size_t tl = thread_text.len;
  CHECK_RC(qrseal_scanner_verify_text(NULL, p, t, tl, thread_now, &v), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_verify_text(s, NULL, t, tl, thread_now, &v), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_verify_text(s, p, t, tl, thread_now, NULL), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_verify_text(s, p, NULL, tl, thread_now, &v), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_verify_text(s, p, NULL, 0, thread_now, &v), QRSEAL_EMPTY_TEXT);
  CHECK_RC(qrseal_scanner_verify_bytes(s, p, NULL, 0, thread_now, &v), QRSEAL_TRUNCATED);
  CHECK_RC(qrseal_scanner_verify_text(s, p, t, (size_t)-1, thread_now, &v), QRSEAL_INVALID_ARGUMENT);

  /* Outputs are written only on success. */
  qrseal_verdict untouched;
  memset(&untouched, 0xab, sizeof untouched);
  memcpy(&v, &untouched, sizeof v);
  CHECK_RC(qrseal_scanner_verify_text(s, p, t, tl, thread_now + 10 * 86400, &v), QRSEAL_EXPIRED);
  CHECK(memcmp(&v, &untouched, sizeof v) == 0);

  /* Oversized inputs. */
  size_t big = 1 << 20;
  uint8_t *junk = malloc(big);
  CHECK(junk != NULL);
  if (junk) {
    memset(junk, 'A', big);
    CHECK_RC(qrseal_scanner_verify_text(s, p, junk, big, thread_now, &v), QRSEAL_TEXT_TOO_LONG);
    CHECK(qrseal_scanner_verify_bytes(s, p, junk, big, thread_now, &v) != QRSEAL_OK);
  }

  /* A scan engine's line end is not part of the token (SPEC §6): it is refused, and the
     text without it verifies. */
  uint8_t line[QRSEAL_MAX_TEXT_LEN + 2];
  memcpy(line, t, tl);
  line[tl] = '\r';
  line[tl + 1] = '\n';
  CHECK(qrseal_scanner_verify_text(s, p, line, tl + 2, thread_now, &v) != QRSEAL_OK);
  CHECK_RC(qrseal_scanner_verify_text(s, p, line, tl, thread_now, &v), QRSEAL_OK);
  /* Not UTF-8: the byte is reported like any other character outside the alphabet. */
  line[5] = 0xff;
  CHECK_RC(qrseal_scanner_verify_text(s, p, line, tl, thread_now, &v), QRSEAL_INVALID_CHARACTER);

  /* Operations a key scanner does not have. */
  uint8_t cp[QRSEAL_CHECKPOINT_LEN];
  size_t cp_len = 0;
  CHECK_RC(qrseal_scanner_load_trust_list(s, store_list.bytes, store_list.len, 0, NULL), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_checkpoint(s, cp, sizeof cp, &cp_len), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_set_grace(s, 1), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_set_clock_skew(NULL, 1), QRSEAL_INVALID_ARGUMENT);
  qrseal_scanner_free(s);
  s = NULL;

  /* A root scanner: lists of every size, buffers too small. */
  CHECK_RC(qrseal_scanner_new_root(store_root.bytes, store_root.len, &s), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_load_trust_list(s, NULL, 0, 0, NULL), QRSEAL_LIST_TRUNCATED);
  CHECK_RC(qrseal_scanner_load_trust_list(NULL, store_list.bytes, store_list.len, 0, NULL), QRSEAL_INVALID_ARGUMENT);
  if (junk) {
    CHECK_RC(qrseal_scanner_load_trust_list(s, junk, big, 0, NULL), QRSEAL_LIST_WRONG_MAGIC);
    CHECK_RC(qrseal_scanner_load_revocations(s, junk, big, 0, NULL), QRSEAL_LIST_WRONG_MAGIC);
  }
  CHECK_RC(qrseal_scanner_load_trust_list(s, store_list.bytes, store_list.len, store_now, NULL), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_restore(s, NULL, 0), QRSEAL_INVALID_CHECKPOINT);
  memset(cp, 0xcd, sizeof cp);
  CHECK_RC(qrseal_scanner_checkpoint(s, cp, sizeof cp - 1, &cp_len), QRSEAL_BUFFER_TOO_SMALL);
  CHECK(cp_len == 0 && cp[0] == 0xcd);
  CHECK_RC(qrseal_scanner_checkpoint(s, NULL, sizeof cp, &cp_len), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_checkpoint(s, cp, sizeof cp, NULL), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_scanner_checkpoint(s, cp, sizeof cp, &cp_len), QRSEAL_OK);
  CHECK(cp_len == QRSEAL_CHECKPOINT_LEN && memcmp(cp, "QSCP", 4) == 0);
  CHECK_RC(qrseal_scanner_restore(s, cp, cp_len), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_get_state(s, NULL), QRSEAL_INVALID_ARGUMENT);
  qrseal_scanner_free(s);
  s = NULL;

  /* Policy settings. */
  CHECK_RC(qrseal_policy_set_accepted_colours(p, 16), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_policy_set_accepted_colours(NULL, 1), QRSEAL_INVALID_ARGUMENT);
  CHECK_RC(qrseal_policy_set_accepted_colours(p, 15), QRSEAL_OK);

  /* PEM: a buffer too small, not a key. */
  uint8_t key[32];
  const char *pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  CHECK_RC(qrseal_public_key_from_pem((const uint8_t *)pem, strlen(pem), key, 31), QRSEAL_BUFFER_TOO_SMALL);
  CHECK_RC(qrseal_public_key_from_pem((const uint8_t *)pem, strlen(pem), key, 32), QRSEAL_INVALID_KEY);
  CHECK_RC(qrseal_public_key_from_pem((const uint8_t *)pem, strlen(pem), NULL, 32), QRSEAL_INVALID_ARGUMENT);

  free(junk);
  qrseal_policy_free(p);
}

/* ---- threads ---- */

#define THREADS 4
#define ROUNDS 200

typedef struct {
  const qrseal_scanner *s;
  const qrseal_policy *p;
  const buf_t *text;
  uint64_t now;
  int bad;
} thread_arg_t;

static void *verify_many(void *arg) {
  thread_arg_t *a = arg;
  uint8_t damaged[MAX_BYTES];
  memcpy(damaged, a->text->bytes, a->text->len);
  damaged[a->text->len / 2] ^= 1;
  for (int i = 0; i < ROUNDS; i++) {
    qrseal_verdict v;
    if (qrseal_scanner_verify_text(a->s, a->p, a->text->bytes, a->text->len, a->now, &v) != QRSEAL_OK) a->bad++;
    if (qrseal_scanner_verify_text(a->s, a->p, damaged, a->text->len, a->now, &v) == QRSEAL_OK) a->bad++;
  }
  return NULL;
}

static void threads_on(const qrseal_scanner *s, const buf_t *text, uint64_t now) {
  qrseal_policy *p = NULL;
  CHECK_RC(qrseal_policy_new(&p), QRSEAL_OK);
  pthread_t th[THREADS];
  thread_arg_t args[THREADS];
  for (int i = 0; i < THREADS; i++) {
    args[i] = (thread_arg_t){s, p, text, now, 0};
    CHECK(pthread_create(&th[i], NULL, verify_many, &args[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK(args[i].bad == 0);
  }
  qrseal_policy_free(p);
}

static void thread_tests(void) {
  snprintf(context, sizeof context, "threads");
  qrseal_scanner *s = NULL;
  CHECK_RC(qrseal_scanner_new_keys(thread_keys.bytes, thread_keys.len, &s), QRSEAL_OK);
  threads_on(s, &thread_text, thread_now);
  qrseal_scanner_free(s);
  s = NULL;
  /* A trust store: the verifies also raise its clock floor, atomically. */
  CHECK_RC(qrseal_scanner_new_root(store_root.bytes, store_root.len, &s), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_set_clock_skew(s, store_skew), QRSEAL_OK);
  CHECK_RC(qrseal_scanner_load_trust_list(s, store_list.bytes, store_list.len, store_now, NULL), QRSEAL_OK);
  threads_on(s, &store_text, store_now);
  qrseal_scanner_free(s);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s testvectors/c/vectors.txt\n", argv[0]);
    return 2;
  }
  if (run_vectors(argv[1]) != 0) return 2;
  CHECK(thread_text.len > 0 && store_text.len > 0);
  api_edges();
  thread_tests();
  if (failures) {
    fprintf(stderr, "%d failure(s)\n", failures);
    return 1;
  }
  fprintf(stderr, "all C tests passed\n");
  return 0;
}
