#pragma once

// Programmer-error checks. SLUICE_CHECK aborts in every build; SLUICE_DCHECK only in debug
// builds (NDEBUG unset). Never use them for conditions input can trigger: those are Status.

#include <cstdio>
#include <cstdlib>

#define SLUICE_CHECK(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

#ifdef NDEBUG
#define SLUICE_DCHECK(cond) \
  do {                      \
    (void)sizeof(cond);     \
  } while (0)
#else
#define SLUICE_DCHECK(cond) SLUICE_CHECK(cond)
#endif
