#include "cmalloc.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>

// Runs at load, before the Swift runtime starts any thread: an arena limit set later does
// not remove the per-thread arenas already created.
__attribute__((constructor)) static void cmalloc_load(void) {
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

void cmalloc_trim(void) {
    malloc_trim(0);
}
#else
void cmalloc_trim(void) {}
#endif
