/* Runs a fuzz target over every file of the directories given, so the
 * committed corpus is replayed by ctest under the sanitizers without
 * libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    size_t files = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) {
            fprintf(stderr, "cannot open %s\n", argv[a]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
            FILE *f = fopen(path, "rb");
            if (!f)
                continue;
            static uint8_t buf[1 << 20];
            size_t n = fread(buf, 1, sizeof(buf), f);
            fclose(f);
            uint8_t *copy = malloc(n ? n : 1); /* exact size so overreads are caught */
            memcpy(copy, buf, n);
            LLVMFuzzerTestOneInput(copy, n);
            free(copy);
            files++;
        }
        closedir(d);
    }
    printf("replayed %zu inputs\n", files);
    return files ? 0 : 1;
}
