#define _GNU_SOURCE
#include "EditLineShim.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int gl_open_pseudo_terminal(char *slave_name, unsigned long size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    const char *name = NULL;
    if (grantpt(master) != 0 || unlockpt(master) != 0 || (name = ptsname(master)) == NULL || strlen(name) >= size) {
        close(master);
        return -1;
    }
    strcpy(slave_name, name);
    return master;
}

short gl_spawn_new_session_flag(void) { return POSIX_SPAWN_SETSID; }
