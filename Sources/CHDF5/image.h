// CHDF5: opening an HDF5 file from bytes in memory (issue 13: a file swapped between the check
// and the load).
//
// `HDF5File.open` reads a file once, checks those bytes (in a forked child, `untrusted.h`) and
// then opens the very same bytes in the caller: libhdf5's core driver (`H5Pset_fapl_core`,
// no backing store) with a file image (`H5Pset_file_image`). Whatever replaces the file on disk
// after the read is never parsed.
//
// The callbacks below hand libhdf5 the caller's buffer instead of copies (as H5LT's
// `H5LTopen_file_image` with `H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE` does):
// without them libhdf5 would keep two more copies of the file while it is open (one in the
// file's access list, one in the driver). The file is opened read-only, so libhdf5 never writes
// to, grows or frees the buffer; the caller frees it after `H5Fclose` (the access list asks for
// `H5F_CLOSE_STRONG`, so no object of the file outlives that call).
#pragma once
#include <hdf5.h>
#include <stdio.h>

static inline void *tgfl_H5_image_malloc(size_t size, H5FD_file_image_op_t op, void *udata) {
    (void)size;
    (void)op;
    return udata;   // the caller's buffer, for every operation
}

static inline void *tgfl_H5_image_memcpy(void *dest, const void *src, size_t size, H5FD_file_image_op_t op,
                                         void *udata) {
    (void)size;
    (void)op;
    // Every "copy" is of the buffer onto itself; anything else is refused.
    return dest == udata && src == udata ? dest : NULL;
}

static inline void *tgfl_H5_image_realloc(void *ptr, size_t size, H5FD_file_image_op_t op, void *udata) {
    (void)ptr;
    (void)size;
    (void)op;
    (void)udata;
    return NULL;    // a read-only image never grows
}

static inline herr_t tgfl_H5_image_free(void *ptr, H5FD_file_image_op_t op, void *udata) {
    (void)ptr;
    (void)op;
    (void)udata;
    return 0;       // the caller owns the buffer
}

static inline void *tgfl_H5_image_udata_copy(void *udata) { return udata; }

static inline herr_t tgfl_H5_image_udata_free(void *udata) {
    (void)udata;
    return 0;
}

/// Opens the `size` bytes at `image` read-only as an HDF5 file held in memory, without copying
/// them; returns the file id (negative on failure, with HDF5's error stack set). `image` must
/// stay valid and unchanged until `H5Fclose` of the returned id.
///
/// libhdf5 needs a name for the file: `/dev/null/tgfl-image-<address>`, which can never exist
/// (so the core driver does not refuse it as "file already exists") and is unique among open
/// images (libhdf5 would otherwise treat a second image of the same name as the first file).
static inline hid_t tgfl_H5_open_image(const void *image, size_t size) {
    if (image == NULL || size == 0) return -1;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    H5FD_file_image_callbacks_t callbacks = {
        tgfl_H5_image_malloc, tgfl_H5_image_memcpy, tgfl_H5_image_realloc, tgfl_H5_image_free,
        tgfl_H5_image_udata_copy, tgfl_H5_image_udata_free, (void *)image
    };
    char name[64];
    snprintf(name, sizeof name, "/dev/null/tgfl-image-%p", image);
    hid_t file = -1;
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0
        && H5Pset_file_image_callbacks(fapl, &callbacks) >= 0 && H5Pset_file_image(fapl, (void *)image, size) >= 0) {
        file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    }
    H5Pclose(fapl);
    return file;
}
