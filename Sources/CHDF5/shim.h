// CHDF5 shim: libhdf5's C API, found through pkg-config (`hdf5`).
// HDF5 exposes many constants as C macros that expand to global ids or casts,
// which Swift cannot import; each is wrapped here in a static inline function.
#pragma once
#include <hdf5.h>
#include <stdio.h>

static inline hid_t tgfl_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t tgfl_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t tgfl_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t tgfl_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t tgfl_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t tgfl_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t tgfl_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t tgfl_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t tgfl_H5T_C_S1(void) { return H5T_C_S1; }
static inline unsigned tgfl_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned tgfl_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned tgfl_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned tgfl_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline size_t tgfl_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline H5T_class_t tgfl_H5T_STRING_CLASS(void) { return H5T_STRING; }
static inline H5T_class_t tgfl_H5T_FLOAT_CLASS(void) { return H5T_FLOAT; }
static inline H5T_class_t tgfl_H5T_INTEGER_CLASS(void) { return H5T_INTEGER; }
static inline H5O_type_t tgfl_H5O_TYPE_DATASET(void) { return H5O_TYPE_DATASET; }
static inline H5O_type_t tgfl_H5O_TYPE_GROUP(void) { return H5O_TYPE_GROUP; }

/// Silences HDF5's default error stack printer, so failures surface only as
/// Swift errors with our own messages.
static inline void tgfl_H5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// --- Added for TGFLCore/Checkpoint (HDF5File) ---------------------------------

static inline hid_t tgfl_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t tgfl_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t tgfl_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t tgfl_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t tgfl_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline H5F_libver_t tgfl_H5F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }

/// Number of HDF5 objects (files, datasets, groups, types, attributes) open in the
/// whole process: `H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)`. Used to test for leaks.
static inline ssize_t tgfl_H5_open_object_count(void) {
    return H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
}

/// Frees the memory HDF5 allocated while reading variable-length data into `buf`.
static inline herr_t tgfl_H5_reclaim(hid_t type_id, hid_t space_id, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type_id, space_id, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(type_id, space_id, H5P_DEFAULT, buf);
#endif
}

struct tgfl_H5_error_walk { char *buffer; size_t capacity; size_t used; };

static inline herr_t tgfl_H5_error_walk_step(unsigned n, const H5E_error2_t *err, void *data) {
    struct tgfl_H5_error_walk *w = (struct tgfl_H5_error_walk *)data;
    (void)n;
    if (err == NULL || err->desc == NULL || err->desc[0] == '\0' || w->capacity == 0) return 0;
    const char *sep = w->used > 0 ? "; " : "";
    int wrote = snprintf(w->buffer + w->used, w->capacity - w->used, "%s%s", sep, err->desc);
    if (wrote > 0) {
        size_t next = w->used + (size_t)wrote;
        w->used = next < w->capacity ? next : w->capacity - 1;
    }
    return 0;
}

/// Copies the descriptions on HDF5's current error stack (outermost first, joined by
/// "; ") into `buffer`, NUL-terminated; the empty string when the stack is empty.
static inline void tgfl_H5_error_message(char *buffer, size_t capacity) {
    if (buffer == NULL || capacity == 0) return;
    buffer[0] = '\0';
    struct tgfl_H5_error_walk walk = { buffer, capacity, 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, tgfl_H5_error_walk_step, &walk);
}

/// A new file-access property list for TGFL files (the caller closes it): file locking that
/// is skipped rather than failing on file systems without lock support (HDF5 >= 1.10.7,
/// except 1.12.0); for new files (`for_create` != 0) also the HDF5 1.8+ object format, which
/// allows attributes over 64 KiB. Returns a negative id on failure.
static inline hid_t tgfl_H5_file_access_list(int for_create) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
#if (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 12, 0)) || H5_VERSION_GE(1, 12, 1)
    (void)H5Pset_file_locking(fapl, 1, 1);
#endif
    if (for_create && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

/// Called with each member name by `tgfl_H5_iterate_links`; return 0 to go on, < 0 to stop
/// with an error.
typedef int (*tgfl_H5_name_callback)(const char *name, void *context);

struct tgfl_H5_link_walk { tgfl_H5_name_callback callback; void *context; };

#if H5_VERSION_GE(1, 12, 0)
static inline herr_t tgfl_H5_link_step(hid_t group, const char *name, const H5L_info2_t *info, void *data)
#else
static inline herr_t tgfl_H5_link_step(hid_t group, const char *name, const H5L_info_t *info, void *data)
#endif
{
    (void)group;
    (void)info;
    struct tgfl_H5_link_walk *walk = (struct tgfl_H5_link_walk *)data;
    return walk->callback(name, walk->context);
}

/// Calls `callback` with the name of every link in `group`, in name order, in one pass
/// (`H5Literate`/`H5Literate2`, whichever this HDF5 provides).
static inline herr_t tgfl_H5_iterate_links(hid_t group, tgfl_H5_name_callback callback, void *context) {
    struct tgfl_H5_link_walk walk = { callback, context };
#if H5_VERSION_GE(1, 12, 0)
    return H5Literate2(group, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_link_step, &walk);
#else
    return H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, tgfl_H5_link_step, &walk);
#endif
}

// --- Added for hardening (issue 13) --------------------------------------------

// tgfl_H5_find_non_hard_link: in untrusted.h (it walks as the child check walks).

/// A dataset-creation property list for a dataset of `rank` dimensions `dims` (the caller
/// closes it): chunked (chunks of at most `max_chunk_elements` elements, whole trailing
/// dimensions first) with HDF5's Fletcher32 checksum filter, so flipped bytes are detected
/// when the data are read. Empty or scalar datasets get the default list (no chunks, no
/// checksum: HDF5 cannot chunk them). Returns a negative id on failure.
static inline hid_t tgfl_H5_checksummed_dataset_list(int rank, const hsize_t *dims, hsize_t max_chunk_elements) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0 || rank <= 0 || rank > 32 || dims == NULL) return dcpl;
    hsize_t chunk[32];
    hsize_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 0) return dcpl;
        chunk[i] = dims[i];
        total *= dims[i];
    }
    if (max_chunk_elements == 0) max_chunk_elements = 1;
    for (int i = 0; i < rank && total > max_chunk_elements; i++) {
        hsize_t rest = total / chunk[i];            // elements of one slice along dimension i
        hsize_t keep = max_chunk_elements / (rest > 0 ? rest : 1);
        if (keep < 1) keep = 1;
        if (keep < chunk[i]) chunk[i] = keep;
        total = rest * chunk[i];
    }
    if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_fletcher32(dcpl) < 0) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

/// Whether dataset `dataset` has the Fletcher32 filter (1), not (0), or failure (< 0).
static inline int tgfl_H5_dataset_has_fletcher32(hid_t dataset) {
    hid_t dcpl = H5Dget_create_plist(dataset);
    if (dcpl < 0) return -1;
    int found = 0;
    int n = H5Pget_nfilters(dcpl);
    for (int i = 0; i < n; i++) {
        unsigned flags = 0;
        size_t nelmts = 0;
        unsigned config = 0;
        H5Z_filter_t filter = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nelmts, NULL, 0, NULL, &config);
        if (filter == H5Z_FILTER_FLETCHER32) found = 1;
    }
    H5Pclose(dcpl);
    return found;
}

// --- Files opened from their bytes in memory (issue 13: checked bytes = loaded bytes)
#include "image.h"

// --- Untrusted files: checked in a child process first (issue 13) -------------
#include "untrusted.h"
