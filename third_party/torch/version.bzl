# The LibTorch the suite builds against: the C++ half of PyTorch's `torch` wheel from PyPI
# (CUDA 13 build, cxx11 ABI), unpacked by tools/setup.sh (install_libtorch) into LIBTORCH_DIR.
# The GPU machines' PyTorch is the same version, so a --config=cuda binary built here runs
# against their libraries (tools/gpu_check.sh).
LIBTORCH_VERSION = "2.11.0"
LIBTORCH_DIR = "/opt/sigma-reparam/libtorch-" + LIBTORCH_VERSION

# --config=cuda compiles against the CUDA 13 headers LibTorch's CUDA headers include (runtime,
# cuBLAS, cuSPARSE, cuSOLVER, NCCL), unpacked by `tools/setup.sh --cuda` into CUDA_HEADERS_DIR.
CUDA_HEADERS_DIR = "/opt/sigma-reparam/cuda-13.0-headers"
