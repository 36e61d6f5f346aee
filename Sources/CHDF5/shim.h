// CHDF5 shim: libhdf5's C API, found through pkg-config (`hdf5`).
// HDF5 exposes many constants as C macros that expand to global ids or casts,
// which Swift cannot import; each is wrapped here in a static inline function.
#pragma once
#include <hdf5.h>

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
