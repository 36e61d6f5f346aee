// CHDF5: reading an untrusted HDF5 file in a child process first (issue 13).
//
// libhdf5 1.10 trusts the structures it reads: a crafted or damaged file can make it crash
// (SIGSEGV, "double free or corruption") or hang, and its error paths can leave its caches
// inconsistent so that a later file crashes the process. So before a file is opened in the
// process, a forked child opens its bytes (read once into memory by the caller; the caller then
// opens the very same bytes, `image.h`) and reads every object TGFL's reader can reach: each hard
// link (groups to a bounded depth), each attribute (scalars read as the reader reads them:
// strings, int64, double) and each numeric dataset (read whole as float and as double, or in
// blocks of rows when large). The child uses only libhdf5, malloc and write(2), then `_exit`s.
// The parent waits with a timeout. A crash or hang of the child then costs the caller an error,
// not the process; an HDF5 error in the child means the parent never gives the file to
// libhdf5 at all, so its own libhdf5 state is never exposed to a corrupt file.
//
// Fork safety: the caller forks while holding its HDF5 lock, so no other thread is inside
// libhdf5; glibc's fork() makes malloc usable in the child; the child resets the crash
// signals to their default action (no Python/Swift crash handler runs in it), writes no core
// file or stderr output, and dies with its parent (PR_SET_PDEATHSIG) or after a CPU-time limit.
#pragma once
#include <hdf5.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

// Outcomes of `tgfl_H5_check_finish`.
#define TGFL_H5_CHECK_OK 0        // every reachable object was read
#define TGFL_H5_CHECK_ERROR 1     // libhdf5 reported an error (the message says where)
#define TGFL_H5_CHECK_CRASH 2     // the child died; `*detail` is the signal (0: unknown)
#define TGFL_H5_CHECK_TIMEOUT 3   // the child did not finish in time and was killed

/// Groups are walked to this depth (TGFL reads at most /optimizer/m/<tensor>: depth 3).
#define TGFL_H5_CHECK_MAX_DEPTH 8
/// Datasets up to this many elements are read whole (like the reader); larger ones in blocks.
#define TGFL_H5_CHECK_WHOLE_ELEMENTS ((hsize_t)1 << 22)

struct tgfl_H5_check {
    hid_t file;
    char *message;          // the first failure: "<object>\t<operation>\t<HDF5 error stack>"
    size_t capacity;
    int failed;
    int depth;
    char path[4096];        // the object being walked
    void *groups;           // object tokens/addresses of the groups walked (each once)
    size_t n_groups, cap_groups;
};

static inline int tgfl_H5_check_fail(struct tgfl_H5_check *c, const char *object, const char *operation) {
    if (!c->failed) {
        c->failed = 1;
        int n = snprintf(c->message, c->capacity, "%s\t%s\t", object, operation);
        if (n > 0 && (size_t)n < c->capacity) tgfl_H5_error_message(c->message + n, c->capacity - (size_t)n);
    }
    return -1;
}

/// Opens attribute `name` of `object`; a scalar string or number is read in the reader's memory types.
static inline int tgfl_H5_check_attribute(struct tgfl_H5_check *c, hid_t object, const char *name) {
    if (H5Aexists(object, name) < 0) return tgfl_H5_check_fail(c, c->path, "look up an attribute");
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    if (attr < 0) return tgfl_H5_check_fail(c, c->path, "open an attribute");
    int status = 0;
    hid_t type = H5Aget_type(attr);
    hid_t space = type < 0 ? -1 : H5Aget_space(attr);
    if (type < 0 || space < 0) {
        status = tgfl_H5_check_fail(c, c->path, "read an attribute's type or dataspace");
    } else if (H5Sget_simple_extent_npoints(space) == 1) {
        H5T_class_t cls = H5Tget_class(type);
        if (cls == H5T_STRING) {
            if (H5Tis_variable_str(type) > 0) {
                hid_t memory = H5Tcopy(H5T_C_S1);
                char *value = NULL;
                if (memory < 0 || H5Tset_size(memory, H5T_VARIABLE) < 0 || H5Tset_cset(memory, H5Tget_cset(type)) < 0
                    || H5Aread(attr, memory, &value) < 0) {
                    status = tgfl_H5_check_fail(c, c->path, "read a string attribute");
                } else {
                    tgfl_H5_reclaim(memory, space, &value);
                }
                if (memory >= 0) H5Tclose(memory);
            } else {
                size_t size = H5Tget_size(type);
                hid_t memory = H5Tcopy(type);
                char *bytes = size > 0 && size < ((size_t)1 << 30) ? (char *)malloc(size) : NULL;
                if (memory < 0 || bytes == NULL || H5Aread(attr, memory, bytes) < 0) {
                    status = tgfl_H5_check_fail(c, c->path, "read a string attribute");
                }
                free(bytes);
                if (memory >= 0) H5Tclose(memory);
            }
        } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
            int64_t i = 0;
            double d = 0;
            if ((cls == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_INT64, &i) < 0)
                || H5Aread(attr, H5T_NATIVE_DOUBLE, &d) < 0) {
                status = tgfl_H5_check_fail(c, c->path, "read a numeric attribute");
            }
        }
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attr);
    return status;
}

static inline herr_t tgfl_H5_check_attribute_step(hid_t object, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    return tgfl_H5_check_attribute((struct tgfl_H5_check *)data, object, name) < 0 ? -1 : 0;
}

static inline int tgfl_H5_check_attributes(struct tgfl_H5_check *c, hid_t object) {
    if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_check_attribute_step, c) < 0) {
        return tgfl_H5_check_fail(c, c->path, "list the attributes");
    }
    return 0;
}

/// Reads a selection of `count` elements of `dataset` (file selection `file_space`, or all)
/// as float and as double.
static inline int tgfl_H5_check_read(struct tgfl_H5_check *c, hid_t dataset, hid_t file_space, hsize_t count) {
    hid_t memory_space = H5S_ALL;
    if (file_space != H5S_ALL) {
        memory_space = H5Screate_simple(1, &count, NULL);
        if (memory_space < 0) return tgfl_H5_check_fail(c, c->path, "make a dataspace");
    }
    void *buffer = malloc((size_t)count * sizeof(double));
    int status = 0;
    if (buffer == NULL) {
        status = tgfl_H5_check_fail(c, c->path, "allocate memory to read the data");
    } else if (H5Dread(dataset, H5T_NATIVE_FLOAT, memory_space, file_space, H5P_DEFAULT, buffer) < 0
               || H5Dread(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, buffer) < 0) {
        status = tgfl_H5_check_fail(c, c->path, "read the data");
    }
    free(buffer);
    if (memory_space != H5S_ALL) H5Sclose(memory_space);
    return status;
}

/// Opens dataset `c->path` and reads its type, shape, filters and (numeric) data.
static inline int tgfl_H5_check_dataset(struct tgfl_H5_check *c) {
    hid_t dataset = H5Dopen2(c->file, c->path, H5P_DEFAULT);
    if (dataset < 0) return tgfl_H5_check_fail(c, c->path, "open the dataset");
    int status = tgfl_H5_check_attributes(c, dataset);
    hid_t type = status < 0 ? -1 : H5Dget_type(dataset);
    hid_t space = type < 0 ? -1 : H5Dget_space(dataset);
    hid_t dcpl = space < 0 ? -1 : H5Dget_create_plist(dataset);
    if (status == 0 && (type < 0 || space < 0 || dcpl < 0)) {
        status = tgfl_H5_check_fail(c, c->path, "read the dataset's type, dataspace or creation list");
    }
    if (status == 0) {
        int filters = H5Pget_nfilters(dcpl);
        for (int i = 0; i < filters; i++) {
            unsigned flags = 0, config = 0;
            size_t n = 0;
            if (H5Pget_filter2(dcpl, (unsigned)i, &flags, &n, NULL, 0, NULL, &config) < 0) {
                status = tgfl_H5_check_fail(c, c->path, "read the dataset's filters");
                break;
            }
        }
    }
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hsize_t dims[32];
    if (status == 0 && (cls == H5T_INTEGER || cls == H5T_FLOAT) && H5Sget_simple_extent_type(space) != H5S_NULL) {
        if (rank < 0 || rank > 32 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
            status = tgfl_H5_check_fail(c, c->path, "read the dimensions");
        } else {
            hsize_t count = 1, row = 1;
            int too_large = 0;
            for (int i = 0; i < rank; i++) {
                if (dims[i] > (hsize_t)INT32_MAX || (dims[i] > 0 && count > (hsize_t)INT32_MAX / dims[i])) too_large = 1;
                else count *= dims[i];
                if (i > 0 && !too_large) row *= dims[i];
            }
            if (too_large || count == 0) {
                // The reader refuses these shapes before reading (or has nothing to read).
            } else if (count <= TGFL_H5_CHECK_WHOLE_ELEMENTS) {
                status = tgfl_H5_check_read(c, dataset, H5S_ALL, count);
            } else if (row <= TGFL_H5_CHECK_WHOLE_ELEMENTS) {
                // Blocks of whole rows along the first dimension.
                hsize_t rows = TGFL_H5_CHECK_WHOLE_ELEMENTS / row, start[32] = {0}, block[32];
                for (int i = 0; i < rank; i++) block[i] = dims[i];
                for (hsize_t first = 0; first < dims[0] && status == 0; first += rows) {
                    start[0] = first;
                    block[0] = dims[0] - first < rows ? dims[0] - first : rows;
                    hid_t selection = H5Scopy(space);
                    if (selection < 0 || H5Sselect_hyperslab(selection, H5S_SELECT_SET, start, NULL, block, NULL) < 0) {
                        status = tgfl_H5_check_fail(c, c->path, "select a block of rows");
                    } else {
                        status = tgfl_H5_check_read(c, dataset, selection, block[0] * row);
                    }
                    if (selection >= 0) H5Sclose(selection);
                }
            } else {
                status = tgfl_H5_check_fail(c, c->path, "check the data: rows of over 4M elements are not supported");
            }
        }
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Dclose(dataset);
    return status;
}

static inline int tgfl_H5_check_group(struct tgfl_H5_check *c);

#if H5_VERSION_GE(1, 12, 0)
typedef H5O_token_t tgfl_H5_object_key;
static inline herr_t tgfl_H5_check_info(hid_t file, const char *path, H5O_type_t *type, tgfl_H5_object_key *key) {
    H5O_info2_t info;
    herr_t status = H5Oget_info_by_name3(file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT);
    if (status >= 0) { *type = info.type; *key = info.token; }
    return status;
}
#else
typedef haddr_t tgfl_H5_object_key;
static inline herr_t tgfl_H5_check_info(hid_t file, const char *path, H5O_type_t *type, tgfl_H5_object_key *key) {
    H5O_info_t info;
    herr_t status = H5Oget_info_by_name2(file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT);
    if (status >= 0) { *type = info.type; *key = info.addr; }
    return status;
}
#endif

/// Looks up the object at `path` (reached through hard links only) as every walk here does:
/// that the link and the object exist, then its type and key. Returns < 0 on failure.
static inline herr_t tgfl_H5_check_lookup(hid_t file, const char *path, H5O_type_t *type, tgfl_H5_object_key *key) {
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0 || H5Oexists_by_name(file, path, H5P_DEFAULT) <= 0) return -1;
    return tgfl_H5_check_info(file, path, type, key);
}

/// Whether group `key` was walked already (else remembers it).
static inline int tgfl_H5_check_seen(struct tgfl_H5_check *c, const tgfl_H5_object_key *key) {
    tgfl_H5_object_key *keys = (tgfl_H5_object_key *)c->groups;
    for (size_t i = 0; i < c->n_groups; i++) {
        if (memcmp(&keys[i], key, sizeof *key) == 0) return 1;
    }
    if (c->n_groups == c->cap_groups) {
        size_t cap = c->cap_groups ? 2 * c->cap_groups : 64;
        void *grown = realloc(c->groups, cap * sizeof *key);
        if (grown == NULL) return 1;
        c->groups = grown;
        c->cap_groups = cap;
    }
    ((tgfl_H5_object_key *)c->groups)[c->n_groups++] = *key;
    return 0;
}

/// One member of the group at `c->path`: hard links only (soft and external links are refused
/// by the reader later, never followed here).
#if H5_VERSION_GE(1, 12, 0)
static inline herr_t tgfl_H5_check_step(hid_t group, const char *name, const H5L_info2_t *info, void *data)
#else
static inline herr_t tgfl_H5_check_step(hid_t group, const char *name, const H5L_info_t *info, void *data)
#endif
{
    (void)group;
    struct tgfl_H5_check *c = (struct tgfl_H5_check *)data;
    if (info == NULL || info->type != H5L_TYPE_HARD) return 0;
    size_t length = strlen(c->path);
    int n = snprintf(c->path + length, sizeof c->path - length, "%s%s", length > 1 ? "/" : "", name);
    if (n < 0 || (size_t)n >= sizeof c->path - length) {
        c->path[length] = '\0';
        return tgfl_H5_check_fail(c, c->path, "walk the file: a path is over 4,095 bytes");
    }
    int status = 0;
    H5O_type_t type = H5O_TYPE_UNKNOWN;
    tgfl_H5_object_key key;
    if (tgfl_H5_check_lookup(c->file, c->path, &type, &key) < 0) {
        status = tgfl_H5_check_fail(c, c->path, "look up the object");
    } else if (type == H5O_TYPE_GROUP) {
        if (c->depth < TGFL_H5_CHECK_MAX_DEPTH && !tgfl_H5_check_seen(c, &key)) {
            c->depth += 1;
            status = tgfl_H5_check_group(c);
            c->depth -= 1;
        }
    } else if (type == H5O_TYPE_DATASET) {
        status = tgfl_H5_check_dataset(c);
    }
    c->path[length] = '\0';
    return status < 0 ? -1 : 0;
}

/// Opens group `c->path`, reads its attributes and walks its members in name order.
static inline int tgfl_H5_check_group(struct tgfl_H5_check *c) {
    hid_t group = H5Gopen2(c->file, c->path, H5P_DEFAULT);
    if (group < 0) return tgfl_H5_check_fail(c, c->path, "open the group");
    int status = tgfl_H5_check_attributes(c, group);
    if (status == 0) {
#if H5_VERSION_GE(1, 12, 0)
        herr_t walked = H5Literate2(group, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_check_step, c);
#else
        herr_t walked = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_check_step, c);
#endif
        if (walked < 0) status = tgfl_H5_check_fail(c, c->path, "list the members");
    }
    H5Gclose(group);
    return status;
}

/// The child's whole job: open the file image (`size` bytes at `image`) as the reader does,
/// walk it, report on `fd`, `_exit`. The report is one status byte ('0' read, '1' HDF5 error)
/// followed by the message.
static inline void tgfl_H5_check_child(int fd, const void *image, size_t size, double timeout_seconds) {
    static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
    sigset_t unblock;
    sigemptyset(&unblock);
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        signal(crash_signals[i], SIG_DFL);
        sigaddset(&unblock, crash_signals[i]);
    }
    signal(SIGPIPE, SIG_DFL);
    // glibc's own crash notes ("free(): invalid pointer") would land on the caller's stderr;
    // the caller reports the crash itself.
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) { dup2(null, STDERR_FILENO); close(null); }
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    struct rlimit cpu = { (rlim_t)timeout_seconds + 2, (rlim_t)timeout_seconds + 3 };
    setrlimit(RLIMIT_CPU, &cpu);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    static char report[2048];
    struct tgfl_H5_check c;
    memset(&c, 0, sizeof c);
    c.message = report + 1;
    c.capacity = sizeof report - 1;
    c.path[0] = '/';
    c.file = tgfl_H5_open_image(image, size);
    if (c.file < 0) {
        tgfl_H5_check_fail(&c, "/", "open");
    } else {
        tgfl_H5_check_group(&c);
    }
    report[0] = c.failed ? '1' : '0';
    size_t length = 1 + strlen(report + 1), done = 0;
    while (done < length) {
        ssize_t wrote = write(fd, report + done, length - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) break;
        done += (size_t)wrote;
    }
    _exit(0);
}

/// Forks the child that checks the file image (`size` bytes at `image`, which the child sees
/// as they are at the fork). Call while no other thread can be inside libhdf5 (under the
/// caller's HDF5 lock). On success returns 0 and sets `*pid` and `*fd` (the read end of the
/// report pipe) for `tgfl_H5_check_finish`; returns errno when no child starts.
static inline int tgfl_H5_check_start(const void *image, size_t size, double timeout_seconds, pid_t *pid, int *fd) {
    int ends[2];
    if (pipe(ends) != 0) return errno ? errno : EIO;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(ends[0]);
        close(ends[1]);
        return error ? error : EAGAIN;
    }
    if (child == 0) {
        close(ends[0]);
        tgfl_H5_check_child(ends[1], image, size, timeout_seconds);
    }
    close(ends[1]);
    *pid = child;
    *fd = ends[0];
    return 0;
}

/// Waits (at most `timeout_seconds`) for the child's report, reaps the child and returns a
/// `TGFL_H5_CHECK_*` outcome; on an error `message` holds "<object>\t<operation>\t<HDF5
/// errors>", on a crash `*detail` is the signal. Safe with any SIGCHLD disposition (the
/// pipe, not waitpid, says whether the child finished its report).
static inline int tgfl_H5_check_finish(pid_t pid, int fd, double timeout_seconds, char *message, size_t capacity,
                                       int *detail) {
    char report[2048];
    size_t length = 0;
    int timed_out = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    *detail = 0;
    if (capacity > 0) message[0] = '\0';
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        double elapsed = (double)(now.tv_sec - start.tv_sec) + 1e-9 * (double)(now.tv_nsec - start.tv_nsec);
        if (elapsed >= timeout_seconds) { timed_out = 1; break; }
        struct pollfd p = { fd, POLLIN, 0 };
        int ready = poll(&p, 1, (int)((timeout_seconds - elapsed) * 1000) + 1);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        ssize_t got = read(fd, report + length, sizeof report - 1 - length);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;   // EOF: the child has exited (or closed the pipe by dying)
        length += (size_t)got;
        if (length == sizeof report - 1) break;
    }
    close(fd);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    pid_t reaped;
    do { reaped = waitpid(pid, &status, 0); } while (reaped < 0 && errno == EINTR);
    if (timed_out) return TGFL_H5_CHECK_TIMEOUT;
    report[length] = '\0';
    if (length == 0) {
        if (reaped == pid && WIFSIGNALED(status)) *detail = WTERMSIG(status);
        return TGFL_H5_CHECK_CRASH;
    }
    if (report[0] == '0') return TGFL_H5_CHECK_OK;
    if (capacity > 0) snprintf(message, capacity, "%s", report + 1);
    return TGFL_H5_CHECK_ERROR;
}

// --- The caller's own walk: links that are not hard links ----------------------------------
//
// The caller must not call into libhdf5 in a way the child did not: `H5Lvisit` recurses
// through hard links without a depth bound and remembers only objects whose header claims a
// reference count above 1, so a crafted group that lists its own ancestor (reference count 1)
// recursed until the stack overflowed in the caller after the child's bounded walk had passed
// (tgfl-fuzz, session 8). This walk makes exactly the child's calls in the child's order:
// the same depth bound, the same groups remembered by key, the same lookups.

struct tgfl_H5_link_scan {
    struct tgfl_H5_check walk;   // file, path, depth and the groups seen, as the child keeps them
    char *buffer;                // where the path of the first non-hard link goes
    size_t capacity;
    int found;                   // 1 soft, 2 external, 3 another kind
};

static inline int tgfl_H5_link_scan_group(struct tgfl_H5_link_scan *s);

#if H5_VERSION_GE(1, 12, 0)
static inline herr_t tgfl_H5_link_scan_step(hid_t group, const char *name, const H5L_info2_t *info, void *data)
#else
static inline herr_t tgfl_H5_link_scan_step(hid_t group, const char *name, const H5L_info_t *info, void *data)
#endif
{
    (void)group;
    struct tgfl_H5_link_scan *s = (struct tgfl_H5_link_scan *)data;
    struct tgfl_H5_check *c = &s->walk;
    if (info == NULL) return -1;
    size_t length = strlen(c->path);
    if (info->type != H5L_TYPE_HARD) {
        s->found = info->type == H5L_TYPE_SOFT ? 1 : (info->type == H5L_TYPE_EXTERNAL ? 2 : 3);
        if (s->buffer != NULL && s->capacity > 0) {
            snprintf(s->buffer, s->capacity, "%s%s%s", c->path + 1, length > 1 ? "/" : "", name);
        }
        return 1;   // stop: the first non-hard link is enough
    }
    int n = snprintf(c->path + length, sizeof c->path - length, "%s%s", length > 1 ? "/" : "", name);
    if (n < 0 || (size_t)n >= sizeof c->path - length) {
        c->path[length] = '\0';
        return -1;
    }
    int status = 0;
    H5O_type_t type = H5O_TYPE_UNKNOWN;
    tgfl_H5_object_key key;
    if (tgfl_H5_check_lookup(c->file, c->path, &type, &key) < 0) {
        status = -1;
    } else if (type == H5O_TYPE_GROUP && c->depth < TGFL_H5_CHECK_MAX_DEPTH && !tgfl_H5_check_seen(c, &key)) {
        c->depth += 1;
        status = tgfl_H5_link_scan_group(s);
        c->depth -= 1;
    }
    c->path[length] = '\0';
    return status < 0 ? -1 : (s->found ? 1 : 0);
}

/// Walks the members of group `s->walk.path` in name order. < 0 on failure.
static inline int tgfl_H5_link_scan_group(struct tgfl_H5_link_scan *s) {
    hid_t group = H5Gopen2(s->walk.file, s->walk.path, H5P_DEFAULT);
    if (group < 0) return -1;
#if H5_VERSION_GE(1, 12, 0)
    herr_t walked = H5Literate2(group, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_link_scan_step, s);
#else
    herr_t walked = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_link_scan_step, s);
#endif
    H5Gclose(group);
    return walked < 0 ? -1 : 0;
}

/// Looks for a link that is not a hard link (soft, external or user-defined) in the file,
/// without following any such link, walking groups as the child check does (to
/// `TGFL_H5_CHECK_MAX_DEPTH`, each group once). Returns 0 when every link is hard, 1 for a
/// soft link, 2 for an external link, 3 for another kind (its path relative to the root is
/// copied into `buffer`), and < 0 on failure.
static inline int tgfl_H5_find_non_hard_link(hid_t file, char *buffer, size_t capacity) {
    struct tgfl_H5_link_scan s;
    memset(&s, 0, sizeof s);
    s.walk.file = file;
    s.walk.path[0] = '/';
    s.buffer = buffer;
    s.capacity = capacity;
    if (buffer != NULL && capacity > 0) buffer[0] = '\0';
    int status = tgfl_H5_link_scan_group(&s);
    free(s.walk.groups);
    if (status < 0 && !s.found) return -1;
    return s.found;
}
