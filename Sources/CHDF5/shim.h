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
