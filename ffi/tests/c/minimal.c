/*
 * The smallest useful scanner program: trust one key, verify one text. scripts/ffi.sh sizes
 * links it statically against libqrseal.a and, with -DBASELINE, without the library, so the
 * difference of the two stripped sizes is what the library adds to a C program.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef BASELINE
#include <qrseal.h>
#endif

int main(int argc, char **argv) {
  static const uint8_t key[32] = {0};
  const char *text = argc > 1 ? argv[1] : "";
#ifdef BASELINE
  printf("%d %zu\n", key[0], strlen(text));
  (void)argv;
#else
  qrseal_scanner *s = NULL;
  qrseal_policy *p = NULL;
  qrseal_verdict v;
  qrseal_code rc = qrseal_scanner_new_keys(key, sizeof key, &s);
  if (rc == QRSEAL_OK) rc = qrseal_policy_new(&p);
  if (rc == QRSEAL_OK) rc = qrseal_scanner_verify_text(s, p, (const uint8_t *)text, strlen(text), 0, &v);
  printf("%s\n", qrseal_code_name(rc));
  qrseal_policy_free(p);
  qrseal_scanner_free(s);
#endif
  return 0;
}
