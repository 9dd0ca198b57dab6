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

#if defined(__linux__)
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

// Reads /proc/self/smaps: a mapping's header line, then its fields, VmFlags last.
int cmalloc_give_back_file_pages(void) {
    FILE *smaps = fopen("/proc/self/smaps", "r");
    if (!smaps) return -1;
    char line[4096];
    unsigned long start = 0, end = 0, inode = 0;
    char perms[8] = {0};
    long anonymous = -1;
    int given = 0;
    while (fgets(line, sizeof line, smaps)) {
        unsigned long a, b, offset, node;
        char p[8], device[32];
        if (sscanf(line, "%lx-%lx %7s %lx %31s %lu", &a, &b, p, &offset, device, &node) == 6) {
            start = a, end = b, inode = node, anonymous = -1;
            memcpy(perms, p, sizeof perms);
            continue;
        }
        if (strncmp(line, "Anonymous:", 10) == 0) anonymous = atol(line + 10);
        if (strncmp(line, "VmFlags:", 8) != 0 || inode == 0) continue;
        // Only pages that are the file's own can be given back: never a writable mapping,
        // nor one with private copies (relocated data made read-only after loading).
        if (anonymous == 0 && perms[1] != 'w' && madvise((void *)start, end - start, MADV_DONTNEED) == 0) given++;
    }
    fclose(smaps);
    return given;
}
#else
int cmalloc_give_back_file_pages(void) { return 0; }
#endif
