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
# OpenMPI (Debian's libopenmpi-dev) for keel::dist's process group. Only MPI's C API is used;
# skipping the deprecated C++ bindings keeps libmpi_cxx out of the link.
if(KEEL_WITH_MPI)
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI REQUIRED COMPONENTS CXX)
  find_program(KEEL_MPIEXEC NAMES mpirun mpiexec HINTS ${MPIEXEC_EXECUTABLE} REQUIRED)
endif()
