# Third-party libraries, all from Debian's packages (see docs/design.md for why each).
find_package(OpenMP REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HWY REQUIRED IMPORTED_TARGET libhwy libhwy-contrib)
# oneDNN's sgemm: ~90% of the AVX-512 FMA peak here (docs/design.md). Debian ships no CMake
# package that works without OpenCL, so find the library directly.
find_library(DNNL_LIBRARY NAMES dnnl REQUIRED)
find_path(DNNL_INCLUDE_DIR NAMES dnnl.h REQUIRED)
# toml++ (header-only) reads run configurations.
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
# zlib: the gzip-compressed IDX files of MNIST and Fashion-MNIST.
find_package(ZLIB REQUIRED)
# JSON headers of safetensors checkpoints (header-only; used privately by the library).
find_package(nlohmann_json 3.10 REQUIRED)
# libdeflate: whole-buffer gzip inflate, 2-3x zlib's speed, for the IDX data sets (zlib stays for
# streaming and for multi-member files).
find_library(DEFLATE_LIBRARY NAMES deflate REQUIRED)
